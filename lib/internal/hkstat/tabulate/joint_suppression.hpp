// hkstat/tabulate/joint_suppression.hpp — one table's share of a suppression solved over several tables at once
// (the questions of one run when a base is hidden: tabulate.cpp; every table of a report: report_suppression.cpp).
#pragma once

#include "hkstat/tabulate/suppress.hpp"
#include "hkstat/tabulate/tabulate.hpp"

#include <cstddef>
#include <span>

namespace hkstat::tabulate {

// Applies the cells [offset, offset + d.problem.counts.size()) of `joint` to `d`: its Suppression (the hidden
// and primary flags, reasons, complements named within the table, unprotected cells, and the complements and
// cells of the conservative rule counted with their cost from `cost`, as suppress() counts them), each cell's
// hidden/primary flags, and each block's base_hidden.
void apply_joint_suppression(const Suppression& joint, std::size_t offset, std::span<const double> cost, Distribution& d);

// The note of a table some of whose cells the conservative rule hid (HideReason::Fallback): every table that can
// carry such cells prints it (tabulate's tables, a report's prevalence table).
Text fallback_note();

} // namespace hkstat::tabulate
