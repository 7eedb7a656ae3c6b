// Names for the numbers the kernel reports (open flags, errno, signals, socket families, types
// and protocols, wait statuses), so audit lines read as an investigator would write them.
// Values are the kernel's for the machine vigil runs on; open flags differ between x86_64
// (asm-generic) and arm64, the two targets.
import { constants } from 'node:os';

// asm-generic/fcntl.h, used by x86_64; arm64 moves four of them (arch/arm64/.../fcntl.h).
const OPEN_FLAGS_GENERIC: readonly (readonly [string, number])[] = [
  ['O_CREAT', 0o100],
  ['O_EXCL', 0o200],
  ['O_NOCTTY', 0o400],
  ['O_TRUNC', 0o1000],
  ['O_APPEND', 0o2000],
  ['O_NONBLOCK', 0o4000],
  ['O_DSYNC', 0o10000],
  ['O_ASYNC', 0o20000],
  ['O_DIRECT', 0o40000],
  ['O_LARGEFILE', 0o100000],
  ['O_DIRECTORY', 0o200000],
  ['O_NOFOLLOW', 0o400000],
  ['O_NOATIME', 0o1000000],
  ['O_CLOEXEC', 0o2000000],
  ['__O_SYNC', 0o4000000],
  ['O_PATH', 0o10000000],
  ['__O_TMPFILE', 0o20000000],
];
const ARM64_MOVED: Readonly<Record<string, number>> = {
  O_DIRECTORY: 0o40000,
  O_NOFOLLOW: 0o100000,
  O_DIRECT: 0o200000,
  O_LARGEFILE: 0o400000,
};

function openFlagTable(arch: string): (readonly [string, number])[] {
  return OPEN_FLAGS_GENERIC.map(([n, v]) => [n, arch === 'arm64' ? (ARM64_MOVED[n] ?? v) : v] as const);
}

const tables = new Map<string, (readonly [string, number])[]>();

/** Open flags by name, access mode first: 0o2100000 -> ['O_RDONLY', 'O_DIRECTORY', 'O_CLOEXEC']. */
export function openFlagNames(flags: number, arch: string = process.arch): string[] {
  let table = tables.get(arch);
  if (table === undefined) {
    table = openFlagTable(arch);
    tables.set(arch, table);
  }
  const bit = (name: string): number => table.find(([n]) => n === name)?.[1] ?? 0;
  const out = [(['O_RDONLY', 'O_WRONLY', 'O_RDWR'] as const)[flags & 3] ?? 'O_ACCMODE'];
  let rest = (flags & ~3) >>> 0;
  // Composite flags first, as the libc headers define them.
  const tmpfile = bit('__O_TMPFILE') | bit('O_DIRECTORY');
  if ((rest & tmpfile) === tmpfile) {
    out.push('O_TMPFILE');
    rest &= ~tmpfile;
  }
  const sync = bit('__O_SYNC') | bit('O_DSYNC');
  if ((rest & sync) === sync) {
    out.push('O_SYNC');
    rest &= ~sync;
  }
  for (const [name, value] of table) {
    if ((rest & value) === 0) continue;
    out.push(name.startsWith('__') ? name.slice(1) : name);
    rest &= ~value;
  }
  if (rest !== 0) out.push(`0x${(rest >>> 0).toString(16)}`);
  return out;
}

const errnoNames = invert(constants.errno);
const signalNames = invert(constants.signals);
// Aliases share numbers; the names people expect win.
signalNames.set(constants.signals.SIGABRT, 'SIGABRT');
signalNames.set(constants.signals.SIGIO, 'SIGIO');
errnoNames.set(constants.errno.EAGAIN, 'EAGAIN');
errnoNames.set(constants.errno.EDEADLK, 'EDEADLK');
errnoNames.set(constants.errno.EOPNOTSUPP, 'EOPNOTSUPP');

function invert(table: Readonly<Record<string, number>>): Map<number, string> {
  const out = new Map<number, string>();
  for (const [name, n] of Object.entries(table)) if (!out.has(n)) out.set(n, name);
  return out;
}

/** 2 -> 'ENOENT'; an errno Node does not know -> 'errno 200'. Accepts -2 as well. */
export function errnoName(errno: number): string {
  const n = Math.abs(errno);
  return errnoNames.get(n) ?? `errno ${n}`;
}

/** 9 -> 'SIGKILL'; real-time signals as SIGRTMIN+n (SIGRTMIN is 34 on Linux). */
export function signalName(signal: number): string {
  const known = signalNames.get(signal);
  if (known !== undefined) return known;
  return signal >= 34 && signal <= 64 ? `SIGRTMIN+${signal - 34}` : `SIG${signal}`;
}

const PROT_NAMES: readonly [number, string][] = [
  [0x1, 'PROT_READ'],
  [0x2, 'PROT_WRITE'],
  [0x4, 'PROT_EXEC'],
  [0x8, 'PROT_SEM'],
];

/** mmap/mprotect protection bits by name; unknown bits in hex; 0 is PROT_NONE. */
export function protNames(prot: number): string[] {
  if (prot === 0) return ['PROT_NONE'];
  const out = PROT_NAMES.filter(([bit]) => (prot & bit) !== 0).map(([, name]) => name);
  const rest = prot & ~PROT_NAMES.reduce((m, [bit]) => m | bit, 0);
  if (rest !== 0) out.push(`0x${(rest >>> 0).toString(16)}`);
  return out;
}

const PTRACE_REQUESTS = new Map<number, string>([
  [1, 'PTRACE_PEEKTEXT'],
  [2, 'PTRACE_PEEKDATA'],
  [3, 'PTRACE_PEEKUSER'],
  [4, 'PTRACE_POKETEXT'],
  [5, 'PTRACE_POKEDATA'],
  [6, 'PTRACE_POKEUSER'],
  [7, 'PTRACE_CONT'],
  [8, 'PTRACE_KILL'],
  [9, 'PTRACE_SINGLESTEP'],
  [12, 'PTRACE_GETREGS'],
  [13, 'PTRACE_SETREGS'],
  [16, 'PTRACE_ATTACH'],
  [17, 'PTRACE_DETACH'],
  [24, 'PTRACE_SYSCALL'],
  [0x4200, 'PTRACE_SETOPTIONS'],
  [0x4204, 'PTRACE_GETREGSET'],
  [0x4205, 'PTRACE_SETREGSET'],
  [0x4206, 'PTRACE_SEIZE'],
  [0x4207, 'PTRACE_INTERRUPT'],
]);

/**
 * What a ptrace line asked: the ptrace(2) request (tracepoint; 0 is process_vm_readv/writev), or
 * the access check's PTRACE_MODE_* (BPF-LSM: 1 read, 2 attach; 4 fscreds, 8 realcreds).
 */
export function ptraceRequestName(arg: number, lsm: boolean): string {
  if (lsm) return (arg & 2) !== 0 ? 'attach' : 'read';
  if (arg === 0) return 'process_vm_readv/writev';
  return PTRACE_REQUESTS.get(arg) ?? `ptrace request ${arg}`;
}

export interface WaitStatus {
  /** exit(2) status when the process exited; null when a signal ended it */
  exitCode: number | null;
  /** the terminating signal's name; null when it exited */
  signal: string | null;
  coreDumped: boolean;
}

/** Splits a wait(2) status (task->exit_code): exit code << 8 | core-dump bit 0x80 | signal. */
export function decodeWaitStatus(status: number): WaitStatus {
  const sig = status & 0x7f;
  if (sig === 0) return { exitCode: (status >> 8) & 0xff, signal: null, coreDumped: false };
  return { exitCode: null, signal: signalName(sig), coreDumped: (status & 0x80) !== 0 };
}

const FAMILIES: Readonly<Record<number, string>> = {
  0: 'AF_UNSPEC',
  1: 'AF_UNIX',
  2: 'AF_INET',
  10: 'AF_INET6',
  16: 'AF_NETLINK',
  17: 'AF_PACKET',
  38: 'AF_ALG',
  40: 'AF_VSOCK',
  44: 'AF_XDP',
};

export function socketFamilyName(family: number): string {
  return FAMILIES[family] ?? `AF_${family}`;
}

const SOCK_TYPES: Readonly<Record<number, string>> = {
  1: 'SOCK_STREAM',
  2: 'SOCK_DGRAM',
  3: 'SOCK_RAW',
  4: 'SOCK_RDM',
  5: 'SOCK_SEQPACKET',
  6: 'SOCK_DCCP',
  10: 'SOCK_PACKET',
};

/** The socket type without SOCK_NONBLOCK / SOCK_CLOEXEC (the hooks report sk_type). */
export function socketTypeName(type: number): string {
  const t = type & 0xf;
  return SOCK_TYPES[t] ?? `SOCK_${t}`;
}

const IP_PROTOCOLS: Readonly<Record<number, string>> = {
  1: 'icmp',
  2: 'igmp',
  6: 'tcp',
  17: 'udp',
  41: 'ipv6',
  58: 'icmpv6',
  132: 'sctp',
  136: 'udplite',
  255: 'raw',
  262: 'mptcp',
};

/**
 * A socket's protocol. For AF_INET/AF_INET6 the IP protocol by name (0 means the type's
 * default: tcp for SOCK_STREAM, udp for SOCK_DGRAM); for other families the number as given.
 */
export function protocolName(family: number, sockType: number, protocol: number): string {
  if (family !== 2 && family !== 10) return String(protocol);
  if (protocol === 0) {
    const t = sockType & 0xf;
    if (t === 1) return 'tcp';
    if (t === 2) return 'udp';
    return '0';
  }
  return IP_PROTOCOLS[protocol] ?? String(protocol);
}

// x86_64 numbers of the system calls kernel/hooks/hardening.h reports (arch/x86/entry/syscalls).
const SYSCALLS_X86_64: ReadonlyMap<number, string> = new Map([
  [41, 'socket'],
  [56, 'clone'],
  [62, 'kill'],
  [101, 'ptrace'],
  [155, 'pivot_root'],
  [161, 'chroot'],
  [165, 'mount'],
  [166, 'umount2'],
  [176, 'delete_module'],
  [200, 'tkill'],
  [246, 'kexec_load'],
  [272, 'unshare'],
  [303, 'name_to_handle_at'],
  [304, 'open_by_handle_at'],
  [308, 'setns'],
  [310, 'process_vm_readv'],
  [311, 'process_vm_writev'],
  [313, 'finit_module'],
  [321, 'bpf'],
  [323, 'userfaultfd'],
  [424, 'pidfd_send_signal'],
  [425, 'io_uring_setup'],
  [426, 'io_uring_enter'],
  [427, 'io_uring_register'],
  [428, 'open_tree'],
  [429, 'move_mount'],
  [430, 'fsopen'],
  [431, 'fsconfig'],
  [432, 'fsmount'],
  [433, 'fspick'],
  [435, 'clone3'],
  [438, 'pidfd_getfd'],
  [442, 'mount_setattr'],
]);

/** 425 -> 'io_uring_setup' (x86_64 numbering); an unlisted one -> 'syscall 999'. */
export function syscallName(nr: number): string {
  return SYSCALLS_X86_64.get(nr) ?? `syscall ${nr}`;
}
