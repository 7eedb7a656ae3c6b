// The TypeScript side of kernel/include/vigil.h. Keep names and order identical to the C
// header: test/unit/decode/wire-layout.test.ts checks every layout and enum here against the
// BTF of build/bpf/wire/wire_btf.bpf.o and fails on any difference.
import { defineStruct } from './struct-layout.js';

export const WIRE_VERSION = 1;
export const COMM_LEN = 16;
export const TEST_PATH_LEN = 256;
export const PATH_MAX = 4096;
export const ARGV_MAX = 1024;
export const NAME_MAX = 64;
export const SESSION_KERNEL_BIT = 0x80000000;
export const NSEC_PER_TICK = 10_000_000n;

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
  VIGIL_MSG_NET_CONNECT: 30,
  VIGIL_MSG_UDP_SEND: 31,
  VIGIL_MSG_SOCKET_CREATE: 32,
} as const;

/** enum vigil_msg_flag: bits of the header's flags. */
export const MSG_FLAG = {
  VIGIL_F_PATH_CUT: 1,
  VIGIL_F_PATH_ERROR: 2,
  VIGIL_F_ARGV_CUT: 4,
  VIGIL_F_ARGV_ERROR: 8,
} as const;

/** enum vigil_proc_flag */
export const PROC_FLAG = {
  VIGIL_PROC_ROOT: 1,
} as const;

/** enum vigil_stat: per-CPU failure counters. */
export const STAT = {
  VIGIL_STAT_RINGBUF_FULL: 0,
  VIGIL_STAT_READ_FAIL: 1,
  VIGIL_STAT_WATCH_FULL: 2,
  VIGIL_STAT_STALE_ENTRY: 3,
  VIGIL_STAT_MAX: 8,
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
  ['flags', 'u32'],
]);

export const Name = defineStruct('vigil_name', [['name', { char: NAME_MAX }]]);

export const EventHead = defineStruct('vigil_event_head', [
  ['hdr', { struct: MsgHeader }],
  ['task', { struct: Task }],
  ['session', 'u32'],
  ['pad', 'u32'],
]);

export const ExecEvent = defineStruct('vigil_exec_event', [
  ['head', { struct: EventHead }],
  ['old_pid', 'u32'],
  ['rule', 'u32'],
  ['path_len', 'u16'],
  ['argv_len', 'u16'],
  ['argc', 'u32'],
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

/** Every wire struct, for the layout check. */
export const WIRE_STRUCTS = [
  MsgHeader,
  Task,
  Proc,
  WatchRule,
  Name,
  EventHead,
  ExecEvent,
  ForkEvent,
  ExitEvent,
  FileEvent,
  NetEvent,
  SocketEvent,
  TestOpen,
  TestEchoCtx,
  TestEcho,
  TestKey,
  ProbeMsg,
] as const;
/** Every wire enum, by C name, for the layout check. */
export const WIRE_ENUMS: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  vigil_msg_type: MSG_TYPE,
  vigil_stat: STAT,
  vigil_msg_flag: MSG_FLAG,
  vigil_proc_flag: PROC_FLAG,
};
