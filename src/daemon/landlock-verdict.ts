// Who refused a failed open under a session's Landlock ruleset. The tracepoint reports the open
// with -EACCES and the path as requested, without a verdict (no hook of vigil's decided). The
// line says BLOCK by `landlock`, inline, only when Landlock must have been the one: the session's
// launcher reported the ruleset in force, the path is outside what the ruleset grants, and the
// file's own permissions would have let the user do it. Otherwise it stays an observed failure
// (a user reading a root-only file gets EACCES from the permissions, not from Landlock).
import { readlinkSync, realpathSync, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';

import type { AgentEvent, FileEventData } from '../decode/events.js';
import { evaluate, type OpenAccess } from '../policy/evaluate.js';
import { FS, HANDLED_RIGHTS, rightsAt } from '../policy/landlock-plan.js';
import type { Decision } from '../sinks/audit-line.js';
import type { LauncherCreds } from './control-protocol.js';
import type { Session } from './sessions.js';

const EACCES = 13;
const O_ACCMODE = 3;
const O_CREAT = 0o100;
const O_TRUNC = 0o1000;
const O_PATH = 0o10000000;

export const LANDLOCK_BACKEND = 'landlock';

/** The decision for an open Landlock refused; undefined when it cannot be shown it did. */
export function landlockDecision(ev: AgentEvent, s: Session): Decision | undefined {
  if (ev.kind !== 'file_open' || ev.verdict !== undefined || ev.ret !== -EACCES) return undefined;
  if ((ev.openFlags & O_PATH) !== 0) return undefined; // Landlock does not check O_PATH opens
  const grants = s.landlockGrants();
  const creds = s.landlock?.creds ?? null;
  if (grants === undefined || creds === null) return undefined;
  const path = absolutePath(ev);
  if (path === undefined) return undefined;
  const target = inspect(path);
  if (target === undefined) return undefined;
  const access = accessOf(ev.openFlags);
  // a right the ruleset does not handle is never refused by it (auto on a default-allow
  // profile handles TRUNCATE alone: other EACCES are the kernel's own, e.g. /proc/PID/environ)
  const needed = neededRights(ev, target, s.landlock?.abi ?? 0) & (s.landlock?.handled ?? HANDLED_RIGHTS);
  const granted = rightsAt(grants, path) | rightsAt(grants, target.real);
  if (needed === 0 || (needed & ~granted) === 0) return undefined;
  if (!permitted(creds, target, access)) return undefined;
  return decide(ev, s, target.real, access);
}

function decide(ev: FileEventData, s: Session, path: string, access: OpenAccess): Decision {
  const d = evaluate(s.profile.profile, { kind: 'open', path, access });
  const what = `open of ${ev.path}`;
  if (d.action === 'KILL') {
    return {
      action: 'KILL',
      enforcement: 'inline',
      rule: d.rule,
      reason: `${what} refused by Landlock (EACCES): ${d.reason}; vigil killed the process`,
      backend: LANDLOCK_BACKEND,
    };
  }
  if (d.action === 'BLOCK') {
    return {
      action: 'BLOCK',
      enforcement: 'inline',
      rule: d.rule,
      reason: `${what} refused by Landlock (EACCES): ${d.reason}`,
      backend: LANDLOCK_BACKEND,
    };
  }
  // The ruleset is a snapshot of the start: what was created since inside a carved folder, or
  // did not exist then, has no rule, though the profile allows it.
  return {
    action: 'BLOCK',
    enforcement: 'inline',
    rule: null,
    reason: `${what} refused by Landlock (EACCES), though the profile allows it (${d.reason}): the ruleset was made at the session's start and grants nothing to a file created since inside a carved folder, or to a path that did not exist then`,
    backend: LANDLOCK_BACKEND,
  };
}

/** The requested path made absolute against the process's cwd (best effort: not against a dirfd). */
export function absolutePath(ev: FileEventData): string | undefined {
  const self = `/proc/${ev.task.tgid}`;
  const path = ev.path.replace(/^\/proc\/(self|thread-self)(?=\/|$)/, self);
  if (path.startsWith('/')) return resolve(path);
  try {
    return resolve(readlinkSync(`${self}/cwd`), path);
  } catch {
    return undefined; // the process is gone: its cwd is unknown
  }
}

interface Target {
  /** the real path of the file, or of the path it would be created at */
  real: string;
  /** the file, when it exists */
  stat: Stats | undefined;
  /** the folders to search on the way, and the folder it would be created in */
  dirs: string[];
}

function inspect(path: string): Target | undefined {
  try {
    const real = realpathSync(path);
    return { real, stat: statSync(real), dirs: ancestors(dirname(real)) };
  } catch {
    // not there (O_CREAT): the folder it would be created in must exist
  }
  try {
    const parent = realpathSync(dirname(path));
    const real = resolve(parent, path.slice(path.lastIndexOf('/') + 1));
    return { real, stat: undefined, dirs: ancestors(parent) };
  } catch {
    return undefined;
  }
}

function ancestors(dir: string): string[] {
  const out: string[] = [];
  for (let d = dir; ; d = dirname(d)) {
    out.push(d);
    if (d === '/') return out;
  }
}

function accessOf(flags: number): OpenAccess {
  const mode = flags & O_ACCMODE;
  return mode === 1 ? 'write' : mode === 2 ? 'read-write' : 'read';
}

/** The Landlock rights this open needs (as landlock's file_open and path_mknod hooks ask). */
function neededRights(ev: FileEventData, target: Target, abi: number): number {
  const access = accessOf(ev.openFlags);
  const reads = access !== 'write';
  const writes = access !== 'read';
  if (target.stat === undefined) return (ev.openFlags & O_CREAT) !== 0 ? FS.MAKE_REG : 0;
  if (target.stat.isDirectory()) return reads ? FS.READ_DIR : 0;
  let needed = (reads ? FS.READ_FILE : 0) | (writes ? FS.WRITE_FILE : 0);
  if ((ev.openFlags & O_TRUNC) !== 0 && abi >= 3) needed |= FS.TRUNCATE;
  return needed;
}

/** Whether the file's mode bits let these creds do the open (root passes; ACLs are not read). */
function permitted(creds: LauncherCreds, target: Target, access: OpenAccess): boolean {
  if (creds.uid === 0) return true;
  try {
    for (const dir of target.dirs) if (!allows(creds, statSync(dir), 1)) return false;
  } catch {
    return false;
  }
  try {
    // creating: write and search on the folder it goes into
    if (target.stat === undefined) return allows(creds, statSync(target.dirs[0] ?? '/'), 3);
  } catch {
    return false;
  }
  const want = access === 'read' ? 4 : access === 'write' ? 2 : 6;
  return allows(creds, target.stat, want);
}

function allows(creds: LauncherCreds, st: Stats, want: number): boolean {
  const bits =
    st.uid === creds.uid
      ? (st.mode >> 6) & 7
      : st.gid === creds.gid || creds.groups.includes(st.gid)
        ? (st.mode >> 3) & 7
        : st.mode & 7;
  return (bits & want) === want;
}
