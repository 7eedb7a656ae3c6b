// The Alerts view's list: every `alert` line (a credential a detector found) and every flagged
// `install` line (severity above info), kept with its stream id as the lines reach the UI, so a
// page opened (or reloaded) later still shows past alerts. The browser adds new ones from the
// line stream with the same test (isAlertLine) and drops duplicates by id. Bounded: the newest
// ALERTS_MAX are kept, the rest counted.
import { auditLineSchemaOf, type AuditLine, type AuditLineOf } from '../sinks/audit-schema.js';

export const ALERTS_MAX = 5_000;

export type AlertLine = AuditLineOf<'alert'> | AuditLineOf<'install'>;
export type Severity = AlertLine['severity'];

/** Severities, least serious first, read from the audit schema (no copy kept here or in the page). */
export const SEVERITIES: readonly Severity[] = (() => {
  const prop = auditLineSchemaOf('alert').properties.severity as unknown as { anyOf: { const: Severity }[] };
  return prop.anyOf.map((s) => s.const);
})();

export function isSeverity(value: string): value is Severity {
  return (SEVERITIES as readonly string[]).includes(value);
}

/** An alert for the view: a detector's finding, or an install with something flagged. */
export function isAlertLine(line: AuditLine): line is AlertLine {
  return line.event === 'alert' || (line.event === 'install' && line.severity !== 'info');
}

export interface AlertEntry {
  /** the line's id in the UI's stream (event-hub.ts) */
  id: number;
  line: AlertLine;
}

export interface AlertFilter {
  session?: string | undefined;
  /** the least serious severity shown */
  severity?: Severity | undefined;
}

export interface AlertsView {
  /** newest first */
  alerts: AlertEntry[];
  /** alerts kept (before the filter) */
  kept: number;
  /** older alerts no longer kept (over ALERTS_MAX); the audit log has them */
  dropped: number;
  /** sessions with an alert, with their counts by severity (before the filter) */
  sessions: Record<string, Partial<Record<Severity, number>>>;
  severities: readonly Severity[];
}

export class AlertList {
  readonly #max: number;
  /** oldest first */
  #entries: AlertEntry[] = [];
  #dropped = 0;

  constructor(max = ALERTS_MAX) {
    this.#max = Math.max(1, max);
  }

  observe(line: AuditLine, id: number): void {
    if (!isAlertLine(line)) return;
    this.#entries.push({ id, line });
    // cut in chunks, not one shift per line
    if (this.#entries.length > this.#max + Math.ceil(this.#max / 10)) {
      const cut = this.#entries.length - this.#max;
      this.#entries = this.#entries.slice(cut);
      this.#dropped += cut;
    }
  }

  list(filter: AlertFilter = {}): AlertsView {
    const over = Math.max(0, this.#entries.length - this.#max);
    const kept = this.#entries.slice(over);
    const least = filter.severity === undefined ? 0 : SEVERITIES.indexOf(filter.severity);
    const sessions: AlertsView['sessions'] = {};
    const alerts: AlertEntry[] = [];
    for (let i = kept.length - 1; i >= 0; i--) {
      const e = kept[i];
      if (e === undefined) continue;
      const counts = (sessions[e.line.session] ??= {});
      counts[e.line.severity] = (counts[e.line.severity] ?? 0) + 1;
      if (filter.session !== undefined && filter.session !== '' && e.line.session !== filter.session)
        continue;
      if (SEVERITIES.indexOf(e.line.severity) < least) continue;
      alerts.push(e);
    }
    return { alerts, kept: kept.length, dropped: this.#dropped + over, sessions, severities: SEVERITIES };
  }
}
