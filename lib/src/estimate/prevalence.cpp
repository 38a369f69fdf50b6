#include "hkstat/estimate/prevalence.hpp"

#include "prevalence_parts.hpp"

#include "hkstat/core/error.hpp"
#include "hkstat/estimate/by_limit.hpp"
#include "hkstat/estimate/distributions.hpp"
#include "hkstat/estimate/design_from_data.hpp"
#include "hkstat/estimate/prevalence_accumulator.hpp"
#include "hkstat/estimate/replicates_from_data.hpp"
#include "hkstat/estimate/survey_estimators.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <limits>

namespace hkstat::estimate {

using classify::Class;
using codebook::Role;
using codebook::VarType;

std::string AgeGroup::id() const { return fmt::format("{}-{}", min, max); }

AgeGroup parse_age_group(std::string_view text) {
  auto bad = [&]() -> AgeGroup {
    throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{"", 0, 0, "", "age_groups"}, std::string(text),
                        Text{"年齢区分の形式が不正です", "invalid age group"}, Text{"「15-39」のように 最小-最大 (歳)", "min-max in years, e.g. 15-39"}, ""});
  };
  auto dash = text.find('-');
  if (dash == std::string_view::npos) return bad();
  auto parse = [](std::string_view s, int& out) {
    if (s.empty() || s.size() > 3) return false;
    out = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return false;
      out = out * 10 + (c - '0');
    }
    return true;
  };
  AgeGroup g;
  if (!parse(text.substr(0, dash), g.min) || !parse(text.substr(dash + 1), g.max) || g.min > g.max) return bad();
  return g;
}

void check_age_groups(const std::vector<AgeGroup>& groups, int age_min, int age_max) {
  for (std::size_t i = 0; i < groups.size(); ++i) {
    const AgeGroup& g = groups[i];
    if (g.min < age_min || g.max > age_max)
      throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{"", 0, 0, "", "age_groups"}, g.id(),
                          Text{fmt::format("年齢区分が調査対象の年齢 {}～{}歳の外にはみ出しています", age_min, age_max),
                               fmt::format("the age group reaches outside the survey's age range {}-{}", age_min, age_max)},
                          Text{fmt::format("{}～{}歳の中の区分（コードブックの age_min / age_max）", age_min, age_max),
                               fmt::format("groups within {}-{} (the codebook's age_min / age_max)", age_min, age_max)},
                          ""});
    for (std::size_t j = 0; j < i; ++j)
      if (g.min <= groups[j].max && groups[j].min <= g.max)
        throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{"", 0, 0, "", "age_groups"}, fmt::format("{},{}", groups[j].id(), g.id()),
                            Text{fmt::format("年齢区分 {} と {} が重なっています", groups[j].id(), g.id()),
                                 fmt::format("the age groups {} and {} overlap", groups[j].id(), g.id())},
                            Text{"重ならない区分（例: 15-39,40-64）", "groups that do not overlap (e.g. 15-39,40-64)"}, ""});
  }
}

std::vector<AgeGroup> form_age_groups(const codebook::Codebook& cb) {
  std::vector<AgeGroup> out;
  for (const codebook::Form& f : cb.forms)
    for (const codebook::AgeRange& r : f.report) out.push_back(AgeGroup{r.min, r.max});
  return out;
}

void check_form_groups(const std::vector<AgeGroup>& groups, const codebook::Codebook& cb) {
  if (cb.forms.empty()) return;
  std::vector<std::string> ranges;
  for (const AgeGroup& r : form_age_groups(cb)) ranges.push_back(r.id());
  for (const AgeGroup& g : groups) {
    bool inside = false;
    for (const AgeGroup& r : form_age_groups(cb)) inside = inside || (g.min >= r.min && g.max <= r.max);
    if (!inside)
      throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{"", 0, 0, "", "age_groups"}, g.id(),
                          Text{fmt::format("年齢区分が、調査票ごとの集計範囲（{}）のどれか一つの中に収まっていません", fmt::join(ranges, ", ")),
                               fmt::format("the age group does not lie within one of the questionnaires' reporting ranges ({})", fmt::join(ranges, ", "))},
                          Text{fmt::format("{} のどれかの中の区分（コードブックの [[form]] の report）", fmt::join(ranges, ", ")),
                               fmt::format("groups within one of {} (the codebook's [[form]] report)", fmt::join(ranges, ", "))},
                          ""});
  }
}

const char* measure_id(Measure m) {
  switch (m) {
  case Measure::Broad: return "broad";
  case Measure::Narrow: return "narrow";
  case Measure::Semi: return "semi";
  }
  return "";
}

const char* measure_label(Measure m, bool en) {
  switch (m) {
  case Measure::Broad: return en ? "Broad hikikomori (narrow + semi)" : "広義のひきこもり群";
  case Measure::Narrow: return en ? "  narrow" : "　狭義のひきこもり";
  case Measure::Semi: return en ? "  semi" : "　準ひきこもり";
  }
  return "";
}

double round_half_up(double x, int decimals) {
  const double scale = std::pow(10.0, decimals);
  const double y = x * scale;
  double fl = std::floor(y);
  const double frac = y - fl;
  // A tie that binary floating point stored just below .5 (e.g. 2.45 = 2.4499999...) rounds up.
  const double tol = 1e-9 * std::max(1.0, std::fabs(y));
  if (frac >= 0.5 - tol) fl += 1.0;
  return fl / scale;
}

namespace detail {

bool in_case(Measure m, Class c) {
  switch (m) {
  case Measure::Broad: return c == Class::Narrow || c == Class::Semi;
  case Measure::Narrow: return c == Class::Narrow;
  case Measure::Semi: return c == Class::Semi;
  }
  return false;
}

void check_population_sample(const data::Dataset& ds) {
  if (ds.codebook.kind != codebook::SurveyKind::Population)
    throw Error(Problem{ErrorCode::EstimateNotPopulationSample, SourcePos{ds.codebook.path, 0, 0, "", "codebook.kind"},
                        codebook::survey_kind_name(ds.codebook.kind),
                        Text{"関係機関調査・相談受付票は住民の標本ではないため、出現率と推計人数は計算しません",
                             "agency surveys and intake records are not samples of residents: no prevalence or persons estimate"},
                        Text{"住民を対象とした標本調査（kind = \"population\"）。この資料の集計は hkstat tabulate / report で",
                             "a survey of residents (kind = \"population\"); tabulate this file with hkstat tabulate / report"},
                        ""});
}

std::vector<ByVariable> resolve_by(const data::Dataset& ds, const std::vector<std::string>& names, bool crossed) {
  std::vector<ByVariable> out;
  for (const std::string& name : names) {
    // A variable name, or a role name (sex) meaning the variable with that role.
    const data::Column* c = ds.column(name);
    if (!c)
      if (const auto role = codebook::parse_role(name)) c = ds.column(*role);
    if (!c || c->var->type != codebook::VarType::Code)
      throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{ds.codebook.path, 0, 0, "", "‹by›"}, name,
                          Text{c ? fmt::format("‹by› の変数「{}」はコード型ではありません", name)
                                 : fmt::format("‹by› の変数「{}」がコードブックにありません", name),
                               c ? fmt::format("‹by› variable \"{}\" is not a code variable", name)
                                 : fmt::format("‹by› variable \"{}\" is not in the codebook", name)},
                          Text{"コードブックのコード型 (type = \"code\") の変数名（例: 性別の変数）",
                               "the name of a code variable (type = \"code\") of the codebook, e.g. the sex variable"},
                          ""});
    ByVariable b;
    b.name = name;
    b.column = c->var->name;
    b.label = c->var->label.empty() ? c->var->name : c->var->label;
    for (const auto& code : c->var->codes)
      if (!c->var->is_missing_code(code.code)) {
        b.codes.push_back(code.code);
        b.labels.push_back(code.label);
        b.keys.push_back(code.key.empty() ? std::to_string(code.code) : code.key);
      }
    out.push_back(std::move(b));
  }
  // Bounded before anything is allocated (the one --by limit of every command: estimate/by_limit.hpp).
  std::vector<std::size_t> levels;
  for (const ByVariable& b : out) levels.push_back(b.codes.size());
  check_by_limits(levels, crossed, ds.codebook.path);
  return out;
}

std::vector<std::vector<std::size_t>> by_terms(const std::vector<ByVariable>& vars) {
  std::vector<std::vector<std::size_t>> terms;
  const std::size_t n = vars.size();
  for (std::size_t i = 0; i < n; ++i) terms.push_back({i});
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j) terms.push_back({i, j});
  if (n == 3) terms.push_back({0, 1, 2});
  return terms;
}

void no_responses(const std::string& source) {
  throw Error(Problem{ErrorCode::EstimateNoData, SourcePos{source, 0, 0, "", ""}, "",
                      Text{"有効な回答がありません", "there are no valid responses"}, Text{"1行以上の有効な回答", "at least one valid response"}, ""});
}

std::size_t keep_form_ranges(const data::Dataset& ds, std::vector<char>& in) {
  const codebook::Codebook& cb = ds.codebook;
  if (cb.forms.empty()) return 0;
  const data::Column* form = ds.column(Role::Form);
  const data::Column* age = ds.column(Role::Age);
  if (!form || !age)
    throw Error(Problem{ErrorCode::CodebookInvalid, SourcePos{cb.path, 0, 0, "", form ? "role age" : "role form"}, "",
                        Text{"調査票ごとの年齢（[[form]]）には role = \"form\" と role = \"age\" の変数が必要です",
                             "ages per questionnaire ([[form]]) need variables with role = \"form\" and role = \"age\""},
                        Text{"調査票と年齢の変数をコードブックに加える", "add the questionnaire and age variables to the codebook"}, ""});
  std::size_t out = 0;
  for (std::size_t r = 0; r < ds.rows(); ++r) {
    if (!in[r]) continue;
    const std::int64_t fc = form->ints[r];
    const codebook::Form* f = fc == data::kMissing ? nullptr : cb.form(fc);
    const std::int64_t a = age->ints[r];
    int lo = -1, hi = -1;
    if (a != data::kMissing) {
      lo = hi = static_cast<int>(a);
      if (age->var->type == VarType::Code) {
        const auto* c = age->var->find_code(a);
        lo = c && c->min ? *c->min : -1;
        hi = c && c->max ? *c->max : -1;
      }
    }
    if (f && lo >= 0 && (lo > f->age_max || hi < f->age_min))
      throw Error(Problem{ErrorCode::DataOutOfRange, SourcePos{ds.source, r < ds.lines.size() ? ds.lines[r] : 0, 0, age->var->name, ""},
                          std::to_string(a),
                          Text{fmt::format("年齢が、回答した調査票「{}」の対象年齢 {}～{}歳の外です", f->name, f->age_min, f->age_max),
                               fmt::format("the age lies outside the ages {}-{} of the questionnaire answered (\"{}\")", f->age_min, f->age_max, f->name)},
                          Text{fmt::format("{}～{}（または調査票の列「{}」を直す）", f->age_min, f->age_max, form->var->name),
                               fmt::format("{}-{} (or correct the questionnaire column \"{}\")", f->age_min, f->age_max, form->var->name)},
                          ""});
    bool inside = false;
    if (f && lo >= 0)
      for (const codebook::AgeRange& range : f->report) inside = inside || (lo >= range.min && hi <= range.max);
    if (!inside) {
      in[r] = 0;
      ++out;
    }
  }
  return out;
}

std::size_t where_rows(const data::Dataset& ds, const PrevalenceOptions& opt, std::vector<char>& in) {
  if (opt.where) opt.where->eval(ds, in);
  else in.assign(ds.rows(), 1);
  return keep_form_ranges(ds, in);
}

AgeGroupOf::AgeGroupOf(const data::Dataset& ds, const std::vector<AgeGroup>& groups) : groups_(groups) {
  if (groups.empty()) return;
  const data::Column* age = ds.column(Role::Age);
  if (!age)
    throw Error(Problem{ErrorCode::CodebookInvalid, SourcePos{ds.codebook.path, 0, 0, "", "role age"}, "",
                        Text{"年齢区分の集計には role = \"age\" の変数が必要です", "age groups need a variable with role = \"age\""},
                        Text{"コードブックに年齢の変数を加える、または年齢区分を指定しない", "add an age variable to the codebook, or give no age groups"}, ""});
  var_ = age->var;
  ages_ = age->ints.data();
  integer_ = var_->type != VarType::Code;
  if (!integer_) return;
  // Each group's ages, the last group first, so that an age gets the first group holding it (as scan()).
  table_.fill(-1);
  for (std::size_t g = groups.size(); g-- > 0;)
    for (int a = std::max(groups[g].min, 0); a <= std::min(groups[g].max, static_cast<int>(table_.size()) - 1); ++a)
      table_[static_cast<std::size_t>(a)] = static_cast<int>(g);
}

int AgeGroupOf::scan(std::int64_t age) const {
  int lo = static_cast<int>(age), hi = static_cast<int>(age);
  if (!integer_) {
    const auto* c = var_->find_code(age);
    lo = c && c->min ? *c->min : -1;
    hi = c && c->max ? *c->max : -1;
  }
  for (std::size_t g = 0; g < groups_.size(); ++g)
    if (lo >= groups_[g].min && hi <= groups_[g].max) return static_cast<int>(g);
  return -1;
}

void age_groups_of(const data::Dataset& ds, const std::vector<AgeGroup>& groups, std::vector<int>& group_of, std::size_t& age_missing,
                   const std::vector<char>* in) {
  group_of.assign(ds.rows(), -1);
  const AgeGroupOf of(ds, groups);
  const std::int64_t* const ages = of.ages();
  if (!ages) return;
  const char* const inside = in ? in->data() : nullptr;
  int* const out = group_of.data(); // in locals: the stores into it would otherwise reload them every row
  std::size_t missing = 0;
  for (std::size_t r = 0; r < ds.rows(); ++r) {
    if (inside && !inside[r]) continue;
    const std::int64_t a = ages[r];
    if (a == data::kMissing) ++missing;
    else out[r] = of(a);
  }
  age_missing += missing;
}

void check_interval_method(const PrevalenceResult& res) {
  if (res.replicate && res.method == CiMethod::Likelihood)
    throw_problem(ErrorCode::UsageInvalidOption, "likelihood",
                  Text{"反復重み（‹replicates› またはコードブックの [replicates]）では尤度比区間（‹ci› likelihood）は計算しません（R survey 4.1-1 も NA を返します）",
                       "no likelihood interval (‹ci› likelihood) with replicate weights (‹replicates› or the codebook's [replicates]); R survey 4.1-1 returns NA there"},
                  Text{"‹ci› logit（既定）、beta、wald、asin、wilson、kg-nchs のいずれか", "‹ci› logit (the default), beta, wald, asin, wilson or kg-nchs"});
}

void check_group_df(const PrevalenceCell& cell, const std::string& source, bool replicate_undefined) {
  if (replicate_undefined)
    throw Error(Problem{ErrorCode::EstimateNoData, SourcePos{source, 0, 0, "", ""}, cell.group,
                        Text{fmt::format("集計区分「{}」は反復重みのいずれかで重みの合計が0になるため、標準誤差と信頼区間を計算できません", cell.group),
                             fmt::format("group \"{}\": a replicate leaves it without weight, so it has no SE or interval", cell.group)},
                        Text{"区分を粗くするか、反復重みを使わずに推定する", "coarser groups, or no replicate weights"}, ""});
  if (!(cell.est.df > 0))
    throw Error(Problem{ErrorCode::EstimateNoData, SourcePos{source, 0, 0, "", ""}, cell.group,
                        Text{fmt::format("集計区分「{}」の設計自由度が {} です（PSU が層の数以下）。信頼区間を計算できません", cell.group, cell.est.df),
                             fmt::format("group \"{}\" has design df {} (no more PSUs than strata): no interval", cell.group, cell.est.df)},
                        Text{"区分を粗くする（‹age-groups›）か、層・PSU を見直す", "coarser groups (‹age-groups›) or a different stratum/PSU layout"}, ""});
}

void finish_cell(PrevalenceCell& cell, const PrevalenceOptions& opt, int g) {
  cell.rate_used = opt.rate_rounding ? round_half_up(cell.est.value * 100.0, *opt.rate_rounding) / 100.0 : cell.est.value;
  if (opt.where) { // the subpopulation's own population is not known: no persons
    cell.rate_used = opt.rate_rounding ? round_half_up(cell.est.value * 100.0, *opt.rate_rounding) / 100.0 : cell.est.value;
    return;
  }
  const bool by_group_pop = !opt.population.by_group.empty();
  if (g < 0) {
    cell.population = by_group_pop ? std::nullopt : opt.population.total;
  } else {
    for (const auto& [ag, pop] : opt.population.by_group)
      if (ag.min == opt.groups[static_cast<std::size_t>(g)].min && ag.max == opt.groups[static_cast<std::size_t>(g)].max) {
        cell.population = pop;
        break;
      }
  }
  if (cell.population) {
    cell.persons = cell.rate_used * *cell.population;
    cell.persons_lower = cell.est.interval->lower * *cell.population;
    cell.persons_upper = cell.est.interval->upper * *cell.population;
    cell.persons_ci_method = "rate-ci*population";
  }
}

GroupDifference group_difference(Measure m, std::string group, std::string reference, const Contrast& ct, bool design_based, double level) {
  GroupDifference d;
  d.measure = m;
  d.group = std::move(group);
  d.reference = std::move(reference);
  d.difference = ct.value;
  d.se = ct.se;
  d.df = design_based ? ct.df : std::numeric_limits<double>::infinity();
  const double t = critical_value(level, d.df > 0 ? d.df : std::numeric_limits<double>::infinity());
  d.ci = Interval{ct.value - t * ct.se, ct.value + t * ct.se, ""};
  return d;
}

void name_intervals(PrevalenceResult& res) {
  for (PrevalenceCell& c : res.cells)
    if (c.est.n > 0 && c.est.interval) c.est.interval_method = c.est.interval->note.empty() ? ci_method_name(res.method) : "clopper-pearson";
}

void sum_over_age_groups(PrevalenceResult& res, const PrevalenceOptions& opt) {
  // With populations per age group, the total estimate is the sum over groups; its interval is a
  // normal (Wald) interval with variance Σ N_g² SE_g² (groups are disjoint domains).
  if (opt.population.by_group.empty() || opt.where) return;
  const double z = critical_value(opt.level, std::numeric_limits<double>::infinity());
  for (auto& total : res.cells) {
    if (total.group != "all") continue;
    double sum = 0, var = 0, pop = 0;
    bool complete = true;
    for (const auto& c : res.cells) {
      if (c.group == "all" || c.measure != total.measure) continue;
      if (!c.persons) {
        complete = false;
        continue;
      }
      sum += *c.persons;
      var += (*c.population) * (*c.population) * c.est.se * c.est.se;
      pop += *c.population;
    }
    if (!complete) continue;
    total.population = pop;
    total.persons = sum;
    total.persons_lower = std::max(0.0, sum - z * std::sqrt(var));
    total.persons_upper = sum + z * std::sqrt(var);
    total.persons_ci_method = "wald-sum-over-groups";
  }
}

} // namespace detail

PrevalenceResult estimate_prevalence(const data::Dataset& ds, const classify::Classification& cls, const PrevalenceOptions& opt) {
  // Every variance kind through the one domain engine (calibration and supplied replicates keep rows).
  PrevalenceAccumulator acc(opt);
  acc.add(ds, cls);
  return acc.finish();
}

} // namespace hkstat::estimate
