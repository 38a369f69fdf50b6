// hkstat/estimate/proportion_ci.hpp — confidence intervals for a proportion.
//
// Formulas: shared/survey-methods.md §3.5; user-facing description: docs/estimation.md.
// Golden tests: tests/unit/test_ci.cpp against R (r/ci_golden.R, r/weighted_golden.R).
#pragma once

#include "hkstat/core/error.hpp"

#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace hkstat::estimate {

enum class CiMethod {
  Wilson,
  ClopperPearson,
  Logit,
  Wald,
  Beta,   // Korn–Graubard, R svyciprop(method = "beta") variant
  Asin,   // arcsine, R svyciprop(method = "asin")
  KgNchs, // Korn–Graubard, NCHS variant (n_eff capped at n, one-sided at 0 and 1)
  Likelihood, // Rao–Scott scaled profile likelihood, R svyciprop(method = "likelihood")
};

// "wilson", "clopper-pearson", "logit", "wald", "beta", "asin", "kg-nchs", "likelihood".
const char* ci_method_name(CiMethod m);
// Human name in both languages (report facts), e.g. {"ロジット変換", "logit"}.
Text ci_method_label(CiMethod m);

// Accepts the names above plus "cp", "exact" (Clopper–Pearson), "mean" (Wald), "xlogit" (Logit: the
// same interval for a linearised design), "kg", "korn-graubard" (Beta), "arcsine" (Asin), "nchs", "lik" (Likelihood). Throws Error(UsageInvalidOption) otherwise.
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
//   Likelihood = likelihood_interval(p, se, df, n, n, level): every row of the domain has a nonzero
//            weight (hkstat refuses weights <= 0), so the rows with nonzero weight are the n rows.
// At p = 0, p = 1 or se = 0 none of these exists (R returns NaN or a zero-width interval): the
// Clopper–Pearson interval on n with x = p n is returned instead, with note kBoundaryNote.
// Errors: df <= 0 or NaN, level outside (0, 1), n < 1 → EstimateNoData; p outside [0, 1], se < 0
// or NaN → Internal.
Interval design_interval(CiMethod m, double p, double se, double df, double n, double level);

// The interval of one domain's proportion, the one policy of estimate and tabulate (every path: single pass,
// calibrated, replicates): `compute(n)` is design_interval(m, p, se, df, n, level) — or, for CiMethod::Likelihood
// with 0 < p < 1 and se > 0, `likelihood` when given (R's svyglm path from the domain's rows) — called with
// n = n_kg, Korn–Graubard's n = nrow() of R's subset design (the domain's rows; every row after calibration, as
// survey keeps them in subset()). At the boundary (the result carries kBoundaryNote: p = 0, 1, se = 0, or a
// non-finite profile) the Clopper–Pearson fallback — hkstat's, not R's — is on the domain's own rows n_domain:
// `compute(n_domain)`. Errors as design_interval (df <= 0 → EstimateNoData: callers decide before calling).
Interval domain_interval(CiMethod m, double p, double se, double df, double n_kg, double n_domain, double level,
                         const std::function<Interval()>& likelihood = {});

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

// ---- Likelihood: R svyciprop(method = "likelihood") (survey 4.1-1) --------------------------------------
// R fits svyglm(y ~ 1, design, family = quasibinomial) and calls confint(method = "likelihood")
// (Rao & Scott's scaled likelihood ratio, Lumley & Scott 2014). For an intercept-only model every piece
// is a scalar:
//   β̂ = logit p; se_β = the design SE of β̂ (R sqrt(vcov(fit))); λ = R cov.unscaled / naive.cov, the
//   design effect of β̂ against the binomial model with svyglm's weights rescaled to mean 1;
//   φ = R summary(fit)$dispersion (svyvar of the Pearson residuals); n = rows of R's design.
// Then α = Φ(t_{(1-level)/2, df} √λ) / 2, zmax = √F⁻¹(1 − α; 1, n − 1) (√χ²₁⁻¹(1 − α) when n = +∞),
// and the profile (R MASSprofile_glm): from β̂ in steps of δ = zmax/5 · se_β down and up, at most 9
// each way and until |z| ≥ zmax, z(b) = ±√((D(b) − D(β̂)) / φ) with the binomial deviance
//   D(b) − D(β̂) = 2 n_w [p log(p/μ) + (1 − p) log((1 − p)/(1 − μ))], μ = expit(b), n_w = Σ of the
//   glm's prior weights: svyglm rescales the weights to mean 1 over the rows of its design, so n_w = n.
// The profile points (b, z) are interpolated by R's spline(b, z) (Forsythe–Malcolm–Moler cubic spline,
// evaluated at 3 × (points) equally spaced b) and the interval is expit of approx(z, b) at
// z = Φ⁻¹(2α) and −Φ⁻¹(2α) (R confint_profile), i.e. where z = ∓t √λ.
// Where R's 9 steps do not reach that z (R returns NA, which happens for small λ), hkstat continues the
// profile in the same steps until it does: the interpolation then has more points, only where R has no
// interval. A result that is not finite (μ underflow at absurd b), or an α that underflows to 0 (a λ so large
// that R's zmax is infinite), falls back to Clopper–Pearson on x = p n_w of n_w with note kBoundaryNote.
struct ScaledLikelihood {
  double p = 0;          // 0 < p < 1
  double se_logit = 0;   // > 0
  double lambda = 1;     // > 0
  double dispersion = 1; // > 0
  double df = 0;         // > 0, +infinity for the normal
  double n = 0;          // rows of R's design (>= 2): zmax uses F(1, n − 1); +infinity for a binomial glm (χ²)
  double weight_total = 0; // n_w: Σ of the glm's prior weights (n for svyglm's rescaled weights; n for binomial)
  double level = 0.95;
  // The profile's centre β̂. NaN (default): logit p, the limit R's IRLS converges to. Set only to replay
  // R's own iterate (tests): the deviance rise is then 2 n_w [p log(μ̂/μ) + (1 − p) log((1 − μ̂)/(1 − μ))].
  double b0 = std::numeric_limits<double>::quiet_NaN();
};
// Errors: df <= 0 or NaN, level outside (0, 1) → EstimateNoData; any other argument out of range →
// Internal (the callers below check them).
Interval scaled_likelihood_interval(const ScaledLikelihood& s);

// The design-based interval from the scalars hkstat has: estimate p, its design SE se (linearised),
// design df, n = rows of R's subset design (the domain's rows; every row after calibration, as for
// Beta), m = rows of the domain with nonzero weight, level. Then
//   se_β = se / (p(1 − p)), λ = se² n / (p(1 − p)), φ = m / (m − 1)
// (at β̂ = logit p the Pearson residuals (y − p)/√(p(1 − p)) have weighted mean 0 and weighted mean
// square 1, so R's svyvar gives m/(m − 1)).
// R evaluates λ and φ at its IRLS iterates rather than at p (naive.cov uses the working weights of the
// second-to-last iteration, whose path starts from R's mustart = (w y + 1/2)/(w + 1) row by row), so this
// scalar form is within ~4e-6 of R's interval ends on tests/golden/design_cli. hkstat's estimate and
// tabulate use the exact path instead (svyglm_intercept_path below; survey_estimators.hpp
// svy_likelihood_interval); this form remains for callers that have only the scalars, and for the boundaries.
// At p = 0, p = 1 or se = 0: Clopper–Pearson on x = p n of n, note kBoundaryNote (as Logit).
// Errors: df <= 0 or NaN, level outside (0, 1), n < 1 → EstimateNoData; p outside [0, 1], se < 0 or NaN,
// m < 2 with 0 < p < 1, m > n → Internal.
Interval likelihood_interval(double p, double se, double df, double n, double m, double level);

// ---- R's IRLS path for svyglm(y ~ 1, design, family = quasibinomial), replayed exactly ----------------
// R's λ, se_β, φ and β̂ are not the limits at logit p̂: they are what glm.fit's iterations give, and those
// start from mustart = (a y + 1/2)/(a + 1) row by row (a = the row's prior weight: svyglm rescales the
// design weights to mean 1 over the rows of its design, a = w / c, c = Σw / n). Rows with the same design
// weight w and response y are alike on that path, so a domain is described exactly by its groups
// (w, y, rows). Memory is the number of distinct (w, y), not the number of rows.
struct WeightGroup {
  double w = 0;       // design weight (>= 0, finite; not rescaled)
  bool y = false;     // response 0/1
  double rows = 0;    // rows with this (w, y) (> 0)
};
struct SvyglmPath {
  double p = 0;           // Σ w y / Σ w over the groups
  double b0 = 0;          // coef(fit): glm.fit's last iterate (convergence |dev − devold|/(|dev| + 0.1) < 1e-8)
  double mu = 0;          // expit(b0)
  double naive_info = 0;  // 1 / naive.cov: Σ of the last iteration's working weights (a μ(1 − μ) at the
                          // second-to-last iterate; per group μ from mustart when glm stopped after one step)
  double dispersion = 0;  // summary(fit)$dispersion: svyvar of the Pearson residuals (y − μ)√a/√(μ(1 − μ)),
                          // n/(n − 1) with n = rows of nonzero weight
  double weight_total = 0; // Σ a = n_design (rounding aside)
  int iterations = 0;     // glm.fit iterations (R fit$iter)
};
// groups: the rows of R's design (a domain of an uncalibrated design: its rows; of a calibrated design:
// every row, zero weight outside the domain), in any order; n_design = their number of rows.
// R glm.fit (stats 4.2.2) with binomial()'s initialize, logit link and dev.resids, epsilon 1e-8, maxit 25.
// Errors: no group with w > 0 and y = 1 and none with y = 0 (p = 0 or 1), fewer than 2 rows of
// nonzero weight, no convergence in 25 iterations, or a group out of range → Internal (callers check p).
SvyglmPath svyglm_intercept_path(const std::vector<WeightGroup>& groups, double n_design);

// The likelihood interval from that path and V = the design variance of the score Σ_i w_i (y_i − μ) / Σ w
// (μ = path.mu; zero outside the domain; the caller's variance engine, calibration-aware where the design is
// calibrated): se_β² = R cov.unscaled = V / (μ(1 − μ))², λ = cov.unscaled · naive_info, then
// scaled_likelihood_interval with b0 = path.b0, φ = path.dispersion, n = n_design.
// At p = 0, 1 or V = 0 (or V ≤ 1e-20 μ(1 − μ)/n_design: zero up to rounding, e.g. a calibration margin's own share): Clopper–Pearson on n_design, note kBoundaryNote (as likelihood_interval).
// Errors as scaled_likelihood_interval.
Interval svyglm_likelihood_interval(const SvyglmPath& path, double v, double df, double n_design, double level);

namespace detail {
// R stats::spline(x, y, method = "fmm") at xout (x strictly increasing, at least 2 points) and
// R approx(x, y, xout) (rule = 1: NaN outside [x_1, x_n]; x sorted, ties averaged as ties = mean).
// Exposed for tests/unit/test_likelihood_ci.cpp.
std::vector<double> fmm_spline(const std::vector<double>& x, const std::vector<double>& y, const std::vector<double>& xout);
double approx_linear(std::vector<double> x, std::vector<double> y, double xout);
} // namespace detail

} // namespace hkstat::estimate
