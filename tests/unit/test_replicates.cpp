// Tests of estimate/replicates (replicate-weight designs) against R survey 4.1-1
// (r/replicate_golden.R → tests/golden/replicates/; inputs from tests/golden/design/), plus statistical
// properties of the random replicates (bootstrap) and the BRR/linearisation identity.
#include "golden_csv.hpp"

#include "hkstat/core/error.hpp"
#include "hkstat/data/dataset.hpp"
#include "hkstat/estimate/design.hpp"
#include "hkstat/estimate/design_from_data.hpp"
#include "hkstat/estimate/replicates.hpp"
#include "hkstat/estimate/survey_estimators.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

using namespace hkstat;
using namespace hkstat::estimate;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

// Estimates, SEs, covariances vs R: 1e-9 relative (the brief's bound). hkstat and R sum the same replicate
// statistics in a different order; measured: every comparison also passes at 1e-12. Off-diagonal covariances that are
// near 0 by cancellation: 1e-12 on the correlation scale.
constexpr double kRel = 1e-9;
constexpr double kCovAbsCorr = 1e-12;
// Replicate weights created by hkstat vs R's: the same double operations (multiplier × weight), so equal to
// the last bit; 1e-15 relative allows one rounding difference in a multiplier such as n/(n − 1).
constexpr double kWeightRel = 1e-15;

const std::string kDesignDir = HKSTAT_SOURCE_DIR "/tests/golden/design/";
const std::string kDir = HKSTAT_SOURCE_DIR "/tests/golden/replicates/";

const golden::Results& results() {
  static const golden::Results r(kDir + "results.csv");
  return r;
}

// meta.csv: case → key → i → value.
const std::map<std::string, std::map<std::string, std::map<int, std::string>>>& meta() {
  static const auto m = [] {
    std::map<std::string, std::map<std::string, std::map<int, std::string>>> out;
    for (const auto& r : golden::read_csv(kDir + "meta.csv"))
      out[r.at("case")][r.at("key")][static_cast<int>(golden::num(r.at("i")))] = r.at("value");
    return out;
  }();
  return m;
}

std::string meta_str(const std::string& c, const std::string& key) {
  INFO(c << " " << key);
  REQUIRE(meta().count(c) == 1);
  REQUIRE(meta().at(c).count(key) == 1);
  return meta().at(c).at(key).at(0);
}
double meta_num(const std::string& c, const std::string& key) { return golden::num(meta_str(c, key)); }

Eigen::VectorXd meta_rscales(const std::string& c) {
  const auto& m = meta().at(c).at("rscale");
  Eigen::VectorXd v(static_cast<Eigen::Index>(m.size()));
  for (const auto& [i, s] : m) v(i - 1) = golden::num(s);
  return v;
}

golden::Survey load_case_input(const std::string& c) {
  const std::string input = meta_str(c, "input"), rows = meta_str(c, "rows");
  const std::string path = (input == "brr_input.csv" ? kDir : kDesignDir) + input;
  if (rows == "first40") return golden::load_survey(path, [](std::size_t i, const golden::Row&) { return i < 40; });
  if (rows == "stratum<=106")
    return golden::load_survey(path,
                               [](std::size_t, const golden::Row& r) { return golden::num(r.at("stratum")) <= 106; });
  REQUIRE(rows.empty());
  return golden::load_survey(path);
}

// R's analysis weights of a case: mult[index[i]] × w[i].
Eigen::MatrixXd r_analysis_weights(const std::string& c, const golden::Survey& d) {
  const auto mult = golden::read_csv(kDir + c + "_mult.csv");
  const auto index = golden::read_csv(kDir + c + "_index.csv");
  REQUIRE(index.size() == d.size());
  const auto R = static_cast<Eigen::Index>(mult[0].size());
  REQUIRE(R == static_cast<Eigen::Index>(meta_num(c, "replicates")));
  Eigen::MatrixXd w(static_cast<Eigen::Index>(d.size()), R);
  for (std::size_t i = 0; i < d.size(); ++i) {
    const auto p = static_cast<std::size_t>(golden::num(index[i].at("index"))) - 1;
    REQUIRE(p < mult.size());
    for (Eigen::Index r = 0; r < R; ++r)
      w(static_cast<Eigen::Index>(i), r) = golden::num(mult[p].at("r" + std::to_string(r + 1))) * d.w[i];
  }
  return w;
}

// The replicate design R used, from its columns, scale and rscales (type "other" keeps them as given).
ReplicateDesign r_design(const std::string& c, const golden::Survey& d) {
  ReplicateOptions o;
  o.type = ReplicateType::Other;
  o.scale = meta_num(c, "scale");
  const Eigen::VectorXd rs = meta_rscales(c);
  o.rscales.assign(rs.data(), rs.data() + rs.size());
  return replicate_design_from_columns(d.w, r_analysis_weights(c, d), o);
}

Design design_of(const golden::Survey& d, bool strata, bool psu, bool fpc, LonelyPsu lonely = LonelyPsu::Fail) {
  Design g;
  g.weights = d.w;
  if (strata) g.strata = d.stratum;
  if (psu) g.psu = d.psu;
  if (fpc) g.fpc = d.fpc;
  g.lonely = lonely;
  return g;
}

// hkstat's replicates equal R's: type, every analysis weight, scale, rscales and df.
void check_same_replicates(const ReplicateDesign& ours, const std::string& c, const golden::Survey& d) {
  INFO("case " << c);
  CHECK(replicate_type_name(ours.type) == meta_str(c, "type"));
  const Eigen::MatrixXd r = r_analysis_weights(c, d);
  REQUIRE(ours.rep.rows() == r.rows());
  REQUIRE(ours.rep.cols() == r.cols());
  for (Eigen::Index j = 0; j < r.cols(); ++j)
    for (Eigen::Index i = 0; i < r.rows(); ++i) {
      INFO("row " << i + 1 << " replicate " << j + 1);
      CHECK_THAT(ours.rep(i, j), WithinRel(r(i, j), kWeightRel));
    }
  CHECK_THAT(ours.scale, WithinRel(meta_num(c, "scale"), kWeightRel));
  const Eigen::VectorXd rs = meta_rscales(c);
  REQUIRE(ours.rscales.size() == rs.size());
  for (Eigen::Index j = 0; j < rs.size(); ++j) CHECK_THAT(ours.rscales(j), WithinRel(rs(j), kWeightRel));
  CHECK(ours.df == results().get(c, "degf", "df"));
}

// The statistics r/replicate_golden.R's estimates() reports.
void check_estimates(const ReplicateDesign& rd, const std::string& c, const golden::Survey& d, bool domains = true) {
  INFO("case " << c);
  const golden::Results& g = results();
  CHECK(rd.df == g.get(c, "degf", "df"));
  golden::check_stat(g, svy_mean(rd, d.y2()), c, "svymean", kRel, kCovAbsCorr);
  golden::check_stat(g, svy_total(rd, d.y2()), c, "svytotal", kRel, kCovAbsCorr);
  const SurveyEstimate r = svy_ratio(rd, golden::Survey::col(d.yc), golden::Survey::col(d.x));
  CHECK_THAT(r.value(0), WithinRel(g.get(c, "svyratio", "est", 1), kRel));
  CHECK_THAT(r.se()(0), WithinRel(g.get(c, "svyratio", "se", 1), kRel));
  CHECK(r.df == rd.df);
  if (!domains) return;
  const Eigen::MatrixXd doms = d.indicators(d.dom, {1, 2});
  const SurveyEstimate bm = svy_mean_by(rd, golden::Survey::col(d.yb), doms);
  golden::check_stat(g, bm, c, "svyby_mean_dom", kRel, kCovAbsCorr);
  golden::check_stat(g, svy_total_by(rd, golden::Survey::col(d.yc), doms), c, "svyby_total_dom", kRel, kCovAbsCorr);
  CHECK(bm.vcov(0, 1) != 0);
  for (int dv = 1; dv <= 2; ++dv) {
    CHECK(bm.domain_df[static_cast<std::size_t>(dv - 1)] == g.get(c, "degf_subset_dom" + std::to_string(dv), "df"));
    CHECK(bm.n[static_cast<std::size_t>(dv - 1)] == static_cast<std::size_t>(doms.col(dv - 1).sum()));
  }
  CHECK(bm.df == rd.df);
}

using golden::code_of;

// A synthetic stratified cluster sample: `strata` strata × `psus` PSUs × 3-7 rows, deterministic.
struct Synthetic {
  Design design;
  Eigen::MatrixXd y;
};
Synthetic synthetic(int strata, int psus, std::uint64_t seed, double popsize = 0) {
  std::mt19937_64 eng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  Synthetic s;
  std::vector<double> y1, y2;
  for (int h = 0; h < strata; ++h)
    for (int p = 0; p < psus; ++p) {
      const int m = 3 + static_cast<int>(u(eng) * 5);
      const double effect = u(eng) * 4;
      for (int k = 0; k < m; ++k) {
        s.design.strata.push_back(h + 1);
        s.design.psu.push_back(p + 1);
        s.design.weights.push_back(20 + 80 * u(eng));
        if (popsize > 0) s.design.fpc.push_back(popsize);
        y1.push_back(u(eng) < 0.2 ? 1 : 0);
        y2.push_back(effect + h + 3 * u(eng));
      }
    }
  s.y.resize(static_cast<Eigen::Index>(y1.size()), 2);
  for (std::size_t i = 0; i < y1.size(); ++i) {
    s.y(static_cast<Eigen::Index>(i), 0) = y1[i];
    s.y(static_cast<Eigen::Index>(i), 1) = y2[i];
  }
  return s;
}

} // namespace

TEST_CASE("JK1 replicates equal R's as.svrepdesign(type = \"JK1\"), with and without fpc", "[replicates][golden]") {
  SECTION("SRS of 40 with fpc: scale (N − n)/N (n − 1)/n") {
    const golden::Survey d = load_case_input("jk1_srs40");
    REQUIRE(d.size() == 40);
    const ReplicateDesign rd = make_jk1(design_of(d, false, false, true));
    check_same_replicates(rd, "jk1_srs40", d);
    check_estimates(rd, "jk1_srs40", d, false);
  }
  SECTION("unstratified clusters (68 PSUs), domains and domain df") {
    golden::Survey d = load_case_input("jk1_clus");
    for (std::size_t i = 0; i < d.size(); ++i) d.psu[i] = d.stratum[i] * 10 + d.psu[i];
    const ReplicateDesign rd = make_jk1(design_of(d, false, true, false));
    check_same_replicates(rd, "jk1_clus", d);
    check_estimates(rd, "jk1_clus", d);
    CHECK(rd.df == 67);

    // The same analysis weights supplied as columns without a scale: R's default (R − 1)/R.
    ReplicateOptions o;
    o.type = ReplicateType::JK1;
    const ReplicateDesign sup = replicate_design_from_columns(d.w, rd.rep, o);
    CHECK_THAT(sup.scale, WithinRel(meta_num("jk1_clus_supplied", "scale"), 1e-15));
    check_estimates(sup, "jk1_clus_supplied", d);
  }
}

TEST_CASE("JKn replicates equal R's as.svrepdesign(type = \"JKn\")", "[replicates][golden]") {
  const golden::Survey d = load_case_input("jkn_clus");
  const ReplicateDesign rd = make_jkn(design_of(d, true, true, false));
  check_same_replicates(rd, "jkn_clus", d);
  check_estimates(rd, "jkn_clus", d);
  CHECK(rd.df == 48); // rank = PSUs − strata + 1: the replicates of a stratum sum to n_h × the weights

  // A domain that misses whole PSUs and strata.
  const SurveyEstimate area = svy_mean_by(rd, golden::Survey::col(d.yc), d.indicators(d.dom2, {0, 1}));
  golden::check_stat(results(), area, "jkn_clus", "svyby_mean_yc_area", kRel, kCovAbsCorr);
  CHECK(area.domain_df[1] == results().get("jkn_clus", "degf_subset_area", "df"));

  SECTION("mse = TRUE centres at the full-sample estimate") {
    ReplicateDesign m = rd;
    m.mse = true;
    CHECK(meta_num("jkn_clus_mse", "mse") == 1);
    check_estimates(m, "jkn_clus_mse", d);
  }
  SECTION("JKn of a linear statistic equals the linearised variance (jackknife of a total is exact)") {
    const Design g = design_of(d, true, true, false);
    const SurveyEstimate lin = svy_total(g, d.y2());
    const SurveyEstimate rep = svy_total(rd, d.y2());
    CHECK(rep.vcov.isApprox(lin.vcov, 1e-10));
  }
}

TEST_CASE("JKn with fpc and lonely PSUs follows R's jknweights()", "[replicates][golden]") {
  const golden::Survey d = load_case_input("jkn_lonely_remove");
  const std::map<std::string, LonelyPsu> policies{
      {"remove", LonelyPsu::Remove}, {"adjust", LonelyPsu::Adjust}, {"average", LonelyPsu::Average}};
  for (const auto& [name, policy] : policies) {
    const std::string c = "jkn_lonely_" + name;
    INFO(c);
    const ReplicateDesign rd = make_jkn(design_of(d, true, true, true, policy));
    check_same_replicates(rd, c, d);
    golden::check_stat(results(), svy_mean(rd, d.y2()), c, "svymean", kRel, kCovAbsCorr);
    golden::check_stat(results(), svy_total(rd, d.y2()), c, "svytotal", kRel, kCovAbsCorr);
  }
  // Certainty is Remove (R: the same branch).
  const ReplicateDesign cert = make_jkn(design_of(d, true, true, true, LonelyPsu::Certainty));
  CHECK(cert.rep == make_jkn(design_of(d, true, true, true, LonelyPsu::Remove)).rep);
  // Fail: R stops ("Stratum4has only one PSU"); hkstat names the stratum.
  CHECK(results().note("jkn_lonely_fail", "as.svrepdesign", "error").find("only one PSU") != std::string::npos);
  try {
    make_jkn(design_of(d, true, true, true, LonelyPsu::Fail));
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::EstimateNoData);
    CHECK(e.problem().message.en.find("stratum 4") != std::string::npos);
  }
}

TEST_CASE("Supplied R bootstrap replicates (R's own random draws) give R's SEs", "[replicates][golden]") {
  for (const char* c : {"boot_clus", "subboot_clus"}) {
    const golden::Survey d = load_case_input(c);
    const ReplicateDesign rd = r_design(c, d);
    check_estimates(rd, c, d);
  }
  SECTION("R's bootstrap scale is n̄/((n̄ − 1)(R − 1)) with n̄ the harmonic mean of PSUs per stratum") {
    const golden::Survey d = load_case_input("boot_clus");
    const ReplicateDesign ours = make_bootstrap(design_of(d, true, true, false), 50, 1);
    CHECK_THAT(ours.scale, WithinRel(meta_num("boot_clus", "scale"), 1e-14));
    const ReplicateDesign sub = make_subbootstrap(design_of(d, true, true, false), 40, 1);
    CHECK_THAT(sub.scale, WithinRel(meta_num("subboot_clus", "scale"), 1e-14));
  }
  SECTION("type bootstrap without a scale: 1/(R − 1)") {
    const golden::Survey d = load_case_input("subboot_clus");
    ReplicateOptions o;
    o.type = ReplicateType::Bootstrap;
    const ReplicateDesign rd = replicate_design_from_columns(d.w, r_analysis_weights("subboot_clus", d), o);
    CHECK(rd.scale == 1.0 / 39);
    check_estimates(rd, "subboot_clus", d); // R's subbootstrap scale is 1/(R − 1)
  }
}

TEST_CASE("BRR and Fay replicates equal R's for Hadamard order 8", "[replicates][golden]") {
  const golden::Survey d = load_case_input("brr6");
  REQUIRE(d.size() > 0);
  const ReplicateDesign brr = make_brr(design_of(d, true, true, false));
  check_same_replicates(brr, "brr6", d);
  check_estimates(brr, "brr6", d);
  const ReplicateDesign fay = make_brr(design_of(d, true, true, false), 0.5);
  check_same_replicates(fay, "fay6", d);
  check_estimates(fay, "fay6", d);
  CHECK(fay.type == ReplicateType::Fay);
  CHECK(fay.fay_rho == 0.5);

  SECTION("Supplied as columns with type BRR / Fay: R's fixed scales") {
    ReplicateOptions o;
    o.type = ReplicateType::BRR;
    CHECK(replicate_design_from_columns(d.w, brr.rep, o).scale == 1.0 / 8);
    o.type = ReplicateType::Fay;
    o.fay_rho = 0.5;
    const ReplicateDesign f = replicate_design_from_columns(d.w, fay.rep, o);
    CHECK(f.scale == 0.5);
    check_estimates(f, "fay6", d);
  }
}

TEST_CASE("BRR with 20 strata: totals equal R's BRR and the linearised variance, R with hkstat's Hadamard matrix gives "
          "hkstat's SEs",
          "[replicates][golden]") {
  const golden::Survey d = golden::load_survey(kDir + "brr_input.csv");
  const golden::Results& g = results();
  const Design lin_design = design_of(d, true, true, false);
  const ReplicateDesign ours = make_brr(lin_design);
  CHECK(ours.replicates() == static_cast<std::size_t>(meta_num("brr20", "replicates"))); // order 24 (Paley I, q = 23)
  CHECK(ours.df == g.get("brr20", "degf", "df"));

  // Full orthogonal balance: for a total, V_BRR = V_linearised (no fpc) — whatever the Hadamard matrix.
  const SurveyEstimate tot = svy_total(ours, d.y2());
  golden::check_stat(g, tot, "brr20", "svytotal", kRel, kCovAbsCorr);
  golden::check_stat(g, svy_total(lin_design, d.y2()), "lin_brr20", "svytotal", kRel, kCovAbsCorr);
  CHECK(tot.vcov.isApprox(svy_total(lin_design, d.y2()).vcov, 1e-10));
  // Fay's replicates of a total give the linearised variance too (the deviations are (1 − ρ) of BRR's).
  CHECK(svy_total(make_brr(lin_design, 0.5), d.y2()).vcov.isApprox(tot.vcov, 1e-10));

  // Means are not linear: their BRR variance depends on the Hadamard matrix. With hkstat's matrix given to
  // R (hadamard.matrix =, case brr20_paley) R's replicates and SEs are hkstat's exactly.
  check_same_replicates(ours, "brr20_paley", d);
  check_estimates(ours, "brr20_paley", d);
  // R's own order-24 matrix is another one: the SEs of the means differ by 4.3% (yc) and 0.5% (yb) (measured).
  const SurveyEstimate m = svy_mean(ours, d.y2());
  for (Eigen::Index i = 0; i < 2; ++i) {
    CHECK_THAT(m.value(i), WithinRel(g.get("brr20", "svymean", "est", static_cast<int>(i) + 1), kRel));
    CHECK_THAT(m.se()(i), WithinRel(g.get("brr20", "svymean", "se", static_cast<int>(i) + 1), 0.05));
  }
  check_estimates(r_design("brr20", d), "brr20", d);
}

TEST_CASE("Hadamard matrices are normalised and orthogonal", "[replicates]") {
  for (std::size_t m = 1; m <= 200; ++m) {
    const Eigen::MatrixXi h = hadamard_matrix(m);
    const Eigen::Index n = h.rows();
    INFO("min order " << m << " order " << n);
    REQUIRE(static_cast<std::size_t>(n) >= m);
    CHECK(h.cols() == n);
    CHECK((h.array().abs() == 1).all());
    CHECK((h.row(0).array() == 1).all());
    CHECK((h.col(0).array() == 1).all());
    CHECK(h * h.transpose() == n * Eigen::MatrixXi::Identity(n, n));
    if (m > 2 && m <= 48) CHECK(static_cast<std::size_t>(n) < m + 4); // the smallest multiple of 4, as R's
  }
  // Orders 4 and 8 are Sylvester's in natural order: H[i][j] = (−1)^popcount(i & j).
  const Eigen::MatrixXi h8 = hadamard_matrix(5);
  REQUIRE(h8.rows() == 8);
  for (int i = 0; i < 8; ++i)
    for (int j = 0; j < 8; ++j) CHECK(h8(i, j) == (__builtin_popcount(static_cast<unsigned>(i & j)) % 2 ? -1 : 1));
  CHECK(code_of([] { hadamard_matrix(5000); }) == ErrorCode::UsageInvalidOption);
}

TEST_CASE("Bootstrap replicates: determinism and statistical properties", "[replicates]") {
  // 10 strata × 6 PSUs (equal n_h, so R's n̄/(n̄ − 1) correction is exact): E[V_boot] = V_linearised.
  const Synthetic s = synthetic(10, 6, 42);
  const SurveyEstimate lin = svy_total(s.design, s.y);
  const ReplicateDesign a = make_bootstrap(s.design, 4000, 20240801);

  SECTION("a seed gives the same replicates; another seed others") {
    CHECK(make_bootstrap(s.design, 4000, 20240801).rep == a.rep);
    CHECK(make_bootstrap(s.design, 4000, 7).rep != a.rep);
    CHECK(make_subbootstrap(s.design, 50, 3).rep == make_subbootstrap(s.design, 50, 3).rep);
  }
  SECTION("multipliers: whole numbers, n_h per stratum and replicate, mean 1 per PSU") {
    // Multiplier of a row = analysis weight / weight; rows of one PSU share it.
    const Eigen::VectorXd w = golden::Survey::col(s.design.weights);
    const Eigen::MatrixXd mult = a.rep.array().colwise() / w.array();
    std::map<std::pair<std::int64_t, std::int64_t>, Eigen::Index> first_row;
    for (Eigen::Index i = 0; i < mult.rows(); ++i)
      first_row.emplace(
          std::make_pair(s.design.strata[static_cast<std::size_t>(i)], s.design.psu[static_cast<std::size_t>(i)]), i);
    REQUIRE(first_row.size() == 60);
    for (int h = 1; h <= 10; ++h) {
      Eigen::RowVectorXd sum = Eigen::RowVectorXd::Zero(mult.cols());
      for (int p = 1; p <= 6; ++p) {
        const Eigen::RowVectorXd m = mult.row(first_row.at({h, p}));
        CHECK((m.array() - m.array().round()).abs().maxCoeff() < 1e-12); // count × w / w
        CHECK_THAT(m.mean(), WithinAbs(1.0, 0.07)); // sd of the mean over 4000 replicates ≈ 0.015
        sum += m;
      }
      CHECK((sum.array() - 6).abs().maxCoeff() < 1e-12);
    }
  }
  SECTION("the bootstrap variance of a total is near the linearised one (4000 replicates, ≈1% Monte Carlo SE)") {
    const Eigen::VectorXd ratio = svy_total(a, s.y).se().cwiseQuotient(lin.se());
    CHECK_THAT(ratio(0), WithinAbs(1.0, 0.05));
    CHECK_THAT(ratio(1), WithinAbs(1.0, 0.05));
    const ReplicateDesign rw = make_subbootstrap(s.design, 4000, 99);
    const Eigen::VectorXd ratio2 = svy_total(rw, s.y).se().cwiseQuotient(lin.se());
    CHECK_THAT(ratio2(0), WithinAbs(1.0, 0.05));
    CHECK_THAT(ratio2(1), WithinAbs(1.0, 0.05));
    // Without the n̄/(n̄ − 1) correction the variance would be 5/6 of it: the test can tell.
    CHECK(std::abs(ratio(1) - std::sqrt(5.0 / 6.0)) > 0.04);
  }
  SECTION("with an fpc: draws without replacement from the pseudo-population; E[V] = V_lin × N/(N − 1)") {
    const Synthetic f = synthetic(10, 6, 42, 30); // N_h = 30 PSUs, n_h = 6
    const ReplicateDesign b = make_bootstrap(f.design, 4000, 5);
    const double expected = std::sqrt(30.0 / 29.0);
    const Eigen::VectorXd ratio = svy_total(b, f.y).se().cwiseQuotient(svy_total(f.design, f.y).se());
    CHECK_THAT(ratio(0), WithinAbs(expected, 0.05));
    CHECK_THAT(ratio(1), WithinAbs(expected, 0.05));
    // A census stratum (N_h = n_h) keeps every PSU once in every replicate.
    const Synthetic c = synthetic(2, 6, 1, 6);
    const ReplicateDesign cb = make_bootstrap(c.design, 20, 1);
    const Eigen::MatrixXd m = cb.rep.array().colwise() / golden::Survey::col(c.design.weights).array();
    CHECK((m.array() - 1).abs().maxCoeff() < 1e-12);
  }
}

TEST_CASE("Replicate errors", "[replicates]") {
  const golden::Survey d = load_case_input("jkn_clus");
  const Design strat = design_of(d, true, true, false);
  CHECK(code_of([&] { make_jk1(strat); }) == ErrorCode::UsageInvalidOption);
  CHECK(code_of([&] { make_brr(strat); }) == ErrorCode::UsageInvalidOption); // 2–4 PSUs per stratum
  CHECK(code_of([&] { make_brr(strat, 1.0); }) == ErrorCode::UsageInvalidOption);
  CHECK(code_of([&] { make_bootstrap(strat, 1, 1); }) == ErrorCode::UsageInvalidOption);

  const ReplicateDesign jkn = make_jkn(strat);
  ReplicateOptions o;
  o.type = ReplicateType::JKn; // combined JKn weights need rscales (R: "Must provide rscales")
  CHECK(code_of([&] { replicate_design_from_columns(d.w, jkn.rep, o); }) == ErrorCode::UsageInvalidOption);
  o.type = ReplicateType::Fay; // Fay needs rho
  CHECK(code_of([&] { replicate_design_from_columns(d.w, jkn.rep, o); }) == ErrorCode::UsageInvalidOption);
  o.type = ReplicateType::BRR;
  o.scale = 0.5; // BRR fixes the scale
  CHECK(code_of([&] { replicate_design_from_columns(d.w, jkn.rep, o); }) == ErrorCode::UsageInvalidOption);
  o = ReplicateOptions{};
  o.rscales = {1, 2, 3};
  CHECK(code_of([&] { replicate_design_from_columns(d.w, jkn.rep, o); }) == ErrorCode::UsageInvalidOption);
  Eigen::MatrixXd bad = jkn.rep;
  bad(3, 2) = std::nan("");
  CHECK(code_of([&] { replicate_design_from_columns(d.w, bad, ReplicateOptions{}); }) == ErrorCode::DataOutOfRange);

  // A domain entirely inside one PSU: the JKn replicate deleting it has no domain weight. R drops that
  // replicate with a warning; hkstat refuses.
  Eigen::MatrixXd one_psu = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(d.size()), 1);
  for (std::size_t i = 0; i < d.size(); ++i)
    if (d.stratum[i] == 101 && d.psu[i] == 1) one_psu(static_cast<Eigen::Index>(i), 0) = 1;
  CHECK(code_of([&] { svy_mean_by(jkn, golden::Survey::col(d.yb), one_psu); }) == ErrorCode::EstimateNoData);
  // Totals are still defined there (0 in that replicate).
  CHECK(svy_total_by(jkn, golden::Survey::col(d.yb), one_psu).value.size() == 1);
}

TEST_CASE("Replicate type names", "[replicates]") {
  CHECK(parse_replicate_type("jk1") == ReplicateType::JK1);
  CHECK(parse_replicate_type("JKn") == ReplicateType::JKn);
  CHECK(parse_replicate_type("BRR") == ReplicateType::BRR);
  CHECK(parse_replicate_type("fay") == ReplicateType::Fay);
  CHECK(parse_replicate_type("Bootstrap") == ReplicateType::Bootstrap);
  CHECK(parse_replicate_type("other") == ReplicateType::Other);
  CHECK(code_of([] { parse_replicate_type("jk2"); }) == ErrorCode::UsageInvalidOption);
  for (ReplicateType t : {ReplicateType::Bootstrap, ReplicateType::JK1, ReplicateType::JKn, ReplicateType::BRR,
                          ReplicateType::Fay, ReplicateType::Other})
    CHECK(parse_replicate_type(replicate_type_name(t)) == t);
}

TEST_CASE("design_from_dataset reads the design roles of a codebook", "[replicates][design]") {
  const std::string dir = HKSTAT_SOURCE_DIR "/tests/data/design/";
  const codebook::Codebook cb = codebook::load_codebook(dir + "design_mini.codebook.toml");
  const data::IngestResult in = data::ingest(dir + "design_mini.csv", cb, data::IngestOptions{});
  REQUIRE(in.rejected.empty());
  const Design g = design_from_dataset(in.data, LonelyPsu::Remove).design;
  const DesignSummary s = summarize(g);
  CHECK(s.rows == 48);
  CHECK(s.strata == 3);
  CHECK(s.psus == 6);
  CHECK(g.lonely == LonelyPsu::Remove);
  CHECK(g.weights[0] == 508.651);
  CHECK(g.strata[0] == 101);
  CHECK(g.fpc.back() == 8);
  // The same rows as the replicate golden input (brr_input.csv, strata 101–103): JKn with fpc gives R's
  // rscales (N_h − n_h)/N_h · (n_h − 1)/n_h (written by tests/cli/cases/replicate_jkn, checked by R there).
  const ReplicateDesign rd = make_jkn(g);
  CHECK(rd.rscales(0) == 0.4);
  CHECK(rd.rscales(5) == 0.375);

  // A missing stratum value: ingest already rejects the row (DataMissingRequired); design_from_dataset
  // checks again for data sets built another way, naming the line and column.
  const auto tmp = std::filesystem::temp_directory_path() / "hkstat_test_design_missing.csv";
  {
    std::ifstream src(dir + "design_mini.csv");
    std::ofstream dst(tmp);
    std::string line;
    for (int i = 0; std::getline(src, line); ++i) dst << (i == 5 ? "S005,,2,391.611,10,1,0," : line) << "\n";
  }
  const data::IngestResult bad = data::ingest(tmp.string(), cb, data::IngestOptions{});
  REQUIRE(bad.rejected.size() == 1);
  CHECK(bad.rejected[0].problems[0].code == ErrorCode::DataMissingRequired);
  data::IngestResult edited = data::ingest(dir + "design_mini.csv", cb, data::IngestOptions{});
  for (auto& c : edited.data.columns)
    if (c.var->role == codebook::Role::Stratum) c.ints[4] = data::kMissing;
  try {
    design_from_dataset(edited.data, LonelyPsu::Fail);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::DataMissingRequired);
    CHECK(e.problem().pos.line == 6);
    CHECK(e.problem().pos.column_name == "stratum");
  }
  std::filesystem::remove(tmp);
  // Without weight, stratum and psu variables: weights 1, one stratum, every row a PSU.
  codebook::Codebook bare = cb;
  bare.variables.erase(std::remove_if(bare.variables.begin(), bare.variables.end(),
                                      [](const codebook::Variable& v) {
                                        return v.role == codebook::Role::Weight || v.role == codebook::Role::Stratum ||
                                               v.role == codebook::Role::Psu || v.role == codebook::Role::Fpc;
                                      }),
                       bare.variables.end());
  const data::IngestResult plain = data::ingest(dir + "design_mini.csv", bare, data::IngestOptions{});
  const Design p = design_from_dataset(plain.data, LonelyPsu::Fail).design;
  CHECK(summarize(p).psus == 48);
  CHECK(summarize(p).strata == 1);
  CHECK(p.weights == std::vector<double>(48, 1.0));
}

// The single passes over supplied columns rank the Gram matrix WᵀW (replicates_sums.hpp): the same rank as
// replicate_rank on W for full-rank, rank-deficient (a sum of two columns, a copy, a zero column, a column equal
// to another), wide (fewer rows than columns), JK1-shaped (each column the weights with one
// PSU deleted) and jackknife-of-a-domain (rows in a few PSUs only) matrices.
TEST_CASE("replicate_rank_gram equals replicate_rank", "[replicates]") {
  std::mt19937_64 eng(11);
  std::uniform_real_distribution<double> u(0.5, 300.0);
  const auto gram = [](const Eigen::MatrixXd& w) { return Eigen::MatrixXd(w.transpose() * w); };
  const auto check = [&](const Eigen::MatrixXd& w, double expected) {
    CHECK(estimate::replicate_rank(w) == expected);
    CHECK(estimate::replicate_rank_gram(gram(w)) == expected);
  };
  Eigen::MatrixXd full(60, 12);
  for (Eigen::Index i = 0; i < full.rows(); ++i)
    for (Eigen::Index j = 0; j < full.cols(); ++j) full(i, j) = u(eng);
  check(full, 12);
  Eigen::MatrixXd def = full;
  def.col(3) = def.col(0) + def.col(1);
  def.col(7) = def.col(5);
  def.col(9).setZero();
  check(def, 9);
  check(full.topRows(4), 4);
  // JK1 over 30 PSUs of 5 rows: column r is the weights × 30/29 with PSU r's rows 0.
  Eigen::VectorXd w(150);
  for (Eigen::Index i = 0; i < w.size(); ++i) w(i) = u(eng);
  Eigen::MatrixXd jk(150, 30);
  for (Eigen::Index r = 0; r < 30; ++r)
    for (Eigen::Index i = 0; i < 150; ++i) jk(i, r) = i / 5 == r ? 0.0 : w(i) * 30.0 / 29.0;
  check(jk, 30);
  // A domain with rows in PSUs 0..3 only: columns 0..3 delete one of its PSUs each, the 26 others equal the
  // domain's weights v, which is (Σ of columns 0..3) / 3: rank 4.
  check(jk.topRows(20), 4);
}
