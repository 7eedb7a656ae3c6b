/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Which backend decides each protection, shared by the agent object (tracepoints, cgroup-BPF)
 * and the BPF-LSM object (kernel/lsm/), which reuses these maps. Where the LSM object loads, user
 * space sets a protection's bit in lsm_backends once its LSM hook is attached; from then on the
 * fallback hooks for that protection only observe (or stay silent where the LSM hook reports),
 * so one call is never decided twice. Include after decide.h.
 */
#ifndef VIGIL_LIB_BACKENDS_H
#define VIGIL_LIB_BACKENDS_H

/* Index 0: enum vigil_lsm_backend bits. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} lsm_backends SEC(".maps");

static __always_inline bool backend__lsm(__u32 bit)
{
	__u32 zero = 0;
	__u32 *bits = bpf_map_lookup_elem(&lsm_backends, &zero);

	return bits && (*bits & bit);
}

/*
 * An exec that lsm/bprm_check_security allowed (or audited), kept until sched_process_exec of
 * the same process reports it with argv: the exec event then carries the LSM's verdict instead
 * of being decided a second time. `file` tells a stale entry (an exec that failed after the
 * check) from the exec being reported.
 */
struct lsm_exec_verdict {
	__u64 file; /* bprm->file the verdict is about */
	__u8 action; /* effective action (after audit-only) */
	__u8 rule_kind;
	__u16 rule;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32); /* tgid */
	__type(value, struct lsm_exec_verdict);
} lsm_exec SEC(".maps");

static __always_inline void backend__exec_stash(__u32 tgid, void *file, const struct decision *d)
{
	struct lsm_exec_verdict v = {
		.file = (__u64)file,
		.action = d->action,
		.rule_kind = d->v.rule_kind,
		.rule = d->v.rule,
	};

	bpf_map_update_elem(&lsm_exec, &tgid, &v, BPF_ANY);
}

/* The LSM's verdict on this exec, if it made one; the entry is consumed. */
static __always_inline bool backend__exec_take(__u32 tgid, void *file, struct decision *d)
{
	struct lsm_exec_verdict *v = bpf_map_lookup_elem(&lsm_exec, &tgid);
	bool ok;

	if (!v)
		return false;
	ok = v->file == (__u64)file;
	if (ok) {
		d->action = v->action;
		d->v.action = v->action;
		d->v.rule_kind = v->rule_kind;
		d->v.rule = v->rule;
	}
	bpf_map_delete_elem(&lsm_exec, &tgid);
	return ok;
}

#endif
