// SPDX-License-Identifier: Apache-2.0
// A BPF map by file descriptor: element and batch operations, pinning. The handle owns its own
// duplicate of the fd, so it stays valid independently of the object it came from.
#pragma once

#include <napi.h>

#include <string>

namespace vigil {

class MapWrap : public Napi::ObjectWrap<MapWrap> {
 public:
  static Napi::Function Init(Napi::Env env);
  // Wraps `fd` (ownership moves to the new handle); throws and returns empty on failure.
  static Napi::Value FromFd(Napi::Env env, int fd, const std::string& name);
  explicit MapWrap(const Napi::CallbackInfo& info);
  ~MapWrap() override;

 private:
  Napi::Value Info(const Napi::CallbackInfo& info);
  Napi::Value Lookup(const Napi::CallbackInfo& info);
  Napi::Value Update(const Napi::CallbackInfo& info);
  Napi::Value Delete(const Napi::CallbackInfo& info);
  Napi::Value NextKey(const Napi::CallbackInfo& info);
  Napi::Value LookupBatch(const Napi::CallbackInfo& info);
  Napi::Value UpdateBatch(const Napi::CallbackInfo& info);
  Napi::Value DeleteBatch(const Napi::CallbackInfo& info);
  Napi::Value Pin(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Fd(const Napi::CallbackInfo& info);

  bool CheckOpen(Napi::Env env, const char* op);
  bool CheckKey(Napi::Env env, const Napi::Value& v, const char* op);

  int fd_ = -1;
  std::string name_;
  uint32_t type_ = 0;
  uint32_t id_ = 0;
  uint32_t key_size_ = 0;
  uint32_t value_size_ = 0;     // as the kernel declares it
  uint32_t value_buf_size_ = 0; // per-CPU maps: one 8-aligned slot per possible CPU
  uint32_t max_entries_ = 0;
  uint32_t flags_ = 0;
};

}  // namespace vigil
