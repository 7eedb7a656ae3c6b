// Which audit lines an exporter ships. Each key narrows, and a line must pass every key given:
//   actions       a line that carries an `action` passes only if it is listed; a line without
//                 one is not narrowed by this key
//   events        the line's `event` must be listed
//   min_severity  the line's export severity (export-line.ts) must be at least this
// An empty list lets no line through. Lines about loss (`loss`, `export_drop`) always pass,
// whatever the filter says: knowing that lines are missing is never filtered away.
import type { AuditAction, AuditLine } from '../sinks/audit-schema.js';
import { exportSeverity, LOSS_EVENTS, SEVERITY_RANK } from './export-line.js';
import type { ExportSeverity } from './types.js';

export interface ExportFilter {
  readonly actions?: readonly AuditAction[] | undefined;
  readonly events?: readonly string[] | undefined;
  readonly min_severity?: ExportSeverity | undefined;
}

export type LinePredicate = (line: AuditLine) => boolean;

export function exportFilter(filter: ExportFilter): LinePredicate {
  const actions = filter.actions === undefined ? undefined : new Set<string>(filter.actions);
  const events = filter.events === undefined ? undefined : new Set(filter.events);
  const minRank = filter.min_severity === undefined ? undefined : SEVERITY_RANK[filter.min_severity];
  if (actions === undefined && events === undefined && minRank === undefined) return () => true;
  return (line) => {
    if (LOSS_EVENTS.has(line.event)) return true;
    // the schema gives every line an action today; a kind without one is not narrowed here
    const action = (line as { action?: string }).action;
    if (actions !== undefined && action !== undefined && !actions.has(action)) return false;
    if (events !== undefined && !events.has(line.event)) return false;
    return minRank === undefined || SEVERITY_RANK[exportSeverity(line)] >= minRank;
  };
}
