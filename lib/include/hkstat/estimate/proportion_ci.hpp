// hkstat/estimate/proportion_ci.hpp — confidence intervals for a proportion.
//
// Formulas: shared/survey-methods.md §3.5; user-facing description: docs/estimation.md.
// Golden tests: tests/unit/test_ci.cpp against R (r/ci_golden.R, r/weighted_golden.R).
#pragma once

#include "hkstat/core/error.hpp"

#include <string>
#include <string_view>

namespace hkstat::estimate {

enum class CiMethod {
  Wilson,
  ClopperPearson,
  Logit,
  Wald,
  Beta,   // Korn–Graubard, R svyciprop(method = "beta") variant
  Asin,   // arcsine, R svyciprop(method = "asin")
  KgNchs, // Korn–Graubard, NCHS variant (n_eff capped at n, one-sided at 0 and 1)
};

// "wilson", "clopper-pearson", "logit", "wald", "beta", "asin", "kg-nchs".
const char* ci_method_name(CiMethod m);
// Human name in both languages (report facts), e.g. {"ロジット変換", "logit"}.
Text ci_method_label(CiMethod m);

// Accepts the names above plus "cp", "exact" (Clopper–Pearson), "mean" (Wald), "xlogit" (Logit: the
// same interval for a linearised design), "kg", "korn-graubard" (Beta), "arcsine" (Asin), "nchs". Throws Error(UsageInvalidOption) otherwise.
CiMethod parse_ci_method(std::string_view name);

struct Interval {
  double lower = 0;
  double upper = 0;
  // Empty, or a language-neutral token saying a fallback was used, e.g. "boundary:clopper-pearson".
  std::string note;
};

// The note set when an interval falls back to Clopper–Pearson at a boundary.
inline constexpr const char* kBoundaryNote = "boundary:clopper-pearson";

// Unweighted (simple random sample, binomial): k successes out of n, two-sided level (e.g. 0.95),
// normal quantile z = Φ⁻¹((1 + level)/2).
//   Wilson          = R prop.test(k, n, correct = FALSE)$conf.int
//   ClopperPearson  = R binom.test(k, n)$conf.int (0 when k = 0, 1 when k = n); Beta = ClopperPearson
//   Logit           = expit(logit p̂ ± z / sqrt(n p̂ (1 - p̂)))
//   Wald            = p̂ ± z sqrt(p̂ (1 - p̂)/n), clipped to [0, 1]
// Logit and Wald do not exist at k = 0 or k = n: the Clopper–Pearson interval is returned with
// note kBoundaryNote.
// Errors: n <= 0 → EstimateNoData; level outside (0, 1) → EstimateNoData; k outside [0, n] → Internal.
Interval binomial_interval(CiMethod m, long long k, long long n, double level);

// Design-based (weighted / complex design): estimate p, its standard error se, design df (may be
// +infinity), n = unweighted number of rows behind the estimate (see Beta), two-sided level.
//   Wald   = R svyciprop(method = "mean"):   p ± t_df se
//   Logit  = R svyciprop(method = "logit") for a linearised design (== "xlogit"):
//            expit(logit p ± t_df se / (p (1 - p)))
//   Beta   = R svyciprop(method = "beta") (Korn–Graubard, no truncation of n_eff):
//            n_eff = p(1-p)/se², n* = n_eff (qt(α/2, n-1) / qt(α/2, df))², x* = n* p,
//            [qbeta(α/2, x*, n* - x* + 1), qbeta(1 - α/2, x* + 1, n* - x*)].
//            R uses nrow(design) for n: the domain n after subset(design, dom == 1), the whole
//            sample for a design whose out-of-domain rows have zero weight.
//   ClopperPearson = Beta.
//   Wilson = R 4.5 svyciprop(method = "wilson"): the score interval on n_eff with t_df.
//   Asin   = asin_interval; KgNchs = korn_graubard_nchs_interval (defined at p = 0 and 1, no fallback).
// At p = 0, p = 1 or se = 0 none of these exists (R returns NaN or a zero-width interval): the
// Clopper–Pearson interval on n with x = p n is returned instead, with note kBoundaryNote.
// Errors: df <= 0 or NaN, level outside (0, 1), n < 1 → EstimateNoData; p outside [0, 1], se < 0
// or NaN → Internal.
Interval design_interval(CiMethod m, double p, double se, double df, double n, double level);

// The two intervals behind CiMethod::Asin and CiMethod::KgNchs. Arguments and errors as design_interval.
//
// Arcsine = R svyciprop(method = "asin"): θ = asin(√p), se_θ = se / (2 √(p(1-p))) (delta method),
//   [sin²(θ - t_df se_θ), sin²(θ + t_df se_θ)], with θ ± t se_θ kept within [0, π/2] (R does not
//   clamp, so where θ - t se_θ < 0 its lower limit folds back above 0; hkstat returns 0 there).
//   n is used only there: at p = 0, p = 1 or se = 0 the Clopper–Pearson fallback of design_interval
//   (x = p n of n), note kBoundaryNote.
Interval asin_interval(double p, double se, double df, double n, double level);

// Korn–Graubard, NCHS variant (shared/survey-methods.md §3.5; Korn & Graubard 1998, Survey
// Methodology 24(2):193-201; NCHS Data Presentation Standards for Proportions, Vital Health Stat
// 2(175), 2017): with r = qt(α/2, n-1) / qt(α/2, df),
//   0 < p < 1: n* = min(n, n_eff r²), n_eff = p(1-p)/se² (+∞ when se = 0, so n* = n);
//   p = 0 or 1: n* = n r² (the df-adjusted sample size).
//   x* = n* p; lower = 0 if p = 0 else Beta⁻¹(α/2; x*, n* - x* + 1);
//   upper = 1 if p = 1 else Beta⁻¹(1 - α/2; x* + 1, n* - x*).
// Defined at p = 0 and 1 (one-sided there: the limit at the boundary is the boundary), so no note.
// n < 2 → EstimateNoData (no t quantile with n - 1 = 0 degrees of freedom).
Interval korn_graubard_nchs_interval(double p, double se, double df, double n, double level);

} // namespace hkstat::estimate
