// Adopting a running process and all its descendants into a session. The root goes in first;
// from then on the kernel adds every new child itself, so walking /proc until no new process
// appears leaves no gap: a child forked before the root was watched is found by the walk, one
// forked after by the kernel.
import { childrenOf } from '../system/proc-fs.js';

export interface Watcher {
  watchProcess(tgid: number, session: number, options?: { root?: boolean }): boolean;
}

/** Returns the tgids adopted (the root first); empty when the root is gone. */
export function adoptTree(kernel: Watcher, rootPid: number, session: number): number[] {
  if (!kernel.watchProcess(rootPid, session, { root: true })) return [];
  const adopted = [rootPid];
  const seen = new Set(adopted);
  for (let changed = true; changed;) {
    changed = false;
    for (const pid of [...seen]) {
      for (const child of childrenOf(pid)) {
        if (seen.has(child)) continue;
        seen.add(child);
        if (kernel.watchProcess(child, session)) {
          adopted.push(child);
          changed = true;
        }
      }
    }
  }
  return adopted;
}
