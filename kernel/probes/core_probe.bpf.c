// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Doctor probe: does CO-RE work on this kernel? Every vigil program reads kernel structs through
 * CO-RE relocations, which libbpf resolves against the running kernel's BTF at load time. A
 * socket filter is used because that program type exists on every kernel vigil could meet, so
 * a failure here is about BTF, not about the hook. Loaded and closed by `vigil doctor` only.
 */
#include "prelude.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("socket")
int probe_core(struct __sk_buff *skb)
{
	/* Both relocations need task_struct from the kernel's BTF; without it libbpf refuses to load. */
	if (!bpf_core_field_exists(struct task_struct, real_parent))
		return 0;
	return bpf_core_field_size(struct task_struct, tgid) == 4 ? 0 : 1;
}
