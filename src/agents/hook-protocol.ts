// What vigil's hook needs from an agent's hook protocol, whatever the agent: one tool call read
// from the hook's stdin (before or after the tool runs, a key pairing the two, the shell command
// if the tool runs one) and the three answers it can give (refuse a command early, report the
// kernel's refusals to the model, tell the user something). Each agent's module (claude-hook.ts,
// codex-hook.ts, gemini-hook.ts) maps its own JSON to and from these.

export type HookOutput = Record<string, unknown>;

export interface ToolHookCall {
  /** before: the tool is about to run; after: it ran; other: an event vigil does not answer */
  phase: 'before' | 'after' | 'other';
  /** the agent's own name of the event (PreToolUse, AfterTool, ...) */
  event: string;
  /** the same for the start and the end of one tool call; undefined when the agent gives none */
  callKey?: string;
  /** the shell command line the tool runs, when it is a shell tool */
  shellCommand?: string;
}

/** The agents `vigil hook` speaks to (hook-command.ts has a protocol for each). */
export const HOOK_AGENTS = ['claude-code', 'gemini-cli', 'codex'] as const;
export type HookAgent = (typeof HOOK_AGENTS)[number];

export interface HookProtocol {
  /** the call, or a message saying why the input is not one */
  parse(text: string): ToolHookCall | string;
  /** before a shell command: refuse it with `reason` (read by the model) */
  deny(reason: string): HookOutput;
  /** after a tool call: the refusals' text in front of the model; null when `text` is empty */
  report(call: ToolHookCall, text: string): HookOutput | null;
}

/** An object with a string `hook_event_name`, or a message saying why the input is not one. */
export function parseEventObject(text: string): Record<string, unknown> | string {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return 'the hook input is not JSON';
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'the hook input is not a JSON object';
  const o = v as Record<string, unknown>;
  return typeof o.hook_event_name === 'string' ? o : 'the hook input has no hook_event_name';
}

/** A string field, or undefined. */
export function stringField(o: Record<string, unknown>, key: string): string | undefined {
  const v = o[key];
  return typeof v === 'string' ? v : undefined;
}

/** `tool_input.command` when it is a command line (a string, or an argv joined by spaces). */
export function commandOf(o: Record<string, unknown>): string | undefined {
  const input = o.tool_input;
  if (typeof input !== 'object' || input === null) return undefined;
  const c = (input as { command?: unknown }).command;
  if (typeof c === 'string') return c;
  if (Array.isArray(c) && c.every((w) => typeof w === 'string')) return c.join(' ');
  return undefined;
}

/** `hookSpecificOutput.additionalContext`: text added to the tool's result for the model. */
export function contextOutput(event: string, text: string): HookOutput | null {
  return text === '' ? null : { hookSpecificOutput: { hookEventName: event, additionalContext: text } };
}

/**
 * Shown to the user, not the model (`systemMessage` in all three protocols). Used when the hook
 * cannot tell anything: the call goes on.
 */
export function userNotice(text: string): HookOutput {
  return { systemMessage: text };
}

/** The daemon could not be asked: the user is told, the model is not misled, the call goes on. */
export function unreachableOutput(why: string): HookOutput {
  return userNotice(
    `vigil: ${why}; the kernel's decisions for this tool call cannot be reported to the agent (enforcement does not depend on this hook)`,
  );
}
