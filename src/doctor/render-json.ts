// `vigil doctor --json`: one document, snake_case like vigil's audit lines, versioned so
// scripts can rely on it. Bump DOCTOR_SCHEMA_VERSION when a field changes meaning or goes away.
import { gapsHere, RUN_ADDS } from './hardening-text.js';
import { PROBE_IDS, type DoctorFacts } from './facts.js';
import type { Verdict } from './ladder.js';
import type { LiveState } from './live-daemon.js';
import { liveJson } from './render-live.js';

export const DOCTOR_SCHEMA_VERSION = 1;

/** `live`: the running daemon's attachments, as `attached` (null when not asked). */
export function renderJson(facts: DoctorFacts, verdict: Verdict, live?: LiveState): string {
  const h = facts.host;
  const doc = {
    schema_version: DOCTOR_SCHEMA_VERSION,
    can_enforce: verdict.canEnforce,
    exit_code: verdict.exitCode,
    duration_ms: facts.durationMs,
    host: {
      kernel_release: h.kernelRelease,
      arch: h.arch,
      euid: h.euid,
      cap_eff: h.capEff,
      caps: { cap_bpf: h.caps.bpf, cap_perfmon: h.caps.perfmon, cap_sys_admin: h.caps.sysAdmin },
      lsm_list: h.lsmList,
      lockdown: h.lockdown,
      landlock_abi: h.landlockAbi,
      libbpf_version: h.libbpfVersion,
      cgroup2_root: h.cgroup2Root,
    },
    blockers: verdict.blockers,
    bpf_lsm: {
      state: verdict.lsm.state,
      active: verdict.lsm.active,
      loadable: verdict.lsm.loadable,
      loaded_hooks: verdict.lsm.loaded,
      refused_hooks: verdict.lsm.refused,
      summary: verdict.lsm.summary,
      explanation: verdict.lsm.explanation,
      fix: verdict.lsm.fix,
    },
    protections: verdict.protections.map((p) => ({
      id: p.id,
      title: p.title,
      run: p.run,
      watch: p.watch,
      backends: p.rungs.map((r) => ({
        backend: r.backend,
        label: r.label,
        mode: r.mode,
        scope: r.scope,
        available: r.available,
        selected: r.selected,
        note: r.note,
        fix: r.fix,
        requires: r.requires,
      })),
    })),
    run_adds: RUN_ADDS,
    known_gaps: gapsHere(verdict),
    attached: live === undefined ? null : liveJson(live),
    probes: PROBE_IDS.map((id) => facts.probes[id]),
    fixes: verdict.fixes,
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
