// The Prometheus endpoint: GET /metrics on the address of metrics.listen (docs/metrics.md). Plain
// HTTP, read-only, no authentication, as Prometheus scrapes by default; an address other hosts
// reach is allowed (a fleet's scraper lives elsewhere) and logged, so it is never a surprise.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SystemError } from '../errors.js';
import type { VigilMetrics } from './vigil-metrics.js';

export interface MetricsListen {
  /** an IP address (IPv6 without brackets) or a host name */
  readonly host: string;
  /** 0: any free port (the returned address says which) */
  readonly port: number;
}

export interface MetricsServer {
  /** where it listens, host:port ([v6]:port), with the port the kernel gave */
  readonly address: string;
  close(): Promise<void>;
}

export interface MetricsServerOptions {
  /** the daemon's log, for the notice that the endpoint is reachable from other hosts */
  readonly log?: (message: string) => void;
}

const INDEX = `vigil metrics\n\nGET /metrics: Prometheus text exposition (docs/metrics.md)\n`;

export async function startMetricsServer(
  listen: MetricsListen,
  metrics: VigilMetrics,
  options: MetricsServerOptions = {},
): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    void answer(req, res, metrics);
  });
  const asked = hostPort(listen.host, listen.port);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        new SystemError('VIGIL_METRICS_LISTEN', `cannot serve metrics on ${asked}: ${err.message}`, {
          cause: err,
          hint: listenHint(err.code, listen),
        }),
      );
    });
    server.listen(listen.port, listen.host, resolve);
  });
  const bound = server.address() as AddressInfo;
  const address = hostPort(bound.address, bound.port);
  const notice = exposureNotice(bound.address, address);
  if (notice !== undefined) options.log?.(notice);
  return {
    address,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        // a scraper's kept-alive connection would hold close() open until it times out
        server.closeAllConnections();
      }),
  };
}

async function answer(req: IncomingMessage, res: ServerResponse, metrics: VigilMetrics): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (path !== '/metrics' && path !== '/') {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: GET /metrics\n');
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('GET only\n');
    return;
  }
  if (path === '/') {
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(INDEX);
    return;
  }
  try {
    const { contentType, body } = await metrics.exposition();
    res.writeHead(200, { 'content-type': contentType }).end(req.method === 'HEAD' ? undefined : body);
  } catch (err) {
    // a failed collect (a callback threw): the scraper records the target as down, with why
    res
      .writeHead(500, { 'content-type': 'text/plain; charset=utf-8' })
      .end(`metrics could not be collected: ${err instanceof Error ? err.message : String(err)}\n`);
  }
}

function listenHint(code: string | undefined, listen: MetricsListen): string | undefined {
  switch (code) {
    case 'EADDRINUSE':
      return `another program listens on port ${listen.port} (ss -ltnp 'sport = :${listen.port}' names it): choose another metrics.listen in the configuration (docs/config.md)`;
    case 'EADDRNOTAVAIL':
      return `${listen.host} is not an address of this machine: metrics.listen needs one (127.0.0.1, 0.0.0.0, or an address of an interface)`;
    case 'EACCES':
      return 'ports below 1024 need CAP_NET_BIND_SERVICE: choose a port such as 9464';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `${listen.host} does not resolve: give an IP address`;
    default:
      return undefined;
  }
}

function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** What the daemon logs when the endpoint is bound where other hosts may reach it. */
export function exposureNotice(boundHost: string, address: string): string | undefined {
  const loopback = /^127\./.test(boundHost) || boundHost === '::1' || /^::ffff:127\./i.test(boundHost);
  if (loopback) return undefined;
  return `metrics: http://${address}/metrics is open to other hosts (plain HTTP, no authentication): limit who reaches the port, or listen on 127.0.0.1`;
}
