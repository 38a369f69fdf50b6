// cli/commands/statistic.hpp — `hkstat estimate --stat total|mean|ratio` (estimate/statistics.hpp): totals with
// their SE (R svytotal), the estimated number of persons with its SE and its meaning, means (svymean) and
// ratios (svyratio), whole sample, by code variables and within --where.
#pragma once

#include "common.hpp"
#include "design_options.hpp"
#include "prevalence_options.hpp"

#include <string>

namespace hkstat::cli {

struct StatisticArgs {
  std::string stat, var, denominator, by, where;
  int threads = 2;
};

// Called by run_estimate after its options are parsed, when --stat is not prevalence.
int run_estimate_statistic(const StatisticArgs& s, const CommonOptions& o, const po::variables_map& vm, const DisplayArgs& dargs,
                           const PrevalenceArgs& pa, const DesignArgs& da);

} // namespace hkstat::cli
