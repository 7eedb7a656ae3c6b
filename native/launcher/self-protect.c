// SPDX-License-Identifier: Apache-2.0
/*
 * The seccomp filter `vigil run` puts on the agent's whole tree (inherited by every child, never
 * removable): the agent cannot signal, trace or read the memory of the vigil processes named
 * on the command line, and cannot use bpf() at all. It is the self-protection backend where
 * BPF-LSM's task_kill/ptrace hooks cannot load.
 *
 * Refused with EPERM:
 *   kill(pid)            pid = a protected pid, its process group (-pgid), 0 (the caller's own
 *                        group, which vigil shares with the agent) or -1 (every process)
 *   tgkill(tgid, ...)    tgid = a protected pid
 *   tkill                always (obsolete; its tid cannot be told from a protected thread)
 *   pidfd_open(pid)      pid = a protected pid
 *   pidfd_send_signal    always (a pidfd can also come from open("/proc/<pid>")); Go and
 *                        others fall back to kill/tgkill when it is refused
 *   ptrace, process_vm_readv, process_vm_writev, bpf   always
 * libseccomp adds the same rules for the i386 and x32 system call tables, so a 32-bit entry
 * point is no way around them. A root agent has other ways to stop vigil (systemctl, cgroup
 * kill files): this filter closes the direct system calls; running the agent as a user closes
 * the rest.
 */
#include <errno.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "self-protect.h"

/* kill() and friends take an int: compare the low 32 bits whatever the upper half holds */
#define PID_EQ(arg, pid) SCMP_CMP((arg), SCMP_CMP_MASKED_EQ, 0xffffffffULL, (uint32_t)(pid))

static int refuse(scmp_filter_ctx ctx, int nr, unsigned int argc, const struct scmp_arg_cmp *cmp)
{
	int err = seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(EPERM), nr, argc, cmp);

	if (err)
		fprintf(stderr, "vigil-launch: seccomp rule for %s: %s\n", seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr),
			strerror(-err));
	return err;
}

static int refuse_arg0(scmp_filter_ctx ctx, int nr, int32_t value)
{
	struct scmp_arg_cmp cmp = PID_EQ(0, value);

	return refuse(ctx, nr, 1, &cmp);
}

static int protect_pid(scmp_filter_ctx ctx, pid_t pid)
{
	pid_t pgid = getpgid(pid);
	int err = 0;

	err |= refuse_arg0(ctx, SCMP_SYS(kill), pid);
	if (pgid > 0)
		err |= refuse_arg0(ctx, SCMP_SYS(kill), -pgid);
	err |= refuse_arg0(ctx, SCMP_SYS(tgkill), pid);
	err |= refuse_arg0(ctx, SCMP_SYS(pidfd_open), pid);
	return err;
}

int self_protect(const pid_t *pids, int n)
{
	static const int always[] = { SCMP_SYS(tkill), SCMP_SYS(pidfd_send_signal), SCMP_SYS(ptrace),
				      SCMP_SYS(process_vm_readv), SCMP_SYS(process_vm_writev), SCMP_SYS(bpf) };
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int err = 0, i;

	if (!ctx) {
		fprintf(stderr, "vigil-launch: seccomp_init failed\n");
		return -1;
	}
	/* as root (CAP_SYS_ADMIN) the filter needs no no_new_privs, so setuid programs keep working */
	if (geteuid() == 0)
		seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	/* a native x86_64 filter also gets the i386 and x32 tables (ignored where not built) */
	seccomp_arch_add(ctx, SCMP_ARCH_X86);
	seccomp_arch_add(ctx, SCMP_ARCH_X32);
	err |= refuse_arg0(ctx, SCMP_SYS(kill), 0);
	err |= refuse_arg0(ctx, SCMP_SYS(kill), -1);
	for (i = 0; i < n; i++)
		err |= protect_pid(ctx, pids[i]);
	for (i = 0; i < (int)(sizeof(always) / sizeof(always[0])); i++)
		err |= refuse(ctx, always[i], 0, NULL);
	if (!err) {
		err = seccomp_load(ctx);
		if (err)
			fprintf(stderr, "vigil-launch: cannot install the seccomp filter: %s\n", strerror(-err));
	}
	seccomp_release(ctx);
	return err ? -1 : 0;
}
