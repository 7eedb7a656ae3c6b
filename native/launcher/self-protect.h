/* SPDX-License-Identifier: Apache-2.0 */
#ifndef VIGIL_LAUNCH_SELF_PROTECT_H
#define VIGIL_LAUNCH_SELF_PROTECT_H

#include <sys/types.h>

/*
 * Installs the self-protection seccomp filter for this process and its future children:
 * `pids` (vigil's own processes) cannot be signalled, traced or pidfd-opened, bpf() is refused.
 * Needs no_new_privs (or CAP_SYS_ADMIN). 0 on success; -1 after printing why.
 */
int self_protect(const pid_t *pids, int n);

#endif
