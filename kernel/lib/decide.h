/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What a hook does with the profile: find the session's live policy table, apply the session's
 * flags (audit-only turns a block or kill into AUDIT) and record the verdict in the event, so
 * the audit line says exactly what the kernel decided and did.
 */
#ifndef VIGIL_LIB_DECIDE_H
#define VIGIL_LIB_DECIDE_H

struct decision {
	struct policy_verdict v;
	__u32 session_flags;
	__u8 action;      /* effective: after fail-closed and audit-only */
	__u8 fail_closed; /* no daemon beat within the deadline, and the session has a fail-closed action */
	__u32 table;      /* the policy table that decided */
};

#define DECIDE_FC (VIGIL_SESSION_FC_DENY | VIGIL_SESSION_FC_FREEZE)
#define DECIDE_SIGSTOP 19

/* true when the daemon's beat is older than its deadline (beat 0: never armed, e.g. tests). */
static __always_inline bool decide__daemon_gone(void)
{
	__u32 zero = 0;
	struct vigil_heartbeat *hb = bpf_map_lookup_elem(&heartbeat, &zero);
	__u64 now;

	if (!hb || !hb->beat_ns)
		return false;
	now = bpf_ktime_get_boot_ns();
	return now > hb->beat_ns && now - hb->beat_ns > hb->deadline_ns;
}

/* The session's flags, and whether its fail-closed action is in force now. */
static __always_inline void decide__session(struct decision *d, __u32 flags)
{
	d->session_flags = flags;
	d->fail_closed = (flags & DECIDE_FC) && decide__daemon_gone();
}

/*
 * The policy table of an enforced session. false: the session only observes. A session whose
 * profile has no live table gets an invalid id, so the matcher fails closed (BLOCK, error).
 */
static __always_inline bool decide__begin(__u32 session, __u32 *table, struct decision *d)
{
	struct vigil_session *s = bpf_map_lookup_elem(&sessions, &session);

	if (!s || !(s->flags & VIGIL_SESSION_ENFORCE))
		return false;
	decide__session(d, s->flags);
	if (!policy__active(s->profile, table))
		*table = VIGIL_POLICY_TABLES;
	d->table = *table;
	return true;
}

/*
 * The effective action. While fail-closed: a network call is refused (deny and freeze alike: the
 * socket hooks cannot stop a process); under `deny`, an open or exec no allowed rule names is
 * refused too (VIGIL_RULE_FAIL_CLOSED). Then audit-only turns a refusal into AUDIT.
 */
static __always_inline void decide__finish(struct decision *d, bool net)
{
	if (d->fail_closed) {
		bool deny = net || ((d->session_flags & VIGIL_SESSION_FC_DENY) && d->v.rule_kind != VIGIL_RULE_ALLOWED);

		stats__bump(VIGIL_STAT_FAIL_CLOSED);
		if (deny && d->v.action < VIGIL_ACTION_BLOCK) {
			d->v.action = VIGIL_ACTION_BLOCK;
			d->v.rule_kind = VIGIL_RULE_FAIL_CLOSED;
			d->v.rule = 0;
		}
	}
	d->action = d->v.action;
	if ((d->session_flags & VIGIL_SESSION_AUDIT_ONLY) && d->action >= VIGIL_ACTION_BLOCK)
		d->action = VIGIL_ACTION_AUDIT;
}

/* A decision that refuses or kills: the caller enforces it. */
static __always_inline bool decide__denies(const struct decision *d)
{
	return d->action >= VIGIL_ACTION_BLOCK;
}

/*
 * Fail-closed `freeze`: stops the caller's whole process at this call (SIGSTOP) and notes it in
 * fc_stopped, for the daemon that re-adopts to resume. Only from hooks that can send signals;
 * returns the flag for the event.
 */
static __always_inline __u32 decide__freeze(const struct decision *d)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u8 one = 1;

	if (!d->fail_closed || !(d->session_flags & VIGIL_SESSION_FC_FREEZE) || decide__denies(d))
		return 0;
	bpf_map_update_elem(&fc_stopped, &tgid, &one, BPF_ANY);
	bpf_send_signal(DECIDE_SIGSTOP);
	return VIGIL_F_STOPPED;
}

static __always_inline void decide__record(struct vigil_event_head *h, const struct decision *d, __u32 did)
{
	if (d->fail_closed)
		did |= VIGIL_F_FAIL_CLOSED;
	h->hdr.flags |= VIGIL_F_DECIDED | did;
	h->action = d->action;
	h->rule_kind = d->v.rule_kind;
	h->rule = d->v.rule;
}

/* Decisions that refused, killed or audited go to the alerts ring. */
static __always_inline void *decide__ring(const struct vigil_event_head *h)
{
	return (h->hdr.flags & VIGIL_F_DECIDED) && h->action != VIGIL_ACTION_ALLOW ? (void *)&alerts
										       : (void *)&events;
}

#endif
