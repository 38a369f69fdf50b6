// `hkstat weight` in two passes (weights::WeightingStream, docs/performance.md "Check of 2026-12-06, calib") against
// the data read whole (weights::apply_weighting): on every calibration design of tests/unit/test_weight_apply.cpp
// that streams (post-stratification, raking, none; with response, bands, dropped rows), the file read in batches of
// 1, 7 and 65,536 rows by data::IngestStream gives the same weights, statuses and diagnostics bit for bit; and the
// errors that need every row (an unmatched category and how many rows have it) are the same.
#include "hkstat/codebook/codebook.hpp"
#include "hkstat/core/error.hpp"
#include "hkstat/data/dataset.hpp"
#include "hkstat/weights/apply.hpp"

#include <catch2/catch.hpp>

#include "test_util.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

using namespace hkstat;
using namespace hkstat::weights;

namespace {

const std::string kSrc = HKSTAT_SOURCE_DIR;

struct Design {
  std::string name, csv, codebook;
  WeightingSpec spec;
};

PopulationTableSpec table(const std::string& path, std::vector<std::string> vars) { return PopulationTableSpec{path, std::move(vars)}; }

std::vector<Design> designs() {
  std::vector<Design> out;
  {
    const std::string g = kSrc + "/tests/golden/weight/";
    const std::string csv = g + "design_sample.csv", cb = kSrc + "/tests/data/weight/design_sample.codebook.toml";
    const std::string pop = g + "design_population.csv";
    WeightingSpec ps;
    ps.tables = {table(pop, {"ageband", "sex"})};
    WeightingSpec rk;
    rk.method = WeightingMethod::Rake;
    rk.tables = {table(pop, {"ageband"}), table(pop, {"sex"}), table(pop, {"region"})};
    WeightingSpec none = ps;
    none.method = WeightingMethod::None;
    out.push_back({"design ps", csv, cb, ps});
    out.push_back({"design rake", csv, cb, rk});
    out.push_back({"design none", csv, cb, none});
  }
  {
    const std::string csv = kSrc + "/data/samples/nishitokyo2024.csv", cb = kSrc + "/data/samples/nishitokyo2024.codebook.toml";
    const std::string pop = kSrc + "/data/samples/nishitokyo2024.population_age_sex.csv";
    WeightingSpec ps;
    ps.bands = {parse_band_variable("age_band=問2:15-19,20-29,30-39,40-49,50-59,60-64", "test")};
    ps.tables = {table(pop, {})};
    ps.unmatched = Unmatched::Drop;
    WeightingSpec rk = ps;
    rk.method = WeightingMethod::Rake;
    rk.tables = {table(pop, {"age_band"}), table(pop, {"問1"})};
    out.push_back({"nishitokyo ps (dropped rows)", csv, cb, ps});
    out.push_back({"nishitokyo rake (dropped rows)", csv, cb, rk});
  }
  {
    const std::string dir = kSrc + "/tests/golden/weighting/";
    const std::string csv = dir + "sample.csv", cb = kSrc + "/tests/data/weight/weighting_sample.codebook.toml";
    const std::string pop = dir + "population.csv";
    WeightingSpec ps;
    ps.response = ResponseSpec{"responded", {1}, {}};
    ps.tables = {table(pop, {"ageband", "sex"})};
    WeightingSpec rk = ps;
    rk.method = WeightingMethod::Rake;
    rk.tables = {table(pop, {"ageband"}), table(pop, {"sex"}), table(pop, {"district"})};
    out.push_back({"weighting ps (nonrespondents)", csv, cb, ps});
    out.push_back({"weighting rake (nonrespondents)", csv, cb, rk});
    // Nonresponse cells: one more pass (the cells' sums) before pass 1.
    WeightingSpec ps_cells = ps;
    ps_cells.response->cells = {"district"};
    WeightingSpec rk_cells = rk;
    rk_cells.response->cells = {"ageband", "sex"};
    out.push_back({"weighting ps (nonresponse cells)", csv, cb, ps_cells});
    out.push_back({"weighting rake (nonresponse cells)", csv, cb, rk_cells});
    // Linear calibration on the tables' categories: the Newton steps on the combination table (fit_linear).
    WeightingSpec lin = rk;
    lin.method = WeightingMethod::Linear;
    WeightingSpec lin_bounded = lin;
    lin_bounded.bounds = std::make_pair(0.7, 1.6);
    lin_bounded.response->cells = {"district"};
    out.push_back({"weighting linear (nonrespondents)", csv, cb, lin});
    out.push_back({"weighting linear bounded (nonresponse cells)", csv, cb, lin_bounded});
  }
  return out;
}

WeightingResult whole(const Design& d) {
  data::IngestResult r = data::ingest(d.csv, codebook::load_codebook(d.codebook), data::IngestOptions{});
  REQUIRE(r.rejected.empty());
  return apply_weighting(r.data, d.spec);
}

// The two passes as `hkstat weight` runs them, batches of `size` rows; the per-row vectors filled from pass 2.
WeightingResult streamed(const Design& d, std::size_t size) {
  const auto cb = codebook::load_codebook(d.codebook);
  WeightingStream ws(cb, d.spec);
  if (ws.prepass_needed()) {
    data::IngestStream stream(d.csv, cb, {});
    data::IngestBatch batch;
    while (stream.next(size, batch)) ws.prepass(batch.data);
    ws.end_prepass();
  }
  {
    data::IngestStream stream(d.csv, cb, {});
    data::IngestBatch batch;
    while (stream.next(size, batch)) ws.add(batch.data);
  }
  ws.fit();
  while (ws.trim_pending()) {
    data::IngestStream stream(d.csv, cb, {});
    data::IngestBatch batch;
    while (stream.next(size, batch)) ws.trim_pass(batch.data);
    ws.end_trim_pass();
  }
  std::vector<double> weights;
  std::vector<RowStatus> status;
  {
    data::IngestStream stream(d.csv, cb, {});
    data::IngestBatch batch;
    std::vector<double> w;
    std::vector<RowStatus> st;
    while (stream.next(size, batch)) {
      ws.weigh(batch.data, w, st);
      REQUIRE(w.size() == batch.data.rows());
      weights.insert(weights.end(), w.begin(), w.end());
      status.insert(status.end(), st.begin(), st.end());
    }
  }
  WeightingResult r = ws.finish();
  r.weights = std::move(weights);
  r.status = std::move(status);
  return r;
}

void check_same(const WeightDiagnostics& a, const WeightDiagnostics& b) {
  CHECK(a.n == b.n);
  CHECK(a.n_zero == b.n_zero);
  CHECK(a.n_negative == b.n_negative);
  CHECK(a.min == b.min);
  CHECK(a.max == b.max);
  CHECK(a.sum == b.sum);
  CHECK(a.mean == b.mean);
  CHECK(a.cv == b.cv);
  CHECK(a.kish_n_eff == b.kish_n_eff);
  CHECK(a.weighting_effect == b.weighting_effect);
  CHECK(a.max_abs_rel_diff == b.max_abs_rel_diff);
  REQUIRE(a.margins.size() == b.margins.size());
  for (std::size_t k = 0; k < a.margins.size(); ++k) {
    INFO(a.margins[k].margin << " " << a.margins[k].label);
    CHECK(a.margins[k].label == b.margins[k].label);
    CHECK(a.margins[k].n == b.margins[k].n);
    CHECK(a.margins[k].target == b.margins[k].target);
    CHECK(a.margins[k].achieved == b.margins[k].achieved);
  }
}

} // namespace

TEST_CASE("weight in two passes: batches of 1, 7 and 65536 rows give the whole file's weights and diagnostics bit for bit", "[weight][stream]") {
  for (const Design& d : designs()) {
    INFO(d.name);
    const WeightingResult w = whole(d);
    for (std::size_t size : {1u, 7u, 65536u}) {
      INFO("batch size " << size);
      const WeightingResult s = streamed(d, size);
      REQUIRE(s.weights.size() == w.weights.size());
      std::size_t differ = 0;
      for (std::size_t i = 0; i < w.weights.size(); ++i) differ += s.weights[i] != w.weights[i] || s.status[i] != w.status[i];
      CHECK(differ == 0);
      CHECK(s.iterations == w.iterations);
      CHECK(s.max_rel_misfit == w.max_rel_misfit);
      CHECK(s.nonrespondents == w.nonrespondents);
      CHECK(s.base_weight == w.base_weight);
      REQUIRE(s.unmatched.size() == w.unmatched.size());
      for (std::size_t k = 0; k < w.unmatched.size(); ++k) {
        CHECK(s.unmatched[k].value == w.unmatched[k].value);
        CHECK(s.unmatched[k].rows == w.unmatched[k].rows);
        CHECK(s.unmatched[k].first_line == w.unmatched[k].first_line);
      }
      check_same(s.input_diagnostics, w.input_diagnostics);
      check_same(s.diagnostics, w.diagnostics);
    }
  }
}

TEST_CASE("weight in two passes: an unmatched row's error counts every such row", "[weight][stream]") {
  // 西東京市 post-stratified without dropping: the rows whose 問1 is 3 (or 9) are not in the table. The error names
  // the first such row and how many there are, read whole or in batches of 7.
  Design d = designs()[3];
  d.spec.unmatched = Unmatched::Error;
  const Problem a = testutil::problem_of([&] { whole(d); });
  const Problem b = testutil::problem_of([&] { streamed(d, 7); });
  CHECK(a.code == b.code);
  CHECK(a.message.en == b.message.en);
  CHECK(a.pos.line == b.pos.line);
  CHECK(a.value == b.value);

  // Nonresponse cells without a single respondent: the same error after the extra pass.
  Design c = designs()[7];
  REQUIRE(!c.spec.response->cells.empty());
  c.spec.response->codes = {99};
  const Problem e = testutil::problem_of([&] { whole(c); });
  const Problem f = testutil::problem_of([&] { streamed(c, 7); });
  CHECK(e.code == ErrorCode::EstimateNoData);
  CHECK(e.code == f.code);
  CHECK(e.message.en == f.message.en);
}

// The in-memory `hkstat weight` fits linear calibration on the combination table too (one mechanism); here the table
// fit is checked against the row-level calibrate_linear (the R-checked function) on data with many rows per
// combination: g per row within 1e-12 relative, unbounded and bounded, with the same number of Newton steps.
TEST_CASE("linear calibration on the combination table agrees with calibrate_linear on the rows", "[weight][stream][linear]") {
  const std::size_t n = 600;
  std::vector<double> d(n);
  std::vector<std::int64_t> a(n), b(n);
  std::uint64_t state = 12345;
  const auto next = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(state >> 11) / 9007199254740992.0;
  };
  for (std::size_t i = 0; i < n; ++i) {
    a[i] = static_cast<std::int64_t>(next() * 3);
    b[i] = static_cast<std::int64_t>(next() * 4);
    d[i] = 12 + 10 * next();
  }
  // Columns: a = 0, 1, 2 and b = 1, 2, 3 (as apply_weighting builds them).
  const Eigen::Index p = 6;
  const auto x_of = [&](std::int64_t ai, std::int64_t bi) {
    Eigen::RowVectorXd x = Eigen::RowVectorXd::Zero(p);
    x[ai] = 1;
    if (bi > 0) x[2 + bi] = 1;
    return x;
  };
  Eigen::MatrixXd X(static_cast<Eigen::Index>(n), p);
  CombinationTable t(2);
  std::vector<std::size_t> comb(n);
  for (std::size_t i = 0; i < n; ++i) {
    X.row(static_cast<Eigen::Index>(i)) = x_of(a[i], b[i]);
    const std::int64_t key[2] = {a[i], b[i]};
    comb[i] = t.add(key, d[i]);
  }
  Eigen::MatrixXd Xk(static_cast<Eigen::Index>(t.size()), p);
  for (std::size_t k = 0; k < t.size(); ++k) Xk.row(static_cast<Eigen::Index>(k)) = x_of(t.cell(k, 0), t.cell(k, 1));
  Eigen::VectorXd totals(p);
  totals << 3000, 2500, 4500, 2500, 2500, 2500; // a sums to 10000; b's first category 2500
  for (const auto& [lower, upper] : {std::pair{-std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity()}, std::pair{0.7, 1.35}}) {
    INFO("bounds " << lower << " " << upper);
    CalibControl ctl;
    ctl.lower = lower;
    ctl.upper = upper;
    const CalibResult rows = calibrate_linear(d, X, totals, ctl);
    const CombinationFit table = fit_linear(t, Xk, totals, ctl);
    CHECK(rows.iterations == table.iterations);
    if (upper < 2) CHECK(rows.iterations > 1); // the bounds bind: several Newton steps
    double worst = 0;
    for (std::size_t i = 0; i < n; ++i) worst = std::max(worst, std::abs(table.g[comb[i]] - rows.g[i]) / std::abs(rows.g[i]));
    CHECK(worst <= 1e-12);
  }
}

// Trimming in passes (weights::TrimPasses): the streamed weights (each row replayed from d · g through the passes so
// far) equal the in-memory ones, and both equal trim_weights (R trimWeights, R-checked in test_weighting) applied to
// the untrimmed weights, bit for bit; one pass, and strict (several passes until every weight is inside).
TEST_CASE("weight with trimming in passes: batches of 1, 7 and 65536 rows give trim_weights' weights bit for bit", "[weight][stream][trim]") {
  const std::vector<Design> all = designs();
  for (const std::size_t which : {0u, 3u, 6u, 9u, 10u}) { // design ps, 西東京市 ps, weighting rake, linear, linear bounded
    const Design& base = all[which];
    const WeightingResult untrimmed = whole(base);
    // Bounds (a) inside the range at both ends; (b) only an upper bound that some weights equal: strict trimming then
    // needs a second pass that changes weights (the shares push those over it) and a third that finds none outside.
    std::vector<double> positive;
    for (double x : untrimmed.weights)
      if (x > 0) positive.push_back(x);
    std::sort(positive.begin(), positive.end());
    const WeightDiagnostics& g = untrimmed.diagnostics;
    const std::vector<std::pair<double, double>> bounds = {{g.min + 0.3 * (g.mean - g.min), g.max - 0.4 * (g.max - g.mean)},
                                                           {0.5 * g.min, positive[positive.size() * 4 / 5]}};
    for (const bool strict : {false, true}) {
      for (std::size_t which_bounds = 0; which_bounds < bounds.size(); ++which_bounds) {
        const auto [lo, hi] = bounds[which_bounds];
        if (!(hi < g.max)) continue;
        Design d = base;
        d.spec.trim = std::make_pair(lo, hi);
        d.spec.trim_strict = strict;
        INFO(d.name << (strict ? " strict" : "") << " trim " << lo << "," << hi);
        TrimControl tc;
        tc.strict = strict;
        const std::vector<double> expected = trim_weights(untrimmed.weights, lo, hi, tc);
        const WeightingResult w = whole(d);
        REQUIRE(w.weights.size() == expected.size());
        std::size_t differ = 0, outside = 0;
        for (std::size_t i = 0; i < expected.size(); ++i) {
          differ += w.weights[i] != expected[i];
          outside += w.weights[i] > 0 && (w.weights[i] > hi * (1 + 1e-12) || w.weights[i] < lo * (1 - 1e-12));
        }
        CHECK(differ == 0);
        CHECK(w.trimmed > 0);
        if (strict) {
          CHECK(outside == 0);
          // Strict trimming here takes several passes (each a re-read of the file when streamed).
          TrimPasses tp(lo, hi, tc);
          std::vector<double> cur = untrimmed.weights;
          while (!tp.done()) {
            for (double x : cur) tp.add(x);
            if (tp.end_pass())
              for (double& x : cur) x = tp.apply_last(x);
          }
          if (which_bounds == 1) CHECK(tp.passes() >= 3);
          CHECK(cur == expected);
        }
        for (std::size_t size : {1u, 7u, 65536u}) {
          INFO("batch size " << size);
          const WeightingResult s = streamed(d, size);
          std::size_t sdiffer = 0;
          for (std::size_t i = 0; i < expected.size(); ++i) sdiffer += s.weights[i] != w.weights[i] || s.status[i] != w.status[i];
          CHECK(sdiffer == 0);
          CHECK(s.trimmed == w.trimmed);
          check_same(s.input_diagnostics, w.input_diagnostics);
          check_same(s.diagnostics, w.diagnostics);
        }
      }
    }
  }
}

TEST_CASE("weight with trimming in passes: bounds no weights can meet fail as trim_weights does", "[weight][stream][trim]") {
  Design d = designs()[3];
  const WeightingResult untrimmed = whole(d);
  const double mean = untrimmed.diagnostics.mean;
  d.spec.trim = std::make_pair(mean * 1.1, mean * 1.5); // strict: the mean is below the bounds
  d.spec.trim_strict = true;
  TrimControl tc;
  tc.strict = true;
  const Problem a = testutil::problem_of([&] { trim_weights(untrimmed.weights, mean * 1.1, mean * 1.5, tc); });
  const Problem b = testutil::problem_of([&] { whole(d); });
  const Problem c = testutil::problem_of([&] { streamed(d, 7); });
  CHECK(a.code == ErrorCode::UsageInvalidOption);
  CHECK(b.code == a.code);
  CHECK(c.code == a.code);
  CHECK(b.message.en == a.message.en);
  CHECK(c.message.en == a.message.en);
}
