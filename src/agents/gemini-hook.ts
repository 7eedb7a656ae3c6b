// Gemini CLI's hook protocol, as vigil answers it (google-gemini/gemini-cli docs/hooks/reference.md,
// and packages/core hookEventHandler/hookRunner as shipped in @google/gemini-cli 0.61): the hook
// gets one JSON object on stdin (session_id, cwd, hook_event_name, timestamp, tool_name,
// tool_input; AfterTool adds tool_response) and may print one JSON object on stdout.
// BeforeTool: `decision: "deny"` with a `reason` stops the tool, and the reason reaches the model
// as the tool's error. AfterTool: `hookSpecificOutput.additionalContext` is appended to the
// tool's result (a `decision: "deny"` there would replace the result, which vigil never wants).
// `systemMessage` is shown to the user. Gemini CLI gives no id of the tool call, so vigil pairs
// BeforeTool and AfterTool by session, tool and arguments (both events carry the same ones).
// When stdout is empty, Gemini CLI reads stderr as the answer: vigil's hook writes neither when
// it has nothing to say.
import { createHash } from 'node:crypto';

import {
  commandOf,
  contextOutput,
  parseEventObject,
  stringField,
  type HookProtocol,
  type ToolHookCall,
} from './hook-protocol.js';

/** The built-in shell tool (docs/tools/shell.md); its argument `command` is the line. */
const SHELL_TOOL = 'run_shell_command';

/** The key pairing a BeforeTool with its AfterTool: a digest of session, tool and arguments. */
function callKey(o: Record<string, unknown>): string | undefined {
  const session = stringField(o, 'session_id');
  const tool = stringField(o, 'tool_name');
  if (session === undefined || tool === undefined) return undefined;
  const digest = createHash('sha256')
    .update(JSON.stringify([session, tool, o.tool_input ?? null]))
    .digest('hex');
  return `gemini:${digest.slice(0, 32)}`;
}

function parse(text: string): ToolHookCall | string {
  const o = parseEventObject(text);
  if (typeof o === 'string') return o;
  const event = o.hook_event_name as string;
  const phase = event === 'BeforeTool' ? 'before' : event === 'AfterTool' ? 'after' : 'other';
  const key = callKey(o);
  const command = stringField(o, 'tool_name') === SHELL_TOOL ? commandOf(o) : undefined;
  return {
    phase,
    event,
    ...(key === undefined ? {} : { callKey: key }),
    ...(command === undefined ? {} : { shellCommand: command }),
  };
}

export const geminiHook: HookProtocol = {
  parse,
  deny: (reason) => ({ decision: 'deny', reason }),
  report: (call, text) => contextOutput(call.event, text),
};
