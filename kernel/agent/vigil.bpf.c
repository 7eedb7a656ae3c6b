// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * vigil's agent object: process lineage (fork, exec, exit), and the events and decisions of
 * watched processes (file opens, execs, connects, UDP sends, socket creation), decided by the
 * policy matcher from the session's profile tables. One compilation unit so the hooks share
 * maps; each hook lives in its own file under kernel/hooks/. Where the BPF-LSM object
 * (kernel/lsm/vigil_lsm.bpf.c, sharing these maps) is attached, its hooks decide instead and
 * these only observe what they cover (lsm_backends, kernel/lib/backends.h).
 */
#include "prelude.h"
#include "stats.h"
#include "task.h"
#include "agent_maps.h"
#include "lineage.h"
#include "path.h"
#include "../policy/policy_match.h"
#include "decide.h"
#include "hosts.h"
#include "emit.h"
#include "backends.h"
#include "verdicts.h"
#include "exec_name.h"
#include "guard_emit.h"
#include "volume.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Kernel-started sessions are numbered from here (VIGIL_SESSION_KERNEL_BIT is ORed in). */
__u32 next_kernel_session = 1;

#include "../hooks/process_fork.h"
#include "../hooks/process_exec.h"
#include "../hooks/exec_failed.h"
#include "../hooks/process_exit.h"
#include "../hooks/cgroup_net.h"
#include "../hooks/hardening.h"
#include "../hooks/packet_socket.h"
#include "../hooks/changes.h" /* before file_open.h: its path normaliser */
#include "../hooks/file_open.h"
#include "../hooks/guards.h"
