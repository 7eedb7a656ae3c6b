// Starting a daemon on its own for a CLI verb that found none: `vigil daemon --idle-exit` as a
// detached process in a session of its own, so it outlives the command that started it (and
// every other), writes every session's lines to its own audit log, and exits once nothing is
// left to protect. Its diagnostics go to daemon.log beside that log.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { SystemError } from '../errors.js';
import { socketAnswers } from './control-connect.js';

/** Seconds an auto-started daemon waits with no session, watch rule or client before it exits. */
export const AUTO_IDLE_EXIT_S = 5;
/**
 * How long a client waits for a daemon it started: a second on a real machine, but loading the
 * agent object (the verifier) takes tens of seconds on an emulated CPU.
 */
export const START_TIMEOUT_MS = 60_000;

/** Where an auto-started daemon writes: VIGIL_LOG_DIR, else /var/log/vigil. */
export function daemonLogDir(): string {
  return process.env.VIGIL_LOG_DIR ?? '/var/log/vigil';
}

/**
 * Starts `vigil daemon` detached, serving `socketPath`, and waits until it answers. Another
 * client starting one at the same time is fine: the second daemon sees the first (its lock,
 * daemon-lock.ts) and exits, and both clients reach the first. A daemon that is exiting (idle)
 * still holds its lock for a moment: the one started meanwhile exits, and is started again.
 */
export async function spawnDaemon(socketPath: string): Promise<void> {
  const dir = daemonLogDir();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const diag = join(dir, 'daemon.log');
  const end = Date.now() + START_TIMEOUT_MS;
  let exited: number | null = null;
  while (Date.now() < end) {
    const child = startDaemon(socketPath, dir, diag);
    const status = await answeredOrExited(socketPath, child, end);
    if (status === 'answered') return;
    if (status === 'timeout') break;
    exited = status.code;
    // it may have lost a race to another daemon, which then answers
    if (await socketAnswers(socketPath)) return;
    if (!lockHeldByAnother(diag)) {
      throw new SystemError(
        'VIGIL_DAEMON_START',
        `the vigil daemon exited (status ${exited}) before it answered`,
        {
          hint: `its log: ${diag}\n${tail(diag)}`,
        },
      );
    }
    await new Promise((r) => setTimeout(r, 200)); // the other daemon is going: start again
  }
  throw new SystemError(
    'VIGIL_DAEMON_START',
    `the vigil daemon did not answer at ${socketPath} within ${START_TIMEOUT_MS / 1000} s`,
    {
      hint: `its log: ${diag}${exited === null ? '' : ` (the last one started exited with status ${exited})`}`,
    },
  );
}

function startDaemon(socketPath: string, dir: string, diag: string): ChildProcess {
  const fd = openSync(diag, 'a', 0o600);
  const main = fileURLToPath(new URL('../cli/main.js', import.meta.url));
  const child = spawn(
    process.execPath,
    [
      main,
      'daemon',
      '--socket',
      socketPath,
      '--idle-exit',
      String(AUTO_IDLE_EXIT_S),
      '--audit-log',
      join(dir, 'audit.jsonl'),
    ],
    { detached: true, stdio: ['ignore', fd, fd], env: process.env },
  );
  closeSync(fd);
  child.unref();
  return child;
}

async function answeredOrExited(
  socketPath: string,
  child: ChildProcess,
  end: number,
): Promise<'answered' | 'timeout' | { code: number | null }> {
  let exited: { code: number | null } | undefined;
  child.once('exit', (code) => {
    exited = { code };
  });
  while (Date.now() < end) {
    if (await socketAnswers(socketPath)) return 'answered';
    if (exited !== undefined) return exited;
    await new Promise((r) => setTimeout(r, 50));
  }
  return 'timeout';
}

/** The daemon's last words were that another one holds the lock (daemon-lock.ts). */
function lockHeldByAnother(diag: string): boolean {
  return /is already running for/.test(tail(diag).split('\n').slice(-3).join('\n'));
}

function tail(path: string): string {
  if (!existsSync(path)) return '';
  return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-8).join('\n');
}
