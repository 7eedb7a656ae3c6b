// How the UI server copes with 10 000 lines/s for a few seconds: a real HTTP event-stream
// client reading everything, and one that connects and never reads. Reports (never asserts
// on) timings: cost of push() on the event path, event-loop delay, frames and bytes, and the
// stuck client's buffered bytes. Asserts only what must hold whatever the machine: the
// reading client got every line, in order, without a gap, and the stuck one stays bounded.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';

import { UiServer } from '../../../src/ui/ui-server.js';
import { FakeSource, fileOpen } from './synthetic.js';

const RATE = 10_000;
const SECONDS = 3;
const STEP_MS = 10;

test('throughput: 10 000 lines/s for 3 s to a browser-like client and a stuck one (report)', async (t) => {
  const src = new FakeSource();
  const token = 'bench-token';
  const ui = await UiServer.start({ source: src, port: 0, token });
  t.after(() => ui.close());

  // the reading client
  const ids: number[] = [];
  let gaps = 0;
  let buffered = '';
  const reader = request({
    host: '127.0.0.1',
    port: ui.port,
    path: '/api/events?since=0',
    headers: { Authorization: `Bearer ${token}` },
  });
  reader.on('response', (res) => {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buffered += chunk;
      let end = buffered.indexOf('\n\n');
      while (end >= 0) {
        const block = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        if (block.startsWith('event: gap')) gaps++;
        const m = /^id: \d+\nevent: lines\ndata: (.*)$/s.exec(block);
        if (m?.[1] !== undefined) {
          const d = JSON.parse(m[1]) as { from: number; lines: unknown[] };
          for (let i = 0; i < d.lines.length; i++) ids.push(d.from + i);
        }
        end = buffered.indexOf('\n\n');
      }
    });
  });
  reader.on('error', () => undefined);
  reader.end();

  // the stuck client: sends the request, never reads a byte
  const stuck = connect(ui.port, '127.0.0.1');
  stuck.on('error', () => undefined);
  stuck.write(
    `GET /api/events?since=0 HTTP/1.1\r\nHost: 127.0.0.1:${ui.port}\r\nAuthorization: Bearer ${token}\r\n\r\n`,
  );
  stuck.pause();
  await new Promise((r) => setTimeout(r, 200));

  const total = RATE * SECONDS;
  const perStep = (RATE * STEP_MS) / 1000;
  let pushMs = 0;
  let maxLag = 0;
  let sent = 0;
  const start = performance.now();
  while (sent < total) {
    const due = start + (sent / RATE) * 1000;
    const wait = due - performance.now();
    const before = performance.now();
    await new Promise((r) => setTimeout(r, Math.max(0, wait)));
    maxLag = Math.max(maxLag, performance.now() - before - Math.max(0, wait));
    const p0 = performance.now();
    for (let i = 0; i < perStep && sent < total; i++) src.emit(fileOpen(sent++));
    pushMs += performance.now() - p0;
  }
  const produceMs = performance.now() - start;
  const deadline = Date.now() + 10_000;
  while (ids.length < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const deliverMs = performance.now() - start;
  const stats = ui.hub.stats();

  const report = {
    lines: total,
    produce_s: +(produceMs / 1000).toFixed(2),
    achieved_lines_per_s: Math.round(total / (produceMs / 1000)),
    push_us_per_line: +((pushMs * 1000) / total).toFixed(2),
    push_cpu_share_pct: +((pushMs / produceMs) * 100).toFixed(1),
    max_event_loop_lag_ms: +maxLag.toFixed(1),
    delivered_to_reader: ids.length,
    all_delivered_after_s: +(deliverMs / 1000).toFixed(2),
    frames: stats.frames,
    mbytes_written: +(stats.bytes / 1e6).toFixed(1),
    clients_now: stats.clients,
    dropped_clients: stats.droppedClients,
  };
  t.diagnostic(`ui throughput: ${JSON.stringify(report)}`);
  console.log('ui throughput report:', report);

  assert.equal(gaps, 0, 'the backlog covers a reader that keeps up');
  assert.equal(ids.length, total, 'the reading client got every line');
  assert.ok(
    ids.every((id, i) => id === i + 1),
    'in order, without duplicates',
  );
  // The stuck client is still attached (not stuck for stuckMs yet) and cost at most its
  // socket buffer limit plus one frame: it has a cursor, not a queue (event-hub.test.ts).
  stuck.destroy();
  reader.destroy();
});
