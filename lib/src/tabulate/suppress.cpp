#include "hkstat/tabulate/suppress.hpp"

#include "hkstat/core/error.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace hkstat::tabulate {

std::vector<std::size_t> Relation::members() const {
  std::vector<std::size_t> m = parts;
  if (total) m.push_back(*total);
  return m;
}

namespace {

void check_relations(std::size_t cells, std::span<const Relation> relations) {
  for (const auto& r : relations)
    for (std::size_t i : r.members())
      if (i >= cells)
        throw Error(Problem{ErrorCode::Internal, SourcePos{}, std::to_string(i), Text{"秘匿処理の関係式が存在しないセルを指しています", "a suppression relation names a cell that does not exist"},
                            Text{}, ""});
}

// The visible member of `members` to hide next: the smallest non-zero count, else the smallest (a zero);
// ties go to the lowest index so that the result is deterministic. nullopt if every member is hidden.
// Cells whose published upper bound is 0 (an empty block) are known to be 0 and never hidden.
std::optional<std::size_t> pick(std::span<const std::size_t> counts, const std::vector<std::size_t>& members, const std::vector<bool>& hidden,
                                std::span<const std::size_t> upper) {
  std::optional<std::size_t> best;
  auto better = [&](std::size_t a, std::size_t b) {
    const bool az = counts[a] == 0, bz = counts[b] == 0;
    if (az != bz) return !az;
    if (counts[a] != counts[b]) return counts[a] < counts[b];
    return a < b;
  };
  for (std::size_t i : members)
    if (!hidden[i] && (upper.empty() || upper[i] > 0) && (!best || better(i, *best))) best = i;
  return best;
}

// Step 2: to a fixed point, no relation has exactly one hidden member (unless it has no visible member left).
void secondary_fixed_point(std::span<const std::size_t> counts, std::span<const Relation> relations, std::vector<bool>& hidden,
                           std::span<const std::size_t> upper) {
  for (bool changed = true; changed;) {
    changed = false;
    for (const auto& r : relations) {
      const auto members = r.members();
      std::size_t n_hidden = 0;
      for (std::size_t i : members) n_hidden += hidden[i] ? 1 : 0;
      if (n_hidden != 1) continue;
      if (auto next = pick(counts, members, hidden, upper)) {
        hidden[*next] = true;
        changed = true;
      }
    }
  }
}

} // namespace

std::vector<bool> determined_cells(std::span<const Relation> relations, const std::vector<bool>& hidden) {
  check_relations(hidden.size(), relations);
  std::vector<std::size_t> hidden_cells;
  std::vector<std::size_t> column(hidden.size(), 0);
  for (std::size_t i = 0; i < hidden.size(); ++i)
    if (hidden[i]) {
      column[i] = hidden_cells.size();
      hidden_cells.push_back(i);
    }
  std::vector<bool> determined(hidden.size(), false);
  const std::size_t nc = hidden_cells.size();
  if (nc == 0) return determined;
  // Rows: relations restricted to hidden cells (+1 for a part, -1 for the total); visible cells and
  // published constants are known and move to the right-hand side, which does not matter here.
  std::vector<std::vector<double>> m;
  for (const auto& r : relations) {
    std::vector<double> row(nc, 0.0);
    bool any = false;
    for (std::size_t i : r.parts)
      if (hidden[i]) {
        row[column[i]] += 1.0;
        any = true;
      }
    if (r.total && hidden[*r.total]) {
      row[column[*r.total]] -= 1.0;
      any = true;
    }
    if (any) m.push_back(std::move(row));
  }
  // Reduced row echelon form with partial pivoting. Entries stay small integers or simple fractions for
  // these 0/±1 matrices; 1e-9 separates zero from non-zero safely.
  constexpr double kEps = 1e-9;
  std::vector<std::size_t> pivot_col;
  std::size_t rank = 0;
  for (std::size_t c = 0; c < nc && rank < m.size(); ++c) {
    std::size_t best = rank;
    for (std::size_t r = rank + 1; r < m.size(); ++r)
      if (std::fabs(m[r][c]) > std::fabs(m[best][c])) best = r;
    if (std::fabs(m[best][c]) < kEps) continue;
    std::swap(m[rank], m[best]);
    const double p = m[rank][c];
    for (double& x : m[rank]) x /= p;
    for (std::size_t r = 0; r < m.size(); ++r) {
      if (r == rank || std::fabs(m[r][c]) < kEps) continue;
      const double f = m[r][c];
      for (std::size_t k = 0; k < nc; ++k) m[r][k] -= f * m[rank][k];
      m[r][c] = 0.0;
    }
    pivot_col.push_back(c);
    ++rank;
  }
  for (std::size_t r = 0; r < rank; ++r) {
    bool unit = true;
    for (std::size_t k = 0; k < nc && unit; ++k)
      if (k != pivot_col[r] && std::fabs(m[r][k]) > kEps) unit = false;
    if (unit) determined[hidden_cells[pivot_col[r]]] = true;
  }
  return determined;
}

std::vector<bool> pinned_cells(std::span<const std::size_t> counts, std::span<const Relation> relations, const std::vector<bool>& hidden,
                               std::span<const std::size_t> upper) {
  check_relations(counts.size(), relations);
  const std::size_t n = counts.size();
  constexpr long long kInf = std::numeric_limits<long long>::max() / 4;
  std::vector<long long> lo(n), hi(n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = static_cast<long long>(counts[i]);
    lo[i] = hidden[i] ? 0 : c;
    hi[i] = hidden[i] ? (upper.empty() ? kInf : static_cast<long long>(upper[i])) : c;
  }
  // Each relation: Σ parts - total = rhs, rhs = the published constant (Σ parts) or 0.
  std::vector<long long> rhs;
  for (const auto& r : relations) {
    long long s = 0;
    if (!r.total)
      for (std::size_t p : r.parts) s += static_cast<long long>(counts[p]);
    rhs.push_back(s);
  }
  auto add = [](long long a, long long b) { return (a >= kInf || b >= kInf) ? kInf : a + b; };
  for (bool changed = true; changed;) {
    changed = false;
    for (std::size_t k = 0; k < relations.size(); ++k) {
      const Relation& r = relations[k];
      // Σ parts = rhs + total. Sums of bounds of the parts, and of rhs + total.
      long long plo = 0, phi = 0;
      for (std::size_t p : r.parts) {
        plo += lo[p];
        phi = add(phi, hi[p]);
      }
      const long long tlo = rhs[k] + (r.total ? lo[*r.total] : 0);
      const long long thi = r.total ? add(rhs[k], hi[*r.total]) : rhs[k];
      for (std::size_t p : r.parts) {
        if (!hidden[p]) continue;
        // p = (rhs + total) - Σ other parts.
        const long long others_hi = phi >= kInf ? kInf : phi - hi[p];
        const long long others_lo = plo - lo[p];
        const long long new_lo = others_hi >= kInf ? lo[p] : std::max(lo[p], tlo - others_hi);
        const long long new_hi = thi >= kInf ? hi[p] : std::min(hi[p], thi - others_lo);
        if (new_lo != lo[p] || new_hi != hi[p]) {
          lo[p] = new_lo;
          hi[p] = new_hi;
          changed = true;
        }
      }
      if (r.total && hidden[*r.total]) {
        // total = Σ parts - rhs.
        const std::size_t t = *r.total;
        long long qlo = 0, qhi = 0;
        for (std::size_t p : r.parts) {
          qlo += lo[p];
          qhi = add(qhi, hi[p]);
        }
        const long long new_lo = std::max(lo[t], qlo - rhs[k]);
        const long long new_hi = qhi >= kInf ? hi[t] : std::min(hi[t], qhi - rhs[k]);
        if (new_lo != lo[t] || new_hi != hi[t]) {
          lo[t] = new_lo;
          hi[t] = new_hi;
          changed = true;
        }
      }
    }
  }
  std::vector<bool> pinned(n, false);
  for (std::size_t i = 0; i < n; ++i) pinned[i] = hidden[i] && lo[i] >= hi[i];
  return pinned;
}

Suppression suppress(std::span<const std::size_t> counts, std::span<const Relation> relations, int min_cell, std::span<const std::size_t> upper) {
  check_relations(counts.size(), relations);
  if (!upper.empty() && upper.size() != counts.size())
    throw Error(Problem{ErrorCode::Internal, SourcePos{}, "", Text{"秘匿処理の上限の数がセルの数と違います", "suppression bounds do not match the cells"}, Text{}, ""});
  auto determined = [&](const std::vector<bool>& hidden) {
    auto det = determined_cells(relations, hidden);
    const auto pin = pinned_cells(counts, relations, hidden, upper);
    for (std::size_t i = 0; i < det.size(); ++i) det[i] = det[i] || pin[i];
    return det;
  };
  Suppression s;
  s.hidden.assign(counts.size(), false);
  s.primary.assign(counts.size(), false);
  if (min_cell <= 0) return s;
  for (std::size_t i = 0; i < counts.size(); ++i)
    s.primary[i] = s.hidden[i] = counts[i] >= 1 && counts[i] < static_cast<std::size_t>(min_cell);

  std::vector<bool> hopeless(counts.size(), false);
  for (;;) {
    secondary_fixed_point(counts, relations, s.hidden, upper);
    const auto det = determined(s.hidden);
    bool hid_more = false;
    for (std::size_t i = 0; i < counts.size() && !hid_more; ++i) {
      if (!det[i] || hopeless[i]) continue;
      // Hide the best visible member over every relation that contains i.
      std::vector<std::size_t> candidates;
      for (const auto& r : relations) {
        const auto members = r.members();
        if (std::find(members.begin(), members.end(), i) == members.end()) continue;
        if (auto c = pick(counts, members, s.hidden, upper)) candidates.push_back(*c);
      }
      if (auto c = pick(counts, candidates, s.hidden, upper)) {
        s.hidden[*c] = true;
        hid_more = true;
      } else {
        hopeless[i] = true;
      }
    }
    if (!hid_more) break;
  }
  const auto det = determined(s.hidden);
  for (std::size_t i = 0; i < counts.size(); ++i) {
    if (s.hidden[i] && !s.primary[i]) ++s.secondary;
    if (det[i]) s.unprotected.push_back(i);
  }
  return s;
}

} // namespace hkstat::tabulate
