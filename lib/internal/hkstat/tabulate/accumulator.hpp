// hkstat/tabulate/accumulator.hpp — distributions (tabulate.hpp) from per-PSU sums, in one pass over the
// rows, so a file of any length is tabulated in memory that does not grow with its rows.
//
// The accumulator is fed the rows in file order, in batches of any size, and keeps per block (a domain,
// possibly narrowed to an age band and/or sex: tabulate.hpp Block) and per PSU (estimate/psu_index.hpp):
// rows, rows with nonzero weight, Σw, and per cell (each code or option, and 無回答) Σw·y; per block and
// cell in row order: the same sums and the unweighted counts. finish() gives, from those sums:
//   percent  Σ w y / Σ w over the block (Hájek; count / base for a simple sample)
//   SE       psu_vcov (the one variance engine) of the PSU score totals (Σ_p w y − p̂ Σ_p w) / Σ w, with R's
//            subset(design, block) semantics (strata with rows of the block)
//   df       PSUs − strata among the block's rows with nonzero weight (R degf(subset))
//   deff     R deff = "replace": V̂ / (S²/m), S² = m/(m − 1) p̂ (1 − p̂), m = block rows with nonzero weight
// With created replicates (options.replicate_request) SE and df come instead from the PSU multipliers
// (estimate::make_multipliers) applied to the same per-PSU sums: θ_r = Σ_p m_pr Σ_p w y / Σ_p m_pr Σ_p w,
// replicate_vcov, df = rank of the multipliers of the block's PSUs with nonzero weight − 1 (once per set of
// PSUs); no rows × replicates matrix.
// And the block layout, relations and suppression of tabulate(). tabulate() on a whole data set is this
// accumulator fed one batch, so the streaming and in-memory tables are identical, bit for bit.
//
// Memory: O(PSUs × blocks × cells) for a design with a psu column. A design without one has one PSU per row;
// linearised, the accumulator then keeps per stratum and block rows, rows with nonzero weight, Σ w and Σ w², and
// per cell Σ w y and Σ w² y (PsuIndex::count_rows), and the SE is estimate::stratum_moments_vcov of the moments
// of the row scores (equal to psu_vcov on the rows to rounding: Σ (z − z̄)² becomes Σ z² − (Σ z)²/n_h):
// O(strata × blocks × cells), nothing per row. With created replicates (each row its own multipliers) it keeps
// a compact record per row instead (PSU index, weight, block keys, the answers: about 45 + 8 × variables
// bytes). A simple sample keeps nothing per row.
//
// Calibrated on the combination table (the constructor with an estimate::CombinationCalibration: weights w = d · g_k
// of any method, trimmed or not, `tabulate --calibrate` in passes, docs/performance.md "Eighth session, calst2/calst3"):
// the rows are added with their calibrated weights (all nonzero), combinations and input weights, and the
// accumulator keeps beside its per-PSU sums what estimate::CalibratedSums keeps (per (PSU, combination) and per
// (combination, block, cell)); every cell's SE is psu_vcov of the calibration residual totals over the whole
// design (R keeps every row of a calibrated subset), df = PSUs − strata among the block's rows, deff as above,
// Korn–Graubard's n = every row added. Without a psu column the residuals' per-stratum moments (calnopsu). --ci
// likelihood: R's svyglm path over every row of the calibrated design from the block's (weight, y) groups (with
// calibration the distinct weights are at most the (input weight, combination) pairs), the score's variance at μ̂
// from the residual sums (svy_likelihood_interval on the rows, to rounding).
//
// Not here (they need every row at once; tabulate() does them from the data set): with
// options.calibration (a calibration of the rows: linear, trimmed, …) finish() leaves every cell's percent, SE, df,
// deff and interval to the row-level engine; with CiMethod::Likelihood and calibration, the intervals.
#pragma once

#include "hkstat/classify/classify.hpp"
#include "hkstat/data/dataset.hpp"
#include "hkstat/tabulate/tabulate.hpp"

#include <cstddef>
#include <memory>
#include <vector>
#include <string>
#include <vector>

namespace hkstat::estimate {
struct CombinationCalibration;
}

namespace hkstat::tabulate {

class TabulateAccumulator {
public:
  // One distribution per variable, in this order. Variables are checked against the first batch's
  // codebook (errors as tabulate()).
  TabulateAccumulator(std::vector<std::string> variables, TabulateOptions options);
  // Calibrated on the combination table (above): rows only through add(batch, cls, combination, input_weight).
  // With options.calibration, replicates or CiMethod::Likelihood → Error(Internal).
  TabulateAccumulator(std::vector<std::string> variables, TabulateOptions options, std::shared_ptr<const estimate::CombinationCalibration> calibration);
  ~TabulateAccumulator();
  TabulateAccumulator(TabulateAccumulator&&) noexcept;
  TabulateAccumulator& operator=(TabulateAccumulator&&) noexcept;

  // The next rows, in file order. `cls` (parallel to the batch's rows) is needed for the broad /
  // comparison domains, else may be null. Later batches must have the first batch's codebook. Errors
  // name the data file line where a row is at fault (weight, design columns: psu_index.hpp); an age that
  // fits none of the bands → UsageInvalidOption; missing age / sex roles → CodebookInvalid.
  void add(const data::Dataset& batch, const classify::Classification* cls);
  // Calibrated: the batch's rows (each of nonzero weight: the calibrated weights) with each row's combination of
  // table cells and input weight (weights::WeightingStream::weigh). A design without a psu column → Error(Internal).
  void add(const data::Dataset& batch, const classify::Classification* cls, const std::vector<std::size_t>& combination,
           const std::vector<double>& input_weight);

  std::size_t rows() const;

  // The distributions of everything added so far. No rows → EstimateNoData; a block whose rows all have
  // weight 0 → EstimateNoData; lonely PSUs as psu_vcov.
  std::vector<Distribution> finish() const;

  struct Impl; // lib/src/tabulate/accumulator_impl.hpp (tabulate() reads its row keys)
  const Impl& impl() const { return *impl_; }

private:
  std::unique_ptr<Impl> impl_;
};

} // namespace hkstat::tabulate
