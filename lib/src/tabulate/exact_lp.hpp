// exact_lp.hpp — internal: a small exact linear and integer program solver for the suppression audit.
//
// Problems: A x = b, lo <= x <= hi (hi may be absent: no upper bound), A small integers, b/lo/hi integers;
// the objective is one variable (the audited cell), maximized or minimized. The linear program is solved by
// a bounded-variable primal simplex over exact rationals (Boost.Multiprecision cpp_rational, header-only, so
// it builds for the browser too), Bland's rule (no cycling), phase 1 with one bounded artificial per row that
// starts from a hint point (the true table: then phase 1 has nothing to do). Integer questions add a depth-first
// branch and bound on a fractional variable; for a totally unimodular matrix (1-D hierarchies, 2-D tables with
// margins) every basic solution is integral and no branching happens.
#pragma once

#include <boost/multiprecision/cpp_int.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <utility>
#include <vector>

namespace hkstat::tabulate::exact {

using Rational = boost::multiprecision::cpp_rational;

struct Problem {
  std::size_t vars = 0;
  // One equation per row: Σ coef × x[var] = rhs.
  std::vector<std::vector<std::pair<std::size_t, int>>> rows;
  std::vector<long long> rhs;
  std::vector<long long> lo;                 // per variable
  std::vector<std::optional<long long>> hi;  // per variable; nullopt = no upper bound
};

enum class Status { Optimal, Infeasible, Unbounded };

// A deterministic measure of the solver's work, summed over many solves (one suppression): each simplex tableau
// built and each simplex iteration adds rows × columns of its tableau. When `used` passes `limit` the solver
// throws WorkExceeded (the caller turns it into a user error). Not wall time: the same problem always stops at
// the same point.
struct Work {
  std::uint64_t used = 0;
  std::uint64_t limit = UINT64_MAX;
};
struct WorkExceeded {};

struct LpResult {
  Status status = Status::Infeasible;
  Rational value;             // the optimum of x[target] (Optimal)
  std::vector<Rational> x;    // an optimal basic solution (Optimal)
};

// The linear program max (or min) x[target]. `hint`: a point within the bounds to start from (empty: lo).
// With `stop_at`, the simplex stops early at the first integral basic solution whose x[target] reaches it
// (>= when maximizing, <= when minimizing); the result is then Optimal with that (not necessarily optimal) point.
LpResult solve_lp(const Problem& p, std::size_t target, bool maximize, std::span<const long long> hint = {},
                  std::optional<long long> stop_at = std::nullopt, Work* work = nullptr);

// Is there an integer point with x[target] >= goal (maximize) or <= goal (minimize)? Exact (branch and bound).
bool integer_reaches(const Problem& p, std::size_t target, bool maximize, long long goal, std::span<const long long> hint = {},
                     Work* work = nullptr);

struct IntResult {
  Status status = Status::Infeasible;
  long long value = 0; // the integer optimum of x[target] (Optimal)
};
// The integer optimum of x[target]; Unbounded when the linear program is unbounded and `hint` is an integer
// feasible point (then the integer program is unbounded too), else as found.
IntResult integer_optimum(const Problem& p, std::size_t target, bool maximize, std::span<const long long> hint = {}, Work* work = nullptr);

// A certificate that x[target] is not fixed, without linear programming: an integer move d (A d = 0, d[target] =
// `step`, +1 or -1, every other entry as small as the search finds) that keeps `point` (a feasible integer point,
// the true table) within the bounds. Depth-first over the rows the move leaves unbalanced (the row with fewest
// ways to rebalance first), at most `node_budget` nodes; each node adds the rows it scans to `work`. Returns the
// moved point (checked against every row and bound before it is returned) or nothing when the search found none
// within its budget — which proves nothing (the caller then asks the linear program). Deterministic.
std::optional<std::vector<long long>> find_move(const Problem& p, std::size_t target, int step, std::span<const long long> point,
                                                std::size_t node_budget, Work* work = nullptr);

// A certificate of the opposite: bound propagation over the rows (each variable's range narrowed by the ranges of
// the others in each of its rows, rounded to whole numbers, repeated until nothing changes or `max_passes`
// passes) pins x[target] to one value. True proves that every integer point has that value; false proves nothing.
bool pinned_by_bounds(const Problem& p, std::size_t target, std::size_t max_passes, Work* work = nullptr);

} // namespace hkstat::tabulate::exact
