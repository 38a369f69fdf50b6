// hkstat/tabulate/association_accumulator.hpp — the Rao–Scott test of association (tabulate.hpp
// association_test, estimate/rao_scott.hpp) from per-PSU sums, in one pass over the rows, so that
// `hkstat tabulate --test` streams the file.
//
// Fed the rows in file order, in batches of any size, it keeps per PSU (estimate/psu_index.hpp) and per cell
// (a, b) of the two-way table of the complete rows (both answers given) Σ w, and per PSU Σ w over its
// complete rows; per cell, in row order, Σ w. finish() gives, as association_test on the whole data set:
//   p̂_k   Σ w 1[k] / Σ w over the complete rows
//   V̂     psu_vcov of the PSU score totals (Σ_p w 1[k] − p̂_k Σ_p w) / Σ w, with the subset semantics of the
//          complete rows (strata without one are absent)
//   N, ν  the design's rows, its PSUs − strata
// and the statistics of estimate::rao_scott. The numbers agree with the in-memory path to rounding (its
// sums are Eigen products, these are sums in row order): |Δ| ≤ 1e-12 relative (test_tabulate_accumulator
// "[association]").
//
// Memory: O(PSUs × cells) for a design with a psu column. Without one every row is its own PSU: then it keeps
// per stratum and cell Σ w and Σ w² over the complete rows, and per stratum Σ w, Σ w² and whether it has a
// complete row (PsuIndex::count_rows), and V̂ is estimate::stratum_moments_vcov of the moments of the row
// scores w (1[k] − p̂_k) / Σ w (a complete row is in one cell, so Σ z_k z_l needs only Σ w² 1[k] and Σ w²):
// O(strata × cells), nothing per row.
//
// Replicate weights (issue 16), as association_test on a ReplicateDesign (R svychisq on a svyrep.design): p̂ as
// above, V̂ = replicate_vcov of the replicate cell proportions θ_rk = Σ w_r 1[k] / Σ w_r over the complete rows,
// N the rows, ν = R degf of the whole design (rank of every row's replicate weights − 1):
//   created (options.replicate_request)  the PSU multipliers (estimate::make_multipliers of the canonical layout)
//        on the per-PSU two-way sums, the domain engine's replicate_thetas; ν = rank of the multipliers of the PSUs
//        with a row of nonzero weight − 1 (estimate/domain_engine.hpp). Without a psu column every row is a PSU
//        with its own multipliers: then a compact record per row (its cell and weight, and the PSU index's record of it; the
//        multipliers depend on every stratum's size, known at the end), as tabulate's created replicates;
//   supplied (options.replicate_columns from the batches, or options.replicates in memory)  per replicate Σ w_r
//        over the complete rows and per cell Σ w_r 1[k], in row order, and the Gram matrix of every row's replicate
//        weights for ν (estimate/replicates_sums.hpp): memory (1 + cells) × R + R² + 64 R doubles.
// Calibration on the combination table (weights/calibrate.hpp; `tabulate --calibrate --test` in two passes, as
// TabulateAccumulator's calibrated constructor; docs/performance.md "Tenth session, caltest"): fed the calibrated
// rows (nonzero weight) with their combination and input weight, it keeps the sums above and an
// estimate::CalibratedSums with one domain (the complete rows) and a measure per two-way cell, added in order of
// first appearance (CalibratedSums::add_measures); every row goes in, complete or not (the residuals are the whole
// design's). finish() gives, as association_test on the calibrated data set (Design::calibration, R svychisq on a
// calibrated design): p̂ as above; V̂ = psu_vcov of the residualised PSU score totals (CalibratedSums::residualise),
// or without a psu column stratum_centred_vcov of the residuals' per-stratum moments (CalibratedSums::
// stratum_moments), every stratum present (the whole design); N the rows, ν = PSUs (rows without a psu column) −
// strata. A cell of the grid with no row has a zero score column and a zero residual: its row and column of V̂ are 0.
// Memory: the CalibratedSums' (PSUs + cells) × combinations, flat in the rows.
#pragma once

#include "hkstat/classify/classify.hpp"
#include "hkstat/data/dataset.hpp"
#include "hkstat/estimate/psu_index.hpp"
#include "hkstat/tabulate/tabulate.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace hkstat::estimate {
class SuppliedReplicateSums;
class CalibratedSums;
struct CombinationCalibration;
} // namespace hkstat::estimate

namespace hkstat::tabulate {

class AssociationAccumulator {
public:
  AssociationAccumulator(std::string variable, TestBy by, estimate::LonelyPsu lonely);
  // By sex, broad or (TestBy::Variable) another single-answer variable of the codebook, as association_test's
  // TestTarget overload.
  AssociationAccumulator(std::string variable, TestTarget target, estimate::LonelyPsu lonely);
  // With the variance kind of `options` (tabulate's): lonely, and created replicates (replicate_request) or supplied
  // replicate columns (replicate_columns, read from the batches; replicates, a design in memory whose rows are the
  // rows added, in order). Calibration → Error(Internal) (association_test on the data set does it).
  AssociationAccumulator(std::string variable, TestTarget target, const TabulateOptions& options);
  // Calibrated on the combination table: `options` without calibration or replicates, `calibration` not null (else
  // Error(Internal)); the rows go in through the add() below.
  AssociationAccumulator(std::string variable, TestTarget target, const TabulateOptions& options,
                         std::shared_ptr<const estimate::CombinationCalibration> calibration);

  // The next rows, in file order; `cls` is needed for TestBy::Broad. Errors as association_test (a variable
  // that is not a single answer on either side, the same variable on both, no sex variable) and as the design
  // rows (psu_index.hpp).
  void add(const data::Dataset& batch, const classify::Classification* cls);
  // Calibrated: the batch's rows (each of nonzero weight, in file order) with each row's combination of the
  // calibration's table and its input weight (WeightingStream::weigh_kept). Sizes that differ, or the add() above
  // on a calibrated accumulator → Error(Internal).
  void add(const data::Dataset& batch, const classify::Classification* cls, const std::vector<std::size_t>& combination,
           const std::vector<double>& input_weight);

  // The test of everything added so far. Errors as association_test.
  AssociationTest finish() const;

private:
  std::string variable_;
  TestBy by_;
  std::string by_variable_; // for TestBy::Variable
  estimate::LonelyPsu lonely_;
  std::string source_;
  bool started_ = false;
  estimate::PsuIndex units_;
  std::vector<estimate::PsuIndex::Unit> batch_units_; // a batch's units, from one PsuIndex::add
  std::map<std::pair<std::int64_t, std::int64_t>, std::size_t> cell_of_; // (a, b) → dense cell
  std::vector<std::pair<std::int64_t, std::int64_t>> cells_;
  std::vector<double> cell_w_;                 // per dense cell: Σ w, in row order
  std::vector<std::vector<double>> psu_cell_w_; // per dense PSU, per dense cell: Σ w
  std::vector<double> psu_w_;                  // per dense PSU: Σ w over its complete rows
  std::vector<char> psu_complete_;             // per dense PSU: has a complete row
  // Without a psu column (units_.counted()), per dense stratum instead of per PSU: per dense cell Σ w and Σ w²,
  // and Σ w, Σ w² and a complete row, over its complete rows.
  std::vector<std::vector<double>> strat_cell_w_, strat_cell_w2_;
  std::vector<double> strat_w_, strat_w2_;
  std::vector<char> strat_complete_;
  double total_w_ = 0;
  // Replicates: created (the request; per dense PSU whether it has a row of nonzero weight, complete or not), or
  // supplied (slot 0: Σ w_r over the complete rows, slot 1 + k: Σ w_r over cell k's rows; one rank class: every row).
  std::optional<estimate::ReplicateRequest> created_;
  std::vector<char> psu_any_w_;
  std::vector<std::int32_t> row_cell_; // created without a psu column (a PSU per row): the row's dense cell or −1
  std::optional<estimate::ReplicateOptions> columns_;
  std::shared_ptr<estimate::SuppliedReplicateSums> sup_;
  // Calibrated on the combination table: the fit, the residuals' sums (made at the first rows), and the batch's
  // combinations and input weights while add() runs.
  std::shared_ptr<const estimate::CombinationCalibration> cal_fit_;
  std::shared_ptr<estimate::CalibratedSums> cal_;
  const std::vector<std::size_t>* cal_comb_ = nullptr;
  const std::vector<double>* cal_input_ = nullptr;
};

} // namespace hkstat::tabulate
