/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * sched_process_exec: the new program is mapped but has not run an instruction yet. Reports
 * execs of watched processes (resolved binary path and argv), and starts a session when the
 * basename of the executed file (as named to execve, so a `claude` node script counts, not
 * its interpreter) matches a watch rule.
 */

struct basename_scan {
	__u32 base; /* offset just past the last '/' seen */
};

static long exec__scan_slash(__u32 i, struct basename_scan *scan)
{
	struct scratch *s = scratch__get();

	if (!s)
		return 1;
	if (s->path[i & VIGIL_PATH_MASK] == '/')
		scan->base = i + 1;
	return 0;
}

static __always_inline bool exec__match_rule(struct linux_binprm *bprm, struct vigil_watch_rule *out)
{
	struct vigil_name key = {};
	struct vigil_watch_rule *rule;
	struct basename_scan scan = {};
	struct scratch *s = scratch__get();
	const char *filename = BPF_CORE_READ(bprm, filename);
	long len;

	if (!s)
		return false;
	len = bpf_probe_read_kernel_str(s->path, VIGIL_PATH_MAX, filename);
	if (len <= 0)
		return false;
	bpf_loop(len, exec__scan_slash, &scan, 0);
	if (bpf_probe_read_kernel_str(key.name, sizeof(key.name), &s->path[scan.base & VIGIL_PATH_MASK]) <= 0)
		return false;
	rule = bpf_map_lookup_elem(&watch_rules, &key);
	if (!rule)
		return false;
	*out = *rule;
	return true;
}

static __always_inline __u32 exec__argv(struct scratch *s, __u32 at, __u32 *flags)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	unsigned long start = BPF_CORE_READ(task, mm, arg_start);
	unsigned long end = BPF_CORE_READ(task, mm, arg_end);
	__u32 len = end > start ? end - start : 0;

	if (len > VIGIL_ARGV_MAX - 1) {
		len = VIGIL_ARGV_MAX - 1;
		*flags |= VIGIL_F_ARGV_CUT;
	}
	len &= VIGIL_ARGV_MAX - 1;
	if (bpf_probe_read_user(&s->event[at & (VIGIL_SCRATCH_EVENT / 2 - 1)], len, (void *)start)) {
		*flags |= VIGIL_F_ARGV_ERROR;
		return 0;
	}
	return len;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(vigil_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 tgid = BPF_CORE_READ(task, tgid);
	struct vigil_watch_rule rule = {};
	struct vigil_proc *p = lineage__lookup(task, tgid);
	struct vigil_exec_event *ev;
	struct scratch *s;
	__u16 type = VIGIL_MSG_EXEC;
	__u32 session, flags = 0, start, path_len, argv_len;

	if (p) {
		session = p->session;
	} else {
		if (!exec__match_rule(bprm, &rule))
			return 0;
		session = VIGIL_SESSION_KERNEL_BIT | __sync_fetch_and_add(&next_kernel_session, 1);
		lineage__watch(tgid, session, VIGIL_PROC_ROOT, lineage__start_ticks(task));
		type = VIGIL_MSG_SESSION_START;
	}

	start = path__resolve(&bprm->file->f_path, &flags);
	s = scratch__get();
	if (!s)
		return 0;
	ev = (struct vigil_exec_event *)s->event;
	emit__head(&ev->head, type, 0, session);
	ev->old_pid = old_pid;
	ev->rule = rule.rule;
	path_len = (VIGIL_PATH_MAX - start) & VIGIL_PATH_MASK;
	if (bpf_probe_read_kernel(s->event + sizeof(*ev), path_len, &s->path[start & VIGIL_PATH_MASK]))
		stats__bump(VIGIL_STAT_READ_FAIL);
	argv_len = exec__argv(s, sizeof(*ev) + path_len, &flags);
	ev->path_len = path_len;
	ev->argv_len = argv_len;
	ev->argc = BPF_CORE_READ(bprm, argc);
	ev->head.hdr.flags = flags;
	emit__scratch(s, sizeof(*ev) + path_len + argv_len);
	return 0;
}
