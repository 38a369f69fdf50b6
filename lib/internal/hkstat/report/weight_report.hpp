// hkstat/report/weight_report.hpp — the diagnostics of `hkstat weight` in the one table model:
// summary of the weights before and after calibration (min, max, CV, Kish effective n, weighting
// effect), margin fit per population-table category, rows left unweighted. docs/cli.md "weight".
#pragma once

#include "hkstat/report/table.hpp"
#include "hkstat/weights/apply.hpp"

#include <string>

namespace hkstat::report {

struct WeightReportOptions {
  std::string input;        // data file
  std::size_t rows_read = 0;
  std::size_t rejected_rows = 0;
  std::string rejects_file;
  std::string output;       // OUT.csv ("" = none)
  std::string codebook_out; // its codebook
  std::string weight_name;
  std::string version;      // "hkstat x.y.z"
};

// Text / Markdown: facts (method, tables, base weight, convergence rule and result, trimming), then a
// summary table, the margin fit table and, if any, the unweighted rows by reason.
Document weight_document(const weights::WeightingResult& r, const weights::WeightingSpec& spec, const WeightReportOptions& opt);

// CSV (--format csv): one long table, stable columns
//   section,margin,category,n,target,input,final,rel_diff
// section "summary": category = statistic (n, n_zero, n_negative, min, max, mean, sum, cv, kish_n_eff,
//   weighting_effect, max_abs_rel_diff, iterations, max_rel_misfit), input/final = its value for the
//   input and the final weights; section "margin": one row per population-table category;
// section "unmatched": margin = table, category = variable=value, n = rows.
Table weight_table(const weights::WeightingResult& r);

} // namespace hkstat::report
