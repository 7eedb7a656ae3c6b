// The JSON text of an audit line, written directly: byte-identical to JSON.stringify(line) for
// every line the builders make (test/unit/sinks/audit-json.test.ts checks it on generated lines
// of every kind), at a fraction of its cost. It is the audit pipeline's largest per-line cost.
//
// How: one writer per event kind emits the schema's keys in the schema's order (audit-schema.ts;
// the builders follow the same order). Strings take a fast path when they need no escaping
// (no control character, quote, backslash or surrogate) and JSON.stringify otherwise. The
// parts that repeat from line to line (the session's profile and id, the process's exe and
// the hook) are kept from the previous line and reused when they are the same.
//
// A value of an unexpected type (a line not made by the builders) makes the whole line go
// through JSON.stringify, so the text stays the same. Keys the schema does not define are not
// written (such a line is not an audit line). The rare kinds (session_start, session_end, loss)
// always go through JSON.stringify, and so does a line that already has the hash chain's keys
// (one read back from a log): the writer adds them itself, after this text (audit-writer.ts).
import type { AuditLine, AuditLineOf } from './audit-schema.js';

/** Set when a value was not of the type the schema gives it: the line is written generically. */
const state = { odd: false };

// What JSON.stringify escapes: control characters, '"', '\\', and lone surrogates (a pair is
// written as is, but it is rare enough that every surrogate takes the slow path).
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const NEEDS_ESCAPE = /[\u0000-\u001f"\\\ud800-\udfff]/;

/** A JSON string; the fast path is one regular-expression scan and one concatenation. */
function str(s: unknown): string {
  if (typeof s !== 'string') {
    state.odd = true;
    return '';
  }
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : '"' + s + '"';
}

function strOrNull(s: unknown): string {
  return s === null ? 'null' : str(s);
}

function num(n: unknown): string {
  if (typeof n !== 'number' || !Number.isFinite(n)) {
    state.odd = true;
    return '';
  }
  return String(n);
}

function numOrNull(n: unknown): string {
  return n === null ? 'null' : num(n);
}

function bool(b: unknown): string {
  if (b === true) return 'true';
  if (b === false) return 'false';
  state.odd = true;
  return '';
}

function bools(resolved: unknown, truncated: unknown): string {
  if (typeof resolved === 'boolean' && typeof truncated === 'boolean') {
    return TWO_BOOLS[resolved ? 1 : 0][truncated ? 1 : 0];
  }
  return ',"path_resolved":' + bool(resolved) + ',"path_truncated":' + bool(truncated);
}

function strArray(a: unknown): string {
  if (!Array.isArray(a)) {
    state.odd = true;
    return '';
  }
  let out = '[';
  for (let i = 0; i < a.length; i++) out += (i === 0 ? '' : ',') + str(a[i]);
  return out + ']';
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

type ProcLine = AuditLineOf<
  'exec' | 'fork' | 'exit' | 'file_open' | 'net_connect' | 'udp_send' | 'socket_create' | 'syscall'
>;

// Fewer, longer pieces: a line is a rope of pieces that is flattened once when it is written,
// and each piece costs there.
const ACTION: ReadonlyMap<unknown, string> = new Map(
  ['ALLOW', 'BLOCK', 'KILL', 'AUDIT', 'OBSERVE'].map((a) => [a, `,"action":"${a}","pid":`]),
);
const TWO_BOOLS = [
  [',"path_resolved":false,"path_truncated":false', ',"path_resolved":false,"path_truncated":true'],
  [',"path_resolved":true,"path_truncated":false', ',"path_resolved":true,"path_truncated":true'],
] as const;

/** `{"ts":..,"event":..,"action":..,"pid":..,"comm":..` */
function head(line: ProcLine, event: string): string {
  let c: string;
  if (comm.hit(line.comm, undefined, undefined, undefined)) c = comm.text;
  else c = comm.set(line.comm, undefined, undefined, undefined, ',"comm":' + str(line.comm));
  const action = ACTION.get(line.action) ?? ',"action":' + str(line.action) + ',"pid":';
  return '{"ts":' + str(line.ts) + event + action + num(line.pid) + c;
}

/** `,"reason":..` through `"schema_version":..` (no closing brace). */
function tail(line: ProcLine): string {
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

/** Open flags: the builder shares one frozen array per flag set, so its text is kept. */
function flags(a: unknown): string {
  if (!Object.isFrozen(a)) return strArray(a);
  if (flagsPart.hit(a, undefined, undefined, undefined)) return flagsPart.text;
  return flagsPart.set(a, undefined, undefined, undefined, strArray(a));
}

function fileOpen(l: AuditLineOf<'file_open'>): string {
  return (
    head(l, ',"event":"file_open"') +
    ',"path":' +
    str(l.path) +
    bools(l.path_resolved, l.path_truncated) +
    ',"flags":' +
    flags(l.flags) +
    ',"result":' +
    (typeof l.result === 'number' ? num(l.result) : str(l.result)) +
    tail(l) +
    (l.matched_by === undefined ? '' : ',"matched_by":' + str(l.matched_by)) +
    (l.effect === undefined ? '' : ',"effect":' + str(l.effect)) +
    (l.attribution === undefined ? '}' : ',"attribution":' + str(l.attribution) + '}')
  );
}

function exec(l: AuditLineOf<'exec'>): string {
  return (
    head(l, ',"event":"exec"') +
    ',"path":' +
    str(l.path) +
    ',"path_truncated":' +
    bool(l.path_truncated) +
    ',"argv":' +
    strArray(l.argv) +
    ',"argv_truncated":' +
    bool(l.argv_truncated) +
    ',"cgroup_id":' +
    str(l.cgroup_id) +
    tail(l) +
    (l.result === undefined ? '' : ',"result":' + str(l.result)) +
    (l.attribution === undefined ? '}' : ',"attribution":' + str(l.attribution) + '}')
  );
}

function fork(l: AuditLineOf<'fork'>): string {
  return head(l, ',"event":"fork"') + ',"child_pid":' + num(l.child_pid) + tail(l) + '}';
}

function exit(l: AuditLineOf<'exit'>): string {
  return (
    head(l, ',"event":"exit"') +
    ',"exit_code":' +
    numOrNull(l.exit_code) +
    ',"signal":' +
    strOrNull(l.signal) +
    ',"core_dumped":' +
    bool(l.core_dumped) +
    tail(l) +
    '}'
  );
}

function net(l: AuditLineOf<'net_connect' | 'udp_send'>, event: string): string {
  return (
    head(l, event) +
    ',"dest_ip":' +
    str(l.dest_ip) +
    ',"dest_port":' +
    num(l.dest_port) +
    ',"protocol":' +
    str(l.protocol) +
    ',"family":' +
    str(l.family) +
    tail(l) +
    '}'
  );
}

function socketCreate(l: AuditLineOf<'socket_create'>): string {
  return (
    head(l, ',"event":"socket_create"') +
    ',"family":' +
    str(l.family) +
    ',"type":' +
    str(l.type) +
    ',"protocol":' +
    str(l.protocol) +
    tail(l) +
    '}'
  );
}

function syscall(l: AuditLineOf<'syscall'>): string {
  return (
    head(l, ',"event":"syscall"') +
    ',"syscall":' +
    str(l.syscall) +
    ',"arg0":' +
    str(l.arg0) +
    ',"result":' +
    str(l.result) +
    tail(l) +
    '}'
  );
}

/** The line's JSON text, exactly as JSON.stringify(line) writes it. */
export function auditLineJson(line: AuditLine): string {
  if (line.seq !== undefined || line.prev !== undefined || line.chain_break !== undefined) {
    return JSON.stringify(line);
  }
  state.odd = false;
  let text: string;
  switch (line.event) {
    case 'file_open':
      text = fileOpen(line);
      break;
    case 'exec':
      text = exec(line);
      break;
    case 'fork':
      text = fork(line);
      break;
    case 'exit':
      text = exit(line);
      break;
    case 'net_connect':
      text = net(line, ',"event":"net_connect"');
      break;
    case 'udp_send':
      text = net(line, ',"event":"udp_send"');
      break;
    case 'socket_create':
      text = socketCreate(line);
      break;
    case 'syscall':
      text = syscall(line);
      break;
    default:
      return JSON.stringify(line);
  }
  return wasOdd() ? JSON.stringify(line) : text;
}

/** Read through a call: the checker cannot see the writers above set it. */
function wasOdd(): boolean {
  return state.odd;
}
