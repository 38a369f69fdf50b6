// Tests of estimate/distributions and estimate/proportion_ci against R.
// Goldens: tests/golden/ci/ci_golden.csv (r/ci_golden.R) and the "ci" rows of
// tests/golden/ci/weighted_golden.csv (r/weighted_golden.R).
#include "hkstat/core/error.hpp"
#include "hkstat/estimate/distributions.hpp"
#include "hkstat/estimate/proportion_ci.hpp"

#include "golden_csv.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <vector>

using namespace hkstat;
using namespace hkstat::estimate;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

using golden::read_csv;
using golden::num;

const double kInf = std::numeric_limits<double>::infinity();

// Interval tolerance, absolute. R and Boost.Math both compute the normal, t and beta quantiles to
// close to double precision (R qbeta/qt: ~1e-15 relative; Boost: a few ulp), and the interval
// formulas add only a handful of roundings, so agreement is ~1e-14. 1e-10 leaves room for a
// different libm while staying 6 orders of magnitude below anything shown (0.1% = 1e-3).
// The largest gap in the goldens is R's own logit-vs-xlogit difference (~5e-13: svyglm's IRLS
// converges to p̂ only to rounding), also well inside.
constexpr double kIntervalAbs = 1e-10;


ErrorCode code_of(auto&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  FAIL("no hkstat::Error thrown");
  return ErrorCode::Internal;
}

} // namespace

TEST_CASE("t and normal quantiles match tables and R", "[distributions]") {
  // Three-decimal values from the NIST/SEMATECH e-Handbook of Statistical Methods, §1.3.6.7.2
  // "Critical values of the Student's t distribution" (upper-tail probability 0.025 / 0.005 / 0.05).
  CHECK_THAT(t_quantile(0.975, 10), WithinAbs(2.228, 5e-4));
  CHECK_THAT(t_quantile(0.995, 30), WithinAbs(2.750, 5e-4));
  CHECK_THAT(t_quantile(0.95, 5), WithinAbs(2.015, 5e-4));
  CHECK_THAT(t_quantile(0.975, 1), WithinAbs(12.706, 5e-4));
  // Full-precision values from R 4.2.2 qt()/qnorm()/qbeta()/qf()/qchisq(); 1e-12 relative: both
  // libraries are accurate to a few ulp, the slack covers a different libm.
  CHECK_THAT(t_quantile(0.975, 10), WithinRel(2.228138851986273927, 1e-12));
  CHECK_THAT(t_quantile(0.975, 1), WithinRel(12.706204736174694148, 1e-12));
  CHECK_THAT(t_quantile(0.995, 30), WithinRel(2.749995653567225418, 1e-12));
  CHECK_THAT(t_quantile(0.025, 126), WithinRel(-1.978970601990614586, 1e-12));
  CHECK_THAT(t_quantile(0.975, 2.5), WithinRel(3.574654842003691879, 1e-12)); // non-integer df
  CHECK_THAT(normal_quantile(0.975), WithinRel(1.959963984540053605, 1e-14));
  CHECK_THAT(t_quantile(0.975, kInf), WithinRel(1.959963984540053605, 1e-14));
  CHECK_THAT(critical_value(0.95, kInf), WithinRel(1.959963984540054, 1e-14));
  CHECK_THAT(critical_value(0.95, 10), WithinRel(2.228138851986273927, 1e-12));
  CHECK_THAT(beta_quantile(0.025, 2, 5), WithinRel(0.043271868292741683, 1e-12));
  CHECK(beta_quantile(0, 2, 5) == 0);
  CHECK(beta_quantile(1, 2, 5) == 1);
  CHECK_THAT(f_quantile(0.95, 3, 20), WithinRel(3.098391212140779505, 1e-12));
  CHECK_THAT(f_quantile(0.95, 3, kInf), WithinRel(2.604909301083726536, 1e-12));
  // Upper tail (R qf(q, d1, d2, lower.tail = FALSE), R 4.2.2): exact for tiny q, where f_quantile(1 − q) is not
  // (the likelihood interval's zmax with a large design effect: q = 1.1e-15).
  CHECK_THAT(f_quantile_upper(1.1063587641307346e-15, 1, 556), WithinRel(68.15278463703153, 1e-12));
  CHECK_THAT(f_quantile_upper(0.025, 1, 10), WithinRel(6.9367281662969855, 1e-12));
  CHECK_THAT(f_quantile_upper(1e-15, 1, kInf), WithinRel(64.430463520123638, 1e-12));
  CHECK(std::fabs(f_quantile(1 - 1.1063587641307346e-15, 1, 556) / 68.15278463703153 - 1) > 1e-6); // why the upper tail
  CHECK_THAT(chisq_quantile(0.95, 1), WithinRel(3.841458820694124032, 1e-12));
  CHECK_THAT(chisq_quantile(0.99, 4), WithinRel(13.276704135987621669, 1e-12));
}

TEST_CASE("quantile errors are hkstat::Error, never NaN", "[distributions]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  CHECK(code_of([] { t_quantile(0.975, 0); }) == ErrorCode::EstimateNoData);
  CHECK(code_of([] { t_quantile(0.975, -3); }) == ErrorCode::EstimateNoData);
  CHECK(code_of([&] { t_quantile(0.975, nan); }) == ErrorCode::EstimateNoData);
  CHECK(code_of([] { critical_value(0.95, 0); }) == ErrorCode::EstimateNoData);
  CHECK(code_of([] { critical_value(1.0, 10); }) == ErrorCode::EstimateNoData);
  CHECK(code_of([] { critical_value(0.0, 10); }) == ErrorCode::EstimateNoData);
  CHECK(code_of([] { critical_value(95, 10); }) == ErrorCode::EstimateNoData);
  CHECK(code_of([&] { critical_value(nan, 10); }) == ErrorCode::EstimateNoData);
  CHECK(code_of([] { f_quantile(0.95, 3, 0); }) == ErrorCode::EstimateNoData);
  CHECK(code_of([] { chisq_quantile(0.95, 0); }) == ErrorCode::EstimateNoData);
  // Programmer errors.
  CHECK(code_of([] { normal_quantile(0); }) == ErrorCode::Internal);
  CHECK(code_of([] { normal_quantile(1); }) == ErrorCode::Internal);
  CHECK(code_of([] { beta_quantile(0.5, 0, 1); }) == ErrorCode::Internal);
  CHECK(code_of([] { beta_quantile(1.5, 1, 1); }) == ErrorCode::Internal);
  // The message is bilingual.
  try {
    t_quantile(0.975, 0);
  } catch (const Error& e) {
    CHECK(e.problem().message.ja == "自由度が0以下のため信頼区間を計算できません");
    CHECK(e.problem().message.en == "degrees of freedom <= 0: no confidence interval");
  }
}

TEST_CASE("CI method names", "[ci]") {
  for (CiMethod m : {CiMethod::Wilson, CiMethod::ClopperPearson, CiMethod::Logit, CiMethod::Wald, CiMethod::Beta})
    CHECK(parse_ci_method(ci_method_name(m)) == m);
  CHECK(std::string(ci_method_name(CiMethod::ClopperPearson)) == "clopper-pearson");
  CHECK(parse_ci_method("cp") == CiMethod::ClopperPearson);
  CHECK(parse_ci_method("exact") == CiMethod::ClopperPearson);
  CHECK(parse_ci_method("mean") == CiMethod::Wald);
  CHECK(parse_ci_method("kg") == CiMethod::Beta);
  CHECK(parse_ci_method("korn-graubard") == CiMethod::Beta);
  CHECK(parse_ci_method("Wilson") == CiMethod::Wilson);
  CHECK(code_of([] { parse_ci_method("score"); }) == ErrorCode::UsageInvalidOption);
  CHECK(code_of([] { parse_ci_method(""); }) == ErrorCode::UsageInvalidOption);
}

TEST_CASE("binomial intervals match R prop.test / binom.test", "[ci][golden]") {
  const auto rows = read_csv(HKSTAT_SOURCE_DIR "/tests/golden/ci/ci_golden.csv");
  CHECK(rows.size() == 108);
  for (const auto& r : rows) {
    const auto k = static_cast<long long>(num(r.at("k")));
    const auto n = static_cast<long long>(num(r.at("n")));
    const double level = num(r.at("level"));
    const CiMethod m = parse_ci_method(r.at("method"));
    INFO("k=" << k << " n=" << n << " level=" << level << " method=" << r.at("method"));
    const Interval ci = binomial_interval(m, k, n, level);
    CHECK_THAT(ci.lower, WithinAbs(num(r.at("lower")), kIntervalAbs));
    CHECK_THAT(ci.upper, WithinAbs(num(r.at("upper")), kIntervalAbs));
    CHECK(ci.note.empty());
    if (m == CiMethod::ClopperPearson) {
      // Beta for a simple random sample is Clopper–Pearson, bit for bit.
      const Interval b = binomial_interval(CiMethod::Beta, k, n, level);
      CHECK(b.lower == ci.lower);
      CHECK(b.upper == ci.upper);
      if (k == 0) CHECK(ci.lower == 0);
      if (k == n) CHECK(ci.upper == 1);
    }
    if (m == CiMethod::Wilson) {
      if (k == 0) CHECK(ci.lower == 0);
      if (k == n) CHECK(ci.upper == 1);
    }
  }
}

TEST_CASE("binomial logit and Wald", "[ci]") {
  // 20 of 810 (西東京市 2024), z = 1.959963984540054.
  const double p = 20.0 / 810, z = 1.959963984540054;
  const Interval w = binomial_interval(CiMethod::Wald, 20, 810, 0.95);
  CHECK_THAT(w.lower, WithinAbs(p - z * std::sqrt(p * (1 - p) / 810), 1e-14));
  CHECK_THAT(w.upper, WithinAbs(p + z * std::sqrt(p * (1 - p) / 810), 1e-14));
  const Interval l = binomial_interval(CiMethod::Logit, 20, 810, 0.95);
  const double eta = std::log(p / (1 - p)), s = 1 / std::sqrt(810 * p * (1 - p));
  CHECK_THAT(l.lower, WithinAbs(1 / (1 + std::exp(-(eta - z * s))), 1e-14));
  CHECK_THAT(l.upper, WithinAbs(1 / (1 + std::exp(-(eta + z * s))), 1e-14));
  CHECK(l.note.empty());
  // Wald is clipped to [0, 1]: 1 of 10 gives p - z se < 0.
  CHECK(binomial_interval(CiMethod::Wald, 1, 10, 0.95).lower == 0);
}

TEST_CASE("binomial boundaries fall back to Clopper-Pearson", "[ci]") {
  for (CiMethod m : {CiMethod::Logit, CiMethod::Wald}) {
    for (long long k : {0LL, 10LL}) {
      const Interval ci = binomial_interval(m, k, 10, 0.95);
      const Interval cp = binomial_interval(CiMethod::ClopperPearson, k, 10, 0.95);
      CHECK(ci.lower == cp.lower);
      CHECK(ci.upper == cp.upper);
      CHECK(ci.note == "boundary:clopper-pearson");
      CHECK(ci.upper > ci.lower);
    }
  }
  CHECK(code_of([] { binomial_interval(CiMethod::Wilson, 0, 0, 0.95); }) == ErrorCode::EstimateNoData);
  CHECK(code_of([] { binomial_interval(CiMethod::Wilson, 3, 10, 1.5); }) == ErrorCode::EstimateNoData);
  CHECK(code_of([] { binomial_interval(CiMethod::Wilson, 11, 10, 0.95); }) == ErrorCode::Internal);
  CHECK(code_of([] { binomial_interval(CiMethod::Wilson, -1, 10, 0.95); }) == ErrorCode::Internal);
}

TEST_CASE("design intervals match R svyciprop", "[ci][golden]") {
  // svyciprop method → hkstat method. "logit" (svyglm) and "xlogit" (delta method) are the same
  // interval for a linearised design; R's two values differ by ~5e-13 (see kIntervalAbs).
  const std::map<std::string, CiMethod> methods{
      {"logit", CiMethod::Logit}, {"xlogit", CiMethod::Logit}, {"mean", CiMethod::Wald},
      {"beta", CiMethod::Beta},   {"wilson", CiMethod::Wilson}};
  int checked = 0;
  for (const auto& r : read_csv(HKSTAT_SOURCE_DIR "/tests/golden/ci/weighted_golden.csv")) {
    if (r.at("kind") != "ci") continue;
    const CiMethod m = methods.at(r.at("method"));
    const double p = num(r.at("estimate")), se = num(r.at("se")), df = num(r.at("df")), n = num(r.at("n"));
    const double level = num(r.at("level"));
    INFO("design=" << r.at("design") << " method=" << r.at("method") << " level=" << level);
    const Interval ci = design_interval(m, p, se, df, n, level);
    CHECK_THAT(ci.lower, WithinAbs(num(r.at("lower")), kIntervalAbs));
    CHECK_THAT(ci.upper, WithinAbs(num(r.at("upper")), kIntervalAbs));
    CHECK(ci.note.empty());
    if (m == CiMethod::Beta) {
      const Interval cp = design_interval(CiMethod::ClopperPearson, p, se, df, n, level);
      CHECK(cp.lower == ci.lower);
      CHECK(cp.upper == ci.upper);
    }
    ++checked;
  }
  CHECK(checked == 38);
}

TEST_CASE("design intervals at the boundary and errors", "[ci]") {
  const Interval cp0 = binomial_interval(CiMethod::ClopperPearson, 0, 127, 0.95);
  const Interval cp1 = binomial_interval(CiMethod::ClopperPearson, 127, 127, 0.95);
  for (CiMethod m : {CiMethod::Wilson, CiMethod::ClopperPearson, CiMethod::Logit, CiMethod::Wald, CiMethod::Beta}) {
    INFO(ci_method_name(m));
    // p = 0 with se = 0 (no cases in the domain): the Clopper–Pearson interval on x = 0 of n.
    Interval a = design_interval(m, 0, 0, 299, 127, 0.95);
    CHECK(a.note == "boundary:clopper-pearson");
    CHECK(a.lower == 0);
    CHECK_THAT(a.upper, WithinAbs(cp0.upper, 1e-15));
    Interval b = design_interval(m, 1, 0, 299, 127, 0.95);
    CHECK(b.note == "boundary:clopper-pearson");
    CHECK(b.upper == 1);
    CHECK_THAT(b.lower, WithinAbs(cp1.lower, 1e-15));
    // se = 0 inside (0, 1): never a zero-width interval.
    Interval c = design_interval(m, 0.25, 0, 299, 8, 0.95);
    CHECK(c.note == "boundary:clopper-pearson");
    CHECK(c.lower < 0.25);
    CHECK(c.upper > 0.25);
    CHECK(code_of([&] { design_interval(m, 0.1, 0.02, 0, 127, 0.95); }) == ErrorCode::EstimateNoData);
    CHECK(code_of([&] { design_interval(m, 0.1, 0.02, -1, 127, 0.95); }) == ErrorCode::EstimateNoData);
    CHECK(code_of([&] { design_interval(m, 0.1, 0.02, 10, 127, 1.0); }) == ErrorCode::EstimateNoData);
    CHECK(code_of([&] { design_interval(m, 0.1, 0.02, 10, 0, 0.95); }) == ErrorCode::EstimateNoData);
    CHECK(code_of([&] { design_interval(m, 1.1, 0.02, 10, 127, 0.95); }) == ErrorCode::Internal);
    CHECK(code_of([&] { design_interval(m, 0.1, -0.02, 10, 127, 0.95); }) == ErrorCode::Internal);
  }
  // Infinite df: Wald is p ± z se.
  const Interval w = design_interval(CiMethod::Wald, 0.1, 0.02, kInf, 500, 0.95);
  CHECK_THAT(w.lower, WithinAbs(0.1 - 1.959963984540054 * 0.02, 1e-15));
  CHECK_THAT(w.upper, WithinAbs(0.1 + 1.959963984540054 * 0.02, 1e-15));
}

TEST_CASE("design Wilson and Wald reduce to the binomial ones for an SRS", "[ci]") {
  // With se² = p(1-p)/n and df = ∞, n_eff = n: the design Wilson is the score interval.
  const long long k = 20, n = 810;
  const double p = static_cast<double>(k) / n, se = std::sqrt(p * (1 - p) / n);
  for (CiMethod m : {CiMethod::Wilson, CiMethod::Wald, CiMethod::Logit}) {
    const Interval d = design_interval(m, p, se, kInf, static_cast<double>(n), 0.95);
    const Interval b = binomial_interval(m, k, n, 0.95);
    CHECK_THAT(d.lower, WithinAbs(b.lower, 1e-14));
    CHECK_THAT(d.upper, WithinAbs(b.upper, 1e-14));
  }
}

TEST_CASE("arcsine and NCHS Korn-Graubard intervals match R", "[ci][golden]") {
  // tests/golden/ci/design_extra_golden.csv (end of r/ci_golden.R): "asin" from svyciprop(method = "asin"),
  // "kg-nchs" from the formula evaluated in R.
  int asin_rows = 0, kg_rows = 0;
  for (const auto& r : read_csv(HKSTAT_SOURCE_DIR "/tests/golden/ci/design_extra_golden.csv")) {
    const double p = num(r.at("p")), se = num(r.at("se")), df = num(r.at("df")), n = num(r.at("n"));
    const double level = num(r.at("level"));
    INFO(r.at("method") << " " << r.at("case") << " level=" << level);
    const Interval ci = r.at("method") == "asin" ? asin_interval(p, se, df, n, level)
                                                 : korn_graubard_nchs_interval(p, se, df, n, level);
    CHECK_THAT(ci.lower, WithinAbs(num(r.at("lower")), kIntervalAbs));
    CHECK_THAT(ci.upper, WithinAbs(num(r.at("upper")), kIntervalAbs));
    CHECK(ci.note.empty());
    (r.at("method") == "asin" ? asin_rows : kg_rows) += 1;
  }
  CHECK(asin_rows == 6);
  CHECK(kg_rows == 10);
}

TEST_CASE("arcsine and NCHS Korn-Graubard: formulas, boundaries, errors", "[ci]") {
  // NCHS KG without truncation and with df = n - 1 is R's beta (svyciprop "beta" on the domain subset).
  const Interval beta = design_interval(CiMethod::Beta, 0.066069987245495287, 0.026516236088064131, 126, 127, 0.95);
  const Interval kg = korn_graubard_nchs_interval(0.066069987245495287, 0.026516236088064131, 126, 127, 0.95);
  CHECK(kg.lower == beta.lower);
  CHECK(kg.upper == beta.upper);
  // se = 0 inside (0, 1): n* = n, the Clopper–Pearson interval on x = p n of n (df = n - 1: ratio 1).
  const Interval cp = binomial_interval(CiMethod::ClopperPearson, 2, 8, 0.95);
  const Interval kg0 = korn_graubard_nchs_interval(0.25, 0, 7, 8, 0.95);
  CHECK_THAT(kg0.lower, WithinAbs(cp.lower, 1e-14));
  CHECK_THAT(kg0.upper, WithinAbs(cp.upper, 1e-14));
  // p = 0 with df = n - 1 is Clopper–Pearson's 1 - (α/2)^(1/n).
  const Interval z = korn_graubard_nchs_interval(0, 0, 126, 127, 0.95);
  CHECK(z.lower == 0);
  CHECK_THAT(z.upper, WithinAbs(1 - std::pow(0.025, 1.0 / 127), 1e-14));
  CHECK(z.note.empty());
  // Arcsine on an SRS: sin²(asin √p ± z/(2√n)).
  const double p = 20.0 / 810, zq = 1.959963984540054, t = std::asin(std::sqrt(p)), h = zq / (2 * std::sqrt(810.0));
  const Interval a = asin_interval(p, std::sqrt(p * (1 - p) / 810), kInf, 810, 0.95);
  CHECK_THAT(a.lower, WithinAbs(std::pow(std::sin(t - h), 2), 1e-14));
  CHECK_THAT(a.upper, WithinAbs(std::pow(std::sin(t + h), 2), 1e-14));
  // Clamped at 0 where R's interval would fold (θ - t se_θ < 0).
  CHECK(asin_interval(0.01, 0.02, kInf, 50, 0.95).lower == 0);
  // Boundaries: Clopper–Pearson fallback with the note.
  const Interval ab = asin_interval(0, 0, 299, 127, 0.95);
  CHECK(ab.note == "boundary:clopper-pearson");
  CHECK(ab.lower == 0);
  CHECK_THAT(ab.upper, WithinAbs(binomial_interval(CiMethod::ClopperPearson, 0, 127, 0.95).upper, 1e-15));
  // Errors as design_interval.
  CHECK(code_of([] { asin_interval(0.1, 0.02, 0, 127, 0.95); }) == ErrorCode::EstimateNoData);
  CHECK(code_of([] { asin_interval(1.1, 0.02, 10, 127, 0.95); }) == ErrorCode::Internal);
  CHECK(code_of([] { korn_graubard_nchs_interval(0.1, 0.02, 10, 1, 0.95); }) == ErrorCode::EstimateNoData);
  CHECK(code_of([] { korn_graubard_nchs_interval(0.1, 0.02, 10, 127, 1.0); }) == ErrorCode::EstimateNoData);
  CHECK(code_of([] { korn_graubard_nchs_interval(0.1, -0.02, 10, 127, 0.95); }) == ErrorCode::Internal);
}
