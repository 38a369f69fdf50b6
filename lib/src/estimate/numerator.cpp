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

namespace {

[[noreturn]] void refuse_variable(const std::string& option, const std::string& variable, const std::string& mode) {
  throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{"", 0, 0, "", option}, variable,
                      Text{fmt::format("家族内の該当者を数える推定（‹numerator› {}）で、{} の変数「{}」は家族には尋ねていません（家族票に同じ役割の設問がありません）",
                                       mode, option, variable),
                           fmt::format("the estimate counting household members (‹numerator› {}): {} variable \"{}\" is not asked about the members "
                                       "(the roster has no question with its role)",
                                       mode, option, variable)},
                      Text{"家族票にもある役割の変数（性別 sex・年齢 age など）、または ‹numerator› respondents（回答者のみ）",
                           "a variable whose role the roster asks too (sex, age, …), or ‹numerator› respondents (respondents only)"},
                      ""});
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

  // ‹by› and ‹where›: each member's own answer to the variables they read (roster::member_view).
  std::vector<detail::ByVariable> by = detail::resolve_by(ds, opt.by, true);
  std::vector<std::string> by_names, where_names = opt.where ? opt.where->variables() : std::vector<std::string>{};
  for (const auto& b : by) by_names.push_back(b.column);
  std::vector<std::string> names = by_names;
  names.insert(names.end(), where_names.begin(), where_names.end());
  const roster::MemberView view = roster::member_view(m, ds.codebook, names);
  std::string lacking_option, lacking;
  for (const std::string& n : view.lacking) {
    lacking = n;
    lacking_option = std::find(by_names.begin(), by_names.end(), n) != by_names.end() ? "‹by›" : "‹where›";
    break;
  }
  for (const auto& v : view.data.codebook.variables) s.own_variables.push_back(v.name);

  std::vector<char> rin, min;
  detail::where_rows(ds, opt, rin);
  if (opt.where && lacking.empty()) opt.where->eval(view.data, min);
  else min.assign(m.data.rows(), 1);

  const data::Column* mage = m.data.column(Role::Age);
  std::vector<int> mgroup(m.data.rows());
  for (std::size_t k = 0; k < m.data.rows(); ++k) {
    bool missing = false;
    mgroup[k] = member_group(mage, k, opt.groups, ds.codebook.age_min, ds.codebook.age_max, missing);
    s.members_out_of_age += mgroup[k] == -2;
    s.members_age_missing += missing;
    s.member_cases += min[k] && mgroup[k] != -2 && mcls.is_broad(k);
  }
  for (std::size_t r = 0; r < ds.rows(); ++r) s.respondent_cases += rin[r] && cls.is_broad(r);
  if (mode == roster::Numerator::Respondents) {
    s.own_variables.clear();
    return;
  }

  // Options the estimate with members does not support: refused when the numerator was asked for; when it is only
  // the codebook's default, the estimate is of respondents and says why (NumeratorSummary::fallback).
  std::string conflict;
  if (opt.calibration) conflict = "‹calibrate›";
  else if (opt.replicates || opt.replicate_request) conflict = "‹replicates›";
  else if (opt.ci_method && *opt.ci_method != CiMethod::Wald) conflict = fmt::format("‹ci› {}", ci_method_name(*opt.ci_method));
  if (!conflict.empty() || !lacking.empty()) {
    if (!by_default) {
      if (conflict.empty()) refuse_variable(lacking_option, lacking, s.mode);
      refuse(conflict, s.mode);
    }
    if (conflict.empty()) {
      s.fallback = render_options(lacking_option, OptionStyle::Flag);
      s.fallback_variable = lacking;
    } else {
      s.fallback = render_options(conflict, OptionStyle::Flag); // the output's note names the flag
    }
    s.own_variables.clear();
    s.mode = roster::numerator_id(roster::Numerator::Respondents);
    // the counts of the note are of the respondents' estimate: all members in the age range
    s.member_cases = 0;
    for (std::size_t k = 0; k < m.data.rows(); ++k) s.member_cases += mgroup[k] != -2 && mcls.is_broad(k);
    s.respondent_cases = 0;
    for (std::size_t r = 0; r < ds.rows(); ++r) s.respondent_cases += rin[r] && cls.is_broad(r);
    return;
  }

  const DesignSpec spec = design_from_dataset(ds, opt.lonely);
  std::vector<int> rgroup;
  std::size_t age_missing = 0;
  detail::age_groups_of(ds, opt.groups, rgroup, age_missing);
  // The --by level of each respondent and member (index into the variable's codes; -1: none).
  std::vector<std::vector<int>> rlevel(by.size()), mlevel(by.size());
  for (std::size_t v = 0; v < by.size(); ++v) {
    const auto level_of = [&](const data::Column* c, std::size_t rows, std::vector<int>& out) {
      out.assign(rows, -1);
      for (std::size_t i = 0; c && i < rows; ++i) {
        const auto it = std::find(by[v].codes.begin(), by[v].codes.end(), c->ints[i]);
        if (c->ints[i] != data::kMissing && it != by[v].codes.end()) out[i] = static_cast<int>(it - by[v].codes.begin());
      }
    };
    level_of(ds.column(by[v].column), ds.rows(), rlevel[v]);
    level_of(view.data.column(by[v].column), m.data.rows(), mlevel[v]);
  }
  const auto rows = static_cast<Eigen::Index>(ds.rows());
  const bool persons = mode == roster::Numerator::Persons;
  // The cells of the respondents' estimate, in their order (all, the age groups, then each --by level within all
  // and each age group), each recomputed with the members.
  std::vector<PrevalenceCell> cells;
  for (const PrevalenceCell& old : res.cells) {
    int g = -1;
    for (std::size_t i = 0; i < opt.groups.size(); ++i)
      if (opt.groups[i].id() == old.group) g = static_cast<int>(i);
    int v = -1, level = -1;
    for (std::size_t i = 0; i < by.size(); ++i)
      if (by[i].name == old.by_variable) {
        v = static_cast<int>(i);
        for (std::size_t l = 0; l < by[i].codes.size(); ++l)
          if (std::to_string(by[i].codes[l]) == old.by_level) level = static_cast<int>(l);
      }
    const Measure meas = old.measure;
    Eigen::VectorXd num = Eigen::VectorXd::Zero(rows), den = Eigen::VectorXd::Zero(rows);
    // Plain loops in row order (the same sums natively and in WebAssembly).
    for (std::size_t r = 0; r < ds.rows(); ++r) {
      if (!rin[r] || (g >= 0 && rgroup[r] != g) || (v >= 0 && rlevel[static_cast<std::size_t>(v)][r] != level)) continue;
      den(static_cast<Eigen::Index>(r)) = 1;
      num(static_cast<Eigen::Index>(r)) = detail::in_case(meas, cls.rows[r].cls) ? 1 : 0;
    }
    for (std::size_t k = 0; k < m.data.rows(); ++k) {
      if (!min[k] || mgroup[k] == -2 || (g >= 0 && mgroup[k] != g) || (v >= 0 && mlevel[static_cast<std::size_t>(v)][k] != level)) continue;
      const auto r = static_cast<Eigen::Index>(m.respondent[k]);
      num(r) += detail::in_case(meas, mcls.rows[k].cls) ? 1 : 0;
      if (persons) den(r) += 1;
    }
    PrevalenceCell cell;
    cell.measure = meas;
    cell.group = old.group;
    cell.by_variable = old.by_variable;
    cell.by_variable_label = old.by_variable_label;
    cell.by_level = old.by_level;
    cell.by_label = old.by_label;
    cell.by_key = old.by_key;
    double n = 0, c = 0;
    for (Eigen::Index r = 0; r < rows; ++r) {
      n += den(r);
      c += num(r);
    }
    cell.est.n = static_cast<std::size_t>(n);
    cell.cases = static_cast<std::size_t>(c);
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
    if (v < 0) detail::finish_cell(cell, opt, g);
    else cell.rate_used = opt.rate_rounding ? round_half_up(cell.est.value * 100.0, *opt.rate_rounding) / 100.0 : cell.est.value; // no population
    cells.push_back(cell);
  }
  res.cells = std::move(cells);
  res.differences.clear();
  res.method = CiMethod::Wald;
  detail::name_intervals(res);
  detail::sum_over_age_groups(res, opt);
}

} // namespace hkstat::estimate
