// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Doctor probe: the exec fallback. When BPF-LSM cannot load, vigil stops a forbidden exec by
 * sending SIGKILL from tp_btf/sched_process_exec: the signal is pending before the new image
 * returns to user space, so it runs no instruction. This probe kills only tasks whose tgid
 * user space put in `targets` (doctor's own child), and counts the kills it sent.
 */
#include "prelude.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define PROBE_SIGKILL 9

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u32); /* kills sent to this tgid */
} targets SEC(".maps");

SEC("tp_btf/sched_process_exec")
int BPF_PROG(probe_exec_kill, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u32 *sent = bpf_map_lookup_elem(&targets, &tgid);

	if (!sent)
		return 0;
	if (bpf_send_signal(PROBE_SIGKILL) == 0)
		__sync_fetch_and_add(sent, 1);
	return 0;
}
