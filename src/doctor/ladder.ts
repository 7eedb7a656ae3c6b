// The backend ladder of DESIGN.md (promise 3) as a pure function: from the probed facts to the
// backend vigil uses per protection, inline or reactive, and what is missing with its fix.
// No I/O here, so every kind of host can be described in a unit test.
import {
  LSM_HOOKS,
  PROBE_IDS,
  cgroupProbeId,
  lsmProbeId,
  type DoctorFacts,
  type LsmHook,
  type ProbeId,
  type ProbeResult,
} from './facts.js';
import { FIX, lsmEnableFix } from './fixes.js';
import {
  PROTECTIONS,
  lsmProgramsOf,
  type DoctorProtectionId,
  type Enforcement,
  type ProtectionId,
  type ProtectionSpec,
  type RungId,
} from '../protections.js';

export type Mode = Enforcement;
/** 'unknown': a stronger rung could not be probed (not root, no addon), so the choice is open. */
export type Coverage = Mode | 'none' | 'unknown';

export interface Rung {
  /**
   * Stable id of the rung in `vigil doctor --json`. Not the name audit lines give the backend:
   * they name the hook ('lsm:file_open', 'cgroup:connect4', ...; src/protections.ts).
   */
  backend: RungId;
  label: string;
  mode: Mode;
  /** Sessions it can serve: every session, or only those started by `vigil run`. */
  scope: 'all' | 'run';
  available: boolean;
  /** vigil uses this rung on this kernel. */
  selected: boolean;
  /** When available: what it does and does not do. When not: why not. */
  note: string;
  /** A few words on how it enforces, for the summary table. */
  short: string;
  fix: string | null;
  requires: ProbeId[];
}

export interface Protection {
  id: DoctorProtectionId;
  title: string;
  /** Strongest coverage for sessions started with `vigil run`. */
  run: Coverage;
  /** Strongest coverage for `vigil watch` and `vigil attach` sessions. */
  watch: Coverage;
  rungs: Rung[];
}

export type LsmState =
  'usable' | 'active_not_loadable' | 'partially_loadable' | 'loadable_not_active' | 'unavailable' | 'unknown';

export interface LsmVerdict {
  state: LsmState;
  /** `bpf` is in the active LSM list; null when the list could not be read. */
  active: boolean | null;
  /** Every probed lsm/* hook loaded; null when not tried. */
  loadable: boolean | null;
  loaded: LsmHook[];
  refused: { hook: LsmHook; errno: string | null }[];
  summary: string;
  explanation: string;
  fix: string | null;
}

export interface Blocker {
  what: string;
  fix: string | null;
}

export interface Fix {
  probe: ProbeId;
  what: string;
  fix: string;
}

export interface Verdict {
  canEnforce: boolean;
  exitCode: 0 | 1;
  blockers: Blocker[];
  lsm: LsmVerdict;
  protections: Protection[];
  fixes: Fix[];
}

const okProbe = (facts: DoctorFacts, id: ProbeId) => facts.probes[id].status === 'ok';

export function decide(facts: DoctorFacts): Verdict {
  const lsm = lsmVerdict(facts);
  const protections = protectionsFor(facts, lsm);
  const blockers = blockersFor(facts, protections);
  const canEnforce = blockers.length === 0;
  return {
    canEnforce,
    exitCode: canEnforce ? 0 : 1,
    blockers,
    lsm,
    protections,
    fixes: fixesFor(facts, lsm),
  };
}

export function lsmVerdict(facts: DoctorFacts): LsmVerdict {
  const list = facts.host.lsmList;
  const active = list === null ? null : list.includes('bpf');
  const results = LSM_HOOKS.map((hook) => ({ hook, r: facts.probes[lsmProbeId(hook)] }));
  const loaded = results.filter((x) => x.r.status === 'ok').map((x) => x.hook);
  const refused = results
    .filter((x) => x.r.status === 'failed')
    .map((x) => ({ hook: x.hook, errno: x.r.errno }));
  const tried = loaded.length + refused.length;
  const loadable = tried === 0 ? null : refused.length === 0;
  const errnos = [...new Set(refused.map((r) => r.errno ?? 'an error'))].join('/');
  const listText = list === null ? '' : ` (${list.join(',')})`;
  const lockdown =
    facts.host.lockdown !== null && facts.host.lockdown !== 'none'
      ? ` (Kernel lockdown mode: ${facts.host.lockdown}.)`
      : '';

  if (active === true && loadable === true) {
    return {
      state: 'usable',
      active,
      loadable,
      loaded,
      refused,
      summary: 'active and loadable',
      explanation: `bpf is an active LSM${listText} and every lsm/* probe loaded and attached: enforcement is inline.`,
      fix: null,
    };
  }
  if (active === true && loadable === false && loaded.length === 0) {
    return {
      state: 'active_not_loadable',
      active,
      loadable,
      loaded,
      refused,
      summary: `active but not loadable (${errnos} at load)`,
      explanation:
        `"Active" means the kernel was booted with the BPF LSM: bpf is in /sys/kernel/security/lsm${listText}, ` +
        `so the hooks exist. "Not loadable" means the kernel still refuses BPF-LSM programs: every lsm/* ` +
        `probe (${LSM_HOOKS.join(', ')}) got ${errnos} when loaded, as root. This is a restriction of this ` +
        `kernel build or of a policy around it, not a missing boot parameter: adding bpf to lsm= again ` +
        `changes nothing.${lockdown} vigil uses the fallbacks listed under each protection instead.`,
      fix: FIX.lsmBlocked,
    };
  }
  if (active === true && loadable === false) {
    return {
      state: 'partially_loadable',
      active,
      loadable,
      loaded,
      refused,
      summary: `active, but ${refused.map((r) => r.hook).join(', ')} refused`,
      explanation:
        `bpf is an active LSM${listText}; ${loaded.join(', ')} loaded, but ` +
        `${refused.map((r) => `${r.hook} (${r.errno ?? 'error'})`).join(', ')} did not. ` +
        `Protections that need a refused hook use their fallback.${lockdown}`,
      fix: FIX.lsmBlocked,
    };
  }
  if (active === false) {
    const loads = loadable === true || loaded.length > 0;
    return {
      state: loads ? 'loadable_not_active' : 'unavailable',
      active,
      loadable,
      loaded,
      refused,
      summary: loads ? 'loadable but not active' : 'not active',
      explanation: loads
        ? `lsm/* programs load, but bpf is not in the active LSM list${listText}: the kernel never calls ` +
          'them, so they would enforce nothing. Enable it at boot.'
        : `bpf is not in the active LSM list${listText}, and lsm/* programs do not load here.`,
      fix: lsmEnableFix(list),
    };
  }
  return {
    state: 'unknown',
    active,
    loadable,
    loaded,
    refused,
    summary: active === true ? 'active; loading not probed' : 'unknown',
    explanation:
      list === null
        ? 'the active LSM list could not be read (securityfs is not mounted), and lsm/* probes ' +
          (tried === 0 ? 'were not tried.' : loadable === true ? 'loaded.' : 'failed.')
        : 'lsm/* probes were not tried.',
    fix: facts.probes.securityfs.fix ?? facts.probes.lsm_file_open.fix,
  };
}

interface RungSpec {
  backend: Rung['backend'];
  label: string;
  mode: Mode;
  scope: Rung['scope'];
  requires: ProbeId[];
  /** What it does and does not do, shown when available. */
  caveat: string;
  short?: string;
}

/** The BPF-LSM rung: every LSM hook of the protection. */
function lsmRung(p: ProtectionSpec, caveat: string): RungSpec {
  const hooks: LsmHook[] = lsmProgramsOf(p.id).map((h) => h.hook);
  return {
    backend: 'lsm',
    label: `BPF-LSM ${hooks.map((h) => `lsm/${h}`).join(' + ')}`,
    mode: 'inline',
    scope: 'all',
    requires: ['lsm_active', ...hooks.map(lsmProbeId)],
    caveat,
  };
}

/** How the doctor describes a fallback; a cgroup fallback's label and probes follow from its hooks. */
type FallbackText = Pick<RungSpec, 'caveat' | 'short'> &
  Partial<Pick<RungSpec, 'label' | 'scope' | 'requires'>>;

/** The last rung: the backend the kernel loader falls back to, with its enforcement. */
function fallbackRung(p: ProtectionSpec, text: FallbackText): RungSpec {
  const hooks = p.cgroup.map((c) => c.hook);
  const cgroup = p.fallback.rung === 'cgroup';
  return {
    backend: p.fallback.rung,
    label: cgroup ? `cgroup-BPF ${hooks.join(' + ')}` : (text.label ?? ''),
    mode: p.fallback.enforcement,
    scope: text.scope ?? 'all',
    requires: cgroup ? ['cgroup2', ...hooks.map(cgroupProbeId)] : (text.requires ?? []),
    caveat: text.caveat,
    ...(text.short === undefined ? {} : { short: text.short }),
  };
}

const LANDLOCK_CAVEAT =
  'only for `vigil run` (the launcher applies it before the agent starts); allow-lists of files and ' +
  'directory trees: by default only for profiles that deny files by default, with --landlock strict ' +
  'also denies carved out of allowed trees (docs/backends.md); /**/name patterns fall to the next rung';

/**
 * The doctor's words per protection: what its BPF-LSM rung does, any rung between it and the
 * fallback, and the fallback. Which hooks and fallback each protection has is src/protections.ts's.
 */
const LADDER_TEXT: Record<
  ProtectionId,
  { pick: 'first' | 'file_open'; lsm: string; between?: RungSpec[]; fallback: FallbackText }
> = {
  file_open: {
    pick: 'file_open',
    lsm: 'decided before the open, on the resolved path',
    between: [
      {
        backend: 'landlock',
        label: 'Landlock ruleset',
        mode: 'inline',
        scope: 'run',
        requires: ['landlock'],
        caveat: LANDLOCK_CAVEAT,
        short: 'allow-lists',
      },
    ],
    fallback: {
      label: 'tracepoint sys_enter_openat + SIGKILL',
      requires: ['tracepoint', 'send_signal'],
      short: 'killed as the open returns',
      caveat:
        'the open itself completes (O_CREAT/O_TRUNC take effect); the process is killed before ' +
        'the call returns to it',
    },
  },
  exec: {
    pick: 'first',
    lsm: 'the exec fails with EPERM',
    fallback: {
      label: 'tp_btf/sched_process_exec + SIGKILL',
      requires: ['tp_btf', 'send_signal'],
      short: 'killed before its first instruction',
      caveat:
        'killed before its first instruction: the exec succeeds and the old image is gone, but the ' +
        'new program never runs',
    },
  },
  connect: {
    pick: 'first',
    lsm: 'every address family',
    fallback: { caveat: 'IPv4 and IPv6 (TCP, connected UDP); the caller gets EPERM' },
  },
  udp_send: {
    pick: 'first',
    lsm: 'every send with a destination address',
    fallback: { caveat: 'unconnected UDP sends over IPv4 and IPv6' },
  },
  raw_socket: {
    pick: 'first',
    lsm: 'raw and packet sockets refused at creation',
    fallback: { caveat: 'raw and packet sockets refused at creation' },
  },
  unlink: {
    pick: 'first',
    lsm: 'unlink and rmdir refused with EPERM, on the resolved path',
    fallback: {
      label: 'tracepoint sys_enter_unlink* + SIGKILL',
      requires: ['tracepoint', 'send_signal'],
      short: 'killed at the call, which still removes',
      caveat:
        'the unlink itself still happens and the process is killed at it (`rm -r` stops at the first ' +
        'denied entry); the path is the one written, made absolute: a symlinked folder in it is not ' +
        'seen through, and a `..` component takes the over-bound rule; `vigil run` adds read-only ' +
        'mounts for write-denied paths, which refuse it (EROFS)',
    },
  },
  rename: {
    pick: 'first',
    lsm: 'a rename from or to a denied path refused with EPERM',
    fallback: {
      label: 'tracepoint sys_enter_rename* + SIGKILL',
      requires: ['tracepoint', 'send_signal'],
      short: 'killed at the call, which still renames',
      caveat: 'the rename itself still happens and the process is killed at it; paths as for unlink',
    },
  },
  ptrace: {
    pick: 'first',
    lsm: 'every ptrace access check (attach, process_vm_*, /proc/PID/mem) refused with EPERM',
    fallback: {
      label: 'tracepoint sys_enter_ptrace + SIGKILL',
      requires: ['tracepoint', 'send_signal'],
      short: 'killed at the call, which still acts',
      caveat:
        'the ptrace request itself still acts (an attach stops the target, a POKE writes) and the ' +
        'tracer is killed at it; `vigil run` agents live in a PID namespace of their own, where no ' +
        'process outside the session has a pid',
    },
  },
  signals: {
    pick: 'first',
    lsm: 'the signal is refused with EPERM before it is sent',
    fallback: {
      label: 'tracepoint sys_enter_kill + SIGKILL',
      requires: ['tracepoint', 'send_signal'],
      short: 'killed at the call; the signal is sent',
      caveat:
        'the signal is still sent and the sender is killed at the call; pidfd_send_signal and tkill ' +
        "of another process's thread are not seen; `vigil run` agents can reach only their own PID namespace",
    },
  },
  exec_memory: {
    pick: 'first',
    lsm: 'writable+executable mmap and mprotect adding PROT_EXEC refused with EPERM',
    fallback: {
      label: 'tracepoint sys_enter_mmap/mprotect + SIGKILL',
      requires: ['tracepoint', 'send_signal'],
      short: 'killed before it runs the code',
      caveat:
        'the mapping is made and the process is killed at the call, before it runs one more ' +
        'instruction; any mprotect asking for PROT_EXEC counts (the tracepoint cannot see whether the ' +
        'mapping was executable already)',
    },
  },
  self_protection: {
    pick: 'first',
    lsm: 'kill/ptrace of vigil and bpf() from the agent',
    fallback: {
      label: 'seccomp filter',
      scope: 'run',
      requires: ['seccomp'],
      caveat:
        'only for `vigil run`: the agent runs in a PID namespace of its own (vigil has no PID there), ' +
        'its kill(0)/kill(-1), ptrace, process_vm_* and bpf() are refused (seccomp) and vigil is not ' +
        'dumpable; nothing protects vigil from `vigil watch`/`attach` sessions',
    },
  },
};

/** Per protection, its rungs from the strongest (BPF-LSM) to the fallback. */
const LADDER: { id: DoctorProtectionId; title: string; rungs: RungSpec[]; pick: 'first' | 'file_open' }[] =
  PROTECTIONS.map((p) => {
    const text = LADDER_TEXT[p.id];
    return {
      id: p.doctor.id,
      title: p.doctor.title,
      pick: text.pick,
      rungs: [lsmRung(p, text.lsm), ...(text.between ?? []), fallbackRung(p, text.fallback)],
    };
  });

function protectionsFor(facts: DoctorFacts, lsm: LsmVerdict): Protection[] {
  return LADDER.map((spec) => {
    const rungs: Rung[] = spec.rungs.map((r) => {
      const missing = r.requires.filter((id) => !okProbe(facts, id));
      // an LSM program that loads does nothing unless bpf is an active LSM
      const available = missing.length === 0 && (r.backend !== 'lsm' || lsm.active === true);
      const why = available ? null : unavailableWhy(facts, lsm, r, missing);
      return {
        backend: r.backend,
        label: r.label,
        mode: r.mode,
        scope: r.scope,
        available,
        selected: false,
        note: why?.note ?? r.caveat,
        short: r.short ?? '',
        fix: why?.fix ?? null,
        requires: r.requires,
      };
    });
    const firstIndex = rungs.findIndex((r) => r.available);
    const upTo = firstIndex === -1 ? rungs.length : firstIndex;
    const untried = rungs
      .slice(0, upTo)
      .some((r) => r.requires.some((id) => facts.probes[id].status === 'skipped'));
    if (untried) return { id: spec.id, title: spec.title, run: 'unknown', watch: 'unknown', rungs };
    const first = rungs[firstIndex];
    if (first !== undefined) first.selected = true;
    // Without the LSM, file opens take Landlock (run only, coarse) AND the reactive tracepoint
    // for what Landlock cannot express and for watch/attach sessions.
    if (spec.pick === 'file_open' && first !== undefined && first.backend !== 'lsm') {
      for (const r of rungs) if (r.available) r.selected = true;
    }
    // A rung for `vigil run` only leaves watch/attach sessions to the next available rung.
    if (spec.pick === 'first' && first?.scope === 'run') {
      const next = rungs.find((r) => r.available && r.scope === 'all');
      if (next !== undefined) next.selected = true;
    }
    const selected = rungs.filter((r) => r.selected);
    return {
      id: spec.id,
      title: spec.title,
      run: strongest(selected),
      watch: strongest(selected.filter((r) => r.scope === 'all')),
      rungs,
    };
  });
}

function strongest(rungs: Rung[]): Coverage {
  if (rungs.some((r) => r.mode === 'inline')) return 'inline';
  if (rungs.some((r) => r.mode === 'reactive')) return 'reactive';
  return 'none';
}

function unavailableWhy(
  facts: DoctorFacts,
  lsm: LsmVerdict,
  rung: RungSpec,
  missing: ProbeId[],
): { note: string; fix: string | null } {
  if (rung.backend === 'lsm' && lsm.state !== 'partially_loadable' && lsm.state !== 'unknown') {
    return { note: `BPF-LSM is ${lsm.summary}`, fix: lsm.fix };
  }
  const first = facts.probes[missing[0] ?? rung.requires[0] ?? 'privileges'];
  const parts = missing.map((id) => `${id}: ${facts.probes[id].detail}`);
  return { note: parts.join('; '), fix: first.fix };
}

function blockersFor(facts: DoctorFacts, protections: Protection[]): Blocker[] {
  const out: Blocker[] = [];
  const p = facts.probes;
  const add = (r: ProbeResult, what: string) => out.push({ what: `${what}: ${r.detail}`, fix: r.fix });
  if (p.privileges.status !== 'ok') add(p.privileges, 'not enough privileges');
  if (p.native.status !== 'ok') add(p.native, 'the native addon does not load');
  if (out.length === 0 && p.btf_core.status === 'skipped') add(p.btf_core, 'the kernel probes did not run');
  if (p.btf_vmlinux.status !== 'ok') add(p.btf_vmlinux, 'no kernel BTF');
  else if (p.btf_core.status === 'failed') add(p.btf_core, 'CO-RE programs do not load');
  if (p.tp_btf.status === 'failed' && p.raw_tp.status === 'failed') {
    out.push({
      what: 'vigil cannot follow process lineage: tp_btf and raw_tp both refused',
      fix: p.tp_btf.fix,
    });
  }
  if (p.ringbuf.status === 'failed') add(p.ringbuf, 'events cannot reach user space (ring buffer)');
  if (out.length === 0 && protections.every((x) => x.run === 'none' || x.run === 'unknown')) {
    out.push({ what: 'no protection has a usable backend on this kernel', fix: null });
  }
  return out;
}

function fixesFor(facts: DoctorFacts, lsm: LsmVerdict): Fix[] {
  const out: Fix[] = [];
  const seen = new Set<string>();
  const add = (fix: Fix) => {
    if (seen.has(fix.fix)) return;
    seen.add(fix.fix);
    out.push(fix);
  };
  for (const id of PROBE_IDS) {
    const r = facts.probes[id];
    if (id === 'lsm_active') {
      // the LSM's state is summarised once, from the list and every hook's probe
      if (lsm.fix !== null) add({ probe: id, what: `BPF-LSM is ${lsm.summary}`, fix: lsm.fix });
      continue;
    }
    if (id.startsWith('lsm_') || r.status === 'ok' || r.fix === null) continue;
    add({ probe: id, what: r.detail, fix: r.fix });
  }
  return out;
}
