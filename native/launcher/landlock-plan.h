/* SPDX-License-Identifier: Apache-2.0 */
#ifndef VIGIL_LAUNCH_LANDLOCK_PLAN_H
#define VIGIL_LAUNCH_LANDLOCK_PLAN_H

#include <linux/types.h>
#include <stddef.h>

/*
 * The Landlock plan vigil writes (src/policy/landlock-plan.ts, encodeLandlockPlan), NUL-separated
 * so any path fits and hundreds of rules do not meet argv limits:
 *   "vigil-landlock-1" MODE HANDLED (RIGHTS PATH)*
 * MODE is auto or strict, HANDLED and RIGHTS are decimal LANDLOCK_ACCESS_FS_* masks. Parsing
 * only: landlock.c applies it. test/launcher/plan-dump.c runs this parser against the encoder.
 */
struct ll_plan {
	char *buf;
	size_t len;
	size_t at;
	const char *mode; /* after ll_plan_header */
	__u64 handled;
};

/* Reads the whole plan from fd (at most 64 MiB). 0, or -errno; ll_plan_free either way. */
int ll_plan_read(int fd, struct ll_plan *p);
void ll_plan_free(struct ll_plan *p);

/* The magic, mode and handled rights. 0, or -1: malformed. */
int ll_plan_header(struct ll_plan *p);

/* The next rule. 1: *rights and *path are set; 0: no more rules; -1: malformed. */
int ll_plan_next_rule(struct ll_plan *p, __u64 *rights, const char **path);

#endif
