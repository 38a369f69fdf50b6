// hkstat/config/run_config.hpp — the optional run configuration next to a data file
// (<stem>.hkstat.toml): what is not about the questionnaire (population, rule-set, display, weighting).
// Command-line options override it; every value used is echoed in the output.
#pragma once

#include "hkstat/core/error.hpp"
#include "hkstat/weights/spec.hpp"

#include <optional>
#include <string>
#include <vector>

namespace hkstat::config {

// The largest population hkstat accepts (persons, --population, [estimate] population and each row of a
// population file): 10^9, far above the population of any municipality or country's survey age range, and
// small enough that every persons estimate and its interval are exact whole numbers in a double.
inline constexpr double kMaxPopulation = 1e9;
// What is wrong with `v` as a population (nullopt: nothing): it must be finite, a whole number and
// 1..kMaxPopulation ("0.5", "inf", "1e308" are refused).
std::optional<Text> population_problem(double v);
// The expected value of a population, for error messages.
Text population_expected();
// Confidence levels hkstat accepts (--level, [estimate] level): 0.000001 to 0.999999. Outside, the normal or t
// quantile of the level is 0 or not a finite double (0.9999999999999999 rounds 1 − α/2 to 1).
inline constexpr double kMinLevel = 1e-6;
inline constexpr double kMaxLevel = 0.999999;
inline bool level_ok(double level) { return level >= kMinLevel && level <= kMaxLevel; }
// The largest min_cell (--min-cell, [estimate] min_cell): a cell threshold above any survey's size.
inline constexpr int kMaxMinCell = 1000000;

// [fieldwork]: questionnaires sent, returned and valid (docs/cli.md "Run configuration"); printed with the
// response rates in the method notes of estimate and report.
struct Fieldwork {
  long long sent = 0;
  std::optional<long long> returned;
  std::optional<long long> valid;
};
// 「調査票の配布 2,500件、有効回答 810件（有効回答率 32.4%）」
Text fieldwork_note(const Fieldwork& f);

struct RunConfig {
  std::string path; // "" when there is none
  std::optional<std::string> codebook; // resolved relative to the config file
  std::optional<std::string> encoding;
  std::optional<std::string> ruleset;  // id or path (resolved relative to the config file if it has a '/')
  std::optional<double> population;
  std::optional<std::string> population_label;
  std::optional<std::string> population_file; // resolved relative to the config file
  std::optional<std::vector<std::string>> age_groups;
  std::optional<int> rate_rounding;
  // [estimate] numerator: "respondents" | "respondents+members" | "persons" (household roster; docs/estimation.md)
  std::optional<std::string> numerator;
  std::optional<int> rate_decimals;
  std::optional<std::string> persons_unit; // "person" | "man"
  std::optional<std::string> ci_method;
  std::optional<std::string> lonely_psu; // fail | remove | certainty | adjust | average
  std::optional<double> level;
  std::optional<int> min_cell;           // [privacy] min_cell (or the older [estimate] min_cell)
  std::optional<std::string> suppression_method; // [privacy] method: "least-cost" (the one method; docs/tabulate.md)
  std::optional<weights::WeightingSpec> weighting; // [weighting] (hkstat weight; docs/cli.md)
  std::optional<Fieldwork> fieldwork;              // [fieldwork]
};

RunConfig parse_run_config(std::string_view text, const std::string& source_name);
RunConfig load_run_config(const std::string& path);

// "<dir>/<stem>.<suffix>" for a data file "<dir>/<stem>.csv" (any extension).
std::string sibling_path(const std::string& data_path, const std::string& suffix);
bool file_exists(const std::string& path);

// Population by age group from a CSV with columns age_group,population (e.g. "15-39,60123").
// Errors (all E_CONFIG_INVALID, exit 4, as the weighting tables; the CSV's own structure is the reader's
// E_CSV_*): no age_group or population column; a population that is not a whole number 1..kMaxPopulation
// (line and column named). Whether the groups are the estimate's, each once, is the caller's check.
struct GroupPopulation {
  std::string age_group;
  double population = 0;
  std::size_t line = 0;         // of the row
  std::size_t group_column = 0; // 1-based column of age_group
};
std::vector<GroupPopulation> load_population_file(const std::string& path);

} // namespace hkstat::config
