// hkstat/estimate/replicates_stream.hpp — created replicate weights of a survey read in batches (hkstat replicate):
// the row weights of make_jk1 / make_jkn / make_bootstrap / make_subbootstrap / make_brr, bit for bit, without their
// rows × R matrix. Memory: the PSUs × R multipliers and the first-stage units (PsuIndex), flat in the rows.
//
//   pass 1   add(batch) for every batch: the first-stage units (PsuIndex, as the streamed estimators find them) and
//            which PSUs have a row of nonzero weight;
//   make()   the canonical layout (PsuIndex::canonical: the strata and PSUs in design_layout's order, its fpc
//            errors), the multipliers drawn once (make_multipliers, PSUs × R; its errors) and the df (multipliers_df:
//            R degf of the replicate design, the rank the rows × R matrix has);
//   pass 2   rows(batch) for the same batches in the same order: each row's canonical PSU and weight, and
//            weights(row) its R replicate weights, multiplier × weight (replicates_from_multipliers' product).
// tests/unit/test_replicates_stream.cpp checks all of it against make_* on generated designs.
#pragma once

#include "hkstat/data/dataset.hpp"
#include "hkstat/estimate/design.hpp"
#include "hkstat/estimate/psu_index.hpp"
#include "hkstat/estimate/replicates.hpp"

#include <Eigen/Dense>

#include <cstddef>
#include <string>
#include <vector>

namespace hkstat::estimate {

class ReplicateWeightsStream {
public:
  // `source`: the data file that fpc errors name.
  explicit ReplicateWeightsStream(std::string source) : source_(std::move(source)) {}

  // Pass 1: each batch in order (PsuIndex::add's errors, naming the data file line).
  void add(const data::Dataset& batch);
  std::size_t rows() const { return first_.rows(); }
  std::size_t psus() const { return first_.psus(); }
  std::size_t strata() const { return first_.strata(); }

  // After pass 1 (at least one row): the canonical layout (once; set_stratum_fpc's errors), then the multipliers
  // (make_multipliers' errors) and the df. Without rows → EstimateNoData (design_layout's "no rows").
  const PsuLayout& layout();
  void make(LonelyPsu lonely, const ReplicateRequest& request);
  // After make(): type, scale, rscales, fay_rho and df of the replicate design; `rep` has no rows (R columns).
  const ReplicateDesign& design() const { return design_; }
  std::size_t replicates() const { return design_.replicates(); }

  // Pass 2, after make(): the rows of the same batches, in the same order, each with its canonical PSU and weight.
  struct Row {
    std::size_t psu = 0; // canonical PSU (the row of the multipliers)
    double weight = 0;
  };
  void rows(const data::Dataset& batch, std::vector<Row>& out);
  // The row's R replicate weights: out[r] = multiplier(psu, r) × weight.
  void weights(const Row& row, double* out) const {
    const double* m = by_psu_.data() + row.psu * R_;
    for (std::size_t r = 0; r < R_; ++r) out[r] = m[r] * row.weight;
  }
  // After pass 2: it saw the rows and PSUs of pass 1, else Internal.
  void check_second_pass() const;

private:
  std::string source_;
  PsuIndex first_, second_;
  std::vector<PsuIndex::Unit> units_;
  std::vector<char> dense_has_w_; // per dense PSU of pass 1: a row of nonzero weight
  bool have_layout_ = false;
  PsuIndex::Canonical can_;
  std::vector<std::size_t> canonical_of_; // dense PSU → canonical
  ReplicateDesign design_;
  std::size_t R_ = 0;
  std::vector<double> by_psu_; // PSUs × R, row-major: a PSU's multipliers side by side
};

} // namespace hkstat::estimate
