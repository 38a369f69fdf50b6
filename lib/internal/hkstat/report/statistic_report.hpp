// hkstat/report/statistic_report.hpp — the table and document of a total, mean or ratio
// (hkstat estimate --stat total|mean|ratio; estimate/statistics.hpp).
#pragma once

#include "hkstat/estimate/statistics.hpp"
#include "hkstat/table/table.hpp"

#include <cstddef>

namespace hkstat::report {

// `min_cell` > 0: a row whose cases are 1..min_cell − 1 is not shown, and within one domain's categories (whose
// totals add up to the domain's Σ w) a second row is hidden when exactly one is, so that the hidden total cannot
// be recovered by subtraction.
table::Table statistic_table(const estimate::StatisticResult& result, int min_cell);
table::Document statistic_document(const estimate::StatisticResult& result, int min_cell, std::size_t rejected_rows);

} // namespace hkstat::report
