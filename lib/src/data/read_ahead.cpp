#include "hkstat/data/read_ahead.hpp"

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>

#include <sched.h>
#include <sys/stat.h>

namespace hkstat::data {

// Two slots alternate: the worker fills slot i while the caller uses slot i ^ 1. A slot is "full" when it
// holds a batch, the end of the stream, or the stream's exception.
struct ReadAhead::Impl {
  struct Slot {
    IngestBatch batch;
    bool full = false;
    bool more = false;
    std::exception_ptr error;
  };
  IngestStream stream;
  std::size_t max_rows;
  bool threads;
  std::array<Slot, 2> slots;
  std::mutex m;
  std::condition_variable cv;
  bool stop = false;
  std::size_t next_slot = 0;   // the slot the caller takes next
  bool handed_out = false;     // the caller holds slot next_slot ^ 1 (give it back on the next call)
  bool done = false;           // end or error reached by the caller
  std::thread worker;

  Impl(IngestStream s, std::size_t rows, bool t) : stream(std::move(s)), max_rows(rows), threads(t) {}

  // Reads one batch into a slot (worker thread, or the caller's thread without threads).
  void fill(Slot& slot) {
    try {
      slot.more = stream.next(max_rows, slot.batch);
    } catch (...) {
      slot.error = std::current_exception();
      slot.more = false;
    }
  }

  void run() {
    for (std::size_t i = 0;; i ^= 1) {
      Slot& slot = slots[i];
      {
        std::unique_lock lock(m);
        cv.wait(lock, [&] { return stop || !slot.full; });
        if (stop) return;
      }
      fill(slot); // the caller never touches a slot that is not full
      bool last;
      {
        std::lock_guard lock(m);
        slot.full = true;
        last = !slot.more;
      }
      cv.notify_all();
      if (last) return;
    }
  }
};

ReadAhead::ReadAhead(IngestStream stream, std::size_t max_rows, bool threads)
    : impl_(std::make_unique<Impl>(std::move(stream), max_rows < 1 ? 1 : max_rows,
                                   threads && std::thread::hardware_concurrency() >= 2)) {
  if (impl_->threads) impl_->worker = std::thread([this] { impl_->run(); });
}

ReadAhead::~ReadAhead() {
  if (impl_ && impl_->worker.joinable()) {
    {
      std::lock_guard lock(impl_->m);
      impl_->stop = true;
    }
    impl_->cv.notify_all();
    impl_->worker.join();
  }
}

IngestBatch* ReadAhead::next() {
  Impl& d = *impl_;
  if (d.done) return nullptr;
  Impl::Slot& slot = d.slots[d.next_slot];
  if (d.threads) {
    std::unique_lock lock(d.m);
    if (d.handed_out) { // give the previous batch's slot back to the worker
      d.slots[d.next_slot ^ 1].full = false;
      d.handed_out = false;
      d.cv.notify_all();
    }
    d.cv.wait(lock, [&] { return slot.full; });
  } else {
    d.fill(slot);
    slot.full = true;
  }
  if (slot.error) {
    d.done = true;
    std::rethrow_exception(slot.error);
  }
  if (!slot.more) {
    d.done = true;
    return nullptr;
  }
  if (!d.threads) { // one buffer is enough
    slot.full = false;
    return &slot.batch;
  }
  d.handed_out = true;
  d.next_slot ^= 1;
  return &slot.batch;
}

const IngestStream& ReadAhead::stream() const { return impl_->stream; }

bool ReadAhead::worthwhile(const std::string& path) {
#if defined(__EMSCRIPTEN__) || !defined(__linux__)
  (void)path; // the browser build (NAME=web) and other systems: no load average to judge by, one thread
  return false;
#else
  struct stat st {};
  if (path != "-" && ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && static_cast<std::size_t>(st.st_size) < kSmallInputBytes) return false;
  int cpus = static_cast<int>(std::thread::hardware_concurrency());
#ifdef CPU_COUNT
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) == 0) cpus = CPU_COUNT(&set);
#endif
  if (cpus < 2) return false;
  // How many threads are running or waiting for a core now: /proc/loadavg's fourth field ("runnable/total", this
  // thread included), the least of five readings 0.2 ms apart (a single reading caught a passing kernel or system
  // thread in 3 of 10 runs on an idle box). The 1-minute load average lags by a minute: right after another
  // program's run it still says busy when the second core is idle (bench/run.sh's hkstat–R pairs ran hkstat on one
  // thread so). The average only where the file cannot be read.
  long fewest = -1;
  for (int i = 0; i < 5 && fewest != 1; ++i) {
    if (i > 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
    std::FILE* f = std::fopen("/proc/loadavg", "r");
    if (!f) break;
    double l1 = 0, l5 = 0, l15 = 0;
    long runnable = 0, total = 0;
    const int got = std::fscanf(f, "%lf %lf %lf %ld/%ld", &l1, &l5, &l15, &runnable, &total);
    std::fclose(f);
    if (got != 5 || runnable < 1) break;
    if (fewest < 0 || runnable < fewest) fewest = runnable;
  }
  if (fewest >= 1) return fewest - 1 <= cpus - 2; // the others leave a core free
  double load[1] = {0};
  if (::getloadavg(load, 1) == 1 && load[0] >= cpus - 0.5) return false;
  return true;
#endif
}

} // namespace hkstat::data
