// hkstat/config/run_config.hpp — the optional run configuration next to a data file
// (<stem>.hkstat.toml): what is not about the questionnaire (population, rule-set, display, weighting).
// Command-line options override it; every value used is echoed in the output.
#pragma once

#include "hkstat/weights/spec.hpp"

#include <optional>
#include <string>
#include <vector>

namespace hkstat::config {

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
  std::optional<int> rate_decimals;
  std::optional<std::string> persons_unit; // "person" | "man"
  std::optional<std::string> ci_method;
  std::optional<std::string> lonely_psu; // fail | remove | certainty | adjust | average
  std::optional<double> level;
  std::optional<int> min_cell;
  std::optional<weights::WeightingSpec> weighting; // [weighting] (hkstat weight; docs/cli.md)
};

RunConfig parse_run_config(std::string_view text, const std::string& source_name);
RunConfig load_run_config(const std::string& path);

// "<dir>/<stem>.<suffix>" for a data file "<dir>/<stem>.csv" (any extension).
std::string sibling_path(const std::string& data_path, const std::string& suffix);
bool file_exists(const std::string& path);

// Population by age group from a CSV with columns age_group,population (e.g. "15-39,60123").
struct GroupPopulation {
  std::string age_group;
  double population = 0;
};
std::vector<GroupPopulation> load_population_file(const std::string& path);

} // namespace hkstat::config
