// SPDX-License-Identifier: Apache-2.0
// An attachment of a program (struct bpf_link): pin, unpin, detach, destroy.
#pragma once

#include <bpf/libbpf.h>
#include <napi.h>

#include <string>

namespace vigil {

class LinkWrap : public Napi::ObjectWrap<LinkWrap> {
 public:
  static Napi::Function Init(Napi::Env env);
  // Wraps `link` (ownership moves to the new handle).
  static Napi::Value FromLink(Napi::Env env, struct bpf_link* link, const std::string& name);
  explicit LinkWrap(const Napi::CallbackInfo& info);
  ~LinkWrap() override;

 private:
  Napi::Value Info(const Napi::CallbackInfo& info);
  Napi::Value Pin(const Napi::CallbackInfo& info);
  Napi::Value Unpin(const Napi::CallbackInfo& info);
  Napi::Value Detach(const Napi::CallbackInfo& info);
  Napi::Value Destroy(const Napi::CallbackInfo& info);

  struct bpf_link* link_ = nullptr;
  std::string name_;
};

}  // namespace vigil
