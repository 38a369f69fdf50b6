// hkstat/estimate/rao_scott_parts.hpp — the parts of rao_scott() (rao_scott.hpp) for a caller that accumulates
// the two-way table itself (tabulate/association_accumulator.hpp, in one pass over the rows): the same checks,
// with the same errors, and the same statistics from p̂, V̂, N and ν.
#pragma once

#include "hkstat/estimate/rao_scott.hpp"

#include <Eigen/Dense>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace hkstat::estimate::detail {

// Fewer than 2 row or column levels among the complete rows → EstimateNoData.
void rao_scott_check_levels(std::size_t row_levels, std::size_t col_levels);
// The complete rows' total weight not > 0 → EstimateNoData.
void rao_scott_check_total(double total_weight);
// p: the K = rows × columns cell proportions (rows fastest); V: their K × K covariance; N: the design's rows;
// nu: its PSUs − strata. Errors as rao_scott (a margin of zero weight, no sampling variance, ν <= 0).
RaoScott rao_scott_statistics(const std::vector<std::int64_t>& row_levels, const std::vector<std::int64_t>& col_levels, const Eigen::VectorXd& p,
                              const Eigen::MatrixXd& V, double n, double design_df);

} // namespace hkstat::estimate::detail
