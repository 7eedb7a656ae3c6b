// SPDX-License-Identifier: Apache-2.0
#include "probing.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "errors.h"
#include "link.h"
#include "map.h"

#ifndef LANDLOCK_CREATE_RULESET_VERSION
#define LANDLOCK_CREATE_RULESET_VERSION (1U << 0)
#endif

namespace vigil {

namespace {

Napi::Object Result(Napi::Env env, int value, int err) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("value", value);
  o.Set("errno", err);
  o.Set("code", err ? strerrorname_np(err) : "");
  return o;
}

// The kind of BPF object behind an fd, as /proc/self/fdinfo names it ("map", "link", "prog").
std::string FdKind(int fd) {
  std::ifstream in("/proc/self/fdinfo/" + std::to_string(fd));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("map_type:", 0) == 0) return "map";
    if (line.rfind("link_type:", 0) == 0) return "link";
    if (line.rfind("prog_type:", 0) == 0) return "prog";
  }
  return "other";
}

}  // namespace

// { value: ABI version or -1, errno }
Napi::Value LandlockAbi(const Napi::CallbackInfo& info) {
  long abi = syscall(SYS_landlock_create_ruleset, nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION);
  return Result(info.Env(), abi < 0 ? -1 : static_cast<int>(abi), abi < 0 ? errno : 0);
}

// seccompActionAvailable(action): { value: 1 if the kernel supports the filter return action }
Napi::Value SeccompActionAvailable(const Napi::CallbackInfo& info) {
  uint32_t action = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().Uint32Value()
                                                            : SECCOMP_RET_ERRNO;
  long r = syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action);
  return Result(info.Env(), r == 0 ? 1 : 0, r == 0 ? 0 : errno);
}

// setUndumpable(): { value: 0, errno }. A process that is not dumpable can be traced, or have
// its /proc/PID/mem and fds opened, only with CAP_SYS_PTRACE, which `vigil run` takes from the
// agent: the same uid (a root agent) is no longer enough.
Napi::Value SetUndumpable(const Napi::CallbackInfo& info) {
  int r = prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  return Result(info.Env(), r, r == 0 ? 0 : errno);
}

Napi::Value NumPossibleCpus(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), libbpf_num_possible_cpus());
}

// CLOCK_BOOTTIME, the clock of bpf_ktime_get_boot_ns(): expiry times the hooks compare against.
Napi::Value BoottimeNs(const Napi::CallbackInfo& info) {
  struct timespec ts;
  clock_gettime(CLOCK_BOOTTIME, &ts);
  uint64_t ns = static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
  return Napi::BigInt::New(info.Env(), ns);
}

// peerCredentials(fd): { pid, uid, gid } of the process at the other end of a Unix socket, as the
// kernel recorded it at connect (SO_PEERCRED): what a client says about itself is not needed.
Napi::Value PeerCredentials(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) return ThrowType(env, "peerCredentials(fd)");
  int fd = info[0].As<Napi::Number>().Int32Value();
  struct ucred cred = {};
  socklen_t len = sizeof(cred);
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
    return ThrowErrno(env, errno, "peerCredentials", std::to_string(fd),
                      "cannot read the peer of socket fd " + std::to_string(fd));
  Napi::Object o = Napi::Object::New(env);
  o.Set("pid", static_cast<double>(cred.pid));
  o.Set("uid", static_cast<double>(cred.uid));
  o.Set("gid", static_cast<double>(cred.gid));
  return o;
}

Napi::Value LibbpfVersion(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), libbpf_version_string());
}

Napi::Value OpenPinnedMap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) return ThrowType(env, "openPinnedMap(path)");
  std::string path = info[0].As<Napi::String>();
  int fd = bpf_obj_get(path.c_str());
  if (fd < 0) return ThrowErrno(env, errno, "openPinned", path, "cannot open pinned map " + path);
  if (FdKind(fd) != "map") {
    close(fd);
    return ThrowErrno(env, EINVAL, "openPinned", path, path + " is not a pinned map");
  }
  return MapWrap::FromFd(env, fd, "");
}

Napi::Value OpenPinnedLink(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) return ThrowType(env, "openPinnedLink(path)");
  std::string path = info[0].As<Napi::String>();
  int fd = bpf_obj_get(path.c_str());
  if (fd < 0) return ThrowErrno(env, errno, "openPinned", path, "cannot open pinned link " + path);
  std::string kind = FdKind(fd);
  close(fd);
  if (kind != "link") return ThrowErrno(env, EINVAL, "openPinned", path, path + " is not a pinned link");
  LogBegin();
  struct bpf_link* link = bpf_link__open(path.c_str());
  if (link == nullptr) return ThrowErrno(env, errno, "openPinned", path, "cannot open pinned link " + path);
  return LinkWrap::FromLink(env, link, path);
}

}  // namespace vigil
