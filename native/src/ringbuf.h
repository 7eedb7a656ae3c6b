// SPDX-License-Identifier: Apache-2.0
// Ring-buffer consumer on its own thread. Records are copied into batches (one u32 length,
// the record, padding to 8 bytes) and handed to JavaScript through a ThreadSafeFunction: one
// JS call per batch, not per record. When JavaScript falls behind, the thread waits and counts
// the stall; the kernel is never blocked, it counts its own reservation failures instead.
#pragma once

#include <bpf/libbpf.h>
#include <napi.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace vigil {

struct RingStats {
  std::atomic<uint64_t> records{0};
  std::atomic<uint64_t> bytes{0};
  std::atomic<uint64_t> batches{0};
  std::atomic<uint64_t> stalls{0};
  std::atomic<uint64_t> poll_errors{0};
  std::atomic<uint64_t> largest_batch{0};
};

class RingBufferWrap : public Napi::ObjectWrap<RingBufferWrap> {
 public:
  static Napi::Function Init(Napi::Env env);
  explicit RingBufferWrap(const Napi::CallbackInfo& info);
  ~RingBufferWrap() override;

  // Called by libbpf's sample callback with each record.
  int Append(const void* data, size_t size);

 private:
  Napi::Value Start(const Napi::CallbackInfo& info);
  Napi::Value Stop(const Napi::CallbackInfo& info);
  Napi::Value Drain(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);

  void Run();
  void Deliver();
  void StopThread();

  int map_fd_ = -1;
  std::string name_;
  struct ring_buffer* rb_ = nullptr;
  size_t batch_bytes_ = 256 * 1024;
  int poll_ms_ = 50;
  std::vector<uint8_t>* batch_ = nullptr;  // being filled by the poller thread
  uint32_t batch_count_ = 0;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  bool running_ = false;
  Napi::ThreadSafeFunction tsfn_;
  Napi::FunctionReference on_batch_;
  RingStats stats_;
};

}  // namespace vigil
