// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Runs the policy matcher on a batch of queries through BPF_PROG_RUN, so user space can ask the
 * kernel's own decision (the differential test against the reference evaluator, `vigil profile
 * explain`). The matching code is policy_match.h, the same the hooks call.
 *
 * Why raw_tp and not a `syscall` program: syscall programs are sleepable, and sleepable programs
 * may not use LPM tries (the verifier refuses the object). A raw_tp program runs non-sleepable
 * under BPF_PROG_RUN, like the hooks; since it gets no context back, queries and verdicts travel
 * in two array maps. It is never attached.
 */
#include "prelude.h"
#include "policy_match.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct policy_batch {
	__u8 bytes[VIGIL_POLICY_BATCH_BYTES];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct policy_batch);
} policy_batch_in SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vigil_policy_results);
} policy_batch_out SEC(".maps");

#define QUERY_SIZE sizeof(struct vigil_policy_query)

struct batch_walk {
	__u32 off;
	__u32 end;
};

/* Copies n (<= max) bytes of the batch at *from to the scratch input at dst; false if out of range. */
static __always_inline bool test__unpack(struct policy_scratch *s, __u32 dst, struct policy_batch *in,
					 __u32 *from, __u32 n, __u32 max)
{
	__u32 at = *from;

	if (n > max || dst > POLICY_BUF_SIZE - max || at > VIGIL_POLICY_BATCH_BYTES ||
	    n > VIGIL_POLICY_BATCH_BYTES - at)
		return false;
	barrier_var(n); /* re-check on the register passed: older verifiers lose the bound above */
	if (n > max)
		return false;
	bpf_probe_read_kernel(s->buf + dst, n, in->bytes + at);
	*from = at + n;
	return true;
}

static long test__one(__u32 i, struct batch_walk *w)
{
	struct policy_verdict v = { .action = VIGIL_ACTION_BLOCK, .rule_kind = VIGIL_RULE_ERROR };
	struct policy_scratch *s = policy__scratch();
	struct vigil_policy_results *out;
	struct vigil_policy_query q;
	struct policy_batch *in;
	__u32 zero = 0, table = 0, off = w->off, at, path_n;

	in = bpf_map_lookup_elem(&policy_batch_in, &zero);
	out = bpf_map_lookup_elem(&policy_batch_out, &zero);
	if (!s || !in || !out || off > VIGIL_POLICY_BATCH_BYTES - QUERY_SIZE || off + QUERY_SIZE > w->end)
		return 1;
	__builtin_memcpy(&q, in->bytes + off, QUERY_SIZE);
	at = off + QUERY_SIZE;
	path_n = q.path_len <= VIGIL_POLICY_PATH_BOUND ? q.path_len : 0;
	if (!test__unpack(s, POLICY_OFF_PATH, in, &at, path_n, 4096) ||
	    !test__unpack(s, POLICY_OFF_NAME, in, &at, q.name_len, 256) ||
	    !test__unpack(s, POLICY_OFF_REQ, in, &at, q.req_path_len <= VIGIL_POLICY_PATH_BOUND ? q.req_path_len : 0,
			  4096) ||
	    !test__unpack(s, POLICY_OFF_REQ_NAME, in, &at, q.req_name_len, 256))
		return 1; /* a malformed batch: stop; user space sees done < count */
	if (!policy__active(q.profile, &table)) {
		policy__error(&v, VIGIL_STAT_POLICY_NO_TABLE);
	} else if (q.kind == VIGIL_POLICY_OPEN) {
		policy__match_open(table, q.path_len, q.access, &v);
	} else if (q.kind == VIGIL_POLICY_EXEC) {
		policy__match_exec(table, q.path_len, q.name_len, q.req_path_len, q.req_name_len, &v);
	} else if (q.kind == VIGIL_POLICY_UNLINK) {
		policy__match_unlink(table, q.path_len, &v);
	} else if (q.kind == VIGIL_POLICY_RENAME) {
		policy__match_rename(table, q.path_len, q.req_path_len, &v);
	} else if (q.kind == VIGIL_POLICY_CONNECT) {
		policy__match_net(table, q.family, q.addr, q.port, q.proto, &v);
	} else {
		policy__error(&v, VIGIL_STAT_POLICY_LOOKUP);
	}
	out->verdict[i & (VIGIL_POLICY_BATCH_MAX - 1)] = v.action | (__u32)v.rule_kind << 8 | (__u32)v.rule << 16;
	out->done = i + 1;
	w->off = (at + 3) & ~3U;
	return 0;
}

SEC("raw_tp")
int policy_match_batch(__u64 *ctx)
{
	struct vigil_policy_batch_ctx b;
	struct batch_walk w = {};
	struct vigil_policy_results *out;
	__u32 zero = 0;

	__builtin_memcpy(&b, ctx, sizeof(b));
	out = bpf_map_lookup_elem(&policy_batch_out, &zero);
	if (!out)
		return 0;
	out->done = 0;
	w.end = b.bytes;
	bpf_loop(b.count < VIGIL_POLICY_BATCH_MAX ? b.count : VIGIL_POLICY_BATCH_MAX, test__one, &w, 0);
	return 0;
}
