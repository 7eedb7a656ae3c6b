// A session's timeline, for the Sessions view: turn -> tool call (from the `tool_call` lines the
// daemon writes from the agent's own session log) -> the kernel's lines linked to that call
// (they carry its `tool_call` ref: execs, opens, connects, installs, alerts, ...). Lines of the
// session that no call was linked to are kept apart. Built from the lines as they reach the UI
// (every line of the stream, not only those a page has seen), and read on request.
//
// A call's kernel lines come before its `tool_call` line (written when the result is logged):
// until then the call is known from their refs only (`logged: false`). fork and exit lines are
// left out: the process tree shows them. Bounded: SESSIONS_MAX sessions (the oldest forgotten
// first), CALLS_MAX calls per session (the oldest first), CALL_LINES_MAX lines per call (the
// first ones), the newest UNLINKED_MAX unlinked lines plus the newest UNLINKED_DENIED_MAX
// unlinked denials (so routine lines never push a BLOCK out); everything dropped is counted.
import {
  auditKeyOrder,
  EVENT_KINDS,
  type AuditEvent,
  type AuditLine,
  type AuditLineOf,
} from '../sinks/audit-schema.js';
import { isBlock } from './session-stats.js';

const SESSIONS_MAX = 64;
export const CALLS_MAX = 2_000;
export const CALL_LINES_MAX = 200;
export const UNLINKED_MAX = 500;
export const UNLINKED_DENIED_MAX = 200;

/** Kinds of line a tool call can be linked to: those with a `tool_call` key in the schema. */
const LINKABLE: ReadonlySet<AuditEvent> = new Set(
  EVENT_KINDS.filter((e) => e !== 'fork' && e !== 'exit' && auditKeyOrder(e).includes('tool_call')),
);

type ToolCallLine = AuditLineOf<'tool_call'>;
type ToolCallRef = NonNullable<AuditLineOf<'exec'>['tool_call']>;

export interface TimelineLine {
  /** the line's id in the UI's stream */
  id: number;
  line: AuditLine;
  /** placed under its call by the call's pids and time window (linked late: no tool_call on it) */
  late?: true;
}

/** A late-linked line may be this far outside its call's logged window (ms). */
const LATE_SLACK_MS = 1_000;

export interface CallView {
  id: string;
  name: string;
  turn: number;
  /** the call's own tool_call line has arrived (else it is known from its linked lines) */
  logged: boolean;
  kind: ToolCallLine['tool_kind'] | null;
  /** when the call was made (logged), else the first linked line's time */
  ts: string;
  endedAt: string | null;
  durationMs: number | null;
  isError: boolean | null;
  command: string | null;
  paths: string[];
  url: string | null;
  /** the daemon's counts of the lines linked to the call (null until logged) */
  linked: ToolCallLine['linked'] | null;
  input: string | null;
  output: string | null;
  /** linked lines, in order (the first CALL_LINES_MAX) */
  lines: TimelineLine[];
  /** linked lines seen, kept or not */
  lineCount: number;
  /** of them, BLOCK or KILL */
  denied: number;
}

export interface TimelineView {
  session: string;
  /** rises with every line the timeline took: a page redraws only when it changed */
  version: number;
  agent: ToolCallLine['agent'] | null;
  transcript: string | null;
  /** turns in order, each with its calls in order */
  turns: { turn: number; calls: CallView[] }[];
  /** calls no longer kept (over CALLS_MAX) */
  droppedCalls: number;
  unlinked: {
    /** kept lines (the newest, and the newest denials), in order */
    lines: TimelineLine[];
    /** unlinked lines seen, kept or not */
    count: number;
    /** of them, BLOCK or KILL */
    denied: number;
  };
}

interface CallEntry {
  ref: ToolCallRef;
  line: ToolCallLine | undefined;
  firstTs: string;
  lines: TimelineLine[];
  lineCount: number;
  denied: number;
}

interface SessionEntry {
  calls: Map<string, CallEntry>;
  droppedCalls: number;
  unlinked: TimelineLine[];
  unlinkedDenied: TimelineLine[];
  unlinkedCount: number;
  unlinkedDeniedCount: number;
  agent: ToolCallLine['agent'] | null;
  transcript: string | null;
  version: number;
}

/** Keeps the newest `max` of a growing list, cutting in chunks. */
function pushBounded(list: TimelineLine[], item: TimelineLine, max: number): void {
  list.push(item);
  if (list.length > max + Math.ceil(max / 4)) list.splice(0, list.length - max);
}

export class SessionTimeline {
  readonly #sessions = new Map<string, SessionEntry>();

  observe(line: AuditLine, id: number): void {
    if (line.session === null) return;
    if (line.event === 'tool_call') {
      const s = this.#session(line.session);
      s.agent = line.agent;
      s.transcript = line.transcript;
      const call = this.#call(s, { id: line.id, name: line.name, turn: line.turn }, line.ts);
      call.line = line;
      if (line.linked.late > 0) this.#placeLate(s, call, line);
      s.version++;
      return;
    }
    if (!LINKABLE.has(line.event)) return;
    const s = this.#session(line.session);
    s.version++;
    const ref = 'tool_call' in line ? line.tool_call : undefined;
    const item = { id, line };
    if (ref === undefined) {
      s.unlinkedCount++;
      pushBounded(s.unlinked, item, UNLINKED_MAX);
      if (isBlock(line)) {
        s.unlinkedDeniedCount++;
        pushBounded(s.unlinkedDenied, item, UNLINKED_DENIED_MAX);
      }
      return;
    }
    const call = this.#call(s, ref, line.ts);
    call.lineCount++;
    if (isBlock(line)) call.denied++;
    if (call.lines.length < CALL_LINES_MAX) call.lines.push(item);
  }

  /** The timeline of `session`; undefined when none of its lines was a call or linkable. */
  view(session: string): TimelineView | undefined {
    const s = this.#sessions.get(session);
    if (s === undefined) return undefined;
    const byTurn = new Map<number, CallView[]>();
    for (const c of s.calls.values()) {
      const v = callView(c);
      const list = byTurn.get(v.turn);
      if (list === undefined) byTurn.set(v.turn, [v]);
      else list.push(v);
    }
    const turns = [...byTurn.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([turn, calls]) => ({ turn, calls: calls.sort((a, b) => a.ts.localeCompare(b.ts)) }));
    const unlinked = new Map<number, TimelineLine>();
    for (const l of s.unlinked.slice(-UNLINKED_MAX)) unlinked.set(l.id, l);
    for (const l of s.unlinkedDenied.slice(-UNLINKED_DENIED_MAX)) unlinked.set(l.id, l);
    return {
      session,
      version: s.version,
      agent: s.agent,
      transcript: s.transcript,
      turns,
      droppedCalls: s.droppedCalls,
      unlinked: {
        lines: [...unlinked.values()].sort((a, b) => a.id - b.id),
        count: s.unlinkedCount,
        denied: s.unlinkedDeniedCount,
      },
    };
  }

  /**
   * Lines the daemon linked to the call only after they were written (an agent that logs a call
   * late) carry no tool_call: they move from the unlinked group to the call, by the call's pids
   * and window.
   */
  #placeLate(s: SessionEntry, call: CallEntry, l: ToolCallLine): void {
    const from = Date.parse(l.ts) - LATE_SLACK_MS;
    const to = (l.ended_at === null ? Date.now() : Date.parse(l.ended_at)) + LATE_SLACK_MS;
    const pids = new Set(l.pids);
    const belongs = (x: TimelineLine): boolean => {
      const pid = 'pid' in x.line ? x.line.pid : null;
      const at = Date.parse(x.line.ts);
      return pid !== null && pids.has(pid) && at >= from && at <= to;
    };
    const moved = new Set<number>();
    let deniedMoved = 0;
    for (const x of [...s.unlinked, ...s.unlinkedDenied]) {
      if (moved.has(x.id) || !belongs(x)) continue;
      moved.add(x.id);
      call.lineCount++;
      if (isBlock(x.line)) {
        call.denied++;
        deniedMoved++;
      }
      if (call.lines.length < CALL_LINES_MAX) call.lines.push({ ...x, late: true });
    }
    if (moved.size === 0) return;
    call.lines.sort((a, b) => a.id - b.id);
    s.unlinked = s.unlinked.filter((x) => !moved.has(x.id));
    s.unlinkedDenied = s.unlinkedDenied.filter((x) => !moved.has(x.id));
    s.unlinkedCount = Math.max(0, s.unlinkedCount - moved.size);
    s.unlinkedDeniedCount = Math.max(0, s.unlinkedDeniedCount - deniedMoved);
  }

  #session(name: string): SessionEntry {
    let s = this.#sessions.get(name);
    if (s === undefined) {
      if (this.#sessions.size >= SESSIONS_MAX)
        this.#sessions.delete(this.#sessions.keys().next().value as string);
      s = {
        calls: new Map(),
        droppedCalls: 0,
        unlinked: [],
        unlinkedDenied: [],
        unlinkedCount: 0,
        unlinkedDeniedCount: 0,
        agent: null,
        transcript: null,
        version: 0,
      };
      this.#sessions.set(name, s);
    }
    return s;
  }

  #call(s: SessionEntry, ref: ToolCallRef, ts: string): CallEntry {
    let c = s.calls.get(ref.id);
    if (c === undefined) {
      if (s.calls.size >= CALLS_MAX) {
        s.calls.delete(s.calls.keys().next().value as string);
        s.droppedCalls++;
      }
      c = { ref, line: undefined, firstTs: ts, lines: [], lineCount: 0, denied: 0 };
      s.calls.set(ref.id, c);
    }
    return c;
  }
}

function callView(c: CallEntry): CallView {
  const l = c.line;
  const start = l?.ts ?? c.firstTs;
  const end = l?.ended_at ?? null;
  const ms = end === null ? NaN : Date.parse(end) - Date.parse(start);
  return {
    id: c.ref.id,
    name: l?.name ?? c.ref.name,
    turn: l?.turn ?? c.ref.turn,
    logged: l !== undefined,
    kind: l?.tool_kind ?? null,
    ts: start,
    endedAt: end,
    durationMs: Number.isFinite(ms) ? Math.max(0, ms) : null,
    isError: l?.is_error ?? null,
    command: l?.command ?? null,
    paths: l?.paths ?? [],
    url: l?.url ?? null,
    linked: l?.linked ?? null,
    input: l?.input ?? null,
    output: l?.output ?? null,
    lines: c.lines,
    lineCount: c.lineCount,
    denied: c.denied,
  };
}
