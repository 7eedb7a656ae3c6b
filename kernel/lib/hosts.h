/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Egress by host name: the addresses DNS answered for the names a session's profile allows
 * (`allowed_hosts`), learned by vigil's DNS proxy and written here before the answer reaches the
 * agent. A connect or send no address rule decides (the profile's default would) is allowed when
 * its address was learned for the session, its TTL has not run out and its port is one the name
 * allows. An address written literally in the agent's code was never learned: the default
 * decides it. Include after decide.h, before verdicts.h.
 */
#ifndef VIGIL_LIB_HOSTS_H
#define VIGIL_LIB_HOSTS_H

/* Bounded: when full the least recently used address is forgotten, and its next connect falls to
 * the default until DNS answers it again. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct vigil_host_addr_key);
	__type(value, struct vigil_host_addr);
} host_addrs SEC(".maps");

/* Resolvers a session may use -> the loopback port of its DNS proxy for each (written by the daemon). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct vigil_host_addr_key);
	__type(value, struct vigil_dns_proxy);
} dns_redirect SEC(".maps");

/* A proxy port -> the session and resolver it stands for (recvmsg shows the resolver as the sender). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct vigil_dns_origin);
} dns_origin SEC(".maps");

/* A verify_sni session -> the loopback port of its SNI proxy (written by the daemon once it listens). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct vigil_dns_proxy);
} sni_proxy SEC(".maps");

/* A socket's cookie -> where its connect was going, until it is established (cgroup_net.h). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct vigil_sni_origin);
} sni_pending SEC(".maps");

/* The agent's end of an established connection to an SNI proxy -> where it was going; the proxy
 * reads and deletes it when it accepts the connection. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct vigil_sni_client);
	__type(value, struct vigil_sni_origin);
} sni_conns SEC(".maps");

#define HOSTS_DNS_PORT 53
#define HOSTS_HTTP_PORT 80
#define HOSTS_HTTPS_PORT 443
#define HOSTS_PROTO_TCP 6

/* The key for (session, family, addr); an IPv4-mapped IPv6 address is looked up as IPv4. */
static __always_inline void hosts__key(struct vigil_host_addr_key *key, __u32 session, __u8 family,
				       const __u8 *addr)
{
	__u32 w[4];

	__builtin_memcpy(w, addr, 16);
	key->session = session;
	if (family == 6 && w[0] == 0 && w[1] == 0 && w[2] == bpf_htonl(0xffff)) {
		key->family = 4;
		__builtin_memcpy(key->addr, &w[3], 4);
		return;
	}
	key->family = family;
	__builtin_memcpy(key->addr, addr, 16);
}

static __always_inline bool hosts__port_ok(const struct vigil_host_addr *h, __u16 port)
{
	if (h->ports[0] == 0)
		return true;
#pragma unroll
	for (int i = 0; i < VIGIL_HOST_PORTS; i++)
		if (h->ports[i] == port)
			return true;
	return false;
}

/*
 * Under verify_sni a learned address on 80/443 is allowed only as TCP through the session's SNI
 * proxy (cgroup_net.h sends it there): not while the proxy is not listening, and never as UDP
 * (QUIC's server name is not readable without decrypting its first packet).
 */
static __always_inline bool hosts__sni_ok(__u32 session, __u32 session_flags, __u16 port, __u8 proto)
{
	if (!(session_flags & VIGIL_SESSION_VERIFY_SNI) || (port != HOSTS_HTTP_PORT && port != HOSTS_HTTPS_PORT))
		return true;
	return proto == HOSTS_PROTO_TCP && bpf_map_lookup_elem(&sni_proxy, &session);
}

/*
 * For a session that allows hosts by name, and a destination no address rule denies: DNS to one
 * of its resolvers is allowed as VIGIL_RULE_DNS (and sent to the proxy); a destination no address
 * rule named (rule kind DEFAULT) is allowed as VIGIL_RULE_HOST when learned and still valid (and,
 * under verify_sni, hosts__sni_ok). Leaves `d` as it was otherwise.
 */
static __always_inline void hosts__learned(__u32 session, __u8 family, const __u8 *addr, __u16 port,
					   __u8 proto, struct decision *d)
{
	struct vigil_host_addr_key key = {};
	struct vigil_host_addr *h;

	if (!(d->session_flags & VIGIL_SESSION_HOSTS) || d->v.rule_kind == VIGIL_RULE_DENIED)
		return;
	if (port == HOSTS_DNS_PORT) {
		/* DNS to one of the session's resolvers goes to its proxy (cgroup_net.h rewrites it) */
		key.session = session;
		key.family = family;
		__builtin_memcpy(key.addr, addr, 16);
		if (bpf_map_lookup_elem(&dns_redirect, &key)) {
			d->v.action = VIGIL_ACTION_ALLOW;
			d->v.rule_kind = VIGIL_RULE_DNS;
			d->v.rule = 0;
			return;
		}
	}
	if (d->v.rule_kind != VIGIL_RULE_DEFAULT)
		return;
	hosts__key(&key, session, family, addr);
	h = bpf_map_lookup_elem(&host_addrs, &key);
	if (!h || h->expires_ns < bpf_ktime_get_boot_ns() || !hosts__port_ok(h, port) ||
	    !hosts__sni_ok(session, d->session_flags, port, proto))
		return;
	d->v.action = VIGIL_ACTION_ALLOW;
	d->v.rule_kind = VIGIL_RULE_HOST;
	d->v.rule = h->rule;
}

#endif
