// `vigil integrate AGENT [--project DIR] [--precheck] [--remove]`: installs vigil's hook in an
// agent's hook settings (Claude Code, Gemini CLI, Codex; user scope, or a project's), keeping
// every other setting and hook. The first change keeps the original next to it
// (FILE.vigil-backup); --remove takes vigil's hooks out again and, when nothing else changed
// meanwhile, puts the original back byte for byte (agents/settings-file.ts).
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';

import { claudeSettings } from '../agents/claude-settings.js';
import { codexSettings } from '../agents/codex-settings.js';
import { geminiSettings } from '../agents/gemini-settings.js';
import { addVigilHooks, removeVigilHooks, type HookSettingsSpec } from '../agents/hook-settings.js';
import { backupPath, changeSettings, undoSettings } from '../agents/settings-file.js';
import { EXIT_CODES, UsageError } from '../errors.js';
import { parseVerbArgs } from './args.js';

const AGENTS: readonly HookSettingsSpec[] = [claudeSettings, geminiSettings, codexSettings];

const USAGE = `usage: vigil integrate AGENT [--project DIR] [--precheck] [--remove]

Installs \`vigil hook AGENT\` as the agent's hook on every tool call, so the agent reads the
kernel's refusals of its tool calls. Other settings and hooks are kept; running it again changes
nothing.

agents and the file changed (user scope; with --project, the same path under DIR):
  claude-code   ~/.claude/settings.json   PreToolUse, PostToolUse, PostToolUseFailure
  gemini-cli    ~/.gemini/settings.json   BeforeTool, AfterTool
  codex         ~/.codex/hooks.json       PreToolUse, PostToolUse (trust them in Codex's /hooks)

options:
  --project DIR   the project's settings instead of the user's
  --precheck      the hook also denies obviously refused shell commands before they run
  --socket PATH   the daemon's control socket the hook asks (default: its own default)
  --remove        take vigil's hook out again (the original file back when nothing else changed)
  -h, --help      this help`;

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The hook command: this node and this vigil, by absolute path (the agent's PATH may differ). */
function hookCommand(agent: string, precheck: boolean, socket: string | undefined): string {
  const main = realpathSync(process.argv[1] ?? '');
  return [
    shellQuote(process.execPath),
    shellQuote(main),
    'hook',
    agent,
    ...(precheck ? ['--precheck'] : []),
    ...(socket === undefined ? [] : ['--socket', shellQuote(resolve(socket))]),
  ].join(' ');
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
  const spec = AGENTS.find((a) => a.agent === positionals[0]);
  if (spec === undefined || positionals.length > 1)
    throw new UsageError(`vigil integrate: name the agent: ${AGENTS.map((a) => a.agent).join(', ')}`, {
      hint: 'see `vigil integrate --help`',
    });
  const file = spec.file(values.project);

  if (values.remove === true) {
    const r = undoSettings(file, (json) => removeVigilHooks(json, spec.agent));
    console.log(
      r === 'restored'
        ? `vigil: ${file}: restored as it was before vigil integrate`
        : r === 'kept'
          ? `vigil: ${file}: vigil's hooks removed, the other settings kept (they changed since vigil integrate)`
          : `vigil: ${file}: no vigil hook in it; nothing changed`,
    );
    return EXIT_CODES.ok;
  }

  const command = hookCommand(spec.agent, values.precheck === true, values.socket);
  const r = changeSettings(file, (json) => addVigilHooks(json, spec, command));
  if (r === 'unchanged') {
    console.log(`vigil: ${file}: vigil's hook is already installed; nothing changed`);
    return EXIT_CODES.ok;
  }
  console.log(
    `vigil: ${file}: vigil's hook installed for ${spec.events.join(', ')} (original kept in ${backupPath(file)}; vigil integrate ${spec.agent} --remove undoes it)`,
  );
  for (const note of spec.notes?.(values.project) ?? []) console.log(`vigil: ${spec.title}: ${note}`);
  return EXIT_CODES.ok;
}
