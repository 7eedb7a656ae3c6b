// What kernel tests share: the root check (a test that cannot run says why), a test-only bpffs
// folder and test-only cgroups that are removed even when the test fails, and waiting helpers.
import { mkdirSync, readdirSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

import { createCgroup, removeCgroup } from '../../src/system/cgroup.js';
import { ensureMount } from '../../src/system/mounts.js';

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** Skips the test, printing the reason, unless it runs as root. Returns whether it may run. */
export function needsRoot(t: TestContext): boolean {
  if (isRoot()) return true;
  t.skip('needs root (CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN): run the kernel tests as root, as CI does');
  return false;
}

/** A fresh folder under bpffs for this test's pins; removed (pins included) after the test. */
export function testPinDir(t: TestContext, name: string): string {
  const dir = join(ensureMount('bpf'), `vigil-test-${process.pid}-${name}`);
  mkdirSync(dir, { recursive: true });
  t.after(() => {
    for (const f of readdirSync(dir)) unlinkSync(join(dir, f));
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** A fresh cgroup v2 leaf for this test; removed after the test (it must be empty by then). */
export function testCgroup(t: TestContext, name: string): string {
  const path = createCgroup(join('vigil-test', `${process.pid}-${name}`));
  t.after(() => {
    removeCgroup(path);
    try {
      removeCgroup(join(path, '..'));
    } catch {
      // another test's leaf is still there; the last one out removes vigil-test
    }
  });
  return path;
}

/** Polls `done` every 10 ms until it is true or `ms` pass; returns its last value. */
export async function waitFor(done: () => boolean, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}
