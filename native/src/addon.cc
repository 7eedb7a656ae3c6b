// SPDX-License-Identifier: Apache-2.0
// Entry point: registers the classes and functions, nothing else.
#include <napi.h>

#include "errors.h"
#include "link.h"
#include "map.h"
#include "object.h"
#include "probing.h"
#include "ringbuf.h"

namespace vigil {

// init(errorFactory): the JS function that builds a BpfError from (message, info).
Napi::Value InitErrors(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsFunction()) return ThrowType(env, "init(errorFactory)");
  GetData(env)->error_factory = Napi::Persistent(info[0].As<Napi::Function>());
  return env.Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  AddonData* data = new AddonData();
  env.SetInstanceData(data);
  InstallLibbpfPrint();
  Napi::Function map = MapWrap::Init(env);
  Napi::Function link = LinkWrap::Init(env);
  data->map_ctor = Napi::Persistent(map);
  data->link_ctor = Napi::Persistent(link);
  exports.Set("init", Napi::Function::New<InitErrors>(env, "init"));
  exports.Set("BpfObject", ObjectWrap::Init(env));
  exports.Set("BpfMap", map);
  exports.Set("BpfLink", link);
  exports.Set("RingBuffer", RingBufferWrap::Init(env));
  exports.Set("landlockAbi", Napi::Function::New<LandlockAbi>(env, "landlockAbi"));
  exports.Set("seccompActionAvailable", Napi::Function::New<SeccompActionAvailable>(env, "seccompActionAvailable"));
  exports.Set("setUndumpable", Napi::Function::New<SetUndumpable>(env, "setUndumpable"));
  exports.Set("numPossibleCpus", Napi::Function::New<NumPossibleCpus>(env, "numPossibleCpus"));
  exports.Set("boottimeNs", Napi::Function::New<BoottimeNs>(env, "boottimeNs"));
  exports.Set("libbpfVersion", Napi::Function::New<LibbpfVersion>(env, "libbpfVersion"));
  exports.Set("peerCredentials", Napi::Function::New<PeerCredentials>(env, "peerCredentials"));
  exports.Set("openPinnedMap", Napi::Function::New<OpenPinnedMap>(env, "openPinnedMap"));
  exports.Set("openPinnedLink", Napi::Function::New<OpenPinnedLink>(env, "openPinnedLink"));
  return exports;
}

}  // namespace vigil

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return vigil::Init(env, exports); }

NODE_API_MODULE(vigil_native, InitAddon)
