// SPDX-License-Identifier: Apache-2.0
#include "link.h"

#include <bpf/bpf.h>
#include <string.h>

#include "errors.h"

namespace vigil {

Napi::Function LinkWrap::Init(Napi::Env env) {
  return DefineClass(env, "BpfLink",
                     {
                         InstanceMethod<&LinkWrap::Info>("info"),
                         InstanceMethod<&LinkWrap::Pin>("pin"),
                         InstanceMethod<&LinkWrap::Unpin>("unpin"),
                         InstanceMethod<&LinkWrap::Detach>("detach"),
                         InstanceMethod<&LinkWrap::Destroy>("destroy"),
                     });
}

Napi::Value LinkWrap::FromLink(Napi::Env env, struct bpf_link* link, const std::string& name) {
  Napi::External<struct bpf_link> ext = Napi::External<struct bpf_link>::New(env, link);
  return GetData(env)->link_ctor.New({ext, Napi::String::New(env, name)});
}

LinkWrap::LinkWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<LinkWrap>(info) {
  if (info.Length() < 2 || !info[0].IsExternal()) {
    ThrowType(info.Env(), "BpfLink cannot be constructed directly: use BpfObject.attach() or openPinnedLink()");
    return;
  }
  link_ = info[0].As<Napi::External<struct bpf_link>>().Data();
  name_ = info[1].As<Napi::String>();
}

// Dropping the last reference without destroy() still releases the fd; a pinned link stays.
LinkWrap::~LinkWrap() {
  if (link_ != nullptr) bpf_link__destroy(link_);
}

Napi::Value LinkWrap::Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("program", name_);
  o.Set("destroyed", link_ == nullptr);
  if (link_ == nullptr) return o;
  o.Set("fd", bpf_link__fd(link_));
  const char* pin = bpf_link__pin_path(link_);
  o.Set("pinPath", pin ? Napi::Value(Napi::String::New(env, pin)) : env.Null());
  struct bpf_link_info li;
  memset(&li, 0, sizeof(li));
  uint32_t len = sizeof(li);
  if (bpf_obj_get_info_by_fd(bpf_link__fd(link_), &li, &len) == 0) {
    o.Set("id", li.id);
    o.Set("progId", li.prog_id);
    const char* type = libbpf_bpf_link_type_str(static_cast<enum bpf_link_type>(li.type));
    o.Set("type", type ? type : "unknown");
  }
  return o;
}

Napi::Value LinkWrap::Pin(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (link_ == nullptr) return ThrowErrno(env, EBADF, "pin", name_, "link of '" + name_ + "' is destroyed");
  if (info.Length() < 1 || !info[0].IsString()) return ThrowType(env, "pin(path): path must be a string");
  std::string path = info[0].As<Napi::String>();
  LogBegin();
  int err = bpf_link__pin(link_, path.c_str());
  if (err) return ThrowErrno(env, err, "pin", name_, "cannot pin link of '" + name_ + "' at " + path);
  return env.Undefined();
}

Napi::Value LinkWrap::Unpin(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (link_ == nullptr) return ThrowErrno(env, EBADF, "unpin", name_, "link of '" + name_ + "' is destroyed");
  int err = bpf_link__unpin(link_);
  if (err) return ThrowErrno(env, err, "unpin", name_, "cannot unpin link of '" + name_ + "'");
  return env.Undefined();
}

// Detaches the program now even if the link is pinned elsewhere (BPF_LINK_DETACH).
Napi::Value LinkWrap::Detach(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (link_ == nullptr) return ThrowErrno(env, EBADF, "detach", name_, "link of '" + name_ + "' is destroyed");
  int err = bpf_link__detach(link_);
  if (err) return ThrowErrno(env, err, "detach", name_, "cannot detach '" + name_ + "'");
  return env.Undefined();
}

Napi::Value LinkWrap::Destroy(const Napi::CallbackInfo& info) {
  if (link_ != nullptr) bpf_link__destroy(link_);
  link_ = nullptr;
  return info.Env().Undefined();
}

}  // namespace vigil
