// gem install: several gems, `-v` applying to them (RubyGems allows it with one), `name:version`,
// local .gem files, --source.
import { flagStrings, hasOption, optionValues, parseArgs } from './argv-options.js';
import type { InstallCommand, InstallPackage } from './install-command.js';

const VALUES = new Set([
  '-v',
  '--version',
  '-i',
  '--install-dir',
  '-n',
  '--bindir',
  '--platform',
  '-P',
  '--trust-policy',
  '--source',
  '-s',
  '--document',
  '--build-root',
  '--file',
  '-g',
  '--file',
  '--without',
  '-B',
  '--bulk-threshold',
  '--target-rbconfig',
  '-p',
  '--http-proxy',
  '--config-file',
]);

function gem(raw: string, version: string | undefined): InstallPackage {
  if (/\.gem$/i.test(raw)) {
    const base = raw.split('/').pop() ?? raw;
    const m = /^(.+)-(\d[\w.]*)\.gem$/i.exec(base);
    return {
      ecosystem: 'rubygems',
      name: (m?.[1] ?? base.replace(/\.gem$/i, '')).toLowerCase(),
      spec: m?.[2] ?? null,
      source: 'tarball',
      raw,
    };
  }
  const colon = raw.indexOf(':');
  const name = colon > 0 ? raw.slice(0, colon) : raw;
  const spec = colon > 0 ? raw.slice(colon + 1) : (version ?? null);
  return {
    ecosystem: 'rubygems',
    name: name.toLowerCase(),
    spec: spec === '' ? null : spec,
    source: 'registry',
    raw,
  };
}

export function parseGem(args: readonly string[]): InstallCommand | null {
  const v = parseArgs(args, { withValue: VALUES, stopAtPositional: true });
  if (v.positionals[0] !== 'install' && v.positionals[0] !== 'i') return null;
  const p = parseArgs(v.rest, { withValue: VALUES });
  const options = [...v.options, ...p.options];
  const version = optionValues(options, '-v', '--version')[0];
  const fromFile = hasOption(options, '--file', '-g');
  return {
    tool: 'gem',
    ecosystem: 'rubygems',
    subcommand: 'install',
    packages: [
      // RubyGems takes --version with one gem only
      ...p.positionals.map((g) => gem(g, p.positionals.length === 1 ? version : undefined)),
      ...optionValues(options, '--file', '-g').map((f): InstallPackage => ({
        ecosystem: 'rubygems',
        name: f,
        spec: null,
        source: 'requirements-file',
        raw: f,
      })),
    ],
    flags: flagStrings(options),
    global: !fromFile && !hasOption(options, '-i', '--install-dir'),
  };
}
