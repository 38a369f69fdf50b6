// hkstat/estimate/survey_estimators.hpp — totals, means, ratios, domain estimates, contrasts and design
// effects on a Design (design.hpp), all through the one variance engine design_vcov.
//
// Formulas: shared/survey-methods.md §3.1 (estimators), §3.2 (scores and domains), §3.6 (design
// effects). Golden test: tests/unit/test_design.cpp against r/design_golden.R (R 4.2.2, survey 4.1-1).
//
// Scores (influence values), row i, weight w_i, domain indicator d_i:
//   total  Ŷ = Σ w d y                 z = w d y                         (R svytotal)
//   mean   ȳ = Σ w d y / Σ w d          z = w d (y − ȳ) / Σ w d           (R svymean, Hájek)
//   ratio  R̂ = Σ w y / Σ w x           z = w (y − R̂ x) / Σ w x          (R svyratio)
// Domain estimates keep every row: rows outside the domain get score 0 and their PSUs still count in
// n_h (R subset()/svyby; subsetting rows first would give wrong SEs).
#pragma once

#include "hkstat/estimate/design.hpp"
#include "hkstat/estimate/proportion_ci.hpp"

#include <Eigen/Dense>

#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace hkstat::estimate {

struct SurveyEstimate {
  std::vector<std::string> names; // one per statistic: "y1".."yk", "ratio", or "d1".."dm" for domains
  Eigen::VectorXd value;
  Eigen::MatrixXd vcov;           // design_vcov on the whole design (R vcov(); for domains vcov(svyby(covmat = TRUE)))
  // Design df: degf(design) of the whole design. This is the df for a contrast between domains and
  // for statistics of the whole sample.
  double df = 0;
  // Per statistic: degf(subset(design, domain_j)) = PSUs − strata among the domain's rows with nonzero
  // weight — the df R's svyciprop(~y, subset(design, dom == j)) uses (r/design_golden.R case 3: 46 of
  // the whole design's 48). Equal to df for whole-sample statistics.
  std::vector<double> domain_df;
  std::vector<std::size_t> n;     // unweighted rows in each domain (all rows for whole-sample statistics)
  std::string statistic;          // "total", "mean", "ratio"
  Eigen::VectorXd se() const;     // sqrt of the diagonal of vcov
};

// y: rows × k outcomes (finite). Whole sample.
SurveyEstimate svy_total(const Design& design, const Eigen::MatrixXd& y);
SurveyEstimate svy_mean(const Design& design, const Eigen::MatrixXd& y); // Hájek
SurveyEstimate svy_ratio(const Design& design, const Eigen::VectorXd& num, const Eigen::VectorXd& den);

// By domain: domains is rows × m indicators (0/1, overlapping allowed); one statistic per column with
// the full covariance between domains (domains share PSUs), so differences have correct SEs.
// vcov = R vcov(svyby(~y, ~dom, design, svymean/svytotal, covmat = TRUE)). R's svyby SE column is
// computed domain by domain on subset(); it equals sqrt(diag(vcov)) except under LonelyPsu::Average or
// Fail when a stratum has no rows of the domain (use design_vcov(design, scores, domain) for that one).
SurveyEstimate svy_mean_by(const Design& design, const Eigen::VectorXd& y, const Eigen::MatrixXd& domains);
SurveyEstimate svy_total_by(const Design& design, const Eigen::VectorXd& y, const Eigen::MatrixXd& domains);

// The mean (a proportion for 0/1 y) of y within one domain, as R svyciprop / svymean on
// subset(design, domain != 0): value = Σ w d y / Σ w d, SE from design_vcov with subset semantics,
// df = summarize_domain(...).df, n = domain rows. What hkstat estimate and tabulate report for every
// group and cell. Σ w d = 0 → EstimateNoData. df may be <= 0 (one PSU): the caller decides (no interval).
struct DomainMean {
  double value = 0;
  double se = 0;
  double df = 0;
  std::size_t n = 0;
  double sum_weights = 0;
  // Design effect vs simple random sampling with replacement (R svymean(..., deff = "replace"), Kish
  // deft²): se² / (S²/m), S² = m/(m−1) Σ w d (y − ȳ)² / Σ w d, m = domain rows with nonzero weight.
  // NaN when S² = 0 (y constant in the domain) or m < 2.
  double deff = 0;
  // Design effect vs simple random sampling without replacement (R svymean(..., deff = TRUE), R's default):
  // se² / (S² (Ŵ − m)/(Ŵ m)), Ŵ = Σ w d. NaN where deff is, and where Ŵ <= m (weights not scaled to the
  // population: R returns NA with a warning, or Inf at Ŵ = m).
  double deff_wor = 0;
};
// Both design effects of a domain mean from its variance v, R's svyvar S², the domain's rows with nonzero
// weight m and its Σw W (DomainMean::deff, DomainMean::deff_wor): the one place every estimator takes them from.
struct DomainDeff {
  double replace = 0; // R deff = "replace"
  double wor = 0;     // R deff = TRUE
};
DomainDeff domain_deff(double v, double s2, double m, double w);
DomainMean svy_domain_mean(const Design& design, std::span<const double> y, std::span<const double> domain);

// R svyciprop(~y, subset(design, domain != 0), method = "likelihood") from row-level data (0/1 y with
// 0 < p̂ < 1 and a positive SE: the caller handles the boundaries, e.g. through design_interval): the
// domain's (weight, y) groups replay svyglm's IRLS path (proportion_ci.hpp svyglm_intercept_path; R's design
// has the domain's rows, or every row with zero weight outside the domain when the design is calibrated),
// and V = design_vcov of w d (y − μ̂)/Σ w d with subset semantics (calibration-aware where calibrated).
// df: the domain's design df (> 0). Errors as svyglm_intercept_path / svyglm_likelihood_interval.
Interval svy_likelihood_interval(const Design& design, std::span<const double> y, std::span<const double> domain, double df,
                                 double level);

// Linear contrast c'θ, SE = sqrt(c' V c) (R svycontrast), df = estimate.df (the whole design's df).
struct Contrast {
  double value = 0;
  double se = 0;
  double df = 0;
};
Contrast svy_contrast(const SurveyEstimate& estimate, const Eigen::VectorXd& c);

// Design effects of the mean of y in a domain (domain = all ones for the whole sample), as R
// svymean(~y, subset(design, domain == 1), deff = TRUE / "replace"). With n = domain rows with nonzero
// weight, Ŵ = Σ w over the domain, S² = n/(n−1) Σ w (y − ȳ)² / Ŵ and V̂ the design variance (subset semantics):
//   deff_srswor = V̂ / (S² (Ŵ − n)/(Ŵ n))   (deff = TRUE, vs SRS without replacement)
//   deff_srswr  = V̂ / (S² / n)             (deff = "replace", Kish deft²)
//   n_eff_kish  = Ŵ² / Σ w²                 (Kish effective n of the domain's weights)
// Errors: n < 2 or Ŵ = 0 → EstimateNoData; Ŵ <= n (weights not scaled to the population: R warns and
// returns NA, or divides by 0) → EstimateNoData; S² = 0 (constant y) → EstimateNoData.
struct Deff {
  double deff_srswor = 0;
  double deff_srswr = 0;
  double n_eff_kish = 0;
};
Deff design_effect_mean(const Design& design, const Eigen::VectorXd& y, const Eigen::VectorXd& domain);

} // namespace hkstat::estimate
