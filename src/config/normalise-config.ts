// From vigil.yaml as written (schema-checked) to the VigilConfig the code reads: defaults applied,
// units turned into bytes and milliseconds, and the checks a schema cannot make, each at the line
// of the key it is about: addresses and URLs, keys that only make sense together (framing over
// udp, tls without TLS), unique exporter names, bounds, TLS files that exist.
import { statSync } from 'node:fs';
import { posix } from 'node:path';
import { ConfigError } from './config-errors.js';
import {
  DEFAULT_SPOOL_DIR,
  EXPORTER_DEFAULTS,
  SYSLOG_DEFAULTS,
  WEBHOOK_DEFAULTS,
} from './config-defaults.js';
import type { ConfigDocument, ExporterDocument } from './config-schema.js';
import type { ExporterBase, ExporterConfig, TlsConfig, VigilConfig } from './config-types.js';
import { durationMs, sizeBytes } from './config-units.js';
import type { ConfigSource, KeyPath } from './config-yaml.js';
import { parseHostPort, type HostPort } from './host-port.js';
import { keyName } from './key-names.js';

/** Bounds past which a value is a mistake rather than a choice. */
const LIMITS = {
  timeoutMs: { min: 100, max: 300_000, words: 'from 100ms to 5m' },
  spoolBytes: { min: 64 * 1024, max: 1024 ** 4, words: 'from 64KiB to 1024GiB' },
  spoolAgeMs: { min: 60_000, max: 365 * 86_400_000, words: 'from 1m to 365d' },
  batchDelayMs: { min: 0, max: 60_000, words: 'at most 1m' },
  retryMs: { min: 10, max: 3_600_000, words: 'from 10ms to 1h' },
} as const;

export interface NormaliseOptions {
  /** check that the TLS files named exist (false: a document checked away from its host) */
  readonly checkFiles: boolean;
}

export function normaliseConfig(
  doc: ConfigDocument,
  src: ConfigSource,
  options: NormaliseOptions,
): VigilConfig {
  const fail: Fail = (path, detail, onKey = false) => {
    const where = onKey ? src.keyAt(path) : src.at(path);
    throw new ConfigError('VIGIL_CONFIG_INVALID', where, `${keyName(src.value, path)}: ${detail}`);
  };
  const spoolDir = posix.normalize(doc.spool?.dir ?? DEFAULT_SPOOL_DIR).replace(/(.)\/$/, '$1');
  const seen = new Map<string, number>();
  const exporters = (doc.exporters ?? []).map((e, i) => {
    const earlier = seen.get(e.name);
    if (earlier !== undefined) {
      fail(
        ['exporters', i, 'name'],
        `exporters[${earlier}] has this name too; each needs its own (it names the spool folder)`,
      );
    }
    seen.set(e.name, i);
    return exporter(e, ['exporters', i], { fail, checkFiles: options.checkFiles });
  });
  const listen = doc.metrics?.listen;
  return {
    version: 1,
    metrics: listen === undefined ? null : { listen: hostPort(listen, ['metrics', 'listen'], true, fail) },
    spool: { dir: spoolDir },
    exporters,
  };
}

/** Throws at the value at `path`, or at its key when the key itself should not be there. */
type Fail = (path: KeyPath, detail: string, onKey?: boolean) => never;

interface Checks {
  readonly fail: Fail;
  readonly checkFiles: boolean;
}

function exporter(e: ExporterDocument, at: KeyPath, checks: Checks): ExporterConfig {
  const { fail } = checks;
  const base = exporterBase(e, at, fail);
  switch (e.type) {
    case 'syslog': {
      const protocol = e.protocol ?? SYSLOG_DEFAULTS.protocol;
      if (protocol === 'udp' && e.framing !== undefined) {
        fail([...at, 'framing'], 'only for protocol tcp or tls (udp sends one message per datagram)', true);
      }
      if (protocol !== 'tls' && e.tls !== undefined) {
        fail([...at, 'tls'], `only for protocol tls (this exporter's protocol is ${protocol})`, true);
      }
      return {
        ...base,
        type: 'syslog',
        address: hostPort(e.address, [...at, 'address'], false, fail),
        protocol,
        framing: protocol === 'udp' ? null : (e.framing ?? SYSLOG_DEFAULTS.framing),
        facility: e.facility ?? SYSLOG_DEFAULTS.facility,
        appName: e.app_name ?? SYSLOG_DEFAULTS.app_name,
        tls: protocol === 'tls' ? tls(e.tls, [...at, 'tls'], checks) : null,
      };
    }
    case 'webhook': {
      const url = httpUrl(e.url, [...at, 'url'], fail);
      return {
        ...base,
        type: 'webhook',
        url: url.href,
        format: e.format ?? WEBHOOK_DEFAULTS.format,
        headers: { ...e.headers },
        tls: urlTls(url, e.tls, at, checks),
      };
    }
    case 'otlp': {
      const url = httpUrl(e.url, [...at, 'url'], fail);
      if (url.pathname === '/') url.pathname = '/v1/logs';
      return {
        ...base,
        type: 'otlp',
        url: url.href,
        headers: { ...e.headers },
        tls: urlTls(url, e.tls, at, checks),
      };
    }
  }
}

function exporterBase(e: ExporterDocument, at: KeyPath, fail: Fail): ExporterBase {
  const D = EXPORTER_DEFAULTS;
  const ms = (value: string, path: KeyPath, limit: { min: number; max: number; words: string }): number => {
    const v = durationMs(value);
    if (v < limit.min || v > limit.max) fail(path, `${value} is out of range: ${limit.words}`);
    return v;
  };
  const initialMs = ms(e.retry?.initial ?? D.retry.initial, [...at, 'retry', 'initial'], LIMITS.retryMs);
  const maxMs = ms(e.retry?.max ?? D.retry.max, [...at, 'retry', 'max'], LIMITS.retryMs);
  if (maxMs < initialMs)
    fail([...at, 'retry', 'max'], `shorter than retry.initial (${e.retry?.initial ?? D.retry.initial})`);
  const maxBytes = sizeBytes(e.spool?.max_bytes ?? D.spool.max_bytes);
  if (maxBytes < LIMITS.spoolBytes.min || maxBytes > LIMITS.spoolBytes.max) {
    fail(
      [...at, 'spool', 'max_bytes'],
      `${String(e.spool?.max_bytes)} is out of range: ${LIMITS.spoolBytes.words}`,
    );
  }
  return {
    name: e.name,
    timeoutMs: ms(e.timeout ?? D.timeout, [...at, 'timeout'], LIMITS.timeoutMs),
    filter: {
      actions: e.filter?.actions ?? null,
      events: e.filter?.events ?? null,
      minSeverity: e.filter?.min_severity ?? D.min_severity,
    },
    spool: {
      maxBytes,
      maxAgeMs: ms(e.spool?.max_age ?? D.spool.max_age, [...at, 'spool', 'max_age'], LIMITS.spoolAgeMs),
    },
    batch: {
      maxLines: e.batch?.max_lines ?? D.batch.max_lines,
      maxDelayMs: ms(
        e.batch?.max_delay ?? D.batch.max_delay,
        [...at, 'batch', 'max_delay'],
        LIMITS.batchDelayMs,
      ),
    },
    retry: { initialMs, maxMs },
  };
}

function hostPort(text: string, path: KeyPath, portZero: boolean, fail: Fail): HostPort {
  const parsed = parseHostPort(text, portZero);
  return typeof parsed === 'string' ? fail(path, parsed) : parsed;
}

function httpUrl(text: string, path: KeyPath, fail: Fail): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail(path, `'${text}' is not a valid URL`);
  }
  if (url.hostname === '') fail(path, `'${text}' names no host`);
  if (url.hash !== '') fail(path, 'a URL sent to a server has no #fragment');
  return url;
}

type TlsDocument = NonNullable<Extract<ExporterDocument, { type: 'webhook' }>['tls']>;

function urlTls(url: URL, given: TlsDocument | undefined, at: KeyPath, checks: Checks): TlsConfig | null {
  if (url.protocol === 'https:') return tls(given, [...at, 'tls'], checks);
  if (given !== undefined) checks.fail([...at, 'tls'], 'only for an https:// url', true);
  return null;
}

function tls(given: TlsDocument | undefined, at: KeyPath, { fail, checkFiles }: Checks): TlsConfig {
  if ((given?.cert === undefined) !== (given?.key === undefined)) {
    fail(
      [...at, given?.cert === undefined ? 'key' : 'cert'],
      'cert and key go together: give both or neither',
      true,
    );
  }
  for (const k of ['ca', 'cert', 'key'] as const) {
    const file = given?.[k];
    if (file === undefined || !checkFiles) continue;
    let isFile: boolean;
    try {
      isFile = statSync(file).isFile();
    } catch (err) {
      return fail([...at, k], `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    if (!isFile) fail([...at, k], `${file} is not a file`);
  }
  return {
    ca: given?.ca ?? null,
    cert: given?.cert ?? null,
    key: given?.key ?? null,
    serverName: given?.server_name ?? null,
  };
}
