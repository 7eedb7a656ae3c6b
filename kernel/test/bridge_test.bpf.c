// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Test object for the native bridge: exercises rodata set before load, a syscall tracepoint
 * filtered by a runtime map, ring-buffer records with loss counting, map round-trips and
 * BPF_PROG_RUN. Loaded only by the bridge's kernel tests.
 */
#include "prelude.h"
#include "stats.h"
#include "task.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Load-time settings, written by user space between open and load. */
const volatile __u64 test_cookie = 0;
const volatile __u32 echo_flags = 0;

/* Tasks to report: a tgid, or any task whose parent's tgid, is a key here. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u8);
} watched SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

/* A deliberately small ring buffer so tests can overflow it on purpose. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} small_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct vigil_test_key);
	__type(value, __u64);
} kv SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} settings SEC(".maps");

static __always_inline bool test__watched(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u32 ppid;

	if (bpf_map_lookup_elem(&watched, &tgid))
		return true;
	ppid = task__ppid(task);
	return bpf_map_lookup_elem(&watched, &ppid) != NULL;
}

SEC("tracepoint/syscalls/sys_enter_openat")
int test_openat(struct trace_event_raw_sys_enter *ctx)
{
	struct vigil_test_open *ev;

	if (!test__watched())
		return 0;
	ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (!ev) {
		stats__bump(VIGIL_STAT_RINGBUF_FULL);
		return 0;
	}
	ev->hdr.type = VIGIL_MSG_TEST_OPEN;
	ev->hdr.flags = 0;
	ev->hdr.size = sizeof(*ev);
	ev->hdr.ktime = bpf_ktime_get_boot_ns();
	task__fill(&ev->task);
	ev->cookie = test_cookie;
	ev->dfd = (__s32)ctx->args[0];
	ev->flags = (__u32)ctx->args[2];
	if (bpf_probe_read_user_str(ev->path, sizeof(ev->path), (const char *)ctx->args[1]) < 0) {
		stats__bump(VIGIL_STAT_READ_FAIL);
		ev->path[0] = '\0';
	}
	bpf_ringbuf_submit(ev, 0);
	return 0;
}

struct echo_loop {
	void *rb;
	__u64 value;
};

static long echo__one(__u32 i, struct echo_loop *loop)
{
	struct vigil_test_echo *ev = bpf_ringbuf_reserve(loop->rb, sizeof(*ev), 0);

	if (!ev) {
		stats__bump(VIGIL_STAT_RINGBUF_FULL);
		return 0;
	}
	ev->hdr.type = VIGIL_MSG_TEST_ECHO;
	ev->hdr.flags = 0;
	ev->hdr.size = sizeof(*ev);
	ev->hdr.ktime = bpf_ktime_get_boot_ns();
	ev->value = loop->value;
	ev->seq = i;
	ev->pad = 0;
	bpf_ringbuf_submit(ev, 0);
	return 0;
}

/*
 * BPF_PROG_RUN entry: emits ctx->count echo records (to the small buffer when echo_flags has
 * bit 0) and returns value + count, so tests check the return path and the record path.
 */
SEC("syscall")
int test_echo(struct vigil_test_echo_ctx *ctx)
{
	struct echo_loop loop = {
		.rb = (echo_flags & 1) ? (void *)&small_events : (void *)&events,
		.value = ctx->value,
	};

	bpf_loop(ctx->count, echo__one, &loop, 0);
	return (int)(ctx->value + ctx->count);
}

/* Allows everything: tests attach it to a cgroup they create, and to a missing one for the error. */
SEC("cgroup/connect4")
int test_connect4(struct bpf_sock_addr *ctx)
{
	return 1;
}
