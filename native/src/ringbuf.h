// SPDX-License-Identifier: Apache-2.0
// Ring-buffer consumer on its own thread. Records are copied into batches (one u32 length,
// the record, padding to 8 bytes) and handed to JavaScript through a ThreadSafeFunction: one
// JS call per batch, not per record. A batch is handed over when it holds `batchBytes`, or
// `lingerMs` after its first record: the kernel wakes the poller for nearly every record when
// it keeps up, and a JS call per record costs more than the record. When JavaScript falls
// behind, the thread waits (a short queue, so no unbounded memory in user space) and counts
// the stall; the kernel is never blocked, its ring fills and it counts what it could not keep.
//
// One consumer may own several rings (the agent's `alerts` and `events`): each pass consumes the
// first ring, then the others, then the first again, into one batch, so a record of the first
// ring made before a record of another is never delivered in a later batch (a KILL decision is
// never read after the exit of the process it killed). With a heartbeat map, the thread writes
// the time after every pass it could hand over: the kernel's hooks take a beat older than its
// deadline to mean that no daemon consumes the events (fail-closed, kernel/lib/decide.h).
#pragma once

#include <bpf/libbpf.h>
#include <napi.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
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

  // Called by libbpf's sample callback with each record of ring `ring`.
  int Append(uint32_t ring, const void* data, size_t size);

  struct RingCtx {
    RingBufferWrap* self;
    uint32_t ring;
  };

  // A batch handed over by the poller thread, and the queue of those the JS thread has not taken.
  struct Queued {
    std::vector<uint8_t>* data = nullptr;
    uint32_t count = 0;
  };
  struct Queue {
    std::mutex mu;
    std::deque<Queued> batches;
  };

 private:
  Napi::Value Start(const Napi::CallbackInfo& info);
  Napi::Value Stop(const Napi::CallbackInfo& info);
  Napi::Value Drain(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);

  void Run();
  void Deliver();
  void StopThread();
  // One pass over the rings (see the file's comment); the last libbpf result that matters.
  int ConsumeAll();
  void Beat();
  void FreeRings();

  std::vector<int> map_fds_;
  std::string name_;
  std::vector<struct ring_buffer*> rbs_;
  std::vector<RingCtx*> ctxs_;
  int heartbeat_fd_ = -1;
  uint64_t deadline_ns_ = 0;
  uint32_t daemon_tgid_ = 0;
  std::chrono::steady_clock::time_point last_beat_;
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
  std::shared_ptr<Queue> queue_ = std::make_shared<Queue>();
  Napi::FunctionReference on_batch_;
  RingStats stats_;
};

}  // namespace vigil
