// The native bridge against the real kernel: load with config, attach a tracepoint and see a
// child's event decoded, map round-trips, ring-buffer batching and exact loss counting,
// pinning, and the documented errors. Root only; everything is removed after each test.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';

import { BpfObject } from '../../src/bridge/bpf-object.js';
import { BridgeArgumentError } from '../../src/bridge/bpf-map.js';
import { openPinnedLink, openPinnedMap } from '../../src/bridge/pinned.js';
import { decodeRecord, type WireRecord } from '../../src/wire/records.js';
import { encodeStruct } from '../../src/wire/struct-layout.js';
import { STAT, TestEchoCtx, TestKey } from '../../src/wire/wire-layout.js';
import { BpfError } from '../../src/errors.js';
import { ensureMount } from '../../src/system/mounts.js';
import { testCgroup, testPinDir, waitFor } from '../support/kernel.js';
import { requires } from '../support/requires.js';
import { bpfObject } from '../support/paths.js';

const OBJECT = bpfObject('test/bridge_test.bpf.o');

/** Opens the test object; closed after the test whatever happens. */
function openTestObject(t: TestContext, config: Record<string, bigint | number> = {}): BpfObject {
  const obj = BpfObject.open(OBJECT);
  t.after(() => {
    obj.close();
  });
  obj.setConfig(config);
  obj.load();
  return obj;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}
function u64(n: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(n);
  return b;
}

/** Sum of a per-CPU u64 counter in the object's vigil_stats map. */
function statSum(obj: BpfObject, stat: number): bigint {
  const m = obj.map('vigil_stats');
  const v = m.get(u32(stat));
  assert.ok(v);
  return m.perCpu(v).reduce((a, b) => a + b.readBigUInt64LE(0), 0n);
}

function progIdLoaded(id: number): boolean {
  return spawnSync('bpftool', ['prog', 'show', 'id', String(id)]).status === 0;
}

test('tracepoint event from a child process arrives decoded, with the config set before load', async (t) => {
  if (!(await requires(t, 'root', 'tracepoint', 'ringbuf', 'prog_run', 'cgroup_connect4'))) return;
  ensureMount('tracefs');
  const cookie = 0x5eedf00d12345678n;
  const obj = openTestObject(t, { test_cookie: cookie });
  const records: WireRecord[] = [];
  const reader = obj.ringBuffer('events', (recs) => {
    for (const r of recs) records.push(decodeRecord(r));
  });
  reader.start();
  obj.attach('test_openat');

  const dir = mkdtempSync(join(tmpdir(), 'vigil-bridge-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const target = join(dir, 'marker');
  writeFileSync(target, 'x');
  // sh waits for a line so its pid is watched before cat (its child) opens the file.
  const child = spawn('/bin/sh', ['-c', `read line; exec 3>&-; cat "${target}" > /dev/null`], {
    stdio: ['pipe', 'ignore', 'inherit'],
  });
  t.after(() => child.kill('SIGKILL'));
  assert.ok(child.pid);
  obj.map('watched').set(u32(child.pid), Buffer.from([1]));
  child.stdin.end('go\n');
  const exited = new Promise((r) => child.on('exit', r));

  const seen = await waitFor(() => records.some((r) => r.kind === 'test_open' && r.path === target));
  await exited;
  reader.stop();
  assert.ok(seen, `no openat event for ${target}; got ${records.length} records`);
  const ev = records.find((r) => r.kind === 'test_open' && r.path === target);
  assert.ok(ev?.kind === 'test_open');
  assert.equal(ev.task.comm, 'cat');
  assert.equal(ev.task.ppid, child.pid, 'cat is the child of the watched sh');
  assert.equal(ev.task.uid, 0);
  assert.equal(ev.cookie, cookie, 'rodata written before load reached the kernel');
  assert.ok(ev.hdr.ktime > 0n);
  assert.equal(statSum(obj, STAT.VIGIL_STAT_RINGBUF_FULL), 0n);
  assert.ok(
    records.every((r) => r.kind === 'test_open'),
    'only watched tasks were reported',
  );
});

test('map round-trips: element ops, iteration, batches, per-CPU values', async (t) => {
  if (!(await requires(t, 'root', 'tracepoint', 'ringbuf', 'prog_run', 'cgroup_connect4'))) return;
  const obj = openTestObject(t);
  const kv = obj.map('kv');
  const key = (a: number, b: number) => encodeStruct(TestKey, { a, b });

  assert.equal(kv.get(key(1, 2)), undefined);
  kv.set(key(1, 2), u64(42n));
  assert.equal(kv.get(key(1, 2))?.readBigUInt64LE(0), 42n);
  assert.throws(
    () => {
      kv.set(key(1, 2), u64(43n), 'noexist');
    },
    (e: unknown) => e instanceof BpfError && e.errnoCode === 'EEXIST' && e.op === 'update',
  );
  assert.equal(kv.delete(key(1, 2)), true);
  assert.equal(kv.delete(key(1, 2)), false);

  const entries = Array.from({ length: 300 }, (_, i) => [key(i, i % 7), u64(BigInt(i * 10))] as const);
  kv.setMany(entries);
  assert.equal(kv.batched, true, 'hash maps take batch updates on this kernel');
  const back = new Map([...kv.entries(64)].map(([k, v]) => [k.readUInt32LE(0), v.readBigUInt64LE(0)]));
  assert.equal(back.size, 300);
  for (let i = 0; i < 300; i++) assert.equal(back.get(i), BigInt(i * 10));
  assert.equal([...kv.keys()].length, 300);
  assert.equal(kv.deleteMany(entries.slice(0, 100).map((e) => e[0])), 100);
  assert.equal([...kv.entries()].length, 200);

  // Array maps: every index exists; iteration sees all of them.
  const settings = obj.map('settings');
  settings.set(u32(3), u64(7n));
  assert.equal(settings.get(u32(3))?.readBigUInt64LE(0), 7n);
  assert.equal([...settings.entries()].length, 4);

  // Per-CPU: one slot per possible CPU.
  const stats = obj.map('vigil_stats');
  assert.equal(stats.info.perCpu, true);
  assert.ok(stats.perCpu(stats.get(u32(0)) ?? Buffer.alloc(0)).length >= 1);

  assert.throws(() => kv.get(Buffer.alloc(3)), BridgeArgumentError);
  assert.throws(() => {
    kv.set(key(0, 0), Buffer.alloc(4));
  }, /values are 8 bytes, got 4/);
});

test('ring buffer: records arrive in batches, and BPF_PROG_RUN returns through the context', async (t) => {
  if (!(await requires(t, 'root', 'tracepoint', 'ringbuf', 'prog_run', 'cgroup_connect4'))) return;
  const obj = openTestObject(t);
  let received = 0;
  let calls = 0;
  const seqs: number[] = [];
  const reader = obj.ringBuffer('events', (recs) => {
    calls++;
    received += recs.length;
    for (const r of recs) {
      const d = decodeRecord(r);
      if (d.kind === 'test_echo') seqs.push(d.seq);
    }
  });
  reader.start();
  const n = 2000;
  const run = obj.testRun('test_echo', encodeStruct(TestEchoCtx, { value: 40n, count: n }));
  assert.equal(run.retval, 40 + n);
  assert.ok(await waitFor(() => received >= n), `received ${received} of ${n}`);
  reader.stop();
  assert.equal(received, n);
  assert.deepEqual(
    seqs,
    Array.from({ length: n }, (_, i) => i),
    'in order, none missing',
  );
  assert.ok(calls < n, `delivered in batches (${calls} JS calls for ${n} records)`);
  const s = reader.stats();
  assert.equal(s.records, n);
  assert.equal(s.handlerErrors, 0);
  assert.equal(statSum(obj, STAT.VIGIL_STAT_RINGBUF_FULL), 0n);
});

test('reuseMap: a second object shares the maps of the first (written by one, seen by the other)', async (t) => {
  if (!(await requires(t, 'root', 'tracepoint', 'ringbuf', 'prog_run', 'cgroup_connect4'))) return;
  const first = openTestObject(t);
  const second = BpfObject.open(OBJECT);
  t.after(() => {
    second.close();
  });
  second.reuseMap('events', first.map('events'));
  second.reuseMap('kv', first.map('kv'));
  second.load();

  // a map element written through one object is the other's
  const key = encodeStruct(TestKey, { a: 7, b: 9 });
  second.map('kv').set(key, u64(42n));
  assert.equal(first.map('kv').get(key)?.readBigUInt64LE(0), 42n);
  assert.equal(first.map('kv').info.id, second.map('kv').info.id, 'one kernel map');
  assert.notEqual(first.map('settings').info.id, second.map('settings').info.id, 'others stay separate');

  // a record the second object's program writes arrives on the first object's ring
  const seqs: number[] = [];
  const reader = first.ringBuffer('events', (recs) => {
    for (const r of recs) {
      const d = decodeRecord(r);
      if (d.kind === 'test_echo') seqs.push(d.seq);
    }
  });
  reader.start();
  const run = second.testRun('test_echo', encodeStruct(TestEchoCtx, { value: 1n, count: 3 }));
  assert.equal(run.retval, 4);
  assert.ok(await waitFor(() => seqs.length >= 3), `received ${seqs.length} of 3`);
  reader.stop();
  assert.deepEqual(seqs, [0, 1, 2]);

  // misuse is refused with the names involved
  assert.throws(() => {
    second.reuseMap('kv', first.map('kv'));
  }, /is loaded: reuse map 'kv' before load/);
  const third = BpfObject.open(OBJECT);
  t.after(() => {
    third.close();
  });
  assert.throws(() => {
    third.reuseMap('kv', first.map('settings'));
  }, /cannot reuse map 'settings' \(array 4\/8 x4\) as 'kv' of .*\(hash 8\/8 x1024\): the declarations differ/);
  assert.throws(() => {
    third.reuseMap('nope', first.map('kv'));
  }, /has no map 'nope'/);
});

test('a full ring buffer loses records, and the kernel counts exactly how many', async (t) => {
  if (!(await requires(t, 'root', 'tracepoint', 'ringbuf', 'prog_run', 'cgroup_connect4'))) return;
  const obj = openTestObject(t, { echo_flags: 1 }); // echo into the 4 KiB buffer
  let received = 0;
  const reader = obj.ringBuffer('small_events', (recs) => {
    received += recs.length;
  });
  const n = 1000;
  obj.testRun('test_echo', encodeStruct(TestEchoCtx, { value: 1n, count: n }));
  reader.drain();
  const lost = statSum(obj, STAT.VIGIL_STAT_RINGBUF_FULL);
  assert.ok(received > 0 && received < n, `some fit, some did not (${received})`);
  assert.equal(BigInt(received) + lost, BigInt(n), 'received + counted losses = produced');
});

test('a record handler that throws does not stop delivery', async (t) => {
  if (!(await requires(t, 'root', 'tracepoint', 'ringbuf', 'prog_run', 'cgroup_connect4'))) return;
  const obj = openTestObject(t);
  const errors: unknown[] = [];
  let batches = 0;
  const reader = obj.ringBuffer(
    'events',
    () => {
      batches++;
      throw new Error('handler bug');
    },
    { onError: (e) => errors.push(e) },
  );
  obj.testRun('test_echo', encodeStruct(TestEchoCtx, { value: 0n, count: 3 }));
  reader.drain();
  obj.testRun('test_echo', encodeStruct(TestEchoCtx, { value: 0n, count: 3 }));
  reader.drain();
  assert.equal(batches, 2);
  assert.equal(errors.length, 2);
  assert.equal(reader.stats().handlerErrors, 2);
});

test('pinned maps and links outlive their object and reopen by path', async (t) => {
  if (!(await requires(t, 'root', 'tracepoint', 'ringbuf', 'prog_run', 'cgroup_connect4'))) return;
  ensureMount('tracefs');
  const dir = testPinDir(t, 'pins');
  const obj = openTestObject(t);
  obj.map('settings').set(u32(1), u64(99n));
  obj.map('settings').pin(join(dir, 'settings'));
  const link = obj.attach('test_openat');
  link.pin(join(dir, 'openat_link'));
  const progId = link.info().progId;
  assert.ok(progId !== undefined && progIdLoaded(progId));
  obj.close();

  // The object is gone; the pins keep the map and the attached program.
  assert.ok(progIdLoaded(progId), 'a pinned link keeps its program attached');
  const map = openPinnedMap(join(dir, 'settings'));
  t.after(() => {
    map.close();
  });
  assert.equal(map.get(u32(1))?.readBigUInt64LE(0), 99n);
  const reopened = openPinnedLink(join(dir, 'openat_link'));
  assert.equal(reopened.info().progId, progId);
  reopened.unpin();
  reopened.destroy();
  assert.ok(
    spawnSync('sh', [
      '-c',
      `for i in $(seq 50); do bpftool prog show id ${progId} >/dev/null 2>&1 || exit 0; sleep 0.02; done; exit 1`,
    ]).status === 0,
    'unpinned and released, the program is gone from the kernel',
  );
  assert.throws(
    () => openPinnedMap(join(dir, 'nope')),
    (e: unknown) => e instanceof BpfError && e.errnoCode === 'ENOENT',
  );
});

test('cgroup programs attach to a cgroup the test made, and detach', async (t) => {
  if (!(await requires(t, 'root', 'tracepoint', 'ringbuf', 'prog_run', 'cgroup_connect4'))) return;
  const cg = testCgroup(t, 'bridge');
  const obj = openTestObject(t);
  const link = obj.attach('test_connect4', { cgroupPath: cg });
  assert.equal(link.info().type, 'cgroup');
  link.destroy();
});

test('attachAll reports each program: linked, or the error with its errno', async (t) => {
  if (!(await requires(t, 'root', 'tracepoint', 'ringbuf', 'prog_run', 'cgroup_connect4'))) return;
  ensureMount('tracefs');
  const obj = openTestObject(t);
  const report = obj.attachAll();
  const byName = new Map(report.map((r) => [r.program, r]));
  assert.equal(byName.get('test_openat')?.ok, true);
  const cg = byName.get('test_connect4');
  assert.ok(cg && !cg.ok);
  assert.match(cg.error.message, /attaches to a cgroup: give cgroupPath/);
  const sys = byName.get('test_echo');
  assert.ok(sys && !sys.ok, 'syscall programs cannot be attached');
  assert.match(sys.error.errnoCode, /^E/);
});

test('errors are typed and name what went wrong', async (t) => {
  if (!(await requires(t, 'root', 'tracepoint', 'ringbuf', 'prog_run', 'cgroup_connect4'))) return;
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bridge-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const corrupt = join(dir, 'corrupt.bpf.o');
  writeFileSync(corrupt, Buffer.from('\x7fELF this is not an object'));
  assert.throws(
    () => BpfObject.open(corrupt),
    (e: unknown) =>
      e instanceof BpfError && e.op === 'open' && e.target === corrupt && e.code.startsWith('LIBBPF_ERRNO__'),
  );
  assert.throws(
    () => BpfObject.open(join(dir, 'missing.o')),
    (e: unknown) => e instanceof BpfError && e.errnoCode === 'ENOENT',
  );

  const obj = openTestObject(t);
  assert.throws(
    () => obj.attach('no_such_prog'),
    /has no program 'no_such_prog' \(has: test_openat, test_echo, test_connect4\)/,
  );
  assert.throws(() => obj.map('no_such_map'), /has no map 'no_such_map'/);
  assert.throws(
    () => obj.attach('test_connect4', { cgroupPath: '/sys/fs/cgroup/unified/vigil-test/does-not-exist' }),
    (e: unknown) =>
      e instanceof BpfError && e.errnoCode === 'ENOENT' && e.op === 'attach' && e.target === 'test_connect4',
  );

  const fresh = BpfObject.open(OBJECT);
  t.after(() => {
    fresh.close();
  });
  assert.throws(() => {
    fresh.setConfig({ no_such_var: 1 });
  }, /has no config variable 'no_such_var' \(has: test_cookie, echo_flags\)/);
  assert.throws(() => {
    fresh.setConfig({ echo_flags: 2 ** 32 });
  }, /cannot hold 4294967296/);
  assert.throws(() => {
    fresh.setConfig({ echo_flags: -1 });
  }, /cannot hold -1/);
  assert.throws(
    () => {
      fresh.attach('test_openat');
    },
    (e: unknown) =>
      e instanceof BpfError && e.errnoCode === 'EINVAL' && /load the object before/.test(e.message),
  );

  const closed = obj.map('settings');
  obj.close();
  assert.throws(
    () => closed.get(u32(0)),
    (e: unknown) => e instanceof BpfError && e.errnoCode === 'EBADF',
  );
});

test('a verifier rejection carries the verifier log', async (t) => {
  if (!(await requires(t, 'root', 'tracepoint', 'ringbuf', 'prog_run', 'cgroup_connect4'))) return;
  // A program that dereferences a plain number is refused by every verifier.
  const obj = BpfObject.open(bpfObject('test/verifier_reject.bpf.o'));
  t.after(() => {
    obj.close();
  });
  assert.throws(
    () => {
      obj.load();
    },
    (e: unknown) =>
      e instanceof BpfError &&
      e.op === 'load' &&
      e.errnoCode === 'EACCES' &&
      /invalid mem access 'scalar'/.test(e.log),
  );
});
