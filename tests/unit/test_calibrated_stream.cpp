// `estimate --calibrate` in two passes (estimate/calibrated_sums.hpp, docs/performance.md "Seventh session, calst")
// against the data read whole (api::calibrate: the calibrated rows and their calibration residuals, then
// estimate_prevalence with PrevalenceOptions::calibration, the path R checks in cli.design_vs_r calib_*,
// deff_vs_r, where_vs_r). The streamed path: data::IngestStream batches of 1, 7 and 65,536 rows, pass 1 into
// weights::WeightingStream::add, fit, pass 2 weighed (with each row's combination and input weight) and the rows of
// nonzero weight into PrevalenceAccumulator(options, CombinationCalibration). Every estimate, SE, df, interval,
// deff and difference agrees to 1e-12 relative (the residuals are summed per combination instead of per row: the
// order of summation is the only difference), counts and texts exactly; the streamed results do not depend on the
// batch size (bitwise). Designs: the stratified two-stage calibration design (tests/data/design/calib*.toml)
// post-stratified and raked, overall and age groups, --by sex, --where; the same without its psu column
// (calib_nopsu.codebook.toml: the residuals' moments per stratum).
#include "hkstat/api/design_options.hpp"
#include "hkstat/classify/classify.hpp"
#include "hkstat/classify/ruleset.hpp"
#include "hkstat/codebook/codebook.hpp"
#include "hkstat/config/run_config.hpp"
#include "hkstat/data/dataset.hpp"
#include "hkstat/estimate/calibrated_sums.hpp"
#include "hkstat/estimate/prevalence.hpp"
#include "hkstat/estimate/prevalence_accumulator.hpp"
#include "hkstat/weights/apply.hpp"

#include "calibrated_passes.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

using namespace hkstat;
using namespace hkstat::estimate;

namespace {

const std::string kSrc = HKSTAT_SOURCE_DIR;
const std::string kData = kSrc + "/tests/data/design/design_survey.csv";
const std::string kCodebook = kSrc + "/tests/data/design/calib.codebook.toml";
const std::string kRules = kSrc + "/tests/data/weighted/core_only.toml";

PrevalenceOptions options(const codebook::Codebook& cb, std::vector<std::string> by, const char* where) {
  PrevalenceOptions o;
  o.groups = {parse_age_group("15-39"), parse_age_group("40-64")};
  o.rate_rounding = 1;
  o.by = std::move(by);
  if (where) o.where.emplace(where, cb);
  return o;
}

PrevalenceResult in_memory(const config::RunConfig& cfg, const classify::RuleSet& rs, const PrevalenceOptions& po,
                           const std::string& codebook = kCodebook) {
  auto ingest = data::ingest(kData, codebook::load_codebook(codebook), {});
  REQUIRE(ingest.rejected.empty());
  api::Calibrated cal = api::calibrate(ingest.data, cfg);
  PrevalenceOptions copt = po;
  copt.calibration = cal.calibration;
  copt.weighting = cal.weighting;
  return estimate_prevalence(cal.data, classify::classify(cal.data, rs), copt);
}

PrevalenceResult streamed(const config::RunConfig& cfg, const classify::RuleSet& rs, const PrevalenceOptions& po, std::size_t batch_rows,
                          const std::string& codebook = kCodebook) {
  auto run = test::calibrated_passes(
      kData, codebook::load_codebook(codebook), cfg, batch_rows,
      [&](std::shared_ptr<const CombinationCalibration> cal) { return std::make_unique<PrevalenceAccumulator>(po, std::move(cal)); },
      [&](PrevalenceAccumulator& acc, const data::Dataset& part, const std::vector<std::size_t>& comb, const std::vector<double>& input) {
        acc.add(part, classify::classify(part, rs), comb, input);
      });
  PrevalenceResult r = run.accumulator->finish();
  r.weighting = run.weighting;
  return r;
}

using test::near; // 1e-12 relative, NaN equals NaN (calibrated_passes.hpp)
using test::same; // bitwise, or both NaN

void check_near(const PrevalenceResult& a, const PrevalenceResult& b) {
  CHECK(a.calibrated);
  CHECK(b.calibrated);
  CHECK(a.design.ja == b.design.ja);
  CHECK(a.design.en == b.design.en);
  CHECK(a.weighting.ja == b.weighting.ja);
  CHECK(a.weighting.en == b.weighting.en);
  CHECK(a.design_df == b.design_df);
  CHECK(a.method == b.method);
  CHECK(a.n == b.n);
  CHECK(a.outing_missing == b.outing_missing);
  CHECK(a.age_missing == b.age_missing);
  CHECK(a.outside_forms == b.outside_forms);
  REQUIRE(a.cells.size() == b.cells.size());
  for (std::size_t i = 0; i < a.cells.size(); ++i) {
    const PrevalenceCell &x = a.cells[i], &y = b.cells[i];
    INFO("cell " << i << " " << x.group << " " << measure_id(x.measure) << " " << x.by_variable << "=" << x.by_level);
    CHECK(x.measure == y.measure);
    CHECK(x.group == y.group);
    CHECK(x.by_level == y.by_level);
    CHECK(x.cases == y.cases);
    test::check_estimate_near(x.est, y.est);
    CHECK(x.rate_used == y.rate_used);
  }
  REQUIRE(a.differences.size() == b.differences.size());
  for (std::size_t i = 0; i < a.differences.size(); ++i) {
    const GroupDifference &x = a.differences[i], &y = b.differences[i];
    INFO("difference " << i << " " << x.group << " " << x.by_variable);
    CHECK(x.group == y.group);
    CHECK(x.reference == y.reference);
    near(x.difference, y.difference, "difference");
    near(x.se, y.se, "difference se");
    CHECK(x.df == y.df);
    near(x.ci.lower, y.ci.lower, "difference lower");
    near(x.ci.upper, y.ci.upper, "difference upper");
  }
}

void check_same(const PrevalenceResult& a, const PrevalenceResult& b) {
  REQUIRE(a.cells.size() == b.cells.size());
  for (std::size_t i = 0; i < a.cells.size(); ++i) {
    INFO("cell " << i);
    CHECK(same(a.cells[i].est.se, b.cells[i].est.se));
    CHECK(same(a.cells[i].est.interval->lower, b.cells[i].est.interval->lower));
    CHECK(same(a.cells[i].est.deff, b.cells[i].est.deff));
  }
  REQUIRE(a.differences.size() == b.differences.size());
  for (std::size_t i = 0; i < a.differences.size(); ++i) CHECK(same(a.differences[i].se, b.differences[i].se));
}

// The estimate's domains: age groups only, by sex, by sex within a --where.
struct Cut {
  const char* name;
  std::vector<std::string> by;
  const char* where;
  std::optional<CiMethod> ci = std::nullopt;
};
const std::vector<Cut> kAllCuts = {{"groups", {}, nullptr}, {"by sex", {"sex"}, nullptr}, {"where", {"sex"}, "age >= 25"}};

// For each run configuration and cut: the two streamed passes in every batching equal the data read whole (to
// 1e-12; the batchings bitwise among themselves).
void check_streamed_whole(const test::NamedConfigs& configs, const std::vector<Cut>& cuts, const std::string& codebook = kCodebook) {
  const classify::RuleSet rs = classify::resolve_ruleset(kRules);
  const codebook::Codebook cb = codebook::load_codebook(codebook);
  // The cut's domains and interval method.
  const auto cut_options = [&](const Cut& v) {
    PrevalenceOptions po = options(cb, v.by, v.where);
    po.ci_method = v.ci;
    return po;
  };
  test::check_streamed_whole(
      configs, cuts, [&](const config::RunConfig& cfg, const Cut& v) { return in_memory(cfg, rs, cut_options(v), codebook); },
      [&](const config::RunConfig& cfg, const Cut& v, std::size_t size) { return streamed(cfg, rs, cut_options(v), size, codebook); },
      [](const auto& a, const auto& b) { check_near(a, b); }, [](const auto& a, const auto& b) { check_same(a, b); }, 1, {7, 65536});
}

} // namespace

TEST_CASE("calibrated estimate streamed in two passes = the data read whole (post-stratified, raked)", "[calibrate][stream]") {
  check_streamed_whole(test::calib_configs(), kAllCuts);
}

// Linear calibration (unbounded; bounded), nonresponse cells and trimming (one pass; strict), on the tables of
// calib_rake (age band, sex). Their residual models are the in-memory path's (weights::calibration_residuals on
// apply_weighting's CalibrationInfo): linear the regression on the tables' categories, nonresponse cells the
// calibration's with the adjusted input weights, trimming the untrimmed calibration's with scores of the trimmed
// weights.
TEST_CASE("calibrated estimate streamed = the data read whole (linear, nonresponse cells, trimming)", "[calibrate][stream]") {
  using Method = test::WeightingVariant;
  using WM = weights::WeightingMethod;
  check_streamed_whole(test::rake_variants({Method{"linear", WM::Linear, 0, false, false, false}, Method{"linear bounded, cells", WM::Linear, 0.2, true, false, false},
                                            Method{"linear bounded (binding), trimmed", WM::Linear, 0.415, false, true, false},
                                            Method{"linear bounded (binding), strict trimming", WM::Linear, 0.415, false, true, true},
                                            Method{"rake, cells, trimmed", WM::Rake, 0, true, true, false},
                                            Method{"rake, strict trimming", WM::Rake, 0, false, true, true},
                                            Method{"poststratify, cells, strict trimming", WM::PostStratify, 0, true, true, true}}),
                       kAllCuts);
}

// Without a psu column (calib_nopsu: strata, fpc = the stratum population, each respondent its own PSU) the
// residuals' centred moments per stratum (CalibratedSums per stratum, stratum_centred_vcov) against the in-memory
// rows, each row its own PSU in psu_vcov.
TEST_CASE("calibrated estimate streamed without a psu column = the data read whole", "[calibrate][stream]") {
  const std::string nopsu = kSrc + "/tests/data/design/calib_nopsu.codebook.toml";
  REQUIRE(!codebook::load_codebook(nopsu).by_role(codebook::Role::Psu));
  using Method = test::WeightingVariant;
  using WM = weights::WeightingMethod;
  check_streamed_whole(test::rake_variants({Method{"poststratify", WM::PostStratify, 0, false, false, false}, Method{"rake", WM::Rake, 0, false, false, false},
                                            Method{"linear bounded, cells", WM::Linear, 0.2, true, false, false},
                                            Method{"linear bounded (binding), trimmed", WM::Linear, 0.415, false, true, false},
                                            Method{"rake, cells, trimmed", WM::Rake, 0, true, true, false},
                                            Method{"poststratify, cells, strict trimming", WM::PostStratify, 0, true, true, true}}),
                       {kAllCuts[1], kAllCuts[2]}, nopsu);
}

// --ci likelihood (docs/performance.md "Tenth session, caltest"): R's svyglm path on the calibrated design from the
// domains' (weight, y) groups (every row of the design, zero weight outside the domain) and the score's variance at
// μ̂ from the residual sums, against svy_likelihood_interval on the calibrated rows; with and without a psu column.
TEST_CASE("calibrated estimate with likelihood intervals streamed = the data read whole", "[calibrate][stream][likelihood]") {
  using Method = test::WeightingVariant;
  using WM = weights::WeightingMethod;
  const std::vector<Cut> cuts = {{"by sex, likelihood", {"sex"}, nullptr, CiMethod::Likelihood},
                                 {"where, likelihood", {"sex"}, "age >= 25", CiMethod::Likelihood}};
  const auto configs = test::rake_variants({Method{"poststratify", WM::PostStratify, 0, false, false, false}, Method{"rake", WM::Rake, 0, false, false, false},
                                      Method{"linear bounded, cells", WM::Linear, 0.2, true, false, false},
                                      Method{"rake, cells, trimmed", WM::Rake, 0, true, true, false},
                                      Method{"poststratify, cells, strict trimming", WM::PostStratify, 0, true, true, true}});
  SECTION("with a psu column") { check_streamed_whole(configs, cuts); }
  SECTION("without a psu column") { check_streamed_whole(configs, cuts, kSrc + "/tests/data/design/calib_nopsu.codebook.toml"); }
}

TEST_CASE("the calibrated accumulator refuses what it cannot do", "[calibrate][stream]") {
  const codebook::Codebook cb = codebook::load_codebook(kCodebook);
  weights::CombinationTable t(1);
  const std::int64_t c0 = 0;
  t.add(&c0, 1.0);
  weights::CombinationFit fit;
  fit.g = {2.0};
  auto cal = std::make_shared<const CombinationCalibration>(CombinationCalibration::of(weights::CalibrationKind::PostStratification, t, fit));
  PrevalenceOptions po = options(cb, {}, nullptr);
  po.replicate_request = ReplicateRequest{};
  CHECK_THROWS_AS(PrevalenceAccumulator(po, cal), Error);
  CHECK_THROWS_AS(CombinationCalibration::of(weights::CalibrationKind::Linear, t, fit), Error); // linear without its x
  CHECK_THROWS_AS(CombinationCalibration::of(weights::CalibrationKind::Linear, t, fit, 10, Eigen::MatrixXd::Ones(2, 1)), Error);
  PrevalenceAccumulator acc(options(cb, {}, nullptr), cal);
  auto ingest = data::ingest(kData, cb, {});
  // Rows without their combinations: an internal error, not a silent uncalibrated estimate.
  CHECK_THROWS_AS(acc.add(ingest.data, classify::classify(ingest.data, classify::resolve_ruleset(kRules))), Error);
}
