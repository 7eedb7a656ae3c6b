// SPDX-License-Identifier: Apache-2.0
#include "map.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <string.h>
#include <unistd.h>

#include <vector>

#include "errors.h"

namespace vigil {

namespace {

bool IsPerCpu(uint32_t type) {
  return type == BPF_MAP_TYPE_PERCPU_HASH || type == BPF_MAP_TYPE_PERCPU_ARRAY ||
         type == BPF_MAP_TYPE_LRU_PERCPU_HASH || type == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE;
}

// The opaque batch cursor must hold a key for array maps and a bucket index for hash maps.
size_t BatchTokenSize(uint32_t key_size) { return key_size < 8 ? 8 : key_size; }

}  // namespace

Napi::Function MapWrap::Init(Napi::Env env) {
  return DefineClass(env, "BpfMap",
                     {
                         InstanceMethod<&MapWrap::Info>("info"),
                         InstanceMethod<&MapWrap::Lookup>("lookup"),
                         InstanceMethod<&MapWrap::Update>("update"),
                         InstanceMethod<&MapWrap::Delete>("delete"),
                         InstanceMethod<&MapWrap::NextKey>("nextKey"),
                         InstanceMethod<&MapWrap::LookupBatch>("lookupBatch"),
                         InstanceMethod<&MapWrap::UpdateBatch>("updateBatch"),
                         InstanceMethod<&MapWrap::DeleteBatch>("deleteBatch"),
                         InstanceMethod<&MapWrap::Pin>("pin"),
                         InstanceMethod<&MapWrap::Fd>("fd"),
                         InstanceMethod<&MapWrap::Close>("close"),
                     });
}

Napi::Value MapWrap::FromFd(Napi::Env env, int fd, const std::string& name) {
  Napi::External<int> ext = Napi::External<int>::New(env, &fd);
  return GetData(env)->map_ctor.New({ext, Napi::String::New(env, name)});
}

// Only FromFd constructs maps: JavaScript cannot make an External, so it cannot forge an fd.
MapWrap::MapWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<MapWrap>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsExternal()) {
    ThrowType(env, "BpfMap cannot be constructed directly: use BpfObject.map() or openPinnedMap()");
    return;
  }
  int fd = *info[0].As<Napi::External<int>>().Data();
  name_ = info[1].As<Napi::String>();
  struct bpf_map_info mi;
  memset(&mi, 0, sizeof(mi));
  uint32_t len = sizeof(mi);
  if (bpf_obj_get_info_by_fd(fd, &mi, &len) != 0) {
    int err = errno;
    close(fd);
    ThrowErrno(env, err, "map", name_, "cannot read info of map '" + name_ + "'");
    return;
  }
  fd_ = fd;
  type_ = mi.type;
  id_ = mi.id;
  key_size_ = mi.key_size;
  value_size_ = mi.value_size;
  max_entries_ = mi.max_entries;
  flags_ = mi.map_flags;
  value_buf_size_ = value_size_;
  if (IsPerCpu(type_)) {
    int ncpu = libbpf_num_possible_cpus();
    value_buf_size_ = ((value_size_ + 7) / 8) * 8 * (ncpu > 0 ? ncpu : 1);
  }
  if (name_.empty()) name_ = mi.name;
}

MapWrap::~MapWrap() {
  if (fd_ >= 0) close(fd_);
}

bool MapWrap::CheckOpen(Napi::Env env, const char* op) {
  if (fd_ >= 0) return true;
  ThrowErrno(env, EBADF, op, name_, "map '" + name_ + "' is closed");
  return false;
}

bool MapWrap::CheckKey(Napi::Env env, const Napi::Value& v, const char* op) {
  if (!v.IsBuffer() || v.As<Napi::Buffer<uint8_t>>().Length() != key_size_) {
    ThrowType(env, std::string(op) + ": key must be a Buffer of " + std::to_string(key_size_) + " bytes for map '" +
                       name_ + "'");
    return false;
  }
  return true;
}

Napi::Value MapWrap::Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("name", name_);
  o.Set("id", id_);
  const char* type = libbpf_bpf_map_type_str(static_cast<enum bpf_map_type>(type_));
  o.Set("type", type ? type : "unknown");
  o.Set("keySize", key_size_);
  o.Set("valueSize", value_size_);
  o.Set("valueBufferSize", value_buf_size_);
  o.Set("maxEntries", max_entries_);
  o.Set("flags", flags_);
  o.Set("perCpu", IsPerCpu(type_));
  o.Set("closed", fd_ < 0);
  return o;
}

Napi::Value MapWrap::Fd(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), fd_); }

Napi::Value MapWrap::Lookup(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env, "lookup")) return env.Undefined();
  const void* key = nullptr;
  if (key_size_ > 0) {
    if (!CheckKey(env, info[0], "lookup")) return env.Undefined();
    key = info[0].As<Napi::Buffer<uint8_t>>().Data();
  }
  Napi::Buffer<uint8_t> value = Napi::Buffer<uint8_t>::New(env, value_buf_size_);
  if (bpf_map_lookup_elem(fd_, key, value.Data()) != 0) {
    if (errno == ENOENT) return env.Null();
    return ThrowErrno(env, errno, "lookup", name_, "lookup in map '" + name_ + "' failed");
  }
  return value;
}

Napi::Value MapWrap::Update(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env, "update")) return env.Undefined();
  if (!CheckKey(env, info[0], "update")) return env.Undefined();
  if (!info[1].IsBuffer() || info[1].As<Napi::Buffer<uint8_t>>().Length() != value_buf_size_)
    return ThrowType(env, "update: value must be a Buffer of " + std::to_string(value_buf_size_) + " bytes for map '" +
                              name_ + "'");
  uint64_t flags = info.Length() > 2 && info[2].IsNumber() ? info[2].As<Napi::Number>().Int64Value() : static_cast<int64_t>(BPF_ANY);
  if (bpf_map_update_elem(fd_, info[0].As<Napi::Buffer<uint8_t>>().Data(),
                          info[1].As<Napi::Buffer<uint8_t>>().Data(), flags) != 0)
    return ThrowErrno(env, errno, "update", name_, "update of map '" + name_ + "' failed");
  return env.Undefined();
}

Napi::Value MapWrap::Delete(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env, "delete")) return env.Undefined();
  if (!CheckKey(env, info[0], "delete")) return env.Undefined();
  if (bpf_map_delete_elem(fd_, info[0].As<Napi::Buffer<uint8_t>>().Data()) != 0) {
    if (errno == ENOENT) return Napi::Boolean::New(env, false);
    return ThrowErrno(env, errno, "delete", name_, "delete from map '" + name_ + "' failed");
  }
  return Napi::Boolean::New(env, true);
}

// nextKey(key | null): the key after `key`, the first key for null, null at the end.
Napi::Value MapWrap::NextKey(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env, "nextKey")) return env.Undefined();
  const void* key = nullptr;
  if (info.Length() > 0 && !info[0].IsNull() && !info[0].IsUndefined()) {
    if (!CheckKey(env, info[0], "nextKey")) return env.Undefined();
    key = info[0].As<Napi::Buffer<uint8_t>>().Data();
  }
  Napi::Buffer<uint8_t> next = Napi::Buffer<uint8_t>::New(env, key_size_);
  if (bpf_map_get_next_key(fd_, key, next.Data()) != 0) {
    if (errno == ENOENT) return env.Null();
    return ThrowErrno(env, errno, "nextKey", name_, "iteration of map '" + name_ + "' failed");
  }
  return next;
}

// lookupBatch(cursor | null, maxCount) -> { count, keys, values, cursor, done }.
// Throws with code EINVAL/ENOTSUP/EOPNOTSUPP where the kernel has no batch op for the type.
Napi::Value MapWrap::LookupBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env, "lookupBatch")) return env.Undefined();
  uint32_t max = info.Length() > 1 && info[1].IsNumber() ? info[1].As<Napi::Number>().Uint32Value() : 256;
  if (max == 0) max = 1;
  size_t tok = BatchTokenSize(key_size_);
  std::vector<uint8_t> in;
  bool have_in = info.Length() > 0 && info[0].IsBuffer();
  if (have_in) {
    Napi::Buffer<uint8_t> b = info[0].As<Napi::Buffer<uint8_t>>();
    in.assign(b.Data(), b.Data() + b.Length());
    in.resize(tok);
  }
  Napi::Buffer<uint8_t> out_tok = Napi::Buffer<uint8_t>::New(env, tok);
  Napi::Buffer<uint8_t> keys = Napi::Buffer<uint8_t>::New(env, static_cast<size_t>(key_size_) * max);
  Napi::Buffer<uint8_t> values = Napi::Buffer<uint8_t>::New(env, static_cast<size_t>(value_buf_size_) * max);
  __u32 count = max;
  LIBBPF_OPTS(bpf_map_batch_opts, opts);
  int err = bpf_map_lookup_batch(fd_, have_in ? in.data() : nullptr, out_tok.Data(), keys.Data(), values.Data(),
                                 &count, &opts);
  bool done = false;
  if (err != 0) {
    if (errno != ENOENT) return ThrowErrno(env, errno, "lookupBatch", name_, "batch lookup in map '" + name_ + "' failed");
    done = true;
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("count", count);
  o.Set("keys", keys);
  o.Set("values", values);
  o.Set("cursor", out_tok);
  o.Set("done", done);
  return o;
}

// updateBatch(keys, values, count, flags) -> number of elements written.
Napi::Value MapWrap::UpdateBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env, "updateBatch")) return env.Undefined();
  if (info.Length() < 3 || !info[0].IsBuffer() || !info[1].IsBuffer() || !info[2].IsNumber())
    return ThrowType(env, "updateBatch(keys, values, count, flags?)");
  __u32 count = info[2].As<Napi::Number>().Uint32Value();
  Napi::Buffer<uint8_t> keys = info[0].As<Napi::Buffer<uint8_t>>();
  Napi::Buffer<uint8_t> values = info[1].As<Napi::Buffer<uint8_t>>();
  if (keys.Length() != static_cast<size_t>(key_size_) * count ||
      values.Length() != static_cast<size_t>(value_buf_size_) * count)
    return ThrowType(env, "updateBatch: keys/values sizes do not match count for map '" + name_ + "'");
  LIBBPF_OPTS(bpf_map_batch_opts, opts);
  if (info.Length() > 3 && info[3].IsNumber()) opts.elem_flags = info[3].As<Napi::Number>().Int64Value();
  if (bpf_map_update_batch(fd_, keys.Data(), values.Data(), &count, &opts) != 0)
    return ThrowErrno(env, errno, "updateBatch", name_,
                      "batch update of map '" + name_ + "' failed after " + std::to_string(count) + " elements");
  return Napi::Number::New(env, count);
}

// deleteBatch(keys, count) -> number of elements deleted.
Napi::Value MapWrap::DeleteBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env, "deleteBatch")) return env.Undefined();
  if (info.Length() < 2 || !info[0].IsBuffer() || !info[1].IsNumber()) return ThrowType(env, "deleteBatch(keys, count)");
  __u32 count = info[1].As<Napi::Number>().Uint32Value();
  Napi::Buffer<uint8_t> keys = info[0].As<Napi::Buffer<uint8_t>>();
  if (keys.Length() != static_cast<size_t>(key_size_) * count)
    return ThrowType(env, "deleteBatch: keys size does not match count for map '" + name_ + "'");
  LIBBPF_OPTS(bpf_map_batch_opts, opts);
  if (bpf_map_delete_batch(fd_, keys.Data(), &count, &opts) != 0)
    return ThrowErrno(env, errno, "deleteBatch", name_,
                      "batch delete from map '" + name_ + "' failed after " + std::to_string(count) + " elements");
  return Napi::Number::New(env, count);
}

Napi::Value MapWrap::Pin(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env, "pin")) return env.Undefined();
  if (info.Length() < 1 || !info[0].IsString()) return ThrowType(env, "pin(path): path must be a string");
  std::string path = info[0].As<Napi::String>();
  if (bpf_obj_pin(fd_, path.c_str()) != 0)
    return ThrowErrno(env, errno, "pin", name_, "cannot pin map '" + name_ + "' at " + path);
  return env.Undefined();
}

Napi::Value MapWrap::Close(const Napi::CallbackInfo& info) {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  return info.Env().Undefined();
}

}  // namespace vigil
