// hkstat/data/span_table.hpp — a value per integer code, through a table over the codes' span.
//
// A row's code found by one look-up instead of a scan of the code list, whose branches a random answer mispredicts
// (docs/performance.md, "Eleventh session, accum"). Only for codes spread over fewer than kMaxSpan values; otherwise
// the table is empty and the caller scans. Header-only.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace hkstat::data {

template <class T> class SpanTable {
public:
  static constexpr std::uint64_t kMaxSpan = 4096;

  SpanTable() = default;
  // Every code of `codes` gets `none` (set its value with at()); empty when `codes` is or spans kMaxSpan values or more.
  SpanTable(const std::vector<std::int64_t>& codes, T none) : none_(none) {
    if (codes.empty()) return;
    const auto [lo, hi] = std::minmax_element(codes.begin(), codes.end());
    if (static_cast<std::uint64_t>(*hi) - static_cast<std::uint64_t>(*lo) >= kMaxSpan) return;
    lo_ = *lo;
    table_.assign(static_cast<std::size_t>(*hi - *lo) + 1, none);
  }
  bool empty() const { return table_.empty(); }
  // The value of a code of the list the table was built from.
  T& at(std::int64_t code) { return table_[static_cast<std::size_t>(code - lo_)]; }
  // The value of any code: `none` outside the span (missing included).
  T operator()(std::int64_t code) const {
    const std::uint64_t k = static_cast<std::uint64_t>(code) - static_cast<std::uint64_t>(lo_);
    return k < table_.size() ? table_[static_cast<std::size_t>(k)] : none_;
  }
  // The same look-up as plain values, for a hot loop to keep in registers: there a store of a byte (a std::uint8_t
  // enum, a bool) may alias anything, and the compiler would load the table's members again every row.
  struct View {
    std::int64_t lo;
    std::uint64_t size;
    const T* table;
    T none;
    T operator()(std::int64_t code) const {
      const std::uint64_t k = static_cast<std::uint64_t>(code) - static_cast<std::uint64_t>(lo);
      return k < size ? table[k] : none;
    }
  };
  View view() const { return View{lo_, table_.size(), table_.data(), none_}; }

private:
  std::int64_t lo_ = 0;
  T none_{};
  std::vector<T> table_;
};

} // namespace hkstat::data
