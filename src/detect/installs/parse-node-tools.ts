// The JavaScript package managers: npm, npx, yarn (classic and berry), pnpm, pnpx, bun, bunx.
// Each finds its verb first (options may come before it), then reads the verb's arguments; for the
// verbs that run a package (npx, npm exec, dlx, bunx) only what comes before the command run counts.
import { flagStrings, hasOption, optionValues, parseArgs, type ParsedOption } from './argv-options.js';
import type { InstallCommand } from './install-command.js';
import { initializerPackage, parseNpmSpec } from './npm-spec.js';

const NPM_VALUE_OPTIONS = [
  '--registry',
  '--prefix',
  '--cache',
  '--tag',
  '--workspace',
  '-w',
  '--userconfig',
  '--globalconfig',
  '--loglevel',
  '--omit',
  '--include',
  '--install-strategy',
  '--before',
  '--otp',
  '--location',
  '--save-prefix',
  '--script-shell',
  '--package',
  '--call',
  '-c',
  '--cpu',
  '--os',
  '--libc',
  '--scope',
  '--proxy',
  '--https-proxy',
  '--noproxy',
  '--cafile',
  '--ca',
  '--fetch-retries',
  '--fetch-timeout',
  '--node-options',
  '--userconfig',
  '--cwd',
  '--network-timeout',
  '--mutex',
  '--cache-folder',
  '--modules-folder',
  '--global-folder',
  '--link-folder',
  '--network-concurrency',
  '--mode',
  '--filter',
  '-F',
  '-C',
  '--dir',
  '--reporter',
  '--store-dir',
  '--virtual-store-dir',
  '--allow-build',
  '--lockfile-dir',
  '--modules-dir',
  '--node-linker',
  '--workspace-concurrency',
  '--child-concurrency',
  '--resolution-mode',
  '--backend',
  '--cache-dir',
  '--cafile',
  '--concurrent-scripts',
  '--config',
];

/** the `-p` of npx, dlx and bunx names a package; elsewhere it is a switch */
const VALUES = new Set(NPM_VALUE_OPTIONS);
const EXEC_VALUES = new Set([...NPM_VALUE_OPTIONS, '-p']);

const NPM_VERBS: Record<string, string> = {
  install: 'install',
  i: 'install',
  in: 'install',
  ins: 'install',
  inst: 'install',
  insta: 'install',
  instal: 'install',
  isnt: 'install',
  isnta: 'install',
  isntal: 'install',
  isntall: 'install',
  add: 'install',
  'install-test': 'install',
  it: 'install',
  ci: 'ci',
  'clean-install': 'ci',
  ic: 'ci',
  'install-clean': 'ci',
  'isntall-clean': 'ci',
  exec: 'exec',
  x: 'exec',
  init: 'create',
  create: 'create',
  innit: 'create',
};

interface Verb {
  verb: string;
  before: ParsedOption[];
  args: string[];
}

/** the first word that is not an option, with the options before it and the words after it */
function findVerb(args: readonly string[]): Verb | undefined {
  const p = parseArgs(args, { withValue: VALUES, stopAtPositional: true });
  const verb = p.positionals[0];
  if (verb === undefined) return undefined;
  return { verb, before: p.options, args: p.rest };
}

function command(
  tool: string,
  subcommand: string,
  specs: readonly string[],
  options: readonly ParsedOption[],
  global: boolean,
): InstallCommand {
  return {
    tool,
    ecosystem: 'npm',
    subcommand,
    packages: specs.map(parseNpmSpec),
    flags: flagStrings(options),
    global,
  };
}

function isGlobal(options: readonly ParsedOption[]): boolean {
  return options.some(
    (o) =>
      ((o.name === '-g' || o.name === '--global') && o.value !== 'false') ||
      (o.name === '--location' && o.value === 'global'),
  );
}

/** npx / npm exec / pnpm dlx / yarn dlx / bunx: the packages fetched to run a command */
function execCommand(tool: string, subcommand: string, args: readonly string[], before: ParsedOption[]) {
  const p = parseArgs(args, { withValue: EXEC_VALUES, stopAtPositional: true });
  const options = [...before, ...p.options];
  const explicit = optionValues(options, '--package', '-p');
  const first = p.positionals[0] ?? (p.rest.length > 0 && explicit.length === 0 ? p.rest[0] : undefined);
  const specs = explicit.length > 0 ? explicit : first !== undefined ? [first] : [];
  return command(tool, subcommand, specs, options, false);
}

function createCommand(tool: string, args: readonly string[], before: ParsedOption[]) {
  const p = parseArgs(args, { withValue: VALUES, stopAtPositional: true });
  const initializer = p.positionals[0];
  if (initializer === undefined) return null;
  const spec =
    /^(\.|\/)/.test(initializer) || (tool === 'bun' && /^[^@][^/]*\/[^/]+$/.test(initializer))
      ? initializer
      : initializerPackage(initializer);
  const cmd = command(tool, 'create', [spec], [...before, ...p.options], false);
  // raw stays the argument as typed (vite@latest), the name is the package it stands for
  return { ...cmd, packages: cmd.packages.map((pkg) => ({ ...pkg, raw: initializer })) };
}

function installCommand(
  tool: string,
  subcommand: string,
  args: readonly string[],
  before: ParsedOption[],
  global = false,
) {
  const p = parseArgs(args, { withValue: VALUES });
  const options = [...before, ...p.options];
  return command(tool, subcommand, [...p.positionals, ...p.rest], options, global || isGlobal(options));
}

export function parseNpm(args: readonly string[]): InstallCommand | null {
  const v = findVerb(args);
  if (v === undefined) return null;
  const verb = NPM_VERBS[v.verb];
  switch (verb) {
    case undefined:
      return null;
    case 'exec':
      return execCommand('npm', 'exec', v.args, v.before);
    case 'create':
      return createCommand('npm', v.args, v.before);
    case 'ci':
      return installCommand(
        'npm',
        'ci',
        [],
        [...v.before, ...parseArgs(v.args, { withValue: VALUES }).options],
      );
    default:
      return installCommand('npm', verb, v.args, v.before);
  }
}

export function parseNpx(tool: string, args: readonly string[]): InstallCommand | null {
  const cmd = execCommand(tool, tool === 'npx' ? 'exec' : tool === 'bunx' ? 'x' : 'dlx', args, []);
  // npx -c 'cmd' runs a command line with no package named
  if (cmd.packages.length === 0 && !cmd.flags.some((f) => /^(-c|--call)(=|$)/.test(f))) return null;
  return cmd;
}

const INFO = ['-v', '--version', '-h', '--help'];

export function parseYarn(args: readonly string[]): InstallCommand | null {
  const v = findVerb(args);
  if (v === undefined) {
    const options = parseArgs(args, { withValue: VALUES }).options;
    return hasOption(options, ...INFO) ? null : installCommand('yarn', 'install', [], options);
  }
  switch (v.verb) {
    case 'add':
    case 'install':
      return installCommand('yarn', v.verb === 'add' ? 'add' : 'install', v.args, v.before);
    case 'global': {
      const inner = findVerb(v.args);
      if (inner?.verb !== 'add') return null;
      return installCommand('yarn', 'global-add', inner.args, [...v.before, ...inner.before], true);
    }
    case 'workspace': {
      // yarn workspace <name> add <pkg>
      const inner = findVerb(v.args.slice(1));
      if (inner?.verb !== 'add') return null;
      return installCommand('yarn', 'add', inner.args, [...v.before, ...inner.before]);
    }
    case 'dlx':
      return execCommand('yarn', 'dlx', v.args, v.before);
    case 'create':
      return createCommand('yarn', v.args, v.before);
    default:
      return null;
  }
}

export function parsePnpm(args: readonly string[]): InstallCommand | null {
  const v = findVerb(args);
  if (v === undefined) return null;
  switch (v.verb) {
    case 'add':
      return installCommand('pnpm', 'add', v.args, v.before);
    case 'install':
    case 'i':
      return installCommand('pnpm', 'install', v.args, v.before);
    case 'dlx':
      return execCommand('pnpm', 'dlx', v.args, v.before);
    case 'create':
      return createCommand('pnpm', v.args, v.before);
    default:
      return null;
  }
}

export function parseBun(args: readonly string[]): InstallCommand | null {
  const v = findVerb(args);
  if (v === undefined) return null;
  switch (v.verb) {
    case 'add':
    case 'a':
      return installCommand('bun', 'add', v.args, v.before);
    case 'install':
    case 'i':
      return installCommand('bun', 'install', v.args, v.before);
    case 'x':
      return execCommand('bun', 'x', v.args, v.before);
    case 'create':
    case 'c':
      return createCommand('bun', v.args, v.before);
    default:
      return null;
  }
}
