// Claude Code's hook protocol, as vigil answers it (code.claude.com/docs/en/hooks): the hook gets
// one JSON object on stdin (hook_event_name, tool_name, tool_input, tool_use_id, ...) and may
// print one JSON object on stdout. PostToolUse: `decision: "block"` with a `reason` puts the
// reason in front of the model, `hookSpecificOutput.additionalContext` adds context;
// PreToolUse: `permissionDecision: "deny"` with its reason stops the call before it runs.
// `systemMessage` is shown to the user only. Exit 0 always: a hook of vigil's never fails a call.
import {
  commandOf,
  contextOutput,
  parseEventObject,
  stringField,
  type HookOutput,
  type HookProtocol,
  type ToolHookCall,
} from './hook-protocol.js';

/**
 * A call in the Claude Code shape (Codex sends the same fields): `before` and `after` name the
 * events of each phase, `shellTools` the tool names whose `tool_input.command` is a shell line.
 */
export function parseToolUseInput(
  text: string,
  events: { before: readonly string[]; after: readonly string[] },
  shellTools: readonly string[],
): ToolHookCall | string {
  const o = parseEventObject(text);
  if (typeof o === 'string') return o;
  const event = o.hook_event_name as string;
  const phase = events.before.includes(event) ? 'before' : events.after.includes(event) ? 'after' : 'other';
  const key = stringField(o, 'tool_use_id');
  const tool = stringField(o, 'tool_name');
  const command = tool !== undefined && shellTools.includes(tool) ? commandOf(o) : undefined;
  return {
    phase,
    event,
    ...(key === undefined ? {} : { callKey: key }),
    ...(command === undefined ? {} : { shellCommand: command }),
  };
}

/** After a tool call: the refusals in front of the model (nothing when there were none). */
export function postToolOutput(event: string, text: string): HookOutput | null {
  const context = contextOutput(event, text);
  // PostToolUse documents decision/reason as the way to make the model read it; the failure
  // variant takes the context alone
  return context !== null && event === 'PostToolUse'
    ? { decision: 'block', reason: text, ...context }
    : context;
}

/** Before a shell command: refuse it early, with the profile's rule. */
export function preToolDeny(reason: string): HookOutput {
  return {
    hookSpecificOutput: {
      hookEventName: 'PreToolUse',
      permissionDecision: 'deny',
      permissionDecisionReason: reason,
    },
  };
}

export const claudeHook: HookProtocol = {
  parse: (text) =>
    parseToolUseInput(text, { before: ['PreToolUse'], after: ['PostToolUse', 'PostToolUseFailure'] }, [
      'Bash',
    ]),
  deny: preToolDeny,
  report: (call, text) => postToolOutput(call.event, text),
};
