// The export_drop line: what one removal at a spool's bounds dropped, said once, with exact
// counts (the spool counts them: spool-drops.ts).
import { OTHER_BACKENDS } from '../protections.js';
import { AUDIT_SCHEMA_VERSION, type AuditLineOf } from '../sinks/audit-schema.js';
import type { SpoolDrop } from './spool.js';

const WHY = {
  full: 'its spool reached max_bytes while the destination took no lines',
  age: 'they waited in its spool longer than max_age',
} as const;

export function exportDropLine(
  exporter: string,
  destination: string,
  d: SpoolDrop,
  at = new Date(),
): AuditLineOf<'export_drop'> {
  return {
    ts: at.toISOString(),
    event: 'export_drop',
    action: 'OBSERVE',
    exporter,
    destination,
    drop_reason: d.reason,
    dropped_lines: d.lines,
    dropped_bytes: d.bytes,
    first_event_id: d.firstId,
    last_event_id: d.lastId,
    first_ts: d.firstTs,
    last_ts: d.lastTs,
    reason: `exporter ${exporter} dropped ${d.lines} line(s) never delivered to ${destination}: ${WHY[d.reason]}; they are still in the local audit log`,
    rule: null,
    profile: null,
    session: null,
    backend: OTHER_BACKENDS.exportSpool,
    enforcement: 'none',
    schema_version: AUDIT_SCHEMA_VERSION,
  };
}
