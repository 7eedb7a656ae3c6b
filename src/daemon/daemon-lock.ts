// One daemon per control socket and per pin root: a lock folder made exclusively, with
// `pid-<pid>` inside naming its owner (a folder, because bpffs holds folders but no files). A lock
// left by a daemon that died is taken over; one whose owner still runs means another daemon is
// starting or running.
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { SystemError } from '../errors.js';

/** The lock beside a control socket. */
export function socketLockDir(socket: string): string {
  return join(dirname(socket), 'daemon.lock');
}

/** The lock in a pin root. */
export function pinLockDir(pinRoot: string): string {
  return join(pinRoot, 'daemon');
}

/** Takes the lock `dir` for this process (`what`: what it guards, for the error); returns its release. */
export function takeDaemonLock(dir: string, what: string): () => void {
  mkdirSync(dirname(dir), { recursive: true, mode: 0o700 });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      mkdirSync(dir, { mode: 0o700 });
      mkdirSync(join(dir, `pid-${process.pid}`));
      return () => {
        if (lockOwner(dir) === process.pid) rmSync(dir, { recursive: true, force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let owner = lockOwner(dir);
      if (owner === undefined) {
        // just made by another daemon, which names itself next: give it a moment
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
        owner = lockOwner(dir);
      }
      if (owner !== undefined && owner !== process.pid && isVigilDaemon(owner)) {
        throw new SystemError('VIGIL_DAEMON_RUNNING', `vigil daemon ${owner} is already running ${what}`, {
          hint: 'vigil status shows it (with its socket in VIGIL_SOCKET); stop it first (vigil daemon stop)',
        });
      }
      rmSync(dir, { recursive: true, force: true }); // left by a daemon that died
    }
  }
  throw new SystemError('VIGIL_DAEMON_RUNNING', `cannot take ${dir}: another daemon is starting`);
}

/** The pid named in a lock, if any. */
export function lockOwner(dir: string): number | undefined {
  try {
    const name = readdirSync(dir).find((n) => /^pid-\d+$/.test(n));
    return name === undefined ? undefined : Number(name.slice(4));
  } catch {
    return undefined;
  }
}

function isVigilDaemon(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('daemon');
  } catch {
    return false;
  }
}
