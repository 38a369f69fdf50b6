// hkstat/estimate/estimate.hpp — one estimate, the result type every command's cells carry
// (docs/estimation.md "Result type").
//
// A prevalence cell (PrevalenceCell::est), a distribution cell (tabulate::DistCell::est) and a row of
// totals / means / ratios (StatisticRow::est) each carry one Estimate: the value with its SE, df, both R
// design effects, the domain's n and Σ w, and the interval with the method actually used. What is specific
// to the command (measure and group, code and suppression flags, category and meaning, persons) stays in the
// cell around it.
#pragma once

#include "hkstat/estimate/proportion_ci.hpp"

#include <cstddef>
#include <limits>
#include <optional>
#include <string>

namespace hkstat::estimate {

struct Estimate {
  // The estimate: a proportion 0-1 (prevalence, share of a distribution), a total, a mean or a ratio; unrounded.
  double value = std::numeric_limits<double>::quiet_NaN();
  double se = std::numeric_limits<double>::quiet_NaN();       // NaN when undefined (a replicate leaves the domain empty)
  double df = std::numeric_limits<double>::quiet_NaN();       // design df of the domain (R degf(subset)); +inf for a simple sample
  double deff = std::numeric_limits<double>::quiet_NaN();     // vs SRS with replacement (R deff = "replace"); NaN where undefined
  double deff_wor = std::numeric_limits<double>::quiet_NaN(); // vs SRS without replacement (R deff = TRUE); NaN likewise
  std::size_t n = 0;      // rows of the domain (unweighted): the denominator of a proportion, the rows of a mean
  double sum_weights = 0; // Σ w over them (n for an unweighted sample)
  std::optional<Interval> interval; // none where df ≤ 0 or the SE is undefined (docs/estimation.md "Policies")
  std::string interval_method;      // the method actually used, e.g. "logit"; "clopper-pearson" on a boundary fallback; "t" for estimate ± t SE
};

} // namespace hkstat::estimate
