// hkstat/data/read_ahead.hpp — an IngestStream read one batch ahead on a second thread.
//
// While the caller works on batch k (classifies it, adds it to an accumulator), a worker thread reads and
// parses batch k + 1 into the other of two batch buffers. The caller sees exactly what IngestStream::next
// would give, in the same order: the same batches, the same rows, and an error of the stream (a bad file,
// a truncated pipe, --expect-rows) at the same place — after every batch before it, never earlier. So a
// sequential consumer (the single-pass accumulator) gives bitwise the same result with or without it.
// On a machine with one core, or with threads = false, nothing runs ahead (the stream is read in next()).
#pragma once

#include "hkstat/data/dataset.hpp"

#include <cstddef>
#include <memory>
#include <string>

namespace hkstat::data {

class ReadAhead {
public:
  // Takes the stream; max_rows >= 1 rows per batch. threads = false: read in the caller's thread.
  ReadAhead(IngestStream stream, std::size_t max_rows, bool threads = true);
  ~ReadAhead(); // stops and joins the worker (a batch being read is finished first)
  ReadAhead(const ReadAhead&) = delete;
  ReadAhead& operator=(const ReadAhead&) = delete;

  // The next batch, or nullptr at the end. The batch is the caller's until the next call (it may move rows
  // out of it). Rethrows the stream's exception where the stream raised it.
  IngestBatch* next();

  // The stream's counters and facts; rows_read/rows_rejected are final once next() has returned nullptr.
  const IngestStream& stream() const;

  // Whether reading `path` ahead on a second thread can pay (issue 16): not for a regular file under
  // kSmallInputBytes (it is read before a thread would be scheduled: a small file starts fast), not when
  // fewer than 2 CPUs are available to the process (sched_getaffinity), and not when the second core is
  // busy — the threads running or waiting for a core now (/proc/loadavg's runnable count, this one included)
  // leave none free; where that cannot be read, the 1-minute load average is at least the CPUs minus 0.5 — because then
  // the hand-over between the threads waits for the scheduler and costs more than the second thread gives.
  // Standard input and pipes are judged by the CPUs and the load only. Outside Linux (and in the
  // emscripten build) it says no.
  static constexpr std::size_t kSmallInputBytes = 4u << 20;
  static bool worthwhile(const std::string& path);

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace hkstat::data
