// The suppression audit's exact solver (lib/src/tabulate/exact_lp.hpp) against brute force: on small random
// systems A x = b with bounded integer variables, the integer optimum of each variable (both directions) and
// "is there an integer point with x >= goal / <= goal" agree with enumerating every integer point; the linear
// optimum is never worse than the integer one and is attained by a point that satisfies every equation exactly.
#include "tabulate/exact_lp.hpp"

#include <catch2/catch.hpp>

#include <functional>
#include <optional>
#include <random>

using namespace hkstat::tabulate::exact;

namespace {

// Every integer point of p (bounds must be finite), by enumeration.
std::vector<std::vector<long long>> integer_points(const Problem& p) {
  std::vector<std::vector<long long>> out;
  std::vector<long long> x(p.vars);
  std::function<void(std::size_t)> rec = [&](std::size_t j) {
    if (j == p.vars) {
      for (std::size_t i = 0; i < p.rows.size(); ++i) {
        long long s = 0;
        for (const auto& [k, a] : p.rows[i]) s += a * x[k];
        if (s != p.rhs[i]) return;
      }
      out.push_back(x);
      return;
    }
    for (long long v = p.lo[j]; v <= *p.hi[j]; ++v) {
      x[j] = v;
      rec(j + 1);
    }
  };
  rec(0);
  return out;
}

// A random system whose right-hand side comes from a random integer point (feasible), or not (maybe infeasible).
Problem random_problem(std::mt19937& rng, bool from_point, bool tu_like) {
  std::uniform_int_distribution<int> nvars(1, 5), nrows(0, 3), coef(-2, 2), pm(-1, 1), bound(0, 4), rhs(-3, 6);
  Problem p;
  p.vars = static_cast<std::size_t>(nvars(rng));
  std::vector<long long> point(p.vars);
  for (std::size_t j = 0; j < p.vars; ++j) {
    const long long lo = bound(rng) / 2;
    const long long hi = lo + bound(rng);
    p.lo.push_back(lo);
    p.hi.push_back(hi);
    point[j] = std::uniform_int_distribution<long long>(lo, hi)(rng);
  }
  const int m = nrows(rng);
  for (int i = 0; i < m; ++i) {
    std::vector<std::pair<std::size_t, int>> row;
    long long s = 0;
    for (std::size_t j = 0; j < p.vars; ++j) {
      const int a = tu_like ? pm(rng) : coef(rng);
      if (a == 0) continue;
      row.emplace_back(j, a);
      s += a * point[j];
    }
    p.rows.push_back(row);
    p.rhs.push_back(from_point ? s : rhs(rng));
  }
  return p;
}

} // namespace

TEST_CASE("exact_lp: integer optima and reachability agree with brute force on random small systems", "[exact_lp]") {
  std::mt19937 rng(20261205);
  int infeasible = 0, fractional = 0, checked = 0;
  for (int trial = 0; trial < 600; ++trial) {
    const bool from_point = trial % 3 != 0;
    const Problem p = random_problem(rng, from_point, trial % 2 == 0);
    const auto points = integer_points(p);
    // A hint: an integer point if there is one (as the audit gives the true table), else nothing.
    const std::vector<long long> hint = points.empty() ? std::vector<long long>{} : points[points.size() / 2];
    for (std::size_t t = 0; t < p.vars; ++t) {
      std::optional<long long> lo, hi;
      for (const auto& x : points) {
        lo = lo ? std::min(*lo, x[t]) : x[t];
        hi = hi ? std::max(*hi, x[t]) : x[t];
      }
      for (bool maximize : {true, false}) {
        const IntResult r = integer_optimum(p, t, maximize, hint);
        const LpResult lp = solve_lp(p, t, maximize, hint);
        if (points.empty()) {
          CHECK(r.status == Status::Infeasible);
          ++infeasible;
        } else {
          REQUIRE(r.status == Status::Optimal);
          CHECK(r.value == (maximize ? *hi : *lo));
          REQUIRE(lp.status == Status::Optimal);
          CHECK((maximize ? lp.value >= *hi : lp.value <= *lo));
          // The linear optimum is a point of the system.
          for (std::size_t i = 0; i < p.rows.size(); ++i) {
            Rational s = 0;
            for (const auto& [k, a] : p.rows[i]) s += a * lp.x[k];
            CHECK(s == p.rhs[i]);
          }
          if (boost::multiprecision::denominator(lp.value) != 1 || lp.value != (maximize ? *hi : *lo)) ++fractional;
        }
        // Reachability for every goal around the range.
        for (long long goal = -1; goal <= 10; ++goal) {
          bool expect = false;
          for (const auto& x : points) expect = expect || (maximize ? x[t] >= goal : x[t] <= goal);
          CHECK(integer_reaches(p, t, maximize, goal, hint) == expect);
          ++checked;
        }
      }
    }
  }
  // The random systems exercise the interesting cases: infeasible ones, and linear optima that are not the
  // integer optimum (branch and bound needed).
  CHECK(infeasible > 20);
  CHECK(fractional > 20);
  CHECK(checked > 10000);
}

TEST_CASE("exact_lp: an unbounded direction with a known integer point is unbounded, without bounds a 2-D table is solved",
          "[exact_lp]") {
  // x0 + x1 = 5, x2 - x0 = 0, x2 without upper bound but tied to x0: bounded. x3 free above, only in x3 - x4 = 1.
  Problem p;
  p.vars = 5;
  p.rows = {{{0, 1}, {1, 1}}, {{2, 1}, {0, -1}}, {{3, 1}, {4, -1}}};
  p.rhs = {5, 0, 1};
  p.lo.assign(5, 0);
  p.hi.assign(5, std::nullopt);
  const std::vector<long long> truth{2, 3, 2, 4, 3};
  CHECK(integer_optimum(p, 2, true, truth).value == 5);
  CHECK(integer_optimum(p, 2, false, truth).value == 0);
  CHECK(integer_optimum(p, 3, true, truth).status == Status::Unbounded);
  CHECK(integer_optimum(p, 3, false, truth).value == 1);
  CHECK(integer_reaches(p, 3, true, 1000000, truth));
  CHECK_FALSE(integer_reaches(p, 0, true, 6, truth));
}

TEST_CASE("exact_lp: a system whose linear optimum is fractional needs branch and bound", "[exact_lp]") {
  // 2 x0 + 2 x1 = 3 has the linear solutions but no integer one; 2 x0 - 2 x1 = 0 with x0 + x1 <= 3 via slack.
  Problem p;
  p.vars = 2;
  p.rows = {{{0, 2}, {1, 2}}};
  p.rhs = {3};
  p.lo = {0, 0};
  p.hi = {3, 3};
  CHECK(solve_lp(p, 0, true).status == Status::Optimal);
  CHECK(integer_optimum(p, 0, true).status == Status::Infeasible);
  CHECK_FALSE(integer_reaches(p, 0, true, 0));
}

TEST_CASE("exact_lp: values whose products leave 64 bits are solved exactly (the cpp_rational path)", "[exact_lp]") {
  // x0 + x1 = N, x0 - x1 = 1 with N = 9·10^18: the linear optimum is x0 = (N + 1) / 2, not an integer, and
  // comparing it with N needs products beyond 64 bits.
  const long long n = 9000000000000000000LL;
  Problem p;
  p.vars = 2;
  p.rows = {{{0, 1}, {1, 1}}, {{0, 1}, {1, -1}}};
  p.rhs = {n, 1};
  p.lo = {0, 0};
  p.hi = {n, n};
  const LpResult r = solve_lp(p, 0, true);
  REQUIRE(r.status == Status::Optimal);
  CHECK(r.value == (Rational(n) + 1) / 2);
  CHECK(integer_optimum(p, 0, true).status == Status::Infeasible);
  p.rhs = {n - 1, 1};
  CHECK(integer_optimum(p, 0, false).value == n / 2);
}
