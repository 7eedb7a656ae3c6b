// What `vigil run` takes from the agent at its root, before its first instruction, because the
// fallback tier cannot see or undo what it would do with it (native/launcher/harden.c applies it).
// One list, read by the launcher's arguments, `vigil doctor` and the docs' table.

/** Capabilities dropped from the bounding set (and from a root agent's own sets), and why. */
export const DROPPED_CAPS: readonly { readonly name: string; readonly bit: number; readonly why: string }[] =
  [
    {
      name: 'CAP_SYS_ADMIN',
      bit: 21,
      why: 'mounts, namespaces, fanotify, handle-based opens, BPF on old kernels',
    },
    { name: 'CAP_DAC_READ_SEARCH', bit: 2, why: 'open_by_handle_at: a file opened by handle, with no path' },
    { name: 'CAP_SYS_MODULE', bit: 16, why: 'loading kernel modules' },
    {
      name: 'CAP_SYS_RAWIO',
      bit: 17,
      why: 'raw block devices and I/O ports: files read below the filesystem',
    },
    { name: 'CAP_MKNOD', bit: 27, why: 'device nodes for raw disks' },
    {
      name: 'CAP_SYS_PTRACE',
      bit: 19,
      why: "tracing or reading the memory of any process, vigil's included",
    },
    { name: 'CAP_BPF', bit: 39, why: "loading BPF programs, detaching or rewriting vigil's maps" },
    { name: 'CAP_PERFMON', bit: 38, why: 'perf and tracing programs' },
    { name: 'CAP_SYS_BOOT', bit: 22, why: 'reboot, kexec' },
    { name: 'CAP_MAC_ADMIN', bit: 33, why: 'changing the LSM policy' },
    { name: 'CAP_MAC_OVERRIDE', bit: 32, why: 'overriding the LSM policy' },
    {
      name: 'CAP_NET_ADMIN',
      bit: 12,
      why: 'routes, firewall rules, interfaces: traffic around the cgroup hooks',
    },
    { name: 'CAP_SYS_CHROOT', bit: 18, why: 'chroot: the same file under another path' },
    { name: 'CAP_LINUX_IMMUTABLE', bit: 9, why: 'clearing immutable and append-only flags' },
    { name: 'CAP_AUDIT_CONTROL', bit: 30, why: 'the kernel audit rules' },
    { name: 'CAP_SYSLOG', bit: 34, why: 'kernel addresses and the kernel log' },
    { name: 'CAP_CHECKPOINT_RESTORE', bit: 40, why: '/proc/PID/map_files and chosen PIDs' },
    { name: 'CAP_SYS_TIME', bit: 25, why: 'the system clock, which audit timestamps rely on' },
  ];

// CAP_NET_RAW stays: vigil's socket hooks refuse raw and ping sockets inline and say so, where
// a missing capability would refuse them first, without a line.

/** The system calls the hardening filter refuses, grouped by the escape each one opens. */
export const REFUSED_SYSCALLS: readonly { readonly calls: readonly string[]; readonly why: string }[] = [
  {
    calls: ['io_uring_setup', 'io_uring_enter', 'io_uring_register'],
    why: 'opens and reads no open tracepoint sees',
  },
  { calls: ['name_to_handle_at', 'open_by_handle_at'], why: 'a file opened by handle, with no path' },
  {
    calls: [
      'mount',
      'umount2',
      'pivot_root',
      'chroot',
      'open_tree',
      'move_mount',
      'fsopen',
      'fsconfig',
      'fsmount',
    ],
    why: 'the same file under another path',
  },
  { calls: ['fspick', 'mount_setattr'], why: 'changing mounts' },
  {
    calls: ['unshare(CLONE_NEW*)', 'clone(CLONE_NEW*)', 'setns'],
    why: 'namespaces in which those are allowed',
  },
  { calls: ['clone(CLONE_FILES without CLONE_THREAD)'], why: 'an fd table that outlives a killed opener' },
  {
    calls: ['clone3 (ENOSYS: glibc retries with clone, whose flags the filter reads)'],
    why: 'flags out of reach',
  },
  { calls: ['pidfd_getfd'], why: "another process's open file" },
  { calls: ['socket(AF_PACKET)'], why: 'frames no cgroup hook judges (kept when raw_sockets: allow)' },
  {
    calls: ['init_module', 'finit_module', 'delete_module', 'kexec_load', 'kexec_file_load', 'userfaultfd'],
    why: 'kernel code, and the page-fault stalls that widen race windows',
  },
  {
    calls: ['every i386 and x32 system call (the process is killed, SIGSYS)'],
    why: 'no syscall tracepoint sees them',
  },
];

const CLONE_FILES = 0x400n;
const CLONE_THREAD = 0x10000n;

/** Why the filter refuses `call` (a name as syscallName gives it), for the audit line's reason. */
export function hardeningWhy(call: string, arg0: bigint): string {
  if (call === 'clone' && (arg0 & (CLONE_FILES | CLONE_THREAD)) === CLONE_FILES)
    return 'a second process on the same fd table keeps what a killed opener opened';
  if (
    ['kill', 'tkill', 'pidfd_send_signal', 'ptrace', 'process_vm_readv', 'process_vm_writev', 'bpf'].includes(
      call,
    )
  )
    return "the agent may not signal, trace or read vigil's processes, nor load BPF";
  const group = REFUSED_SYSCALLS.find((g) =>
    g.calls.some((c) => c === call || c.startsWith(`${call}(`) || c.startsWith(`${call} `)),
  );
  return group?.why ?? 'refused at the session root';
}

/** The launcher's arguments for a session; --audit-only refuses nothing, so it gets none. */
export function hardeningArgs(keepCaps: boolean, rawSockets: boolean, auditOnly: boolean): string[] {
  if (auditOnly) return [];
  const caps = keepCaps ? [] : DROPPED_CAPS.map((c) => c.bit);
  return [
    '--harden',
    ...(rawSockets ? ['--allow-packet'] : []),
    ...(caps.length > 0 ? ['--drop-caps', caps.join(',')] : []),
  ];
}
