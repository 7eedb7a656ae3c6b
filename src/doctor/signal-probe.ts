// The exec fallback, tried for real: a tp_btf/sched_process_exec program SIGKILLs one child
// that doctor itself started, at its exec of /bin/sleep. Only that child's pid is ever in the
// program's target map, so nothing else can be touched.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';

import { BpfObject } from '../bridge/bpf-object.js';
import { bpfObjectPath } from '../system/paths.js';
import { FIX } from './fixes.js';
import { closeQuietly } from './program-probe.js';
import { failed, ok, summarizeError, type Outcome } from './probe-result.js';

const OBJECT = 'probes/signal_probe.bpf.o';
const PROGRAM = 'probe_exec_kill';
const DEADLINE_MS = 2000;

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export async function probeSendSignal(): Promise<Outcome> {
  const path = bpfObjectPath(OBJECT);
  if (!existsSync(path)) return failed(`probe object missing: ${path}`, FIX.build, 'ENOENT');
  let obj: BpfObject | undefined;
  let child: ChildProcess | undefined;
  let stage = 'load';
  try {
    obj = BpfObject.open(path);
    obj.selectPrograms([PROGRAM]);
    obj.load();
    stage = 'attach';
    obj.attach(PROGRAM);
    stage = 'run';
    // The shell has exec'd by the time spawn() returns; it then waits for a line before
    // exec'ing sleep, which gives time to put its pid in the map first.
    child = spawn('/bin/sh', ['-c', 'read go; exec /bin/sleep 5'], { stdio: ['pipe', 'ignore', 'ignore'] });
    const exited = waitExit(child);
    const pid = child.pid;
    if (pid === undefined) return failed('could not start /bin/sh for the test', null);
    const targets = obj.map('targets');
    const key = u32(pid);
    targets.set(key, u32(0));
    child.stdin?.on('error', () => undefined); // EPIPE if the shell is gone: the exit says why
    child.stdin?.end('go\n');
    const exit = await withDeadline(exited, DEADLINE_MS);
    const sent = targets.get(key)?.readUInt32LE(0) ?? 0;
    if (exit === null) {
      return failed(`the test child was not killed within ${DEADLINE_MS} ms (kills sent: ${sent})`, null);
    }
    if (exit.signal === 'SIGKILL' && sent > 0) {
      return ok('bpf_send_signal(SIGKILL) killed a test child at its exec');
    }
    const how = exit.signal === null ? `exit code ${exit.code ?? '?'}` : exit.signal;
    return failed(`the test child ended by ${how}, kills sent: ${sent}`, null);
  } catch (err) {
    const e = summarizeError(err);
    return failed(`${e.code ?? 'error'} at ${stage}: ${e.message.split('\n')[0] ?? ''}`, null, e.code);
  } finally {
    if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    closeQuietly(obj);
  }
}

function waitExit(child: ChildProcess): Promise<Exit> {
  return new Promise((resolve) => {
    child.once('error', () => {
      resolve({ code: null, signal: null });
    });
    child.once('exit', (code, signal) => {
      resolve({ code, signal });
    });
  });
}

function withDeadline<T>(p: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<null>((resolve) => {
    timer = setTimeout(() => {
      resolve(null);
    }, ms);
  });
  return Promise.race([p, deadline]).finally(() => {
    clearTimeout(timer);
  });
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}
