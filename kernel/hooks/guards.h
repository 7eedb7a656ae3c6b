/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The process-wide guards where BPF-LSM does not load: the entry tracepoints of ptrace, the
 * signal calls and mmap/mprotect. A tracepoint cannot refuse, so a denied call is answered with
 * SIGKILL of the caller at the call's entry: the call itself is still made (the signal is sent,
 * the ptrace request acts, the mapping is made), and the caller runs no instruction after it.
 * The audit line says exactly that. Targets are judged by pid in the initial PID namespace; a
 * caller in its own PID namespace (`vigil run` puts the agent in one) can only reach processes of
 * that namespace, which are the session's. Not seen here: pidfd_send_signal (the pidfd would have
 * to be resolved), tkill of another process's thread (a thread id is not a watched tgid).
 */
#define GUARD_SIGKILL 9
#define GUARD_PROT_WRITE 0x2
#define GUARD_PROT_EXEC 0x4
#define GUARD_PTRACE_TRACEME 0

/* Whether the caller's pids are those of a PID namespace below the initial one. */
static __always_inline bool guard__own_pidns(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	return BPF_CORE_READ(task, thread_pid, level) > 0;
}

static __always_inline int guard__reactive(__u32 guard, __u16 type, __u16 call, __u32 target, __u32 arg, __u32 arg2,
					   __u32 lsm_bit)
{
	struct vigil_proc *p, *tp;
	struct decision d = {};
	bool inside = false;
	__u32 did = 0;

	p = lineage__current();
	if (!p || backend__lsm(lsm_bit))
		return 0;
	if (guard != VIGIL_GUARD_EXEC_MEMORY) {
		if (target == bpf_get_current_pid_tgid() >> 32)
			return 0; /* its own process */
		if (guard__own_pidns()) {
			inside = true;
			target = 0; /* a pid of that namespace: not a tgid the maps know */
		} else {
			tp = bpf_map_lookup_elem(&watched, &target);
			inside = tp && tp->session == p->session;
		}
	}
	if (!verdict__guard(p->session, guard, inside, &d))
		return 0;
	if (decide__denies(&d)) {
		bpf_send_signal(GUARD_SIGKILL);
		did = VIGIL_F_KILLED;
	}
	guard__emit(type, call, p->session, NULL, target, arg, arg2, 0, &d, did);
	return 0;
}

static __always_inline int guard__signal(long tgid, long sig)
{
	if (tgid <= 0 || sig == 0)
		return 0; /* groups and every process: the hardening filter's (vigil run); 0 only probes */
	return guard__reactive(VIGIL_GUARD_SIGNALS, VIGIL_MSG_SIGNAL, VIGIL_GUARD_CALL_KILL, tgid, sig, 0,
			       VIGIL_LSM_SIGNAL);
}

SEC("tracepoint/syscalls/sys_enter_kill")
int vigil_guard_kill(struct trace_event_raw_sys_enter *ctx)
{
	return guard__signal(ctx->args[0], ctx->args[1]);
}

SEC("tracepoint/syscalls/sys_enter_tgkill")
int vigil_guard_tgkill(struct trace_event_raw_sys_enter *ctx)
{
	return guard__signal(ctx->args[0], ctx->args[2]);
}

SEC("tracepoint/syscalls/sys_enter_tkill")
int vigil_guard_tkill(struct trace_event_raw_sys_enter *ctx)
{
	__u32 tid = ctx->args[0];

	/* a thread id is a tgid the maps know only for a process's main thread */
	if (!guard__own_pidns() && !bpf_map_lookup_elem(&watched, &tid))
		return 0;
	return guard__signal(tid, ctx->args[1]);
}

SEC("tracepoint/syscalls/sys_enter_rt_sigqueueinfo")
int vigil_guard_sigqueue(struct trace_event_raw_sys_enter *ctx)
{
	return guard__signal(ctx->args[0], ctx->args[1]);
}

SEC("tracepoint/syscalls/sys_enter_rt_tgsigqueueinfo")
int vigil_guard_tgsigqueue(struct trace_event_raw_sys_enter *ctx)
{
	return guard__signal(ctx->args[0], ctx->args[2]);
}

static __always_inline int guard__ptrace(long pid, __u32 request)
{
	if (pid <= 0)
		return 0;
	return guard__reactive(VIGIL_GUARD_PTRACE, VIGIL_MSG_PTRACE, VIGIL_GUARD_CALL_PTRACE, pid, request, 0,
			       VIGIL_LSM_PTRACE);
}

SEC("tracepoint/syscalls/sys_enter_ptrace")
int vigil_guard_ptrace(struct trace_event_raw_sys_enter *ctx)
{
	if (ctx->args[0] == GUARD_PTRACE_TRACEME)
		return 0;
	return guard__ptrace(ctx->args[1], ctx->args[0]);
}

SEC("tracepoint/syscalls/sys_enter_process_vm_readv")
int vigil_guard_vm_readv(struct trace_event_raw_sys_enter *ctx)
{
	return guard__ptrace(ctx->args[0], 0);
}

SEC("tracepoint/syscalls/sys_enter_process_vm_writev")
int vigil_guard_vm_writev(struct trace_event_raw_sys_enter *ctx)
{
	return guard__ptrace(ctx->args[0], 0);
}

static __always_inline int guard__memory(__u16 call, __u32 prot, __u32 arg2)
{
	return guard__reactive(VIGIL_GUARD_EXEC_MEMORY, VIGIL_MSG_EXEC_MEMORY, call, 0, prot, arg2,
			       VIGIL_LSM_EXEC_MEMORY);
}

SEC("tracepoint/syscalls/sys_enter_mmap")
int vigil_guard_mmap(struct trace_event_raw_sys_enter *ctx)
{
	__u32 prot = ctx->args[2];

	if ((prot & (GUARD_PROT_WRITE | GUARD_PROT_EXEC)) != (GUARD_PROT_WRITE | GUARD_PROT_EXEC))
		return 0;
	return guard__memory(VIGIL_GUARD_CALL_MMAP, prot, ctx->args[3]);
}

SEC("tracepoint/syscalls/sys_enter_mprotect")
int vigil_guard_mprotect(struct trace_event_raw_sys_enter *ctx)
{
	__u32 prot = ctx->args[2];

	if (!(prot & GUARD_PROT_EXEC))
		return 0;
	return guard__memory(VIGIL_GUARD_CALL_MPROTECT, prot, 0);
}

SEC("tracepoint/syscalls/sys_enter_pkey_mprotect")
int vigil_guard_pkey_mprotect(struct trace_event_raw_sys_enter *ctx)
{
	__u32 prot = ctx->args[2];

	if (!(prot & GUARD_PROT_EXEC))
		return 0;
	return guard__memory(VIGIL_GUARD_CALL_MPROTECT, prot, 0);
}
