// The TypeScript side of kernel/include/vigil.h. Keep names and order identical to the C
// header: test/unit/decode/wire-layout.test.ts checks every layout and enum here against the
// BTF of build/bpf/wire/wire_btf.bpf.o and fails on any difference.
import { defineStruct } from './struct-layout.js';

export const WIRE_VERSION = 1;
export const COMM_LEN = 16;
export const TEST_PATH_LEN = 256;

/** enum vigil_msg_type: ring-buffer record types. */
export const MSG_TYPE = {
  VIGIL_MSG_TEST_OPEN: 1,
  VIGIL_MSG_TEST_ECHO: 2,
  VIGIL_MSG_PROBE: 3,
} as const;

/** enum vigil_stat: per-CPU failure counters. */
export const STAT = {
  VIGIL_STAT_RINGBUF_FULL: 0,
  VIGIL_STAT_READ_FAIL: 1,
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
export const WIRE_STRUCTS = [MsgHeader, Task, TestOpen, TestEchoCtx, TestEcho, TestKey, ProbeMsg] as const;
/** Every wire enum, by C name, for the layout check. */
export const WIRE_ENUMS: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  vigil_msg_type: MSG_TYPE,
  vigil_stat: STAT,
};
