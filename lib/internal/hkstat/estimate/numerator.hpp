// hkstat/estimate/numerator.hpp — the prevalence with household members (家族内の該当者) in the numerator, and
// in the denominator for `persons` (docs/estimation.md "Household members").
#pragma once

#include "hkstat/estimate/prevalence.hpp"
#include "hkstat/roster/roster.hpp"

namespace hkstat::estimate {

// Replaces the cells of all ages and of each age group of `res` (from estimate_prevalence on the same data and
// options) by the estimate with the members `m` (classified as `mcls`) counted as `mode` says, and records what
// was counted in res.numerator. Respondents mode only fills res.numerator (the cells stay the respondents').
//
// The rate is a ratio of two totals per respondent (Σ w·y / Σ w·d): y = the respondent's own case (0/1) plus the
// reported members who are cases, d = 1 (respondents+members) or 1 + the reported members (persons), members
// carrying the weight of the respondent who reported them. y is a count, not 0/1, so the binomial intervals do
// not apply: the standard error is the linearised one of the ratio (svy_ratio; s²/n of the counts for a simple
// sample) and the interval is Wald (rate ± z·SE, or t with the design's df; the lower end cut at 0). A member
// counts in the age group of his or her own age; a member whose age is outside the survey's age range is not
// counted (the population is the survey's); a member with no age counts in 全体 only. Group differences are
// not computed (res.differences is emptied). Not with --by, --where, calibration or replicate weights, nor with
// another --ci than wald: UsageInvalidOption naming `--numerator respondents` when `mode` was asked for
// (by_default false); when it is the codebook's default, the cells stay the respondents' and
// res.numerator.fallback names the option.
void apply_numerator(PrevalenceResult& res, const data::Dataset& ds, const classify::Classification& cls, const roster::Members& m,
                     const classify::Classification& mcls, roster::Numerator mode, bool by_default, const PrevalenceOptions& opt);

} // namespace hkstat::estimate
