// The commands, boot parameters and kernel options that fix what doctor finds missing. One
// place, so the probes, the ladder and the docs say the same thing.
import { mountCommand } from '../system/mounts.js';

export const FIX = {
  root: 'run as root: sudo vigil doctor (vigil needs CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN)',
  caps: 'give the process CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN (in a container: --privileged or --cap-add)',
  native: 'build the native addon: make native (or run scripts/setup.sh)',
  build: 'build the BPF objects: make -s kernel (or run scripts/setup.sh)',
  btf: 'use a kernel built with CONFIG_DEBUG_INFO_BTF=y (it provides /sys/kernel/btf/vmlinux)',
  tracefs: mountCommand('tracefs'),
  securityfs: mountCommand('securityfs'),
  bpffs: mountCommand('bpf'),
  cgroup2: 'mount -t cgroup2 none /sys/fs/cgroup/unified (or boot with systemd.unified_cgroup_hierarchy=1)',
  seccomp: 'use a kernel built with CONFIG_SECCOMP_FILTER=y',
  lsmBlocked:
    'the kernel refuses BPF-LSM programs although `bpf` is an active LSM; run vigil on a kernel that ' +
    'accepts them (e.g. a distribution kernel with CONFIG_BPF_LSM=y) to get inline enforcement everywhere',
} as const;

/** `lsm=<current list>,<name>`: the boot parameter that adds one LSM to the active ones. */
export function lsmBootParam(active: readonly string[] | null, add: string): string {
  if (active === null) return `boot parameter lsm=<the list in /sys/kernel/security/lsm>,${add}`;
  const list = active.filter((m) => m !== add);
  return `boot parameter lsm=${[...list, add].join(',')}`;
}

export function lsmEnableFix(active: readonly string[] | null): string {
  return `${lsmBootParam(active, 'bpf')} (the kernel needs CONFIG_BPF_LSM=y)`;
}

export function landlockFix(active: readonly string[] | null, errno: string | null): string {
  if (errno === 'ENOSYS') {
    return `use a kernel built with CONFIG_SECURITY_LANDLOCK=y, booted with ${lsmBootParam(active, 'landlock').replace('boot parameter ', '')}`;
  }
  return lsmBootParam(active, 'landlock');
}
