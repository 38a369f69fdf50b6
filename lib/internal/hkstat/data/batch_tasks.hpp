// hkstat/data/batch_tasks.hpp — the independent tasks of one batch on the caller's thread and a second one.
//
// A streamed command feeds each batch to several accumulators that share nothing but the (read-only) batch: the
// report's prevalence, its suppression counts and one accumulator per table (report::ReportStream). run(n, task)
// calls task(0) … task(n - 1), each exactly once, on the caller's thread and on one persistent worker thread — the
// caller taking them from the front, the worker from the back, until they meet (so the two balance themselves
// whatever the tasks cost, and from batch to batch each thread mostly runs the same tasks: an accumulator's sums
// stay in one core's cache) — and returns when every task has returned, before the batch goes away. Each
// accumulator still sees every batch, in order, from one thread at a time, so its result is bitwise that of one
// thread: which thread ran a task changes nothing.
// Without the worker (threads = false, a machine with one core, the browser build) run() calls the tasks in
// order on the caller's thread. The worker is started once and waits between batches (issue 16).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>

namespace hkstat::data {

class BatchTasks {
public:
  // threads = false: every task on the caller's thread (no thread is started).
  explicit BatchTasks(bool threads);
  ~BatchTasks(); // stops and joins the worker
  BatchTasks(const BatchTasks&) = delete;
  BatchTasks& operator=(const BatchTasks&) = delete;

  // Whether a worker thread takes part.
  bool threaded() const;

  // Calls task(i) once for each i in [0, n) (n < 2^32) and returns when all have returned. The tasks must not touch the same
  // mutable state. A task's exception does not stop the others: after all have run, the exception of the task
  // with the lowest index is rethrown (the same with or without the worker). Not reentrant: one run() at a time.
  void run(std::size_t n, const std::function<void(std::size_t)>& task);

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace hkstat::data
