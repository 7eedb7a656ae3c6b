import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { LSM_HOOKS, lsmProbeId } from '../../../src/doctor/facts.js';
import { decide, type Protection, type Verdict } from '../../../src/doctor/ladder.js';
import type { DoctorProtectionId as ProtectionId } from '../../../src/protections.js';
import { failedResult, facts, lsmHost, noBtfHost, nonRootHost, thisHost } from './fact-sets.js';

function protection(v: Verdict, id: ProtectionId): Protection {
  const p = v.protections.find((x) => x.id === id);
  assert.ok(p, `no protection ${id}`);
  return p;
}

function selected(v: Verdict, id: ProtectionId): string[] {
  return protection(v, id)
    .rungs.filter((r) => r.selected)
    .map((r) => r.backend);
}

describe('ladder: a host where BPF-LSM loads', () => {
  const v = decide(lsmHost());

  it('uses BPF-LSM, inline, for every protection and every session', () => {
    for (const p of v.protections) {
      assert.deepEqual(selected(v, p.id), ['lsm'], p.id);
      assert.equal(p.run, 'inline', p.id);
      assert.equal(p.watch, 'inline', p.id);
    }
  });

  it('can enforce, exits 0, needs no fix', () => {
    assert.equal(v.canEnforce, true);
    assert.equal(v.exitCode, 0);
    assert.equal(v.lsm.state, 'usable');
    assert.deepEqual(v.fixes, []);
  });

  it('marks the fallbacks available but not selected', () => {
    const connect = protection(v, 'connect');
    const cgroup = connect.rungs.find((r) => r.backend === 'cgroup');
    assert.ok(cgroup);
    assert.equal(cgroup.available, true);
    assert.equal(cgroup.selected, false);
  });
});

describe('ladder: this host (BPF-LSM active, EPERM at load)', () => {
  const v = decide(thisHost());

  it('says active but not loadable, with the errno and why', () => {
    assert.equal(v.lsm.state, 'active_not_loadable');
    assert.equal(v.lsm.active, true);
    assert.equal(v.lsm.loadable, false);
    assert.match(v.lsm.summary, /active but not loadable \(EPERM at load\)/);
    assert.match(v.lsm.explanation, /not a missing boot parameter/);
    assert.deepEqual(
      v.lsm.refused.map((r) => r.hook),
      [...LSM_HOOKS],
    );
    assert.ok(v.lsm.fix !== null && !v.lsm.fix.includes('lsm='), 'no boot parameter fixes EPERM at load');
  });

  it('exec falls back to sched_process_exec + SIGKILL, reactive', () => {
    const exec = protection(v, 'exec');
    assert.deepEqual(selected(v, 'exec'), ['exec_kill']);
    assert.equal(exec.run, 'reactive');
    assert.equal(exec.watch, 'reactive');
    assert.match(exec.rungs[1]?.short ?? '', /killed before its first instruction/);
  });

  it('file open: Landlock inline for vigil run only, the tracepoint kill reactive for all', () => {
    const f = protection(v, 'file_open');
    assert.deepEqual(selected(v, 'file_open'), ['landlock', 'tracepoint_kill']);
    assert.equal(f.run, 'inline');
    assert.equal(f.watch, 'reactive');
    assert.equal(f.rungs.find((r) => r.backend === 'landlock')?.scope, 'run');
  });

  it('network and raw sockets use cgroup-BPF, inline', () => {
    for (const id of ['connect', 'udp_send', 'raw_sockets'] as const) {
      assert.deepEqual(selected(v, id), ['cgroup'], id);
      assert.equal(protection(v, id).watch, 'inline', id);
    }
  });

  it('self-protection: seccomp for vigil run, nothing for watch/attach', () => {
    const s = protection(v, 'self_protection');
    assert.deepEqual(selected(v, 'self_protection'), ['seccomp']);
    assert.equal(s.run, 'inline');
    assert.equal(s.watch, 'none');
  });

  it('can enforce (exit 0) and lists the LSM fix once', () => {
    assert.equal(v.exitCode, 0);
    assert.deepEqual(v.blockers, []);
    assert.equal(v.fixes.length, 1);
    assert.equal(v.fixes[0]?.probe, 'lsm_active');
  });

  it('without tracefs: no reactive file-open fallback, and the mount command', () => {
    const fix = 'mount -t tracefs tracefs /sys/kernel/tracing';
    const w = decide(
      thisHost([
        failedResult('tracefs', 'ENOENT', 'not mounted', fix),
        failedResult('tracepoint', 'ENOENT', 'loads, but cannot attach: tracefs is not mounted', fix),
      ]),
    );
    const f = protection(w, 'file_open');
    assert.deepEqual(selected(w, 'file_open'), ['landlock']);
    assert.equal(f.watch, 'none');
    assert.equal(f.rungs.find((r) => r.backend === 'tracepoint_kill')?.fix, fix);
    assert.ok(w.fixes.some((x) => x.fix === fix));
    assert.equal(w.exitCode, 0);
  });
});

describe('ladder: other hosts', () => {
  it('no BTF: cannot enforce, exit 1, says which kernel option', () => {
    const v = decide(noBtfHost());
    assert.equal(v.canEnforce, false);
    assert.equal(v.exitCode, 1);
    assert.ok(
      v.blockers.some((b) => b.what.includes('BTF') && (b.fix ?? '').includes('CONFIG_DEBUG_INFO_BTF=y')),
    );
  });

  it('not root: cannot enforce, exit 1, every protection unknown, the fix is root', () => {
    const v = decide(nonRootHost());
    assert.equal(v.exitCode, 1);
    assert.match(v.blockers[0]?.fix ?? '', /run as root/);
    for (const p of v.protections) assert.equal(p.run, 'unknown', p.id);
    assert.equal(v.lsm.state, 'unknown');
  });

  it('LSM loadable but not active: the boot parameter with the current list plus bpf', () => {
    const fix = 'boot parameter lsm=lockdown,capability,yama,bpf';
    const inactive = failedResult('lsm_active', null, 'bpf is not in /sys/kernel/security/lsm', fix);
    const v = decide(facts([inactive], { lsmList: ['lockdown', 'capability', 'yama'] }));
    assert.equal(v.lsm.state, 'loadable_not_active');
    assert.match(v.lsm.fix ?? '', /lsm=lockdown,capability,yama,bpf/);
    assert.deepEqual(selected(v, 'exec'), ['exec_kill']);
    // even if the probe list and the host list disagreed, a loadable but inactive LSM is never used
    assert.deepEqual(selected(decide(facts([], { lsmList: ['capability'] })), 'exec'), ['exec_kill']);
  });

  it('some LSM hooks refused: only those protections fall back', () => {
    const v = decide(facts([failedResult(lsmProbeId('bpf'), 'EPERM', 'EPERM at load', 'x')]));
    assert.equal(v.lsm.state, 'partially_loadable');
    assert.deepEqual(selected(v, 'exec'), ['lsm']);
    assert.deepEqual(selected(v, 'self_protection'), ['seccomp']);
  });

  it('Landlock not enabled: file open falls to the tracepoint kill', () => {
    const v = decide(
      thisHost([failedResult('landlock', 'EOPNOTSUPP', 'not enabled', 'boot parameter lsm=...,landlock')]),
    );
    assert.deepEqual(selected(v, 'file_open'), ['tracepoint_kill']);
    assert.equal(protection(v, 'file_open').run, 'reactive');
  });

  it('no cgroup v2 and no LSM: network unenforced, with the cgroup2 fix', () => {
    const fix = 'mount -t cgroup2 none /sys/fs/cgroup/unified';
    const v = decide(thisHost([failedResult('cgroup2', 'ENOENT', 'no cgroup v2', fix)]));
    assert.equal(protection(v, 'connect').run, 'none');
    assert.equal(protection(v, 'connect').rungs[1]?.fix, fix);
    assert.equal(v.exitCode, 0, 'exec and files still enforce');
  });

  it('ring buffer broken: cannot enforce', () => {
    const v = decide(thisHost([failedResult('ringbuf', null, 'no record', null)]));
    assert.equal(v.exitCode, 1);
  });
});
