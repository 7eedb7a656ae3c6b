// Finds the package tool in an argv as the kernel saw it: past wrappers (sudo, env FOO=bar, nice,
// timeout, corepack ...) and past the interpreter a shebang put in front of a script
// (`node /usr/lib/node_modules/npm/bin/npm-cli.js`, `python3 -m pip`, `ruby /usr/bin/gem`).

export interface ResolvedTool {
  /** the tool's canonical name: npm, npx, yarn, pnpm, pnpx, bun, bunx, pip, pipx, uv, uvx, poetry, cargo, go, gem, apt, apt-get, aptitude, dpkg */
  tool: string;
  /** the tool's own arguments */
  args: string[];
  /** run through sudo or doas */
  elevated: boolean;
}

const TOOLS = new Set([
  'npm',
  'npx',
  'yarn',
  'yarnpkg',
  'pnpm',
  'pnpx',
  'bun',
  'bunx',
  'pip',
  'pipx',
  'uv',
  'uvx',
  'poetry',
  'cargo',
  'go',
  'gem',
  'apt',
  'apt-get',
  'aptitude',
  'dpkg',
]);

/** `/usr/lib/node_modules/npm/bin/npm-cli.js` -> npm; `pip3.11` -> pip; `yarn-4.1.0.cjs` -> yarn */
export function toolName(path: string): string | undefined {
  const parts = path.split('/').filter((p) => p !== '');
  let base = parts[parts.length - 1] ?? '';
  if (/^__main__\.py$/.test(base)) base = parts[parts.length - 2] ?? '';
  base = base.replace(/\.(c|m)?js$|\.py$|\.exe$|\.cmd$/i, '');
  const candidates = [
    base,
    base.replace(/-cli$/, ''),
    base.replace(/[\d.]+$/, ''),
    base.replace(/-[\d.]+(-.*)?$/, ''),
    base.replace(/-(berry|classic)$/, ''),
  ];
  for (const c of candidates) {
    if (!TOOLS.has(c)) continue;
    return c === 'yarnpkg' ? 'yarn' : c;
  }
  return undefined;
}

const NODE = /^(node|nodejs)([\d.]*)$/;
const PYTHON = /^(python|pypy)([\d.]*)$/;
const RUBY = /^ruby([\d.]*)$/;

/** options of each wrapper that take a value (the value is skipped with the option) */
const WRAPPER_VALUE_OPTIONS: Record<string, ReadonlySet<string>> = {
  sudo: new Set(['-u', '-g', '-p', '-C', '-h', '-r', '-t', '-U', '-D', '-R', '-T', '--user', '--group']),
  doas: new Set(['-u', '-C']),
  env: new Set(['-u', '-C', '--unset', '--chdir']),
  nice: new Set(['-n', '--adjustment']),
  ionice: new Set(['-c', '-n', '-t', '-p', '-P', '-u']),
  timeout: new Set(['-s', '-k', '--signal', '--kill-after']),
  time: new Set(['-f', '-o', '--format', '--output']),
  stdbuf: new Set(['-i', '-o', '-e']),
  nohup: new Set(),
  command: new Set(),
  exec: new Set(),
};

/** the tool an argv runs, or undefined when it runs none of the package tools */
export function resolveTool(argv: readonly string[]): ResolvedTool | undefined {
  let args = [...argv];
  let elevated = false;
  for (let guard = 0; guard < 16 && args.length > 0; guard++) {
    const base = (args[0] as string).split('/').pop() ?? '';
    const wrapperOptions = WRAPPER_VALUE_OPTIONS[base];
    if (wrapperOptions !== undefined) {
      if (base === 'sudo' || base === 'doas') elevated = true;
      args = skipWrapper(base, args.slice(1), wrapperOptions);
      continue;
    }
    if (base === 'corepack') {
      args = args.slice(1);
      continue;
    }
    if (NODE.test(base)) {
      const script = interpreterScript(
        args.slice(1),
        new Set([
          '-r',
          '--require',
          '--import',
          '--loader',
          '--experimental-loader',
          '-C',
          '--conditions',
          '--title',
          '--input-type',
        ]),
        ['-e', '--eval', '-p', '--print', '-i', '--interactive'],
      );
      if (script === undefined) return undefined;
      args = script;
      continue;
    }
    if (PYTHON.test(base)) {
      const rest = args.slice(1);
      const script = interpreterScript(rest, new Set(['-W', '-X', '--check-hash-based-pycs']), ['-c'], '-m');
      if (script === undefined) return undefined;
      args = script;
      continue;
    }
    if (RUBY.test(base)) {
      const script = interpreterScript(args.slice(1), new Set(['-I', '-r', '-C', '-E', '--encoding']), [
        '-e',
      ]);
      if (script === undefined) return undefined;
      args = script;
      continue;
    }
    const tool = toolName(args[0] as string);
    if (tool === undefined) return undefined;
    return { tool, args: args.slice(1), elevated };
  }
  return undefined;
}

function skipWrapper(name: string, args: string[], withValue: ReadonlySet<string>): string[] {
  let i = 0;
  while (i < args.length) {
    const a = args[i] as string;
    if (a === '--') {
      i++;
      break;
    }
    if ((name === 'env' || name === 'sudo') && /^[A-Za-z_][A-Za-z0-9_]*=/.test(a)) {
      i++;
      continue;
    }
    if (name === 'env' && (a === '-S' || a.startsWith('--split-string'))) {
      // env -S 'node --opt': the string is split into words
      const value = a.startsWith('--split-string=') ? a.slice('--split-string='.length) : args[i + 1];
      const skip = a.startsWith('--split-string=') ? 1 : 2;
      return [...(value ?? '').split(/\s+/).filter((w) => w !== ''), ...args.slice(i + skip)];
    }
    if (!a.startsWith('-') || a === '-') break;
    if (a.includes('=') && a.startsWith('--')) i += 1;
    else if (withValue.has(a)) i += 2;
    else if (a.length > 2 && !a.startsWith('--') && withValue.has(a.slice(0, 2))) i += 1;
    else i += 1;
  }
  const rest = args.slice(i);
  // timeout DURATION COMMAND, nice's old -N form is an option: only timeout has a positional
  if (name === 'timeout') return rest.slice(1);
  return rest;
}

/**
 * The arguments from an interpreter's script on (script path first), or for `-m module` the module
 * as if it were the command; undefined when the interpreter runs inline code or nothing.
 */
function interpreterScript(
  args: string[],
  withValue: ReadonlySet<string>,
  inline: readonly string[],
  moduleFlag?: string,
): string[] | undefined {
  let i = 0;
  while (i < args.length) {
    const a = args[i] as string;
    if (a === '--') return args.slice(i + 1).length > 0 ? args.slice(i + 1) : undefined;
    if (!a.startsWith('-') || a === '-') break;
    if (inline.includes(a) || inline.some((f) => f.length === 2 && a.startsWith(f) && !a.startsWith('--')))
      return undefined;
    if (moduleFlag !== undefined && a === moduleFlag)
      return args.length > i + 1 ? args.slice(i + 1) : undefined;
    if (moduleFlag !== undefined && a.startsWith(moduleFlag))
      return [a.slice(moduleFlag.length), ...args.slice(i + 1)];
    if (withValue.has(a)) i += 2;
    else i += 1;
  }
  return i < args.length ? args.slice(i) : undefined;
}
