/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Packet sockets (AF_PACKET) where neither a cgroup hook (inet sockets only) nor lsm/socket_create
 * judges them, and no hardening filter refused them (watch and attach sessions): a new packet
 * socket the profile does not allow gets its process killed at the return of socket(2), before
 * it can send a frame through it. The socket existed for that moment; the audit line says so.
 */

SEC("tracepoint/syscalls/sys_exit_socket")
int vigil_exit_socket(struct trace_event_raw_sys_exit *ctx)
{
	struct vigil_socket_event ev;
	struct decision d = {};
	struct vigil_proc *p;
	struct pt_regs *regs;
	__u64 family, type, protocol;

	if (ctx->ret < 0 || backend__lsm(VIGIL_LSM_SOCKET))
		return 0;
	p = lineage__current();
	if (!p)
		return 0;
	regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	family = BPF_CORE_READ(regs, di);
	if (family != AF_PACKET)
		return 0; /* inet sockets: cgroup/sock_create decided them */
	type = BPF_CORE_READ(regs, si) & 0xf; /* without SOCK_NONBLOCK, SOCK_CLOEXEC */
	protocol = BPF_CORE_READ(regs, dx);
	emit__head(&ev.head, VIGIL_MSG_SOCKET_CREATE, sizeof(ev), p->session);
	ev.family = family;
	ev.sock_type = type;
	ev.protocol = protocol;
	ev.pad = 0;
	if (verdict__raw_socket(p->session, &d)) {
		__u32 did = 0;

		if (decide__denies(&d)) {
			bpf_send_signal(9 /* SIGKILL */);
			did = VIGIL_F_KILLED;
		}
		decide__record(&ev.head, &d, did);
	}
	emit__fixed(&ev, sizeof(ev));
	return 0;
}
