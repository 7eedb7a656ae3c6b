// Claude Code's session log (checked against 2.1.332): one JSON object a line. The lines that
// matter carry `type`, `timestamp` (ISO), `cwd` and `message` (the API message):
//  - type "user", message.content a string: a prompt (isMeta: the CLI's own text; isSidechain: a
//    subagent's task), or a list with {type: "tool_result", tool_use_id, content, is_error}
//    blocks: results, logged when the tool ended (toolUseResult.interrupted: killed);
//  - type "assistant", message.content blocks {type: "text"} and {type: "tool_use", id, name,
//    input}: the call, logged when the model asked for it, before it runs. One API message may
//    come as several lines, one block each.
// Everything else (attachments, api-request*, queue-operation, cost-state, ...) is skipped.
import {
  absolutePaths,
  asArray,
  firstUrl,
  isObject,
  OTHER,
  str,
  textOf,
  type CallShape,
  type Json,
  type LogParser,
  type LogState,
} from './log-state.js';

function claudeShape(name: string, input: Json, cwd: string | null): CallShape {
  const path = (k: string): string | null => str(input[k]);
  switch (name) {
    case 'Bash':
      return { kind: 'shell', command: str(input.command), paths: [], url: null, text: null };
    case 'Read':
    case 'NotebookRead':
      return {
        ...OTHER,
        kind: 'file_read',
        paths: absolutePaths([path('file_path'), path('notebook_path')], cwd),
      };
    case 'Glob':
    case 'Grep':
    case 'LS':
      return { ...OTHER, kind: 'file_read', paths: absolutePaths([path('path') ?? cwd], cwd) };
    case 'Write':
      return {
        ...OTHER,
        kind: 'file_write',
        paths: absolutePaths([path('file_path')], cwd),
        text: str(input.content),
      };
    case 'Edit':
      return {
        ...OTHER,
        kind: 'file_write',
        paths: absolutePaths([path('file_path')], cwd),
        text: str(input.new_string),
      };
    case 'MultiEdit':
      return {
        ...OTHER,
        kind: 'file_write',
        paths: absolutePaths([path('file_path')], cwd),
        text: asArray(input.edits)
          .map((e) => (isObject(e) ? (str(e.new_string) ?? '') : ''))
          .join('\n'),
      };
    case 'NotebookEdit':
      return {
        ...OTHER,
        kind: 'file_write',
        paths: absolutePaths([path('notebook_path')], cwd),
        text: str(input.new_source),
      };
    case 'WebFetch':
      return { ...OTHER, kind: 'web_fetch', url: str(input.url) ?? firstUrl(str(input.prompt)) };
    default:
      return OTHER;
  }
}

export class ClaudeCodeLog implements LogParser {
  record(v: unknown, s: LogState): void {
    if (!isObject(v) || (v.type !== 'user' && v.type !== 'assistant')) return;
    const at = s.at(v.timestamp);
    if (typeof v.cwd === 'string') s.cwd = v.cwd;
    const message = isObject(v.message) ? v.message : {};
    const key = str(v.uuid) ?? `${String(at)}:${JSON.stringify(message.content).slice(0, 200)}`;
    if (v.type === 'user') this.#user(v, message.content, key, at, s);
    else this.#assistant(message.content, key, at, s);
  }

  #user(line: Json, content: unknown, key: string, at: number, s: LogState): void {
    const blocks = asArray(content).filter(isObject);
    const results = blocks.filter((b) => b.type === 'tool_result');
    for (const r of results) {
      const call = s.calls.get(str(r.tool_use_id) ?? '');
      if (call === undefined) continue;
      const extra = isObject(line.toolUseResult) ? line.toolUseResult : {};
      const failed = r.is_error === true || extra.interrupted === true;
      s.finish(call, at, failed, textOf(r.content) ?? '');
    }
    if (results.length > 0) return;
    const text = typeof content === 'string' ? content : textOf(blocks.filter((b) => b.type === 'text'));
    if (text === null) return;
    // the CLI's own texts and a subagent's task are no prompt of the user's
    if (line.isMeta === true || line.isSidechain === true || line.isCompactSummary === true) {
      s.text(key, at, 'user', text);
      return;
    }
    s.prompt(key, at, text);
  }

  #assistant(content: unknown, key: string, at: number, s: LogState): void {
    for (const [i, b] of asArray(content).entries()) {
      if (!isObject(b)) continue;
      if (b.type === 'text') s.text(`${key}:${String(i)}`, at, 'assistant', str(b.text));
      if (b.type !== 'tool_use') continue;
      const id = str(b.id);
      const name = str(b.name);
      if (id === null || name === null) continue;
      s.start(id, name, at, claudeShape(name, isObject(b.input) ? b.input : {}, s.cwd));
    }
  }
}
