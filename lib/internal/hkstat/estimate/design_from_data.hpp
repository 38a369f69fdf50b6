// hkstat/estimate/design_from_data.hpp — the sampling design a data set declares through its codebook
// roles: weight, stratum, psu (nested in its stratum) and fpc (docs/codebook.md "Design columns").
#pragma once

#include "hkstat/core/error.hpp"
#include "hkstat/data/dataset.hpp"
#include "hkstat/estimate/design.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace hkstat::estimate {

struct DesignSpec {
  Design design;           // one entry per data row (weights are 1 when there is no weight column)
  bool weighted = false;   // a role-weight column exists
  bool stratified = false; // a role-stratum column exists
  bool clustered = false;  // a role-psu column exists
  bool has_fpc = false;    // a role-fpc column exists
  std::string weight_column, stratum_column, psu_column, fpc_column; // codebook names ("" if absent)
  DesignSummary summary;   // rows, strata, PSUs, design df (R degf)

  // Anything beyond equal weights: the estimate needs the design-based (linearised) engine.
  bool complex() const { return weighted || stratified || clustered || has_fpc; }
  // Only stratified designs can have a stratum with one PSU; the lonely-PSU policy matters there.
  bool lonely_relevant() const { return stratified; }
};

// Text labels of a stratum or PSU column (data::LabelDict): replaces each id in `ids` (kMissing kept) by the
// rank of its label in byte order (UTF-8 code units, as R's sort() in the C locale) and returns the labels in
// that order. The canonical order of strata and PSUs is then the labels' order, whatever the order of the rows.
std::vector<std::string> ranked_labels(const data::LabelDict& dict, std::vector<std::int64_t>& ids);

// Builds and validates the design (design.hpp's summarize). Errors as summarize(): e.g. an fpc that
// varies within a stratum → DataOutOfRange naming the stratum.
DesignSpec design_from_dataset(const data::Dataset& data, LonelyPsu lonely);

// "重み付き・層化（12層）・クラスター（240 PSU）・有限母集団修正あり・自由度 228" style description.
Text describe_design(const DesignSpec& spec);

// The estimator of a design-based estimate with its variance method: "標本設計に基づく推定（Hájek 比推定、
// 標準誤差はテイラー線形化法）", or with replicate weights (replicates_label non-null) "…反復重み法: <label>）".
Text describe_variance(const Text* replicates_label);
// The weighting of calibrated weights (`weighting`, e.g. "rake: …") and that the SEs are calibration-aware.
Text describe_calibration(const Text& weighting);

} // namespace hkstat::estimate
