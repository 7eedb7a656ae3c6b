/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The decisions every enforcing hook makes, whichever backend it belongs to: the tracepoint and
 * cgroup-BPF hooks of the agent object and the BPF-LSM hooks of kernel/lsm/ put their inputs in
 * the same places and call these, so a file open, an exec, a connect or a raw socket is judged
 * the same way by every backend; only what the hook can do about a denial differs (refuse
 * inline, or kill). Each returns false when the session only observes. Include after decide.h.
 */
#ifndef VIGIL_LIB_VERDICTS_H
#define VIGIL_LIB_VERDICTS_H

#define AF_INET 2
#define AF_INET6 10
#define AF_PACKET 17
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define SOCK_RAW 3

/* The matcher's access (1 read, 2 write, 3 read-write) of an open with these O_* flags. */
static __always_inline __u32 verdict__open_access(__u32 f_flags)
{
	__u32 accmode = f_flags & 3; /* O_RDONLY 0, O_WRONLY 1, O_RDWR 2 */

	return accmode == 0 ? 1 : accmode == 1 ? 2 : 3;
}

#define VERDICT_S_IFMT 0170000
#define VERDICT_S_IFREG 0100000

/*
 * The denied-inode table (policy_maps.h): a regular file a denied rule names stays denied whatever
 * path opens it (a hard link made elsewhere). Only asked when the path lets the open through: one
 * hash lookup. true when it decided (the inode's action is stronger than the path's).
 */
static __always_inline bool verdict__inode(__u32 table, struct file *f, __u32 access, struct decision *d)
{
	struct inode *inode = BPF_CORE_READ(f, f_inode);
	struct vigil_policy_inode_key key = {};
	struct vigil_policy_inode *e;
	__u32 slot = access - 1;
	__u8 action;

	if ((BPF_CORE_READ(inode, i_mode) & VERDICT_S_IFMT) != VERDICT_S_IFREG)
		return false;
	key.table = table;
	key.dev = BPF_CORE_READ(inode, i_sb, s_dev);
	key.ino = BPF_CORE_READ(inode, i_ino);
	e = bpf_map_lookup_elem(&policy_inodes, &key);
	if (!e || slot > 2)
		return false;
	action = e->action[slot];
	if (action <= d->v.action)
		return false;
	d->v.action = action;
	d->v.rule_kind = VIGIL_RULE_DENIED;
	d->v.rule = e->rule[slot];
	return true;
}

/*
 * An open of `f`, whose path the caller put at POLICY_OFF_PATH (an unresolvable or cut path is
 * decided by the over-bound rule); then, if the path lets it through, of its inode. ORs
 * VIGIL_F_INODE into *flags when the inode decided.
 */
static __always_inline bool verdict__open(__u32 session, __u32 path_len, bool cut, struct file *f, __u32 *flags,
					  struct decision *d)
{
	__u32 access = verdict__open_access(BPF_CORE_READ(f, f_flags));
	__u32 table;

	if (!decide__begin(session, &table, d))
		return false;
	policy__match_open(table, cut ? VIGIL_PATH_MAX : path_len, access, &d->v);
	if (d->v.action < VIGIL_ACTION_BLOCK && verdict__inode(table, f, access, d))
		*flags |= VIGIL_F_INODE;
	decide__finish(d, false);
	return true;
}

/*
 * A denial a reactive hook is about to turn into a kill: true when the deciding denied path rule
 * says `on_reactive: audit`; the decision becomes AUDIT (the call has happened and goes on).
 * Fail-closed refusals and the path bound's are never softened.
 */
static __always_inline bool verdict__reactive_audit(struct decision *d)
{
	struct vigil_policy_reactive_key key = { .table = d->table, .rule = d->v.rule };

	if (d->v.rule_kind != VIGIL_RULE_DENIED || !bpf_map_lookup_elem(&policy_reactive, &key))
		return false;
	d->action = VIGIL_ACTION_AUDIT;
	return true;
}

/* An exec: resolved path at POLICY_OFF_PATH, its basename at POLICY_OFF_NAME, the requested
 * basename at POLICY_OFF_REQ_NAME (exec_name.h). */
static __always_inline bool verdict__exec(__u32 session, __u32 path_len, __u32 name_len, __u32 req_name_len,
					  bool cut, struct decision *d)
{
	__u32 table;

	if (!decide__begin(session, &table, d))
		return false;
	policy__match_exec(table, cut ? VIGIL_PATH_MAX : path_len, name_len & VIGIL_POLICY_NAME_MAX, 0, req_name_len,
			   &d->v);
	decide__finish(d, false);
	return true;
}

/*
 * An unlink or rmdir of the path at POLICY_OFF_PATH, or a rename from it to the path at
 * POLICY_OFF_REQ (to_len > 0). Fail-closed does not widen these: while no daemon reads, the
 * profile alone decides them (a restart must not kill every `rm` of a temporary file).
 */
static __always_inline bool verdict__change(__u32 session, __u32 path_len, __u32 to_len, bool cut, bool to_cut,
					    struct decision *d)
{
	__u32 table;

	if (!decide__begin(session, &table, d))
		return false;
	d->fail_closed = 0;
	if (to_len > 0 || to_cut)
		policy__match_rename(table, cut ? VIGIL_PATH_MAX : path_len, to_cut ? VIGIL_PATH_MAX : to_len, &d->v);
	else
		policy__match_unlink(table, cut ? VIGIL_PATH_MAX : path_len, &d->v);
	decide__finish(d, false);
	return true;
}

/* Whether `tgid` belongs to `session` (false for a process that is not watched). */
static __always_inline bool verdict__in_session(__u32 tgid, __u32 session)
{
	struct vigil_proc *p = bpf_map_lookup_elem(&watched, &tgid);

	return p && p->session == session;
}

/*
 * A process-wide guard (enum vigil_policy_guard) of the session's profile, for a target inside
 * the session or outside it (ptrace, signals) or none (executable memory). false when the guard
 * lets the call through without a word: nothing to report. Fail-closed does not widen guards.
 */
static __always_inline bool verdict__guard(__u32 session, __u32 guard, bool inside, struct decision *d)
{
	const struct vigil_policy_table *t;
	__u32 table;
	__u8 action;

	if (guard > VIGIL_GUARD_EXEC_MEMORY || !decide__begin(session, &table, d))
		return false;
	d->fail_closed = 0;
	t = policy__table(table);
	if (!t) {
		policy__error(&d->v, VIGIL_STAT_POLICY_NO_TABLE);
	} else {
		action = t->guard[guard];
		if (inside && !(t->guard[VIGIL_GUARD_TARGETS] & (1 << guard)))
			action = VIGIL_ACTION_ALLOW; /* the guard reaches targets outside the session only */
		if (action == VIGIL_ACTION_ALLOW)
			return false;
		policy__finish(t, &d->v, action, VIGIL_RULE_GUARD, guard);
	}
	decide__finish(d, false);
	return true;
}

/* The IPPROTO_* a destination rule is checked for: TCP or UDP, by protocol, else by type. */
static __always_inline __u8 verdict__net_proto(__u16 protocol, __u16 type)
{
	if (protocol == IPPROTO_TCP || protocol == IPPROTO_UDP)
		return protocol;
	return type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP;
}

/* A connect or UDP send to the destination in `ev` (family, addr, port already filled). */
static __always_inline bool verdict__net(__u32 session, const struct vigil_net_event *ev, __u8 proto,
					 struct decision *d)
{
	__u32 table;

	if (!decide__begin(session, &table, d))
		return false;
	policy__match_net(table, ev->family == AF_INET ? 4 : 6, ev->addr, ev->port, proto, &d->v);
	hosts__learned(session, ev->family == AF_INET ? 4 : 6, ev->addr, ev->port, proto, d);
	decide__finish(d, true);
	return true;
}

#define IPPROTO_ICMP 1
#define IPPROTO_ICMPV6 58

/*
 * The sockets `raw_sockets` governs: raw IP, packet (frames), and ICMP "ping" datagram sockets,
 * whose sends no cgroup sendmsg hook sees (only UDP's do).
 */
static __always_inline bool verdict__raw_class(__u32 family, __u32 type, __u32 protocol)
{
	if (family == AF_PACKET || type == SOCK_RAW)
		return true;
	return type == SOCK_DGRAM && (protocol == IPPROTO_ICMP || protocol == IPPROTO_ICMPV6);
}

/* Raw IP, packet and ping sockets (ping, crafted packets, sniffing): refused unless the profile
 * allows them (VIGIL_SESSION_RAW_OK). Only call it for such a socket (verdict__raw_class). */
static __always_inline bool verdict__raw_socket(__u32 session, struct decision *d)
{
	struct vigil_session *s = bpf_map_lookup_elem(&sessions, &session);

	if (!s || !(s->flags & VIGIL_SESSION_ENFORCE))
		return false;
	decide__session(d, s->flags);
	d->v.rule_kind = VIGIL_RULE_DEFAULT;
	d->v.rule = 0;
	d->v.action = (s->flags & VIGIL_SESSION_RAW_OK) ? VIGIL_ACTION_ALLOW : VIGIL_ACTION_BLOCK;
	decide__finish(d, true);
	return true;
}

/*
 * Unconnected UDP: allowed sends are reported once per process and destination, not per
 * datagram (every refused one is reported). true: this one is the first, report it.
 */
static __always_inline bool verdict__udp_first(const struct vigil_net_event *ev)
{
	struct udp_dest dest = {};
	__u8 one = 1;

	dest.tgid = bpf_get_current_pid_tgid() >> 32;
	dest.family = ev->family;
	dest.port = ev->port;
	__builtin_memcpy(dest.addr, ev->addr, 16);
	return bpf_map_update_elem(&udp_seen, &dest, &one, BPF_NOEXIST) == 0;
}

#endif
