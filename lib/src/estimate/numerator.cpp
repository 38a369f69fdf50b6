#include "hkstat/estimate/numerator.hpp"

#include "hkstat/core/option_text.hpp"

#include "prevalence_parts.hpp"

#include "hkstat/core/error.hpp"
#include "hkstat/estimate/design_from_data.hpp"
#include "hkstat/estimate/distributions.hpp"
#include "hkstat/estimate/survey_estimators.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace hkstat::estimate {

using codebook::Role;
using codebook::VarType;

namespace {

[[noreturn]] void refuse(const std::string& what, const std::string& mode) {
  throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{"", 0, 0, "", "‹numerator›"}, mode,
                      Text{fmt::format("家族内の該当者を数える推定（‹numerator› {}）は {} と一緒には使えません", mode, what),
                           fmt::format("the estimate counting household members (‹numerator› {}) does not combine with {}", mode, what)},
                      Text{"‹numerator› respondents（回答者のみ）にするか、" + what + " を外す",
                           "‹numerator› respondents (respondents only), or leave out " + what},
                      ""});
}

// The member's age group (-1: none / no age; -2: outside the survey's age range, never counted).
int member_group(const data::Column* age, std::size_t k, const std::vector<AgeGroup>& groups, int age_min, int age_max, bool& missing) {
  missing = false;
  if (!age) {
    missing = true;
    return -1;
  }
  const std::int64_t a = age->ints[k];
  if (a == data::kMissing) {
    missing = true;
    return -1;
  }
  int lo = static_cast<int>(a), hi = static_cast<int>(a);
  if (age->var->type == VarType::Code) {
    const auto* c = age->var->find_code(a);
    lo = c && c->min ? *c->min : -1;
    hi = c && c->max ? *c->max : -1;
  }
  if (lo < age_min || hi > age_max) return -2;
  for (std::size_t g = 0; g < groups.size(); ++g)
    if (lo >= groups[g].min && hi <= groups[g].max) return static_cast<int>(g);
  return -1;
}

} // namespace

void apply_numerator(PrevalenceResult& res, const data::Dataset& ds, const classify::Classification& cls, const roster::Members& m,
                     const classify::Classification& mcls, roster::Numerator mode, bool by_default, const PrevalenceOptions& opt) {
  roster::NumeratorSummary& s = res.numerator;
  s.mode = roster::numerator_id(mode);
  s.by_default = by_default;
  s.label = ds.codebook.roster ? ds.codebook.roster->label : std::string();
  s.not_asked = m.not_asked;
  s.members = m.data.rows();
  const data::Column* mage = m.data.column(Role::Age);
  std::vector<int> mgroup(m.data.rows());
  for (std::size_t k = 0; k < m.data.rows(); ++k) {
    bool missing = false;
    mgroup[k] = member_group(mage, k, opt.groups, ds.codebook.age_min, ds.codebook.age_max, missing);
    s.members_out_of_age += mgroup[k] == -2;
    s.members_age_missing += missing;
    s.member_cases += mgroup[k] != -2 && mcls.is_broad(k);
  }
  for (std::size_t r = 0; r < ds.rows(); ++r) s.respondent_cases += cls.is_broad(r);
  if (mode == roster::Numerator::Respondents) return;

  // Options the estimate with members does not support: refused when the numerator was asked for; when it is only
  // the codebook's default, the estimate is of respondents and says why (NumeratorSummary::fallback).
  std::string conflict;
  if (!opt.by.empty()) conflict = "‹by›";
  else if (opt.where) conflict = "‹where›";
  else if (opt.calibration) conflict = "‹calibrate›";
  else if (opt.replicates || opt.replicate_request) conflict = "‹replicates›";
  else if (opt.ci_method && *opt.ci_method != CiMethod::Wald) conflict = fmt::format("‹ci› {}", ci_method_name(*opt.ci_method));
  if (!conflict.empty()) {
    if (!by_default) refuse(conflict, s.mode);
    s.fallback = render_options(conflict, OptionStyle::Flag); // the output's note names the flag
    s.mode = roster::numerator_id(roster::Numerator::Respondents);
    return;
  }

  const DesignSpec spec = design_from_dataset(ds, opt.lonely);
  std::vector<int> rgroup;
  std::size_t age_missing = 0;
  detail::age_groups_of(ds, opt.groups, rgroup, age_missing);
  const auto rows = static_cast<Eigen::Index>(ds.rows());
  const bool persons = mode == roster::Numerator::Persons;
  std::vector<PrevalenceCell> cells;
  for (int g = -1; g < static_cast<int>(opt.groups.size()); ++g)
    for (Measure meas : {Measure::Broad, Measure::Narrow, Measure::Semi}) {
      Eigen::VectorXd num = Eigen::VectorXd::Zero(rows), den = Eigen::VectorXd::Zero(rows);
      for (std::size_t r = 0; r < ds.rows(); ++r) {
        if (g >= 0 && rgroup[r] != g) continue;
        den(static_cast<Eigen::Index>(r)) = 1;
        num(static_cast<Eigen::Index>(r)) = detail::in_case(meas, cls.rows[r].cls) ? 1 : 0;
      }
      for (std::size_t k = 0; k < m.data.rows(); ++k) {
        if (mgroup[k] == -2 || (g >= 0 && mgroup[k] != g)) continue;
        const auto r = static_cast<Eigen::Index>(m.respondent[k]);
        num(r) += detail::in_case(meas, mcls.rows[k].cls) ? 1 : 0;
        if (persons) den(r) += 1;
      }
      PrevalenceCell cell;
      cell.measure = meas;
      cell.group = g < 0 ? std::string("all") : opt.groups[static_cast<std::size_t>(g)].id();
      cell.est.n = static_cast<std::size_t>(den.sum());
      cell.cases = static_cast<std::size_t>(num.sum());
      if (cell.est.n == 0) {
        cells.push_back(cell);
        continue;
      }
      const SurveyEstimate est = svy_ratio(spec.design, num, den);
      cell.est.value = est.value(0);
      cell.est.se = std::sqrt(std::max(0.0, est.vcov(0, 0)));
      cell.est.df = res.design_based ? spec.summary.df : std::numeric_limits<double>::infinity();
      if (res.design_based) detail::check_group_df(cell, ds.source);
      const double t = critical_value(opt.level, cell.est.df > 0 ? cell.est.df : std::numeric_limits<double>::infinity());
      cell.est.interval = Interval{std::max(0.0, cell.est.value - t * cell.est.se), persons ? std::min(1.0, cell.est.value + t * cell.est.se) : cell.est.value + t * cell.est.se, ""};
      detail::finish_cell(cell, opt, g);
      cells.push_back(cell);
    }
  res.cells = std::move(cells);
  res.differences.clear();
  res.method = CiMethod::Wald;
  detail::name_intervals(res);
  detail::sum_over_age_groups(res, opt);
}

} // namespace hkstat::estimate
