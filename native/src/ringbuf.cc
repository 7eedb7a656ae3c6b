// SPDX-License-Identifier: Apache-2.0
#include "ringbuf.h"

#include <fcntl.h>
#include <malloc.h>
#include <string.h>
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

struct Batch {
  std::vector<uint8_t>* data;
  uint32_t count;
};

int SampleCb(void* ctx, void* data, size_t size) { return static_cast<RingBufferWrap*>(ctx)->Append(data, size); }

Napi::Value BatchBuffer(Napi::Env env, std::vector<uint8_t>* data) {
  return Napi::Buffer<uint8_t>::New(env, data->data(), data->size(),
                                    [](Napi::Env, uint8_t*, std::vector<uint8_t>* v) { delete v; }, data);
}

void CallJs(Napi::Env env, Napi::Function cb, Batch* batch) {
  if (env == nullptr || cb.IsEmpty()) {  // tearing down: nobody to deliver to
    delete batch->data;
    delete batch;
    return;
  }
  Napi::Value buf = BatchBuffer(env, batch->data);
  uint32_t count = batch->count;
  delete batch;
  cb.Call({buf, Napi::Number::New(env, count)});
}

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

// new RingBuffer(mapFd, name, onBatch(buffer, count), { batchBytes, pollMs })
RingBufferWrap::RingBufferWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<RingBufferWrap>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsNumber() || !info[1].IsString() || !info[2].IsFunction()) {
    ThrowType(env, "RingBuffer(mapFd, name, onBatch, options?)");
    return;
  }
  name_ = info[1].As<Napi::String>();
  on_batch_ = Napi::Persistent(info[2].As<Napi::Function>());
  if (info.Length() > 3 && info[3].IsObject()) {
    Napi::Object o = info[3].As<Napi::Object>();
    if (o.Get("batchBytes").IsNumber()) batch_bytes_ = o.Get("batchBytes").As<Napi::Number>().Uint32Value();
    if (o.Get("pollMs").IsNumber()) poll_ms_ = o.Get("pollMs").As<Napi::Number>().Int32Value();
    if (o.Get("lingerMs").IsNumber()) linger_ms_ = o.Get("lingerMs").As<Napi::Number>().Int32Value();
  }
  if (linger_ms_ < 0) linger_ms_ = 0;
  if (batch_bytes_ < 4096) batch_bytes_ = 4096;
  int fd = fcntl(info[0].As<Napi::Number>().Int32Value(), F_DUPFD_CLOEXEC, 3);
  if (fd < 0) {
    ThrowErrno(env, errno, "ringbuf", name_, "cannot use the fd of ring buffer '" + name_ + "'");
    return;
  }
  LogBegin();
  rb_ = ring_buffer__new(fd, SampleCb, this, nullptr);
  if (rb_ == nullptr) {
    int err = errno;
    close(fd);
    ThrowErrno(env, err, "ringbuf", name_, "cannot open ring buffer '" + name_ + "' (is it a BPF_MAP_TYPE_RINGBUF?)");
    return;
  }
  map_fd_ = fd;
}

RingBufferWrap::~RingBufferWrap() {
  if (running_) {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
    tsfn_.Abort();
  }
  delete batch_;
  if (rb_ != nullptr) ring_buffer__free(rb_);
  if (map_fd_ >= 0) close(map_fd_);
}

int RingBufferWrap::Append(const void* data, size_t size) {
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
  memcpy(batch_->data() + at + kRecordHeader, data, size);
  batch_count_++;
  stats_.records++;
  stats_.bytes += size;
  // A full batch stops this consume pass; libbpf has already advanced past this record.
  return batch_->size() >= batch_bytes_ ? -E2BIG : 0;
}

// Poller thread: hand each batch to the JS thread; wait (and count) while its queue is full.
void RingBufferWrap::Deliver() {
  if (batch_ == nullptr) return;
  Batch* b = new Batch{batch_, batch_count_};
  batch_ = nullptr;
  batch_count_ = 0;
  if (b->count > stats_.largest_batch) stats_.largest_batch = b->count;
  stats_.batches++;
  for (;;) {
    napi_status st = tsfn_.NonBlockingCall(b, CallJs);
    if (st == napi_ok) return;
    if (st != napi_queue_full || stopping_) break;
    stats_.stalls++;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  // Stopping (or closing): keep the batch for Stop() to hand over on the JS thread.
  batch_ = b->data;
  batch_count_ = b->count;
  delete b;
}

// Waits for records; once a batch has begun, lets it fill until it is full or `linger_ms_`
// old, by sleeping and then consuming (no epoll wakeup per record meanwhile). After a burst,
// once the ring has been quiet for kTrimAfterQuiet, gives freed C heap back to the system.
void RingBufferWrap::Run() {
  using Clock = std::chrono::steady_clock;
  Clock::time_point last_record = Clock::now();
  bool trimmed = false;
  while (!stopping_) {
    int n;
    if (batch_ == nullptr) {
      n = ring_buffer__poll(rb_, poll_ms_);
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
      n = ring_buffer__consume(rb_);
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
  if (rb_ == nullptr) return ThrowErrno(env, EBADF, "ringbuf", name_, "ring buffer '" + name_ + "' is closed");
  if (running_) return ThrowErrno(env, EALREADY, "ringbuf", name_, "ring buffer '" + name_ + "' is running");
  stopping_ = false;
  tsfn_ = Napi::ThreadSafeFunction::New(env, on_batch_.Value(), "vigil-ringbuf", kQueueMax, 1);
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

// Stops the thread, then hands everything still buffered or in the ring to JS, synchronously.
Napi::Value RingBufferWrap::Stop(const Napi::CallbackInfo& info) {
  if (running_) {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
    tsfn_.Release();
    running_ = false;
  }
  return Drain(info);
}

// Drain(): consume what is in the ring now and deliver it to onBatch on this thread.
// Returns the number of records delivered.
Napi::Value RingBufferWrap::Drain(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (rb_ == nullptr) return ThrowErrno(env, EBADF, "ringbuf", name_, "ring buffer '" + name_ + "' is closed");
  if (running_) return ThrowErrno(env, EBUSY, "ringbuf", name_, "stop the ring buffer before draining it");
  uint64_t delivered = 0;
  for (;;) {
    int n = batch_ == nullptr ? ring_buffer__consume(rb_) : -E2BIG;
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
  if (rb_ != nullptr) ring_buffer__free(rb_);
  rb_ = nullptr;
  if (map_fd_ >= 0) close(map_fd_);
  map_fd_ = -1;
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
