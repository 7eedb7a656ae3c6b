// The metrics counted from audit lines, as the daemon writes them: decisions, every line by kind,
// alerts, sessions begun, and what the kernel reported lost. Each line is counted once, by the
// kind of line it is; nothing here keeps a line or any of its paths, pids or session ids.
import { Counter, type Registry } from 'prom-client';
import type { AuditLine, AuditLineOf } from '../sinks/audit-schema.js';
import { LabelCap } from './label-cap.js';

/** Distinct values each data-made label keeps before the rest count as 'other'. */
export const LABEL_LIMITS = { profile: 64, backend: 32, alertKind: 64 } as const;

type LossKey = keyof AuditLineOf<'loss'>['lost'];

export class LineMetrics {
  readonly #lines: Counter<'event'>;
  readonly #decisions: Counter<'action' | 'event' | 'backend' | 'profile'>;
  readonly #alerts: Counter<'detector' | 'severity' | 'kind'>;
  readonly #sessionsStarted: Counter<'origin'>;
  readonly #ringLost: Counter<'ring'>;
  /** each counter of a loss line, by the metric (and label) it adds to */
  readonly #losses: Readonly<Record<LossKey, { inc(count: number): void }>>;
  readonly #profiles = new LabelCap(LABEL_LIMITS.profile);
  readonly #backends = new LabelCap(LABEL_LIMITS.backend);
  readonly #alertKinds = new LabelCap(LABEL_LIMITS.alertKind);

  constructor(registry: Registry) {
    const registers = [registry];
    this.#lines = new Counter({
      name: 'vigil_audit_lines_total',
      help: 'Audit lines written, by event kind (every line, decided or not).',
      labelNames: ['event'],
      registers,
    });
    this.#decisions = new Counter({
      name: 'vigil_decisions_total',
      help: `Audit lines that carry a decision (action ALLOW, BLOCK, KILL or AUDIT; OBSERVE lines are not decisions), by action, event kind, backend and profile. Past ${LABEL_LIMITS.profile} profile names and ${LABEL_LIMITS.backend} backends, the rest are counted as 'other'.`,
      labelNames: ['action', 'event', 'backend', 'profile'],
      registers,
    });
    this.#alerts = new Counter({
      name: 'vigil_alerts_total',
      help: `Findings of the detectors: alert lines (detector secrets, kind the secret's kind) and flagged package installs (detector installs, kind the reason code of the most serious package), by severity. Past ${LABEL_LIMITS.alertKind} kinds, the rest are counted as 'other'.`,
      labelNames: ['detector', 'severity', 'kind'],
      registers,
    });
    this.#sessionsStarted = new Counter({
      name: 'vigil_sessions_started_total',
      help: 'Sessions begun, by how: run (vigil run), attach (vigil attach) or watch (a watched program started).',
      labelNames: ['origin'],
      registers,
    });
    this.#ringLost = new Counter({
      name: 'vigil_ring_lost_events_total',
      help: 'Kernel records lost because a ring buffer was full: ring events (events missing from the audit log) or alerts (decisions enforced but not reported one by one).',
      labelNames: ['ring'],
      registers,
    });
    const readFailures = new Counter({
      name: 'vigil_kernel_read_failures_total',
      help: 'Kernel reads that failed: events written with a part missing.',
      registers,
    });
    const unwatched = new Counter({
      name: 'vigil_unwatched_processes_total',
      help: 'Processes of a session the kernel could not watch: its table of watched processes was full.',
      registers,
    });
    const stale = new Counter({
      name: 'vigil_stale_process_entries_total',
      help: 'Watched-process entries the kernel dropped because their PID had been reused.',
      registers,
    });
    for (const origin of ['run', 'attach', 'watch']) this.#sessionsStarted.inc({ origin }, 0);
    this.#ringLost.inc({ ring: 'events' }, 0);
    this.#ringLost.inc({ ring: 'alerts' }, 0);
    this.#losses = {
      ringbuf_full: this.#ringLost.labels({ ring: 'events' }),
      alert_lost: this.#ringLost.labels({ ring: 'alerts' }),
      read_fail: readFailures,
      watch_full: unwatched,
      stale_entry: stale,
    };
  }

  observe(line: AuditLine): void {
    this.#lines.inc({ event: line.event });
    if (line.action !== 'OBSERVE') {
      this.#decisions.inc({
        action: line.action,
        event: line.event,
        backend: this.#backends.value(line.backend),
        profile: this.#profiles.value(line.profile ?? ''),
      });
    }
    switch (line.event) {
      case 'session_start':
        this.#sessionsStarted.inc({ origin: line.origin });
        break;
      case 'alert':
        this.#alerts.inc({
          detector: line.detector,
          severity: line.severity,
          kind: this.#alertKinds.value(line.kind),
        });
        break;
      case 'install':
        // ALLOW: nothing flagged; AUDIT, KILL or OBSERVE (installs: off) are findings
        if (line.action !== 'ALLOW') {
          this.#alerts.inc({
            detector: 'installs',
            severity: line.severity,
            kind: this.#alertKinds.value(installReason(line)),
          });
        }
        break;
      case 'loss':
        for (const [key, count] of Object.entries(line.lost) as [LossKey, number][]) {
          if (count > 0) this.#losses[key].inc(count);
        }
        break;
      default:
        break;
    }
  }
}

/** The reason code of the most serious package (or of the command, when that is what set it). */
function installReason(line: AuditLineOf<'install'>): string {
  const pkg = line.packages.find((p) => p.severity === line.severity && p.reasons.length > 0);
  return pkg?.reasons[0]?.code ?? line.risk_reasons[0]?.code ?? 'install';
}
