// The contracts between the parts of the export stage (docs/export.md): the spool keeps each
// exported line on disk until a transport has delivered it; a sender moves lines from the spool
// to one transport; a transport speaks one destination's protocol.
//
//   daemon line --filter--> spool (segments + checkpoint) --sender (batch, retry, backoff)--> transport

/** One exported line as it sits in the spool: the audit line's JSON with event_id and host added. */
export interface SpooledLine {
  /** stable for this line across retries and restarts: receivers deduplicate by it */
  readonly id: string;
  /** the line as exported: one JSON object, no newline */
  readonly json: string;
  /** syslog severity and RFC 3339 time, read once when the line was spooled */
  readonly severity: ExportSeverity;
  readonly ts: string;
  /** the audit line's `event` (exec, file_open, alert, ...) */
  readonly event: string;
}

/** Severity of an exported line: the line's own `severity` key, else derived from its action. */
export type ExportSeverity = 'info' | 'low' | 'medium' | 'high' | 'critical';

/**
 * One destination. `send` resolves when the destination has the batch as far as its protocol
 * can tell (an HTTP 2xx; for a stream, written to the socket) and rejects with the reason
 * otherwise. Stream transports (syslog over TCP/TLS) have no application acknowledgement: a
 * line written just before the connection broke may be lost in the socket buffers. For them
 * `confirmMs` > 0: a batch counts as delivered only once the connection it was written on has
 * stayed up that long afterwards; `generation` changes whenever a connection is replaced, and
 * the sender then sends again every batch not yet confirmed (at-least-once: receivers
 * deduplicate by event id).
 */
export interface Transport {
  /** e.g. 'syslog tcp 127.0.0.1:6514' (diagnostics) */
  readonly describe: string;
  readonly confirmMs: number;
  readonly generation: number;
  send(batch: readonly SpooledLine[]): Promise<void>;
  close(): Promise<void>;
}

/** What an exporter reports for metrics and `vigil status`. */
export interface ExporterStats {
  readonly name: string;
  readonly type: 'syslog' | 'webhook' | 'otlp';
  /** lines in the spool not yet delivered */
  readonly depthLines: number;
  readonly depthBytes: number;
  readonly deliveredLines: number;
  /** lines the spool dropped at its bounds, by reason; every drop is also an export_drop line */
  readonly droppedLines: { readonly full: number; readonly age: number };
  /** failed sends (each retried) */
  readonly errors: number;
  /** the last failure, null while delivering */
  readonly lastError: string | null;
}
