// Starting a daemon on its own for a CLI verb that found none: `vigil daemon --idle-exit` as a
// detached process in a session of its own, so it outlives the command that started it (and
// every other), writes every session's lines to its own audit log, and exits once nothing is
// left to protect. Its diagnostics go to daemon.log beside that log.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { SystemError } from '../errors.js';
import { socketAnswers } from './control-connect.js';

/** Seconds an auto-started daemon waits with no session, watch rule or client before it exits. */
export const AUTO_IDLE_EXIT_S = 5;
const START_TIMEOUT_MS = 20_000;

/** Where an auto-started daemon writes: VIGIL_LOG_DIR, else /var/log/vigil. */
export function daemonLogDir(): string {
  return process.env.VIGIL_LOG_DIR ?? '/var/log/vigil';
}

/**
 * Starts `vigil daemon` detached, serving `socketPath`, and waits until it answers. Another
 * client starting one at the same time is fine: the second daemon sees the first (its lock, daemon-lock.ts)
 * and exits, and both clients reach the first.
 */
export async function spawnDaemon(socketPath: string): Promise<void> {
  const dir = daemonLogDir();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const diag = join(dir, 'daemon.log');
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
  let exited: number | null | undefined;
  child.once('exit', (code) => {
    exited = code;
  });
  child.unref();
  const end = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < end) {
    if (await socketAnswers(socketPath)) return;
    if (exited !== undefined) {
      // it may have lost a race to another daemon, which then answers
      if (await socketAnswers(socketPath)) return;
      throw new SystemError(
        'VIGIL_DAEMON_START',
        `the vigil daemon exited (status ${exited}) before it answered`,
        {
          hint: `its log: ${diag}\n${tail(diag)}`,
        },
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new SystemError(
    'VIGIL_DAEMON_START',
    `the vigil daemon did not answer at ${socketPath} within ${START_TIMEOUT_MS / 1000} s`,
    {
      hint: `its log: ${diag}`,
    },
  );
}

function tail(path: string): string {
  if (!existsSync(path)) return '';
  return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-8).join('\n');
}
