/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The policy matcher, shared by every hook that decides (file open, exec, connect) and by the
 * BPF_PROG_RUN test program, so what the differential test checks is what the hooks run.
 * Semantics: docs/matching.md; tables and costs: docs/kernel-matcher.md.
 *
 * Callers put the inputs in policy_scratch.buf (normalised path at POLICY_OFF_PATH, and for an
 * exec the basename, requested path and requested basename at their offsets), resolve the
 * profile handle with policy__active(), then call policy__match_open/exec/net. Every verdict is
 * written; a missing table fails closed (BLOCK, VIGIL_RULE_ERROR) and bumps a counter.
 */
#ifndef VIGIL_POLICY_MATCH_H
#define VIGIL_POLICY_MATCH_H

#include "stats.h"
#include "policy_maps.h"

#define POLICY_SIDE_DENY 1
#define POLICY_SIDE_ALLOW 2
#define POLICY_SLOT_EXEC 3

struct policy_verdict {
	__u8 action;    /* enum vigil_policy_action */
	__u8 rule_kind; /* enum vigil_policy_rule_kind */
	__u16 rule;
};

static __always_inline struct policy_scratch *policy__scratch(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&policy_scratch, &zero);
}

/* The live table id of a profile handle; false when the profile is not loaded. */
static __always_inline bool policy__active(__u32 handle, __u32 *table)
{
	__u32 *id = bpf_map_lookup_elem(&policy_active, &handle);

	if (!id)
		return false;
	*table = *id;
	return true;
}

static __always_inline void policy__merge(struct vigil_policy_slot *into, const struct vigil_policy_slot *from,
					  __u32 sides)
{
	if ((sides & POLICY_SIDE_DENY) && from->deny_action &&
	    (from->deny_action > into->deny_action ||
	     (from->deny_action == into->deny_action && from->deny_rule < into->deny_rule))) {
		into->deny_action = from->deny_action;
		into->deny_rule = from->deny_rule;
	}
	if ((sides & POLICY_SIDE_ALLOW) && from->allow_rule < into->allow_rule)
		into->allow_rule = from->allow_rule;
}

static __always_inline void policy__merge_agg(struct vigil_policy_slot *into, const struct vigil_policy_agg *agg,
					      __u32 slot, __u32 sides)
{
	const struct vigil_policy_slot *slots = (const struct vigil_policy_slot *)agg;

	if (slot < VIGIL_POLICY_SLOTS)
		policy__merge(into, &slots[slot], sides);
}

static __always_inline void policy__slot_init(struct vigil_policy_slot *s)
{
	s->deny_action = 0;
	s->deny_rule = VIGIL_POLICY_RULE_NONE;
	s->allow_rule = VIGIL_POLICY_RULE_NONE;
}

/* --- the automaton: one row lookup per byte, stopping at the dead state --- */

struct policy_walk {
	__u32 off;
	__u32 row_base;
	__u32 state;
	__u32 error;
};

static long policy__dfa_step(__u32 i, struct policy_walk *w)
{
	struct policy_scratch *s = policy__scratch();
	struct vigil_policy_row *row;
	__u32 pos = w->off + i;
	__u32 idx;
	__u8 cls;

	if (!s || pos >= POLICY_BUF_SIZE) {
		w->error = 1;
		return 1;
	}
	cls = s->classes[s->buf[pos]];
	idx = w->row_base + w->state;
	row = bpf_map_lookup_elem(&policy_rows, &idx);
	if (!row) {
		w->error = 1;
		return 1;
	}
	w->state = row->next[cls & (VIGIL_POLICY_CLASSES - 1)];
	return w->state == 0; /* dead: no pattern can match any more */
}

static __always_inline void policy__dfa(__u32 table, const __u8 *classes, __u32 start, __u32 off, __u32 len,
					__u32 slot, __u32 sides, struct vigil_policy_slot *acc)
{
	struct policy_scratch *s = policy__scratch();
	struct policy_walk w = { .off = off, .row_base = table * VIGIL_POLICY_DFA_STATES, .state = start };
	struct vigil_policy_agg *agg;
	__u32 idx;

	if (!s) {
		stats__bump(VIGIL_STAT_POLICY_LOOKUP);
		return;
	}
	bpf_probe_read_kernel(s->classes, sizeof(s->classes), classes);
	if (len > 0)
		bpf_loop(len, policy__dfa_step, &w, 0);
	if (w.error) {
		stats__bump(VIGIL_STAT_POLICY_LOOKUP);
		return;
	}
	idx = w.row_base + w.state;
	agg = bpf_map_lookup_elem(&policy_accept, &idx);
	if (agg)
		policy__merge_agg(acc, agg, slot, sides);
}

/* --- the tries --- */

struct policy_rev {
	__u32 end; /* offset just past the path */
	__u32 error;
};

static long policy__rev_step(__u32 i, struct policy_rev *r)
{
	struct policy_scratch *s = policy__scratch();
	__u32 src = r->end - 1 - i;

	if (!s || src >= POLICY_BUF_SIZE || i >= VIGIL_POLICY_LPM_BYTES) {
		r->error = 1;
		return 1;
	}
	s->key.path[i] = s->buf[src];
	return 0;
}

/* --- component runs: one LPM lookup at each component start --- */

struct policy_runs {
	__u32 off;   /* the path's first byte in buf */
	__u32 len;   /* its length */
	__u32 table;
	__u32 slot_sides; /* sides << 8 | slot */
	__u32 error;
	struct vigil_policy_slot acc; /* merged into the caller's after the walk */
};

static long policy__run_step(__u32 i, struct policy_runs *r)
{
	struct policy_scratch *s = policy__scratch();
	struct vigil_policy_agg *a;
	__u32 pos = r->off + i;
	__u32 rest = r->len - i;
	__u32 n;

	if (!s || pos >= POLICY_BUF_SIZE || i >= r->len) {
		r->error = 1;
		return 1;
	}
	if (s->buf[pos] != '/')
		return 0;
	/* key: the rest of the path from this `/`, then `/` when it fits; entries are `/a/b/` */
	n = rest < VIGIL_POLICY_LPM_BYTES ? rest : VIGIL_POLICY_LPM_BYTES;
	barrier_var(n);
	if (n > VIGIL_POLICY_LPM_BYTES)
		n = VIGIL_POLICY_LPM_BYTES;
	if (pos > POLICY_BUF_SIZE - VIGIL_POLICY_LPM_BYTES) {
		r->error = 1;
		return 1;
	}
	bpf_probe_read_kernel(s->key.path, n, s->buf + pos);
	s->key.table = r->table;
	if (rest < VIGIL_POLICY_LPM_BYTES) {
		__u32 at = rest;

		asm volatile("" : "+r"(at));
		if (at < VIGIL_POLICY_LPM_BYTES)
			s->key.path[at] = '/';
		s->key.prefixlen = 32 + 8 * (rest + 1);
	} else {
		s->key.prefixlen = 32 + 8 * VIGIL_POLICY_LPM_BYTES;
	}
	a = bpf_map_lookup_elem(&policy_contain, &s->key);
	if (a)
		policy__merge_agg(&r->acc, a, r->slot_sides & 0xff, r->slot_sides >> 8);
	return 0;
}

/* Merges the verdicts of every path rule matching buf[off, off + len) into *acc, for one slot. */
static __always_inline void policy__path(__u32 table, const struct vigil_policy_table *t, __u32 off, __u32 len,
					 __u32 slot, __u32 sides, struct vigil_policy_slot *acc)
{
	struct policy_scratch *s = policy__scratch();
	__u32 n = len < VIGIL_POLICY_LPM_BYTES ? len : VIGIL_POLICY_LPM_BYTES;

	if (!s || len == 0 || off >= POLICY_BUF_SIZE) {
		stats__bump(VIGIL_STAT_POLICY_LOOKUP);
		return;
	}
	s->key.table = table;
	if (t->flags & VIGIL_POLICY_F_PREFIX) {
		struct vigil_policy_prefix *p;

		/* key: `path/`, cut to the trie's width; entries are `P/` so only whole components match */
		/* bound the register passed to the helper itself: 6.1's verifier loses a bound
		 * checked on a copy that went through the stack */
		barrier_var(n);
		if (n > VIGIL_POLICY_LPM_BYTES)
			n = VIGIL_POLICY_LPM_BYTES;
		bpf_probe_read_kernel(s->key.path, n, s->buf + off);
		if (len < VIGIL_POLICY_LPM_BYTES) {
			__u32 at = len;

			asm volatile("" : "+r"(at)); /* keep the check on the register used as index */
			if (at < VIGIL_POLICY_LPM_BYTES)
				s->key.path[at] = '/';
			s->key.prefixlen = 32 + 8 * (len + 1);
		} else {
			s->key.prefixlen = 32 + 8 * VIGIL_POLICY_LPM_BYTES;
		}
		p = bpf_map_lookup_elem(&policy_prefix, &s->key);
		if (p)
			policy__merge_agg(acc, p->len == len + 1 ? &p->full : &p->partial, slot, sides);
	}
	if (t->flags & VIGIL_POLICY_F_SUFFIX) {
		struct policy_rev r = { .end = off + len };
		struct vigil_policy_agg *a;

		bpf_loop(n, policy__rev_step, &r, 0);
		if (r.error) {
			stats__bump(VIGIL_STAT_POLICY_LOOKUP);
		} else {
			s->key.prefixlen = 32 + 8 * n;
			a = bpf_map_lookup_elem(&policy_suffix, &s->key);
			if (a)
				policy__merge_agg(acc, a, slot, sides);
		}
	}
	if ((t->flags & VIGIL_POLICY_F_CONTAIN) && len > 1) {
		struct policy_runs r = { .off = off, .len = len, .table = table, .slot_sides = sides << 8 | slot };

		policy__slot_init(&r.acc);
		bpf_loop(len, policy__run_step, &r, 0);
		if (r.error)
			stats__bump(VIGIL_STAT_POLICY_LOOKUP);
		else
			policy__merge(acc, &r.acc, sides);
	}
	/* the root `/` has no component: the automaton reads it as the empty input */
	if (t->flags & VIGIL_POLICY_F_PATH_DFA)
		policy__dfa(table, t->path_classes, t->path_start, off, len == 1 ? 0 : len, slot, sides, acc);
}

/*
 * policy__path as a BPF subprogram, not inlined: the exec hook matches up to two paths and the
 * file hooks one, and inlined each call site multiplied what the verifier walks (the exec hook
 * alone took ~400 ms of the daemon's start-up). Five arguments at most for a BPF call, so the
 * offset and length, and the slot and sides, travel packed: (off << 16 | len), (sides << 8 | slot).
 */
static __noinline void policy__path_sub(__u32 table, const struct vigil_policy_table *t, __u32 off_len,
					__u32 sides_slot, struct vigil_policy_slot *acc)
{
	policy__path(table, t, off_len >> 16, off_len & 0xffff, sides_slot & 0xff, sides_slot >> 8, acc);
}

#define POLICY_PATH(table, t, off, len, slot, sides, acc) \
	policy__path_sub(table, t, ((off) << 16) | ((len) & 0xffff), ((sides) << 8) | (slot), acc)

/* The basename automaton, a subprogram for the same reason (the exec hook runs it twice). */
static __noinline void policy__name_sub(__u32 table, const struct vigil_policy_table *t, __u32 off_len,
					__u32 sides_slot, struct vigil_policy_slot *acc)
{
	policy__dfa(table, t->name_classes, t->name_start, off_len >> 16, off_len & 0xffff, sides_slot & 0xff,
		    sides_slot >> 8, acc);
}

#define POLICY_NAME(table, t, off, len, slot, sides, acc) \
	policy__name_sub(table, t, ((off) << 16) | ((len) & 0xffff), ((sides) << 8) | (slot), acc)

/* --- decisions --- */

static __always_inline void policy__finish(const struct vigil_policy_table *t, struct policy_verdict *v,
					   __u8 action, __u8 kind, __u16 rule)
{
	if ((t->flags & VIGIL_POLICY_F_AUDIT) && action >= VIGIL_ACTION_BLOCK)
		action = VIGIL_ACTION_AUDIT;
	v->action = action;
	v->rule_kind = kind;
	v->rule = rule;
}

/* dflt: the kind's default action (ALLOW, AUDIT or BLOCK), from the table's dflt[] */
static __always_inline void policy__decide(const struct vigil_policy_table *t, const struct vigil_policy_slot *acc,
					   __u8 dflt, struct policy_verdict *v)
{
	if (acc->deny_action)
		policy__finish(t, v, acc->deny_action, VIGIL_RULE_DENIED, acc->deny_rule);
	else if (acc->allow_rule != VIGIL_POLICY_RULE_NONE)
		policy__finish(t, v, VIGIL_ACTION_ALLOW, VIGIL_RULE_ALLOWED, acc->allow_rule);
	else
		policy__finish(t, v, dflt, VIGIL_RULE_DEFAULT, 0);
}

/* A missing table or scratch: fail closed, and say so in a counter. */
static __always_inline void policy__error(struct policy_verdict *v, __u32 stat)
{
	stats__bump(stat);
	v->action = VIGIL_ACTION_BLOCK;
	v->rule_kind = VIGIL_RULE_ERROR;
	v->rule = 0;
}

static __always_inline const struct vigil_policy_table *policy__table(__u32 table)
{
	struct vigil_policy_table *t = bpf_map_lookup_elem(&policy_tables, &table);

	return t && (t->flags & VIGIL_POLICY_F_VALID) ? t : NULL;
}

/*
 * The path at POLICY_OFF_PATH (len bytes; over the bound: not read) for one path slot: an open's
 * (READ, WRITE, RDWR), an unlink's or a rename's side.
 */
static __always_inline void policy__match_path_at(__u32 table, __u32 off, __u32 len, __u32 slot,
						  struct policy_verdict *v)
{
	const struct vigil_policy_table *t = policy__table(table);
	struct vigil_policy_slot acc;

	if (!t || slot >= VIGIL_POLICY_SLOTS || slot == VIGIL_POLICY_SLOT_EXEC) {
		policy__error(v, VIGIL_STAT_POLICY_NO_TABLE);
		return;
	}
	if (len > VIGIL_POLICY_PATH_BOUND) {
		policy__finish(t, v, t->bound[slot], VIGIL_RULE_PATH_BOUND, 0);
		return;
	}
	policy__slot_init(&acc);
	POLICY_PATH(table, t, off, len, slot, POLICY_SIDE_DENY | POLICY_SIDE_ALLOW, &acc);
	policy__decide(t, &acc, t->dflt[slot], v);
}

static __always_inline void policy__match_path(__u32 table, __u32 len, __u32 slot, struct policy_verdict *v)
{
	policy__match_path_at(table, POLICY_OFF_PATH, len, slot, v);
}

/* An unlink or rmdir of the path at POLICY_OFF_PATH. */
static __always_inline void policy__match_unlink(__u32 table, __u32 len, struct policy_verdict *v)
{
	policy__match_path(table, len, VIGIL_POLICY_SLOT_UNLINK, v);
}

/*
 * A rename from the path at POLICY_OFF_PATH to the one at POLICY_OFF_REQ: each side is decided in
 * the rename slot and the stronger verdict stands (the source's on a tie).
 */
static __always_inline void policy__match_rename(__u32 table, __u32 from_len, __u32 to_len,
						 struct policy_verdict *v)
{
	struct policy_verdict to = {};

	policy__match_path_at(table, POLICY_OFF_PATH, from_len, VIGIL_POLICY_SLOT_RENAME, v);
	policy__match_path_at(table, POLICY_OFF_REQ, to_len, VIGIL_POLICY_SLOT_RENAME, &to);
	if (to.action > v->action)
		*v = to;
}

/* An open for access 1 (read), 2 (write) or 3 (read-write). */
static __always_inline void policy__match_open(__u32 table, __u32 len, __u32 access, struct policy_verdict *v)
{
	policy__match_path(table, len, access - 1, v);
}

/*
 * An exec: the resolved path (path_len; over the bound: not read), its basename, and the name as
 * requested (normalised path when absolute, and basename; 0 when absent), which only ever denies.
 */
static __always_inline void policy__match_exec(__u32 table, __u32 path_len, __u32 name_len, __u32 req_path_len,
					       __u32 req_name_len, struct policy_verdict *v)
{
	const struct vigil_policy_table *t = policy__table(table);
	bool over = path_len > VIGIL_POLICY_PATH_BOUND;
	struct vigil_policy_slot acc;

	if (!t) {
		policy__error(v, VIGIL_STAT_POLICY_NO_TABLE);
		return;
	}
	policy__slot_init(&acc);
	if (!over && path_len > 0)
		POLICY_PATH(table, t, POLICY_OFF_PATH, path_len, POLICY_SLOT_EXEC,
			    POLICY_SIDE_DENY | POLICY_SIDE_ALLOW, &acc);
	if ((t->flags & VIGIL_POLICY_F_NAME_DFA) && name_len > 0 && name_len <= VIGIL_POLICY_NAME_MAX)
		POLICY_NAME(table, t, POLICY_OFF_NAME, name_len, POLICY_SLOT_EXEC, POLICY_SIDE_DENY | POLICY_SIDE_ALLOW,
			    &acc);
	if (req_path_len > 0 && req_path_len <= VIGIL_POLICY_PATH_BOUND)
		POLICY_PATH(table, t, POLICY_OFF_REQ, req_path_len, POLICY_SLOT_EXEC, POLICY_SIDE_DENY, &acc);
	if ((t->flags & VIGIL_POLICY_F_NAME_DFA) && req_name_len > 0 && req_name_len <= VIGIL_POLICY_NAME_MAX)
		POLICY_NAME(table, t, POLICY_OFF_REQ_NAME, req_name_len, POLICY_SLOT_EXEC, POLICY_SIDE_DENY, &acc);
	if (acc.deny_action || !over) {
		policy__decide(t, &acc, t->dflt[VIGIL_POLICY_SLOT_EXEC], v);
		return;
	}
	/* over the bound: path rules that could match a long path, then basename allows, then default */
	if (t->bound[POLICY_SLOT_EXEC])
		policy__finish(t, v, t->bound[POLICY_SLOT_EXEC], VIGIL_RULE_PATH_BOUND, 0);
	else if (acc.allow_rule != VIGIL_POLICY_RULE_NONE)
		policy__finish(t, v, VIGIL_ACTION_ALLOW, VIGIL_RULE_ALLOWED, acc.allow_rule);
	else
		policy__finish(t, v, t->dflt[VIGIL_POLICY_SLOT_EXEC], VIGIL_RULE_PATH_BOUND, 0);
}

/* A connect or UDP send: family 4 or 6, address bytes (IPv4 in the first 4), port, IPPROTO_*. */
static __always_inline void policy__match_net(__u32 table, __u8 family, const __u8 *addr, __u16 port, __u8 proto,
					      struct policy_verdict *v)
{
	const struct vigil_policy_table *t = policy__table(table);
	struct vigil_policy_net_key key = {};
	struct vigil_policy_net *net;
	struct vigil_policy_slot acc;
	bool mapped;
	__u32 i;

	if (!t) {
		policy__error(v, VIGIL_STAT_POLICY_NO_TABLE);
		return;
	}
	policy__slot_init(&acc);
	mapped = family == 6 && addr[10] == 0xff && addr[11] == 0xff;
	for (i = 0; i < 10; i++)
		mapped = mapped && addr[i] == 0;
	key.table = table;
	if (family == 4 || mapped) {
		/* an IPv4-mapped IPv6 address is the IPv4 address: it matches IPv4 rules */
		key.family = 4;
		__builtin_memcpy(key.addr, mapped ? addr + 12 : addr, 4);
		key.prefixlen = 40 + 32;
	} else {
		key.family = 6;
		__builtin_memcpy(key.addr, addr, 16);
		key.prefixlen = 40 + 128;
	}
	net = (t->flags & VIGIL_POLICY_F_NETS) ? bpf_map_lookup_elem(&policy_nets, &key) : NULL;
	if (net) {
		for (i = 0; i < VIGIL_POLICY_PORT_SEGS; i++) {
			struct vigil_policy_port_seg *seg = &net->segs[i];

			if (i >= net->count)
				break;
			if (port >= seg->lo && port <= seg->hi) {
				policy__merge(&acc, proto == 17 ? &seg->udp : &seg->tcp,
					      POLICY_SIDE_DENY | POLICY_SIDE_ALLOW);
				break;
			}
		}
	}
	policy__decide(t, &acc, t->dflt[VIGIL_POLICY_SLOT_NET], v);
}

#endif
