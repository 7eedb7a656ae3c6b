/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * open/openat/openat2/creat syscall tracepoints. Entry keeps the arguments of watched threads;
 * exit reports the open: for a new fd, the resolved path of the file it refers to (so
 * symlinks, `..`, relative paths and /proc/self/root are seen through); for a failure, the
 * path as requested, with the error. A new fd the profile denies gets its process killed here,
 * at the syscall's return: SIGKILL is delivered before the process runs another instruction,
 * so it never reads or writes through the fd (the open itself, e.g. O_CREAT or O_TRUNC, has
 * happened: this backend is reactive, and the event says so with VIGIL_F_TRUNCATED; BPF-LSM's
 * file_open and Landlock refuse inline). The flags reported are the ones requested: f_flags
 * no longer holds O_CREAT, O_EXCL or O_TRUNC after the open. Where
 * lsm/file_open is attached (lsm_backends), it decides and reports each open it sees, and these
 * report only what it did not see (failed lookups, O_PATH), without deciding. A file the path
 * rules let through is still denied if its inode is a denied file's (verdicts.h: hard links).
 * An O_PATH open is observed, never decided, here too: its fd reads and writes nothing (read
 * gives EBADF); what can reach the file through it (a reopen of /proc/self/fd/N, execveat) is
 * an open or exec of its own and decided then. Agents open paths a command names with O_PATH to
 * check them (Claude Code does, before its Bash tool runs the command): killing that open
 * killed the agent for a command the kernel would have refused anyway.
 */

#define FILE_O_TRUNC 01000
#define FILE_O_PATH 010000000
#define FILE_S_IFDIR 0040000
#define FILE_S_IFLNK 0120000
#define FILE_AT_FDCWD -100

/*
 * A failed lookup a rule other than an allow names (an attempt at a denied secret that does not
 * exist here): worth its line whatever the --file-events mode. The requested path (`filename`,
 * a user pointer as a number) is made absolute and normal (changes.h) and matched; 1 also when
 * that cannot be done. A global function, verified on its own (see volume__quiet_file): a second
 * matcher inlined in the open hooks took 6.1's verifier past its budget.
 */
__noinline int file__missing_named(__u32 session, __s64 dfd, __u64 filename, __u32 open_flags)
{
	struct scratch *s = scratch__get();
	struct policy_scratch *ps = policy__scratch();
	struct decision d = {};
	__u32 table, flags = 0, len;

	if (!s || !ps)
		return 1;
	if (!decide__begin(session, &table, &d))
		return 0;
	len = change__path(s, ps, dfd, (const char *)filename, POLICY_OFF_PATH, &flags);
	if (!len)
		return 1;
	policy__match_open(table, len, verdict__open_access(open_flags), &d.v);
	return d.v.rule_kind != VIGIL_RULE_DEFAULT && d.v.rule_kind != VIGIL_RULE_ALLOWED;
}

/*
 * A file no path can name: a pipe, socket or anonymous inode reopened through /proc/self/fd
 * (`cat <(cmd)` opens /dev/fd/63). Its dentry is a pseudo one, so the walk flags
 * VIGIL_F_PATH_ERROR; path rules cannot be about it, and the over-bound rule (which keeps an
 * unresolvable regular file or folder denied) must not kill the shell idiom.
 */
static __always_inline bool file__pathless(struct file *f, __u32 flags)
{
	__u32 type = BPF_CORE_READ(f, f_inode, i_mode) & VERDICT_S_IFMT;

	return (flags & VIGIL_F_PATH_ERROR) && type != VERDICT_S_IFREG && type != FILE_S_IFDIR && type != FILE_S_IFLNK;
}

static __always_inline int file__enter(long dfd, const char *filename, __u32 flags)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct open_args args = { .filename = filename, .flags = flags, .dfd = (__s32)dfd };

	if (!lineage__current())
		return 0;
	bpf_map_update_elem(&open_args, &id, &args, BPF_ANY);
	return 0;
}

static __always_inline int file__exit(long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct open_args *args = bpf_map_lookup_elem(&open_args, &id);
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct vigil_file_event *ev;
	struct vigil_proc *p;
	struct scratch *s;
	struct decision d = {};
	struct policy_scratch *ps;
	struct file *f;
	__u32 flags = 0, path_len = 0, start = VIGIL_PATH_MAX - 1, did = 0;
	bool decide = false, lsm_seen;
	const char *filename;
	__u32 open_flags;
	long dfd;

	if (!args)
		return 0;
	filename = args->filename;
	open_flags = args->flags;
	lsm_seen = args->lsm_seen;
	dfd = args->dfd;
	bpf_map_delete_elem(&open_args, &id);
	if (lsm_seen)
		return 0; /* lsm/file_open decided and reported this open */
	p = lineage__current();
	if (!p)
		return 0;
	f = ret >= 0 ? file__from_fd(task, ret) : NULL;
	if (f)
		start = path__resolve(&f->f_path, &flags);
	s = scratch__get();
	if (!s)
		return 0;
	if (f)
		path_len = (VIGIL_PATH_MAX - start) & VIGIL_PATH_MASK;
	ps = policy__scratch();
	/* where lsm/file_open is attached it decides; an open it did not see (O_PATH) is observed */
	if (f && ps && !(open_flags & FILE_O_PATH) && !backend__lsm(VIGIL_LSM_FILE_OPEN) && !file__pathless(f, flags)) {
		__u32 cut = flags & (VIGIL_F_PATH_CUT | VIGIL_F_PATH_ERROR);

		bpf_probe_read_kernel(&ps->buf[POLICY_OFF_PATH], path_len, &s->path[start & VIGIL_PATH_MASK]);
		decide = verdict__open(p->session, path_len, cut != 0, f, &flags, &d);
		if (decide && decide__denies(&d) && verdict__reactive_audit(&d))
			flags |= VIGIL_F_REACTIVE_AUDIT;
		if (decide && decide__denies(&d)) {
			bpf_send_signal(9 /* SIGKILL */);
			did = VIGIL_F_KILLED;
			if ((open_flags & FILE_O_TRUNC) && (open_flags & 3) &&
			    (BPF_CORE_READ(f, f_inode, i_mode) & VERDICT_S_IFMT) == VERDICT_S_IFREG)
				did |= VIGIL_F_TRUNCATED;
		} else if (decide) {
			did = decide__freeze(&d);
		}
	}
	/* --file-events: an allowed open already sent, or a failed lookup, is counted instead */
	if (!f && ret == -VOLUME_ENOENT && volume__mode(p->session)) {
		if (!file__missing_named(p->session, dfd, (__u64)filename, open_flags)) {
			volume__count_lookup(p->session);
			return 0;
		}
	} else if (volume__quiet_open(p->session, f, open_flags, decide, &d, did)) {
		return 0;
	}
	ev = (struct vigil_file_event *)s->event;
	emit__head(&ev->head, VIGIL_MSG_FILE_OPEN, 0, p->session);
	ev->ret = ret;
	ev->pad = 0;
	if (f) {
		if (bpf_probe_read_kernel(s->event + sizeof(*ev), path_len, &s->path[start & VIGIL_PATH_MASK]))
			stats__bump(VIGIL_STAT_READ_FAIL);
		ev->open_flags = open_flags;
		ev->mode = BPF_CORE_READ(f, f_inode, i_mode);
	} else {
		long n = bpf_probe_read_user_str(s->event + sizeof(*ev), VIGIL_PATH_MAX, filename);

		if (n > 0)
			path_len = (n - 1) & VIGIL_PATH_MASK;
		else
			flags |= VIGIL_F_PATH_ERROR;
		ev->open_flags = open_flags;
		ev->mode = 0;
	}
	ev->path_len = path_len;
	ev->head.hdr.flags = flags;
	if (decide)
		decide__record(&ev->head, &d, did);
	emit__scratch(s, sizeof(*ev) + path_len);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_openat")
int vigil_enter_openat(struct trace_event_raw_sys_enter *ctx)
{
	return file__enter(ctx->args[0], (const char *)ctx->args[1], (__u32)ctx->args[2]);
}

SEC("tracepoint/syscalls/sys_exit_openat")
int vigil_exit_openat(struct trace_event_raw_sys_exit *ctx)
{
	return file__exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_enter_openat2")
int vigil_enter_openat2(struct trace_event_raw_sys_enter *ctx)
{
	struct open_how how = {};

	bpf_probe_read_user(&how, sizeof(how), (void *)ctx->args[2]);
	return file__enter(ctx->args[0], (const char *)ctx->args[1], (__u32)how.flags);
}

SEC("tracepoint/syscalls/sys_exit_openat2")
int vigil_exit_openat2(struct trace_event_raw_sys_exit *ctx)
{
	return file__exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_enter_open")
int vigil_enter_open(struct trace_event_raw_sys_enter *ctx)
{
	return file__enter(FILE_AT_FDCWD, (const char *)ctx->args[0], (__u32)ctx->args[1]);
}

SEC("tracepoint/syscalls/sys_exit_open")
int vigil_exit_open(struct trace_event_raw_sys_exit *ctx)
{
	return file__exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_enter_creat")
int vigil_enter_creat(struct trace_event_raw_sys_enter *ctx)
{
	/* creat(path, mode) is open(path, O_CREAT|O_WRONLY|O_TRUNC, mode) */
	return file__enter(FILE_AT_FDCWD, (const char *)ctx->args[0], 01 | 0100 | 01000);
}

SEC("tracepoint/syscalls/sys_exit_creat")
int vigil_exit_creat(struct trace_event_raw_sys_exit *ctx)
{
	return file__exit(ctx->ret);
}
