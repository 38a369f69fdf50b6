#include "hkstat/estimate/linearization.hpp"

#include "hkstat/core/error.hpp"
#include "hkstat/estimate/design.hpp"

#include <fmt/format.h>

#include <cmath>
#include <string>
#include <utility>

namespace hkstat::estimate {

namespace {

[[noreturn]] void fail(ErrorCode code, std::string value, Text message, Text expected) {
  throw_problem(code, std::move(value), std::move(message), std::move(expected));
}

} // namespace

// One stratum, every row its own PSU, no fpc: the design engine (design.hpp) gives
// n/(n-1) Σ (z_i - z̄)². The n < 2 check stays here for its clearer message.
double variance_from_scores(std::span<const double> scores) {
  const std::size_t n = scores.size();
  if (n < 2)
    fail(ErrorCode::EstimateNoData, fmt::format("n={}", n),
         Text{"回答が2件未満のため標準誤差を計算できません", "fewer than 2 rows: no standard error"},
         Text{"2件以上の回答", "at least 2 rows"});
  Design design;
  design.weights.assign(n, 1.0);
  const Eigen::Map<const Eigen::MatrixXd> z(scores.data(), static_cast<Eigen::Index>(n), 1);
  return design_vcov(design, z)(0, 0);
}

RatioResult weighted_ratio(std::span<const double> y, std::span<const double> x, std::span<const double> w,
                           std::span<const double> domain) {
  const std::size_t n = y.size();
  if (x.size() != n || w.size() != n || domain.size() != n)
    fail(ErrorCode::Internal, fmt::format("y={} x={} w={} domain={}", n, x.size(), w.size(), domain.size()),
         Text{"列の長さが一致しません", "columns differ in length"}, Text{});

  RatioResult r;
  double num = 0, den = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(w[i]) || w[i] < 0)
      fail(ErrorCode::DataInvalidWeight, fmt::format("{}", w[i]),
           Text{fmt::format("{}行目の重みが0以上の有限値ではありません", i + 1), fmt::format("row {}: weight is not a finite value >= 0", i + 1)},
           Text{"0以上の数値", "a number >= 0"});
    if (!std::isfinite(y[i]) || !std::isfinite(x[i]) || !std::isfinite(domain[i]))
      fail(ErrorCode::Internal, fmt::format("row {}: y={} x={} domain={}", i + 1, y[i], x[i], domain[i]),
           Text{"推定の入力が有限値ではありません", "estimation input is not finite"}, Text{});
    if (domain[i] == 0) continue;
    ++r.n;
    const double wd = w[i] * domain[i];
    num += wd * y[i];
    den += wd * x[i];
    r.sum_weights += wd;
  }
  if (den == 0)
    fail(ErrorCode::EstimateNoData, fmt::format("n={}", r.n),
         Text{"集計区分の重み付き回答数が0のため推定できません", "the group has no weighted respondents: nothing to estimate"},
         Text{});
  r.estimate = num / den;

  r.scores.assign(n, 0.0);
  for (std::size_t i = 0; i < n; ++i)
    if (domain[i] != 0) r.scores[i] = w[i] * domain[i] * (y[i] - r.estimate * x[i]) / den;
  r.se = std::sqrt(variance_from_scores(r.scores));
  // R degf(design) for ids = ~1: PSUs (rows) with nonzero weight minus 1 stratum.
  Design design;
  design.weights.assign(w.begin(), w.end());
  r.df = summarize(design).df;
  return r;
}

RatioResult weighted_mean(std::span<const double> y, std::span<const double> w, std::span<const double> domain) {
  const std::vector<double> ones(y.size(), 1.0);
  return weighted_ratio(y, ones, w, domain);
}

} // namespace hkstat::estimate
