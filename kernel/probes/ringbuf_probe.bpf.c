// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Doctor probe: ring buffer and BPF_PROG_RUN. Every vigil event reaches user space through a
 * ring buffer, and the kernel matchers are tested through BPF_PROG_RUN of `syscall` programs.
 * Run once by `vigil doctor`: writes one record carrying the magic user space chose, and
 * returns the magic's low 31 bits so both paths are checked.
 */
#include "prelude.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Chosen by user space per run, so a record from anything else cannot pass for this one. */
const volatile __u64 probe_magic = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} probe_events SEC(".maps");

SEC("syscall")
int probe_ringbuf(void *ctx)
{
	struct vigil_probe_msg *msg = bpf_ringbuf_reserve(&probe_events, sizeof(*msg), 0);

	if (!msg)
		return -1;
	msg->hdr.type = VIGIL_MSG_PROBE;
	msg->hdr.flags = 0;
	msg->hdr.size = sizeof(*msg);
	msg->hdr.ktime = bpf_ktime_get_boot_ns();
	msg->magic = probe_magic;
	bpf_ringbuf_submit(msg, 0);
	return (int)(probe_magic & 0x7fffffff);
}
