// The denied-inode table's user-space half: which files a profile's denied rules name on disk,
// with which verdict per access, within the bound; and stat(2)'s device number in the kernel's
// encoding. No root, no kernel: a temp folder.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';

import { decodeStruct } from '../../../src/wire/struct-layout.js';
import { PolicyInode, PolicyInodeKey } from '../../../src/wire/wire-layout.js';
import { denyInodeWrites, describeInodes, kernelDev } from '../../../src/policy/deny-inodes.js';
import { loadProfileText } from '../../../src/policy/load-profile.js';

/** glibc's makedev: the st_dev stat(2) reports. */
function makedev(major: bigint, minor: bigint): bigint {
  return ((major & 0xfffn) << 8n) | ((major & ~0xfffn) << 32n) | (minor & 0xffn) | ((minor & ~0xffn) << 12n);
}

test('st_dev is converted to the kernel encoding MAJOR << 20 | MINOR', () => {
  assert.equal(kernelDev(makedev(254n, 0n)), 254 << 20);
  assert.equal(kernelDev(makedev(0n, 45n)), 45);
  assert.equal(kernelDev(makedev(259n, 300n)), (259 << 20) | 300);
  assert.equal(kernelDev(makedev(4095n, 0xfffffn)), ((4095 << 20) | 0xfffff) >>> 0);
});

function tree(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-inodes-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  mkdirSync(join(dir, 'keys', 'sub'), { recursive: true });
  mkdirSync(join(dir, 'elsewhere'));
  writeFileSync(join(dir, 'keys', 'id'), 'k');
  writeFileSync(join(dir, 'keys', 'sub', 'deep'), 'd');
  writeFileSync(join(dir, 'elsewhere', 'target'), 't');
  writeFileSync(join(dir, 'elsewhere', 'not-walked'), 'n');
  symlinkSync(join(dir, 'elsewhere', 'target'), join(dir, 'keys', 'to-file'));
  symlinkSync(join(dir, 'elsewhere'), join(dir, 'keys', 'to-dir'));
  writeFileSync(join(dir, 'shadow'), 's');
  writeFileSync(join(dir, 'shadow-'), 's');
  writeFileSync(join(dir, 'rc'), 'r');
  return dir;
}

interface Entry {
  file: string;
  action: number[];
  rule: number[];
}

/** The entries by file name (within `dir`), decoded. */
function entries(
  dir: string,
  writes: readonly { key: Buffer; value: Buffer }[],
  more: string[] = [],
): Entry[] {
  const byIno = new Map<bigint, string>();
  const files = [
    ...more,
    'keys/id',
    'keys/sub/deep',
    'elsewhere/target',
    'elsewhere/not-walked',
    'shadow',
    'shadow-',
    'rc',
  ];
  for (const f of files) byIno.set(statSync(join(dir, f), { bigint: true }).ino, f);
  return writes
    .map((w) => {
      const k = decodeStruct(PolicyInodeKey, w.key);
      const v = decodeStruct(PolicyInode, w.value);
      return {
        file: byIno.get(k.ino) ?? `?${k.ino}`,
        action: [...v.action],
        rule: [0, 1, 2].map((i) => v.rule.readUInt16LE(i * 2)),
      };
    })
    .sort((a, b) => a.file.localeCompare(b.file));
}

test('exact names, trees, last-component globs; symlinked files followed, symlinked folders not', (t) => {
  const dir = tree(t);
  const profile = loadProfileText(
    [
      'name: inodes',
      'default_policy: allow',
      'denied_paths:',
      `  - ${dir}/keys/**`, // 0
      `  - ${dir}/shadow*`, // 1
      `  - pattern: ${dir}/rc`, // 2
      '    access: write',
      `  - pattern: ${dir}/shadow`, // 3: a stronger action on a file rule 1 names too
      '    action: kill',
      '  - /**/.env', // 4: not enumerable
      `  - ${dir}/*/id`, // 5: wildcard in an inner component: expanded (keys/id, already rule 0's)
      '  - /proc/*/environ', // 6: /proc: not enumerable
      '',
    ].join('\n'),
    'inodes.yaml',
  );
  const { writes, figures } = denyInodeWrites(profile, 3);
  assert.ok(writes.every((w) => decodeStruct(PolicyInodeKey, w.key).table === 3));
  const dev = kernelDev(statSync(dir, { bigint: true }).dev);
  assert.ok(writes.every((w) => decodeStruct(PolicyInodeKey, w.key).dev === dev));
  assert.deepEqual(entries(dir, writes), [
    { file: 'elsewhere/target', action: [2, 2, 2], rule: [0, 0, 0] },
    { file: 'keys/id', action: [2, 2, 2], rule: [0, 0, 0] },
    { file: 'keys/sub/deep', action: [2, 2, 2], rule: [0, 0, 0] },
    { file: 'rc', action: [0, 2, 2], rule: [0, 2, 2] },
    { file: 'shadow', action: [3, 3, 3], rule: [3, 3, 3] },
    { file: 'shadow-', action: [2, 2, 2], rule: [1, 1, 1] },
  ]);
  assert.deepEqual(figures, {
    entries: 6,
    overflow: 0,
    walkCut: false,
    bound: 32768,
    notEnumerable: ['denied_paths[4]', 'denied_paths[6]'],
  });
});

test('inner wildcards are expanded a folder at a time: /home/*/.ssh/** reaches every home', (t) => {
  const dir = tree(t);
  for (const user of ['ann', 'bob']) {
    mkdirSync(join(dir, 'home', user, '.ssh'), { recursive: true });
    writeFileSync(join(dir, 'home', user, '.ssh', 'id_ed25519'), user);
  }
  writeFileSync(join(dir, 'home', 'not-a-home'), 'x');
  const profile = loadProfileText(
    `name: h\ndefault_policy: allow\ndenied_paths:\n  - ${dir}/home/*/.ssh/**\n  - ${dir}/home/*/.ssh/id_*\n`,
    'h.yaml',
  );
  const { writes, figures } = denyInodeWrites(profile, 0);
  assert.deepEqual(
    entries(dir, writes, ['home/ann/.ssh/id_ed25519', 'home/bob/.ssh/id_ed25519']).map((e) => e.file),
    ['home/ann/.ssh/id_ed25519', 'home/bob/.ssh/id_ed25519'],
  );
  assert.deepEqual(figures.notEnumerable, []);
  // the walk limit holds for expansions too
  assert.equal(denyInodeWrites(profile, 0, { walkLimit: 1 }).figures.walkCut, true);
});

test('/proc and /sys are never walked: their files are decided by path (one load listed 13,000)', () => {
  const profile = loadProfileText(
    'name: p\ndefault_policy: allow\ndenied_paths:\n  - /sys/**\n  - /proc/sys/**\n  - /proc/self/environ\n  - /proc/*/environ\n',
    'p.yaml',
  );
  const { writes, figures } = denyInodeWrites(profile, 0);
  assert.equal(figures.entries, 0);
  assert.equal(writes.length, 0);
  assert.deepEqual(figures.notEnumerable, [
    'denied_paths[0]',
    'denied_paths[1]',
    'denied_paths[2]',
    'denied_paths[3]',
  ]);
});

test('mode: audit caps every action at AUDIT, as the kernel matcher does for paths', (t) => {
  const dir = tree(t);
  const profile = loadProfileText(
    `name: a\nmode: audit\ndefault_policy: allow\ndenied_paths:\n  - pattern: ${dir}/rc\n    action: kill\n`,
    'a.yaml',
  );
  assert.deepEqual(entries(dir, denyInodeWrites(profile, 0).writes), [
    { file: 'rc', action: [1, 1, 1], rule: [0, 0, 0] },
  ]);
});

test('past the bound the rest is counted, and a walk cut short says so', (t) => {
  const dir = tree(t);
  const profile = loadProfileText(
    `name: b\ndefault_policy: allow\ndenied_paths:\n  - ${dir}/shadow\n  - ${dir}/keys/**\n`,
    'b.yaml',
  );
  const bounded = denyInodeWrites(profile, 0, { bound: 2 });
  assert.equal(bounded.figures.entries, 2);
  assert.equal(bounded.figures.overflow, 2, 'id, to-file and sub/deep found, one of them entered');
  const kept = entries(dir, bounded.writes).map((e) => e.file);
  assert.ok(kept.includes('shadow'), 'single names first');
  assert.ok(!kept.includes('keys/sub/deep'), `shallow files before deep ones: ${kept.join(', ')}`);
  assert.match(describeInodes(bounded.figures), /2 more past the bound of 2: denied by path only/);

  const cut = denyInodeWrites(profile, 0, { walkLimit: 1 });
  assert.equal(cut.figures.walkCut, true);
  assert.match(describeInodes(cut.figures), /stopped early/);
});
