// hkstat/estimate/replicates.hpp — replicate-weight designs: read supplied replicate columns (bootstrap,
// JK1, JKn, BRR, Fay, other), create them from a Design (JK1, JKn, bootstrap, sub-bootstrap, BRR, Fay),
// and estimate totals, means, ratios and domain statistics with replicate variances.
//
// Formulas: shared/survey-methods.md §3.4; R survey 4.1-1 svrepdesign(), as.svrepdesign(), svrVar(),
// degf.svyrep.design(). Golden test: tests/unit/test_replicates.cpp against r/replicate_golden.R
// (R 4.2.2, survey 4.1-1).
//
// A replicate design holds, per row, the full-sample weight w_i and R replicate ("analysis") weights
// w_ir (R's weights(design, "analysis"): already multiplied, combined.weights = TRUE). A statistic θ̂ is
// computed once with w and once with each column w_·r (θ̂_r); its covariance is
//   V̂ = scale · Σ_r rscale_r (θ̂_r − θ̄)(θ̂_r − θ̄)ᵀ,
//   θ̄ = mean of θ̂_r over the replicates with rscale_r > 0 (R's default, survey.replicates.mse = FALSE),
//       or θ̂ when mse = true.
// Design df (R degf.svyrep.design): rank of the rows × R matrix of analysis weights − 1, the rank as R's
// qr(weights, tol = 1e-5)$rank (a column counts when its part orthogonal to the columns counted before it
// has at least 1e-5 of its norm). For a domain (R degf(subset(design, domain))) the same on the domain's rows.
//
// Scale and rscales (R svrepdesign defaults; R = number of replicates):
//   BRR        scale 1/R, rscales 1 (fixed)
//   Fay        scale 1/(R (1 − ρ)²), rscales 1 (fixed; ρ required, 0 < ρ < 1)
//   JK1        scale (R − 1)/R, rscales 1 (R guesses this with a warning; give the scale when the
//              replicates came with an fpc)
//   JKn        rscales required for combined weights ((n_h − 1)/n_h for the stratum whose PSU the
//              replicate deletes); scale 1
//   bootstrap  scale 1/(R − 1) (R bootstrap.average = 1), rscales 1
//   other      scale 1, rscales 1
// Not combined (multipliers given instead of analysis weights, R combined.weights = FALSE): analysis
// weight = multiplier × w; JK1's default scale becomes 1/max(first column) and JKn's rscales 1/max(column),
// as R guesses them.
#pragma once

#include "hkstat/estimate/design.hpp"
#include "hkstat/estimate/survey_estimators.hpp"

#include <Eigen/Dense>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace hkstat::estimate {

enum class ReplicateType { Bootstrap, JK1, JKn, BRR, Fay, Other };

// "bootstrap", "JK1", "JKn", "BRR", "Fay", "other" (R's spelling of svrepdesign(type = )).
const char* replicate_type_name(ReplicateType t);
// The names above, case-insensitive ("jk1", "brr", "fay" ...); anything else throws Error(UsageInvalidOption).
ReplicateType parse_replicate_type(std::string_view name);

struct ReplicateDesign {
  ReplicateType type = ReplicateType::Other;
  std::vector<double> weights; // full-sample weights, one per row (R pweights)
  Eigen::MatrixXd rep;         // rows × R analysis weights (R weights(design, "analysis"))
  double scale = 1;
  Eigen::VectorXd rscales; // R entries
  bool mse = false;        // centre at the full-sample estimate instead of the replicate mean
  double fay_rho = 0;      // Fay's ρ (informative; already in scale)
  double df = 0;           // R degf(design): rank(rep) − 1; set by every function below that builds a design

  std::size_t rows() const { return weights.size(); }
  std::size_t replicates() const { return static_cast<std::size_t>(rep.cols()); }
};

// ---- Supplied replicate columns ------------------------------------------------------------------------
struct ReplicateOptions {
  ReplicateType type = ReplicateType::Other;
  bool combined = true;          // true: columns are analysis weights; false: multipliers of w
  std::optional<double> scale;   // default by type (above); not allowed for BRR and Fay
  std::vector<double> rscales;   // empty = default by type; 1 value = the same for every replicate
  std::optional<double> fay_rho; // Fay only, required there
  bool mse = false;
};

// Errors: weights/columns of different lengths, fewer than 2 replicates, a non-finite replicate weight or
// a weight < 0 or non-finite → DataInvalidWeight / DataOutOfRange (row and column named); scale/rscales
// that are not finite and >= 0, rscales of the wrong length, a scale for BRR/Fay, Fay without ρ in (0, 1),
// JKn combined without rscales → UsageInvalidOption.
ReplicateDesign replicate_design_from_columns(std::vector<double> weights, Eigen::MatrixXd columns,
                                              const ReplicateOptions& options);

// The type, scale and rscales of `replicates` supplied columns without their rows: the defaults and option
// checks of replicate_design_from_columns (which uses it). `column_max`: the columns' maxima before they
// are combined with the weights (R's guesses for multipliers, options.combined false: JK1 scale 1/max of the
// first column, JKn rscales 1/max); ignored when empty. The result has no rows (weights empty, rep 0 × R,
// so replicates() is R) and df 0. Errors as replicate_design_from_columns's option errors.
ReplicateDesign replicate_scales(const ReplicateOptions& options, std::size_t replicates, const Eigen::RowVectorXd& column_max);
// scale and rscales finite and >= 0, else UsageInvalidOption (every estimator checks it).
void check_replicate_scales(const ReplicateDesign& design);

// ---- Creation from a Design (first stage: strata and PSUs; later stages are not modelled) -------------
// Every created type is a PSU-multiplier matrix (PSUs × R) built from the first-stage layout in canonical
// order (design.hpp PsuLayout: strata ascending by id, PSUs ascending by id within a stratum), so that the
// order of the rows does not change the replicates or the draws (without a psu column every row is a PSU,
// in row order). A row's analysis weight is its PSU's multiplier × its weight. make_multipliers is used by
// PrevalenceAccumulator (per-PSU sums, no rows × R matrix) and by hkstat replicate (ReplicateWeightsStream: each
// row's weights written as it is read again, no rows × R matrix); make_jk1/... (row weights in memory) are
// make_multipliers + replicates_from_multipliers, so all agree for the same seed.
// Replicate order: JK1 one replicate per PSU in canonical order; JKn strata ascending, within a stratum
// its PSUs ascending — R's order (first appearance) whenever the file is sorted by stratum and PSU.
enum class CreatedReplicates { Bootstrap, SubBootstrap, JK1, JKn, BRR, Fay };
// Bounds on what a user sizes, checked before anything is allocated (UsageInvalidOption naming the limit):
// JK1/JKn make one replicate per PSU, so make_multipliers refuses more than kMaxReplicates PSUs for them
// (declare a psu variable or use the bootstrap); the CLI's bootstrap counts (--replicates-n, replicate
// --replicates) are 2..kMaxReplicates; and a PSU × replicate multiplier matrix (and, for the row weights of
// replicates_from_multipliers, a rows × replicates matrix) has at most kMaxReplicateCells entries (8 bytes
// each: 400 MB).
inline constexpr std::size_t kMaxReplicates = 2000;
inline constexpr std::size_t kMaxReplicateCells = 50'000'000;
// "bootstrap", "subbootstrap", "jk1", "jkn", "brr", "fay" (the CLI's --replicates / --type names).
const char* created_replicates_name(CreatedReplicates kind);
// Exactly the names above; nullopt for anything else.
std::optional<CreatedReplicates> parse_created_replicates(std::string_view name);

struct ReplicateRequest {
  CreatedReplicates kind = CreatedReplicates::Bootstrap;
  std::size_t replicates = 100; // bootstrap and subbootstrap
  std::uint64_t seed = 1;       // bootstrap and subbootstrap
  double fay_rho = 0.5;         // Fay
};

struct PsuMultipliers {
  ReplicateType type = ReplicateType::Other;
  Eigen::MatrixXd mult; // layout.psus() × R, rows in the layout's order
  double scale = 1;
  Eigen::VectorXd rscales;
  double fay_rho = 0;
};
// Errors as make_jk1 / make_jkn / make_bootstrap / make_subbootstrap / make_brr below.
PsuMultipliers make_multipliers(const PsuLayout& layout, LonelyPsu lonely, const ReplicateRequest& request);
// Multipliers (of design_layout(design).psu) → the replicate design's row weights and df.
ReplicateDesign replicates_from_multipliers(const Design& design, const PsuMultipliers& multipliers);
ReplicateDesign make_replicates(const Design& design, const ReplicateRequest& request);

//
// make_jk1: unstratified designs (no strata, or one stratum). Multiplier n/(n − 1) for the other PSUs, 0
// for the deleted one; scale (n − 1)/n · (1 − n/N) with a first-stage fpc (N from design.fpc), else (n − 1)/n.
// R as.svrepdesign(type = "JK1"). Errors: several strata → UsageInvalidOption (use JKn); one PSU or a
// census (n = N) → EstimateNoData.
ReplicateDesign make_jk1(const Design& design);

// make_jkn: stratified designs. Within stratum h: multiplier n_h/(n_h − 1) for its other PSUs, 0 for the
// deleted one, 1 elsewhere; rscale (n_h − 1)/n_h · (1 − n_h/N_h); census strata (n_h = N_h) get no
// replicates. Singleton strata follow design.lonely as R's jknweights() does: Fail → EstimateNoData;
// Remove, Certainty → no replicate; Average → no replicate and scale = P/(P − L) (P PSUs, L singleton
// strata — R's rule, not the H/H_ok of the linearised engine); Adjust → one replicate with the singleton
// stratum's rows 0 and every other row × H/(H − 1), rscale (H − 1)/H (H strata).
// R as.svrepdesign(type = "JKn") with options(survey.lonely.psu = design.lonely).
ReplicateDesign make_jkn(const Design& design);

// make_bootstrap: R as.svrepdesign(type = "bootstrap") (survey's bootweights(), Canty & Davison 1999):
// in each stratum draw n_h PSUs with replacement; multiplier = times drawn. With a first-stage fpc, draw
// n_h PSUs without replacement from a pseudo-population of ⌊N_h⌋ units that repeats a random permutation
// of the stratum's PSUs. scale = n̄/((n̄ − 1)(R − 1)), n̄ = harmonic mean of n_h; rscales 1.
// make_subbootstrap: R type = "subbootstrap" (Rao & Wu 1988 with n_h − 1 draws): draw n_h − 1 PSUs with
// replacement; multiplier = n_h/(n_h − 1) × times drawn; scale 1/(R − 1). No fpc.
// Random numbers: std::mt19937_64 seeded with `seed` (fully specified by the C++ standard) and hkstat's own
// unbiased integer draw (rejection sampling), so a seed gives the same replicates on every platform. The
// draws are not R's: compare them statistically, or supply R's columns. Order of draws: replicate by
// replicate, strata in ascending id order, PSUs in ascending id order (the canonical layout).
// Errors: replicates < 2 → UsageInvalidOption; n̄ = 1 (every stratum a singleton) or, for the
// sub-bootstrap, a singleton stratum → EstimateNoData.
ReplicateDesign make_bootstrap(const Design& design, std::size_t replicates, std::uint64_t seed);
ReplicateDesign make_subbootstrap(const Design& design, std::size_t replicates, std::uint64_t seed);

// make_brr: balanced repeated replication for designs with exactly 2 PSUs in every stratum. Replicate r
// keeps PSU 1 of stratum k when H[k][r] = +1 (multiplier 2 − ρ, the other PSU ρ), else PSU 2, with H the
// normalised Hadamard matrix of hadamard_matrix(strata + 1) (row 0, all +1, unused). Strata are taken in
// the order of their decimal labels as strings (R sorts as.character(strata)), PSUs in ascending id
// order. fay_rho = 0 gives BRR (scale 1/R), 0 < ρ < 1 Fay (scale 1/(R(1 − ρ)²)). A first-stage fpc
// is ignored (R drops it with a warning). For orders 4 and 8 (up to 7 strata) the replicates are R's
// as.svrepdesign(type = "BRR"/"Fay") exactly; for larger orders R's Hadamard matrix may differ: linear
// statistics (totals) have the same variance under any full-orthogonal BRR — equal to the linearised
// variance without fpc — while means and ratios differ slightly from R.
// Errors: a stratum without exactly 2 PSUs → UsageInvalidOption; ρ outside [0, 1) → UsageInvalidOption.
ReplicateDesign make_brr(const Design& design, double fay_rho = 0);

// A normalised Hadamard matrix (entries ±1, first row and column +1) of the smallest order >= min_order
// that hkstat builds: Sylvester doubling ([[H, H], [H, −H]]) of 1, of Paley I (order q + 1, q prime ≡ 3
// mod 4: I + [[0, 1ᵀ], [−1, Q]], Q[i][j] = χ(j − i) the Legendre symbol) or of Paley II (order 2(q + 1),
// q prime ≡ 1 mod 4). Powers of two are Sylvester's in natural order (R's matrices of order 4 and 8); other
// orders come from the base needing the fewest doublings, Paley I before Paley II (12: Paley I q = 11,
// 24: Paley I q = 23, 28: Paley II q = 13). Every multiple of 4 up to 48 is reached, as R's hadamard().
// min_order > 4096 → UsageInvalidOption.
Eigen::MatrixXi hadamard_matrix(std::size_t min_order);

// ---- Variance ------------------------------------------------------------------------------------------
// R degf of the design restricted to domain rows (nonzero = in the domain; empty = all rows):
// replicate_rank(rows × R analysis weights of those rows) − 1.
double replicate_df(const ReplicateDesign& design, std::span<const double> domain = {});
// R qr(weights, tol = 1e-5)$rank (see the top of this file). The accumulator passes the PSU multipliers
// of the PSUs with domain rows of nonzero weight: the same rank, as each row of the analysis weights is
// its PSU's multipliers × its weight.
double replicate_rank(const Eigen::MatrixXd& weights);
// R degf of created replicates from their multipliers (the streamed paths: the estimators' DomainEngine and hkstat
// replicate): replicate_rank of the multiplier rows of the PSUs with has_w[q] != 0 (PSU q, in the layout's order, has
// a row of nonzero weight) − 1. Equal to replicate_df(replicates_from_multipliers(design, m)): row i of the analysis
// weights is its PSU's multipliers × w_i, and rows of weight 0 add nothing to the rank (tests/unit/test_replicates_stream.cpp).
double multipliers_df(const PsuMultipliers& m, std::span<const char> has_w);

// The same rank from the Gram matrix WᵀW (R × R; its lower triangle is read): column j counts when
// G_jj − (its projection on the columns counted before it)² ≥ tol² G_jj. Used by the single passes over
// supplied columns (replicates_sums.hpp), which sum WᵀW instead of keeping W; equal to replicate_rank(W)
// unless a column's residual lies within rounding of the tolerance (tests/unit/test_replicates.cpp).
double replicate_rank_gram(const Eigen::MatrixXd& gram);

// thetas: R × k replicate statistics, full: k full-sample statistics → k × k covariance (R svrVar()).
// A non-finite replicate statistic → EstimateNoData naming the replicate (R drops such replicates with a
// warning; hkstat refuses, since the variance would silently use fewer replicates).
Eigen::MatrixXd replicate_vcov(const ReplicateDesign& design, const Eigen::MatrixXd& thetas,
                               const Eigen::VectorXd& full);

// Any statistic: estimator(w) is called with the full-sample weights and with each replicate column.
struct ReplicateResult {
  Eigen::VectorXd value;
  Eigen::MatrixXd thetas; // R × k
  Eigen::MatrixXd vcov;
};
ReplicateResult replicate_estimate(const ReplicateDesign& design,
                                   const std::function<Eigen::VectorXd(const Eigen::VectorXd& w)>& estimator);

// ---- Estimators (the same names and results as survey_estimators.hpp, so callers are uniform) ----------
// value from the full-sample weights; vcov from the replicates; df = domain_df = R degf (domain_df of a
// domain = degf(subset(design, domain))); n = rows in the domain. R svytotal/svymean/svyratio and
// svyby(..., covmat = TRUE) on a svyrep.design. A replicate whose domain weight sums to 0 →
// EstimateNoData (see replicate_vcov).
SurveyEstimate svy_total(const ReplicateDesign& design, const Eigen::MatrixXd& y);
SurveyEstimate svy_mean(const ReplicateDesign& design, const Eigen::MatrixXd& y);
SurveyEstimate svy_ratio(const ReplicateDesign& design, const Eigen::VectorXd& num, const Eigen::VectorXd& den);
SurveyEstimate svy_mean_by(const ReplicateDesign& design, const Eigen::VectorXd& y, const Eigen::MatrixXd& domains);
SurveyEstimate svy_total_by(const ReplicateDesign& design, const Eigen::VectorXd& y, const Eigen::MatrixXd& domains);

} // namespace hkstat::estimate
