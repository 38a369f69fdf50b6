#include "tabulate/exact_lp.hpp"

#include "hkstat/core/error.hpp"

#include <algorithm>
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

} // namespace hkstat::tabulate::exact
