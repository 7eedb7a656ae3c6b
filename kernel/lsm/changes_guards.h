/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * BPF-LSM hooks of the unlink/rename rules and the process-wide guards: an unlink, rmdir or
 * rename a profile denies, a ptrace or signal of a process its guard covers, and memory made
 * executable at run time (exec_memory) fail with EPERM before anything happens. Each reports
 * what it decided, flagged VIGIL_F_LSM; allowed calls are not reported. Included by
 * vigil_lsm.bpf.c after lsm__enforce.
 */
#ifndef VIGIL_LSM_CHANGES_GUARDS_H
#define VIGIL_LSM_CHANGES_GUARDS_H

#define PROT_WRITE 0x2
#define PROT_EXEC 0x4
#define VM_EXEC 0x4

/*
 * The path of `dentry` in the folder `dir` into the policy scratch at `off`, with vigil's resolver
 * (bpf_d_path is not offered to these hooks). Returns its length; 0 and a flag when not resolved.
 */
static __always_inline __u32 lsm__entry_path(struct scratch *s, struct policy_scratch *ps, const struct path *dir,
					     struct dentry *dentry, __u32 off, __u32 *flags)
{
	struct path p = {};
	__u32 start, len, got = 0;

	p.mnt = BPF_CORE_READ(dir, mnt);
	p.dentry = dentry;
	start = path__resolve(&p, &got);
	*flags |= got;
	if (got & (VIGIL_F_PATH_CUT | VIGIL_F_PATH_ERROR))
		return 0;
	len = (VIGIL_PATH_MAX - start) & GUARD_PATH_MASK;
	if (off > POLICY_OFF_REQ)
		return 0;
	bpf_probe_read_kernel(&ps->buf[off], len, &s->path[start & GUARD_PATH_MASK]);
	return len;
}

/* unlink and rmdir: the same rules (access: unlink), the op says which. */
static __always_inline int lsm__unlink(const struct path *dir, struct dentry *dentry, __u16 op)
{
	struct policy_scratch *ps = policy__scratch();
	struct scratch *s = scratch__get();
	struct decision d = {};
	struct vigil_proc *p;
	__u32 len, flags = VIGIL_F_LSM, did = 0;
	int ret;

	p = lineage__current();
	if (!p || !s || !ps)
		return 0;
	len = lsm__entry_path(s, ps, dir, dentry, POLICY_OFF_PATH, &flags);
	if (!verdict__change(p->session, len, 0, len == 0, false, &d) || d.action == VIGIL_ACTION_ALLOW)
		return 0;
	ret = lsm__enforce(&d, &did);
	change__emit(s, ps, VIGIL_MSG_UNLINK, op, p->session, len, 0, flags, ret, &d, did);
	return ret;
}

SEC("lsm/path_unlink")
int BPF_PROG(vigil_lsm_path_unlink, const struct path *dir, struct dentry *dentry, int ret)
{
	if (ret)
		return ret;
	return lsm__unlink(dir, dentry, VIGIL_CHANGE_UNLINK);
}

SEC("lsm/path_rmdir")
int BPF_PROG(vigil_lsm_path_rmdir, const struct path *dir, struct dentry *dentry, int ret)
{
	if (ret)
		return ret;
	return lsm__unlink(dir, dentry, VIGIL_CHANGE_RMDIR);
}

/* rename and renameat2 (RENAME_EXCHANGE too): source and target, the stronger verdict stands. */
SEC("lsm/path_rename")
int BPF_PROG(vigil_lsm_path_rename, const struct path *old_dir, struct dentry *old_dentry, const struct path *new_dir,
	     struct dentry *new_dentry, unsigned int rflags, int ret)
{
	struct policy_scratch *ps = policy__scratch();
	struct scratch *s = scratch__get();
	struct decision d = {};
	struct vigil_proc *p;
	__u32 from, to, flags = VIGIL_F_LSM, to_flags = 0, did = 0;

	if (ret)
		return ret;
	p = lineage__current();
	if (!p || !s || !ps)
		return 0;
	from = lsm__entry_path(s, ps, old_dir, old_dentry, POLICY_OFF_PATH, &flags);
	to = lsm__entry_path(s, ps, new_dir, new_dentry, POLICY_OFF_REQ, &to_flags);
	flags |= to_flags;
	if (!verdict__change(p->session, from, to, from == 0, to == 0, &d) || d.action == VIGIL_ACTION_ALLOW)
		return 0;
	ret = lsm__enforce(&d, &did);
	change__emit(s, ps, VIGIL_MSG_RENAME, VIGIL_CHANGE_RENAME, p->session, from, to, flags, ret, &d, did);
	return ret;
}

/* A guard on another process (ptrace, signals): its session tells inside from outside. */
static __always_inline int lsm__guard_task(struct task_struct *target, __u32 guard, __u16 type, __u16 call,
					   __u32 arg)
{
	__u32 tgid = BPF_CORE_READ(target, tgid), did = 0;
	struct decision d = {};
	struct vigil_proc *p, *tp;
	int ret;

	p = lineage__current();
	if (!p || tgid == bpf_get_current_pid_tgid() >> 32)
		return 0; /* not watched, or its own threads */
	tp = lineage__lookup(target, tgid);
	if (!verdict__guard(p->session, guard, tp && tp->session == p->session, &d))
		return 0;
	ret = lsm__enforce(&d, &did);
	guard__emit(type, call, p->session, target, tgid, arg, 0, VIGIL_F_LSM, &d, did);
	return ret;
}

/* Every ptrace access check: PTRACE_ATTACH/SEIZE, process_vm_readv/writev, /proc/PID/mem. */
SEC("lsm/ptrace_access_check")
int BPF_PROG(vigil_lsm_ptrace_guard, struct task_struct *child, unsigned int mode, int ret)
{
	if (ret)
		return ret;
	return lsm__guard_task(child, VIGIL_GUARD_PTRACE, VIGIL_MSG_PTRACE, VIGIL_GUARD_CALL_PTRACE, mode);
}

/* A signal a process sends (kill, tkill, tgkill, sigqueue, pidfd_send_signal); 0 only probes. */
SEC("lsm/task_kill")
int BPF_PROG(vigil_lsm_signal_guard, struct task_struct *p, struct kernel_siginfo *info, int sig,
	     const struct cred *cred, int ret)
{
	if (ret || sig == 0)
		return ret;
	return lsm__guard_task(p, VIGIL_GUARD_SIGNALS, VIGIL_MSG_SIGNAL, VIGIL_GUARD_CALL_KILL, sig);
}

static __always_inline int lsm__exec_memory(__u16 call, __u32 prot, __u32 arg2)
{
	struct decision d = {};
	struct vigil_proc *p;
	__u32 did = 0;
	int ret;

	p = lineage__current();
	if (!p || !verdict__guard(p->session, VIGIL_GUARD_EXEC_MEMORY, false, &d))
		return 0;
	ret = lsm__enforce(&d, &did);
	guard__emit(VIGIL_MSG_EXEC_MEMORY, call, p->session, NULL, 0, prot, arg2, VIGIL_F_LSM, &d, did);
	return ret;
}

/* A mapping both writable and executable (prot as the kernel will apply it). */
SEC("lsm/mmap_file")
int BPF_PROG(vigil_lsm_mmap_file, struct file *file, unsigned long reqprot, unsigned long prot, unsigned long mflags,
	     int ret)
{
	if (ret || (prot & (PROT_WRITE | PROT_EXEC)) != (PROT_WRITE | PROT_EXEC))
		return ret;
	return lsm__exec_memory(VIGIL_GUARD_CALL_MMAP, prot, mflags);
}

/* mprotect or pkey_mprotect asking for PROT_EXEC on a mapping that is not executable yet. */
SEC("lsm/file_mprotect")
int BPF_PROG(vigil_lsm_file_mprotect, struct vm_area_struct *vma, unsigned long reqprot, unsigned long prot,
	     int ret)
{
	__u64 vm_flags;

	if (ret || !(reqprot & PROT_EXEC))
		return ret;
	vm_flags = BPF_CORE_READ(vma, vm_flags);
	if (vm_flags & VM_EXEC)
		return 0;
	return lsm__exec_memory(VIGIL_GUARD_CALL_MPROTECT, reqprot, (__u32)vm_flags);
}

#endif
