// Tests of estimate/rao_scott (Rao–Scott tests of two-way tables) against R survey 4.1-1 svychisq
// (r/rao_scott_golden.R → tests/golden/rao_scott/; R 4.2.2).
#include "golden_csv.hpp"

#include "hkstat/core/error.hpp"
#include "hkstat/estimate/design.hpp"
#include "hkstat/estimate/distributions.hpp"
#include "hkstat/estimate/rao_scott.hpp"
#include "hkstat/estimate/replicates.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

using namespace hkstat;
using namespace hkstat::estimate;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

// Statistics, df and p-values vs R: 1e-8 relative (the brief's bound); measured: all also pass at 1e-12. The
// p-values come from Boost.Math's complemented incomplete beta/gamma vs R's pf/pchisq (both accurate to
// a few ulps relative, also for p ~ 1e-19).
constexpr double kRel = 1e-8;
const std::string kDir = HKSTAT_SOURCE_DIR "/tests/golden/rao_scott/";

struct Input {
  Design design; // stratified cluster design (nest), no fpc
  std::vector<double> fpc;
  std::map<std::string, std::vector<std::int64_t>> vars;
};

const Input& input() {
  static const Input in = [] {
    Input d;
    for (const auto& r : golden::read_csv(kDir + "input.csv")) {
      d.design.strata.push_back(static_cast<std::int64_t>(golden::num(r.at("stratum"))));
      d.design.psu.push_back(static_cast<std::int64_t>(golden::num(r.at("psu"))));
      d.design.weights.push_back(golden::num(r.at("w")));
      d.fpc.push_back(golden::num(r.at("fpc")));
      for (const char* v : {"sex", "broad", "age3", "q4", "q4na", "zc"}) {
        const std::string& s = r.at(v);
        d.vars[v].push_back(s == "NA" ? kMissingCode : static_cast<std::int64_t>(golden::num(s)));
      }
    }
    return d;
  }();
  return in;
}

const golden::Results& results() {
  static const golden::Results r(kDir + "results.csv");
  return r;
}

void check(const RaoScott& t, const std::string& c) {
  INFO("case " << c);
  const golden::Results& g = results();
  CHECK_THAT(t.f, WithinRel(g.get(c, "F", "statistic"), kRel));
  CHECK_THAT(t.ndf, WithinRel(g.get(c, "F", "ndf"), kRel));
  CHECK_THAT(t.ddf, WithinRel(g.get(c, "F", "ddf"), kRel));
  CHECK_THAT(t.f_p, WithinRel(g.get(c, "F", "p"), kRel));
  // R's "Chisq" prints the Pearson X² and takes the p-value of X²/mean(diag Δ).
  CHECK_THAT(t.pearson, WithinRel(g.get(c, "Chisq", "statistic"), kRel));
  CHECK(t.df == g.get(c, "Chisq", "df"));
  CHECK_THAT(t.chisq_p, WithinRel(g.get(c, "Chisq", "p"), kRel));
  CHECK_THAT(t.pearson, WithinRel(g.get(c, "pearson", "statistic"), kRel));
  CHECK(t.df == g.get(c, "pearson", "df"));
  CHECK_THAT(t.pearson_p, WithinRel(g.get(c, "pearson", "p"), kRel));
  // Internal consistency: the first-order statistic is X²/(tr Δ/df) and its p-value is that statistic's.
  CHECK_THAT(t.chisq_adjusted, WithinRel(t.pearson * t.df / t.delta_trace, 1e-14));
  CHECK_THAT(t.proportions.sum(), WithinAbs(1.0, 1e-14));
  CHECK_THAT(t.table.sum(), WithinRel(t.n, 1e-14));
}

std::span<const std::int64_t> var(const char* name) { return input().vars.at(name); }

using golden::code_of;

} // namespace

TEST_CASE("Rao–Scott on a stratified cluster design equals R svychisq", "[rao_scott][golden]") {
  const Design& g = input().design;
  SECTION("sex × 広義 (2 × 2)") {
    const RaoScott t = rao_scott(g, var("sex"), var("broad"));
    check(t, "clus_sex_broad");
    CHECK(t.ndf == 1); // one generalised design effect: d₀ = 1 exactly
    CHECK(t.design_df == 30);
    CHECK(t.row_levels == std::vector<std::int64_t>{1, 2});
    CHECK(t.col_levels == std::vector<std::int64_t>{0, 1});
  }
  SECTION("age3 × q4 (3 × 4)") { check(rao_scott(g, var("age3"), var("q4")), "clus_age3_q4"); }
  SECTION("missing answers are left out of the cells; N counts every row (as R)") {
    const RaoScott t = rao_scott(g, var("age3"), var("q4na"));
    check(t, "clus_age3_q4na");
    CHECK(t.n == static_cast<double>(g.weights.size()));
  }
  SECTION("an empty cell") {
    const RaoScott t = rao_scott(g, var("age3"), var("zc"));
    check(t, "clus_age3_zc");
    CHECK(t.proportions(2, 3) == 0);
  }
  SECTION("with fpc") {
    Design f = g;
    f.fpc = input().fpc;
    check(rao_scott(f, var("age3"), var("q4")), "fpc_age3_q4");
  }
  SECTION("weights only (no strata, no clusters): ν = n − 1") {
    Design s;
    s.weights = g.weights;
    const RaoScott t = rao_scott(s, var("sex"), var("broad"));
    check(t, "srs_sex_broad");
    CHECK(t.design_df == static_cast<double>(g.weights.size()) - 1);
  }
}

TEST_CASE("Rao–Scott on a JKn replicate design equals R svychisq.svyrep.design", "[rao_scott][golden]") {
  // make_jkn reproduces R's as.svrepdesign(type = "JKn") (test_replicates.cpp).
  const ReplicateDesign rd = make_jkn(input().design);
  check(rao_scott(rd, var("age3"), var("q4")), "jkn_age3_q4");
  check(rao_scott(rd, var("sex"), var("broad")), "jkn_sex_broad");
}

TEST_CASE("Rao–Scott invariances and errors", "[rao_scott]") {
  const Design& g = input().design;
  const RaoScott t = rao_scott(g, var("age3"), var("q4"));
  SECTION("transposing the table changes nothing") {
    const RaoScott u = rao_scott(g, var("q4"), var("age3"));
    CHECK_THAT(u.f, WithinRel(t.f, 1e-12));
    CHECK_THAT(u.ndf, WithinRel(t.ndf, 1e-12));
    CHECK_THAT(u.f_p, WithinRel(t.f_p, 1e-10));
    CHECK_THAT(u.chisq_p, WithinRel(t.chisq_p, 1e-10));
  }
  SECTION("relabelling codes changes nothing") {
    std::vector<std::int64_t> b(var("q4").begin(), var("q4").end());
    for (auto& v : b) v = 100 - 7 * v;
    const RaoScott u = rao_scott(g, var("age3"), b);
    CHECK_THAT(u.f, WithinRel(t.f, 1e-12));
    CHECK_THAT(u.f_p, WithinRel(t.f_p, 1e-10));
  }
  SECTION("scaling the weights changes nothing") {
    Design s = g;
    for (double& w : s.weights) w *= 3.5;
    CHECK_THAT(rao_scott(s, var("age3"), var("q4")).f, WithinRel(t.f, 1e-12));
  }
  SECTION("the p-values are the distributions' upper tails") {
    CHECK_THAT(t.f_p, WithinRel(f_upper_tail(t.f, t.ndf, t.ddf), 1e-15));
    CHECK(t.f_p > 0);
    CHECK(t.f_p < 1);
    CHECK_THAT(chisq_upper_tail(3.841458820694124, 1), WithinRel(0.05, 1e-12));
    CHECK_THAT(f_upper_tail(4.0, 2, 1e300), WithinRel(chisq_upper_tail(8.0, 2), 1e-9));
  }
  SECTION("errors") {
    const std::vector<std::int64_t> one(g.weights.size(), 1);
    CHECK(code_of([&] { rao_scott(g, one, var("q4")); }) == ErrorCode::EstimateNoData);
    const std::vector<std::int64_t> short_v(3, 1);
    CHECK(code_of([&] { rao_scott(g, short_v, var("q4")); }) == ErrorCode::Internal);
    // A census (fpc = PSUs sampled in every stratum): no sampling variance.
    Design census = g;
    std::map<std::int64_t, std::set<std::int64_t>> psus;
    for (std::size_t i = 0; i < g.weights.size(); ++i) psus[g.strata[i]].insert(g.psu[i]);
    census.fpc.clear();
    for (std::size_t i = 0; i < g.weights.size(); ++i)
      census.fpc.push_back(static_cast<double>(psus[g.strata[i]].size()));
    CHECK(code_of([&] { rao_scott(census, var("age3"), var("q4")); }) == ErrorCode::EstimateNoData);
    CHECK(code_of([] { f_upper_tail(1, 0, 3); }) == ErrorCode::EstimateNoData);
  }
}
