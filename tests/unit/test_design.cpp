// Tests of estimate/design (the variance engine) and estimate/survey_estimators against R survey
// (r/design_golden.R → tests/golden/design/*.csv; R 4.2.2, survey 4.1-1), plus invariance tests.
#include "hkstat/core/error.hpp"
#include "hkstat/estimate/design.hpp"
#include "hkstat/estimate/proportion_ci.hpp"
#include "hkstat/estimate/survey_estimators.hpp"

#include "golden_csv.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <numeric>
#include <random>
#include <span>
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

// Estimates and SEs vs R: 1e-9 relative. R and hkstat evaluate the same sums (PSU totals, centring,
// crossproduct) in double precision in a different order, so they agree to ~1e-14; 1e-9 is the
// brief's bound, many orders below anything displayed (0.1% of a rate).
constexpr double kRel = 1e-9;
// Covariances: 1e-9 relative, or 1e-12 absolute on the correlation scale (|ΔV_ij| <= 1e-12 sqrt(V_ii V_jj)),
// for an off-diagonal entry that is near 0 through cancellation, where a relative bound means nothing.
// The absolute bound is scaled because the entries range from 1e-4 (means) to 1e9 (totals).
constexpr double kCovRel = 1e-9;
constexpr double kCovAbsCorr = 1e-12;
const std::string kDir = HKSTAT_SOURCE_DIR "/tests/golden/design/";


struct Data {
  std::vector<std::int64_t> stratum, psu;
  std::vector<double> w, fpc, yb, yc, x, dom, dom2;
  std::size_t size() const { return w.size(); }
  Eigen::VectorXd col(const std::vector<double>& v) const {
    return Eigen::Map<const Eigen::VectorXd>(v.data(), static_cast<Eigen::Index>(v.size()));
  }
  Eigen::MatrixXd y2() const {
    Eigen::MatrixXd m(static_cast<Eigen::Index>(size()), 2);
    m.col(0) = col(yb);
    m.col(1) = col(yc);
    return m;
  }
  // Indicator columns of v == levels[j].
  Eigen::MatrixXd indicators(const std::vector<double>& v, std::vector<double> levels) const {
    Eigen::MatrixXd m(static_cast<Eigen::Index>(size()), static_cast<Eigen::Index>(levels.size()));
    for (std::size_t i = 0; i < size(); ++i)
      for (std::size_t j = 0; j < levels.size(); ++j)
        m(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = v[i] == levels[j] ? 1.0 : 0.0;
    return m;
  }
};

Data load(const std::string& name) {
  Data d;
  for (const auto& r : read_csv(kDir + name)) {
    d.stratum.push_back(static_cast<std::int64_t>(num(r.at("stratum"))));
    d.psu.push_back(static_cast<std::int64_t>(num(r.at("psu"))));
    d.w.push_back(num(r.at("w")));
    d.fpc.push_back(num(r.at("fpc")));
    d.yb.push_back(num(r.at("yb")));
    d.yc.push_back(num(r.at("yc")));
    d.x.push_back(num(r.at("x")));
    d.dom.push_back(num(r.at("dom")));
    d.dom2.push_back(num(r.at("dom2")));
  }
  return d;
}

Design design_of(const Data& d, bool strata, bool psu, bool fpc, LonelyPsu lonely = LonelyPsu::Fail) {
  Design g;
  g.weights = d.w;
  if (strata) g.strata = d.stratum;
  if (psu) g.psu = d.psu;
  if (fpc) g.fpc = d.fpc;
  g.lonely = lonely;
  return g;
}

struct Golden {
  std::map<std::string, std::string> values, notes;
  bool has(const std::string& key) const { return values.count(key) != 0; }
  double get(const std::string& c, const std::string& call, const std::string& kind, int i = 0, int j = 0) const {
    const std::string key = c + "|" + call + "|" + kind + "|" + std::to_string(i) + "|" + std::to_string(j);
    INFO("golden key " << key);
    REQUIRE(has(key));
    return num(values.at(key));
  }
};

const Golden& design_golden() {
  static const Golden g = [] {
    Golden out;
    for (const auto& r : read_csv(kDir + "results.csv")) {
      const std::string key = r.at("case") + "|" + r.at("call") + "|" + r.at("kind") + "|" + r.at("i") + "|" + r.at("j");
      out.values[key] = r.at("value");
      out.notes[key] = r.at("note");
    }
    return out;
  }();
  return g;
}

// est, se and the full vcov of an R svystat/svyby against an hkstat estimate (statistics in the same order).
void check_stat(const SurveyEstimate& e, const std::string& c, const std::string& call, bool check_se = true) {
  INFO(c << " " << call);
  const Golden& g = design_golden();
  const Eigen::VectorXd se = e.se();
  for (Eigen::Index i = 0; i < e.value.size(); ++i) {
    const int ii = static_cast<int>(i) + 1;
    CHECK_THAT(e.value(i), WithinRel(g.get(c, call, "est", ii), kRel));
    if (check_se) CHECK_THAT(se(i), WithinRel(g.get(c, call, "se", ii), kRel));
    for (Eigen::Index j = 0; j < e.value.size(); ++j) {
      const double r = g.get(c, call, "vcov", ii, static_cast<int>(j) + 1);
      const double scale = std::sqrt(std::abs(e.vcov(i, i) * e.vcov(j, j)));
      const double diff = std::abs(e.vcov(i, j) - r);
      INFO("vcov(" << i << "," << j << ") hkstat " << e.vcov(i, j) << " R " << r);
      CHECK((diff <= kCovRel * std::abs(r) || diff <= kCovAbsCorr * scale));
    }
  }
}

std::span<const double> span_of(const Eigen::VectorXd& v) { return {v.data(), static_cast<std::size_t>(v.size())}; }

// Variance of a domain mean with R's subset() semantics (svymean(~y, subset(design, dom))).
double subset_mean_se(const Design& g, const Eigen::VectorXd& y, const Eigen::VectorXd& dom) {
  const Eigen::VectorXd w = Eigen::Map<const Eigen::VectorXd>(g.weights.data(), static_cast<Eigen::Index>(g.weights.size()));
  const Eigen::VectorXd wd = w.cwiseProduct(dom);
  const double mean = wd.dot(y) / wd.sum();
  Eigen::MatrixXd z(y.size(), 1);
  z.col(0) = wd.cwiseProduct((y.array() - mean).matrix()) / wd.sum();
  return std::sqrt(design_vcov(g, z, span_of(dom))(0, 0));
}

ErrorCode code_of(auto&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  FAIL("no hkstat::Error thrown");
  return ErrorCode::Internal;
}

std::string message_of(auto&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.problem().message.en + " | " + e.problem().message.ja;
  }
  FAIL("no hkstat::Error thrown");
  return {};
}

} // namespace

TEST_CASE("case 1: SRS with fpc — svytotal, svymean, svyratio", "[design][golden]") {
  const Data d = load("srs_input.csv");
  REQUIRE(d.size() == 200);
  const Design g = design_of(d, false, false, true);
  const DesignSummary s = summarize(g);
  CHECK(s.rows == 200);
  CHECK(s.strata == 1);
  CHECK(s.psus == 200);
  CHECK(s.df == design_golden().get("srs", "degf", "df"));
  check_stat(svy_total(g, d.y2()), "srs", "svytotal");
  check_stat(svy_mean(g, d.y2()), "srs", "svymean");
  const SurveyEstimate r = svy_ratio(g, d.col(d.yc), d.col(d.x));
  CHECK_THAT(r.value(0), WithinRel(design_golden().get("srs", "svyratio", "est", 1), kRel));
  CHECK_THAT(r.se()(0), WithinRel(design_golden().get("srs", "svyratio", "se", 1), kRel));
  CHECK(r.statistic == "ratio");
  CHECK(r.df == 199);

  SECTION("fpc as a sampling fraction (all values <= 1) gives the same") {
    Design f = g;
    for (double& v : f.fpc) v = 200.0 / 5000.0;
    check_stat(svy_mean(f, d.y2()), "srs", "svymean_fraction");
  }
  SECTION("without fpc (with replacement)") {
    check_stat(svy_mean(design_of(d, false, false, false), d.y2()), "srs", "svymean_nofpc");
  }
}

TEST_CASE("case 2: stratified, unequal weights, fpc by stratum", "[design][golden]") {
  const Data d = load("strat_input.csv");
  const Design g = design_of(d, true, true, true);
  CHECK(summarize(g).df == design_golden().get("strat", "degf", "df"));
  CHECK(summarize(g).strata == 5);
  check_stat(svy_mean(g, d.y2()), "strat", "svymean");
  check_stat(svy_total(g, d.y2()), "strat", "svytotal");
  const SurveyEstimate r = svy_ratio(g, d.col(d.yc), d.col(d.x));
  CHECK_THAT(r.value(0), WithinRel(design_golden().get("strat", "svyratio", "est", 1), kRel));
  CHECK_THAT(r.se()(0), WithinRel(design_golden().get("strat", "svyratio", "se", 1), kRel));
}

TEST_CASE("case 3: stratified cluster sample, domains, contrast, domain df", "[design][golden]") {
  const Data d = load("clus_input.csv");
  const Design g = design_of(d, true, true, false);
  const Golden& G = design_golden();
  const DesignSummary s = summarize(g);
  CHECK(s.df == G.get("clus", "degf", "df"));
  CHECK(static_cast<double>(s.rows) == G.get("clus", "nrow", "n"));
  CHECK(s.strata == 20);
  check_stat(svy_mean(g, d.y2()), "clus", "svymean");
  check_stat(svy_total(g, d.y2()), "clus", "svytotal");
  const SurveyEstimate r = svy_ratio(g, d.col(d.yc), d.col(d.x));
  CHECK_THAT(r.value(0), WithinRel(G.get("clus", "svyratio", "est", 1), kRel));
  CHECK_THAT(r.se()(0), WithinRel(G.get("clus", "svyratio", "se", 1), kRel));

  const Eigen::MatrixXd doms = d.indicators(d.dom, {1, 2});
  const SurveyEstimate bm = svy_mean_by(g, d.col(d.yb), doms);
  check_stat(bm, "clus", "svyby_mean_dom");
  check_stat(svy_total_by(g, d.col(d.yb), doms), "clus", "svyby_total_dom");
  check_stat(svy_mean_by(g, d.col(d.yc), doms), "clus", "svyby_mean_yc_dom");
  CHECK(bm.vcov(0, 1) != 0); // domains share PSUs: the covariance is not 0
  CHECK(bm.df == s.df);

  // 15–39 minus 40–64 style contrast: dom 1 − dom 2 (R svycontrast on svyby(covmat = TRUE)).
  Eigen::VectorXd c(2);
  c << 1, -1;
  const Contrast ct = svy_contrast(bm, c);
  CHECK_THAT(ct.value, WithinRel(G.get("clus", "svycontrast_mean_dom", "est", 1), kRel));
  CHECK_THAT(ct.se, WithinRel(G.get("clus", "svycontrast_mean_dom", "se", 1), kRel));
  CHECK(ct.df == s.df);

  for (int dv = 1; dv <= 2; ++dv) {
    const std::string sfx = "dom" + std::to_string(dv);
    const std::size_t j = static_cast<std::size_t>(dv - 1);
    CHECK_THAT(bm.value(dv - 1), WithinRel(G.get("clus", "svymean_subset_" + sfx, "est", 1), kRel));
    CHECK_THAT(subset_mean_se(g, d.col(d.yb), doms.col(dv - 1)), WithinRel(G.get("clus", "svymean_subset_" + sfx, "se", 1), kRel));
    // Domain df: R degf(subset(design, dom == dv)) — PSUs with a domain row minus strata with one.
    CHECK(bm.domain_df[j] == G.get("clus", "degf_subset_" + sfx, "df"));
    CHECK(static_cast<double>(bm.n[j]) == G.get("clus", "nrow_subset_" + sfx, "n"));
  }
  CHECK(bm.domain_df[0] < bm.df); // 46 vs 48: some PSUs have no rows of domain 1

  // svyciprop(~yb, subset(design, dom == 1)) uses df = degf(subset): hkstat's domain_df with
  // design_interval reproduces it. "xlogit" (delta method) to 1e-10 absolute like test_ci; R's "logit"
  // (svyglm IRLS) differs from it by ~6e-11, so 1e-9 absolute there.
  const Interval ci = design_interval(CiMethod::Logit, bm.value(0), bm.se()(0), bm.domain_df[0],
                                      static_cast<double>(bm.n[0]), 0.95);
  CHECK(G.get("clus", "svyciprop_xlogit_dom1", "df") == bm.domain_df[0]);
  CHECK_THAT(ci.lower, WithinAbs(G.get("clus", "svyciprop_xlogit_dom1", "lower", 1), 1e-10));
  CHECK_THAT(ci.upper, WithinAbs(G.get("clus", "svyciprop_xlogit_dom1", "upper", 1), 1e-10));
  CHECK_THAT(ci.lower, WithinAbs(G.get("clus", "svyciprop_logit_dom1", "lower", 1), 1e-9));
  CHECK_THAT(ci.upper, WithinAbs(G.get("clus", "svyciprop_logit_dom1", "upper", 1), 1e-9));
}

TEST_CASE("case 5: a domain that misses whole PSUs and strata", "[design][golden]") {
  const Data d = load("clus_input.csv");
  const Design g = design_of(d, true, true, false);
  const Golden& G = design_golden();
  const Eigen::VectorXd area = d.col(d.dom2);
  const Eigen::MatrixXd one = area;
  // Both variables in one domain: value, SE and their covariance (scores zero outside the domain).
  const SurveyEstimate mb = svy_mean_by(g, d.col(d.yb), one), mc = svy_mean_by(g, d.col(d.yc), one);
  const SurveyEstimate tb = svy_total_by(g, d.col(d.yb), one), tc = svy_total_by(g, d.col(d.yc), one);
  CHECK_THAT(mb.value(0), WithinRel(G.get("clus", "svymean_subset_area", "est", 1), kRel));
  CHECK_THAT(mc.value(0), WithinRel(G.get("clus", "svymean_subset_area", "est", 2), kRel));
  CHECK_THAT(mb.se()(0), WithinRel(G.get("clus", "svymean_subset_area", "se", 1), kRel));
  CHECK_THAT(mc.se()(0), WithinRel(G.get("clus", "svymean_subset_area", "se", 2), kRel));
  CHECK_THAT(tb.value(0), WithinRel(G.get("clus", "svytotal_subset_area", "est", 1), kRel));
  CHECK_THAT(tc.value(0), WithinRel(G.get("clus", "svytotal_subset_area", "est", 2), kRel));
  CHECK_THAT(tb.se()(0), WithinRel(G.get("clus", "svytotal_subset_area", "se", 1), kRel));
  CHECK_THAT(tc.se()(0), WithinRel(G.get("clus", "svytotal_subset_area", "se", 2), kRel));
  {
    // Cross-covariance of the two domain means through the engine directly.
    Eigen::MatrixXd z(static_cast<Eigen::Index>(d.size()), 2);
    const Eigen::VectorXd wd = d.col(d.w).cwiseProduct(area);
    z.col(0) = wd.cwiseProduct((d.col(d.yb).array() - mb.value(0)).matrix()) / wd.sum();
    z.col(1) = wd.cwiseProduct((d.col(d.yc).array() - mc.value(0)).matrix()) / wd.sum();
    const Eigen::MatrixXd v = design_vcov(g, z, span_of(area));
    CHECK_THAT(v(0, 1), WithinRel(G.get("clus", "svymean_subset_area", "vcov", 1, 2), kCovRel));
    CHECK_THAT(v(1, 1), WithinRel(G.get("clus", "svymean_subset_area", "vcov", 2, 2), kCovRel));
    CHECK(design_vcov(g, z).isApprox(v, 1e-14)); // no lonely strata: both semantics agree
  }
  CHECK(mb.domain_df[0] == G.get("clus", "degf_subset_area", "df"));
  CHECK(static_cast<double>(mb.n[0]) == G.get("clus", "nrow_subset_area", "n"));
  check_stat(svy_mean_by(g, d.col(d.yc), d.indicators(d.dom2, {0, 1})), "clus", "svyby_mean_area");

  // Dropping the rows instead (a new design on the domain rows only; R needed lonely = "remove")
  // reproduces R's wrong number, which differs from the zero-padded SE by more than 1%.
  Design dropped;
  dropped.lonely = LonelyPsu::Remove;
  std::vector<double> yc;
  for (std::size_t i = 0; i < d.size(); ++i)
    if (d.dom2[i] != 0) {
      dropped.weights.push_back(d.w[i]);
      dropped.strata.push_back(d.stratum[i]);
      dropped.psu.push_back(d.psu[i]);
      yc.push_back(d.yc[i]);
    }
  const Eigen::MatrixXd ycm = Eigen::Map<const Eigen::VectorXd>(yc.data(), static_cast<Eigen::Index>(yc.size()));
  const double wrong = svy_mean(dropped, ycm).se()(0);
  CHECK_THAT(wrong, WithinRel(G.get("clus", "svymean_dropped_rows_area", "se", 2), kRel));
  CHECK(std::abs(wrong / mc.se()(0) - 1) > 0.01);
}

TEST_CASE("case 6: design effects", "[design][golden]") {
  const Data d = load("clus_input.csv");
  const Design g = design_of(d, true, true, false);
  const Eigen::VectorXd all = Eigen::VectorXd::Ones(static_cast<Eigen::Index>(d.size()));
  const Eigen::VectorXd dom1 = d.indicators(d.dom, {1}).col(0);
  for (const auto& [name, y] : {std::pair{std::string("yb"), d.col(d.yb)}, std::pair{std::string("yc"), d.col(d.yc)}}) {
    for (const auto& [dname, dom] : {std::pair{std::string("all"), all}, std::pair{std::string("dom1"), dom1}}) {
      const std::string call = "deff_" + name + "_" + dname;
      INFO(call);
      const Deff e = design_effect_mean(g, y, dom);
      CHECK_THAT(e.deff_srswor, WithinRel(design_golden().get("clus", call, "deff", 1), kRel));
      CHECK_THAT(e.deff_srswr, WithinRel(design_golden().get("clus", call, "deff", 2), kRel));
      CHECK_THAT(e.n_eff_kish, WithinRel(design_golden().get("clus", call, "deff", 3), 1e-12));
    }
  }
  // Weights summing to no more than n: no deff against SRSWOR (R: NA with a warning).
  Design unit = g;
  unit.weights.assign(d.size(), 1.0);
  CHECK(code_of([&] { design_effect_mean(unit, d.col(d.yc), all); }) == ErrorCode::EstimateNoData);
}

TEST_CASE("case 4: lonely PSU under every policy", "[design][golden]") {
  const Data d = load("lonely_input.csv");
  const Golden& G = design_golden();
  CHECK(summarize(design_of(d, true, true, true)).df == G.get("lonely", "degf", "df"));
  const Eigen::VectorXd dom1 = d.col(d.dom);
  const Eigen::MatrixXd doms = d.indicators(d.dom, {0, 1});
  for (LonelyPsu p : {LonelyPsu::Remove, LonelyPsu::Certainty, LonelyPsu::Adjust, LonelyPsu::Average}) {
    const std::string o = std::string(lonely_psu_name(p)) + ":";
    INFO(o);
    const Design g = design_of(d, true, true, true, p);
    check_stat(svy_mean(g, d.y2()), "lonely", o + "svymean");
    check_stat(svy_total(g, d.y2()), "lonely", o + "svytotal");
    // svyby(covmat = TRUE): whole-design semantics for vcov; its SE column is per-domain subset().
    const SurveyEstimate by = svy_mean_by(g, d.col(d.yb), doms);
    check_stat(by, "lonely", o + "svyby_mean_dom", false);
    for (int j = 0; j < 2; ++j)
      CHECK_THAT(subset_mean_se(g, d.col(d.yb), doms.col(j)), WithinRel(G.get("lonely", o + "svyby_mean_dom", "se", j + 1), kRel));
    CHECK_THAT(subset_mean_se(g, d.col(d.yb), dom1), WithinRel(G.get("lonely", o + "svymean_subset_dom1", "se", 1), kRel));
  }
  SECTION("fail: R errors naming the stratum; so does hkstat") {
    const Design g = design_of(d, true, true, true, LonelyPsu::Fail);
    for (const char* call : {"fail:svymean", "fail:svytotal", "fail:svyby_mean_dom"})
      CHECK(G.notes.at(std::string("lonely|") + call + "|error|0|0").find("Stratum (4)") != std::string::npos);
    CHECK(code_of([&] { svy_mean(g, d.y2()); }) == ErrorCode::EstimateNoData);
    CHECK(code_of([&] { svy_total(g, d.y2()); }) == ErrorCode::EstimateNoData);
    CHECK(code_of([&] { svy_mean_by(g, d.col(d.yb), doms); }) == ErrorCode::EstimateNoData);
    const std::string m = message_of([&] { svy_mean(g, d.y2()); });
    CHECK(m.find("stratum 4 ") != std::string::npos);
    CHECK(m.find("層 4 ") != std::string::npos);
    // The domain has no rows in stratum 4: R's svymean(~yb, subset(design, dom == 1)) works under "fail".
    CHECK_THAT(subset_mean_se(g, d.col(d.yb), dom1), WithinRel(G.get("lonely", "fail:svymean_subset_dom1", "se", 1), kRel));
  }
}

TEST_CASE("lonely-PSU names", "[design]") {
  for (LonelyPsu p : {LonelyPsu::Fail, LonelyPsu::Remove, LonelyPsu::Certainty, LonelyPsu::Adjust, LonelyPsu::Average})
    CHECK(parse_lonely_psu(lonely_psu_name(p)) == p);
  CHECK(code_of([] { parse_lonely_psu("skip"); }) == ErrorCode::UsageInvalidOption);
}

TEST_CASE("invariances", "[design]") {
  const Data d = load("clus_input.csv");
  const Design g = design_of(d, true, true, false);
  const SurveyEstimate mean = svy_mean(g, d.y2()), total = svy_total(g, d.y2());
  const Eigen::MatrixXd doms = d.indicators(d.dom, {1, 2});
  const SurveyEstimate by = svy_mean_by(g, d.col(d.yb), doms);

  SECTION("scaling all weights by c: means unchanged, totals and their SEs times c") {
    for (double c : {0.01, 3.7, 12345.0}) {
      Design s = g;
      for (double& w : s.weights) w *= c;
      const SurveyEstimate m2 = svy_mean(s, d.y2()), t2 = svy_total(s, d.y2());
      for (Eigen::Index i = 0; i < 2; ++i) {
        CHECK_THAT(m2.value(i), WithinRel(mean.value(i), 1e-13));
        CHECK_THAT(m2.se()(i), WithinRel(mean.se()(i), 1e-12));
        CHECK_THAT(t2.value(i), WithinRel(c * total.value(i), 1e-13));
        CHECK_THAT(t2.se()(i), WithinRel(c * total.se()(i), 1e-12));
      }
      CHECK(m2.df == mean.df);
    }
  }
  SECTION("permuting rows changes nothing") {
    std::vector<std::size_t> perm(d.size());
    std::iota(perm.begin(), perm.end(), std::size_t{0});
    std::mt19937 rng(20240705);
    std::shuffle(perm.begin(), perm.end(), rng);
    Data p;
    for (std::size_t i : perm) {
      p.stratum.push_back(d.stratum[i]);
      p.psu.push_back(d.psu[i]);
      p.w.push_back(d.w[i]);
      p.fpc.push_back(d.fpc[i]);
      p.yb.push_back(d.yb[i]);
      p.yc.push_back(d.yc[i]);
      p.x.push_back(d.x[i]);
      p.dom.push_back(d.dom[i]);
      p.dom2.push_back(d.dom2[i]);
    }
    const Design gp = design_of(p, true, true, false);
    const SurveyEstimate m2 = svy_mean(gp, p.y2()), by2 = svy_mean_by(gp, p.col(p.yb), p.indicators(p.dom, {1, 2}));
    CHECK(m2.value.isApprox(mean.value, 1e-13));
    CHECK(m2.vcov.isApprox(mean.vcov, 1e-12));
    CHECK(by2.value.isApprox(by.value, 1e-13));
    CHECK(by2.vcov.isApprox(by.vcov, 1e-12));
    CHECK(by2.domain_df == by.domain_df);
    CHECK(by2.n == by.n);
  }
  SECTION("domain totals of a partition add up to the total, in value and in covariance") {
    const SurveyEstimate tb = svy_total_by(g, d.col(d.yc), doms);
    const SurveyEstimate t = svy_total(g, d.col(d.yc));
    CHECK_THAT(tb.value.sum(), WithinRel(t.value(0), 1e-13));
    CHECK_THAT(tb.vcov.sum(), WithinRel(t.vcov(0, 0), 1e-12)); // 1'V1 = Var(sum of the parts)
    CHECK(tb.n[0] + tb.n[1] == d.size());
  }
  SECTION("one stratum, no clusters: svy_mean_by (whole design) and svy_domain_mean (subset) agree") {
    const Data s = load("srs_input.csv");
    const Design g1 = design_of(s, false, false, false);
    std::vector<double> dom(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) dom[i] = s.x[i] <= 3 ? 1.0 : 0.0;
    const SurveyEstimate e = svy_mean_by(g1, s.col(s.yc), s.indicators(dom, {1}));
    const DomainMean r = svy_domain_mean(g1, s.yc, dom);
    CHECK_THAT(e.value(0), WithinRel(r.value, 1e-13));
    CHECK_THAT(e.se()(0), WithinRel(r.se, 1e-12)); // one stratum: every stratum has domain rows
    CHECK(e.domain_df[0] == r.df);
    CHECK(e.n[0] == r.n);
  }
}

TEST_CASE("engine details", "[design]") {
  SECTION("a census stratum (fpc = n_h) contributes 0, even with a single PSU under fail") {
    Design g;
    g.weights = {1, 1, 1, 2, 2, 2};
    g.strata = {1, 1, 1, 2, 2, 2};
    g.psu = {1, 2, 3, 1, 1, 1};
    g.fpc = {10, 10, 10, 1, 1, 1};
    Eigen::MatrixXd z(6, 1);
    z << 1, 2, 4, 5, 6, 7;
    // Stratum 1: g = 1 − 3/10, PSU totals 1, 2, 4 → 0.7 · 3/2 · Σ (t − t̄)²; stratum 2 is a census.
    const double m = 7.0 / 3;
    const double ss = (1 - m) * (1 - m) + (2 - m) * (2 - m) + (4 - m) * (4 - m);
    CHECK_THAT(design_vcov(g, z)(0, 0), WithinRel(0.7 * 1.5 * ss, 1e-14));
    CHECK(summarize(g).df == 2); // 4 PSUs − 2 strata
  }
  SECTION("zero-weight rows keep their PSU in n_h but not in df") {
    Design g;
    g.weights = {1, 1, 0};
    Eigen::MatrixXd z(3, 1);
    z << 1, -1, 0;
    CHECK_THAT(design_vcov(g, z)(0, 0), WithinRel(1.5 * 2, 1e-14)); // 3/2 · (1 + 1 + 0)
    CHECK(summarize(g).df == 1);
    CHECK(summarize(g).psus == 3);
  }
  SECTION("average with every stratum lonely has no variance") {
    Design g;
    g.weights = {1, 1};
    g.strata = {1, 2};
    g.lonely = LonelyPsu::Average;
    CHECK(code_of([&] { design_vcov(g, Eigen::MatrixXd::Ones(2, 1)); }) == ErrorCode::EstimateNoData);
  }
}

TEST_CASE("validation errors", "[design]") {
  Design g;
  g.weights = {1, 2, 3, 4};
  g.strata = {7, 7, 9, 9};
  g.psu = {1, 2, 1, 2};
  const Eigen::MatrixXd y = Eigen::MatrixXd::Ones(4, 1);
  CHECK(svy_total(g, y).value(0) == 10);
  {
    Design b = g;
    b.weights[2] = -1;
    CHECK(code_of([&] { summarize(b); }) == ErrorCode::DataInvalidWeight);
    b.weights[2] = std::nan("");
    CHECK(code_of([&] { svy_mean(b, y); }) == ErrorCode::DataInvalidWeight);
  }
  {
    Design b = g;
    b.strata.pop_back();
    CHECK(code_of([&] { summarize(b); }) == ErrorCode::Internal);
    CHECK(code_of([&] { svy_mean(g, Eigen::MatrixXd::Ones(3, 1)); }) == ErrorCode::Internal);
    Eigen::MatrixXd bad = y;
    bad(1, 0) = INFINITY;
    CHECK(code_of([&] { design_vcov(g, bad); }) == ErrorCode::Internal);
    CHECK(code_of([&] { svy_mean_by(g, y.col(0), Eigen::MatrixXd::Constant(4, 1, 2.0)); }) == ErrorCode::Internal);
  }
  {
    Design b = g;
    b.fpc = {100, 100, 50, 60}; // varies within stratum 9
    const std::string m = message_of([&] { summarize(b); });
    CHECK(m.find("stratum 9") != std::string::npos);
    CHECK(code_of([&] { summarize(b); }) == ErrorCode::DataOutOfRange);
    b.fpc = {100, 100, 1.5, 1.5}; // N_h = 1.5 < n_h = 2
    CHECK(message_of([&] { summarize(b); }).find("stratum 9") != std::string::npos);
    b.fpc = {100, 100, 0.5, 0.5}; // mixes population sizes and fractions
    CHECK(code_of([&] { summarize(b); }) == ErrorCode::DataOutOfRange);
    b.fpc = {0, 0, 0.5, 0.5};
    CHECK(code_of([&] { summarize(b); }) == ErrorCode::DataOutOfRange);
    b.fpc = {0.5, 0.5, 1, 1}; // fractions; stratum 9 is a census
    CHECK(summarize(b).df == 2);
  }
  CHECK(code_of([] { summarize(Design{}); }) == ErrorCode::EstimateNoData);
  CHECK(code_of([&] { svy_mean_by(g, y.col(0), Eigen::MatrixXd::Zero(4, 1)); }) == ErrorCode::EstimateNoData);
  Eigen::VectorXd c3(3);
  c3 << 1, 2, 3;
  CHECK(code_of([&] { svy_contrast(svy_mean(g, y), c3); }) == ErrorCode::Internal);
}
