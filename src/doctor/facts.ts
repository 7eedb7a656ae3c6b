// What `vigil doctor` learnt about the running kernel: plain data, so the ladder and the
// renderers can be tested from hand-built fact sets without root or a kernel.

import { CGROUP_HOOKS, LSM_HOOKS, type CgroupHook, type LsmHook } from '../protections.js';

// the hooks the probes try are those of vigil's protections (src/protections.ts)
export { CGROUP_HOOKS, LSM_HOOKS, type CgroupHook, type LsmHook };

/** Every probe, in the order doctor runs and prints them. */
export const PROBE_IDS = [
  'privileges',
  'native',
  'btf_vmlinux',
  'btf_core',
  'securityfs',
  'lsm_active',
  ...LSM_HOOKS.map((h) => `lsm_${h}` as const),
  'tp_btf',
  'raw_tp',
  'tracefs',
  'tracepoint',
  'send_signal',
  'ringbuf',
  'prog_run',
  'cgroup2',
  ...CGROUP_HOOKS.map((h) => `cgroup_${h}` as const),
  'landlock',
  'seccomp',
  'bpffs',
] as const;
export type ProbeId = (typeof PROBE_IDS)[number];

export type ProbeStatus = 'ok' | 'failed' | 'skipped';

export interface ProbeResult {
  id: ProbeId;
  status: ProbeStatus;
  /** errno name of the failure (EPERM, ENOENT, ...), null when none applies. */
  errno: string | null;
  /** One short line: what was found or what went wrong. */
  detail: string;
  /** The command, boot parameter or kernel option that fixes a failure; null when ok. */
  fix: string | null;
  ms: number;
}

export interface HostFacts {
  kernelRelease: string;
  arch: string;
  euid: number;
  /** CapEff from /proc/self/status, hex as the kernel prints it. */
  capEff: string;
  caps: { bpf: boolean; perfmon: boolean; sysAdmin: boolean };
  /** /sys/kernel/security/lsm split on commas; null when it could not be read. */
  lsmList: string[] | null;
  /** The bracketed mode of /sys/kernel/security/lockdown; null when unknown. */
  lockdown: string | null;
  landlockAbi: number | null;
  libbpfVersion: string | null;
  cgroup2Root: string | null;
}

export interface DoctorFacts {
  host: HostFacts;
  probes: Record<ProbeId, ProbeResult>;
  durationMs: number;
}

export function lsmProbeId(hook: LsmHook): ProbeId {
  return `lsm_${hook}`;
}

export function cgroupProbeId(hook: CgroupHook): ProbeId {
  return `cgroup_${hook}`;
}
