/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The policy matcher's maps, in one place: what src/policy/compile-tables.ts fills and
 * kernel/policy/policy_match.h reads. Keys carry a table id so several profiles (and the one a
 * reload is writing) live side by side; policy_active maps a profile handle to its live table id,
 * so a reload is one write. Sizes and costs: docs/kernel-matcher.md.
 */
#ifndef VIGIL_POLICY_MAPS_H
#define VIGIL_POLICY_MAPS_H

/* Offsets of the inputs in policy_scratch.buf: path, requested path, basename, requested basename. */
#define POLICY_OFF_PATH 0
#define POLICY_OFF_REQ 4096
#define POLICY_OFF_NAME 8192
#define POLICY_OFF_REQ_NAME 8448
#define POLICY_BUF_SIZE 8704

/* Profile handle -> live table id. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u32);
} policy_active SEC(".maps");

/* Table id -> header (flags, defaults, automaton entry points and classes, over-bound verdicts). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VIGIL_POLICY_TABLES);
	__type(key, __u32);
	__type(value, struct vigil_policy_table);
} policy_tables SEC(".maps");

/* Exact and prefix (`/dir/` then globstar) rules: key `path/` (or `/` for the root prefix),
 * ancestors folded in. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 65536);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct vigil_policy_path_key);
	__type(value, struct vigil_policy_prefix);
} policy_prefix SEC(".maps");

/* Suffix (globstar then `/name`) rules: key the suffix's bytes reversed, ancestors folded in. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 65536);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct vigil_policy_path_key);
	__type(value, struct vigil_policy_agg);
} policy_suffix SEC(".maps");

/* Component-run rules (globstar, literal components, globstar: `/a/b` anywhere): key `/a/b/`, looked up at every
 * component start of the path, ancestors (shorter runs it starts with) folded in. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 65536);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct vigil_policy_path_key);
	__type(value, struct vigil_policy_agg);
} policy_contain SEC(".maps");

/* Regular files denied path rules name, by (table id, s_dev, i_ino): an open whose path the rules
 * let through is denied if its file is one of them (a hard link elsewhere). Filled at load by
 * src/policy/deny-inodes.ts; entries allocated on demand. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VIGIL_POLICY_TABLES * VIGIL_POLICY_INODES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct vigil_policy_inode_key);
	__type(value, struct vigil_policy_inode);
} policy_inodes SEC(".maps");

/* Denied path rules with `on_reactive: audit` (struct vigil_policy_reactive_key). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VIGIL_POLICY_TABLES * 1024);
	__type(key, struct vigil_policy_reactive_key);
	__type(value, __u8);
} policy_reactive SEC(".maps");

/* Networks (v4 and v6, family in the key) with their port segments. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 16384);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct vigil_policy_net_key);
	__type(value, struct vigil_policy_net);
} policy_nets SEC(".maps");

/* Automaton rows: table id * VIGIL_POLICY_DFA_STATES + state. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VIGIL_POLICY_TABLES * VIGIL_POLICY_DFA_STATES);
	__type(key, __u32);
	__type(value, struct vigil_policy_row);
} policy_rows SEC(".maps");

/* What each automaton state accepts: the folded verdicts of the patterns matching there. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VIGIL_POLICY_TABLES * VIGIL_POLICY_DFA_STATES);
	__type(key, __u32);
	__type(value, struct vigil_policy_agg);
} policy_accept SEC(".maps");

/* Per-CPU working memory: the inputs (filled by the caller), the LPM key being built, classes. */
struct policy_scratch {
	__u8 buf[POLICY_BUF_SIZE];
	struct vigil_policy_path_key key;
	__u8 classes[256];
	/* kernel/hooks/changes.h's normaliser: where the component being read starts, and the next
	 * byte to write. In a map value, not the loop's context, so the verifier does not follow each
	 * iteration's exact figures. */
	__u32 norm_comp;
	__u32 norm_out;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct policy_scratch);
} policy_scratch SEC(".maps");

/*
 * Writing to a map-in-map makes the bpf() syscall wait for an RCU grace period (every running
 * program has finished), so user space writes here after flipping policy_active and before
 * deleting the old table's entries: no lookup can still be using them.
 */
struct policy_barrier_inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} policy_barrier_inner SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct policy_barrier_inner);
} policy_barrier SEC(".maps") = {
	.values = { [0] = &policy_barrier_inner },
};

#endif
