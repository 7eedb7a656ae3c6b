// A webhook: each batch is one HTTP(S) POST of the exported lines, as a JSON array (default) or
// as NDJSON, one line each. A 2xx answer is delivery; any other answer, a redirect included,
// fails the send with its status and the start of its body. node:http(s) rather than fetch:
// fetch takes no CA of its own without undici's internals, and a SIEM's private CA is common.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';

import { tlsConnectionOptions, type TlsClientOptions } from './tls-client.js';
import { describeNetError, httpDestination, sendError } from './transport-error.js';
import type { SpooledLine, Transport } from './types.js';

const gzip = promisify(gzipCallback);

export interface WebhookTransportOptions {
  /** http: or https:; user:password in it becomes Basic authorization */
  readonly url: string;
  /** sent with every request, e.g. { Authorization: 'Bearer ...' } */
  readonly headers?: Readonly<Record<string, string>>;
  /** 'json' (default): one JSON array per batch; 'ndjson': one line per exported line */
  readonly format?: 'json' | 'ndjson';
  /** gzip the body (Content-Encoding: gzip); default false */
  readonly gzip?: boolean;
  /** the whole request, connect to the end of the answer (default 10,000) */
  readonly timeoutMs?: number;
  /** for an https: URL only */
  readonly tls?: TlsClientOptions;
}

/** The body of a failed answer kept for the error: enough to read the receiver's reason. */
const ERROR_BODY_BYTES = 200;

const CONTENT_TYPE = { json: 'application/json', ndjson: 'application/x-ndjson' } as const;

export class WebhookTransport implements Transport {
  readonly describe: string;
  /** an HTTP answer is the acknowledgement: a 2xx needs no wait */
  readonly confirmMs = 0;
  readonly generation = 0;
  private readonly url: URL;
  private readonly agent: HttpAgent;
  private readonly format: 'json' | 'ndjson';
  private readonly timeoutMs: number;

  constructor(private readonly options: WebhookTransportOptions) {
    const { url, describe } = httpDestination(
      'webhook',
      'a webhook URL',
      options.url,
      options.tls !== undefined,
    );
    this.describe = describe;
    this.url = url;
    this.format = options.format ?? 'json';
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.agent =
      url.protocol === 'https:'
        ? new HttpsAgent({ keepAlive: true, ...tlsConnectionOptions(url.hostname, options.tls) })
        : new HttpAgent({ keepAlive: true });
  }

  async send(batch: readonly SpooledLine[]): Promise<void> {
    if (batch.length === 0) return;
    const text =
      this.format === 'json'
        ? `[${batch.map((l) => l.json).join(',')}]`
        : batch.map((l) => `${l.json}\n`).join('');
    const plain = Buffer.from(text, 'utf8');
    const body = this.options.gzip === true ? await gzip(plain) : plain;
    const answer = await this.post(body);
    if (answer.status >= 200 && answer.status < 300) return;
    const excerpt = answer.body.toString('utf8').replace(/\s+/g, ' ').trim();
    throw sendError(
      this.describe,
      `HTTP ${answer.status}${answer.statusText === '' ? '' : ` ${answer.statusText}`}` +
        (excerpt === '' ? '' : `: ${excerpt}`),
    );
  }

  close(): Promise<void> {
    this.agent.destroy();
    return Promise.resolve();
  }

  private post(body: Buffer): Promise<{ status: number; statusText: string; body: Buffer }> {
    const headers: Record<string, string | number> = {
      ...this.options.headers,
      'Content-Type': CONTENT_TYPE[this.format],
      'Content-Length': body.length,
      ...(this.options.gzip === true ? { 'Content-Encoding': 'gzip' } : {}),
    };
    const request = this.url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      let settled = false;
      const settle = (error: Error | null, answer?: { status: number; statusText: string; body: Buffer }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error !== null) reject(error);
        else if (answer !== undefined) resolve(answer);
      };
      const req = request(this.url, { method: 'POST', headers, agent: this.agent });
      const timer = setTimeout(() => {
        settle(sendError(this.describe, `no complete answer within ${this.timeoutMs} ms`));
        req.destroy();
      }, this.timeoutMs);
      req.once('error', (err) => {
        settle(sendError(this.describe, describeNetError(err), err));
      });
      req.once('response', (res: IncomingMessage) => {
        const kept: Buffer[] = [];
        let keptBytes = 0;
        res.on('data', (chunk: Buffer) => {
          const room = ERROR_BODY_BYTES - keptBytes;
          if (room <= 0) return;
          kept.push(chunk.subarray(0, room));
          keptBytes += Math.min(chunk.length, room);
        });
        res.once('end', () => {
          settle(null, {
            status: res.statusCode ?? 0,
            statusText: res.statusMessage ?? '',
            body: Buffer.concat(kept),
          });
        });
        res.once('error', (err) => {
          settle(sendError(this.describe, `the answer broke off: ${describeNetError(err)}`, err));
        });
      });
      req.end(body);
    });
  }
}
