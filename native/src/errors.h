// SPDX-License-Identifier: Apache-2.0
// Errors cross into JavaScript as instances of the JS-side BpfError class (handed over by
// init()), with code, errno, op, target and libbpf's log. Nothing here throws C++ exceptions.
#pragma once

#include <napi.h>

#include <string>

namespace vigil {

// Per-environment state: the JS error factory and the wrapped classes' constructors.
struct AddonData {
  Napi::FunctionReference error_factory;
  Napi::FunctionReference map_ctor;
  Napi::FunctionReference link_ctor;
};

AddonData* GetData(Napi::Env env);

// Throws BpfError{code: strerrorname(err), errno: err, op, target, log}. `err` is positive.
// Returns undefined so callers can `return ThrowErrno(...)`.
Napi::Value ThrowErrno(Napi::Env env, int err, const char* op, const std::string& target,
                       const std::string& message);
// Throws a TypeError for a call the TypeScript layer should never make.
Napi::Value ThrowType(Napi::Env env, const std::string& message);

// libbpf's log: captured between Begin and Take so an error carries the verifier's words.
void InstallLibbpfPrint();
void LogBegin();
std::string LogTake();

}  // namespace vigil
