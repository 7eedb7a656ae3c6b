/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The events of the unlink/rename rules and of the process-wide guards (ptrace, signals,
 * executable memory), built the same way by the BPF-LSM hooks (kernel/lsm/changes_guards.h) and
 * by the tracepoint fallbacks (kernel/hooks/changes.h, guards.h). Include after verdicts.h.
 */
#ifndef VIGIL_LIB_GUARD_EMIT_H
#define VIGIL_LIB_GUARD_EMIT_H

#define GUARD_PATH_MASK (VIGIL_PATH_MAX - 1)
/* a rename's target in the event: what room the source's 4095 bytes leave in the scratch event */
#define GUARD_TO_MAX (VIGIL_SCRATCH_EVENT - VIGIL_PATH_MAX - (int)sizeof(struct vigil_change_event))

/*
 * An unlink, rmdir or rename event from the policy scratch: the path at POLICY_OFF_PATH
 * (path_len) and a rename's target at POLICY_OFF_REQ (to_len). Only decided ones are sent
 * (an allowed unlink is not worth a line); returns nothing, the caller enforces.
 */
static __always_inline void change__emit(struct scratch *s, struct policy_scratch *ps, __u16 type, __u16 op,
					 __u32 session, __u32 path_len, __u32 to_len, __u32 flags, __s32 ret,
					 const struct decision *d, __u32 did)
{
	struct vigil_change_event *ev = (struct vigil_change_event *)s->event;
	__u32 at;

	emit__head(&ev->head, type, 0, session);
	ev->op = op;
	ev->pad = 0;
	ev->ret = ret;
	ev->pad2 = 0;
	barrier_var(path_len);
	path_len &= GUARD_PATH_MASK;
	if (to_len > GUARD_TO_MAX) {
		to_len = GUARD_TO_MAX;
		flags |= VIGIL_F_PATH_CUT;
	}
	barrier_var(to_len);
	if (to_len > GUARD_TO_MAX)
		to_len = GUARD_TO_MAX;
	ev->path_len = path_len;
	ev->to_len = to_len;
	if (bpf_probe_read_kernel(s->event + sizeof(*ev), path_len, &ps->buf[POLICY_OFF_PATH]))
		stats__bump(VIGIL_STAT_READ_FAIL);
	at = sizeof(*ev) + path_len;
	barrier_var(at);
	if (at > sizeof(*ev) + GUARD_PATH_MASK)
		return;
	if (to_len > 0 && bpf_probe_read_kernel(s->event + at, to_len, &ps->buf[POLICY_OFF_REQ]))
		stats__bump(VIGIL_STAT_READ_FAIL);
	ev->head.hdr.flags = flags;
	decide__record(&ev->head, d, did);
	emit__scratch(s, at + to_len);
}

/* A guard's event: the target process (NULL for executable memory) and the call's arguments. */
static __always_inline void guard__emit(__u16 type, __u16 call, __u32 session, struct task_struct *target,
					__u32 target_tgid, __u32 arg, __u32 arg2, __u32 flags,
					const struct decision *d, __u32 did)
{
	struct vigil_guard_event ev = {};
	struct vigil_proc *tp;

	emit__head(&ev.head, type, sizeof(ev), session);
	ev.target = target_tgid;
	tp = target_tgid ? bpf_map_lookup_elem(&watched, &target_tgid) : NULL;
	ev.target_session = tp ? tp->session : 0;
	ev.arg = arg;
	ev.arg2 = arg2;
	ev.call = call;
	if (target)
		BPF_CORE_READ_STR_INTO(&ev.target_comm, target, comm);
	ev.head.hdr.flags = flags;
	decide__record(&ev.head, d, did);
	emit__fixed(&ev, sizeof(ev));
}

#endif
