// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * vigil's agent object: process lineage (fork, exec, exit), and the events of watched
 * processes (file opens, connects, UDP sends, socket creation). One compilation unit so the
 * hooks share maps; each hook lives in its own file under kernel/hooks/.
 */
#include "prelude.h"
#include "stats.h"
#include "task.h"
#include "agent_maps.h"
#include "lineage.h"
#include "path.h"
#include "emit.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Kernel-started sessions are numbered from here (VIGIL_SESSION_KERNEL_BIT is ORed in). */
__u32 next_kernel_session = 1;

#include "../hooks/process_fork.h"
#include "../hooks/process_exec.h"
#include "../hooks/process_exit.h"
#include "../hooks/file_open.h"
#include "../hooks/cgroup_net.h"
