// SPDX-License-Identifier: Apache-2.0
// Ring-buffer consumer on its own thread. Records are copied into batches (one u32 length,
// the record, padding to 8 bytes) and handed to JavaScript through a ThreadSafeFunction: one
// JS call per batch, not per record. A batch is handed over when it holds `batchBytes`, or
// `lingerMs` after its first record: the kernel wakes the poller for nearly every record when
// it keeps up, and a JS call per record costs more than the record. When JavaScript falls
// behind, the thread waits (a short queue, so no unbounded memory in user space) and counts
// the stall; the kernel is never blocked, its ring fills and it counts what it could not keep.
#pragma once

#include <bpf/libbpf.h>
#include <napi.h>

#include <atomic>
#include <chrono>
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
  size_t batch_bytes_ = 64 * 1024;
  int poll_ms_ = 50;
  int linger_ms_ = 5;
  std::vector<uint8_t>* batch_ = nullptr;  // being filled by the poller thread
  uint32_t batch_count_ = 0;
  std::chrono::steady_clock::time_point batch_started_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  bool running_ = false;
  bool started_once_ = false;
  Napi::ThreadSafeFunction tsfn_;
  Napi::FunctionReference on_batch_;
  RingStats stats_;
};

}  // namespace vigil
