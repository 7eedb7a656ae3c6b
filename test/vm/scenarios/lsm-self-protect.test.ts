// BPF-LSM self-protection (kernel/lsm/self_protect.h, docs/backends.md): a watched process
// cannot signal the process that loaded vigil's objects (here: this test, as the daemon would
// be), cannot open its memory, and cannot call bpf(); an unwatched process can. Signal 0 and a
// read-only open keep a failing test harmless. Skips with the doctor's reason where BPF-LSM
// cannot load (this CI host); runs in the VM layer on Debian's kernels.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test, type TestContext } from 'node:test';

import { AgentKernel } from '../../../src/loader/agent-kernel.js';
import { loadProfileText } from '../../../src/policy/load-profile.js';
import { requires } from '../../support/requires.js';

const PROBE = String.raw`
import ctypes, errno, os, sys
sys.stdin.readline()
libc = ctypes.CDLL(None, use_errno=True)
vigil = int(sys.argv[1])
def res(name, f):
    try:
        f(); print(name, "ok")
    except OSError as e:
        print(name, errno.errorcode.get(e.errno, e.errno))
res("kill", lambda: os.kill(vigil, 0))
res("mem", lambda: os.close(os.open("/proc/%d/mem" % vigil, os.O_RDONLY)))
r = libc.syscall(321, 0, 0, 0)
print("bpf", "ok" if r >= 0 else errno.errorcode.get(ctypes.get_errno(), "?"))
`;

/** Runs the probe, watched for `session` or not, and returns its report lines. */
async function probe(t: TestContext, kernel: AgentKernel, session: number | null): Promise<string> {
  const child = spawn('/usr/bin/python3', ['-c', PROBE, String(process.pid)], { stdio: 'pipe' });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  assert.ok(child.pid !== undefined);
  if (session !== null) assert.ok(kernel.watchProcess(child.pid, session, { root: true }));
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolve) => {
    child.on('exit', () => {
      resolve();
    });
    child.stdin.end('go\n');
  });
  return out;
}

test('BPF-LSM: a watched process cannot signal vigil, open its memory or call bpf(); an unwatched one can', async (t) => {
  if (!(await requires(t, 'root', 'lsm_active', 'lsm_task_kill', 'lsm_ptrace_access_check', 'lsm_bpf')))
    return;
  const kernel = AgentKernel.open({ onEvents: () => undefined });
  t.after(() => {
    kernel.close();
  });
  assert.equal(
    kernel.backends().protections.self_protection.backend,
    'lsm:task_kill+ptrace_access_check+bpf',
  );
  const profile = loadProfileText(
    'name: self-protect-test\ndefault_policy: allow\n',
    'self-protect-test.yaml',
  );
  kernel.loadProfile(0x5350, profile);
  const session = 0x5350_0001;
  kernel.setSession(session, { profile: 0x5350, enforce: true, auditOnly: false, rawSockets: false });
  const before = kernel.selfProtectRefusals();

  const watched = await probe(t, kernel, session);
  assert.match(watched, /^kill EPERM$/m, watched);
  assert.match(watched, /^mem (EPERM|EACCES)$/m, watched);
  assert.match(watched, /^bpf EPERM$/m, watched);
  assert.ok(kernel.selfProtectRefusals() - before >= 3n, 'each refusal is counted');

  const free = await probe(t, kernel, null);
  assert.match(free, /^kill ok$/m, free);
  assert.match(free, /^mem ok$/m, free);
  assert.doesNotMatch(free, /^bpf EPERM$/m, free);
});
