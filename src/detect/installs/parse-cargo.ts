// cargo install and cargo add (and cargo binstall, which fetches prebuilt binaries): `name@ver` or
// --version, --git with --branch/--tag/--rev, --path. A `+toolchain` before the verb is rustup's.
import { flagStrings, optionValues, parseArgs } from './argv-options.js';
import type { InstallCommand, InstallPackage } from './install-command.js';

const VALUES = new Set([
  '--version',
  '--vers',
  '--git',
  '--branch',
  '--tag',
  '--rev',
  '--path',
  '--root',
  '--registry',
  '--index',
  '--features',
  '-F',
  '--target',
  '--target-dir',
  '--profile',
  '-j',
  '--jobs',
  '--bin',
  '--example',
  '--rename',
  '--package',
  '-p',
  '--manifest-path',
  '--config',
  '-Z',
  '--color',
  '--target-triple',
]);

function crate(raw: string, versionFlag: string | undefined): InstallPackage {
  const at = raw.indexOf('@');
  const name = (at > 0 ? raw.slice(0, at) : raw).toLowerCase();
  const spec = at > 0 ? raw.slice(at + 1) : (versionFlag ?? null);
  return { ecosystem: 'cargo', name, spec: spec === '' ? null : spec, source: 'registry', raw };
}

function repoName(url: string): string {
  return (url.replace(/\/+$/, '').split('/').pop() ?? url).replace(/\.git$/i, '').toLowerCase();
}

export function parseCargo(args: readonly string[]): InstallCommand | null {
  const rest = args[0]?.startsWith('+') === true ? args.slice(1) : args;
  const v = parseArgs(rest, { withValue: VALUES, stopAtPositional: true });
  const verb = v.positionals[0];
  if (verb !== 'install' && verb !== 'add' && verb !== 'binstall') return null;
  const p = parseArgs(v.rest, { withValue: VALUES });
  const options = [...v.options, ...p.options];
  if (options.some((o) => o.name === '--list')) return null; // lists what is installed
  const version = optionValues(options, '--version', '--vers')[0];
  const git = optionValues(options, '--git')[0];
  const path = optionValues(options, '--path')[0];
  const ref = optionValues(options, '--tag', '--rev', '--branch')[0] ?? null;
  let packages: InstallPackage[];
  if (git !== undefined) {
    const names = p.positionals.length > 0 ? p.positionals.map((n) => n.toLowerCase()) : [repoName(git)];
    packages = names.map((name) => ({ ecosystem: 'cargo', name, spec: ref, source: 'git', raw: git }));
  } else if (path !== undefined) {
    const name = p.positionals[0]?.toLowerCase() ?? repoName(path === '.' ? path : path);
    packages = [{ ecosystem: 'cargo', name, spec: null, source: 'local', raw: path }];
  } else {
    packages = p.positionals.map((n) => crate(n, version));
  }
  // `cargo install` with neither names nor --git/--path installs the crate in the current folder
  if (packages.length === 0 && verb === 'install') {
    packages = [{ ecosystem: 'cargo', name: '.', spec: null, source: 'local', raw: '.' }];
  }
  return {
    tool: 'cargo',
    ecosystem: 'cargo',
    subcommand: verb,
    packages,
    flags: flagStrings(options),
    global: verb !== 'add',
  };
}
