/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * sched_process_fork: a watched process made a new process, which joins its session before
 * it runs. Lineage follows who created a process, not who its parent is later, so double
 * forks, setsid and reparenting to init or a subreaper change nothing. New threads share the
 * tgid and are watched already.
 */

SEC("tp_btf/sched_process_fork")
int BPF_PROG(vigil_fork, struct task_struct *parent, struct task_struct *child)
{
	struct vigil_fork_event ev;
	struct vigil_proc *p;
	__u32 child_tgid = BPF_CORE_READ(child, tgid);
	__u64 ticks;

	if (BPF_CORE_READ(child, pid) != child_tgid)
		return 0; /* a thread */
	p = lineage__lookup(parent, BPF_CORE_READ(parent, tgid));
	if (!p)
		return 0;
	ticks = BPF_CORE_READ(child, start_boottime) / VIGIL_NSEC_PER_TICK;
	lineage__watch(child_tgid, p->session, 0, ticks);

	emit__head(&ev.head, VIGIL_MSG_FORK, sizeof(ev), p->session);
	ev.child_tgid = child_tgid;
	ev.pad = 0;
	ev.child_start_ticks = ticks;
	emit__fixed(&ev, sizeof(ev));
	return 0;
}
