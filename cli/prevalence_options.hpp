// cli/prevalence_options.hpp — the options that define a prevalence estimate, shared by `estimate` and
// `report` (one parser, so the two commands cannot drift apart): rule-set, population, age groups,
// interval method and level, rate rounding, lonely-PSU policy. Command line first, then the run
// configuration's [estimate], then the defaults (docs/cli.md).
#pragma once

#include "common.hpp"

#include "hkstat/estimate/prevalence.hpp"

#include <string>

namespace hkstat::cli {

struct PrevalenceArgs {
  std::string ci, age_groups, population_file, lonely_psu;
  double population = 0, level = 0;
  int rate_rounding = -1;
};

void add_prevalence_options(po::options_description& desc, PrevalenceArgs& a);

// Validates and resolves the options (usage errors exit 2; a bad population file is a config error).
estimate::PrevalenceOptions resolve_prevalence_options(const po::variables_map& vm, const PrevalenceArgs& a, const config::RunConfig& cfg);

std::vector<std::string> split_commas(const std::string& s);

} // namespace hkstat::cli
