// hkstat/weights/apply.hpp — run a weighting specification (spec.hpp) on a data set: base weights,
// response and nonresponse adjustment, post-stratification / raking / linear calibration to population
// tables read from CSV, trimming, diagnostics; and the calibration-aware covariance for estimation.
//
// Steps, in this order (docs/estimation.md "Weighting"):
//  1. base weight d_i: the base-weight variable, or 1.
//  2. response (optional): rows whose response variable is not one of the codes get weight 0; with
//     adjustment cells, respondents get d_i · Σ_{cell} d / Σ_{cell, responded} d (nonresponse_adjust).
//  3. every remaining row is classified by every population table; a row with a missing value, a value
//     in no band or a category absent from a table is "unmatched": an error, or weight 0 (Unmatched::Drop).
//  4. calibration of the rows with weight > 0 on their combination table (fit_post_stratification / fit_rake /
//     fit_linear; the row-level post_stratify and rake fit on the same table, calibrate_linear runs the same Newton
//     steps on the rows).
//  5. trimming (TrimPasses, as trim_weights: R trimWeights semantics), which keeps the calibration's residual model
//     (as R's trimWeights keeps design$postStrata).
//  6. diagnostics of the input weights of step 4 and of the final weights, margin by margin.
// Rows are never reordered or dropped: every vector has one entry per row of the data set.
//
// Golden tests: tests/unit/test_weight_apply.cpp against R survey 4.1-1 (r/weight_golden.R →
// tests/golden/weight/, and r/weighting_golden.R → tests/golden/weighting/); the CLI in
// tests/cli/weight_vs_r.sh.
#pragma once

#include "hkstat/data/dataset.hpp"
#include "hkstat/estimate/design.hpp"
#include "hkstat/weights/calibrate.hpp"
#include "hkstat/weights/spec.hpp"

#include <Eigen/Dense>

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hkstat::weights {

enum class RowStatus {
  Weighted,      // final weight > 0 (GREG may make it negative: still "weighted")
  Nonrespondent, // the response variable says not responded: weight 0
  Unmatched,     // Unmatched::Drop and a calibration category could not be found: weight 0
};

// Why rows were unmatched: one entry per (table variable, value) with the number of rows.
struct UnmatchedCount {
  std::string table;    // population table path
  std::string variable; // variable (or band variable) name; "" when the combination is absent
  std::string value;    // the row's value as text, or the combination "40-49 × その他"
  bool missing = false; // the value is missing (empty cell or a declared missing code, shown in `value`)
  std::size_t rows = 0;
  std::size_t first_line = 0; // data file line of the first such row
};

struct PopulationCell {
  std::string label;       // e.g. "15-19 × 男性"
  double count = 0;        // population count (summed over the other columns when the table is aggregated)
  std::size_t line = 0;    // first line of the table that contributes to it
};

struct LoadedTable {
  std::string path;
  std::string name;                   // the margin's name in messages: variables joined by "×"
  std::vector<std::string> variables; // the cell-defining columns
  std::vector<PopulationCell> cells;  // ascending by category; the cell code of cells[k] is k
  double total = 0;
};

struct WeightingResult {
  WeightingMethod method = WeightingMethod::None;
  std::vector<double> weights;          // final weights (0 for nonrespondents and dropped rows)
  std::vector<double> input_weights;    // weights entering calibration (after steps 1–3)
  std::vector<RowStatus> status;
  std::optional<CalibrationInfo> info;  // for calibrated_vcov; none for method none
  int iterations = 0;                   // raking sweeps / Newton steps (0 for none, 1 for post-stratification)
  double max_rel_misfit = 0;            // the convergence measure at the end (before trimming)
  std::vector<LoadedTable> tables;
  std::vector<Margin> margins;          // one per table, for diagnose (cells per row, labels)
  std::vector<UnmatchedCount> unmatched;
  std::size_t nonrespondents = 0;
  std::size_t trimmed = 0;              // weights changed by trimming to a bound
  std::string base_weight;              // the base-weight variable used, "" = 1
  WeightDiagnostics input_diagnostics;  // of input_weights over the weighted rows
  WeightDiagnostics diagnostics;        // of weights over the weighted rows, margin by margin
};

// Reads the population tables (relative paths as given), checks them against the data set and the
// codebook, and computes the weights. Errors (hkstat::Error, each naming file / line / column / value):
//  * spec: unknown method option combinations, a table header naming no code / integer / band
//    variable, no count column, a band variable over a non-integer variable → ConfigInvalid /
//    UsageInvalidOption;
//  * a population table cell that is not a category of its variable (unknown category), a duplicate
//    row, a count that is not a number >= 0, a cell whose count is not > 0 → ConfigInvalid;
//  * a category of the data missing from a table, a missing value, a value outside every band
//    (Unmatched::Error) → ConfigInvalid / DataMissingRequired naming the data line and the table;
//  * a table cell with population but no respondent → EstimateNoData naming the table line;
//  * margins with different totals, raking that does not converge (naming the margin and category),
//    calibration that cannot reach its totals → ConfigInvalid / EstimateNoData (calibrate.hpp).
WeightingResult apply_weighting(const data::Dataset& data, const WeightingSpec& spec);

// The weighting in passes over the data, memory in the combinations of table cells, not the rows (`hkstat
// weight` on a file; docs/performance.md "Check of 2026-12-06, calib" and "Eighth session, weightst"). Every
// calibrated weight is d_i · g(c_i), d_i the row's input weight and c_i its combination of table cells (linear
// calibration too: its variables are the tables' categories, so g is constant per combination): pass 1 (add,
// batch by batch in row order) classifies each row and sums d per combination, fit() solves the calibration on
// that table (fit_post_stratification, fit_rake, fit_linear), pass 2 (weigh, the same rows in the same order, any
// batching) gives each row its weight and adds it to the diagnostics, finish() returns the result without its
// per-row vectors (weights, input_weights, status, info, margins' cells). Nonresponse cells add a pass before pass
// 1 (prepass), trimming passes between fit() and pass 2 (trim_pass). apply_weighting runs the same steps on the
// data read whole: the numbers agree bit for bit. Errors as apply_weighting's; those that need every row (an
// unmatched category with its number of rows, no respondents) are thrown by fit() (or end_prepass()).
// Every specification streams (`weight`, and the --calibrate commands with the extra passes: cli/design_options.cpp
// calibrated_passes, estimate/calibrated_sums.hpp).
class WeightingStream {
public:
  WeightingStream(const codebook::Codebook& cb, const WeightingSpec& spec); // loads the population tables
  ~WeightingStream();
  WeightingStream(const WeightingStream&) = delete;
  WeightingStream& operator=(const WeightingStream&) = delete;
  // Nonresponse cells (spec.response->cells) need one more pass before pass 1: prepass(batch) over every batch in
  // row order, then end_prepass(), which throws what needs every sampled row (no respondents, a row whose cell
  // variable is missing, a cell without respondents) and fixes each cell's factor Σ base / Σ respondents' base.
  bool prepass_needed() const;
  void prepass(const data::Dataset& batch);
  void end_prepass();
  void add(const data::Dataset& batch); // pass 1
  void fit();                           // after pass 1
  // Trimming (spec.trim) needs passes after fit(): while trim_pending(), trim_pass(batch) over every batch in row
  // order, then end_trim_pass() (one pass; with trim_strict, until a pass finds no weight outside the bounds). Each
  // pass recomputes the rows' weights from d · g and the passes before (weights::TrimPasses, which trim_weights runs
  // on): the weights of trim_weights bit for bit, memory flat. Errors as trim_weights (and a negative weight of
  // linear calibration, naming its line).
  bool trim_pending() const;
  void trim_pass(const data::Dataset& batch);
  void end_trim_pass();
  // Pass 2: the final weight and status of every row of the batch (0 for nonrespondents and dropped rows).
  void weigh(const data::Dataset& batch, std::vector<double>& weights, std::vector<RowStatus>& status);
  // The same, with each row's combination (CombinationTable::npos for a row of weight 0) and input weight d (the
  // weight is d · g of the combination): what estimate/calibrated_sums.hpp needs for the calibration residuals.
  void weigh(const data::Dataset& batch, std::vector<double>& weights, std::vector<RowStatus>& status, std::vector<std::size_t>& combination,
             std::vector<double>& input_weight);
  // The passes after pass 1, in order: with nonresponse cells end_prepass() and pass 1 proper (add); fit(); the
  // trimming passes. `reread(fn)` reads the data again, calling fn on every batch in row order. Pass 1 itself
  // (prepass or add on every batch) is the caller's: `weight` and the --calibrate commands do more on it.
  void fit_passes(const std::function<void(const std::function<void(const data::Dataset&)>&)>& reread);
  // Pass 2 for the --calibrate commands: the batch weighted, its rows of nonzero weight (as api::calibrate keeps them)
  // as data::with_weights gives them (column spec.weight_name), with their combinations and input weights. The
  // vectors are kept between batches (scratch); returns the rows kept.
  struct Kept {
    data::Dataset rows;
    std::vector<std::size_t> combination;
    std::vector<double> input_weight;
    std::vector<double> w, input; // scratch of weigh()
    std::vector<RowStatus> status;
    std::vector<std::size_t> comb, keep;
  };
  std::size_t weigh_kept(const data::Dataset& batch, Kept& out);
  // After fit(): the combination table and its fit.
  const CombinationTable& table() const;
  const CombinationFit& combination_fit() const;
  // After fit(), linear calibration: its variables per combination (one row per combination of table(), the
  // columns fit_linear used); empty for the other methods.
  const Eigen::MatrixXd& calibration_x() const;
  WeightingResult finish(); // after pass 2
  std::size_t combinations() const;
  const WeightingSpec& spec() const;

  struct Impl; // lib/src/weights/apply.cpp (shared with apply_weighting)

private:
  std::unique_ptr<Impl> impl_;
};

// Calibration-aware covariance for estimation after weighting (R svyrecvar with design$postStrata):
// the scores (rows × k influence values computed with design.weights, e.g. the final weights of
// apply_weighting) are replaced by their calibration residuals, then go through the design engine:
//   design_vcov(design, calibration_residuals(info, scores)).
// Residuals are nonzero outside a domain, so a domain estimate uses the whole-design engine (as R's
// svymean(~y, subset(design, d)) after calibration does). Rows of weight 0 (nonrespondents, dropped
// unmatched rows) have zero residuals but still count as PSUs in n_h; to reproduce R on a design of the
// weighted rows only, residualise with calibration_residuals on all rows and give design_vcov the
// weighted rows (tests/unit/test_weight_apply.cpp, 西東京市). Errors as design_vcov / calibration_residuals.
Eigen::MatrixXd calibrated_vcov(const estimate::Design& design, const Eigen::MatrixXd& scores, const CalibrationInfo& info);

} // namespace hkstat::weights
