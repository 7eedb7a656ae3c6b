// Reloading profiles in a running daemon: a good reload swaps the kernel tables so the next
// open is decided by the new rules; a broken profile leaves the previous policy fully in force.
// The denied-inode table follows the swap: hard links are decided by the profile in force, and
// the entries of a table that was swapped out or unloaded are gone from the kernel.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, linkSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';

import { BpfObject } from '../../src/bridge/bpf-object.js';
import { decodeStruct } from '../../src/wire/struct-layout.js';
import { PolicyInodeKey } from '../../src/wire/wire-layout.js';
import { PolicyTables } from '../../src/loader/policy-tables.js';
import { loadProfileText } from '../../src/policy/load-profile.js';
import type { AuditLine } from '../../src/sinks/audit-schema.js';
import { waitFor } from '../support/kernel.js';
import { requires } from '../support/requires.js';
import { bpfObject, repoRoot } from '../support/paths.js';
import { readAuditLog } from '../support/audit-log.js';

const VIGIL = join(repoRoot, 'dist/src/cli/main.js');

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-reload-'));
  chmodSync(dir, 0o755);
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

function profileText(denied: string[]): string {
  const list = denied.length === 0 ? ' []' : denied.map((d) => `\n  - ${d}`).join('');
  return `name: reload-test\ndefault_policy: allow\ndenied_paths:${list}\n`;
}

function lines(file: string): AuditLine[] {
  try {
    return readAuditLog(file);
  } catch {
    return [];
  }
}

test('vigil profile reload: a good profile takes over atomically, a broken one changes nothing', async (t) => {
  if (!(await requires(t, 'root', 'tp_btf', 'tracepoint'))) return;
  const dir = tempDir(t);
  const a = join(dir, 'a.txt');
  const b = join(dir, 'b.txt');
  writeFileSync(a, 'a');
  writeFileSync(b, 'b');
  // hard links, allowed by path: the inode table of the profile in force decides them
  mkdirSync(join(dir, 'links'));
  linkSync(a, join(dir, 'links', 'a'));
  linkSync(b, join(dir, 'links', 'b'));
  const profile = join(dir, 'p.yaml');
  writeFileSync(profile, profileText([b]));
  const log = join(dir, 'audit.jsonl');
  // Each round waits for its gate file, then reads a, b and their links; sh reports a killed reader.
  const round = (n: number) =>
    `while [ ! -e ${dir}/go${n} ]; do sleep 0.05; done; cat ${a} >/dev/null; echo "r${n}a $?"; ` +
    `cat ${dir}/links/a >/dev/null; echo "r${n}la $?"; cat ${dir}/links/b >/dev/null; echo "r${n}lb $?"; ` +
    `cat ${b} >/dev/null; echo "r${n}b $?"`;
  const run = spawn(
    process.execPath,
    [
      VIGIL,
      'run',
      '--profile',
      profile,
      '--audit-log',
      log,
      '--',
      '/bin/sh',
      '-c',
      [1, 2, 3].map(round).join('; '),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  t.after(() => {
    if (run.exitCode === null) run.kill('SIGKILL');
  });
  let out = '';
  run.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const go = async (n: number, expect: string) => {
    writeFileSync(join(dir, `go${n}`), '');
    assert.ok(await waitFor(() => out.includes(`r${n}b`), 15_000), `round ${n} ran: ${out}`);
    assert.match(out, new RegExp(expect));
  };
  assert.ok(await waitFor(() => lines(log).length > 0, 15_000), 'the session started');

  // Round 1: the profile as loaded: b denied (the reader is killed: 137), a allowed.
  await go(1, 'r1a 0\\nr1la 0\\nr1lb 137\\nr1b 137');

  // A broken profile: the reload fails with the file's position and the old tables stay.
  writeFileSync(profile, 'name: reload-test\ndefault_policy: perhaps\n');
  const bad = spawnSync(process.execPath, [VIGIL, 'profile', 'reload'], { encoding: 'utf8' });
  assert.equal(bad.status, 4, bad.stderr);
  assert.match(bad.stderr, /kept the previous reload-test/);
  assert.match(bad.stderr, /p\.yaml:2:\d+/);
  await go(2, 'r2a 0\nr2la 0\nr2lb 137\nr2b 137');

  // A good profile: now a is denied and b allowed, from the next open on.
  writeFileSync(profile, profileText([a]));
  const good = spawnSync(process.execPath, [VIGIL, 'profile', 'reload'], { encoding: 'utf8' });
  assert.equal(good.status, 0, good.stderr);
  assert.match(good.stdout, /reloaded reload-test/);
  await go(3, 'r3a 137\nr3la 137\nr3lb 0\nr3b 0');

  await new Promise((r) => run.once('exit', r));
  const kills = lines(log).filter((l) => l.action === 'KILL' && l.event === 'file_open');
  assert.deepEqual(
    kills.map((l) => (l.event === 'file_open' ? l.path : '')),
    [`${dir}/links/b`, b, `${dir}/links/b`, b, a, `${dir}/links/a`],
    'each kill names the file the rule in force denied (through a link: by its inode)',
  );
});

test('denied inodes: a reload writes them under the new table id and deletes the old ones; unload empties them', async (t) => {
  if (!(await requires(t, 'root'))) return;
  const dir = tempDir(t);
  for (const f of ['one', 'two', 'three']) writeFileSync(join(dir, f), f);
  const obj = BpfObject.open(bpfObject('agent/vigil.bpf.o'));
  t.after(() => {
    obj.close();
  });
  obj.load(); // loaded, never attached: only its maps are used
  const tables = new PolicyTables(obj, { denyInodes: true });
  const inodes = () =>
    [...obj.map('policy_inodes').keys()].map((k) => decodeStruct(PolicyInodeKey, k).table).sort();
  const profile = (denied: string) =>
    loadProfileText(`name: inodes\ndefault_policy: allow\ndenied_paths:\n  - ${denied}\n`, 'inodes.yaml');

  const first = tables.load(7, profile(`${dir}/**`));
  assert.deepEqual(first.inodes && [first.inodes.entries, first.inodes.overflow], [3, 0]);
  assert.deepEqual(inodes(), [first.tableId, first.tableId, first.tableId]);

  const second = tables.load(7, profile(`${dir}/t*`));
  assert.notEqual(second.tableId, first.tableId);
  assert.deepEqual(inodes(), [second.tableId, second.tableId], 'two, three; the old table has none left');

  tables.unload(7);
  assert.deepEqual(inodes(), [], 'unloading empties the table');
});
