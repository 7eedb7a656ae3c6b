// What the daemon asks of a session's Landlock grants: the rights granted at a path (a rule on
// it or on any folder above it), to tell whether an EACCES can have come from the ruleset.
import type { LandlockGrant } from './landlock-rights.js';

/** The rights Landlock grants at `path` (rules on it or on any folder above it), lexically. */
export function rightsAt(index: ReadonlyMap<string, number>, path: string): number {
  let rights = 0;
  for (let p = path; ; p = parentOf(p)) {
    rights |= index.get(p) ?? 0;
    if (p === '/') return rights;
  }
}

export function grantIndex(grants: readonly LandlockGrant[]): Map<string, number> {
  const index = new Map<string, number>();
  for (const g of grants) index.set(g.path, (index.get(g.path) ?? 0) | g.rights);
  return index;
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}
