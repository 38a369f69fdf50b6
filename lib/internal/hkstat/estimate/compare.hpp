// hkstat/estimate/compare.hpp — the change between two independent surveys (e.g. 2019 and 2024): the
// difference of two estimates, its standard error and interval (docs/estimation.md, "Comparing two surveys").
//
// The two surveys are independent samples, so Cov(p̂_A, p̂_B) = 0 and
//   d = p̂_B − p̂_A,   SE(d) = √(SE_A² + SE_B²),
//   interval d ± t_{df} SE(d) with df = min(df_A, df_B) (a normal quantile when both are +∞, i.e. unweighted).
// Each survey's SE is the one hkstat estimate / tabulate report: binomial √(p(1−p)/n) unweighted, linearised
// weighted. R equivalent (weighted): both surveys stacked in one svydesign with the survey year as a stratum,
// svyby(~y, ~year, design, svymean, covmat = TRUE) then svycontrast(c(-1, 1)); unweighted: the interval of
// prop.test(c(k_B, k_A), c(n_B, n_A), correct = FALSE). Golden: r/compare_golden.R, tests/unit/test_compare.cpp.
#pragma once

#include "hkstat/estimate/prevalence.hpp"
#include "hkstat/estimate/proportion_ci.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace hkstat::estimate {

// One survey's estimate of one cell (a rate, or a percentage of a distribution), as reported by that survey.
struct Side {
  bool present = false;   // the cell exists in this survey (an answer code may exist in one questionnaire only)
  bool estimable = false; // false when the block is empty or the SE is undefined
  std::size_t base = 0;   // respondents behind the estimate (unweighted)
  std::size_t count = 0;  // cases / respondents giving the answer (unweighted)
  double estimate = 0;    // proportion 0-1 (weighted if the survey is weighted)
  double se = 0;
  double df = 0;          // +inf unweighted
  bool hidden = false;    // suppressed in that survey's own table
  bool has_ci = false;    // the survey's own interval of the estimate (its estimate / tabulate interval method)
  Interval ci;
  bool base_hidden = false; // the base n is suppressed in that survey's own table (printed *)
};

struct Difference {
  double estimate = 0; // B − A (proportion; × 100 = percentage points)
  double se = 0;       // √(SE_A² + SE_B²)
  double df = 0;       // min(df_A, df_B); +inf when both are unweighted
  Interval ci;         // estimate ± t_df · se (not clipped: a difference lies in [−1, 1] anyway)
  bool excludes_zero = false; // ci.lower > 0 or ci.upper < 0
};

// The difference of two independent estimates. level in (0, 1); se >= 0; df > 0 (may be +inf).
// Errors: level outside (0, 1) or df <= 0 / NaN → Error(EstimateNoData); se < 0 or NaN → Error(Internal).
Difference difference(double estimate_a, double se_a, double df_a, double estimate_b, double se_b, double df_b, double level);

// One compared cell: both sides, and the difference when both sides are present and estimable.
// hidden = a.hidden || b.hidden: a cell suppressed in either survey is suppressed in the comparison.
struct Change {
  Side a;
  Side b;
  std::optional<Difference> diff;
  bool hidden = false;
};
Change compare_sides(const Side& a, const Side& b, double level);

// A prevalence cell (measure × age group, or × a level of a --by variable) in both surveys.
struct PrevalenceChange {
  Measure measure = Measure::Broad;
  std::string group; // "all" or an age group id
  // A --by level ("" for the cells of all / the age groups): as PrevalenceCell (the labels are survey B's, else A's).
  std::string by_variable;
  std::string by_variable_label;
  std::string by_key;
  std::string by_label;
  Change change;
};

struct PrevalenceComparison {
  double level = 0.95;
  bool weighted_a = false;
  bool weighted_b = false;
  std::vector<PrevalenceChange> cells; // in survey A's order ("all" first, then the age groups; broad, narrow, semi)
};

// Pairs the cells of two prevalence results by (measure, age group, --by variable and level key). Both must have
// been estimated with the same age groups; otherwise Error(UsageInvalidOption) naming the group. A --by level that
// only one survey's codebook has is kept with the other side absent (after survey A's cells, in B's order). `hidden_a` / `hidden_b` (one flag per
// result cell, or empty for none) are each survey's suppressed cells. A group with no respondents in a survey
// is not estimable there.
PrevalenceComparison compare_prevalence(const PrevalenceResult& a, const PrevalenceResult& b, double level,
                                        const std::vector<bool>& hidden_a = {}, const std::vector<bool>& hidden_b = {});

} // namespace hkstat::estimate
