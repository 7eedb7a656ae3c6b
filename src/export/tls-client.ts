// The TLS material a destination may give (syslog over TLS, HTTPS webhooks, OTLP over HTTPS),
// and its one translation into Node's options: the peer's certificate is always verified.
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';

export interface TlsClientOptions {
  /** PEM CA certificates to trust instead of Node's bundled roots */
  readonly ca?: string | Buffer;
  /** PEM client certificate and key, for a receiver that asks for one */
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
  /** the name sent in SNI and checked against the certificate (default: the host, unless an IP) */
  readonly servername?: string;
}

/** Node's TLS options for a connection to `host`; rejectUnauthorized is fixed on. */
export function tlsConnectionOptions(
  host: string,
  tls: TlsClientOptions = {},
): Pick<ConnectionOptions, 'ca' | 'cert' | 'key' | 'servername' | 'rejectUnauthorized'> {
  // SNI carries names only (RFC 6066 §3); for an IP, Node checks the certificate's IP SANs
  const servername = tls.servername ?? (isIP(host) === 0 ? host : undefined);
  return {
    rejectUnauthorized: true,
    ...(tls.ca === undefined ? {} : { ca: tls.ca }),
    ...(tls.cert === undefined ? {} : { cert: tls.cert }),
    ...(tls.key === undefined ? {} : { key: tls.key }),
    ...(servername === undefined ? {} : { servername }),
  };
}
