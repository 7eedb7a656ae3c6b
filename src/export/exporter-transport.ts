// An exporter's transport, made from its configuration: TLS files are read here, so a reload
// (SIGHUP) picks up a renewed certificate.
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';

import type { ExporterConfig, TlsConfig } from '../config/config-types.js';
import { ConfigError } from '../config/config-errors.js';
import { OtlpTransport } from './otlp-transport.js';
import { SyslogStreamTransport } from './syslog-stream-transport.js';
import { SyslogUdpTransport } from './syslog-udp-transport.js';
import type { TlsClientOptions } from './tls-client.js';
import type { Transport } from './types.js';
import { WebhookTransport } from './webhook-transport.js';

/** The PEM contents of an exporter's TLS files; a file it cannot read is a configuration error. */
export function readTls(
  configPath: string,
  exporter: string,
  tls: TlsConfig | null,
): TlsClientOptions | undefined {
  if (tls === null) return undefined;
  const read = (key: 'ca' | 'cert' | 'key', file: string | null): Record<string, string> => {
    if (file === null) return {};
    try {
      return { [key]: readFileSync(file, 'utf8') };
    } catch (err) {
      throw new ConfigError(
        'VIGIL_CONFIG_READ',
        { file: configPath },
        `exporter '${exporter}': tls.${key}: cannot read ${file}: ${(err as Error).message}`,
        { hint: 'give a PEM file root can read' },
      );
    }
  };
  return {
    ...(tls.ca === null ? { ca: systemRoots() } : read('ca', tls.ca)),
    ...read('cert', tls.cert),
    ...read('key', tls.key),
    ...(tls.serverName === null ? {} : { servername: tls.serverName }),
  };
}

/** Debian's CA bundle (update-ca-certificates): a site's own CA installed there is trusted. */
const SYSTEM_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

/**
 * With no `ca` of its own, an exporter trusts Node's bundled roots and the system's bundle:
 * Node 20 reads only its own, and a SIEM's certificate is often signed by a CA the site
 * installed in the system store.
 */
function systemRoots(): string {
  let system = '';
  try {
    system = readFileSync(SYSTEM_BUNDLE, 'utf8');
  } catch {
    // no system bundle: Node's roots alone
  }
  return [...rootCertificates, system].join('\n');
}

export function makeTransport(e: ExporterConfig, host: string, tls: TlsClientOptions | undefined): Transport {
  switch (e.type) {
    case 'syslog': {
      const common = { host: e.address.host, port: e.address.port, facility: e.facility, hostname: host };
      if (e.protocol === 'udp') return new SyslogUdpTransport({ ...common, appName: e.appName });
      return new SyslogStreamTransport({
        ...common,
        appName: e.appName,
        protocol: e.protocol,
        ...(e.framing === null ? {} : { framing: e.framing }),
        connectTimeoutMs: e.timeoutMs,
        ...(tls === undefined ? {} : { tls }),
      });
    }
    case 'webhook':
      return new WebhookTransport({
        url: e.url,
        headers: e.headers,
        format: e.format,
        timeoutMs: e.timeoutMs,
        ...(tls === undefined ? {} : { tls }),
      });
    case 'otlp':
      return new OtlpTransport({
        url: e.url,
        headers: e.headers,
        hostName: host,
        timeoutMs: e.timeoutMs,
        ...(tls === undefined ? {} : { tls }),
      });
  }
}
