// The weighted (Hájek) mean of a one-stratum design without clusters — svy_domain_mean and svy_ratio —
// against R survey (r/weighted_golden.R: tests/golden/ci/weighted_input.csv and the "point" rows of
// tests/golden/ci/weighted_golden.csv, R svydesign(ids = ~1, weights = ~w)). These checks were on the
// first variance engine (linearization.hpp), which the design engine replaced.
#include "hkstat/core/error.hpp"
#include "hkstat/estimate/survey_estimators.hpp"

#include "golden_csv.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <random>
#include <string>
#include <vector>

using namespace hkstat;
using namespace hkstat::estimate;
using Catch::Matchers::WithinRel;

namespace {

using golden::code_of;
using golden::num;
using golden::read_csv;

// Estimates and SEs vs R, relative. R and hkstat evaluate the same sums in double precision
// (in a different order), so they agree to ~1e-15; 1e-9 is the brief's bound and far below
// the displayed precision (0.1% of a rate).
constexpr double kRel = 1e-9;

struct Input {
  std::vector<double> y, w, dom, ones;
};

Input load_input() {
  Input in;
  for (const auto& r : read_csv(HKSTAT_SOURCE_DIR "/tests/golden/ci/weighted_input.csv")) {
    in.y.push_back(num(r.at("y")));
    in.w.push_back(num(r.at("w")));
    in.dom.push_back(num(r.at("dom")));
  }
  in.ones.assign(in.y.size(), 1.0);
  return in;
}

std::map<std::string, std::map<std::string, std::string>> load_points() {
  std::map<std::string, std::map<std::string, std::string>> out;
  for (const auto& r : read_csv(HKSTAT_SOURCE_DIR "/tests/golden/ci/weighted_golden.csv"))
    if (r.at("kind") == "point") out[r.at("design")] = r;
  return out;
}

Design weights_only(const std::vector<double>& w) {
  Design d;
  d.weights = w;
  return d;
}

Eigen::VectorXd vec(const std::vector<double>& v) {
  return Eigen::Map<const Eigen::VectorXd>(v.data(), static_cast<Eigen::Index>(v.size()));
}

} // namespace

TEST_CASE("one stratum, rows as PSUs: n/(n − 1) Σ (z − z̄)²", "[weighted]") {
  Design d;
  d.weights.assign(4, 1.0);
  Eigen::MatrixXd z(4, 1);
  z << 1, 2, 3, 4;
  CHECK_THAT(design_vcov(d, z)(0, 0), WithinRel(20.0 / 3, 1e-15)); // 4/3 · 5
  Design one;
  one.weights = {1.0};
  CHECK(code_of([&] { design_vcov(one, Eigen::MatrixXd::Ones(1, 1)); }) == ErrorCode::EstimateNoData); // lonely: fail
  Eigen::MatrixXd bad(4, 1);
  bad << 1, std::nan(""), 3, 4;
  CHECK(code_of([&] { design_vcov(d, bad); }) == ErrorCode::Internal);
}

TEST_CASE("weighted mean matches R svymean / svyratio", "[weighted][golden]") {
  const Input in = load_input();
  REQUIRE(in.y.size() == 300);
  const auto pts = load_points();
  const Design des = weights_only(in.w);

  SECTION("whole sample: svymean(~y, des)") {
    const auto& g = pts.at("all");
    const DomainMean r = svy_domain_mean(des, in.y, in.ones);
    CHECK_THAT(r.value, WithinRel(num(g.at("estimate")), kRel));
    CHECK_THAT(r.se, WithinRel(num(g.at("se")), kRel));
    CHECK(r.df == num(g.at("df")));
    CHECK(static_cast<double>(r.n) == num(g.at("n")));
    CHECK_THAT(r.sum_weights, WithinRel(std::accumulate(in.w.begin(), in.w.end(), 0.0), 1e-14));
  }
  SECTION("domain: svyratio(~I(y*dom), ~dom, des), all rows kept") {
    const auto& g = pts.at("dom");
    const DomainMean r = svy_domain_mean(des, in.y, in.dom);
    CHECK_THAT(r.value, WithinRel(num(g.at("estimate")), kRel));
    CHECK_THAT(r.se, WithinRel(num(g.at("se")), kRel));
    CHECK(static_cast<double>(r.n) == num(g.at("n")));
    // The same estimate spelled as R's svyratio on the whole design: numerator y·dom, denominator dom;
    // its df is degf() of the whole design (299).
    std::vector<double> ydom(in.y.size());
    for (std::size_t i = 0; i < in.y.size(); ++i) ydom[i] = in.y[i] * in.dom[i];
    const SurveyEstimate q = svy_ratio(des, vec(ydom), vec(in.dom));
    CHECK_THAT(q.value(0), WithinRel(num(g.at("estimate")), kRel));
    CHECK_THAT(q.se()(0), WithinRel(num(g.at("se")), kRel));
    CHECK(q.df == num(g.at("df")));
  }
}

TEST_CASE("weighted mean invariances", "[weighted]") {
  const Input in = load_input();
  const DomainMean base = svy_domain_mean(weights_only(in.w), in.y, in.dom);

  SECTION("scaling all weights changes neither the estimate nor the SE") {
    for (double c : {0.001, 3.7, 12345.0}) {
      std::vector<double> w2(in.w);
      for (double& v : w2) v *= c;
      const DomainMean r = svy_domain_mean(weights_only(w2), in.y, in.dom);
      CHECK_THAT(r.value, WithinRel(base.value, 1e-13));
      CHECK_THAT(r.se, WithinRel(base.se, 1e-12));
      CHECK(r.df == base.df);
      CHECK(r.n == base.n);
    }
  }
  SECTION("permuting rows changes nothing") {
    std::vector<std::size_t> perm(in.y.size());
    std::iota(perm.begin(), perm.end(), std::size_t{0});
    std::mt19937 rng(12345);
    std::shuffle(perm.begin(), perm.end(), rng);
    std::vector<double> y2, w2, d2;
    for (std::size_t i : perm) {
      y2.push_back(in.y[i]);
      w2.push_back(in.w[i]);
      d2.push_back(in.dom[i]);
    }
    const DomainMean r = svy_domain_mean(weights_only(w2), y2, d2);
    CHECK_THAT(r.value, WithinRel(base.value, 1e-13));
    CHECK_THAT(r.se, WithinRel(base.se, 1e-12));
    CHECK(r.df == base.df);
    CHECK(r.n == base.n);
  }
}

TEST_CASE("unit weights give the with-replacement binomial SE", "[weighted]") {
  // k of n, w = 1: p = k/n, V = n/(n-1) Σ ((y - p)/n)² = p(1-p)/(n-1).
  std::vector<double> y(50, 0.0), w(50, 1.0), d(50, 1.0);
  for (int i = 0; i < 7; ++i) y[static_cast<std::size_t>(i) * 7] = 1;
  const DomainMean r = svy_domain_mean(weights_only(w), y, d);
  const double p = 7.0 / 50;
  CHECK_THAT(r.value, WithinRel(p, 1e-15));
  CHECK_THAT(r.se, WithinRel(std::sqrt(p * (1 - p) / 49), 1e-13));
  CHECK(r.df == 49);
  CHECK(r.n == 50);
  CHECK(r.sum_weights == 50);
}

TEST_CASE("weighted mean errors", "[weighted]") {
  const std::vector<double> y{1, 0, 1}, w{1, 2, 3}, none{0, 0, 0}, all{1, 1, 1};
  CHECK(code_of([&] { svy_domain_mean(weights_only(w), y, none); }) == ErrorCode::EstimateNoData); // empty domain
  const std::vector<double> y1{1}, w1{2}, d1{1};
  CHECK(code_of([&] { svy_domain_mean(weights_only(w1), y1, d1); }) == ErrorCode::EstimateNoData); // one PSU
  const std::vector<double> wneg{1, -2, 3}, wnan{1, std::nan(""), 3};
  CHECK(code_of([&] { svy_domain_mean(weights_only(wneg), y, all); }) == ErrorCode::DataInvalidWeight);
  CHECK(code_of([&] { svy_domain_mean(weights_only(wnan), y, all); }) == ErrorCode::DataInvalidWeight);
  const std::vector<double> short_w{1, 2};
  CHECK(code_of([&] { svy_domain_mean(weights_only(short_w), y, all); }) == ErrorCode::Internal);
  // A zero weight: the row stays in the variance (as in R) but not in df (R degf counts nonzero weights).
  const std::vector<double> w0{1, 0, 3};
  const DomainMean r = svy_domain_mean(weights_only(w0), y, all);
  CHECK(r.df == 1);
  CHECK(r.n == 3);
}
