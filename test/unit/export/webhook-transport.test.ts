// The webhook transport against node:http(s) servers on 127.0.0.1: a batch is one POST of the
// exported lines (a JSON array, or NDJSON), with the configured headers, optionally gzipped; a
// 2xx is delivery; anything else fails with the status and the start of the answer, as do a
// refused connection, a server that never answers and an HTTPS server the CA does not vouch for.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';

import { TransportError } from '../../../src/export/transport-error.js';
import type { SpooledLine } from '../../../src/export/types.js';
import { WebhookTransport, type WebhookTransportOptions } from '../../../src/export/webhook-transport.js';
import { startHttpReceiver } from '../../support/http-receiver.js';
import { listenLoopback } from '../../support/loopback-net.js';
import { makeTestCa, type TestCa } from '../../support/tls-certs.js';

function lines(n: number): SpooledLine[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `ev-${i}`,
    json: JSON.stringify({ event: 'exec', event_id: `ev-${i}`, argv: ['curl', 'é'] }),
    severity: 'medium' as const,
    ts: '2026-12-06T23:40:00.000Z',
    event: 'exec',
  }));
}

function transport(t: TestContext, options: WebhookTransportOptions): WebhookTransport {
  const w = new WebhookTransport(options);
  t.after(() => w.close());
  return w;
}

function cas(t: TestContext): { good: TestCa; other: TestCa } {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-webhook-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return { good: makeTestCa(dir, 'good'), other: makeTestCa(dir, 'other') };
}

const sendError = (pattern: RegExp) => (e: unknown) =>
  e instanceof TransportError && e.code === 'VIGIL_EXPORT_SEND' && pattern.test(e.message);

describe('WebhookTransport', () => {
  it('POSTs a batch as a JSON array of the lines, with the configured headers', async (t) => {
    const r = await startHttpReceiver(t);
    const w = transport(t, {
      url: `${r.origin}/ingest?src=vigil`,
      headers: { Authorization: 'Bearer s3cret' },
    });
    await w.send(lines(3));
    assert.equal(r.requests.length, 1);
    const req = r.requests[0];
    assert.ok(req !== undefined);
    assert.equal(req.method, 'POST');
    assert.equal(req.path, '/ingest?src=vigil');
    assert.equal(req.headers.authorization, 'Bearer s3cret');
    assert.equal(req.headers['content-type'], 'application/json');
    assert.deepEqual(
      JSON.parse(req.body),
      lines(3).map((l) => JSON.parse(l.json) as unknown),
    );
    assert.equal(w.confirmMs, 0);
    assert.equal(w.describe, `webhook ${r.origin}/ingest`);
  });

  it('sends NDJSON, gzipped when asked', async (t) => {
    const r = await startHttpReceiver(t);
    const w = transport(t, { url: r.origin, format: 'ndjson', gzip: true });
    await w.send(lines(2));
    const req = r.requests[0];
    assert.ok(req !== undefined);
    assert.equal(req.headers['content-encoding'], 'gzip');
    assert.equal(req.headers['content-type'], 'application/x-ndjson');
    assert.ok(req.raw[0] === 0x1f, 'a gzip stream');
    assert.equal(
      req.body,
      lines(2)
        .map((l) => `${l.json}\n`)
        .join(''),
    );
  });

  it('takes every 2xx as delivered', async (t) => {
    const r = await startHttpReceiver(t);
    const w = transport(t, { url: r.origin });
    for (const status of [200, 201, 202, 204]) {
      r.answer = () => ({ status });
      await w.send(lines(1));
    }
  });

  it('fails on any other answer with the status and the first 200 bytes of the body', async (t) => {
    const r = await startHttpReceiver(t);
    const w = transport(t, { url: r.origin });
    r.answer = () => ({ status: 503, body: `{"error":"index read-only"}${'x'.repeat(500)}` });
    await assert.rejects(w.send(lines(1)), (e: unknown) => {
      assert.ok(e instanceof TransportError);
      assert.match(
        e.message,
        /^webhook http:\/\/127\.0\.0\.1:\d+\/: HTTP 503 Service Unavailable: \{"error":"index read-only"\}x+$/,
      );
      assert.equal(e.message.length - e.message.indexOf('{'), 200);
      return true;
    });
    r.answer = () => ({ status: 302, headers: { Location: 'http://127.0.0.1:1/' } });
    await assert.rejects(w.send(lines(1)), sendError(/HTTP 302 Found$/));
    assert.equal(r.requests.length, 2, 'a redirect is not followed');
  });

  it('fails with a clear reason when nothing listens, and when the answer does not come in time', async (t) => {
    const closedPort = await listenLoopback(t, '127.0.0.1'); // accepts and closes at once
    const refused = transport(t, { url: 'http://127.0.0.1:9/' });
    await assert.rejects(refused.send(lines(1)), sendError(/connection refused \(ECONNREFUSED\)/));
    const reset = transport(t, { url: `http://127.0.0.1:${closedPort}/` });
    await assert.rejects(reset.send(lines(1)), sendError(/reset|socket hang up/i));

    const r = await startHttpReceiver(t);
    r.answer = () => ({ status: 200, hang: true });
    const slow = transport(t, { url: r.origin, timeoutMs: 200 });
    const started = Date.now();
    await assert.rejects(slow.send(lines(1)), sendError(/no complete answer within 200 ms/));
    assert.ok(Date.now() - started < 2000);
  });

  it('speaks HTTPS with the configured CA, refuses a server that CA did not sign, keeps credentials out of describe', async (t) => {
    const { good, other } = cas(t);
    const r = await startHttpReceiver(t, good);
    const url = `${r.origin.replace('https://', 'https://vigil:pw@')}/hook`;
    const w = transport(t, { url, tls: { ca: good.caPem } });
    await w.send(lines(1));
    assert.equal(r.requests[0]?.headers.authorization, `Basic ${Buffer.from('vigil:pw').toString('base64')}`);
    assert.equal(w.describe, `webhook ${r.origin}/hook`);

    const wrong = transport(t, { url, tls: { ca: other.caPem } });
    await assert.rejects(
      wrong.send(lines(1)),
      sendError(/TLS certificate rejected: .*\(SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE\)/),
    );
    const system = transport(t, { url });
    await assert.rejects(system.send(lines(1)), sendError(/TLS certificate rejected/));
  });

  it('refuses settings it cannot use', () => {
    const bad = (options: WebhookTransportOptions, pattern: RegExp) => {
      assert.throws(
        () => new WebhookTransport(options),
        (e: unknown) =>
          e instanceof TransportError && e.code === 'VIGIL_EXPORT_DESTINATION' && pattern.test(e.message),
      );
    };
    bad({ url: 'not a url' }, /is not a URL/);
    bad({ url: 'https://vigil:s3cret@bad host/' }, /^webhook: 'https:\/\/\*\*\*@bad host\/' is not a URL$/);
    bad({ url: 'ftp://127.0.0.1/' }, /http: or https:, not ftp:/);
    bad({ url: 'http://127.0.0.1/', tls: { ca: 'x' } }, /TLS settings given for an http: URL/);
  });
});
