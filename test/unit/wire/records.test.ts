// Decoding golden binary records, built byte by byte as the kernel would write them.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { decodeRecord, RecordError } from '../../../src/wire/records.js';
import { decodeStruct, defineStruct, encodeStruct } from '../../../src/wire/struct-layout.js';
import { MSG_TYPE, TestEchoCtx, TestOpen } from '../../../src/wire/wire-layout.js';

function goldenTestOpen(): Buffer {
  const b = Buffer.alloc(TestOpen.size);
  b.writeUInt16LE(MSG_TYPE.VIGIL_MSG_TEST_OPEN, 0); // hdr.type
  b.writeUInt16LE(0, 2); // hdr.flags
  b.writeUInt32LE(TestOpen.size, 4); // hdr.size
  b.writeBigUInt64LE(123456789012345n, 8); // hdr.ktime
  b.writeUInt32LE(101, 16); // task.pid
  b.writeUInt32LE(100, 20); // task.tgid
  b.writeUInt32LE(1, 24); // task.ppid
  b.writeUInt32LE(1000, 28); // task.uid
  b.writeUInt32LE(1001, 32); // task.gid
  b.writeBigUInt64LE(0xabcdn, 40); // task.cgroup_id
  b.write('cat\0garbage', 48, 'latin1'); // task.comm: stops at NUL
  b.writeBigUInt64LE(0xfeedfacecafebeefn, 64); // cookie
  b.writeInt32LE(-100, 72); // dfd = AT_FDCWD
  b.writeUInt32LE(0o101, 76); // flags
  b.write('/tmp/é', 80, 'utf8'); // path, non-ASCII
  return b;
}

test('a test_open record decodes field by field', () => {
  const r = decodeRecord(goldenTestOpen());
  assert.ok(r.kind === 'test_open');
  assert.deepEqual(r.hdr, { type: 1, flags: 0, size: TestOpen.size, ktime: 123456789012345n });
  assert.deepEqual(r.task, {
    pid: 101,
    tgid: 100,
    ppid: 1,
    uid: 1000,
    gid: 1001,
    pad: 0,
    cgroup_id: 0xabcdn,
    comm: 'cat',
  });
  assert.equal(r.cookie, 0xfeedfacecafebeefn);
  assert.equal(r.dfd, -100);
  assert.equal(r.flags, 0o101);
  assert.equal(r.path, '/tmp/é');
});

test('an unknown record type is kept, not dropped', () => {
  const b = Buffer.alloc(24);
  b.writeUInt16LE(999, 0);
  b.writeUInt32LE(24, 4);
  const r = decodeRecord(b);
  assert.ok(r.kind === 'unknown');
  assert.equal(r.hdr.type, 999);
});

test('short and lying records are errors that carry the bytes', () => {
  assert.throws(() => decodeRecord(Buffer.alloc(8)), RecordError);
  const b = goldenTestOpen();
  b.writeUInt32LE(TestOpen.size + 1, 4);
  assert.throws(() => decodeRecord(b), /says 337 bytes but has 336/);
});

test('C layout rules: alignment padding and tail padding', () => {
  const s = defineStruct('x', [
    ['a', 'u8'],
    ['b', 'u64'],
    ['c', 'u16'],
  ]);
  assert.deepEqual(
    s.fields.map((f) => [f.name, f.offset]),
    [
      ['a', 0],
      ['b', 8],
      ['c', 16],
    ],
  );
  assert.equal(s.size, 24);
});

test('encode then decode is the identity', () => {
  const buf = encodeStruct(TestEchoCtx, { value: 40n, count: 2 });
  assert.equal(buf.toString('hex'), '28000000000000000200000000000000');
  assert.deepEqual(decodeStruct(TestEchoCtx, buf), { value: 40n, count: 2, pad: 0 });
});
