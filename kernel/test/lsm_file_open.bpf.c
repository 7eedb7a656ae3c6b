// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Test object: proves that an LSM file_open program returning -EPERM really blocks an open on
 * this kernel (the VM layer; this host refuses LSM loads). It is deliberately narrow, because a
 * misfiring file_open hook can block the test runner itself: it denies only opens of the inodes
 * in `blocked_inodes`, and only by the processes (tgids) in `scoped_tgids`, both filled by the
 * test with a temp file and a child it spawned. Everything else is allowed untouched.
 */
#include "prelude.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define EPERM 1

/* tgids the test created; no other process is ever denied */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u8);
} scoped_tgids SEC(".maps");

/* inode number -> the kernel dev_t of its superblock (both must match to deny) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u64);
	__type(value, __u32);
} blocked_inodes SEC(".maps");

/* [0] opens denied, [1] opens by scoped tasks that were allowed */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

static __always_inline void lsm_test__count(__u32 slot)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &slot);

	if (v)
		__sync_fetch_and_add(v, 1);
}

SEC("lsm/file_open")
int BPF_PROG(test_file_open, struct file *file, int ret)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u64 ino;
	__u32 dev, *want;

	/* an earlier LSM already refused: keep its answer */
	if (ret)
		return ret;
	if (!bpf_map_lookup_elem(&scoped_tgids, &tgid))
		return 0;
	ino = BPF_CORE_READ(file, f_inode, i_ino);
	dev = BPF_CORE_READ(file, f_inode, i_sb, s_dev);
	want = bpf_map_lookup_elem(&blocked_inodes, &ino);
	if (want && *want == dev) {
		lsm_test__count(0);
		return -EPERM;
	}
	lsm_test__count(1);
	return 0;
}
