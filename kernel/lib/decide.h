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
	__u8 action; /* effective: after audit-only */
};

/*
 * The policy table of an enforced session. false: the session only observes. A session whose
 * profile has no live table gets an invalid id, so the matcher fails closed (BLOCK, error).
 */
static __always_inline bool decide__begin(__u32 session, __u32 *table, struct decision *d)
{
	struct vigil_session *s = bpf_map_lookup_elem(&sessions, &session);

	if (!s || !(s->flags & VIGIL_SESSION_ENFORCE))
		return false;
	d->session_flags = s->flags;
	if (!policy__active(s->profile, table))
		*table = VIGIL_POLICY_TABLES;
	return true;
}

static __always_inline void decide__finish(struct decision *d)
{
	d->action = d->v.action;
	if ((d->session_flags & VIGIL_SESSION_AUDIT_ONLY) && d->action >= VIGIL_ACTION_BLOCK)
		d->action = VIGIL_ACTION_AUDIT;
}

/* A decision that refuses or kills: the caller enforces it. */
static __always_inline bool decide__denies(const struct decision *d)
{
	return d->action >= VIGIL_ACTION_BLOCK;
}

static __always_inline void decide__record(struct vigil_event_head *h, const struct decision *d, __u32 did)
{
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
