// hkstat/estimate/statistic_result.hpp — the result of a total, mean or ratio (estimate/statistics.hpp computes it;
// the facade's api::statistic returns it): one row per domain (and category) with its estimate, SE, df and interval.
#pragma once

#include "hkstat/core/error.hpp"
#include "hkstat/estimate/estimate.hpp"

#include <cstddef>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace hkstat::estimate {

enum class StatKind { Total, Mean, Ratio };
const char* stat_kind_name(StatKind k); // "total", "mean", "ratio"

struct StatisticRow {
  std::string by = "all";    // the by variable as named, or "all"
  std::string group = "all"; // its code, or "all"
  std::string group_label;
  std::string category = "all"; // total of a code variable: the code, else "all"
  std::string category_label;
  std::string meaning; // "total", "mean", "ratio", "weighted_total", "rate_x_population"
  // The estimate (est.value; NaN: no respondents in the domain), SE, df, interval (estimate ± t_df SE,
  // interval_method "t"; none when df <= 0 or the SE is not finite), est.n = rows of the domain,
  // est.sum_weights = Σ w over them. No deff.
  Estimate est;
  std::size_t cases = 0; // of them, rows counted in the statistic: y = 1 (indicator), the category (code total), else n
  double rate = std::numeric_limits<double>::quiet_NaN(), rate_se = std::numeric_limits<double>::quiet_NaN(); // rate_x_population
};

struct StatisticResult {
  StatKind kind = StatKind::Total;
  std::string variable, denominator; // variable empty: the indicator
  Text variable_label, denominator_label;
  std::vector<StatisticRow> rows;
  Text design;    // describe_design
  Text variance;  // describe_variance
  double level = 0.95;
  std::string where; // the --where text, or empty
  std::size_t n = 0; // rows read (valid)
  bool weighted = false;
  std::optional<double> population;
  std::string population_label;
  // Several questionnaires (codebook [[form]]): rows the subpopulation kept that lie outside every reporting range
  // of their own form (in the design, in no domain, as in the prevalence), and the note that says so (empty
  // without forms).
  std::size_t outside_forms = 0;
  Text forms_note;
};

} // namespace hkstat::estimate
