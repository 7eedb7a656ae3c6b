// SPDX-License-Identifier: Apache-2.0
// vigil bench peer: runs a command under a Landlock ruleset that grants every filesystem right
// beneath each ALLOW directory and nothing elsewhere (so a file outside them is refused with
// EACCES), like a sandbox that denies a credentials folder. Network is not restricted: the
// TCP port of the bench's listener is not known in advance.
//   landlock-run ALLOW... -- CMD ARGS...
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/landlock.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv) {
  int abi = (int)syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
  if (abi < 1) {
    perror("landlock unsupported");
    return 1;
  }
  __u64 fs = LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE |
             LANDLOCK_ACCESS_FS_READ_DIR | LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |
             LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |
             LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |
             LANDLOCK_ACCESS_FS_MAKE_SYM;
  struct landlock_ruleset_attr attr = {.handled_access_fs = fs};
  int rs = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0);
  if (rs < 0) {
    perror("landlock_create_ruleset");
    return 1;
  }
  int i = 1;
  for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
    int fd = open(argv[i], O_PATH | O_CLOEXEC);
    if (fd < 0) continue;
    struct landlock_path_beneath_attr pb = {.allowed_access = fs, .parent_fd = fd};
    if (syscall(SYS_landlock_add_rule, rs, LANDLOCK_RULE_PATH_BENEATH, &pb, 0)) {
      // a file, not a folder: only the file rights apply
      pb.allowed_access = LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE;
      syscall(SYS_landlock_add_rule, rs, LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
    }
    close(fd);
  }
  if (i + 1 >= argc) {
    fprintf(stderr, "usage: landlock-run ALLOW... -- CMD ARGS...\n");
    return 2;
  }
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || syscall(SYS_landlock_restrict_self, rs, 0)) {
    perror("landlock_restrict_self");
    return 1;
  }
  close(rs);
  execvp(argv[i + 1], &argv[i + 1]);
  perror("execvp");
  return 127;
}
