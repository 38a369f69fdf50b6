// Prevalence and persons estimates (library level). The published cases go through the real CLI in
// tests/cli/cases/published_*; here: rounding rules, groups, population handling.
#include "hkstat/classify/classify.hpp"
#include "hkstat/codebook/codebook.hpp"
#include "hkstat/estimate/prevalence.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using namespace hkstat;
using namespace hkstat::estimate;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {
struct Mini {
  data::Dataset ds;
  classify::Classification cls;
};
const Mini& mini() {
  static const Mini m = [] {
    auto cb = codebook::load_codebook(HKSTAT_SOURCE_DIR "/tests/data/unit/mini.codebook.toml");
    Mini out{std::move(data::ingest(HKSTAT_SOURCE_DIR "/tests/data/unit/mini.csv", cb, {}).data), {}};
    out.cls = classify::classify(out.ds, classify::builtin_ruleset("cao2018"));
    return out;
  }();
  return m;
}
const PrevalenceCell& cell(const PrevalenceResult& r, const std::string& group, Measure m) {
  for (const auto& c : r.cells)
    if (c.group == group && c.measure == m) return c;
  FAIL("no cell");
  return r.cells.front();
}
} // namespace

TEST_CASE("round_half_up is 四捨五入 on decimal ties", "[prevalence]") {
  CHECK(round_half_up(2.45, 1) == 2.5);
  CHECK(round_half_up(2.44999, 1) == 2.4);
  CHECK(round_half_up(1.5695, 3) == 1.57);
  CHECK(round_half_up(0.125, 2) == 0.13);
  CHECK(round_half_up(3238.96, 0) == 3239);
  CHECK(round_half_up(1.5729, 2) == 1.57);
  CHECK(round_half_up(0.0, 1) == 0.0);
}

TEST_CASE("unweighted prevalence: counts over all valid responses", "[prevalence]") {
  PrevalenceOptions opt;
  opt.population.total = 100000;
  const auto r = estimate_prevalence(mini().ds, mini().cls, opt);
  CHECK_FALSE(r.weighted);
  CHECK(r.method == CiMethod::Wilson);
  CHECK(r.n == 13);
  CHECK(r.outing_missing == 1);
  const auto& b = cell(r, "all", Measure::Broad);
  CHECK(b.cases == 5);
  CHECK(b.est.n == 13);
  CHECK(b.est.sum_weights == 13); // unweighted: Σ w = n
  CHECK(b.est.interval_method == "wilson");
  CHECK_THAT(b.est.value, WithinRel(5.0 / 13.0, 1e-15));
  CHECK_THAT(b.est.se, WithinRel(std::sqrt(5.0 / 13 * 8.0 / 13 / 13), 1e-12));
  CHECK_THAT(*b.persons, WithinRel(100000.0 * 5 / 13, 1e-12));
  CHECK_THAT(*b.persons_lower, WithinRel(b.est.interval->lower * 100000, 1e-12));
  CHECK(cell(r, "all", Measure::Narrow).cases == 4);
  CHECK(cell(r, "all", Measure::Semi).cases == 1);
}

TEST_CASE("age groups split n and cases, and groups without population have no persons", "[prevalence]") {
  PrevalenceOptions opt;
  opt.groups = {parse_age_group("15-39"), parse_age_group("40-64")};
  opt.population.total = 1000;
  const auto r = estimate_prevalence(mini().ds, mini().cls, opt);
  const auto& young = cell(r, "15-39", Measure::Broad);
  const auto& old = cell(r, "40-64", Measure::Broad);
  CHECK(young.est.n + old.est.n == 13);
  CHECK(young.est.n == 7); // A01-A04, A11-A13 (mini.csv)
  CHECK(young.cases == 4); // A02 semi, A03, A12, A13 narrow
  CHECK(old.cases == 1);   // A08
  CHECK_FALSE(young.persons.has_value());
  CHECK(cell(r, "all", Measure::Broad).persons.has_value());
}

TEST_CASE("population by age group: total = sum over groups", "[prevalence]") {
  PrevalenceOptions opt;
  opt.groups = {parse_age_group("15-39"), parse_age_group("40-64")};
  opt.population.by_group = {{parse_age_group("15-39"), 800.0}, {parse_age_group("40-64"), 1200.0}};
  const auto r = estimate_prevalence(mini().ds, mini().cls, opt);
  const auto& all = cell(r, "all", Measure::Broad);
  REQUIRE(all.persons.has_value());
  CHECK_THAT(*all.persons, WithinRel(800.0 * 4 / 7 + 1200.0 * 1 / 6, 1e-12));
  CHECK(all.persons_ci_method == "wald-sum-over-groups");
  CHECK(*all.population == 2000.0);
}

TEST_CASE("rate rounding is applied before × population only", "[prevalence]") {
  PrevalenceOptions opt;
  opt.population.total = 34450000;
  opt.rate_rounding = 2;
  const auto r = estimate_prevalence(mini().ds, mini().cls, opt);
  const auto& b = cell(r, "all", Measure::Broad);
  CHECK(b.rate_used == 0.3846);
  CHECK_THAT(b.est.value, WithinRel(5.0 / 13.0, 1e-15));
  CHECK_THAT(*b.persons, WithinRel(0.3846 * 34450000, 1e-12));
}

TEST_CASE("invalid age groups are usage errors", "[prevalence]") {
  CHECK_THROWS_AS(parse_age_group("15to39"), Error);
  CHECK_THROWS_AS(parse_age_group("40-15"), Error);
  CHECK(parse_age_group("40-64").id() == "40-64");
}
