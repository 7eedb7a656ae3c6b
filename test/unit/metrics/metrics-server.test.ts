import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { SystemError } from '../../../src/errors.js';
import { exposureNotice, startMetricsServer } from '../../../src/metrics/metrics-server.js';
import { VigilMetrics } from '../../../src/metrics/vigil-metrics.js';
import { parseExposition, valueOf } from './exposition.js';
import { aSession } from './metric-lines.js';

const LOOPBACK = { host: '127.0.0.1', port: 0 };

function metrics(): VigilMetrics {
  const m = new VigilMetrics({ version: '0.1.0', sessionsActive: () => 1 });
  for (const line of aSession()) m.observe(line);
  return m;
}

describe('the metrics endpoint', () => {
  it('serves GET /metrics in the Prometheus text format', async () => {
    const server = await startMetricsServer(LOOPBACK, metrics());
    try {
      assert.match(server.address, /^127\.0\.0\.1:[1-9][0-9]*$/);
      const res = await fetch(`http://${server.address}/metrics`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
      const f = parseExposition(await res.text());
      assert.equal(valueOf(f, 'vigil_sessions_active'), 1);
      assert.equal(valueOf(f, 'vigil_sessions_started_total', { origin: 'run' }), 1);
      const head = await fetch(`http://${server.address}/metrics`, { method: 'HEAD' });
      assert.equal(head.status, 200);
      assert.equal(await head.text(), '');
    } finally {
      await server.close();
    }
  });

  it('answers / with a short page, other paths with 404 and other methods with 405', async () => {
    const server = await startMetricsServer(LOOPBACK, metrics());
    try {
      const index = await fetch(`http://${server.address}/`);
      assert.equal(index.status, 200);
      assert.match(await index.text(), /GET \/metrics/);
      assert.equal(
        (await fetch(`http://${server.address}/metrics?name[]=x`)).status,
        200,
        'a query is ignored',
      );
      const missing = await fetch(`http://${server.address}/debug/vars`);
      assert.equal(missing.status, 404);
      await missing.text();
      const post = await fetch(`http://${server.address}/metrics`, { method: 'POST', body: 'x' });
      assert.equal(post.status, 405);
      assert.equal(post.headers.get('allow'), 'GET, HEAD');
      await post.text();
    } finally {
      await server.close();
    }
  });

  it('listens on IPv6 loopback and closes with a scraper still connected', async () => {
    const server = await startMetricsServer({ host: '::1', port: 0 }, metrics());
    assert.match(server.address, /^\[::1\]:[0-9]+$/);
    const res = await fetch(`http://${server.address}/metrics`, { headers: { connection: 'keep-alive' } });
    await res.text();
    await server.close();
  });

  it('answers 500 with the reason when a collect callback fails', async () => {
    const m = new VigilMetrics({
      version: '0.1.0',
      sessionsActive: () => {
        throw new Error('session table busy');
      },
    });
    const server = await startMetricsServer(LOOPBACK, m);
    try {
      const res = await fetch(`http://${server.address}/metrics`);
      assert.equal(res.status, 500);
      assert.match(await res.text(), /session table busy/);
    } finally {
      await server.close();
    }
  });

  it('says which port is taken, and how to choose another', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      await assert.rejects(startMetricsServer({ host: '127.0.0.1', port }, metrics()), (e: unknown) => {
        assert.ok(e instanceof SystemError);
        assert.equal(e.code, 'VIGIL_METRICS_LISTEN');
        assert.match(e.message, new RegExp(`^cannot serve metrics on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`));
        assert.match(e.hint ?? '', /another program listens on port \d+ .*metrics\.listen/);
        return true;
      });
    } finally {
      taken.close();
    }
  });

  it('logs a notice for an address other hosts reach, never for loopback', () => {
    assert.equal(exposureNotice('127.0.0.1', '127.0.0.1:9464'), undefined);
    assert.equal(exposureNotice('::1', '[::1]:9464'), undefined);
    assert.match(
      exposureNotice('0.0.0.0', '0.0.0.0:9464') ?? '',
      /^metrics: http:\/\/0\.0\.0\.0:9464\/metrics is open to other hosts/,
    );
    assert.ok(exposureNotice('::', '[::]:9464') !== undefined);
    assert.ok(exposureNotice('10.1.2.3', '10.1.2.3:9464') !== undefined);
  });
});
