// What every agent's log parser shares: reading untyped JSON safely, and the state of one log
// (its turns, its calls by id, the update being built). A call is kept as one object and copied
// when an update is taken, so an update shows the call as it stands at the end of the poll.
import { isAbsolute, resolve } from 'node:path';

import type { ToolCall, ToolKind, TranscriptText, TranscriptUpdate, Turn } from './types.js';

export type Json = Record<string, unknown>;

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? (v as unknown[]) : [];
}

export function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

/** An ISO timestamp (or ms number) as ms since the epoch; null when there is none. */
export function msOf(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v !== 'string') return null;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? null : ms;
}

/** Text out of a string, or a list of text parts ({text}, {type: 'text'|'input_text'|..., text}). */
export function textOf(v: unknown): string | null {
  if (typeof v === 'string') return v;
  const parts: string[] = [];
  for (const p of asArray(v)) {
    if (typeof p === 'string') parts.push(p);
    else if (isObject(p) && typeof p.text === 'string') parts.push(p.text);
  }
  return parts.length === 0 ? null : parts.join('\n');
}

/** Absolute paths: relative ones resolved against the log's cwd (kept as they are without one). */
export function absolutePaths(paths: readonly (string | null)[], cwd: string | null): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (p === null || p === '') continue;
    const abs = isAbsolute(p) ? resolve(p) : cwd === null ? p : resolve(cwd, p);
    if (!out.includes(abs)) out.push(abs);
  }
  return out;
}

/** What a tool's input says about it, before the call's id, turn and times are known. */
export interface CallShape {
  kind: ToolKind;
  command: string | null;
  paths: string[];
  url: string | null;
  /** text the call carries that is no command (a file's new content): scanned for secrets */
  text: string | null;
}

export const OTHER: CallShape = { kind: 'other', command: null, paths: [], url: null, text: null };

/** The first http(s) URL in a text. */
export function firstUrl(text: string | null): string | null {
  if (text === null) return null;
  const m = /\bhttps?:\/\/[^\s"'<>`)\]]+/.exec(text);
  return m === null ? null : m[0];
}

const copy = (c: ToolCall): ToolCall => ({ ...c, paths: [...c.paths] });

/** One log's state across polls, and the update being built in this one. */
export class LogState {
  /** the log's working directory, when it says */
  cwd: string | null = null;
  turn = 0;
  readonly calls = new Map<string, ToolCall>();
  /** keys of turns already counted (a reread log counts each once) */
  readonly #turnKeys = new Set<string>();
  /** keys of texts already given (a reread log gives each once) */
  readonly #textKeys = new Set<string>();
  #turns: Turn[] = [];
  #started = new Set<ToolCall>();
  #finished = new Set<ToolCall>();
  #texts: TranscriptText[] = [];
  /** the last timestamp the log showed, for records without one */
  lastAt = 0;

  at(v: unknown): number {
    const ms = msOf(v);
    if (ms !== null) this.lastAt = ms;
    return ms ?? this.lastAt;
  }

  /** A user prompt opens a turn; `key` makes a reread prompt count once. */
  prompt(key: string, at: number, prompt: string | null): void {
    if (this.#turnKeys.has(key)) return;
    this.#turnKeys.add(key);
    this.turn++;
    this.#turns.push({ index: this.turn, at, prompt });
    if (prompt !== null) this.text(`turn:${key}`, at, 'user', prompt);
  }

  text(key: string, at: number, role: TranscriptText['role'], text: string | null): void {
    if (text === null || text.trim() === '' || this.#textKeys.has(key)) return;
    this.#textKeys.add(key);
    this.#texts.push({ at, role, text });
  }

  /** A call seen for the first time; undefined when its id is known already. */
  start(id: string, name: string, at: number, shape: CallShape): ToolCall | undefined {
    if (this.calls.has(id)) return undefined;
    const call: ToolCall = {
      id,
      name,
      kind: shape.kind,
      turn: this.turn,
      startedAt: at,
      endedAt: null,
      command: shape.command,
      paths: shape.paths,
      url: shape.url,
      isError: null,
      output: null,
    };
    this.calls.set(id, call);
    this.#started.add(call);
    if (shape.text !== null) this.text(`input:${id}`, at, 'assistant', shape.text);
    return call;
  }

  /** The call's result arrived (once: a call finished already stays as it was). */
  finish(call: ToolCall, at: number, isError: boolean | null, output: string | null): void {
    if (call.endedAt !== null) return;
    call.endedAt = Math.max(at, call.startedAt);
    call.isError = isError;
    call.output = output;
    this.#finished.add(call);
    this.text(`result:${call.id}`, at, 'tool', output);
  }

  /** The update built since the last take, the calls as they stand now. */
  take(): TranscriptUpdate {
    const u: TranscriptUpdate = {
      turns: this.#turns,
      started: [...this.#started].map(copy),
      finished: [...this.#finished].map(copy),
      texts: this.#texts,
    };
    this.#turns = [];
    this.#started = new Set();
    this.#finished = new Set();
    this.#texts = [];
    return u;
  }
}

/** How a parser reads one log: a record is a JSONL line, or a whole-JSON log's document. */
export interface LogParser {
  record(value: unknown, state: LogState): void;
}
