// The configuration as the code reads it: every default applied, sizes in bytes, durations in
// milliseconds, addresses parsed, each exporter typed by its kind. Made from vigil.yaml by
// normalise-config.ts; the file's own spelling is ConfigDocument (config-schema.ts).
import type { AuditActionName, AuditEventName, SeverityName } from './audit-vocabulary.js';
import type { HostPort } from './host-port.js';
import type { SyslogFacilityName } from './syslog-facilities.js';

export interface VigilConfig {
  readonly version: 1;
  /** the Prometheus endpoint; null: none */
  readonly metrics: { readonly listen: HostPort } | null;
  readonly spool: { readonly dir: string };
  /** in the file's order; names are unique */
  readonly exporters: readonly ExporterConfig[];
}

export type ExporterConfig = SyslogExporterConfig | WebhookExporterConfig | OtlpExporterConfig;

/** What every exporter has. */
export interface ExporterBase {
  /** also its spool folder's name, under spool.dir */
  readonly name: string;
  readonly timeoutMs: number;
  readonly filter: ExportFilter;
  readonly spool: { readonly maxBytes: number; readonly maxAgeMs: number };
  readonly batch: { readonly maxLines: number; readonly maxDelayMs: number };
  readonly retry: { readonly initialMs: number; readonly maxMs: number };
}

/** A line is exported when it meets every condition; null: that condition is not set. */
export interface ExportFilter {
  readonly actions: readonly AuditActionName[] | null;
  readonly events: readonly AuditEventName[] | null;
  /** 'info' lets every severity through */
  readonly minSeverity: SeverityName;
}

export interface TlsConfig {
  /** PEM files, absolute paths; null: not set (ca: the system's CAs) */
  readonly ca: string | null;
  readonly cert: string | null;
  readonly key: string | null;
  /** null: the host of the address or URL */
  readonly serverName: string | null;
}

export interface SyslogExporterConfig extends ExporterBase {
  readonly type: 'syslog';
  readonly address: HostPort;
  readonly protocol: 'tcp' | 'tls' | 'udp';
  /** null over udp (one message per datagram) */
  readonly framing: 'octet-counting' | 'lf' | null;
  /** its code: SYSLOG_FACILITIES (syslog-facilities.ts) */
  readonly facility: SyslogFacilityName;
  readonly appName: string;
  /** set exactly when protocol is tls (every field null when the file gives no tls) */
  readonly tls: TlsConfig | null;
}

export interface WebhookExporterConfig extends ExporterBase {
  readonly type: 'webhook';
  readonly url: string;
  readonly format: 'json' | 'ndjson';
  readonly headers: Readonly<Record<string, string>>;
  /** set exactly when the URL is https:// (every field null when the file gives no tls) */
  readonly tls: TlsConfig | null;
}

export interface OtlpExporterConfig extends ExporterBase {
  readonly type: 'otlp';
  /** the OTLP/HTTP logs endpoint, /v1/logs added when the file gave no path */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** set exactly when the URL is https:// */
  readonly tls: TlsConfig | null;
}
