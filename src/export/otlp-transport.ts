// OTLP logs over HTTP through OpenTelemetry's own exporter (@opentelemetry/exporter-logs-otlp-http,
// OTLP/JSON): each exported line becomes one log record.
//
//   body            the line's object, parsed: OTLP backends index a map body field by field, and
//                   the audit schema writes every 64-bit number as a string, so parsing loses nothing
//   severity        SeverityNumber by way of the syslog severity (OTel's data model, Appendix B:
//                   Critical ERROR2, Error ERROR, Warning WARN, Notice INFO2, Informational INFO);
//                   severityText the line's own word (critical, high, ...), as the source says it
//   timestamp       the line's ts (also the observed time: the daemon saw the event when it wrote it)
//   attributes      log.record.uid = the event id (OTel's semantic convention for a log record's
//                   unique id, which receivers deduplicate by), vigil.event = the line's event
//   resource        service.name = vigil, host.name
//
// The exporter itself retries 429, 502, 503 and 504 answers (Retry-After honoured) and network
// errors (a refused connection too) within timeoutMs; whatever is left fails the send, and the
// sender retries with its own backoff. So a send to a destination that is down takes up to
// timeoutMs to fail, where the webhook fails at once.
import { SeverityNumber, type AnyValueMap } from '@opentelemetry/api-logs';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';

import { tlsConnectionOptions, type TlsClientOptions } from './tls-client.js';
import { describeNetError, httpDestination, sendError } from './transport-error.js';
import type { ExportSeverity, SpooledLine, Transport } from './types.js';

export interface OtlpTransportOptions {
  /** the logs endpoint, e.g. https://collector.example:4318/v1/logs */
  readonly url: string;
  /** sent with every request, e.g. { Authorization: 'Bearer ...' } */
  readonly headers?: Readonly<Record<string, string>>;
  /** resource host.name: the name the exported lines carry as their host */
  readonly hostName: string;
  /** one export, the exporter's own retries included (default 10,000) */
  readonly timeoutMs?: number;
  /** for an https: URL only */
  readonly tls?: TlsClientOptions;
}

/** OTel SeverityNumber of each export severity (through its syslog severity; see above). */
export const OTEL_SEVERITY: Readonly<Record<ExportSeverity, SeverityNumber>> = {
  critical: SeverityNumber.ERROR2,
  high: SeverityNumber.ERROR,
  medium: SeverityNumber.WARN,
  low: SeverityNumber.INFO2,
  info: SeverityNumber.INFO,
};

/** How much of a failed answer's body goes into the error. */
const ERROR_BODY_CHARS = 200;

export class OtlpTransport implements Transport {
  readonly describe: string;
  /** an HTTP answer is the acknowledgement: a 2xx needs no wait */
  readonly confirmMs = 0;
  readonly generation = 0;
  private readonly exporter: OTLPLogExporter;
  private readonly resource: Resource;
  /** one scope object for every record: the SDK groups records by the scope's identity */
  private readonly scope = { name: 'vigil' };

  constructor(options: OtlpTransportOptions) {
    const { url, describe } = httpDestination(
      'otlp',
      'an OTLP/HTTP URL',
      options.url,
      options.tls !== undefined,
    );
    this.describe = describe;
    this.resource = resourceFromAttributes({ 'service.name': 'vigil', 'host.name': options.hostName });
    this.exporter = new OTLPLogExporter({
      url: options.url,
      headers: { ...options.headers },
      timeoutMillis: options.timeoutMs ?? 10_000,
      httpAgentOptions: {
        keepAlive: true,
        ...(url.protocol === 'https:' ? tlsConnectionOptions(url.hostname, options.tls) : {}),
      },
    });
  }

  send(batch: readonly SpooledLine[]): Promise<void> {
    if (batch.length === 0) return Promise.resolve();
    const records = batch.map((line) => this.record(line));
    return new Promise((resolve, reject) => {
      this.exporter.export(records, (result: ExportResult) => {
        if (result.code === ExportResultCode.SUCCESS) resolve();
        else reject(sendError(this.describe, exportFailure(result.error), result.error));
      });
    });
  }

  close(): Promise<void> {
    return this.exporter.shutdown();
  }

  private record(line: SpooledLine): ReadableLogRecord {
    const time = hrTime(line.ts);
    return {
      hrTime: time,
      hrTimeObserved: time,
      severityNumber: OTEL_SEVERITY[line.severity],
      severityText: line.severity,
      body: JSON.parse(line.json) as AnyValueMap,
      resource: this.resource,
      instrumentationScope: this.scope,
      attributes: { 'log.record.uid': line.id, 'vigil.event': line.event },
      droppedAttributesCount: 0,
    };
  }
}

/** [seconds, nanoseconds] of an RFC 3339 time, its fraction kept to the nanosecond. */
export function hrTime(ts: string): [number, number] {
  const ms = Date.parse(ts);
  const at = Number.isNaN(ms) ? Date.now() : ms;
  const fraction = /^[^.]*T[^.]*\.(\d+)/.exec(ts)?.[1];
  const ns =
    fraction === undefined || Number.isNaN(ms)
      ? (at % 1000) * 1e6
      : Number(fraction.padEnd(9, '0').slice(0, 9));
  return [Math.floor(at / 1000), ns];
}

/** The exporter's error in words: an HTTP status with the start of the answer, or the cause. */
function exportFailure(error: Error | undefined): string {
  if (error === undefined) return 'the exporter reported a failure without a reason';
  const { code, data } = error as Error & { code?: unknown; data?: unknown };
  if (typeof code === 'number') {
    const body = typeof data === 'string' ? data.replace(/\s+/g, ' ').trim().slice(0, ERROR_BODY_CHARS) : '';
    return `HTTP ${code}${error.message === '' ? '' : ` ${error.message}`}${body === '' ? '' : `: ${body}`}`;
  }
  return describeNetError(error);
}
