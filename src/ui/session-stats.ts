// Counters the Sessions view shows, kept on the server from every line (the browser only holds
// a bounded window of lines, so it could not count them): decisions by kind, events by type,
// blocks by rule, and per-second rates over the last two minutes. Bounded: at most
// MAX_SESSIONS sessions (ended ones are forgotten first) and MAX_RULES rules per session.
import type { AuditLine } from '../sinks/audit-schema.js';

/** Seconds of history in the rate charts. */
export const SERIES_SECONDS = 120;
const MAX_SESSIONS = 200;
const MAX_RULES = 500;

/** Per-second counts in a ring of SERIES_SECONDS buckets. */
export class RateSeries {
  readonly #events = new Array<number>(SERIES_SECONDS).fill(0);
  readonly #blocks = new Array<number>(SERIES_SECONDS).fill(0);
  /** the second the newest bucket is for */
  #sec = 0;

  add(sec: number, block: boolean): void {
    this.#advance(sec);
    const i = sec % SERIES_SECONDS;
    this.#events[i] = (this.#events[i] ?? 0) + 1;
    if (block) this.#blocks[i] = (this.#blocks[i] ?? 0) + 1;
  }

  /** The last SERIES_SECONDS seconds up to `sec` (oldest first); the last bucket is in progress. */
  snapshot(sec: number): { end: number; events: number[]; blocks: number[] } {
    this.#advance(sec);
    const events: number[] = [];
    const blocks: number[] = [];
    for (let s = sec - SERIES_SECONDS + 1; s <= sec; s++) {
      const i = ((s % SERIES_SECONDS) + SERIES_SECONDS) % SERIES_SECONDS;
      events.push(this.#events[i] ?? 0);
      blocks.push(this.#blocks[i] ?? 0);
    }
    return { end: sec, events, blocks };
  }

  #advance(sec: number): void {
    if (sec <= this.#sec) return;
    const clear = Math.min(SERIES_SECONDS, sec - this.#sec);
    for (let k = 1; k <= clear; k++) {
      const i = (this.#sec + k) % SERIES_SECONDS;
      this.#events[i] = 0;
      this.#blocks[i] = 0;
    }
    this.#sec = sec;
  }
}

export interface SessionCounters {
  session: string;
  profile: string | null;
  firstTs: string;
  lastTs: string;
  ended: boolean;
  lines: number;
  actions: Record<string, number>;
  events: Record<string, number>;
  /** BLOCK and KILL lines by the rule that decided ('(no rule)' when none was named) */
  blocksByRule: Record<string, number>;
}

interface Entry {
  counters: SessionCounters;
  series: RateSeries;
}

/** A block for the charts and counters: the call was refused or the process killed. */
export function isBlock(line: AuditLine): boolean {
  return line.action === 'BLOCK' || line.action === 'KILL';
}

export class SessionStats {
  readonly #sessions = new Map<string, Entry>();
  readonly global = new RateSeries();
  readonly totals: Record<string, number> = {};
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  observe(line: AuditLine): void {
    const sec = Math.floor(this.#now() / 1000);
    const block = isBlock(line);
    this.global.add(sec, block);
    this.totals[line.action] = (this.totals[line.action] ?? 0) + 1;
    if (line.session === null) return;
    let e = this.#sessions.get(line.session);
    if (e === undefined) {
      e = {
        counters: {
          session: line.session,
          profile: line.profile,
          firstTs: line.ts,
          lastTs: line.ts,
          ended: false,
          lines: 0,
          actions: {},
          events: {},
          blocksByRule: {},
        },
        series: new RateSeries(),
      };
      this.#sessions.set(line.session, e);
      this.#bound();
    }
    const c = e.counters;
    c.lines++;
    c.lastTs = line.ts;
    c.actions[line.action] = (c.actions[line.action] ?? 0) + 1;
    c.events[line.event] = (c.events[line.event] ?? 0) + 1;
    if (line.event === 'session_end') c.ended = true;
    if (block) {
      const rule = line.rule ?? '(no rule)';
      if (rule in c.blocksByRule || Object.keys(c.blocksByRule).length < MAX_RULES) {
        c.blocksByRule[rule] = (c.blocksByRule[rule] ?? 0) + 1;
      }
    }
    e.series.add(sec, block);
  }

  sessions(): SessionCounters[] {
    return [...this.#sessions.values()].map((e) => e.counters);
  }

  get(session: string): SessionCounters | undefined {
    return this.#sessions.get(session)?.counters;
  }

  series(session?: string): { end: number; events: number[]; blocks: number[] } | undefined {
    const sec = Math.floor(this.#now() / 1000);
    if (session === undefined) return this.global.snapshot(sec);
    return this.#sessions.get(session)?.series.snapshot(sec);
  }

  #bound(): void {
    if (this.#sessions.size <= MAX_SESSIONS) return;
    const victim =
      [...this.#sessions.values()].find((e) => e.counters.ended) ?? this.#sessions.values().next().value;
    if (victim !== undefined) this.#sessions.delete(victim.counters.session);
  }
}
