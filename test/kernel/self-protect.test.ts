// Self-protection under `vigil run`: the agent runs in a PID namespace of its own, so vigil's
// processes and threads have no PID there (ESRCH), and the seccomp filter the launcher installs
// refuses kill(0), kill(-1), ptrace, process_vm_* and bpf() (EPERM, each an audit line); the
// agent's own children stay within its reach. Signal 0 is used throughout, so a missing
// protection is seen as success and never actually harms the vigil process under test.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { repoRoot } from '../support/paths.js';
import { requires } from '../support/requires.js';

const VIGIL = join(repoRoot, 'dist/src/cli/main.js');

// Runs as the agent: its parent is the `vigil run` process, which is (or talks to) the daemon.
const AGENT = String.raw`
import ctypes, errno, os, signal, subprocess
libc = ctypes.CDLL(None, use_errno=True)
# vigil's PID as its own namespace numbers it: /proc is the host's, the PID namespace is not
def find_vigil():
    for d in os.listdir("/proc"):
        if not d.isdigit(): continue
        try: cmd = open(f"/proc/{d}/cmdline", "rb").read().split(b"\0")
        except OSError: continue
        if any(c.endswith(b"main.js") for c in cmd) and b"run" in cmd: return int(d)
    raise SystemExit("vigil run not found in /proc")
vigil = find_vigil()
threads = [int(t) for t in os.listdir(f"/proc/{vigil}/task") if int(t) != vigil]
print("in-namespace-pid", os.getpid())
def res(name, f):
    try:
        f(); print(name, "ok")
    except OSError as e:
        print(name, errno.errorcode.get(e.errno, e.errno))
def sysc(name, *args):
    r = libc.syscall(*args)
    print(name, "ok" if r >= 0 else errno.errorcode.get(ctypes.get_errno(), "?"))
res("kill-vigil", lambda: os.kill(vigil, 0))
for t in threads: res("kill-vigil-thread", lambda: os.kill(t, 0))
res("kill-group", lambda: os.kill(0, 0))
res("kill-all", lambda: os.kill(-1, 0))
sysc("tgkill-vigil", 234, vigil, vigil, 0)
res("pidfd-vigil", lambda: os.close(os.pidfd_open(vigil)))
sysc("ptrace-vigil", 101, 16, vigil, 0, 0)
sysc("bpf", 321, 0, 0, 0)
child = subprocess.Popen(["sleep", "30"])
res("kill-own-child", lambda: os.kill(child.pid, signal.SIGTERM))
print("child-status", child.wait())
`;
import { readAuditLog } from '../support/audit-log.js';

test('vigil run: the agent cannot signal, trace or pidfd-open vigil, nor call bpf(); its children it can', async (t) => {
  if (!(await requires(t, 'root', 'tp_btf', 'seccomp'))) return;
  const dir = mkdtempSync(join(tmpdir(), 'vigil-self-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const log = join(dir, 'audit.jsonl');
  const r = spawnSync(
    process.execPath,
    [VIGIL, 'run', '--framework', 'generic', '--audit-log', log, '--', '/usr/bin/python3', '-c', AGENT],
    { encoding: 'utf8', cwd: dir, timeout: 60_000 },
  );
  const out = r.stdout + r.stderr;
  assert.equal(r.status, 0, out);
  // vigil's processes and threads are not in the agent's PID namespace (ESRCH)
  assert.match(out, /^in-namespace-pid 2$/m, `the agent is PID 2 of its own namespace:\n${out}`);
  for (const what of ['kill-vigil', 'kill-vigil-thread', 'tgkill-vigil', 'pidfd-vigil'])
    assert.match(out, new RegExp(`^${what} (ESRCH|EPERM)$`, 'm'), `${what} cannot reach vigil:\n${out}`);
  assert.doesNotMatch(out, /^kill-vigil-thread ok$/m, out);
  for (const what of ['kill-group', 'kill-all', 'ptrace-vigil', 'bpf'])
    assert.match(out, new RegExp(`^${what} EPERM$`, 'm'), `${what} is refused:\n${out}`);
  assert.match(out, /^kill-own-child ok$/m, out);
  assert.match(out, /^child-status -15$/m, 'the agent still signals its own children');
  // vigil lived through it and closed the session
  const lines = readAuditLog(log);
  assert.ok(
    lines.some((l) => l.event === 'session_end'),
    'the session ended normally',
  );
  // each refusal of the filter is an audit line
  const refused = lines.flatMap((l) => (l.event === 'syscall' ? [l.syscall] : []));
  for (const call of ['kill', 'ptrace', 'bpf'])
    assert.ok(refused.includes(call), `${call}: ${refused.join(', ')}`);
});
