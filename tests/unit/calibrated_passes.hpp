// tests/unit/calibrated_passes.hpp — the streamed `--calibrate` passes as cli/design_options.cpp runs them (pass 1,
// WeightingStream::fit_passes, CombinationCalibration::of the stream, WeightingStream::weigh_kept), on a file read in
// batches of `batch_rows` rows without the CLI: for the unit tests that compare the streamed estimate and tabulation with the in-memory path
// (test_calibrated_stream.cpp, test_calibrated_tabulate_stream.cpp), and what both check with it: the run
// configurations (calib_configs, rake_variants), the loop over configurations × cuts × batchings
// (check_streamed_whole) and a cell's estimate (check_estimate_near).
#pragma once

#include "hkstat/api/design_options.hpp"
#include "hkstat/codebook/codebook.hpp"
#include "hkstat/config/run_config.hpp"
#include "hkstat/data/dataset.hpp"
#include "hkstat/estimate/calibrated_sums.hpp"
#include "hkstat/estimate/estimate.hpp"
#include "hkstat/weights/apply.hpp"

#include "sweep.hpp"

#include <catch2/catch.hpp>

#include <Eigen/Dense>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace hkstat::test {

// Nonresponse cells' sums (if any), the combination table, the fit, the trimming passes; then `make(calibration)`
// gives the accumulator, and each batch's rows of nonzero weight go to `add(accumulator, rows, combinations, input
// weights)`. Returns the accumulator and the weighting's description (api::describe_weighting).
template <class Make, class Add>
auto calibrated_passes(const std::string& data_path, const codebook::Codebook& cb, const config::RunConfig& cfg, std::size_t batch_rows, Make make,
                       Add add) {
  weights::WeightingStream ws(cb, *cfg.weighting);
  std::size_t rows = 0;
  const auto pass = [&](const auto& fn) {
    data::IngestStream in(data_path, cb, {});
    data::IngestBatch b;
    while (in.next(batch_rows, b)) fn(b.data);
  };
  pass([&](const data::Dataset& d) {
    if (ws.prepass_needed()) ws.prepass(d);
    else ws.add(d);
    rows += d.rows();
  });
  ws.fit_passes([&](const std::function<void(const data::Dataset&)>& fn) { pass(fn); });
  auto acc = make(std::make_shared<const estimate::CombinationCalibration>(estimate::CombinationCalibration::of(ws)));
  std::size_t weighted = 0;
  weights::WeightingStream::Kept kept;
  pass([&](const data::Dataset& d) {
    if (ws.weigh_kept(d, kept) == 0) return;
    weighted += kept.keep.size();
    add(*acc, kept.rows, kept.combination, kept.input_weight);
  });
  struct Out {
    decltype(acc) accumulator;
    Text weighting;
  };
  return Out{std::move(acc), api::describe_weighting(ws.finish(), rows, weighted)};
}

// 1e-12 relative (absolute below 1e-15: a zero SE or difference), NaN equals NaN.
inline void near(double a, double b, const char* what) {
  INFO(what << ": " << a << " vs " << b);
  if (std::isnan(a) || std::isnan(b)) {
    CHECK((std::isnan(a) && std::isnan(b)));
    return;
  }
  CHECK(std::abs(a - b) <= 1e-12 * std::max(std::abs(a), std::abs(b)) + 1e-15);
}

// Bitwise, or both NaN.
inline bool same(double a, double b) {
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b) || (std::isnan(a) && std::isnan(b));
}

// One cell's estimate, streamed against the data read whole: the value and weight total bitwise (Σ w y / Σ w in row
// order on both paths), n and df exactly, SE, deff and interval to 1e-12, the interval's note and method exactly.
inline void check_estimate_near(const estimate::Estimate& x, const estimate::Estimate& y) {
  CHECK(x.n == y.n);
  CHECK(same(x.value, y.value));
  CHECK(same(x.sum_weights, y.sum_weights));
  near(x.se, y.se, "se");
  CHECK(same(x.df, y.df));
  near(x.deff, y.deff, "deff");
  near(x.deff_wor, y.deff_wor, "deff_wor");
  REQUIRE(x.interval.has_value() == y.interval.has_value());
  if (x.interval) {
    near(x.interval->lower, y.interval->lower, "lower");
    near(x.interval->upper, y.interval->upper, "upper");
    CHECK(x.interval->note == y.interval->note);
  }
  CHECK(x.interval_method == y.interval_method);
}

// The streamed result in batches of `first`, then of each of `others` rows, against the data read whole: each near
// (to 1e-12) the whole, and the same (bitwise) as the first batching. `streamed(size)` runs one batching.
// Under the sanitizers (sweep.hpp) only batches of sanitized_batch_rows, which must be `first` or among `others`.
template <class Whole, class Streamed, class Near, class Same>
void check_batchings(const Whole& whole, Streamed streamed, Near near, Same same, std::size_t first, std::initializer_list<std::size_t> others) {
  if (!full_sweeps()) {
    REQUIRE((first == sanitized_batch_rows || std::find(others.begin(), others.end(), sanitized_batch_rows) != others.end()));
    INFO("batch " << sanitized_batch_rows);
    near(whole, streamed(sanitized_batch_rows));
    return;
  }
  const auto reference = streamed(first);
  near(whole, reference);
  for (const std::size_t size : others) {
    INFO("batch " << size);
    const auto s = streamed(size);
    near(whole, s);
    same(reference, s);
  }
}

// The weightings beyond plain post-stratification and raking that both tests run on calib_rake's tables (age band,
// sex): linear (bounds (lower, 1.5) on g, or none when lower is 0; 0.415 binds: two Newton steps), nonresponse cells
// (outing 8 the nonrespondents, cells by sex), trimming to [20, 90] (one pass, or strict).
struct WeightingVariant {
  const char* name;
  weights::WeightingMethod method;
  double lower;
  bool cells, trim, strict;
};

inline config::RunConfig with_variant(config::RunConfig cfg, const WeightingVariant& m) {
  weights::WeightingSpec& spec = *cfg.weighting;
  spec.method = m.method;
  if (m.method == weights::WeightingMethod::PostStratify) { // one table: age band × sex
    spec.tables = {spec.tables[0]};
    spec.tables[0].variables = {"age_band", "sex"};
  }
  if (m.lower > 0) spec.bounds = std::make_pair(m.lower, 1.5);
  if (m.cells) spec.response = weights::ResponseSpec{"outing", {1, 2, 3, 4, 5, 6, 7}, {"sex"}};
  if (m.trim) spec.trim = std::make_pair(20.0, 90.0);
  spec.trim_strict = m.strict;
  return cfg;
}

// A run configuration of tests/data/design/NAME.hkstat.toml (with a weighting).
inline config::RunConfig calib_config(const std::string& name) {
  config::RunConfig cfg = config::load_run_config(std::string(HKSTAT_SOURCE_DIR) + "/tests/data/design/" + name + ".hkstat.toml");
  REQUIRE(cfg.weighting);
  return cfg;
}

using NamedConfigs = std::vector<std::pair<std::string, config::RunConfig>>;

// calib_poststratify and calib_rake as their files give them.
inline NamedConfigs calib_configs() {
  NamedConfigs out;
  for (const char* name : {"calib_poststratify", "calib_rake"}) out.emplace_back(name, calib_config(name));
  return out;
}

// calib_rake's tables (age band, sex) under each weighting variant.
inline NamedConfigs rake_variants(std::initializer_list<WeightingVariant> methods) {
  const config::RunConfig base = calib_config("calib_rake");
  NamedConfigs out;
  for (const WeightingVariant& m : methods) out.emplace_back(m.name, with_variant(base, m));
  return out;
}

// For each run configuration and cut (anything with a `name`): the streamed passes in every batching against the
// data read whole (check_batchings). `whole(cfg, cut)` reads the data whole, `streamed(cfg, cut, batch_rows)` runs
// one batching.
template <class Cut, class Whole, class Streamed, class Near, class Same>
void check_streamed_whole(const NamedConfigs& configs, const std::vector<Cut>& cuts, Whole whole, Streamed streamed, Near near, Same same,
                          std::size_t first, std::initializer_list<std::size_t> others) {
  for (const auto& [config_name, cfg] : configs)
    for (const Cut& cut : cuts) {
      INFO(config_name << ", " << cut.name);
      check_batchings(
          whole(cfg, cut), [&](std::size_t size) { return streamed(cfg, cut, size); }, near, same, first, others);
    }
}

} // namespace hkstat::test
