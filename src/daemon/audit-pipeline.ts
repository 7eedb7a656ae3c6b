// From kernel events to audit lines, for the daemon: learns process facts, converts kernel
// time, builds the line. Decides nothing: the lines carry the decision the kernel reported.
// Volume (--file-events) is decided in the kernel too (kernel/lib/volume.h).
import type { AgentEvent } from '../wire/events.js';
import { BootClock } from '../enrich/boot-clock.js';
import { ProcessTable } from '../enrich/process-table.js';
import type { LossCounters } from '../wire/kernel-counters.js';
import {
  buildAuditLine,
  countersDelta,
  lossLine,
  sessionEndLine,
  sessionStartLine,
  type Decision,
  type LineContext,
} from '../sinks/audit-line.js';
import type { AuditLine } from '../sinks/audit-schema.js';
import type { Session } from './sessions.js';

export class AuditPipeline {
  readonly processes = new ProcessTable();
  readonly #clock = new BootClock();
  readonly #contexts = new WeakMap<Session, LineContext>();

  constructor() {
    this.#clock.start();
  }

  /** The line for a kernel event. */
  lineFor(ev: AgentEvent, s: Session, decision?: Decision): AuditLine {
    this.processes.observe(ev);
    const ctx = this.#context(s);
    return decision === undefined ? buildAuditLine(ev, ctx) : buildAuditLine(ev, ctx, decision);
  }

  /** One context per session, made again only when its profile's name changed (reload). */
  #context(s: Session): LineContext {
    const ctx = this.#contexts.get(s);
    if (ctx?.session.profile === s.profile.name && ctx.session.id === s.name) return ctx;
    const fresh = {
      session: { id: s.name, profile: s.profile.name },
      clock: this.#clock,
      processes: this.processes,
    };
    this.#contexts.set(s, fresh);
    return fresh;
  }

  /** session_start for sessions vigil makes (run, attach, adopted by watch), session_end for all. */
  sessionLine(
    kind: 'session_start' | 'session_end',
    s: Session,
    pid: number,
    endReason = 'the last process of the session exited',
  ): AuditLine {
    // the start adopts the root into the table; the end reads what its exit event left there
    const facts =
      kind === 'session_start'
        ? (this.processes.adopt(pid, s.id, { root: true }) ?? this.processes.get(pid))
        : this.processes.get(pid);
    const proc = {
      pid,
      comm: facts?.comm ?? '',
      ppid: facts?.ppid,
      uid: facts?.uid,
      exe: facts?.exe,
    };
    const info = { id: s.name, profile: s.profile.name };
    if (kind === 'session_start') return sessionStartLine(info, proc, { origin: s.kind });
    const exit = facts?.exitStatus;
    const reason = endReason;
    return sessionEndLine(info, proc, exit === undefined ? { reason } : { reason, waitStatus: exit });
  }

  /** A loss line when a kernel counter rose between two readings. */
  lossLine(before: LossCounters, now: LossCounters): AuditLine | undefined {
    return lossLine(countersDelta(before, now));
  }

  /** CLOCK_BOOTTIME now, in ns: the kernel's clock (events, the heartbeat). */
  nowBootNs(): bigint {
    return this.#clock.nowBootNs();
  }

  close(): void {
    this.#clock.stop();
  }
}
