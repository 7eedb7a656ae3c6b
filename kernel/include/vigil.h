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
/* Resolved paths longer than this are cut (the tail is kept) and flagged VIGIL_F_PATH_CUT. */
#define VIGIL_PATH_MAX 4096
/* Bytes of an exec's argv (NUL-separated) carried in its event; more is flagged VIGIL_F_ARGV_CUT. */
#define VIGIL_ARGV_MAX 1024
/* Longest program basename a watch rule can name. */
#define VIGIL_NAME_MAX 64
/* Sessions the kernel starts itself (a watch rule matched an exec) have this bit set. */
#define VIGIL_SESSION_KERNEL_BIT 0x80000000u
/* /proc/<pid>/stat counts start times in USER_HZ ticks. */
#define VIGIL_NSEC_PER_TICK 10000000ULL

/* Ring-buffer record types. Numbers are part of the protocol: append, never renumber. */
enum vigil_msg_type {
	VIGIL_MSG_TEST_OPEN = 1,   /* bridge test object: a watched task called openat */
	VIGIL_MSG_TEST_ECHO = 2,   /* bridge test object: BPF_PROG_RUN echo record */
	VIGIL_MSG_PROBE = 3,       /* doctor: ring-buffer probe record */
	VIGIL_MSG_SESSION_START = 10, /* a watch rule matched an exec: the kernel began a session */
	VIGIL_MSG_EXEC = 11,
	VIGIL_MSG_FORK = 12,
	VIGIL_MSG_EXIT = 13,
	VIGIL_MSG_FILE_OPEN = 20,
	VIGIL_MSG_NET_CONNECT = 30,
	VIGIL_MSG_UDP_SEND = 31,
	VIGIL_MSG_SOCKET_CREATE = 32,
};

/* Bits of vigil_msg_header.flags. */
enum vigil_msg_flag {
	VIGIL_F_PATH_CUT = 1 << 0,   /* the path was longer than VIGIL_PATH_MAX: its head is missing */
	VIGIL_F_PATH_ERROR = 1 << 1, /* the path could not be resolved (detached, unreachable) */
	VIGIL_F_ARGV_CUT = 1 << 2,   /* argv was longer than VIGIL_ARGV_MAX */
	VIGIL_F_ARGV_ERROR = 1 << 3, /* argv could not be read */
};

/* Counters every object keeps in a per-CPU array; user space sums the CPUs. */
enum vigil_stat {
	VIGIL_STAT_RINGBUF_FULL = 0, /* bpf_ringbuf_reserve failed: a record was lost */
	VIGIL_STAT_READ_FAIL = 1,    /* a bpf_probe_read_* failed: a field is incomplete */
	VIGIL_STAT_WATCH_FULL = 2,   /* the watched-process table was full: a process went unwatched */
	VIGIL_STAT_STALE_ENTRY = 3,  /* a watched entry's start time did not match: PID reuse caught */
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

/* --- lineage: which processes are watched, and by which session --- */

/* Value of the `watched` map, keyed by tgid. */
struct vigil_proc {
	__u32 session;
	__u32 flags;       /* enum vigil_proc_flag */
	__u64 start_ticks; /* the process's start time in USER_HZ ticks since boot: a reused PID differs */
};

enum vigil_proc_flag {
	VIGIL_PROC_ROOT = 1 << 0, /* the session's root process */
};

/* Value of the `watch_rules` map, keyed by struct vigil_name (a program basename). */
struct vigil_watch_rule {
	__u32 rule;  /* user space's id for the rule; reported in VIGIL_MSG_SESSION_START */
	__u32 flags;
};

struct vigil_name {
	char name[VIGIL_NAME_MAX];
};

/* --- events: header, who, which session; then the event's own part --- */

struct vigil_event_head {
	struct vigil_msg_header hdr;
	struct vigil_task task;
	__u32 session;
	__u32 pad;
};

/* Followed by path_len bytes of the executed file's resolved path (no NUL), then argv_len bytes
 * of argv (each argument NUL-terminated). */
struct vigil_exec_event {
	struct vigil_event_head head;
	__u32 old_pid;   /* the thread that called execve, if not the leader */
	__u32 rule;      /* for VIGIL_MSG_SESSION_START: the watch rule that matched */
	__u16 path_len;
	__u16 argv_len;
	__u32 argc;
};

struct vigil_fork_event {
	struct vigil_event_head head; /* the parent */
	__u32 child_tgid;
	__u32 pad;
	__u64 child_start_ticks;
};

struct vigil_exit_event {
	struct vigil_event_head head;
	__s32 exit_code; /* as wait(2) reports it: status << 8 | signal */
	__u32 pad;
};

/* Followed by path_len bytes of the opened file's resolved path (no NUL). */
struct vigil_file_event {
	struct vigil_event_head head;
	__u32 open_flags; /* O_* as the file was opened */
	__u32 mode;       /* i_mode of the file */
	__s32 ret;        /* the fd, or -errno */
	__u16 path_len;
	__u16 pad;
};

struct vigil_net_event {
	struct vigil_event_head head;
	__u8 addr[16];  /* IPv4 in the first 4 bytes, or IPv6 */
	__u16 family;   /* AF_INET or AF_INET6 */
	__u16 port;     /* host byte order */
	__u16 sock_type;
	__u16 protocol;
};

struct vigil_socket_event {
	struct vigil_event_head head;
	__u16 family;
	__u16 sock_type;
	__u16 protocol;
	__u16 pad;
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
