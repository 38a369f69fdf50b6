#include "hkstat/tabulate/suppress.hpp"

#include "hkstat/core/error.hpp"

#include "tabulate/exact_lp.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <functional>
#include <map>
#include <memory>
#include <numeric>

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

const char* hide_reason_id(HideReason r) {
  switch (r) {
  case HideReason::Shown: return "";
  case HideReason::Primary: return "primary";
  case HideReason::Complement: return "complement";
  case HideReason::Residual: return "residual";
  case HideReason::Fallback: return "fallback";
  }
  return "";
}

namespace {

// Cells hidden by the conservative rule that are tried for showing again (the most costly first).
constexpr std::size_t kFallbackShowTries = 16;
constexpr std::size_t kFallbackShowAudits = 200; // … and the audits spent on them

[[noreturn]] void internal(const char* ja, const char* en, std::string value = "") {
  throw Error(Problem{ErrorCode::Internal, SourcePos{}, std::move(value), Text{ja, en}, Text{}, ""});
}

// The exact audit. The unknowns of a hidden cell's problem are the hidden cells connected to it through
// relations (other hidden cells are independent of it: the true table satisfies their relations whatever
// this component's values are); each relation touching them is an equality with the published values moved
// to the right-hand side; bounds 0 <= x <= upper.
class Auditor {
public:
  Auditor(std::span<const std::size_t> counts, std::span<const Relation> relations, std::span<const std::size_t> upper,
          std::uint64_t work_limit = kSuppressWorkLimit)
      : counts_(counts), relations_(relations), upper_(upper), rel_of_(counts.size()), constant_(relations.size(), 0) {
    work_.limit = work_limit;
    for (std::size_t k = 0; k < relations.size(); ++k) {
      for (std::size_t i : relations[k].members()) rel_of_[i].push_back(k);
      if (!relations[k].total)
        for (std::size_t i : relations[k].parts) constant_[k] += static_cast<long long>(counts[i]);
    }
  }
  const std::vector<std::vector<std::size_t>>& rel_of() const { return rel_of_; }
  std::size_t audits = 0;
  std::size_t moves = 0; // audits settled by a move (no linear program)
  std::size_t pins = 0;  // audits settled by bound propagation (no linear program)
  bool exhausted = false; // the work limit was reached: certificates only from then on
  static constexpr std::size_t kBoundPasses = 16;
  static constexpr std::size_t kMoveNodesPerVar = 2, kMoveNodesBase = 64;

  // Hidden cells connected to `start` (included) through relations.
  std::vector<std::size_t> component(std::size_t start, const std::vector<bool>& hidden) const {
    std::vector<std::size_t> comp{start};
    std::vector<bool> in(counts_.size(), false);
    in[start] = true;
    for (std::size_t q = 0; q < comp.size(); ++q)
      for (std::size_t k : rel_of_[comp[q]])
        for (std::size_t m : relations_[k].members())
          if (hidden[m] && !in[m]) {
            in[m] = true;
            comp.push_back(m);
          }
    return comp;
  }

  bool exposed(std::size_t cell, const std::vector<bool>& hidden) {
    // Alone hidden in a relation: given away by subtraction.
    for (std::size_t k : rel_of_[cell]) {
      std::size_t h = 0;
      for (std::size_t m : relations_[k].members()) h += hidden[m] ? 1 : 0;
      if (h == 1) return true;
    }
    // The answer depends only on the hidden cells of the component (the relations touching them follow).
    auto comp = component(cell, hidden);
    std::sort(comp.begin() + 1, comp.end());
    if (const auto it = cache_.find(comp); it != cache_.end()) return it->second;
    const bool e = exposed_lp(cell, hidden);
    cache_.emplace(std::move(comp), e);
    return e;
  }

  bool exposed_lp(std::size_t cell, const std::vector<bool>& hidden) {
    ++audits;
    const auto v = static_cast<long long>(counts_[cell]);
    const Model m = build(cell, hidden);
    if (exhausted) return exposed_by_certificates(m, v);
    try {
      // Cheap certificates first, each a proof: bound propagation that pins the cell to one value proves it given
      // away; a move of the true table that keeps every published value and bound and changes the cell (found by
      // a bounded search) proves it protected. When neither settles it the exact programs below decide, so the
      // verdict is the same as theirs either way; only the work differs.
      if (exact::pinned_by_bounds(m.problem, m.target, kBoundPasses, &work_)) {
        ++pins;
        return true;
      }
      const std::size_t budget = kMoveNodesPerVar * m.problem.vars + kMoveNodesBase;
      if (exact::find_move(m.problem, m.target, 1, m.truth, budget, &work_) || (v > 0 && exact::find_move(m.problem, m.target, -1, m.truth, budget, &work_))) {
        ++moves;
        return false;
      }
      // Upwards: an integer table with this cell >= v + 1? Downwards: <= v - 1? (The true table is the hint:
      // phase 1 has nothing to do.)
      if (exact::integer_reaches(m.problem, m.target, true, v + 1, m.truth, &work_)) return false;
      return v == 0 || !exact::integer_reaches(m.problem, m.target, false, v - 1, m.truth, &work_);
    } catch (const exact::WorkExceeded&) {
      exhausted = true;
      return exposed_by_certificates(m, v);
    }
  }

  FeasibleRange range(std::size_t cell, const std::vector<bool>& hidden) {
    const Model m = build(cell, hidden);
    FeasibleRange r;
    exact::IntResult hi, lo;
    try {
      hi = exact::integer_optimum(m.problem, m.target, true, m.truth, &work_);
      lo = exact::integer_optimum(m.problem, m.target, false, m.truth, &work_);
    } catch (const exact::WorkExceeded&) {
      too_large();
    }
    r.hi = hi.status == exact::Status::Unbounded ? -1 : hi.value;
    r.lo = lo.value;
    return r;
  }

private:
  [[noreturn]] void too_large() const {
    const std::string cells = std::to_string(counts_.size()), limit = std::to_string(work_.limit);
    throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{}, "",
                        Text{"表（セル " + cells + " 個）が大きすぎて秘匿処理ができません（補完秘匿の監査が作業量の上限 " + limit + " を超えました）",
                             "the table (" + cells + " cells) is too large to protect (the suppression audit exceeded its work limit of " + limit + ")"},
                        Text{"表を分けてください: ‹var› の設問を減らす（1問ずつ）、‹by› の分類を減らす、‹domain› を1つずつにする",
                             "split the table: fewer ‹var› questions (one at a time), fewer ‹by› terms, or one ‹domain› at a time"},
                        ""});
  }
  struct Model {
    exact::Problem problem;
    std::size_t target = 0;
    std::vector<long long> truth; // the true values of the unknowns (a feasible integer point)
  };

  // Past the work limit: certificates only, without a work limit of their own (each is bounded: a number of
  // passes, a number of search nodes). A cell without a move counts as given away (conservative).
  bool exposed_by_certificates(const Model& m, long long v) {
    if (exact::pinned_by_bounds(m.problem, m.target, kBoundPasses)) return true;
    const std::size_t budget = kMoveNodesPerVar * m.problem.vars + kMoveNodesBase;
    return !exact::find_move(m.problem, m.target, 1, m.truth, budget) && !(v > 0 && exact::find_move(m.problem, m.target, -1, m.truth, budget));
  }

  Model build(std::size_t cell, const std::vector<bool>& hidden) const {
    const auto comp = component(cell, hidden);
    constexpr std::size_t kNoCol = static_cast<std::size_t>(-1);
    std::vector<std::size_t> col(counts_.size(), kNoCol); // the column of each cell of the component (its place in comp)
    for (std::size_t j = 0; j < comp.size(); ++j) col[comp[j]] = j;
    std::vector<std::size_t> rows;
    std::vector<bool> seen(relations_.size(), false);
    for (std::size_t c : comp)
      for (std::size_t k : rel_of_[c])
        if (!seen[k]) {
          seen[k] = true;
          rows.push_back(k);
        }
    Model m;
    exact::Problem& p = m.problem;
    p.vars = comp.size();
    p.lo.assign(p.vars, 0);
    p.hi.assign(p.vars, std::nullopt);
    m.truth.assign(p.vars, 0);
    for (std::size_t j = 0; j < comp.size(); ++j) {
      if (!upper_.empty()) p.hi[j] = static_cast<long long>(upper_[comp[j]]);
      m.truth[j] = static_cast<long long>(counts_[comp[j]]);
    }
    for (std::size_t k : rows) {
      const Relation& rel = relations_[k];
      // Σ parts − total = constant.
      long long rhs = constant_[k];
      std::vector<std::pair<std::size_t, int>> coef; // (column, ±1), merged below
      for (std::size_t i : rel.parts) {
        if (hidden[i]) coef.emplace_back(col[i], 1);
        else rhs -= static_cast<long long>(counts_[i]);
      }
      if (rel.total) {
        if (hidden[*rel.total]) coef.emplace_back(col[*rel.total], -1);
        else rhs += static_cast<long long>(counts_[*rel.total]);
      }
      std::sort(coef.begin(), coef.end());
      std::vector<std::pair<std::size_t, int>> row;
      for (std::size_t a = 0; a < coef.size();) {
        std::size_t b = a;
        int sum = 0;
        for (; b < coef.size() && coef[b].first == coef[a].first; ++b) sum += coef[b].second;
        if (sum != 0) row.emplace_back(coef[a].first, sum);
        a = b;
      }
      p.rows.push_back(std::move(row));
      p.rhs.push_back(rhs);
    }
    m.target = col[cell];
    return m;
  }

  std::span<const std::size_t> counts_;
  std::span<const Relation> relations_;
  std::span<const std::size_t> upper_;
  std::vector<std::vector<std::size_t>> rel_of_;
  std::vector<long long> constant_;
  std::map<std::vector<std::size_t>, bool> cache_;
  exact::Work work_;
};

// The work limit of one suppression: the option, else the default. HKSTAT_TEST_SUPPRESS_WORK (a number) is an
// internal test hook (golden tests reach the limit quickly with it); it is not a user option and not documented
// as one.
std::uint64_t suppress_work_limit(const SuppressOptions& o) {
  if (o.work_limit != 0) return o.work_limit;
  if (const char* env = std::getenv("HKSTAT_TEST_SUPPRESS_WORK"); env && *env) {
    char* end = nullptr;
    const unsigned long long v = std::strtoull(env, &end, 10);
    if (end && *end == '\0' && v > 0) return v;
  }
  return kSuppressWorkLimit;
}

void check_sizes(std::size_t n, std::span<const Relation> relations, const SuppressOptions& o) {
  check_relations(n, relations);
  if ((!o.upper.empty() && o.upper.size() != n) || (!o.cost.empty() && o.cost.size() != n) || (!o.unpublished.empty() && o.unpublished.size() != n) ||
      (!o.auxiliary.empty() && o.auxiliary.size() != n))
    internal("秘匿処理の上限・費用・非公表の数がセルの数と違います", "suppression bounds, costs or residual flags do not match the cells");
}

} // namespace

std::vector<bool> exposed_cells(std::span<const std::size_t> counts, std::span<const Relation> relations, const std::vector<bool>& hidden,
                                std::span<const std::size_t> upper, std::span<const std::size_t> cells) {
  check_relations(counts.size(), relations);
  if (hidden.size() != counts.size() || (!upper.empty() && upper.size() != counts.size()))
    internal("秘匿処理の上限の数がセルの数と違います", "suppression bounds do not match the cells");
  Auditor a(counts, relations, upper);
  std::vector<bool> out(cells.size(), false);
  for (std::size_t k = 0; k < cells.size(); ++k) out[k] = hidden[cells[k]] && a.exposed(cells[k], hidden);
  return out;
}

FeasibleRange feasible_range(std::span<const std::size_t> counts, std::span<const Relation> relations, const std::vector<bool>& hidden,
                             std::span<const std::size_t> upper, std::size_t cell) {
  check_relations(counts.size(), relations);
  if (hidden.size() != counts.size() || cell >= counts.size() || (!upper.empty() && upper.size() != counts.size()))
    internal("秘匿処理の上限の数がセルの数と違います", "suppression bounds do not match the cells");
  if (!hidden[cell]) return FeasibleRange{static_cast<long long>(counts[cell]), static_cast<long long>(counts[cell])};
  Auditor a(counts, relations, upper);
  return a.range(cell, hidden);
}

std::vector<double> suppression_costs(std::span<const std::size_t> counts, std::span<const int> margin_level) {
  // A zero costs U = Σ counts + 1 (after every non-zero cell: it protects only through a small sum); one margin
  // level costs U × (cells + 1), more than every inner cell together.
  double u = 1.0;
  for (std::size_t c : counts) u += static_cast<double>(c);
  const double base = static_cast<double>(counts.size() + 1);
  std::vector<double> out;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    const int level = i < margin_level.size() ? std::max(margin_level[i], 0) : 0;
    out.push_back((counts[i] == 0 ? u : static_cast<double>(counts[i])) + (level > 0 ? u * base * std::pow(base, level - 1) * base : 0.0));
  }
  return out;
}

Suppression suppress(std::span<const std::size_t> counts, std::span<const Relation> relations, int min_cell, std::span<const std::size_t> upper) {
  SuppressOptions o;
  o.upper.assign(upper.begin(), upper.end());
  if (!o.upper.empty() && o.upper.size() != counts.size())
    internal("秘匿処理の上限の数がセルの数と違います", "suppression bounds do not match the cells");
  return suppress(counts, relations, min_cell, o);
}

Suppression suppress(std::span<const std::size_t> counts, std::span<const Relation> relations, int min_cell, const SuppressOptions& o) {
  const std::size_t n = counts.size();
  check_sizes(n, relations, o);
  const std::span<const std::size_t> upper(o.upper);
  auto auxiliary = [&](std::size_t i) { return !o.auxiliary.empty() && o.auxiliary[i]; };
  auto published = [&](std::size_t i) { return (o.unpublished.empty() || !o.unpublished[i]) && !auxiliary(i); };
  const std::vector<double> cost = o.cost.empty() ? suppression_costs(counts, {}) : o.cost;

  Suppression s;
  s.hidden.assign(n, false);
  s.primary.assign(n, false);
  s.reason.assign(n, HideReason::Shown);
  s.complement_for.assign(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    s.hidden[i] = !published(i);
    if (!published(i)) s.reason[i] = HideReason::Residual;
  }
  s.least_cost_proven = true; // no complement at all until a sensitive cell needs one
  if (min_cell <= 0) return s;
  std::vector<std::size_t> sensitive;
  for (std::size_t i = 0; i < n; ++i)
    if (!auxiliary(i) && counts[i] >= 1 && counts[i] < static_cast<std::size_t>(min_cell)) {
      s.primary[i] = s.hidden[i] = true;
      s.reason[i] = HideReason::Primary;
      sensitive.push_back(i);
    }
  if (sensitive.empty()) return s;

  Auditor audit(counts, relations, upper, suppress_work_limit(o));
  const auto& rel_of = audit.rel_of();
  // Cells that may be hidden to protect others: published, not sensitive, in some relation, and not known to
  // be 0 (an empty block).
  std::vector<bool> candidate(n, false);
  for (std::size_t i = 0; i < n; ++i) candidate[i] = published(i) && !s.primary[i] && !rel_of[i].empty() && (upper.empty() || upper[i] > 0);
  auto cheaper = [&](std::size_t a, std::size_t b) { return cost[a] != cost[b] ? cost[a] < cost[b] : a < b; };
  std::vector<bool> hopeless(n, false); // sensitive cells no hiding protects (alone in a relation, …)
  auto first_exposed = [&](const std::vector<bool>& hidden, std::vector<bool>& known_safe) -> std::optional<std::size_t> {
    for (std::size_t p : sensitive) {
      if (hopeless[p] || known_safe[p]) continue;
      if (audit.exposed(p, hidden)) return p;
      known_safe[p] = true;
    }
    return std::nullopt;
  };
  // Visible candidates in the relations of p's hidden component.
  auto near = [&](std::size_t p, const std::vector<bool>& hidden) {
    std::vector<std::size_t> out;
    std::vector<bool> in(n, false);
    for (std::size_t c : audit.component(p, hidden))
      for (std::size_t k : rel_of[c])
        for (std::size_t m : relations[k].members())
          if (candidate[m] && !hidden[m] && !in[m]) {
            in[m] = true;
            out.push_back(m);
          }
    std::sort(out.begin(), out.end(), cheaper);
    return out;
  };

  // The sensitive cell a complement was hidden for (greedy and fixed point).
  std::vector<std::optional<std::size_t>> origin(n);
  for (std::size_t p : sensitive) origin[p] = p;
  // Cheap first step, to a fixed point: a relation whose only hidden member is sensitive or a complement gives
  // it away by subtraction (a complement given away protects nothing), so its cheapest visible member is hidden.
  auto fixed_point = [&]() {
    for (bool changed = true; changed;) {
      changed = false;
      for (const auto& rel : relations) {
        const auto members = rel.members();
        std::optional<std::size_t> alone;
        std::size_t h = 0;
        for (std::size_t m : members)
          if (s.hidden[m]) {
            ++h;
            alone = m;
          }
        if (h != 1 || !origin[*alone] || hopeless[*alone]) continue;
        std::optional<std::size_t> best;
        for (std::size_t m : members)
          if (candidate[m] && !s.hidden[m] && (!best || cheaper(m, *best))) best = m;
        if (!best) continue;
        s.hidden[*best] = true;
        s.reason[*best] = HideReason::Complement;
        origin[*best] = origin[*alone];
        changed = true;
      }
    }
  };
  // Greedy: protect the exposed sensitive cells one by one. Hiding more never exposes a protected cell, so a
  // cell found protected stays protected.
  std::vector<bool> safe(n, false);
  for (;;) {
    fixed_point();
    const auto p = first_exposed(s.hidden, safe);
    if (!p || audit.exhausted) break;
    const auto cands = near(*p, s.hidden);
    std::optional<std::size_t> chosen;
    for (std::size_t t = 0; t < std::min<std::size_t>(cands.size(), 8); ++t) {
      const std::size_t c = cands[t];
      s.hidden[c] = true;
      const bool ok = !audit.exposed(*p, s.hidden);
      s.hidden[c] = false;
      if (ok) {
        chosen = c;
        break;
      }
    }
    if (audit.exhausted) break;
    if (!chosen) {
      // No single cell protects it: the cheapest visible cell of a relation in which it is the only hidden
      // member (that subtraction gives it away), else the cheapest near it; then audit again.
      for (std::size_t k : rel_of[*p]) {
        const auto members = relations[k].members();
        if (std::count_if(members.begin(), members.end(), [&](std::size_t j) { return s.hidden[j]; }) != 1) continue;
        for (std::size_t j : members)
          if (candidate[j] && !s.hidden[j] && (!chosen || cheaper(j, *chosen))) chosen = j;
      }
      if (!chosen && !cands.empty()) chosen = cands.front();
    }
    if (!chosen) {
      hopeless[*p] = true;
      continue;
    }
    s.hidden[*chosen] = true;
    s.reason[*chosen] = HideReason::Complement;
    origin[*chosen] = *p;
  }
  // Showing cell c again can only expose the sensitive cells of its component (c hidden).
  std::vector<bool> is_sensitive(n, false);
  for (std::size_t p : sensitive) is_sensitive[p] = true;
  auto first_exposed_without = [&](std::size_t c) -> std::optional<std::size_t> {
    const auto comp = audit.component(c, s.hidden);
    s.hidden[c] = false;
    std::optional<std::size_t> out;
    for (std::size_t p : comp)
      if (p != c && is_sensitive[p] && !hopeless[p] && audit.exposed(p, s.hidden)) {
        out = p;
        break;
      }
    s.hidden[c] = true;
    return out;
  };
  // Drop complements that are not needed, the most costly first.
  std::vector<std::size_t> comps;
  for (std::size_t i = 0; i < n; ++i)
    if (s.reason[i] == HideReason::Complement) comps.push_back(i);
  std::sort(comps.begin(), comps.end(), [&](std::size_t a, std::size_t b) { return cheaper(b, a); });
  // Repeated until nothing changes: a complement kept in one pass can become determined (so useless) once a
  // later one is shown.
  // The audits of this step are bounded (o.prune_budget): on large problems the greedy set may keep some
  // complements that are not needed (never fewer than needed).
  const std::size_t prune_start = audit.audits;
  for (bool dropped = !audit.exhausted; dropped;) {
    dropped = false;
    for (std::size_t c : comps) {
      if (audit.audits - prune_start > o.prune_budget || audit.exhausted) break;
      if (!s.hidden[c] || first_exposed_without(c)) continue;
      s.hidden[c] = false;
      s.reason[c] = HideReason::Shown;
      dropped = true;
    }
  }

  // Exact least cost on small problems: branch and bound over the candidate cells connected to a sensitive
  // cell, bounded by the cost of the greedy set. Branching (a hitting set): take the first sensitive cell
  // still exposed; every protecting superset of the current set hides at least one visible candidate in the
  // relations of that cell's hidden component (otherwise its component, hence its audit, is unchanged), so
  // branch i hides the i-th cheapest of them and excludes the cheaper ones before it: each protecting set
  // lies in exactly one branch. A cell found protected stays protected below (hiding more never exposes),
  // so it is not audited again in that subtree. Among sets of least cost the greedy set is kept when it is
  // one of them, else the one first in the order of the pool (cheapest first; a set holding an earlier cell
  // comes first) — the same choice as an include-first search over the pool.
  std::vector<std::size_t> pool;
  {
    std::vector<bool> all_hidden(n, true);
    std::vector<bool> in(n, false);
    for (std::size_t p : sensitive)
      for (std::size_t c : audit.component(p, all_hidden))
        if (candidate[c] && !in[c]) {
          in[c] = true;
          pool.push_back(c);
        }
    std::sort(pool.begin(), pool.end(), cheaper);
  }
  s.least_cost_proven = false;
  if (pool.size() <= o.exact_limit && !audit.exhausted) {
    constexpr double kEps = 1e-9;
    double best = 0;
    std::vector<bool> base(n, false);
    for (std::size_t i = 0; i < n; ++i) {
      base[i] = s.hidden[i] && s.reason[i] != HideReason::Complement;
      if (s.reason[i] == HideReason::Complement) best += cost[i];
    }
    std::optional<std::vector<bool>> best_set; // none: the greedy set is the best so far
    // May a set of cost c replace the best one (or lead to one that does)?
    auto may_win = [&](double c) { return c < best - kEps || (best_set && c <= best + kEps); };
    auto first_in_pool_order = [&](const std::vector<bool>& a, const std::vector<bool>& b) {
      for (std::size_t c : pool)
        if (a[c] != b[c]) return static_cast<bool>(a[c]);
      return false;
    };
    const std::size_t start = audit.audits;
    const std::size_t node_budget = o.exact_budget * 10;
    std::size_t nodes = 0;
    bool aborted = false;
    std::vector<bool> cur = base, excluded(n, false);
    std::function<void(double, std::vector<char>)> dfs = [&](double c, std::vector<char> known_safe) {
      if (aborted) return;
      if (audit.audits - start > o.exact_budget || ++nodes > node_budget || audit.exhausted) {
        aborted = true;
        return;
      }
      // Without an audit: a relation whose only hidden member is a sensitive cell gives it away, so one of its
      // visible candidates must be hidden. Relations with disjoint candidates need one cell each: the sum of
      // their cheapest candidates bounds the cost still to come; the relation with fewest candidates is the
      // branching (a smaller one than the component's).
      std::vector<std::size_t> forced; // the fewest candidates of such a relation
      bool have_forced = false;
      double lower = 0;
      std::vector<bool> used(n, false);
      for (const auto& rel : relations) {
        std::size_t h = 0, alone = 0;
        for (std::size_t m : rel.members())
          if (cur[m]) {
            ++h;
            alone = m;
          }
        if (h != 1 || !is_sensitive[alone] || hopeless[alone]) continue;
        std::vector<std::size_t> cs;
        bool disjoint = true;
        for (std::size_t m : rel.members())
          if (candidate[m] && !cur[m] && !excluded[m]) {
            cs.push_back(m);
            disjoint = disjoint && !used[m];
          }
        if (cs.empty()) return; // the exclusions of this branch leave it given away
        std::sort(cs.begin(), cs.end(), cheaper);
        if (disjoint) {
          lower += cost[cs.front()];
          for (std::size_t m : cs) used[m] = true;
        }
        if (!have_forced || cs.size() < forced.size()) {
          forced = std::move(cs);
          have_forced = true;
        }
      }
      if (have_forced && !may_win(c + lower)) return;
      std::optional<std::size_t> p;
      for (std::size_t k = 0; k < sensitive.size() && !p && !have_forced; ++k) {
        if (known_safe[k] || hopeless[sensitive[k]]) continue;
        if (audit.exposed(sensitive[k], cur)) p = sensitive[k];
        else known_safe[k] = 1;
      }
      if (!p && !have_forced) {
        if (c < best - kEps || (best_set && c <= best + kEps && first_in_pool_order(cur, *best_set))) {
          best = c;
          best_set = cur;
        }
        return;
      }
      std::vector<std::size_t> cands;
      if (have_forced) cands = std::move(forced);
      else
        for (std::size_t x : near(*p, cur))
          if (!excluded[x]) cands.push_back(x);
      std::vector<std::size_t> undo;
      for (std::size_t x : cands) {
        if (aborted || !may_win(c + cost[x])) break; // cands are cheapest first
        cur[x] = true;
        dfs(c + cost[x], known_safe);
        cur[x] = false;
        excluded[x] = true;
        undo.push_back(x);
      }
      for (std::size_t x : undo) excluded[x] = false;
    };
    if (best > 0) dfs(0.0, std::vector<char>(sensitive.size(), 0));
    if (!aborted) {
      s.least_cost_proven = true;
      if (best_set) {
        for (std::size_t i = 0; i < n; ++i)
          if (s.reason[i] == HideReason::Complement) {
            s.reason[i] = HideReason::Shown;
            s.hidden[i] = false;
          }
        for (std::size_t i = 0; i < n; ++i)
          if ((*best_set)[i] && !base[i]) {
            s.hidden[i] = true;
            s.reason[i] = HideReason::Complement;
            origin[i].reset();
          }
      }
    }
  }
  // The conservative rule, once the work limit is reached (in any step above): each sensitive cell that no move of
  // the table proves protected with the cells hidden so far gets every candidate cell connected to it through the
  // relations hidden (its whole component: then only the published constants and bounds remain, and a move
  // shifts it against another cell of its component). The cells so hidden are then shown again, the most costly
  // (margins, the whole sample) first, at most kFallbackShowTries of them and kFallbackShowAudits audits, where a move still proves every
  // sensitive cell of the component protected without it. Every verdict here is a certificate (a move found) or
  // conservative (no move found: treated as given away).
  if (audit.exhausted) {
    std::vector<bool> all_hidden(n, true);
    std::vector<std::size_t> ruled;
    for (std::size_t p : sensitive) {
      if (hopeless[p]) continue;
      if (!audit.exposed(p, s.hidden)) {
        safe[p] = true;
        continue;
      }
      for (std::size_t c : audit.component(p, all_hidden))
        if (candidate[c] && !s.hidden[c]) {
          s.hidden[c] = true;
          s.reason[c] = HideReason::Fallback;
          origin[c] = p;
          ruled.push_back(c);
        }
    }
    std::sort(ruled.begin(), ruled.end(), [&](std::size_t a, std::size_t b) { return cheaper(b, a); });
    const std::size_t show_start = audit.audits;
    for (std::size_t k = 0; k < std::min(ruled.size(), kFallbackShowTries) && audit.audits - show_start < kFallbackShowAudits; ++k) {
      const std::size_t c = ruled[k];
      if (first_exposed_without(c)) continue;
      s.hidden[c] = false;
      s.reason[c] = HideReason::Shown;
      origin[c].reset();
    }
  }
  // Which sensitive cell each complement protects: one that is exposed without it.
  for (std::size_t c = 0; c < n; ++c) {
    if (s.reason[c] == HideReason::Fallback) s.complement_for[c] = origin[c].value_or(sensitive.front());
    if (s.reason[c] != HideReason::Complement) continue;
    std::optional<std::size_t> which = origin[c] && is_sensitive[*origin[c]] ? origin[c] : first_exposed_without(c);
    if (!which)
      for (std::size_t p : sensitive) {
        const auto comp = audit.component(p, s.hidden);
        if (std::find(comp.begin(), comp.end(), c) != comp.end()) {
          which = p;
          break;
        }
      }
    s.complement_for[c] = which.value_or(sensitive.front());
  }
  for (std::size_t p : sensitive)
    if (audit.exposed(p, s.hidden)) s.unprotected.push_back(p);
  for (std::size_t i = 0; i < n; ++i)
    if (s.reason[i] == HideReason::Complement || s.reason[i] == HideReason::Fallback) {
      ++s.secondary;
      s.secondary_cost += cost[i];
      if (s.reason[i] == HideReason::Fallback) ++s.fallback;
    }
  if (audit.exhausted) s.least_cost_proven = false;
  return s;
}

} // namespace hkstat::tabulate
