// The commands an agent's settings run (hook commands, MCP server commands): their words read
// with shell-quote, the script they run found behind an interpreter, and where that script comes
// from (a relative path, a folder outside the home and the system, a file others may change).
import { statSync, type Stats } from 'node:fs';
import { basename, isAbsolute, resolve } from 'node:path';

import { parse } from 'shell-quote';

import { reason } from './rubric.js';
import type { PostureAgent, PostureReason } from './types.js';

export interface CommandContext {
  home: string;
  project: string | null;
  /** the owner of the home: a script owned by anyone else but root is foreign */
  homeUid: number | null;
}

/** Programs that run the script named by their first non-option argument. */
const INTERPRETERS = new Set([
  'sh',
  'bash',
  'dash',
  'zsh',
  'ksh',
  'fish',
  'python',
  'python3',
  'node',
  'nodejs',
  'bun',
  'deno',
  'ruby',
  'perl',
  'php',
  'tsx',
  'ts-node',
]);
/** Interpreters whose inline code comes with -c (their -e is an option, errexit). */
const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ksh', 'fish']);
/** Words that run the next word rather than themselves. */
const PREFIXES = new Set(['env', 'exec', 'command', 'nohup', 'sudo', 'time', 'nice']);
/** Subcommands of an interpreter that come before the script (deno run x.ts, bun run x.ts). */
const SUBCOMMANDS = new Set(['run']);
/** Folders a command may live in without being questioned. */
const SYSTEM_DIRS = [
  '/usr/',
  '/bin/',
  '/sbin/',
  '/lib/',
  '/lib64/',
  '/opt/',
  '/etc/',
  '/nix/store/',
  '/snap/',
];

/** The words of a command line: $HOME and the agents' project variables expanded, ~ too. */
export function commandWords(command: string, ctx: CommandContext): string[] {
  const vars: Record<string, string> = { HOME: ctx.home };
  if (ctx.project !== null) {
    for (const v of ['CLAUDE_PROJECT_DIR', 'GEMINI_PROJECT_DIR', 'GEMINI_CWD', 'PWD']) vars[v] = ctx.project;
  }
  const out: string[] = [];
  for (const entry of parse(command, (name) => vars[name] ?? `$${name}`)) {
    if (typeof entry === 'string') out.push(expandTilde(entry, ctx.home));
    else if ('op' in entry) out.push(entry.op === 'glob' ? entry.pattern : entry.op);
  }
  return out;
}

function expandTilde(word: string, home: string): string {
  return word === '~' ? home : word.startsWith('~/') ? `${home}${word.slice(1)}` : word;
}

/** The script a program and its arguments run: the program itself when it is a path, else the
 * first non-option argument of an interpreter (`bash x.sh`, `python3 -u x.py`, `deno run x.ts`). */
export function scriptOf(program: string, args: readonly string[]): string | null {
  let words = [program, ...args];
  while (words.length > 0) {
    const first = words[0] as string;
    if (PREFIXES.has(basename(first)) || /^[A-Za-z_][A-Za-z0-9_]*=/.test(first)) {
      words = words.slice(1).filter((w, i) => i > 0 || !w.startsWith('-'));
      continue;
    }
    break;
  }
  const [first, ...rest] = words;
  if (first === undefined) return null;
  if (INTERPRETERS.has(basename(first).replace(/[\d.]+$/, '') || basename(first))) {
    const inline = SHELLS.has(basename(first)) ? ['-c'] : ['-c', '-e', '-m', '-p', '--eval', '--print'];
    if (rest.some((w) => inline.includes(w))) return null;
    const script = rest.find((w, i) => !w.startsWith('-') && !(i === 0 && SUBCOMMANDS.has(w)));
    return script === undefined || script.startsWith('$') ? null : script;
  }
  return first.includes('/') && !first.startsWith('$') ? first : null;
}

/** The script a shell command line runs, by its first simple command. */
export function scriptOfCommand(command: string, ctx: CommandContext): string | null {
  const words = commandWords(command, ctx);
  const end = words.findIndex((w) => ['|', '||', '&&', ';', '&', '(', ')', '<', '>', '>>'].includes(w));
  const first = end === -1 ? words : words.slice(0, end);
  const [program, ...args] = first;
  return program === undefined ? null : scriptOf(program, args);
}

/** The path a script names, from the folder the agent runs it in (the project). */
export function resolveScript(script: string, ctx: CommandContext): string {
  return isAbsolute(script) ? script : resolve(ctx.project ?? ctx.home, script);
}

function under(path: string, dir: string): boolean {
  const d = dir.endsWith('/') ? dir : `${dir}/`;
  return path.startsWith(d);
}

/**
 * The provenance reasons of a command's script: relative, outside home/project/system, and,
 * when it is there, writable by every user or owned by another one. `what` names the command.
 */
export function provenanceReasons(
  agent: PostureAgent,
  file: string,
  script: string,
  what: string,
  snippet: string | null,
  ctx: CommandContext,
  known?: Stats | null,
): PostureReason[] {
  const out: PostureReason[] = [];
  if (!isAbsolute(script)) {
    out.push(
      reason(
        'relative_command_path',
        agent,
        file,
        `${what} runs ${script}, a relative path (resolved from the folder the agent starts in)`,
        snippet,
      ),
    );
  }
  const path = resolveScript(script, ctx);
  const inside =
    under(path, ctx.home) ||
    (ctx.project !== null && under(path, ctx.project)) ||
    SYSTEM_DIRS.some((d) => under(path, d));
  if (isAbsolute(script) && !inside) {
    out.push(
      reason(
        'command_outside_home',
        agent,
        file,
        `${what} runs ${path}, outside the home, the project and the system folders`,
        snippet,
      ),
    );
  }
  let stat = known ?? null;
  if (stat === null) {
    try {
      stat = statSync(path);
    } catch {
      stat = null;
    }
  }
  if (stat?.isFile() === true) {
    if ((stat.mode & 0o002) !== 0) {
      out.push(
        reason(
          'world_writable_script',
          agent,
          path,
          `${what} runs ${path}, which every user may write (mode ${(stat.mode & 0o7777).toString(8)})`,
          snippet,
        ),
      );
    }
    if (ctx.homeUid !== null && stat.uid !== ctx.homeUid && stat.uid !== 0) {
      out.push(
        reason(
          'foreign_owned_script',
          agent,
          path,
          `${what} runs ${path}, owned by uid ${stat.uid} (the home's owner is uid ${ctx.homeUid})`,
          snippet,
        ),
      );
    }
  }
  return out;
}
