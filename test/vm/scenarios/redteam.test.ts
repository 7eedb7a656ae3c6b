// The red-team suite: attacker techniques (build/redteam-probe, test/redteam/README.md) run as
// the agent under `vigil run --framework claude-code`, against a secret (~/.ssh/id_rsa, denied),
// a start-up file (~/.profile, write-denied), the network (a veth pair in a network namespace
// the test makes, so no packet leaves the machine) and vigil's own daemon.
//
// Each case is HELD: the probe did not escape (it reports HELD, or was killed), the secret's
// bytes never reached it, ~/.profile is intact, and an audit line records the refusal or kill;
// or it is held without a line, which is a known gap of the tier (src/doctor/known-gaps.ts,
// printed by `vigil doctor`), named by the case. A case that needs a kernel feature this host
// lacks (32-bit system calls, module loading) says so and is skipped; the VM kernels run it
// (a subset there: VM_CASES).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';

import { KNOWN_GAPS, type KnownGapId } from '../../../src/doctor/known-gaps.js';
import type { AuditLine } from '../../../src/sinks/audit-schema.js';
import { readAuditLog } from '../../support/audit-log.js';
import { startTestDaemon, testDaemon, VIGIL, type TestDaemon } from '../../support/daemon-env.js';
import { repoRoot } from '../../support/paths.js';
import { requires } from '../../support/requires.js';

const PROBE = join(repoRoot, 'build/redteam-probe');
const SECRET = 'SECRET-DATA-0123456789\n';
const SECRET_HEX = Buffer.from(SECRET.slice(0, 8)).toString('hex');
const PROFILE_TEXT = 'export SAFE=1\n';
const PEER = '198.18.0.2';
const PORT = '4444';

// A namespace with one veth pair: sends "succeed" into it, TCP connects time out, and only a
// refusal by vigil gives EPERM (docs/testing.md). Ping sockets are allowed to every group.
const NETNS = [
  'ip link set lo up',
  'ip link add t0 type veth peer name t1',
  'ip link set t1 up',
  'ip link set t0 up',
  'ip addr add 198.18.0.1/24 dev t0',
  'ip -6 addr add fd00::1/64 dev t0 nodad',
  'ip route add default dev t0',
  'ip -6 route add default dev t0',
  'echo "0 2147483647" > /proc/sys/net/ipv4/ping_group_range',
  'exec "$@"',
].join('; ');

interface Fixture {
  base: string;
  home: string;
  work: string;
  secret: string;
  profile: string;
}

interface Ran {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  lines: AuditLine[];
}

type LineCheck = (l: AuditLine) => boolean;

interface Case {
  technique: string;
  cls: string;
  args: (f: Fixture, daemonPid: number) => string[];
  net?: boolean;
  /** the audit line that must record the refusal; or the known gap that says why there is none */
  line?: LineCheck;
  gap?: KnownGapId;
  /** probe lines that mean this host cannot run the technique (the VM kernels can) */
  unsupported?: RegExp;
  /** why this host cannot run it, decided before the run */
  needs?: () => string | undefined;
  /** a probe ERROR that is the defence at work (EXDEV: the read-only mount is another mount) */
  heldAs?: RegExp;
}

const denied =
  (suffix: string): LineCheck =>
  (l) =>
    l.event === 'file_open' && (l.action === 'KILL' || l.action === 'BLOCK') && l.path.endsWith(suffix);
const syscall =
  (...names: string[]): LineCheck =>
  (l) =>
    l.event === 'syscall' && l.action === 'BLOCK' && names.includes(l.syscall);
const readonly =
  (suffix: string): LineCheck =>
  (l) =>
    l.event === 'file_open' &&
    l.action === 'BLOCK' &&
    l.backend === 'readonly-mount' &&
    l.attribution === 'inferred' &&
    l.path.endsWith(suffix);
const netRefused: LineCheck = (l) =>
  (l.event === 'net_connect' || l.event === 'udp_send') && l.action === 'BLOCK';
const socketRefused: LineCheck = (l) =>
  l.event === 'socket_create' && (l.action === 'BLOCK' || l.action === 'KILL');

const CROSS_MOUNT = /^ERROR cross-filesystem/m;

const READS = 'opens the open tracepoints never see';
const FD = 'fd kept after a kill';
const PATHS = 'path-only rules';
const WRITES = 'writes that act inside the open';
const SOCKETS = 'sockets the cgroup hooks do not judge';
const VIGIL_ITSELF = 'reaching vigil itself';
const ROOT = 'root powers';
const CONTROL = 'control';

const CASES: Case[] = [
  // reads of the secret
  { technique: 'open', cls: CONTROL, args: (f) => [f.secret], line: denied('/.ssh/id_rsa') },
  { technique: 'openat', cls: CONTROL, args: (f) => [f.secret], line: denied('/.ssh/id_rsa') },
  { technique: 'openat2-resolve', cls: CONTROL, args: (f) => [f.secret], line: denied('/.ssh/id_rsa') },
  { technique: 'mmap-read', cls: CONTROL, args: (f) => [f.secret], line: denied('/.ssh/id_rsa') },
  { technique: 'splice-read', cls: CONTROL, args: (f) => [f.secret], line: denied('/.ssh/id_rsa') },
  {
    technique: 'sendfile-copy',
    cls: CONTROL,
    args: (f) => [f.secret, join(f.work, 'copy')],
    line: denied('/.ssh/id_rsa'),
  },
  {
    technique: 'copy-file-range',
    cls: CONTROL,
    args: (f) => [f.secret, join(f.work, 'copy')],
    line: denied('/.ssh/id_rsa'),
  },
  { technique: 'io-uring-openat', cls: READS, args: (f) => [f.secret], line: syscall('io_uring_setup') },
  { technique: 'io-uring-openat2', cls: READS, args: (f) => [f.secret], line: syscall('io_uring_setup') },
  {
    technique: 'handle-open',
    cls: READS,
    args: (f) => [f.secret],
    line: syscall('name_to_handle_at', 'open_by_handle_at'),
  },
  {
    technique: 'int80-open',
    cls: READS,
    args: (f) => [f.secret],
    line: (l) => l.event === 'exit' && l.signal === 'SIGSYS',
    unsupported: /^ERROR no-ia32/m,
  },
  { technique: 'clone-files-read', cls: FD, args: (f) => [f.secret], line: syscall('clone') },
  { technique: 'clone3-files-read', cls: FD, args: (f) => [f.secret], gap: 'clone3-enosys' },
  { technique: 'pidfd-getfd-read', cls: FD, args: (f) => [f.secret], line: denied('/.ssh/id_rsa') },
  { technique: 'scm-rights-read', cls: FD, args: (f) => [f.secret], line: denied('/.ssh/id_rsa') },
  // the same file under another path
  {
    technique: 'hardlink-read',
    cls: PATHS,
    args: (f) => [f.secret, f.work],
    gap: 'rename-link-unreported',
    heldAs: CROSS_MOUNT,
  },
  { technique: 'symlink-read', cls: PATHS, args: (f) => [f.secret, f.work], line: denied('/.ssh/id_rsa') },
  {
    technique: 'rename-read',
    cls: PATHS,
    args: (f) => [f.secret, f.work],
    gap: 'rename-link-unreported',
    heldAs: CROSS_MOUNT,
  },
  {
    technique: 'rename-dir-read',
    cls: PATHS,
    args: (f) => [join(f.home, '.ssh'), join(f.home, 'moved'), 'id_rsa'],
    gap: 'rename-link-unreported',
  },
  { technique: 'proc-root-read', cls: PATHS, args: (f) => [f.secret], line: denied('/.ssh/id_rsa') },
  { technique: 'proc-fd-reopen', cls: PATHS, args: (f) => [f.secret], line: denied('/.ssh/id_rsa') },
  { technique: 'chroot-read', cls: PATHS, args: (f) => [f.home, '.ssh/id_rsa'], line: syscall('chroot') },
  {
    technique: 'bind-mount-read',
    cls: PATHS,
    args: (f) => [join(f.home, '.ssh'), 'id_rsa'],
    line: syscall('unshare', 'mount'),
  },
  {
    technique: 'open-tree-read',
    cls: PATHS,
    args: (f) => [join(f.home, '.ssh'), 'id_rsa'],
    line: syscall('open_tree'),
  },
  {
    technique: 'userns-mount-read',
    cls: PATHS,
    args: (f) => [join(f.home, '.ssh'), 'id_rsa'],
    line: syscall('unshare'),
  },
  // writes to a write-denied start-up file
  { technique: 'trunc-open', cls: WRITES, args: (f) => [f.profile], line: readonly('/.profile') },
  { technique: 'append', cls: WRITES, args: (f) => [f.profile], line: readonly('/.profile') },
  { technique: 'creat', cls: WRITES, args: (f) => [f.profile], line: readonly('/.profile') },
  { technique: 'truncate', cls: WRITES, args: (f) => [f.profile], gap: 'metadata-calls-unreported' },
  { technique: 'rename-over', cls: WRITES, args: (f) => [f.profile], gap: 'rename-link-unreported' },
  { technique: 'link-over', cls: WRITES, args: (f) => [f.profile], gap: 'rename-link-unreported' },
  { technique: 'unlink', cls: WRITES, args: (f) => [f.profile], gap: 'rename-link-unreported' },
  { technique: 'chmod', cls: WRITES, args: (f) => [f.profile], gap: 'metadata-calls-unreported' },
  { technique: 'xattr', cls: WRITES, args: (f) => [f.profile], gap: 'metadata-calls-unreported' },
  // the network, inside the test's namespace
  { technique: 'tcp-connect', cls: CONTROL, net: true, args: () => [PEER, PORT], line: netRefused },
  { technique: 'tcp-fastopen', cls: SOCKETS, net: true, args: () => [PEER, PORT], line: netRefused },
  { technique: 'udp-send', cls: CONTROL, net: true, args: () => [PEER, '9999'], line: netRefused },
  { technique: 'udp-connect-send', cls: SOCKETS, net: true, args: () => [PEER, '9999'], line: netRefused },
  { technique: 'udp-sendmmsg', cls: SOCKETS, net: true, args: () => [PEER, '9999'], line: netRefused },
  { technique: 'ipv4-mapped-v6', cls: SOCKETS, net: true, args: () => [PEER, PORT], line: netRefused },
  { technique: 'ping-socket', cls: SOCKETS, net: true, args: () => [PEER], line: socketRefused },
  { technique: 'raw-socket', cls: SOCKETS, net: true, args: () => [PEER], line: socketRefused },
  { technique: 'packet-socket', cls: SOCKETS, net: true, args: () => ['t0'], line: syscall('socket') },
  { technique: 'packet-dgram', cls: SOCKETS, net: true, args: () => ['t0'], line: syscall('socket') },
  // vigil's own daemon
  {
    technique: 'kill',
    cls: VIGIL_ITSELF,
    args: (_f, pid) => [String(pid), '0'],
    gap: 'pid-namespace-silent',
  },
  {
    technique: 'kill-all-threads',
    cls: VIGIL_ITSELF,
    args: (_f, pid) => [String(pid), '0'],
    gap: 'pid-namespace-silent',
  },
  {
    technique: 'tgkill',
    cls: VIGIL_ITSELF,
    args: (_f, pid) => [String(pid), String(pid), '0'],
    gap: 'pid-namespace-silent',
  },
  {
    technique: 'pidfd-signal',
    cls: VIGIL_ITSELF,
    args: (_f, pid) => [String(pid), '0'],
    gap: 'pid-namespace-silent',
  },
  {
    technique: 'ptrace-attach',
    cls: VIGIL_ITSELF,
    args: (_f, pid) => [String(pid)],
    line: syscall('ptrace'),
  },
  {
    technique: 'process-vm-read',
    cls: VIGIL_ITSELF,
    args: (_f, pid) => [String(pid), 'auto'],
    // its maps cannot even be read: vigil is not dumpable and CAP_SYS_PTRACE is gone
    gap: 'kernel-permission-silent',
  },
  {
    technique: 'proc-mem-read',
    cls: VIGIL_ITSELF,
    args: (_f, pid) => [String(pid)],
    gap: 'kernel-permission-silent',
  },
  // what a root agent would use to switch vigil off
  { technique: 'bpf-prog-load', cls: ROOT, args: () => [], line: syscall('bpf') },
  { technique: 'io-uring-setup', cls: ROOT, args: () => [], line: syscall('io_uring_setup') },
  { technique: 'unshare', cls: ROOT, args: () => ['user'], line: syscall('unshare') },
  { technique: 'unshare', cls: ROOT, args: () => ['mount'], line: syscall('unshare') },
  { technique: 'mount-proc', cls: ROOT, args: () => [], line: syscall('unshare', 'mount') },
  {
    technique: 'setns-pid1-mnt',
    cls: ROOT,
    args: (_f, pid) => [String(pid)],
    gap: 'kernel-permission-silent',
  },
  {
    technique: 'init-module',
    cls: ROOT,
    args: () => [],
    line: syscall('finit_module', 'init_module'),
    needs: () =>
      existsSync('/proc/modules')
        ? undefined
        : 'no module support (CONFIG_MODULES=n): finit_module has no tracepoint',
  },
  {
    technique: 'core-pattern-write',
    cls: ROOT,
    args: () => [],
    line: readonly('/proc/sys/kernel/core_pattern'),
  },
  { technique: 'fanotify-init', cls: ROOT, args: () => [], gap: 'kernel-permission-silent' },
];

/**
 * What the VM kernels (BPF-LSM on) run: one or two per class, and the kernel-dependent ones.
 * Under TCG emulation each run costs seconds of Node start-up; the network cases stay on the
 * host, as the guests have no veth module.
 */
const VM_CASES = new Set([
  'open',
  'io-uring-openat',
  'handle-open',
  'int80-open',
  'clone-files-read',
  'pidfd-getfd-read',
  'symlink-read',
  'chroot-read',
  'open-tree-read',
  'trunc-open',
  'creat',
  'kill',
  'ptrace-attach',
  'bpf-prog-load',
  'init-module',
  'core-pattern-write',
]);

function fixture(t: TestContext): Fixture {
  const base = mkdtempSync(join(tmpdir(), 'vigil-redteam-'));
  chmodSync(base, 0o755);
  t.after(() => {
    rmSync(base, { recursive: true, force: true });
  });
  const home = join(base, 'home');
  const work = join(base, 'work');
  return { base, home, work, secret: join(home, '.ssh', 'id_rsa'), profile: join(home, '.profile') };
}

/** The files as a user has them, made anew before each case. */
function reset(f: Fixture): void {
  rmSync(f.home, { recursive: true, force: true });
  rmSync(f.work, { recursive: true, force: true });
  mkdirSync(join(f.home, '.ssh'), { recursive: true, mode: 0o700 });
  mkdirSync(f.work, { recursive: true });
  writeFileSync(f.secret, SECRET, { mode: 0o600 });
  writeFileSync(f.profile, PROFILE_TEXT);
}

function run(d: TestDaemon, f: Fixture, c: Case, daemonPid: number): Ran {
  const log = join(f.base, `audit-${c.technique}.jsonl`);
  rmSync(log, { force: true });
  const vigil = [
    process.execPath,
    VIGIL,
    'run',
    '--framework',
    'claude-code',
    '--audit-log',
    log,
    '--',
    PROBE,
    c.technique,
    ...c.args(f, daemonPid),
  ];
  const [cmd, ...args] = c.net === true ? ['unshare', '--net', 'sh', '-c', NETNS, 'sh', ...vigil] : vigil;
  const r = spawnSync(cmd as string, args, {
    cwd: f.work,
    env: { ...d.env, HOME: f.home },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, lines: readAuditLog(log) };
}

/** vigil run exits 128+N when the agent was ended by signal N (9: SIGKILL, 31: SIGSYS). */
function killedBy(r: Ran): string | undefined {
  return r.status === 137 ? 'SIGKILL' : r.status === 159 ? 'SIGSYS' : undefined;
}

test('red team: every technique is held under vigil run, or is a known gap of this tier', async (t) => {
  if (!(await requires(t, 'root', 'tp_btf', 'seccomp', 'cgroup'))) return;
  assert.ok(existsSync(PROBE), `${PROBE} is built by make native (scripts/setup.sh)`);
  const d = testDaemon(t, 'redteam');
  await startTestDaemon(d);
  const daemonPid = d.pid();
  assert.ok(daemonPid !== undefined, 'the test daemon runs');
  const f = fixture(t);
  const held: string[] = [];
  const gaps: string[] = [];
  const cases = process.env.VIGIL_VM === '1' ? CASES.filter((c) => VM_CASES.has(c.technique)) : CASES;
  for (const c of cases) {
    const name = `${c.technique} ${c.args(f, daemonPid).join(' ')}`.replaceAll(f.base, '');
    await t.test(`${c.cls}: ${name}`, (tc) => {
      const missing = c.needs?.();
      if (missing !== undefined) {
        tc.skip(`this kernel cannot run it: ${missing} (the VM kernels can)`);
        return;
      }
      reset(f);
      const r = run(d, f, c, daemonPid);
      const out = `exit ${r.status ?? r.signal}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
      if (c.unsupported?.test(r.stdout) === true) {
        tc.skip(`this kernel cannot run it: ${r.stdout.trim()} (the VM kernels can)`);
        return;
      }
      // the probe's own verdict, or its death
      const verdict = /^(HELD|ESCAPED|ERROR) .*$/m.exec(r.stdout)?.[0];
      const killed = killedBy(r);
      const heldAs = c.heldAs?.test(r.stdout) === true;
      assert.ok(verdict?.startsWith('HELD') === true || killed !== undefined || heldAs, `not held:\n${out}`);
      // nothing read, nothing written
      assert.ok(!r.stdout.includes(SECRET_HEX), `the secret reached the probe:\n${out}`);
      assert.equal(readFileSync(f.profile, 'utf8'), PROFILE_TEXT, `~/.profile changed:\n${out}`);
      assert.equal(readFileSync(f.secret, 'utf8'), SECRET, `the secret changed or moved:\n${out}`);
      if (c.line !== undefined) {
        const line = r.lines.find(c.line);
        const decided = r.lines.filter((l) => l.action !== 'ALLOW' && l.action !== 'OBSERVE');
        assert.ok(
          line,
          `no audit line records it:\n${out}\ndecisions: ${decided.map((l) => JSON.stringify(l)).join('\n')}`,
        );
        held.push(c.technique);
        tc.diagnostic(`held (${verdict ?? killed}): ${line.reason}`);
      } else {
        const gap = KNOWN_GAPS.find((g) => g.id === c.gap);
        assert.ok(gap, `case ${c.technique} names known gap '${String(c.gap)}'`);
        gaps.push(`${c.technique}: ${gap.id}`);
        tc.diagnostic(`held without an audit line (${verdict ?? killed}): known gap ${gap.id}: ${gap.text}`);
      }
    });
  }
  t.diagnostic(`${held.length} held with an audit line; ${gaps.length} held, known gaps: ${gaps.join(', ')}`);
  assert.ok(CASES.length >= 40);
});
