// An HTTP or HTTPS server on 127.0.0.1 that keeps every request it gets (headers, body as sent
// and gunzipped) and answers as the test says: the receiving end of the webhook and OTLP tests.
import {
  createServer as createHttpServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { TestContext } from 'node:test';
import { gunzipSync } from 'node:zlib';

import type { TestCa } from './tls-certs.js';

export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** the body as sent */
  readonly raw: Buffer;
  /** the body, gunzipped when Content-Encoding says gzip */
  readonly body: string;
}

export interface Answer {
  readonly status: number;
  readonly body?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** never answer (the client's timeout is under test) */
  readonly hang?: boolean;
}

export interface HttpReceiver {
  /** http(s)://127.0.0.1:<port> */
  readonly origin: string;
  readonly requests: ReceivedRequest[];
  /** the answer to the next requests (default 200 with an empty JSON object) */
  answer: (request: ReceivedRequest) => Answer;
}

/** A receiver for test `t`, closed in t.after; HTTPS with `tls`'s server certificate when given. */
export async function startHttpReceiver(t: TestContext, tls?: TestCa): Promise<HttpReceiver> {
  const state: Omit<HttpReceiver, 'origin'> = {
    requests: [],
    answer: () => ({ status: 200, body: '{}' }),
  };
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const gzipped = req.headers['content-encoding'] === 'gzip';
      const request: ReceivedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        raw,
        body: (gzipped ? gunzipSync(raw) : raw).toString('utf8'),
      };
      state.requests.push(request);
      const answer = state.answer(request);
      if (answer.hang === true) return;
      res.writeHead(answer.status, { 'Content-Type': 'application/json', ...answer.headers });
      res.end(answer.body ?? '');
    });
  };
  const server: Server =
    tls === undefined
      ? createHttpServer(handler)
      : createHttpsServer({ cert: tls.certPem, key: tls.keyPem }, handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const { port } = server.address() as { port: number };
  return Object.assign(state, { origin: `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}` });
}
