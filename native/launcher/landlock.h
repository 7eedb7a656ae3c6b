/* SPDX-License-Identifier: Apache-2.0 */
#ifndef VIGIL_LAUNCH_LANDLOCK_H
#define VIGIL_LAUNCH_LANDLOCK_H

/* What the launcher did with the plan, as it tells vigil (fd 3). */
struct ll_report {
	int abi;	/* the kernel's Landlock ABI; <= 0 when it has none */
	int err;	/* errno of the ABI query when abi <= 0 */
	int rules;	/* path-beneath rules added */
	int skipped;	/* paths of the plan that vanished or the user cannot reach */
};

enum ll_outcome {
	LL_FAILED = -1,	/* message printed; the agent must not start */
	LL_IN_FORCE = 0,	/* landlock_restrict_self succeeded */
	LL_UNAVAILABLE = 1,	/* no Landlock here and the plan's mode (auto) allows going on */
};

/*
 * Reads the plan vigil wrote on `fd` (src/policy/landlock-plan.ts, encodeLandlockPlan), builds
 * the ruleset, sets no_new_privs and restricts this process and its future children.
 */
enum ll_outcome landlock_apply(int fd, struct ll_report *rep);

#endif
