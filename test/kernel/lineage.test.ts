// Lineage on the real kernel: exactly the agent's tree is watched, across fork, double fork
// with setsid, threads that exec, interpreters and git; nothing outside it; the watched set
// empties when the tree exits; a reused PID is not misattributed; watch rules start sessions
// at the exec of a shebang script; adoption takes a running tree with its children.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';

import type { AgentEvent } from '../../src/wire/events.js';
import { SESSION_KERNEL_BIT } from '../../src/wire/wire-layout.js';
import { AgentKernel } from '../../src/loader/agent-kernel.js';
import { adoptTree } from '../../src/targeting/adopt-tree.js';
import { waitFor } from '../support/kernel.js';
import { requires } from '../support/requires.js';

const PY = '/usr/bin/python3';

function openKernel(t: TestContext): { kernel: AgentKernel; events: AgentEvent[] } {
  const events: AgentEvent[] = [];
  const kernel = AgentKernel.open({
    onEvents: (evs) => events.push(...evs),
  });
  t.after(() => {
    kernel.close();
  });
  return { kernel, events };
}

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-lineage-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** A shell that waits for a line on stdin before running `script`: watch it, then let it go. */
function gatedShell(t: TestContext, script: string, cwd?: string): ChildProcess {
  const child = spawn('/bin/sh', ['-c', `read go; ${script}`], { stdio: ['pipe', 'pipe', 'inherit'], cwd });
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return child;
}

/** Whether the process is blocked in read(2) (x86_64 syscall 0), per /proc/<pid>/syscall. */
function blockedInRead(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/syscall`, 'utf8').startsWith('0 ');
  } catch {
    return false;
  }
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((r) => {
    if (child.exitCode !== null) r(child.exitCode);
    else
      child.once('exit', (code) => {
        r(code);
      });
  });
}

test('a whole agent tree is attributed to its session, and nothing else is', async (t) => {
  if (!(await requires(t, 'root', 'tp_btf'))) return;
  const { kernel, events } = openKernel(t);
  const dir = tempDir(t);
  writeFileSync(
    join(dir, 'threads.py'),
    [
      'import os, threading',
      'def work():',
      // a thread that forks and execs: its child belongs to the tree too
      '    pid = os.fork()',
      '    if pid == 0:',
      "        os.execv('/bin/echo', ['echo', 'from-thread'])",
      '    os.waitpid(pid, 0)',
      'ts = [threading.Thread(target=work) for _ in range(3)]',
      '[t.start() for t in ts]',
      '[t.join() for t in ts]',
      // the process keeps living after its worker threads exited
      "open('/etc/hostname').read()",
    ].join('\n'),
  );
  const marker = join(dir, 'daemon-ran');
  const script = [
    `${PY} ${dir}/threads.py`,
    'git --version > /dev/null',
    `(sh -c 'echo grandchild' > /dev/null)`,
    // double fork + setsid: the daemon is reparented to init and still watched
    `${PY} -c "import os,time\nif os.fork()==0:\n os.setsid()\n if os.fork()==0:\n  time.sleep(0.2); open('${marker}','w').write('x'); os._exit(0)\n os._exit(0)"`,
    'sleep 0.4',
  ].join('; ');
  const agent = gatedShell(t, script, dir);
  // A process of the same name outside the tree, running at the same time.
  const outsider = spawn('/bin/sh', ['-c', `${PY} ${dir}/threads.py; git --version`], { stdio: 'ignore' });
  t.after(() => outsider.kill('SIGKILL'));
  assert.ok(agent.pid && outsider.pid);
  assert.ok(kernel.watchProcess(agent.pid, 41, { root: true }));
  agent.stdin?.end('go\n');
  await exited(agent);
  await exited(outsider);
  assert.ok(await waitFor(() => events.some((e) => e.kind === 'exit' && e.task.tgid === agent.pid)));
  assert.ok(
    await waitFor(() => kernel.watchedProcesses().length === 0, 3000),
    'the tree left the watched set',
  );

  const execs = events.filter((e) => e.kind === 'exec');
  const comms = new Set(execs.map((e) => e.task.comm));
  for (const c of ['python3', 'git', 'echo', 'sh', 'sleep'])
    assert.ok(comms.has(c), `exec of ${c} seen (${[...comms].join(',')})`);
  assert.equal(execs.filter((e) => e.task.comm === 'echo').length, 3, 'each thread child exec seen');
  assert.ok(
    events.every((e) => e.session === 41),
    'every event is the session’s',
  );
  const outsiderPids = new Set([outsider.pid]);
  assert.ok(
    !events.some((e) => outsiderPids.has(e.task.tgid) || outsiderPids.has(e.task.ppid)),
    'the outsider is not seen',
  );

  // The daemonized grandchild: reparented, in a new session, still attributed.
  const daemonOpen = events.find((e) => e.kind === 'file_open' && e.path === marker);
  assert.ok(daemonOpen, 'the double-forked daemon’s open was seen');
  assert.equal(daemonOpen.session, 41);
  // A worker thread exiting does not drop the process: python's final open comes after.
  const hostname = events.find(
    (e) => e.kind === 'file_open' && e.path === '/etc/hostname' && e.task.comm === 'python3',
  );
  assert.ok(hostname, 'the open after the threads exited was seen');
  assert.deepEqual(kernel.counters(), {
    ringbufFull: 0n,
    readFail: 0n,
    watchFull: 0n,
    staleEntry: 0n,
    alertLost: 0n,
  });
});

test('an entry whose start time does not match is stale: a reused PID is nobody’s', async (t) => {
  if (!(await requires(t, 'root', 'tp_btf'))) return;
  const { kernel, events } = openKernel(t);
  const child = gatedShell(t, 'cat /etc/hostname > /dev/null');
  assert.ok(child.pid);
  // Until sh sits in read(2) it is still starting (loading libraries: real events of session 7
  // while the entry is genuine); on a slow machine that takes a while.
  const pid = child.pid;
  assert.ok(await waitFor(() => blockedInRead(pid), 20_000), 'sh reached its read');
  assert.ok(kernel.watchProcess(child.pid, 7));
  // Pretend the entry was left by an earlier process with this PID: same pid, other start time.
  const stale = kernel.watchedProcesses().find((p) => p.tgid === child.pid);
  assert.ok(stale);
  kernel.unwatchProcess(child.pid);
  kernel.setWatchedEntry(child.pid, 7, stale.startTicks + 1n);
  child.stdin?.end('go\n');
  await exited(child);
  await new Promise((r) => setTimeout(r, 200));
  kernel.flush();
  assert.equal(events.filter((e) => e.task.tgid === child.pid || e.task.ppid === child.pid).length, 0);
  assert.ok(kernel.counters().staleEntry >= 1n, 'the stale entry was detected and dropped');
});

test('a watch rule starts a kernel session at the exec of a shebang script named like entry_comm', async (t) => {
  if (!(await requires(t, 'root', 'tp_btf'))) return;
  const { kernel, events } = openKernel(t);
  const dir = tempDir(t);
  const name = `vigil-agent-${process.pid}`;
  const script = join(dir, name);
  writeFileSync(script, `#!/usr/bin/env ${PY}\nimport subprocess\nsubprocess.run(['/bin/true'])\n`);
  chmodSync(script, 0o755);
  kernel.addWatchRule(name, 99);
  const child = spawn(script, [], { stdio: 'ignore' });
  await exited(child);
  assert.ok(await waitFor(() => events.some((e) => e.kind === 'exit' && e.task.tgid === child.pid)));
  const start = events.find((e) => e.kind === 'session_start');
  assert.ok(start?.kind === 'session_start');
  assert.equal(start.rule, 99);
  assert.equal(start.task.tgid, child.pid);
  assert.ok((start.session & SESSION_KERNEL_BIT) !== 0, 'a kernel-numbered session');
  const later = events.filter((e) => e.task.tgid !== child.pid || e.kind !== 'session_start');
  assert.ok(
    later.some((e) => e.kind === 'exec' && e.path === '/usr/bin/true'),
    'the script’s child was seen',
  );
  assert.ok(later.every((e) => e.session === start.session));
});

test('adopting a running tree takes its existing children and its future ones', async (t) => {
  if (!(await requires(t, 'root', 'tp_btf'))) return;
  const { kernel, events } = openKernel(t);
  // sh with a running child (sleep), then a new child after adoption.
  const tree = gatedShell(t, 'sleep 0.3; cat /etc/hostname > /dev/null');
  // Give sh a child that exists before adoption.
  const pre = spawn('/bin/sh', ['-c', 'sleep 0.5 & wait'], { stdio: 'ignore' });
  t.after(() => pre.kill('SIGKILL'));
  await new Promise((r) => setTimeout(r, 100));
  assert.ok(tree.pid && pre.pid);
  const adopted = adoptTree(kernel, pre.pid, 12);
  assert.ok(adopted.length >= 2, `the root and its sleeping child (${adopted.join(',')})`);
  assert.ok(kernel.watchProcess(tree.pid, 13));
  tree.stdin?.end('go\n');
  await exited(tree);
  await exited(pre);
  assert.ok(await waitFor(() => events.filter((e) => e.kind === 'exit').length >= 4));
  const exits12 = events.filter((e) => e.kind === 'exit' && e.session === 12).map((e) => e.task.tgid);
  for (const p of adopted) assert.ok(exits12.includes(p), `adopted ${p} reported its exit`);
  assert.ok(events.some((e) => e.kind === 'exec' && e.session === 13 && e.task.comm === 'cat'));
});
