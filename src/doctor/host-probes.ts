// Facts read from the system rather than loaded into it: privileges, BTF, the LSM list,
// mounts, Landlock and seccomp.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { machine, release } from 'node:os';
import { join } from 'node:path';

import { native } from '../bridge/native-binding.js';
import { findMount, ensureMount, type MountEntry } from '../system/mounts.js';
import type { HostFacts } from './facts.js';
import { FIX, landlockFix, lsmEnableFix } from './fixes.js';
import { failed, ok, skipped, summarizeError, type Outcome } from './probe-result.js';

const CAP_SYS_ADMIN = 21n;
const CAP_PERFMON = 38n;
const CAP_BPF = 39n;
export const VMLINUX_BTF = '/sys/kernel/btf/vmlinux';
/** Where libbpf looks for tracepoint ids: tracefs must be mounted at one of these. */
const TRACEFS_PATHS = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'];

export function parseCapEff(status: string): string {
  return /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1] ?? '0';
}

export function capsFrom(capEff: string): HostFacts['caps'] {
  const bits = BigInt(`0x${capEff}`);
  const has = (bit: bigint) => (bits & (1n << bit)) !== 0n;
  return { bpf: has(CAP_BPF), perfmon: has(CAP_PERFMON), sysAdmin: has(CAP_SYS_ADMIN) };
}

export function readHostBasics(): Pick<HostFacts, 'kernelRelease' | 'arch' | 'euid' | 'capEff' | 'caps'> {
  let capEff = '0';
  try {
    capEff = parseCapEff(readFileSync('/proc/self/status', 'utf8'));
  } catch {
    // no procfs: treat as no capabilities, the privileges probe says so
  }
  return {
    kernelRelease: release(),
    arch: machine(),
    euid: process.geteuid?.() ?? -1,
    capEff,
    caps: capsFrom(capEff),
  };
}

export function probePrivileges(host: Pick<HostFacts, 'euid' | 'caps'>): Outcome {
  const missing = [
    host.caps.bpf ? null : 'CAP_BPF',
    host.caps.perfmon ? null : 'CAP_PERFMON',
    host.caps.sysAdmin ? null : 'CAP_SYS_ADMIN',
  ].filter((c) => c !== null);
  const who = host.euid === 0 ? 'root' : `not root (euid ${host.euid})`;
  if (missing.length === 0) return ok(`${who}; CapEff has CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN`);
  return failed(`${who}; CapEff lacks ${missing.join(', ')}`, host.euid === 0 ? FIX.caps : FIX.root, 'EPERM');
}

export function probeVmlinuxBtf(): Outcome {
  try {
    const size = statSync(VMLINUX_BTF).size;
    return ok(`${VMLINUX_BTF} present (${(size / 1048576).toFixed(1)} MiB)`);
  } catch {
    return failed(
      `${VMLINUX_BTF} is missing: the kernel has no BTF, CO-RE programs cannot load`,
      FIX.btf,
      'ENOENT',
    );
  }
}

export interface SecurityFs {
  outcome: Outcome;
  mountPoint: string | null;
}

/** securityfs holds the active LSM list; doctor mounts it when it can (root), like vigil does. */
export function probeSecurityFs(privileged: boolean, mounts: MountEntry[]): SecurityFs {
  const existing = findMount('securityfs', mounts);
  if (existing !== undefined)
    return { outcome: ok(`mounted at ${existing.mountPoint}`), mountPoint: existing.mountPoint };
  if (!privileged) {
    return { outcome: failed('not mounted (mounting it needs root)', FIX.securityfs), mountPoint: null };
  }
  try {
    const at = ensureMount('securityfs');
    return { outcome: ok(`was not mounted; doctor mounted it at ${at}`), mountPoint: at };
  } catch (err) {
    const e = summarizeError(err);
    return {
      outcome: failed(`not mounted, and mounting failed: ${e.message}`, FIX.securityfs, e.code),
      mountPoint: null,
    };
  }
}

export function readLsmList(securityfs: string | null): string[] | null {
  if (securityfs === null) return null;
  try {
    return readFileSync(join(securityfs, 'lsm'), 'utf8')
      .trim()
      .split(',')
      .filter((m) => m !== '');
  } catch {
    return null;
  }
}

export function readLockdown(securityfs: string | null): string | null {
  if (securityfs === null) return null;
  try {
    return /\[(\w+)\]/.exec(readFileSync(join(securityfs, 'lockdown'), 'utf8'))?.[1] ?? null;
  } catch {
    return null;
  }
}

export function probeLsmActive(list: string[] | null, securityfs: string | null): Outcome {
  if (list === null)
    return skipped('cannot read the active LSM list (securityfs not mounted)', FIX.securityfs);
  const file = join(securityfs ?? '/sys/kernel/security', 'lsm');
  if (list.includes('bpf')) return ok(`bpf is in ${file}: ${list.join(',')}`);
  return failed(`bpf is not in ${file}: ${list.join(',')}`, lsmEnableFix(list));
}

/** A tracefs mounted where libbpf looks (mountinfo, so it works without root too). */
export function tracefsPath(mounts: MountEntry[]): string | null {
  const m = mounts.find((x) => x.fsType === 'tracefs' && TRACEFS_PATHS.includes(x.mountPoint));
  if (m !== undefined) return m.mountPoint;
  // debugfs mounted on /sys/kernel/debug mounts tracefs under it on its own
  return TRACEFS_PATHS.find((p) => existsSync(join(p, 'events'))) ?? null;
}

export function probeTracefs(mounts: MountEntry[]): Outcome {
  const at = tracefsPath(mounts);
  if (at !== null) return ok(`mounted at ${at}`);
  return failed(
    'not mounted: classic tracepoints (tracepoint/syscalls/*) cannot attach without it',
    FIX.tracefs,
    'ENOENT',
  );
}

export function probeBpffs(mounts: MountEntry[]): Outcome {
  const m = findMount('bpf', mounts);
  if (m !== undefined) return ok(`mounted at ${m.mountPoint}`);
  return failed(
    'not mounted: vigil pins its programs there so they keep enforcing if the daemon dies',
    FIX.bpffs,
    'ENOENT',
  );
}

export function probeCgroup2(root: string | null): Outcome {
  if (root !== null) return ok(`cgroup v2 mounted at ${root}`);
  return failed(
    'no cgroup v2 hierarchy is mounted: the cgroup-BPF network hooks need one',
    FIX.cgroup2,
    'ENOENT',
  );
}

export interface LandlockFact {
  outcome: Outcome;
  abi: number | null;
}

export function probeLandlock(list: string[] | null): LandlockFact {
  const r = native().landlockAbi();
  if (r.value > 0) return { outcome: ok(`Landlock ABI ${r.value}`), abi: r.value };
  const why =
    r.code === 'EOPNOTSUPP'
      ? 'built into the kernel but not enabled (not in the active LSM list)'
      : r.code === 'ENOSYS'
        ? 'not built into this kernel'
        : `landlock_create_ruleset failed (${r.code})`;
  return { outcome: failed(why, landlockFix(list, r.code), r.code || null), abi: null };
}

export function probeSeccomp(): Outcome {
  const r = native().seccompActionAvailable();
  if (r.value === 1) return ok('seccomp filters available (SECCOMP_RET_ERRNO)');
  return failed(`seccomp filters unavailable (${r.code})`, FIX.seccomp, r.code || null);
}
