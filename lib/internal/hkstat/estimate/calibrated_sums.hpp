// hkstat/estimate/calibrated_sums.hpp — the calibration residuals of proportion scores from sums per (PSU,
// combination) and per (combination, domain), so that `estimate --calibrate` and `tabulate --calibrate` need no
// row twice in memory (docs/performance.md, "Seventh session, calst" and "Eighth session, calst2").
//
// A statistic is a (domain, measure) pair: a proportion of rows with y = 1 among the domain's rows. For
// `estimate` the domains are its domains and the measures 広義 / 狭義 / 準 (3); for `tabulate` the domains are
// the table's blocks and the measures every cell of every tabulated variable (an answer is a 0/1 y per cell).
//
// After post-stratification or raking fitted on the table of combinations (weights/calibrate.hpp
// CombinationTable, fit_post_stratification / fit_rake) every weight is w_i = d_i · g_k (d_i the input weight,
// k = k_i the row's combination of table cells). The score of domain D and measure y at the value p̂ is
// z_i = w_i 1_D (y_i − p̂) / W_D; its calibration residual (weights::calibration_residuals, R's svyrecvar) is
//   post-stratification  e_i = z_i − w_i Z_k / W_k,  Z_k = Σ_{j∈k} z_j = (Σ_k w 1_D y − p̂ Σ_k w 1_D) / W_D,
//                        W_k = Σ_{j∈k} w_j (the post-stratum is the combination);
//   raking               residual_passes sweeps, for each margin m with ψ_j = d_j s_mk (s = the fit's step
//                        factors): e_i ← e_i − ψ_i mean_{j in i's category of m}(e_j / ψ_j). Every update
//                        subtracts d_i times a constant of the combination, so e_i = z_i − d_i h_k, and
//                        Σ_{j∈k} e_j / ψ_j = (g_k (C_ky − p̂ C_k) / W_D − n_k h_k) / s_mk with n_k the rows of k,
//                        C_k of them in D, C_ky in D with y = 1 (unweighted counts): h per combination,
//                        swept on the table.
//   linear               (weights::calibration_residuals, CalibrationKind::Linear: e_i = z_i − w_i x_iᵀβ with
//                        β = (Σ d x xᵀ)⁺ Σ x z / g) x is constant per combination (the tables' categories), so
//                        β solves Σ_k D_k x_k x_kᵀ β = Σ_k x_k Z_k / g_k (D_k = Σ_{j∈k} d_j): the least squares
//                        of Z_k / (g_k √D_k) on √D_k x_k over the combinations (pivoted QR, as the row path's),
//                        and e_i = z_i − w_i h_k with h_k = x_kᵀβ (the fitted values are unique even when the
//                        table's x are collinear).
// Nonresponse cells change only d (the adjusted input weight; the residual model is the calibration's, as in
// memory). Trimming (`trimmed`) changes the weights the scores are computed with, not the residual model: as
// apply_weighting's CalibrationInfo, post-stratification and linear take W_k, W_qk and w_i in e_i from the untrimmed
// weights d_i g_k, raking its ψ = d · step_g; Z_k (and raking's Σ_{j∈k} z_j / d_j, from Σ (w/d) 1_D and
// Σ (w/d) 1_D y per combination) come from the trimmed w.
// A PSU's residual total is then Σ_{i∈q} z_i − Σ_k W_qk Z_k / W_k (post-stratification, W_qk = Σ_{i∈q,k} w) or
// Σ_{i∈q} z_i − Σ_k D_qk h_k (raking, D_qk = Σ_{i∈q,k} d; linear Σ_{i∈q} z_i − Σ_k W_qk h_k). Memory: (PSUs + domains × (1 + measures)) × combinations
// doubles, flat in the rows. Every sum adds in row order, so the result does not depend on the batches.
// Every row added must have a nonzero weight (the calibrated design of `estimate --calibrate` has only those).
//
// Without a psu column (`per_stratum`: each row its own PSU; docs/performance.md, "Ninth session, calnopsu") the
// variance needs per stratum the centred moments Σ (e − ē)(e − ē)ᵀ of the rows' residuals, not PSU totals. Every
// residual above is e_i = α w_i − h_k v_i: α = 1_D (y_i − p̂) / W_D takes one value per (domain set, y) of the row,
// h_k is the calibration's constant of the combination and v_i = d_i (raking) or the untrimmed weight (the others).
// So per group (stratum, combination, the row's pattern: its domains and the measures with y = 1; with `variables`
// one pattern per variable of the row: its domains and that variable's measures with y = 1), in row order,
// the rows' count, means and centred second moments (Welford) of a pair (a, b) with e = A a + B b:
//   raking  a = d, b = w − d g_k  (0 untrimmed),  A = α g_k − h_k, B = α;
//   others  a = w, b = d g_k − w  (0 untrimmed),  A = α − h_k,     B = −h_k.
// The stratum's centred moments are then Σ_G [A_j A_l C_aa + (A_j B_l + B_j A_l) C_ab + B_j B_l C_bb
// + n_G (ē_Gj − ē_j)(ē_Gl − ē_l)]: deviations formed from the groups' means, no Σ e² − (Σ e)² / n. Memory: strata ×
// combinations × patterns groups (patterns: the distinct (domains, measures) of the rows), flat in the rows.
#pragma once

#include "hkstat/estimate/design.hpp"
#include "hkstat/estimate/psu_index.hpp"
#include "hkstat/weights/apply.hpp"
#include "hkstat/weights/calibrate.hpp"

#include <Eigen/Dense>

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <unordered_map>
#include <utility>
#include <vector>

namespace hkstat::estimate {

// What the residuals need of a fit on the combination table.
struct CombinationCalibration {
  weights::CalibrationKind kind = weights::CalibrationKind::PostStratification;
  std::vector<double> g;                          // per combination: w = d · g
  std::vector<std::vector<double>> step_g;        // raking: per margin, per combination (ψ = d · step_g)
  std::vector<std::vector<std::size_t>> category; // raking: per margin, per combination, its category (dense)
  std::vector<std::size_t> categories;            // raking: per margin, the number of categories
  int residual_passes = weights::RakeControl{}.residual_passes; // R svyrecvar's sweeps, as the in-memory rake
  Eigen::MatrixXd x;    // linear: the calibration variables per combination (WeightingStream::calibration_x)
  bool trimmed = false; // the weights were trimmed after the calibration (w ≠ d · g)
  // From a fit on `table` (PostStratification: one margin; Raking: the fit's step factors; Linear: `x`, one row per
  // combination).
  static CombinationCalibration of(weights::CalibrationKind kind, const weights::CombinationTable& table, const weights::CombinationFit& fit,
                                   int residual_passes = weights::RakeControl{}.residual_passes, Eigen::MatrixXd x = {}, bool trimmed = false);
  // From a fitted weighting stream (after WeightingStream::fit_passes): its method, table, fit, linear x and trimming.
  static CombinationCalibration of(const weights::WeightingStream& stream);
};

// A batch's calibration combinations and input weights bound to an accumulator's pointers for one add(), and
// unbound after it, also when add() throws: the calibrated add() of PrevalenceAccumulator, TabulateAccumulator and
// tabulate's AssociationAccumulator.
class CalibrationBatch {
public:
  CalibrationBatch(const std::vector<std::size_t>*& comb, const std::vector<double>*& input, const std::vector<std::size_t>& combination,
                   const std::vector<double>& input_weight)
      : comb_(comb), input_(input) {
    comb_ = &combination;
    input_ = &input_weight;
  }
  ~CalibrationBatch() {
    comb_ = nullptr;
    input_ = nullptr;
  }
  CalibrationBatch(const CalibrationBatch&) = delete;
  CalibrationBatch& operator=(const CalibrationBatch&) = delete;

private:
  const std::vector<std::size_t>*& comb_;
  const std::vector<double>*& input_;
};

class CalibratedSums {
public:
  // `per_stratum`: the design has no psu column; add()'s `psu` is then the row's dense stratum (PsuIndex::Unit::stratum).
  // `variables` (per stratum): the first measure of each variable, ascending from 0 (tabulate: a variable's cells;
  // empty = one variable); a row's pattern is kept per variable, so the patterns do not multiply across variables,
  // and stratum_moments takes statistics of one variable.
  CalibratedSums(std::shared_ptr<const CombinationCalibration> cal, std::size_t domains, std::size_t measures = 3, bool per_stratum = false,
                 std::vector<std::size_t> variables = {});
  bool per_stratum() const { return per_stratum_; }
  std::size_t measures() const { return M_; }
  // Grows the measures to `measures` (≥ measures()), the new ones without rows: for statistics whose measures are
  // found as the rows are read (tabulate --test: a two-way cell per measure, in order of first appearance). Only with
  // one variable (`variables` empty); the sums of the measures already there are kept as they are.
  void add_measures(std::size_t measures);
  // A row: its dense PSU (or stratum), combination, final weight w (≠ 0; trimmed if the calibration was), input weight d, its domains and the measures
  // with y = 1 (indices < measures, each once; the same for every domain of the row).
  void add(std::size_t psu, std::size_t comb, double w, double d, const std::size_t* domains, std::size_t nd, const std::size_t* hits,
           std::size_t nh);
  // The same with estimate's three 0/1 outcomes (measures = 3).
  void add(std::size_t psu, std::size_t comb, double w, double d, const std::size_t* domains, std::size_t nd, const std::array<bool, 3>& y);
  // Subtracts from the PSU score totals z (canonical PSU q = row q; column j: statistic stats[j] = (domain,
  // measure) with value value(j) and domain weight W[j]) the calibration's part, so that z holds the residual totals.
  void residualise(const std::vector<std::size_t>& dense_psu, const std::vector<std::pair<std::size_t, std::size_t>>& stats,
                   const Eigen::VectorXd& value, const std::vector<double>& W, Eigen::MatrixXd& z) const;
  // Per stratum (`per_stratum`): for canonical stratum stratum_rank[s] of dense stratum s, the residuals' totals s1
  // (k) and centred moments c2 (k × k) of the statistics `stats` (as residualise) over the stratum's rows
  // (estimate::stratum_centred_vcov).
  void stratum_moments(const std::vector<std::size_t>& stratum_rank, const std::vector<std::pair<std::size_t, std::size_t>>& stats,
                       const Eigen::VectorXd& value, const std::vector<double>& W, std::vector<Eigen::VectorXd>& s1,
                       std::vector<Eigen::MatrixXd>& c2) const;
  // The covariance of the residuals of statistics `stats` (as residualise) on the whole design `can` (R keeps every
  // row of a calibrated subset): per stratum (`per_stratum`) from their centred moments (stratum_centred_vcov);
  // else from the PSU score totals that `score_totals` gives (PSUs × stats, canonical PSU order; called only then),
  // residualised (psu_vcov). The one path of `estimate` and `tabulate` (PrevalenceAccumulator, tabulate's
  // accumulator).
  Eigen::MatrixXd vcov(const PsuIndex::Canonical& can, LonelyPsu lonely, const std::vector<std::pair<std::size_t, std::size_t>>& stats,
                       const Eigen::VectorXd& value, const std::vector<double>& W, const std::function<Eigen::MatrixXd()>& score_totals) const;

private:
  struct Solver;
  std::unique_ptr<Solver> solver() const;
  // h_k of statistic (domain d, measure m) at value p with domain weight W: e_i = z_i − v_i h_k.
  void model(const Solver& s, std::size_t d, std::size_t m, double p, double W, std::vector<double>& h) const;
  void add_grouped(std::size_t stratum, std::size_t comb, double w, double d, double wu, const std::size_t* domains, std::size_t nd,
                   const std::size_t* hits, std::size_t nh);
  struct Group { // per (stratum, combination, pattern), in row order
    std::uint32_t stratum = 0, comb = 0, pattern = 0;
    std::uint64_t n = 0;
    double ma = 0, mb = 0;           // means of a and b
    double caa = 0, cab = 0, cbb = 0; // Σ (a − ā)², Σ (a − ā)(b − b̄), Σ (b − b̄)²
  };
  struct Pattern { // the domains of a row and its variable's measures with y = 1
    std::vector<std::size_t> domains, hits;
    std::size_t variable = 0;
  };
  void add_to_group(std::size_t stratum, std::size_t comb, std::uint32_t pattern, double a, double b);

  struct Cell { // per (combination, domain)
    double w = 0;        // Σ w 1_D
    std::uint64_t n = 0; // rows in D
    double r = 0;        // trimmed raking: Σ (w / d) 1_D
  };
  struct Measure { // per (combination, domain, measure)
    double wy = 0;        // Σ w 1_D y
    std::uint64_t ny = 0; // rows in D with y
    double ry = 0;        // trimmed raking: Σ (w / d) 1_D y
  };
  std::shared_ptr<const CombinationCalibration> cal_;
  std::size_t K_, D_, M_;
  bool ratio_ = false;              // trimmed raking: keep Σ w / d
  std::vector<double> comb_w_;      // per combination Σ w (untrimmed: d · g)
  std::vector<double> comb_d_;      // per combination Σ d (linear)
  std::vector<std::uint64_t> comb_n_; // per combination rows
  std::vector<Cell> cell_;          // [k * D + d]
  std::vector<Measure> measure_;    // [(k * D + d) * M + m]
  std::vector<double> psu_;         // [q * K + k]: Σ w untrimmed (post-stratification, linear) or Σ d (raking)
  bool per_stratum_ = false;
  std::vector<Group> groups_;                                  // first appearance
  std::unordered_map<std::uint64_t, std::uint32_t> group_of_;  // (stratum · K + comb) << 32 | pattern → group
  std::vector<Pattern> patterns_;                              // first appearance
  std::map<std::vector<std::size_t>, std::uint32_t> pattern_of_; // nd, domains, variable, hits → pattern
  std::vector<std::size_t> var_first_;                         // per variable its first measure, then M
  std::vector<std::size_t> key_;
  std::vector<std::vector<std::size_t>> last_key_;             // per variable the last row's pattern key
  std::vector<std::uint32_t> last_pattern_;
  std::vector<char> has_last_;
  std::vector<std::uint64_t> stratum_rows_;                    // per dense stratum
};

} // namespace hkstat::estimate
