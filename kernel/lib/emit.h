/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Filling the common head of an event and sending a built event to the ring buffer. */
#ifndef VIGIL_LIB_EMIT_H
#define VIGIL_LIB_EMIT_H

static __always_inline void emit__head(struct vigil_event_head *h, __u16 type, __u32 size, __u32 session)
{
	h->hdr.type = type;
	h->hdr.flags = 0;
	h->hdr.size = size;
	h->hdr.ktime = bpf_ktime_get_boot_ns();
	task__fill(&h->task);
	h->session = session;
	h->action = 0;
	h->rule_kind = 0;
	h->rule = 0;
}

static __always_inline void emit__lost(void *ring)
{
	stats__bump(ring == (void *)&alerts ? VIGIL_STAT_ALERT_LOST : VIGIL_STAT_RINGBUF_FULL);
}

/* Sends `size` bytes of the scratch event; a full ring is counted, never silent. */
static __always_inline void emit__scratch(struct scratch *s, __u32 size)
{
	void *ring;

	/* kept even where the compiler proves it (6.1's verifier loses 32-bit bounds of a sum) */
	barrier_var(size);
	if (size > VIGIL_SCRATCH_EVENT)
		size = VIGIL_SCRATCH_EVENT;

	((struct vigil_msg_header *)s->event)->size = size;
	ring = decide__ring((struct vigil_event_head *)s->event);
	if (bpf_ringbuf_output(ring, s->event, size, 0))
		emit__lost(ring);
}

/* Sends a fixed-size event built on the stack. */
static __always_inline void emit__fixed(void *ev, __u32 size)
{
	void *ring = decide__ring(ev);

	if (bpf_ringbuf_output(ring, ev, size, 0))
		emit__lost(ring);
}

#endif
