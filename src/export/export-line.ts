// An audit line as it is exported: its severity, its JSON with an event id and the host, and
// the way back from that JSON (the spool keeps only the JSON; a sender reads the rest from it).
//
// The exported JSON is the audit line's canonical JSON (auditLineJson, the same text as the
// audit log's line without the hash chain's keys) with two keys inserted first:
//   {"event_id":"<UUIDv7>","host":"<host name>","ts":"...","event":"...",...}
// so a receiver finds the id without parsing the rest, and every audit key keeps its place.
import { auditLineJson } from '../sinks/audit-json.js';
import type { AuditAction, AuditLine } from '../sinks/audit-schema.js';
import { mustSync } from '../sinks/audit-writer.js';
import { newEventId } from './event-id.js';
import type { ExportSeverity, SpooledLine } from './types.js';

/** The line the daemon writes when an exporter's spool drops lines at its bounds. */
export const EXPORT_DROP_EVENT = 'export_drop';

/** Lines that say lines were lost: always exported, always urgent, always high. */
export const LOSS_EVENTS: ReadonlySet<string> = new Set(['loss', EXPORT_DROP_EVENT]);

/** Severities from least to most serious (a filter's min_severity compares ranks). */
export const SEVERITY_RANK: Readonly<Record<ExportSeverity, number>> = {
  info: 0,
  low: 1,
  medium: 2,
  high: 3,
  critical: 4,
};

/**
 * Where a line's severity comes from, in this order: the line's own `severity` key (install and
 * alert lines), its event (lines about loss), its action, else `otherwise`. Syslog's PRI and
 * OTLP's SeverityNumber are read from the result, never from the line again.
 */
export const SEVERITY_SOURCES = {
  byEvent: { loss: 'high', [EXPORT_DROP_EVENT]: 'high' },
  byAction: { KILL: 'high', BLOCK: 'medium', AUDIT: 'low', ALLOW: 'info', OBSERVE: 'info' },
  otherwise: 'info',
} as const satisfies {
  byEvent: Readonly<Record<string, ExportSeverity>>;
  byAction: Readonly<Record<AuditAction, ExportSeverity>>;
  otherwise: ExportSeverity;
};

/** What a severity is read from: an audit line, or the keys of an exported line read back. */
export interface SeverityFacts {
  readonly event: string;
  readonly action?: string | undefined;
  readonly severity?: unknown;
}

export function isExportSeverity(value: unknown): value is ExportSeverity {
  return typeof value === 'string' && Object.hasOwn(SEVERITY_RANK, value);
}

export function exportSeverity(line: SeverityFacts): ExportSeverity {
  if (isExportSeverity(line.severity)) return line.severity;
  const { byEvent, byAction } = SEVERITY_SOURCES;
  if (Object.hasOwn(byEvent, line.event)) return byEvent[line.event as keyof typeof byEvent];
  const action = line.action;
  if (action !== undefined && Object.hasOwn(byAction, action)) return byAction[action as AuditAction];
  return SEVERITY_SOURCES.otherwise;
}

/** Lines the spool fsyncs before append returns: the audit log's (BLOCK, KILL, loss) and drops. */
export function exportUrgent(line: AuditLine): boolean {
  return mustSync(line) || LOSS_EVENTS.has(line.event);
}

// the host's JSON string, kept: it is the same for every line
let hostText = { host: '', json: '""' };

/** The line as it is exported and spooled, with a new event id. */
export function toSpooled(line: AuditLine, host: string): SpooledLine {
  if (hostText.host !== host) hostText = { host, json: JSON.stringify(host) };
  const id = newEventId();
  // every line is an object whose first key is ts: the text after its `{` follows a comma
  const json = `{"event_id":"${id}","host":${hostText.json},${auditLineJson(line).slice(1)}`;
  return { id, json, severity: exportSeverity(line), ts: line.ts, event: line.event };
}

/** An exported line read back from its JSON; undefined when the text is not one. */
export function fromSpooledJson(json: string): SpooledLine | undefined {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { event_id: id, ts, event, action, severity } = value as Record<string, unknown>;
  if (typeof id !== 'string' || typeof ts !== 'string' || typeof event !== 'string') return undefined;
  const facts = { event, action: typeof action === 'string' ? action : undefined, severity };
  return { id, json, severity: exportSeverity(facts), ts, event };
}
