// tests/unit/sweep.hpp — how much of a unit test's sweep (batch sizes, thread counts, range sizes) runs: all of it
// in an ordinary build, a stated subset under AddressSanitizer (CI's ASan+UBSan pass, .ci/run), where each run of the
// same code costs 10–30 times what it costs in Release. Header-only.
//
// The Release pass of CI runs every sweep whole: it checks that the batchings agree bitwise among themselves and
// with the data read whole. The sanitizer pass looks for memory errors and undefined behaviour, which a path shows
// the first time it runs: there every variant of a sweep (design, weighting, --by, --where, fixture, file) still
// runs, read whole and streamed, but streamed in one batching, `sanitized_batch_rows` = 7 rows (several batches of
// several rows, the last one short: batch boundaries inside the file), or the subset its test names. One row per
// batch and one batch for the whole file run the same code. HKSTAT_FULL_SWEEPS=1 in the environment runs the whole
// sweeps under the sanitizers too. ThreadSanitizer builds (__SANITIZE_THREAD__) run them whole.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <stdexcept>
#include <vector>

namespace hkstat::test {

// -DHKSTAT_SANITIZED=1 (or 0) says it explicitly, e.g. to time the subset in a Release build.
#if defined(HKSTAT_SANITIZED)
inline constexpr bool kSanitized = HKSTAT_SANITIZED != 0;
#elif defined(__SANITIZE_ADDRESS__) // GCC
inline constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) // clang
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif
#else
inline constexpr bool kSanitized = false;
#endif

// The batch size a sweep keeps under the sanitizers.
inline constexpr std::size_t sanitized_batch_rows = 7;

// True when the sweeps run whole: not under AddressSanitizer, or HKSTAT_FULL_SWEEPS=1.
inline bool full_sweeps() {
  static const bool full = [] {
    if (!kSanitized) return true;
    const char* e = std::getenv("HKSTAT_FULL_SWEEPS");
    return e != nullptr && std::strcmp(e, "1") == 0;
  }();
  return full;
}

// The values of a sweep: `all`, or under the sanitizers (full_sweeps() false) only those also in `keep`, in the
// order of `all`. Every value of `keep` must be in `all` (a sweep left empty would pass without running its subject).
template <class T> std::vector<T> sweep(std::initializer_list<T> all, std::initializer_list<T> keep) {
  std::vector<T> out;
  for (const T& v : all)
    if (full_sweeps() || std::find(keep.begin(), keep.end(), v) != keep.end()) out.push_back(v);
  for (const T& k : keep)
    if (std::find(all.begin(), all.end(), k) == all.end()) throw std::logic_error("sweep: a value kept under the sanitizers is not among the sweep's values");
  return out;
}

} // namespace hkstat::test
