// SPDX-License-Identifier: Apache-2.0
/*
 * vigil-launch: the first process of a `vigil run` session. It drops to the invoking user,
 * applies the session's Landlock plan when vigil gave one, tells vigil what it did, then waits,
 * doing nothing, until vigil has registered it as watched (a byte on fd 3) and execs the agent.
 * So no instruction of the agent runs unwatched, and none runs outside the ruleset.
 *
 * usage: vigil-launch [--user NAME] [--landlock FD] [--protect PID]... -- CMD [ARGS...]
 * --protect names a vigil process the agent must not signal or trace: the self-protection
 * seccomp filter (self-protect.c) is installed first, as root, so it needs no no_new_privs.
 * fd 3 is a socket pair with vigil: the launcher writes one report line,
 *   "landlock on abi=N rules=N skipped=N" | "landlock unavailable errno=N" | "landlock off",
 * then reads the go byte 'g'.
 * exit 126: vigil gave no go (fd 3 closed), the user could not be assumed, or the Landlock plan
 * could not be applied; 127: exec failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "landlock.h"
#include "self-protect.h"

#define GO_FD 3
#define MAX_PROTECT 8

struct options {
	const char *user;
	int landlock_fd;
	pid_t protect[MAX_PROTECT];
	int nprotect;
	char **command;
};

static int fail(int code, const char *what)
{
	fprintf(stderr, "vigil-launch: %s: %s\n", what, strerror(errno));
	return code;
}

static int become(const char *name)
{
	struct passwd *pw = getpwnam(name);

	if (!pw) {
		fprintf(stderr, "vigil-launch: no such user '%s'\n", name);
		return -1;
	}
	if (initgroups(pw->pw_name, pw->pw_gid) || setgid(pw->pw_gid) || setuid(pw->pw_uid))
		return fail(-1, "cannot switch user");
	if (setuid(0) == 0) {
		fprintf(stderr, "vigil-launch: dropping root did not stick\n");
		return -1;
	}
	setenv("HOME", pw->pw_dir, 1);
	setenv("USER", pw->pw_name, 1);
	setenv("LOGNAME", pw->pw_name, 1);
	return 0;
}

static int parse(int argc, char **argv, struct options *o)
{
	int i = 1;

	o->user = NULL;
	o->landlock_fd = -1;
	o->nprotect = 0;
	for (; i + 1 < argc && strcmp(argv[i], "--") != 0; i += 2) {
		if (strcmp(argv[i], "--user") == 0)
			o->user = argv[i + 1];
		else if (strcmp(argv[i], "--landlock") == 0)
			o->landlock_fd = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--protect") == 0 && o->nprotect < MAX_PROTECT && atoi(argv[i + 1]) > 0)
			o->protect[o->nprotect++] = atoi(argv[i + 1]);
		else
			break;
	}
	if (i >= argc || strcmp(argv[i], "--") != 0 || i + 1 >= argc || o->landlock_fd == GO_FD) {
		fprintf(stderr, "usage: vigil-launch [--user NAME] [--landlock FD] [--protect PID]... -- CMD [ARGS...]\n");
		return -1;
	}
	o->command = &argv[i + 1];
	return 0;
}

/* Applies the plan, if any, and writes the report line for vigil. */
static int landlock_stage(const struct options *o)
{
	struct ll_report rep;
	char line[128];
	int n;

	if (o->landlock_fd < 0) {
		n = snprintf(line, sizeof(line), "landlock off\n");
	} else {
		switch (landlock_apply(o->landlock_fd, &rep)) {
		case LL_IN_FORCE:
			n = snprintf(line, sizeof(line), "landlock on abi=%d rules=%d skipped=%d\n", rep.abi,
				     rep.rules, rep.skipped);
			break;
		case LL_UNAVAILABLE:
			n = snprintf(line, sizeof(line), "landlock unavailable errno=%d\n", rep.err);
			break;
		default:
			return -1;
		}
		close(o->landlock_fd);
	}
	if (write(GO_FD, line, n) != n)
		return fail(-1, "cannot report to vigil");
	return 0;
}

static int wait_go(const char *cmd)
{
	char go = 0;
	ssize_t n;

	do
		n = read(GO_FD, &go, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1 || go != 'g') {
		fprintf(stderr, "vigil-launch: vigil did not confirm the watch; not starting %s\n", cmd);
		return -1;
	}
	close(GO_FD);
	return 0;
}

int main(int argc, char **argv)
{
	struct options o;

	if (parse(argc, argv, &o))
		return 126;
	if (self_protect(o.protect, o.nprotect))
		return 126;
	if (o.user && become(o.user))
		return 126;
	if (landlock_stage(&o) || wait_go(o.command[0]))
		return 126;
	execvp(o.command[0], o.command);
	fprintf(stderr, "vigil-launch: cannot run %s: %s\n", o.command[0], strerror(errno));
	return 127;
}
