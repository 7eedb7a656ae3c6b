// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * vigil's BPF-LSM backend: the strongest rung of the ladder (docs/backends.md). LSM hooks run in
 * the caller's context after the kernel resolved what the call is about and before it happens,
 * and their return value is the call's: a file open, an exec, a connect, a UDP send or a raw or
 * packet socket that the session's profile denies fails with EPERM, inline, and nothing of it
 * happens. The verdict comes from the same compiled tables and matcher as the agent object's
 * fallback hooks; the path is the resolved struct path (bpf_d_path), so symlinks, `..`,
 * relative paths and /proc/self/root tricks name the real file, and a hard link to a denied file
 * is caught by its inode (verdicts.h).
 *
 * A separate object because kernels (and this CI host) may refuse LSM programs at load while
 * the agent object must keep loading. It declares the agent object's maps (same headers, same
 * names) and user space reuses the agent's map fds before load, so watched processes, sessions,
 * profiles, rings and counters are one set. Only watched processes are ever affected; each hook
 * reports what it decided itself, flagged VIGIL_F_LSM.
 */
#include "prelude.h"
#include "stats.h"
#include "task.h"
#include "agent_maps.h"
#include "lineage.h"
#include "../policy/policy_match.h"
#include "decide.h"
#include "hosts.h"
#include "emit.h"
#include "backends.h"
#include "verdicts.h"
#include "exec_name.h"
#include "path.h"
#include "guard_emit.h"
/* lsm/file_open holds a BTF pointer to the file, which 6.1 refuses as a global function's argument */
#define VOLUME_INLINE
#include "volume.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define EPERM 1
#define SIGKILL 9
#define FMODE_EXEC 0x20
#define LSM_PATH_MASK (VIGIL_PATH_MAX - 1)

#include "self_protect.h"

/* What a hook does about a decision: the value it returns and the flags its event gets. */
static __always_inline int lsm__enforce(const struct decision *d, __u32 *did)
{
	if (!decide__denies(d)) {
		*did = decide__freeze(d);
		return 0;
	}
	*did = VIGIL_F_DENIED;
	if (d->action == VIGIL_ACTION_KILL) {
		bpf_send_signal(SIGKILL);
		*did |= VIGIL_F_KILLED;
	}
	return -EPERM;
}

#include "changes_guards.h"

/*
 * Every open of a file by a watched process (open, openat, openat2, creat, io_uring, ...), once
 * the path is resolved and before the file is opened. The opens an exec makes of its binary and
 * interpreter are bprm_check_security's to decide.
 */
SEC("lsm/file_open")
int BPF_PROG(vigil_lsm_file_open, struct file *file, int ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct vigil_proc *p;
	struct vigil_file_event *ev;
	struct policy_scratch *ps;
	struct open_args *args;
	struct decision d = {};
	struct scratch *s;
	__u32 f_flags, did = 0, path_len = 0, flags = VIGIL_F_LSM;
	bool decided;
	long n;

	if (ret)
		return ret; /* an earlier LSM refused: keep its answer */
	p = lineage__current();
	if (!p)
		return 0;
	if (BPF_CORE_READ(file, f_mode) & FMODE_EXEC)
		return 0;
	s = scratch__get();
	ps = policy__scratch();
	if (!s || !ps)
		return 0;
	n = bpf_d_path((struct path *)&file->f_path, (char *)&ps->buf[POLICY_OFF_PATH], VIGIL_PATH_MAX);
	if (n > 1)
		path_len = (n - 1) & LSM_PATH_MASK;
	else
		flags |= n == -36 /* ENAMETOOLONG */ ? VIGIL_F_PATH_CUT : VIGIL_F_PATH_ERROR;
	f_flags = BPF_CORE_READ(file, f_flags);
	/* the flags as requested (f_flags lost O_CREAT, O_EXCL, O_TRUNC), when a syscall opened it */
	args = bpf_map_lookup_elem(&open_args, &id);
	if (args)
		f_flags = args->flags;
	decided = verdict__open(p->session, path_len, path_len == 0, file, &flags, &d);
	if (decided)
		ret = lsm__enforce(&d, &did);
	/* --file-events: an allowed open of a file already sent is counted instead */
	if (volume__quiet_open(p->session, file, f_flags, decided, &d, did))
		goto seen;

	ev = (struct vigil_file_event *)s->event;
	emit__head(&ev->head, VIGIL_MSG_FILE_OPEN, 0, p->session);
	ev->open_flags = f_flags;
	ev->mode = BPF_CORE_READ(file, f_inode, i_mode);
	ev->ret = ret; /* 0: the open goes on (the fd is not known yet), or -EPERM */
	ev->pad = 0;
	ev->path_len = path_len;
	barrier_var(path_len); /* older verifiers lose the mask on a copy */
	path_len &= LSM_PATH_MASK;
	if (bpf_probe_read_kernel(s->event + sizeof(*ev), path_len, &ps->buf[POLICY_OFF_PATH]))
		stats__bump(VIGIL_STAT_READ_FAIL);
	ev->head.hdr.flags = flags;
	if (d.session_flags & VIGIL_SESSION_ENFORCE)
		decide__record(&ev->head, &d, did);
	emit__scratch(s, sizeof(*ev) + path_len);
seen:
	/* the syscall's exit tracepoint need not report this open again */
	args = bpf_map_lookup_elem(&open_args, &id);
	if (args)
		args->lsm_seen = 1;
	return ret;
}

/*
 * An exec, once the binary (and, for a script, each interpreter in turn) is opened and before
 * the old program is replaced: a denied exec fails with EPERM and the caller goes on running.
 * An allowed one is reported by sched_process_exec (with argv) carrying this verdict.
 */
SEC("lsm/bprm_check_security")
int BPF_PROG(vigil_lsm_exec, struct linux_binprm *bprm, int ret)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct file *file = bprm->file;
	struct vigil_exec_event *ev;
	struct policy_scratch *ps;
	struct decision d = {};
	struct vigil_proc *p;
	struct scratch *s;
	__u32 path_len = 0, name_len = 0, req_name_len, did = 0, flags = VIGIL_F_LSM;
	long n;

	if (ret)
		return ret;
	p = lineage__current();
	if (!p)
		return 0;
	s = scratch__get();
	ps = policy__scratch();
	if (!s || !ps)
		return 0;
	req_name_len = exec__requested_name(BPF_CORE_READ(bprm, filename));
	n = bpf_d_path((struct path *)&file->f_path, (char *)&ps->buf[POLICY_OFF_PATH], VIGIL_PATH_MAX);
	if (n > 1)
		path_len = (n - 1) & LSM_PATH_MASK;
	else
		flags |= n == -36 /* ENAMETOOLONG */ ? VIGIL_F_PATH_CUT : VIGIL_F_PATH_ERROR;
	n = bpf_probe_read_kernel_str(&ps->buf[POLICY_OFF_NAME], VIGIL_POLICY_NAME_MAX + 1,
				      BPF_CORE_READ(file, f_path.dentry, d_name.name));
	if (n > 1)
		name_len = n - 1;
	if (!verdict__exec(p->session, path_len, name_len, req_name_len, path_len == 0, &d))
		return 0; /* observed only: sched_process_exec reports it */
	ret = lsm__enforce(&d, &did);
	if (ret == 0) {
		backend__exec_stash(tgid, file, &d);
		return 0;
	}

	ev = (struct vigil_exec_event *)s->event;
	emit__head(&ev->head, VIGIL_MSG_EXEC, 0, p->session);
	ev->old_pid = 0;
	ev->rule = 0;
	ev->path_len = path_len;
	ev->argv_len = 0; /* the new argv lives in the new mm, which never runs */
	ev->argc = BPF_CORE_READ(bprm, argc);
	ev->ret = 0; /* the verdict says what the hook did */
	ev->pad = 0;
	barrier_var(path_len); /* older verifiers lose the mask on a copy */
	path_len &= LSM_PATH_MASK;
	if (bpf_probe_read_kernel(s->event + sizeof(*ev), path_len, &ps->buf[POLICY_OFF_PATH]))
		stats__bump(VIGIL_STAT_READ_FAIL);
	ev->head.hdr.flags = flags;
	decide__record(&ev->head, &d, did);
	emit__scratch(s, sizeof(*ev) + path_len);
	return ret;
}

/* Fills the family, address and port of `ev` from a sockaddr; false if it is not IPv4/IPv6. */
static __always_inline bool lsm__sockaddr(struct vigil_net_event *ev, struct sockaddr *sa, int len)
{
	__u16 family = BPF_CORE_READ(sa, sa_family);

	__builtin_memset(ev->addr, 0, sizeof(ev->addr));
	if (family == AF_INET && len >= (int)sizeof(struct sockaddr_in)) {
		struct sockaddr_in *in = (struct sockaddr_in *)sa;

		bpf_probe_read_kernel(ev->addr, 4, &in->sin_addr);
		ev->port = bpf_ntohs(BPF_CORE_READ(in, sin_port));
	} else if (family == AF_INET6 && len >= (int)sizeof(struct sockaddr_in6)) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)sa;

		bpf_probe_read_kernel(ev->addr, 16, &in6->sin6_addr);
		ev->port = bpf_ntohs(BPF_CORE_READ(in6, sin6_port));
	} else {
		return false;
	}
	ev->family = family;
	return true;
}

/* connect and UDP send: decide the destination, report, and return what the hook returns. */
static __always_inline int lsm__net(struct vigil_proc *p, struct vigil_net_event *ev, __u16 type, __u8 proto)
{
	struct decision d = {};
	__u32 did = 0;
	int ret = 0;

	if (verdict__net(p->session, ev, proto, &d)) {
		ret = lsm__enforce(&d, &did);
		decide__record(&ev->head, &d, did);
	}
	if (type == VIGIL_MSG_UDP_SEND && ret == 0 && !verdict__udp_first(ev))
		return 0; /* allowed sends are reported once per destination */
	emit__fixed(ev, sizeof(*ev));
	return ret;
}

/* connect(2) on IPv4 and IPv6 sockets: TCP, connected UDP, anything else with an address. */
SEC("lsm/socket_connect")
int BPF_PROG(vigil_lsm_connect, struct socket *sock, struct sockaddr *address, int addrlen, int ret)
{
	struct vigil_net_event ev;
	struct vigil_proc *p;

	if (ret)
		return ret;
	p = lineage__current();
	if (!p)
		return 0;
	emit__head(&ev.head, VIGIL_MSG_NET_CONNECT, sizeof(ev), p->session);
	if (!lsm__sockaddr(&ev, address, addrlen))
		return 0; /* AF_UNSPEC (disconnect), AF_UNIX, ... */
	ev.head.hdr.flags = VIGIL_F_LSM;
	ev.sock_type = BPF_CORE_READ(sock, type);
	ev.protocol = BPF_CORE_READ(sock, sk, sk_protocol);
	return lsm__net(p, &ev, VIGIL_MSG_NET_CONNECT, verdict__net_proto(ev.protocol, ev.sock_type));
}

/* sendmsg/sendto with an explicit destination on a UDP socket (unconnected UDP). */
SEC("lsm/socket_sendmsg")
int BPF_PROG(vigil_lsm_sendmsg, struct socket *sock, struct msghdr *msg, int size, int ret)
{
	struct vigil_net_event ev;
	struct vigil_proc *p;
	struct sockaddr *name;

	if (ret)
		return ret;
	p = lineage__current();
	if (!p)
		return 0;
	if (BPF_CORE_READ(sock, sk, sk_protocol) != IPPROTO_UDP)
		return 0;
	name = BPF_CORE_READ(msg, msg_name);
	if (!name)
		return 0; /* a connected socket's destination was decided at connect */
	emit__head(&ev.head, VIGIL_MSG_UDP_SEND, sizeof(ev), p->session);
	if (!lsm__sockaddr(&ev, name, BPF_CORE_READ(msg, msg_namelen)))
		return 0;
	ev.head.hdr.flags = VIGIL_F_LSM;
	ev.sock_type = BPF_CORE_READ(sock, type);
	ev.protocol = IPPROTO_UDP;
	return lsm__net(p, &ev, VIGIL_MSG_UDP_SEND, IPPROTO_UDP);
}

/* socket(2): IPv4, IPv6 and packet sockets are reported; raw and packet ones are decided. */
SEC("lsm/socket_create")
int BPF_PROG(vigil_lsm_socket_create, int family, int type, int protocol, int kern, int ret)
{
	struct vigil_socket_event ev;
	struct decision d = {};
	struct vigil_proc *p;
	__u32 did = 0;

	if (ret || kern)
		return ret; /* sockets the kernel makes for itself are not the caller's */
	if (family != AF_INET && family != AF_INET6 && family != AF_PACKET)
		return 0;
	p = lineage__current();
	if (!p)
		return 0;
	emit__head(&ev.head, VIGIL_MSG_SOCKET_CREATE, sizeof(ev), p->session);
	ev.head.hdr.flags = VIGIL_F_LSM;
	ev.family = family;
	ev.sock_type = type;
	ev.protocol = protocol;
	ev.pad = 0;
	if (verdict__raw_class(family, type, protocol) && verdict__raw_socket(p->session, &d)) {
		ret = lsm__enforce(&d, &did);
		decide__record(&ev.head, &d, did);
	}
	emit__fixed(&ev, sizeof(ev));
	return ret;
}
