// SPDX-License-Identifier: Apache-2.0
#include "object.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "errors.h"
#include "link.h"
#include "map.h"

namespace vigil {

Napi::Function ObjectWrap::Init(Napi::Env env) {
  return DefineClass(env, "BpfObject",
                     {
                         InstanceMethod<&ObjectWrap::Programs>("programs"),
                         InstanceMethod<&ObjectWrap::Maps>("maps"),
                         InstanceMethod<&ObjectWrap::RodataVars>("rodataVars"),
                         InstanceMethod<&ObjectWrap::WriteRodata>("writeRodata"),
                         InstanceMethod<&ObjectWrap::SetAutoload>("setAutoload"),
                         InstanceMethod<&ObjectWrap::Load>("load"),
                         InstanceMethod<&ObjectWrap::Attach>("attach"),
                         InstanceMethod<&ObjectWrap::Map>("map"),
                         InstanceMethod<&ObjectWrap::ReuseMap>("reuseMap"),
                         InstanceMethod<&ObjectWrap::TestRun>("testRun"),
                         InstanceMethod<&ObjectWrap::Close>("close"),
                     });
}

ObjectWrap::ObjectWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ObjectWrap>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) {
    ThrowType(env, "BpfObject(path): path must be a string");
    return;
  }
  path_ = info[0].As<Napi::String>();
  LogBegin();
  obj_ = bpf_object__open_file(path_.c_str(), nullptr);
  if (obj_ == nullptr) {
    int err = errno;
    ThrowErrno(env, err, "open", path_, "cannot open BPF object " + path_);
  }
}

ObjectWrap::~ObjectWrap() {
  if (obj_ != nullptr) bpf_object__close(obj_);
}

bool ObjectWrap::CheckOpen(Napi::Env env, const char* op) {
  if (obj_ != nullptr) return true;
  ThrowErrno(env, EBADF, op, path_, "BPF object " + path_ + " is closed");
  return false;
}

struct bpf_program* ObjectWrap::FindProgram(Napi::Env env, const Napi::Value& name, const char* op) {
  if (!name.IsString()) {
    ThrowType(env, std::string(op) + ": program name must be a string");
    return nullptr;
  }
  std::string n = name.As<Napi::String>();
  struct bpf_program* prog = bpf_object__find_program_by_name(obj_, n.c_str());
  if (prog == nullptr) ThrowErrno(env, ENOENT, op, n, "no program '" + n + "' in " + path_);
  return prog;
}

struct bpf_map* ObjectWrap::RodataMap() {
  struct bpf_map* map;
  bpf_object__for_each_map(map, obj_) {
    const char* name = bpf_map__name(map);
    size_t len = strlen(name);
    if (bpf_map__is_internal(map) && len >= 7 && strcmp(name + len - 7, ".rodata") == 0) return map;
  }
  return nullptr;
}

Napi::Value ObjectWrap::Programs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env, "programs")) return env.Undefined();
  Napi::Array out = Napi::Array::New(env);
  struct bpf_program* prog;
  uint32_t i = 0;
  bpf_object__for_each_program(prog, obj_) {
    Napi::Object p = Napi::Object::New(env);
    p.Set("name", bpf_program__name(prog));
    p.Set("section", bpf_program__section_name(prog));
    const char* type = libbpf_bpf_prog_type_str(bpf_program__type(prog));
    p.Set("type", type ? type : "unknown");
    const char* attach = libbpf_bpf_attach_type_str(bpf_program__expected_attach_type(prog));
    p.Set("attachType", attach ? attach : "unknown");
    p.Set("autoload", bpf_program__autoload(prog));
    p.Set("fd", loaded_ ? bpf_program__fd(prog) : -1);
    out.Set(i++, p);
  }
  return out;
}

Napi::Value ObjectWrap::Maps(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env, "maps")) return env.Undefined();
  Napi::Array out = Napi::Array::New(env);
  struct bpf_map* map;
  uint32_t i = 0;
  bpf_object__for_each_map(map, obj_) {
    Napi::Object m = Napi::Object::New(env);
    m.Set("name", bpf_map__name(map));
    const char* type = libbpf_bpf_map_type_str(bpf_map__type(map));
    m.Set("type", type ? type : "unknown");
    m.Set("keySize", bpf_map__key_size(map));
    m.Set("valueSize", bpf_map__value_size(map));
    m.Set("maxEntries", bpf_map__max_entries(map));
    m.Set("internal", bpf_map__is_internal(map));
    out.Set(i++, m);
  }
  return out;
}

// The variables of the .rodata section (const volatile globals) with their place in it, so the
// TypeScript layer can check names and sizes before writing.
Napi::Value ObjectWrap::RodataVars(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env, "rodataVars")) return env.Undefined();
  Napi::Array out = Napi::Array::New(env);
  struct btf* btf = bpf_object__btf(obj_);
  if (btf == nullptr || RodataMap() == nullptr) return out;
  int sec_id = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC);
  if (sec_id < 0) return out;
  const struct btf_type* sec = btf__type_by_id(btf, sec_id);
  const struct btf_var_secinfo* vsi = btf_var_secinfos(sec);
  for (uint16_t i = 0; i < btf_vlen(sec); i++, vsi++) {
    const struct btf_type* var = btf__type_by_id(btf, vsi->type);
    Napi::Object v = Napi::Object::New(env);
    v.Set("name", btf__name_by_offset(btf, var->name_off));
    v.Set("offset", vsi->offset);
    v.Set("size", vsi->size);
    int tid = btf__resolve_type(btf, var->type);
    const struct btf_type* t = tid >= 0 ? btf__type_by_id(btf, tid) : nullptr;
    bool is_int = t != nullptr && btf_is_int(t);
    v.Set("kind", is_int ? "int" : (t != nullptr && btf_is_array(t) ? "array" : "other"));
    v.Set("signed", is_int && (btf_int_encoding(t) & BTF_INT_SIGNED) != 0);
    out.Set(i, v);
  }
  return out;
}

Napi::Value ObjectWrap::WriteRodata(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env, "writeRodata")) return env.Undefined();
  if (loaded_) return ThrowErrno(env, EBUSY, "writeRodata", path_, "read-only config is fixed once loaded");
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsBuffer())
    return ThrowType(env, "writeRodata(offset, buffer)");
  struct bpf_map* map = RodataMap();
  if (map == nullptr) return ThrowErrno(env, ENOENT, "writeRodata", path_, "object has no .rodata section");
  size_t size = 0;
  // libbpf 1.1 returns it const, but before load it is the writable image skeletons write to.
  void* data = const_cast<void*>(bpf_map__initial_value(map, &size));
  int64_t offset = info[0].As<Napi::Number>().Int64Value();
  Napi::Buffer<uint8_t> buf = info[1].As<Napi::Buffer<uint8_t>>();
  if (data == nullptr || offset < 0 || static_cast<size_t>(offset) + buf.Length() > size)
    return ThrowErrno(env, ERANGE, "writeRodata", path_, "write outside .rodata");
  memcpy(static_cast<uint8_t*>(data) + offset, buf.Data(), buf.Length());
  return env.Undefined();
}

Napi::Value ObjectWrap::SetAutoload(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env, "setAutoload")) return env.Undefined();
  if (loaded_) return ThrowErrno(env, EBUSY, "setAutoload", path_, "programs are fixed once loaded");
  struct bpf_program* prog = FindProgram(env, info[0], "setAutoload");
  if (prog == nullptr) return env.Undefined();
  int err = bpf_program__set_autoload(prog, info[1].ToBoolean());
  if (err) return ThrowErrno(env, -err, "setAutoload", bpf_program__name(prog), "cannot set autoload");
  return env.Undefined();
}

Napi::Value ObjectWrap::Load(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env, "load")) return env.Undefined();
  if (loaded_) return ThrowErrno(env, EALREADY, "load", path_, "BPF object " + path_ + " is loaded already");
  LogBegin();
  // The verifier gives up with EAGAIN when a signal is pending (a profiler's SIGPROF, a child's
  // SIGCHLD): hold signals off this thread for the load, they are delivered right after.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  int err = bpf_object__load(obj_);
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (err) return ThrowErrno(env, -err, "load", path_, "cannot load BPF object " + path_);
  LogTake();
  loaded_ = true;
  return env.Undefined();
}

// attach(name, { cgroupPath? }): cgroup programs need a cgroup; the rest attach by section.
Napi::Value ObjectWrap::Attach(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env, "attach")) return env.Undefined();
  struct bpf_program* prog = FindProgram(env, info[0], "attach");
  if (prog == nullptr) return env.Undefined();
  std::string name = bpf_program__name(prog);
  if (!loaded_) return ThrowErrno(env, EINVAL, "attach", name, "load the object before attaching '" + name + "'");
  std::string cgroup;
  if (info.Length() > 1 && info[1].IsObject()) {
    Napi::Value cg = info[1].As<Napi::Object>().Get("cgroupPath");
    if (cg.IsString()) cgroup = cg.As<Napi::String>();
  }
  LogBegin();
  struct bpf_link* link;
  if (!cgroup.empty()) {
    int cg_fd = open(cgroup.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (cg_fd < 0) {
      int err = errno;
      return ThrowErrno(env, err, "attach", name, "cannot open cgroup " + cgroup + " to attach '" + name + "'");
    }
    link = bpf_program__attach_cgroup(prog, cg_fd);
    int err = errno;
    close(cg_fd);
    errno = err;
  } else {
    link = bpf_program__attach(prog);
  }
  if (link == nullptr) {
    int err = errno;
    return ThrowErrno(env, err, "attach", name,
                      "cannot attach program '" + name + "' (section " + bpf_program__section_name(prog) + ")");
  }
  LogTake();
  return LinkWrap::FromLink(env, link, name);
}

Napi::Value ObjectWrap::Map(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env, "map")) return env.Undefined();
  if (info.Length() < 1 || !info[0].IsString()) return ThrowType(env, "map(name): name must be a string");
  std::string name = info[0].As<Napi::String>();
  struct bpf_map* map = bpf_object__find_map_by_name(obj_, name.c_str());
  if (map == nullptr) return ThrowErrno(env, ENOENT, "map", name, "no map '" + name + "' in " + path_);
  if (!loaded_) return ThrowErrno(env, EINVAL, "map", name, "load the object before using map '" + name + "'");
  int fd = fcntl(bpf_map__fd(map), F_DUPFD_CLOEXEC, 3);
  if (fd < 0) return ThrowErrno(env, errno, "map", name, "cannot duplicate the fd of map '" + name + "'");
  return MapWrap::FromFd(env, fd, name);
}

// reuseMap(name, fd): before load, makes the object use an existing map (another object's, by
// fd) instead of creating its own, so two objects share state. libbpf keeps its own duplicate
// of the fd; the caller's stays the caller's.
Napi::Value ObjectWrap::ReuseMap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env, "reuseMap")) return env.Undefined();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsNumber())
    return ThrowType(env, "reuseMap(name, fd): a map name and a map fd");
  std::string name = info[0].As<Napi::String>();
  if (loaded_) return ThrowErrno(env, EBUSY, "reuseMap", name, "maps are fixed once " + path_ + " is loaded");
  struct bpf_map* map = bpf_object__find_map_by_name(obj_, name.c_str());
  if (map == nullptr) return ThrowErrno(env, ENOENT, "reuseMap", name, "no map '" + name + "' in " + path_);
  int fd = info[1].As<Napi::Number>().Int32Value();
  LogBegin();
  int err = bpf_map__reuse_fd(map, fd);
  if (err) return ThrowErrno(env, -err, "reuseMap", name, "cannot reuse map fd " + std::to_string(fd) + " as '" + name + "'");
  LogTake();
  return env.Undefined();
}

// testRun(name, ctx?): BPF_PROG_RUN. For `syscall` programs the kernel writes the context
// back, so the (copied) context is returned as ctxOut.
Napi::Value ObjectWrap::TestRun(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env, "testRun")) return env.Undefined();
  struct bpf_program* prog = FindProgram(env, info[0], "testRun");
  if (prog == nullptr) return env.Undefined();
  std::string name = bpf_program__name(prog);
  if (!loaded_) return ThrowErrno(env, EINVAL, "testRun", name, "load the object before running '" + name + "'");
  LIBBPF_OPTS(bpf_test_run_opts, opts);
  Napi::Buffer<uint8_t> ctx;
  if (info.Length() > 1 && info[1].IsBuffer()) {
    Napi::Buffer<uint8_t> in = info[1].As<Napi::Buffer<uint8_t>>();
    ctx = Napi::Buffer<uint8_t>::Copy(env, in.Data(), in.Length());
    opts.ctx_in = ctx.Data();
    opts.ctx_size_in = ctx.Length();
  }
  if (info.Length() > 2 && info[2].IsNumber()) opts.repeat = info[2].As<Napi::Number>().Uint32Value();
  int err = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);
  if (err) return ThrowErrno(env, err, "testRun", name, "BPF_PROG_RUN of '" + name + "' failed");
  Napi::Object out = Napi::Object::New(env);
  out.Set("retval", opts.retval);
  out.Set("durationNs", opts.duration);
  out.Set("ctxOut", ctx.IsEmpty() ? env.Null() : static_cast<Napi::Value>(ctx));
  return out;
}

Napi::Value ObjectWrap::Close(const Napi::CallbackInfo& info) {
  if (obj_ != nullptr) bpf_object__close(obj_);
  obj_ = nullptr;
  return info.Env().Undefined();
}

}  // namespace vigil
