// cli/prevalence_options.hpp — the options that define a prevalence estimate, shared by `estimate` and
// `report` (one parser, so the two commands cannot drift apart): rule-set, population, age groups,
// interval method and level, rate rounding, lonely-PSU policy. Command line first, then the run
// configuration's [estimate], then the defaults (docs/cli.md).
#pragma once

#include "common.hpp"

#include "hkstat/api/survey.hpp"
#include "hkstat/classify/ruleset.hpp"
#include "hkstat/estimate/prevalence.hpp"
#include "hkstat/report/estimate_report.hpp"

#include <string>

namespace hkstat::cli {

struct PrevalenceArgs {
  std::string ci, age_groups, population_file, lonely_psu, numerator;
  double population = 0, level = 0;
  int rate_rounding = -1;
};

// --level and --min-cell, checked the same way by every command (usage error, exit 2): a level from
// 0.000001 to 0.999999 (config::level_ok), a min-cell from 0 to config::kMaxMinCell.
void check_level_option(double level);
void check_min_cell_option(int min_cell);

void add_prevalence_options(OptionBinder& b, PrevalenceArgs& a);

// The flags as the facade's options (api::EstimateOptions: only what was given), each checked first so that its
// message names the flag (usage error, exit 2).
api::EstimateOptions estimate_options(const po::variables_map& vm, const PrevalenceArgs& a);

// Validates and resolves the options (usage errors exit 2; a bad population file is a config error).
// The age groups are checked against the codebook's age range (estimate::check_age_groups): from the command
// line a usage error, from the run configuration a configuration error naming it.
estimate::PrevalenceOptions resolve_prevalence_options(const po::variables_map& vm, const PrevalenceArgs& a, const config::RunConfig& cfg,
                                                       const codebook::Codebook& cb);

// --numerator, else [estimate] numerator, else the codebook's default (roster::default_numerator); `by_default`
// is true for the last. An unknown value is a usage error (exit 2).
roster::Numerator resolve_numerator(const po::variables_map& vm, const PrevalenceArgs& a, const config::RunConfig& cfg,
                                    const codebook::Codebook& cb, bool& by_default);

// --rules, --rate-decimals, --persons-unit, --min-cell: how the prevalence is classified and shown
// (estimate and report; the help is the option table's, cli/options.cpp).
struct DisplayArgs {
  std::string rules, persons_unit;
  int rate_decimals = -1, min_cell = -1;
};
void add_display_options(OptionBinder& b, DisplayArgs& a);
// The rule-set: --rules, else the run configuration's, else classify::kDefaultRuleSet.
classify::RuleSet resolve_rules(const DisplayArgs& a, const config::RunConfig& cfg);
// rate decimals (0-6), persons unit (person|man) and min cell (>= 0): command line, then the run
// configuration, then 1 / person / 5; anything else is a usage error (exit 2).
report::DisplayOptions resolve_display_options(const po::variables_map& vm, const DisplayArgs& a, const config::RunConfig& cfg);

std::vector<std::string> split_commas(const std::string& s);

} // namespace hkstat::cli
