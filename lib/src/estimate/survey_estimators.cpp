#include "hkstat/estimate/survey_estimators.hpp"

#include "hkstat/core/error.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <span>
#include <string>
#include <utility>

namespace hkstat::estimate {

namespace {

[[noreturn]] void fail(ErrorCode code, std::string value, Text message, Text expected) {
  throw_problem(code, std::move(value), std::move(message), std::move(expected));
}

void check_rows(const Design& d, Eigen::Index rows, const char* what) {
  if (static_cast<std::size_t>(rows) != d.weights.size())
    fail(ErrorCode::Internal, fmt::format("rows={} {}={}", d.weights.size(), what, rows),
         Text{"推定の入力の行数が標本設計と一致しません", "estimation input rows differ from the design"}, Text{});
}

void check_finite(const Eigen::MatrixXd& m, const char* what) {
  for (Eigen::Index c = 0; c < m.cols(); ++c)
    for (Eigen::Index r = 0; r < m.rows(); ++r)
      if (!std::isfinite(m(r, c)))
        fail(ErrorCode::Internal, fmt::format("{} row {} column {}: {}", what, r + 1, c + 1, m(r, c)),
             Text{"推定の入力が有限値ではありません", "estimation input is not finite"}, Text{});
}

void check_indicators(const Eigen::MatrixXd& m) {
  for (Eigen::Index c = 0; c < m.cols(); ++c)
    for (Eigen::Index r = 0; r < m.rows(); ++r)
      if (m(r, c) != 0 && m(r, c) != 1)
        fail(ErrorCode::Internal, fmt::format("domain row {} column {}: {}", r + 1, c + 1, m(r, c)),
             Text{"集計区分の指示変数が0/1ではありません", "domain indicator is not 0/1"}, Text{});
}

Eigen::VectorXd weights_of(const Design& d) {
  return Eigen::Map<const Eigen::VectorXd>(d.weights.data(), static_cast<Eigen::Index>(d.weights.size()));
}

[[noreturn]] void no_weight(const std::string& what) {
  fail(ErrorCode::EstimateNoData, what,
       Text{fmt::format("{} の重み付き合計が0のため推定できません", what),
            fmt::format("{}: weighted denominator is 0, nothing to estimate", what)},
       Text{});
}

SurveyEstimate whole_sample(const Design& d, std::string statistic, std::vector<std::string> names, Eigen::VectorXd value,
                            const Eigen::MatrixXd& scores) {
  SurveyEstimate e;
  const DesignSummary s = summarize(d);
  e.names = std::move(names);
  e.value = std::move(value);
  e.vcov = design_vcov(d, scores);
  e.df = s.df;
  e.domain_df.assign(static_cast<std::size_t>(e.value.size()), s.df);
  e.n.assign(static_cast<std::size_t>(e.value.size()), s.rows);
  e.statistic = std::move(statistic);
  return e;
}

std::vector<std::string> numbered(const char* prefix, Eigen::Index k) {
  std::vector<std::string> out;
  for (Eigen::Index j = 0; j < k; ++j) out.push_back(fmt::format("{}{}", prefix, j + 1));
  return out;
}

SurveyEstimate by_domain(const Design& d, const Eigen::VectorXd& y, const Eigen::MatrixXd& domains, bool mean) {
  const DesignSummary whole = summarize(d);
  check_rows(d, y.rows(), "y");
  check_rows(d, domains.rows(), "domains");
  check_finite(y, "y");
  check_finite(domains, "domains");
  check_indicators(domains);
  const Eigen::VectorXd w = weights_of(d);
  const Eigen::Index m = domains.cols();
  SurveyEstimate e;
  e.names = numbered("d", m);
  e.value.resize(m);
  Eigen::MatrixXd scores(y.rows(), m);
  for (Eigen::Index j = 0; j < m; ++j) {
    const Eigen::VectorXd wd = w.cwiseProduct(domains.col(j));
    const double total = wd.dot(y);
    if (mean) {
      const double den = wd.sum();
      if (den == 0) no_weight(e.names[static_cast<std::size_t>(j)]);
      e.value(j) = total / den;
      scores.col(j) = wd.cwiseProduct((y.array() - e.value(j)).matrix()) / den;
    } else {
      e.value(j) = total;
      scores.col(j) = wd.cwiseProduct(y);
    }
    const Eigen::VectorXd dj = domains.col(j);
    const DesignSummary s = summarize_domain(d, std::span<const double>(dj.data(), static_cast<std::size_t>(dj.size())));
    e.domain_df.push_back(s.df);
    e.n.push_back(s.rows);
  }
  e.vcov = design_vcov(d, scores);
  e.df = whole.df;
  e.statistic = mean ? "mean" : "total";
  return e;
}

} // namespace

Eigen::VectorXd SurveyEstimate::se() const { return vcov.diagonal().cwiseMax(0.0).cwiseSqrt(); }

SurveyEstimate svy_total(const Design& design, const Eigen::MatrixXd& y) {
  summarize(design); // validates the design before the inputs are used
  check_rows(design, y.rows(), "y");
  check_finite(y, "y");
  const Eigen::VectorXd w = weights_of(design);
  const Eigen::MatrixXd scores = w.asDiagonal() * y;
  return whole_sample(design, "total", numbered("y", y.cols()), scores.colwise().sum().transpose(), scores);
}

SurveyEstimate svy_mean(const Design& design, const Eigen::MatrixXd& y) {
  summarize(design);
  check_rows(design, y.rows(), "y");
  check_finite(y, "y");
  const Eigen::VectorXd w = weights_of(design);
  const double wsum = w.sum();
  if (wsum == 0) no_weight("mean");
  const Eigen::VectorXd value = (y.transpose() * w) / wsum;
  const Eigen::MatrixXd centred = y.rowwise() - value.transpose();
  const Eigen::MatrixXd scores = (w / wsum).asDiagonal() * centred;
  return whole_sample(design, "mean", numbered("y", y.cols()), value, scores);
}

SurveyEstimate svy_ratio(const Design& design, const Eigen::VectorXd& num, const Eigen::VectorXd& den) {
  summarize(design);
  check_rows(design, num.rows(), "numerator");
  check_rows(design, den.rows(), "denominator");
  check_finite(num, "numerator");
  check_finite(den, "denominator");
  const Eigen::VectorXd w = weights_of(design);
  // Σ w·x in row order, not Eigen's dot(): its SIMD reduction sums in another order natively than in the
  // WebAssembly build (no SIMD there), and the browser edition must print the CLI's digits (web/test.sh).
  auto row_order_dot = [&](const Eigen::VectorXd& x) {
    double sum = 0;
    for (Eigen::Index r = 0; r < w.rows(); ++r) sum += w(r) * x(r);
    return sum;
  };
  const double x_total = row_order_dot(den);
  if (x_total == 0) no_weight("ratio");
  Eigen::VectorXd value(1);
  value(0) = row_order_dot(num) / x_total;
  const Eigen::MatrixXd scores = w.cwiseProduct(num - value(0) * den) / x_total;
  return whole_sample(design, "ratio", {"ratio"}, value, scores);
}

SurveyEstimate svy_mean_by(const Design& design, const Eigen::VectorXd& y, const Eigen::MatrixXd& domains) {
  return by_domain(design, y, domains, true);
}

SurveyEstimate svy_total_by(const Design& design, const Eigen::VectorXd& y, const Eigen::MatrixXd& domains) {
  return by_domain(design, y, domains, false);
}

Interval svy_likelihood_interval(const Design& design, std::span<const double> y, std::span<const double> domain, double df,
                                 double level) {
  check_rows(design, static_cast<Eigen::Index>(y.size()), "y");
  check_rows(design, static_cast<Eigen::Index>(domain.size()), "domain");
  const std::vector<double>& w = design.weights;
  std::map<std::pair<double, bool>, double> groups; // ordered: the sums do not depend on the row order
  double wsum = 0, n = 0;
  for (std::size_t r = 0; r < y.size(); ++r)
    if (domain[r] != 0) {
      groups[{w[r], y[r] > 0}] += 1;
      wsum += w[r];
      ++n;
    }
  // subset() of a calibrated design keeps every row (zero weight outside the domain).
  const double n_design = design.calibration ? static_cast<double>(y.size()) : n;
  if (n_design > n) groups[{0.0, false}] += n_design - n;
  std::vector<WeightGroup> wg;
  for (const auto& [key, rows] : groups) wg.push_back(WeightGroup{key.first, key.second, rows});
  const SvyglmPath path = svyglm_intercept_path(wg, n_design);
  Eigen::MatrixXd scores(static_cast<Eigen::Index>(y.size()), 1);
  for (std::size_t r = 0; r < y.size(); ++r)
    scores(static_cast<Eigen::Index>(r), 0) = domain[r] != 0 ? w[r] * (y[r] - path.mu) / wsum : 0.0;
  return svyglm_likelihood_interval(path, design_vcov(design, scores, domain)(0, 0), df, n_design, level);
}

Contrast svy_contrast(const SurveyEstimate& estimate, const Eigen::VectorXd& c) {
  if (c.size() != estimate.value.size() || estimate.vcov.rows() != c.size() || estimate.vcov.cols() != c.size())
    fail(ErrorCode::Internal, fmt::format("statistics={} contrast={}", estimate.value.size(), c.size()),
         Text{"対比の係数の数が推定値の数と一致しません", "contrast length differs from the number of statistics"}, Text{});
  check_finite(c, "contrast");
  Contrast out;
  out.value = c.dot(estimate.value);
  const double v = c.dot(estimate.vcov * c);
  out.se = std::sqrt(std::max(v, 0.0)); // a positive semi-definite form; clamp rounding below 0
  out.df = estimate.df;
  return out;
}

Deff design_effect_mean(const Design& design, const Eigen::VectorXd& y, const Eigen::VectorXd& domain) {
  summarize(design);
  check_rows(design, y.rows(), "y");
  check_rows(design, domain.rows(), "domain");
  check_finite(y, "y");
  check_finite(domain, "domain");
  check_indicators(domain);
  const Eigen::VectorXd w = weights_of(design);
  const Eigen::VectorXd wd = w.cwiseProduct(domain);
  const double wsum = wd.sum();
  double nobs = 0;
  for (Eigen::Index i = 0; i < wd.size(); ++i) nobs += wd(i) != 0;
  if (nobs < 2 || wsum == 0)
    fail(ErrorCode::EstimateNoData, fmt::format("n={}", nobs),
         Text{"重みが正の回答が2件未満のため設計効果を計算できません", "fewer than 2 rows with positive weight: no design effect"},
         Text{"2件以上の回答", "at least 2 rows"});
  const double mean = wd.dot(y) / wsum;
  const Eigen::VectorXd centred = (y.array() - mean).matrix();
  Eigen::MatrixXd scores(y.rows(), 1);
  scores.col(0) = wd.cwiseProduct(centred) / wsum;
  const std::span<const double> dom(domain.data(), static_cast<std::size_t>(domain.size()));
  const double v = design_vcov(design, scores, dom)(0, 0);
  // R svyvar: n/(n−1) Σ w (y − ȳ)² / Σ w over the domain, n = rows with nonzero weight.
  const double s2 = nobs / (nobs - 1) * wd.dot(centred.cwiseProduct(centred)) / wsum;
  if (s2 == 0)
    fail(ErrorCode::EstimateNoData, "S2=0",
         Text{"値が一定のため設計効果を計算できません", "the variable is constant: no design effect"}, Text{});
  if (wsum <= nobs)
    fail(ErrorCode::EstimateNoData, fmt::format("sum(w)={} n={}", wsum, nobs),
         Text{"重みの合計が標本数以下のため、非復元単純無作為抽出との設計効果を計算できません (重みが母集団に合わせて拡大されていますか)",
              "the weights sum to no more than the sample size: no design effect against SRS without replacement "
              "(are the weights scaled to the population?)"},
         Text{"母集団規模に拡大した重み", "weights that sum to the population size"});
  Deff out;
  out.deff_srswor = v / (s2 * (wsum - nobs) / (wsum * nobs));
  out.deff_srswr = v / (s2 / nobs);
  out.n_eff_kish = wsum * wsum / wd.squaredNorm();
  return out;
}

DomainMean svy_domain_mean(const Design& design, std::span<const double> y, std::span<const double> domain) {
  const std::size_t n = design.weights.size();
  if (y.size() != n || domain.size() != n)
    throw Error(Problem{ErrorCode::Internal, SourcePos{}, fmt::format("rows={} y={} domain={}", n, y.size(), domain.size()),
                        Text{"列の長さが標本設計と一致しません", "columns differ in length from the design"}, Text{}, ""});
  summarize(design); // validates the design (weights) before they are summed
  DomainMean m;
  double num = 0;
  for (std::size_t r = 0; r < n; ++r) {
    if (domain[r] == 0) continue;
    ++m.n;
    num += design.weights[r] * domain[r] * y[r];
    m.sum_weights += design.weights[r] * domain[r];
  }
  if (!(m.sum_weights > 0))
    throw Error(Problem{ErrorCode::EstimateNoData, SourcePos{}, fmt::format("n={}", m.n),
                        Text{"集計区分の重み付き回答数が0のため推定できません", "the group has no weighted respondents: nothing to estimate"},
                        Text{}, ""});
  m.value = num / m.sum_weights;
  Eigen::MatrixXd z(static_cast<Eigen::Index>(n), 1);
  for (std::size_t r = 0; r < n; ++r)
    z(static_cast<Eigen::Index>(r), 0) = domain[r] == 0 ? 0.0 : design.weights[r] * domain[r] * (y[r] - m.value) / m.sum_weights;
  const double v = design_vcov(design, z, domain)(0, 0);
  m.se = std::sqrt(v);
  m.df = summarize_domain(design, domain).df;
  double nobs = 0, ss = 0;
  for (std::size_t r = 0; r < n; ++r) {
    const double wd = design.weights[r] * domain[r];
    if (wd == 0) continue;
    ++nobs;
    ss += wd * (y[r] - m.value) * (y[r] - m.value);
  }
  const double s2 = nobs >= 2 ? nobs / (nobs - 1) * ss / m.sum_weights : 0.0;
  const DomainDeff dd = domain_deff(v, s2, nobs, m.sum_weights);
  m.deff = dd.replace;
  m.deff_wor = dd.wor;
  return m;
}

DomainDeff domain_deff(double v, double s2, double m, double w) {
  DomainDeff d;
  d.replace = s2 > 0 ? v / (s2 / m) : std::nan("");
  // R: vsrs = svyvar × (psum − nobs)/(psum × nobs); NA when psum < nobs, and v/0 = Inf at psum = nobs.
  d.wor = s2 > 0 && w > m ? v / (s2 * (w - m) / (w * m)) : std::nan("");
  return d;
}

} // namespace hkstat::estimate
