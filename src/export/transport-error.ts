// Errors of the export transports; their codes, exit codes included, are in the catalogue
// (src/error-codes.ts). A send failure names its destination first, so the sender's lastError and
// `vigil status` read "syslog tls 127.0.0.1:6514: ..." without more context.
import { VigilError, type ErrorCode, type VigilErrorOptions } from '../errors.js';

export type TransportErrorCode = Extract<ErrorCode, `VIGIL_EXPORT_${string}`>;

export class TransportError extends VigilError {
  declare readonly code: TransportErrorCode;

  constructor(code: TransportErrorCode, message: string, options: VigilErrorOptions = {}) {
    super(code, message, options);
  }
}

/** A failed send to `describe`, its reason in words a reader can act on. */
export function sendError(describe: string, reason: string, cause?: unknown): TransportError {
  return new TransportError('VIGIL_EXPORT_SEND', `${describe}: ${reason}`, { cause });
}

/** Settings of `describe` a transport cannot use. */
export function destinationError(describe: string, reason: string): TransportError {
  return new TransportError('VIGIL_EXPORT_DESTINATION', `${describe}: ${reason}`);
}

/** `url` with any user:password@ masked: the text goes to logs and `vigil status`. */
export function withoutCredentials(url: string): string {
  return url.replace(/\/\/[^/@]*@/, '//***@');
}

/**
 * A socket or TLS error in words: the errno or OpenSSL code is kept in brackets for a search,
 * the text before it says what it means for delivery.
 */
export function describeNetError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const code = typeof e.code === 'string' ? e.code : undefined;
  const message = err instanceof Error ? err.message : String(err);
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused (ECONNREFUSED): nothing listens there';
    case 'ECONNRESET':
      return 'connection reset by the peer (ECONNRESET)';
    case 'EPIPE':
      return 'the peer closed the connection (EPIPE)';
    case 'ETIMEDOUT':
      return 'connection timed out (ETIMEDOUT)';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `no route to the destination (${code})`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the host name does not resolve (${code})`;
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `TLS certificate does not name this host: ${message}`;
    case undefined:
      return message;
    default:
      // OpenSSL's verification codes (SELF_SIGNED_CERT_IN_CHAIN, UNABLE_TO_VERIFY_LEAF_SIGNATURE,
      // CERT_HAS_EXPIRED, ...) come with Node's text for them
      return /CERT|SIGNATURE|ISSUER|VERIFY/.test(code)
        ? `TLS certificate rejected: ${message} (${code})`
        : `${message} (${code})`;
  }
}

/**
 * An HTTP(S) destination's URL, checked: `kind` names it in messages ('webhook', 'otlp'), `what`
 * in the scheme error ('a webhook URL'). Its description (logs, `vigil status`) never carries
 * the credentials a URL may hold.
 */
export function httpDestination(
  kind: string,
  what: string,
  text: string,
  hasTls: boolean,
): { url: URL; describe: string } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw destinationError(kind, `'${withoutCredentials(text)}' is not a URL`);
  }
  const describe = `${kind} ${url.origin}${url.pathname}`;
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw destinationError(describe, `${what} is http: or https:, not ${url.protocol}`);
  if (url.protocol === 'http:' && hasTls)
    throw destinationError(describe, 'TLS settings given for an http: URL');
  return { url, describe };
}
