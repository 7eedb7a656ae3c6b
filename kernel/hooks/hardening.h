/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The refusals of `vigil run`'s hardening filter, made audit lines. seccomp refuses the call
 * before any syscall tracepoint's entry fires, but the exit tracepoint still fires, with the
 * original system call number and the error the filter set: in a session whose processes carry
 * the filter (VIGIL_SESSION_HARDENED), an EPERM from one of these calls is
 * the filter's (the calls below are refused whatever else would have happened; kill, socket
 * and clone only for the arguments the filter refuses). The kernel refused; this reports it.
 * i386/x32 calls end the process with SIGSYS: the exit event says so. clone3 is not reported:
 * its ENOSYS ("this kernel predates clone3") refuses nothing, the caller retries with clone,
 * which the filter judges by its flags; every thread start would otherwise be a line.
 */

#define HARDEN_EPERM 1
#define HARDEN_NR_SOCKET 41
#define HARDEN_NR_CLONE 56
#define HARDEN_NR_KILL 62

static __always_inline bool hardening__filter_args(__u32 nr, __u64 arg0)
{
	switch (nr) {
	case HARDEN_NR_SOCKET:
		return arg0 == AF_PACKET; /* other families: the cgroup hook's own line */
	case HARDEN_NR_KILL:
		return (__u32)arg0 == 0 || (__u32)arg0 == 0xffffffff; /* the caller's group, every process */
	default:
		return true;
	}
}

static __always_inline int hardening__exit(struct trace_event_raw_sys_exit *ctx)
{
	struct vigil_syscall_event ev = {};
	struct vigil_session *s;
	struct vigil_proc *p;
	struct pt_regs *regs;
	__u32 nr = (__u32)ctx->id;
	long ret = ctx->ret;

	if (ret != -HARDEN_EPERM)
		return 0;
	p = lineage__current();
	if (!p)
		return 0;
	s = bpf_map_lookup_elem(&sessions, &p->session);
	if (!s || !(s->flags & VIGIL_SESSION_HARDENED))
		return 0;
	regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	ev.arg0 = BPF_CORE_READ(regs, di);
	if (!hardening__filter_args(nr, ev.arg0))
		return 0;
	emit__head(&ev.head, VIGIL_MSG_SYSCALL_REFUSED, sizeof(ev), p->session);
	ev.nr = nr;
	ev.ret = (__s32)ret;
	ev.head.hdr.flags = VIGIL_F_DECIDED | VIGIL_F_DENIED;
	ev.head.action = VIGIL_ACTION_BLOCK; /* seccomp refuses whatever the session's mode */
	ev.head.rule_kind = VIGIL_RULE_HARDENING;
	emit__fixed(&ev, sizeof(ev));
	return 0;
}

#define HARDENING_EXIT(name)                                                                                          \
	SEC("tracepoint/syscalls/sys_exit_" #name)                                                                    \
	int vigil_harden_##name(struct trace_event_raw_sys_exit *ctx)                                                 \
	{                                                                                                             \
		return hardening__exit(ctx);                                                                          \
	}

HARDENING_EXIT(io_uring_setup)
HARDENING_EXIT(io_uring_enter)
HARDENING_EXIT(io_uring_register)
HARDENING_EXIT(name_to_handle_at)
HARDENING_EXIT(open_by_handle_at)
HARDENING_EXIT(mount)
HARDENING_EXIT(umount)
HARDENING_EXIT(pivot_root)
HARDENING_EXIT(chroot)
HARDENING_EXIT(open_tree)
HARDENING_EXIT(move_mount)
HARDENING_EXIT(fsopen)
HARDENING_EXIT(fsconfig)
HARDENING_EXIT(fsmount)
HARDENING_EXIT(fspick)
HARDENING_EXIT(mount_setattr)
HARDENING_EXIT(unshare)
HARDENING_EXIT(clone)
HARDENING_EXIT(setns)
HARDENING_EXIT(pidfd_getfd)
HARDENING_EXIT(socket)
HARDENING_EXIT(finit_module)
HARDENING_EXIT(delete_module)
HARDENING_EXIT(kexec_load)
HARDENING_EXIT(userfaultfd)
HARDENING_EXIT(kill)
HARDENING_EXIT(tkill)
HARDENING_EXIT(pidfd_send_signal)
HARDENING_EXIT(ptrace)
HARDENING_EXIT(process_vm_readv)
HARDENING_EXIT(process_vm_writev)
HARDENING_EXIT(bpf)
