// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Doctor probe: can BPF-LSM programs load on the hooks vigil's ladder uses? `bpf` in the active
 * LSM list is not enough: the kernel (or a policy around it) may still refuse LSM programs
 * at load. One program per hook; user space loads each on its own (selectPrograms) so one
 * refused hook does not hide another. Every program returns 0: it allows everything, so the
 * brief moment it is attached changes nothing.
 */
#include "prelude.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* file open: the inline path check with the resolved path */
SEC("lsm/file_open")
int BPF_PROG(probe_file_open, struct file *file)
{
	return 0;
}

/* exec: refuse the new image before it runs */
SEC("lsm/bprm_check_security")
int BPF_PROG(probe_bprm_check_security, struct linux_binprm *bprm)
{
	return 0;
}

/* connect: every address family, not only the ones cgroup-BPF sees */
SEC("lsm/socket_connect")
int BPF_PROG(probe_socket_connect, struct socket *sock, struct sockaddr *address, int addrlen)
{
	return 0;
}

/* raw and packet sockets */
SEC("lsm/socket_create")
int BPF_PROG(probe_socket_create, int family, int type, int protocol, int kern)
{
	return 0;
}

/* UDP send with an explicit destination */
SEC("lsm/socket_sendmsg")
int BPF_PROG(probe_socket_sendmsg, struct socket *sock, struct msghdr *msg, int size)
{
	return 0;
}

/* self-protection: signals to the vigil daemon */
SEC("lsm/task_kill")
int BPF_PROG(probe_task_kill, struct task_struct *p, struct kernel_siginfo *info, int sig,
	     const struct cred *cred)
{
	return 0;
}

/* self-protection: ptrace of the vigil daemon */
SEC("lsm/ptrace_access_check")
int BPF_PROG(probe_ptrace_access_check, struct task_struct *child, unsigned int mode)
{
	return 0;
}

/* self-protection: bpf() from the agent (unloading or tampering with vigil's programs) */
SEC("lsm/bpf")
int BPF_PROG(probe_bpf, int cmd, union bpf_attr *attr, unsigned int size)
{
	return 0;
}

/* unlink and rmdir rules */
SEC("lsm/path_unlink")
int BPF_PROG(probe_path_unlink, const struct path *dir, struct dentry *dentry)
{
	return 0;
}

SEC("lsm/path_rmdir")
int BPF_PROG(probe_path_rmdir, const struct path *dir, struct dentry *dentry)
{
	return 0;
}

/* rename rules: source and target */
SEC("lsm/path_rename")
int BPF_PROG(probe_path_rename, const struct path *old_dir, struct dentry *old_dentry, const struct path *new_dir,
	     struct dentry *new_dentry, unsigned int flags)
{
	return 0;
}

/* exec_memory: writable+executable mappings */
SEC("lsm/mmap_file")
int BPF_PROG(probe_mmap_file, struct file *file, unsigned long reqprot, unsigned long prot, unsigned long flags)
{
	return 0;
}

/* exec_memory: mprotect adding PROT_EXEC */
SEC("lsm/file_mprotect")
int BPF_PROG(probe_file_mprotect, struct vm_area_struct *vma, unsigned long reqprot, unsigned long prot)
{
	return 0;
}
