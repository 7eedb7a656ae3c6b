// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Doctor probe: which tracing hooks can vigil attach? tp_btf and raw_tp on sched_process_exec
 * carry lineage and the exec fallback; the classic syscall tracepoint carries the reactive
 * file-open fallback and needs tracefs to be mounted. Each program is empty, loaded on its own,
 * attached and detached at once by `vigil doctor`.
 */
#include "prelude.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("tp_btf/sched_process_exec")
int BPF_PROG(probe_tp_btf, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	return 0;
}

SEC("raw_tp/sched_process_exec")
int probe_raw_tp(struct bpf_raw_tracepoint_args *ctx)
{
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_openat")
int probe_tracepoint(struct trace_event_raw_sys_enter *ctx)
{
	return 0;
}
