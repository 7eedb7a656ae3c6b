// Gemini CLI's chat log (checked against 0.61.0): JSONL, appended to; older versions wrote one
// whole JSON document ({sessionId, projectHash, startTime, messages: [...]}), read here the same
// way. Records:
//  - the first: metadata {sessionId, projectHash, startTime, kind};
//  - a message {id, timestamp, type: "user"|"gemini"|"info"|..., content}: an upsert by id, so
//    the same id comes again when it changes (a gemini message is logged once with its text,
//    then again with its toolCalls);
//  - {$set: {...}}: metadata, or {messages: [...]} (the session context); {$rewindTo: id}.
// A gemini message's toolCalls [{id, name, args, result: [{functionResponse}], status, timestamp,
// resultDisplay}] are logged only once the calls completed (recordCompletedToolCalls), so a call
// is known only after it ended: its start is the time Gemini CLI put in its id
// (`<name>__<name>_<ms>_<n>`) when it has one, else its message's. `status` is success even for a
// shell command that exited non-zero; the result's "Exit Code: n" says.
import {
  absolutePaths,
  asArray,
  firstUrl,
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

function geminiShape(name: string, args: Json, cwd: string | null): CallShape {
  const path = (...keys: string[]): string | null => {
    for (const k of keys) if (typeof args[k] === 'string') return args[k];
    return null;
  };
  switch (name) {
    case 'run_shell_command':
      return { ...OTHER, kind: 'shell', command: str(args.command) };
    case 'read_file':
      return {
        ...OTHER,
        kind: 'file_read',
        paths: absolutePaths([path('file_path', 'absolute_path', 'path')], cwd),
      };
    case 'read_many_files':
      return { ...OTHER, kind: 'file_read', paths: absolutePaths(asArray(args.paths).map(str), cwd) };
    case 'list_directory':
    case 'glob':
    case 'grep_search':
    case 'search_file_content':
      return { ...OTHER, kind: 'file_read', paths: absolutePaths([path('dir_path', 'path') ?? cwd], cwd) };
    case 'write_file':
      return {
        ...OTHER,
        kind: 'file_write',
        paths: absolutePaths([path('file_path')], cwd),
        text: str(args.content),
      };
    case 'replace':
    case 'edit':
      return {
        ...OTHER,
        kind: 'file_write',
        paths: absolutePaths([path('file_path')], cwd),
        text: str(args.new_string),
      };
    case 'web_fetch':
      return { ...OTHER, kind: 'web_fetch', url: str(args.url) ?? firstUrl(str(args.prompt)) };
    default:
      return OTHER;
  }
}

/** The result text: each functionResponse's response.output (or .error), else resultDisplay. */
function resultText(tc: Json): string | null {
  const texts: string[] = [];
  for (const part of asArray(tc.result)) {
    const fr = isObject(part) && isObject(part.functionResponse) ? part.functionResponse : null;
    const response = fr !== null && isObject(fr.response) ? fr.response : null;
    if (response === null) continue;
    const t = str(response.output) ?? str(response.error) ?? textOf(response.content);
    if (t !== null) texts.push(t);
  }
  return texts.length > 0 ? texts.join('\n') : str(tc.resultDisplay);
}

const ENDED = new Set(['success', 'error', 'cancelled']);

function failed(tc: Json, kind: CallShape['kind'], output: string | null): boolean | null {
  if (tc.status === 'error' || tc.status === 'cancelled') return true;
  if (kind === 'shell' && output !== null) {
    const exit = /^Exit Code: (-?\d+)$/m.exec(output);
    if (exit !== null) return exit[1] !== '0';
    if (/^Signal: /m.test(output)) return true;
  }
  return tc.status === 'success' ? false : null;
}

/** The ms Gemini CLI put in a call id it made itself, if it is near the message's time. */
function idMs(id: string, messageAt: number): number | null {
  const m = /_(\d{13})_\d+$/.exec(id);
  if (m === null) return null;
  const ms = Number(m[1]);
  return Math.abs(ms - messageAt) < 10 * 60_000 ? ms : null;
}

export class GeminiCliLog implements LogParser {
  record(v: unknown, s: LogState): void {
    if (!isObject(v)) return;
    if (isObject(v.$set)) for (const m of asArray(v.$set.messages)) this.#message(m, s);
    // an older whole-JSON log is one record with every message
    for (const m of asArray(v.messages)) this.#message(m, s);
    if (typeof v.id === 'string' && typeof v.type === 'string') this.#message(v, s);
  }

  #message(m: unknown, s: LogState): void {
    if (!isObject(m) || typeof m.id !== 'string') return;
    const at = s.at(m.timestamp);
    if (m.type === 'user') {
      const parts = asArray(m.content).filter(isObject);
      if (parts.some((p) => isObject(p.functionResponse))) return; // results: read from toolCalls
      const text = typeof m.content === 'string' ? m.content : textOf(parts);
      if (text === null) return;
      // the CLI's own setup message (date, OS, folders) is no prompt of the user's
      if (text.startsWith('<session_context>')) s.text(m.id, at, 'user', text);
      else s.prompt(m.id, at, text);
      return;
    }
    if (m.type !== 'gemini') return;
    s.text(m.id, at, 'assistant', textOf(m.content));
    for (const tc of asArray(m.toolCalls)) if (isObject(tc)) this.#toolCall(tc, at, s);
  }

  #toolCall(tc: Json, messageAt: number, s: LogState): void {
    const id = str(tc.id);
    const name = str(tc.name);
    if (id === null || name === null) return;
    const shape = geminiShape(name, isObject(tc.args) ? tc.args : {}, s.cwd);
    s.start(id, name, idMs(id, messageAt) ?? messageAt, shape);
    const call = s.calls.get(id);
    if (
      call === undefined ||
      !(ENDED.has(String(tc.status)) || (tc.result !== undefined && tc.result !== null))
    )
      return;
    const output = resultText(tc);
    s.finish(call, msOf(tc.timestamp) ?? messageAt, failed(tc, call.kind, output), output);
  }
}
