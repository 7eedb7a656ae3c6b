// Which backend decides each protection on the running kernel (docs/backends.md). Where BPF-LSM
// programs cannot load (this CI host: EPERM at load) the agent kernel still opens, says why LSM
// was refused, and the fallbacks decide: a denied open kills the process (reactive), a denied
// connect is refused by cgroup-BPF. Where LSM loads (the VM layer), every LSM hook is attached
// and VIGIL_LSM=off / lsm: 'off' keeps the fallbacks. The end-to-end LSM scenarios are in
// test/vm/scenarios/lsm-backend.test.ts. Only processes the test started are ever affected.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';

import type { AgentEvent } from '../../src/wire/events.js';
import { AgentKernel, type AgentKernelOptions } from '../../src/loader/agent-kernel.js';
import { loadProfileText } from '../../src/policy/load-profile.js';
import { reportingBackend } from '../../src/sinks/audit-line.js';
import { needsRoot, waitFor } from '../support/kernel.js';
import { doctorFacts, missingReason } from '../support/requires.js';

const FALLBACKS = {
  file_open: 'tracepoint:syscalls/sys_exit_open* reactive',
  exec: 'tp_btf:sched_process_exec reactive',
  connect: 'cgroup:connect4/connect6 inline',
  udp_send: 'cgroup:sendmsg4/sendmsg6 inline',
  raw_socket: 'cgroup:sock_create inline',
  unlink: 'tracepoint:syscalls/sys_enter_unlink*,sys_enter_rmdir reactive',
  rename: 'tracepoint:syscalls/sys_enter_rename* reactive',
  ptrace: 'tracepoint:syscalls/sys_enter_ptrace,sys_enter_process_vm_* reactive',
  signals: 'tracepoint:syscalls/sys_enter_*kill,sys_enter_rt_*sigqueueinfo reactive',
  exec_memory: 'tracepoint:syscalls/sys_enter_mmap,sys_enter_*mprotect reactive',
  self_protection: 'seccomp:vigil-launch (vigil run sessions only) inline',
};

function openKernel(
  t: TestContext,
  options: Partial<AgentKernelOptions> = {},
): { kernel: AgentKernel; events: AgentEvent[] } {
  const events: AgentEvent[] = [];
  const kernel = AgentKernel.open({ ...options, onEvents: (evs) => events.push(...evs) });
  t.after(() => {
    kernel.close();
  });
  return { kernel, events };
}

function summary(kernel: AgentKernel): Record<string, string> {
  return Object.fromEntries(
    Object.entries(kernel.backends().protections).map(([k, v]) => [k, `${v.backend} ${v.enforcement}`]),
  );
}

/** Whether this kernel loads BPF-LSM programs, by the doctor's probes; the reason when not. */
async function lsmRefusedReason(): Promise<string | null> {
  return missingReason(await doctorFacts(), ['lsm_active', 'lsm_file_open']);
}

test('where BPF-LSM cannot load, the agent kernel opens on the fallbacks and says why', async (t) => {
  if (!needsRoot(t)) return;
  const why = await lsmRefusedReason();
  if (why === null) {
    t.skip(
      'BPF-LSM loads on this kernel: the LSM backend is tested by test/vm/scenarios/lsm-backend.test.ts',
    );
    return;
  }
  t.diagnostic(`doctor: ${why}`);
  const { kernel } = openKernel(t);
  const b = kernel.backends();
  assert.equal(b.lsm.state, 'refused');
  assert.ok(
    b.lsm.reason !== null && /EPERM|EACCES|EINVAL|ENOTSUPP|ENOENT/.test(b.lsm.reason),
    b.lsm.reason ?? '',
  );
  t.diagnostic(`LSM refused: ${b.lsm.reason}`);
  assert.deepEqual(summary(kernel), FALLBACKS);
});

test('where BPF-LSM cannot load, the fallbacks decide: a denied open is killed, a denied connect refused', async (t) => {
  if (!needsRoot(t)) return;
  const why = await lsmRefusedReason();
  if (why === null) {
    t.skip('BPF-LSM loads on this kernel: its hooks decide (test/vm/scenarios/lsm-backend.test.ts)');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'vigil-lsm-fallback-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  writeFileSync(join(dir, 'secret'), 'secret\n');
  const profile = loadProfileText(
    `name: fallback-test\ndefault_policy: allow\ndenied_paths:\n  - ${dir}/secret\ndenied_networks:\n  - 127.0.0.2\n`,
    'fallback-test.yaml',
  );
  const { kernel, events } = openKernel(t);
  kernel.loadProfile(0x4c01, profile);
  const session = 0x4c10_0000 + (process.pid & 0xffff);
  kernel.setSession(session, { profile: 0x4c01, enforce: true, auditOnly: false, rawSockets: false });
  const script = [
    `exec /usr/bin/python3 -c '`,
    'import socket, errno',
    's = socket.socket()',
    'try:',
    '    s.connect(("127.0.0.2", 9))',
    'except OSError as e:',
    '    print(errno.errorcode[e.errno], flush=True)',
    `open("${dir}/secret").read()`,
    `print("read it")'`,
  ].join('\n');
  const child = spawn('/bin/sh', ['-c', `read go; ${script}`], { stdio: 'pipe' });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  assert.ok(child.pid !== undefined && kernel.watchProcess(child.pid, session, { root: true }));
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const signal = await new Promise<NodeJS.Signals | null>((resolve) => {
    child.on('exit', (_c, s) => {
      resolve(s);
    });
    child.stdin.end('go\n');
  });
  assert.equal(stdout, 'EPERM\n', 'cgroup connect4 refused the connect inline');
  assert.equal(signal, 'SIGKILL', 'the open was answered by SIGKILL (reactive fallback)');
  await waitFor(() => events.some((ev) => ev.kind === 'file_open' && ev.verdict?.killed === true));
  const open = events.find(
    (ev) =>
      ev.session === session &&
      ev.kind === 'file_open' &&
      ev.path === `${dir}/secret` &&
      ev.verdict !== undefined,
  );
  assert.ok(open?.verdict);
  assert.deepEqual([open.verdict.action, open.verdict.killed, open.verdict.lsm], ['BLOCK', true, false]);
  assert.equal(reportingBackend(open), 'tracepoint:syscalls/sys_exit_open*');
  const conn = events.find((ev) => ev.session === session && ev.kind === 'net_connect');
  assert.ok(conn?.verdict);
  assert.deepEqual([conn.verdict.action, conn.verdict.denied, conn.verdict.lsm], ['BLOCK', true, false]);
  assert.equal(reportingBackend(conn), 'cgroup:connect4');
});

test('where BPF-LSM loads, every LSM hook is attached; lsm: off and VIGIL_LSM=off keep the fallbacks', async (t) => {
  if (!needsRoot(t)) return;
  const why = await lsmRefusedReason();
  if (why !== null) {
    t.skip(`BPF-LSM cannot load here (${why}); the first tests of this file cover this kernel`);
    return;
  }
  const on = openKernel(t).kernel;
  assert.equal(on.backends().lsm.state, 'attached', on.backends().lsm.reason ?? '');
  assert.ok(Object.values(on.backends().protections).every((p) => p.backend.startsWith('lsm:')));
  on.close();

  const off = openKernel(t, { lsm: 'off' }).kernel;
  assert.deepEqual(off.backends().lsm, { state: 'disabled', reason: 'disabled by the caller' });
  assert.deepEqual(summary(off), FALLBACKS);
  off.close();

  process.env.VIGIL_LSM = 'off';
  t.after(() => {
    delete process.env.VIGIL_LSM;
  });
  const env = openKernel(t).kernel;
  assert.deepEqual(env.backends().lsm, { state: 'disabled', reason: 'disabled by VIGIL_LSM=off' });
});
