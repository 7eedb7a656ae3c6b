/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * vigil's wire protocol: every struct that crosses the kernel/user boundary (ring-buffer
 * records, map keys and values, program contexts). The TypeScript decoder's layouts are
 * checked against this file's compiled BTF by test/unit/wire/wire-layout.test.ts, so a
 * change here without the matching change there fails the build's tests.
 *
 * Rules: fixed-width types only, explicit padding, no `packed`, every record starts with
 * struct vigil_msg_header. Event type numbers are fixed and never reused.
 */
#ifndef VIGIL_WIRE_H
#define VIGIL_WIRE_H

/*
 * Sizes and limits user space relies on. Enums, not #defines: an enum is in the object's BTF, so
 * the wire-layout test checks the TypeScript copies (src/wire/wire-layout.ts) against it.
 */
enum vigil_wire_limit {
	VIGIL_WIRE_VERSION = 1,
	VIGIL_COMM_LEN = 16,
	VIGIL_TEST_PATH_LEN = 256,
	/* Resolved paths longer than this are cut (the tail is kept) and flagged VIGIL_F_PATH_CUT. */
	VIGIL_PATH_MAX = 4096,
	/* Bytes of an exec's argv (NUL-separated) carried in its event; more is flagged VIGIL_F_ARGV_CUT. */
	VIGIL_ARGV_MAX = 1024,
	/* Longest program basename a watch rule can name. */
	VIGIL_NAME_MAX = 64,
	/* /proc/<pid>/stat counts start times in USER_HZ ticks. */
	VIGIL_NSEC_PER_TICK = 10000000,
	/* Ports an address learned for an allowed host keeps (struct vigil_host_addr). */
	VIGIL_HOST_PORTS = 6,
};

/* Session ids: those the kernel starts itself (a watch rule matched an exec) have this bit set.
 * Its own enum, as the value does not fit an int (the enum is unsigned). */
enum vigil_session_id {
	VIGIL_SESSION_KERNEL_BIT = 0x80000000u,
};

/* Ring-buffer record types. Numbers are part of the protocol: append, never renumber. */
enum vigil_msg_type {
	VIGIL_MSG_TEST_OPEN = 1,   /* bridge test object: a watched task called openat */
	VIGIL_MSG_TEST_ECHO = 2,   /* bridge test object: BPF_PROG_RUN echo record */
	VIGIL_MSG_PROBE = 3,       /* doctor: ring-buffer probe record */
	VIGIL_MSG_SESSION_START = 10, /* a watch rule matched an exec: the kernel began a session */
	VIGIL_MSG_EXEC = 11,
	VIGIL_MSG_FORK = 12,
	VIGIL_MSG_EXIT = 13,
	VIGIL_MSG_FILE_OPEN = 20,
	VIGIL_MSG_UNLINK = 21,      /* an unlink or rmdir (struct vigil_change_event) */
	VIGIL_MSG_RENAME = 22,      /* a rename, its source and target (struct vigil_change_event) */
	VIGIL_MSG_NET_CONNECT = 30,
	VIGIL_MSG_UDP_SEND = 31,
	VIGIL_MSG_SOCKET_CREATE = 32,
	VIGIL_MSG_PTRACE = 33,      /* a ptrace of another process (struct vigil_guard_event) */
	VIGIL_MSG_SIGNAL = 34,      /* a signal to another process (struct vigil_guard_event) */
	VIGIL_MSG_EXEC_MEMORY = 35, /* memory made executable at run time (struct vigil_guard_event) */
	VIGIL_MSG_SYSCALL_REFUSED = 40, /* `vigil run`'s seccomp filter refused a system call */
};

/* Bits of vigil_msg_header.flags. */
enum vigil_msg_flag {
	VIGIL_F_PATH_CUT = 1 << 0,   /* the path was longer than VIGIL_PATH_MAX: its head is missing */
	VIGIL_F_PATH_ERROR = 1 << 1, /* the path could not be resolved (detached, unreachable) */
	VIGIL_F_ARGV_CUT = 1 << 2,   /* argv was longer than VIGIL_ARGV_MAX */
	VIGIL_F_ARGV_ERROR = 1 << 3, /* argv could not be read */
	VIGIL_F_DECIDED = 1 << 4,    /* the profile decided: action, rule_kind and rule are set */
	VIGIL_F_DENIED = 1 << 5,     /* the hook refused the call inline (the caller got EPERM) */
	VIGIL_F_KILLED = 1 << 6,     /* the hook sent SIGKILL to the caller */
	VIGIL_F_LSM = 1 << 7,        /* decided by a BPF-LSM hook */
	VIGIL_F_INODE = 1 << 8,      /* the verdict came from the denied-inode table, not from the path */
	VIGIL_F_FAIL_CLOSED = 1 << 9, /* no daemon had beaten within the deadline: the session's
				       * fail-closed action was in force for this call */
	VIGIL_F_STOPPED = 1 << 10,   /* fail-closed `freeze`: the hook stopped the caller (SIGSTOP) */
	VIGIL_F_TRUNCATED = 1 << 11, /* a reactive kill came after an O_TRUNC open of a regular file for
				      * writing: the file was already truncated inside the open */
	VIGIL_F_REACTIVE_AUDIT = 1 << 12, /* the rule's on_reactive: audit: where this hook could only
					   * kill, the call went ahead and was audited */
};

/*
 * Slots of the per-CPU `vigil_stats` array every object keeps (user space sums the CPUs). Each
 * counts a failure or refusal that has no event of its own; every slot is reported by `vigil
 * status` (src/wire/kernel-counters.ts names them). Slots are fixed: append, never renumber.
 */
enum vigil_stat {
	VIGIL_STAT_RINGBUF_FULL = 0, /* bpf_ringbuf_reserve failed: a record was lost */
	VIGIL_STAT_READ_FAIL = 1,    /* a bpf_probe_read_* failed: a field is incomplete */
	VIGIL_STAT_WATCH_FULL = 2,   /* the watched-process table was full: a process went unwatched */
	VIGIL_STAT_STALE_ENTRY = 3,  /* a watched entry's start time did not match: PID reuse caught */
	VIGIL_STAT_POLICY_NO_TABLE = 4, /* a query named a profile with no valid table: failed closed */
	VIGIL_STAT_POLICY_LOOKUP = 5,   /* a matcher lookup that cannot fail did (scratch, automaton row) */
	VIGIL_STAT_ALERT_LOST = 6,   /* the alerts ring was full: a decision was enforced, not reported */
	VIGIL_STAT_SELF_PROTECT = 7, /* BPF-LSM refused a watched process's signal, ptrace or bpf() */
	VIGIL_STAT_FAIL_CLOSED = 8,  /* calls decided while no daemon beat: the fail-closed action applied */
	VIGIL_STAT_MAX = 9,
};

/* Common header of every ring-buffer record. */
struct vigil_msg_header {
	__u16 type;  /* enum vigil_msg_type */
	__u16 flags;
	__u32 size;  /* bytes in the whole record, header included */
	__u64 ktime; /* bpf_ktime_get_boot_ns(): CLOCK_BOOTTIME */
};

/* Who did it: identity of the task at the time of the event. */
struct vigil_task {
	__u32 pid;  /* thread id */
	__u32 tgid; /* process id */
	__u32 ppid; /* real parent's tgid */
	__u32 uid;
	__u32 gid;
	__u32 pad;
	__u64 cgroup_id;
	char comm[VIGIL_COMM_LEN];
};

/* --- lineage: which processes are watched, and by which session --- */

/* Value of the `watched` map, keyed by tgid. */
struct vigil_proc {
	__u32 session;
	__u32 flags;       /* enum vigil_proc_flag */
	__u64 start_ticks; /* the process's start time in USER_HZ ticks since boot: a reused PID differs */
};

enum vigil_proc_flag {
	VIGIL_PROC_ROOT = 1 << 0, /* the session's root process */
};

/* Value of the `watch_rules` map, keyed by struct vigil_name (a program basename). */
struct vigil_watch_rule {
	__u32 rule;    /* user space's id for the rule; reported in VIGIL_MSG_SESSION_START */
	__u32 profile; /* the profile handle the sessions it starts get */
	__u32 flags;   /* enum vigil_session_flag for those sessions */
	__u32 pad;
};

/* Value of the `sessions` map, keyed by session id: how the session is enforced. */
struct vigil_session {
	__u32 profile; /* profile handle (policy_active key) */
	__u32 flags;   /* enum vigil_session_flag */
};

enum vigil_session_flag {
	VIGIL_SESSION_ENFORCE = 1 << 0,    /* decide with the profile (else: observe only) */
	VIGIL_SESSION_AUDIT_ONLY = 1 << 1, /* --audit-only: every block or kill becomes AUDIT */
	VIGIL_SESSION_RAW_OK = 1 << 2,     /* the profile allows raw sockets */
	/* What the hooks do while no daemon beats (struct vigil_heartbeat); neither: continue. */
	VIGIL_SESSION_FC_DENY = 1 << 3,    /* refuse network, allow only explicitly allowed opens/execs */
	VIGIL_SESSION_FC_FREEZE = 1 << 4,  /* stop each process at its next watched call, refuse network */
	VIGIL_SESSION_HARDENED = 1 << 5,   /* `vigil run`'s hardening filter is on it: report its refusals */
	/* --file-events (kernel/lib/volume.h); neither: every open is sent */
	VIGIL_SESSION_OPENS_FIRST = 1 << 6, /* an allowed open once per (file, access); failed lookups counted */
	VIGIL_SESSION_OPENS_NONE = 1 << 7,  /* allowed opens counted only */
	/* the profile allows hosts by name: an address learned for one of them is allowed (hosts.h) */
	VIGIL_SESSION_HOSTS = 1 << 8,
	/* verify_sni: TCP to a learned address on 80/443 goes through the session's SNI proxy, QUIC is refused */
	VIGIL_SESSION_VERIFY_SNI = 1 << 9,
};

/*
 * Key of the `host_addrs` map: an address a DNS answer gave for a name the session's profile
 * allows (learned by vigil's DNS proxy, which writes it before the answer reaches the agent).
 */
struct vigil_host_addr_key {
	__u32 session;
	__u8 family; /* 4 or 6 */
	__u8 pad[3];
	__u8 addr[16]; /* network order; IPv4 in the first 4 bytes */
};

/*
 * Value of `dns_redirect` (keyed like host_addrs by session and resolver address, as the agent's
 * socket writes it: an IPv4 resolver also as ::ffff:a.b.c.d): the loopback port of the
 * session's DNS proxy for that resolver.
 */
struct vigil_dns_proxy {
	__u16 port;
	__u8 ipv6; /* the proxy also listens on ::1 (else an IPv6 socket is sent to ::ffff:127.0.0.1) */
	__u8 pad;
};

/* Value of `dns_origin`, keyed by a proxy port: whose it is and the resolver it stands for. */
struct vigil_dns_origin {
	__u32 session;
	__u8 family; /* of the resolver: 4 or 6 */
	__u8 pad[3];
	__u8 addr[16];
};

/*
 * A connect sent to the session's SNI proxy (verify_sni): the destination the agent asked for.
 * Value of `sni_pending` (keyed by the socket's cookie, from connect until it is established) and
 * of `sni_conns` (keyed by struct vigil_sni_client: the proxy finds it by its peer's address).
 */
struct vigil_sni_origin {
	__u32 session;
	__u8 family; /* 4 or 6 */
	__u8 pad;
	__u16 port;  /* host order */
	__u8 addr[16];
};

/* Key of `sni_conns`: the agent's end of a connection to the SNI proxy, as the proxy sees its peer. */
struct vigil_sni_client {
	__u32 port;  /* host order */
	__u8 family; /* 4 or 6; an IPv4-mapped address is 4 */
	__u8 pad[3];
	__u8 addr[16];
};

/* Value of `host_addrs`: until when, for which rule, and on which ports the address is allowed. */
struct vigil_host_addr {
	__u64 expires_ns; /* bpf_ktime_get_boot_ns() clock: the answer's TTL, at least the minimum */
	__u32 rule;       /* index of the allowed_hosts rule whose name the address answered */
	__u16 ports[VIGIL_HOST_PORTS]; /* allowed ports; ports[0] == 0: any port */
};

/*
 * Value of the `open_volume` map, keyed by session: the allowed opens its --file-events mode
 * kept out of the ring, counted instead. The daemon reports the increase in a file_activity
 * line; every refused, killed or audited open is sent whatever the mode.
 */
struct vigil_open_volume {
	__u64 repeated;       /* opens of a (file, access) already sent for the session */
	__u64 failed_lookups; /* opens that failed with ENOENT */
	__u64 unrecorded;     /* other allowed opens not sent (mode none) */
};

/*
 * Value of the one-entry `heartbeat` array: the daemon's liveness, as the hooks see it. The daemon's
 * ring consumer writes beat_ns (CLOCK_BOOTTIME) after every pass; when it is older than
 * deadline_ns, no daemon is consuming the session's events and each enforced session's fail-closed
 * action applies (decide.h). beat_ns 0: never beaten (no fail-closed). daemon_tgid is the process
 * the BPF-LSM self-protection hooks shield (0: none).
 */
struct vigil_heartbeat {
	__u64 beat_ns;
	__u64 deadline_ns;
	__u32 daemon_tgid;
	__u32 pad;
};

/* Bits of the lsm_backends map: the protections a BPF-LSM hook decides (docs/backends.md). Set by
 * user space once the LSM object's hook is attached; the tracepoint and cgroup fallbacks for a
 * protection whose bit is set only observe, so no call is decided twice. */
enum vigil_lsm_backend {
	VIGIL_LSM_FILE_OPEN = 1 << 0, /* lsm/file_open */
	VIGIL_LSM_EXEC = 1 << 1,      /* lsm/bprm_check_security */
	VIGIL_LSM_CONNECT = 1 << 2,   /* lsm/socket_connect */
	VIGIL_LSM_SENDMSG = 1 << 3,   /* lsm/socket_sendmsg */
	VIGIL_LSM_SOCKET = 1 << 4,    /* lsm/socket_create */
	VIGIL_LSM_UNLINK = 1 << 5,    /* lsm/path_unlink and lsm/path_rmdir */
	VIGIL_LSM_RENAME = 1 << 6,    /* lsm/path_rename */
	VIGIL_LSM_PTRACE = 1 << 7,    /* lsm/ptrace_access_check deciding the profile's ptrace guard */
	VIGIL_LSM_SIGNAL = 1 << 8,    /* lsm/task_kill deciding the profile's signals guard */
	VIGIL_LSM_EXEC_MEMORY = 1 << 9, /* lsm/mmap_file and lsm/file_mprotect */
};

struct vigil_name {
	char name[VIGIL_NAME_MAX];
};

/* --- events: header, who, which session; then the event's own part --- */

struct vigil_event_head {
	struct vigil_msg_header hdr;
	struct vigil_task task;
	__u32 session;
	__u8 action;    /* with VIGIL_F_DECIDED: enum vigil_policy_action */
	__u8 rule_kind; /* enum vigil_policy_rule_kind */
	__u16 rule;     /* index in the denied or allowed list of that kind */
};

/* Followed by path_len bytes of the executed file's resolved path (no NUL), then argv_len bytes
 * of argv (each argument NUL-terminated). A failed exec (ret < 0, hooks/exec_failed.h) carries
 * the path as requested, not resolved: no file was executed. */
struct vigil_exec_event {
	struct vigil_event_head head;
	__u32 old_pid;   /* the thread that called execve, if not the leader */
	__u32 rule;      /* for VIGIL_MSG_SESSION_START: the watch rule that matched */
	__u16 path_len;
	__u16 argv_len;
	__u32 argc;
	__s32 ret;       /* 0: the program runs (or a hook refused it: see the verdict); -errno: the
			  * execve itself failed with that error (only -EACCES is reported) */
	__u32 pad;
};

struct vigil_fork_event {
	struct vigil_event_head head; /* the parent */
	__u32 child_tgid;
	__u32 pad;
	__u64 child_start_ticks;
};

struct vigil_exit_event {
	struct vigil_event_head head;
	__s32 exit_code; /* as wait(2) reports it: status << 8 | signal */
	__u32 pad;
};

/* Followed by path_len bytes of the opened file's resolved path (no NUL). */
struct vigil_file_event {
	struct vigil_event_head head;
	__u32 open_flags; /* O_* as requested (O_CREAT, O_TRUNC included) */
	__u32 mode;       /* i_mode of the file */
	__s32 ret;        /* the fd, or -errno */
	__u16 path_len;
	__u16 pad;
};

/* An unlink, rmdir or rename: the path (the source of a rename), then the rename's target. */
struct vigil_change_event {
	struct vigil_event_head head;
	__u16 op;       /* enum vigil_change_op */
	__u16 path_len;
	__u16 to_len;   /* a rename's target; 0 otherwise */
	__u16 pad;
	__s32 ret;      /* 0: the call goes on (LSM) or was made (tracepoint); -EPERM refused */
	__u32 pad2;
};

enum vigil_change_op {
	VIGIL_CHANGE_UNLINK = 1,
	VIGIL_CHANGE_RMDIR = 2,
	VIGIL_CHANGE_RENAME = 3,
};

/* A process-wide guard's event: a ptrace or a signal of another process, or executable memory. */
struct vigil_guard_event {
	struct vigil_event_head head;
	__u32 target;         /* ptrace, signal: the target's tgid (0: a group, or executable memory) */
	__u32 target_session; /* the target's session, 0 when it is not watched */
	__u32 arg;            /* ptrace: the request or PTRACE_MODE_*; signal: its number; memory: prot */
	__u32 arg2;           /* memory: mmap flags, or the mapping's VM_* flags for mprotect */
	__u16 call;           /* enum vigil_guard_call */
	__u16 pad;
	char target_comm[VIGIL_COMM_LEN];
};

enum vigil_guard_call {
	VIGIL_GUARD_CALL_PTRACE = 1,   /* ptrace(2) or an access check of its kind (process_vm_*, /proc/PID/mem) */
	VIGIL_GUARD_CALL_KILL = 2,     /* kill, tkill, tgkill, rt_sigqueueinfo, pidfd_send_signal */
	VIGIL_GUARD_CALL_MMAP = 3,
	VIGIL_GUARD_CALL_MPROTECT = 4,
};

struct vigil_net_event {
	struct vigil_event_head head;
	__u8 addr[16];  /* IPv4 in the first 4 bytes, or IPv6 */
	__u16 family;   /* AF_INET or AF_INET6 */
	__u16 port;     /* host byte order */
	__u16 sock_type;
	__u16 protocol;
};

struct vigil_socket_event {
	struct vigil_event_head head;
	__u16 family;
	__u16 sock_type;
	__u16 protocol;
	__u16 pad;
};

/* A system call the hardening filter refused (native/launcher/harden.c, self-protect.c). */
struct vigil_syscall_event {
	struct vigil_event_head head;
	__u32 nr;   /* x86_64 system call number */
	__s32 ret;  /* what the caller got: -EPERM */
	__u64 arg0; /* its first argument (clone flags, socket family, target pid, ...) */
};

/* --- bridge test object (kernel/test/bridge_test.bpf.c) --- */

struct vigil_test_open {
	struct vigil_msg_header hdr;
	struct vigil_task task;
	__u64 cookie; /* the test_cookie rodata value set before load */
	__s32 dfd;
	__u32 flags;
	char path[VIGIL_TEST_PATH_LEN];
};

/* Context of the BPF_PROG_RUN echo program (a `syscall` program). */
struct vigil_test_echo_ctx {
	__u64 value;
	__u32 count; /* records to emit */
	__u32 pad;
};

struct vigil_test_echo {
	struct vigil_msg_header hdr;
	__u64 value;
	__u32 seq;
	__u32 pad;
};

/* Key of the test hash map used for map round-trips. */
struct vigil_test_key {
	__u32 a;
	__u16 b;
	__u16 pad;
};

/* --- doctor probes (kernel/probes/) --- */

struct vigil_probe_msg {
	struct vigil_msg_header hdr;
	__u64 magic;
};

/* --- policy: the in-kernel matcher's tables and queries (kernel/policy/, docs/kernel-matcher.md) --- */

/* The matcher's limits (an enum, so the BTF check covers the TypeScript compiler's copies). */
enum vigil_policy_limit {
	/* Table ids are slots 0..VIGIL_POLICY_TABLES-1: live profiles plus the one a reload writes. */
	VIGIL_POLICY_TABLES = 8,
	/* Automaton rows per table id (path and basename automata together; row 0 is the dead state). */
	VIGIL_POLICY_DFA_STATES = 4096,
	/* Byte classes per automaton (a row holds one next state per class). */
	VIGIL_POLICY_CLASSES = 64,
	/* Path bytes in an LPM key: the trie's 256 data bytes minus the table id. */
	VIGIL_POLICY_LPM_BYTES = 252,
	/* Longest normalised path the matcher reads; longer ones take the over-bound rule. bpf_d_path()
	 * fills a PATH_MAX buffer including the NUL, so 4095 bytes is every path the kernel can name. */
	VIGIL_POLICY_PATH_BOUND = 4095,
	/* Longest basename (NAME_MAX); also bounds what a `*` can match. */
	VIGIL_POLICY_NAME_MAX = 255,
	/* Port segments (with their folded verdicts) per network LPM entry. */
	VIGIL_POLICY_PORT_SEGS = 32,
	/* Denied files (dev, ino) per table id: what policy_inodes holds for one profile at most. */
	VIGIL_POLICY_INODES = 32768,
	/* A slot's rule index when no rule of that side matched. */
	VIGIL_POLICY_RULE_NONE = 0xffff,
	/* Bytes of queries one BPF_PROG_RUN of the batch program takes, and most queries per run. */
	VIGIL_POLICY_BATCH_BYTES = 256 * 1024,
	VIGIL_POLICY_BATCH_MAX = 4096,
};

enum vigil_policy_kind {
	VIGIL_POLICY_OPEN = 1,
	VIGIL_POLICY_EXEC = 2,
	VIGIL_POLICY_CONNECT = 3,
	VIGIL_POLICY_UNLINK = 4, /* path: the unlinked path */
	VIGIL_POLICY_RENAME = 5, /* path: the source; req_path: the target */
};

/* Verdicts, in increasing strength: also a slot's deny_action (0 = no denied rule matched). */
enum vigil_policy_action {
	VIGIL_ACTION_ALLOW = 0,
	VIGIL_ACTION_AUDIT = 1,
	VIGIL_ACTION_BLOCK = 2,
	VIGIL_ACTION_KILL = 3,
};

/* What decided: a denied or allowed rule (query.rule is its index), the default, the over-bound
 * rule, or an error (no table for the profile: fails closed with BLOCK). */
enum vigil_policy_rule_kind {
	VIGIL_RULE_DEFAULT = 0,
	VIGIL_RULE_DENIED = 1,
	VIGIL_RULE_ALLOWED = 2,
	VIGIL_RULE_PATH_BOUND = 3,
	VIGIL_RULE_ERROR = 4,
	VIGIL_RULE_FAIL_CLOSED = 5, /* no daemon beat within the deadline: the session's `deny` action */
	VIGIL_RULE_HARDENING = 6,   /* `vigil run`'s hardening filter (seccomp), not the profile */
	VIGIL_RULE_GUARD = 7,       /* a process-wide guard; rule is enum vigil_policy_guard */
	VIGIL_RULE_HOST = 8,        /* an address learned for an allowed_hosts name; rule is its index */
	VIGIL_RULE_DNS = 9,         /* DNS to a resolver the session may use: sent to vigil's DNS proxy */
};

/* Bits of vigil_policy_table.flags. */
enum vigil_policy_flag {
	VIGIL_POLICY_F_VALID = 1 << 0,
	VIGIL_POLICY_F_AUDIT = 1 << 1,      /* mode: audit */
	VIGIL_POLICY_F_PATHS_DENY = 1 << 2, /* default for paths is deny */
	VIGIL_POLICY_F_NETS_DENY = 1 << 3,
	VIGIL_POLICY_F_CMDS_DENY = 1 << 4,
	VIGIL_POLICY_F_PREFIX = 1 << 5,     /* the prefix/exact trie has entries */
	VIGIL_POLICY_F_SUFFIX = 1 << 6,     /* the suffix trie has entries */
	VIGIL_POLICY_F_PATH_DFA = 1 << 7,   /* the path automaton has states */
	VIGIL_POLICY_F_NAME_DFA = 1 << 8,   /* the basename automaton has states */
	VIGIL_POLICY_F_NETS = 1 << 9,       /* the network trie has entries */
	VIGIL_POLICY_F_CONTAIN = 1 << 10,   /* the component-run trie has entries */
};

/* The combined verdict of every rule of one side that matched, for one kind of access. */
struct vigil_policy_slot {
	__u8 deny_action; /* enum vigil_policy_action of the strongest denied rule; 0: none */
	__u8 pad;
	__u16 deny_rule;  /* its lowest index among rules with that action */
	__u16 allow_rule; /* lowest matching allowed rule, or VIGIL_POLICY_RULE_NONE */
	__u16 pad2;
};

/* One slot per access an input can ask for: opens for read, write, read-write; execs; unlinks
 * (and rmdir) and renames (source or target) of a path. */
enum vigil_policy_slot_id {
	VIGIL_POLICY_SLOT_READ = 0,
	VIGIL_POLICY_SLOT_WRITE = 1,
	VIGIL_POLICY_SLOT_RDWR = 2,
	VIGIL_POLICY_SLOT_EXEC = 3,
	VIGIL_POLICY_SLOT_UNLINK = 4,
	VIGIL_POLICY_SLOT_RENAME = 5,
	VIGIL_POLICY_SLOT_NET = 6, /* only in vigil_policy_table.dflt */
	VIGIL_POLICY_SLOTS = 6,
};

/* Indexes of vigil_policy_table.guard: the action (enum vigil_policy_action) of each process-wide
 * guard, and which of them reach every target rather than only those outside the session. */
enum vigil_policy_guard {
	VIGIL_GUARD_PTRACE = 0,
	VIGIL_GUARD_SIGNALS = 1,
	VIGIL_GUARD_EXEC_MEMORY = 2,
	VIGIL_GUARD_TARGETS = 3, /* bits: 1 << VIGIL_GUARD_PTRACE, 1 << VIGIL_GUARD_SIGNALS: any target */
};

struct vigil_policy_agg {
	struct vigil_policy_slot read;
	struct vigil_policy_slot write;
	struct vigil_policy_slot rdwr;
	struct vigil_policy_slot exec;
	struct vigil_policy_slot unlink;
	struct vigil_policy_slot rename;
};

/* Key of the prefix/exact and suffix tries: table id then path bytes (reversed for suffixes). */
struct vigil_policy_path_key {
	__u32 prefixlen; /* bits: 32 for the table id + 8 per path byte */
	__u32 table;
	__u8 path[VIGIL_POLICY_LPM_BYTES];
};

/* Value of the prefix/exact trie. An entry for `P/` (or `/` for the root prefix) holds the rules
 * of `P/...` (pattern P slash globstar) and of every shorter entry folded in (partial), plus the exact rules for `P` (full:
 * used when the lookup key `path/` is exactly this entry). */
struct vigil_policy_prefix {
	__u16 len; /* bytes of the entry's key */
	__u16 pad;
	__u32 pad2;
	struct vigil_policy_agg partial;
	struct vigil_policy_agg full;
};

/*
 * Key of the denied-inode table: a regular file that a denied path rule names, by what the kernel
 * knows of the opened file whatever path reached it (a hard link, a bind mount). dev is the
 * kernel's encoding (i_sb->s_dev: MAJOR << 20 | MINOR), not stat(2)'s st_dev.
 */
struct vigil_policy_inode_key {
	__u32 table;
	__u32 dev;
	__u64 ino;
};

/*
 * Key of policy_reactive: a denied path rule (by its index in denied_paths) whose profile says
 * `on_reactive: audit`. Present: where the kernel can only kill (the open tracepoints), the open
 * goes ahead and is audited instead; inline layers still refuse it. Value: unused (1).
 */
struct vigil_policy_reactive_key {
	__u32 table;
	__u32 rule;
};

/* Value of the denied-inode table, per open access (read, write, read-write): the strongest
 * denied action (0: none for that access) and its rule, mode (audit) already applied. */
struct vigil_policy_inode {
	__u8 action[3]; /* enum vigil_policy_action */
	__u8 pad;
	__u16 rule[3];  /* index in denied_paths */
	__u16 pad2;
};

/* Key of the network trie: table id, family (4 or 6), address (IPv4 in the first 4 bytes). */
struct vigil_policy_net_key {
	__u32 prefixlen; /* 40 + the CIDR's prefix length */
	__u32 table;
	__u8 family;
	__u8 addr[16];
	__u8 pad[3];
};

/* Ports lo..hi of a network entry, with the folded verdicts for TCP and UDP. */
struct vigil_policy_port_seg {
	__u16 lo;
	__u16 hi;
	__u32 pad;
	struct vigil_policy_slot tcp;
	struct vigil_policy_slot udp;
};

/* Value of the network trie: the entry's port segments, sorted, not overlapping. */
struct vigil_policy_net {
	__u32 count;
	__u32 pad;
	struct vigil_policy_port_seg segs[VIGIL_POLICY_PORT_SEGS];
};

/* One automaton state: the next state (relative to the table's first row) per byte class. */
struct vigil_policy_row {
	__u16 next[VIGIL_POLICY_CLASSES];
};

/* Per table id: defaults, mode, automaton entry points and byte classes, over-bound verdicts. */
struct vigil_policy_table {
	__u32 flags;       /* enum vigil_policy_flag */
	__u16 path_start;  /* first state of the path automaton */
	__u16 name_start;  /* first state of the basename automaton */
	__u8 bound[8];     /* over-bound action per slot (enum vigil_policy_slot_id): enum vigil_policy_action */
	__u8 dflt[8];      /* the default's action per slot, and [VIGIL_POLICY_SLOT_NET] for networks */
	__u8 guard[4];     /* enum vigil_policy_guard: ptrace, signals, exec memory actions; target bits */
	__u32 pad;
	__u8 path_classes[256];
	__u8 name_classes[256];
};

/* One input for the matcher and, after it ran, its verdict. In BPF_PROG_RUN contexts and batches
 * the bytes follow: the path (unless over the bound), the basename, the requested path, the
 * requested basename, without NULs. Paths are normalised (d_path output is). */
struct vigil_policy_query {
	__u32 profile;      /* profile handle: the key of policy_active */
	__u8 kind;          /* enum vigil_policy_kind */
	__u8 access;        /* open: 1 read, 2 write, 3 read-write */
	__u8 proto;         /* connect: 6 TCP, 17 UDP */
	__u8 family;        /* connect: 4 or 6 */
	__u32 path_len;     /* over VIGIL_POLICY_PATH_BOUND: the over-bound rule, no path bytes */
	__u16 name_len;     /* exec: the resolved path's basename (0: none) */
	__u16 req_path_len; /* exec: the requested name, normalised, if absolute and within bound */
	__u16 req_name_len; /* exec: the requested name's basename */
	__u16 port;
	__u8 addr[16];
	/* written by the matcher */
	__u8 action;        /* enum vigil_policy_action */
	__u8 rule_kind;     /* enum vigil_policy_rule_kind */
	__u16 rule;         /* index in the denied or allowed list of the kind */
	__u32 table;        /* the table id that decided */
};

/* Context of the batch test program (a raw_tp run by BPF_PROG_RUN): queries are packed in the
 * policy_batch_in map, each padded to 4 bytes. */
struct vigil_policy_batch_ctx {
	__u32 count; /* queries in the batch */
	__u32 bytes; /* bytes they take */
};

/* Value of the policy_batch_out map: per query, action | rule_kind << 8 | rule << 16. */
struct vigil_policy_results {
	__u32 done; /* queries decided */
	__u32 pad;
	__u32 verdict[VIGIL_POLICY_BATCH_MAX];
};

#endif /* VIGIL_WIRE_H */
