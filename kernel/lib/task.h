/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Fills struct vigil_task for the current task; CO-RE reads so it runs on any BTF kernel. */
#ifndef VIGIL_LIB_TASK_H
#define VIGIL_LIB_TASK_H

static __always_inline __u32 task__ppid(struct task_struct *task)
{
	return BPF_CORE_READ(task, real_parent, tgid);
}

static __always_inline void task__fill(struct vigil_task *out)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u64 uid_gid = bpf_get_current_uid_gid();

	out->pid = (__u32)pid_tgid;
	out->tgid = pid_tgid >> 32;
	out->ppid = task__ppid(task);
	out->uid = (__u32)uid_gid;
	out->gid = uid_gid >> 32;
	out->pad = 0;
	out->cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(out->comm, sizeof(out->comm));
}

#endif
