// SPDX-License-Identifier: Apache-2.0
/*
 * The Landlock layer of `vigil run`: the launcher restricts itself, and so the agent and all its
 * descendants, to the path-beneath rules vigil derived from the profile. Landlock refuses inline
 * (EACCES) what no rule grants, on inodes, so symlinks and relative paths change nothing.
 *
 * The plan comes on a pipe, NUL-separated so any path fits and hundreds of rules do not meet
 * argv limits:
 *   "vigil-landlock-1" MODE HANDLED (RIGHTS PATH)*
 * MODE is auto or strict, HANDLED and RIGHTS are decimal LANDLOCK_ACCESS_FS_* masks. Rights the
 * running ABI does not know are dropped, and a rule on a file keeps only the file rights.
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

/* Debian 12's UAPI header stops at ABI 2 */
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif

#define PLAN_MAGIC "vigil-landlock-1"
#define PLAN_MAX (64u << 20)

#define FILE_RIGHTS \
	(LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_TRUNCATE)

struct plan {
	char *buf;
	size_t len;
	size_t at;
};

static int ll_fail(const char *what, int err)
{
	fprintf(stderr, "vigil-launch: Landlock: %s: %s\n", what, strerror(err));
	return LL_FAILED;
}

static int read_plan(int fd, struct plan *p)
{
	size_t cap = 1 << 16;
	ssize_t n;

	p->buf = malloc(cap);
	p->len = 0;
	p->at = 0;
	if (!p->buf)
		return -ENOMEM;
	for (;;) {
		if (p->len == cap) {
			char *more = cap < PLAN_MAX ? realloc(p->buf, cap * 2) : NULL;

			if (!more)
				return -EFBIG;
			p->buf = more;
			cap *= 2;
		}
		n = read(fd, p->buf + p->len, cap - p->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		p->len += n;
	}
}

/* The next NUL-terminated field, or NULL at the end (or on a field without its NUL). */
static const char *next_field(struct plan *p)
{
	const char *s = p->buf + p->at;
	const char *nul;

	if (p->at >= p->len)
		return NULL;
	nul = memchr(s, '\0', p->len - p->at);
	if (!nul)
		return NULL;
	p->at += nul - s + 1;
	return s;
}

static int parse_rights(const char *s, __u64 *out)
{
	char *end;

	if (!s || !*s)
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno || *end ? -1 : 0;
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

static int add_rules(int ruleset, struct plan *p, __u64 handled, struct ll_report *rep)
{
	const char *rights_text, *path;
	__u64 rights;

	while ((rights_text = next_field(p))) {
		path = next_field(p);
		if (!path || parse_rights(rights_text, &rights)) {
			fprintf(stderr, "vigil-launch: Landlock: the plan is malformed\n");
			return -1;
		}
		if (add_path(ruleset, path, rights & handled, rep))
			return -1;
	}
	return 0;
}

static enum ll_outcome apply(struct plan *p, struct ll_report *rep)
{
	struct landlock_ruleset_attr attr = { 0 };
	const char *magic = next_field(p), *mode = next_field(p);
	__u64 handled;
	int ruleset, err;

	if (!magic || strcmp(magic, PLAN_MAGIC) || !mode || parse_rights(next_field(p), &handled)) {
		fprintf(stderr, "vigil-launch: Landlock: the plan is malformed\n");
		return LL_FAILED;
	}
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
	struct plan p;
	enum ll_outcome r;
	int err;

	memset(rep, 0, sizeof(*rep));
	err = read_plan(fd, &p);
	if (err) {
		free(p.buf);
		return ll_fail("cannot read the plan", -err);
	}
	r = apply(&p, rep);
	free(p.buf);
	return r;
}
