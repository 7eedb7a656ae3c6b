// `vigil integrate claude-code [--project DIR] [--precheck] [--remove]`: installs vigil's hook in
// Claude Code's settings (user scope ~/.claude/settings.json, or a project's .claude/), keeping
// every other setting and hook. The first change keeps the original next to it
// (settings.json.vigil-backup); --remove takes vigil's hooks out again and, when nothing else
// changed meanwhile, puts the original back byte for byte.
import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';

import { addVigilHooks, removeVigilHooks } from '../agents/claude-settings.js';
import { EXIT_CODES, SystemError, UsageError } from '../errors.js';
import { parseVerbArgs } from './args.js';

const USAGE = `usage: vigil integrate claude-code [--project DIR] [--precheck] [--remove]

Installs \`vigil hook claude-code\` as Claude Code's PreToolUse, PostToolUse and
PostToolUseFailure hook (every tool), so the agent reads the kernel's refusals of its tool calls.
Other settings and hooks are kept; running it again changes nothing.

options:
  --project DIR   the project's .claude/settings.json instead of ~/.claude/settings.json
  --precheck      the hook also denies obviously refused shell commands before they run
  --socket PATH   the daemon's control socket the hook asks (default: its own default)
  --remove        take vigil's hook out again (the original file back when nothing else changed)
  -h, --help      this help`;

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The hook command: this node and this vigil, by absolute path (the agent's PATH may differ). */
function hookCommand(precheck: boolean, socket: string | undefined): string {
  const main = realpathSync(process.argv[1] ?? '');
  return [
    shellQuote(process.execPath),
    shellQuote(main),
    'hook',
    'claude-code',
    ...(precheck ? ['--precheck'] : []),
    ...(socket === undefined ? [] : ['--socket', shellQuote(resolve(socket))]),
  ].join(' ');
}

function readSettings(file: string): { text: string | null; json: Record<string, unknown> } {
  if (!existsSync(file)) return { text: null, json: {} };
  const text = readFileSync(file, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new SystemError(
      'VIGIL_AGENT_SETTINGS',
      `${file} is not JSON (${err instanceof Error ? err.message : String(err)}): nothing was changed`,
    );
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new SystemError('VIGIL_AGENT_SETTINGS', `${file} is not a JSON object: nothing was changed`);
  return { text, json: json as Record<string, unknown> };
}

function write(file: string, json: Record<string, unknown>): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
}

export function integrateCommand(args: string[]): number {
  const { values, positionals } = parseVerbArgs(
    'integrate',
    args,
    {
      project: { type: 'string' },
      precheck: { type: 'boolean' },
      socket: { type: 'string' },
      remove: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    true,
  );
  if (values.help === true) {
    console.log(USAGE);
    return EXIT_CODES.ok;
  }
  if (positionals[0] !== 'claude-code' || positionals.length > 1)
    throw new UsageError(
      `vigil integrate: name the agent: claude-code (Codex and Gemini CLI hooks are not supported yet)`,
      { hint: 'see `vigil integrate --help`' },
    );
  const file =
    values.project === undefined
      ? join(process.env.HOME ?? homedir(), '.claude', 'settings.json')
      : join(resolve(values.project), '.claude', 'settings.json');
  const backup = `${file}.vigil-backup`;
  const { text, json } = readSettings(file);

  if (values.remove === true) {
    const removed = removeVigilHooks(json);
    if (existsSync(backup)) {
      const original = readFileSync(backup, 'utf8');
      const originalJson = original === '' ? {} : (JSON.parse(original) as unknown);
      if (isDeepStrictEqual(removed, originalJson)) {
        if (original === '') rmSync(file, { force: true });
        else writeFileSync(file, original);
        rmSync(backup);
        console.log(`vigil: ${file}: restored as it was before vigil integrate`);
        return EXIT_CODES.ok;
      }
      rmSync(backup);
    }
    if (isDeepStrictEqual(removed, json)) {
      console.log(`vigil: ${file}: no vigil hook in it; nothing changed`);
      return EXIT_CODES.ok;
    }
    write(file, removed);
    console.log(
      `vigil: ${file}: vigil's hooks removed, the other settings kept (they changed since vigil integrate)`,
    );
    return EXIT_CODES.ok;
  }

  const updated = addVigilHooks(json, hookCommand(values.precheck === true, values.socket));
  if (isDeepStrictEqual(updated, json)) {
    console.log(`vigil: ${file}: vigil's hook is already installed; nothing changed`);
    return EXIT_CODES.ok;
  }
  if (!existsSync(backup)) {
    mkdirSync(dirname(backup), { recursive: true });
    writeFileSync(backup, text ?? '');
  }
  write(file, updated);
  console.log(
    `vigil: ${file}: vigil's hook installed for PreToolUse, PostToolUse and PostToolUseFailure (original kept in ${backup}; vigil integrate claude-code --remove undoes it)`,
  );
  return EXIT_CODES.ok;
}
