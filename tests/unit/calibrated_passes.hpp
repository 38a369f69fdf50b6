// tests/unit/calibrated_passes.hpp — the streamed `--calibrate` passes as cli/design_options.cpp runs them
// (weighting_passes, then calibrated_passes' weighted pass), on a file read in batches of `batch_rows` rows without the
// CLI: for the unit tests that compare the streamed estimate and tabulation with the in-memory path
// (test_calibrated_stream.cpp, test_calibrated_tabulate_stream.cpp).
#pragma once

#include "hkstat/api/design_options.hpp"
#include "hkstat/codebook/codebook.hpp"
#include "hkstat/config/run_config.hpp"
#include "hkstat/data/dataset.hpp"
#include "hkstat/estimate/calibrated_sums.hpp"
#include "hkstat/weights/apply.hpp"

#include <Eigen/Dense>

#include <cstddef>
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
  const weights::WeightingSpec& spec = *cfg.weighting;
  weights::WeightingStream ws(cb, spec);
  std::size_t rows = 0;
  const auto pass = [&](const auto& fn) {
    data::IngestStream in(data_path, cb, {});
    data::IngestBatch b;
    while (in.next(batch_rows, b)) fn(b.data);
  };
  if (ws.prepass_needed()) {
    pass([&](const data::Dataset& d) { ws.prepass(d); });
    ws.end_prepass();
  }
  pass([&](const data::Dataset& d) {
    ws.add(d);
    rows += d.rows();
  });
  ws.fit();
  while (ws.trim_pending()) {
    pass([&](const data::Dataset& d) { ws.trim_pass(d); });
    ws.end_trim_pass();
  }
  const auto kind = spec.method == weights::WeightingMethod::Rake     ? weights::CalibrationKind::Raking
                    : spec.method == weights::WeightingMethod::Linear ? weights::CalibrationKind::Linear
                                                                      : weights::CalibrationKind::PostStratification;
  auto acc = make(std::make_shared<const estimate::CombinationCalibration>(
      estimate::CombinationCalibration::of(kind, ws.table(), ws.combination_fit(), weights::RakeControl{}.residual_passes,
                                           kind == weights::CalibrationKind::Linear ? ws.calibration_x() : Eigen::MatrixXd{}, spec.trim.has_value())));
  std::size_t weighted = 0;
  std::vector<double> w, input, kin;
  std::vector<weights::RowStatus> status;
  std::vector<std::size_t> comb, kcomb, keep;
  pass([&](const data::Dataset& d) {
    ws.weigh(d, w, status, comb, input);
    keep.clear();
    kcomb.clear();
    kin.clear();
    for (std::size_t i = 0; i < d.rows(); ++i)
      if (w[i] != 0) {
        keep.push_back(i);
        kcomb.push_back(comb[i]);
        kin.push_back(input[i]);
      }
    weighted += keep.size();
    if (keep.empty()) return;
    add(*acc, data::with_weights(d, keep, w, spec.weight_name), kcomb, kin);
  });
  struct Out {
    decltype(acc) accumulator;
    Text weighting;
  };
  return Out{std::move(acc), api::describe_weighting(ws.finish(), rows, weighted)};
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

} // namespace hkstat::test
