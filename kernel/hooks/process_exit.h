/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * sched_process_exit: when the last thread of a watched process exits, the process leaves the
 * watched set (so its PID, once reused, is nobody's) and its exit status is reported. A worker
 * thread's exit changes nothing.
 */

SEC("tp_btf/sched_process_exit")
int BPF_PROG(vigil_exit, struct task_struct *task)
{
	struct vigil_exit_event ev;
	struct vigil_proc *p;
	__u32 tgid = BPF_CORE_READ(task, tgid);

	/* signal->live counts the group's live threads; it reaches 0 before this tracepoint. */
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;
	p = lineage__lookup(task, tgid);
	if (!p)
		return 0;
	emit__head(&ev.head, VIGIL_MSG_EXIT, sizeof(ev), p->session);
	ev.exit_code = BPF_CORE_READ(task, exit_code);
	ev.pad = 0;
	bpf_map_delete_elem(&watched, &tgid);
	emit__fixed(&ev, sizeof(ev));
	return 0;
}
