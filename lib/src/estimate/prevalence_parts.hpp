// Private to lib/src/estimate: the parts of a prevalence estimate (checks, domains, person counts) used by
// the single-pass accumulator (prevalence_accumulator.cpp) and its callers.
#pragma once

#include "hkstat/classify/classify.hpp"
#include "hkstat/data/dataset.hpp"
#include "hkstat/estimate/prevalence.hpp"
#include "hkstat/estimate/survey_estimators.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hkstat::estimate::detail {

bool in_case(Measure m, classify::Class c);

// Agency surveys and intake records are not samples of residents → EstimateNotPopulationSample.
void check_population_sample(const data::Dataset& ds);
// No valid responses → EstimateNoData.
[[noreturn]] void no_responses(const std::string& source);

// A batch's age groups: a non-missing age's group (index into `groups`, -1: none). Whole-number ages 0-255 through a
// table of the first group holding each (one look-up instead of a scan whose branch a random age mispredicts); code
// ages (a code's min-max) and others by a scan of the groups. groups non-empty and no role-age variable →
// CodebookInvalid.
class AgeGroupOf {
public:
  AgeGroupOf(const data::Dataset& ds, const std::vector<AgeGroup>& groups);
  // The batch's ages; null without groups (every row in none, no age counted missing).
  const std::int64_t* ages() const { return ages_; }
  int operator()(std::int64_t age) const {
    return integer_ && static_cast<std::uint64_t>(age) < table_.size() ? table_[static_cast<std::size_t>(age)] : scan(age);
  }

private:
  int scan(std::int64_t age) const;
  const std::vector<AgeGroup>& groups_;
  const codebook::Variable* var_ = nullptr;
  const std::int64_t* ages_ = nullptr;
  bool integer_ = false;
  std::array<int, 256> table_{};
};

// Age group index of each row of ds (-1: none; AgeGroupOf); rows with a missing age are counted in age_missing.
// With `in` (--where), rows outside get -1 and are not counted.
void age_groups_of(const data::Dataset& ds, const std::vector<AgeGroup>& groups, std::vector<int>& out,
                   std::size_t& age_missing, const std::vector<char>* in = nullptr);
// --where: 1 for the rows of ds in the subpopulation (all 1 without options.where). With several questionnaires
// (codebook [[form]]) also 0 for the rows outside every reporting range of their own form; returns how many of
// the rows --where kept that removed (PrevalenceResult::outside_forms). A row whose age lies outside its form's
// ages → DataOutOfRange naming its line and the age column.
std::size_t where_rows(const data::Dataset& ds, const PrevalenceOptions& options, std::vector<char>& in);
// The same for the forms alone (tabulate, members): 0 for rows outside every reporting range of their form.
std::size_t keep_form_ranges(const data::Dataset& ds, std::vector<char>& in);

// A --by variable resolved against the codebook: its valid codes (codebook order, missing codes left out)
// and their labels. `name` is as given (a variable or a role name such as sex). A name that is not a
// code variable of the codebook → UsageInvalidOption naming the codebook. The --by limits
// (check_by_limits, estimate/by_limit.hpp: `crossed` as estimate's terms, else each variable alone) are
// checked here, before anything is allocated.
struct ByVariable {
  std::string name;
  std::string column;
  std::string label; // the codebook label of the variable (its name when it has none)
  std::vector<std::int64_t> codes;
  std::vector<std::string> labels;
  std::vector<std::string> keys; // per code: its key, else its number (the level id tabulate and compare use)
};
std::vector<ByVariable> resolve_by(const data::Dataset& ds, const std::vector<std::string>& names, bool crossed);
// estimate --by: the terms of up to three variables, as indices into `vars`: each alone (in the order given),
// then every pair and the triple crossed ({0}, {1}, {2}, {0, 1}, {0, 2}, {1, 2}, {0, 1, 2}). `vars` come from
// resolve_by(…, crossed = true), which checked the limits.
std::vector<std::vector<std::size_t>> by_terms(const std::vector<ByVariable>& vars);

// The likelihood interval is refused with replicate weights (R survey 4.1-1 returns NA): UsageInvalidOption.
void check_interval_method(const PrevalenceResult& res);

// A group without an interval (DomainEngine::interval: design df <= 0, or a replicate that leaves it
// without weight) → EstimateNoData naming the group and the reason.
void check_group_df(const PrevalenceCell& cell, const std::string& source, bool replicate_undefined = false);

// rate_used (--rate-rounding), the group's population and persons (rate × population) for group g
// (-1 = all).
void finish_cell(PrevalenceCell& cell, const PrevalenceOptions& opt, int g);

// `group` vs `reference` (age groups, or levels of a --by variable) from the contrast of their rates:
// difference ± t_df SE, df +∞ for a simple sample.
GroupDifference group_difference(Measure m, std::string group, std::string reference, const Contrast& ct,
                                 bool design_based, double level);

// With populations per age group: the total persons estimate as the sum over the groups (Wald interval).
void sum_over_age_groups(PrevalenceResult& res, const PrevalenceOptions& opt);

// Estimate::interval_method of every cell with respondents: res.method, or "clopper-pearson" where the
// interval fell back at a boundary (what the tables print).
void name_intervals(PrevalenceResult& res);

} // namespace hkstat::estimate::detail
