// Starting a `vigil run` command through vigil-launch: the launcher becomes the user, applies the
// session's Landlock plan (read from fd 4), reports what it did on fd 3 (a socket pair), then
// waits there until vigil has watched it, and execs the command. So the command's first
// instruction already runs watched, and under the ruleset.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type { Duplex, Writable } from 'node:stream';

import { SystemError } from '../errors.js';
import { repoRoot } from '../system/paths.js';

export function launcherPath(): string {
  const path = `${repoRoot()}/build/vigil-launch`;
  if (!existsSync(path)) {
    throw new SystemError('VIGIL_LAUNCHER_MISSING', `${path} is missing`);
  }
  return path;
}

export interface UserEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

/** The passwd entry of a user name or uid, through NSS (getent), so LDAP users work too. */
export function lookupUser(nameOrUid: string): UserEntry | undefined {
  const r = spawnSync('getent', ['passwd', nameOrUid], { encoding: 'utf8' });
  const f = r.status === 0 ? r.stdout.trim().split(':') : [];
  if (f.length < 7) return undefined;
  return { name: f[0] ?? '', uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? '/' };
}

/** What the hardening put in force (native/launcher/harden.c, pid-init.c). */
export interface HardeningReport {
  /** the seccomp hardening filter is installed */
  seccomp: boolean;
  /** the agent has a PID namespace of its own; false: not asked (--audit-only); else unshare's errno */
  pidns: boolean | number;
  /** capabilities dropped */
  caps: number;
  /** paths made read-only in the agent's mount namespace; else the errno of the namespace */
  readonly: number;
}

/** The hardening report in words, for the session_start line. */
export function hardeningText(h: HardeningReport): string {
  const parts = [
    h.pidns === true
      ? 'own PID namespace'
      : h.pidns === false
        ? 'no PID namespace'
        : `no PID namespace (errno ${h.pidns})`,
    `${h.caps} capabilities dropped`,
    h.seccomp ? 'hardening filter' : 'no hardening filter',
    h.readonly >= 0
      ? `${h.readonly} write-denied path(s) read-only`
      : `no read-only paths (errno ${-h.readonly})`,
  ];
  return `hardened: ${parts.join(', ')}`;
}

/** What the launcher did before waiting for the go: the kernel's answers, not the plan's hopes. */
export type LauncherReport = (
  | { landlock: 'on'; abi: number; rules: number; skipped: number }
  | { landlock: 'unavailable'; errno: number }
  | { landlock: 'off' }
) & { hardening: HardeningReport };

export interface LaunchOptions {
  user: UserEntry | undefined;
  cwd: string;
  /** the encoded plan (encodeLandlockPlan); without it the launcher installs no ruleset */
  landlockPlan?: Buffer;
  /** vigil's own processes, which the agent may not signal or trace (seccomp, see the launcher) */
  protect: readonly number[];
  /** the launcher's hardening arguments (hardeningArgs) */
  harden: readonly string[];
  /** write-denied paths to bind-mount read-only for the agent (planReadonly) */
  readonly: readonly string[];
}

export interface Launched {
  child: ChildProcess;
  pid: number;
  /** The launcher's report; undefined when it exited without one (it said why on stderr). */
  ready: Promise<LauncherReport | undefined>;
  /** Lets the command start. */
  go(): void;
  /** Stops the launcher before the command ever runs. */
  abort(): void;
}

const PLAN_FD = 4;

export async function launch(command: string[], options: LaunchOptions): Promise<Launched> {
  const { user, cwd, landlockPlan, protect, harden, readonly } = options;
  const args = [
    ...harden,
    ...readonly.flatMap((p) => ['--readonly', p]),
    ...(user === undefined ? [] : ['--user', user.name]),
    ...[...new Set(protect)].flatMap((pid) => ['--protect', String(pid)]),
    ...(landlockPlan === undefined ? [] : ['--landlock', String(PLAN_FD)]),
    '--',
    ...command,
  ];
  const plan = landlockPlan === undefined ? 'ignore' : 'pipe';
  const child = spawn(launcherPath(), args, { stdio: ['inherit', 'inherit', 'inherit', 'pipe', plan], cwd });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  const pid = child.pid;
  const gate = child.stdio[3] as Duplex | null;
  if (pid === undefined || gate === null)
    throw new SystemError('VIGIL_LAUNCH_FAILED', 'the launcher did not start');
  gate.on('error', () => undefined); // the launcher exited: seen as no report, or as its exit
  if (landlockPlan !== undefined) {
    const planPipe = child.stdio[PLAN_FD] as Writable;
    planPipe.on('error', () => undefined);
    planPipe.end(landlockPlan);
  }
  return {
    child,
    pid,
    ready: readReport(gate),
    go: () => {
      gate.end('g');
    },
    abort: () => {
      gate.destroy();
      child.kill('SIGKILL');
    },
  };
}

function readReport(gate: Duplex): Promise<LauncherReport | undefined> {
  return new Promise((resolve) => {
    let text = '';
    const done = (report: LauncherReport | undefined) => {
      gate.off('data', onData);
      gate.off('end', onEnd);
      gate.off('close', onEnd);
      resolve(report);
    };
    const onData = (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const nl = text.indexOf('\n');
      if (nl >= 0) done(parseReport(text.slice(0, nl)));
    };
    const onEnd = () => {
      done(undefined);
    };
    gate.on('data', onData);
    gate.once('end', onEnd);
    gate.once('close', onEnd);
  });
}

/**
 * `landlock on abi=7 rules=12 skipped=0 harden=1 pidns=1 caps=19 ro=3`, `landlock unavailable
 * errno=38 harden=1 pidns=-1 caps=0 ro=0`, `landlock off harden=0 pidns=0 caps=0 ro=-1`.
 */
export function parseReport(line: string): LauncherReport | undefined {
  const [word, state, ...pairs] = line.trim().split(' ');
  if (word !== 'landlock') return undefined;
  const n = (key: string): number => {
    const pair = pairs.find((p) => p.startsWith(`${key}=`));
    return pair === undefined ? NaN : Number(pair.slice(key.length + 1));
  };
  const pidns = n('pidns');
  const hardening: HardeningReport = {
    seccomp: n('harden') === 1,
    pidns: pidns === 1 ? true : pidns < 0 ? -pidns : false,
    caps: n('caps') || 0,
    readonly: n('ro') || 0,
  };
  if (state === 'off') return { landlock: 'off', hardening };
  if (state === 'unavailable') return { landlock: 'unavailable', errno: n('errno'), hardening };
  if (state === 'on')
    return { landlock: 'on', abi: n('abi'), rules: n('rules'), skipped: n('skipped'), hardening };
  return undefined;
}

/** The user the launcher became, for telling Landlock's EACCES from the file's own permissions. */
export interface LauncherCreds {
  uid: number;
  gid: number;
  groups: number[];
}

/** The launcher's filesystem uid, gid and groups after it became the user (/proc/<pid>/status). */
export function launcherCreds(pid: number): LauncherCreds | null {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const field = (name: string): number[] =>
    (new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(status)?.[1] ?? '')
      .trim()
      .split(/\s+/)
      .filter((x) => x !== '')
      .map(Number);
  // Uid: real effective saved filesystem; permission checks use the filesystem ids
  const uid = field('Uid')[3];
  const gid = field('Gid')[3];
  if (uid === undefined || gid === undefined) return null;
  return { uid, gid, groups: field('Groups') };
}
