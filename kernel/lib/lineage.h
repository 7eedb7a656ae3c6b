/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Which processes are watched. Keyed by tgid, so every thread of a watched process is watched;
 * each entry carries the process's start time, so an entry left for a PID that was reused is
 * recognised as stale and dropped instead of attributing a stranger to a session.
 */
#ifndef VIGIL_LIB_LINEAGE_H
#define VIGIL_LIB_LINEAGE_H

/* Start time of the process (its thread group) in USER_HZ ticks, as /proc/<pid>/stat shows it. */
static __always_inline __u64 lineage__start_ticks(struct task_struct *task)
{
	return BPF_CORE_READ(task, group_leader, start_boottime) / VIGIL_NSEC_PER_TICK;
}

static __always_inline struct vigil_proc *lineage__lookup(struct task_struct *task, __u32 tgid)
{
	struct vigil_proc *p = bpf_map_lookup_elem(&watched, &tgid);

	if (!p)
		return NULL;
	if (p->start_ticks != lineage__start_ticks(task)) {
		stats__bump(VIGIL_STAT_STALE_ENTRY);
		bpf_map_delete_elem(&watched, &tgid);
		return NULL;
	}
	return p;
}

static __always_inline struct vigil_proc *lineage__current(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	return lineage__lookup(task, bpf_get_current_pid_tgid() >> 32);
}

static __always_inline void lineage__watch(__u32 tgid, __u32 session, __u32 flags, __u64 start_ticks)
{
	struct vigil_proc p = { .session = session, .flags = flags, .start_ticks = start_ticks };

	if (bpf_map_update_elem(&watched, &tgid, &p, BPF_ANY))
		stats__bump(VIGIL_STAT_WATCH_FULL);
}

#endif
