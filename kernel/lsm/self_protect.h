/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Self-protection, for every watched process (run, watch and attach sessions alike): a watched
 * process cannot signal the vigil daemon, cannot ptrace it or read/write its memory (every
 * ptrace_may_access check: PTRACE_ATTACH, process_vm_*, /proc/<pid>/mem), and cannot use bpf()
 * at all. The daemon's tgid is in the heartbeat map (a daemon that re-adopts the pinned hooks
 * writes its own). Refusals are counted in
 * VIGIL_STAT_SELF_PROTECT (vigil status); the hooks report no event line.
 */
#ifndef VIGIL_LSM_SELF_PROTECT_H
#define VIGIL_LSM_SELF_PROTECT_H

static __always_inline bool self__is_daemon(struct task_struct *t)
{
	__u32 zero = 0;
	struct vigil_heartbeat *hb = bpf_map_lookup_elem(&heartbeat, &zero);

	return hb && hb->daemon_tgid != 0 && BPF_CORE_READ(t, tgid) == hb->daemon_tgid;
}

static __always_inline int self__refuse(void)
{
	stats__bump(VIGIL_STAT_SELF_PROTECT);
	return -EPERM;
}

SEC("lsm/task_kill")
int BPF_PROG(vigil_lsm_task_kill, struct task_struct *p)
{
	if (!self__is_daemon(p) || !lineage__current())
		return 0;
	return self__refuse();
}

SEC("lsm/ptrace_access_check")
int BPF_PROG(vigil_lsm_ptrace_access_check, struct task_struct *child)
{
	if (!self__is_daemon(child) || !lineage__current())
		return 0;
	return self__refuse();
}

SEC("lsm/bpf")
int BPF_PROG(vigil_lsm_bpf, int cmd)
{
	if (!lineage__current())
		return 0;
	return self__refuse();
}

#endif
