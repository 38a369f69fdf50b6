// hkstat/estimate/design.hpp — the one design-based (Taylor linearisation) variance engine.
//
// A design is one row per respondent: weight, stratum, PSU (nested in its stratum), first-stage fpc
// and a lonely-PSU policy. design_vcov turns influence values ("scores") into a covariance matrix by
// summing them per PSU and calling psu_vcov (below), which every estimator in hkstat reaches
// (survey_estimators.hpp row by row, prevalence_accumulator.hpp from per-PSU sums).
//
// Formulas: shared/survey-methods.md §3.2 (stratified ultimate-cluster variance, fpc), §3.3 (lonely
// PSUs) and §1.C (design df); golden test: tests/unit/test_design.cpp against r/design_golden.R
// (R 4.2.2, survey 4.1-1).
//
// For stratum h with n_h sampled PSUs, PSU score totals z_hi and z̄_h = (1/n_h) Σ_i z_hi:
//   V̂ = Σ_h g_h · n_h/(n_h − 1) · Σ_i (z_hi − z̄_h)(z_hi − z̄_h)ᵀ,   g_h = 1 − n_h/N_h (1 without fpc)
// (R survey: onestrat() in R/multistage.R, the same quantity written as f·n/(n−1), f = (N−n)/N.)
// A stratum with g_h < 1e-7 (all PSUs taken) contributes 0, before any lonely-PSU rule (as R).
// This is the ultimate-cluster (first-stage) variance: later stages are not modelled, which equals R
// svydesign(ids = ~psu, ...) with one level of ids, and is exact without first-stage fpc.
#pragma once

#include "hkstat/core/error.hpp"

#include <Eigen/Dense>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hkstat::estimate {

// Singleton strata (n_h = 1), R options(survey.lonely.psu = ...):
//   Fail      error (R default "fail"): Error(EstimateNoData) naming the stratum id.
//   Remove    the stratum contributes 0 ("remove").
//   Certainty the stratum contributes 0 ("certainty"; identical to Remove for one-stage designs).
//   Adjust    the singleton PSU total is not centred: contribution g_h · z_h1 z_h1ᵀ ("adjust", survey 4.1-1:
//             centred at 0. survey ≥ 4.2 centres at the mean of all PSU totals instead; that equals
//             centring at 0 whenever the scores sum to 0 — means, ratios, proportions — and differs for totals).
//   Average   singleton strata are dropped and the sum is multiplied by H/H_ok, H = strata counted,
//             H_ok = strata with at least 2 PSUs or a census stratum ("average"). H_ok = 0 → EstimateNoData.
// Domain behaviour is R's default survey.adjust.domain.lonely = FALSE: a stratum with several sampled
// PSUs of which only one has domain rows is an ordinary stratum (the others count with zero totals).
enum class LonelyPsu { Fail, Remove, Certainty, Adjust, Average };

// "fail", "remove", "certainty", "adjust", "average".
const char* lonely_psu_name(LonelyPsu p);
// The names above; anything else throws Error(UsageInvalidOption).
LonelyPsu parse_lonely_psu(std::string_view name);

struct Design {
  // One entry per row; all vectors the same length, or empty where optional.
  std::vector<double> weights;      // sampling weights, finite and >= 0 (0 = a row out of the sample)
  std::vector<std::int64_t> strata; // empty = one stratum
  std::vector<std::int64_t> psu;    // empty = every row is its own PSU; (stratum, psu) identifies a PSU,
                                    // so PSU labels may repeat across strata (R: svydesign(nest = TRUE))
  std::vector<double> fpc;          // empty = no fpc (with replacement). Else per row, constant within the
                                    // stratum: if any value is > 1, every value is the stratum's population
                                    // number of PSUs N_h (>= n_h); otherwise every value is a sampling
                                    // fraction in (0, 1] and N_h = n_h / fraction (R as.fpc's rule).
  LonelyPsu lonely = LonelyPsu::Fail;
  // Text stratum labels (a stratum column of type text, design_from_dataset): the label of stratum id k is
  // stratum_labels[k], and the ids are the labels' ranks in byte order, so that the canonical order (ascending
  // id) is the labels' order. Empty = the ids are the labels. Used in messages and by BRR's stratum order.
  std::vector<std::string> stratum_labels;
  // Calibrated weights (post-stratification, raking, GREG): replaces scores by their calibration
  // residuals before the variance (weights::calibration_residuals; R svyrecvar with design$postStrata).
  // Empty = the weights are sampling weights. Set by the caller that calibrated the weights.
  std::function<Eigen::MatrixXd(const Eigen::MatrixXd&)> calibration;
};

// R: nrow(design), strata, PSUs (counting zero-weight rows, as R's n_h does) and degf(design) =
// PSUs − strata among the rows with nonzero weight.
struct DesignSummary {
  std::size_t rows = 0;
  std::size_t strata = 0;
  std::size_t psus = 0;
  double df = 0;
};

// Validates the design (see Errors below) and summarises it.
DesignSummary summarize(const Design& design);

// The same for R's subset(design, domain != 0): rows, strata and PSUs that have a domain row, and
// df = degf(subset(design, domain != 0)) = PSUs − strata among domain rows with nonzero weight. This is
// the df R's svyciprop(~y, subset(design, dom)) and confint(..., df = degf(subset)) use.
DesignSummary summarize_domain(const Design& design, std::span<const double> domain);

// ---- The engine in two parts -----------------------------------------------------------------------
// (a) row scores → PSU score totals (design_vcov below, or a caller that accumulates PSU sums itself,
//     e.g. PrevalenceAccumulator in a single pass over the rows) and
// (b) PSU totals + the first-stage layout → covariance (psu_vcov): the one place where the formula
//     above, the census rule, the lonely-PSU policies and the subset semantics live.

// The first stage of a design in canonical order: strata ascending by id, within a stratum PSUs
// ascending by id (a design without a psu column: its rows in row order, each row a PSU). The order
// does not depend on the order of the rows (except for the rows-as-PSUs case).
struct PsuLayout {
  std::vector<std::int64_t> stratum_id; // ascending
  std::vector<std::size_t> first;       // strata() + 1 offsets: stratum h's PSUs are [first[h], first[h + 1])
  std::vector<std::int64_t> psu_id;     // per PSU: its id (the 0-based row index without a psu column)
  std::vector<double> popsize;          // per stratum: N_h (NaN without fpc)
  std::vector<double> g;                // per stratum: 1 − n_h/N_h (1 without fpc)
  std::vector<std::string> stratum_label; // per stratum: its text label (a text stratum column), else empty
  // The stratum as users wrote it: its text label, else its id.
  std::string stratum_name(std::size_t h) const { return stratum_label.empty() ? std::to_string(stratum_id[h]) : stratum_label[h]; }
  std::size_t strata() const { return stratum_id.size(); }
  std::size_t psus() const { return psu_id.size(); }
  std::size_t psus_in(std::size_t h) const { return first[h + 1] - first[h]; }
};

// Sets popsize and g from one fpc value per stratum (as Design::fpc; `fpc` empty = no fpc). Errors
// (DataOutOfRange, stratum id and value named; `where`, one position per stratum or empty, is attached
// to the error): fractions mixed with population sizes; N_h < n_h. Values must be finite and > 0
// (the callers check that row by row, where they can name the row).
void set_stratum_fpc(PsuLayout& layout, std::span<const double> fpc, std::span<const SourcePos> where = {});

// The validated layout of a design and each row's PSU (index into the layout). Cached per thread as
// design_vcov's (equal columns → the same layout).
struct RowLayout {
  PsuLayout psu;
  std::vector<std::size_t> row_psu;     // per row
  std::vector<std::size_t> row_stratum; // per row
};
const RowLayout& design_layout(const Design& design);

// (b) PSU totals (layout.psus() × k, rows in the layout's order) → k × k covariance.
// present: one entry per stratum, nonzero = the stratum has rows in the domain (R's subset semantics,
// see design_vcov with a domain); empty = every stratum is present (whole-design semantics).
// Errors: wrong sizes or a non-finite total → Internal; lonely-PSU errors as design_vcov.
Eigen::MatrixXd psu_vcov(const PsuLayout& layout, LonelyPsu lonely, const Eigen::MatrixXd& totals,
                         std::span<const char> present = {});

// THE engine: scores (rows × k influence values, already divided by the estimator's denominator;
// zero for rows outside a domain) → k × k covariance matrix, with R's svyrecvar() semantics on the
// whole design (as vcov(svyby(..., covmat = TRUE)) does: every stratum of the design is present).
//
// Errors:
//  * vectors of different lengths, scores.rows() != rows, a non-finite score → Internal
//  * no rows → EstimateNoData
//  * a weight < 0 or non-finite → DataInvalidWeight (row named)
//  * an fpc value <= 0 or non-finite, mixing fractions with population sizes, fpc varying within a
//    stratum, N_h < n_h → DataOutOfRange (stratum id and value named)
//  * LonelyPsu::Fail and a stratum with one PSU → EstimateNoData (stratum id named)
Eigen::MatrixXd design_vcov(const Design& design, const Eigen::MatrixXd& scores);

// As above with R's subset(design, domain != 0) semantics (what svymean(~y, subset(design, dom)) and
// the SE column of svyby compute): scores must be zero outside the domain; a stratum without a domain
// row is absent — it cannot fail as a lonely stratum and is not counted in Average's H. PSUs without
// domain rows in a stratum that has some still count in n_h with a zero total (never dropped).
// domain.size() must equal the number of rows (nonzero = in the domain).
// With Design::calibration the residuals are nonzero outside the domain and the whole design is used
// (as R's svymean(~y, subset(calibrated design, d)); weights::calibrated_vcov tests).
Eigen::MatrixXd design_vcov(const Design& design, const Eigen::MatrixXd& scores, std::span<const double> domain);

} // namespace hkstat::estimate
