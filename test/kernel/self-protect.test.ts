// Self-protection under `vigil run`: the seccomp filter the launcher installs keeps the agent
// from signalling, tracing or pidfd-opening vigil, and from bpf(); the agent's own children
// stay within its reach. Signal 0 is used throughout, so a missing filter is seen as success
// and never actually harms the vigil process under test.
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
vigil = os.getppid()
def res(name, f):
    try:
        f(); print(name, "ok")
    except OSError as e:
        print(name, errno.errorcode.get(e.errno, e.errno))
def sysc(name, *args):
    r = libc.syscall(*args)
    print(name, "ok" if r >= 0 else errno.errorcode.get(ctypes.get_errno(), "?"))
res("kill-vigil", lambda: os.kill(vigil, 0))
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
  for (const what of [
    'kill-vigil',
    'kill-group',
    'kill-all',
    'tgkill-vigil',
    'pidfd-vigil',
    'ptrace-vigil',
    'bpf',
  ]) {
    assert.match(out, new RegExp(`^${what} EPERM$`, 'm'), `${what} is refused:\n${out}`);
  }
  assert.match(out, /^kill-own-child ok$/m, out);
  assert.match(out, /^child-status -15$/m, 'the agent still signals its own children');
  // vigil lived through it and closed the session
  const lines = readAuditLog(log);
  assert.ok(
    lines.some((l) => l.event === 'session_end'),
    'the session ended normally',
  );
});
