// Codex's rollout log (checked against 0.171.0; older shapes kept where cheap): one JSON object a
// line, {timestamp (ISO), type, payload}.
//  - session_meta / turn_context: payload.cwd.
//  - response_item: the model's items. message (role user/assistant: texts); custom_tool_call
//    {name: "exec", input: JavaScript, call_id} (0.171: every tool runs through this script, see
//    codex-exec-script.ts) or {name: "apply_patch", input: patch}; function_call {name, arguments
//    (JSON text), call_id} (exec_command {cmd}, shell {command: argv}, shell_command, apply_patch,
//    view_image); local_shell_call {call_id, action.command}; *_call_output {call_id, output}.
//  - event_msg: the harness's events. item_completed {item: UserMessage | CommandExecution
//    {command: argv, exit_code, status, aggregated_output, started_at_ms/completed_at_ms} |
//    FileChange {changes: {path: ...}} | AgentMessage}; older: user_message, exec_command_end,
//    patch_apply_end.
// A command is logged only once it has ended (CommandExecution), so a call is started from the
// model's item (the script's literal commands) and finished by the CommandExecution running the
// same command; one the script built at run time is started and finished by its CommandExecution.
import { nestedCalls, patchPaths } from './codex-exec-script.js';
import {
  absolutePaths,
  isObject,
  msOf,
  OTHER,
  str,
  textOf,
  type CallShape,
  type Json,
  type LogParser,
  type LogState,
} from './log-state.js';
import type { ToolCall } from './types.js';

/** A command line out of an argv: the script of `sh -c`/`bash -lc`, else the words joined. */
function commandOfArgv(argv: readonly unknown[]): string | null {
  const words = argv.filter((w): w is string => typeof w === 'string');
  if (words.length === 0) return null;
  const shell = /(^|\/)(ba|z|da|k)?sh$/.test(words[0] ?? '');
  if (shell && words.length === 3 && /^-l?c$/.test(words[1] ?? '')) return words[2] ?? null;
  return words.map((w) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replaceAll("'", `'\\''`)}'`)).join(' ');
}

function parseArgs(v: unknown): Json {
  if (isObject(v)) return v;
  if (typeof v !== 'string') return {};
  try {
    const parsed: unknown = JSON.parse(v);
    return isObject(parsed) ? parsed : {};
  } catch {
    return {};
  }
}

/** A tool's shape from its name and arguments (a function call's, or a nested call's literals). */
function codexShape(tool: string, args: Json, cwd: string | null): CallShape {
  switch (tool) {
    case 'exec_command':
      return { ...OTHER, kind: 'shell', command: str(args.cmd) ?? str(args['']) };
    case 'shell_command':
      return { ...OTHER, kind: 'shell', command: str(args.command) ?? str(args['']) };
    case 'shell':
    case 'container.exec':
    case 'local_shell':
      return {
        ...OTHER,
        kind: 'shell',
        command: Array.isArray(args.command) ? commandOfArgv(args.command) : str(args.command),
      };
    case 'apply_patch': {
      const patch = str(args.input) ?? str(args.patch) ?? str(args['']);
      const paths = patch === null ? [] : patchPaths(patch);
      return { ...OTHER, kind: 'file_write', paths: absolutePaths(paths, cwd), text: patch };
    }
    case 'view_image':
      return { ...OTHER, kind: 'file_read', paths: absolutePaths([str(args.path)], cwd) };
    default:
      return OTHER;
  }
}

/** Output text of a *_call_output item: a string, text parts, or {content|output} inside JSON. */
function outputText(v: unknown): string | null {
  const text = textOf(v);
  if (text !== null) return text;
  if (isObject(v)) return textOf(v.content) ?? str(v.output);
  return null;
}

/** What an exec script's output says of the script: failed, completed, or unknown. */
function scriptFailed(output: string | null): boolean | null {
  if (output === null) return null;
  if (/^Script (failed|error|errored|timed out|was terminated)/im.test(output)) return true;
  if (/^Script completed/m.test(output)) return false;
  return null;
}

export class CodexLog implements LogParser {
  /** the calls each model item (call_id) opened: a script opens one per nested call */
  readonly #byItem = new Map<string, ToolCall[]>();
  /** harness items already taken in (a reread log brings them again) */
  readonly #done = new Set<string>();

  record(v: unknown, s: LogState): void {
    if (!isObject(v)) return;
    const at = s.at(v.timestamp);
    const p = isObject(v.payload) ? v.payload : {};
    if ((v.type === 'session_meta' || v.type === 'turn_context') && typeof p.cwd === 'string') s.cwd = p.cwd;
    if (v.type === 'response_item') this.#item(p, at, s);
    if (v.type === 'event_msg') this.#event(p, at, s);
  }

  #open(s: LogState, itemId: string, callId: string, name: string, at: number, shape: CallShape): void {
    const call = s.start(callId, name, at, shape);
    if (call === undefined) return;
    const list = this.#byItem.get(itemId) ?? [];
    list.push(call);
    this.#byItem.set(itemId, list);
  }

  #item(p: Json, at: number, s: LogState): void {
    const callId = str(p.call_id);
    switch (p.type) {
      case 'message':
        if (p.role === 'assistant')
          s.text(str(p.id) ?? `a:${String(at)}`, at, 'assistant', textOf(p.content));
        return;
      case 'custom_tool_call':
      case 'function_call': {
        const name = str(p.name);
        if (callId === null || name === null) return;
        if (p.type === 'custom_tool_call' && name === 'exec') {
          this.#script(s, callId, str(p.input) ?? '', at);
          return;
        }
        const args = p.type === 'custom_tool_call' ? { '': p.input } : parseArgs(p.arguments);
        this.#open(s, callId, callId, name, at, codexShape(name, args, s.cwd));
        return;
      }
      case 'local_shell_call': {
        const action = isObject(p.action) ? p.action : {};
        if (callId === null) return;
        this.#open(s, callId, callId, 'local_shell', at, codexShape('local_shell', action, s.cwd));
        return;
      }
      case 'function_call_output':
      case 'custom_tool_call_output':
      case 'local_shell_call_output': {
        if (callId === null) return;
        const output = outputText(p.output);
        for (const call of this.#byItem.get(callId) ?? []) {
          // a nested call's own end (CommandExecution) was more exact; this is the script's end
          const failed = call.id === callId && call.kind === 'other' ? scriptFailed(output) : null;
          s.finish(call, at, failed ?? this.#failedByOutput(p.output), output);
        }
        return;
      }
      default:
        return;
    }
  }

  /** `success: false` in a function_call_output's JSON form. */
  #failedByOutput(v: unknown): boolean | null {
    if (isObject(v) && typeof v.success === 'boolean') return !v.success;
    return null;
  }

  /** A Codex exec script: one call per nested tool call it spells out, else the script itself. */
  #script(s: LogState, callId: string, script: string, at: number): void {
    // a command or patch the script builds at run time is known only from the harness's item
    const nested = nestedCalls(script)
      .map((n) => ({ tool: n.tool, shape: codexShape(n.tool, n.args, s.cwd) }))
      .filter(({ shape }) => shape.kind !== 'shell' || shape.command !== null)
      .filter(({ tool, shape }) => tool !== 'apply_patch' || shape.paths.length > 0);
    nested.forEach(({ tool, shape }, i) => {
      const id = i === 0 ? callId : `${callId}#${String(i + 1)}`;
      this.#open(s, callId, id, tool, at, shape);
    });
    if (nested.length === 0) this.#open(s, callId, callId, 'exec', at, { ...OTHER, text: script });
  }

  #event(p: Json, at: number, s: LogState): void {
    switch (p.type) {
      case 'user_message':
        s.prompt(`user_message:${String(at)}`, at, str(p.message));
        return;
      case 'item_completed':
        if (isObject(p.item)) this.#completed(p.item, p, at, s);
        return;
      case 'exec_command_end':
      case 'patch_apply_end': {
        const call = s.calls.get(str(p.call_id) ?? '');
        if (call === undefined) return;
        const exit = typeof p.exit_code === 'number' ? p.exit_code : null;
        const failed = exit !== null ? exit !== 0 : typeof p.success === 'boolean' ? !p.success : null;
        const output = str(p.aggregated_output) ?? str(p.formatted_output) ?? str(p.stdout) ?? str(p.stderr);
        s.finish(call, at, failed, output);
        return;
      }
      default:
        return;
    }
  }

  #completed(item: Json, p: Json, at: number, s: LogState): void {
    const startedAt = msOf(p.started_at_ms) ?? at;
    const endedAt = msOf(p.completed_at_ms) ?? at;
    const id = str(item.id) ?? `${String(item.type)}:${String(at)}`;
    if (this.#done.has(id)) return;
    this.#done.add(id);
    switch (item.type) {
      case 'UserMessage':
        s.prompt(id, startedAt, textOf(item.content));
        return;
      case 'CommandExecution': {
        const command = Array.isArray(item.command) ? commandOfArgv(item.command) : str(item.command);
        const call =
          this.#pending(s, (c) => c.kind === 'shell' && c.command === command) ??
          this.#adopt(s, id, 'exec_command', startedAt, { ...OTHER, kind: 'shell', command });
        call.startedAt = Math.min(call.startedAt, startedAt);
        const exit = typeof item.exit_code === 'number' ? item.exit_code : null;
        const failed = exit !== null ? exit !== 0 : item.status === 'failed' || item.status === 'declined';
        s.finish(call, endedAt, failed, str(item.aggregated_output));
        return;
      }
      case 'FileChange': {
        const paths = absolutePaths(Object.keys(isObject(item.changes) ? item.changes : {}), s.cwd);
        const call =
          this.#pending(s, (c) => c.kind === 'file_write' && paths.every((x) => c.paths.includes(x))) ??
          this.#adopt(s, id, 'apply_patch', startedAt, { ...OTHER, kind: 'file_write', paths });
        if (call.paths.length === 0) call.paths = paths;
        const failed = item.status === 'failed' || item.status === 'declined';
        s.finish(call, endedAt, failed, textOf([str(item.stdout), str(item.stderr)].filter((t) => t !== '')));
        return;
      }
      default:
        return;
    }
  }

  /** The earliest call not finished yet that `match`es. */
  #pending(s: LogState, match: (c: ToolCall) => boolean): ToolCall | undefined {
    for (const c of s.calls.values()) if (c.endedAt === null && match(c)) return c;
    return undefined;
  }

  /** A call the model's items did not spell out, known from the harness's item. */
  #adopt(s: LogState, id: string, name: string, at: number, shape: CallShape): ToolCall {
    return s.start(id, name, at, shape) ?? (s.calls.get(id) as ToolCall);
  }
}
