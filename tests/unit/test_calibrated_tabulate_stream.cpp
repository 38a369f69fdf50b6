// `tabulate --calibrate` in two passes (TabulateAccumulator with an estimate::CombinationCalibration, the residuals of
// estimate/calibrated_sums.hpp; docs/performance.md "Eighth session, calst2") against the data read whole
// (api::calibrate: the calibrated rows and their calibration residuals, then the accumulator with
// TabulateOptions::calibration — the row-level path R checks in cli.tabulate_vs_r before this session). The streamed
// path: data::IngestStream batches of 1, 7 and 65,536 rows, pass 1 into weights::WeightingStream::add, fit, pass 2
// weighed (each row's combination and input weight), the rows of nonzero weight into the calibrated accumulator.
// Every percentage is bitwise equal (Σ w y / Σ w in row order on both paths); SE, interval and deff agree to 1e-12
// relative; df, counts, bases, suppression and texts exactly; the streamed tables do not depend on the batch size
// (bitwise). Designs: the stratified two-stage calibration design (tests/data/design/calib*.toml) post-stratified
// and raked; outing, sex and duration over all and 広義, by age10 × sex, and with --where. And `report --calibrate`
// (api::ReportFolderStream with the calibration: the prevalence and every table calibrated from the sums) against
// api::build_report_folder on the data read whole: the same files, report.md byte for byte, the tables' CSVs to 1e-12.
#include "hkstat/api/design_options.hpp"
#include "hkstat/api/report_folder.hpp"
#include "hkstat/classify/classify.hpp"
#include "hkstat/classify/ruleset.hpp"
#include "hkstat/codebook/codebook.hpp"
#include "hkstat/config/run_config.hpp"
#include "hkstat/data/dataset.hpp"
#include "hkstat/estimate/calibrated_sums.hpp"
#include "hkstat/tabulate/accumulator.hpp"
#include "hkstat/tabulate/association_accumulator.hpp"
#include "hkstat/tabulate/tabulate.hpp"
#include "hkstat/weights/apply.hpp"

#include "calibrated_passes.hpp"
#include "test_util.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

using namespace hkstat;
using namespace hkstat::tabulate;

namespace {

const std::string kSrc = HKSTAT_SOURCE_DIR;
const std::string kData = kSrc + "/tests/data/design/design_survey.csv";
const std::string kCodebook = kSrc + "/tests/data/design/calib.codebook.toml";
const std::string kRules = kSrc + "/tests/data/weighted/core_only.toml";
const std::vector<std::string> kVars{"outing", "sex", "duration"};

TabulateOptions options(const codebook::Codebook& cb, const char* by, const char* where, std::optional<estimate::CiMethod> ci) {
  TabulateOptions o;
  o.domains = parse_domains("all,broad");
  o.by = parse_by(by);
  o.ci_method = ci;
  o.min_cell = 3;
  if (where) o.where.emplace(where, cb);
  return o;
}

std::vector<Distribution> in_memory(const config::RunConfig& cfg, const classify::RuleSet& rs, const TabulateOptions& to,
                                    const std::string& codebook = kCodebook) {
  auto ingest = data::ingest(kData, codebook::load_codebook(codebook), {});
  REQUIRE(ingest.rejected.empty());
  api::Calibrated cal = api::calibrate(ingest.data, cfg);
  TabulateOptions copt = to;
  copt.calibration = cal.calibration;
  copt.weighting = cal.weighting;
  const classify::Classification cls = classify::classify(cal.data, rs);
  TabulateAccumulator acc(kVars, copt);
  acc.add(cal.data, &cls);
  return acc.finish();
}

std::vector<Distribution> streamed(const config::RunConfig& cfg, const classify::RuleSet& rs, const TabulateOptions& to, std::size_t batch_rows,
                                   const std::string& codebook = kCodebook) {
  auto run = test::calibrated_passes(
      kData, codebook::load_codebook(codebook), cfg, batch_rows,
      [&](std::shared_ptr<const estimate::CombinationCalibration> cal) { return std::make_unique<TabulateAccumulator>(kVars, to, std::move(cal)); },
      [&](TabulateAccumulator& acc, const data::Dataset& part, const std::vector<std::size_t>& comb, const std::vector<double>& input) {
        const classify::Classification cls = classify::classify(part, rs);
        acc.add(part, &cls, comb, input);
      });
  std::vector<Distribution> out = run.accumulator->finish();
  for (Distribution& d : out) d.weighting = run.weighting;
  return out;
}

using test::near; // 1e-12 relative, NaN equals NaN (calibrated_passes.hpp)
using test::same; // bitwise, or both NaN

// The cells that differ from the uncalibrated SE show the residuals at work: count them (the test could not pass
// with the calibration ignored).
void check_near(const std::vector<Distribution>& a, const std::vector<Distribution>& b) {
  REQUIRE(a.size() == b.size());
  for (std::size_t t = 0; t < a.size(); ++t) {
    const Distribution &x = a[t], &y = b[t];
    INFO("table " << x.variable);
    CHECK(x.calibrated);
    CHECK(y.calibrated);
    CHECK(x.rows == y.rows);
    CHECK(x.design.ja == y.design.ja);
    CHECK(x.design.en == y.design.en);
    CHECK(x.weighting.ja == y.weighting.ja);
    CHECK(x.weighting.en == y.weighting.en);
    CHECK(x.method == y.method);
    CHECK(x.outside_forms == y.outside_forms);
    REQUIRE(x.blocks.size() == y.blocks.size());
    for (std::size_t i = 0; i < x.blocks.size(); ++i) {
      CHECK(x.blocks[i].base == y.blocks[i].base);
      CHECK(x.blocks[i].base_hidden == y.blocks[i].base_hidden);
      CHECK(x.blocks[i].age_band == y.blocks[i].age_band);
      CHECK(x.blocks[i].level_key() == y.blocks[i].level_key());
    }
    REQUIRE(x.cells.size() == y.cells.size());
    for (std::size_t i = 0; i < x.cells.size(); ++i) {
      const DistCell &c = x.cells[i], &d = y.cells[i];
      INFO("cell " << i << " block " << c.block << " " << c.label);
      CHECK(c.block == d.block);
      CHECK(c.code == d.code);
      CHECK(c.n == d.n);
      CHECK(c.hidden == d.hidden);
      CHECK(c.estimable == d.estimable);
      test::check_estimate_near(c.est, d.est);
      CHECK(c.small_base == d.small_base);
      CHECK(c.wide_ci == d.wide_ci);
    }
  }
}

void check_same(const std::vector<Distribution>& a, const std::vector<Distribution>& b) {
  REQUIRE(a.size() == b.size());
  for (std::size_t t = 0; t < a.size(); ++t) {
    REQUIRE(a[t].cells.size() == b[t].cells.size());
    for (std::size_t i = 0; i < a[t].cells.size(); ++i) {
      INFO("table " << t << " cell " << i);
      const DistCell &c = a[t].cells[i], &d = b[t].cells[i];
      CHECK(same(c.est.se, d.est.se));
      CHECK(same(c.est.deff, d.est.deff));
      CHECK(c.est.interval.has_value() == d.est.interval.has_value());
      if (c.est.interval && d.est.interval) CHECK(same(c.est.interval->lower, d.est.interval->lower));
    }
  }
}

// The tables' domains: the blocks (--by), --where and the interval method.
struct Cut {
  const char* name;
  const char* by;
  const char* where;
  std::optional<estimate::CiMethod> ci;
};

// For each run configuration and cut: the two streamed passes in batches of `first` and `others` rows equal the
// data read whole (to 1e-12; the batchings bitwise among themselves).
void check_streamed_whole(const test::NamedConfigs& configs, const std::vector<Cut>& cuts, std::size_t first, std::initializer_list<std::size_t> others,
                          const std::string& codebook = kCodebook) {
  const classify::RuleSet rs = classify::resolve_ruleset(kRules);
  const codebook::Codebook cb = codebook::load_codebook(codebook);
  test::check_streamed_whole(
      configs, cuts, [&](const config::RunConfig& cfg, const Cut& v) { return in_memory(cfg, rs, options(cb, v.by, v.where, v.ci), codebook); },
      [&](const config::RunConfig& cfg, const Cut& v, std::size_t size) { return streamed(cfg, rs, options(cb, v.by, v.where, v.ci), size, codebook); },
      [](const auto& a, const auto& b) { check_near(a, b); }, [](const auto& a, const auto& b) { check_same(a, b); }, first, others);
}

} // namespace

TEST_CASE("calibrated tabulation streamed in two passes = the data read whole (post-stratified, raked)", "[calibrate][stream][tabulate]") {
  check_streamed_whole(test::calib_configs(),
                       {Cut{"overall", "none", nullptr, std::nullopt}, Cut{"age10 x sex", "age10,sex", nullptr, std::nullopt},
                        Cut{"where, beta", "sex", "age >= 25", estimate::CiMethod::Beta}, Cut{"kg-nchs", "sex", nullptr, estimate::CiMethod::KgNchs}},
                       1, {7, 65536});
}

// Linear calibration (unbounded; bounded, the bounds binding), nonresponse cells and trimming (one pass; strict) on
// calib_rake's tables, as test_calibrated_stream.cpp's estimate: the residual models of the in-memory path.
TEST_CASE("calibrated tabulation streamed = the data read whole (linear, nonresponse cells, trimming)", "[calibrate][stream][tabulate]") {
  using Method = test::WeightingVariant;
  using WM = weights::WeightingMethod;
  // By sex, not age10 × sex: the complementary suppression of the larger table costs seconds a run, not this test's
  // subject (the two-pass test above has it).
  check_streamed_whole(test::rake_variants({Method{"linear", WM::Linear, 0, false, false, false}, Method{"linear bounded, cells", WM::Linear, 0.2, true, false, false},
                                            Method{"linear bounded (binding), strict trimming", WM::Linear, 0.415, false, true, true},
                                            Method{"rake, cells, trimmed", WM::Rake, 0, true, true, false},
                                            Method{"poststratify, cells, strict trimming", WM::PostStratify, 0, true, true, true}}),
                       {Cut{"by none", "none", nullptr, std::nullopt}, Cut{"by sex", "sex", nullptr, std::nullopt}}, 7, {1, 65536});
}

// Without a psu column (calib_nopsu: strata, fpc, each respondent its own PSU): the residuals' centred moments per
// stratum, a pattern per variable (estimate::CalibratedSums per stratum), against the in-memory rows.
TEST_CASE("calibrated tabulation streamed without a psu column = the data read whole", "[calibrate][stream][tabulate]") {
  const std::string nopsu = kSrc + "/tests/data/design/calib_nopsu.codebook.toml";
  REQUIRE(!codebook::load_codebook(nopsu).by_role(codebook::Role::Psu));
  using Method = test::WeightingVariant;
  using WM = weights::WeightingMethod;
  check_streamed_whole(test::rake_variants({Method{"rake", WM::Rake, 0, false, false, false}, Method{"linear bounded, cells", WM::Linear, 0.2, true, false, false},
                                            Method{"poststratify, cells, strict trimming", WM::PostStratify, 0, true, true, true}}),
                       {Cut{"by sex, where", "sex", "age >= 20", std::nullopt}}, 7, {1, 65536}, nopsu);
}

// --ci likelihood (docs/performance.md "Tenth session, caltest"): R's svyglm path on the calibrated design from the
// blocks' (weight, y) groups, the score's variance at μ̂ from the residual sums, against svy_likelihood_interval on
// the calibrated rows (the in-memory accumulator keeps them); with and without a psu column, by sex and with --where.
TEST_CASE("calibrated tabulation with likelihood intervals streamed = the data read whole", "[calibrate][stream][tabulate][likelihood]") {
  const classify::RuleSet rs = classify::resolve_ruleset(kRules);
  const config::RunConfig base = config::load_run_config(kSrc + "/tests/data/design/calib_rake.hkstat.toml");
  using Method = test::WeightingVariant;
  using WM = weights::WeightingMethod;
  for (const std::string& codebook : {kCodebook, kSrc + "/tests/data/design/calib_nopsu.codebook.toml"}) {
    const codebook::Codebook cb = codebook::load_codebook(codebook);
    for (const Method& m : {Method{"poststratify", WM::PostStratify, 0, false, false, false}, Method{"rake", WM::Rake, 0, false, false, false},
                            Method{"linear bounded, cells", WM::Linear, 0.2, true, false, false},
                            Method{"rake, cells, trimmed", WM::Rake, 0, true, true, false},
                            Method{"poststratify, cells, strict trimming", WM::PostStratify, 0, true, true, true}}) {
      const config::RunConfig cfg = test::with_variant(base, m);
      for (const char* where : {static_cast<const char*>(nullptr), "age >= 25"}) {
        INFO(codebook << ", " << m.name << ", where " << (where ? where : "-"));
        const TabulateOptions to = options(cb, "sex", where, estimate::CiMethod::Likelihood);
        const std::vector<Distribution> whole = in_memory(cfg, rs, to, codebook);
        std::size_t likelihood = 0;
        for (const Distribution& d : whole)
          for (const DistCell& c : d.cells) likelihood += c.est.interval_method == "likelihood";
        CHECK(likelihood > 20); // the likelihood path ran (not only the boundary fallback)
        test::check_batchings(
            whole, [&](std::size_t size) { return streamed(cfg, rs, to, size, codebook); },
            [](const auto& a, const auto& b) { check_near(a, b); }, [](const auto& a, const auto& b) { check_same(a, b); }, 7, {1, 65536});
      }
    }
  }
}

TEST_CASE("the calibration changes the tabulated SEs (the streamed residuals are not a no-op)", "[calibrate][stream][tabulate]") {
  // The same rows and calibrated weights without the residuals (an uncalibrated design with the calibrated weights)
  // give other SEs: outing's cells over all respondents differ by more than 1e-6 relative in at least one cell.
  const classify::RuleSet rs = classify::resolve_ruleset(kRules);
  const codebook::Codebook cb = codebook::load_codebook(kCodebook);
  const config::RunConfig cfg = config::load_run_config(kSrc + "/tests/data/design/calib_poststratify.hkstat.toml");
  const TabulateOptions to = options(cb, "none", nullptr, std::nullopt);
  auto ingest = data::ingest(kData, cb, {});
  api::Calibrated cal = api::calibrate(ingest.data, cfg);
  const classify::Classification cls = classify::classify(cal.data, rs);
  TabulateAccumulator plain(kVars, to);
  plain.add(cal.data, &cls);
  const std::vector<Distribution> uncal = plain.finish();
  const std::vector<Distribution> s = streamed(cfg, rs, to, 7);
  std::size_t differ = 0;
  REQUIRE(uncal[0].cells.size() == s[0].cells.size());
  for (std::size_t i = 0; i < s[0].cells.size(); ++i) {
    CHECK(same(uncal[0].cells[i].est.value, s[0].cells[i].est.value));
    const double a = uncal[0].cells[i].est.se, b = s[0].cells[i].est.se;
    differ += std::abs(a - b) > 1e-6 * std::max(a, b);
  }
  CHECK(differ > 0);
}

// A calibration of one combination (g = 2), for the accumulators' refusals.
static std::shared_ptr<const estimate::CombinationCalibration> one_cell_calibration() {
  weights::CombinationTable t(1);
  const std::int64_t c0 = 0;
  t.add(&c0, 1.0);
  weights::CombinationFit fit;
  fit.g = {2.0};
  return std::make_shared<const estimate::CombinationCalibration>(
      estimate::CombinationCalibration::of(weights::CalibrationKind::PostStratification, t, fit));
}

TEST_CASE("the calibrated tabulate accumulator refuses what it cannot do", "[calibrate][stream][tabulate]") {
  const codebook::Codebook cb = codebook::load_codebook(kCodebook);
  const auto cal = one_cell_calibration();
  TabulateOptions with_rows = options(cb, "none", nullptr, std::nullopt);
  with_rows.calibration = [](const Eigen::MatrixXd& z) { return z; };
  CHECK_THROWS_AS(TabulateAccumulator(kVars, with_rows, cal), Error);
  CHECK_THROWS_AS(TabulateAccumulator(kVars, options(cb, "none", nullptr, std::nullopt), nullptr), Error);
  TabulateAccumulator acc(kVars, options(cb, "none", nullptr, std::nullopt), cal);
  auto ingest = data::ingest(kData, cb, {});
  const classify::Classification cls = classify::classify(ingest.data, classify::resolve_ruleset(kRules));
  // Rows without their combinations: an internal error, not a silent uncalibrated table.
  CHECK_THROWS_AS(acc.add(ingest.data, &cls), Error);
  std::vector<std::size_t> comb(ingest.data.rows() + 1, 0);
  std::vector<double> d(ingest.data.rows() + 1, 1.0);
  CHECK_THROWS_AS(acc.add(ingest.data, &cls, comb, d), Error);
}

TEST_CASE("calibrated report streamed in two passes = the report of the data read whole", "[calibrate][stream][report]") {
  const codebook::Codebook cb = codebook::load_codebook(kCodebook);
  for (const char* config : {"calib_poststratify", "calib_rake"}) {
    INFO(config);
    const std::string cfg_path = kSrc + "/tests/data/design/" + config + ".hkstat.toml";
    const config::RunConfig cfg = config::load_run_config(cfg_path);
    const report::ReportTemplate tmpl = report::builtin_template();
    api::ReportFolderOptions ro;
    ro.out_dir = "calst2-report";
    ro.timestamp = "2025-03-01";
    ro.estimate.rules = kRules;
    ro.estimate.calibrate = true;
    ro.estimate.by = {"sex"};
    auto whole_in = data::ingest(kData, cb, {});
    const report::ReportOutput whole = api::build_report_folder(whole_in, kData, kCodebook, cfg, tmpl, ro);

    const weights::WeightingSpec& spec = *cfg.weighting;
    weights::WeightingStream ws(cb, spec);
    std::size_t rows = 0;
    data::Dataset meta;
    std::vector<Problem> warnings;
    {
      data::IngestStream in(kData, cb, {});
      data::IngestBatch b;
      while (in.next(7, b)) {
        ws.add(b.data);
        rows += b.data.rows();
        if (meta.columns.empty()) meta = data::with_weights(b.data, {}, {}, spec.weight_name); // the input without rows
      }
    }
    ws.fit();
    const auto kind = spec.method == weights::WeightingMethod::Rake ? weights::CalibrationKind::Raking : weights::CalibrationKind::PostStratification;
    auto cal = std::make_shared<const estimate::CombinationCalibration>(estimate::CombinationCalibration::of(kind, ws.table(), ws.combination_fit()));
    api::ReportFolderStream stream(meta.codebook, warnings, kData, kCodebook, cfg, tmpl, ro, {}, cal);
    data::IngestStream in(kData, cb, {});
    data::IngestBatch b;
    std::vector<double> w, input, kin;
    std::vector<weights::RowStatus> status;
    std::vector<std::size_t> comb, kcomb, keep;
    std::size_t weighted = 0;
    while (in.next(7, b)) {
      ws.weigh(b.data, w, status, comb, input);
      keep.clear();
      kcomb.clear();
      kin.clear();
      for (std::size_t i = 0; i < b.data.rows(); ++i)
        if (w[i] != 0) {
          keep.push_back(i);
          kcomb.push_back(comb[i]);
          kin.push_back(input[i]);
        }
      weighted += keep.size();
      if (!keep.empty()) stream.add(data::with_weights(b.data, keep, w, spec.weight_name), kcomb, kin);
    }
    stream.set_weighting(api::describe_weighting(ws.finish(), rows, weighted));
    const report::ReportOutput streamed = stream.finish(meta, weighted, 0, warnings);

    REQUIRE(whole.files.size() == streamed.files.size());
    std::size_t csvs = 0;
    for (std::size_t i = 0; i < whole.files.size(); ++i) {
      const auto& [name, content] = whole.files[i];
      INFO(name);
      REQUIRE(name == streamed.files[i].first);
      if (name == "report.md" || name.ends_with(".svg")) CHECK(content == streamed.files[i].second);
      else if (name.ends_with(".csv")) {
        testutil::csv_near(content, streamed.files[i].second, name);
        ++csvs;
      }
    }
    CHECK(csvs >= 3);
  }
}

// `tabulate --calibrate --test` in two passes (AssociationAccumulator with an estimate::CombinationCalibration: the
// two-way cells' calibration residuals from CalibratedSums, a measure per cell; docs/performance.md "Tenth session,
// caltest") against association_test on the calibrated data set read whole (Design::calibration, the row path R checks
// in cli.tabulate_vs_r: svychisq on the post-stratified and raked designs). Every weighting method, with and without a
// psu column; tests by sex, broad and another code variable. Statistic, df and p-values to 1e-12 relative, levels,
// N and ν exactly; the batchings bitwise among themselves.
namespace {

struct TestCase {
  const char* variable;
  TestTarget target;
};

const std::vector<TestCase>& test_cases() {
  static const std::vector<TestCase> c{{"outing", TestTarget{TestBy::Sex, ""}},
                                       {"duration", TestTarget{TestBy::Broad, ""}},
                                       {"outing", TestTarget{TestBy::Variable, "duration"}}};
  return c;
}

std::vector<AssociationTest> tests_in_memory(const config::RunConfig& cfg, const classify::RuleSet& rs, const std::string& codebook) {
  auto ingest = data::ingest(kData, codebook::load_codebook(codebook), {});
  REQUIRE(ingest.rejected.empty());
  api::Calibrated cal = api::calibrate(ingest.data, cfg);
  TabulateOptions copt;
  copt.calibration = cal.calibration;
  const classify::Classification cls = classify::classify(cal.data, rs);
  std::vector<AssociationTest> out;
  for (const TestCase& t : test_cases()) out.push_back(association_test(cal.data, &cls, t.variable, t.target, copt));
  return out;
}

std::vector<AssociationTest> tests_streamed(const config::RunConfig& cfg, const classify::RuleSet& rs, std::size_t batch_rows, const std::string& codebook) {
  using Accs = std::vector<AssociationAccumulator>;
  auto run = test::calibrated_passes(
      kData, codebook::load_codebook(codebook), cfg, batch_rows,
      [&](std::shared_ptr<const estimate::CombinationCalibration> cal) {
        auto accs = std::make_unique<Accs>();
        for (const TestCase& t : test_cases()) accs->emplace_back(t.variable, t.target, TabulateOptions{}, cal);
        return accs;
      },
      [&](Accs& accs, const data::Dataset& part, const std::vector<std::size_t>& comb, const std::vector<double>& input) {
        const classify::Classification cls = classify::classify(part, rs);
        for (AssociationAccumulator& a : accs) a.add(part, &cls, comb, input);
      });
  std::vector<AssociationTest> out;
  for (const AssociationAccumulator& a : *run.accumulator) out.push_back(a.finish());
  return out;
}

void check_tests(const std::vector<AssociationTest>& a, const std::vector<AssociationTest>& b, bool bitwise) {
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    const estimate::RaoScott &x = a[i].result, &y = b[i].result;
    INFO("test " << a[i].variable << " by " << a[i].by_variable << static_cast<int>(a[i].by));
    CHECK(x.row_levels == y.row_levels);
    CHECK(x.col_levels == y.col_levels);
    CHECK(x.n == y.n);
    CHECK(x.design_df == y.design_df);
    CHECK(x.df == y.df);
    const auto cmp = [&](double u, double v, const char* what) {
      if (bitwise) {
        INFO(what);
        CHECK(same(u, v));
      } else {
        near(u, v, what);
      }
    };
    cmp(x.f, y.f, "F");
    cmp(x.ndf, y.ndf, "ndf");
    cmp(x.ddf, y.ddf, "ddf");
    cmp(x.f_p, y.f_p, "F p");
    cmp(x.chisq_adjusted, y.chisq_adjusted, "chisq");
    cmp(x.chisq_p, y.chisq_p, "chisq p");
    cmp(x.pearson, y.pearson, "pearson");
    cmp(x.pearson_p, y.pearson_p, "pearson p");
    cmp(x.delta_trace, y.delta_trace, "tr delta");
    cmp(x.delta_trace_squared, y.delta_trace_squared, "tr delta^2");
    REQUIRE(x.proportions.size() == y.proportions.size());
    for (Eigen::Index k = 0; k < x.proportions.size(); ++k) cmp(x.proportions(k), y.proportions(k), "p");
  }
}

} // namespace

TEST_CASE("calibrated Rao-Scott test streamed in two passes = the data read whole", "[calibrate][stream][tabulate][association]") {
  const classify::RuleSet rs = classify::resolve_ruleset(kRules);
  const std::string nopsu = kSrc + "/tests/data/design/calib_nopsu.codebook.toml";
  const config::RunConfig rake = config::load_run_config(kSrc + "/tests/data/design/calib_rake.hkstat.toml");
  REQUIRE(rake.weighting);
  using Method = test::WeightingVariant;
  using WM = weights::WeightingMethod;
  struct Run {
    std::string name;
    config::RunConfig cfg;
    std::string codebook;
  };
  std::vector<Run> runs{{"poststratify", config::load_run_config(kSrc + "/tests/data/design/calib_poststratify.hkstat.toml"), kCodebook},
                        {"rake", rake, kCodebook}};
  for (const Method& m : {Method{"linear bounded, cells", WM::Linear, 0.2, true, false, false},
                          Method{"linear bounded (binding), strict trimming", WM::Linear, 0.415, false, true, true},
                          Method{"rake, cells, trimmed", WM::Rake, 0, true, true, false},
                          Method{"poststratify, cells, strict trimming", WM::PostStratify, 0, true, true, true}})
    runs.push_back({m.name, test::with_variant(rake, m), kCodebook});
  for (const Method& m : {Method{"rake", WM::Rake, 0, false, false, false}, Method{"linear bounded, cells", WM::Linear, 0.2, true, false, false},
                          Method{"poststratify, cells, strict trimming", WM::PostStratify, 0, true, true, true},
                          Method{"rake, cells, trimmed", WM::Rake, 0, true, true, false}})
    runs.push_back({std::string("no psu column, ") + m.name, test::with_variant(rake, m), nopsu});
  for (const Run& r : runs) {
    INFO(r.name);
    const std::vector<AssociationTest> whole = tests_in_memory(r.cfg, rs, r.codebook);
    test::check_batchings(
        whole, [&](std::size_t size) { return tests_streamed(r.cfg, rs, size, r.codebook); },
        [](const auto& a, const auto& b) { check_tests(a, b, false); }, [](const auto& a, const auto& b) { check_tests(a, b, true); }, 7,
        {1, 65536});
  }
}

TEST_CASE("the calibrated Rao-Scott test is not the uncalibrated one on the same weights", "[calibrate][stream][tabulate][association]") {
  // The calibrated rows' test without the residuals (association_test on an uncalibrated design with the calibrated
  // weights) gives another F: the streamed residuals are at work.
  const classify::RuleSet rs = classify::resolve_ruleset(kRules);
  for (const std::string& codebook : {kCodebook, kSrc + "/tests/data/design/calib_nopsu.codebook.toml"}) {
    INFO(codebook);
    const config::RunConfig cfg = config::load_run_config(kSrc + "/tests/data/design/calib_rake.hkstat.toml");
    auto ingest = data::ingest(kData, codebook::load_codebook(codebook), {});
    api::Calibrated cal = api::calibrate(ingest.data, cfg);
    const classify::Classification cls = classify::classify(cal.data, rs);
    const std::vector<AssociationTest> s = tests_streamed(cfg, rs, 7, codebook);
    for (std::size_t i = 0; i < s.size(); ++i) {
      const TestCase& t = test_cases()[i];
      const AssociationTest plain = association_test(cal.data, &cls, t.variable, t.target, TabulateOptions{});
      near(plain.result.pearson, s[i].result.pearson, "pearson (the same weighted table)");
      CHECK(std::abs(plain.result.f - s[i].result.f) > 1e-6 * std::abs(s[i].result.f));
    }
  }
}

TEST_CASE("the calibrated test accumulator refuses what it cannot do", "[calibrate][stream][tabulate][association]") {
  const codebook::Codebook cb = codebook::load_codebook(kCodebook);
  const auto cal = one_cell_calibration();
  const TestTarget by_sex{TestBy::Sex, ""};
  CHECK_THROWS_AS(AssociationAccumulator("outing", by_sex, TabulateOptions{}, nullptr), Error);
  TabulateOptions created;
  created.replicate_request = estimate::ReplicateRequest{};
  CHECK_THROWS_AS(AssociationAccumulator("outing", by_sex, created, cal), Error);
  AssociationAccumulator acc("outing", by_sex, TabulateOptions{}, cal);
  auto ingest = data::ingest(kData, cb, {});
  // Rows without their combinations: an internal error, not a silent uncalibrated test.
  CHECK_THROWS_AS(acc.add(ingest.data, nullptr), Error);
  std::vector<std::size_t> comb(ingest.data.rows() + 1, 0);
  std::vector<double> d(ingest.data.rows() + 1, 1.0);
  CHECK_THROWS_AS(acc.add(ingest.data, nullptr, comb, d), Error);
}
