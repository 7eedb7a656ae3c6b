// The sender against an in-memory transport: order, batches, backoff, at-least-once over a
// stream whose connection breaks, one send at a time, and the drain at close.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { Sender, type SenderOptions } from '../../../src/export/sender.js';
import type { SpooledLine, Transport } from '../../../src/export/types.js';
import { openSpool, range, spooledLine } from './spool-fixture.js';

/** A destination in memory: what it received, when sends began, and failures on demand. */
class FakeTransport implements Transport {
  readonly describe = 'fake tcp 127.0.0.1:6514';
  confirmMs = 0;
  generation = 0;
  readonly received: string[] = [];
  readonly batches: number[] = [];
  readonly attempts: number[] = [];
  inFlight = 0;
  maxInFlight = 0;
  /** sends to fail before the next one succeeds */
  failures = 0;
  /** how long a send takes */
  delayMs = 0;
  /** the next send's lines vanish in the socket: written, then the connection breaks */
  loseNext = false;
  /** sends never finish */
  hang = false;

  async send(batch: readonly SpooledLine[]): Promise<void> {
    this.attempts.push(performance.now());
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.hang) await new Promise(() => undefined);
      if (this.delayMs > 0) await sleep(this.delayMs);
      if (this.failures > 0) {
        this.failures--;
        throw new Error(`${this.describe}: connection refused (ECONNREFUSED)`);
      }
      if (this.loseNext) {
        this.loseNext = false;
        setTimeout(() => this.generation++, 5);
        return;
      }
      this.batches.push(batch.length);
      this.received.push(...batch.map((l) => l.id));
    } finally {
      this.inFlight--;
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

async function until(what: string, cond: () => boolean, timeoutMs = 1500): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

function setUp(options: Partial<SenderOptions> = {}) {
  // fsync within the default 1 s, as the daemon does (0 would fsync every line)
  const { spool } = openSpool({ syncIntervalMs: 1000 });
  const transport = new FakeTransport();
  const logs: string[] = [];
  const sender = new Sender({
    spool,
    transport,
    maxDelayMs: 5,
    backoff: { initialMs: 10, maxMs: 40 },
    log: (m) => logs.push(m),
    random: () => 0,
    ...options,
  });
  const append = (from: number, to: number, urgent = false) => {
    for (let i = from; i < to; i++) spool.append(spooledLine(i), urgent);
  };
  return { spool, transport, sender, logs, append };
}

describe('sender', () => {
  it('delivers every line in order, in batches of maxLines', async () => {
    const { spool, transport, sender, append } = setUp({ maxLines: 500 });
    append(0, 1200);
    await until('all delivered', () => spool.stats().deliveredLines === 1200);
    assert.deepEqual(transport.received, range(0, 1200));
    assert.deepEqual(transport.batches, [500, 500, 200]);
    assert.equal(spool.stats().depthLines, 0);
    assert.deepEqual(sender.stats(), { errors: 0, lastError: null });
    await sender.close(100);
  });

  it('sends a partial batch after maxDelayMs, a full one at once', async () => {
    const { spool, transport, sender, append } = setUp({ maxLines: 10, maxDelayMs: 150 });
    append(0, 3);
    await sleep(40);
    assert.deepEqual(transport.received, [], 'three lines wait for the delay');
    await until('the partial batch', () => transport.received.length === 3, 1000);
    const start = performance.now();
    append(3, 13);
    await until('the full batch', () => transport.received.length === 13);
    assert.ok(performance.now() - start < 120, 'a full batch does not wait for the delay');
    assert.equal(spool.stats().deliveredLines, 13);
    await sender.close(100);
  });

  it('retries with exponential backoff and logs only the state changes', async () => {
    const { spool, transport, sender, logs, append } = setUp();
    transport.failures = 4;
    append(0, 5);
    await until('delivered after the failures', () => spool.stats().deliveredLines === 5);
    // 5 attempts; the waits between them are at least half of 10, 20, 40, 40 ms (random() = 0)
    assert.equal(transport.attempts.length, 5);
    const gaps = transport.attempts.slice(1).map((t, i) => t - (transport.attempts[i] as number));
    [5, 10, 20, 20].forEach((min, i) => {
      assert.ok((gaps[i] as number) >= min - 1, `wait ${i}: ${gaps[i]} ms >= ${min} ms`);
    });
    assert.deepEqual(transport.received, range(0, 5));
    assert.equal(logs.length, 2);
    assert.equal(
      logs[0],
      'fake tcp 127.0.0.1:6514: cannot deliver (connection refused (ECONNREFUSED)); lines wait in the spool and are retried',
    );
    assert.match(
      logs[1] ?? '',
      /^fake tcp 127\.0\.0\.1:6514: delivering again after \d+ ms \(5 lines waited\)$/,
    );
    assert.deepEqual(sender.stats(), { errors: 4, lastError: null });
    await sender.close(100);
  });

  it('keeps the last error while the destination is down', async () => {
    const { transport, sender, append } = setUp();
    transport.failures = 1000;
    append(0, 1);
    await until('an error', () => sender.stats().errors >= 2);
    assert.match(sender.stats().lastError ?? '', /connection refused/);
    await sender.close(10);
  });

  it('on a stream, acks only after confirmMs on the same connection, and sends again what a broken one lost', async () => {
    const { spool, transport, sender, append } = setUp({ maxLines: 3 });
    transport.confirmMs = 40;
    append(0, 3);
    await until('the first batch', () => transport.received.length === 3);
    assert.equal(spool.stats().deliveredLines, 0, 'not acked before confirmMs');
    await until('the first batch acked', () => spool.stats().deliveredLines === 3);

    // lines 3-5 are written to a socket that breaks before they arrive
    transport.loseNext = true;
    append(3, 6);
    await until('the lost lines sent again', () => transport.received.length === 6);
    await until('acked', () => spool.stats().deliveredLines === 6);
    assert.deepEqual(transport.received, range(0, 6));
    assert.equal(transport.attempts.length, 3);
    assert.equal(sender.stats().errors, 0);
    await sender.close(100);
  });

  it('sends batches written on an old connection again, in order (at least once)', async () => {
    const { spool, transport, sender, append } = setUp({ maxLines: 2 });
    transport.confirmMs = 60;
    append(0, 2);
    await until('batch 1', () => transport.received.length === 2);
    append(2, 4);
    await until('batch 2', () => transport.received.length === 4);
    transport.generation++; // the connection was replaced before either was confirmed
    await until('both sent again and acked', () => spool.stats().deliveredLines === 4);
    assert.deepEqual(transport.received, [...range(0, 4), ...range(0, 4)]);
    await sender.close(100);
  });

  it('never has two sends in flight', async () => {
    const { spool, transport, sender, append } = setUp({ maxLines: 5, maxDelayMs: 1 });
    transport.delayMs = 8;
    for (let burst = 0; burst < 10; burst++) {
      append(burst * 7, burst * 7 + 7, burst % 3 === 0);
      await sleep(3);
    }
    await until('all delivered', () => spool.stats().deliveredLines === 70);
    assert.equal(transport.maxInFlight, 1);
    assert.deepEqual(transport.received, range(0, 70));
    await sender.close(100);
  });

  it('drains at close without waiting for maxDelayMs', async () => {
    const { spool, transport, sender, append } = setUp({ maxDelayMs: 10_000 });
    append(0, 3);
    const start = performance.now();
    await sender.close(1000);
    assert.ok(performance.now() - start < 500);
    assert.deepEqual(transport.received, range(0, 3));
    assert.equal(spool.stats().depthLines, 0);
  });

  it('stops after drainMs when the destination is down; the lines stay in the spool', async () => {
    const { spool, transport, sender, logs, append } = setUp();
    transport.failures = 1000;
    append(0, 4);
    await until('down', () => sender.stats().errors > 0);
    const start = performance.now();
    await sender.close(80);
    const took = performance.now() - start;
    assert.ok(took >= 70 && took < 400, `${took} ms`);
    assert.equal(spool.stats().depthLines, 4);
    assert.match(logs.at(-1) ?? '', /4 lines not delivered by shutdown wait in the spool for the next start/);
    const attempts = transport.attempts.length;
    await sleep(60);
    assert.equal(transport.attempts.length, attempts, 'no send after close');
  });

  it('does not ack a send still in flight when drainMs ran out', async () => {
    const { spool, transport, sender, append } = setUp();
    transport.hang = true;
    append(0, 2);
    await until('sending', () => transport.inFlight === 1);
    await sender.close(30);
    assert.equal(spool.stats().deliveredLines, 0);
    assert.equal(spool.stats().depthLines, 2);
  });
});
