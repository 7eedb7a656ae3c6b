// When the daemon dies (docs/backends.md#when-the-daemon-dies), measured on the real CLI: a
// `vigil run` session (profile extending generic, fail_closed: deny) whose agent connects to a
// loopback listener every 2 ms; the session's client is held (SIGSTOP) and the daemon SIGKILLed,
// and the time to the agent's first EPERM is taken. Then the client is let go: it starts a daemon,
// which re-adopts the pinned state, and says after how long it had its session back. Each
// repetition has a daemon of its own (socket, pin root, logs), unloaded afterwards.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

import { lockOwner, socketLockDir } from '../daemon/daemon-lock.js';

export interface FailClosedRun {
  /** SIGKILL of the daemon to the agent's first refused connect */
  killToDenyMs: number;
  /** the client's account: connection lost to session taken back by a new daemon */
  takeoverMs: number;
  /** the deadline the daemon applied */
  deadlineMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(done: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) throw new Error(`fail-closed bench: timed out waiting for ${what}`);
    await sleep(5);
  }
}

/**
 * A Python agent that connects to 127.0.0.1:`port` every `every` s and logs `<time> ok|EPERM|<error>`
 * to `log` (opened once, before anything is refused), until the first EPERM; then `after` runs.
 */
export function connectProbe(log: string, port: number, every: number, after: string[] = []): string {
  return [
    'import socket, time',
    `log = open('${log}', 'w', buffering=1)`,
    'while True:',
    '    s = socket.socket()',
    '    try:',
    `        s.connect(('127.0.0.1', ${port})); r = 'ok'`,
    '    except PermissionError:',
    "        r = 'EPERM'",
    '    except OSError as e:',
    '        r = e.__class__.__name__',
    '    s.close()',
    "    log.write(f'{time.time():.4f} {r}\\n')",
    "    if r == 'EPERM':",
    '        break',
    `    time.sleep(${every})`,
    ...after,
  ].join('\n');
}

export async function measureFailClosed(repo: string, work: string, rep: number): Promise<FailClosedRun> {
  const vigil = join(repo, 'dist/src/cli/main.js');
  const dir = join(work, `fail-closed-${rep}`);
  mkdirSync(dir, { recursive: true });
  const env = {
    ...process.env,
    VIGIL_SOCKET: join(dir, 'run', 'vigil.sock'),
    VIGIL_PIN_ROOT: `/sys/fs/bpf/vigil-bench-${process.pid}-${rep}`,
    VIGIL_LOG_DIR: join(dir, 'log'),
  };
  const server = createServer((s) => s.destroy());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const out = join(dir, 'probe.log');
  writeFileSync(join(dir, 'probe.py'), connectProbe(out, port, 0.002, ['time.sleep(0.5)']));
  writeFileSync(
    join(dir, 'p.yaml'),
    'name: bench-deny\nextends: generic\nfail_closed: deny\nallowed_networks:\n  - 127.0.0.0/8\n',
  );
  const child = spawn(
    process.execPath,
    [
      vigil,
      'run',
      '--profile',
      join(dir, 'p.yaml'),
      '--audit-log',
      join(dir, 'a.jsonl'),
      '--',
      '/usr/bin/python3',
      join(dir, 'probe.py'),
    ],
    { env, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<void>((r) => {
    child.once('exit', () => {
      r();
    });
  });
  try {
    await until(() => existsSync(out) && readFileSync(out, 'utf8').includes(' ok'), 30_000, 'the agent');
    const pid = lockOwner(socketLockDir(env.VIGIL_SOCKET));
    if (pid === undefined) throw new Error('fail-closed bench: no daemon holds the socket lock');
    child.kill('SIGSTOP');
    process.kill(pid, 'SIGKILL');
    const killedAt = Date.now() / 1000;
    await until(() => readFileSync(out, 'utf8').includes('EPERM'), 10_000, 'the refusal');
    const refusedAt = Number(/^([\d.]+) EPERM$/m.exec(readFileSync(out, 'utf8'))?.[1]);
    child.kill('SIGCONT');
    await exited;
    const takeover = /took run-\d+ over after (\d+) ms/.exec(stderr)?.[1];
    return {
      killToDenyMs: (refusedAt - killedAt) * 1000,
      takeoverMs: takeover === undefined ? NaN : Number(takeover),
      deadlineMs: 1000,
    };
  } finally {
    if (child.exitCode === null) {
      child.kill('SIGCONT');
      child.kill('SIGKILL');
    }
    server.close();
    spawnSync(process.execPath, [vigil, 'unload'], { env, stdio: 'ignore' });
    rmSync(env.VIGIL_PIN_ROOT, { recursive: true, force: true });
  }
}
