// Claude Code's hook protocol, as vigil answers it (code.claude.com/docs/en/hooks): the hook gets
// one JSON object on stdin (hook_event_name, tool_name, tool_input, tool_use_id, ...) and may
// print one JSON object on stdout. PostToolUse: `decision: "block"` with a `reason` puts the
// reason in front of the model, `hookSpecificOutput.additionalContext` adds context;
// PreToolUse: `permissionDecision: "deny"` with its reason stops the call before it runs.
// `systemMessage` is shown to the user only. Exit 0 always: a hook of vigil's never fails a call.

export interface ClaudeHookInput {
  hook_event_name: string;
  tool_name?: string;
  tool_input?: Record<string, unknown>;
  tool_use_id?: string;
  session_id?: string;
  cwd?: string;
}

/** The input, or a message saying why it is not one. */
export function parseHookInput(text: string): ClaudeHookInput | string {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return 'the hook input is not JSON';
  }
  if (
    typeof v !== 'object' ||
    v === null ||
    typeof (v as { hook_event_name?: unknown }).hook_event_name !== 'string'
  )
    return 'the hook input has no hook_event_name';
  return v as ClaudeHookInput;
}

export type HookOutput = Record<string, unknown>;

/** After a tool call: the refusals in front of the model (nothing when there were none). */
export function postToolOutput(event: string, text: string): HookOutput | null {
  if (text === '') return null;
  const context = { hookSpecificOutput: { hookEventName: event, additionalContext: text } };
  // PostToolUse documents decision/reason as the way to make the model read it; the failure
  // variant takes the context alone
  return event === 'PostToolUse' ? { decision: 'block', reason: text, ...context } : context;
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

/** The daemon could not be asked: the user is told, the model is not misled, the call goes on. */
export function unreachableOutput(why: string): HookOutput {
  return {
    systemMessage: `vigil: ${why}; the kernel's decisions for this tool call cannot be reported to the agent (enforcement does not depend on this hook)`,
  };
}
