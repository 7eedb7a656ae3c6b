/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * cgroup-BPF socket hooks: connect (TCP and connected UDP), unconnected UDP sends, and socket
 * creation, for IPv4 and IPv6. They run in the caller's context before the call completes;
 * attached at the cgroup v2 root they see every process, and report only watched ones. They
 * allow everything here (return 1): deciding is the policy engine's job.
 */

#define AF_INET 2
#define AF_INET6 10

static __always_inline void net__fill(struct vigil_net_event *ev, struct bpf_sock_addr *ctx, __u16 family)
{
	__builtin_memset(ev->addr, 0, sizeof(ev->addr));
	if (family == AF_INET) {
		__u32 ip = ctx->user_ip4;

		__builtin_memcpy(ev->addr, &ip, 4);
	} else {
		__u32 ip6[4];

		ip6[0] = ctx->user_ip6[0];
		ip6[1] = ctx->user_ip6[1];
		ip6[2] = ctx->user_ip6[2];
		ip6[3] = ctx->user_ip6[3];
		__builtin_memcpy(ev->addr, ip6, 16);
	}
	ev->family = family;
	ev->port = bpf_ntohs(ctx->user_port);
	ev->sock_type = ctx->type;
	ev->protocol = ctx->protocol;
}

static __always_inline int net__connect(struct bpf_sock_addr *ctx, __u16 family)
{
	struct vigil_net_event ev;
	struct vigil_proc *p = lineage__current();

	if (!p)
		return 1;
	emit__head(&ev.head, VIGIL_MSG_NET_CONNECT, sizeof(ev), p->session);
	net__fill(&ev, ctx, family);
	emit__fixed(&ev, sizeof(ev));
	return 1;
}

/* Unconnected UDP: reported once per process and destination, not per datagram. */
static __always_inline int net__sendmsg(struct bpf_sock_addr *ctx, __u16 family)
{
	struct vigil_net_event ev;
	struct udp_dest dest = {};
	struct vigil_proc *p = lineage__current();
	__u8 one = 1;

	if (!p)
		return 1;
	net__fill(&ev, ctx, family);
	dest.tgid = bpf_get_current_pid_tgid() >> 32;
	dest.family = family;
	dest.port = ev.port;
	__builtin_memcpy(dest.addr, ev.addr, 16);
	if (bpf_map_update_elem(&udp_seen, &dest, &one, BPF_NOEXIST))
		return 1; /* reported before */
	emit__head(&ev.head, VIGIL_MSG_UDP_SEND, sizeof(ev), p->session);
	emit__fixed(&ev, sizeof(ev));
	return 1;
}

SEC("cgroup/connect4")
int vigil_connect4(struct bpf_sock_addr *ctx)
{
	return net__connect(ctx, AF_INET);
}

SEC("cgroup/connect6")
int vigil_connect6(struct bpf_sock_addr *ctx)
{
	return net__connect(ctx, AF_INET6);
}

SEC("cgroup/sendmsg4")
int vigil_sendmsg4(struct bpf_sock_addr *ctx)
{
	return net__sendmsg(ctx, AF_INET);
}

SEC("cgroup/sendmsg6")
int vigil_sendmsg6(struct bpf_sock_addr *ctx)
{
	return net__sendmsg(ctx, AF_INET6);
}

SEC("cgroup/sock_create")
int vigil_sock_create(struct bpf_sock *ctx)
{
	struct vigil_socket_event ev;
	struct vigil_proc *p = lineage__current();

	if (!p)
		return 1;
	emit__head(&ev.head, VIGIL_MSG_SOCKET_CREATE, sizeof(ev), p->session);
	ev.family = ctx->family;
	ev.sock_type = ctx->type;
	ev.protocol = ctx->protocol;
	ev.pad = 0;
	emit__fixed(&ev, sizeof(ev));
	return 1;
}
