// vigil.yaml, defined once: TypeBox gives the TypeScript type of the file as written, the
// validator the loader runs, and the published JSON Schema (schemas/vigil-config.schema.json,
// written by scripts/gen-config-schema.ts; a unit test fails when the committed file is stale).
// Only the shape lives here; what needs more than a schema (an exporter's keys by its type, the
// address, the URL, unique names, TLS files) is checked by normalise-config.ts.
import { Type } from '@sinclair/typebox';
import type { Static, TLiteral, TUnion } from '@sinclair/typebox';
import { AUDIT_ACTIONS, AUDIT_EVENTS, SEVERITIES } from './audit-vocabulary.js';
import {
  DEFAULT_SPOOL_DIR,
  EXPORTER_DEFAULTS,
  SYSLOG_DEFAULTS,
  WEBHOOK_DEFAULTS,
} from './config-defaults.js';
import { DURATION_PATTERN, DURATION_WORDS, SIZE_PATTERN, SIZE_WORDS } from './config-units.js';
import { HOST_PORT_PATTERN, HOST_PORT_WORDS } from './host-port.js';
import { SYSLOG_FACILITIES } from './syslog-facilities.js';

export const CONFIG_VERSION = 1;
/** An exporter's name is its spool folder's name, so it is short and safe in a path. */
export const EXPORTER_NAME_PATTERN = '^[a-z0-9][a-z0-9_-]{0,31}$';
/** An HTTP header name (RFC 9110 token). */
export const HEADER_NAME_PATTERN = "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$";
export const ABSOLUTE_PATH_PATTERN = '^/';
export const HTTP_URL_PATTERN = '^https?://';

type LiteralUnion<T extends readonly string[]> = TUnion<{ -readonly [K in keyof T]: TLiteral<T[K]> }>;

function literals<const T extends readonly string[]>(
  values: T,
  options: { description?: string; default?: T[number] } = {},
): LiteralUnion<T> {
  return Type.Union(
    values.map((v) => Type.Literal(v)),
    options,
  ) as unknown as LiteralUnion<T>;
}

const strict = { additionalProperties: false } as const;

const Size = (description: string, def: string) =>
  Type.Union([Type.Integer({ minimum: 0 }), Type.String({ pattern: SIZE_PATTERN })], {
    description: `${description} ${capital(SIZE_WORDS)}.`,
    default: def,
  });
const Duration = (description: string, def: string) =>
  Type.String({
    pattern: DURATION_PATTERN,
    description: `${description} ${capital(DURATION_WORDS)}.`,
    default: def,
  });

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

const AbsolutePath = (description: string) =>
  Type.String({ pattern: ABSOLUTE_PATH_PATTERN, description: `${description} An absolute path.` });

const Filter = Type.Object(
  {
    actions: Type.Optional(
      Type.Array(literals(AUDIT_ACTIONS), {
        minItems: 1,
        uniqueItems: true,
        description: 'Export only lines with one of these actions. Absent: every action.',
      }),
    ),
    events: Type.Optional(
      Type.Array(literals(AUDIT_EVENTS), {
        minItems: 1,
        uniqueItems: true,
        description: 'Export only lines of these event kinds (docs/audit.md). Absent: every kind.',
      }),
    ),
    min_severity: Type.Optional(
      literals(SEVERITIES, {
        description:
          "Export only lines at least this severe: the line's own severity, else the one its action gives (docs/export.md).",
        default: EXPORTER_DEFAULTS.min_severity,
      }),
    ),
  },
  {
    ...strict,
    description:
      'Which audit lines this exporter sends: a line goes when it meets every condition given. Absent: every line.',
  },
);

const Spool = Type.Object(
  {
    max_bytes: Type.Optional(
      Size(
        'Most bytes the spool keeps undelivered; past it the oldest lines are dropped (an export_drop line says how many).',
        EXPORTER_DEFAULTS.spool.max_bytes,
      ),
    ),
    max_age: Type.Optional(
      Duration(
        'Longest an undelivered line is kept; older lines are dropped (an export_drop line says how many).',
        EXPORTER_DEFAULTS.spool.max_age,
      ),
    ),
  },
  { ...strict, description: "Bounds of the exporter's spool, the lines kept on disk until delivered." },
);

const Batch = Type.Object(
  {
    max_lines: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 10000,
        description: 'Most lines sent in one request or write.',
        default: EXPORTER_DEFAULTS.batch.max_lines,
      }),
    ),
    max_delay: Type.Optional(
      Duration(
        'Longest a line waits for its batch to fill before the batch is sent.',
        EXPORTER_DEFAULTS.batch.max_delay,
      ),
    ),
  },
  { ...strict, description: 'How lines are grouped for sending.' },
);

const Retry = Type.Object(
  {
    initial: Type.Optional(
      Duration(
        'Wait after the first failed send; each further failure doubles it.',
        EXPORTER_DEFAULTS.retry.initial,
      ),
    ),
    max: Type.Optional(Duration('Longest wait between two attempts.', EXPORTER_DEFAULTS.retry.max)),
  },
  { ...strict, description: 'Backoff after a failed send (lines stay in the spool until delivered).' },
);

const Tls = Type.Object(
  {
    ca: Type.Optional(
      AbsolutePath("PEM file of the CA(s) the server's certificate must chain to. Absent: the system's CAs."),
    ),
    cert: Type.Optional(
      AbsolutePath('PEM client certificate, for servers that ask for one (mutual TLS); needs key.'),
    ),
    key: Type.Optional(AbsolutePath('PEM private key of cert; keep it readable by root only.')),
    server_name: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          "Name the server's certificate must carry (and the SNI sent). Absent: the host of address or url.",
      }),
    ),
  },
  { ...strict, description: 'TLS settings: syslog with protocol tls, webhook and otlp with an https url.' },
);

const Headers = Type.Record(
  Type.String({ pattern: HEADER_NAME_PATTERN }),
  Type.String({ pattern: '^[^\\r\\n]*$' }),
  {
    ...strict,
    description:
      'HTTP headers sent with every request, e.g. Authorization. They often hold secrets: vigil warns when the file is readable by users other than root.',
  },
);

const Url = (description: string) => Type.String({ pattern: HTTP_URL_PATTERN, description });

/** Keys every exporter has, after name and type. */
const common = {
  timeout: Type.Optional(
    Duration('Longest one send may take before it counts as failed.', EXPORTER_DEFAULTS.timeout),
  ),
  filter: Type.Optional(Filter),
  spool: Type.Optional(Spool),
  batch: Type.Optional(Batch),
  retry: Type.Optional(Retry),
};

const Name = Type.String({
  pattern: EXPORTER_NAME_PATTERN,
  description:
    "The exporter's name, unique in the file: its spool folder under spool.dir and its label in metrics. Lower-case letters, digits, '_' and '-', at most 32.",
});

const SyslogExporter = Type.Object(
  {
    name: Name,
    type: Type.Literal('syslog', { description: 'RFC 5424 syslog to a collector or SIEM.' }),
    address: Type.String({
      pattern: HOST_PORT_PATTERN,
      description: `The syslog server: ${HOST_PORT_WORDS}.`,
    }),
    protocol: Type.Optional(
      literals(['tcp', 'tls', 'udp'] as const, {
        description: 'tcp (RFC 6587), tls (RFC 5425) or udp (RFC 5426: lines may be lost).',
        default: SYSLOG_DEFAULTS.protocol,
      }),
    ),
    framing: Type.Optional(
      literals(['octet-counting', 'lf'] as const, {
        description:
          'How messages are delimited on a tcp or tls stream: octet-counting (a length before each, RFC 6587) or lf (a newline after each). Not for udp.',
        default: SYSLOG_DEFAULTS.framing,
      }),
    ),
    facility: Type.Optional(
      literals(Object.keys(SYSLOG_FACILITIES) as (keyof typeof SYSLOG_FACILITIES)[], {
        description: 'The syslog facility of every message.',
        default: SYSLOG_DEFAULTS.facility,
      }),
    ),
    app_name: Type.Optional(
      Type.String({
        pattern: '^[!-~]{1,48}$',
        description: 'The APP-NAME of every message (printable ASCII, no spaces, at most 48).',
        default: SYSLOG_DEFAULTS.app_name,
      }),
    ),
    tls: Type.Optional(Tls),
    ...common,
  },
  { ...strict, description: 'An exporter that sends each line as one syslog message.' },
);

const WebhookExporter = Type.Object(
  {
    name: Name,
    type: Type.Literal('webhook', { description: 'HTTP POST of batches of lines.' }),
    url: Url('Where batches are POSTed: an http:// or https:// URL.'),
    format: Type.Optional(
      literals(['json', 'ndjson'] as const, {
        description: 'The body: json (one JSON array of lines) or ndjson (one line per row).',
        default: WEBHOOK_DEFAULTS.format,
      }),
    ),
    headers: Type.Optional(Headers),
    tls: Type.Optional(Tls),
    ...common,
  },
  { ...strict, description: 'An exporter that POSTs batches of lines to a URL.' },
);

const OtlpExporter = Type.Object(
  {
    name: Name,
    type: Type.Literal('otlp', { description: 'OpenTelemetry logs over OTLP/HTTP.' }),
    url: Url(
      "The collector's OTLP/HTTP logs endpoint, e.g. http://127.0.0.1:4318/v1/logs; a URL without a path gets /v1/logs.",
    ),
    headers: Type.Optional(Headers),
    tls: Type.Optional(Tls),
    ...common,
  },
  { ...strict, description: 'An exporter that sends lines as OpenTelemetry log records.' },
);

/** The exporter kinds, by their `type`: the loader checks an exporter against its own. */
export const EXPORTER_SCHEMAS = {
  syslog: SyslogExporter,
  webhook: WebhookExporter,
  otlp: OtlpExporter,
} as const;
export type ExporterType = keyof typeof EXPORTER_SCHEMAS;

export const ConfigSchema = Type.Object(
  {
    version: Type.Literal(CONFIG_VERSION, { description: 'Version of this file format: 1.' }),
    metrics: Type.Optional(
      Type.Object(
        {
          listen: Type.String({
            pattern: HOST_PORT_PATTERN,
            description: `Where the Prometheus endpoint (GET /metrics) listens: ${HOST_PORT_WORDS}. Plain HTTP without authentication: keep it on loopback, or on an address only the scraper reaches.`,
          }),
        },
        { ...strict, description: 'The Prometheus metrics endpoint (docs/metrics.md). Absent: none.' },
      ),
    ),
    spool: Type.Optional(
      Type.Object(
        {
          dir: Type.Optional(
            Type.String({
              pattern: ABSOLUTE_PATH_PATTERN,
              description: "Folder of the exporters' spools, one folder per exporter name. An absolute path.",
              default: DEFAULT_SPOOL_DIR,
            }),
          ),
        },
        { ...strict, description: 'Where exported lines wait on disk until delivered.' },
      ),
    ),
    exporters: Type.Optional(
      Type.Array(Type.Union([SyslogExporter, WebhookExporter, OtlpExporter]), {
        description:
          'Destinations the audit lines are sent to, each with its own spool, filter and retry. Absent or empty: none.',
      }),
    ),
  },
  {
    ...strict,
    title: 'vigil daemon configuration',
    description: 'The vigil daemon configuration file, /etc/vigil/vigil.yaml. See docs/config.md.',
  },
);

/** vigil.yaml as written (before defaults, units and per-type checks). */
export type ConfigDocument = Static<typeof ConfigSchema>;
export type ExporterDocument = NonNullable<ConfigDocument['exporters']>[number];

/** The published JSON Schema: plain JSON with the draft named, keys in a stable order. */
export function configJsonSchema(): Record<string, unknown> {
  const plain = JSON.parse(JSON.stringify(ConfigSchema)) as Record<string, unknown>;
  return { $schema: 'http://json-schema.org/draft-07/schema#', ...plain };
}
