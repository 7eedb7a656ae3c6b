/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Audit volume, decided in the kernel (--file-events). An allowed open is the one event that
 * floods a log: a build opens the same headers thousands of times. Under `first` an allowed
 * open is sent once per (session, file, access) and repeats are counted; a failed lookup
 * (ENOENT: locale and library search paths) is counted, not sent, unless a rule other than an
 * allow names its path (file_open.h). Under `none` allowed opens are only counted. A refused, killed or audited open, and an open whose decision did
 * something (fail-closed freeze), is always sent. The daemon reports the counts
 * (struct vigil_open_volume) in file_activity lines. Include after decide.h.
 */
#ifndef VIGIL_LIB_VOLUME_H
#define VIGIL_LIB_VOLUME_H

#define VOLUME_ENOENT 2
#define VOLUME_WRITE_FLAGS (01 | 02 | 0100 /* O_CREAT */ | 01000 /* O_TRUNC */ | 02000 /* O_APPEND */ | \
			    020000000 /* __O_TMPFILE */)

/* A file as `first` remembers it: the inode (and its generation, against inode reuse) and access. */
struct open_seen_key {
	__u32 session;
	__u32 dev;
	__u64 ino;
	__u32 generation;
	__u32 write;
};

/*
 * Bounded: when full the least recently opened file is forgotten, and its next open is sent
 * again (more lines, never fewer).
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct open_seen_key);
	__type(value, __u8);
} open_seen SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct vigil_open_volume);
} open_volume SEC(".maps");

static __always_inline struct vigil_open_volume *volume__counters(__u32 session)
{
	struct vigil_open_volume *v = bpf_map_lookup_elem(&open_volume, &session);
	struct vigil_open_volume zero = {};

	if (v)
		return v;
	bpf_map_update_elem(&open_volume, &session, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&open_volume, &session);
}

/* The session's --file-events flags; 0: every open is sent. */
static __always_inline __u32 volume__mode(__u32 session)
{
	struct vigil_session *s = bpf_map_lookup_elem(&sessions, &session);

	return s ? s->flags & (VIGIL_SESSION_OPENS_FIRST | VIGIL_SESSION_OPENS_NONE) : 0;
}

/* A failed lookup (ENOENT) counted instead of sent; sent when there is no room to count it. */
static __always_inline void volume__count_lookup(__u32 session)
{
	struct vigil_open_volume *v = volume__counters(session);

	if (v)
		__sync_fetch_and_add(&v->failed_lookups, 1);
}

/*
 * A global function, not inlined: the verifier checks it once, on its own, instead of along
 * every path of the hooks that call it (inlined, it took 6.1's verifier past its budget in the
 * open hooks). An object whose callers hold a BTF pointer to the file defines VOLUME_INLINE:
 * 6.1 takes only scalars as a global function's arguments.
 */
#ifdef VOLUME_INLINE
#define VOLUME_FN static __always_inline
#else
#define VOLUME_FN __noinline
#endif

/* 1: this opened file (`file`, a struct file * as a number) is counted and not sent. */
VOLUME_FN int volume__quiet_file(__u32 session, __u64 file, __u32 open_flags)
{
	struct file *f = (struct file *)file;
	struct open_seen_key key = {};
	struct vigil_open_volume *v;
	struct inode *inode;
	__u32 mode;
	__u8 one = 1;

	mode = volume__mode(session);
	if (!mode)
		return 0;
	v = volume__counters(session);
	if (!v)
		return 0; /* no room to count: send it */
	if (mode & VIGIL_SESSION_OPENS_NONE) {
		__sync_fetch_and_add(&v->unrecorded, 1);
		return 1;
	}
	inode = BPF_CORE_READ(f, f_inode);
	key.session = session;
	key.dev = BPF_CORE_READ(inode, i_sb, s_dev);
	key.ino = BPF_CORE_READ(inode, i_ino);
	key.generation = BPF_CORE_READ(inode, i_generation);
	key.write = (open_flags & VOLUME_WRITE_FLAGS) != 0;
	if (bpf_map_lookup_elem(&open_seen, &key)) {
		__sync_fetch_and_add(&v->repeated, 1);
		return 1;
	}
	bpf_map_update_elem(&open_seen, &key, &one, BPF_ANY);
	return 0;
}

/*
 * true: this opened file is counted and not sent (`f`: the file; `decided`/`d`/`did`: the hook's
 * verdict and what it did). Only an allowed open that did nothing else qualifies.
 */
static __always_inline bool volume__quiet_open(__u32 session, struct file *f, __u32 open_flags, bool decided,
					       const struct decision *d, __u32 did)
{
	if (!f || (decided && d->action != VIGIL_ACTION_ALLOW) || did)
		return false;
	return volume__quiet_file(session, (__u64)f, open_flags) != 0;
}

#endif
