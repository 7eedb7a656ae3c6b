// SPDX-License-Identifier: Apache-2.0
/*
 * probe: one attacker technique per run, for vigil's red-team suite (see README.md here).
 *
 *   probe TECHNIQUE ARGS...
 *
 * The last (and only) line on stdout is the verdict, flushed before exit:
 *   ESCAPED <what>          exit 0   the attack reached its goal
 *   HELD <step> <reason>    exit 3   a step was refused; <reason> is the errno name the kernel
 *                                    returned (EPERM, EACCES, ENOSYS, ...) or, when a helper
 *                                    process the probe started was killed, the signal (SIGKILL)
 *   ERROR <msg>             exit 2   the probe itself could not run the technique (bad
 *                                    arguments, missing kernel feature, needs root)
 * A probe killed by a signal (SIGKILL from a kill-after-the-fact tool, SIGSYS from a seccomp
 * filter) prints nothing: the caller sees the signal in the exit status.
 * Progress goes to stderr, one "probe[technique]: ..." line per step.
 *
 * Build: cc -O2 -Wall -Werror -o probe probe.c     (C11 + Linux UAPI headers, no other library)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <linux/if_packet.h>
#include <linux/io_uring.h>
#include <linux/openat2.h>
#include <linux/perf_event.h>

/* System call numbers older libc headers may lack (x86_64 values; generic table otherwise). */
#if defined(__x86_64__) || defined(__aarch64__) || defined(__riscv)
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef SYS_io_uring_setup
#define SYS_io_uring_setup 425
#endif
#ifndef SYS_io_uring_enter
#define SYS_io_uring_enter 426
#endif
#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif
#endif

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef OPEN_TREE_CLOEXEC
#define OPEN_TREE_CLOEXEC O_CLOEXEC
#endif
#ifndef MAP_32BIT
#define MAP_32BIT 0x40
#endif
#ifndef MSG_FASTOPEN
#define MSG_FASTOPEN 0x20000000
#endif
#ifndef IPPROTO_SCTP
#define IPPROTO_SCTP 132
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* <linux/keyctl.h> values, kept here so the probe needs no libkeyutils header */
#define PROBE_KEY_SPEC_PROCESS_KEYRING (-2)
#define PROBE_KEYCTL_READ 11

/* struct clone_args, first version (64 bytes): defined here, <linux/sched.h> clashes with <sched.h> */
struct probe_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

static const char PAYLOAD[8] = { 'P', 'W', 'N', 'E', 'D', '!', '!', '\n' };
static const char *tech = "-";

/* ---------------------------------------------------------------- names */

static const char *errno_name(int e)
{
	static char other[32];

	switch (e) {
#define N(x)    \
	case x: \
		return #x;
		N(EPERM) N(ENOENT) N(ESRCH) N(EINTR) N(EIO) N(ENXIO) N(E2BIG) N(ENOEXEC) N(EBADF)
		N(ECHILD) N(EAGAIN) N(ENOMEM) N(EACCES) N(EFAULT) N(ENOTBLK) N(EBUSY) N(EEXIST)
		N(EXDEV) N(ENODEV) N(ENOTDIR) N(EISDIR) N(EINVAL) N(ENFILE) N(EMFILE) N(ENOTTY)
		N(ETXTBSY) N(EFBIG) N(ENOSPC) N(ESPIPE) N(EROFS) N(EMLINK) N(EPIPE) N(EDOM) N(ERANGE)
		N(EDEADLK) N(ENAMETOOLONG) N(ENOLCK) N(ENOSYS) N(ENOTEMPTY) N(ELOOP) N(ENOMSG)
		N(EIDRM) N(ENODATA) N(ETIME) N(EPROTO) N(EBADMSG) N(EOVERFLOW) N(EILSEQ) N(EUSERS)
		N(ENOTSOCK) N(EDESTADDRREQ) N(EMSGSIZE) N(EPROTOTYPE) N(ENOPROTOOPT)
		N(EPROTONOSUPPORT) N(ESOCKTNOSUPPORT) N(EOPNOTSUPP) N(EPFNOSUPPORT) N(EAFNOSUPPORT)
		N(EADDRINUSE) N(EADDRNOTAVAIL) N(ENETDOWN) N(ENETUNREACH) N(ENETRESET)
		N(ECONNABORTED) N(ECONNRESET) N(ENOBUFS) N(EISCONN) N(ENOTCONN) N(ESHUTDOWN)
		N(ETIMEDOUT) N(ECONNREFUSED) N(EHOSTDOWN) N(EHOSTUNREACH) N(EALREADY) N(EINPROGRESS)
		N(ESTALE) N(EDQUOT) N(ECANCELED) N(ENOKEY) N(EKEYEXPIRED) N(EKEYREVOKED)
		N(EKEYREJECTED) N(EOWNERDEAD) N(ENOTRECOVERABLE) N(ENOMEDIUM) N(EMEDIUMTYPE)
#undef N
	}
	snprintf(other, sizeof(other), "E%d", e);
	return other;
}

static const struct {
	const char *name;
	int sig;
} SIGNALS[] = {
	{ "HUP", SIGHUP },   { "INT", SIGINT },	    { "QUIT", SIGQUIT },     { "ILL", SIGILL },
	{ "TRAP", SIGTRAP }, { "ABRT", SIGABRT },   { "BUS", SIGBUS },	     { "FPE", SIGFPE },
	{ "KILL", SIGKILL }, { "USR1", SIGUSR1 },   { "SEGV", SIGSEGV },     { "USR2", SIGUSR2 },
	{ "PIPE", SIGPIPE }, { "ALRM", SIGALRM },   { "TERM", SIGTERM },     { "CHLD", SIGCHLD },
	{ "CONT", SIGCONT }, { "STOP", SIGSTOP },   { "TSTP", SIGTSTP },     { "TTIN", SIGTTIN },
	{ "TTOU", SIGTTOU }, { "URG", SIGURG },	    { "XCPU", SIGXCPU },     { "XFSZ", SIGXFSZ },
	{ "VTALRM", SIGVTALRM }, { "PROF", SIGPROF }, { "WINCH", SIGWINCH }, { "IO", SIGIO },
	{ "PWR", SIGPWR },   { "SYS", SIGSYS },
};

static const char *signal_name(int sig)
{
	static char buf[32];
	size_t i;

	for (i = 0; i < sizeof(SIGNALS) / sizeof(SIGNALS[0]); i++)
		if (SIGNALS[i].sig == sig) {
			snprintf(buf, sizeof(buf), "SIG%s", SIGNALS[i].name);
			return buf;
		}
	snprintf(buf, sizeof(buf), "SIG%d", sig);
	return buf;
}

/* ---------------------------------------------------------------- cleanup */

/* Undo what a technique changed (rename back, remove the link, kill the helper child) before
 * the verdict is printed: the verdict line is always the last thing the probe does. */
enum undo_kind { UNDO_NONE, UNDO_KILL, UNDO_RENAME, UNDO_UNLINK, UNDO_RMDIR, UNDO_UMOUNT };
static struct {
	enum undo_kind kind;
	pid_t pid;
	char a[PATH_MAX];
	char b[PATH_MAX];
} undo[8];
static int nundo;

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "probe[%s]: ", tech);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int push_undo(enum undo_kind kind, pid_t pid, const char *a, const char *b)
{
	if (nundo >= (int)(sizeof(undo) / sizeof(undo[0])))
		return -1;
	undo[nundo].kind = kind;
	undo[nundo].pid = pid;
	snprintf(undo[nundo].a, PATH_MAX, "%s", a ? a : "");
	snprintf(undo[nundo].b, PATH_MAX, "%s", b ? b : "");
	return nundo++;
}

static void run_undo(void)
{
	int status;

	while (nundo > 0) {
		nundo--;
		switch (undo[nundo].kind) {
		case UNDO_KILL:
			kill(undo[nundo].pid, SIGKILL);
			waitpid(undo[nundo].pid, &status, __WALL);
			break;
		case UNDO_RENAME:
			if (rename(undo[nundo].a, undo[nundo].b))
				note("cleanup: rename %s back to %s failed: %s", undo[nundo].a, undo[nundo].b,
				     errno_name(errno));
			else
				note("cleanup: renamed %s back to %s", undo[nundo].a, undo[nundo].b);
			break;
		case UNDO_UNLINK:
			if (unlink(undo[nundo].a) && errno != ENOENT)
				note("cleanup: unlink %s failed: %s", undo[nundo].a, errno_name(errno));
			break;
		case UNDO_RMDIR:
			if (rmdir(undo[nundo].a) && errno != ENOENT)
				note("cleanup: rmdir %s failed: %s", undo[nundo].a, errno_name(errno));
			break;
		case UNDO_UMOUNT:
			if (umount2(undo[nundo].a, MNT_DETACH))
				note("cleanup: umount %s failed: %s", undo[nundo].a, errno_name(errno));
			break;
		case UNDO_NONE:
			break;
		}
	}
}

/* ---------------------------------------------------------------- verdicts */

static void verdict(int code, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));
static void verdict(int code, const char *fmt, ...)
{
	va_list ap;

	run_undo();
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
	_exit(code);
}

#define escaped(...) verdict(0, "ESCAPED " __VA_ARGS__)
#define fail(...) verdict(2, "ERROR " __VA_ARGS__)

static void held(const char *step, int err) __attribute__((noreturn));
static void held(const char *step, int err)
{
	verdict(3, "HELD %s %s", step, errno_name(err));
}

static void held_sig(const char *step, int sig) __attribute__((noreturn));
static void held_sig(const char *step, int sig)
{
	verdict(3, "HELD %s %s", step, signal_name(sig));
}

static void escaped_read(const unsigned char *buf, long n) __attribute__((noreturn));
static void escaped_read(const unsigned char *buf, long n)
{
	char hex[40] = "-";
	long i;

	for (i = 0; i < n && i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", buf[i]);
	escaped("read %ld %s", n, hex);
}

/* read the first bytes through fd (pread at 0: the description may be shared with another
 * process) and report them */
static void read_fd(int fd, const char *step) __attribute__((noreturn));
static void read_fd(int fd, const char *step)
{
	unsigned char buf[4096];
	ssize_t n = pread(fd, buf, sizeof(buf), 0);

	if (n < 0 && errno == ESPIPE)
		n = read(fd, buf, sizeof(buf));
	if (n < 0)
		held(step, errno);
	note("%s: %zd bytes", step, n);
	escaped_read(buf, n);
}

/* ---------------------------------------------------------------- helpers */

static void need_root(void)
{
	if (geteuid() != 0)
		fail("needs-root");
}

static void join(char *out, const char *dir, const char *name)
{
	if (snprintf(out, PATH_MAX, "%s/%s", dir, name) >= PATH_MAX)
		fail("path-too-long");
}

static void absolute(char *out, const char *path)
{
	char cwd[PATH_MAX];

	if (path[0] == '/') {
		if (snprintf(out, PATH_MAX, "%s", path) >= PATH_MAX)
			fail("path-too-long");
		return;
	}
	if (!getcwd(cwd, sizeof(cwd)))
		fail("getcwd %s", errno_name(errno));
	join(out, cwd, path);
}

static void dir_of(char *out, const char *path)
{
	char *slash;

	absolute(out, path);
	slash = strrchr(out, '/');
	if (slash == out)
		out[1] = '\0';
	else
		*slash = '\0';
}

/* A file argument that does not exist is the suite's mistake, not a refusal. stat is not what
 * the techniques attack, so any other stat failure is only noted. */
static void must_exist(const char *path)
{
	struct stat st;

	if (stat(path, &st) == 0)
		return;
	if (errno == ENOENT || errno == ENOTDIR)
		fail("no-such-file %s", path);
	note("stat %s: %s (going on)", path, errno_name(errno));
}

static void must_not_exist(const char *path)
{
	struct stat st;

	if (lstat(path, &st) == 0)
		fail("exists %s", path);
}

static long parse_long(const char *s, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || end == s || *end)
		fail("bad-%s %s", what, s);
	return v;
}

static int parse_signal(const char *s)
{
	size_t i;

	if (s[0] >= '0' && s[0] <= '9')
		return (int)parse_long(s, "signal");
	if (!strncmp(s, "SIG", 3))
		s += 3;
	for (i = 0; i < sizeof(SIGNALS) / sizeof(SIGNALS[0]); i++)
		if (!strcmp(SIGNALS[i].name, s))
			return SIGNALS[i].sig;
	fail("bad-signal %s", s);
}

static void parse_in4(struct sockaddr_in *sa, const char *addr, const char *port)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	if (inet_pton(AF_INET, addr, &sa->sin_addr) != 1)
		fail("bad-address %s", addr);
	sa->sin_port = htons((uint16_t)parse_long(port ? port : "0", "port"));
}

struct fsig {
	int ok;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

static struct fsig file_sig(const char *path)
{
	struct fsig s;
	struct stat st;

	memset(&s, 0, sizeof(s));
	if (stat(path, &st) == 0) {
		s.ok = 1;
		s.dev = st.st_dev;
		s.ino = st.st_ino;
		s.size = st.st_size;
		s.mtime = st.st_mtim;
	}
	return s;
}

static int file_changed(const struct fsig *before, const char *path)
{
	struct fsig now = file_sig(path);

	return now.ok != before->ok || now.dev != before->dev || now.ino != before->ino ||
	       now.size != before->size || now.mtime.tv_sec != before->mtime.tv_sec ||
	       now.mtime.tv_nsec != before->mtime.tv_nsec;
}

static int read_small_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return (int)n;
}

/* the PAYLOAD in a new file beside PATH (for rename-over and link-over) */
static void make_side_file(char *side, const char *path)
{
	char dir[PATH_MAX], name[64];
	int fd;
	ssize_t n;

	dir_of(dir, path);
	snprintf(name, sizeof(name), ".probe-new-%d", (int)getpid());
	join(side, dir, name);
	note("creating %s", side);
	fd = open(side, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		held("create_side_file", errno);
	push_undo(UNDO_UNLINK, 0, side, NULL);
	n = write(fd, PAYLOAD, sizeof(PAYLOAD));
	if (n != (ssize_t)sizeof(PAYLOAD))
		held("write_side_file", n < 0 ? errno : EIO);
	close(fd);
}

/* unshare(CLONE_NEWUSER | extra) and map the caller's ids to 0 inside */
static void enter_userns(int extra)
{
	static const char *const files[3] = { "/proc/self/setgroups", "/proc/self/uid_map", "/proc/self/gid_map" };
	static const char *const steps[3] = { "setgroups", "uid_map", "gid_map" };
	char texts[3][32];
	int fd, i;

	snprintf(texts[0], sizeof(texts[0]), "deny");
	snprintf(texts[1], sizeof(texts[1]), "0 %u 1", (unsigned)geteuid());
	snprintf(texts[2], sizeof(texts[2]), "0 %u 1", (unsigned)getegid());
	note("unshare(CLONE_NEWUSER|0x%x)", extra);
	if (unshare(CLONE_NEWUSER | extra))
		held("unshare", errno);
	for (i = 0; i < 3; i++) {
		fd = open(files[i], O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, texts[i], strlen(texts[i])) < 0)
			held(steps[i], errno);
		close(fd);
	}
}

/* the first readable mapping of PID (its main executable, usually: reads start with \x7fELF) */
static unsigned long first_readable(pid_t pid)
{
	char path[64], line[512];
	FILE *f;
	unsigned long start, end;
	char perms[8];

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT)
			fail("no-such-process %d", (int)pid);
		held("open_maps", errno);
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %7s", &start, &end, perms) != 3)
			continue;
		if (perms[0] != 'r' || strstr(line, "[vvar") || strstr(line, "[vsyscall]"))
			continue;
		fclose(f);
		note("first readable mapping of %d: %s", (int)pid, strtok(line, "\n"));
		return start;
	}
	fclose(f);
	fail("no-readable-mapping %d", (int)pid);
}

/* the fds 3..MAXFD open right now */
#define MAXFD 64
static void open_fds(unsigned char *set)
{
	int fd;

	for (fd = 0; fd <= MAXFD; fd++)
		set[fd] = fcntl(fd, F_GETFD) != -1;
}

/* ---------------------------------------------------------------- io_uring */

struct ring {
	int fd;
	unsigned *sq_head, *sq_tail, *sq_mask, *sq_array;
	unsigned *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
};

static void ring_setup(struct ring *r)
{
	struct io_uring_params p;
	size_t sq_size, cq_size;
	unsigned char *sq, *cq;
	char disabled[16];

	memset(&p, 0, sizeof(p));
	note("io_uring_setup(8)");
	r->fd = (int)syscall(SYS_io_uring_setup, 8, &p);
	if (r->fd < 0) {
		int e = errno;

		if (read_small_file("/proc/sys/kernel/io_uring_disabled", disabled, sizeof(disabled)) > 0)
			note("kernel.io_uring_disabled = %s", strtok(disabled, "\n"));
		held("io_uring_setup", e);
	}
	sq_size = p.sq_off.array + p.sq_entries * sizeof(unsigned);
	cq_size = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	if (p.features & IORING_FEAT_SINGLE_MMAP) {
		if (cq_size > sq_size)
			sq_size = cq_size;
		cq_size = sq_size;
	}
	sq = mmap(NULL, sq_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQ_RING);
	if (sq == MAP_FAILED)
		held("io_uring_mmap_sq", errno);
	if (p.features & IORING_FEAT_SINGLE_MMAP)
		cq = sq;
	else {
		cq = mmap(NULL, cq_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd,
			  IORING_OFF_CQ_RING);
		if (cq == MAP_FAILED)
			held("io_uring_mmap_cq", errno);
	}
	r->sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQES);
	if (r->sqes == MAP_FAILED)
		held("io_uring_mmap_sqes", errno);
	r->sq_head = (unsigned *)(sq + p.sq_off.head);
	r->sq_tail = (unsigned *)(sq + p.sq_off.tail);
	r->sq_mask = (unsigned *)(sq + p.sq_off.ring_mask);
	r->sq_array = (unsigned *)(sq + p.sq_off.array);
	r->cq_head = (unsigned *)(cq + p.cq_off.head);
	r->cq_tail = (unsigned *)(cq + p.cq_off.tail);
	r->cq_mask = (unsigned *)(cq + p.cq_off.ring_mask);
	r->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
}

/* submit one SQE, wait for its completion, return cqe->res */
static int ring_run(struct ring *r, const struct io_uring_sqe *sqe, const char *step)
{
	unsigned tail = __atomic_load_n(r->sq_tail, __ATOMIC_RELAXED);
	unsigned idx = tail & *r->sq_mask;
	unsigned head;
	int res;
	long ret;

	r->sqes[idx] = *sqe;
	r->sq_array[idx] = idx;
	__atomic_store_n(r->sq_tail, tail + 1, __ATOMIC_RELEASE);
	ret = syscall(SYS_io_uring_enter, r->fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0);
	if (ret < 0)
		held("io_uring_enter", errno);
	head = __atomic_load_n(r->cq_head, __ATOMIC_RELAXED);
	if (head == __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE))
		fail("io_uring no completion for %s", step);
	res = r->cqes[head & *r->cq_mask].res;
	__atomic_store_n(r->cq_head, head + 1, __ATOMIC_RELEASE);
	note("%s completed: res=%d", step, res);
	return res;
}

static void io_uring_read(int two, const char *path)
{
	struct ring r;
	struct io_uring_sqe sqe;
	struct open_how how;
	static unsigned char buf[4096];
	int fd, n;

	must_exist(path);
	ring_setup(&r);
	memset(&sqe, 0, sizeof(sqe));
	memset(&how, 0, sizeof(how));
	sqe.fd = AT_FDCWD;
	sqe.addr = (uint64_t)(uintptr_t)path;
	sqe.user_data = 1;
	if (two) {
		how.flags = O_RDONLY | O_CLOEXEC;
		sqe.opcode = IORING_OP_OPENAT2;
		sqe.len = sizeof(how);
		sqe.off = (uint64_t)(uintptr_t)&how;
	} else {
		sqe.opcode = IORING_OP_OPENAT;
		sqe.open_flags = O_RDONLY | O_CLOEXEC;
	}
	fd = ring_run(&r, &sqe, two ? "IORING_OP_OPENAT2" : "IORING_OP_OPENAT");
	if (fd < 0)
		held(two ? "io_uring_openat2" : "io_uring_openat", -fd);
	memset(&sqe, 0, sizeof(sqe));
	sqe.opcode = IORING_OP_READ;
	sqe.fd = fd;
	sqe.addr = (uint64_t)(uintptr_t)buf;
	sqe.len = sizeof(buf);
	sqe.off = 0;
	sqe.user_data = 2;
	n = ring_run(&r, &sqe, "IORING_OP_READ");
	if (n < 0)
		held("io_uring_read", -n);
	escaped_read(buf, n);
}

static void t_io_uring_openat(char **a)
{
	io_uring_read(0, a[0]);
}

static void t_io_uring_openat2(char **a)
{
	io_uring_read(1, a[0]);
}

/* ---------------------------------------------------------------- plain and odd opens */

static void t_open(char **a)
{
#ifdef SYS_open
	long fd;

	must_exist(a[0]);
	note("open(2) %s", a[0]);
	fd = syscall(SYS_open, a[0], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		held("open", errno);
	read_fd((int)fd, "read");
#else
	fail("no-open-syscall-on-this-arch");
#endif
}

static void t_openat(char **a)
{
	long fd;

	must_exist(a[0]);
	note("openat(AT_FDCWD, %s)", a[0]);
	fd = syscall(SYS_openat, AT_FDCWD, a[0], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		held("openat", errno);
	read_fd((int)fd, "read");
}

static void t_openat2_resolve(char **a)
{
	struct open_how how;
	long fd;

	must_exist(a[0]);
	memset(&how, 0, sizeof(how));
	how.flags = O_RDONLY | O_CLOEXEC;
	how.resolve = RESOLVE_NO_SYMLINKS;
	note("openat2(AT_FDCWD, %s, RESOLVE_NO_SYMLINKS)", a[0]);
	fd = syscall(SYS_openat2, AT_FDCWD, a[0], &how, sizeof(how));
	if (fd < 0)
		held("openat2", errno);
	read_fd((int)fd, "read");
}

/* O_TRUNC and creat(2) change the file inside the open: a refusal after the open is too late */
static void write_after_open(int fd, const struct fsig *before, const char *path)
{
	ssize_t n = write(fd, PAYLOAD, sizeof(PAYLOAD));
	int e = errno;
	struct fsig now;

	if (n >= 0)
		escaped("wrote %zd", n);
	if (file_changed(before, path)) {
		now = file_sig(path);
		note("write refused (%s) but the open already changed the file", errno_name(e));
		escaped("truncated %lld %lld", (long long)before->size, (long long)now.size);
	}
	held("write", e);
}

static void t_creat(char **a)
{
#ifdef SYS_creat
	struct fsig before = file_sig(a[0]);
	long fd;

	note("creat(2) %s (size before: %lld)", a[0], before.ok ? (long long)before.size : -1LL);
	fd = syscall(SYS_creat, a[0], 0644);
	if (fd < 0) {
		if (file_changed(&before, a[0]))
			escaped("truncated %lld 0", (long long)before.size);
		held("creat", errno);
	}
	write_after_open((int)fd, &before, a[0]);
#else
	fail("no-creat-syscall-on-this-arch");
#endif
}

static void t_handle_open(char **a)
{
	struct file_handle *fh;
	int mount_id, mfd, fd;
	char line[4096], mnt[PATH_MAX] = "/";
	FILE *f;

	need_root();
	must_exist(a[0]);
	fh = calloc(1, sizeof(*fh) + MAX_HANDLE_SZ);
	if (!fh)
		fail("out-of-memory");
	fh->handle_bytes = MAX_HANDLE_SZ;
	note("name_to_handle_at(%s)", a[0]);
	if (name_to_handle_at(AT_FDCWD, a[0], fh, &mount_id, 0))
		held("name_to_handle_at", errno);
	/* the mount fd must be on the file's filesystem: find the mount point of mount_id */
	f = fopen("/proc/self/mountinfo", "re");
	while (f && fgets(line, sizeof(line), f)) {
		int id;
		char point[PATH_MAX];

		if (sscanf(line, "%d %*d %*s %*s %4095s", &id, point) == 2 && id == mount_id) {
			snprintf(mnt, sizeof(mnt), "%s", point);
			break;
		}
	}
	if (f)
		fclose(f);
	note("mount id %d is %s; open_by_handle_at on it", mount_id, mnt);
	mfd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (mfd < 0)
		held("open_mount_fd", errno);
	fd = open_by_handle_at(mfd, fh, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		held("open_by_handle_at", errno);
	read_fd(fd, "read");
}

#if defined(__x86_64__)
static sigjmp_buf int80_jump;
static volatile sig_atomic_t int80_signal;

static void int80_trap(int sig)
{
	int80_signal = sig;
	siglongjmp(int80_jump, 1);
}

/* a system call through the i386 table: int $0x80 clobbers r8-r11 from 64-bit code */
static long int80(long nr, long a1, long a2, long a3)
{
	long ret;

	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "0"(nr), "b"(a1), "c"(a2), "d"(a3)
			 : "memory", "cc", "r8", "r9", "r10", "r11");
	return (int)ret;
}
#endif

static void t_int80_open(char **a)
{
#if defined(__x86_64__)
	struct sigaction sa;
	char *low;
	long pid, fd, n;

	must_exist(a[0]);
	if (strlen(a[0]) >= 4096)
		fail("path-too-long");
	/* everything int 0x80 points at must be below 4 GiB */
	low = mmap(NULL, 16384, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	if (low == MAP_FAILED)
		fail("mmap-32bit %s", errno_name(errno));
	strcpy(low, a[0]);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = int80_trap;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);
	if (sigsetjmp(int80_jump, 1))
		fail("no-ia32 (int 0x80 raised %s)", signal_name(int80_signal));
	note("int $0x80 getpid (i386 20)");
	pid = int80(20, 0, 0, 0);
	if (pid < 0)
		held("int80_getpid", (int)-pid);
	if (pid != getpid())
		fail("no-ia32 (int 0x80 getpid returned %ld)", pid);
	note("int $0x80 open (i386 5) %s", a[0]);
	fd = int80(5, (long)(uintptr_t)low, O_RDONLY, 0);
	if (fd < 0)
		held("int80_open", (int)-fd);
	note("int $0x80 read (i386 3) fd %ld", fd);
	n = int80(3, fd, (long)(uintptr_t)(low + 8192), 4096);
	if (n < 0)
		held("int80_read", (int)-n);
	escaped_read((unsigned char *)low + 8192, n);
#else
	(void)a;
	fail("no-ia32 (not x86_64)");
#endif
}

/* ---------------------------------------------------------------- fd kept after a kill */

static const char *clone_path;

static int clone_child(void *arg)
{
	int fd;

	(void)arg;
	fd = open(clone_path, O_RDONLY);
	if (fd < 0) {
		int e = errno;

		note("child %d: open %s: %s", (int)getpid(), clone_path, errno_name(e));
		return e ? e : 1;
	}
	note("child %d: opened %s as fd %d in the shared table, exiting", (int)getpid(), clone_path, fd);
	return 0;
}

/* the parent side of clone-files-read / clone3-files-read: after the child is gone, read
 * through whatever fd it left in the shared table */
static void read_inherited(pid_t pid, const unsigned char *before)
{
	int status, fd, read_err = 0;
	unsigned char buf[4096];
	ssize_t n;

	if (waitpid(pid, &status, __WALL) < 0)
		fail("waitpid %s", errno_name(errno));
	if (WIFSIGNALED(status))
		note("child %d was killed by %s; looking at the shared table anyway", (int)pid,
		     signal_name(WTERMSIG(status)));
	for (fd = 3; fd <= MAXFD; fd++) {
		if (before[fd] || fcntl(fd, F_GETFD) == -1)
			continue;
		note("fd %d appeared in the shared table", fd);
		n = pread(fd, buf, sizeof(buf), 0);
		if (n >= 0)
			escaped_read(buf, n);
		read_err = errno;
	}
	if (read_err)
		held("read", read_err);
	if (WIFSIGNALED(status))
		held_sig("child_open", WTERMSIG(status));
	if (WIFEXITED(status) && WEXITSTATUS(status))
		held("child_open", WEXITSTATUS(status));
	fail("child-opened-but-no-fd-found");
}

static void t_clone_files_read(char **a)
{
	static unsigned char stack[256 * 1024] __attribute__((aligned(16)));
	unsigned char before[MAXFD + 1];
	pid_t pid;

	must_exist(a[0]);
	clone_path = a[0];
	open_fds(before);
	note("clone(CLONE_FILES|SIGCHLD)");
	pid = clone(clone_child, stack + sizeof(stack), CLONE_FILES | SIGCHLD, NULL);
	if (pid < 0)
		held("clone", errno);
	read_inherited(pid, before);
}

static void t_clone3_files_read(char **a)
{
	struct probe_clone_args args;
	unsigned char before[MAXFD + 1];
	long pid;

	must_exist(a[0]);
	clone_path = a[0];
	open_fds(before);
	memset(&args, 0, sizeof(args));
	args.flags = CLONE_FILES;
	args.exit_signal = SIGCHLD;
	note("clone3(CLONE_FILES, exit_signal=SIGCHLD)");
	pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0)
		held("clone3", errno);
	if (pid == 0)
		_exit(clone_child(NULL));
	read_inherited((pid_t)pid, before);
}

/* fork a child that opens PATH and reports the fd number (or -errno) on a pipe, then sleeps */
static pid_t spawn_opener(const char *path, int *fd_in_child)
{
	int p[2], msg;
	pid_t pid;
	ssize_t n;

	if (pipe2(p, O_CLOEXEC))
		fail("pipe %s", errno_name(errno));
	pid = fork();
	if (pid < 0)
		held("fork", errno);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(p[0]);
		msg = open(path, O_RDONLY);
		if (msg < 0)
			msg = -errno;
		else
			note("child %d: opened %s as fd %d", (int)getpid(), path, msg);
		n = write(p[1], &msg, sizeof(msg));
		if (n != (ssize_t)sizeof(msg) || msg < 0)
			_exit(1);
		for (;;)
			pause();
	}
	push_undo(UNDO_KILL, pid, NULL, NULL);
	close(p[1]);
	n = read(p[0], &msg, sizeof(msg));
	if (n != (ssize_t)sizeof(msg)) {
		int status;

		if (waitpid(pid, &status, 0) == pid && WIFSIGNALED(status))
			held_sig("child_open", WTERMSIG(status));
		fail("child-said-nothing");
	}
	if (msg < 0)
		held("child_open", -msg);
	*fd_in_child = msg;
	return pid;
}

static void t_pidfd_getfd_read(char **a)
{
	int child_fd;
	pid_t pid;
	long pidfd, fd;

	must_exist(a[0]);
	pid = spawn_opener(a[0], &child_fd);
	note("pidfd_open(%d)", (int)pid);
	pidfd = syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		held("pidfd_open", errno);
	note("pidfd_getfd(pidfd, %d)", child_fd);
	fd = syscall(SYS_pidfd_getfd, pidfd, child_fd, 0);
	if (fd < 0)
		held("pidfd_getfd", errno);
	read_fd((int)fd, "read");
}

static void t_scm_rights_read(char **a)
{
	int sv[2], status, fd = -1, data = 0;
	pid_t pid;
	struct msghdr msg;
	struct iovec iov;
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct cmsghdr *c;
	ssize_t n;

	must_exist(a[0]);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		held("socketpair", errno);
	pid = fork();
	if (pid < 0)
		held("fork", errno);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(sv[0]);
		fd = open(a[0], O_RDONLY);
		data = fd < 0 ? errno : 0;
		memset(&msg, 0, sizeof(msg));
		memset(&u, 0, sizeof(u));
		iov.iov_base = &data;
		iov.iov_len = sizeof(data);
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		if (fd >= 0) {
			note("child %d: opened %s as fd %d, passing it with SCM_RIGHTS", (int)getpid(), a[0], fd);
			msg.msg_control = u.buf;
			msg.msg_controllen = sizeof(u.buf);
			c = CMSG_FIRSTHDR(&msg);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(c), &fd, sizeof(int));
		}
		if (sendmsg(sv[1], &msg, MSG_NOSIGNAL) < 0)
			_exit(errno);
		_exit(0);
	}
	push_undo(UNDO_KILL, pid, NULL, NULL);
	close(sv[1]);
	memset(&msg, 0, sizeof(msg));
	memset(&u, 0, sizeof(u));
	iov.iov_base = &data;
	iov.iov_len = sizeof(data);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = u.buf;
	msg.msg_controllen = sizeof(u.buf);
	n = recvmsg(sv[0], &msg, MSG_CMSG_CLOEXEC);
	if (n < 0)
		held("recvmsg", errno);
	if (n == 0) {
		if (waitpid(pid, &status, 0) == pid) {
			if (WIFSIGNALED(status))
				held_sig("child_open", WTERMSIG(status));
			if (WIFEXITED(status) && WEXITSTATUS(status))
				held("child_sendmsg", WEXITSTATUS(status));
		}
		fail("child-sent-nothing");
	}
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			memcpy(&fd, CMSG_DATA(c), sizeof(int));
	if (fd < 0) {
		if (data)
			held("child_open", data);
		held("scm_rights", (msg.msg_flags & MSG_CTRUNC) ? EPERM : EBADF);
	}
	note("received fd %d", fd);
	read_fd(fd, "read");
}

/* ---------------------------------------------------------------- path-only rules */

static void open_and_read(const char *path, const char *step)
{
	int fd;

	note("open %s", path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		held(step, errno);
	read_fd(fd, "read");
}

static void t_hardlink_read(char **a)
{
	char link_path[PATH_MAX];

	must_exist(a[0]);
	join(link_path, a[1], "x");
	if (unlink(link_path) == 0)
		note("removed a stale %s", link_path);
	note("link(%s, %s)", a[0], link_path);
	if (link(a[0], link_path)) {
		if (errno == EXDEV)
			fail("cross-filesystem (LINKDIR must be on PATH's filesystem)");
		held("link", errno);
	}
	push_undo(UNDO_UNLINK, 0, link_path, NULL);
	open_and_read(link_path, "open_link");
}

static void t_symlink_read(char **a)
{
	char target[PATH_MAX], link_path[PATH_MAX];

	must_exist(a[0]);
	absolute(target, a[0]);
	join(link_path, a[1], "x");
	if (unlink(link_path) == 0)
		note("removed a stale %s", link_path);
	note("symlink(%s, %s)", target, link_path);
	if (symlink(target, link_path))
		held("symlink", errno);
	push_undo(UNDO_UNLINK, 0, link_path, NULL);
	open_and_read(link_path, "open_symlink");
}

static void t_rename_read(char **a)
{
	char moved[PATH_MAX];

	must_exist(a[0]);
	join(moved, a[1], "x");
	must_not_exist(moved);
	note("rename(%s, %s)", a[0], moved);
	if (rename(a[0], moved)) {
		if (errno == EXDEV)
			fail("cross-filesystem (DIR must be on PATH's filesystem)");
		held("rename", errno);
	}
	push_undo(UNDO_RENAME, 0, moved, a[0]);
	open_and_read(moved, "open_renamed");
}

static void t_rename_dir_read(char **a)
{
	char file[PATH_MAX];

	must_exist(a[0]);
	must_not_exist(a[1]);
	note("rename(%s, %s)", a[0], a[1]);
	if (rename(a[0], a[1])) {
		if (errno == EXDEV)
			fail("cross-filesystem (NEWDIR must be on DIR's filesystem)");
		held("rename", errno);
	}
	push_undo(UNDO_RENAME, 0, a[1], a[0]);
	join(file, a[1], a[2]);
	open_and_read(file, "open_renamed");
}

static void t_proc_root_read(char **a)
{
	char abs[PATH_MAX], path[PATH_MAX + 32];

	must_exist(a[0]);
	absolute(abs, a[0]);
	snprintf(path, sizeof(path), "/proc/self/root%s", abs);
	open_and_read(path, "open_proc_root");
}

static void t_proc_fd_reopen(char **a)
{
	char path[64];
	int fd;

	must_exist(a[0]);
	note("open(%s, O_PATH)", a[0]);
	fd = open(a[0], O_PATH | O_CLOEXEC);
	if (fd < 0)
		held("open_opath", errno);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	open_and_read(path, "reopen_proc_fd");
}

static void t_opath_read(char **a)
{
	unsigned char buf[64];
	ssize_t n;
	int fd;

	must_exist(a[0]);
	note("open(%s, O_PATH)", a[0]);
	fd = open(a[0], O_PATH | O_CLOEXEC);
	if (fd < 0)
		held("open_opath", errno);
	note("read through the O_PATH fd (EBADF by design)");
	n = read(fd, buf, sizeof(buf));
	if (n < 0)
		held("read", errno);
	escaped_read(buf, n);
}

static void t_chroot_read(char **a)
{
	need_root();
	note("chroot(%s)", a[0]);
	if (chroot(a[0]))
		held("chroot", errno);
	if (chdir("/"))
		held("chdir", errno);
	open_and_read(a[1], "open");
}

static void bind_and_read(const char *src, const char *file, int userns)
{
	char dir[] = "/tmp/probe-bind-XXXXXX", path[PATH_MAX];

	if (!mkdtemp(dir))
		held("mkdtemp", errno);
	push_undo(UNDO_RMDIR, 0, dir, NULL);
	if (userns)
		enter_userns(CLONE_NEWNS);
	else {
		note("unshare(CLONE_NEWNS)");
		if (unshare(CLONE_NEWNS))
			held("unshare", errno);
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		held("mount_private", errno);
	note("bind mount %s on %s", src, dir);
	if (mount(src, dir, NULL, MS_BIND | MS_REC, NULL))
		held("mount_bind", errno);
	push_undo(UNDO_UMOUNT, 0, dir, NULL);
	join(path, dir, file);
	open_and_read(path, "open_bound");
}

static void t_bind_mount_read(char **a)
{
	must_exist(a[0]);
	bind_and_read(a[0], a[1], geteuid() != 0);
}

static void t_userns_mount_read(char **a)
{
	must_exist(a[0]);
	bind_and_read(a[0], a[1], 1);
}

static void t_open_tree_read(char **a)
{
	long tree;
	int fd;

	need_root();
	must_exist(a[0]);
	note("open_tree(%s, OPEN_TREE_CLONE)", a[0]);
	tree = syscall(SYS_open_tree, AT_FDCWD, a[0], OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (tree < 0)
		held("open_tree", errno);
	note("openat(tree, %s)", a[1]);
	fd = openat((int)tree, a[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		held("openat_tree", errno);
	read_fd(fd, "read");
}

/* ---------------------------------------------------------------- data moved in the kernel */

static void t_mmap_read(char **a)
{
	struct stat st;
	unsigned char *m;
	long n;
	int fd;

	must_exist(a[0]);
	note("open + mmap %s", a[0]);
	fd = open(a[0], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		held("open", errno);
	if (fstat(fd, &st))
		held("fstat", errno);
	if (st.st_size == 0)
		escaped_read(NULL, 0);
	n = st.st_size < 4096 ? (long)st.st_size : 4096;
	m = mmap(NULL, (size_t)n, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED)
		held("mmap", errno);
	escaped_read(m, n);
}

static int open_dest(const char *dest)
{
	int out;

	note("open %s for writing", dest);
	out = open(dest, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out < 0)
		held("open_dest", errno);
	return out;
}

static void t_sendfile_copy(char **a)
{
	int in, out;
	ssize_t n;

	must_exist(a[0]);
	note("open %s", a[0]);
	in = open(a[0], O_RDONLY | O_CLOEXEC);
	if (in < 0)
		held("open", errno);
	out = open_dest(a[1]);
	note("sendfile");
	n = sendfile(out, in, NULL, 1 << 20);
	if (n < 0)
		held("sendfile", errno);
	escaped("wrote %zd", n);
}

static void t_copy_file_range(char **a)
{
	int in, out;
	long n;

	must_exist(a[0]);
	note("open %s", a[0]);
	in = open(a[0], O_RDONLY | O_CLOEXEC);
	if (in < 0)
		held("open", errno);
	out = open_dest(a[1]);
	note("copy_file_range");
	n = syscall(SYS_copy_file_range, in, NULL, out, NULL, (size_t)1 << 20, 0);
	if (n < 0 && errno == EXDEV)
		fail("cross-filesystem (copy_file_range EXDEV: DEST must be on PATH's filesystem)");
	if (n < 0)
		held("copy_file_range", errno);
	escaped("wrote %ld", n);
}

static void t_splice_read(char **a)
{
	unsigned char buf[4096];
	int fd, p[2];
	ssize_t n;

	must_exist(a[0]);
	note("open %s", a[0]);
	fd = open(a[0], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		held("open", errno);
	if (pipe2(p, O_CLOEXEC))
		fail("pipe %s", errno_name(errno));
	note("splice file -> pipe");
	n = splice(fd, NULL, p[1], NULL, sizeof(buf), 0);
	if (n < 0)
		held("splice", errno);
	n = read(p[0], buf, (size_t)n);
	if (n < 0)
		held("read_pipe", errno);
	escaped_read(buf, n);
}

/* ---------------------------------------------------------------- writes */

static void t_trunc_open(char **a)
{
	struct fsig before;
	int fd;

	must_exist(a[0]);
	before = file_sig(a[0]);
	note("size before: %lld; open O_WRONLY|O_TRUNC", (long long)before.size);
	fd = open(a[0], O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		if (file_changed(&before, a[0]))
			escaped("truncated %lld %lld", (long long)before.size, (long long)file_sig(a[0]).size);
		held("open", e);
	}
	write_after_open(fd, &before, a[0]);
}

static void t_append(char **a)
{
	ssize_t n;
	int fd;

	must_exist(a[0]);
	note("open O_WRONLY|O_APPEND");
	fd = open(a[0], O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		held("open", errno);
	n = write(fd, PAYLOAD, sizeof(PAYLOAD));
	if (n < 0)
		held("write", errno);
	escaped("wrote %zd", n);
}

static void t_truncate(char **a)
{
	struct fsig before;

	must_exist(a[0]);
	before = file_sig(a[0]);
	note("truncate(%s, 0), size before %lld", a[0], (long long)before.size);
	if (truncate(a[0], 0))
		held("truncate", errno);
	escaped("truncated %lld 0", (long long)before.size);
}

static void t_rename_over(char **a)
{
	char side[PATH_MAX];

	must_exist(a[0]);
	make_side_file(side, a[0]);
	note("rename(%s, %s)", side, a[0]);
	if (rename(side, a[0]))
		held("rename", errno);
	escaped("wrote %zu", sizeof(PAYLOAD));
}

static void t_link_over(char **a)
{
	char side[PATH_MAX];

	must_exist(a[0]);
	make_side_file(side, a[0]);
	note("unlink(%s)", a[0]);
	if (unlink(a[0]))
		held("unlink", errno);
	note("link(%s, %s)", side, a[0]);
	if (link(side, a[0])) {
		note("link refused (%s): the original is gone, nothing replaced it", errno_name(errno));
		escaped("unlinked");
	}
	escaped("wrote %zu", sizeof(PAYLOAD));
}

static void t_unlink(char **a)
{
	must_exist(a[0]);
	note("unlink(%s)", a[0]);
	if (unlink(a[0]))
		held("unlink", errno);
	escaped("unlinked");
}

static void t_utimes(char **a)
{
	must_exist(a[0]);
	note("utimensat(%s, now)", a[0]);
	if (utimensat(AT_FDCWD, a[0], NULL, 0))
		held("utimensat", errno);
	escaped("utimes");
}

static void t_chmod(char **a)
{
	struct stat st;
	mode_t mode;

	must_exist(a[0]);
	if (stat(a[0], &st))
		fail("stat %s", errno_name(errno));
	mode = (st.st_mode & 07777) ^ S_IWOTH;
	note("chmod(%s, %04o) (was %04o)", a[0], (unsigned)mode, (unsigned)(st.st_mode & 07777));
	if (chmod(a[0], mode))
		held("chmod", errno);
	escaped("chmod %04o", (unsigned)mode);
}

static void t_xattr(char **a)
{
	must_exist(a[0]);
	note("setxattr(%s, user.x)", a[0]);
	if (setxattr(a[0], "user.x", PAYLOAD, sizeof(PAYLOAD), 0)) {
		if (errno == EOPNOTSUPP)
			fail("fs-without-user-xattr");
		held("setxattr", errno);
	}
	escaped("setxattr");
}

/* ---------------------------------------------------------------- network */

/* a non-blocking connect (or a sendto(MSG_FASTOPEN) that started one): refused synchronously
 * by a hook, or the first packet left */
static void await_connect(int s, int r, const char *step, const char *what)
{
	struct pollfd pfd = { .fd = s, .events = POLLOUT };
	int err = 0;
	socklen_t len = sizeof(err);

	if (r == 0)
		escaped("connected");
	err = errno;
	if (err == ECONNREFUSED || err == ECONNRESET || err == ETIMEDOUT || err == EHOSTUNREACH) {
		note("%s: %s: the first packet went out", step, errno_name(err));
		escaped("%s", what);
	}
	if (err != EINPROGRESS)
		held(step, err);
	note("%s: EINPROGRESS, waiting up to 1 s", step);
	r = poll(&pfd, 1, 1000);
	if (r == 0) {
		note("no answer within 1 s");
		escaped("%s", what);
	}
	if (r < 0)
		fail("poll %s", errno_name(errno));
	if (getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len))
		fail("getsockopt %s", errno_name(errno));
	if (err == 0)
		escaped("connected");
	if (err == EPERM || err == EACCES)
		held(step, err);
	note("%s: %s after the first packet", step, errno_name(err));
	escaped("%s", what);
}

static void t_tcp_connect(char **a)
{
	struct sockaddr_in sa;
	int s;

	parse_in4(&sa, a[0], a[1]);
	s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0)
		held("socket", errno);
	note("connect %s:%s", a[0], a[1]);
	await_connect(s, connect(s, (struct sockaddr *)&sa, sizeof(sa)), "connect", "sent-syn");
}

static void t_tcp_fastopen(char **a)
{
	struct sockaddr_in sa;
	ssize_t n;
	int s;

	parse_in4(&sa, a[0], a[1]);
	s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0)
		held("socket", errno);
	note("sendto(MSG_FASTOPEN) %s:%s", a[0], a[1]);
	n = sendto(s, PAYLOAD, sizeof(PAYLOAD), MSG_FASTOPEN | MSG_NOSIGNAL, (struct sockaddr *)&sa, sizeof(sa));
	if (n >= 0)
		escaped("sent %zd", n);
	if (errno == EOPNOTSUPP)
		fail("tfo-client-disabled (net.ipv4.tcp_fastopen)");
	await_connect(s, -1, "sendto_fastopen", "sent-syn");
}

static int udp_socket(void)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		held("socket", errno);
	return s;
}

static void t_udp_send(char **a)
{
	struct sockaddr_in sa;
	ssize_t n;
	int s;

	parse_in4(&sa, a[0], a[1]);
	s = udp_socket();
	note("sendto %s:%s", a[0], a[1]);
	n = sendto(s, PAYLOAD, sizeof(PAYLOAD), MSG_NOSIGNAL, (struct sockaddr *)&sa, sizeof(sa));
	if (n < 0)
		held("sendto", errno);
	escaped("sent %zd", n);
}

static void t_udp_connect_send(char **a)
{
	struct sockaddr_in sa;
	ssize_t n;
	int s;

	parse_in4(&sa, a[0], a[1]);
	s = udp_socket();
	note("connect %s:%s", a[0], a[1]);
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)))
		held("connect", errno);
	n = send(s, PAYLOAD, sizeof(PAYLOAD), MSG_NOSIGNAL);
	if (n < 0)
		held("send", errno);
	escaped("sent %zd", n);
}

static void t_udp_sendmmsg(char **a)
{
	struct sockaddr_in sa;
	struct mmsghdr m[2];
	struct iovec iov[2];
	unsigned total = 0;
	int s, n, i;

	parse_in4(&sa, a[0], a[1]);
	s = udp_socket();
	memset(m, 0, sizeof(m));
	for (i = 0; i < 2; i++) {
		iov[i].iov_base = (void *)PAYLOAD;
		iov[i].iov_len = sizeof(PAYLOAD);
		m[i].msg_hdr.msg_name = &sa;
		m[i].msg_hdr.msg_namelen = sizeof(sa);
		m[i].msg_hdr.msg_iov = &iov[i];
		m[i].msg_hdr.msg_iovlen = 1;
	}
	note("sendmmsg 2 datagrams to %s:%s", a[0], a[1]);
	n = sendmmsg(s, m, 2, MSG_NOSIGNAL);
	if (n < 0)
		held("sendmmsg", errno);
	if (n == 0)
		held("sendmmsg", EAGAIN);
	for (i = 0; i < n; i++)
		total += m[i].msg_len;
	escaped("sent %u", total);
}

static uint16_t inet_checksum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

static size_t echo_request(unsigned char *pkt)
{
	struct icmphdr h;

	memset(&h, 0, sizeof(h));
	h.type = ICMP_ECHO;
	h.un.echo.id = htons((uint16_t)getpid());
	h.un.echo.sequence = htons(1);
	memcpy(pkt, &h, sizeof(h));
	memcpy(pkt + sizeof(h), PAYLOAD, sizeof(PAYLOAD));
	h.checksum = inet_checksum(pkt, sizeof(h) + sizeof(PAYLOAD));
	memcpy(pkt, &h, sizeof(h));
	return sizeof(h) + sizeof(PAYLOAD);
}

static int in_ping_group_range(void)
{
	char buf[64];
	unsigned long lo, hi;
	gid_t groups[256];
	int n, i;

	if (read_small_file("/proc/sys/net/ipv4/ping_group_range", buf, sizeof(buf)) <= 0 ||
	    sscanf(buf, "%lu %lu", &lo, &hi) != 2)
		return 1; /* cannot tell: do not blame the sysctl */
	note("net.ipv4.ping_group_range = %lu %lu", lo, hi);
	if (getegid() >= lo && getegid() <= hi)
		return 1;
	n = getgroups(256, groups);
	for (i = 0; i < n; i++)
		if (groups[i] >= lo && groups[i] <= hi)
			return 1;
	return 0;
}

static void t_ping_socket(char **a)
{
	struct sockaddr_in sa;
	unsigned char pkt[64];
	size_t len;
	ssize_t n;
	int s;

	parse_in4(&sa, a[0], NULL);
	note("socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP)");
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_ICMP);
	if (s < 0) {
		if (errno == EACCES && !in_ping_group_range())
			fail("ping-group-range");
		held("socket", errno);
	}
	len = echo_request(pkt);
	note("sendto echo request to %s", a[0]);
	n = sendto(s, pkt, len, MSG_NOSIGNAL, (struct sockaddr *)&sa, sizeof(sa));
	if (n < 0)
		held("sendto", errno);
	escaped("sent %zd", n);
}

static void t_raw_socket(char **a)
{
	struct sockaddr_in sa;
	unsigned char pkt[64];
	size_t len;
	ssize_t n;
	int s;

	need_root();
	parse_in4(&sa, a[0], NULL);
	note("socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)");
	s = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
	if (s < 0)
		held("socket", errno);
	len = echo_request(pkt);
	note("sendto echo request to %s", a[0]);
	n = sendto(s, pkt, len, MSG_NOSIGNAL, (struct sockaddr *)&sa, sizeof(sa));
	if (n < 0)
		held("sendto", errno);
	escaped("sent %zd", n);
}

#define PROBE_ETHERTYPE 0x88b5 /* IEEE 802 local experimental */

static void packet_send(const char *ifname, int type)
{
	struct sockaddr_ll ll;
	unsigned char frame[64];
	unsigned idx;
	size_t len;
	ssize_t n;
	int s;

	need_root();
	idx = if_nametoindex(ifname);
	if (!idx)
		fail("no-such-interface %s", ifname);
	note("socket(AF_PACKET, %s)", type == SOCK_RAW ? "SOCK_RAW" : "SOCK_DGRAM");
	s = socket(AF_PACKET, type | SOCK_CLOEXEC, 0);
	if (s < 0)
		held("socket", errno);
	memset(&ll, 0, sizeof(ll));
	ll.sll_family = AF_PACKET;
	ll.sll_ifindex = (int)idx;
	ll.sll_protocol = htons(PROBE_ETHERTYPE);
	ll.sll_halen = 6;
	memset(ll.sll_addr, 0xff, 6);
	memset(frame, 0, sizeof(frame));
	if (type == SOCK_RAW) {
		memset(frame, 0xff, 6);						 /* broadcast */
		memcpy(frame + 6, "\x02\x00\x00\x00\x00\x01", 6);		 /* locally administered */
		frame[12] = PROBE_ETHERTYPE >> 8;
		frame[13] = PROBE_ETHERTYPE & 0xff;
		memcpy(frame + 14, PAYLOAD, sizeof(PAYLOAD));
		len = 60;
	} else {
		memcpy(frame, PAYLOAD, sizeof(PAYLOAD));
		len = 46;
	}
	note("sendto %zu bytes on %s (ifindex %u)", len, ifname, idx);
	n = sendto(s, frame, len, 0, (struct sockaddr *)&ll, sizeof(ll));
	if (n < 0)
		held("sendto", errno);
	escaped("sent %zd", n);
}

static void t_packet_socket(char **a)
{
	packet_send(a[0], SOCK_RAW);
}

static void t_packet_dgram(char **a)
{
	packet_send(a[0], SOCK_DGRAM);
}

static void t_ipv4_mapped_v6(char **a)
{
	struct sockaddr_in6 sa;
	struct in_addr v4;
	int s, off = 0;

	if (inet_pton(AF_INET, a[0], &v4) != 1)
		fail("bad-address %s", a[0]);
	memset(&sa, 0, sizeof(sa));
	sa.sin6_family = AF_INET6;
	sa.sin6_port = htons((uint16_t)parse_long(a[1], "port"));
	sa.sin6_addr.s6_addr[10] = 0xff;
	sa.sin6_addr.s6_addr[11] = 0xff;
	memcpy(&sa.sin6_addr.s6_addr[12], &v4, 4);
	s = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0) {
		if (errno == EAFNOSUPPORT)
			fail("no-ipv6");
		held("socket", errno);
	}
	if (setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)))
		note("IPV6_V6ONLY=0: %s", errno_name(errno));
	note("connect [::ffff:%s]:%s", a[0], a[1]);
	await_connect(s, connect(s, (struct sockaddr *)&sa, sizeof(sa)), "connect", "sent-syn");
}

static void t_sctp_connect(char **a)
{
	struct sockaddr_in sa;
	int s;

	parse_in4(&sa, a[0], a[1]);
	note("socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP)");
	s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_SCTP);
	if (s < 0) {
		if (errno == EPROTONOSUPPORT || errno == ESOCKTNOSUPPORT || errno == EAFNOSUPPORT)
			fail("no-sctp (%s)", errno_name(errno));
		held("socket", errno);
	}
	note("connect %s:%s", a[0], a[1]);
	await_connect(s, connect(s, (struct sockaddr *)&sa, sizeof(sa)), "connect", "sent-init");
}

static void t_unix_abstract(char **a)
{
	struct sockaddr_un sa;
	socklen_t len;
	size_t name_len = strlen(a[0]);
	ssize_t n;
	int c, srv;

	if (name_len == 0 || name_len >= sizeof(sa.sun_path) - 1)
		fail("bad-name");
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path + 1, a[0], name_len);
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + name_len);
	c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c < 0)
		held("socket", errno);
	note("connect @%s", a[0]);
	if (connect(c, (struct sockaddr *)&sa, len)) {
		if (errno != ECONNREFUSED)
			held("connect", errno);
		note("nobody listens on @%s: listening there ourselves", a[0]);
		srv = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (srv < 0)
			held("socket", errno);
		if (bind(srv, (struct sockaddr *)&sa, len))
			held("bind", errno);
		if (listen(srv, 1))
			held("listen", errno);
		if (connect(c, (struct sockaddr *)&sa, len))
			held("connect", errno);
	}
	n = send(c, PAYLOAD, sizeof(PAYLOAD), MSG_NOSIGNAL);
	if (n < 0)
		held("send", errno);
	escaped("sent %zd", n);
}

/* ---------------------------------------------------------------- processes */

static pid_t parse_pid(const char *s)
{
	long v = parse_long(s, "pid");

	if (v <= 0 || v > INT_MAX)
		fail("bad-pid %s", s);
	return (pid_t)v;
}

/* a refused signal; ESRCH for a process that is not there at all is the suite's mistake */
static void signal_refused(const char *step, pid_t pid, int err) __attribute__((noreturn));
static void signal_refused(const char *step, pid_t pid, int err)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	if (err == ESRCH && stat(path, &st) && errno == ENOENT)
		fail("no-such-process %d", (int)pid);
	held(step, err);
}

static void t_kill(char **a)
{
	pid_t pid = parse_pid(a[0]);
	int sig = parse_signal(a[1]);

	note("kill(%d, %d)", (int)pid, sig);
	if (kill(pid, sig))
		signal_refused("kill", pid, errno);
	escaped("signalled");
}

static void t_tkill(char **a)
{
	pid_t tid = parse_pid(a[0]);
	int sig = parse_signal(a[1]);

	note("tkill(%d, %d)", (int)tid, sig);
	if (syscall(SYS_tkill, tid, sig))
		signal_refused("tkill", tid, errno);
	escaped("signalled");
}

static void t_tgkill(char **a)
{
	pid_t tgid = parse_pid(a[0]), tid = parse_pid(a[1]);
	int sig = parse_signal(a[2]);

	note("tgkill(%d, %d, %d)", (int)tgid, (int)tid, sig);
	if (syscall(SYS_tgkill, tgid, tid, sig))
		signal_refused("tgkill", tid, errno);
	escaped("signalled");
}

static void t_pidfd_signal(char **a)
{
	pid_t pid = parse_pid(a[0]);
	int sig = parse_signal(a[1]);
	long pidfd;

	note("pidfd_open(%d)", (int)pid);
	pidfd = syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		signal_refused("pidfd_open", pid, errno);
	note("pidfd_send_signal(%d)", sig);
	if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0))
		held("pidfd_send_signal", errno);
	escaped("signalled");
}

static void t_kill_all_threads(char **a)
{
	pid_t pid = parse_pid(a[0]);
	int sig = parse_signal(a[1]);
	char path[64];
	struct dirent *d;
	DIR *dir;
	int tried = 0, err = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir) {
		if (errno == ENOENT)
			fail("no-such-process %d", (int)pid);
		held("opendir_task", errno);
	}
	while ((d = readdir(dir))) {
		long tid = strtol(d->d_name, NULL, 10);

		if (tid <= 0 || tid == pid)
			continue;
		tried++;
		note("kill(%ld, %d): a thread id, not the process id", tid, sig);
		if (kill((pid_t)tid, sig) == 0) {
			closedir(dir);
			escaped("signalled");
		}
		err = errno;
		note("kill(%ld): %s", tid, errno_name(err));
	}
	closedir(dir);
	if (!tried)
		fail("single-threaded %d (no thread id other than the process id)", (int)pid);
	held("kill_tid", err);
}

static void t_ptrace_attach(char **a)
{
	pid_t pid = parse_pid(a[0]);
	int status;

	note("ptrace(PTRACE_ATTACH, %d)", (int)pid);
	if (ptrace(PTRACE_ATTACH, pid, NULL, NULL))
		signal_refused("ptrace_attach", pid, errno);
	if (waitpid(pid, &status, __WALL) < 0)
		note("waitpid: %s", errno_name(errno));
	if (ptrace(PTRACE_DETACH, pid, NULL, NULL))
		note("detach: %s", errno_name(errno));
	escaped("attached");
}

static void t_process_vm_read(char **a)
{
	pid_t pid = parse_pid(a[0]);
	unsigned long addr;
	unsigned char buf[64];
	struct iovec local = { buf, sizeof(buf) }, remote;
	ssize_t n;

	if (!a[1] || !strcmp(a[1], "auto"))
		addr = first_readable(pid);
	else
		addr = (unsigned long)strtoull(a[1], NULL, 16);
	remote.iov_base = (void *)addr;
	remote.iov_len = sizeof(buf);
	note("process_vm_readv(%d, 0x%lx)", (int)pid, addr);
	n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
	if (n < 0)
		signal_refused("process_vm_readv", pid, errno);
	escaped_read(buf, n);
}

static void t_proc_mem_read(char **a)
{
	pid_t pid = parse_pid(a[0]);
	unsigned long addr = first_readable(pid);
	unsigned char buf[64];
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	note("open %s, pread at 0x%lx", path, addr);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		held("open_proc_mem", errno);
	n = pread(fd, buf, sizeof(buf), (off_t)addr);
	if (n < 0)
		held("pread_proc_mem", errno);
	escaped_read(buf, n);
}

/* ---------------------------------------------------------------- root powers */

static void t_bpf_prog_load(char **a)
{
	struct bpf_insn insns[2];
	union bpf_attr attr;
	char buf[16];
	long fd;

	(void)a;
	if (geteuid() != 0 &&
	    (read_small_file("/proc/sys/kernel/unprivileged_bpf_disabled", buf, sizeof(buf)) <= 0 || buf[0] != '0'))
		fail("needs-root");
	memset(insns, 0, sizeof(insns));
	insns[0].code = BPF_ALU64 | BPF_MOV | BPF_K; /* r0 = 0 */
	insns[0].dst_reg = BPF_REG_0;
	insns[1].code = BPF_JMP | BPF_EXIT;
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	attr.insn_cnt = 2;
	attr.insns = (uint64_t)(uintptr_t)insns;
	attr.license = (uint64_t)(uintptr_t)"GPL";
	note("bpf(BPF_PROG_LOAD, socket filter)");
	fd = syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
	if (fd < 0)
		held("bpf_prog_load", errno);
	escaped("loaded");
}

static void t_perf_event_open(char **a)
{
	struct perf_event_attr pe;
	long fd;

	(void)a;
	memset(&pe, 0, sizeof(pe));
	pe.type = PERF_TYPE_SOFTWARE;
	pe.size = sizeof(pe);
	pe.config = PERF_COUNT_SW_TASK_CLOCK;
	pe.disabled = 1;
	pe.exclude_kernel = 1;
	pe.exclude_hv = 1;
	note("perf_event_open(task clock, self)");
	fd = syscall(SYS_perf_event_open, &pe, 0, -1, -1, 0);
	if (fd < 0)
		held("perf_event_open", errno);
	escaped("opened");
}

static void t_io_uring_setup(char **a)
{
	struct io_uring_params p;
	long fd;

	(void)a;
	memset(&p, 0, sizeof(p));
	note("io_uring_setup(8)");
	fd = syscall(SYS_io_uring_setup, 8, &p);
	if (fd < 0)
		held("io_uring_setup", errno);
	escaped("ring");
}

static void t_unshare(char **a)
{
	static const struct {
		const char *name;
		int flag;
	} names[] = {
		{ "user", CLONE_NEWUSER },     { "mount", CLONE_NEWNS }, { "mnt", CLONE_NEWNS },
		{ "ns", CLONE_NEWNS },	       { "pid", CLONE_NEWPID },  { "net", CLONE_NEWNET },
		{ "uts", CLONE_NEWUTS },       { "ipc", CLONE_NEWIPC },  { "cgroup", CLONE_NEWCGROUP },
		{ "time", CLONE_NEWTIME },     { "files", CLONE_FILES }, { "fs", CLONE_FS },
		{ "sysvsem", CLONE_SYSVSEM },
	};
	char list[256], *tok, *save = NULL;
	int flags = 0, ns;
	size_t i;

	snprintf(list, sizeof(list), "%s", a[0]);
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (!strcmp(names[i].name, tok))
				break;
		if (i == sizeof(names) / sizeof(names[0]))
			fail("bad-namespace %s", tok);
		flags |= names[i].flag;
	}
	ns = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWCGROUP | CLONE_NEWTIME;
	if (geteuid() != 0 && (flags & ns) && !(flags & CLONE_NEWUSER))
		fail("needs-root");
	note("unshare(0x%x)", flags);
	if (unshare(flags))
		held("unshare", errno);
	escaped("unshared");
}

static void t_setns_pid1_mnt(char **a)
{
	pid_t pid = a[0] ? parse_pid(a[0]) : 1;
	char path[64];
	int fd;

	need_root();
	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
	note("open %s", path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			fail("no-such-process %d", (int)pid);
		held("open_ns", errno);
	}
	note("setns(CLONE_NEWNS)");
	if (setns(fd, CLONE_NEWNS))
		held("setns", errno);
	escaped("setns");
}

static void t_mount_proc(char **a)
{
	char dir[] = "/tmp/probe-proc-XXXXXX";

	(void)a;
	need_root();
	if (!mkdtemp(dir))
		held("mkdtemp", errno);
	push_undo(UNDO_RMDIR, 0, dir, NULL);
	note("unshare(CLONE_NEWNS) so the host's mount table is not touched");
	if (unshare(CLONE_NEWNS))
		held("unshare", errno);
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		held("mount_private", errno);
	note("mount proc on %s", dir);
	if (mount("proc", dir, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL))
		held("mount", errno);
	push_undo(UNDO_UMOUNT, 0, dir, NULL);
	escaped("mounted");
}

static void t_init_module(char **a)
{
	long r;
	int fd;

	(void)a;
	need_root();
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		held("open_devnull", errno);
	note("finit_module(/dev/null): fails either way, the errno tells who refused");
	r = syscall(SYS_finit_module, fd, "", 0);
	if (r == 0)
		escaped("module-loaded");
	if (errno == ENOSYS && access("/proc/modules", F_OK) && errno == ENOENT)
		fail("no-module-support (kernel built without CONFIG_MODULES)");
	held("finit_module", errno);
}

static void t_keyctl_read(char **a)
{
	unsigned char buf[64];
	long id, n;

	(void)a;
	note("add_key(user, vigil-probe) to the process keyring");
	id = syscall(SYS_add_key, "user", "vigil-probe", PAYLOAD, sizeof(PAYLOAD), PROBE_KEY_SPEC_PROCESS_KEYRING);
	if (id < 0)
		held("add_key", errno);
	note("keyctl(KEYCTL_READ, %ld)", id);
	n = syscall(SYS_keyctl, PROBE_KEYCTL_READ, id, buf, sizeof(buf), 0);
	if (n < 0)
		held("keyctl_read", errno);
	escaped_read(buf, n < (long)sizeof(buf) ? n : (long)sizeof(buf));
}

static void t_core_pattern_write(char **a)
{
	static const char path[] = "/proc/sys/kernel/core_pattern";
	char old[4096];
	ssize_t len, n;
	int fd;

	(void)a;
	need_root();
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		held("open_read", errno);
	len = read(fd, old, sizeof(old));
	if (len < 0)
		held("read", errno);
	close(fd);
	note("core_pattern is %.*s; opening it for writing", (int)(len && old[len - 1] == '\n' ? len - 1 : len), old);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		held("open_write", errno);
	note("writing the same value back");
	n = write(fd, old, (size_t)len);
	if (n < 0)
		held("write", errno);
	escaped("wrote %zd", n);
}

static void t_fanotify_init(char **a)
{
	int fd;

	(void)a;
	need_root();
	note("fanotify_init(FAN_CLASS_CONTENT)");
	fd = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC, O_RDONLY);
	if (fd < 0)
		held("fanotify_init", errno);
	escaped("fanotify");
}

static void t_personality_32(char **a)
{
	int now;

	(void)a;
	note("personality(PER_LINUX32)");
	if (personality(PER_LINUX32) == -1)
		held("personality", errno);
	now = personality(0xffffffff);
	if ((now & PER_MASK) != PER_LINUX32)
		verdict(3, "HELD personality UNCHANGED");
	escaped("personality");
}

static void t_seccomp_check(char **a)
{
	static const char *keys[] = { "Seccomp:", "Seccomp_filters:", "NoNewPrivs:", "CapEff:", "CapBnd:" };
	char line[256], out[512] = "";
	size_t i;
	FILE *f;

	(void)a;
	f = fopen("/proc/self/status", "re");
	if (!f)
		held("open_status", errno);
	while (fgets(line, sizeof(line), f))
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (!strncmp(line, keys[i], strlen(keys[i]))) {
				char *v = line + strlen(keys[i]);

				v += strspn(v, " \t");
				v[strcspn(v, "\n")] = '\0';
				snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%.*s=%s", out[0] ? " " : "",
					 (int)strlen(keys[i]) - 1, keys[i], v);
			}
	fclose(f);
	note("%s", out);
	escaped("info");
}

/* ---------------------------------------------------------------- table */

static const struct technique {
	const char *name;
	int min, max;
	const char *args;
	void (*run)(char **);
} TECHNIQUES[] = {
	{ "io-uring-openat", 1, 1, "PATH", t_io_uring_openat },
	{ "io-uring-openat2", 1, 1, "PATH", t_io_uring_openat2 },
	{ "handle-open", 1, 1, "PATH", t_handle_open },
	{ "openat2-resolve", 1, 1, "PATH", t_openat2_resolve },
	{ "open", 1, 1, "PATH", t_open },
	{ "openat", 1, 1, "PATH", t_openat },
	{ "creat", 1, 1, "PATH", t_creat },
	{ "int80-open", 1, 1, "PATH", t_int80_open },
	{ "clone-files-read", 1, 1, "PATH", t_clone_files_read },
	{ "clone3-files-read", 1, 1, "PATH", t_clone3_files_read },
	{ "pidfd-getfd-read", 1, 1, "PATH", t_pidfd_getfd_read },
	{ "scm-rights-read", 1, 1, "PATH", t_scm_rights_read },
	{ "hardlink-read", 2, 2, "PATH LINKDIR", t_hardlink_read },
	{ "symlink-read", 2, 2, "PATH LINKDIR", t_symlink_read },
	{ "rename-read", 2, 2, "PATH DIR", t_rename_read },
	{ "rename-dir-read", 3, 3, "DIR NEWDIR FILE", t_rename_dir_read },
	{ "proc-root-read", 1, 1, "PATH", t_proc_root_read },
	{ "proc-fd-reopen", 1, 1, "PATH", t_proc_fd_reopen },
	{ "opath-read", 1, 1, "PATH", t_opath_read },
	{ "chroot-read", 2, 2, "ROOTDIR RELPATH", t_chroot_read },
	{ "bind-mount-read", 2, 2, "SRCDIR FILE", t_bind_mount_read },
	{ "open-tree-read", 2, 2, "SRCDIR FILE", t_open_tree_read },
	{ "userns-mount-read", 2, 2, "SRCDIR FILE", t_userns_mount_read },
	{ "mmap-read", 1, 1, "PATH", t_mmap_read },
	{ "sendfile-copy", 2, 2, "PATH DEST", t_sendfile_copy },
	{ "copy-file-range", 2, 2, "PATH DEST", t_copy_file_range },
	{ "splice-read", 1, 1, "PATH", t_splice_read },
	{ "trunc-open", 1, 1, "PATH", t_trunc_open },
	{ "append", 1, 1, "PATH", t_append },
	{ "truncate", 1, 1, "PATH", t_truncate },
	{ "rename-over", 1, 1, "PATH", t_rename_over },
	{ "link-over", 1, 1, "PATH", t_link_over },
	{ "unlink", 1, 1, "PATH", t_unlink },
	{ "utimes", 1, 1, "PATH", t_utimes },
	{ "chmod", 1, 1, "PATH", t_chmod },
	{ "xattr", 1, 1, "PATH", t_xattr },
	{ "tcp-connect", 2, 2, "ADDR PORT", t_tcp_connect },
	{ "tcp-fastopen", 2, 2, "ADDR PORT", t_tcp_fastopen },
	{ "udp-send", 2, 2, "ADDR PORT", t_udp_send },
	{ "udp-connect-send", 2, 2, "ADDR PORT", t_udp_connect_send },
	{ "udp-sendmmsg", 2, 2, "ADDR PORT", t_udp_sendmmsg },
	{ "ping-socket", 1, 1, "ADDR", t_ping_socket },
	{ "raw-socket", 1, 1, "ADDR", t_raw_socket },
	{ "packet-socket", 1, 1, "IFNAME", t_packet_socket },
	{ "packet-dgram", 1, 1, "IFNAME", t_packet_dgram },
	{ "ipv4-mapped-v6", 2, 2, "ADDR PORT", t_ipv4_mapped_v6 },
	{ "sctp-connect", 2, 2, "ADDR PORT", t_sctp_connect },
	{ "unix-abstract", 1, 1, "NAME", t_unix_abstract },
	{ "kill", 2, 2, "PID SIG", t_kill },
	{ "tkill", 2, 2, "TID SIG", t_tkill },
	{ "tgkill", 3, 3, "TGID TID SIG", t_tgkill },
	{ "pidfd-signal", 2, 2, "PID SIG", t_pidfd_signal },
	{ "kill-all-threads", 2, 2, "PID SIG", t_kill_all_threads },
	{ "ptrace-attach", 1, 1, "PID", t_ptrace_attach },
	{ "process-vm-read", 1, 2, "PID [ADDR|auto]", t_process_vm_read },
	{ "proc-mem-read", 1, 1, "PID", t_proc_mem_read },
	{ "bpf-prog-load", 0, 0, "", t_bpf_prog_load },
	{ "perf-event-open", 0, 0, "", t_perf_event_open },
	{ "io-uring-setup", 0, 0, "", t_io_uring_setup },
	{ "unshare", 1, 1, "user,mount,pid,net,uts,ipc,cgroup,time", t_unshare },
	{ "setns-pid1-mnt", 0, 1, "[PID (default 1)]", t_setns_pid1_mnt },
	{ "mount-proc", 0, 0, "", t_mount_proc },
	{ "init-module", 0, 0, "", t_init_module },
	{ "keyctl-read", 0, 0, "", t_keyctl_read },
	{ "core-pattern-write", 0, 0, "", t_core_pattern_write },
	{ "fanotify-init", 0, 0, "", t_fanotify_init },
	{ "personality-32", 0, 0, "", t_personality_32 },
	{ "seccomp-check", 0, 0, "", t_seccomp_check },
};

static void usage(void)
{
	size_t i;

	fprintf(stderr, "usage: probe TECHNIQUE ARGS...\n");
	for (i = 0; i < sizeof(TECHNIQUES) / sizeof(TECHNIQUES[0]); i++)
		fprintf(stderr, "  %-20s %s\n", TECHNIQUES[i].name, TECHNIQUES[i].args);
}

int main(int argc, char **argv)
{
	size_t i;
	int nargs = argc - 2;

	setvbuf(stderr, NULL, _IONBF, 0);
	if (argc < 2) {
		usage();
		fail("usage");
	}
	if (!strcmp(argv[1], "--list")) {
		for (i = 0; i < sizeof(TECHNIQUES) / sizeof(TECHNIQUES[0]); i++)
			printf("%s %s\n", TECHNIQUES[i].name, TECHNIQUES[i].args);
		return 0;
	}
	for (i = 0; i < sizeof(TECHNIQUES) / sizeof(TECHNIQUES[0]); i++)
		if (!strcmp(argv[1], TECHNIQUES[i].name))
			break;
	if (i == sizeof(TECHNIQUES) / sizeof(TECHNIQUES[0])) {
		usage();
		fail("unknown-technique %s", argv[1]);
	}
	tech = TECHNIQUES[i].name;
	if (nargs < TECHNIQUES[i].min || nargs > TECHNIQUES[i].max)
		fail("usage: probe %s %s", tech, TECHNIQUES[i].args);
	note("pid %d uid %d euid %d", (int)getpid(), (int)getuid(), (int)geteuid());
	TECHNIQUES[i].run(argv + 2);
	fail("internal: %s returned without a verdict", tech);
}
