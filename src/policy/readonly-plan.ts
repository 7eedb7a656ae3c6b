// The paths `vigil run` makes read-only for the agent (native/launcher/readonly.c): every path a
// denied rule forbids writing, as it exists at the start: a file (~/.profile), the folder of a
// denied tree (~/.ssh/**), or the entries a final wildcard matches (/etc/sudoers*). Bind-mounted
// read-only in the agent's own mount namespace, they refuse truncation, writes, renames and
// links over them before anything happens, where the tracepoint tier could only kill afterwards.
// What does not exist yet, wildcards before the last component and pseudo-filesystems are left
// to the other layers.
import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { enumerationSource } from './deny-inodes.js';
import type { Profile } from './profile-types.js';

/** More than this is a profile gone wrong (a wildcard matching a huge folder). */
export const READONLY_MAX = 256;
/** Per-process /proc files and devices are not made read-only; /proc/sys and /sys are. */
const pseudo = (p: string) =>
  (p.startsWith('/proc/') && !p.startsWith('/proc/sys')) || p === '/proc' || p.startsWith('/dev/');

export interface ReadonlyPlan {
  /** real paths, sorted, each once */
  readonly paths: readonly string[];
  /** ids of the write-denied rules with nothing to mount now */
  readonly left: readonly string[];
}

function real(path: string): string | undefined {
  try {
    return existsSync(path) ? realpathSync(path) : undefined;
  } catch {
    return undefined;
  }
}

/** The plan for `profile`; none in audit mode or with --audit-only (nothing may be refused). */
export function planReadonly(profile: Profile, auditOnly = false): ReadonlyPlan {
  if (profile.mode === 'audit' || auditOnly) return { paths: [], left: [] };
  const paths = new Set<string>();
  const left: string[] = [];
  for (const rule of profile.paths.denied) {
    if (rule.action === 'audit' || rule.access === 'read') continue;
    const source = enumerationSource(rule);
    let found: string[] = [];
    if (source?.kind === 'name') found = [source.path];
    else if (source?.kind === 'tree') found = [source.root];
    else if (source?.kind === 'entries') {
      try {
        found = readdirSync(source.dir)
          .map((n) => join(source.dir, n))
          .filter((p) => source.matches(p));
      } catch {
        found = [];
      }
    }
    const reals = found.flatMap((p) => {
      const r = real(p);
      return r === undefined || pseudo(r) ? [] : [r];
    });
    if (reals.length === 0) left.push(rule.id);
    for (const r of reals) if (statSync(r).isFile() || statSync(r).isDirectory()) paths.add(r);
  }
  return { paths: [...paths].sort().slice(0, READONLY_MAX), left };
}

/** Whether `path` (real) lies in one of the read-only paths. */
export function underReadonly(paths: readonly string[], path: string): string | undefined {
  return paths.find((p) => path === p || path.startsWith(p.endsWith('/') ? p : `${p}/`));
}
