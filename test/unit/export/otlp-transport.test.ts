// The OTLP transport through OpenTelemetry's own exporter, against node:http(s) servers on
// 127.0.0.1: the OTLP/JSON it sends (resource service.name and host.name, one record per line
// with the line's time to the microsecond, severity number and text, the line as a map body,
// log.record.uid and vigil.event), the configured headers, a 2xx as delivery, a 4xx with its
// status and body, the exporter's own retry of a 503, and HTTPS with a CA of the test's.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';

import {
  hrTime,
  OTEL_SEVERITY,
  OtlpTransport,
  type OtlpTransportOptions,
} from '../../../src/export/otlp-transport.js';
import { TransportError } from '../../../src/export/transport-error.js';
import type { ExportSeverity, SpooledLine } from '../../../src/export/types.js';
import { startHttpReceiver } from '../../support/http-receiver.js';
import { makeTestCa } from '../../support/tls-certs.js';

/** The parts of OTLP/JSON (ExportLogsServiceRequest) the tests read. */
interface AnyValue {
  stringValue?: string;
  intValue?: number | string;
  boolValue?: boolean;
  kvlistValue?: { values: { key: string; value: AnyValue }[] };
  arrayValue?: { values: AnyValue[] };
}
interface KeyValue {
  key: string;
  value: AnyValue;
}
interface LogsRequest {
  resourceLogs: {
    resource: { attributes: KeyValue[] };
    scopeLogs: {
      scope: { name: string };
      logRecords: {
        timeUnixNano: string;
        severityNumber: number;
        severityText: string;
        body: AnyValue;
        attributes: KeyValue[];
      }[];
    }[];
  }[];
}

const SEVERITIES: readonly ExportSeverity[] = ['info', 'low', 'medium', 'high', 'critical'];

function lines(): SpooledLine[] {
  return SEVERITIES.map((severity, i) => ({
    id: `01JEVENT${i}`,
    json: JSON.stringify({
      event: 'file_open',
      event_id: `01JEVENT${i}`,
      pid: 4242 + i,
      blocked: true,
      path: '/etc/shadow',
    }),
    severity,
    ts: `2026-12-06T23:40:0${i}.123456Z`,
    event: 'file_open',
  }));
}

function attrs(list: KeyValue[]): Record<string, AnyValue> {
  return Object.fromEntries(list.map((kv) => [kv.key, kv.value]));
}

function transport(t: TestContext, options: OtlpTransportOptions): OtlpTransport {
  const o = new OtlpTransport(options);
  t.after(() => o.close());
  return o;
}

describe('OtlpTransport', () => {
  it('sends each line as one OTLP log record, with the resource, severity, time, body and ids', async (t) => {
    const r = await startHttpReceiver(t);
    const o = transport(t, {
      url: `${r.origin}/v1/logs`,
      hostName: 'build-7',
      headers: { Authorization: 'Bearer tok' },
    });
    await o.send(lines());
    assert.equal(r.requests.length, 1);
    const req = r.requests[0];
    assert.ok(req !== undefined);
    assert.equal(req.path, '/v1/logs');
    assert.equal(req.headers.authorization, 'Bearer tok');
    assert.equal(req.headers['content-type'], 'application/json');
    const sent = JSON.parse(req.body) as LogsRequest;
    assert.equal(sent.resourceLogs.length, 1);
    const resourceLogs = sent.resourceLogs[0];
    assert.ok(resourceLogs !== undefined);
    assert.deepEqual(attrs(resourceLogs.resource.attributes), {
      'service.name': { stringValue: 'vigil' },
      'host.name': { stringValue: 'build-7' },
    });
    const records = resourceLogs.scopeLogs[0]?.logRecords ?? [];
    assert.equal(resourceLogs.scopeLogs[0]?.scope.name, 'vigil');
    assert.equal(records.length, 5);
    records.forEach((rec, i) => {
      const line = lines()[i] as SpooledLine;
      assert.equal(rec.timeUnixNano, `${Date.parse(line.ts.replace('123456', '000')) / 1000}123456000`);
      assert.equal(rec.severityNumber, OTEL_SEVERITY[line.severity]);
      assert.equal(rec.severityText, line.severity);
      assert.deepEqual(attrs(rec.attributes), {
        'log.record.uid': { stringValue: line.id },
        'vigil.event': { stringValue: 'file_open' },
      });
      const body = attrs(rec.body.kvlistValue?.values ?? []);
      assert.deepEqual(body.event, { stringValue: 'file_open' });
      assert.deepEqual(body.event_id, { stringValue: line.id });
      assert.deepEqual(body.pid, { intValue: 4242 + i });
      assert.deepEqual(body.blocked, { boolValue: true });
    });
    // OTel's data model, Appendix B, through the syslog severity
    assert.deepEqual(
      records.map((rec) => rec.severityNumber),
      [9, 10, 13, 17, 18],
    );
  });

  it('fails on a 4xx with the status and the answer', async (t) => {
    const r = await startHttpReceiver(t);
    r.answer = () => ({ status: 400, body: '{"code":3,"message":"invalid log record"}' });
    const o = transport(t, { url: `${r.origin}/v1/logs`, hostName: 'h' });
    await assert.rejects(o.send(lines()), (e: unknown) => {
      assert.ok(e instanceof TransportError);
      assert.equal(e.code, 'VIGIL_EXPORT_SEND');
      assert.match(
        e.message,
        /^otlp http:\/\/127\.0\.0\.1:\d+\/v1\/logs: HTTP 400 Bad Request: \{"code":3,"message":"invalid log record"\}$/,
      );
      return true;
    });
    assert.equal(r.requests.length, 1, 'a 400 is not retried');
  });

  it('leaves a 503 to the exporter, which retries it', async (t) => {
    const r = await startHttpReceiver(t);
    r.answer = () =>
      r.requests.length === 1
        ? { status: 503, headers: { 'Retry-After': '0' } }
        : { status: 200, body: '{}' };
    const o = transport(t, { url: `${r.origin}/v1/logs`, hostName: 'h' });
    await o.send(lines());
    assert.equal(r.requests.length, 2);
  });

  it('fails with the reason when nothing listens', async (t) => {
    const o = transport(t, { url: 'http://127.0.0.1:9/v1/logs', hostName: 'h', timeoutMs: 2000 });
    await assert.rejects(
      o.send(lines()),
      (e: unknown) => e instanceof TransportError && /ECONNREFUSED/.test(e.message),
    );
  });

  it('speaks HTTPS with the configured CA and refuses a server it did not sign', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-otlp-'));
    t.after(() => {
      rmSync(dir, { recursive: true, force: true });
    });
    const good = makeTestCa(dir, 'good');
    const other = makeTestCa(dir, 'other');
    const r = await startHttpReceiver(t, good);
    await transport(t, { url: `${r.origin}/v1/logs`, hostName: 'h', tls: { ca: good.caPem } }).send(lines());
    assert.equal(r.requests.length, 1);
    const wrong = transport(t, {
      url: `${r.origin}/v1/logs`,
      hostName: 'h',
      tls: { ca: other.caPem },
      timeoutMs: 2000,
    });
    await assert.rejects(
      wrong.send(lines()),
      (e: unknown) => e instanceof TransportError && /certificate/i.test(e.message),
    );
    assert.equal(r.requests.length, 1);
  });

  it('reads the line time to the nanosecond', () => {
    assert.deepEqual(hrTime('2026-12-06T23:40:00.123Z'), [1796600400, 123_000_000]);
    assert.deepEqual(hrTime('2026-12-06T23:40:00.123456789Z'), [1796600400, 123_456_789]);
    assert.deepEqual(hrTime('2026-12-07T00:40:00.5+01:00'), [1796600400, 500_000_000]);
    assert.deepEqual(hrTime('2026-12-06T23:40:00Z'), [1796600400, 0]);
  });

  it('refuses settings it cannot use', () => {
    assert.throws(
      () => new OtlpTransport({ url: 'grpc://127.0.0.1:4317', hostName: 'h' }),
      /http: or https:, not grpc:/,
    );
    assert.throws(
      () => new OtlpTransport({ url: 'http://127.0.0.1:4318/v1/logs', hostName: 'h', tls: { ca: 'x' } }),
      /TLS settings given for an http: URL/,
    );
  });
});
