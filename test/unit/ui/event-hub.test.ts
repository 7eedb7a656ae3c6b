// The SSE hub: batching into frames, ids, resume from Last-Event-ID, gaps when the backlog no
// longer covers a client, and the slow-client policy (never written past its limit, dropped
// when stuck), all with a fake socket and a hand-driven clock and tick.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { EventHub, type GapInfo, type SseSink } from '../../../src/ui/event-hub.js';
import { fileOpen } from './synthetic.js';

interface Frame {
  event: string;
  id: string | undefined;
  data: unknown;
}

class FakeSink implements SseSink {
  chunks: string[] = [];
  /** bytes the fake socket pretends it could not send yet */
  stuckBytes = 0;
  closed: 'no' | 'end' | 'drop' = 'no';
  write(chunk: string): boolean {
    this.chunks.push(chunk);
    return true;
  }
  get writableLength(): number {
    return this.stuckBytes;
  }
  close(drop: boolean): void {
    this.closed = drop ? 'drop' : 'end';
  }
  frames(): Frame[] {
    return this.chunks
      .join('')
      .split('\n\n')
      .filter((b) => b.trim() !== '')
      .map((block) => {
        const f: Frame = { event: 'message', id: undefined, data: undefined };
        for (const l of block.split('\n')) {
          const [k, ...rest] = l.split(': ');
          const v = rest.join(': ');
          if (k === 'event') f.event = v;
          else if (k === 'id') f.id = v;
          else if (k === 'data') f.data = JSON.parse(v) as unknown;
        }
        return f;
      });
  }
  lineIds(): number[] {
    return this.frames()
      .filter((f) => f.event === 'lines')
      .flatMap((f) => {
        const d = f.data as { from: number; lines: unknown[] };
        return d.lines.map((_, i) => d.from + i);
      });
  }
  gaps(): GapInfo[] {
    return this.frames()
      .filter((f) => f.event === 'gap')
      .map((f) => f.data as GapInfo);
  }
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

function hub(options: ConstructorParameters<typeof EventHub>[0] = {}): EventHub {
  return new EventHub({ timer: false, ...options });
}

test('lines pushed between ticks go out as one frame: one data array, id of the last line', () => {
  const h = hub();
  const sink = new FakeSink();
  h.attach(sink);
  for (let i = 1; i <= 250; i++) h.push(fileOpen(i));
  assert.equal(sink.frames().filter((f) => f.event === 'lines').length, 0, 'nothing before the tick');
  h.tick();
  const frames = sink.frames();
  assert.equal(frames[0]?.event, 'hello');
  const lines = frames.filter((f) => f.event === 'lines');
  assert.equal(lines.length, 1);
  assert.equal(lines[0]?.id, '250');
  const data = lines[0].data as { from: number; lines: { path: string }[] };
  assert.equal(data.from, 1);
  assert.equal(data.lines.length, 250);
  assert.equal(data.lines[249]?.path, '/home/dev/project/src/file-250.ts');
  assert.match(sink.chunks.join(''), /^retry: \d+\n/, 'tells the browser how soon to reconnect');
});

test('a frame holds at most maxFrameLines; a catching-up client gets several in one tick', () => {
  const h = hub({ maxFrameLines: 100 });
  for (let i = 1; i <= 250; i++) h.push(fileOpen(i));
  const sink = new FakeSink();
  h.attach(sink, 0);
  const ids = sink
    .frames()
    .filter((f) => f.event === 'lines')
    .map((f) => f.id);
  assert.deepEqual(ids, ['100', '200', '250']);
  assert.deepEqual(sink.lineIds(), range(1, 250));
});

test('a new client without Last-Event-ID gets the newest initialTail lines', () => {
  const h = hub({ initialTail: 30 });
  for (let i = 1; i <= 100; i++) h.push(fileOpen(i));
  const sink = new FakeSink();
  h.attach(sink);
  assert.deepEqual(sink.lineIds(), range(71, 100));
  assert.deepEqual(sink.gaps(), [], 'not a gap: history simply starts there');
});

test('reconnecting with Last-Event-ID resumes exactly after it: no gap, no duplicate', () => {
  const h = hub();
  const first = new FakeSink();
  const detach = h.attach(first);
  for (let i = 1; i <= 120; i++) h.push(fileOpen(i));
  h.tick();
  detach();
  for (let i = 121; i <= 180; i++) h.push(fileOpen(i)); // while disconnected
  const lastId = Number(
    first
      .frames()
      .filter((f) => f.event === 'lines')
      .at(-1)?.id,
  );
  assert.equal(lastId, 120);
  const second = new FakeSink();
  h.attach(second, lastId);
  for (let i = 181; i <= 200; i++) h.push(fileOpen(i));
  h.tick();
  assert.deepEqual([...first.lineIds(), ...second.lineIds()], range(1, 200));
  assert.deepEqual(second.gaps(), []);
  const hello = second.frames()[0]?.data as { resumed: boolean };
  assert.equal(hello.resumed, true);
});

test('when the backlog no longer covers the gap, the client is told which ids it missed', () => {
  const h = hub({ backlog: 100 });
  for (let i = 1; i <= 300; i++) h.push(fileOpen(i));
  assert.equal(h.oldest, 201);
  const sink = new FakeSink();
  h.attach(sink, 50);
  assert.deepEqual(sink.gaps(), [{ from: 51, to: 200, missed: 150, reason: 'backlog' }]);
  assert.deepEqual(sink.lineIds(), range(201, 300));
  assert.equal(h.stats().gapLines, 150);
});

test('an id this server never gave (vigil restarted) starts from the oldest line, with a notice', () => {
  const h = hub();
  for (let i = 1; i <= 10; i++) h.push(fileOpen(i));
  const sink = new FakeSink();
  h.attach(sink, 99_999);
  assert.equal(sink.gaps()[0]?.reason, 'unknown-id');
  assert.deepEqual(sink.lineIds(), range(1, 10));
});

test('a slow client is not written to past its limit, the others and the producer go on', () => {
  let now = 0;
  const h = hub({ clientBufferBytes: 1000, stuckMs: 5000, now: () => now });
  const slow = new FakeSink();
  const fast = new FakeSink();
  h.attach(slow);
  h.attach(fast);
  slow.stuckBytes = 5000; // its socket is full
  const before = slow.chunks.length;
  for (let round = 0; round < 10; round++) {
    for (let i = 0; i < 100; i++) h.push(fileOpen(round * 100 + i));
    h.tick();
    now += 100;
  }
  assert.equal(slow.chunks.length, before, 'nothing more was written to the full socket');
  assert.equal(fast.lineIds().length, 1000);
  assert.equal(slow.closed, 'no', 'not dropped yet: stuck for less than stuckMs');
  // it drains: it catches up from the shared backlog, nothing was queued for it
  slow.stuckBytes = 0;
  h.tick();
  assert.deepEqual(slow.lineIds(), range(1, 1000));
});

test('a client stuck longer than stuckMs is dropped; the producer never waits for it', () => {
  let now = 0;
  const h = hub({ clientBufferBytes: 1000, stuckMs: 2000, now: () => now });
  const stuck = new FakeSink();
  h.attach(stuck);
  stuck.stuckBytes = 10_000;
  for (let t = 0; t <= 2100; t += 100) {
    h.push(fileOpen(t));
    h.tick();
    now = t;
  }
  assert.equal(stuck.closed, 'drop');
  assert.equal(h.clientCount, 0);
  assert.equal(h.stats().droppedClients, 1);
});

test('a client that lags behind the backlog gets a gap, then continues from the oldest line', () => {
  const h = hub({ backlog: 50, clientBufferBytes: 1000, stuckMs: 60_000 });
  const lagging = new FakeSink();
  h.attach(lagging);
  lagging.stuckBytes = 2000;
  for (let i = 1; i <= 200; i++) h.push(fileOpen(i));
  h.tick();
  lagging.stuckBytes = 0;
  h.tick();
  assert.deepEqual(lagging.gaps(), [{ from: 1, to: 150, missed: 150, reason: 'backlog' }]);
  assert.deepEqual(lagging.lineIds(), range(151, 200));
});

test('the backlog is bounded and get() only returns lines it still holds', () => {
  const h = hub({ backlog: 10 });
  for (let i = 1; i <= 25; i++) h.push(fileOpen(i));
  assert.equal(h.head, 25);
  assert.equal(h.oldest, 16);
  assert.equal(h.get(15), undefined);
  assert.equal((h.get(16) as { path: string } | undefined)?.path, '/home/dev/project/src/file-16.ts');
  assert.equal(h.get(26), undefined);
});

test('broadcast events carry no id, so they never move a client’s Last-Event-ID', () => {
  const h = hub();
  const sink = new FakeSink();
  h.attach(sink);
  h.broadcast('overview', { x: 1 });
  const f = sink.frames().find((x) => x.event === 'overview');
  assert.deepEqual(f?.data, { x: 1 });
  assert.equal(f.id, undefined);
});
