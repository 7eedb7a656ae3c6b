/* SPDX-License-Identifier: Apache-2.0 */
#ifndef VIGIL_LAUNCH_PID_INIT_H
#define VIGIL_LAUNCH_PID_INIT_H

/*
 * After unshare(CLONE_NEWPID): runs `command` as PID 2 under a small init (PID 1) in the new
 * namespace, and returns (or ends by the same signal) as the command did (see pid-init.c).
 */
int pid_init_run(char **command);

#endif
