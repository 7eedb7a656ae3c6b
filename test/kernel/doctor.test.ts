// The real probes on this machine (root). KERNEL-NOTES.md says what it allows: BPF-LSM active
// but EPERM at load, cgroup-BPF, tracepoints, tp_btf, bpf_send_signal, ringbuf, Landlock, seccomp.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';

import { doctorCommand } from '../../src/cli/doctor-command.js';
import { connectOrStartDaemon } from '../../src/daemon/control-client.js';
import { runDoctor, type DoctorRun } from '../../src/doctor/doctor.js';
import { CGROUP_HOOKS, LSM_HOOKS, cgroupProbeId, lsmProbeId } from '../../src/doctor/facts.js';
import { cgroup2Root } from '../../src/system/cgroup.js';
import { bpfObjectPath } from '../../src/system/paths.js';

const skip =
  process.geteuid?.() !== 0
    ? 'needs root (loads BPF programs): run the kernel tests as root'
    : !existsSync(bpfObjectPath('probes/core_probe.bpf.o'))
      ? 'needs the probe objects: run make -s kernel'
      : null;

/** Ids of loaded programs whose name starts with probe_ (bpftool truncates names to 15 chars). */
function probePrograms(): number[] | null {
  const r = spawnSync('bpftool', ['-j', 'prog', 'show'], { encoding: 'utf8' });
  if (r.status !== 0) return null;
  const progs = JSON.parse(r.stdout) as { id: number; name?: string }[];
  return progs.filter((p) => p.name?.startsWith('probe_') === true).map((p) => p.id);
}

if (skip !== null) {
  it('vigil doctor on this kernel', (t) => {
    t.skip(skip);
  });
}

describe('vigil doctor on this kernel', { skip: skip !== null }, () => {
  let run: DoctorRun;
  let before_: number[] | null;

  before(async () => {
    before_ = probePrograms();
    run = await runDoctor();
  });

  it('runs well under 2 seconds', () => {
    assert.ok(run.facts.durationMs < 2000, `took ${run.facts.durationMs} ms`);
  });

  it('can enforce: root, BTF, CO-RE, ring buffer and BPF_PROG_RUN work (exit 0)', () => {
    const p = run.facts.probes;
    for (const id of ['privileges', 'native', 'btf_vmlinux', 'btf_core', 'ringbuf', 'prog_run'] as const) {
      assert.equal(p[id].status, 'ok', `${id}: ${p[id].detail}`);
    }
    assert.deepEqual(run.verdict.blockers, []);
    assert.equal(run.verdict.exitCode, 0);
  });

  it('BPF-LSM: active, and each hook either loads or is refused with the real errno', () => {
    const { lsm } = run.verdict;
    assert.equal(run.facts.probes.lsm_active.status, 'ok', 'bpf is in the LSM list here');
    assert.equal(lsm.active, true);
    if (lsm.state === 'usable') return; // a kernel that allows BPF-LSM (the VM layer)
    // this host: EPERM at load for every hook
    assert.equal(lsm.state, 'active_not_loadable');
    assert.equal(lsm.loadable, false);
    for (const hook of LSM_HOOKS) {
      const r = run.facts.probes[lsmProbeId(hook)];
      assert.equal(r.status, 'failed', hook);
      assert.equal(r.errno, 'EPERM', hook);
    }
  });

  it('exec is enforced by sched_process_exec + SIGKILL when BPF-LSM cannot load', () => {
    assert.equal(run.facts.probes.tp_btf.status, 'ok');
    assert.equal(run.facts.probes.raw_tp.status, 'ok');
    assert.equal(run.facts.probes.send_signal.status, 'ok', run.facts.probes.send_signal.detail);
    const exec = run.verdict.protections.find((x) => x.id === 'exec');
    const used = exec?.rungs.filter((r) => r.selected).map((r) => r.backend);
    if (run.verdict.lsm.state === 'usable') assert.deepEqual(used, ['lsm']);
    else {
      assert.deepEqual(used, ['exec_kill']);
      assert.equal(exec?.run, 'reactive');
    }
  });

  it('every cgroup hook loads and attaches; the network is enforced inline', () => {
    assert.equal(run.facts.probes.cgroup2.status, 'ok');
    for (const hook of CGROUP_HOOKS) {
      const r = run.facts.probes[cgroupProbeId(hook)];
      assert.equal(r.status, 'ok', `${hook}: ${r.detail}`);
    }
    for (const id of ['connect', 'udp_send', 'raw_sockets']) {
      assert.equal(run.verdict.protections.find((x) => x.id === id)?.watch, 'inline', id);
    }
  });

  it('the classic tracepoint attaches when tracefs is mounted, and says how to mount it when not', () => {
    const { tracefs, tracepoint } = run.facts.probes;
    if (tracefs.status === 'ok') assert.equal(tracepoint.status, 'ok', tracepoint.detail);
    else {
      assert.equal(tracepoint.status, 'failed');
      assert.equal(tracepoint.fix, 'mount -t tracefs tracefs /sys/kernel/tracing');
    }
  });

  it('Landlock and seccomp are available', () => {
    assert.equal(run.facts.probes.landlock.status, 'ok');
    assert.ok((run.facts.host.landlockAbi ?? 0) >= 1);
    assert.equal(run.facts.probes.seccomp.status, 'ok');
  });

  it('leaves no program loaded and no test cgroup behind', async () => {
    // the kernel frees a closed program a moment later (RCU), so allow it a second
    let after = probePrograms();
    for (let i = 0; i < 20 && after !== null && before_ !== null && after.length > before_.length; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      after = probePrograms();
    }
    if (after !== null && before_ !== null) assert.deepEqual(after, before_);
    const root = cgroup2Root();
    assert.ok(root !== undefined);
    const parent = join(root, 'vigil-test');
    const left = existsSync(parent) ? readdirSync(parent).filter((n) => n.startsWith('doctor-')) : [];
    assert.deepEqual(left, []);
  });

  it('`vigil doctor --json` prints one document and exits 0', async () => {
    let stdout = '';
    const code = await doctorCommand(['--json'], {
      out: (text) => (stdout += text),
      err: (text) => assert.fail(`unexpected stderr: ${text}`),
    });
    assert.equal(code, 0);
    const doc = JSON.parse(stdout) as {
      schema_version: number;
      can_enforce: boolean;
      bpf_lsm: { active: boolean };
    };
    assert.equal(doc.schema_version, 1);
    assert.equal(doc.can_enforce, true);
    assert.equal(doc.bpf_lsm.active, true);
  });

  it('`vigil doctor` shows what a running daemon has actually attached, and says so when none runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-doctor-'));
    const socket = join(dir, 'vigil.sock');
    const doctor = async (args: string[]) => {
      let out = '';
      await doctorCommand([...args, '--socket', socket], { out: (x) => (out += x), err: (x) => (out += x) });
      return out;
    };
    try {
      assert.match(await doctor([]), /No vigil daemon is running, so nothing is attached/);
      const daemon = await connectOrStartDaemon({ socketPath: socket, inProcess: true });
      try {
        const text = await doctor([]);
        assert.match(text, new RegExp(`vigil daemon pid ${process.pid}\\b`));
        const cgroupHooks = /cgroup at \S+: ([^\n]*(?:\n {6,}[^\n]*)*)/
          .exec(text)?.[1]
          ?.split(/,\s*/)
          .map((h) => h.trim());
        assert.deepEqual(
          cgroupHooks?.sort(),
          ['connect4', 'connect6', 'recvmsg4', 'recvmsg6', 'sendmsg4', 'sendmsg6', 'sock_create'],
          text,
        );
        assert.match(text, /tp_btf: sched_process_fork, sched_process_exec, sched_process_exit/);
        const doc = JSON.parse(await doctor(['--json'])) as {
          attached: { state: string; hooks: { program: string; hook: string; cgroup: string | null }[] };
        };
        assert.equal(doc.attached.state, 'running');
        const hooks = doc.attached.hooks.map((h) => h.hook);
        assert.ok(hooks.includes('tp_btf/sched_process_exec'), hooks.join(' '));
        assert.ok(
          doc.attached.hooks.filter((h) => h.hook.startsWith('cgroup/')).every((h) => h.cgroup !== null),
        );
        // LSM hooks are listed exactly when the kernel let them attach
        assert.equal(
          hooks.some((h) => h.startsWith('lsm/')),
          run.verdict.lsm.state === 'usable',
        );
      } finally {
        await daemon.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
