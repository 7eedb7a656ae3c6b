// SPDX-License-Identifier: Apache-2.0
#include "errors.h"

#include <bpf/libbpf.h>
#include <string.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <mutex>

namespace vigil {

namespace {

std::mutex log_mutex;
std::string log_buffer;
bool log_debug = false;
constexpr size_t kLogMax = 64 * 1024;  // the tail of a verifier log holds the reason

int LibbpfPrint(enum libbpf_print_level level, const char* fmt, va_list args) {
  if (level == LIBBPF_DEBUG && !log_debug) return 0;
  va_list copy;
  va_copy(copy, args);
  int n = vsnprintf(nullptr, 0, fmt, copy);
  va_end(copy);
  if (n < 0) return 0;
  std::string line(static_cast<size_t>(n) + 1, '\0');
  vsnprintf(line.data(), line.size(), fmt, args);
  line.resize(static_cast<size_t>(n));
  if (log_debug) fputs(line.c_str(), stderr);
  std::lock_guard<std::mutex> lock(log_mutex);
  log_buffer.append(line);
  if (log_buffer.size() > kLogMax) log_buffer.erase(0, log_buffer.size() - kLogMax);
  return n;
}

// libbpf's own error numbers (4000 and up) have no errno name.
const char* const kLibbpfErrnoNames[] = {
    "LIBBPF_ERRNO__LIBELF", "LIBBPF_ERRNO__FORMAT", "LIBBPF_ERRNO__KVERSION", "LIBBPF_ERRNO__ENDIAN",
    "LIBBPF_ERRNO__INTERNAL", "LIBBPF_ERRNO__RELOC", "LIBBPF_ERRNO__LOAD", "LIBBPF_ERRNO__VERIFY",
    "LIBBPF_ERRNO__PROG2BIG", "LIBBPF_ERRNO__KVER", "LIBBPF_ERRNO__PROGTYPE", "LIBBPF_ERRNO__WRNGPID",
    "LIBBPF_ERRNO__INVSEQ", "LIBBPF_ERRNO__NLPARSE",
};

std::string ErrnoName(int err) {
  int idx = err - __LIBBPF_ERRNO__START;
  if (idx >= 0 && idx < static_cast<int>(sizeof(kLibbpfErrnoNames) / sizeof(kLibbpfErrnoNames[0])))
    return kLibbpfErrnoNames[idx];
  const char* name = strerrorname_np(err);
  return name ? name : "E" + std::to_string(err);
}

std::string ErrnoText(int err) {
  char buf[256];
  if (libbpf_strerror(err, buf, sizeof(buf)) == 0) return buf;
  return strerror(err);
}

}  // namespace

AddonData* GetData(Napi::Env env) { return env.GetInstanceData<AddonData>(); }

void InstallLibbpfPrint() {
  const char* dbg = getenv("VIGIL_LIBBPF_DEBUG");
  log_debug = dbg != nullptr && dbg[0] != '\0' && dbg[0] != '0';
  libbpf_set_print(LibbpfPrint);
}

void LogBegin() {
  std::lock_guard<std::mutex> lock(log_mutex);
  log_buffer.clear();
}

std::string LogTake() {
  std::lock_guard<std::mutex> lock(log_mutex);
  std::string out;
  out.swap(log_buffer);
  return out;
}

Napi::Value ThrowErrno(Napi::Env env, int err, const char* op, const std::string& target,
                       const std::string& message) {
  if (err < 0) err = -err;
  std::string log = LogTake();
  AddonData* data = GetData(env);
  Napi::Object info = Napi::Object::New(env);
  info.Set("code", ErrnoName(err));
  info.Set("errno", err);
  info.Set("op", op);
  info.Set("target", target);
  info.Set("log", log);
  std::string full = message + ": " + ErrnoText(err);
  if (data == nullptr || data->error_factory.IsEmpty()) {
    Napi::Error::New(env, full).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Value error = data->error_factory.Call({Napi::String::New(env, full), info});
  if (!env.IsExceptionPending()) napi_throw(env, error);
  return env.Undefined();
}

Napi::Value ThrowType(Napi::Env env, const std::string& message) {
  Napi::TypeError::New(env, message).ThrowAsJavaScriptException();
  return env.Undefined();
}

}  // namespace vigil
