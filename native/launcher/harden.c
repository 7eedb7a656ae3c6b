// SPDX-License-Identifier: Apache-2.0
/*
 * What `vigil run` takes away from the agent before its first instruction, because vigil's
 * fallback tier (tracepoints that can only kill after the call, path rules, cgroup hooks on
 * inet sockets) cannot see or undo what these would do:
 *
 * - capabilities: dropped from the bounding set (so no setuid program or file capability brings
 *   them back) and, for a root agent, from its own sets; which ones is vigil's list
 *   (src/targeting/hardening.ts), passed as numbers.
 * - a seccomp filter, refusing with EPERM (ENOSYS for clone3, which glibc then retries as
 *   clone, where the flags can be checked):
 *     io_uring_setup/enter/register      opens and reads no open tracepoint sees
 *     name_to_handle_at, open_by_handle_at   opens by handle, no path at all
 *     mount, umount2, pivot_root, chroot, open_tree, move_mount, fsopen, fsconfig, fsmount,
 *     fspick, mount_setattr              the same inode under another path
 *     unshare, clone with CLONE_NEW*, setns   the namespaces that enable those
 *     clone with CLONE_FILES without CLONE_THREAD   an fd table that outlives a killed opener
 *     pidfd_getfd                        taking another process's fd
 *     socket(AF_PACKET)                  frames no cgroup hook judges (unless raw sockets are
 *                                        allowed by the profile)
 *     init_module, finit_module, delete_module, kexec_load, kexec_file_load, userfaultfd
 *   and every 32-bit (i386, x32) system call ends the process (SIGSYS): the syscall
 *   tracepoints never see those tables.
 * The BPF side reports each of these refusals as an audit line (kernel/hooks/hardening.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/capability.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "harden.h"

#define CLONE_NEWTIME_ 0x00000080
static const unsigned long NAMESPACE_FLAGS[] = { CLONE_NEWNS,  CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
						 CLONE_NEWUSER, CLONE_NEWPID,   CLONE_NEWNET };

static int rule(scmp_filter_ctx ctx, uint32_t action, int nr, unsigned int argc, const struct scmp_arg_cmp *cmp)
{
	int err = seccomp_rule_add_array(ctx, action, nr, argc, cmp);

	if (err)
		fprintf(stderr, "vigil-launch: hardening rule for %s: %s\n",
			seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr), strerror(-err));
	return err;
}

static int refuse_when_set(scmp_filter_ctx ctx, int nr, unsigned long bit)
{
	struct scmp_arg_cmp cmp = SCMP_CMP(0, SCMP_CMP_MASKED_EQ, bit, bit);

	return rule(ctx, SCMP_ACT_ERRNO(EPERM), nr, 1, &cmp);
}

int harden_seccomp(bool allow_packet)
{
	static const int always[] = {
		SCMP_SYS(io_uring_setup), SCMP_SYS(io_uring_enter),   SCMP_SYS(io_uring_register),
		SCMP_SYS(name_to_handle_at), SCMP_SYS(open_by_handle_at), SCMP_SYS(mount),
		SCMP_SYS(umount2),         SCMP_SYS(pivot_root),       SCMP_SYS(chroot),
		SCMP_SYS(open_tree),       SCMP_SYS(move_mount),       SCMP_SYS(fsopen),
		SCMP_SYS(fsconfig),        SCMP_SYS(fsmount),          SCMP_SYS(fspick),
		SCMP_SYS(mount_setattr),   SCMP_SYS(setns),            SCMP_SYS(pidfd_getfd),
		SCMP_SYS(init_module),     SCMP_SYS(finit_module),     SCMP_SYS(delete_module),
		SCMP_SYS(kexec_load),      SCMP_SYS(kexec_file_load),  SCMP_SYS(userfaultfd),
	};
	/* (flags & (CLONE_FILES|CLONE_THREAD)) == CLONE_FILES: a second process on the same fd table */
	struct scmp_arg_cmp files = SCMP_CMP(0, SCMP_CMP_MASKED_EQ, CLONE_FILES | CLONE_THREAD, CLONE_FILES);
	struct scmp_arg_cmp packet = SCMP_CMP(0, SCMP_CMP_EQ, AF_PACKET);
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	size_t i;
	int err = 0;

	if (!ctx) {
		fprintf(stderr, "vigil-launch: seccomp_init failed\n");
		return -1;
	}
	/* installed as root: no no_new_privs needed, so setuid programs (sudo) keep working */
	if (geteuid() == 0)
		seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	/* only the native table: a call through int 0x80 or the x32 table kills the process */
	err |= seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	for (i = 0; i < sizeof(always) / sizeof(always[0]); i++)
		err |= rule(ctx, SCMP_ACT_ERRNO(EPERM), always[i], 0, NULL);
	err |= rule(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0, NULL);
	err |= rule(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1, &files);
	for (i = 0; i < sizeof(NAMESPACE_FLAGS) / sizeof(NAMESPACE_FLAGS[0]); i++) {
		err |= refuse_when_set(ctx, SCMP_SYS(clone), NAMESPACE_FLAGS[i]);
		err |= refuse_when_set(ctx, SCMP_SYS(unshare), NAMESPACE_FLAGS[i]);
	}
	err |= refuse_when_set(ctx, SCMP_SYS(unshare), CLONE_NEWTIME_);
	if (!allow_packet)
		err |= rule(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(socket), 1, &packet);
	if (!err) {
		err = seccomp_load(ctx);
		if (err)
			fprintf(stderr, "vigil-launch: cannot install the hardening filter: %s\n", strerror(-err));
	}
	seccomp_release(ctx);
	return err ? -1 : 0;
}

/* From the bounding set; needs CAP_SETPCAP, so before the launcher gives up root. */
int harden_bounding(const int *caps, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (prctl(PR_CAPBSET_DROP, caps[i], 0, 0, 0) && errno != EINVAL) {
			fprintf(stderr, "vigil-launch: cannot drop capability %d from the bounding set: %s\n", caps[i],
				strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* From the process's own sets (a root agent keeps the others); ambient ones are cleared. */
int harden_own_caps(const int *caps, int n)
{
	struct __user_cap_header_struct head = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	int i;

	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) && errno != EINVAL)
		return -1;
	if (syscall(SYS_capget, &head, data))
		return -1;
	for (i = 0; i < n; i++) {
		if (caps[i] < 0 || caps[i] >= 32 * _LINUX_CAPABILITY_U32S_3)
			continue;
		data[caps[i] / 32].effective &= ~(1u << (caps[i] % 32));
		data[caps[i] / 32].permitted &= ~(1u << (caps[i] % 32));
		data[caps[i] / 32].inheritable &= ~(1u << (caps[i] % 32));
	}
	if (syscall(SYS_capset, &head, data)) {
		fprintf(stderr, "vigil-launch: cannot drop capabilities: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}
