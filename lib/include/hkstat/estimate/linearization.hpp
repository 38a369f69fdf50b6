// hkstat/estimate/linearization.hpp — Taylor-linearised (score) variance of weighted ratios.
//
// First version of the variance engine: one stratum, no clusters, sampling with replacement
// (R survey: svydesign(ids = ~1, weights = ~w)). variance_from_scores is deliberately the single
// place where scores become a variance, so that the design-based engine (strata, PSUs, fpc,
// lonely-PSU policies) replaces that function without touching the estimators.
//
// Formulas: shared/survey-methods.md §3.1–3.2; golden test: tests/unit/test_linearization.cpp
// against r/weighted_golden.R.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace hkstat::estimate {

// V̂ = n/(n-1) Σ (z_i - z̄)² over all n scores. n < 2 → Error(EstimateNoData); a non-finite score
// → Error(Internal).
double variance_from_scores(std::span<const double> scores);

struct RatioResult {
  double estimate = 0;     // R̂ = Σ w d y / Σ w d x
  double se = 0;           // sqrt(variance_from_scores(scores))
  double df = 0;           // design df: rows with nonzero weight - 1 (R degf(design) of the whole design)
  std::size_t n = 0;       // rows with domain != 0 (unweighted domain n)
  double sum_weights = 0;  // Σ w d (weighted domain count)
  std::vector<double> scores; // one per row, in input order; 0 outside the domain
};

// Hájek ratio of weighted totals within a domain: R̂ = Σ w d y / Σ w d x.
// Scores z_i = w_i d_i (y_i - R̂ x_i) / Σ w d x for every row; rows outside the domain get 0 and are
// never dropped, so the variance of a domain estimate uses the whole sample.
// Equals R: svyratio(~I(y*dom), ~I(x*dom), svydesign(ids = ~1, weights = ~w, data = d)), and for
// x = 1 svymean(~y, subset(design, dom == 1)) (same SE: survey keeps the full-sample PSU count).
// df is degf() of the whole design (not of the domain: R's svyciprop on subset(design, dom == 1)
// uses the domain's n - 1 instead; see r/weighted_golden.R).
// Errors: spans of different lengths → Internal; a negative or non-finite weight → DataInvalidWeight;
// non-finite y, x or domain → Internal; Σ w d x = 0 (empty domain) or fewer than 2 rows →
// EstimateNoData.
RatioResult weighted_ratio(std::span<const double> y, std::span<const double> x, std::span<const double> w,
                           std::span<const double> domain);

// weighted_ratio with x = 1: the weighted mean (a proportion when y is 0/1) within the domain.
RatioResult weighted_mean(std::span<const double> y, std::span<const double> w, std::span<const double> domain);

} // namespace hkstat::estimate
