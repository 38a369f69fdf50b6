#include "tabulate/exact_lp.hpp"

#include "hkstat/core/error.hpp"

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <numeric>
#include <string>

namespace hkstat::tabulate::exact {

namespace {

[[noreturn]] void internal(const char* ja, const char* en) { throw Error(hkstat::Problem{ErrorCode::Internal, SourcePos{}, "", Text{ja, en}, Text{}, ""}); }

bool integral(const Rational& r) { return boost::multiprecision::denominator(r) == 1; }

long long floor_ll(const Rational& r) {
  using boost::multiprecision::cpp_int;
  const cpp_int n = boost::multiprecision::numerator(r), d = boost::multiprecision::denominator(r);
  cpp_int q = n / d;
  if (n.sign() < 0 && q * d != n) q -= 1;
  return q.convert_to<long long>();
}
long long ceil_ll(const Rational& r) { return integral(r) ? floor_ll(r) : floor_ll(r) + 1; }


// The fast path: a fraction of two 64-bit integers, every operation checked; on overflow the whole linear
// program is solved again over cpp_rational (so the result is exact either way). For the 0/±1 matrices of
// tables the tableau entries stay small and the fallback is practically never needed.
struct Overflow {};
long long mul(long long a, long long b) {
  long long r = 0;
  if (__builtin_mul_overflow(a, b, &r)) throw Overflow{};
  return r;
}
long long add(long long a, long long b) {
  long long r = 0;
  if (__builtin_add_overflow(a, b, &r)) throw Overflow{};
  return r;
}
long long sub(long long a, long long b) {
  long long r = 0;
  if (__builtin_sub_overflow(a, b, &r)) throw Overflow{};
  return r;
}
long long gcd_ll(long long a, long long b) {
  if (a == std::numeric_limits<long long>::min() || b == std::numeric_limits<long long>::min()) throw Overflow{};
  return std::gcd(a, b);
}
struct Small {
  long long n = 0, d = 1;
  Small() = default;
  Small(long long v) : n(v) {} // NOLINT: implicit like the rational type's
  static Small make(long long n, long long d) {
    if (d == 1) return Small(n);
    if (d < 0) {
      n = sub(0, n);
      d = sub(0, d);
    }
    const long long g = gcd_ll(n, d);
    Small r;
    r.n = g > 1 ? n / g : n;
    r.d = g > 1 ? d / g : d;
    return r;
  }
  friend Small operator+(const Small& a, const Small& b) {
    if (a.d == 1 && b.d == 1) return Small(add(a.n, b.n));
    if (a.d == b.d) return make(add(a.n, b.n), a.d);
    return make(add(mul(a.n, b.d), mul(b.n, a.d)), mul(a.d, b.d));
  }
  friend Small operator-(const Small& a, const Small& b) {
    if (a.d == 1 && b.d == 1) return Small(sub(a.n, b.n));
    if (a.d == b.d) return make(sub(a.n, b.n), a.d);
    return make(sub(mul(a.n, b.d), mul(b.n, a.d)), mul(a.d, b.d));
  }
  Small operator-() const { return make(sub(0, n), d); }
  friend Small operator*(const Small& a, const Small& b) {
    if (a.n == 0 || b.n == 0) return Small(0);
    if (a.d == 1 && b.d == 1) return Small(mul(a.n, b.n)); // integers: no gcd (the usual case)
    const long long g1 = gcd_ll(a.n, b.d), g2 = gcd_ll(b.n, a.d);
    return make(mul(a.n / g1, b.n / g2), mul(a.d / g2, b.d / g1));
  }
  friend Small operator/(const Small& a, const Small& b) { return a * make(b.d, b.n); }
  Small& operator+=(const Small& b) { return *this = *this + b; }
  Small& operator-=(const Small& b) { return *this = *this - b; }
  Small& operator/=(const Small& b) { return *this = *this / b; }
  friend bool operator==(const Small& a, const Small& b) { return a.n == b.n && a.d == b.d; }
  friend bool operator<(const Small& a, const Small& b) { return a.d == b.d ? a.n < b.n : mul(a.n, b.d) < mul(b.n, a.d); }
  friend bool operator>(const Small& a, const Small& b) { return b < a; }
  friend bool operator<=(const Small& a, const Small& b) { return !(b < a); }
  friend bool operator>=(const Small& a, const Small& b) { return !(a < b); }
};
int sgn(const Small& x) { return x.n > 0 ? 1 : (x.n < 0 ? -1 : 0); }
int sgn(const Rational& x) { return x.sign(); }
Small abs_of(const Small& x) { return x.n < 0 ? -x : x; }
Rational abs_of(const Rational& x) { return x.sign() < 0 ? Rational(-x) : x; }
bool is_int(const Small& x) { return x.d == 1; }
bool is_int(const Rational& x) { return integral(x); }
Rational to_rational(const Small& x) { return Rational(x.n) / Rational(x.d); }
Rational to_rational(const Rational& x) { return x; }

// Dense tableau over structural variables 0..n-1 and one artificial per row (n..n+m-1): A x + s = b.
template <class Num>
class Simplex {
public:
  Simplex(const Problem& p, std::span<const long long> hint, Work* work) : m_(p.rows.size()), n_(p.vars), nn_(n_ + m_), work_(work) {
    spend(); // checked before the tableau is allocated
    t_.assign(m_, std::vector<Num>(nn_));
    x_.assign(nn_, Num(0));
    lo_.assign(nn_, Num(0));
    hi_.assign(nn_, std::nullopt);
    basis_.resize(m_);
    row_of_.assign(nn_, kNone);
    for (std::size_t j = 0; j < n_; ++j) {
      lo_[j] = p.lo[j];
      if (p.hi[j]) hi_[j] = Num(*p.hi[j]);
      long long v = j < hint.size() ? hint[j] : p.lo[j];
      v = std::max(v, p.lo[j]);
      if (p.hi[j]) v = std::min(v, *p.hi[j]);
      x_[j] = v;
    }
    for (std::size_t i = 0; i < m_; ++i) {
      Num s = p.rhs[i];
      for (const auto& [j, a] : p.rows[i]) {
        t_[i][j] += Num(a);
        s -= Num(a) * x_[j];
      }
      t_[i][n_ + i] = 1;
      basis_[i] = n_ + i;
      row_of_[n_ + i] = i;
      x_[n_ + i] = s;
      // Phase 1 bounds: between 0 and the starting residual.
      lo_[n_ + i] = sgn(s) < 0 ? s : Num(0);
      hi_[n_ + i] = sgn(s) > 0 ? s : Num(0);
    }
  }

  // Phase 1: drive every artificial to 0. False: infeasible.
  bool phase1() {
    std::vector<int> c(nn_, 0);
    bool any = false;
    for (std::size_t i = 0; i < m_; ++i) {
      const int sg = sgn(x_[n_ + i]);
      c[n_ + i] = -sg;
      any = any || sg != 0;
    }
    if (any) {
      if (run(c, std::nullopt, std::nullopt) != Status::Optimal) internal("秘匿の監査（線形計画）の第1段階が有界でありません", "the suppression audit's phase 1 is unbounded");
      for (std::size_t i = 0; i < m_; ++i)
        if (sgn(x_[n_ + i]) != 0) return false;
    }
    for (std::size_t i = 0; i < m_; ++i) {
      lo_[n_ + i] = Num(0);
      hi_[n_ + i] = Num(0);
    }
    return true;
  }

  Status phase2(std::size_t target, bool maximize, std::optional<long long> stop_at) {
    std::vector<int> c(nn_, 0);
    c[target] = maximize ? 1 : -1;
    return run(c, target, stop_at);
  }

  Rational value(std::size_t j) const { return to_rational(x_[j]); }
  std::vector<Rational> structural() const {
    std::vector<Rational> out;
    for (std::size_t j = 0; j < n_; ++j) out.push_back(to_rational(x_[j]));
    return out;
  }

private:
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);

  void spend() {
    if (!work_) return;
    work_->used += static_cast<std::uint64_t>(m_ + 1) * static_cast<std::uint64_t>(nn_ + 1);
    if (work_->used > work_->limit) throw WorkExceeded{};
  }

  bool structural_integral() const {
    for (std::size_t j = 0; j < n_; ++j)
      if (!is_int(x_[j])) return false;
    return true;
  }

  // Maximize c·x (c small integers). Bland's rule: the entering variable of least index, ties in the ratio test
  // to the basic variable of least index.
  Status run(const std::vector<int>& c, std::optional<std::size_t> target, std::optional<long long> stop_at) {
    std::vector<Num> d(nn_);
    for (;;) {
      spend();
      if (stop_at && target) {
        const bool reached = c[*target] > 0 ? x_[*target] >= Num(*stop_at) : x_[*target] <= Num(*stop_at);
        if (reached && structural_integral()) return Status::Optimal;
      }
      // Reduced costs of the non-basic variables.
      for (std::size_t j = 0; j < nn_; ++j) d[j] = c[j];
      for (std::size_t i = 0; i < m_; ++i) {
        const int cb = c[basis_[i]];
        if (cb == 0) continue;
        for (std::size_t j = 0; j < nn_; ++j)
          if (sgn(t_[i][j]) != 0) d[j] -= Num(cb) * t_[i][j];
      }
      std::size_t enter = kNone;
      int dir = 0;
      for (std::size_t j = 0; j < nn_ && enter == kNone; ++j) {
        if (row_of_[j] != kNone) continue;
        const int sg = sgn(d[j]);
        if (sg > 0 && (!hi_[j] || x_[j] < *hi_[j])) {
          enter = j;
          dir = 1;
        } else if (sg < 0 && x_[j] > lo_[j]) {
          enter = j;
          dir = -1;
        }
      }
      if (enter == kNone) return Status::Optimal;
      // Ratio test.
      std::optional<Num> theta;
      if (dir > 0 && hi_[enter]) theta = *hi_[enter] - x_[enter];
      if (dir < 0) theta = x_[enter] - lo_[enter];
      std::size_t leave = kNone;
      for (std::size_t i = 0; i < m_; ++i) {
        const Num& a = t_[i][enter];
        if (sgn(a) == 0) continue;
        const std::size_t b = basis_[i];
        // x_b changes by -dir * a per unit step.
        const int moves = -dir * sgn(a);
        std::optional<Num> lim;
        if (moves > 0) {
          if (hi_[b]) lim = (*hi_[b] - x_[b]) / abs_of(a);
        } else {
          lim = (x_[b] - lo_[b]) / abs_of(a);
        }
        if (!lim) continue;
        if (!theta || *lim < *theta) {
          theta = *lim;
          leave = i;
        } else if (*lim == *theta && leave != kNone && b < basis_[leave]) {
          leave = i;
        }
      }
      if (!theta) return Status::Unbounded;
      const Num step = *theta;
      if (sgn(step) != 0) {
        x_[enter] += dir > 0 ? step : -step;
        for (std::size_t i = 0; i < m_; ++i)
          if (sgn(t_[i][enter]) != 0) x_[basis_[i]] -= (dir > 0 ? step : -step) * t_[i][enter];
      }
      if (leave != kNone) pivot(leave, enter);
      ++pivots;
      if (pivots > kMaxPivots) internal("秘匿の監査（線形計画）が収束しません", "the suppression audit's linear program does not converge");
    }
  }

  void pivot(std::size_t r, std::size_t j) {
    const Num p = t_[r][j];
    std::vector<std::size_t> nz;
    for (std::size_t k = 0; k < nn_; ++k)
      if (sgn(t_[r][k]) != 0) {
        t_[r][k] /= p;
        nz.push_back(k);
      }
    for (std::size_t i = 0; i < m_; ++i) {
      if (i == r || sgn(t_[i][j]) == 0) continue;
      const Num f = t_[i][j];
      for (std::size_t k : nz) t_[i][k] -= f * t_[r][k];
    }
    row_of_[basis_[r]] = kNone;
    basis_[r] = j;
    row_of_[j] = r;
  }

  static constexpr std::size_t kMaxPivots = 1000000;
  std::size_t m_, n_, nn_;
  std::vector<std::vector<Num>> t_;
  std::vector<Num> x_, lo_;
  std::vector<std::optional<Num>> hi_;
  std::vector<std::size_t> basis_, row_of_;
  std::size_t pivots = 0;
  Work* work_ = nullptr;
};

void check(const Problem& p, std::size_t target) {
  if (target >= p.vars || p.lo.size() != p.vars || p.hi.size() != p.vars || p.rhs.size() != p.rows.size())
    internal("秘匿の監査: 線形計画の大きさが合いません", "suppression audit: the linear program's sizes do not match");
  for (const auto& row : p.rows)
    for (const auto& [j, a] : row)
      if (j >= p.vars) internal("秘匿の監査: 線形計画の大きさが合いません", "suppression audit: the linear program's sizes do not match");
}

bool feasible_integer_point(const Problem& p, std::span<const long long> x) {
  if (x.size() != p.vars) return false;
  for (std::size_t j = 0; j < p.vars; ++j)
    if (x[j] < p.lo[j] || (p.hi[j] && x[j] > *p.hi[j])) return false;
  for (std::size_t i = 0; i < p.rows.size(); ++i) {
    long long s = 0;
    for (const auto& [j, a] : p.rows[i]) s += a * x[j];
    if (s != p.rhs[i]) return false;
  }
  return true;
}

std::vector<long long> rounded(const std::vector<Rational>& x) {
  std::vector<long long> out;
  out.reserve(x.size());
  for (const auto& v : x) out.push_back(floor_ll(v));
  return out;
}

std::optional<std::size_t> first_fractional(const std::vector<Rational>& x, std::size_t target) {
  if (!integral(x[target])) return target;
  for (std::size_t j = 0; j < x.size(); ++j)
    if (!integral(x[j])) return j;
  return std::nullopt;
}

constexpr std::size_t kMaxNodes = 200000;

template <class Num>
LpResult run_lp(const Problem& p, std::size_t target, bool maximize, std::span<const long long> hint, std::optional<long long> stop_at,
                Work* work) {
  Simplex<Num> s(p, hint, work);
  LpResult out;
  if (!s.phase1()) return out;
  out.status = s.phase2(target, maximize, stop_at);
  if (out.status == Status::Optimal) {
    out.value = s.value(target);
    out.x = s.structural();
  }
  return out;
}

} // namespace

LpResult solve_lp(const Problem& p, std::size_t target, bool maximize, std::span<const long long> hint, std::optional<long long> stop_at,
                  Work* work) {
  check(p, target);
  for (std::size_t j = 0; j < p.vars; ++j)
    if (p.hi[j] && *p.hi[j] < p.lo[j]) return LpResult{};
  try {
    return run_lp<Small>(p, target, maximize, hint, stop_at, work);
  } catch (const Overflow&) {
    return run_lp<Rational>(p, target, maximize, hint, stop_at, work);
  }
}

namespace {

// Depth-first branch and bound: an integer point with x[target] reaching goal within p's bounds?
bool reaches_node(Problem& p, std::size_t target, bool maximize, long long goal, std::span<const long long> hint, std::size_t& nodes, Work* work) {
  if (++nodes > kMaxNodes) internal("秘匿の監査（整数計画）が大きすぎます", "the suppression audit's integer program is too large");
  const LpResult r = solve_lp(p, target, maximize, hint, goal, work);
  if (r.status == Status::Infeasible) return false;
  if (r.status == Status::Unbounded) internal("秘匿の監査（整数計画）の部分問題が有界でありません", "a subproblem of the suppression audit's integer program is unbounded");
  if (maximize ? r.value < goal : r.value > goal) return false;
  const auto j = first_fractional(r.x, target);
  if (!j) return true;
  const std::vector<long long> h = rounded(r.x);
  const long long f = floor_ll(r.x[*j]);
  const long long old_lo = p.lo[*j];
  const std::optional<long long> old_hi = p.hi[*j];
  // Towards the goal first.
  for (int side = 0; side < 2; ++side) {
    const bool up = (side == 0) == maximize;
    if (up) p.lo[*j] = f + 1;
    else p.hi[*j] = f;
    const bool ok = reaches_node(p, target, maximize, goal, h, nodes, work);
    p.lo[*j] = old_lo;
    p.hi[*j] = old_hi;
    if (ok) return true;
  }
  return false;
}

void optimum_node(Problem& p, std::size_t target, bool maximize, std::span<const long long> hint, std::optional<long long>& best, std::size_t& nodes,
                  Work* work) {
  if (++nodes > kMaxNodes) internal("秘匿の監査（整数計画）が大きすぎます", "the suppression audit's integer program is too large");
  const LpResult r = solve_lp(p, target, maximize, hint, std::nullopt, work);
  if (r.status == Status::Infeasible) return;
  if (r.status == Status::Unbounded) internal("秘匿の監査（整数計画）の部分問題が有界でありません", "a subproblem of the suppression audit's integer program is unbounded");
  const long long bound = maximize ? floor_ll(r.value) : ceil_ll(r.value);
  if (best && (maximize ? bound <= *best : bound >= *best)) return;
  const auto j = first_fractional(r.x, target);
  if (!j) {
    best = floor_ll(r.value);
    return;
  }
  const std::vector<long long> h = rounded(r.x);
  const long long f = floor_ll(r.x[*j]);
  const long long old_lo = p.lo[*j];
  const std::optional<long long> old_hi = p.hi[*j];
  for (int side = 0; side < 2; ++side) {
    const bool up = (side == 0) == maximize;
    if (up) p.lo[*j] = f + 1;
    else p.hi[*j] = f;
    optimum_node(p, target, maximize, h, best, nodes, work);
    p.lo[*j] = old_lo;
    p.hi[*j] = old_hi;
  }
}

} // namespace

bool integer_reaches(const Problem& p, std::size_t target, bool maximize, long long goal, std::span<const long long> hint, Work* work) {
  check(p, target);
  const LpResult root = solve_lp(p, target, maximize, hint, goal, work);
  if (root.status == Status::Infeasible) return false;
  if (root.status == Status::Unbounded) {
    // A rational polyhedron with an integer point is unbounded in integers when it is unbounded (Meyer).
    if (feasible_integer_point(p, hint)) return true;
    internal("秘匿の監査: 整数解の有無が分からない非有界な問題です", "suppression audit: an unbounded problem without a known integer point");
  }
  if (maximize ? root.value < goal : root.value > goal) return false;
  if (!first_fractional(root.x, target)) return true;
  Problem q = p;
  std::size_t nodes = 0;
  return reaches_node(q, target, maximize, goal, hint, nodes, work);
}

IntResult integer_optimum(const Problem& p, std::size_t target, bool maximize, std::span<const long long> hint, Work* work) {
  check(p, target);
  const LpResult root = solve_lp(p, target, maximize, hint, std::nullopt, work);
  IntResult out;
  if (root.status == Status::Infeasible) return out;
  if (root.status == Status::Unbounded) {
    if (feasible_integer_point(p, hint)) {
      out.status = Status::Unbounded;
      return out;
    }
    internal("秘匿の監査: 整数解の有無が分からない非有界な問題です", "suppression audit: an unbounded problem without a known integer point");
  }
  if (!first_fractional(root.x, target)) {
    out.status = Status::Optimal;
    out.value = floor_ll(root.value);
    return out;
  }
  Problem q = p;
  std::size_t nodes = 0;
  std::optional<long long> best;
  optimum_node(q, target, maximize, hint, best, nodes, work);
  if (best) {
    out.status = Status::Optimal;
    out.value = *best;
  }
  return out;
}

std::optional<std::vector<long long>> find_move(const Problem& p, std::size_t target, int step, std::span<const long long> point,
                                                std::size_t node_budget, Work* work) {
  check(p, target);
  if ((step != 1 && step != -1) || !feasible_integer_point(p, point)) return std::nullopt;
  const std::size_t n = p.vars, m = p.rows.size();
  std::vector<std::vector<std::pair<std::size_t, long long>>> cols(n);
  for (std::size_t i = 0; i < m; ++i)
    for (const auto& [j, a] : p.rows[i]) cols[j].emplace_back(i, a);
  std::vector<long long> d(n, 0), r(m, 0);
  std::vector<char> moved(n, 0);
  // The unbalanced rows (r != 0), kept as a set (position of each row in `open`, kNone when balanced).
  constexpr std::size_t kOut = static_cast<std::size_t>(-1);
  std::vector<std::size_t> open, pos(m, kOut);
  auto touch = [&](std::size_t i) {
    if (r[i] != 0 && pos[i] == kOut) {
      pos[i] = open.size();
      open.push_back(i);
    } else if (r[i] == 0 && pos[i] != kOut) {
      const std::size_t last = open.back();
      open[pos[i]] = last;
      pos[last] = pos[i];
      open.pop_back();
      pos[i] = kOut;
    }
  };
  auto within = [&](std::size_t j, long long dj) {
    const long long v = point[j] + dj;
    return v >= p.lo[j] && (!p.hi[j] || v <= *p.hi[j]);
  };
  auto apply = [&](std::size_t j, long long dj) {
    d[j] = dj;
    moved[j] = 1;
    for (const auto& [i, a] : cols[j]) {
      r[i] += a * dj;
      touch(i);
    }
  };
  auto undo = [&](std::size_t j) {
    for (const auto& [i, a] : cols[j]) {
      r[i] -= a * d[j];
      touch(i);
    }
    d[j] = 0;
    moved[j] = 0;
  };
  // The change of variable j that balances row i (residual res, coefficient a), if a whole number.
  auto balancing = [](long long res, long long a) -> std::optional<long long> {
    if (a == 0 || res % a != 0) return std::nullopt;
    return -res / a;
  };
  if (!within(target, step)) return std::nullopt;
  apply(target, step);
  std::size_t nodes = 0;
  struct Choice {
    long long score;
    std::size_t j;
    long long dj;
  };
  // Depth first: the unbalanced row with fewest ways to rebalance it (an unmoved variable whose change stays
  // within its bounds), each way tried in the order of the rows it balances minus the rows it unbalances. An
  // explicit stack, not recursion (the browser edition's stack is small).
  struct Frame {
    std::vector<Choice> choices;
    std::size_t next = 0;
    std::optional<std::size_t> applied;
  };
  std::vector<Frame> stack;
  enum class Step { Balanced, DeadEnd, Pushed, Budget };
  auto expand = [&]() -> Step {
    if (++nodes > node_budget) return Step::Budget;
    if (work) {
      work->used += static_cast<std::uint64_t>(open.size() + 1);
      if (work->used > work->limit) throw WorkExceeded{};
    }
    std::size_t best_row = m, best_count = 0;
    for (const std::size_t i : open) {
      std::size_t count = 0;
      for (const auto& [j, a] : p.rows[i]) {
        if (moved[j]) continue;
        const auto dj = balancing(r[i], a);
        if (dj && within(j, *dj)) ++count;
      }
      if (count == 0) return Step::DeadEnd;
      if (best_row == m || count < best_count || (count == best_count && i < best_row)) {
        best_row = i;
        best_count = count;
      }
    }
    if (best_row == m) return Step::Balanced;
    Frame f;
    for (const auto& [j, a] : p.rows[best_row]) {
      if (moved[j]) continue;
      const auto dj = balancing(r[best_row], a);
      if (!dj || !within(j, *dj)) continue;
      long long score = 0;
      for (const auto& [i, b] : cols[j]) {
        if (i == best_row) continue;
        const long long before = std::llabs(r[i]), after = std::llabs(r[i] + b * *dj);
        score += after < before ? 1 : (after > before ? -1 : 0);
      }
      f.choices.push_back(Choice{score, j, *dj});
    }
    std::sort(f.choices.begin(), f.choices.end(), [](const Choice& x, const Choice& y) { return x.score != y.score ? x.score > y.score : x.j < y.j; });
    stack.push_back(std::move(f));
    return Step::Pushed;
  };
  Step step_result = expand();
  while (step_result != Step::Balanced && step_result != Step::Budget && !stack.empty()) {
    Frame& f = stack.back();
    if (f.applied) {
      undo(*f.applied);
      f.applied.reset();
    }
    if (f.next == f.choices.size()) {
      stack.pop_back();
      continue;
    }
    const Choice c = f.choices[f.next++];
    apply(c.j, c.dj);
    f.applied = c.j;
    step_result = expand(); // may push: `f` is not used after this
  }
  if (step_result != Step::Balanced) return std::nullopt;
  std::vector<long long> out(point.begin(), point.end());
  for (std::size_t j = 0; j < n; ++j) out[j] += d[j];
  // The certificate is checked, not trusted: a feasible integer point with another value of the target.
  if (!feasible_integer_point(p, out) || out[target] == point[target]) internal("秘匿の監査: 値を動かす解が制約を満たしません", "suppression audit: a move found does not satisfy the constraints");
  return out;
}

bool pinned_by_bounds(const Problem& p, std::size_t target, std::size_t max_passes, Work* work) {
  check(p, target);
  // Ranges as whole numbers; "no upper bound" as a large sentinel that sums saturate to.
  constexpr long long kInf = std::numeric_limits<long long>::max() / 8;
  const std::size_t n = p.vars;
  std::vector<long long> lo(p.lo.begin(), p.lo.end()), hi(n, kInf);
  for (std::size_t j = 0; j < n; ++j)
    if (p.hi[j]) hi[j] = std::min(*p.hi[j], kInf);
  auto floor_div = [](long long a, long long b) { // b > 0
    return a >= 0 ? a / b : -((-a + b - 1) / b);
  };
  auto ceil_div = [&](long long a, long long b) { return -floor_div(-a, b); };
  for (std::size_t pass = 0; pass < max_passes; ++pass) {
    bool changed = false;
    for (std::size_t i = 0; i < p.rows.size(); ++i) {
      if (work) {
        work->used += static_cast<std::uint64_t>(p.rows[i].size() + 1);
        if (work->used > work->limit) throw WorkExceeded{};
      }
      // Σ a_j x_j = rhs: the least and greatest value of the sum, with how many unbounded terms.
      long long smin = 0, smax = 0;
      int inf_min = 0, inf_max = 0;
      for (const auto& [j, a] : p.rows[i]) {
        const long long l = a > 0 ? lo[j] : hi[j], h = a > 0 ? hi[j] : lo[j]; // x_j giving a_j x_j its least / greatest
        if (l >= kInf || l <= -kInf) ++inf_min;
        else smin += a * l;
        if (h >= kInf || h <= -kInf) ++inf_max;
        else smax += a * h;
      }
      if (std::llabs(smin) >= kInf / 4 || std::llabs(smax) >= kInf / 4) continue; // far beyond any table: no narrowing
      for (const auto& [j, a] : p.rows[i]) {
        if (a == 0) continue;
        const long long l = a > 0 ? lo[j] : hi[j], h = a > 0 ? hi[j] : lo[j];
        const bool l_inf = l >= kInf || l <= -kInf, h_inf = h >= kInf || h <= -kInf;
        // a_j x_j = rhs − Σ others: at least rhs − (greatest of the others), at most rhs − (least of the others).
        std::optional<long long> t_lo, t_hi;
        if (inf_max - (h_inf ? 1 : 0) == 0) t_lo = p.rhs[i] - (smax - (h_inf ? 0 : a * h));
        if (inf_min - (l_inf ? 1 : 0) == 0) t_hi = p.rhs[i] - (smin - (l_inf ? 0 : a * l));
        long long nlo = lo[j], nhi = hi[j];
        if (a > 0) {
          if (t_lo) nlo = std::max(nlo, ceil_div(*t_lo, a));
          if (t_hi) nhi = std::min(nhi, floor_div(*t_hi, a));
        } else {
          if (t_hi) nlo = std::max(nlo, ceil_div(-*t_hi, -a));
          if (t_lo) nhi = std::min(nhi, floor_div(-*t_lo, -a));
        }
        if (nlo > lo[j] || nhi < hi[j]) {
          // Recompute the row sums lazily: a change is applied and the row is scanned again next pass.
          lo[j] = nlo;
          hi[j] = nhi;
          changed = true;
        }
      }
      if (lo[target] >= hi[target]) return true;
    }
    if (!changed) break;
  }
  return lo[target] >= hi[target];
}

} // namespace hkstat::tabulate::exact
