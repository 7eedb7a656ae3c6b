/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * cgroup-BPF socket hooks: connect (TCP and connected UDP), unconnected UDP sends, and socket
 * creation, for IPv4 and IPv6. They run in the caller's context before the call completes;
 * attached at the cgroup v2 root they see every process, and act only on watched ones. What
 * the profile denies is refused inline: returning 0 makes the call fail with EPERM. (A `kill`
 * rule is refused here too; these hooks cannot send signals, so vigil kills the process when
 * it reads the event, and the audit line says so.) Where BPF-LSM's socket hooks are attached
 * (lsm_backends), they decide and report, and these step aside.
 */

/*
 * The profile's verdict on a destination; returns what the hook returns (1 allow, 0 refuse) and
 * sets *host when an address learned for an allowed host name is what allowed it.
 */
static __always_inline int net__decide(struct vigil_net_event *ev, struct vigil_proc *p, __u8 proto, bool *host)
{
	struct decision d = {};

	*host = false;
	if (!verdict__net(p->session, ev, proto, &d))
		return 1;
	decide__record(&ev->head, &d, decide__denies(&d) ? VIGIL_F_DENIED : 0);
	*host = d.v.rule_kind == VIGIL_RULE_HOST && d.action == VIGIL_ACTION_ALLOW;
	return decide__denies(&d) ? 0 : 1;
}

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

#define NET_LOOPBACK4 0x7f000001

/* The destination becomes one of vigil's proxies on loopback: ::1 for IPv6 where it listens
 * there, else the IPv4-mapped 127.0.0.1. */
static __always_inline void net__to_proxy(struct bpf_sock_addr *ctx, __u16 family, const struct vigil_dns_proxy *proxy)
{
	if (family == AF_INET) {
		ctx->user_ip4 = bpf_htonl(NET_LOOPBACK4);
	} else if (proxy->ipv6) {
		ctx->user_ip6[0] = 0;
		ctx->user_ip6[1] = 0;
		ctx->user_ip6[2] = 0;
		ctx->user_ip6[3] = bpf_htonl(1);
	} else {
		ctx->user_ip6[0] = 0;
		ctx->user_ip6[1] = 0;
		ctx->user_ip6[2] = bpf_htonl(0xffff);
		ctx->user_ip6[3] = bpf_htonl(NET_LOOPBACK4);
	}
	ctx->user_port = bpf_htons(proxy->port);
}

/*
 * DNS the session's profile allowed (VIGIL_RULE_DNS: to one of its resolvers, the session
 * allows hosts by name) goes to the session's DNS proxy for that resolver instead: the
 * destination becomes the proxy's loopback port. Only these hooks can rewrite a destination;
 * where BPF-LSM decides, it allowed the call before this runs (security_socket_connect and
 * sendmsg come first).
 */
static __always_inline void net__to_dns_proxy(struct bpf_sock_addr *ctx, __u32 session, __u16 family)
{
	struct vigil_host_addr_key key = { .session = session, .family = family == AF_INET ? 4 : 6 };
	struct vigil_session *s = bpf_map_lookup_elem(&sessions, &session);
	struct vigil_dns_proxy *proxy;

	if (!s || !(s->flags & VIGIL_SESSION_HOSTS) || bpf_ntohs(ctx->user_port) != HOSTS_DNS_PORT)
		return;
	if (family == AF_INET) {
		__u32 ip = ctx->user_ip4;

		__builtin_memcpy(key.addr, &ip, 4);
	} else {
		__u32 ip6[4] = { ctx->user_ip6[0], ctx->user_ip6[1], ctx->user_ip6[2], ctx->user_ip6[3] };

		__builtin_memcpy(key.addr, ip6, 16);
	}
	proxy = bpf_map_lookup_elem(&dns_redirect, &key);
	if (!proxy)
		return;
	net__to_proxy(ctx, family, proxy);
}

/*
 * verify_sni: a TCP connect to 80/443 that an address learned for an allowed host allowed goes
 * to the session's SNI proxy instead, which reads the server name the client sends (TLS SNI or
 * HTTP Host), checks it, and only then connects on to the destination kept here. The socket's
 * cookie keys the destination until the connection is established (vigil_sockops), when the
 * agent's own address and port, the proxy's peer, take over as its key. hosts__sni_ok allowed the
 * connect only if the proxy listens; if it stops, these connects are refused by the dead port.
 */
static __always_inline int net__sni_redirect(struct bpf_sock_addr *ctx, __u32 session, __u16 family,
					     const struct vigil_net_event *ev)
{
	struct vigil_sni_origin o = { .session = session, .family = family == AF_INET ? 4 : 6, .port = ev->port };
	struct vigil_dns_proxy *proxy = bpf_map_lookup_elem(&sni_proxy, &session);
	__u64 cookie;

	if (!proxy || ctx->type != SOCK_STREAM)
		return 1; /* not a verify_sni session (hosts__sni_ok refused the rest) */
	__builtin_memcpy(o.addr, ev->addr, 16);
	cookie = bpf_get_socket_cookie(ctx);
	if (bpf_map_update_elem(&sni_pending, &cookie, &o, BPF_ANY))
		return 0; /* the proxy could not learn the destination: refused, never sent on unverified */
	net__to_proxy(ctx, family, proxy);
	return 1;
}

static __always_inline int net__connect(struct bpf_sock_addr *ctx, __u16 family)
{
	struct vigil_net_event ev;
	struct vigil_proc *p = lineage__current();
	struct decision d = {};
	bool host;
	int ret;

	if (!p)
		return 1;
	if (backend__lsm(VIGIL_LSM_CONNECT)) {
		/* BPF-LSM decided and reported the connect; only the rewrites happen here */
		net__to_dns_proxy(ctx, p->session, family);
		net__fill(&ev, ctx, family);
		if (verdict__net(p->session, &ev, verdict__net_proto(ctx->protocol, ctx->type), &d) &&
		    d.v.rule_kind == VIGIL_RULE_HOST && d.action == VIGIL_ACTION_ALLOW)
			return net__sni_redirect(ctx, p->session, family, &ev);
		return 1;
	}
	emit__head(&ev.head, VIGIL_MSG_NET_CONNECT, sizeof(ev), p->session);
	net__fill(&ev, ctx, family);
	ret = net__decide(&ev, p, verdict__net_proto(ctx->protocol, ctx->type), &host);
	emit__fixed(&ev, sizeof(ev));
	if (ret != 1)
		return ret;
	net__to_dns_proxy(ctx, p->session, family);
	return host ? net__sni_redirect(ctx, p->session, family, &ev) : 1;
}

/*
 * The agent's connection to an SNI proxy is established: its own address and port (what the
 * proxy sees as its peer) now key where it was going. Runs before the agent's final handshake
 * ACK is sent, so before the proxy can accept the connection.
 */
SEC("sockops")
int vigil_sockops(struct bpf_sock_ops *skops)
{
	struct vigil_sni_client key = {};
	struct vigil_sni_origin *o;
	__u64 cookie;

	if (skops->op != BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB)
		return 1;
	cookie = bpf_get_socket_cookie(skops);
	o = bpf_map_lookup_elem(&sni_pending, &cookie);
	if (!o)
		return 1;
	key.port = skops->local_port;
	if (skops->family == AF_INET) {
		__u32 ip = skops->local_ip4;

		key.family = 4;
		__builtin_memcpy(key.addr, &ip, 4);
	} else {
		__u32 w[4] = { skops->local_ip6[0], skops->local_ip6[1], skops->local_ip6[2], skops->local_ip6[3] };

		if (!w[0] && !w[1] && w[2] == bpf_htonl(0xffff)) {
			key.family = 4; /* an IPv6 socket's IPv4 connection: the proxy's IPv4 listener sees it */
			__builtin_memcpy(key.addr, &w[3], 4);
		} else {
			key.family = 6;
			__builtin_memcpy(key.addr, w, 16);
		}
	}
	bpf_map_update_elem(&sni_conns, &key, o, BPF_ANY);
	bpf_map_delete_elem(&sni_pending, &cookie);
	return 1;
}

/*
 * Unconnected UDP. Allowed sends are reported once per process and destination, not per
 * datagram; every refused one is reported.
 */
static __always_inline int net__sendmsg(struct bpf_sock_addr *ctx, __u16 family)
{
	struct vigil_net_event ev;
	struct vigil_proc *p = lineage__current();
	bool host;
	int ret;

	if (!p)
		return 1;
	if (backend__lsm(VIGIL_LSM_SENDMSG)) {
		net__to_dns_proxy(ctx, p->session, family);
		return 1;
	}
	emit__head(&ev.head, VIGIL_MSG_UDP_SEND, sizeof(ev), p->session);
	net__fill(&ev, ctx, family);
	ret = net__decide(&ev, p, IPPROTO_UDP, &host);
	if (ret == 1)
		net__to_dns_proxy(ctx, p->session, family);
	if (ret == 1 && !verdict__udp_first(&ev))
		return 1; /* reported before */
	emit__fixed(&ev, sizeof(ev));
	return ret;
}

/*
 * A datagram from a session's DNS proxy shows the resolver the agent addressed as its sender,
 * and port 53, as it would have without the proxy (resolvers that check the sender accept it).
 */
static __always_inline void net__from_dns_proxy(struct bpf_sock_addr *ctx, __u16 family)
{
	struct vigil_proc *p = lineage__current();
	struct vigil_dns_origin *o;
	__u32 port;

	if (!p)
		return;
	if (family == AF_INET) {
		if (ctx->user_ip4 != bpf_htonl(NET_LOOPBACK4))
			return;
	} else {
		bool lo6 = !ctx->user_ip6[0] && !ctx->user_ip6[1] && !ctx->user_ip6[2] && ctx->user_ip6[3] == bpf_htonl(1);
		bool mapped = !ctx->user_ip6[0] && !ctx->user_ip6[1] && ctx->user_ip6[2] == bpf_htonl(0xffff) &&
			      ctx->user_ip6[3] == bpf_htonl(NET_LOOPBACK4);

		if (!lo6 && !mapped)
			return;
	}
	port = bpf_ntohs(ctx->user_port);
	o = bpf_map_lookup_elem(&dns_origin, &port);
	if (!o || o->session != p->session)
		return;
	if (family == AF_INET) {
		__u32 ip;

		if (o->family != 4)
			return;
		__builtin_memcpy(&ip, o->addr, 4);
		ctx->user_ip4 = ip;
	} else {
		__u32 w[4];

		if (o->family == 4) {
			w[0] = 0;
			w[1] = 0;
			w[2] = bpf_htonl(0xffff);
			__builtin_memcpy(&w[3], o->addr, 4);
		} else {
			__builtin_memcpy(w, o->addr, 16);
		}
		ctx->user_ip6[0] = w[0];
		ctx->user_ip6[1] = w[1];
		ctx->user_ip6[2] = w[2];
		ctx->user_ip6[3] = w[3];
	}
	ctx->user_port = bpf_htons(HOSTS_DNS_PORT);
}

SEC("cgroup/recvmsg4")
int vigil_recvmsg4(struct bpf_sock_addr *ctx)
{
	net__from_dns_proxy(ctx, AF_INET);
	return 1;
}

SEC("cgroup/recvmsg6")
int vigil_recvmsg6(struct bpf_sock_addr *ctx)
{
	net__from_dns_proxy(ctx, AF_INET6);
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

/* Raw IP sockets (ping, crafted packets, sniffing) are refused unless the profile allows them. */
SEC("cgroup/sock_create")
int vigil_sock_create(struct bpf_sock *ctx)
{
	struct vigil_socket_event ev;
	struct vigil_proc *p = lineage__current();
	struct decision d = {};
	int ret = 1;

	if (!p || backend__lsm(VIGIL_LSM_SOCKET))
		return 1;
	emit__head(&ev.head, VIGIL_MSG_SOCKET_CREATE, sizeof(ev), p->session);
	ev.family = ctx->family;
	ev.sock_type = ctx->type;
	ev.protocol = ctx->protocol;
	ev.pad = 0;
	if (verdict__raw_class(ctx->family, ctx->type, ctx->protocol) && verdict__raw_socket(p->session, &d)) {
		decide__record(&ev.head, &d, decide__denies(&d) ? VIGIL_F_DENIED : 0);
		ret = decide__denies(&d) ? 0 : 1;
	}
	emit__fixed(&ev, sizeof(ev));
	return ret;
}
