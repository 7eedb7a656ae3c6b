// SPDX-License-Identifier: Apache-2.0
/*
 * The agent in a PID namespace of its own, so that it cannot name vigil's processes or threads
 * at all: kill(), tgkill(), pidfd_open() and ptrace() take PIDs of the caller's namespace, and
 * vigil is not in it (a kill() aimed at a thread id of vigil's node process is the way around a
 * per-PID filter; here there is no such id to aim at).
 *
 *   launcher (vigil's namespace) ── init (PID 1 of the new one) ── agent (PID 2)
 *
 * The init reaps orphans (as PID 1 must), passes on the signals vigil sends, and tells the
 * launcher how the agent ended; the launcher then ends the same way (same exit code, or the
 * same signal), so `vigil run` reports what the agent did. When the agent's process ends, the
 * init exits and the kernel ends whatever the agent left behind in its namespace.
 * Signals from the terminal (Ctrl-C) reach the agent directly (same process group) and are not
 * passed on a second time: only signals sent by a process (SI_USER, SI_QUEUE) are.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pid-init.h"

static const int RELAYED[] = { SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT };
static volatile sig_atomic_t target;

static void relay(int sig, siginfo_t *info, void *uctx)
{
	(void)uctx;
	if (target > 0 && (info->si_code == SI_USER || info->si_code == SI_QUEUE))
		kill(target, sig);
}

static void relay_signals(pid_t to)
{
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = relay;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	target = to;
	for (i = 0; i < sizeof(RELAYED) / sizeof(RELAYED[0]); i++)
		sigaction(RELAYED[i], &sa, NULL);
}

static void default_signals(void)
{
	size_t i;

	for (i = 0; i < sizeof(RELAYED) / sizeof(RELAYED[0]); i++)
		signal(RELAYED[i], SIG_DFL);
}

/* PID 1: start the agent, reap everything, report the agent's wait status on `report`. */
static int init_main(char **command, int report)
{
	pid_t agent = fork();
	int status = 0, agent_status = -1;
	pid_t got;

	if (agent < 0) {
		fprintf(stderr, "vigil-launch: cannot start %s: %s\n", command[0], strerror(errno));
		return 126;
	}
	if (agent == 0) {
		close(report);
		execvp(command[0], command);
		fprintf(stderr, "vigil-launch: cannot run %s: %s\n", command[0], strerror(errno));
		_exit(127);
	}
	relay_signals(agent);
	for (;;) {
		got = waitpid(-1, &status, 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			break; /* no child left */
		if (got == agent) {
			agent_status = status;
			break;
		}
	}
	if (write(report, &agent_status, sizeof(agent_status)) != sizeof(agent_status))
		return 126;
	return 0;
}

/* Ends this process the way the agent ended. */
static int mirror(int status)
{
	struct rlimit none = { 0, 0 };

	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (!WIFSIGNALED(status))
		return 126;
	default_signals();
	signal(WTERMSIG(status), SIG_DFL);
	setrlimit(RLIMIT_CORE, &none); /* the agent's core, if any, is the agent's, not ours */
	raise(WTERMSIG(status));
	return 128 + WTERMSIG(status);
}

int pid_init_run(char **command)
{
	int pipefd[2], status = -1, init_status = 0;
	pid_t init;
	ssize_t n;

	if (pipe2(pipefd, O_CLOEXEC)) {
		perror("vigil-launch: pipe");
		return 126;
	}
	init = fork(); /* the first child after unshare(CLONE_NEWPID): PID 1 there */
	if (init < 0) {
		perror("vigil-launch: cannot start the namespace's init");
		return 126;
	}
	if (init == 0) {
		close(pipefd[0]);
		_exit(init_main(command, pipefd[1]));
	}
	close(pipefd[1]);
	relay_signals(init);
	do
		n = read(pipefd[0], &status, sizeof(status));
	while (n < 0 && errno == EINTR);
	while (waitpid(init, &init_status, 0) < 0 && errno == EINTR)
		;
	target = 0;
	if (n != sizeof(status) || status == -1) {
		/* the init died first (killed from outside): end as it did */
		return mirror(init_status);
	}
	return mirror(status);
}
