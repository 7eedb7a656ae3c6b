// Starting a `vigil run` command through vigil-launch: the launcher waits on fd 3 until vigil
// has watched it, then drops to the user and execs the command. So the command's first
// instruction already runs watched.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Writable } from 'node:stream';

import { SystemError } from '../errors.js';
import { repoRoot } from '../system/paths.js';

export function launcherPath(): string {
  const path = `${repoRoot()}/build/vigil-launch`;
  if (!existsSync(path)) {
    throw new SystemError('VIGIL_LAUNCHER_MISSING', `${path} is missing`, {
      hint: 'build it: make native (or scripts/setup.sh)',
    });
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

export interface Launched {
  child: ChildProcess;
  pid: number;
  /** Lets the command start. */
  go(): void;
  /** Stops the launcher before the command ever runs. */
  abort(): void;
}

export async function launch(command: string[], user: UserEntry | undefined, cwd: string): Promise<Launched> {
  const args = [...(user === undefined ? [] : ['--user', user.name]), '--', ...command];
  const child = spawn(launcherPath(), args, { stdio: ['inherit', 'inherit', 'inherit', 'pipe'], cwd });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  const pid = child.pid;
  const gate = child.stdio[3] as Writable | null;
  if (pid === undefined || gate === null)
    throw new SystemError('VIGIL_LAUNCH_FAILED', 'the launcher did not start');
  return {
    child,
    pid,
    go: () => {
      gate.end('g');
    },
    abort: () => {
      gate.destroy();
      child.kill('SIGKILL');
    },
  };
}
