// hkstat/weights/calibrate.hpp — survey weighting: nonresponse adjustment, post-stratification,
// raking, linear (GREG) calibration, trimming, weight diagnostics, and the calibration residuals the
// variance engine needs.
//
// Formulas: shared/survey-methods.md §1.E, §3.6, §3.7, §3.8. Golden test: tests/unit/test_weighting.cpp
// against R survey 4.1-1 (r/weighting_golden.R → tests/golden/weighting/).
//
// Conventions
//  * One entry per row in every vector; rows are never reordered or dropped.
//  * Input (base) weights must be finite and >= 0 (Error(DataInvalidWeight) naming the row otherwise).
//    A zero weight stays zero through every function here.
//  * Categories (weighting classes, post-strata, margin categories) are int64 codes; population
//    tables map code -> population count.
//  * Errors: mismatched lengths → Internal; a problem with a population table (a category with
//    respondents missing from it, a count that is not a finite number > 0, margins whose totals
//    differ) → ConfigInvalid; a category with population but no respondents (or only zero weights),
//    calibration that cannot reach its targets, raking that does not converge → EstimateNoData.
//    Messages are bilingual and name the margin / category, the value and what was expected.
#pragma once

// Eigen is a PRIVATE dependency of hkstat_lib in lib/CMakeLists.txt; until it is PUBLIC, users of this
// header find it through the Debian/Homebrew layout (<prefix>/include/eigen3/Eigen).
#if __has_include(<Eigen/Dense>)
#include <Eigen/Dense>
#else
#include <eigen3/Eigen/Dense>
#endif

#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace hkstat::weights {

// ---------------------------------------------------------------------------------------------------
// Nonresponse adjustment within weighting classes.
// For every cell c: factor_c = Σ_{i∈c} base_i / Σ_{i∈c, responded} base_i; respondents get
// base_i · factor_c, nonrespondents 0. The total Σ base is preserved.
// A cell with sampled weight > 0 but no respondent weight → Error(EstimateNoData) naming the cell
// (collapse it with a neighbour).
std::vector<double> nonresponse_adjust(const std::vector<double>& base, const std::vector<std::int64_t>& cell,
                                       const std::vector<bool>& responded);

// ---------------------------------------------------------------------------------------------------
// What calibration_residuals needs to know about how the weights were calibrated.
enum class CalibrationKind { PostStratification, Raking, Linear };

struct RakeStep {
  std::vector<std::int64_t> cell; // the margin's category per row
  std::vector<double> weights;    // the weights right after this margin's step in the final sweep
};

struct CalibrationInfo {
  CalibrationKind kind = CalibrationKind::PostStratification;
  std::vector<double> weights;    // the calibrated weights
  // PostStratification: post-stratum per row.
  std::vector<std::int64_t> cell;
  // Raking: one step per margin, in raking order; residual_passes sweeps of margin-mean removal.
  std::vector<RakeStep> rake_steps;
  int residual_passes = 10;
  // Linear: calibration variables (n × p), input weights d, g-factors (weights = d · g).
  Eigen::MatrixXd X;
  std::vector<double> base;
  std::vector<double> g;
};

// ---------------------------------------------------------------------------------------------------
// The combination table: post-stratification and raking on categorical margins give every row the weight
// d_i · g(c_i), where d_i is its input weight and c_i its combination of categories (one per margin), so the fit
// needs only, per combination, Σ d and the number of rows. post_stratify and rake build this table from their
// rows and fit on it (fit_post_stratification, fit_rake); a streamed `hkstat weight` builds it batch by batch in
// the same row order, so both give the same g bit for bit (docs/performance.md, "Check of 2026-12-06, calib").
// Combinations are numbered in order of first appearance; Σ d of a combination adds its rows in row order.
class CombinationTable {
public:
  explicit CombinationTable(std::size_t margins = 1) : margins_(margins) {}
  // Adds a row: its category in every margin (`margins()` codes) and its input weight. Returns the
  // combination's number.
  std::size_t add(const std::int64_t* cells, double d);
  // The combination of these categories, or npos if no row had it.
  std::size_t find(const std::int64_t* cells) const;
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  std::size_t margins() const { return margins_; }
  std::size_t size() const { return weight_.size(); }
  std::int64_t cell(std::size_t k, std::size_t m) const { return cells_[k * margins_ + m]; }
  double weight(std::size_t k) const { return weight_[k]; }             // Σ d
  std::size_t rows(std::size_t k) const { return rows_[k]; }            // rows (any weight)
  std::size_t positive_rows(std::size_t k) const { return positive_[k]; } // rows with d > 0

private:
  struct Hash {
    std::size_t operator()(const std::vector<std::int64_t>& v) const noexcept;
  };
  std::size_t margins_;
  std::vector<std::int64_t> cells_;
  std::vector<double> weight_;
  std::vector<std::size_t> rows_, positive_;
  std::unordered_map<std::vector<std::int64_t>, std::size_t, Hash> index_;
  mutable std::vector<std::int64_t> key_;
};

// A fit on the combination table: the factor g per combination (calibrated weight = d · g), and for raking
// the factor after each margin's step of the final sweep (ψ^(m) = d · step_g[m], calibration_residuals).
struct CombinationFit {
  std::vector<double> g;
  std::vector<std::vector<double>> step_g; // raking: one per margin
  int iterations = 0;
  double max_rel_misfit = 0;
};


// ---------------------------------------------------------------------------------------------------
// Post-stratification: w_i · N_c / Σ_{j∈c} w_j for the post-stratum c of row i
// (= R survey postStratify(design, ~cell, population)).
// A cell with rows but missing from `totals`, or whose count is not finite and > 0 → ConfigInvalid;
// a cell in `totals` with a count > 0 but no rows of positive weight → EstimateNoData (R stops
// likewise unless partial = TRUE). Cells in `totals` with count 0 and no rows are ignored.
struct PostStratResult {
  std::vector<double> weights;
  CalibrationInfo info;
};
PostStratResult post_stratify(const std::vector<double>& w, const std::vector<std::int64_t>& cell,
                              const std::map<std::int64_t, double>& totals);

// ---------------------------------------------------------------------------------------------------
// Raking (iterative proportional fitting) to marginal totals.
struct Margin {
  std::string name;                      // used in messages, e.g. "ageband"
  std::vector<std::int64_t> cell;        // category per row
  std::map<std::int64_t, double> totals; // population count per category
  std::map<std::int64_t, std::string> labels = {}; // optional: how a category is named in messages and
                                                   // diagnostics (e.g. "15-19 × 男性"); default its code
};

struct RakeControl {
  // Converged when, after a full sweep, max over margins and categories of |Σ_c w − T_c| / T_c < epsilon.
  // 1e-10: double-precision sums of 10^3–10^5 weights carry ~1e-13 relative rounding, so 1e-10 is
  // reachable, yet 10^5 below anything displayed (counts to the person, rates to 0.1%); and at that
  // point the weights are within ~1e-10 relative of the IPF limit, so they match R's rake(epsilon =
  // 1e-10) to the 1e-9 the goldens check. IPF converges linearly, so the tight criterion costs only
  // a few extra sweeps (each O(n · margins)).
  double epsilon = 1e-10;
  // Sweeps allowed (samplics / svy default 100; R's 10 is too few for 1e-10).
  int max_iter = 100;
  // Sweeps of margin-mean removal in calibration_residuals (R survey svyrecvar uses 10).
  int residual_passes = 10;
};

struct RakeResult {
  std::vector<double> weights;
  int iterations = 0;        // sweeps performed
  double max_rel_misfit = 0; // the convergence measure after the last sweep
  CalibrationInfo info;
};

// Each sweep post-stratifies to every margin in turn: w_i ← w_i · T_mc / Σ_{j∈c} w_j.
// Checks per margin as post_stratify; in addition all margins must have the same grand total
// (relative difference < epsilon; otherwise no weights can fit them) → ConfigInvalid naming two
// margins and their totals. Not converged after max_iter sweeps → EstimateNoData naming the margin
// and category with the worst misfit, its misfit and the number of sweeps.
RakeResult rake(const std::vector<double>& w, const std::vector<Margin>& margins, RakeControl ctl = {});

// Post-stratification on a one-margin table (checks and errors as post_stratify).
CombinationFit fit_post_stratification(const CombinationTable& t, const std::map<std::int64_t, double>& totals);
// Raking on a table with one margin per element of `margins` (their name, totals and labels; their `cell` is
// not used). Checks, convergence and errors as rake.
CombinationFit fit_rake(const CombinationTable& t, const std::vector<Margin>& margins, const RakeControl& ctl);

// ---------------------------------------------------------------------------------------------------
// Linear calibration (GREG), optionally bounded (R survey calibrate(calfun = "linear", bounds =)).
struct CalibControl {
  // Bounds on g = calibrated / input weight (R's bounds = c(lower, upper)); ±infinity = unbounded.
  double lower = -std::numeric_limits<double>::infinity();
  double upper = std::numeric_limits<double>::infinity();
  // Converged when max_k |T_k − Σ w g x_k| / (1 + |T_k|) < epsilon (R's measure; R's default is 1e-7,
  // 1e-10 for the same reason as RakeControl::epsilon).
  double epsilon = 1e-10;
  int max_iter = 50; // Newton steps (R default 50); unbounded calibration needs one
  std::vector<std::string> column_names = {}; // optional: names of X's columns for messages (default "column k")
};

struct CalibResult {
  std::vector<double> weights; // w_i g_i
  std::vector<double> g;
  int iterations = 0;
  double max_rel_misfit = 0;
  CalibrationInfo info;
};

// Finds g_i = 1 + clamp(x_i'η, lower − 1, upper − 1) with Σ w_i g_i x_i = totals by Newton steps
// η += J⁺ (T − Σ w g x), J = Σ_{i not at a bound} w_i x_i x_i' (J⁺: pseudo-inverse, so collinear
// columns are fine when the totals are consistent). Unbounded: g_i = 1 + x_i'λ with
// (Σ w x x') λ = T − Σ w x, reached in one step. X must have one row per weight and one column per
// total; include a column of ones (or a full set of dummies) to calibrate the population size.
// Unbounded GREG can give negative weights (reported by diagnose). Bounds must satisfy
// lower < 1 < upper (g = 1 feasible) → UsageInvalidOption otherwise. Non-finite X or totals →
// Internal. Not reaching the totals (inconsistent totals, bounds too tight) → EstimateNoData naming
// the worst column (1-based index), its misfit and the iterations.
CalibResult calibrate_linear(const std::vector<double>& w, const Eigen::MatrixXd& X, const Eigen::VectorXd& totals,
                             CalibControl ctl = {});

// Linear calibration on a combination table: X has one row per combination (its calibration variables, the same
// for every row of the combination), and every row of combination k gets the weight d · g_k. On categorical
// auxiliaries (indicators of population-table cells) this is calibrate_linear on the rows, with Σ_i over the rows
// replaced by Σ_k D_k over the combinations (D_k = Σ d of its rows; the same Newton steps, the same code): the g
// agree with the row-level fit to rounding (≤ 1e-12 relative), and apply_weighting and WeightingStream both use this
// one. Checks and errors as calibrate_linear.
CombinationFit fit_linear(const CombinationTable& t, const Eigen::MatrixXd& X, const Eigen::VectorXd& totals, const CalibControl& ctl);

// ---------------------------------------------------------------------------------------------------
// Trimming (R survey trimWeights semantics by default).
enum class TrimRedistribution {
  EqualShare,   // R trimWeights: each untrimmed weight gets Σ trimmed / #untrimmed added
  Proportional, // each untrimmed weight gets Σ trimmed · w_i / Σ_untrimmed w added
};

struct TrimControl {
  bool strict = false; // false: one pass (R strict = FALSE; weights may leave the bounds again);
                       // true: repeat until all weights are within the bounds (R strict = TRUE)
  TrimRedistribution redistribution = TrimRedistribution::EqualShare;
  int max_iter = 1000; // strict passes before giving up (EstimateNoData)
};

// Weights > upper are set to upper, weights < lower (but > 0) to lower, and the trimmed mass is
// redistributed over the other positive weights, so Σ w is unchanged. Zero weights stay zero (R would
// raise them to lower). A weight counts as outside only beyond 1e-12 relative of the bound, so that
// rounding cannot make strict trimming loop forever (R's strict = TRUE can). lower > upper, or (strict)
// bounds no set of weights can satisfy (n·upper < Σw or n·lower > Σw over the positive weights)
// → UsageInvalidOption.
std::vector<double> trim_weights(const std::vector<double>& w, double lower, double upper, TrimControl ctl = {});

// Trimming pass by pass, without keeping the weights: trim_weights runs on it, and so does the streamed
// `hkstat weight`, which re-reads the file for every pass and recomputes each row's weight from its untrimmed weight
// (`weight`: every pass so far, applied in order — the same operations on the same values as trim_weights, so the
// two agree bit for bit). A pass: add() every weight in row order (as trimmed by the passes so far), then
// end_pass(), which returns whether the pass changed weights (then apply_last() gives each weight's new value) and
// throws as trim_weights does. done(): no further pass is needed (strict: the last pass found no weight outside;
// otherwise after the first pass).
class TrimPasses {
public:
  TrimPasses(double lower, double upper, TrimControl ctl = {}); // lower > upper → UsageInvalidOption
  void add(double w);
  bool end_pass();
  bool done() const { return done_; }
  double apply_last(double w) const;
  double weight(double w0) const; // w0 trimmed by every pass so far
  std::size_t passes() const { return passes_; }

private:
  bool outside(double w) const { return w > 0 && (w > hi_ || w < lo_); }
  double apply(double w, std::size_t pass) const;
  double lower_, upper_, hi_, lo_;
  TrimControl ctl_;
  struct Change {
    double trimmed = 0, untrimmed_sum = 0, share = 0;
  };
  std::vector<Change> changes_;
  double trimmed_ = 0, untrimmed_sum_ = 0, sum_ = 0;
  std::size_t n_out_ = 0, n_in_ = 0, npos_ = 0, passes_ = 0;
  bool done_ = false;
};

// ---------------------------------------------------------------------------------------------------
// Diagnostics for the weighting report.
struct MarginFit {
  std::string margin;
  std::int64_t category = 0;
  std::string label;     // Margin::labels of the category, or its code
  std::size_t n = 0;     // rows in the category
  double target = 0;     // population count
  double achieved = 0;   // Σ w over the category
  double rel_diff = 0;   // (achieved − target) / target
};

struct WeightDiagnostics {
  std::size_t n = 0;         // rows with a nonzero weight (all statistics below are over these)
  std::size_t n_zero = 0;    // rows with weight 0
  std::size_t n_negative = 0;
  double min = 0, max = 0, sum = 0, mean = 0;
  double cv = 0;             // sd / mean with the n divisor, so that weighting_effect = 1 + cv²
  double kish_n_eff = 0;     // (Σw)² / Σw²
  double weighting_effect = 0; // 1 + cv² = n Σw² / (Σw)² (Kish deff_w; survey-methods.md §3.6)
  double max_abs_rel_diff = 0; // over all margin categories
  std::vector<MarginFit> margins; // per margin, per category of its table (ascending code)
};

// Weights must be finite (negative allowed: they are reported). A row category missing from a
// margin's table → ConfigInvalid; no nonzero weight → EstimateNoData.
WeightDiagnostics diagnose(const std::vector<double>& w, const std::vector<Margin>& margins);
// Appends the fit of one category of a margin (Σ w `achieved` over its `n` rows against `target`) to `r.margins`
// and `r.max_abs_rel_diff`: diagnose() and the streamed weighting (weights/apply.hpp) share it.
void add_margin_fit(WeightDiagnostics& r, const Margin& m, std::int64_t code, double target, double achieved, std::size_t n);

// ---------------------------------------------------------------------------------------------------
// Calibration-aware variance: residualise linearisation scores (one column per estimator, one row per
// row of the data) on the calibration, as R survey's svyrecvar does; the result goes to the design
// variance engine in place of the scores.
//  PostStratification: e_i = z_i − w_i Σ_{j∈c} z_j / Σ_{j∈c} w_j  (c = post-stratum of i; §3.8).
//  Raking: residual_passes sweeps; in each, for every margin in raking order with the weights ψ of
//    its final raking step: e_i ← e_i − ψ_i · mean_{j∈c, ψ_j>0}(e_j / ψ_j) (unweighted mean, R's ave).
//  Linear: e_i = z_i − w_i x_i'β, β = (Σ d x x')⁺ Σ x_j z_j / g_j (d = input weights; the residual
//    of the regression of z/(g√d) on √d x, multiplied back by g√d, as R does; via pivoted QR).
// Rows of zero weight are left unchanged (their scores are 0). scores.rows() must equal the number of
// weights → Internal otherwise.
Eigen::MatrixXd calibration_residuals(const CalibrationInfo& info, const Eigen::MatrixXd& scores);

// The calibration restricted to some rows (keep: row indices, ascending), e.g. the rows with a positive
// weight that an estimate uses; every per-row vector (and X's rows) is subset.
CalibrationInfo subset_rows(const CalibrationInfo& info, const std::vector<std::size_t>& keep);

} // namespace hkstat::weights
