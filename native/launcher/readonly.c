// SPDX-License-Identifier: Apache-2.0
/*
 * Write-denied paths made read-only for the agent, in a mount namespace of its own: each path
 * vigil names (a file, or a folder for a denied tree) is bind-mounted onto itself read-only.
 * Then the kernel refuses, before anything happens (EROFS), what the tracepoint tier could only
 * punish afterwards: an O_TRUNC open (`: > ~/.profile` would have emptied the file inside the
 * open), truncate(2), and writes; renaming or linking over the path, or removing it, fails too
 * (EBUSY: it is a mount point). Only the agent's namespace sees these mounts (they are not
 * propagated back), and the agent cannot undo them: the hardening filter refuses mount, umount
 * and setns, and its capabilities are gone.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>

#include "readonly.h"

int readonly_mounts(char *const *paths, int n)
{
	int i, made = 0;

	if (n == 0)
		return 0;
	if (unshare(CLONE_NEWNS)) {
		fprintf(stderr, "vigil-launch: no mount namespace for read-only paths: %s\n", strerror(errno));
		return -errno;
	}
	/* nothing mounted here goes back to vigil's namespace; the host's new mounts still come in */
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL)) {
		fprintf(stderr, "vigil-launch: cannot make the mounts private: %s\n", strerror(errno));
		return -errno;
	}
	for (i = 0; i < n; i++) {
		/* recursive: submounts (/sys/fs/cgroup under /sys) stay visible; they stay writable too */
		if (mount(paths[i], paths[i], NULL, MS_BIND | MS_REC, NULL) ||
		    mount(NULL, paths[i], NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL)) {
			fprintf(stderr, "vigil-launch: %s stays writable here (the other layers still deny it): %s\n",
				paths[i], strerror(errno));
			continue;
		}
		made++;
	}
	return made;
}
