// cgroup v2 folders: finding the unified hierarchy, making and removing leaves, moving
// processes in. vigil's own leaves live under <root>/vigil/, tests' under <root>/vigil-test/.
import { mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { SystemError } from '../errors.js';
import { findMount } from './mounts.js';

export function cgroup2Root(): string | undefined {
  return findMount('cgroup2')?.mountPoint;
}

export function requireCgroup2Root(): string {
  const root = cgroup2Root();
  if (root === undefined) {
    throw new SystemError('VIGIL_NO_CGROUP2', 'no cgroup v2 hierarchy is mounted');
  }
  return root;
}

/** Creates (parents included) a cgroup folder below the v2 root; returns its absolute path. */
export function createCgroup(relative: string): string {
  const path = join(requireCgroup2Root(), relative);
  mkdirSync(path, { recursive: true });
  return path;
}

export function moveToCgroup(path: string, pid: number): void {
  writeFileSync(join(path, 'cgroup.procs'), `${pid}\n`);
}

/**
 * Removes an empty cgroup folder, retrying briefly: the kernel frees a cgroup a moment after
 * its last process exits. Missing folders are fine.
 */
export function removeCgroup(path: string, attempts = 50): void {
  for (let i = 0; ; i++) {
    try {
      rmdirSync(path);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || i >= attempts) throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
}
