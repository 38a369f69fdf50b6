// data::BatchTasks (issue 16): a batch's independent tasks on the caller's thread and a second one. Every task runs
// exactly once per run(), the caller sees every task's effects when run() returns, the two threads do run tasks at
// the same time, and an exception is the lowest-numbered task's, after every task has run — with and without the
// worker. Run under ThreadSanitizer by .ci/run ("[batchtasks]").
#include "hkstat/data/batch_tasks.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using hkstat::data::BatchTasks;

TEST_CASE("BatchTasks runs every task once per run, its effects seen by the caller, with and without the worker", "[data][batchtasks]") {
  for (const bool threads : {false, true}) {
    INFO("threads " << threads);
    BatchTasks tasks(threads);
    CHECK(tasks.threaded() == (threads && std::thread::hardware_concurrency() >= 2));
    // Plain (non-atomic) counters and sums, one per task: each written by whichever thread ran the task, read here.
    std::vector<long> runs(9, 0), sums(9, 0);
    for (int round = 0; round < 1000; ++round) {
      const std::size_t n = static_cast<std::size_t>(round % 10); // 0 to 9 tasks, 0 and 1 too
      tasks.run(n, [&](std::size_t i) {
        ++runs[i];
        // Some work (tens of microseconds), so that the worker, once awake, gets a share.
        for (int k = 0; k < 50; ++k) sums[i] += round + k;
        volatile long sink = 0;
        for (long k = 0; k < 20000; ++k) sink = sink + k;
      });
    }
    // Task i ran in every round with n > i: rounds r with r % 10 > i.
    for (std::size_t i = 0; i < 9; ++i) {
      long want = 0, want_sum = 0;
      for (int round = 0; round < 1000; ++round)
        if (static_cast<std::size_t>(round % 10) > i) {
          ++want;
          want_sum += 50L * round + 49L * 50L / 2L;
        }
      INFO("task " << i);
      CHECK(runs[i] == want);
      CHECK(sums[i] == want_sum);
    }
  }
}

TEST_CASE("BatchTasks: with the worker, two tasks run at the same time", "[data][batchtasks]") {
  if (std::thread::hardware_concurrency() < 2) return; // one core: no worker (threaded() is checked above)
  BatchTasks tasks(true);
  REQUIRE(tasks.threaded());
  // Task 0 and task 1 each wait (up to 2 s) for the other to have started: both get there only if two threads run
  // them. The caller takes task 0 at once; the worker, once awake, takes task 1.
  bool together = false;
  for (int attempt = 0; attempt < 20 && !together; ++attempt) {
    std::atomic<int> started{0};
    std::atomic<bool> met{false};
    tasks.run(2, [&](std::size_t) {
      started.fetch_add(1);
      const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
      while (started.load() < 2 && std::chrono::steady_clock::now() < until) std::this_thread::yield();
      if (started.load() == 2) met = true;
    });
    together = met.load();
  }
  CHECK(together);
}

TEST_CASE("BatchTasks: the lowest-numbered task's exception, after every task ran, with and without the worker", "[data][batchtasks]") {
  for (const bool threads : {false, true}) {
    INFO("threads " << threads);
    BatchTasks tasks(threads);
    for (int round = 0; round < 200; ++round) {
      std::vector<int> ran(6, 0);
      std::string what;
      try {
        tasks.run(6, [&](std::size_t i) {
          ran[i] = 1;
          if (i == 4) throw std::runtime_error("task 4");
          if (i == 2) throw std::runtime_error("task 2");
        });
      } catch (const std::runtime_error& e) {
        what = e.what();
      }
      CHECK(what == "task 2");
      CHECK(ran == std::vector<int>(6, 1));
      // The next run starts clean: no error kept from the last.
      CHECK_NOTHROW(tasks.run(3, [](std::size_t) {}));
    }
  }
}
