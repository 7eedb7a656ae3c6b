/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Every map of the agent object, in one place. Runtime state lives here (user space writes
 * the watched set and the watch rules); load-time settings are the const volatile globals in
 * agent/vigil.bpf.c.
 */
#ifndef VIGIL_LIB_AGENT_MAPS_H
#define VIGIL_LIB_AGENT_MAPS_H

#define VIGIL_WATCHED_MAX 65536
#define VIGIL_SCRATCH_EVENT 8192

/* Watched processes by tgid: their session, and their start time against PID reuse. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VIGIL_WATCHED_MAX);
	__type(key, __u32);
	__type(value, struct vigil_proc);
} watched SEC(".maps");

/* Index 0 is non-zero while any watch rule exists, so unwatched execs skip the name lookup. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} watch_rules_active SEC(".maps");

/* `vigil watch`: program basenames whose exec starts a session. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct vigil_name);
	__type(value, struct vigil_watch_rule);
} watch_rules SEC(".maps");

/* How each session is enforced: its profile handle and flags. Written by user space, and by
 * the exec hook for sessions a watch rule starts. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct vigil_session);
} sessions SEC(".maps");

/* The daemon's liveness (struct vigil_heartbeat), written by its ring consumer, read by decide.h. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vigil_heartbeat);
} heartbeat SEC(".maps");

/* Processes a hook stopped (fail-closed `freeze`) while no daemon beat: the daemon that re-adopts
 * the pinned state resumes exactly these (SIGCONT) and empties the map. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u8);
} fc_stopped SEC(".maps");

/* Decisions that refused, killed or audited something: a ring of their own, so a flood of
 * ordinary events can never crowd one out. If even this one is full, VIGIL_STAT_ALERT_LOST
 * counts it (the decision itself was still enforced). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1024 * 1024);
} alerts SEC(".maps");

/* Every agent event. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 * 1024 * 1024);
} events SEC(".maps");

/* openat arguments between sys_enter and sys_exit, per thread of a watched process. lsm/file_open
 * sets lsm_seen when it reported (and decided) the open itself: sys_exit then stays silent. */
struct open_args {
	const char *filename;
	__u32 flags;
	__u32 lsm_seen;
	__s32 dfd; /* what a relative filename is relative to */
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct open_args);
} open_args SEC(".maps");

/* UDP destinations already reported per process: sendmsg is reported once per destination. */
struct udp_dest {
	__u32 tgid;
	__u16 family;
	__u16 port;
	__u8 addr[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct udp_dest);
	__type(value, __u8);
} udp_seen SEC(".maps");

/* Per-CPU room to build variable-length events and resolve paths (too big for the stack). */
struct scratch {
	__u8 path[2 * VIGIL_PATH_MAX];
	__u8 event[VIGIL_SCRATCH_EVENT];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

static __always_inline struct scratch *scratch__get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&scratch, &zero);
}

#endif
