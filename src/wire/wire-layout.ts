// The TypeScript side of kernel/include/vigil.h. Keep names and order identical to the C
// header: test/unit/wire/wire-layout.test.ts checks every layout and enum here against the
// BTF of build/bpf/wire/wire_btf.bpf.o and fails on any difference.
import { defineStruct } from './struct-layout.js';

/** enum vigil_wire_limit: sizes and limits of the wire protocol. */
export const WIRE_LIMIT = {
  VIGIL_WIRE_VERSION: 1,
  VIGIL_COMM_LEN: 16,
  VIGIL_TEST_PATH_LEN: 256,
  VIGIL_PATH_MAX: 4096,
  VIGIL_ARGV_MAX: 1024,
  VIGIL_NAME_MAX: 64,
  VIGIL_NSEC_PER_TICK: 10_000_000,
  VIGIL_HOST_PORTS: 6,
} as const;

/** enum vigil_session_id: the bit of the session ids the kernel numbers itself. */
export const SESSION_ID = {
  VIGIL_SESSION_KERNEL_BIT: 0x80000000,
} as const;

export const COMM_LEN = WIRE_LIMIT.VIGIL_COMM_LEN;
export const TEST_PATH_LEN = WIRE_LIMIT.VIGIL_TEST_PATH_LEN;
export const ARGV_MAX = WIRE_LIMIT.VIGIL_ARGV_MAX;
export const NAME_MAX = WIRE_LIMIT.VIGIL_NAME_MAX;
export const SESSION_KERNEL_BIT = SESSION_ID.VIGIL_SESSION_KERNEL_BIT;

/** enum vigil_msg_type: ring-buffer record types. */
export const MSG_TYPE = {
  VIGIL_MSG_TEST_OPEN: 1,
  VIGIL_MSG_TEST_ECHO: 2,
  VIGIL_MSG_PROBE: 3,
  VIGIL_MSG_SESSION_START: 10,
  VIGIL_MSG_EXEC: 11,
  VIGIL_MSG_FORK: 12,
  VIGIL_MSG_EXIT: 13,
  VIGIL_MSG_FILE_OPEN: 20,
  VIGIL_MSG_UNLINK: 21,
  VIGIL_MSG_RENAME: 22,
  VIGIL_MSG_NET_CONNECT: 30,
  VIGIL_MSG_UDP_SEND: 31,
  VIGIL_MSG_SOCKET_CREATE: 32,
  VIGIL_MSG_PTRACE: 33,
  VIGIL_MSG_SIGNAL: 34,
  VIGIL_MSG_EXEC_MEMORY: 35,
  VIGIL_MSG_SYSCALL_REFUSED: 40,
} as const;

/** enum vigil_msg_flag: bits of the header's flags. */
export const MSG_FLAG = {
  VIGIL_F_PATH_CUT: 1,
  VIGIL_F_PATH_ERROR: 2,
  VIGIL_F_ARGV_CUT: 4,
  VIGIL_F_ARGV_ERROR: 8,
  VIGIL_F_DECIDED: 16,
  VIGIL_F_DENIED: 32,
  VIGIL_F_KILLED: 64,
  VIGIL_F_LSM: 128,
  VIGIL_F_INODE: 256,
  VIGIL_F_FAIL_CLOSED: 512,
  VIGIL_F_STOPPED: 1024,
  VIGIL_F_TRUNCATED: 2048,
  VIGIL_F_REACTIVE_AUDIT: 4096,
} as const;

/** enum vigil_session_flag */
export const SESSION_FLAG = {
  VIGIL_SESSION_ENFORCE: 1,
  VIGIL_SESSION_AUDIT_ONLY: 2,
  VIGIL_SESSION_RAW_OK: 4,
  VIGIL_SESSION_FC_DENY: 8,
  VIGIL_SESSION_FC_FREEZE: 16,
  VIGIL_SESSION_HARDENED: 32,
  VIGIL_SESSION_OPENS_FIRST: 64,
  VIGIL_SESSION_OPENS_NONE: 128,
  VIGIL_SESSION_HOSTS: 256,
  VIGIL_SESSION_VERIFY_SNI: 512,
} as const;

/** enum vigil_lsm_backend: bits of the lsm_backends map */
export const LSM_BACKEND = {
  VIGIL_LSM_FILE_OPEN: 1,
  VIGIL_LSM_EXEC: 2,
  VIGIL_LSM_CONNECT: 4,
  VIGIL_LSM_SENDMSG: 8,
  VIGIL_LSM_SOCKET: 16,
  VIGIL_LSM_UNLINK: 32,
  VIGIL_LSM_RENAME: 64,
  VIGIL_LSM_PTRACE: 128,
  VIGIL_LSM_SIGNAL: 256,
  VIGIL_LSM_EXEC_MEMORY: 512,
} as const;

/** enum vigil_change_op */
export const CHANGE_OP = {
  VIGIL_CHANGE_UNLINK: 1,
  VIGIL_CHANGE_RMDIR: 2,
  VIGIL_CHANGE_RENAME: 3,
} as const;

/** enum vigil_guard_call */
export const GUARD_CALL = {
  VIGIL_GUARD_CALL_PTRACE: 1,
  VIGIL_GUARD_CALL_KILL: 2,
  VIGIL_GUARD_CALL_MMAP: 3,
  VIGIL_GUARD_CALL_MPROTECT: 4,
} as const;

/** enum vigil_proc_flag */
export const PROC_FLAG = {
  VIGIL_PROC_ROOT: 1,
} as const;

/** enum vigil_stat: slots of the per-CPU counters (src/wire/kernel-counters.ts names them). */
export const STAT = {
  VIGIL_STAT_RINGBUF_FULL: 0,
  VIGIL_STAT_READ_FAIL: 1,
  VIGIL_STAT_WATCH_FULL: 2,
  VIGIL_STAT_STALE_ENTRY: 3,
  VIGIL_STAT_POLICY_NO_TABLE: 4,
  VIGIL_STAT_POLICY_LOOKUP: 5,
  VIGIL_STAT_ALERT_LOST: 6,
  VIGIL_STAT_SELF_PROTECT: 7,
  VIGIL_STAT_FAIL_CLOSED: 8,
  VIGIL_STAT_MAX: 9,
} as const;

export const MsgHeader = defineStruct('vigil_msg_header', [
  ['type', 'u16'],
  ['flags', 'u16'],
  ['size', 'u32'],
  ['ktime', 'u64'],
]);

export const Task = defineStruct('vigil_task', [
  ['pid', 'u32'],
  ['tgid', 'u32'],
  ['ppid', 'u32'],
  ['uid', 'u32'],
  ['gid', 'u32'],
  ['pad', 'u32'],
  ['cgroup_id', 'u64'],
  ['comm', { char: COMM_LEN }],
]);

export const Proc = defineStruct('vigil_proc', [
  ['session', 'u32'],
  ['flags', 'u32'],
  ['start_ticks', 'u64'],
]);

export const WatchRule = defineStruct('vigil_watch_rule', [
  ['rule', 'u32'],
  ['profile', 'u32'],
  ['flags', 'u32'],
  ['pad', 'u32'],
]);

export const SessionCfg = defineStruct('vigil_session', [
  ['profile', 'u32'],
  ['flags', 'u32'],
]);

/** The one-entry `heartbeat` array: the daemon's liveness as the hooks see it (vigil.h). */
export const Heartbeat = defineStruct('vigil_heartbeat', [
  ['beat_ns', 'u64'],
  ['deadline_ns', 'u64'],
  ['daemon_tgid', 'u32'],
  ['pad', 'u32'],
]);

/** The `open_volume` map's value: allowed opens a session's --file-events counted (vigil.h). */
export const OpenVolume = defineStruct('vigil_open_volume', [
  ['repeated', 'u64'],
  ['failed_lookups', 'u64'],
  ['unrecorded', 'u64'],
]);

/** Ports an allowed address keeps (vigil.h VIGIL_HOST_PORTS); the first 0: any port. */
export const HOST_PORTS = WIRE_LIMIT.VIGIL_HOST_PORTS;

/** The `host_addrs` map's key: an address learned for a session's allowed host (kernel/lib/hosts.h). */
export const HostAddrKey = defineStruct('vigil_host_addr_key', [
  ['session', 'u32'],
  ['family', 'u8'],
  ['pad', { bytes: 3 }],
  ['addr', { bytes: 16 }],
]);

/** The `host_addrs` map's value: expiry (boot clock), the allowed_hosts rule, the ports. */
export const HostAddr = defineStruct('vigil_host_addr', [
  ['expires_ns', 'u64'],
  ['rule', 'u32'],
  ['ports', { bytes: HOST_PORTS * 2 }],
]);

/** The `dns_redirect` map's value: the loopback port of a session's DNS proxy for one resolver. */
export const DnsProxy = defineStruct('vigil_dns_proxy', [
  ['port', 'u16'],
  ['ipv6', 'u8'],
  ['pad', 'u8'],
]);

/** The `dns_origin` map's value, keyed by a proxy port: the session and the resolver it stands for. */
export const DnsOrigin = defineStruct('vigil_dns_origin', [
  ['session', 'u32'],
  ['family', 'u8'],
  ['pad', { bytes: 3 }],
  ['addr', { bytes: 16 }],
]);

/** A connect the kernel sent to a session's SNI proxy: the destination the agent asked for. */
export const SniOrigin = defineStruct('vigil_sni_origin', [
  ['session', 'u32'],
  ['family', 'u8'],
  ['pad', 'u8'],
  ['port', 'u16'],
  ['addr', { bytes: 16 }],
]);

/** The `sni_conns` map's key: the agent's end of a connection to the SNI proxy. */
export const SniClient = defineStruct('vigil_sni_client', [
  ['port', 'u32'],
  ['family', 'u8'],
  ['pad', { bytes: 3 }],
  ['addr', { bytes: 16 }],
]);

export const Name = defineStruct('vigil_name', [['name', { char: NAME_MAX }]]);

export const EventHead = defineStruct('vigil_event_head', [
  ['hdr', { struct: MsgHeader }],
  ['task', { struct: Task }],
  ['session', 'u32'],
  ['action', 'u8'],
  ['rule_kind', 'u8'],
  ['rule', 'u16'],
]);

export const ExecEvent = defineStruct('vigil_exec_event', [
  ['head', { struct: EventHead }],
  ['old_pid', 'u32'],
  ['rule', 'u32'],
  ['path_len', 'u16'],
  ['argv_len', 'u16'],
  ['argc', 'u32'],
  ['ret', 's32'],
  ['pad', 'u32'],
]);

export const ForkEvent = defineStruct('vigil_fork_event', [
  ['head', { struct: EventHead }],
  ['child_tgid', 'u32'],
  ['pad', 'u32'],
  ['child_start_ticks', 'u64'],
]);

export const ExitEvent = defineStruct('vigil_exit_event', [
  ['head', { struct: EventHead }],
  ['exit_code', 's32'],
  ['pad', 'u32'],
]);

export const FileEvent = defineStruct('vigil_file_event', [
  ['head', { struct: EventHead }],
  ['open_flags', 'u32'],
  ['mode', 'u32'],
  ['ret', 's32'],
  ['path_len', 'u16'],
  ['pad', 'u16'],
]);

export const NetEvent = defineStruct('vigil_net_event', [
  ['head', { struct: EventHead }],
  ['addr', { bytes: 16 }],
  ['family', 'u16'],
  ['port', 'u16'],
  ['sock_type', 'u16'],
  ['protocol', 'u16'],
]);

export const SocketEvent = defineStruct('vigil_socket_event', [
  ['head', { struct: EventHead }],
  ['family', 'u16'],
  ['sock_type', 'u16'],
  ['protocol', 'u16'],
  ['pad', 'u16'],
]);

export const SyscallEvent = defineStruct('vigil_syscall_event', [
  ['head', { struct: EventHead }],
  ['nr', 'u32'],
  ['ret', 's32'],
  ['arg0', 'u64'],
]);

export const ChangeEvent = defineStruct('vigil_change_event', [
  ['head', { struct: EventHead }],
  ['op', 'u16'],
  ['path_len', 'u16'],
  ['to_len', 'u16'],
  ['pad', 'u16'],
  ['ret', 's32'],
  ['pad2', 'u32'],
]);

export const GuardEvent = defineStruct('vigil_guard_event', [
  ['head', { struct: EventHead }],
  ['target', 'u32'],
  ['target_session', 'u32'],
  ['arg', 'u32'],
  ['arg2', 'u32'],
  ['call', 'u16'],
  ['pad', 'u16'],
  ['target_comm', { char: COMM_LEN }],
]);

export const TestOpen = defineStruct('vigil_test_open', [
  ['hdr', { struct: MsgHeader }],
  ['task', { struct: Task }],
  ['cookie', 'u64'],
  ['dfd', 's32'],
  ['flags', 'u32'],
  ['path', { char: TEST_PATH_LEN }],
]);

export const TestEchoCtx = defineStruct('vigil_test_echo_ctx', [
  ['value', 'u64'],
  ['count', 'u32'],
  ['pad', 'u32'],
]);

export const TestEcho = defineStruct('vigil_test_echo', [
  ['hdr', { struct: MsgHeader }],
  ['value', 'u64'],
  ['seq', 'u32'],
  ['pad', 'u32'],
]);

export const TestKey = defineStruct('vigil_test_key', [
  ['a', 'u32'],
  ['b', 'u16'],
  ['pad', 'u16'],
]);

export const ProbeMsg = defineStruct('vigil_probe_msg', [
  ['hdr', { struct: MsgHeader }],
  ['magic', 'u64'],
]);

// --- policy: the in-kernel matcher's tables and queries (kernel/policy/) ---

/** enum vigil_policy_limit: the matcher's limits. */
export const POLICY_LIMIT = {
  VIGIL_POLICY_TABLES: 8,
  VIGIL_POLICY_DFA_STATES: 4096,
  VIGIL_POLICY_CLASSES: 64,
  VIGIL_POLICY_LPM_BYTES: 252,
  VIGIL_POLICY_PATH_BOUND: 4095,
  VIGIL_POLICY_NAME_MAX: 255,
  VIGIL_POLICY_PORT_SEGS: 32,
  VIGIL_POLICY_INODES: 32768,
  VIGIL_POLICY_RULE_NONE: 0xffff,
  VIGIL_POLICY_BATCH_BYTES: 256 * 1024,
  VIGIL_POLICY_BATCH_MAX: 4096,
} as const;

export const POLICY_TABLES = POLICY_LIMIT.VIGIL_POLICY_TABLES;
export const POLICY_DFA_STATES = POLICY_LIMIT.VIGIL_POLICY_DFA_STATES;
export const POLICY_CLASSES = POLICY_LIMIT.VIGIL_POLICY_CLASSES;
export const POLICY_LPM_BYTES = POLICY_LIMIT.VIGIL_POLICY_LPM_BYTES;
/** Longest normalised path, in bytes, the matcher reads; longer ones take the over-bound rule. */
export const POLICY_PATH_BOUND = POLICY_LIMIT.VIGIL_POLICY_PATH_BOUND;
/** Longest path component Linux allows (NAME_MAX); bounds what `*` can match. */
export const POLICY_NAME_MAX = POLICY_LIMIT.VIGIL_POLICY_NAME_MAX;
export const POLICY_PORT_SEGS = POLICY_LIMIT.VIGIL_POLICY_PORT_SEGS;
export const POLICY_INODES = POLICY_LIMIT.VIGIL_POLICY_INODES;
export const POLICY_RULE_NONE = POLICY_LIMIT.VIGIL_POLICY_RULE_NONE;
export const POLICY_BATCH_BYTES = POLICY_LIMIT.VIGIL_POLICY_BATCH_BYTES;
export const POLICY_BATCH_MAX = POLICY_LIMIT.VIGIL_POLICY_BATCH_MAX;

/** enum vigil_policy_kind */
export const POLICY_KIND = {
  VIGIL_POLICY_OPEN: 1,
  VIGIL_POLICY_EXEC: 2,
  VIGIL_POLICY_CONNECT: 3,
  VIGIL_POLICY_UNLINK: 4,
  VIGIL_POLICY_RENAME: 5,
} as const;

/** enum vigil_policy_slot_id: the slots of struct vigil_policy_agg, and the networks' default. */
export const POLICY_SLOT = {
  VIGIL_POLICY_SLOT_READ: 0,
  VIGIL_POLICY_SLOT_WRITE: 1,
  VIGIL_POLICY_SLOT_RDWR: 2,
  VIGIL_POLICY_SLOT_EXEC: 3,
  VIGIL_POLICY_SLOT_UNLINK: 4,
  VIGIL_POLICY_SLOT_RENAME: 5,
  VIGIL_POLICY_SLOT_NET: 6,
  VIGIL_POLICY_SLOTS: 6,
} as const;

/** enum vigil_policy_guard: indexes of vigil_policy_table.guard. */
export const POLICY_GUARD = {
  VIGIL_GUARD_PTRACE: 0,
  VIGIL_GUARD_SIGNALS: 1,
  VIGIL_GUARD_EXEC_MEMORY: 2,
  VIGIL_GUARD_TARGETS: 3,
} as const;

/** enum vigil_policy_action: verdicts in increasing strength (also a slot's deny_action). */
export const POLICY_ACTION = {
  VIGIL_ACTION_ALLOW: 0,
  VIGIL_ACTION_AUDIT: 1,
  VIGIL_ACTION_BLOCK: 2,
  VIGIL_ACTION_KILL: 3,
} as const;

/** enum vigil_policy_rule_kind */
export const POLICY_RULE_KIND = {
  VIGIL_RULE_DEFAULT: 0,
  VIGIL_RULE_DENIED: 1,
  VIGIL_RULE_ALLOWED: 2,
  VIGIL_RULE_PATH_BOUND: 3,
  VIGIL_RULE_ERROR: 4,
  VIGIL_RULE_FAIL_CLOSED: 5,
  VIGIL_RULE_HARDENING: 6,
  VIGIL_RULE_GUARD: 7,
  VIGIL_RULE_HOST: 8,
  VIGIL_RULE_DNS: 9,
} as const;

/** enum vigil_policy_flag: bits of PolicyTable.flags. */
export const POLICY_FLAG = {
  VIGIL_POLICY_F_VALID: 1,
  VIGIL_POLICY_F_AUDIT: 2,
  VIGIL_POLICY_F_PATHS_DENY: 4,
  VIGIL_POLICY_F_NETS_DENY: 8,
  VIGIL_POLICY_F_CMDS_DENY: 16,
  VIGIL_POLICY_F_PREFIX: 32,
  VIGIL_POLICY_F_SUFFIX: 64,
  VIGIL_POLICY_F_PATH_DFA: 128,
  VIGIL_POLICY_F_NAME_DFA: 256,
  VIGIL_POLICY_F_NETS: 512,
  VIGIL_POLICY_F_CONTAIN: 1024,
} as const;

export const PolicySlot = defineStruct('vigil_policy_slot', [
  ['deny_action', 'u8'],
  ['pad', 'u8'],
  ['deny_rule', 'u16'],
  ['allow_rule', 'u16'],
  ['pad2', 'u16'],
]);

export const PolicyAgg = defineStruct('vigil_policy_agg', [
  ['read', { struct: PolicySlot }],
  ['write', { struct: PolicySlot }],
  ['rdwr', { struct: PolicySlot }],
  ['exec', { struct: PolicySlot }],
  ['unlink', { struct: PolicySlot }],
  ['rename', { struct: PolicySlot }],
]);

export const PolicyPathKey = defineStruct('vigil_policy_path_key', [
  ['prefixlen', 'u32'],
  ['table', 'u32'],
  ['path', { bytes: POLICY_LPM_BYTES }],
]);

export const PolicyPrefix = defineStruct('vigil_policy_prefix', [
  ['len', 'u16'],
  ['pad', 'u16'],
  ['pad2', 'u32'],
  ['partial', { struct: PolicyAgg }],
  ['full', { struct: PolicyAgg }],
]);

export const PolicyInodeKey = defineStruct('vigil_policy_inode_key', [
  ['table', 'u32'],
  ['dev', 'u32'],
  ['ino', 'u64'],
]);

export const PolicyReactiveKey = defineStruct('vigil_policy_reactive_key', [
  ['table', 'u32'],
  ['rule', 'u32'],
]);

/** `action` is 3 u8 and `rule` 3 u16: read, write, read-write. */
export const PolicyInode = defineStruct('vigil_policy_inode', [
  ['action', { bytes: 3 }],
  ['pad', 'u8'],
  ['rule', { bytes: 6 }],
  ['pad2', 'u16'],
]);

export const PolicyNetKey = defineStruct('vigil_policy_net_key', [
  ['prefixlen', 'u32'],
  ['table', 'u32'],
  ['family', 'u8'],
  ['addr', { bytes: 16 }],
  ['pad', { bytes: 3 }],
]);

export const PolicyPortSeg = defineStruct('vigil_policy_port_seg', [
  ['lo', 'u16'],
  ['hi', 'u16'],
  ['pad', 'u32'],
  ['tcp', { struct: PolicySlot }],
  ['udp', { struct: PolicySlot }],
]);

/** `segs` is POLICY_PORT_SEGS PolicyPortSeg records. */
export const PolicyNet = defineStruct('vigil_policy_net', [
  ['count', 'u32'],
  ['pad', 'u32'],
  ['segs', { bytes: POLICY_PORT_SEGS * PolicyPortSeg.size }],
]);

/** `next` is POLICY_CLASSES u16 states. */
export const PolicyRow = defineStruct('vigil_policy_row', [['next', { bytes: POLICY_CLASSES * 2 }]]);

export const PolicyTable = defineStruct('vigil_policy_table', [
  ['flags', 'u32'],
  ['path_start', 'u16'],
  ['name_start', 'u16'],
  ['bound', { bytes: 8 }],
  ['dflt', { bytes: 8 }],
  ['guard', { bytes: 4 }],
  ['pad', 'u32'],
  ['path_classes', { bytes: 256 }],
  ['name_classes', { bytes: 256 }],
]);

export const PolicyQuery = defineStruct('vigil_policy_query', [
  ['profile', 'u32'],
  ['kind', 'u8'],
  ['access', 'u8'],
  ['proto', 'u8'],
  ['family', 'u8'],
  ['path_len', 'u32'],
  ['name_len', 'u16'],
  ['req_path_len', 'u16'],
  ['req_name_len', 'u16'],
  ['port', 'u16'],
  ['addr', { bytes: 16 }],
  ['action', 'u8'],
  ['rule_kind', 'u8'],
  ['rule', 'u16'],
  ['table', 'u32'],
]);

export const PolicyBatchCtx = defineStruct('vigil_policy_batch_ctx', [
  ['count', 'u32'],
  ['bytes', 'u32'],
]);

/** `verdict` is POLICY_BATCH_MAX u32: action | rule_kind << 8 | rule << 16. */
export const PolicyResults = defineStruct('vigil_policy_results', [
  ['done', 'u32'],
  ['pad', 'u32'],
  ['verdict', { bytes: POLICY_BATCH_MAX * 4 }],
]);

/** Every wire struct, for the layout check. */
export const WIRE_STRUCTS = [
  MsgHeader,
  Task,
  Proc,
  WatchRule,
  SessionCfg,
  Heartbeat,
  OpenVolume,
  HostAddrKey,
  HostAddr,
  DnsProxy,
  DnsOrigin,
  SniOrigin,
  SniClient,
  Name,
  EventHead,
  ExecEvent,
  ForkEvent,
  ExitEvent,
  FileEvent,
  NetEvent,
  SocketEvent,
  SyscallEvent,
  ChangeEvent,
  GuardEvent,
  TestOpen,
  TestEchoCtx,
  TestEcho,
  TestKey,
  ProbeMsg,
  PolicySlot,
  PolicyAgg,
  PolicyPathKey,
  PolicyPrefix,
  PolicyInodeKey,
  PolicyReactiveKey,
  PolicyInode,
  PolicyNetKey,
  PolicyPortSeg,
  PolicyNet,
  PolicyRow,
  PolicyTable,
  PolicyQuery,
  PolicyBatchCtx,
  PolicyResults,
] as const;
/** Every wire enum, by C name, for the layout check. */
export const WIRE_ENUMS: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  vigil_wire_limit: WIRE_LIMIT,
  vigil_session_id: SESSION_ID,
  vigil_msg_type: MSG_TYPE,
  vigil_stat: STAT,
  vigil_msg_flag: MSG_FLAG,
  vigil_proc_flag: PROC_FLAG,
  vigil_session_flag: SESSION_FLAG,
  vigil_lsm_backend: LSM_BACKEND,
  vigil_change_op: CHANGE_OP,
  vigil_guard_call: GUARD_CALL,
  vigil_policy_kind: POLICY_KIND,
  vigil_policy_slot_id: POLICY_SLOT,
  vigil_policy_guard: POLICY_GUARD,
  vigil_policy_action: POLICY_ACTION,
  vigil_policy_rule_kind: POLICY_RULE_KIND,
  vigil_policy_flag: POLICY_FLAG,
  vigil_policy_limit: POLICY_LIMIT,
};
