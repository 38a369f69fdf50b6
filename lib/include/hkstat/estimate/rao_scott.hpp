// hkstat/estimate/rao_scott.hpp — Rao–Scott corrected chi-square tests of independence for a two-way
// table (e.g. sex × 広義) under a survey design: R survey's svychisq(~a + b, design, statistic = "F")
// (the default, second-order) and statistic = "Chisq" (first-order), plus the Pearson X² they correct.
//
// Formulas: shared/survey-methods.md §3.9; R survey 4.1-1 svychisq.survey.design / svychisq.svyrep.design.
// Golden test: tests/unit/test_rao_scott.cpp against r/rao_scott_golden.R (R 4.2.2, survey 4.1-1).
//
// With r × c cells (rows of the table vary fastest), p̂ the Hájek cell proportions and V̂ their design
// covariance (linearised: design_vcov; replicates: replicate_vcov):
//   N   = number of rows of the design (R: nrow of the model matrix, which keeps rows with a missing answer)
//   X²  = Pearson statistic of the table N p̂ (R: chisq.test(svytable(~a + b, design, Ntotal = N)))
//   C   = the interaction columns of the model ~a*b on the r × c grid, residualised on the main effects ~a + b
//   D   = diag(p̂) (1/p̂ replaced by 0 for an empty cell)
//   Δ   = (Cᵀ D⁻¹ C / N)⁻¹ (Cᵀ D⁻¹ V̂ D⁻¹ C)            (the generalised design effects are its eigenvalues)
//   ν   = design df: PSUs − strata over all rows (R: unique clusters − unique strata; zero-weight rows count)
//         for a Design; R degf(design) for a ReplicateDesign
//   second order ("F"): F = X²/tr Δ,  d₀ = (tr Δ)²/tr(Δ²),  p = P(F(d₀, d₀ ν) > F)
//   first order ("Chisq"): X²_adj = X²/mean(diag Δ),  p = P(χ²_{(r−1)(c−1)} > X²_adj)
//     (R prints X² as the statistic of this test and uses X²_adj for its p-value.)
// Missing answers: rows where either variable is missing are left out of the cells (their scores are 0 and
// the variance uses R's subset semantics: their PSUs still count), as R's svychisq(na.rm = TRUE) does;
// N still counts them (R's quirk, kept for equality). Levels are the distinct codes among the rows with
// both answers, ascending (R counts a level that occurs only beside a missing answer of the other variable;
// the results agree whenever every level occurs in a complete row).
#pragma once

#include "hkstat/estimate/design.hpp"
#include "hkstat/estimate/replicates.hpp"

#include <Eigen/Dense>

#include <cstdint>
#include <limits>
#include <span>
#include <vector>

namespace hkstat::estimate {

// A missing answer in the code vectors (equal to data::kMissing).
inline constexpr std::int64_t kMissingCode = std::numeric_limits<std::int64_t>::min();

struct RaoScott {
  std::vector<std::int64_t> row_levels, col_levels; // ascending codes of a (rows) and b (columns)
  Eigen::MatrixXd proportions;                      // p̂: r × c, summing to 1
  Eigen::MatrixXd table;                            // N p̂ (R svytable(..., Ntotal = N))
  double n = 0;                                     // N
  double design_df = 0;                             // ν
  double delta_trace = 0;                           // tr Δ
  double delta_trace_squared = 0;                   // tr(Δ²)
  // Pearson X² of the table, as if it were a simple random sample (not a valid survey test).
  double pearson = 0;
  double df = 0; // (r − 1)(c − 1)
  double pearson_p = 0;
  // First order (R statistic = "Chisq").
  double chisq_adjusted = 0; // X²/mean(diag Δ)
  double chisq_p = 0;
  // Second order (R statistic = "F", the default).
  double f = 0;
  double ndf = 0; // d₀
  double ddf = 0; // d₀ ν
  double f_p = 0;
};

// a, b: one code per design row (kMissingCode = missing).
// Errors: lengths differ from the design → Internal; fewer than 2 levels in a or b among complete rows, a
// row or column of the table with zero weight, Δ with tr Δ <= 0 (no sampling variance, e.g. a census), or
// ν <= 0 → EstimateNoData; design errors as design_vcov / replicate_vcov.
RaoScott rao_scott(const Design& design, std::span<const std::int64_t> a, std::span<const std::int64_t> b);
RaoScott rao_scott(const ReplicateDesign& design, std::span<const std::int64_t> a, std::span<const std::int64_t> b);

} // namespace hkstat::estimate
