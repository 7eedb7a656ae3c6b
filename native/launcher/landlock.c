// SPDX-License-Identifier: Apache-2.0
/*
 * The Landlock layer of `vigil run`: the launcher restricts itself, and so the agent and all its
 * descendants, to the path-beneath rules vigil derived from the profile. Landlock refuses inline
 * (EACCES) what no rule grants, on inodes, so symlinks and relative paths change nothing.
 *
 * The plan comes on a pipe (its format and parser: landlock-plan.h). Rights the running ABI does
 * not know are dropped, and a rule on a file keeps only the file rights.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "landlock.h"
#include "landlock-plan.h"

/* Debian 12's UAPI header stops at ABI 2 */
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif

#define FILE_RIGHTS \
	(LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_TRUNCATE)

static int ll_fail(const char *what, int err)
{
	fprintf(stderr, "vigil-launch: Landlock: %s: %s\n", what, strerror(err));
	return LL_FAILED;
}

/* The filesystem rights each ABI knows (REFER from 2, TRUNCATE from 3). */
static __u64 abi_rights(int abi)
{
	__u64 all = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1;

	if (abi >= 2)
		all |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		all |= LANDLOCK_ACCESS_FS_TRUNCATE;
	return all;
}

/* One path-beneath rule; a path that vanished or that the user cannot reach is counted, not fatal. */
static int add_path(int ruleset, const char *path, __u64 rights, struct ll_report *rep)
{
	struct landlock_path_beneath_attr pb = { .allowed_access = rights };
	struct stat st;
	int err;

	pb.parent_fd = open(path, O_PATH | O_CLOEXEC);
	if (pb.parent_fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR || errno == EACCES || errno == ELOOP) {
			rep->skipped++;
			return 0;
		}
		fprintf(stderr, "vigil-launch: Landlock: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fstat(pb.parent_fd, &st) == 0 && !S_ISDIR(st.st_mode))
		pb.allowed_access &= FILE_RIGHTS;
	err = 0;
	if (pb.allowed_access && syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &pb, 0))
		err = errno;
	close(pb.parent_fd);
	if (err) {
		fprintf(stderr, "vigil-launch: Landlock: rule for %s: %s\n", path, strerror(err));
		return -1;
	}
	if (pb.allowed_access)
		rep->rules++;
	return 0;
}

static int add_rules(int ruleset, struct ll_plan *p, __u64 handled, struct ll_report *rep)
{
	const char *path;
	__u64 rights;
	int more;

	while ((more = ll_plan_next_rule(p, &rights, &path)) > 0)
		if (add_path(ruleset, path, rights & handled, rep))
			return -1;
	if (more < 0)
		fprintf(stderr, "vigil-launch: Landlock: the plan is malformed\n");
	return more;
}

static enum ll_outcome apply(struct ll_plan *p, struct ll_report *rep)
{
	struct landlock_ruleset_attr attr = { 0 };
	const char *mode;
	__u64 handled;
	int ruleset, err;

	if (ll_plan_header(p)) {
		fprintf(stderr, "vigil-launch: Landlock: the plan is malformed\n");
		return LL_FAILED;
	}
	mode = p->mode;
	handled = p->handled;
	rep->abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	if (rep->abi <= 0) {
		rep->err = errno;
		if (strcmp(mode, "strict") == 0)
			return ll_fail("--landlock strict, but this kernel has no Landlock", rep->err);
		fprintf(stderr, "vigil-launch: Landlock is not available (%s); file opens are left to vigil's other layers\n",
			strerror(rep->err));
		return LL_UNAVAILABLE;
	}
	attr.handled_access_fs = handled & abi_rights(rep->abi);
	if (!attr.handled_access_fs) {
		/* e.g. a plan of TRUNCATE alone on ABI < 3: nothing this kernel's Landlock can refuse */
		rep->err = EOPNOTSUPP;
		if (strcmp(mode, "strict") == 0)
			return ll_fail("--landlock strict, but this kernel's Landlock lacks the plan's rights", rep->err);
		return LL_UNAVAILABLE;
	}
	ruleset = syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (ruleset < 0)
		return ll_fail("cannot create the ruleset", errno);
	err = add_rules(ruleset, p, attr.handled_access_fs, rep);
	if (!err && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		err = ll_fail("cannot set no_new_privs", errno);
	if (!err && syscall(SYS_landlock_restrict_self, ruleset, 0))
		err = ll_fail("landlock_restrict_self", errno);
	close(ruleset);
	return err ? LL_FAILED : LL_IN_FORCE;
}

enum ll_outcome landlock_apply(int fd, struct ll_report *rep)
{
	struct ll_plan p;
	enum ll_outcome r;
	int err;

	memset(rep, 0, sizeof(*rep));
	err = ll_plan_read(fd, &p);
	if (err) {
		ll_plan_free(&p);
		return ll_fail("cannot read the plan", -err);
	}
	r = apply(&p, rep);
	ll_plan_free(&p);
	return r;
}
