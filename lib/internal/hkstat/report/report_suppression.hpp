// report_suppression.hpp — internal: one small-cell suppression problem for every table of a report.
//
// Each table of a report has its own suppression problem (tabulate/suppress.hpp): its cells, its unpublished
// residual cells (age unknown = all − Σ bands, …) and the additive relations a reader can write down. Tables
// of one report count the same people: the age table's (広義, 15～39歳) row is the prevalence table's (broad,
// 15-39) cases; the sex table's base n for 広義 is the prevalence table's (broad, all) cases; the 10-year bands
// add up to the two age groups. Suppressing each table on its own lets one table give away what another hides.
//
// The joint problem: every table's cells and relations, side by side, plus auxiliary unknowns — the number of
// respondents in each *atom* of the report's frame: class (狭義 / 準 / other, or one class without a
// classification) × age atom (the elementary age intervals cut by every age group and band of the report,
// "unknown" and "outside") × level of one level variable (a --by variable, the sex of by = sex; "none": all
// levels together; the frames of different level variables add up to the frame without one). A table cell that
// counts a set of such atoms (a prevalence cell; a row of an age table; a row of a table of a level variable
// without a level breakdown) is tied to them by `cell = Σ atoms`; the base n of every block (a cell of its
// table: hideable) and the n of every prevalence row (a cell, one per group and level) likewise; with a household roster, the prevalence counts respondents and members: `cell = Σ
// respondent atoms + members (an auxiliary unknown per cell)`, the members adding up over the age groups (a
// residual for members without a group) and their published total (the numerator note prints it). Auxiliary
// unknowns are never printed, never sensitive and never complements (SuppressOptions::auxiliary); the exact
// audit then sees every table at once, so a hidden cell stays undetermined across the tables.
#pragma once

#include "hkstat/classify/classify.hpp"
#include "hkstat/data/dataset.hpp"
#include "hkstat/estimate/prevalence.hpp"
#include "hkstat/estimate/where.hpp"
#include "hkstat/tabulate/suppress.hpp"
#include "hkstat/tabulate/tabulate.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hkstat::report {

struct ReportTableInput {
  const tabulate::Distribution* dist = nullptr;
  const data::Dataset* data = nullptr; // the data it was tabulated from (with a derived age-band variable)
  bool age_question = false;           // its variable is the age (bands with min/max), not a question
};

// A streamed report's rows as the joint suppression counts them, in memory that does not grow with the rows:
// the number of rows (inside --where) per class × age (as an interval, or missing) × the codes of `level_names`.
struct SuppressionRows {
  std::vector<std::string> level_names; // every level variable the report may count by (set before add)
  std::map<std::vector<std::int64_t>, std::size_t> counts; // (class, has age, age from, age to, codes…) → rows
  std::size_t rows = 0; // every row added, inside --where or not (as the data's rows bound the unknowns)
  void add(const data::Dataset& batch, const classify::Classification* cls, const estimate::Where* where);
};

struct ReportSuppressionInput {
  const data::Dataset* data = nullptr;                // the report's data (with `counted`: no rows, its codebook and columns)
  const SuppressionRows* counted = nullptr;           // a streamed report: the rows counted, instead of data's rows
  const classify::Classification* cls = nullptr;      // null: no classification (agency, intake)
  const estimate::Where* where = nullptr;             // --where: the rows of every table
  const estimate::PrevalenceResult* prevalence = nullptr; // null: no prevalence table
  std::vector<ReportTableInput> tables;
  int min_cell = 5;
};

struct ReportSuppression {
  tabulate::SuppressionProblem problem; // the joint problem
  tabulate::Suppression result;
  std::size_t prevalence_cells = 0;     // cells 0 … prevalence_cells−1: result.cells (then its residuals)
  std::vector<std::size_t> table_offset; // first cell of each table (its problem's cells follow)
  std::vector<bool> prevalence_hidden;  // per prevalence cell (its cases, or its n: the whole row)
  std::vector<bool> prevalence_n_hidden; // per prevalence cell: its n is hidden (printed *)
  bool prevalence_fallback = false;     // the conservative rule hid a prevalence cell (its table prints the rule's note)
  std::size_t links = 0;                // cells tied to the frame (for tests)
};

// Throws Error(Internal) when a cell's count differs from the sum of its atoms (a wrong model).
ReportSuppression suppress_report(const ReportSuppressionInput& input);

// The joint result for table `t` (index into input.tables): its cells' hidden and primary flags and its
// `suppression` (a complement protecting a cell of another table names itself in complement_for).
void apply_report_suppression(const ReportSuppression& joint, std::size_t t, tabulate::Distribution& dist);

} // namespace hkstat::report
