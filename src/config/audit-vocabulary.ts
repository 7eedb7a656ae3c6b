// The words of the audit line that an exporter's filter names: its actions, its event kinds and
// its severities. The audit schema (src/sinks/audit-schema.ts) is their source, but the
// configuration sits below every other layer and may not import it; these are checked copies, and
// a unit test (test/unit/config/audit-vocabulary.test.ts) fails the moment they differ.

export const AUDIT_ACTIONS = ['ALLOW', 'BLOCK', 'KILL', 'AUDIT', 'OBSERVE'] as const;

export const AUDIT_EVENTS = [
  'session_start',
  'session_end',
  'exec',
  'fork',
  'exit',
  'file_open',
  'net_connect',
  'udp_send',
  'socket_create',
  'unlink',
  'rename',
  'ptrace',
  'signal',
  'exec_memory',
  'syscall',
  'file_activity',
  'dns_query',
  'sni_check',
  'install',
  'alert',
  'tool_call',
  'posture_change',
  'export_drop',
  'loss',
] as const;

/** Lowest first: a filter's min_severity keeps its own level and every one after it. */
export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;

export type AuditActionName = (typeof AUDIT_ACTIONS)[number];
export type AuditEventName = (typeof AUDIT_EVENTS)[number];
export type SeverityName = (typeof SEVERITIES)[number];
