// The Python installers: pip (pip3, python -m pip), pipx, uv (uv pip install, uv add, uv tool
// install, uv run --with, uvx) and poetry. Their requirements are read by python-spec.ts; a -r file
// is one package of source requirements-file, whose contents are not seen here.
import { flagStrings, hasOption, optionValues, parseArgs, type ParsedOption } from './argv-options.js';
import type { InstallCommand, InstallPackage } from './install-command.js';
import { parsePythonRequirement } from './python-spec.js';

const PIP_VALUES = new Set([
  '-r',
  '--requirement',
  '-c',
  '--constraint',
  '-e',
  '--editable',
  '-i',
  '--index-url',
  '--extra-index-url',
  '-f',
  '--find-links',
  '--trusted-host',
  '-t',
  '--target',
  '--prefix',
  '--root',
  '--src',
  '--upgrade-strategy',
  '--platform',
  '--python-version',
  '--implementation',
  '--abi',
  '--only-binary',
  '--no-binary',
  '--progress-bar',
  '--log',
  '--log-file',
  '--proxy',
  '--retries',
  '--timeout',
  '--exists-action',
  '--cert',
  '--client-cert',
  '--cache-dir',
  '--global-option',
  '--install-option',
  '-C',
  '--config-settings',
  '--report',
  '--python',
  '--root-user-action',
  '--keyring-provider',
  '--use-feature',
  '--use-deprecated',
  '--progress-bar',
  // uv
  '-p',
  '--index',
  '--default-index',
  '--index-strategy',
  '--override',
  '--prerelease',
  '--resolution',
  '--torch-backend',
  '--config-file',
  '--directory',
  '--project',
  '--group',
  '--optional',
  '--package',
  '--script',
  '--bounds',
  '--branch',
  '--tag',
  '--rev',
  '--with',
  '--with-requirements',
  '--with-editable',
  '--from',
  '--extra',
  '--color',
  '--exclude-newer',
  '--marker',
  '--only-group',
  '--no-group',
  // pipx
  '--pip-args',
  '--suffix',
  '--spec',
  '--preinstall',
  // poetry
  '-G',
  '-E',
  '--extras',
  '--source',
  '--directory',
]);

function requirementFile(path: string): InstallPackage {
  return { ecosystem: 'pypi', name: path, spec: null, source: 'requirements-file', raw: path };
}

function python(
  tool: string,
  subcommand: string,
  packages: InstallPackage[],
  options: readonly ParsedOption[],
  global: boolean,
): InstallCommand {
  return { tool, ecosystem: 'pypi', subcommand, packages, flags: flagStrings(options), global };
}

/** the requirements an install names: positionals, -r files and -e editables, in command order */
function requirements(positionals: readonly string[], options: readonly ParsedOption[]): InstallPackage[] {
  const out: InstallPackage[] = [];
  for (const o of options) {
    if (o.value === undefined) continue;
    if (o.name === '-r' || o.name === '--requirement' || o.name === '--with-requirements')
      out.push(requirementFile(o.value));
    if (o.name === '-e' || o.name === '--editable' || o.name === '--with-editable')
      out.push(parsePythonRequirement(o.value));
  }
  return [...positionals.map((p) => parsePythonRequirement(p)), ...out];
}

/** `ruff@0.6.0` (uvx, uv tool install) as a requirement */
function atVersion(arg: string): string {
  const m = /^([A-Za-z0-9][A-Za-z0-9._-]*(?:\[[^\]]*\])?)@([^/:\s]+)$/.exec(arg);
  if (m === null) return arg;
  return m[2] === 'latest' ? (m[1] as string) : `${m[1] as string}==${m[2] as string}`;
}

function withLatest(pkg: InstallPackage, arg: string): InstallPackage {
  return /@latest$/.test(arg) ? { ...pkg, spec: 'latest', raw: arg } : { ...pkg, raw: arg };
}

/** pip install, after `install` */
function pipInstall(tool: string, args: readonly string[], before: ParsedOption[], elevated: boolean) {
  const p = parseArgs(args, { withValue: PIP_VALUES });
  const options = [...before, ...p.options];
  const packages = requirements([...p.positionals, ...p.rest], options);
  const global =
    !hasOption(options, '-t', '--target', '--prefix', '--root') &&
    (elevated || hasOption(options, '--user', '--break-system-packages', '--system'));
  return python(tool, 'install', packages, options, global);
}

function verbOf(args: readonly string[]) {
  const p = parseArgs(args, { withValue: PIP_VALUES, stopAtPositional: true });
  return { verb: p.positionals[0], before: p.options, args: p.rest };
}

export function parsePip(args: readonly string[], elevated: boolean): InstallCommand | null {
  const v = verbOf(args);
  return v.verb === 'install' ? pipInstall('pip', v.args, v.before, elevated) : null;
}

export function parsePipx(args: readonly string[]): InstallCommand | null {
  const v = verbOf(args);
  switch (v.verb) {
    case 'install': {
      const p = parseArgs(v.args, { withValue: PIP_VALUES });
      const options = [...v.before, ...p.options];
      const specs = optionValues(options, '--spec');
      const packages = requirements(
        [...(specs.length > 0 ? specs : p.positionals), ...optionValues(options, '--preinstall')],
        options,
      );
      return python('pipx', 'install', packages, options, true);
    }
    case 'inject': {
      const p = parseArgs(v.args, { withValue: PIP_VALUES });
      const options = [...v.before, ...p.options];
      return python('pipx', 'inject', requirements(p.positionals.slice(1), options), options, true);
    }
    case 'run': {
      const p = parseArgs(v.args, { withValue: PIP_VALUES, stopAtPositional: true });
      const options = [...v.before, ...p.options];
      const spec = optionValues(options, '--spec')[0] ?? p.positionals[0];
      if (spec === undefined) return null;
      return python('pipx', 'run', [parsePythonRequirement(spec)], options, false);
    }
    default:
      return null;
  }
}

/** uvx and uv tool run: the package is --from's, or the command's own */
function uvRun(tool: string, subcommand: string, args: readonly string[], before: ParsedOption[]) {
  const p = parseArgs(args, { withValue: PIP_VALUES, stopAtPositional: true });
  const options = [...before, ...p.options];
  const from = optionValues(options, '--from')[0];
  const command = p.positionals[0];
  const main = from ?? command;
  if (main === undefined) return null;
  const packages = [
    withLatest(parsePythonRequirement(atVersion(main)), main),
    ...optionValues(options, '--with').map((w) => parsePythonRequirement(w)),
    ...requirements([], options),
  ];
  return python(tool, subcommand, packages, options, false);
}

export function parseUvx(args: readonly string[]): InstallCommand | null {
  return uvRun('uvx', 'tool-run', args, []);
}

export function parseUv(args: readonly string[], elevated: boolean): InstallCommand | null {
  const v = verbOf(args);
  switch (v.verb) {
    case 'pip': {
      const inner = verbOf(v.args);
      if (inner.verb !== 'install') return null;
      const cmd = pipInstall('uv', inner.args, [...v.before, ...inner.before], elevated);
      return { ...cmd, subcommand: 'pip-install' };
    }
    case 'add': {
      const p = parseArgs(v.args, { withValue: PIP_VALUES });
      const options = [...v.before, ...p.options];
      const ref = optionValues(options, '--tag', '--branch', '--rev')[0];
      const packages = requirements(p.positionals, options).map((pkg) =>
        pkg.source === 'git' && pkg.spec === null && ref !== undefined ? { ...pkg, spec: ref } : pkg,
      );
      return python('uv', 'add', packages, options, false);
    }
    case 'sync':
      return python(
        'uv',
        'sync',
        [],
        [...v.before, ...parseArgs(v.args, { withValue: PIP_VALUES }).options],
        false,
      );
    case 'run': {
      const p = parseArgs(v.args, { withValue: PIP_VALUES, stopAtPositional: true });
      const options = [...v.before, ...p.options];
      const withs = optionValues(options, '--with').flatMap((w) => w.split(','));
      if (withs.length === 0) return null;
      return python(
        'uv',
        'run',
        withs.map((w) => parsePythonRequirement(w)),
        options,
        false,
      );
    }
    case 'tool': {
      const inner = verbOf(v.args);
      const before = [...v.before, ...inner.before];
      if (inner.verb === 'run') return uvRun('uv', 'tool-run', inner.args, before);
      if (inner.verb !== 'install') return null;
      const p = parseArgs(inner.args, { withValue: PIP_VALUES });
      const options = [...before, ...p.options];
      const main = optionValues(options, '--from')[0] ?? p.positionals[0];
      if (main === undefined) return null;
      const packages = [
        withLatest(parsePythonRequirement(atVersion(main)), main),
        ...optionValues(options, '--with').map((w) => parsePythonRequirement(w)),
        ...requirements([], options),
      ];
      return python('uv', 'tool-install', packages, options, true);
    }
    default:
      return null;
  }
}

export function parsePoetry(args: readonly string[]): InstallCommand | null {
  const v = verbOf(args);
  let verb = v.verb;
  let rest = v.args;
  let before = v.before;
  let global = false;
  if (verb === 'self') {
    // poetry self add: a plugin into poetry's own environment
    const inner = verbOf(rest);
    verb = inner.verb;
    rest = inner.args;
    before = [...before, ...inner.before];
    global = true;
  }
  if (verb === 'install' && !global) {
    return python(
      'poetry',
      'install',
      [],
      [...before, ...parseArgs(rest, { withValue: PIP_VALUES }).options],
      false,
    );
  }
  if (verb !== 'add') return null;
  const p = parseArgs(rest, { withValue: PIP_VALUES });
  const options = [...before, ...p.options];
  const packages = p.positionals.map((a) => parsePythonRequirement(a, { poetry: true }));
  return python('poetry', global ? 'self-add' : 'add', packages, options, global);
}
