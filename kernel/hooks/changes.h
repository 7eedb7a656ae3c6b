/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Unlink, rmdir and rename where BPF-LSM does not load: their entry tracepoints. The path is what
 * the caller passed, made absolute against its working folder or the dirfd's folder (resolved
 * like any path here, kernel/lib/path.h) and normalised lexically: `.` components and repeated
 * slashes go; a `..` component cannot be resolved without the file system and sends the call to
 * the over-bound rule (VIGIL_F_PATH_ERROR), as does a path that cannot be read. Symlinks inside
 * the written path are not followed (the LSM hooks see the resolved path). A tracepoint cannot
 * refuse: a denied call is answered with SIGKILL of the caller at the call's entry; the unlink or
 * rename itself still happens, and the line says so. `rm -r` of a denied tree stops at the first
 * denied entry.
 */
#define CHANGE_AT_FDCWD -100
#define CHANGE_AT_REMOVEDIR 0x200
#define CHANGE_SIGKILL 9
#define CHANGE_USER (VIGIL_PATH_MAX) /* the caller's string, in the second half of scratch->path */

struct change_norm {
	__u32 in_len;   /* bytes of the caller's string, without its NUL */
	__u32 out_end;  /* one past the last byte the path may use */
	__u32 error;    /* VIGIL_F_PATH_* */
};

/* One byte of the caller's string; a component ends at `/` or at the end. */
static long change__norm_step(__u32 i, struct change_norm *n)
{
	struct policy_scratch *ps = policy__scratch();
	struct scratch *s = scratch__get();
	__u32 len, from, at;
	__u64 slash;
	__u8 c;

	if (!s || !ps || i >= VIGIL_PATH_MAX || i > n->in_len) {
		n->error |= VIGIL_F_PATH_ERROR;
		return 1;
	}
	at = ps->norm_out;
	c = i < n->in_len ? s->path[(CHANGE_USER + i) & (2 * VIGIL_PATH_MAX - 1)] : '/';
	if (c != '/')
		return 0;
	from = ps->norm_comp;
	len = i - from;
	ps->norm_comp = i + 1;
	if (len == 0)
		return 0; /* `//`, or the leading `/` */
	if (len == 1 && s->path[(CHANGE_USER + from) & (2 * VIGIL_PATH_MAX - 1)] == '.')
		return 0; /* `.` */
	if (len == 2 && s->path[(CHANGE_USER + from) & (2 * VIGIL_PATH_MAX - 1)] == '.' &&
	    s->path[(CHANGE_USER + from + 1) & (2 * VIGIL_PATH_MAX - 1)] == '.') {
		n->error |= VIGIL_F_PATH_ERROR; /* `..`: only the file system knows where it leads */
		return 1;
	}
	if (at + 1 + len > n->out_end || len > VIGIL_PATH_MAX - 1) {
		n->error |= VIGIL_F_PATH_CUT;
		return 1;
	}
	/*
	 * Checked on the 64-bit register used as the index: older verifiers (6.1) lose a bound on
	 * a copy, and across 32-bit arithmetic (`at - 1` became unbounded).
	 */
	slash = at;
	barrier_var(slash);
	if (slash > POLICY_BUF_SIZE - VIGIL_PATH_MAX - 1) {
		n->error |= VIGIL_F_PATH_CUT;
		return 1;
	}
	ps->buf[slash] = '/';
	at = slash + 1;
	len &= VIGIL_PATH_MAX - 1;
	bpf_probe_read_kernel(&ps->buf[at], len, &s->path[CHANGE_USER | (from & (VIGIL_PATH_MAX - 1))]);
	at += len;
	ps->norm_out = at;
	return 0;
}

/*
 * The caller's path `upath` (relative to `dfd`) as an absolute, lexically normal path at `off` in
 * the policy scratch. Returns its length; 0 with *flags set when it could not be made.
 */
static __always_inline __u32 change__path(struct scratch *s, struct policy_scratch *ps, long dfd, const char *upath,
					  __u32 off, __u32 *flags)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct change_norm n = { .out_end = off + VIGIL_POLICY_PATH_BOUND };
	__u32 start, base = 0, got = 0, out;
	struct file *f;
	long len;

	if (off > POLICY_OFF_REQ)
		return 0;
	dfd = (int)dfd; /* an int in a 64-bit register: AT_FDCWD is 0xffffff9c there */
	len = bpf_probe_read_user_str(&s->path[CHANGE_USER], VIGIL_PATH_MAX, upath);
	if (len <= 1) {
		*flags |= VIGIL_F_PATH_ERROR;
		return 0;
	}
	n.in_len = (len - 1) & (VIGIL_PATH_MAX - 1);
	if (s->path[CHANGE_USER] != '/') {
		if (dfd == CHANGE_AT_FDCWD) {
			struct fs_struct *fs = BPF_CORE_READ(task, fs);

			start = path__resolve(&fs->pwd, &got);
		} else {
			f = file__from_fd(task, dfd);
			if (!f) {
				*flags |= VIGIL_F_PATH_ERROR;
				return 0;
			}
			start = path__resolve(&f->f_path, &got);
		}
		if (got & (VIGIL_F_PATH_CUT | VIGIL_F_PATH_ERROR)) {
			*flags |= got;
			return 0;
		}
		base = (VIGIL_PATH_MAX - start) & (VIGIL_PATH_MAX - 1);
		if (base == 1)
			base = 0; /* the root: its `/` comes with the first component */
		bpf_probe_read_kernel(&ps->buf[off], base, &s->path[start & (VIGIL_PATH_MAX - 1)]);
	}
	ps->norm_comp = 0;
	ps->norm_out = off + base;
	bpf_loop(n.in_len + 1, change__norm_step, &n, 0);
	if (n.error) {
		*flags |= n.error;
		return 0;
	}
	out = ps->norm_out;
	if (out <= off) {
		if (off < POLICY_BUF_SIZE)
			ps->buf[off] = '/'; /* everything went: the root */
		return 1;
	}
	return (out - off) & (VIGIL_PATH_MAX - 1);
}

/* Decides and reports one unlink, rmdir or rename at its entry; the source's and target's user paths. */
static __always_inline int change__reactive(__u16 type, __u16 op, long dfd, const char *upath, long to_dfd,
					    const char *to_upath)
{
	struct policy_scratch *ps = policy__scratch();
	struct scratch *s = scratch__get();
	__u32 from, to = 0, flags = 0, to_flags = 0, did = 0;
	struct decision d = {};
	struct vigil_proc *p;

	p = lineage__current();
	if (!p || !s || !ps || backend__lsm(type == VIGIL_MSG_RENAME ? VIGIL_LSM_RENAME : VIGIL_LSM_UNLINK))
		return 0;
	from = change__path(s, ps, dfd, upath, POLICY_OFF_PATH, &flags);
	if (type == VIGIL_MSG_RENAME)
		to = change__path(s, ps, to_dfd, to_upath, POLICY_OFF_REQ, &to_flags);
	if (!verdict__change(p->session, from, to, from == 0, type == VIGIL_MSG_RENAME && to == 0, &d) ||
	    d.action == VIGIL_ACTION_ALLOW)
		return 0;
	if (decide__denies(&d)) {
		bpf_send_signal(CHANGE_SIGKILL);
		did = VIGIL_F_KILLED;
	}
	change__emit(s, ps, type, op, p->session, from, to, flags | to_flags, 0, &d, did);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_unlink")
int vigil_change_unlink(struct trace_event_raw_sys_enter *ctx)
{
	return change__reactive(VIGIL_MSG_UNLINK, VIGIL_CHANGE_UNLINK, CHANGE_AT_FDCWD, (const char *)ctx->args[0], 0,
				NULL);
}

SEC("tracepoint/syscalls/sys_enter_unlinkat")
int vigil_change_unlinkat(struct trace_event_raw_sys_enter *ctx)
{
	__u16 op = (ctx->args[2] & CHANGE_AT_REMOVEDIR) ? VIGIL_CHANGE_RMDIR : VIGIL_CHANGE_UNLINK;

	return change__reactive(VIGIL_MSG_UNLINK, op, ctx->args[0], (const char *)ctx->args[1], 0, NULL);
}

SEC("tracepoint/syscalls/sys_enter_rmdir")
int vigil_change_rmdir(struct trace_event_raw_sys_enter *ctx)
{
	return change__reactive(VIGIL_MSG_UNLINK, VIGIL_CHANGE_RMDIR, CHANGE_AT_FDCWD, (const char *)ctx->args[0], 0,
				NULL);
}

SEC("tracepoint/syscalls/sys_enter_rename")
int vigil_change_rename(struct trace_event_raw_sys_enter *ctx)
{
	return change__reactive(VIGIL_MSG_RENAME, VIGIL_CHANGE_RENAME, CHANGE_AT_FDCWD, (const char *)ctx->args[0],
				CHANGE_AT_FDCWD, (const char *)ctx->args[1]);
}

SEC("tracepoint/syscalls/sys_enter_renameat")
int vigil_change_renameat(struct trace_event_raw_sys_enter *ctx)
{
	return change__reactive(VIGIL_MSG_RENAME, VIGIL_CHANGE_RENAME, ctx->args[0], (const char *)ctx->args[1],
				ctx->args[2], (const char *)ctx->args[3]);
}

SEC("tracepoint/syscalls/sys_enter_renameat2")
int vigil_change_renameat2(struct trace_event_raw_sys_enter *ctx)
{
	return change__reactive(VIGIL_MSG_RENAME, VIGIL_CHANGE_RENAME, ctx->args[0], (const char *)ctx->args[1],
				ctx->args[2], (const char *)ctx->args[3]);
}
