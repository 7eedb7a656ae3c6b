// The refusals (BLOCK, KILL, AUDIT lines) of each live session, the latest few hundred, for the
// agent's hooks and MCP tools to explain what the kernel did during a tool call. Bounded per
// session; forgotten with the session. The audit log stays the record: this is a window on it.
import type { AuditLine } from '../sinks/audit-schema.js';

const PER_SESSION = 256;
/** Tool calls whose PreToolUse a hook reported, per session (their start times). */
const MARKS_PER_SESSION = 64;
/** Sessions kept: the oldest one's window goes first (ended sessions are not asked about). */
const SESSIONS = 128;

export class RecentDecisions {
  readonly #lines = new Map<number, AuditLine[]>();
  readonly #marks = new Map<number, Map<string, number>>();
  /** per session: the time up to which a hook has already reported refusals */
  readonly #reported = new Map<number, number>();

  add(session: number, line: AuditLine): void {
    if (line.action !== 'BLOCK' && line.action !== 'KILL' && line.action !== 'AUDIT') return;
    let list = this.#lines.get(session);
    if (list === undefined) {
      this.#lines.set(session, (list = []));
      if (this.#lines.size > SESSIONS) this.forget(this.#lines.keys().next().value as number);
    }
    list.push(line);
    if (list.length > PER_SESSION) list.splice(0, list.length - PER_SESSION);
  }

  /** A tool call started (a PreToolUse hook): its refusals are those from `atMs` on. */
  mark(session: number, key: string, atMs: number): void {
    let marks = this.#marks.get(session);
    if (marks === undefined) this.#marks.set(session, (marks = new Map<string, number>()));
    marks.set(key, atMs);
    if (marks.size > MARKS_PER_SESSION) marks.delete(marks.keys().next().value as string);
  }

  /**
   * The refusals of a tool call: from its PreToolUse mark (else from the last report, else the
   * last two minutes) to now, leaving out the session's root process (the agent's own calls:
   * the tool's processes are its children). The window moves on: each refusal is told once.
   */
  forToolCall(session: number, key: string | undefined, rootPid: number | null, nowMs: number): AuditLine[] {
    const marked = key === undefined ? undefined : this.#marks.get(session)?.get(key);
    if (key !== undefined) this.#marks.get(session)?.delete(key);
    const from = marked ?? this.#reported.get(session) ?? nowMs - 120_000;
    this.#reported.set(session, nowMs);
    return (this.#lines.get(session) ?? []).filter((l) => {
      const t = Date.parse(l.ts);
      const pid = 'pid' in l ? l.pid : null;
      return t >= from && t <= nowMs && (rootPid === null || pid !== rootPid);
    });
  }

  /** The session's latest refusals, newest last. */
  latest(session: number, limit: number): AuditLine[] {
    return (this.#lines.get(session) ?? []).slice(-limit);
  }

  forget(session: number): void {
    this.#lines.delete(session);
    this.#marks.delete(session);
    this.#reported.delete(session);
  }
}
