// The pieces of an audit line's JSON text that every kind shares: strings, numbers and arrays
// written as JSON.stringify writes them, the line's head and tail, and the fragments kept from
// the previous line. The per-kind writers (audit-json-kinds.ts) are generated from the schema
// and put these together; audit-json.ts says how and why.
import { ACTIONS } from './audit-actions.js';
import type { AuditLine } from './audit-schema.js';

/** Set when a value was not of the type the schema gives it: the line is written generically. */
const state = { odd: false };

// What JSON.stringify escapes: control characters, '"', '\\', and lone surrogates (a pair is
// written as is, but it is rare enough that every surrogate takes the slow path).
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const NEEDS_ESCAPE = /[\u0000-\u001f"\\\ud800-\udfff]/;

/** A JSON string; the fast path is one regular-expression scan and one concatenation. */
export function str(s: unknown): string {
  if (typeof s !== 'string') {
    state.odd = true;
    return '';
  }
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : '"' + s + '"';
}

export function strOrNull(s: unknown): string {
  return s === null ? 'null' : str(s);
}

export function num(n: unknown): string {
  if (typeof n !== 'number' || !Number.isFinite(n)) {
    state.odd = true;
    return '';
  }
  return String(n);
}

export function numOrNull(n: unknown): string {
  return n === null ? 'null' : num(n);
}

export function bool(b: unknown): string {
  if (b === true) return 'true';
  if (b === false) return 'false';
  state.odd = true;
  return '';
}

/** Two booleans in a row: `texts` holds their four texts, keys included ([a][b]). */
export function boolPair(
  a: unknown,
  b: unknown,
  texts: readonly [readonly [string, string], readonly [string, string]],
  keyA: string,
  keyB: string,
): string {
  if (typeof a === 'boolean' && typeof b === 'boolean') return texts[a ? 1 : 0][b ? 1 : 0];
  return keyA + bool(a) + keyB + bool(b);
}

export function strArray(a: unknown): string {
  if (!Array.isArray(a)) {
    state.odd = true;
    return '';
  }
  let out = '[';
  for (let i = 0; i < a.length; i++) out += (i === 0 ? '' : ',') + str(a[i]);
  return out + ']';
}

/** An object or an array of objects (tool_call, an install's packages): rare, JSON.stringify writes it. */
export function json(o: unknown): string {
  if (typeof o !== 'object' || o === null) {
    state.odd = true;
    return '';
  }
  return JSON.stringify(o);
}

/** The last fragment made from up to four values, reused while they stay the same. */
class Fragment {
  a: unknown = Fragment;
  b: unknown = Fragment;
  c: unknown = Fragment;
  d: unknown = Fragment;
  text = '';

  hit(a: unknown, b: unknown, c: unknown, d: unknown): boolean {
    return a === this.a && b === this.b && c === this.c && d === this.d;
  }

  set(a: unknown, b: unknown, c: unknown, d: unknown, text: string): string {
    // a fragment holding an odd value is not kept: the line it is in is written generically
    if (state.odd) return text;
    this.a = a;
    this.b = b;
    this.c = c;
    this.d = d;
    this.text = text;
    return text;
  }
}

const comm = new Fragment();
const sessionPart = new Fragment();
const procPart = new Fragment();
const mechPart = new Fragment();
const flagsPart = new Fragment();

/** The lines head() and tail() write: those of a process, with the kernel's thread and creds. */
type ProcLine = Extract<AuditLine, { pid: number; ppid: number; tid: number }>;

// Fewer, longer pieces: a line is a rope of pieces that is flattened once when it is written,
// and each piece costs there.
const ACTION: ReadonlyMap<unknown, string> = new Map(ACTIONS.map((a) => [a, `,"action":"${a}","pid":`]));

/** The keys head() writes, first in a line of a process. */
export const HEAD_KEYS = ['ts', 'event', 'action', 'pid', 'comm'] as const;
/** The keys tail() writes, in a row after the kind's own keys. */
export const TAIL_KEYS = [
  'reason',
  'rule',
  'profile',
  'session',
  'ppid',
  'uid',
  'tid',
  'exe',
  'backend',
  'enforcement',
  'schema_version',
] as const;

/** `{"ts":..,"event":..,"action":..,"pid":..,"comm":..` */
export function head(line: ProcLine, event: string): string {
  let c: string;
  if (comm.hit(line.comm, undefined, undefined, undefined)) c = comm.text;
  else c = comm.set(line.comm, undefined, undefined, undefined, ',"comm":' + str(line.comm));
  const action = ACTION.get(line.action) ?? ',"action":' + str(line.action) + ',"pid":';
  return '{"ts":' + str(line.ts) + event + action + num(line.pid) + c;
}

/** `,"reason":..` through `"schema_version":..` (no closing brace). */
export function tail(line: ProcLine): string {
  const { rule, profile, session, ppid, uid, tid, exe, backend, enforcement, schema_version } = line;
  let s: string;
  if (sessionPart.hit(rule, profile, session, undefined)) s = sessionPart.text;
  else {
    const text = ',"rule":' + strOrNull(rule) + ',"profile":' + str(profile) + ',"session":' + str(session);
    s = sessionPart.set(rule, profile, session, undefined, text);
  }
  let p: string;
  if (procPart.hit(ppid, uid, tid, exe)) p = procPart.text;
  else {
    const text =
      ',"ppid":' + num(ppid) + ',"uid":' + num(uid) + ',"tid":' + num(tid) + ',"exe":' + strOrNull(exe);
    p = procPart.set(ppid, uid, tid, exe, text);
  }
  let m: string;
  if (mechPart.hit(backend, enforcement, schema_version, undefined)) m = mechPart.text;
  else {
    const text =
      ',"backend":' +
      str(backend) +
      ',"enforcement":' +
      str(enforcement) +
      ',"schema_version":' +
      num(schema_version);
    m = mechPart.set(backend, enforcement, schema_version, undefined, text);
  }
  return ',"reason":' + str(line.reason) + s + p + m;
}

/** A string array; one the builder shares (frozen: open flags, one per flag set) keeps its text. */
export function sharedStrArray(a: unknown): string {
  if (!Object.isFrozen(a)) return strArray(a);
  if (flagsPart.hit(a, undefined, undefined, undefined)) return flagsPart.text;
  return flagsPart.set(a, undefined, undefined, undefined, strArray(a));
}

/** Starts a line: clears the mark an odd value leaves. */
export function beginLine(): void {
  state.odd = false;
}

/** Whether a value of the line was not of its schema's type (read through a call: the checker
 * cannot see the writers set it). */
export function wasOdd(): boolean {
  return state.odd;
}
