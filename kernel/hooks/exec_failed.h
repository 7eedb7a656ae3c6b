/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * execve/execveat that failed with EACCES. sched_process_exec only sees an exec that succeeded;
 * one the kernel refused (Landlock on the exec's open of the file, a file without x, a noexec
 * mount) returns to the caller and would leave no event. At the exit tracepoint the caller's
 * registers still hold the arguments and its memory the path and argv (nothing was replaced), so
 * no entry program is needed. The event is a VIGIL_MSG_EXEC with ret < 0 and the path as
 * requested; nothing is decided here: the kernel already refused, and user space says why it
 * believes it did. Other errors (ENOENT from a PATH search, ENOEXEC) refuse nothing of vigil's
 * or Landlock's and would be noise.
 */

#define EXEC_EACCES 13
/* Arguments read from the caller's argv array; more is flagged VIGIL_F_ARGV_CUT. */
#define EXEC_FAILED_ARGS 32

static __always_inline __u32 exec_failed__argv(struct scratch *s, __u32 at, const char *const *argv, __u32 *flags)
{
	__u32 len = 0;

	for (int i = 0; i < EXEC_FAILED_ARGS; i++) {
		const char *arg = NULL;
		long n;

		if (bpf_probe_read_user(&arg, sizeof(arg), &argv[i])) {
			*flags |= VIGIL_F_ARGV_ERROR;
			return len;
		}
		if (!arg)
			return len;
		if (len >= VIGIL_ARGV_MAX - 1) {
			*flags |= VIGIL_F_ARGV_CUT;
			return len;
		}
		n = bpf_probe_read_user_str(&s->event[(at + len) & (VIGIL_SCRATCH_EVENT / 2 - 1)],
					    (VIGIL_ARGV_MAX - 1 - len) & (VIGIL_ARGV_MAX - 1), arg);
		if (n <= 0) {
			*flags |= VIGIL_F_ARGV_ERROR;
			return len;
		}
		len += n; /* with its NUL, as in the argv area of a process */
	}
	*flags |= VIGIL_F_ARGV_CUT;
	return len;
}

static __always_inline int exec_failed__exit(long ret, const char *filename, const char *const *argv)
{
	struct vigil_exec_event *ev;
	struct vigil_proc *p;
	struct scratch *s;
	__u32 flags = 0, path_len = 0, argv_len;
	long n;

	if (ret != -EXEC_EACCES)
		return 0;
	p = lineage__current();
	if (!p)
		return 0;
	s = scratch__get();
	if (!s)
		return 0;
	ev = (struct vigil_exec_event *)s->event;
	emit__head(&ev->head, VIGIL_MSG_EXEC, 0, p->session);
	n = bpf_probe_read_user_str(s->event + sizeof(*ev), VIGIL_PATH_MAX, filename);
	if (n > 0)
		path_len = (n - 1) & VIGIL_PATH_MASK;
	else
		flags |= VIGIL_F_PATH_ERROR;
	argv_len = exec_failed__argv(s, sizeof(*ev) + path_len, argv, &flags);
	ev->old_pid = 0;
	ev->rule = 0;
	ev->path_len = path_len;
	ev->argv_len = argv_len;
	ev->argc = 0; /* not counted: argv is as far as it was read */
	ev->ret = ret;
	ev->pad = 0;
	ev->head.hdr.flags = flags;
	emit__scratch(s, sizeof(*ev) + path_len + argv_len);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_execve")
int vigil_exit_execve(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());

	/* execve(filename, argv, envp) */
	return exec_failed__exit(ctx->ret, (const char *)BPF_CORE_READ(regs, di),
				 (const char *const *)BPF_CORE_READ(regs, si));
}

SEC("tracepoint/syscalls/sys_exit_execveat")
int vigil_exit_execveat(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());

	/* execveat(dirfd, filename, argv, envp, flags) */
	return exec_failed__exit(ctx->ret, (const char *)BPF_CORE_READ(regs, si),
				 (const char *const *)BPF_CORE_READ(regs, dx));
}
