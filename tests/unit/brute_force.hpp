// tests/unit/brute_force.hpp — the brute-force proof every suppression test uses (test_suppress,
// test_tabulate, test_tabulate_by_cross): for each cell, the distinct values (capped at 2) it takes over the
// non-negative integer solutions of the published relations, visible cells fixed at their counts. Header-only.
#pragma once

#include "hkstat/tabulate/suppress.hpp"

#include <algorithm>
#include <cstddef>
#include <functional>
#include <numeric>
#include <optional>
#include <set>
#include <utility>
#include <vector>

namespace hkstat::test {

// Visible cells get their own value only. A relation without a total publishes its constant Σ parts (a base n).
// `bound`: a published upper bound per cell (e.g. its block's base n); empty = the largest published constant
// (the search space is finite and every solution found is consistent with the published table, so "two values
// found" is a proof). A part is also at most its relation's published constant or visible total.
inline std::vector<std::set<long long>> brute_force(const std::vector<std::size_t>& counts, const std::vector<tabulate::Relation>& rels,
                                                    const std::vector<bool>& hidden, std::vector<long long> bound = {}) {
  const std::size_t n = counts.size();
  if (bound.empty()) {
    long long grand = 0;
    for (const auto& r : rels)
      if (!r.total) {
        long long sum = 0;
        for (auto p : r.parts) sum += static_cast<long long>(counts[p]);
        grand = std::max(grand, sum);
      }
    if (grand == 0) grand = std::accumulate(counts.begin(), counts.end(), 0LL);
    bound.assign(n, grand);
  }
  std::vector<long long> ub = std::move(bound);
  for (const auto& r : rels) {
    long long sum = 0;
    for (auto p : r.parts) sum += static_cast<long long>(counts[p]);
    if (!r.total || !hidden[*r.total])
      for (auto p : r.parts) ub[p] = std::min(ub[p], sum);
  }
  std::vector<long long> val(n, -1);
  for (std::size_t i = 0; i < n; ++i)
    if (!hidden[i]) val[i] = static_cast<long long>(counts[i]);
  // Each relation: Σ parts - total = rhs.
  std::vector<long long> rhs;
  for (const auto& r : rels) {
    long long s = 0;
    if (!r.total)
      for (auto p : r.parts) s += static_cast<long long>(counts[p]);
    rhs.push_back(s);
  }
  std::vector<std::set<long long>> seen(n);
  std::vector<std::size_t> hidden_cells;
  for (std::size_t i = 0; i < n; ++i)
    if (hidden[i]) hidden_cells.push_back(i);
  bool done = hidden_cells.empty();
  std::function<void()> solve = [&]() {
    if (done) return;
    // Check complete relations; force a relation with one unknown.
    std::optional<std::pair<std::size_t, long long>> forced;
    for (std::size_t k = 0; k < rels.size(); ++k) {
      const auto& r = rels[k];
      long long s = 0;
      int unknown = 0;
      std::size_t which = 0;
      bool which_is_total = false;
      for (auto p : r.parts) {
        if (val[p] < 0) {
          ++unknown;
          which = p;
          which_is_total = false;
        } else {
          s += val[p];
        }
      }
      if (r.total) {
        if (val[*r.total] < 0) {
          ++unknown;
          which = *r.total;
          which_is_total = true;
        } else {
          s -= val[*r.total];
        }
      }
      if (unknown == 0 && s != rhs[k]) return;
      if (unknown == 1 && !forced) forced = std::make_pair(which, which_is_total ? s - rhs[k] : rhs[k] - s);
    }
    if (forced) {
      auto [cell, v] = *forced;
      if (v < 0 || v > ub[cell]) return;
      val[cell] = v;
      solve();
      val[cell] = -1;
      return;
    }
    std::size_t next = n;
    for (auto c : hidden_cells)
      if (val[c] < 0) {
        next = c;
        break;
      }
    if (next == n) {
      bool all_two = true;
      for (auto c : hidden_cells) {
        if (seen[c].size() < 2) seen[c].insert(val[c]);
        all_two = all_two && seen[c].size() >= 2;
      }
      done = all_two;
      return;
    }
    for (long long v = 0; v <= ub[next] && !done; ++v) {
      val[next] = v;
      solve();
    }
    val[next] = -1;
  };
  solve();
  for (std::size_t i = 0; i < n; ++i)
    if (!hidden[i]) seen[i] = {static_cast<long long>(counts[i])};
  return seen;
}

} // namespace hkstat::test
