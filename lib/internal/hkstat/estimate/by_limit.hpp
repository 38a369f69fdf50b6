// hkstat/estimate/by_limit.hpp — the one bound on a --by breakdown, for every command that takes --by
// (estimate, statistic, tabulate, compare, report): how many factors may be crossed and how many domains
// (levels; crossed: every combination of every term) they may make together.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace hkstat::estimate {

// At most this many --by factors crossed (an age banding counts as one).
inline constexpr std::size_t kMaxByDepth = 3;

// `levels`: the number of levels of each --by factor, in the order given. `crossed`: the factors are crossed
// (each alone, every pair, the triple: the terms estimate and tabulate print); else each factor alone.
// `file`: the codebook the factors come from (named in the error). Errors (UsageInvalidOption, key ‹by›):
// more than kMaxByDepth factors crossed; more than kMaxByLevels domains over all terms. Every level is a
// domain with sums per PSU, so this is checked before anything is allocated.
void check_by_limits(const std::vector<std::size_t>& levels, bool crossed, const std::string& file);

// The number of domains the terms of `levels` make (crossed as above, or each factor alone).
std::size_t by_domains(const std::vector<std::size_t>& levels, bool crossed);

} // namespace hkstat::estimate
