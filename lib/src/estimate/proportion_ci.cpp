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
  fail(ErrorCode::UsageInvalidOption, std::string(name),
       Text{"信頼区間の計算方法が不明です", "unknown confidence-interval method"},
       Text{"wilson, clopper-pearson (cp, exact), logit (xlogit), wald (mean), beta (kg, korn-graubard), asin (arcsine), kg-nchs (nchs) のいずれか",
            "one of wilson, clopper-pearson (cp, exact), logit (xlogit), wald (mean), beta (kg, korn-graubard), asin (arcsine), kg-nchs (nchs)"});
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

Interval design_interval(CiMethod m, double p, double se, double df, double n, double level) {
  const double c = critical_value(level, df); // validates level and df
  if (!(n >= 1))
    fail(ErrorCode::EstimateNoData, fmt::format("n={}", n),
         Text{"有効回答が0件のため信頼区間を計算できません", "no valid responses: no confidence interval"}, Text{});
  if (!(p >= 0 && p <= 1)) internal(fmt::format("p={}", p), "割合が0以上1以下ではありません", "proportion not in [0, 1]");
  if (!(se >= 0) || std::isinf(se)) internal(fmt::format("se={}", se), "標準誤差が不正です", "invalid standard error");

  if (m == CiMethod::KgNchs) return korn_graubard_nchs_interval(p, se, df, n, level);
  if (p == 0 || p == 1 || se == 0) return boundary_fallback(p * n, n, level);

  switch (m) {
  case CiMethod::Asin: return asin_interval(p, se, df, n, level);
  case CiMethod::KgNchs: break; // handled above
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

} // namespace hkstat::estimate
