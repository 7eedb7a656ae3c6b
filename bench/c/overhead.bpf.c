// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Bench only (src/bench/overhead.ts): hook shapes measured one at a time on a process that is
 * not watched, to tell the cost of the hook mechanism from the cost of what the hook does.
 * Uses the agent's own lineage check (kernel/lib/lineage.h) on an empty watched map of its own.
 *   perf_*   tracepoint/syscalls/sys_{enter,exit}_openat: the per-syscall (perf) tracepoints
 *   btf_*    tp_btf/sys_enter + tp_btf/sys_exit: one pair for every syscall, dispatching on nr
 *   raw_*    raw_tp/sys_enter + raw_tp/sys_exit: the same without BTF typing
 *   *_empty  returns at once; *_lineage: the watched lookup the agent's hooks start with
 */
#include "prelude.h"
#include "stats.h"
#include "task.h"
#include "agent_maps.h"
#include "lineage.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* x86_64 numbers: the bench runs on x86_64 only */
#define NR_OPEN 2
#define NR_CREAT 85
#define NR_OPENAT 257
#define NR_OPENAT2 437

static __always_inline bool is_open(long nr)
{
	return nr == NR_OPENAT || nr == NR_OPEN || nr == NR_OPENAT2 || nr == NR_CREAT;
}

/* the agent's entry: keep the arguments of watched threads only */
static __always_inline int enter_lineage(const char *filename, __u32 flags)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct open_args args = { .filename = filename, .flags = flags };

	if (!lineage__current())
		return 0;
	bpf_map_update_elem(&open_args, &id, &args, BPF_ANY);
	return 0;
}

/* the agent's exit: the arguments kept at entry, if any */
static __always_inline int exit_lookup(void)
{
	__u64 id = bpf_get_current_pid_tgid();

	if (!bpf_map_lookup_elem(&open_args, &id))
		return 0;
	bpf_map_delete_elem(&open_args, &id);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_openat")
int perf_enter_empty(struct trace_event_raw_sys_enter *ctx)
{
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_openat")
int perf_exit_empty(struct trace_event_raw_sys_exit *ctx)
{
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_openat")
int perf_enter_lineage(struct trace_event_raw_sys_enter *ctx)
{
	return enter_lineage((const char *)ctx->args[1], (__u32)ctx->args[2]);
}

SEC("tracepoint/syscalls/sys_exit_openat")
int perf_exit_lookup(struct trace_event_raw_sys_exit *ctx)
{
	return exit_lookup();
}

SEC("tp_btf/sys_enter")
int BPF_PROG(btf_enter_empty, struct pt_regs *regs, long id)
{
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(btf_exit_empty, struct pt_regs *regs, long ret)
{
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(btf_enter_lineage, struct pt_regs *regs, long id)
{
	if (!is_open(id))
		return 0;
	/* openat(dfd, path, flags); open(path, flags) and creat(path) take the path first */
	if (id == NR_OPEN || id == NR_CREAT)
		return enter_lineage((const char *)BPF_CORE_READ(regs, di), (__u32)BPF_CORE_READ(regs, si));
	return enter_lineage((const char *)BPF_CORE_READ(regs, si), (__u32)BPF_CORE_READ(regs, dx));
}

SEC("tp_btf/sys_exit")
int BPF_PROG(btf_exit_lookup, struct pt_regs *regs, long ret)
{
	if (!is_open(BPF_CORE_READ(regs, orig_ax)))
		return 0;
	return exit_lookup();
}

/* every syscall looks up the watched set, as a dispatch-free hook would */
SEC("tp_btf/sys_enter")
int BPF_PROG(btf_enter_lineage_all, struct pt_regs *regs, long id)
{
	return lineage__current() ? 1 : 0;
}

SEC("raw_tp/sys_enter")
int raw_enter_lineage(struct bpf_raw_tracepoint_args *ctx)
{
	struct pt_regs *regs = (struct pt_regs *)ctx->args[0];
	long id = (long)ctx->args[1];

	if (!is_open(id))
		return 0;
	if (id == NR_OPEN || id == NR_CREAT)
		return enter_lineage((const char *)BPF_CORE_READ(regs, di), (__u32)BPF_CORE_READ(regs, si));
	return enter_lineage((const char *)BPF_CORE_READ(regs, si), (__u32)BPF_CORE_READ(regs, dx));
}

SEC("raw_tp/sys_exit")
int raw_exit_lookup(struct bpf_raw_tracepoint_args *ctx)
{
	struct pt_regs *regs = (struct pt_regs *)ctx->args[0];

	if (!is_open(BPF_CORE_READ(regs, orig_ax)))
		return 0;
	return exit_lookup();
}
