// SPDX-License-Identifier: Apache-2.0
// System calls the doctor needs that Node cannot make: Landlock and seccomp availability,
// opening pinned objects by path. Facts only; deciding what they mean is TypeScript's job.
#pragma once

#include <napi.h>

namespace vigil {

Napi::Value LandlockAbi(const Napi::CallbackInfo& info);
Napi::Value SeccompActionAvailable(const Napi::CallbackInfo& info);
Napi::Value SetUndumpable(const Napi::CallbackInfo& info);
Napi::Value NumPossibleCpus(const Napi::CallbackInfo& info);
Napi::Value BoottimeNs(const Napi::CallbackInfo& info);
Napi::Value LibbpfVersion(const Napi::CallbackInfo& info);
Napi::Value PeerCredentials(const Napi::CallbackInfo& info);
Napi::Value OpenPinnedMap(const Napi::CallbackInfo& info);
Napi::Value OpenPinnedLink(const Napi::CallbackInfo& info);

}  // namespace vigil
