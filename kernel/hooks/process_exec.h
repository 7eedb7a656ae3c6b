/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * sched_process_exec: the new program is mapped but has not run an instruction yet. Reports
 * execs of watched processes (resolved binary path and argv), and starts a session when the
 * basename of the executed file (as named to execve, so a `claude` node script counts, not
 * its interpreter) matches a watch rule. Where the profile denies the program, the process is
 * killed here: SIGKILL is delivered before the new image runs its first instruction. (The
 * execve itself cannot be refused from this hook; BPF-LSM's bprm_check_security can.) Where
 * lsm/bprm_check_security is attached it decides first: a denied exec never gets here, and an
 * allowed one is reported here with the LSM's verdict (backends.h), not decided again.
 */

/* Whether the requested basename (see exec__requested_name) names a watch rule. */
static __always_inline bool exec__match_rule(__u32 name_len, struct vigil_watch_rule *out)
{
	struct vigil_name key = {};
	struct vigil_watch_rule *rule;
	struct policy_scratch *ps = policy__scratch();

	if (!ps || name_len == 0 || name_len >= sizeof(key.name))
		return false;
	/* bound the register passed to the helper: 6.1's verifier loses the check above */
	barrier_var(name_len);
	name_len &= sizeof(key.name) - 1;
	bpf_probe_read_kernel(key.name, name_len, &ps->buf[POLICY_OFF_REQ_NAME]);
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
	struct policy_scratch *ps;
	struct decision d = {};
	struct scratch *s;
	__u16 type = VIGIL_MSG_EXEC;
	__u32 session, flags = 0, start, name, path_len, argv_len, req_name_len, did = 0;
	bool decide;

	if (!p && !bpf_map_lookup_elem(&watch_rules_active, &(__u32){ 0 }))
		return 0; /* not watched, and no watch rules: nothing to do for this exec */
	req_name_len = exec__requested_name(BPF_CORE_READ(bprm, filename));
	if (p) {
		session = p->session;
	} else {
		if (!exec__match_rule(req_name_len, &rule))
			return 0;
		session = VIGIL_SESSION_KERNEL_BIT | __sync_fetch_and_add(&next_kernel_session, 1);
		lineage__watch(tgid, session, VIGIL_PROC_ROOT, lineage__start_ticks(task));
		if (rule.flags & VIGIL_SESSION_ENFORCE) {
			struct vigil_session cfg = { .profile = rule.profile, .flags = rule.flags };

			bpf_map_update_elem(&sessions, &session, &cfg, BPF_ANY);
		}
		type = VIGIL_MSG_SESSION_START;
	}

	start = path__resolve_name(&bprm->file->f_path, &flags, &name);
	s = scratch__get();
	ps = policy__scratch();
	if (!s || !ps)
		return 0;
	path_len = (VIGIL_PATH_MAX - start) & VIGIL_PATH_MASK;

	if (backend__lsm(VIGIL_LSM_EXEC) && backend__exec_take(tgid, BPF_CORE_READ(bprm, file), &d)) {
		/* lsm/bprm_check_security decided (and allowed) this exec: report its verdict */
		decide = true;
		flags |= VIGIL_F_LSM;
	} else {
		/* no LSM verdict (not attached, or the exec that starts a session): decide here */
		__u32 name_len = (VIGIL_PATH_MAX - name) & VIGIL_PATH_MASK;
		__u32 cut = flags & (VIGIL_F_PATH_CUT | VIGIL_F_PATH_ERROR);

		bpf_probe_read_kernel(&ps->buf[POLICY_OFF_PATH], path_len, &s->path[start & VIGIL_PATH_MASK]);
		bpf_probe_read_kernel(&ps->buf[POLICY_OFF_NAME], name_len & VIGIL_POLICY_NAME_MAX,
				      &s->path[name & VIGIL_PATH_MASK]);
		decide = verdict__exec(session, path_len, name_len, req_name_len, cut != 0, &d);
		if (decide && decide__denies(&d)) {
			bpf_send_signal(9 /* SIGKILL */);
			did = VIGIL_F_KILLED;
		} else if (decide) {
			did = decide__freeze(&d);
		}
	}

	ev = (struct vigil_exec_event *)s->event;
	emit__head(&ev->head, type, 0, session);
	ev->old_pid = old_pid;
	ev->rule = rule.rule;
	if (bpf_probe_read_kernel(s->event + sizeof(*ev), path_len, &s->path[start & VIGIL_PATH_MASK]))
		stats__bump(VIGIL_STAT_READ_FAIL);
	argv_len = exec__argv(s, sizeof(*ev) + path_len, &flags);
	ev->path_len = path_len;
	ev->argv_len = argv_len;
	ev->argc = BPF_CORE_READ(bprm, argc);
	ev->ret = 0;
	ev->pad = 0;
	ev->head.hdr.flags = flags;
	if (decide)
		decide__record(&ev->head, &d, did);
	emit__scratch(s, sizeof(*ev) + path_len + argv_len);
	return 0;
}
