// Tests of the `likelihood` interval (estimate/proportion_ci: scaled_likelihood_interval,
// likelihood_interval, binomial_interval(Likelihood)) against R.
// Goldens: tests/golden/likelihood/design_pieces.csv (r/design_cli_golden.R) and binomial.csv
// (r/likelihood_golden.R) (R 4.2.2,
// survey 4.1-1, MASS 7.3-58). The CLI comparison (design_vs_r.py) uses tests/golden/design_cli/results.csv.
#include "hkstat/core/error.hpp"
#include "hkstat/estimate/distributions.hpp"
#include "hkstat/estimate/proportion_ci.hpp"

#include "golden_csv.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

using namespace hkstat;
using namespace hkstat::estimate;
using Catch::Matchers::WithinAbs;
using golden::code_of;
using golden::num;
using golden::read_csv;

namespace {

const double kInf = std::numeric_limits<double>::infinity();

// 2 n KL(p ‖ π) / φ: the squared profile z at π (the definition the spline approximates).
double z2_at(double p, double pi, double n_w, double phi) {
  return 2 * n_w * (p * std::log(p / pi) + (1 - p) * std::log((1 - p) / (1 - pi))) / phi;
}

} // namespace

TEST_CASE("fmm spline and approx reproduce R stats::spline / approx", "[likelihood]") {
  // R 4.2.2: s <- spline(c(0, 1, 2.5, 4, 4.5), c(0, 1, -1, 2, 3)); sprintf("%.17g", s$y) (15 points from 0 to 4.5).
  const std::vector<double> x{0, 1, 2.5, 4, 4.5}, y{0, 1, -1, 2, 3};
  std::vector<double> xout;
  for (int i = 0; i < 15; ++i) xout.push_back(i * (4.5 / 14));
  const std::vector<double> r{0, 0.82737213787954211, 1.1377106591765624, 1.0328559428998074, 0.6217185928627299,
                              0.052772091912922425, -0.51175628041161736, -0.90962543554006947, -0.979124551761969,
                              -0.64464488881665094, -0.011133572393616231, 0.79372708018000737, 1.6422547515770884,
                              2.408608328846721, 3};
  const auto s = detail::fmm_spline(x, y, xout);
  for (std::size_t i = 0; i < r.size(); ++i) CHECK_THAT(s[i], WithinAbs(r[i], 1e-14));
  // Three points (the end conditions reduce to the parabola): spline(c(0, 1, 3), c(1, -1, 2))$y.
  const std::vector<double> r3{1, -0.0234375, -0.71875000000000022, -1.0859375, -1.125, -0.8359375, -0.21875, 0.7265625, 2};
  std::vector<double> x3;
  for (int i = 0; i < 9; ++i) x3.push_back(i * (3.0 / 8));
  const auto s3 = detail::fmm_spline({0, 1, 3}, {1, -1, 2}, x3);
  for (std::size_t i = 0; i < r3.size(); ++i) CHECK_THAT(s3[i], WithinAbs(r3[i], 1e-14));
  // approx(c(3, 1, 2, 2), c(1, 2, 3, 5), xout = c(1.5, 2, 2.25, 0.5))$y = 3, 4, 3.25, NA (ties averaged).
  const std::vector<double> ax{3, 1, 2, 2}, ay{1, 2, 3, 5};
  CHECK(detail::approx_linear(ax, ay, 1.5) == 3);
  CHECK(detail::approx_linear(ax, ay, 2) == 4);
  CHECK_THAT(detail::approx_linear(ax, ay, 2.25), WithinAbs(3.25, 1e-15));
  CHECK(std::isnan(detail::approx_linear(ax, ay, 0.5)));
}

TEST_CASE("scaled_likelihood_interval with R's own pieces matches svyciprop(method = \"likelihood\")", "[likelihood]") {
  // Given the scalars R computed inside svyciprop (λ, φ, se_β and β̂ from its IRLS), the profile grid, the
  // FMM spline and the linear inverse interpolation are the only work left; they agree with R to
  // rounding (every gap below 1e-11, measured 2026-11-23). Tolerance 1e-10 absolute.
  int n = 0;
  for (const auto& r : read_csv(HKSTAT_SOURCE_DIR "/tests/golden/likelihood/design_pieces.csv")) {
    INFO(r.at("design") << " " << r.at("group") << " " << r.at("measure"));
    ScaledLikelihood s;
    s.p = num(r.at("estimate"));
    s.b0 = num(r.at("b0"));
    s.se_logit = num(r.at("se_logit"));
    s.lambda = num(r.at("lambda"));
    s.dispersion = num(r.at("dispersion"));
    s.df = num(r.at("df"));
    s.n = num(r.at("n"));
    s.weight_total = s.n;
    s.level = num(r.at("level"));
    const Interval ci = scaled_likelihood_interval(s);
    CHECK(ci.note.empty());
    CHECK_THAT(ci.lower, WithinAbs(num(r.at("lower")), 1e-10));
    CHECK_THAT(ci.upper, WithinAbs(num(r.at("upper")), 1e-10));
    ++n;
  }
  CHECK(n == 60);
}

TEST_CASE("scaled_likelihood_interval: a design effect so large that alpha underflows gives Clopper-Pearson, not an error", "[likelihood]") {
  // α = Φ(t √λ) / 2 is 0 in double for t = −1.96 and λ = 10^4 (Φ(−196)): R's zmax = √qf(0, …) is infinite.
  // Found on 10^6 rows: `tabulate --var reasons --domain broad --by age10,sex --calibrate --ci likelihood`
  // stopped with an internal error (f_quantile_upper q=0).
  ScaledLikelihood s;
  s.p = 0.3;
  s.se_logit = 0.5;
  s.dispersion = 1;
  s.df = 1000;
  s.n = 2000;
  s.weight_total = 2000;
  s.lambda = 1e4;
  const Interval ci = scaled_likelihood_interval(s);
  CHECK(ci.note == kBoundaryNote); // Clopper–Pearson on 600 of 2,000
  CHECK(ci.lower > 0.27);
  CHECK(ci.lower < 0.3);
  CHECK(ci.upper > 0.3);
  CHECK(ci.upper < 0.33);
  s.lambda = 100; // α > 0: the profile as before
  CHECK(scaled_likelihood_interval(s).note.empty());
}

TEST_CASE("svyglm_intercept_path replays R's IRLS: β̂, φ and λ of svyglm(y ~ 1, quasibinomial)", "[likelihood]") {
  // The (weight, y) groups of each uncalibrated design case of design_pieces.csv, built from the data file
  // r/design_cli_golden.R wrote (broad: outing >= 5 and duration 3; narrow: outing >= 6 and duration 3;
  // 15-39 / 40-64 by age; srs_fpc has equal weights). R's λ = cov.unscaled / naive.cov, and cov.unscaled =
  // se_logit², so λ_R / se_logit_R² checks hkstat's naive.cov without the variance engine (which
  // design_vs_r.py checks through the CLI). Tolerances: β̂, φ and λ 1e-12 relative (both replay the same
  // iterations; the sums differ in order only: measured ≤ 1e-14).
  std::size_t checked = 0;
  for (const auto& r : read_csv(HKSTAT_SOURCE_DIR "/tests/golden/likelihood/design_pieces.csv")) {
    const std::string design = r.at("design");
    if (design.rfind("calib_", 0) == 0) continue; // calibrated weights: checked through the CLI only
    INFO(design << " " << r.at("group") << " " << r.at("measure"));
    const bool lonely = design.rfind("lonely_", 0) == 0;
    std::vector<WeightGroup> groups;
    double n = 0;
    for (const auto& row : read_csv(std::string(HKSTAT_SOURCE_DIR) + (lonely ? "/tests/data/design/lonely_survey.csv" : "/tests/data/design/design_survey.csv"))) {
      const double age = num(row.at("age"));
      if ((r.at("group") == "15-39" && age > 39) || (r.at("group") == "40-64" && age <= 39)) continue;
      const double outing = num(row.at("outing")), duration = num(row.at("duration"));
      const bool y = duration == 3 && outing >= (r.at("measure") == "broad" ? 5 : 6);
      groups.push_back(WeightGroup{design == "srs_fpc" ? 1.0 : num(row.at("w")), y, 1.0});
      ++n;
    }
    REQUIRE(n == num(r.at("n")));
    const SvyglmPath path = svyglm_intercept_path(groups, n);
    CHECK_THAT(path.p / num(r.at("estimate")), WithinAbs(1.0, 1e-12));
    CHECK_THAT(path.b0 / num(r.at("b0")), WithinAbs(1.0, 1e-12));
    CHECK_THAT(path.dispersion / num(r.at("dispersion")), WithinAbs(1.0, 1e-12));
    const double se_logit = num(r.at("se_logit"));
    CHECK_THAT(se_logit * se_logit * path.naive_info / num(r.at("lambda")), WithinAbs(1.0, 1e-12));
    CHECK_THAT(path.weight_total / n, WithinAbs(1.0, 1e-12));
    CHECK(path.iterations >= 2);
    // With R's variance (V = se_logit² (μ(1 − μ))²) the interval is R's.
    const double v = se_logit * se_logit * std::pow(path.mu * (1 - path.mu), 2);
    const Interval ci = svyglm_likelihood_interval(path, v, num(r.at("df")), n, num(r.at("level")));
    CHECK_THAT(ci.lower, WithinAbs(num(r.at("lower")), 1e-12));
    CHECK_THAT(ci.upper, WithinAbs(num(r.at("upper")), 1e-12));
    ++checked;
  }
  CHECK(checked == 48);
}

TEST_CASE("svyglm_intercept_path: groups are order-free, boundaries and bad groups", "[likelihood]") {
  std::vector<WeightGroup> g{{10, true, 3}, {20, false, 40}, {5, false, 12}, {30, true, 1}, {0, false, 2}};
  const SvyglmPath a = svyglm_intercept_path(g, 58);
  std::reverse(g.begin(), g.end());
  const SvyglmPath b = svyglm_intercept_path(g, 58);
  CHECK_THAT(a.b0, WithinAbs(b.b0, 1e-14));
  CHECK_THAT(a.p, WithinAbs((10.0 * 3 + 30) / (10.0 * 3 + 20 * 40 + 5 * 12 + 30), 1e-15));
  // A group of 3 rows is the same as groups of 1 and 2 rows.
  std::vector<WeightGroup> split{{10, true, 1}, {10, true, 2}, {20, false, 40}, {5, false, 12}, {30, true, 1}, {0, false, 2}};
  CHECK_THAT(svyglm_intercept_path(split, 58).b0, WithinAbs(a.b0, 1e-14));
  // p = 0 (no y = 1 row of nonzero weight) is the caller's boundary case: Internal here.
  CHECK_THROWS_AS(svyglm_intercept_path({{10, false, 5}, {0, true, 1}}, 6), Error);
  CHECK_THROWS_AS(svyglm_intercept_path({{-1, false, 5}, {2, true, 1}}, 6), Error);
  CHECK_THROWS_AS(svyglm_intercept_path({{1, false, 5}, {2, true, 1}}, 5), Error); // more rows than the design
  // V = 0 → Clopper–Pearson on n, marked.
  const Interval cp = svyglm_likelihood_interval(a, 0.0, 10, 58, 0.95);
  CHECK(cp.note == kBoundaryNote);
  // V zero up to rounding (a calibration margin's own share: ~1e-35) is V = 0: the same interval, at once (before,
  // the profile's deviance did not rise above rounding and the steps went on to their limit); a small but real V
  // (1e-16 of μ(1 − μ)/n) still profiles.
  const double srs = a.mu * (1 - a.mu) / 58;
  const Interval noise = svyglm_likelihood_interval(a, 1e-35, 10, 58, 0.95);
  CHECK(noise.note == kBoundaryNote);
  CHECK(noise.lower == cp.lower);
  CHECK(noise.upper == cp.upper);
  CHECK(svyglm_likelihood_interval(a, 2e-20 * srs, 10, 58, 0.95).note.empty());
  CHECK(svyglm_likelihood_interval(a, 0.5e-20 * srs, 10, 58, 0.95).note == kBoundaryNote);
  CHECK_THROWS_AS(svyglm_likelihood_interval(a, 1e-4, 0, 58, 0.95), Error); // df <= 0
}

TEST_CASE("binomial likelihood interval matches R confint(glm(binomial))", "[likelihood]") {
  // R's MASS profile of glm(cbind(k, n - k) ~ 1, binomial); its std.err also comes from the
  // second-to-last IRLS weights (grid step off by ~1e-6 relative), which moves the spline's
  // interpolation slightly: tolerance 1e-8 absolute (largest gap measured: see docs/estimation.md).
  int n = 0;
  for (const auto& r : read_csv(HKSTAT_SOURCE_DIR "/tests/golden/likelihood/binomial.csv")) {
    const auto k = static_cast<long long>(num(r.at("k"))), nn = static_cast<long long>(num(r.at("n")));
    INFO(k << "/" << nn << " level " << r.at("level"));
    const Interval ci = binomial_interval(CiMethod::Likelihood, k, nn, num(r.at("level")));
    CHECK(ci.note.empty());
    CHECK_THAT(ci.lower, WithinAbs(num(r.at("lower")), 1e-8));
    CHECK_THAT(ci.upper, WithinAbs(num(r.at("upper")), 1e-8));
    ++n;
  }
  CHECK(n == 27);
}

TEST_CASE("likelihood interval edge cases", "[likelihood]") {
  SECTION("p = 0, p = 1, se = 0: Clopper-Pearson with the boundary note, never zero width") {
    for (double p : {0.0, 1.0}) {
      const Interval d = likelihood_interval(p, 0.0, 20, 50, 50, 0.95);
      CHECK(d.note == kBoundaryNote);
      CHECK(d.upper - d.lower > 0.01);
    }
    const Interval z = likelihood_interval(0.2, 0.0, 20, 50, 50, 0.95);
    CHECK(z.note == kBoundaryNote);
    CHECK(z.lower < 0.2);
    CHECK(z.upper > 0.2);
    CHECK(binomial_interval(CiMethod::Likelihood, 0, 10, 0.95).note == kBoundaryNote);
    CHECK(binomial_interval(CiMethod::Likelihood, 10, 10, 0.95).upper == 1.0);
  }
  SECTION("df <= 0 or NaN, a bad level, n < 1: no interval (EstimateNoData)") {
    CHECK(code_of([] { likelihood_interval(0.1, 0.02, 0, 100, 100, 0.95); }) == ErrorCode::EstimateNoData);
    CHECK(code_of([] { likelihood_interval(0.1, 0.02, -1, 100, 100, 0.95); }) == ErrorCode::EstimateNoData);
    CHECK(code_of([] { likelihood_interval(0.1, 0.02, std::nan(""), 100, 100, 0.95); }) == ErrorCode::EstimateNoData);
    CHECK(code_of([] { likelihood_interval(0.1, 0.02, 10, 100, 100, 1.5); }) == ErrorCode::EstimateNoData);
    CHECK(code_of([] { likelihood_interval(0.1, 0.02, 10, 0, 0, 0.95); }) == ErrorCode::EstimateNoData);
  }
  SECTION("arguments no caller can produce: Internal") {
    CHECK(code_of([] { likelihood_interval(1.2, 0.02, 10, 100, 100, 0.95); }) == ErrorCode::Internal);
    CHECK(code_of([] { likelihood_interval(0.1, -0.02, 10, 100, 100, 0.95); }) == ErrorCode::Internal);
    CHECK(code_of([] { likelihood_interval(0.1, kInf, 10, 100, 100, 0.95); }) == ErrorCode::Internal);
    CHECK(code_of([] { likelihood_interval(0.1, 0.02, 10, 100, 1, 0.95); }) == ErrorCode::Internal);   // m < 2
    CHECK(code_of([] { likelihood_interval(0.1, 0.02, 10, 100, 101, 0.95); }) == ErrorCode::Internal); // m > n
    ScaledLikelihood s{0.1, 0.3, kInf, 1.0, 10, 100, 100, 0.95};                                      // λ not finite
    CHECK(code_of([&] { scaled_likelihood_interval(s); }) == ErrorCode::Internal);
    s.lambda = std::nan("");
    CHECK(code_of([&] { scaled_likelihood_interval(s); }) == ErrorCode::Internal);
  }
  SECTION("df = +infinity uses the normal quantile") {
    const Interval a = likelihood_interval(0.1, 0.02, kInf, 300, 300, 0.95);
    const Interval b = likelihood_interval(0.1, 0.02, 1e7, 300, 300, 0.95);
    CHECK_THAT(a.lower, WithinAbs(b.lower, 1e-7));
    CHECK_THAT(a.upper, WithinAbs(b.upper, 1e-7));
    const double t = normal_quantile(0.025), lambda = 0.02 * 0.02 * 300 / 0.09;
    CHECK_THAT(z2_at(0.1, a.upper, 300, 300.0 / 299) / (t * t * lambda), WithinAbs(1.0, 1e-3));
  }
  SECTION("small λ: where R's 9 profile steps stop short (R: NA), the profile continues") {
    // λ = 0.02, df = 5: R's profile takes 9 steps of zmax/5 · se_β each way (zmax = |t_{n−1}(α/2)|) and
    // stops below the cutoff t √λ, so R's approx() returns NA. First show that, then the interval.
    const double p = 0.3, n = 400, m = 400, df = 5;
    const double lambda = 0.02, se = std::sqrt(lambda * p * (1 - p) / n);
    const double t = t_quantile(0.025, df);
    const double alpha = 0.5 * std::erfc(-t * std::sqrt(lambda) / std::sqrt(2.0)) / 2;
    const double zmax = -t_quantile(alpha / 2, n - 1);
    const double b9 = std::log(p / (1 - p)) + 9 * zmax / 5 * se / (p * (1 - p));
    REQUIRE(z2_at(p, 1 / (1 + std::exp(-b9)), n, m / (m - 1)) < t * t * lambda);
    const Interval ci = likelihood_interval(p, se, df, n, m, 0.95);
    CHECK(ci.note.empty());
    CHECK(ci.lower < p);
    CHECK(ci.upper > p);
    CHECK_THAT(z2_at(p, ci.lower, n, m / (m - 1)) / (t * t * lambda), WithinAbs(1.0, 1e-3));
    CHECK_THAT(z2_at(p, ci.upper, n, m / (m - 1)) / (t * t * lambda), WithinAbs(1.0, 1e-3));
  }
}

TEST_CASE("likelihood: name, aliases, label, dispatch", "[likelihood]") {
  CHECK(parse_ci_method("likelihood") == CiMethod::Likelihood);
  CHECK(parse_ci_method("LIK") == CiMethod::Likelihood);
  CHECK(std::string(ci_method_name(CiMethod::Likelihood)) == "likelihood");
  CHECK(!ci_method_label(CiMethod::Likelihood).ja.empty());
  const Interval a = design_interval(CiMethod::Likelihood, 0.1, 0.02, 12, 300, 0.95);
  const Interval b = likelihood_interval(0.1, 0.02, 12, 300, 300, 0.95);
  CHECK(a.lower == b.lower);
  CHECK(a.upper == b.upper);
}
