// Which profile rule a Landlock refusal is attributed to. The kernel's verdict is plain: an open
// or an exec of a watched process failed with EACCES, the exit tracepoint reported it with the
// path as requested, and no hook of vigil's decided. The line states that verdict (BLOCK,
// inline, backend `landlock`, result EACCES) only when Landlock must have been the one: the
// session's launcher reported the ruleset in force, the path is outside what the ruleset grants
// for the rights the call needs, and the file's own permissions would have let the user do it.
// Otherwise it stays an observed failure (a user reading a root-only file gets EACCES from the
// permissions, not from Landlock). The rule and its explanation are vigil's inference from the
// profile, made after the fact: the line marks them `attribution: "inferred"`. Nothing here acts
// on a process: the kernel refused the call, so a rule whose action is kill kills nothing.
import { readFileSync, readlinkSync, realpathSync, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';

import type { AgentEvent, ExecEventData, FileEventData } from '../wire/events.js';
import { evaluate, type OpenAccess } from '../policy/evaluate.js';
import { FS, HANDLED_RIGHTS } from '../policy/landlock-rights.js';
import { rightsAt } from '../policy/landlock-grants.js';
import type { Decision } from '../sinks/audit-line.js';
import type { LauncherCreds } from '../targeting/launch.js';
import { attributedBlock } from './attribution.js';
import type { Session } from './sessions.js';
import { OTHER_BACKENDS } from '../protections.js';

const EACCES = 13;
const O_ACCMODE = 3;
const O_CREAT = 0o100;
const O_TRUNC = 0o1000;
const O_PATH = 0o10000000;

/** The call Landlock refused: an open with its flags, or an exec (which opens the file to read it). */
type Refused = FileEventData | ExecEventData;

/** The decision for an open or exec Landlock refused; undefined when it cannot be shown it did. */
export function landlockDecision(ev: AgentEvent, s: Session): Decision | undefined {
  if (ev.kind !== 'file_open' && ev.kind !== 'exec') return undefined;
  if (ev.verdict !== undefined || ev.ret !== -EACCES) return undefined;
  if (ev.kind === 'file_open' && (ev.openFlags & O_PATH) !== 0) return undefined; // not checked by Landlock
  const grants = s.landlockGrants();
  const creds = s.landlock?.creds ?? null;
  if (grants === undefined || creds === null) return undefined;
  const path = absolutePath(ev);
  if (path === undefined) return undefined;
  const target = inspect(path);
  if (target === undefined) return undefined;
  // a right the ruleset does not handle is never refused by it (auto on a default-allow
  // profile handles TRUNCATE alone: other EACCES are the kernel's own, e.g. /proc/PID/environ)
  const needed = neededRights(ev, target, s.landlock?.abi ?? 0) & (s.landlock?.handled ?? HANDLED_RIGHTS);
  const granted = rightsAt(grants, path) | rightsAt(grants, target.real);
  if (needed === 0 || (needed & ~granted) === 0) return undefined;
  if (
    ev.kind === 'file_open'
      ? !permitted(creds, target, accessOf(ev))
      : !executable(creds, target, mountsOf(ev, s))
  )
    return undefined;
  return attribute(ev, s, target.real);
}

/** BLOCK by Landlock, inline (the kernel's verdict), with the rule vigil attributes it to. */
function attribute(ev: Refused, s: Session, path: string): Decision {
  // an exec is refused for the read its open asks for (the ruleset handles no EXECUTE right)
  const access = ev.kind === 'file_open' ? accessOf(ev) : 'read';
  const d = evaluate(s.profile.profile, { kind: 'open', path, access });
  const what =
    ev.kind !== 'file_open'
      ? `exec of ${ev.path} refused by Landlock (EACCES): executing opens the file to read it, and the ruleset grants no read there`
      : `open of ${ev.path} refused by Landlock (EACCES)`;
  if (d.action === 'KILL' || d.action === 'BLOCK') return attributedBlock(OTHER_BACKENDS.landlock, what, d);
  // The ruleset is a snapshot of the start: what was created since inside a carved folder, or
  // did not exist then, has no rule, though the profile allows it.
  return {
    action: 'BLOCK',
    enforcement: 'inline',
    backend: OTHER_BACKENDS.landlock,
    attribution: 'inferred',
    rule: null,
    reason: `${what}, though the profile allows it (${d.reason}): attributed by vigil to the ruleset, which was made at the session's start and grants nothing to a file created since inside a carved folder, or to a path that did not exist then`,
  };
}

/** The requested path made absolute against the process's cwd (best effort: not against a dirfd). */
export function absolutePath(ev: FileEventData | ExecEventData): string | undefined {
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

function accessOf(ev: FileEventData): OpenAccess {
  const mode = ev.openFlags & O_ACCMODE;
  return mode === 1 ? 'write' : mode === 2 ? 'read-write' : 'read';
}

/** The Landlock rights this call needs (as landlock's file_open and path_mknod hooks ask). */
function neededRights(ev: Refused, target: Target, abi: number): number {
  // the exec's open of the file is a read (EXECUTE too, but the ruleset does not handle it)
  if (ev.kind !== 'file_open') return target.stat?.isFile() === true ? FS.READ_FILE : 0;
  const access = accessOf(ev);
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

/**
 * Whether the file's mode bits and its mount let these creds execute it (root needs one x bit;
 * ACLs are not read). A noexec mount refuses with EACCES too; unknown mounts: no claim.
 */
function executable(creds: LauncherCreds, target: Target, mountinfo: string | undefined): boolean {
  const st = target.stat;
  if (st === undefined || !st.isFile()) return false;
  if (mountinfo === undefined || noexecMount(target.real, mountinfo)) return false;
  try {
    for (const dir of target.dirs) if (creds.uid !== 0 && !allows(creds, statSync(dir), 1)) return false;
  } catch {
    return false;
  }
  return creds.uid === 0 ? (st.mode & 0o111) !== 0 : allows(creds, st, 1);
}

/**
 * The mounts the process saw: its own, or (a child whose exec failed has often exited by now)
 * those of the session's root or another live process, in the same mount namespace. When the
 * whole session has exited before its events were read (a short script), the host's: a `vigil
 * run` namespace starts as its copy and adds only read-only binds, never noexec (a watched
 * agent in a mount namespace of its own is judged by the host's mounts then: a best guess).
 */
function mountsOf(ev: AgentEvent, s: Session): string | undefined {
  for (const pid of [ev.task.tgid, s.rootPid, ...s.live, 'self']) {
    if (pid === null) continue;
    try {
      return readFileSync(`/proc/${pid}/mountinfo`, 'utf8');
    } catch {
      // gone: try the next
    }
  }
  return undefined;
}

/** Whether the mount holding the path is noexec (mountinfo: the text of /proc/PID/mountinfo). */
function noexecMount(path: string, mountinfo: string): boolean {
  let best: { point: string; noexec: boolean } | undefined;
  for (const line of mountinfo.split('\n')) {
    const f = line.split(' ');
    const point = (f[4] ?? '').replace(/\\([0-7]{3})/g, (_, o: string) =>
      String.fromCharCode(parseInt(o, 8)),
    );
    const under = point === '/' || path === point || path.startsWith(`${point}/`);
    // the last mount on a point is the one in force
    if (under && (best === undefined || point.length >= best.point.length))
      best = { point, noexec: (f[5] ?? '').split(',').includes('noexec') };
  }
  return best?.noexec ?? false;
}
