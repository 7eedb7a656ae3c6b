// Hand-built fact sets for the kinds of host doctor must describe: no root, no kernel needed.
import {
  CGROUP_HOOKS,
  LSM_HOOKS,
  PROBE_IDS,
  cgroupProbeId,
  lsmProbeId,
  type DoctorFacts,
  type HostFacts,
  type ProbeId,
  type ProbeResult,
} from '../../../src/doctor/facts.js';

export const LSM_LIST = ['lockdown', 'capability', 'landlock', 'bpf'];

function okResult(id: ProbeId): ProbeResult {
  return { id, status: 'ok', errno: null, detail: `${id} ok`, fix: null, ms: 1 };
}

export function failedResult(
  id: ProbeId,
  errno: string | null,
  detail: string,
  fix: string | null,
): ProbeResult {
  return { id, status: 'failed', errno, detail, fix, ms: 1 };
}

function skippedResult(id: ProbeId, fix: string): ProbeResult {
  return {
    id,
    status: 'skipped',
    errno: null,
    detail: 'not tried: loading BPF programs needs root',
    fix,
    ms: 0,
  };
}

function host(overrides: Partial<HostFacts> = {}): HostFacts {
  return {
    kernelRelease: '6.18.44-test',
    arch: 'x86_64',
    euid: 0,
    capEff: '000001ffffffffff',
    caps: { bpf: true, perfmon: true, sysAdmin: true },
    lsmList: LSM_LIST,
    lockdown: 'none',
    landlockAbi: 7,
    libbpfVersion: 'v1.1',
    cgroup2Root: '/sys/fs/cgroup',
    ...overrides,
  };
}

/** Every probe ok, then `changes` applied. */
export function facts(changes: ProbeResult[] = [], hostOverrides: Partial<HostFacts> = {}): DoctorFacts {
  const probes = {} as Record<ProbeId, ProbeResult>;
  for (const id of PROBE_IDS) probes[id] = okResult(id);
  for (const r of changes) probes[r.id] = r;
  return { host: host(hostOverrides), probes, durationMs: 120 };
}

const EPERM_LSM = LSM_HOOKS.map((h) =>
  failedResult(lsmProbeId(h), 'EPERM', 'EPERM at load', 'the kernel refuses BPF-LSM programs'),
);

/** A kernel where BPF-LSM is active and loads: the best case. */
export const lsmHost = (): DoctorFacts => facts();

/** This project's CI machine: BPF-LSM active, every lsm/* program EPERM at load. */
export const thisHost = (changes: ProbeResult[] = []): DoctorFacts =>
  facts([...EPERM_LSM, ...changes], { lockdown: 'integrity' });

/** No /sys/kernel/btf/vmlinux: CO-RE, tp_btf and LSM programs cannot load. */
export const noBtfHost = (): DoctorFacts =>
  facts(
    [
      failedResult('btf_vmlinux', 'ENOENT', '/sys/kernel/btf/vmlinux is missing', 'CONFIG_DEBUG_INFO_BTF=y'),
      failedResult('btf_core', 'ESRCH', 'ESRCH at load', 'CONFIG_DEBUG_INFO_BTF=y'),
      failedResult('tp_btf', 'ESRCH', 'ESRCH at load', 'CONFIG_DEBUG_INFO_BTF=y'),
      ...LSM_HOOKS.map((h) => failedResult(lsmProbeId(h), 'ESRCH', 'ESRCH at load', 'CONFIG_BPF_LSM=y')),
    ],
    { lsmList: ['capability', 'apparmor'] },
  );

const ROOT_FIX = 'run as root: sudo vigil doctor';
const LOADING: ProbeId[] = [
  'btf_core',
  ...LSM_HOOKS.map(lsmProbeId),
  'tp_btf',
  'raw_tp',
  'tracepoint',
  'send_signal',
  'ringbuf',
  'prog_run',
  ...CGROUP_HOOKS.map(cgroupProbeId),
];

/** An unprivileged user: nothing is loaded, so the loading probes are skipped. */
export const nonRootHost = (): DoctorFacts =>
  facts(
    [
      failedResult('privileges', 'EPERM', 'not root (euid 1000); CapEff lacks CAP_BPF', ROOT_FIX),
      ...LOADING.map((id) => skippedResult(id, ROOT_FIX)),
    ],
    { euid: 1000, capEff: '0', caps: { bpf: false, perfmon: false, sysAdmin: false } },
  );
