/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * vigil's wire protocol: every struct that crosses the kernel/user boundary (ring-buffer
 * records, map keys and values, program contexts). The TypeScript decoder's layouts are
 * checked against this file's compiled BTF by test/unit/decode/wire-layout.test.ts, so a
 * change here without the matching change there fails the build's tests.
 *
 * Rules: fixed-width types only, explicit padding, no `packed`, every record starts with
 * struct vigil_msg_header. Event type numbers are fixed and never reused.
 */
#ifndef VIGIL_WIRE_H
#define VIGIL_WIRE_H

#define VIGIL_WIRE_VERSION 1
#define VIGIL_COMM_LEN 16
#define VIGIL_TEST_PATH_LEN 256

/* Ring-buffer record types. Numbers are part of the protocol: append, never renumber. */
enum vigil_msg_type {
	VIGIL_MSG_TEST_OPEN = 1,   /* bridge test object: a watched task called openat */
	VIGIL_MSG_TEST_ECHO = 2,   /* bridge test object: BPF_PROG_RUN echo record */
	VIGIL_MSG_PROBE = 3,       /* doctor: ring-buffer probe record */
};

/* Counters every object keeps in a per-CPU array; user space sums the CPUs. */
enum vigil_stat {
	VIGIL_STAT_RINGBUF_FULL = 0, /* bpf_ringbuf_reserve failed: a record was lost */
	VIGIL_STAT_READ_FAIL = 1,    /* a bpf_probe_read_* failed: a field is incomplete */
	VIGIL_STAT_MAX = 8,
};

/* Common header of every ring-buffer record. */
struct vigil_msg_header {
	__u16 type;  /* enum vigil_msg_type */
	__u16 flags;
	__u32 size;  /* bytes in the whole record, header included */
	__u64 ktime; /* bpf_ktime_get_boot_ns(): CLOCK_BOOTTIME */
};

/* Who did it: identity of the task at the time of the event. */
struct vigil_task {
	__u32 pid;  /* thread id */
	__u32 tgid; /* process id */
	__u32 ppid; /* real parent's tgid */
	__u32 uid;
	__u32 gid;
	__u32 pad;
	__u64 cgroup_id;
	char comm[VIGIL_COMM_LEN];
};

/* --- bridge test object (kernel/test/bridge_test.bpf.c) --- */

struct vigil_test_open {
	struct vigil_msg_header hdr;
	struct vigil_task task;
	__u64 cookie; /* the test_cookie rodata value set before load */
	__s32 dfd;
	__u32 flags;
	char path[VIGIL_TEST_PATH_LEN];
};

/* Context of the BPF_PROG_RUN echo program (a `syscall` program). */
struct vigil_test_echo_ctx {
	__u64 value;
	__u32 count; /* records to emit */
	__u32 pad;
};

struct vigil_test_echo {
	struct vigil_msg_header hdr;
	__u64 value;
	__u32 seq;
	__u32 pad;
};

/* Key of the test hash map used for map round-trips. */
struct vigil_test_key {
	__u32 a;
	__u16 b;
	__u16 pad;
};

/* --- doctor probes (kernel/probes/) --- */

struct vigil_probe_msg {
	struct vigil_msg_header hdr;
	__u64 magic;
};

#endif /* VIGIL_WIRE_H */
