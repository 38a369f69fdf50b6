// hkstat/report/estimate_report.hpp — turn estimates and classifications into Documents and Tables.
#pragma once

#include "hkstat/classify/classify.hpp"
#include "hkstat/data/dataset.hpp"
#include "hkstat/estimate/prevalence.hpp"
#include "hkstat/report/table.hpp"
#include "hkstat/tabulate/suppress.hpp"

#include <string>

namespace hkstat::report {

enum class PersonsUnit { Person, Man }; // 人 / 万人

struct DisplayOptions {
  int rate_decimals = 1;    // 0.1% (municipal); 2 for national-style 0.01%
  PersonsUnit persons_unit = PersonsUnit::Person;
  int min_cell = 5;         // suppress case counts 1..min_cell-1; 0 disables
  std::vector<Text> method_notes; // printed among the estimate's notes (e.g. the run configuration's [fieldwork])
  std::string version;      // hkstat version for provenance
  std::size_t rejected_rows = 0;
  std::string rejects_file;
};

// The population as the method facts and the report's summary line print it: the total (「60,123人」 /
// "60,123 people"), or per age group (「15～39歳 60,123人、40～64歳 69,433人」 / "15-39: 60,123, 40-64: 69,433");
// empty without a population.
Text population_text(const estimate::Population& population);

Document prevalence_document(const estimate::PrevalenceResult& result, const data::Dataset& data, const classify::Classification& cls,
                             const DisplayOptions& options);
// The machine-readable table only (what --format csv writes). `hidden`: the cells to suppress, one per
// result.cells (a report's joint suppression, report_suppression.hpp); null = the table's own. `n_hidden`: the
// cells whose n is hidden too (printed *; the report's joint suppression), null = none. `fallback`: with `hidden`,
// some of them were hidden by the conservative rule (the table then carries its note; without `hidden` the table's
// own suppression tells).
Table prevalence_table(const estimate::PrevalenceResult& result, const classify::Classification& cls, const DisplayOptions& options,
                       const std::vector<bool>* hidden = nullptr, const std::vector<bool>* n_hidden = nullptr, bool fallback = false);

// The prevalence table's small-cell suppression as a problem of tabulate/suppress.hpp: its case counts
// (result.cells, in order), then unpublished residual cells (respondents in no age group, without a --by
// level, or both), with the relations, upper bounds (each cell's n) and costs (margins after inner cells).
struct PrevalenceSuppressionProblem {
  std::vector<std::size_t> counts;
  std::vector<tabulate::Relation> relations;
  std::vector<std::size_t> upper;
  std::vector<double> cost;
  std::vector<bool> unpublished;
};
PrevalenceSuppressionProblem prevalence_suppression_problem(const estimate::PrevalenceResult& result);
// Its solution: hidden[i] for i < result.cells.size() is what the table hides (the same in every output, and
// in hkstat compare).
tabulate::Suppression prevalence_suppression(const estimate::PrevalenceResult& result, int min_cell);

// Differences between age groups (PrevalenceResult::differences); a difference involving a suppressed
// rate is suppressed too.
Table differences_table(const estimate::PrevalenceResult& result, const DisplayOptions& options);

// The same cells before (input design) and after weighting (hkstat estimate --calibrate), side by side.
Table weighting_comparison_table(const estimate::PrevalenceResult& before, const estimate::PrevalenceResult& after, const DisplayOptions& options);

// Exclusion audit: how many respondents each step and rule removed.
Table audit_table(const classify::Classification& cls);
// Per-respondent classification (id, line, class, deciding rule). Contains ids: for the analyst's own
// files, never for a published report.
Table respondent_table(const data::Dataset& data, const classify::Classification& cls);
Document classification_document(const data::Dataset& data, const classify::Classification& cls, const DisplayOptions& options);

} // namespace hkstat::report
