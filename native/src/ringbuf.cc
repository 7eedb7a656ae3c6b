// SPDX-License-Identifier: Apache-2.0
#include "ringbuf.h"

#include <bpf/bpf.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

#include "errors.h"

namespace vigil {

namespace {

// Batches waiting for the JS thread. Short on purpose: the kernel's ring is the buffer (sized
// there, its losses counted there); a long queue here would only hold memory while JS is
// behind, and hide from the kernel that it is.
constexpr size_t kQueueMax = 2;
constexpr uint32_t kRecordHeader = 8;          // u32 length + u32 reserved, keeps records 8-aligned
constexpr size_t kBatchFirstReserve = 64 * 1024;  // a batch grows from this as records come
// glibc keeps freed memory (batches of a burst, and the buffers of a libbpf load before) in its
// arenas; malloc_trim returns it. Once per quiet period: it walks every arena.
constexpr std::chrono::seconds kTrimAfterQuiet{1};

int SampleCb(void* ctx, void* data, size_t size) {
  auto* c = static_cast<RingBufferWrap::RingCtx*>(ctx);
  return c->self->Append(c->ring, data, size);
}

Napi::Value BatchBuffer(Napi::Env env, std::vector<uint8_t>* data) {
  return Napi::Buffer<uint8_t>::New(env, data->data(), data->size(),
                                    [](Napi::Env, uint8_t*, std::vector<uint8_t>* v) { delete v; }, data);
}

// Calls onBatch(buffer, count) with the C API, never throwing: while Node exits (or after
// process.exit() in the handler's microtasks) a call into JS fails, and node-addon-api's throwing
// wrappers would turn that failure into a fatal napi_throw abort.
void CallBatch(napi_env env, napi_value cb, std::vector<uint8_t>* data, uint32_t count) {
  napi_value buf;
  if (napi_create_external_buffer(
          env, data->size(), data->data(),
          [](napi_env, void*, void* hint) { delete static_cast<std::vector<uint8_t>*>(hint); }, data,
          &buf) != napi_ok) {
    delete data;
    return;
  }
  napi_value argv[2];
  napi_value undefined;
  napi_value result;
  if (napi_create_uint32(env, count, &argv[1]) != napi_ok || napi_get_undefined(env, &undefined) != napi_ok)
    return;
  argv[0] = buf;
  if (napi_call_function(env, undefined, cb, 2, argv, &result) == napi_pending_exception) {
    napi_value ignored;
    napi_get_and_clear_last_exception(env, &ignored);
  }
}

// Runs on the JS thread when the poller has queued batches: delivers every queued batch, in
// order. Stop() may have delivered them already (then the queue is empty here).
void CallJs(Napi::Env env, Napi::Function cb, std::shared_ptr<RingBufferWrap::Queue>* ctx) {
  std::shared_ptr<RingBufferWrap::Queue> q = *ctx;
  delete ctx;
  for (;;) {
    RingBufferWrap::Queued b;
    {
      std::lock_guard<std::mutex> lock(q->mu);
      if (q->batches.empty()) return;
      b = q->batches.front();
      q->batches.pop_front();
    }
    if (env == nullptr || cb.IsEmpty()) {  // tearing down: nobody to deliver to
      delete b.data;
      continue;
    }
    CallBatch(env, cb, b.data, b.count);
  }
}

uint64_t BoottimeNs() {
  struct timespec ts;
  clock_gettime(CLOCK_BOOTTIME, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

// struct vigil_heartbeat (kernel/include/vigil.h)
struct HeartbeatValue {
  uint64_t beat_ns;
  uint64_t deadline_ns;
  uint32_t daemon_tgid;
  uint32_t pad;
};

constexpr std::chrono::milliseconds kBeatEvery{20};

}  // namespace

Napi::Function RingBufferWrap::Init(Napi::Env env) {
  return DefineClass(env, "RingBuffer",
                     {
                         InstanceMethod<&RingBufferWrap::Start>("start"),
                         InstanceMethod<&RingBufferWrap::Stop>("stop"),
                         InstanceMethod<&RingBufferWrap::Drain>("drain"),
                         InstanceMethod<&RingBufferWrap::Stats>("stats"),
                         InstanceMethod<&RingBufferWrap::Close>("close"),
                     });
}

// new RingBuffer(mapFd | mapFds[], name, onBatch(buffer, count),
//                { batchBytes, pollMs, lingerMs, heartbeat: { fd, deadlineNs, tgid } })
RingBufferWrap::RingBufferWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<RingBufferWrap>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !(info[0].IsNumber() || info[0].IsArray()) || !info[1].IsString() ||
      !info[2].IsFunction()) {
    ThrowType(env, "RingBuffer(mapFd | mapFds, name, onBatch, options?)");
    return;
  }
  name_ = info[1].As<Napi::String>();
  on_batch_ = Napi::Persistent(info[2].As<Napi::Function>());
  if (info.Length() > 3 && info[3].IsObject()) {
    Napi::Object o = info[3].As<Napi::Object>();
    if (o.Get("batchBytes").IsNumber()) batch_bytes_ = o.Get("batchBytes").As<Napi::Number>().Uint32Value();
    if (o.Get("pollMs").IsNumber()) poll_ms_ = o.Get("pollMs").As<Napi::Number>().Int32Value();
    if (o.Get("lingerMs").IsNumber()) linger_ms_ = o.Get("lingerMs").As<Napi::Number>().Int32Value();
    if (o.Get("heartbeat").IsObject()) {
      Napi::Object hb = o.Get("heartbeat").As<Napi::Object>();
      int fd = fcntl(hb.Get("fd").As<Napi::Number>().Int32Value(), F_DUPFD_CLOEXEC, 3);
      if (fd < 0) {
        ThrowErrno(env, errno, "ringbuf", name_, "cannot use the heartbeat map's fd");
        return;
      }
      heartbeat_fd_ = fd;
      deadline_ns_ = static_cast<uint64_t>(hb.Get("deadlineNs").As<Napi::Number>().Int64Value());
      daemon_tgid_ = hb.Get("tgid").As<Napi::Number>().Uint32Value();
    }
  }
  if (linger_ms_ < 0) linger_ms_ = 0;
  if (batch_bytes_ < 4096) batch_bytes_ = 4096;
  std::vector<int> given;
  if (info[0].IsNumber()) {
    given.push_back(info[0].As<Napi::Number>().Int32Value());
  } else {
    Napi::Array a = info[0].As<Napi::Array>();
    for (uint32_t i = 0; i < a.Length(); i++) given.push_back(a.Get(i).As<Napi::Number>().Int32Value());
  }
  if (given.empty()) {
    ThrowType(env, "RingBuffer: at least one ring's fd");
    return;
  }
  LogBegin();
  for (uint32_t i = 0; i < given.size(); i++) {
    int fd = fcntl(given[i], F_DUPFD_CLOEXEC, 3);
    if (fd < 0) {
      ThrowErrno(env, errno, "ringbuf", name_, "cannot use the fd of ring buffer '" + name_ + "'");
      FreeRings();
      return;
    }
    map_fds_.push_back(fd);
    auto* ctx = new RingCtx{this, i};
    ctxs_.push_back(ctx);
    struct ring_buffer* rb = ring_buffer__new(fd, SampleCb, ctx, nullptr);
    if (rb == nullptr) {
      int err = errno;
      ThrowErrno(env, err, "ringbuf", name_, "cannot open ring buffer '" + name_ + "' (is it a BPF_MAP_TYPE_RINGBUF?)");
      FreeRings();
      return;
    }
    rbs_.push_back(rb);
  }
}

void RingBufferWrap::FreeRings() {
  for (auto* rb : rbs_) ring_buffer__free(rb);
  rbs_.clear();
  for (int fd : map_fds_) close(fd);
  map_fds_.clear();
  for (auto* c : ctxs_) delete c;
  ctxs_.clear();
  if (heartbeat_fd_ >= 0) close(heartbeat_fd_);
  heartbeat_fd_ = -1;
}

RingBufferWrap::~RingBufferWrap() {
  if (running_) {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
    tsfn_.Abort();
  }
  {
    std::lock_guard<std::mutex> lock(queue_->mu);
    for (auto& b : queue_->batches) delete b.data;
    queue_->batches.clear();
  }
  delete batch_;
  FreeRings();
}

int RingBufferWrap::Append(uint32_t ring, const void* data, size_t size) {
  if (batch_ == nullptr) {
    batch_ = new std::vector<uint8_t>();
    batch_->reserve(std::min(batch_bytes_, kBatchFirstReserve) + size + 16);
    batch_started_ = std::chrono::steady_clock::now();
  }
  size_t at = batch_->size();
  size_t padded = (kRecordHeader + size + 7) & ~static_cast<size_t>(7);
  batch_->resize(at + padded, 0);
  uint32_t len = static_cast<uint32_t>(size);
  memcpy(batch_->data() + at, &len, sizeof(len));
  memcpy(batch_->data() + at + sizeof(len), &ring, sizeof(ring));
  memcpy(batch_->data() + at + kRecordHeader, data, size);
  batch_count_++;
  stats_.records++;
  stats_.bytes += size;
  // A full batch stops this consume pass (libbpf has already advanced past this record); the
  // first ring of several is always read to its end, so the pass order holds (see ringbuf.h).
  if (ring == 0 && rbs_.size() > 1) return 0;
  return batch_->size() >= batch_bytes_ ? -E2BIG : 0;
}

// First ring, the others, the first again. Returns -E2BIG when a batch filled up, else the
// first error, else the records consumed.
int RingBufferWrap::ConsumeAll() {
  int total = 0;
  int err = 0;
  auto consume = [&](struct ring_buffer* rb) {
    int n = ring_buffer__consume(rb);
    if (n == -E2BIG) err = -E2BIG;
    else if (n < 0 && err == 0) err = n;
    else if (n > 0) total += n;
  };
  consume(rbs_[0]);
  for (size_t i = 1; i < rbs_.size() && err != -E2BIG; i++) consume(rbs_[i]);
  if (rbs_.size() > 1) consume(rbs_[0]);
  return err != 0 ? err : total;
}

// The daemon is alive and consuming: tell the hooks (at most every kBeatEvery).
void RingBufferWrap::Beat() {
  if (heartbeat_fd_ < 0) return;
  auto now = std::chrono::steady_clock::now();
  if (now - last_beat_ < kBeatEvery) return;
  last_beat_ = now;
  HeartbeatValue v{BoottimeNs(), deadline_ns_, daemon_tgid_, 0};
  uint32_t zero = 0;
  bpf_map_update_elem(heartbeat_fd_, &zero, &v, BPF_ANY);
}

// Poller thread: queue each batch for the JS thread and wake it; wait (and count) while the queue
// is full. Stop() empties the queue on the JS thread itself, so no batch is left behind.
void RingBufferWrap::Deliver() {
  if (batch_ == nullptr) return;
  Queued b{batch_, batch_count_};
  batch_ = nullptr;
  batch_count_ = 0;
  if (b.count > stats_.largest_batch) stats_.largest_batch = b.count;
  stats_.batches++;
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(queue_->mu);
      if (queue_->batches.size() < kQueueMax || stopping_) {
        queue_->batches.push_back(b);
        break;
      }
    }
    stats_.stalls++;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  auto* ctx = new std::shared_ptr<Queue>(queue_);
  if (tsfn_.NonBlockingCall(ctx, CallJs) != napi_ok) delete ctx;  // a call already queued delivers it
}

// Waits for records; once a batch has begun, lets it fill until it is full or `linger_ms_`
// old, by sleeping and then consuming (no epoll wakeup per record meanwhile). After a burst,
// once the ring has been quiet for kTrimAfterQuiet, gives freed C heap back to the system.
void RingBufferWrap::Run() {
  using Clock = std::chrono::steady_clock;
  Clock::time_point last_record = Clock::now();
  bool trimmed = false;
  std::vector<struct pollfd> fds;
  for (auto* rb : rbs_) fds.push_back({ring_buffer__epoll_fd(rb), POLLIN, 0});
  last_beat_ = Clock::time_point{};
  while (!stopping_) {
    Beat();
    int n;
    if (batch_ == nullptr) {
      n = poll(fds.data(), fds.size(), poll_ms_);
      if (n > 0) n = ConsumeAll();
      else if (n < 0) n = -errno;
      if (n > 0) {
        last_record = Clock::now();
        trimmed = false;
      } else if (n == 0 && !trimmed && Clock::now() - last_record >= kTrimAfterQuiet) {
        malloc_trim(0);
        trimmed = true;
      }
    } else {
      Clock::time_point due = batch_started_ + std::chrono::milliseconds(linger_ms_);
      if (Clock::now() < due) std::this_thread::sleep_until(due);
      n = ConsumeAll();
    }
    if (n < 0 && n != -EINTR && n != -E2BIG) {
      stats_.poll_errors++;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (batch_ == nullptr) continue;
    bool full = n == -E2BIG;
    if (full || stopping_ || Clock::now() >= batch_started_ + std::chrono::milliseconds(linger_ms_)) Deliver();
    if (batch_ != nullptr && stopping_) break;
  }
}

Napi::Value RingBufferWrap::Start(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (rbs_.empty()) return ThrowErrno(env, EBADF, "ringbuf", name_, "ring buffer '" + name_ + "' is closed");
  if (running_) return ThrowErrno(env, EALREADY, "ringbuf", name_, "ring buffer '" + name_ + "' is running");
  stopping_ = false;
  // unbounded: a call only wakes the JS thread; the batches wait in queue_ (bounded there)
  tsfn_ = Napi::ThreadSafeFunction::New(env, on_batch_.Value(), "vigil-ringbuf", 0, 1);
  bool ref = !(info.Length() > 0 && info[0].IsBoolean() && !info[0].As<Napi::Boolean>().Value());
  if (!ref) tsfn_.Unref(env);
  // a consumer first starts after its object's load: libbpf's BTF and verifier buffers are
  // freed by now (later starts are flushes: nothing to give back)
  if (!started_once_) malloc_trim(0);
  started_once_ = true;
  running_ = true;
  thread_ = std::thread(&RingBufferWrap::Run, this);
  return env.Undefined();
}

// Stops the thread, then hands everything still queued, buffered or in the ring to JS, in that
// order, synchronously.
Napi::Value RingBufferWrap::Stop(const Napi::CallbackInfo& info) {
  if (running_) {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
    tsfn_.Release();
    running_ = false;
  }
  Napi::Env env = info.Env();
  for (;;) {
    Queued b;
    {
      std::lock_guard<std::mutex> lock(queue_->mu);
      if (queue_->batches.empty()) break;
      b = queue_->batches.front();
      queue_->batches.pop_front();
    }
    CallBatch(env, on_batch_.Value(), b.data, b.count);
  }
  return Drain(info);
}

// Drain(): consume what is in the ring now and deliver it to onBatch on this thread.
// Returns the number of records delivered.
Napi::Value RingBufferWrap::Drain(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (rbs_.empty()) return ThrowErrno(env, EBADF, "ringbuf", name_, "ring buffer '" + name_ + "' is closed");
  if (running_) return ThrowErrno(env, EBUSY, "ringbuf", name_, "stop the ring buffer before draining it");
  uint64_t delivered = 0;
  for (;;) {
    int n = batch_ == nullptr ? ConsumeAll() : -E2BIG;
    if (n < 0 && n != -E2BIG) return ThrowErrno(env, n, "ringbuf", name_, "consuming ring buffer '" + name_ + "' failed");
    if (batch_ == nullptr) break;
    std::vector<uint8_t>* data = batch_;
    uint32_t count = batch_count_;
    batch_ = nullptr;
    batch_count_ = 0;
    stats_.batches++;
    delivered += count;
    on_batch_.Call({BatchBuffer(env, data), Napi::Number::New(env, count)});
    if (env.IsExceptionPending()) return env.Undefined();
    if (n != -E2BIG) break;
  }
  return Napi::Number::New(env, static_cast<double>(delivered));
}

// Frees the ring (its mmap and epoll fd), the map fd and the JS callback. Call stop() first
// to receive what is still buffered; records left in the ring stay in the kernel map.
Napi::Value RingBufferWrap::Close(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (running_) return ThrowErrno(env, EBUSY, "ringbuf", name_, "stop the ring buffer before closing it");
  delete batch_;
  batch_ = nullptr;
  batch_count_ = 0;
  FreeRings();
  on_batch_.Reset();
  return env.Undefined();
}

Napi::Value RingBufferWrap::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("records", static_cast<double>(stats_.records.load()));
  o.Set("bytes", static_cast<double>(stats_.bytes.load()));
  o.Set("batches", static_cast<double>(stats_.batches.load()));
  o.Set("stalls", static_cast<double>(stats_.stalls.load()));
  o.Set("pollErrors", static_cast<double>(stats_.poll_errors.load()));
  o.Set("largestBatch", static_cast<double>(stats_.largest_batch.load()));
  o.Set("running", running_);
  return o;
}

}  // namespace vigil
