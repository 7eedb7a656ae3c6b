/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Per-CPU failure counters (enum vigil_stat). Failures inside BPF are never silent and never
 * fatal: they bump a counter here that user space sums and reports.
 */
#ifndef VIGIL_LIB_STATS_H
#define VIGIL_LIB_STATS_H

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VIGIL_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} vigil_stats SEC(".maps");

static __always_inline void stats__bump(__u32 stat)
{
	__u64 *v = bpf_map_lookup_elem(&vigil_stats, &stat);

	if (v)
		*v += 1;
}

#endif
