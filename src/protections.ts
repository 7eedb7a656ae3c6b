// What vigil protects and the backends that can decide each protection (docs/backends.md), declared
// once. The kernel loader attaches and reports from it, `vigil doctor` builds its ladder and probes
// from it, audit lines name their backend from it, and `vigil status` prints what the loader made
// of it. A leaf module (no I/O, no kernel), so every layer may read it.
import type { AgentEvent } from './wire/events.js';
import { LSM_BACKEND } from './wire/wire-layout.js';

/** inline: the call is refused; reactive: the process is killed before it can use what it got */
export type Enforcement = 'inline' | 'reactive';

/**
 * The rungs of `vigil doctor`'s ladder (`backends[].backend` in `vigil doctor --json`). Doctor-only
 * names: audit lines name the hook instead ('lsm:file_open', 'cgroup:connect4', ...), but for
 * 'landlock', which is both.
 */
export type RungId = 'lsm' | 'landlock' | 'tracepoint_kill' | 'exec_kill' | 'cgroup' | 'seccomp';

/**
 * The programs of the BPF-LSM object (kernel/lsm), in the order the doctor probes their hooks
 * (kernel/probes/lsm_probe.bpf.c has `probe_<hook>` for each).
 */
export const LSM_PROGRAMS = [
  {
    program: 'vigil_lsm_file_open',
    hook: 'file_open',
    protection: 'file_open',
    bit: LSM_BACKEND.VIGIL_LSM_FILE_OPEN,
  },
  {
    program: 'vigil_lsm_exec',
    hook: 'bprm_check_security',
    protection: 'exec',
    bit: LSM_BACKEND.VIGIL_LSM_EXEC,
  },
  {
    program: 'vigil_lsm_connect',
    hook: 'socket_connect',
    protection: 'connect',
    bit: LSM_BACKEND.VIGIL_LSM_CONNECT,
  },
  {
    program: 'vigil_lsm_socket_create',
    hook: 'socket_create',
    protection: 'raw_socket',
    bit: LSM_BACKEND.VIGIL_LSM_SOCKET,
  },
  {
    program: 'vigil_lsm_sendmsg',
    hook: 'socket_sendmsg',
    protection: 'udp_send',
    bit: LSM_BACKEND.VIGIL_LSM_SENDMSG,
  },
  // unlink/rename rules and the process-wide guards (kernel/lsm/changes_guards.h)
  {
    program: 'vigil_lsm_path_unlink',
    hook: 'path_unlink',
    protection: 'unlink',
    bit: LSM_BACKEND.VIGIL_LSM_UNLINK,
  },
  {
    program: 'vigil_lsm_path_rmdir',
    hook: 'path_rmdir',
    protection: 'unlink',
    bit: LSM_BACKEND.VIGIL_LSM_UNLINK,
  },
  {
    program: 'vigil_lsm_path_rename',
    hook: 'path_rename',
    protection: 'rename',
    bit: LSM_BACKEND.VIGIL_LSM_RENAME,
  },
  {
    program: 'vigil_lsm_ptrace_guard',
    hook: 'ptrace_access_check',
    protection: 'ptrace',
    bit: LSM_BACKEND.VIGIL_LSM_PTRACE,
  },
  {
    program: 'vigil_lsm_signal_guard',
    hook: 'task_kill',
    protection: 'signals',
    bit: LSM_BACKEND.VIGIL_LSM_SIGNAL,
  },
  {
    program: 'vigil_lsm_mmap_file',
    hook: 'mmap_file',
    protection: 'exec_memory',
    bit: LSM_BACKEND.VIGIL_LSM_EXEC_MEMORY,
  },
  {
    program: 'vigil_lsm_file_mprotect',
    hook: 'file_mprotect',
    protection: 'exec_memory',
    bit: LSM_BACKEND.VIGIL_LSM_EXEC_MEMORY,
  },
  // self-protection (kernel/lsm/self_protect.h): decides only when all three attach; no fallback
  // hook steps aside for it, so no bit
  { program: 'vigil_lsm_task_kill', hook: 'task_kill', protection: 'self_protection', bit: 0 },
  {
    program: 'vigil_lsm_ptrace_access_check',
    hook: 'ptrace_access_check',
    protection: 'self_protection',
    bit: 0,
  },
  { program: 'vigil_lsm_bpf', hook: 'bpf', protection: 'self_protection', bit: 0 },
] as const;
export type LsmProgram = (typeof LSM_PROGRAMS)[number];
export type LsmHook = LsmProgram['hook'];

/** The hooks that follow process lineage (kernel/hooks/process_*.h), as audit lines name them. */
export const LINEAGE_BACKENDS = {
  exec: 'tp_btf:sched_process_exec',
  fork: 'tp_btf:sched_process_fork',
  exit: 'tp_btf:sched_process_exit',
  /** an execve that failed never reaches sched_process_exec (kernel/hooks/exec_failed.h) */
  failedExec: 'tracepoint:syscalls/sys_exit_execve*',
} as const;

/** The backends audit lines name that are not a protection's hook or a lineage hook. */
export const OTHER_BACKENDS = {
  /** `vigil run`'s hardening filter: its refusals, seen at the system call's exit tracepoint */
  hardening: 'seccomp',
  /** a `vigil run` session's Landlock ruleset: EACCES, with vigil's attribution */
  landlock: 'landlock',
  /** `vigil run`'s read-only mounts of write-denied paths: EROFS, with vigil's attribution */
  readonlyMount: 'readonly-mount',
  /** session lines made in user space (run, attach) */
  session: 'vigil:session',
  /** loss lines, from the kernel's counters */
  loss: 'kernel:vigil_stats',
  /** file_activity lines, from the kernel's per-session counts of opens not sent */
  fileActivity: 'kernel:open_volume',
  /** dns_query lines: vigil's DNS proxy, which the cgroup hooks send a session's DNS through */
  dnsProxy: 'vigil:dns-proxy',
  /** sni_check lines: vigil's SNI proxy, which the cgroup hooks send verify_sni connects through */
  sniProxy: 'vigil:sni-proxy',
  /** export_drop lines: an exporter's spool, which dropped lines at its bound */
  exportSpool: 'vigil:export-spool',
} as const;

/**
 * Per protection: its ids, the audit events it decides, its hooks and fallback. The order is the
 * order of `vigil doctor` rows and of `vigil status` lines.
 */
export const PROTECTIONS = [
  {
    id: 'file_open',
    doctor: { id: 'file_open', title: 'file open' },
    events: ['file_open'],
    cgroup: [],
    // one program per syscall (open, openat, openat2, creat); the event does not say which
    fallback: {
      backend: 'tracepoint:syscalls/sys_exit_open*',
      enforcement: 'reactive',
      rung: 'tracepoint_kill',
    },
  },
  {
    id: 'exec',
    doctor: { id: 'exec', title: 'exec' },
    events: ['exec'],
    cgroup: [],
    fallback: { backend: LINEAGE_BACKENDS.exec, enforcement: 'reactive', rung: 'exec_kill' },
  },
  {
    id: 'connect',
    doctor: { id: 'connect', title: 'connect' },
    events: ['net_connect'],
    cgroup: [
      { hook: 'connect4', family: 'inet' },
      { hook: 'connect6', family: 'inet6' },
    ],
    fallback: { backend: 'cgroup:connect4/connect6', enforcement: 'inline', rung: 'cgroup' },
  },
  {
    id: 'udp_send',
    doctor: { id: 'udp_send', title: 'UDP send' },
    events: ['udp_send'],
    cgroup: [
      { hook: 'sendmsg4', family: 'inet' },
      { hook: 'sendmsg6', family: 'inet6' },
    ],
    fallback: { backend: 'cgroup:sendmsg4/sendmsg6', enforcement: 'inline', rung: 'cgroup' },
  },
  {
    id: 'raw_socket',
    // `vigil doctor --json` (schema 1, docs/doctor.md) has published this row as 'raw_sockets'
    doctor: { id: 'raw_sockets', title: 'raw sockets' },
    events: ['socket_create'],
    cgroup: [{ hook: 'sock_create', family: null }],
    fallback: { backend: 'cgroup:sock_create', enforcement: 'inline', rung: 'cgroup' },
  },
  {
    id: 'unlink',
    doctor: { id: 'unlink', title: 'unlink, rmdir' },
    events: ['unlink'],
    cgroup: [],
    // the call is made, then its caller is killed (kernel/hooks/changes.h)
    fallback: {
      backend: 'tracepoint:syscalls/sys_enter_unlink*,sys_enter_rmdir',
      enforcement: 'reactive',
      rung: 'tracepoint_kill',
    },
  },
  {
    id: 'rename',
    doctor: { id: 'rename', title: 'rename' },
    events: ['rename'],
    cgroup: [],
    fallback: {
      backend: 'tracepoint:syscalls/sys_enter_rename*',
      enforcement: 'reactive',
      rung: 'tracepoint_kill',
    },
  },
  {
    id: 'ptrace',
    doctor: { id: 'ptrace', title: 'ptrace' },
    events: ['ptrace'],
    cgroup: [],
    fallback: {
      backend: 'tracepoint:syscalls/sys_enter_ptrace,sys_enter_process_vm_*',
      enforcement: 'reactive',
      rung: 'tracepoint_kill',
    },
  },
  {
    id: 'signals',
    doctor: { id: 'signals', title: 'signals' },
    events: ['signal'],
    cgroup: [],
    fallback: {
      backend: 'tracepoint:syscalls/sys_enter_*kill,sys_enter_rt_*sigqueueinfo',
      enforcement: 'reactive',
      rung: 'tracepoint_kill',
    },
  },
  {
    id: 'exec_memory',
    doctor: { id: 'exec_memory', title: 'executable memory' },
    events: ['exec_memory'],
    cgroup: [],
    fallback: {
      backend: 'tracepoint:syscalls/sys_enter_mmap,sys_enter_*mprotect',
      enforcement: 'reactive',
      rung: 'tracepoint_kill',
    },
  },
  {
    id: 'self_protection',
    doctor: { id: 'self_protection', title: 'self-protection' },
    events: [],
    cgroup: [],
    // the launcher's filter: `vigil run` sessions only (watch/attach sessions have none)
    fallback: {
      backend: 'seccomp:vigil-launch (vigil run sessions only)',
      enforcement: 'inline',
      rung: 'seccomp',
    },
  },
] as const satisfies readonly ProtectionEntry[];

interface ProtectionEntry {
  /** the key in `vigil status` and in `vigil doctor`'s "attached" section */
  id: string;
  /** the row of `vigil doctor` (protections[].id and title) */
  doctor: { id: string; title: string };
  /** the audit events (`event` on the line) whose decisions it makes */
  events: readonly AgentEvent['kind'][];
  /** the cgroup-BPF hooks of its fallback (cgroup/<hook>), with the address family each sees */
  cgroup: readonly { hook: string; family: 'inet' | 'inet6' | null }[];
  /** the backend that decides without BPF-LSM, as audit lines name it, and its doctor rung */
  fallback: { backend: string; enforcement: Enforcement; rung: RungId };
}

export type ProtectionSpec = (typeof PROTECTIONS)[number];
export type ProtectionId = ProtectionSpec['id'];
export type DoctorProtectionId = ProtectionSpec['doctor']['id'];
export type CgroupHook = ProtectionSpec['cgroup'][number]['hook'];

/** Every LSM hook, in probe order (a hook two programs share, e.g. task_kill, once). */
export const LSM_HOOKS: readonly LsmHook[] = [...new Set(LSM_PROGRAMS.map((p) => p.hook))];

/** Every cgroup-BPF hook of the fallbacks, in protection order. */
export const CGROUP_HOOKS: readonly CgroupHook[] = PROTECTIONS.flatMap((p) => p.cgroup.map((c) => c.hook));

/** The backend name of an LSM hook, as audit lines and the kernel report give it. */
export function lsmBackend(hook: LsmHook): string {
  return `lsm:${hook}`;
}

/** The backend name of a cgroup-BPF hook. */
export function cgroupBackend(hook: CgroupHook): string {
  return `cgroup:${hook}`;
}

/** A protection's LSM programs; all of them attached, BPF-LSM decides it. */
export function lsmProgramsOf(id: ProtectionId): LsmProgram[] {
  return LSM_PROGRAMS.filter((p) => p.protection === id);
}

/** The backend a protection has when all its LSM programs are attached. */
export function lsmBackendOf(id: ProtectionId): string {
  return `lsm:${lsmProgramsOf(id)
    .map((p) => p.hook)
    .join('+')}`;
}

export function protection(id: ProtectionId): ProtectionSpec {
  const p = PROTECTIONS.find((x) => x.id === id);
  if (p === undefined) throw new RangeError(`no protection '${id}'`);
  return p;
}
