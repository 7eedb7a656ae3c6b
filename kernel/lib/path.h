/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Resolves a struct path to its absolute path from the root of the mount tree, the way d_path
 * does, for hooks that have no bpf_d_path (tracepoints). Components are written backwards into
 * the per-CPU scratch so the path ends at VIGIL_PATH_MAX; bounded by VIGIL_PATH_COMPONENTS.
 * Symlinks, `..`, relative paths and /proc/self/root tricks are already resolved in a struct
 * path, so what comes out is the file itself.
 */
#ifndef VIGIL_LIB_PATH_H
#define VIGIL_LIB_PATH_H

#define VIGIL_PATH_MASK (VIGIL_PATH_MAX - 1)
#define VIGIL_NAME_MASK 255
#define VIGIL_PATH_COMPONENTS 128

struct path_walk {
	struct dentry *dentry;
	struct mount *mnt;
	__s32 pos; /* the path so far is scratch->path[pos, VIGIL_PATH_MAX) */
	__u32 flags;
	__u32 done; /* the walk reached the root, or stopped for a reason already flagged */
	__s32 name; /* where the last component (the basename) starts, once written */
	/* the task's root (chroot), where the walk stops like d_path does */
	struct dentry *root_dentry;
	struct mount *root_mnt;
};

static __always_inline struct mount *path__real_mount(struct vfsmount *vfsmnt)
{
	return (struct mount *)((void *)vfsmnt - bpf_core_field_offset(struct mount, mnt));
}

static long path__step(__u32 i, struct path_walk *w)
{
	/* locals, not w->...: BPF_CORE_READ(w->x) would relocate struct path_walk itself */
	struct dentry *d = w->dentry;
	struct mount *m = w->mnt;
	struct dentry *parent = BPF_CORE_READ(d, d_parent);
	struct dentry *mnt_root = BPF_CORE_READ(m, mnt.mnt_root);
	struct scratch *s;
	struct qstr name;
	__u32 len;
	__s32 pos;

	if (d == w->root_dentry && m == w->root_mnt) {
		w->done = 1; /* the task's root: paths read as the task sees them, as d_path gives them */
		return 1;
	}

	if (d == mnt_root || d == parent) {
		struct mount *up = BPF_CORE_READ(m, mnt_parent);

		if (d != mnt_root) {
			/* a dentry that is its own parent but no mount's root: unlinked or detached */
			w->flags |= VIGIL_F_PATH_ERROR;
			w->done = 1;
			return 1;
		}
		if (up == m) {
			w->done = 1; /* the root of the mount tree */
			return 1;
		}
		w->dentry = BPF_CORE_READ(m, mnt_mountpoint);
		w->mnt = up;
		return 0;
	}
	name = BPF_CORE_READ(d, d_name);
	len = name.len & VIGIL_NAME_MASK;
	pos = w->pos - (__s32)len - 1;
	if (pos < 1) {
		w->flags |= VIGIL_F_PATH_CUT;
		w->done = 1;
		return 1;
	}
	s = scratch__get();
	if (!s) {
		w->flags |= VIGIL_F_PATH_ERROR;
		w->done = 1;
		return 1;
	}
	if (bpf_probe_read_kernel(&s->path[(pos + 1) & VIGIL_PATH_MASK], len, name.name))
		stats__bump(VIGIL_STAT_READ_FAIL);
	s->path[pos & VIGIL_PATH_MASK] = '/';
	if (w->name < 0)
		w->name = pos + 1;
	w->pos = pos;
	w->dentry = parent;
	return 0;
}

/*
 * Resolves `path` into the scratch; returns the start offset of the path in scratch->path
 * (its length is VIGIL_PATH_MAX - start), sets *name to where its basename starts, and ORs
 * VIGIL_F_PATH_* into *flags.
 */
static __always_inline __u32 path__resolve_name(const struct path *path, __u32 *flags, __u32 *name)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct path_walk w = {
		.dentry = BPF_CORE_READ(path, dentry),
		.mnt = path__real_mount(BPF_CORE_READ(path, mnt)),
		.pos = VIGIL_PATH_MAX,
		.name = -1,
		.root_dentry = BPF_CORE_READ(task, fs, root.dentry),
		.root_mnt = path__real_mount(BPF_CORE_READ(task, fs, root.mnt)),
	};
	struct scratch *s;

	bpf_loop(VIGIL_PATH_COMPONENTS, path__step, &w, 0);
	if (!w.done)
		w.flags |= VIGIL_F_PATH_CUT; /* deeper than VIGIL_PATH_COMPONENTS */
	if (w.pos == VIGIL_PATH_MAX) {
		/* the root itself */
		s = scratch__get();
		if (s)
			s->path[(VIGIL_PATH_MAX - 1) & VIGIL_PATH_MASK] = '/';
		w.pos = VIGIL_PATH_MAX - 1;
	}
	*flags |= w.flags;
	*name = w.name < 0 ? VIGIL_PATH_MAX : (__u32)w.name;
	return (__u32)w.pos;
}

/* The file behind a task's descriptor; NULL when there is none. */
static __always_inline struct file *file__from_fd(struct task_struct *task, long fd)
{
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *f = NULL;

	if (fd < 0 || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

static __always_inline __u32 path__resolve(const struct path *path, __u32 *flags)
{
	__u32 name;

	return path__resolve_name(path, flags, &name);
}

#endif
