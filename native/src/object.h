// SPDX-License-Identifier: Apache-2.0
// A BPF object file: open, set read-only config, choose programs, load, attach, test-run.
#pragma once

#include <bpf/libbpf.h>
#include <napi.h>

#include <string>

namespace vigil {

class ObjectWrap : public Napi::ObjectWrap<ObjectWrap> {
 public:
  static Napi::Function Init(Napi::Env env);
  explicit ObjectWrap(const Napi::CallbackInfo& info);
  ~ObjectWrap() override;

 private:
  Napi::Value Programs(const Napi::CallbackInfo& info);
  Napi::Value Maps(const Napi::CallbackInfo& info);
  Napi::Value RodataVars(const Napi::CallbackInfo& info);
  Napi::Value WriteRodata(const Napi::CallbackInfo& info);
  Napi::Value SetAutoload(const Napi::CallbackInfo& info);
  Napi::Value Load(const Napi::CallbackInfo& info);
  Napi::Value Attach(const Napi::CallbackInfo& info);
  Napi::Value Map(const Napi::CallbackInfo& info);
  Napi::Value ReuseMap(const Napi::CallbackInfo& info);
  Napi::Value TestRun(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);

  bool CheckOpen(Napi::Env env, const char* op);
  struct bpf_program* FindProgram(Napi::Env env, const Napi::Value& name, const char* op);
  struct bpf_map* RodataMap();

  struct bpf_object* obj_ = nullptr;
  std::string path_;
  bool loaded_ = false;
};

}  // namespace vigil
