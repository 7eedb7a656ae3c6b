// SPDX-License-Identifier: Apache-2.0
/*
 * vigil-launch: the first process of a `vigil run` session. It waits, doing nothing, until
 * vigil has registered it as watched (a byte on fd 3), then drops to the invoking user and
 * execs the agent. So no instruction of the agent runs unwatched.
 *
 * usage: vigil-launch [--user NAME] -- CMD [ARGS...]
 * exit 126: vigil gave no go (fd 3 closed) or the user could not be assumed; 127: exec failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define GO_FD 3

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

int main(int argc, char **argv)
{
	const char *user = NULL;
	char go = 0;
	ssize_t n;
	int i = 1;

	if (i + 1 < argc && strcmp(argv[i], "--user") == 0) {
		user = argv[i + 1];
		i += 2;
	}
	if (i >= argc || strcmp(argv[i], "--") != 0 || i + 1 >= argc) {
		fprintf(stderr, "usage: vigil-launch [--user NAME] -- CMD [ARGS...]\n");
		return 126;
	}
	do
		n = read(GO_FD, &go, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1 || go != 'g') {
		fprintf(stderr, "vigil-launch: vigil did not confirm the watch; not starting %s\n", argv[i + 1]);
		return 126;
	}
	close(GO_FD);
	if (user && become(user))
		return 126;
	execvp(argv[i + 1], &argv[i + 1]);
	fprintf(stderr, "vigil-launch: cannot run %s: %s\n", argv[i + 1], strerror(errno));
	return 127;
}
