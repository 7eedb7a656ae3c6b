// `vigil hook AGENT`: run by the agent as its hook (vigil integrate installs it). Reads the hook's
// JSON on stdin, asks the daemon's feedback socket about the caller's own session, and answers in
// the agent's hook protocol (agents/*-hook.ts). Never fails the agent's tool call: every problem
// becomes a message to the user and exit 0, and nothing at all is printed when there is nothing
// to say.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';

import { claudeHook } from '../agents/claude-hook.js';
import { codexHook } from '../agents/codex-hook.js';
import { commandTargets } from '../agents/command-targets.js';
import { denialText } from '../agents/denial-text.js';
import { geminiHook } from '../agents/gemini-hook.js';
import {
  unreachableOutput,
  userNotice,
  type HookOutput,
  type HookProtocol,
  type ToolHookCall,
  type HookAgent,
} from '../agents/hook-protocol.js';
import { defaultSocketPath } from '../daemon/control-client.js';
import { askFeedback } from '../daemon/feedback-client.js';
import { feedbackSocketPath } from '../daemon/feedback-protocol.js';
import { EXIT_CODES, UsageError } from '../errors.js';
import { parseVerbArgs } from './args.js';

const PROTOCOLS: Record<HookAgent, HookProtocol> & Record<string, HookProtocol | undefined> = {
  'claude-code': claudeHook,
  'gemini-cli': geminiHook,
  codex: codexHook,
};

const USAGE = `usage: vigil hook AGENT [--precheck] [--socket PATH]

The agent's hook (installed by vigil integrate AGENT). Reads the hook's JSON on stdin:
  before a tool call   marks its start; with --precheck, a shell command whose programs,
                       paths or URL hosts the session's profile refuses is denied before it
                       runs, with the rule (the kernel stays the authority either way)
  after a tool call    the refusals the kernel made during the call, with their rules and
                       what to do, added for the model
It prints nothing when there is nothing to say, and exits 0 even when no daemon answers.

agents (their events):
  claude-code   PreToolUse, PostToolUse, PostToolUseFailure
  gemini-cli    BeforeTool, AfterTool
  codex         PreToolUse, PostToolUse

options:
  --precheck     deny obviously refused shell commands early
  --socket PATH  the daemon's control socket (default: $VIGIL_SOCKET or /run/vigil/vigil.sock)
  -h, --help     this help`;

function print(o: HookOutput | null): void {
  if (o !== null) process.stdout.write(`${JSON.stringify(o)}\n`);
}

/** Before the tool runs: the mark, and with `precheck` the early refusal of a shell command. */
async function beforeTool(
  protocol: HookProtocol,
  call: ToolHookCall,
  socket: string,
  precheck: boolean,
  agent: string,
): Promise<HookOutput | null> {
  if (call.callKey !== undefined)
    await askFeedback(socket, { op: 'mark', toolUseId: call.callKey, hook: agent });
  if (!precheck || call.shellCommand === undefined) return null;
  const targets = commandTargets(call.shellCommand, {
    home: process.env.HOME ?? homedir(),
    path: process.env.PATH,
  });
  if (targets.length === 0) return null;
  const r = await askFeedback(socket, { op: 'explain', targets, hook: agent });
  if (r.session === null) return null;
  const refused = (r.answers ?? []).filter((a) => a.action === 'BLOCK' || a.action === 'KILL');
  if (refused.length === 0) return null;
  return protocol.deny(
    `vigil (the user's security policy, profile '${r.profile}') would refuse this command: ${refused
      .map((a) => `${a.action} ${a.reason}`)
      .join('; ')}. Do not retry it another way; ask the user to change the profile if the task needs it.`,
  );
}

/** After the tool ran: the kernel's refusals during the call, for the model. */
async function afterTool(
  protocol: HookProtocol,
  call: ToolHookCall,
  socket: string,
  agent: string,
): Promise<HookOutput | null> {
  const r = await askFeedback(socket, {
    op: 'toolCall',
    hook: agent,
    ...(call.callKey === undefined ? {} : { toolUseId: call.callKey }),
  });
  return r.session === null ? null : protocol.report(call, denialText(r, r.lines ?? []));
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
  const protocol = agent === undefined ? undefined : PROTOCOLS[agent];
  if (agent === undefined || protocol === undefined || positionals.length > 1)
    throw new UsageError(`vigil hook: name the agent: ${Object.keys(PROTOCOLS).join(', ')}`, {
      hint: 'see `vigil hook --help`',
    });
  let call;
  try {
    call = protocol.parse(readFileSync(0, 'utf8'));
  } catch (err) {
    call = `stdin could not be read (${err instanceof Error ? err.message : String(err)})`;
  }
  if (typeof call === 'string') {
    print(userNotice(`vigil hook: ${call}; nothing to report`));
    return EXIT_CODES.ok;
  }
  const socket = feedbackSocketPath(values.socket ?? defaultSocketPath());
  try {
    if (call.phase === 'before')
      print(await beforeTool(protocol, call, socket, values.precheck === true, agent));
    else if (call.phase === 'after') print(await afterTool(protocol, call, socket, agent));
  } catch (err) {
    print(unreachableOutput(err instanceof Error ? err.message : String(err)));
  }
  return EXIT_CODES.ok;
}
