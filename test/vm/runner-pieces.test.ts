// The VM runner's pure pieces, without booting anything: the initramfs archive, the rebuilt
// test tree, the static-binary check and the QEMU command line.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { cpioArchive } from '../../src/vmtest/cpio.js';
import { parseGuestResults, walkTests } from '../../src/vmtest/guest-results.js';
import { isStaticElf } from '../../src/vmtest/initramfs.js';
import type { GuestRecord } from '../../src/vmtest/jsonl-reporter.js';
import { int3OopsLine, qemuArgs, stuckLine } from '../../src/vmtest/qemu.js';

test('the newc archive unpacks with busybox cpio: dirs, files with modes, symlinks', (t) => {
  const archive = cpioArchive([
    { kind: 'dir', path: 'bin' },
    { kind: 'file', path: 'init', data: Buffer.from('#!/bin/sh\necho hi\n'), mode: 0o755 },
    { kind: 'file', path: 'bin/odd', data: Buffer.from('abc') },
    { kind: 'symlink', path: 'bin/sh', target: 'busybox' },
  ]);
  assert.equal(archive.length % 4, 0);
  const dir = mkdtempSync(join(tmpdir(), 'vigil-cpio-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  writeFileSync(join(dir, 'a.cpio'), archive);
  const r = spawnSync('busybox', ['cpio', '-idm', '-F', join(dir, 'a.cpio')], { cwd: dir, encoding: 'utf8' });
  if (r.error !== undefined) {
    t.skip('busybox is not installed (scripts/setup.sh installs busybox-static)');
    return;
  }
  assert.equal(r.status, 0, r.stderr);
  assert.equal(readFileSync(join(dir, 'init'), 'utf8'), '#!/bin/sh\necho hi\n');
  assert.equal(readFileSync(join(dir, 'bin/odd'), 'utf8'), 'abc');
  const ls = spawnSync('ls', ['-l', join(dir, 'init'), join(dir, 'bin/sh')], { encoding: 'utf8' }).stdout;
  assert.match(ls, /^-rwxr-xr-x/m);
  assert.match(ls, /sh -> busybox/);
});

test('results: children reported before their parent nest under it, per file, with output', () => {
  const rec = (r: Partial<Extract<GuestRecord, { type: 'pass' | 'fail' }>>): string =>
    JSON.stringify({
      type: 'pass',
      name: '?',
      nesting: 0,
      file: '/r/a.test.js',
      suite: false,
      skip: null,
      todo: null,
      durationMs: 1,
      error: null,
      ...r,
    });
  const lines = [
    JSON.stringify({ type: 'stdout', file: '/r/a.test.js', message: 'hello\n' }),
    rec({ name: 'leaf ok', nesting: 1 }),
    rec({
      name: 'leaf bad',
      nesting: 1,
      type: 'fail',
      error: { message: 'boom', text: 'Error: boom', failureType: null },
    }),
    rec({ name: 'suite', nesting: 0, type: 'fail', suite: true }),
    rec({ name: 'skipped', nesting: 0, skip: 'needs lsm' }),
    rec({ name: 'other file', file: '/r/b.test.js' }),
    '{"truncated',
    JSON.stringify({ type: 'diagnostic', file: null, message: 'tests 4' }),
  ];
  const s = parseGuestResults(lines.join('\n'));
  assert.equal(s.badLines, 1);
  assert.deepEqual(s.diagnostics, ['tests 4']);
  assert.deepEqual(
    s.files.map((f) => f.file),
    ['/r/a.test.js', '/r/b.test.js'],
  );
  const a = s.files[0];
  assert.ok(a);
  assert.deepEqual(a.output, ['hello\n']);
  const flat = [...walkTests(a.tests)].map(([p, g]) => `${p.join(' > ')}:${g.status}:${g.reason}`);
  assert.deepEqual(flat, [
    'suite:fail:',
    'suite > leaf ok:pass:',
    'suite > leaf bad:fail:',
    'skipped:skip:needs lsm',
  ]);
});

test('isStaticElf tells a static binary from a dynamic one', () => {
  assert.equal(isStaticElf(readFileSync(process.execPath)), false, 'node is dynamically linked');
  assert.equal(isStaticElf(Buffer.from('#!/bin/sh\n')), false);
  const bb = spawnSync('sh', ['-c', 'dpkg-query -W -f=${Status} busybox-static'], { encoding: 'utf8' });
  if (bb.stdout.includes('install ok installed'))
    assert.equal(isStaticElf(readFileSync('/bin/busybox')), true);
});

test('the host root is shared read-only and the results share writable', () => {
  const args = qemuArgs({
    kernel: 'k',
    initrd: 'i',
    append: 'a',
    shares: [
      { tag: 'hostroot', path: '/', readonly: true },
      { tag: 'results', path: '/tmp/x', readonly: false },
    ],
    consoleLog: '/tmp/c',
    accel: 'tcg',
    memoryMiB: 2048,
    cpus: 2,
    timeoutMs: 1,
  });
  const virtfs = args.filter((_, i) => args[i - 1] === '-virtfs');
  assert.deepEqual(virtfs, [
    'local,path=/,mount_tag=hostroot,security_model=none,multidevs=remap,readonly=on',
    'local,path=/tmp/x,mount_tag=results,security_model=none,multidevs=remap',
  ]);
  assert.ok(args.includes('-no-reboot'));
});

test('a guest console with a CPU stuck for a minute is recognised; shorter stalls are not', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-console-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const log = join(dir, 'console.log');
  assert.equal(stuckLine(join(dir, 'none.log')), null, 'no console yet');
  writeFileSync(log, '[  176.65] watchdog: BUG: soft lockup - CPU#0 stuck for 26s! [node:239]\n');
  assert.equal(stuckLine(log), null);
  writeFileSync(
    log,
    '[  176.65] ok\n[  232.65] watchdog: BUG: soft lockup - CPU#1 stuck for 78s! [sh:282]\n',
    {
      flag: 'a',
    },
  );
  assert.equal(stuckLine(log), '[  232.65] watchdog: BUG: soft lockup - CPU#1 stuck for 78s! [sh:282]');
});

test('a guest that oopsed on a text-patching breakpoint is recognised; other lines are not', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-oops-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const log = join(dir, 'console.log');
  assert.equal(int3OopsLine(log), null, 'no console yet');
  writeFileSync(log, '[  170.1] ok\n[  171.2] general protection fault in the test\n');
  assert.equal(int3OopsLine(log), null);
  writeFileSync(
    log,
    '[  174.213478] Oops: int3: 0000 [#1] PREEMPT SMP NOPTI\n[  174.2] RIP: 0010:syscall_exit\n',
  );
  assert.equal(int3OopsLine(log), '[  174.213478] Oops: int3: 0000 [#1] PREEMPT SMP NOPTI');
});
