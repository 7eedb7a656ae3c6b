// SPDX-License-Identifier: Apache-2.0
// vigil bench helper: times one system call pattern in a tight loop, or times one command.
// Every mode first waits for one byte on stdin (the gate), so the bench can watch this
// process before its first measured instruction. Output: one JSON line on stdout.
//
//   ops open    N PATH [RATE]   open(O_RDONLY)+close of PATH, N times (RATE ops/s if given)
//   ops denied  N PATH          open(O_RDONLY) of PATH expected to fail
//   ops connect N               socket+connect+close to a loopback listener thread (RST close)
//   ops exec    N               fork + execve(/bin/true) + waitpid
//   ops run     CMD ARGS...     fork + execvp(CMD) + waitpid, once
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void gate(void) {
  char c;
  if (read(0, &c, 1) != 1) exit(3);
}

static int listen_fd;

static void *acceptor(void *arg) {
  (void)arg;
  for (;;) {
    int c = accept(listen_fd, NULL, NULL);
    if (c >= 0) close(c);
  }
  return NULL;
}

static int spawn_wait(char *const argv[]) {
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    execvp(argv[0], argv);
    _exit(127);
  }
  int st;
  if (waitpid(pid, &st, 0) < 0) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: ops open|denied|connect|exec N [PATH [RATE]] | ops run CMD...\n");
    return 2;
  }
  const char *mode = argv[1];
  if (strcmp(mode, "run") == 0) {
    gate();
    uint64_t t0 = now_ns();
    int st = spawn_wait(&argv[2]);
    uint64_t t1 = now_ns();
    printf("{\"ns\":%llu,\"status\":%d}\n", (unsigned long long)(t1 - t0), st);
    return 0;
  }
  long n = atol(argv[2]);
  const char *path = argc > 3 ? argv[3] : "";
  double rate = argc > 4 ? atof(argv[4]) : 0;
  struct sockaddr_in addr = {.sin_family = AF_INET};
  if (strcmp(mode, "connect") == 0) {
    listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (bind(listen_fd, (struct sockaddr *)&addr, len) || listen(listen_fd, 4096) ||
        getsockname(listen_fd, (struct sockaddr *)&addr, &len)) {
      perror("listen");
      return 1;
    }
    pthread_t t;
    pthread_create(&t, NULL, acceptor, NULL);
  }
  char *const true_argv[] = {"/bin/true", NULL};
  long ok = 0, fail = 0, last_errno = 0;
  long warm = n / 10 > 0 ? n / 10 : 1;
  gate();
  uint64_t t0 = 0;
  for (long i = -warm; i < n; i++) {
    if (i == 0) t0 = now_ns();
    if (rate > 0 && i >= 0) {
      uint64_t due = t0 + (uint64_t)((double)i * 1e9 / rate);
      while (now_ns() < due) {
      }
    }
    int r = 0;
    if (strcmp(mode, "open") == 0 || strcmp(mode, "denied") == 0) {
      int fd = open(path, O_RDONLY | O_CLOEXEC);
      if (fd >= 0) close(fd);
      r = fd >= 0 ? 0 : -1;
    } else if (strcmp(mode, "connect") == 0) {
      int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      struct linger lg = {1, 0}; // RST on close: no TIME_WAIT, no port exhaustion
      setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
      r = connect(s, (struct sockaddr *)&addr, sizeof addr);
      close(s);
    } else if (strcmp(mode, "exec") == 0) {
      r = spawn_wait(true_argv) == 0 ? 0 : -1;
    } else {
      fprintf(stderr, "unknown mode %s\n", mode);
      return 2;
    }
    if (i < 0) continue;
    if (r == 0) ok++;
    else {
      fail++;
      last_errno = errno;
    }
  }
  uint64_t t1 = now_ns();
  printf("{\"ns\":%llu,\"n\":%ld,\"ok\":%ld,\"fail\":%ld,\"errno\":\"%s\"}\n", (unsigned long long)(t1 - t0), n,
         ok, fail, fail ? strerrorname_np((int)last_errno) : "");
  return 0;
}
