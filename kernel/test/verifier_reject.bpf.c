// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Deliberately invalid: dereferences a number, which every verifier refuses. Lets the
 * bridge's tests check that a failed load carries the verifier's log.
 */
#include "prelude.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("tracepoint/syscalls/sys_enter_getpid")
int reject_scalar_deref(void *ctx)
{
	return *(volatile __u64 *)(unsigned long)bpf_ktime_get_ns() != 0;
}
