// The words of the audit line that an exporter's filter names: its actions, its event kinds and
// its severities, from their one source, the audit schema (src/sinks).
import { ACTIONS } from '../sinks/audit-actions.js';
import { EVENT_KINDS, SEVERITIES as AUDIT_SEVERITIES, type AuditEvent } from '../sinks/audit-schema.js';

export const AUDIT_ACTIONS = ACTIONS;
export const AUDIT_EVENTS: readonly AuditEvent[] = EVENT_KINDS;
/** Lowest first: a filter's min_severity keeps its own level and every one after it. */
export const SEVERITIES = AUDIT_SEVERITIES;

export type AuditActionName = (typeof AUDIT_ACTIONS)[number];
export type AuditEventName = AuditEvent;
export type SeverityName = (typeof SEVERITIES)[number];
