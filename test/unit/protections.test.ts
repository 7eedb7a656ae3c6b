// The table of protections and backends (src/protections.ts) is consistent with itself, with the
// kernel programs it names, and with what the kernel report, doctor and audit lines derive from it.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { test } from 'node:test';

import { decide } from '../../src/doctor/ladder.js';
import { LSM_BACKEND, MSG_FLAG } from '../../src/wire/wire-layout.js';
import type { AgentEvent } from '../../src/wire/events.js';
import { adoptedLsm } from '../../src/loader/backends.js';
import type { PinnedState } from '../../src/loader/pinned-state.js';
import {
  CGROUP_HOOKS,
  LINEAGE_BACKENDS,
  LSM_HOOKS,
  LSM_PROGRAMS,
  PROTECTIONS,
  lsmBackendOf,
  lsmProgramsOf,
} from '../../src/protections.js';
import { reportingBackend } from '../../src/sinks/audit-line.js';
import { elfSectionNames } from '../support/elf-sections.js';
import { bpfObject, repoRoot } from '../support/paths.js';
import { lsmHost, thisHost } from './doctor/fact-sets.js';

/** `SEC("<section>") int [BPF_PROG(]<name>` of every C file and header under a kernel folder. */
function programsIn(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of readdirSync(`${repoRoot}kernel/${dir}`).filter((n) => /\.(c|h)$/.test(n))) {
    const text = readFileSync(`${repoRoot}kernel/${dir}/${f}`, 'utf8');
    for (const m of text.matchAll(/^SEC\("([^"]+)"\)\s*\nint (?:BPF_PROG\()?(\w+)/gm))
      out.set(m[2] as string, m[1] as string);
  }
  return out;
}

/** A pinned state with these LSM links, as a re-adopting daemon reads it. */
function pinsWith(programs: readonly string[]): PinnedState {
  return { linkNames: () => [...programs] } as unknown as PinnedState;
}

test('ids are unique, and every protection has LSM programs and a fallback', () => {
  assert.equal(new Set(PROTECTIONS.map((p) => p.id)).size, PROTECTIONS.length);
  assert.equal(new Set(PROTECTIONS.map((p) => p.doctor.id)).size, PROTECTIONS.length);
  assert.equal(new Set(LSM_PROGRAMS.map((p) => p.program)).size, LSM_PROGRAMS.length);
  assert.equal(new Set(LSM_HOOKS).size, LSM_HOOKS.length);
  for (const p of PROTECTIONS) {
    assert.ok(lsmProgramsOf(p.id).length > 0, `${p.id} has no LSM program`);
    assert.match(p.fallback.backend, /^[a-z_]+:\S/, `${p.id}'s fallback is named '<type>:<name>'`);
    if (p.cgroup.length > 0) {
      assert.equal(p.fallback.rung, 'cgroup');
      assert.equal(p.fallback.backend, `cgroup:${p.cgroup.map((c) => c.hook).join('/')}`);
    }
  }
  for (const h of LSM_PROGRAMS)
    assert.ok(
      PROTECTIONS.some((p) => p.id === h.protection),
      `${h.program} is for an unknown protection`,
    );
});

test('each lsm_backends bit is one protection, all of its LSM programs, and every bit is used', () => {
  const withBit = LSM_PROGRAMS.filter((h) => h.bit !== 0);
  assert.deepEqual(
    [...new Set(withBit.map((h) => h.bit))].sort((a, b) => a - b),
    Object.values(LSM_BACKEND).sort((a, b) => a - b),
  );
  for (const h of withBit) {
    assert.ok(
      lsmProgramsOf(h.protection).every((x) => x.bit === h.bit),
      `${h.program}: every program of '${h.protection}' carries its bit`,
    );
    assert.ok(
      withBit.every((x) => x.bit !== h.bit || x.protection === h.protection),
      `${h.program}: the bit is '${h.protection}'s alone`,
    );
  }
});

test('every LSM program of the table is in kernel/lsm with its hook, and no other', () => {
  const inSource = programsIn('lsm');
  const lsm = new Map([...inSource].filter(([, section]) => section.startsWith('lsm/')));
  assert.deepEqual(
    new Map(LSM_PROGRAMS.map((h) => [h.program, `lsm/${h.hook}`])),
    lsm,
    'kernel/lsm programs vs LSM_PROGRAMS',
  );
  // the doctor probes each hook with probe_<hook>
  const probes = programsIn('probes');
  for (const hook of LSM_HOOKS) assert.equal(probes.get(`probe_${hook}`), `lsm/${hook}`, hook);
});

test('the compiled LSM object has a section for every LSM hook of the table', () => {
  const path = bpfObject('lsm/vigil_lsm.bpf.o');
  assert.ok(existsSync(path), `${path} is missing: run scripts/setup.sh (or make kernel) first`);
  const sections = new Set(elfSectionNames(path));
  for (const hook of LSM_HOOKS) assert.ok(sections.has(`lsm/${hook}`), `no section lsm/${hook} in ${path}`);
});

test('the fallback and lineage hooks the table names are programs of kernel/hooks', () => {
  const sections = new Set(programsIn('hooks').values());
  for (const hook of CGROUP_HOOKS) assert.ok(sections.has(`cgroup/${hook}`), `cgroup/${hook}`);
  const named = [...PROTECTIONS.map((p) => p.fallback.backend), ...Object.values(LINEAGE_BACKENDS)];
  // 'tracepoint:syscalls/sys_enter_mmap,sys_enter_*mprotect': a section glob, then more in its folder
  for (const backend of named.filter((b) => /^(tp_btf|tracepoint):/.test(b))) {
    const [first, ...more] = backend.replace(':', '/').split(',') as [string, ...string[]];
    const folder = first.slice(0, first.lastIndexOf('/') + 1);
    for (const glob of [first, ...more.map((m) => folder + m)]) {
      const re = new RegExp(`^${glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
      assert.ok(
        [...sections].some((s) => re.test(s)),
        `no program for ${glob} (${backend})`,
      );
    }
  }
});

test('the kernel report: fallbacks without BPF-LSM, the table LSM backends with it', () => {
  const none = adoptedLsm(pinsWith([])).report;
  const all = adoptedLsm(pinsWith(LSM_PROGRAMS.map((h) => h.program))).report;
  assert.deepEqual(
    Object.keys(none.protections),
    PROTECTIONS.map((p) => p.id),
  );
  for (const p of PROTECTIONS) {
    assert.deepEqual(none.protections[p.id], {
      backend: p.fallback.backend,
      enforcement: p.fallback.enforcement,
    });
    assert.deepEqual(all.protections[p.id], { backend: lsmBackendOf(p.id), enforcement: 'inline' });
  }
});

test('doctor rows: one per protection, from its LSM hooks down to its fallback', () => {
  for (const facts of [lsmHost(), thisHost()]) {
    const rows = decide(facts).protections;
    assert.deepEqual(
      rows.map((r) => [r.id, r.title]),
      PROTECTIONS.map((p) => [p.doctor.id, p.doctor.title]),
    );
    PROTECTIONS.forEach((p, i) => {
      const rungs = rows[i]?.rungs ?? [];
      const lsm = rungs[0];
      const fallback = rungs[rungs.length - 1];
      assert.equal(lsm?.backend, 'lsm', p.id);
      const lsmProbes = lsm.requires.filter((id) => id !== 'lsm_active');
      assert.deepEqual(
        lsmProbes,
        lsmProgramsOf(p.id).map((h) => `lsm_${h.hook}`),
        p.id,
      );
      assert.equal(fallback?.backend, p.fallback.rung, p.id);
      assert.equal(fallback.mode, p.fallback.enforcement, p.id);
    });
  }
});

test('audit lines name the backend of the protection that decides the event', () => {
  for (const p of PROTECTIONS) {
    for (const kind of p.events) {
      for (const family of ['inet', 'inet6'] as const) {
        const ev = { kind, family, flags: 0 } as unknown as AgentEvent;
        const lsm = reportingBackend({ ...ev, flags: MSG_FLAG.VIGIL_F_LSM });
        assert.equal(lsm, lsmBackendOf(p.id), kind);
        const cgroup = p.cgroup.find((c) => c.family === family) ?? p.cgroup[0];
        const expected = cgroup === undefined ? p.fallback.backend : `cgroup:${cgroup.hook}`;
        assert.equal(reportingBackend(ev), expected, `${kind} ${family}`);
      }
    }
  }
});
