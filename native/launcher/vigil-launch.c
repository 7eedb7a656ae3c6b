// SPDX-License-Identifier: Apache-2.0
/*
 * vigil-launch: the first process of a `vigil run` session. It drops to the invoking user,
 * applies the session's Landlock plan when vigil gave one, tells vigil what it did, then waits,
 * doing nothing, until vigil has registered it as watched (a byte on fd 3) and execs the agent.
 * So no instruction of the agent runs unwatched, and none runs outside the ruleset.
 *
 * usage: vigil-launch [--user NAME] [--landlock FD] [--protect PID]... [--harden] [--readonly PATH]...
 *                     [--drop-caps N,N,...] [--allow-packet] -- CMD [ARGS...]
 * --protect names a vigil process the agent must not signal or trace: the self-protection
 * seccomp filter (self-protect.c) is installed first, as root, so it needs no no_new_privs.
 * --harden: the agent gets a PID namespace of its own (pid-init.c; then --protect's PIDs are
 * moot) and the hardening filter (harden.c); --drop-caps: the capabilities it loses;
 * --readonly PATH (repeated): write-denied paths bind-mounted read-only (readonly.c).
 * fd 3 is a socket pair with vigil: the launcher writes one report line,
 *   "landlock on abi=N rules=N skipped=N" | "landlock unavailable errno=N" | "landlock off",
 * followed by " harden=0|1 pidns=0|1|-ERRNO caps=N ro=N|-ERRNO" (what is in force), then reads
 * the go byte 'g'.
 * exit 126: vigil gave no go (fd 3 closed), the user could not be assumed, or the Landlock plan
 * could not be applied; 127: exec failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sched.h>

#include "harden.h"
#include "landlock.h"
#include "pid-init.h"
#include "readonly.h"
#include "self-protect.h"

#define GO_FD 3
#define MAX_PROTECT 8
#define MAX_CAPS 64
#define MAX_READONLY 512

struct options {
	const char *user;
	int landlock_fd;
	pid_t protect[MAX_PROTECT];
	int nprotect;
	bool harden;
	bool allow_packet;
	int caps[MAX_CAPS];
	int ncaps;
	char *readonly[MAX_READONLY];
	int nreadonly;
	char **command;
};

/* What the hardening put in force, for the report line. */
struct hardening {
	int pidns; /* 1, or -errno of unshare(CLONE_NEWPID) */
	int caps;  /* capabilities dropped */
	int ro;    /* paths made read-only, or -errno of the mount namespace */
};

static int parse_caps(const char *list, struct options *o)
{
	char *end;
	long n;

	while (*list) {
		n = strtol(list, &end, 10);
		if (end == list || n < 0 || n > 63 || o->ncaps >= MAX_CAPS || (*end && *end != ','))
			return -1;
		o->caps[o->ncaps++] = (int)n;
		list = *end ? end + 1 : end;
	}
	return 0;
}

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

/* Flags without a value. */
static bool flag(const char *arg, struct options *o)
{
	if (strcmp(arg, "--harden") == 0)
		o->harden = true;
	else if (strcmp(arg, "--allow-packet") == 0)
		o->allow_packet = true;
	else
		return false;
	return true;
}

/* Flags with a value; false when `arg` is none of them or its value is bad. */
static bool option(const char *arg, const char *value, struct options *o)
{
	if (strcmp(arg, "--user") == 0)
		o->user = value;
	else if (strcmp(arg, "--landlock") == 0)
		o->landlock_fd = atoi(value);
	else if (strcmp(arg, "--protect") == 0 && o->nprotect < MAX_PROTECT && atoi(value) > 0)
		o->protect[o->nprotect++] = atoi(value);
	else if (strcmp(arg, "--drop-caps") == 0)
		return parse_caps(value, o) == 0;
	else if (strcmp(arg, "--readonly") == 0 && o->nreadonly < MAX_READONLY && value[0] == '/')
		o->readonly[o->nreadonly++] = (char *)value;
	else
		return false;
	return true;
}

static int parse(int argc, char **argv, struct options *o)
{
	int i = 1;

	memset(o, 0, sizeof(*o));
	o->landlock_fd = -1;
	while (i < argc && strcmp(argv[i], "--") != 0) {
		if (flag(argv[i], o))
			i++;
		else if (i + 1 < argc && option(argv[i], argv[i + 1], o))
			i += 2;
		else
			break;
	}
	if (i >= argc || strcmp(argv[i], "--") != 0 || i + 1 >= argc || o->landlock_fd == GO_FD) {
		fprintf(stderr, "usage: vigil-launch [--user NAME] [--landlock FD] [--protect PID]... [--harden] "
				"[--drop-caps N,...] [--allow-packet] [--readonly PATH]... -- CMD [ARGS...]\n");
		return -1;
	}
	o->command = &argv[i + 1];
	return 0;
}

/* Applies the plan, if any, and writes the report line for vigil. */
static int landlock_stage(const struct options *o, const struct hardening *h)
{
	struct ll_report rep;
	char line[192];
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
	n--; /* the hardening's pairs go on the same line */
	n += snprintf(line + n, sizeof(line) - n, " harden=%d pidns=%d caps=%d ro=%d\n", o->harden, h->pidns, h->caps,
		      h->ro);
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

/*
 * As root, in this order: the PID namespace (which the hardening filter then refuses), the
 * filters (installed as root they need no no_new_privs), the bounding set (needs CAP_SETPCAP);
 * then the user (or, for a root agent, its own capability sets), Landlock, and the wait.
 */
int main(int argc, char **argv)
{
	struct hardening h = { 0, 0, 0 };
	struct options o;

	if (parse(argc, argv, &o))
		return 126;
	if (o.harden)
		h.pidns = unshare(CLONE_NEWPID) ? -errno : 1;
	if (h.pidns < 0)
		fprintf(stderr, "vigil-launch: no PID namespace for the agent (%s); vigil's PIDs are shielded by the filter\n",
			strerror(-h.pidns));
	h.ro = readonly_mounts(o.readonly, o.nreadonly);
	if (self_protect(o.protect, h.pidns == 1 ? 0 : o.nprotect))
		return 126;
	if (o.harden && harden_seccomp(o.allow_packet))
		return 126;
	if (harden_bounding(o.caps, o.ncaps))
		return 126;
	h.caps = o.ncaps;
	if (o.user && become(o.user))
		return 126;
	if (!o.user && harden_own_caps(o.caps, o.ncaps))
		return 126;
	if (landlock_stage(&o, &h) || wait_go(o.command[0]))
		return 126;
	if (h.pidns == 1)
		return pid_init_run(o.command);
	execvp(o.command[0], o.command);
	fprintf(stderr, "vigil-launch: cannot run %s: %s\n", o.command[0], strerror(errno));
	return 127;
}
