// Which backend decides each protection on this kernel (docs/backends.md): loads the BPF-LSM object
// (kernel/lsm/vigil_lsm.bpf.c) on the agent object's maps and attaches its hooks one by one; each
// hook that attaches takes over its protection (its bit in lsm_backends makes the fallback hooks
// only observe). Where LSM programs cannot load, the fallbacks decide, and the report says why.
// The protections, hooks and fallbacks are those of src/protections.ts.
import { BpfObject, type AttachReport } from '../bridge/bpf-object.js';
import type { BpfLink } from '../bridge/bpf-link.js';
import { BpfError } from '../errors.js';
import {
  LSM_PROGRAMS,
  PROTECTIONS,
  lsmBackend,
  lsmBackendOf,
  lsmProgramsOf,
  type Enforcement,
  type ProtectionId,
} from '../protections.js';
import type { PinnedState } from './pinned-state.js';

export interface ProtectionBackend {
  /** the hook that decides, '<type>:<name>', as audit lines name it */
  backend: string;
  enforcement: Enforcement;
}

export interface BackendReport {
  lsm: {
    /** attached: at least one LSM hook decides; refused: the kernel would not load or attach it */
    state: 'attached' | 'refused' | 'disabled';
    /** why LSM is not used (or, when attached, which of its hooks failed); null when all attached */
    reason: string | null;
  };
  protections: Record<ProtectionId, ProtectionBackend>;
  /** every program attached now: '<type>/<name>' as its section says, and the cgroup for cgroup hooks */
  hooks: AttachedHook[];
  /** the bpffs folder the links and maps are pinned in (they outlive the daemon); null: not pinned */
  pinned: string | null;
}

export interface AttachedHook {
  program: string;
  hook: string;
  /** the cgroup v2 folder a cgroup hook is attached to; null for the others */
  cgroup: string | null;
}

/** The LSM object, the lsm_backends bits its attached hooks set, and the report they make. */
export interface LsmState {
  obj: BpfObject | undefined;
  bits: number;
  report: BackendReport;
}

/** The LSM programs in protection order: the order they attach and are reported in. */
const ATTACH_ORDER = PROTECTIONS.flatMap((p) => lsmProgramsOf(p.id));

/** One line for an error of the LSM object: errno and what libbpf or the kernel said. */
function lsmErrorText(err: unknown): string {
  if (err instanceof BpfError) {
    const first = err.message.split('\n')[0] ?? err.message;
    return `${err.errnoCode} at ${err.op}: ${first}`;
  }
  return err instanceof Error ? err.message : String(err);
}

function backendReport(
  attached: ReadonlySet<string>,
  state: BackendReport['lsm']['state'],
  reason: string | null,
): BackendReport {
  const protections = {} as Record<ProtectionId, ProtectionBackend>;
  for (const p of PROTECTIONS) {
    const lsm = lsmProgramsOf(p.id);
    protections[p.id] =
      lsm.length > 0 && lsm.every((h) => attached.has(h.program))
        ? { backend: lsmBackendOf(p.id), enforcement: 'inline' }
        : { backend: p.fallback.backend, enforcement: p.fallback.enforcement };
  }
  const hooks = ATTACH_ORDER.filter((h) => attached.has(h.program)).map((h) => ({
    program: h.program,
    hook: `lsm/${h.hook}`,
    cgroup: null,
  }));
  return { lsm: { state, reason }, protections, hooks, pinned: null };
}

/** LSM turned off: the fallbacks decide. */
export function disabledLsm(reason: string): LsmState {
  return { obj: undefined, bits: 0, report: backendReport(new Set(), 'disabled', reason) };
}

/** The LSM hooks a re-adopted state has pinned: the report a fresh load would have made. */
export function adoptedLsm(pins: PinnedState): LsmState {
  const names = new Set(pins.linkNames('lsm'));
  if (names.size === 0)
    return {
      obj: undefined,
      bits: 0,
      report: backendReport(
        names,
        'refused',
        'no BPF-LSM hook is pinned: the daemon that loaded this pinned state could not attach them (vigil doctor says why)',
      ),
    };
  let bits = 0;
  for (const h of LSM_PROGRAMS) if (names.has(h.program)) bits |= h.bit;
  return { obj: undefined, bits, report: backendReport(names, 'attached', null) };
}

/**
 * Loads the LSM object on `agent`'s maps and attaches its hooks one by one; each hook that
 * attaches gets its bit in lsm_backends. Never throws: a kernel that refuses LSM keeps the
 * fallbacks, and the report says why.
 */
export function openLsm(agent: BpfObject, path: string, pins: PinnedState | undefined): LsmState {
  let obj: BpfObject | undefined;
  try {
    obj = BpfObject.open(path);
    for (const d of obj.mapDeclarations()) if (!d.internal) obj.reuseMap(d.name, agent.map(d.name));
    obj.load();
  } catch (err) {
    obj?.close();
    return { obj: undefined, bits: 0, report: backendReport(new Set(), 'refused', lsmErrorText(err)) };
  }
  let bits = 0;
  const attached = new Set<string>();
  const failed: string[] = [];
  const links: BpfLink[] = [];
  for (const h of ATTACH_ORDER) {
    try {
      const link = obj.attach(h.program);
      links.push(link);
      pins?.pinLink('lsm', h.program, link);
      attached.add(h.program);
      bits |= h.bit;
      // from here on the LSM hook decides; the fallback for the protection only observes
      agent.map('lsm_backends').set(u32(0), u32(bits));
    } catch (err) {
      failed.push(`${lsmBackend(h.hook)}: ${lsmErrorText(err)}`);
    }
  }
  if (attached.size === 0) {
    obj.close();
    return { obj: undefined, bits: 0, report: backendReport(attached, 'refused', failed.join('; ')) };
  }
  return {
    obj,
    bits,
    report: backendReport(attached, 'attached', failed.length === 0 ? null : failed.join('; ')),
  };
}

/**
 * The report with every program attached now: the agent object's (cgroup hooks with the cgroup
 * they are attached to) and then the LSM object's.
 */
export function currentBackends(
  lsm: LsmState,
  agent: readonly AttachReport[],
  cgroupPath: string,
  pinned: string | null,
): BackendReport {
  const r = lsm.report;
  const hooks = agent
    .filter((a) => a.ok)
    .map((a) => ({
      program: a.program,
      hook: a.section,
      cgroup: a.section.startsWith('cgroup') ? cgroupPath : null,
    }));
  return {
    lsm: { ...r.lsm },
    protections: { ...r.protections },
    hooks: [...hooks, ...r.hooks],
    pinned,
  };
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}
