// hkstat/tabulate/cross_table.hpp — a distribution laid out as published reports show it (属性 × 回答):
// one row per answer, the groups (domain × age band × level) as columns, each headed with its n.
#pragma once

#include "hkstat/table/table.hpp"
#include "hkstat/tabulate/tabulate.hpp"

namespace hkstat::tabulate {

// The same figures as distribution_table() (same suppression, reliability marks, notes and title), turned:
//   human columns (text, Markdown): 回答, then one column per block headed "<group>（n=<base>）" showing the
//     percentage ("*" suppressed, "—" not estimable, "※" low precision);
//   machine columns (render_csv_labelled, the workbook): label, then per block `<gid>.n` (人数) and
//     `<gid>.percent` (割合, a proportion 0-1, unrounded), both under the group header; a suppressed or
//     undefined value is empty.
// The block's group id `gid` joins its domain, age band and level ("all", "broad.40-64", "all.all.1").
// Answers are the rows of the first block in order (every block has the same rows).
table::Table cross_table(const Distribution& dist, const TableOptions& options);

// The label of a block in a cross-table header: the parts that differ between the distribution's blocks
// (domain, age band, level; a margin "all" is not named), joined with "・"; "全体" / "total" for the whole.
Text block_label(const Distribution& dist, std::size_t block);

} // namespace hkstat::tabulate
