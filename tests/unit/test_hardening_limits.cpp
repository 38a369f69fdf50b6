// Hardening issue 12, defects 4, 5, 6, 9 (library side): no undefined behaviour on extreme numbers, no silent
// narrowing of integer keys, bounded sizes. The CLI side is in tests/cli/cases/hardening_*.
#include "hkstat/codebook/codebook.hpp"
#include "hkstat/config/run_config.hpp"
#include "hkstat/core/error.hpp"
#include "hkstat/data/dataset.hpp"
#include "hkstat/estimate/design.hpp"
#include "hkstat/estimate/prevalence.hpp"
#include "hkstat/estimate/replicates.hpp"
#include "hkstat/report/number_format.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <limits>
#include <string>

using namespace hkstat;
using Catch::Matchers::Contains;

namespace {

template <class F>
Problem problem_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.problem();
  }
  FAIL("no hkstat::Error thrown");
  return {};
}

const char* kCodebookHead = R"(
[[variable]]
name = "id"
role = "id"
type = "id"

[[variable]]
name = "w"
role = "weight"
type = "number"
missing = [999]
)";

} // namespace

TEST_CASE("hardening_format_whole: every double formats as a whole number without a cast", "[hardening][report]") {
  // with_thousands(LLONG_MIN), format_persons and format_man beyond 64 bits: test_report.cpp (main).
  CHECK(report::format_whole(1e308).substr(0, 8) == "100,000,");
  CHECK(report::format_whole(-1e20) == "-100,000,000,000,000,000,000");
  CHECK(report::format_whole(1234567.5) == "1,234,568");
  CHECK(report::format_whole(std::numeric_limits<double>::infinity()) == "—");
  CHECK(report::format_whole(std::numeric_limits<double>::quiet_NaN()) == "—");
  CHECK(report::format_whole(-0.2) == "0");
  CHECK(report::format_whole(std::numeric_limits<double>::max()).size() > 400);
}

TEST_CASE("hardening_population_bound: a population is a whole number 1..10^9", "[hardening][config]") {
  CHECK_FALSE(config::population_problem(131178));
  CHECK_FALSE(config::population_problem(1));
  CHECK_FALSE(config::population_problem(config::kMaxPopulation));
  for (double bad : {0.5, 0.0, -3.0, 131178.5, 1e308, config::kMaxPopulation + 1, std::numeric_limits<double>::infinity(),
                     std::numeric_limits<double>::quiet_NaN()}) {
    INFO(bad);
    CHECK(config::population_problem(bad));
  }
  const Problem p = problem_of([] { config::parse_run_config("[estimate]\npopulation = inf\n", "c.toml"); });
  CHECK(p.code == ErrorCode::ConfigInvalid);
  CHECK(p.pos.key == "estimate.population");
  const Problem q = problem_of([] { config::parse_run_config("[estimate]\npopulation = 0.5\n", "c.toml"); });
  CHECK(q.code == ErrorCode::ConfigInvalid);
  CHECK(q.value == "0.5");
  CHECK(q.pos.line == 2);
}

TEST_CASE("hardening_config_int_truncation: integer keys are range-checked, never narrowed", "[hardening][config]") {
  const Problem p = problem_of([] { config::parse_run_config("[estimate]\nmin_cell = 4294967296\n", "c.toml"); });
  CHECK(p.code == ErrorCode::ConfigInvalid);
  CHECK(p.pos.file == "c.toml");
  CHECK(p.pos.line == 2);
  CHECK(p.pos.key == "estimate.min_cell");
  CHECK(p.value == "4294967296");
  CHECK(config::parse_run_config("[estimate]\nmin_cell = 1000000\n", "c.toml").min_cell == 1000000);
  for (const char* key : {"rate_rounding", "rate_decimals"}) {
    const Problem r = problem_of([&] { config::parse_run_config(std::string("[estimate]\n") + key + " = 4294967297\n", "c.toml"); });
    CHECK(r.pos.key == std::string("estimate.") + key);
    CHECK(r.value == "4294967297");
  }
  const Problem lv = problem_of([] { config::parse_run_config("[estimate]\nlevel = 0.9999999999999999\n", "c.toml"); });
  CHECK(lv.pos.key == "estimate.level");
  const Problem nan = problem_of([] { config::parse_run_config("[estimate]\nlevel = nan\n", "c.toml"); });
  CHECK(nan.code == ErrorCode::ConfigInvalid);

  const std::string var = kCodebookHead;
  for (const char* head : {"[codebook]\nage_min = 4294967296\n", "[codebook]\nage_max = 4294967311\n", "[codebook]\nage_min = -1\n"}) {
    const Problem c = problem_of([&] { codebook::parse_codebook(std::string(head) + var, "cb.toml"); });
    INFO(head);
    CHECK(c.code == ErrorCode::CodebookInvalid);
    CHECK(c.pos.line == 2);
    CHECK_THAT(c.pos.key, Contains("codebook.age_"));
  }
  const Problem band = problem_of([&] {
    codebook::parse_codebook(var + "\n[[variable]]\nname = \"band\"\nrole = \"age\"\ntype = \"code\"\ncodes = [ { code = 1, min = 15, max = 4294967315 } ]\n",
                             "cb.toml");
  });
  CHECK(band.code == ErrorCode::CodebookInvalid);
  CHECK(band.value == "4294967315");
  CHECK_THAT(band.pos.key, Contains(".max"));
}

TEST_CASE("hardening_age_groups: overlapping groups and groups outside the codebook's ages are refused", "[hardening][estimate]") {
  using estimate::parse_age_group;
  CHECK_NOTHROW(estimate::check_age_groups({parse_age_group("15-39"), parse_age_group("40-64")}, 15, 64));
  CHECK_NOTHROW(estimate::check_age_groups({}, 15, 64));
  const Problem o = problem_of([] { estimate::check_age_groups({parse_age_group("15-50"), parse_age_group("40-64")}, 15, 64); });
  CHECK(o.code == ErrorCode::UsageInvalidOption);
  CHECK(o.value == "15-50,40-64");
  const Problem e = problem_of([] { estimate::check_age_groups({parse_age_group("40-64"), parse_age_group("40-49")}, 15, 64); });
  CHECK(e.value == "40-64,40-49");
  const Problem out = problem_of([] { estimate::check_age_groups({parse_age_group("10-39")}, 15, 64); });
  CHECK(out.value == "10-39");
  const Problem hi = problem_of([] { estimate::check_age_groups({parse_age_group("40-70")}, 15, 64); });
  CHECK(hi.value == "40-70");
}

TEST_CASE("hardening_replicate_bounds: jackknives over 2000 PSUs and huge PSU x replicate matrices are refused up front", "[hardening][replicates]") {
  estimate::PsuLayout L;
  const std::size_t P = estimate::kMaxReplicates + 1;
  L.stratum_id = {1};
  L.first = {0, P};
  L.psu_id.resize(P);
  for (std::size_t i = 0; i < P; ++i) L.psu_id[i] = static_cast<std::int64_t>(i);
  L.popsize = {std::numeric_limits<double>::quiet_NaN()};
  L.g = {1};
  for (auto kind : {estimate::CreatedReplicates::JK1, estimate::CreatedReplicates::JKn}) {
    const Problem p = problem_of([&] { estimate::make_multipliers(L, estimate::LonelyPsu::Fail, estimate::ReplicateRequest{kind}); });
    CHECK(p.code == ErrorCode::UsageInvalidOption);
    CHECK_THAT(p.message.en, Contains("limit 2000"));
  }
  const Problem b = problem_of([&] {
    estimate::make_multipliers(L, estimate::LonelyPsu::Fail, estimate::ReplicateRequest{estimate::CreatedReplicates::Bootstrap, 100000000, 1});
  });
  CHECK(b.code == ErrorCode::UsageInvalidOption);
  CHECK_THAT(b.message.en, Contains("50000000"));
  // Within the bounds the bootstrap is made.
  CHECK(estimate::make_multipliers(L, estimate::LonelyPsu::Fail, estimate::ReplicateRequest{estimate::CreatedReplicates::Bootstrap, 20, 1}).mult.cols() == 20);
}

TEST_CASE("hardening_weight_bound and ub_number_missing_cast: huge and non-finite number cells are row problems", "[hardening][ingest]") {
  const codebook::Codebook cb = codebook::parse_codebook(std::string("[codebook]\nage_min = 15\nage_max = 64\n") + kCodebookHead, "cb.toml");
  const std::string path = "hardening_limits_weights.csv";
  {
    std::ofstream out(path);
    out << "id,w\nA,1e300\nB,-1e300\nC,inf\nD,nan\nE,999\nF,1e12\nG,1000000000001\nH,2\n";
  }
  data::IngestOptions opt;
  const data::IngestResult r = data::ingest(path, cb, opt);
  std::remove(path.c_str());
  REQUIRE(r.rows_read == 8);
  CHECK(r.data.rows() == 2); // F (exactly 10^12) and H
  REQUIRE(r.rejected.size() == 6);
  for (const auto& row : r.rejected) {
    INFO(row.raw);
    REQUIRE(row.problems.size() == 1);
    CHECK(row.problems[0].code == ErrorCode::DataInvalidWeight);
  }
  CHECK_THAT(r.rejected[0].problems[0].message.en, Contains("10^12"));
  CHECK(r.rejected[4].raw == "E,999"); // the missing code: an empty weight
  CHECK_THAT(r.rejected[4].problems[0].message.en, Contains("missing"));
  CHECK_THAT(r.rejected[5].problems[0].message.en, Contains("10^12"));
}
