// hkstat/estimate/statistics.hpp — totals (Horvitz–Thompson, R svytotal), means (R svymean) and ratios (R svyratio)
// of survey variables, whole sample or by the levels of code variables (R svyby) and within a --where
// subpopulation (R subset(design, EXPR)), with linearised or created-replicate standard errors
// (docs/estimation.md "Totals, means and ratios").
//
// Single pass over batches: per PSU and domain the sums Σ w, Σ w y_j (ratio: Σ w x, Σ w y), rows and rows with
// nonzero weight; at the end the PSUs in canonical order (PsuIndex) and the one domain engine (domain_engine.hpp):
//   total  Ŷ_j = Σ w y_j          linearised: PSU totals z_qj = Σ_q w y_j → psu_vcov (subset semantics);
//                                 replicates: θ_rj = Σ_q m_qr Σ_q w y_j → replicate_vcov
//   mean   ȳ = Σ w y / Σ w        DomainEngine::domain (the engine's ratio scores)
//   ratio  R̂ = Σ w y / Σ w x     DomainEngine::domain with Σ w x in place of Σ w
// A row is in a domain when it is in the subpopulation, in the --by level, and its variables are answered (R's
// na.rm = TRUE: rows with a missing answer are outside the domain, the design kept). df: R degf(subset(design,
// domain)) (linearised) or the rank of the domain's PSU multipliers − 1 (replicates). Interval: estimate ± t_df SE
// (R confint(x, df = degf(design))); none when df <= 0 or the SE is not finite.
// A linearised design without a psu column (each row its own PSU) keeps the same sums per stratum instead of per
// PSU, with the second moments Σ w² y_j², Σ w² x y, Σ w² x² (PsuIndex::count_rows), and the variance is
// stratum_moments_vcov of the row scores' moments (psu_vcov's stratum loop; equal to rounding): nothing per row.
// Created replicates on such a design keep one PSU per row (each row has its own multipliers).
//
// Several questionnaires (codebook [[form]]): as in the prevalence (detail::keep_form_ranges), a row counts only
// when its age lies in a reporting range of its own form; the others are in the design and in no domain, counted in
// StatisticResult::outside_forms with the codebook's note. They are not a subpopulation for `population`: the
// population is that of the reporting ranges, and persons = the rate over the rows in the ranges × it.
// Persons (`population`): for the total of the caller's 0/1 indicator (e.g. 広義) over the whole sample without a
// subpopulation, persons = rate × population with SE = population × SE(rate) (meaning "rate_x_population");
// otherwise the weighted total with its own SE (meaning "weighted_total": persons only if the weights sum to the
// population).
#pragma once

#include "hkstat/core/error.hpp"
#include "hkstat/data/dataset.hpp"
#include "hkstat/estimate/design.hpp"
#include "hkstat/estimate/estimate.hpp"
#include "hkstat/estimate/replicates.hpp"
#include "hkstat/estimate/statistic_result.hpp"
#include "hkstat/estimate/where.hpp"

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hkstat::estimate {

struct StatisticOptions {
  StatKind kind = StatKind::Total;
  // Total: a code variable (one total per valid code: the weighted number answering it), an integer or number
  // variable, or empty: the 0/1 indicator the caller passes with each batch (its name: indicator_name).
  // Mean: an integer or number variable. Ratio: the numerator (integer or number).
  std::string variable;
  std::string denominator; // Ratio: integer or number variable
  std::string indicator_name = "broad";
  Text indicator_label{"広義のひきこもり群", "broad hikikomori"};
  std::vector<std::string> by; // code variables (or role names): each valid code is a domain
  std::optional<Where> where;
  LonelyPsu lonely = LonelyPsu::Fail;
  std::optional<ReplicateRequest> replicate_request; // created replicates, else linearisation
  Text replicates_label;
  double level = 0.95;
  std::optional<double> population; // the indicator's persons = rate × population (whole sample, no where)
  std::string population_label;
};

class StatisticAccumulator {
public:
  explicit StatisticAccumulator(StatisticOptions options);
  ~StatisticAccumulator();
  StatisticAccumulator(StatisticAccumulator&&) noexcept;
  StatisticAccumulator& operator=(StatisticAccumulator&&) noexcept;

  // One batch. `indicator`: 0/1 per row, required for the total of the indicator (variable empty), else unused.
  // Errors: variables not in the codebook or of the wrong type → UsageInvalidOption; design cells as PsuIndex::add.
  void add(const data::Dataset& batch, const std::vector<char>* indicator = nullptr);
  // Errors: no rows → EstimateNoData; lonely PSUs, replicates as the engine.
  StatisticResult finish() const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The whole data set in one batch (the facade and tests).
StatisticResult estimate_statistic(const data::Dataset& data, const StatisticOptions& options, const std::vector<char>* indicator = nullptr);

} // namespace hkstat::estimate
