// The export spool: lines in order through read, ack and rewind; segments; the checkpoint across
// a reopen; what a crashed daemon left behind.
import assert from 'node:assert/strict';
import { appendFileSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { VigilError } from '../../../src/errors.js';
import { Spool } from '../../../src/export/spool.js';
import { ids, LINE_BYTES, openSpool, range, spooledLine } from './spool-fixture.js';

const segments = (dir: string): string[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .sort();

describe('export spool: append, read, ack, rewind', () => {
  it('gives the lines back in order, after the read cursor, and counts depth and deliveries', () => {
    const { spool } = openSpool();
    for (let i = 0; i < 10; i++) spool.append(spooledLine(i), false);
    assert.equal(spool.unreadLines(), 10);
    const a = spool.read(4, 1 << 20);
    assert.deepEqual(ids(a.lines), range(0, 4));
    const b = spool.read(4, 1 << 20);
    assert.deepEqual(ids(b.lines), range(4, 8));
    assert.equal(spool.unreadLines(), 2);
    assert.deepEqual(spool.stats(), {
      depthLines: 10,
      depthBytes: 10 * LINE_BYTES,
      deliveredLines: 0,
      droppedLines: { full: 0, age: 0 },
    });

    spool.ack(a.end);
    assert.equal(spool.stats().depthLines, 6);
    assert.equal(spool.stats().depthBytes, 6 * LINE_BYTES);
    assert.equal(spool.stats().deliveredLines, 4);
    // a connection broke: what was read after the checkpoint comes again
    spool.rewind();
    assert.equal(spool.unreadLines(), 6);
    assert.deepEqual(ids(spool.read(100, 1 << 20).lines), range(4, 10));
    assert.deepEqual(spool.read(100, 1 << 20).lines, []);
    // an old cursor acked again changes nothing
    spool.ack(a.end);
    assert.equal(spool.stats().deliveredLines, 4);
  });

  it('keeps a batch within maxBytes, and a line longer than that comes alone', () => {
    const { spool } = openSpool();
    for (let i = 0; i < 5; i++) spool.append(spooledLine(i), false);
    spool.append(spooledLine(5, { pad: 4000 }), false);
    assert.deepEqual(ids(spool.read(100, Math.floor(2.5 * LINE_BYTES)).lines), range(0, 2));
    assert.deepEqual(ids(spool.read(100, 3 * LINE_BYTES).lines), range(2, 5));
    const big = spool.read(100, 10).lines;
    assert.deepEqual(ids(big), range(5, 6));
    assert.equal(big[0]?.json, spooledLine(5, { pad: 4000 }).json);
  });

  it('reads back every field of a spooled line', () => {
    const { spool } = openSpool();
    const line = spooledLine(7);
    spool.append(line, true);
    assert.deepEqual(spool.read(1, 1 << 20).lines, [line]);
  });

  it('wakes its listeners on each append', () => {
    const { spool } = openSpool();
    let woken = 0;
    const remove = spool.onAppend(() => woken++);
    spool.append(spooledLine(0), false);
    spool.append(spooledLine(1), true);
    remove();
    spool.append(spooledLine(2), false);
    assert.equal(woken, 2);
  });

  it('refuses work after close', () => {
    const { spool } = openSpool();
    spool.close();
    assert.throws(
      () => {
        spool.append(spooledLine(0), false);
      },
      (err: unknown) => err instanceof VigilError && err.code === 'VIGIL_EXPORT_SPOOL',
    );
  });
});

describe('export spool: segments', () => {
  it('starts a new segment before a line would pass segmentBytes; reads run across them', () => {
    const { spool } = openSpool({ segmentBytes: 3 * LINE_BYTES });
    for (let i = 0; i < 10; i++) spool.append(spooledLine(i), false);
    assert.deepEqual(segments(spool.dir), [
      '000000000001.jsonl',
      '000000000002.jsonl',
      '000000000003.jsonl',
      '000000000004.jsonl',
    ]);
    const first = readFileSync(join(spool.dir, '000000000001.jsonl'), 'utf8');
    assert.equal(first, [0, 1, 2].map((i) => `${spooledLine(i).json}\n`).join(''));
    const all = spool.read(100, 1 << 20);
    assert.deepEqual(ids(all.lines), range(0, 10));
    // delivered segments are removed; the one still written to stays
    spool.ack(all.end);
    assert.deepEqual(segments(spool.dir), ['000000000004.jsonl']);
    assert.equal(spool.stats().depthBytes, 0);
  });

  it('removes a segment once the checkpoint has passed its last line', () => {
    const { spool } = openSpool({ segmentBytes: 3 * LINE_BYTES });
    for (let i = 0; i < 7; i++) spool.append(spooledLine(i), false);
    spool.ack(spool.read(3, 1 << 20).end);
    assert.deepEqual(segments(spool.dir), ['000000000002.jsonl', '000000000003.jsonl']);
    spool.ack(spool.read(1, 1 << 20).end);
    assert.deepEqual(segments(spool.dir), ['000000000002.jsonl', '000000000003.jsonl']);
  });
});

describe('export spool: reopen', () => {
  it('keeps the checkpoint, the depth and the delivered count across a reopen', () => {
    const { spool, reopen } = openSpool({ segmentBytes: 4 * LINE_BYTES, syncIntervalMs: 60_000 });
    for (let i = 0; i < 10; i++) spool.append(spooledLine(i), false);
    spool.ack(spool.read(6, 1 << 20).end);
    // acks are written at most once per syncIntervalMs; close writes the last one
    spool.close();
    const cp = JSON.parse(readFileSync(join(spool.dir, 'checkpoint.json'), 'utf8')) as unknown;
    assert.deepEqual(cp, { format: 1, segment: 2, offset: 2 * LINE_BYTES, delivered: 6 });

    const again = reopen();
    try {
      assert.deepEqual(again.stats(), {
        depthLines: 4,
        depthBytes: 4 * LINE_BYTES,
        deliveredLines: 6,
        droppedLines: { full: 0, age: 0 },
      });
      assert.deepEqual(ids(again.read(100, 1 << 20).lines), range(6, 10));
      // a new segment: what an earlier daemon wrote is never appended to
      again.append(spooledLine(10), false);
      assert.deepEqual(segments(again.dir), [
        '000000000002.jsonl',
        '000000000003.jsonl',
        '000000000004.jsonl',
      ]);
      assert.deepEqual(ids(again.read(100, 1 << 20).lines), range(10, 11));
    } finally {
      again.close();
    }
  });

  it('cuts a torn last line (a crash in the middle of a write) and says so', () => {
    const { spool, logs, reopen } = openSpool();
    for (let i = 0; i < 5; i++) spool.append(spooledLine(i), false);
    spool.close();
    const file = join(spool.dir, '000000000001.jsonl');
    appendFileSync(file, spooledLine(5).json.slice(0, 40));

    const again = reopen();
    try {
      assert.equal(statSync(file).size, 5 * LINE_BYTES);
      assert.equal(logs.length, 1);
      assert.match(logs[0] ?? '', /000000000001\.jsonl: the last line was cut short \(40 bytes .*cut off/);
      assert.equal(again.stats().depthLines, 5);
      assert.deepEqual(again.stats().droppedLines, { full: 0, age: 0 }, 'a torn line was never spooled');
      again.append(spooledLine(6), false);
      assert.deepEqual(ids(again.read(100, 1 << 20).lines), [...range(0, 5), spooledLine(6).id]);
    } finally {
      again.close();
    }
  });

  it('sends everything again when the checkpoint is unreadable, and from a line start when it is inside one', () => {
    const { spool, logs, reopen } = openSpool();
    for (let i = 0; i < 4; i++) spool.append(spooledLine(i), false);
    spool.close();
    writeFileSync(join(spool.dir, 'checkpoint.json'), '{"format":1,"segm');
    let again = reopen();
    assert.deepEqual(ids(again.read(100, 1 << 20).lines), range(0, 4));
    assert.match(logs.join('\n'), /checkpoint\.json is unreadable/);
    again.close();

    writeFileSync(
      join(spool.dir, 'checkpoint.json'),
      JSON.stringify({ format: 1, segment: 1, offset: 2 * LINE_BYTES + 5, delivered: 2 }),
    );
    again = reopen();
    assert.deepEqual(ids(again.read(100, 1 << 20).lines), range(2, 4));
    assert.equal(again.stats().deliveredLines, 2);
    assert.match(logs.join('\n'), /not at a line start/);
    again.close();
  });

  it('leaves stray files alone, removes delivered segments a crash left and a half-written checkpoint', () => {
    const { spool, reopen } = openSpool({ segmentBytes: 2 * LINE_BYTES });
    for (let i = 0; i < 6; i++) spool.append(spooledLine(i), false);
    spool.close();
    // a crash after the checkpoint was written, before the segments it passed were removed
    writeFileSync(
      join(spool.dir, 'checkpoint.json'),
      JSON.stringify({ format: 1, segment: 2, offset: LINE_BYTES, delivered: 3 }),
    );
    writeFileSync(join(spool.dir, 'checkpoint.json.tmp'), '{"format":1');
    writeFileSync(join(spool.dir, 'notes.txt'), 'kept');
    writeFileSync(join(spool.dir, '12.jsonl'), 'not a segment\n');
    const again = reopen();
    try {
      assert.deepEqual(readdirSync(again.dir).sort(), [
        '000000000002.jsonl',
        '000000000003.jsonl',
        '12.jsonl',
        'checkpoint.json',
        'notes.txt',
      ]);
      assert.deepEqual(ids(again.read(100, 1 << 20).lines), range(3, 6));
      assert.equal(again.stats().depthLines, 3);
    } finally {
      again.close();
    }
  });

  it('never reuses a segment number the checkpoint has passed', () => {
    const { spool, reopen } = openSpool();
    spool.close();
    // every segment delivered and removed; the checkpoint is at the start of segment 5
    writeFileSync(
      join(spool.dir, 'checkpoint.json'),
      JSON.stringify({ format: 1, segment: 5, offset: 0, delivered: 40 }),
    );
    let again = reopen();
    again.append(spooledLine(0), false);
    assert.deepEqual(segments(again.dir), ['000000000006.jsonl']);
    again.close();
    again = reopen();
    assert.equal(again.stats().depthLines, 1, 'the new line is not taken for delivered');
    assert.equal(again.stats().deliveredLines, 40);
    again.close();
  });

  it('creates its folder 0700 and its files 0600', () => {
    const { spool } = openSpool();
    spool.append(spooledLine(0), true);
    assert.equal(statSync(spool.dir).mode & 0o777, 0o700);
    assert.equal(statSync(join(spool.dir, '000000000001.jsonl')).mode & 0o777, 0o600);
  });

  it('refuses an exporter name that is not a plain folder name', () => {
    assert.throws(
      () => Spool.open({ dir: '/tmp', name: '../etc', maxBytes: 1, maxAgeMs: 1, onDrop: () => undefined }),
      /cannot name a folder/,
    );
  });
});

describe('export spool: throughput (reported, not asserted)', () => {
  it('measures lines per second appended, and read back and acked in batches of 500', (t) => {
    const { spool } = openSpool({ syncIntervalMs: 1000, maxBytes: 64 * 1024 * 1024 });
    // about the size of a file_open line with its event id and host
    const lines = Array.from({ length: 1000 }, (_, i) => spooledLine(i, { pad: 300 }));
    const n = 50_000;
    let start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) spool.append(lines[i % lines.length] as (typeof lines)[number], false);
    const appendSecs = Number(process.hrtime.bigint() - start) / 1e9;
    start = process.hrtime.bigint();
    let read = 0;
    for (let batch = spool.read(500, 1 << 20); batch.lines.length > 0; batch = spool.read(500, 1 << 20)) {
      read += batch.lines.length;
      spool.ack(batch.end);
    }
    const readSecs = Number(process.hrtime.bigint() - start) / 1e9;
    const report = `export spool: ${Math.round(n / appendSecs)} lines/s appended, ${Math.round(n / readSecs)} lines/s read and acked (${lines[0]?.json.length ?? 0} B/line)`;
    t.diagnostic(report);
    console.log(report);
    assert.equal(read, n);
    assert.equal(spool.stats().depthLines, 0);
  });
});
