// A daemon of a test's own: its control socket, bpffs pin root and log folder are the test's, so
// the daemon that `vigil run` starts detached is this test's alone; after the test (passed or
// failed) it is unloaded and its folders removed.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

import { socketAnswers } from '../../src/daemon/control-connect.js';
import { START_TIMEOUT_MS } from '../../src/daemon/daemon-spawn.js';
import { lockOwner, socketLockDir } from '../../src/daemon/daemon-lock.js';
import { repoRoot } from './paths.js';

export const VIGIL = join(repoRoot, 'dist/src/cli/main.js');

export interface TestDaemon {
  env: NodeJS.ProcessEnv;
  socket: string;
  pinRoot: string;
  logDir: string;
  /** the running daemon's pid (the owner of the socket's lock), or undefined */
  pid(): number | undefined;
  /** whether a daemon answers on the socket now */
  answers(): Promise<boolean>;
  /** the links pinned by this test's daemon(s), by program */
  pinnedLinks(): string[];
  daemonLog(): string;
  /** a client of this daemon, killed before the daemon is unloaded (it would start another) */
  track(child: ChildProcess): void;
}

export function testDaemon(t: TestContext, name: string): TestDaemon {
  const tag = `vigil-t${process.pid}-${name}`;
  // tmpfs both here and in the test VM (whose /run is the host's, read-only)
  const runDir = join(tmpdir(), `${tag}-run`);
  const socket = join(runDir, 'vigil.sock');
  const pinRoot = `/sys/fs/bpf/${tag}`;
  const logDir = join(tmpdir(), `${tag}-log`);
  const env = { ...process.env, VIGIL_SOCKET: socket, VIGIL_PIN_ROOT: pinRoot, VIGIL_LOG_DIR: logDir };
  const clients: ChildProcess[] = [];
  t.after(() => {
    for (const c of clients) {
      if (c.exitCode !== null || c.signalCode !== null) continue;
      c.kill('SIGCONT');
      c.kill('SIGKILL');
    }
    spawnSync(process.execPath, [VIGIL, 'unload'], { env, stdio: 'ignore', timeout: 30_000 });
    for (const dir of [runDir, logDir, pinRoot]) rmSync(dir, { recursive: true, force: true });
  });
  return {
    env,
    socket,
    pinRoot,
    logDir,
    pid: () => {
      const pid = lockOwner(socketLockDir(socket));
      return pid !== undefined && existsSync(`/proc/${pid}`) ? pid : undefined;
    },
    answers: () => socketAnswers(socket),
    pinnedLinks: () => {
      if (!existsSync(pinRoot)) return [];
      return readdirSync(pinRoot)
        .filter((n) => n.startsWith('v'))
        .flatMap((layout) => {
          const links = join(pinRoot, layout, 'links');
          return existsSync(links) ? readdirSync(links) : [];
        });
    },
    track: (child) => {
      clients.push(child);
    },
    daemonLog: () => {
      const p = join(logDir, 'daemon.log');
      return existsSync(p) ? readFileSync(p, 'utf8') : '';
    },
  };
}

/** Every BPF link in the kernel now (bpftool), to see that a restart adds none. */
export function kernelLinkIds(): number[] {
  const r = spawnSync('bpftool', ['link', 'list', '--json'], { encoding: 'utf8' });
  if (r.status !== 0) return [];
  return (JSON.parse(r.stdout) as { id: number }[]).map((l) => l.id);
}

/** Polls `done` every 25 ms until it holds; fails the test, naming `what`, after `ms`. */
export async function until(done: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface Run {
  child: ChildProcess;
  stderr: () => string;
  stdout: () => string;
  exited: Promise<number | null>;
}

/** `vigil run ARGS` against the test's daemon, its output collected; killed after the test. */
export function vigilRun(d: TestDaemon, args: string[]): Run {
  const child = spawn(process.execPath, [VIGIL, 'run', ...args], {
    env: d.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      resolve(code);
    });
  });
  d.track(child);
  return { child, stdout: () => out, stderr: () => err, exited };
}

/**
 * Starts the test's daemon (idle for up to 5 minutes) before any run, e.g. outside the network
 * namespaces the runs go into, so that no run has to start one there.
 */
export async function startTestDaemon(d: TestDaemon, extraArgs: readonly string[] = []): Promise<void> {
  mkdirSync(d.logDir, { recursive: true, mode: 0o700 });
  const fd = openSync(join(d.logDir, 'daemon.log'), 'a', 0o600);
  const child = spawn(
    process.execPath,
    [
      VIGIL,
      'daemon',
      '--socket',
      d.socket,
      '--idle-exit',
      '300',
      '--audit-log',
      join(d.logDir, 'audit.jsonl'),
      ...extraArgs,
    ],
    { detached: true, stdio: ['ignore', fd, fd], env: d.env },
  );
  closeSync(fd);
  child.unref();
  try {
    // as long as a client waits for a daemon it spawned: the verifier's load on an emulated CPU
    await until(() => d.answers(), START_TIMEOUT_MS, `the test daemon at ${d.socket}`);
  } catch (err) {
    throw new Error(`${(err as Error).message}\ndaemon.log:\n${d.daemonLog()}`);
  }
}
