// `vigil hook claude-code`: run by the agent as its hook (vigil integrate installs it). Reads the
// hook's JSON on stdin, asks the daemon's feedback socket about the caller's own session, and
// answers in the agent's hook protocol. Never fails the agent's tool call: every problem becomes
// a message and exit 0.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';

import { commandTargets } from '../agents/command-targets.js';
import { denialText } from '../agents/denial-text.js';
import {
  parseHookInput,
  postToolOutput,
  preToolDeny,
  unreachableOutput,
  type HookOutput,
} from '../agents/claude-hook.js';
import { defaultSocketPath } from '../daemon/control-client.js';
import { askFeedback } from '../daemon/feedback-client.js';
import { feedbackSocketPath } from '../daemon/feedback-protocol.js';
import { EXIT_CODES, UsageError } from '../errors.js';
import { parseVerbArgs } from './args.js';

const USAGE = `usage: vigil hook claude-code [--precheck] [--socket PATH]

Claude Code's hook (installed by vigil integrate claude-code). Reads the hook's JSON on stdin:
  PreToolUse    marks the start of the tool call; with --precheck, a Bash command whose
                programs, paths or URL hosts the session's profile refuses is denied before it
                runs, with the rule (the kernel stays the authority either way)
  PostToolUse   the refusals the kernel made during the call, with their rules and what to do
  (and PostToolUseFailure)
It prints nothing when there is nothing to say, and exits 0 even when no daemon answers.

options:
  --precheck     deny obviously refused shell commands early (PreToolUse)
  --socket PATH  the daemon's control socket (default: $VIGIL_SOCKET or /run/vigil/vigil.sock)
  -h, --help     this help`;

const AGENTS = ['claude-code'] as const;

function print(o: HookOutput | null): void {
  if (o !== null) process.stdout.write(`${JSON.stringify(o)}\n`);
}

export async function hookCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseVerbArgs(
    'hook',
    args,
    { precheck: { type: 'boolean' }, socket: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    true,
  );
  if (values.help === true) {
    console.log(USAGE);
    return EXIT_CODES.ok;
  }
  const agent = positionals[0];
  if (agent === undefined || !(AGENTS as readonly string[]).includes(agent) || positionals.length > 1)
    throw new UsageError(`vigil hook: name the agent: ${AGENTS.join(', ')}`, {
      hint: 'see `vigil hook --help`',
    });
  let input;
  try {
    input = parseHookInput(readFileSync(0, 'utf8'));
  } catch (err) {
    input = `stdin could not be read (${err instanceof Error ? err.message : String(err)})`;
  }
  if (typeof input === 'string') {
    print({ systemMessage: `vigil hook: ${input}; nothing to report` });
    return EXIT_CODES.ok;
  }
  const socket = feedbackSocketPath(values.socket ?? defaultSocketPath());
  try {
    const event = input.hook_event_name;
    if (event === 'PreToolUse') {
      if (input.tool_use_id !== undefined)
        await askFeedback(socket, { op: 'mark', toolUseId: input.tool_use_id });
      const command = input.tool_input?.command;
      if (values.precheck !== true || input.tool_name !== 'Bash' || typeof command !== 'string')
        return EXIT_CODES.ok;
      const targets = commandTargets(command, {
        home: process.env.HOME ?? homedir(),
        path: process.env.PATH,
      });
      if (targets.length === 0) return EXIT_CODES.ok;
      const r = await askFeedback(socket, { op: 'explain', targets });
      if (r.session === null) return EXIT_CODES.ok;
      const refused = (r.answers ?? []).filter((a) => a.action === 'BLOCK' || a.action === 'KILL');
      if (refused.length > 0)
        print(
          preToolDeny(
            `vigil (the user's security policy, profile '${r.profile}') would refuse this command: ${refused
              .map((a) => `${a.action} ${a.reason}`)
              .join(
                '; ',
              )}. Do not retry it another way; ask the user to change the profile if the task needs it.`,
          ),
        );
      return EXIT_CODES.ok;
    }
    if (event === 'PostToolUse' || event === 'PostToolUseFailure') {
      const r = await askFeedback(socket, {
        op: 'toolCall',
        ...(input.tool_use_id === undefined ? {} : { toolUseId: input.tool_use_id }),
      });
      if (r.session !== null) print(postToolOutput(event, denialText(r, r.lines ?? [])));
    }
  } catch (err) {
    print(unreachableOutput(err instanceof Error ? err.message : String(err)));
  }
  return EXIT_CODES.ok;
}
