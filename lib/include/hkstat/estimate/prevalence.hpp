// hkstat/estimate/prevalence.hpp — prevalence of 広義 / 狭義 / 準 and the estimated number of people.
#pragma once

#include "hkstat/classify/classify.hpp"
#include "hkstat/data/dataset.hpp"
#include "hkstat/estimate/design.hpp"
#include "hkstat/estimate/estimate.hpp"
#include "hkstat/estimate/proportion_ci.hpp"
#include "hkstat/estimate/replicates.hpp"
#include "hkstat/estimate/where.hpp"
#include "hkstat/roster/roster.hpp"

#include <cmath>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hkstat::estimate {

struct AgeGroup {
  int min = 0;
  int max = 0;
  std::string id() const; // "15-39"
};
// "15-39" → {15, 39}; throws Error(UsageInvalidOption) otherwise.
AgeGroup parse_age_group(std::string_view text);
// The age groups of one estimate must not overlap (15-50 and 40-64 would count a 45-year-old twice, and the
// groups would no longer add up to the whole) and must lie within the survey's age range [age_min, age_max]
// (the codebook's): otherwise Error(UsageInvalidOption) naming the group (key "age_groups").
void check_age_groups(const std::vector<AgeGroup>& groups, int age_min, int age_max);
// Several questionnaires (codebook [[form]]): the reporting ranges in codebook order (the default age groups), and
// the check that each age group lies within one reporting range (a respondent counts only in a range of the
// questionnaire he or she answered): otherwise Error(UsageInvalidOption) naming the group (key "age_groups").
std::vector<AgeGroup> form_age_groups(const codebook::Codebook& cb);
void check_form_groups(const std::vector<AgeGroup>& groups, const codebook::Codebook& cb);

enum class Measure { Broad, Narrow, Semi };
const char* measure_id(Measure m); // "broad", "narrow", "semi"
const char* measure_label(Measure m, bool english);

struct Population {
  std::optional<double> total;                       // whole survey age range
  std::vector<std::pair<AgeGroup, double>> by_group; // or per age group (then the total estimate is the sum)
  std::string label;                                 // e.g. "西東京市 15～64歳人口"
  std::string source;                                // where the figure came from: "--population", config path, file
};

// The most levels (valid codes) all --by variables of one estimate may have together: each level is a
// domain within every age group, with sums per PSU (memory PSUs × levels × age groups). More → UsageInvalidOption
// before the data are read further.
inline constexpr std::size_t kMaxByLevels = 1000;

struct PrevalenceOptions {
  std::optional<CiMethod> ci_method; // default: Wilson for an unweighted simple sample, Logit for any other design
  LonelyPsu lonely = LonelyPsu::Fail; // strata with one PSU (R's default: fail); echoed in the output
  // The data's weights were calibrated (hkstat estimate --calibrate): residualise the scores on the
  // calibration (Design::calibration), and describe it in the output.
  std::function<Eigen::MatrixXd(const Eigen::MatrixXd&)> calibration;
  Text weighting; // e.g. "事後層化（…population_age_sex.csv）"; shown when calibration is set
  // Replicate-weight variance instead of linearisation, replicates created from the design (jk1, jkn,
  // bootstrap, subbootstrap, brr, fay): the single-pass accumulator builds PSU multipliers itself
  // (prevalence_accumulator.hpp). Estimates use the full-sample weights, SEs the replicates; df = R degf
  // of the replicate design / its domain. Same replicates as make_replicates(design, request).
  std::optional<ReplicateRequest> replicate_request;
  // Replicate-weight variance from a row-level replicate design (supplied replicate columns): same rows
  // as the data set; the accumulator keeps the rows for it (the engine's row-level kind). Not together with
  // replicate_request.
  std::shared_ptr<const ReplicateDesign> replicates;
  // The same supplied columns read from the batches as they are added (streaming; api::supplied_replicate_options):
  // the accumulator sums them per domain and replicate (estimate/replicates_sums.hpp), as it does for `replicates`.
  // Not together with `replicates`, replicate_request or calibration.
  std::optional<ReplicateOptions> replicate_columns;
  Text replicates_label; // e.g. "bootstrap 100 replicates (seed 1)" 
  double level = 0.95;
  std::optional<int> rate_rounding;  // round the rate to this many decimals of a percent (half-up) before × population
  std::vector<AgeGroup> groups;
  // Prevalence by the levels of code variables (hkstat estimate --by sex,district; a name is a codebook
  // variable, or a role such as sex meaning the variable with that role): each valid code of each
  // variable is an extra domain, alone and within each age group, with differences vs the variable's first
  // level that has respondents. Also with calibration and supplied replicate columns (the same domains, in
  // the same order, through the engine's row-level kinds).
  std::vector<std::string> by;
  Population population;
  // --where: every cell is of the rows where the expression is true, the design kept (R subset(design,
  // EXPR): rows outside have zero scores and stay in the variance; df of the rows inside). n, cases, 無回答
  // counts are of those rows. No persons (the population of the subpopulation is not known).
  std::optional<Where> where;
};

struct PrevalenceCell {
  Measure measure = Measure::Broad;
  std::string group;             // "all" or an age group id
  // The rate (est.value: unrounded, weighted if a weight is present), its SE, df (R degf(subset(design,
  // group)); +inf for a simple sample), deff (R "replace") and deff_wor (R TRUE; both NaN for a simple sample),
  // est.n = valid responses (unweighted) in the group, est.sum_weights = their Σ w, and the interval (always
  // present: a group without one is refused) with est.interval_method.
  Estimate est{.value = 0, .se = 0, .df = 0, .deff = std::nan(""), .deff_wor = std::nan(""), .n = 0, .sum_weights = 0,
               .interval = Interval{}, .interval_method = {}};
  std::size_t cases = 0;         // unweighted number of cases
  double rate_used = 0;          // rate after --rate-rounding (== est.value without it)
  std::optional<double> population;
  std::optional<double> persons; // rate_used × population, or sum over age groups
  std::optional<double> persons_lower;
  std::optional<double> persons_upper;
  std::string persons_ci_method; // "rate-ci×population" or "wald-sum-over-groups"
  // A level of a --by variable: its name as given (e.g. "sex"; crossed "問3×sex"), the variable's codebook
  // label (e.g. "性別"; crossed "婚姻状況×性別"), code and code label ("" for the cells of all / the age
  // groups). These cells have no population and no persons.
  std::string by_variable;
  std::string by_variable_label;
  std::string by_level;
  std::string by_label;
  std::string by_key; // the level by its code keys (else numbers), crossed joined by × ("never_married×male"): how
                      // compare matches a level across surveys whose codebooks number the codes differently
};

// The difference between two groups' rates, group − reference, with the covariance between the groups
// (they share strata and PSUs): SE = sqrt(c' V c) from svy_mean_by (R: svyby(..., covmat = TRUE) +
// svycontrast). Interval: difference ± t_df SE with df = the whole design's df (+∞ → normal).
// For a --by variable (by_variable non-empty): group and reference are its level codes and age_group is
// the age group within which they are compared ("all" or an age group id).
struct GroupDifference {
  Measure measure = Measure::Broad;
  std::string group;      // e.g. "40-64"
  std::string reference;  // e.g. "15-39" (the first age group)
  std::string by_variable;
  std::string by_variable_label; // its codebook label (as PrevalenceCell::by_variable_label)
  std::string age_group;
  double difference = 0;  // rate(group) − rate(reference)
  double se = 0;
  double df = 0;
  Interval ci;
};

struct PrevalenceResult {
  bool weighted = false;      // a weight column was used
  bool design_based = false;  // weights, strata, clusters or fpc: linearised design-based estimation
  Text design;                // description of the design (describe_design), empty for a simple sample
  bool calibrated = false;    // calibration-aware variance (PrevalenceOptions::calibration)
  bool replicate = false;     // replicate-weight variance (PrevalenceOptions::replicates)
  Text replicates_label;
  Text weighting;             // PrevalenceOptions::weighting
  double design_df = 0;       // degf of the whole design (+inf for a simple sample)
  LonelyPsu lonely = LonelyPsu::Fail;
  bool lonely_relevant = false; // the design is stratified: the lonely-PSU policy applies
  CiMethod method = CiMethod::Wilson;
  double level = 0.95;
  std::optional<int> rate_rounding;
  std::size_t n = 0;
  std::size_t outing_missing = 0; // 外出頻度 無回答: in n, never a case
  std::size_t age_missing = 0;    // in "all" only
  // Several questionnaires (codebook [[form]]): rows outside every reporting range of their own form (内閣府 2022:
  // the 65～69歳 of the 40～69歳票), or without an age or a questionnaire code.
  // Kept out of every domain, "all" included (like rows outside --where); the outputs say so.
  std::size_t outside_forms = 0;
  std::string where;              // PrevalenceOptions::where's expression ("" = every row)
  std::vector<PrevalenceCell> cells; // all groups × {broad, narrow, semi}; "all" first; then per --by variable,
                                     // per level: all and each age group × {broad, narrow, semi}
  std::vector<GroupDifference> differences; // each age group vs the first, per measure (needs ≥ 2 non-empty groups);
                                            // then per --by variable, per age group context (all first), per
                                            // measure: each level vs the first (levels with respondents, ≥ 2)
  Population population;
  roster::NumeratorSummary numerator; // household members (estimate/numerator.hpp); mode "" without a roster
};

// Throws Error(EstimateNoData) when there are no valid responses.
// Every variance kind goes through PrevalenceAccumulator and the one domain engine (prevalence_accumulator.hpp,
// domain_engine.hpp), so estimating a file in memory and streaming it in batches give identical results.
// Calibration (options.calibration) and supplied replicate columns (options.replicates) need row-level data:
// the accumulator keeps the rows for those two kinds only (svy_domain_mean, svy_mean_by in the engine).
PrevalenceResult estimate_prevalence(const data::Dataset& data, const classify::Classification& cls, const PrevalenceOptions& options);

// Half-up rounding (四捨五入) of x to `decimals` places, robust to binary representation
// (2.45 → 2.5). Used for --rate-rounding and for every displayed number.
double round_half_up(double x, int decimals);

} // namespace hkstat::estimate
