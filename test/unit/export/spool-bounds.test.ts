// The spool's bounds: at maxBytes and at maxAgeMs the oldest segments go, and exactly the lines
// of theirs not yet delivered are counted and reported once per removal.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import type { Spool } from '../../../src/export/spool.js';
import { ids, LINE_BYTES, openSpool, range, spooledLine, T0 } from './spool-fixture.js';

const big = 1 << 20;

describe('export spool: the size bound', () => {
  it('removes the oldest segment before a line would pass maxBytes, and reports its lines once', () => {
    const { spool, drops } = openSpool({ maxBytes: 10 * LINE_BYTES, segmentBytes: 3 * LINE_BYTES });
    for (let i = 0; i < 10; i++) spool.append(spooledLine(i), false);
    assert.deepEqual(drops, []);
    spool.append(spooledLine(10), false);
    assert.deepEqual(drops, [
      {
        reason: 'full',
        lines: 3,
        bytes: 3 * LINE_BYTES,
        firstId: spooledLine(0).id,
        lastId: spooledLine(2).id,
        firstTs: spooledLine(0).ts,
        lastTs: spooledLine(2).ts,
      },
    ]);
    assert.deepEqual(spool.stats(), {
      depthLines: 8,
      depthBytes: 8 * LINE_BYTES,
      deliveredLines: 0,
      droppedLines: { full: 3, age: 0 },
    });
    assert.deepEqual(ids(spool.read(100, big).lines), range(3, 11));
  });

  it('counts only the lines after the checkpoint; delivered segments go first, uncounted', () => {
    const { spool, drops } = openSpool({
      maxBytes: 9 * LINE_BYTES,
      segmentBytes: 3 * LINE_BYTES,
      syncIntervalMs: 60_000,
    });
    for (let i = 0; i < 9; i++) spool.append(spooledLine(i), false);
    // segment 1 delivered (its removal waits for the checkpoint's next write), 2 lines of segment 2
    spool.ack(spool.read(5, big).end);
    for (let i = 9; i < 12; i++) spool.append(spooledLine(i), false);
    assert.equal(drops.length, 0, 'the delivered segment made room');
    spool.append(spooledLine(12), false);
    assert.equal(drops.length, 1);
    assert.deepEqual(
      { lines: drops[0]?.lines, bytes: drops[0]?.bytes, first: drops[0]?.firstId, last: drops[0]?.lastId },
      { lines: 1, bytes: LINE_BYTES, first: spooledLine(5).id, last: spooledLine(5).id },
    );
    const stats = spool.stats();
    assert.equal(stats.deliveredLines, 5);
    assert.deepEqual(stats.droppedLines, { full: 1, age: 0 });
    assert.equal(stats.depthLines, 7);
    // 13 lines spooled = 5 delivered + 1 dropped + 7 waiting
    assert.deepEqual(ids(spool.read(100, big).lines), range(6, 13));
  });

  it('moves the read cursor past a removed segment; an ack of a cursor inside it is ignored', () => {
    const { spool, drops } = openSpool({ maxBytes: 6 * LINE_BYTES, segmentBytes: 2 * LINE_BYTES });
    for (let i = 0; i < 6; i++) spool.append(spooledLine(i), false);
    const inFlight = spool.read(3, big); // the cursor is inside segment 2
    spool.append(spooledLine(6), false);
    spool.append(spooledLine(7), false);
    spool.append(spooledLine(8), false); // segments 1 and 2 are gone
    assert.deepEqual(
      drops.map((d) => [d.reason, d.lines, d.firstId, d.lastId]),
      [
        ['full', 2, spooledLine(0).id, spooledLine(1).id],
        ['full', 2, spooledLine(2).id, spooledLine(3).id],
      ],
    );
    assert.deepEqual(ids(spool.read(100, big).lines), range(4, 9));
    spool.ack(inFlight.end);
    assert.equal(spool.stats().deliveredLines, 0);
    assert.equal(spool.stats().depthLines, 5);
    spool.rewind();
    assert.deepEqual(ids(spool.read(100, big).lines), range(4, 9));
  });

  it('sums several segments removed for one line into one report', () => {
    const { spool, drops } = openSpool({ maxBytes: 6 * LINE_BYTES, segmentBytes: 2 * LINE_BYTES });
    for (let i = 0; i < 6; i++) spool.append(spooledLine(i), false);
    spool.append(spooledLine(6, { pad: 4 * LINE_BYTES }), false);
    assert.deepEqual(
      drops.map((d) => [d.lines, d.bytes, d.firstId, d.lastId]),
      [[6, 6 * LINE_BYTES, spooledLine(0).id, spooledLine(5).id]],
    );
    assert.equal(spool.stats().depthLines, 1);
  });

  it('drops a line longer than maxBytes alone, counted, and keeps the rest', () => {
    const { spool, drops } = openSpool({ maxBytes: 4 * LINE_BYTES });
    spool.append(spooledLine(0), false);
    const huge = spooledLine(1, { pad: 5 * LINE_BYTES });
    spool.append(huge, true);
    assert.deepEqual(drops, [
      {
        reason: 'full',
        lines: 1,
        bytes: huge.json.length + 1,
        firstId: huge.id,
        lastId: huge.id,
        firstTs: huge.ts,
        lastTs: huge.ts,
      },
    ]);
    assert.deepEqual(spool.stats().droppedLines, { full: 1, age: 0 });
    assert.deepEqual(ids(spool.read(100, big).lines), range(0, 1));
  });

  it('drops the segment being written when the new line needs its room, and writes the line', () => {
    const { spool, drops } = openSpool({ maxBytes: 3 * LINE_BYTES, segmentBytes: 10 * LINE_BYTES });
    for (let i = 0; i < 3; i++) spool.append(spooledLine(i), false);
    spool.append(spooledLine(3), false);
    assert.deepEqual(
      drops.map((d) => d.lines),
      [3],
    );
    assert.deepEqual(ids(spool.read(100, big).lines), range(3, 4));
    assert.deepEqual(readdirSync(spool.dir).sort(), ['000000000002.jsonl']);
  });

  it('lets onDrop append the line that tells of the drop', () => {
    const ref: { spool?: Spool } = {};
    const { spool } = openSpool({
      maxBytes: 4 * LINE_BYTES,
      segmentBytes: 2 * LINE_BYTES,
      onDrop: (d) => {
        ref.spool?.append(spooledLine(1000 + d.lines), true);
      },
    });
    ref.spool = spool;
    for (let i = 0; i < 5; i++) spool.append(spooledLine(i), false);
    assert.deepEqual(ids(spool.read(100, big).lines), [...range(2, 5), spooledLine(1002).id]);
  });

  it('derives the depth from the files after a reopen; drop counts start again', () => {
    const { spool, reopen } = openSpool({ maxBytes: 4 * LINE_BYTES, segmentBytes: 2 * LINE_BYTES });
    for (let i = 0; i < 6; i++) spool.append(spooledLine(i), false);
    const before = spool.stats();
    spool.close();
    const again = reopen();
    try {
      assert.deepEqual(again.stats(), { ...before, droppedLines: { full: 0, age: 0 } });
    } finally {
      again.close();
    }
  });
});

describe('export spool: the age bound', () => {
  it('removes segments whose newest line is older than maxAgeMs, on append, counting exactly', () => {
    let now = T0;
    const { spool, drops } = openSpool({
      maxAgeMs: 60_000,
      segmentBytes: 2 * LINE_BYTES,
      syncIntervalMs: 60_000,
      now: () => now,
    });
    for (let i = 0; i < 5; i++) spool.append(spooledLine(i, { tsMs: T0 + i * 10_000 }), false);
    spool.ack(spool.read(1, big).end);
    now = T0 + 75_000; // segment 1 (lines 0, 1) is past the bound, segment 2 (2, 3) is not
    spool.append(spooledLine(5, { tsMs: now }), false);
    assert.deepEqual(drops, [
      {
        reason: 'age',
        lines: 1,
        bytes: LINE_BYTES,
        firstId: spooledLine(1).id,
        lastId: spooledLine(1).id,
        firstTs: new Date(T0 + 10_000).toISOString(),
        lastTs: new Date(T0 + 10_000).toISOString(),
      },
    ]);
    now = T0 + 100_000; // segment 2 goes, segment 3 (lines 4, 5) stays: 5 is new
    spool.append(spooledLine(6, { tsMs: now }), false);
    assert.deepEqual(
      drops.map((d) => [d.reason, d.lines, d.firstId, d.lastId]),
      [
        ['age', 1, spooledLine(1).id, spooledLine(1).id],
        ['age', 2, spooledLine(2).id, spooledLine(3).id],
      ],
    );
    assert.deepEqual(spool.stats().droppedLines, { full: 0, age: 3 });
    assert.equal(spool.stats().deliveredLines, 1);
    assert.deepEqual(ids(spool.read(100, big).lines), range(4, 7));
  });

  it('removes old segments from its timer too, with nothing appended', async () => {
    let now = T0;
    const { spool, drops } = openSpool({ maxAgeMs: 1000, syncIntervalMs: 10, now: () => now });
    for (let i = 0; i < 3; i++) spool.append(spooledLine(i), false);
    now = T0 + 5000;
    for (let waited = 0; drops.length === 0 && waited < 1000; waited += 10) await sleep(10);
    assert.deepEqual(
      drops.map((d) => [d.reason, d.lines]),
      [['age', 3]],
    );
    assert.equal(spool.stats().depthLines, 0);
    assert.equal(spool.unreadLines(), 0);
  });

  it('dates a segment by its newest line: a late line with an old ts does not age it', () => {
    let now = T0;
    const { spool, drops } = openSpool({ maxAgeMs: 1000, now: () => now });
    spool.append(spooledLine(0, { tsMs: T0 }), false);
    spool.append(spooledLine(1, { tsMs: T0 + 900 }), false);
    now = T0 + 1500;
    spool.append(spooledLine(2, { tsMs: T0 - 9000 }), false);
    spool.append(spooledLine(3, { tsMs: now }), false);
    assert.deepEqual(drops, []);
    assert.equal(spool.stats().depthLines, 4);
  });
});
