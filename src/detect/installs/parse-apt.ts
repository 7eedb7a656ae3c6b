// apt, apt-get and aptitude install (`pkg=version`, `pkg/suite`, `pkg:arch`, ./local.deb), and
// dpkg -i of local .deb files. Options may come before the verb (`apt-get -y install`).
import { flagStrings, hasOption, optionValues, parseArgs } from './argv-options.js';
import type { InstallCommand, InstallPackage } from './install-command.js';

const VALUES = new Set([
  '-t',
  '--target-release',
  '--default-release',
  '-o',
  '--option',
  '-c',
  '--config-file',
  '-a',
  '--host-architecture',
  '-P',
  '--build-profiles',
  '--admindir',
  '--root',
  '--instdir',
]);

const ARCHES = new Set([
  'amd64',
  'i386',
  'arm64',
  'armhf',
  'armel',
  'all',
  'ppc64el',
  's390x',
  'riscv64',
  'mips64el',
]);

function debPackage(raw: string): InstallPackage | undefined {
  if (/\.deb$/i.test(raw) || raw.startsWith('/') || raw.startsWith('.')) {
    const base = raw.split('/').pop() ?? raw;
    // name_version_arch.deb; name_arch.deb carries no version
    const m = /^([^_]+)_([^_]+)(_[^_]+)?\.deb$/i.exec(base);
    const version = m?.[3] === undefined && ARCHES.has(m?.[2] ?? '') ? null : (m?.[2] ?? null);
    return {
      ecosystem: 'debian',
      name: (m?.[1] ?? base.replace(/\.deb$/i, '')).toLowerCase(),
      spec: version,
      source: 'tarball',
      raw,
    };
  }
  // `pkg-` asks apt to remove pkg
  if (raw.endsWith('-')) return undefined;
  const m = /^([^=/:]+?)(?::([a-z0-9-]+))?(?:=(.+)|\/(.+))?$/i.exec(raw);
  const name = (m?.[1] ?? raw).toLowerCase();
  const spec = m?.[3] ?? m?.[4] ?? null;
  return { ecosystem: 'debian', name, spec, source: 'registry', raw };
}

export function parseApt(tool: string, args: readonly string[]): InstallCommand | null {
  if (tool === 'dpkg') {
    const p = parseArgs(args, { withValue: VALUES });
    if (!hasOption(p.options, '-i', '--install')) return null;
    const packages = p.positionals.flatMap((a) => debPackage(a) ?? []);
    return {
      tool,
      ecosystem: 'debian',
      subcommand: 'install',
      packages,
      flags: flagStrings(p.options),
      global: true,
    };
  }
  const p = parseArgs(args, { withValue: VALUES });
  const [verb, ...names] = p.positionals;
  if (verb !== 'install' && verb !== 'reinstall') return null;
  const release = optionValues(p.options, '-t', '--target-release', '--default-release')[0];
  const packages = names.flatMap((n) => {
    const pkg = debPackage(n);
    if (pkg === undefined) return [];
    return pkg.spec === null && release !== undefined && pkg.source === 'registry'
      ? [{ ...pkg, spec: release }]
      : [pkg];
  });
  return {
    tool,
    ecosystem: 'debian',
    subcommand: verb,
    packages,
    flags: flagStrings(p.options),
    global: true,
  };
}
