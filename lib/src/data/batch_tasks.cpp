#include "hkstat/data/batch_tasks.hpp"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace hkstat::data {

// One run() at a time. The caller publishes the tasks under the mutex (a new generation), wakes the worker and
// takes tasks itself from `next`; the worker, once awake, takes tasks from the same counter. When the caller has
// no task left it either finds the worker not yet started on this generation (then the generation is closed and
// the worker, waking late, skips it: a busy box never makes the caller wait for a wake-up) or waits until the
// worker has finished the task it took. Every task's effects are seen by the caller after run() (the mutex).
struct BatchTasks::Impl {
  bool threads = false;
  std::thread worker;
  std::mutex m;
  std::condition_variable wake; // the worker: a new generation, or stop
  std::condition_variable done; // the caller: the worker finished its part
  std::uint64_t generation = 0;
  bool started = false;         // the worker took part in this generation
  bool closed = true;           // this generation needs no more of the worker
  bool stop = false;
  const std::function<void(std::size_t)>* task = nullptr;
  // The tasks not yet taken, [first, last): the low 32 bits first, the high 32 bits last. The caller takes them from
  // the front, the worker from the back, until they meet: from batch to batch each thread mostly runs the same
  // tasks (an accumulator's sums stay in one core's cache), and the meeting point moves with what each thread has.
  std::atomic<std::uint64_t> left{0};
  std::vector<std::exception_ptr> errors; // by task; each written by the thread that ran the task

  void take_tasks(bool from_back) {
    for (;;) {
      std::uint64_t cur = left.load(std::memory_order_relaxed), next = 0;
      std::size_t i = 0;
      do {
        const std::uint64_t first = cur & 0xffffffffu, last = cur >> 32;
        if (first >= last) return;
        i = static_cast<std::size_t>(from_back ? last - 1 : first);
        next = from_back ? (cur - (std::uint64_t{1} << 32)) : cur + 1;
      } while (!left.compare_exchange_weak(cur, next, std::memory_order_relaxed));
      try {
        (*task)(i);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    }
  }

  void work() {
    std::uint64_t seen = 0;
    std::unique_lock lock(m);
    for (;;) {
      wake.wait(lock, [&] { return stop || (generation != seen && !closed); });
      if (stop) return;
      seen = generation;
      started = true;
      lock.unlock();
      take_tasks(true);
      lock.lock();
      closed = true;
      done.notify_one();
    }
  }
};

BatchTasks::BatchTasks(bool threads) : impl_(std::make_unique<Impl>()) {
#if defined(__EMSCRIPTEN__)
  (void)threads; // the browser build has no threads (docs/web.md)
#else
  impl_->threads = threads && std::thread::hardware_concurrency() >= 2;
  if (impl_->threads) impl_->worker = std::thread([this] { impl_->work(); });
#endif
}

BatchTasks::~BatchTasks() {
  if (impl_ && impl_->worker.joinable()) {
    {
      std::lock_guard lock(impl_->m);
      impl_->stop = true;
    }
    impl_->wake.notify_one();
    impl_->worker.join();
  }
}

bool BatchTasks::threaded() const { return impl_->threads; }

void BatchTasks::run(std::size_t n, const std::function<void(std::size_t)>& task) {
  Impl& d = *impl_;
  d.errors.assign(n, nullptr); // keeps its capacity from batch to batch
  const std::uint64_t all = static_cast<std::uint64_t>(n) << 32; // [0, n)
  if (!d.threads || n < 2) {
    d.task = &task;
    d.left.store(all, std::memory_order_relaxed);
    d.take_tasks(false);
  } else {
    {
      std::lock_guard lock(d.m);
      d.task = &task;
      d.left.store(all, std::memory_order_relaxed);
      ++d.generation;
      d.started = false;
      d.closed = false;
    }
    d.wake.notify_one();
    d.take_tasks(false);
    std::unique_lock lock(d.m);
    if (!d.started) d.closed = true; // every task done here: the worker, not yet awake, skips this generation
    else d.done.wait(lock, [&] { return d.closed; });
  }
  d.task = nullptr;
  for (const std::exception_ptr& e : d.errors)
    if (e) std::rethrow_exception(e);
}

} // namespace hkstat::data
