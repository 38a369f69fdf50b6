#include "hkstat/estimate/proportion_ci.hpp"

#include "hkstat/core/error.hpp"
#include "hkstat/estimate/distributions.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

namespace hkstat::estimate {

namespace {

[[noreturn]] void fail(ErrorCode code, std::string value, Text message, Text expected) {
  throw_problem(code, std::move(value), std::move(message), std::move(expected));
}

[[noreturn]] void internal(std::string value, const char* what_ja, const char* what_en) {
  fail(ErrorCode::Internal, std::move(value), Text{what_ja, what_en}, Text{});
}

double expit(double eta) { return 1 / (1 + std::exp(-eta)); }

double clip01(double x) { return std::clamp(x, 0.0, 1.0); }

// Clopper–Pearson on x successes out of n (x may be non-integer for the design fallback):
// [Beta⁻¹(α/2; x, n - x + 1), Beta⁻¹(1 - α/2; x + 1, n - x)], 0 at x = 0, 1 at x = n (R binom.test).
Interval clopper_pearson(double x, double n, double level) {
  const double half_alpha = (1 - level) / 2;
  Interval r;
  r.lower = x <= 0 ? 0.0 : beta_quantile(half_alpha, x, n - x + 1);
  r.upper = x >= n ? 1.0 : beta_quantile(1 - half_alpha, x + 1, n - x);
  return r;
}

Interval boundary_fallback(double x, double n, double level) {
  Interval r = clopper_pearson(x, n, level);
  r.note = kBoundaryNote;
  return r;
}

// Score interval on an effective sample size ne with critical value c:
// [p + c²/(2ne) ∓ (c/(2ne)) sqrt(4 ne p(1-p) + c²)] / (1 + c²/ne).
Interval wilson_on(double p, double ne, double c) {
  const double c2 = c * c;
  const double centre = p + c2 / (2 * ne);
  const double half = c / (2 * ne) * std::sqrt(4 * ne * p * (1 - p) + c2);
  const double denom = 1 + c2 / ne;
  return Interval{clip01((centre - half) / denom), clip01((centre + half) / denom), ""};
}

} // namespace

const char* ci_method_name(CiMethod m) {
  switch (m) {
  case CiMethod::Wilson: return "wilson";
  case CiMethod::ClopperPearson: return "clopper-pearson";
  case CiMethod::Logit: return "logit";
  case CiMethod::Wald: return "wald";
  case CiMethod::Beta: return "beta";
  case CiMethod::Asin: return "asin";
  case CiMethod::KgNchs: return "kg-nchs";
  case CiMethod::Likelihood: return "likelihood";
  }
  return "wilson";
}

Text ci_method_label(CiMethod m) {
  switch (m) {
  case CiMethod::Wilson: return Text{"Wilson（スコア法）", "Wilson (score)"};
  case CiMethod::ClopperPearson: return Text{"Clopper–Pearson（正確法）", "Clopper-Pearson (exact)"};
  case CiMethod::Logit: return Text{"ロジット変換", "logit"};
  case CiMethod::Wald: return Text{"Wald（正規近似）", "Wald (normal approximation)"};
  case CiMethod::Beta: return Text{"Korn–Graubard（ベータ）", "Korn-Graubard (beta)"};
  case CiMethod::Asin: return Text{"逆正弦変換", "arcsine"};
  case CiMethod::KgNchs: return Text{"Korn–Graubard（NCHS 方式）", "Korn-Graubard (NCHS)"};
  case CiMethod::Likelihood: return Text{"尤度比（Rao–Scott 尺度化プロファイル尤度）", "likelihood (Rao-Scott scaled profile likelihood)"};
  }
  return Text{};
}

CiMethod parse_ci_method(std::string_view name) {
  std::string s(name);
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  if (s == "wilson") return CiMethod::Wilson;
  if (s == "clopper-pearson" || s == "cp" || s == "exact") return CiMethod::ClopperPearson;
  if (s == "logit" || s == "xlogit") return CiMethod::Logit;
  if (s == "asin" || s == "arcsine") return CiMethod::Asin;
  if (s == "kg-nchs" || s == "nchs") return CiMethod::KgNchs;
  if (s == "wald" || s == "mean") return CiMethod::Wald;
  if (s == "beta" || s == "kg" || s == "korn-graubard") return CiMethod::Beta;
  if (s == "likelihood" || s == "lik") return CiMethod::Likelihood;
  fail(ErrorCode::UsageInvalidOption, std::string(name),
       Text{"信頼区間の計算方法が不明です", "unknown confidence-interval method"},
       Text{"wilson, clopper-pearson (cp, exact), logit (xlogit), wald (mean), beta (kg, korn-graubard), asin (arcsine), kg-nchs (nchs), likelihood (lik) のいずれか",
            "one of wilson, clopper-pearson (cp, exact), logit (xlogit), wald (mean), beta (kg, korn-graubard), asin (arcsine), kg-nchs (nchs), likelihood (lik)"});
}

Interval binomial_interval(CiMethod m, long long k, long long n, double level) {
  if (n <= 0)
    fail(ErrorCode::EstimateNoData, fmt::format("n={}", n),
         Text{"有効回答が0件のため信頼区間を計算できません", "no valid responses: no confidence interval"}, Text{});
  if (k < 0 || k > n) internal(fmt::format("k={} n={}", k, n), "該当数が0以上n以下ではありません", "k is not in [0, n]");
  const double z = critical_value(level, std::numeric_limits<double>::infinity()); // validates level
  const double nd = static_cast<double>(n);
  const double kd = static_cast<double>(k);
  const double p = kd / nd;
  const bool boundary = k == 0 || k == n;

  switch (m) {
  case CiMethod::Wilson: {
    // Spelled as R's prop.test(correct = FALSE): exact 0 / 1 at the boundaries.
    const double z22n = z * z / (2 * nd);
    const double half = z * std::sqrt(p * (1 - p) / nd + z22n / (2 * nd));
    Interval r;
    r.lower = k == 0 ? 0.0 : clip01((p + z22n - half) / (1 + 2 * z22n));
    r.upper = k == n ? 1.0 : clip01((p + z22n + half) / (1 + 2 * z22n));
    return r;
  }
  case CiMethod::ClopperPearson:
  case CiMethod::Beta:
  case CiMethod::KgNchs: return clopper_pearson(kd, nd, level);
  case CiMethod::Asin: return asin_interval(p, std::sqrt(p * (1 - p) / nd), std::numeric_limits<double>::infinity(), nd, level);
  case CiMethod::Likelihood: {
    if (boundary) return boundary_fallback(kd, nd, level);
    const double inf = std::numeric_limits<double>::infinity();
    return scaled_likelihood_interval(ScaledLikelihood{p, 1 / std::sqrt(nd * p * (1 - p)), 1.0, 1.0, inf, inf, nd, level});
  }
  case CiMethod::Logit: {
    if (boundary) return boundary_fallback(kd, nd, level);
    const double eta = std::log(p / (1 - p));
    const double se_eta = 1 / std::sqrt(nd * p * (1 - p));
    return Interval{expit(eta - z * se_eta), expit(eta + z * se_eta), ""};
  }
  case CiMethod::Wald: {
    if (boundary) return boundary_fallback(kd, nd, level);
    const double se = std::sqrt(p * (1 - p) / nd);
    return Interval{clip01(p - z * se), clip01(p + z * se), ""};
  }
  }
  internal(fmt::format("{}", static_cast<int>(m)), "不明な信頼区間の方法", "unknown CiMethod");
}

Interval domain_interval(CiMethod m, double p, double se, double df, double n_kg, double n_domain, double level,
                         const std::function<Interval()>& likelihood) {
  const auto compute = [&](double n) {
    if (likelihood && m == CiMethod::Likelihood && p > 0 && p < 1 && se > 0) return likelihood();
    return design_interval(m, p, se, df, n, level);
  };
  Interval ci = compute(n_kg);
  if (!ci.note.empty() && n_domain != n_kg) ci = compute(n_domain);
  return ci;
}

Interval design_interval(CiMethod m, double p, double se, double df, double n, double level) {
  const double c = critical_value(level, df); // validates level and df
  if (!(n >= 1))
    fail(ErrorCode::EstimateNoData, fmt::format("n={}", n),
         Text{"有効回答が0件のため信頼区間を計算できません", "no valid responses: no confidence interval"}, Text{});
  if (!(p >= 0 && p <= 1)) internal(fmt::format("p={}", p), "割合が0以上1以下ではありません", "proportion not in [0, 1]");
  if (!(se >= 0) || std::isinf(se)) internal(fmt::format("se={}", se), "標準誤差が不正です", "invalid standard error");

  if (m == CiMethod::KgNchs) return korn_graubard_nchs_interval(p, se, df, n, level);
  if (m == CiMethod::Likelihood) return likelihood_interval(p, se, df, n, n, level);
  if (p == 0 || p == 1 || se == 0) return boundary_fallback(p * n, n, level);

  switch (m) {
  case CiMethod::Asin: return asin_interval(p, se, df, n, level);
  case CiMethod::KgNchs:
  case CiMethod::Likelihood: break; // handled above
  case CiMethod::Wald: return Interval{clip01(p - c * se), clip01(p + c * se), ""};
  case CiMethod::Logit: {
    const double eta = std::log(p / (1 - p));
    const double se_eta = se / (p * (1 - p));
    return Interval{expit(eta - c * se_eta), expit(eta + c * se_eta), ""};
  }
  case CiMethod::Wilson: return wilson_on(p, p * (1 - p) / (se * se), c);
  case CiMethod::ClopperPearson:
  case CiMethod::Beta: {
    const double half_alpha = (1 - level) / 2;
    const double ratio = t_quantile(half_alpha, n - 1) / t_quantile(half_alpha, df);
    const double n_star = p * (1 - p) / (se * se) * ratio * ratio;
    const double x_star = n_star * p;
    return Interval{beta_quantile(half_alpha, x_star, n_star - x_star + 1), beta_quantile(1 - half_alpha, x_star + 1, n_star - x_star), ""};
  }
  }
  internal(fmt::format("{}", static_cast<int>(m)), "不明な信頼区間の方法", "unknown CiMethod");
}

namespace {

// The argument checks shared by the design-based intervals (as design_interval).
void check_design_args(double p, double se, double n) {
  if (!(n >= 1))
    fail(ErrorCode::EstimateNoData, fmt::format("n={}", n),
         Text{"有効回答が0件のため信頼区間を計算できません", "no valid responses: no confidence interval"}, Text{});
  if (!(p >= 0 && p <= 1)) internal(fmt::format("p={}", p), "割合が0以上1以下ではありません", "proportion not in [0, 1]");
  if (!(se >= 0) || std::isinf(se)) internal(fmt::format("se={}", se), "標準誤差が不正です", "invalid standard error");
}

} // namespace

Interval asin_interval(double p, double se, double df, double n, double level) {
  const double c = critical_value(level, df); // validates level and df
  check_design_args(p, se, n);
  if (p == 0 || p == 1 || se == 0) return boundary_fallback(p * n, n, level);
  const double half_pi = std::acos(0.0);
  const double theta = std::asin(std::sqrt(p));
  const double h = c * se / (2 * std::sqrt(p * (1 - p)));
  const double lo = std::sin(std::max(theta - h, 0.0)), hi = std::sin(std::min(theta + h, half_pi));
  return Interval{lo * lo, hi * hi, ""};
}

Interval korn_graubard_nchs_interval(double p, double se, double df, double n, double level) {
  critical_value(level, df); // validates level and df
  check_design_args(p, se, n);
  if (!(n >= 2))
    fail(ErrorCode::EstimateNoData, fmt::format("n={}", n),
         Text{"回答が2件未満のためKorn–Graubard信頼区間を計算できません", "fewer than 2 rows: no Korn-Graubard interval"},
         Text{"2件以上の回答", "at least 2 rows"});
  const double half_alpha = (1 - level) / 2;
  const double ratio = t_quantile(half_alpha, n - 1) / t_quantile(half_alpha, df);
  double n_star;
  if (p == 0 || p == 1)
    n_star = n * ratio * ratio;
  else
    n_star = se > 0 ? std::min(n, p * (1 - p) / (se * se) * ratio * ratio) : n;
  const double x_star = n_star * p;
  Interval r;
  r.lower = p == 0 ? 0.0 : beta_quantile(half_alpha, x_star, n_star - x_star + 1);
  r.upper = p == 1 ? 1.0 : beta_quantile(1 - half_alpha, x_star + 1, n_star - x_star);
  return r;
}

// ---- Likelihood ------------------------------------------------------------------------------------------

namespace detail {

// Forsythe, Malcolm & Moler (1977) cubic spline: interior equations of the C² interpolating cubic; at
// each end the third derivative equals that of the cubic through the four end points (with 3 points,
// the end conditions reduce to a quadratic fit; with 2, a line). s(u) = y_i + b_i d + c_i d² + e_i d³,
// d = u − x_i, on x_i <= u < x_{i+1} (the first piece below x_1, the last point's own piece from x_n on).
std::vector<double> fmm_spline(const std::vector<double>& x, const std::vector<double>& y, const std::vector<double>& xout) {
  const std::size_t n = x.size();
  if (n < 2 || y.size() != n) internal(fmt::format("n={}", n), "スプラインの点が2点未満です", "spline needs 2 points");
  std::vector<double> b(n, 0.0), c(n, 0.0), e(n, 0.0), h(n, 0.0);
  if (n == 2) {
    b[0] = b[1] = (y[1] - y[0]) / (x[1] - x[0]);
  } else {
    const std::size_t last = n - 1;
    // Divided differences and the tridiagonal system for σ_i (c holds the right-hand side).
    h[0] = x[1] - x[0];
    c[1] = (y[1] - y[0]) / h[0];
    for (std::size_t i = 1; i < last; ++i) {
      h[i] = x[i + 1] - x[i];
      b[i] = 2 * (h[i - 1] + h[i]);
      c[i + 1] = (y[i + 1] - y[i]) / h[i];
      c[i] = c[i + 1] - c[i];
    }
    b[0] = -h[0];
    b[last] = -h[n - 2];
    c[0] = 0;
    c[last] = 0;
    if (n > 3) {
      // Third divided differences at both ends.
      const double left = c[2] / (x[3] - x[1]) - c[1] / (x[2] - x[0]);
      const double right = c[n - 2] / (x[last] - x[n - 3]) - c[n - 3] / (x[n - 2] - x[n - 4]);
      c[0] = left * h[0] * h[0] / (x[3] - x[0]);
      c[last] = -right * h[n - 2] * h[n - 2] / (x[last] - x[n - 4]);
    }
    for (std::size_t i = 1; i <= last; ++i) { // elimination
      const double t = h[i - 1] / b[i - 1];
      b[i] -= t * h[i - 1];
      c[i] -= t * c[i - 1];
    }
    c[last] /= b[last]; // back substitution
    for (std::size_t i = last; i-- > 0;) c[i] = (c[i] - h[i] * c[i + 1]) / b[i];
    // Polynomial coefficients.
    b[last] = (y[last] - y[n - 2]) / h[n - 2] + h[n - 2] * (c[n - 2] + 2 * c[last]);
    for (std::size_t i = 0; i < last; ++i) {
      b[i] = (y[i + 1] - y[i]) / h[i] - h[i] * (c[i + 1] + 2 * c[i]);
      e[i] = (c[i + 1] - c[i]) / h[i];
      c[i] = 3 * c[i];
    }
    c[last] = 3 * c[last];
    e[last] = e[n - 2];
  }
  std::vector<double> out;
  out.reserve(xout.size());
  for (double u : xout) {
    // The piece: largest i with x_i <= u (0 below x_1).
    const auto it = std::upper_bound(x.begin(), x.end(), u);
    const std::size_t i = it == x.begin() ? 0 : static_cast<std::size_t>(it - x.begin()) - 1;
    const double d = u - x[i];
    out.push_back(y[i] + d * (b[i] + d * (c[i] + d * e[i])));
  }
  return out;
}

double approx_linear(std::vector<double> x, std::vector<double> y, double xout) {
  // Sort by x (stable) and average the y of tied x (R regularize.values(ties = mean)).
  std::vector<std::size_t> order(x.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return x[a] < x[b]; });
  std::vector<double> xs, ys;
  for (std::size_t k = 0; k < order.size();) {
    std::size_t j = k;
    double sum = 0;
    while (j < order.size() && x[order[j]] == x[order[k]]) sum += y[order[j++]];
    xs.push_back(x[order[k]]);
    ys.push_back(sum / static_cast<double>(j - k));
    k = j;
  }
  if (xs.empty() || std::isnan(xout) || xout < xs.front() || xout > xs.back()) return std::numeric_limits<double>::quiet_NaN();
  if (xs.size() == 1) return ys[0];
  std::size_t i = 0, j = xs.size() - 1; // bisection: xs[i] <= xout <= xs[j]
  while (i + 1 < j) {
    const std::size_t mid = (i + j) / 2;
    if (xout < xs[mid]) j = mid;
    else i = mid;
  }
  if (xout == xs[j]) return ys[j];
  if (xout == xs[i]) return ys[i];
  return ys[i] + (ys[j] - ys[i]) * ((xout - xs[i]) / (xs[j] - xs[i]));
}

} // namespace detail

namespace {

double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

double log_expit(double b) { return -std::log1p(std::exp(-b)); }

// 2 [p log(μ₀/μ) + (1 − p) log((1 − μ₀)/(1 − μ))], μ = expit(b), μ₀ = expit(b0): the binomial deviance
// per unit weight at b above its value at b0 (at b0 = logit p: above its minimum, 2 KL(p ‖ μ)).
double deviance_rise(double p, double b0, double b) {
  const double log_mu0 = std::isnan(b0) ? std::log(p) : log_expit(b0);
  const double log_1mu0 = std::isnan(b0) ? std::log1p(-p) : log_expit(-b0);
  return 2 * (p * (log_mu0 - log_expit(b)) + (1 - p) * (log_1mu0 - log_expit(-b)));
}

} // namespace

Interval scaled_likelihood_interval(const ScaledLikelihood& s) {
  const double half_alpha = (1 - s.level) / 2;
  const double t = t_quantile(half_alpha, s.df); // validates df (and level below)
  critical_value(s.level, s.df);
  const bool args_ok = (std::isnan(s.b0) || std::isfinite(s.b0)) && s.p > 0 && s.p < 1 && s.se_logit > 0 && std::isfinite(s.se_logit) && s.lambda > 0 &&
                       std::isfinite(s.lambda) && s.dispersion > 0 && std::isfinite(s.dispersion) && s.n >= 2 && s.weight_total > 0 && std::isfinite(s.weight_total);
  if (!args_ok)
    internal(fmt::format("p={} se_logit={} lambda={} dispersion={} n={} n_w={}", s.p, s.se_logit, s.lambda, s.dispersion, s.n, s.weight_total),
             "尤度比区間の引数が不正です", "invalid arguments for the likelihood interval");

  // R confint.svyglm(method = "likelihood") and MASSprofile_glm (survey 4.1-1).
  const double alpha = normal_cdf(t * std::sqrt(s.lambda)) / 2;
  // A design effect so large (λ above ~400 at 95%) that α underflows to 0: R's qf(0, …) is infinite and its
  // profile has no finite step; Clopper–Pearson as for ends that are not finite (below), not an internal error.
  if (!(alpha > 0)) return boundary_fallback(s.p * s.weight_total, s.weight_total, s.level);
  // R qf(alpha, 1, n - p, lower.tail = FALSE): the upper tail directly (alpha can be ~1e-15 for a large λ).
  const double zmax = std::sqrt(f_quantile_upper(alpha, 1, std::isinf(s.n) ? s.n : s.n - 1));
  const double step_size = zmax / 5 * s.se_logit;
  const double b0 = std::isnan(s.b0) ? std::log(s.p / (1 - s.p)) : s.b0;
  const double cutoff = normal_quantile(2 * alpha); // < 0; the upper end uses −cutoff
  const double z_needed = -cutoff;
  constexpr int kRSteps = 10;        // R maxsteps: steps 1..9 each way
  constexpr int kMaxSteps = 100000;  // hkstat's continuation (unreachable for finite λ, φ)

  std::vector<double> b{b0}, z{0.0};
  for (int sgn : {-1, 1}) {
    int step = 0;
    double zi = 0;
    // R's loop; then, only if its profile stops short of the cutoff, hkstat's continuation.
    while (((++step < kRSteps && std::fabs(zi) < zmax) || std::fabs(zi) < z_needed) && step < kMaxSteps) {
      const double bi = b0 + sgn * step * step_size;
      const double zz = std::max(s.weight_total * deviance_rise(s.p, s.b0, bi) / s.dispersion, 0.0);
      zi = sgn * std::sqrt(zz);
      if (!std::isfinite(zi)) break;
      b.push_back(bi);
      z.push_back(zi);
    }
  }
  // Profile points in order of b (R orders by z, then spline() sorts by b; z increases with b).
  std::vector<std::size_t> order(b.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t i, std::size_t j) { return b[i] < b[j]; });
  std::vector<double> bs, zs;
  for (std::size_t i : order) {
    bs.push_back(b[i]);
    zs.push_back(z[i]);
  }
  // No profile point beside b0 (the first step's deviance is not finite, e.g. a block of two rows): no spline
  // can be drawn; Clopper–Pearson as for ends that are not finite (below), not an internal error.
  if (bs.size() < 2) return boundary_fallback(s.p * s.weight_total, s.weight_total, s.level);
  // R spline(): 3 × (points) values of b from min to max (seq.int(from, to, length.out)).
  const std::size_t nout = 3 * bs.size();
  std::vector<double> bout(nout);
  const double by = (bs.back() - bs.front()) / static_cast<double>(nout - 1);
  for (std::size_t i = 0; i < nout; ++i) bout[i] = bs.front() + static_cast<double>(i) * by;
  const std::vector<double> zout = detail::fmm_spline(bs, zs, bout);
  const double lo = detail::approx_linear(zout, bout, cutoff);
  const double hi = detail::approx_linear(zout, bout, -cutoff);
  if (!std::isfinite(lo) || !std::isfinite(hi)) return boundary_fallback(s.p * s.weight_total, s.weight_total, s.level);
  return Interval{expit(lo), expit(hi), ""};
}

namespace {

// R's binomial family, logit link (stats/src/family.c and binomial()): linkinv and mu.eta clamp η at ±30.
constexpr double kThresh = 30, kMThresh = -30;
double r_linkinv(double eta) {
  const double t = eta < kMThresh ? std::numeric_limits<double>::epsilon()
                                  : (eta > kThresh ? 1 / std::numeric_limits<double>::epsilon() : std::exp(eta));
  return t / (1 + t);
}
double r_mu_eta(double eta) {
  const double opexp = 1 + std::exp(eta);
  return (eta > kThresh || eta < kMThresh) ? std::numeric_limits<double>::epsilon() : std::exp(eta) / (opexp * opexp);
}
// binomial dev.resids of one row with y ∈ {0, 1}: 2 a (y log(y/μ) + (1 − y) log((1 − y)/(1 − μ))).
double r_dev_resid(bool y, double mu, double a) { return 2 * a * (y ? std::log(1 / mu) : std::log(1 / (1 - mu))); }

} // namespace

SvyglmPath svyglm_intercept_path(const std::vector<WeightGroup>& groups, double n_design) {
  double W = 0, Wy = 0, rows = 0, nonzero = 0;
  for (const WeightGroup& g : groups) {
    if (!(g.w >= 0 && std::isfinite(g.w) && g.rows > 0))
      internal(fmt::format("w={} rows={}", g.w, g.rows), "重みのグループが不正です", "invalid weight group");
    W += g.rows * g.w;
    if (g.y) Wy += g.rows * g.w;
    rows += g.rows;
    if (g.w > 0) nonzero += g.rows;
  }
  if (!(W > 0 && Wy > 0 && Wy < W && nonzero >= 2 && rows <= n_design))
    internal(fmt::format("W={} Wy={} rows={} nonzero={} n={}", W, Wy, rows, nonzero, n_design), "尤度比区間の重みのグループが不正です",
             "invalid weight groups for the likelihood interval");
  SvyglmPath path;
  path.p = Wy / W;
  const double c = W / n_design; // svyglm: weights / mean(weights) over the design's rows
  const std::size_t G = groups.size();
  std::vector<double> a(G), eta(G), mu(G);
  double devold = 0;
  for (std::size_t i = 0; i < G; ++i) {
    a[i] = groups[i].w / c;
    path.weight_total += groups[i].rows * a[i];
    // binomial()$initialize (y is already 0 where the weight is 0): mustart = (a y + 1/2)/(a + 1).
    const double mustart = (a[i] * (groups[i].y ? 1.0 : 0.0) + 0.5) / (a[i] + 1);
    eta[i] = std::log(mustart / (1 - mustart));
    mu[i] = r_linkinv(eta[i]);
    devold += groups[i].rows * r_dev_resid(groups[i].y, mu[i], a[i]);
  }
  constexpr int kMaxIt = 25;        // glm.control(maxit = 25)
  constexpr double kEpsilon = 1e-8; // glm.control(epsilon = 1e-8)
  bool conv = false;
  for (int iter = 1; iter <= kMaxIt && !conv; ++iter) {
    // Weighted least squares of the working response on the intercept over the rows with a > 0.
    double sw = 0, swz = 0;
    for (std::size_t i = 0; i < G; ++i) {
      const double me = r_mu_eta(eta[i]);
      if (!(a[i] > 0) || me == 0) continue;
      const double ww = a[i] * me * me / (mu[i] * (1 - mu[i]));
      const double z = eta[i] + ((groups[i].y ? 1.0 : 0.0) - mu[i]) / me;
      sw += groups[i].rows * ww;
      swz += groups[i].rows * ww * z;
    }
    const double b = swz / sw;
    const double m = r_linkinv(b);
    double dev = 0;
    for (std::size_t i = 0; i < G; ++i) dev += groups[i].rows * r_dev_resid(groups[i].y, m, a[i]);
    if (!std::isfinite(b) || !std::isfinite(dev))
      internal(fmt::format("b={} dev={}", b, dev), "尤度比区間の当てはめが発散しました", "the likelihood interval's fit diverged");
    path.naive_info = sw;
    path.b0 = b;
    path.mu = m;
    path.iterations = iter;
    conv = std::fabs(dev - devold) / (0.1 + std::fabs(dev)) < kEpsilon;
    devold = dev;
    std::fill(eta.begin(), eta.end(), b);
    std::fill(mu.begin(), mu.end(), m);
  }
  if (!conv)
    internal(fmt::format("iterations={}", kMaxIt), "尤度比区間の当てはめが収束しません", "the likelihood interval's fit did not converge");
  // summary.svyglm: dispersion = svyvar(resid(fit, "pearson"), design): n/(n − 1) times the weighted mean
  // square of the centred residuals, n = rows of nonzero weight. survey's residuals.svyglm divides the
  // prior weights by the (identical) rescaled design weights, so the residual is (y − μ)/√(μ(1 − μ)).
  const double sd = std::sqrt(path.mu * (1 - path.mu));
  double xbar = 0;
  for (const WeightGroup& g : groups) xbar += g.rows * g.w * (((g.y ? 1.0 : 0.0) - path.mu) / sd);
  xbar /= W;
  double ms = 0;
  for (const WeightGroup& g : groups) {
    const double x = ((g.y ? 1.0 : 0.0) - path.mu) / sd - xbar;
    ms += g.rows * g.w * (x * x * nonzero / (nonzero - 1));
  }
  path.dispersion = ms / W;
  return path;
}

Interval svyglm_likelihood_interval(const SvyglmPath& path, double v, double df, double n_design, double level) {
  critical_value(level, df); // validates level and df
  if (!(v >= 0) || std::isinf(v)) internal(fmt::format("v={}", v), "分散が不正です", "invalid variance");
  // R svy.varcoef: estfun · naive.cov = a (y − μ) / (μ.η · Σa) = w (y − μ) / (μ(1 − μ) Σw) once glm.fit has
  // taken two steps (the working weights are then alike across rows).
  const double vk = path.mu * (1 - path.mu);
  // A variance that is zero up to rounding (a calibration margin's own share after calibration: ~1e-35 against
  // μ(1 − μ)/n ~ 1e-4) is zero: its profile would not rise above rounding, and the interval would be the noise's (R
  // returns NA there). 1e-20 of the simple-random-sample variance leaves 10 orders of magnitude on either side.
  if (path.p == 0 || path.p == 1 || v <= 1e-20 * vk / n_design) return boundary_fallback(path.p * n_design, n_design, level);
  const double cov_unscaled = v / (vk * vk);
  ScaledLikelihood s;
  s.p = path.p;
  s.se_logit = std::sqrt(cov_unscaled);
  s.lambda = cov_unscaled * path.naive_info;
  s.dispersion = path.dispersion;
  s.df = df;
  s.n = n_design;
  s.weight_total = path.weight_total;
  s.level = level;
  s.b0 = path.b0;
  return scaled_likelihood_interval(s);
}

Interval likelihood_interval(double p, double se, double df, double n, double m, double level) {
  critical_value(level, df); // validates level and df
  check_design_args(p, se, n);
  if (p == 0 || p == 1 || se == 0) return boundary_fallback(p * n, n, level);
  if (!(m >= 2 && m <= n)) internal(fmt::format("m={} n={}", m, n), "重みが正の行数が不正です", "invalid number of rows with nonzero weight");
  const double v = p * (1 - p);
  return scaled_likelihood_interval(ScaledLikelihood{p, se / v, se * se * n / v, m / (m - 1), df, n, n, level});
}

} // namespace hkstat::estimate
