// The batch format the addon hands over: u32 length, u32 reserved, record, padding to 8.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { splitBatch } from '../../../src/bridge/ring-buffer.js';

function batch(records: Buffer[]): Buffer {
  const parts: Buffer[] = [];
  for (const r of records) {
    const h = Buffer.alloc(8);
    h.writeUInt32LE(r.length, 0);
    parts.push(h, r, Buffer.alloc((8 - (r.length % 8)) % 8));
  }
  return Buffer.concat(parts);
}

test('splits records of odd sizes without copying', () => {
  const recs = [Buffer.from('a'), Buffer.from('0123456789'), Buffer.alloc(0), Buffer.from('12345678')];
  const b = batch(recs);
  const out = splitBatch(b, recs.length);
  assert.deepEqual(
    out.map((r) => r.toString()),
    recs.map((r) => r.toString()),
  );
  assert.equal(out[1]?.buffer, b.buffer, 'records are views of the batch');
});

test('a truncated batch is an error, not a silent short read', () => {
  const b = batch([Buffer.from('hello'), Buffer.from('world')]);
  assert.throws(() => splitBatch(b.subarray(0, 20), 2), RangeError);
  assert.throws(() => splitBatch(b, 3), /truncated at record 2 of 3/);
});
