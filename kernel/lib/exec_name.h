/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The name an exec was asked for (bprm->filename: `claude` for a node script, a symlink's own
 * name), which the profile's command rules see besides the resolved binary. Shared by
 * sched_process_exec (which also matches watch rules on it) and lsm/bprm_check_security.
 */
#ifndef VIGIL_LIB_EXEC_NAME_H
#define VIGIL_LIB_EXEC_NAME_H

struct basename_scan {
	__u32 base; /* offset just past the last '/' seen */
};

static long exec__scan_slash(__u32 i, struct basename_scan *scan)
{
	struct policy_scratch *ps = policy__scratch();

	if (!ps)
		return 1;
	if (ps->buf[POLICY_OFF_REQ + (i & (VIGIL_PATH_MAX - 1))] == '/')
		scan->base = i + 1;
	return 0;
}

/*
 * The requested name (a kernel string, bprm->filename) at POLICY_OFF_REQ, and its basename at
 * POLICY_OFF_REQ_NAME; returns the basename's length (0 if unreadable).
 */
static __always_inline __u32 exec__requested_name(const char *filename)
{
	struct policy_scratch *ps = policy__scratch();
	struct basename_scan scan = {};
	long len, n;

	if (!ps)
		return 0;
	len = bpf_probe_read_kernel_str(&ps->buf[POLICY_OFF_REQ], VIGIL_PATH_MAX, filename);
	if (len <= 1)
		return 0;
	bpf_loop(len - 1, exec__scan_slash, &scan, 0);
	n = bpf_probe_read_kernel_str(&ps->buf[POLICY_OFF_REQ_NAME], VIGIL_POLICY_NAME_MAX + 1,
				      &ps->buf[POLICY_OFF_REQ + (scan.base & (VIGIL_PATH_MAX - 1))]);
	return n > 1 ? n - 1 : 0;
}

#endif
