#include "hkstat/estimate/prevalence.hpp"

#include "prevalence_parts.hpp"

#include "hkstat/core/error.hpp"
#include "hkstat/estimate/distributions.hpp"
#include "hkstat/estimate/design_from_data.hpp"
#include "hkstat/estimate/prevalence_accumulator.hpp"
#include "hkstat/estimate/replicates_from_data.hpp"
#include "hkstat/estimate/survey_estimators.hpp"

#include <fmt/format.h>

#include <algorithm>
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

std::vector<ByVariable> resolve_by(const data::Dataset& ds, const std::vector<std::string>& names) {
  std::vector<ByVariable> out;
  for (const std::string& name : names) {
    // A variable name, or a role name (sex) meaning the variable with that role.
    const data::Column* c = ds.column(name);
    if (!c)
      if (const auto role = codebook::parse_role(name)) c = ds.column(*role);
    if (!c || c->var->type != codebook::VarType::Code)
      throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{ds.codebook.path, 0, 0, "", "--by"}, name,
                          Text{c ? fmt::format("--by の変数「{}」はコード型ではありません", name)
                                 : fmt::format("--by の変数「{}」がコードブックにありません", name),
                               c ? fmt::format("--by variable \"{}\" is not a code variable", name)
                                 : fmt::format("--by variable \"{}\" is not in the codebook", name)},
                          Text{"コードブックのコード型 (type = \"code\") の変数名（例: 性別の変数）",
                               "the name of a code variable (type = \"code\") of the codebook, e.g. the sex variable"},
                          ""});
    ByVariable b;
    b.name = name;
    b.column = c->var->name;
    for (const auto& code : c->var->codes)
      if (!c->var->is_missing_code(code.code)) {
        b.codes.push_back(code.code);
        b.labels.push_back(code.label);
      }
    out.push_back(std::move(b));
  }
  // Bounded before anything is allocated: every level is a domain (× the age groups) with sums per PSU.
  std::size_t levels = 0;
  for (const ByVariable& b : out) levels += b.codes.size();
  if (levels > kMaxByLevels)
    throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{ds.codebook.path, 0, 0, "", "--by"}, fmt::format("{}", levels),
                        Text{fmt::format("--by の変数の水準（コード）が合わせて {} あり、上限 {} を超えています", levels, kMaxByLevels),
                             fmt::format("the --by variables have {} levels (codes) in all, above the limit of {}", levels, kMaxByLevels)},
                        Text{fmt::format("水準が合わせて {} 以下の変数（例: 地区を大きな区分にまとめた変数）", kMaxByLevels),
                             fmt::format("variables with at most {} levels in all (e.g. districts grouped into larger areas)", kMaxByLevels)},
                        ""});
  return out;
}

void no_responses(const std::string& source) {
  throw Error(Problem{ErrorCode::EstimateNoData, SourcePos{source, 0, 0, "", ""}, "",
                      Text{"有効な回答がありません", "there are no valid responses"}, Text{"1行以上の有効な回答", "at least one valid response"}, ""});
}

void where_rows(const data::Dataset& ds, const PrevalenceOptions& opt, std::vector<char>& in) {
  if (opt.where) opt.where->eval(ds, in);
  else in.assign(ds.rows(), 1);
}

void age_groups_of(const data::Dataset& ds, const std::vector<AgeGroup>& groups, std::vector<int>& group_of, std::size_t& age_missing,
                   const std::vector<char>* in) {
  group_of.assign(ds.rows(), -1);
  if (groups.empty()) return;
  const data::Column* age = ds.column(Role::Age);
  if (!age)
    throw Error(Problem{ErrorCode::CodebookInvalid, SourcePos{ds.codebook.path, 0, 0, "", "role age"}, "",
                        Text{"年齢区分の集計には role = \"age\" の変数が必要です", "age groups need a variable with role = \"age\""},
                        Text{"コードブックに年齢の変数を加える、または年齢区分を指定しない", "add an age variable to the codebook, or give no age groups"}, ""});
  for (std::size_t r = 0; r < ds.rows(); ++r) {
    if (in && !(*in)[r]) continue;
    const std::int64_t a = age->ints[r];
    if (a == data::kMissing) {
      ++age_missing;
      continue;
    }
    int lo = static_cast<int>(a), hi = static_cast<int>(a);
    if (age->var->type == VarType::Code) {
      const auto* c = age->var->find_code(a);
      lo = c && c->min ? *c->min : -1;
      hi = c && c->max ? *c->max : -1;
    }
    for (std::size_t g = 0; g < groups.size(); ++g)
      if (lo >= groups[g].min && hi <= groups[g].max) {
        group_of[r] = static_cast<int>(g);
        break;
      }
  }
}

void check_interval_method(const PrevalenceResult& res) {
  if (res.replicate && res.method == CiMethod::Likelihood)
    throw_problem(ErrorCode::UsageInvalidOption, "likelihood",
                  Text{"反復重み（--replicates またはコードブックの [replicates]）では尤度比区間（--ci likelihood）は計算しません（R survey 4.1-1 も NA を返します）",
                       "no likelihood interval (--ci likelihood) with replicate weights (--replicates or the codebook's [replicates]); R survey 4.1-1 returns NA there"},
                  Text{"--ci logit（既定）、beta、wald、asin、wilson、kg-nchs のいずれか", "--ci logit (the default), beta, wald, asin, wilson or kg-nchs"});
}

void check_group_df(const PrevalenceCell& cell, const std::string& source) {
  if (!(cell.df > 0))
    throw Error(Problem{ErrorCode::EstimateNoData, SourcePos{source, 0, 0, "", ""}, cell.group,
                        Text{fmt::format("集計区分「{}」の設計自由度が {} です（PSU が層の数以下）。信頼区間を計算できません", cell.group, cell.df),
                             fmt::format("group \"{}\" has design df {} (no more PSUs than strata): no interval", cell.group, cell.df)},
                        Text{"区分を粗くする（--age-groups）か、層・PSU を見直す", "coarser groups (--age-groups) or a different stratum/PSU layout"}, ""});
}

void finish_cell(PrevalenceCell& cell, const PrevalenceOptions& opt, int g) {
  cell.rate_used = opt.rate_rounding ? round_half_up(cell.rate * 100.0, *opt.rate_rounding) / 100.0 : cell.rate;
  if (opt.where) { // the subpopulation's own population is not known: no persons
    cell.rate_used = opt.rate_rounding ? round_half_up(cell.rate * 100.0, *opt.rate_rounding) / 100.0 : cell.rate;
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
    cell.persons_lower = cell.ci.lower * *cell.population;
    cell.persons_upper = cell.ci.upper * *cell.population;
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
      var += (*c.population) * (*c.population) * c.se * c.se;
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

namespace {

// Calibration and supplied replicate columns: row by row (svy_domain_mean, svy_mean_by).
PrevalenceResult estimate_rows(const data::Dataset& ds, const classify::Classification& cls, const PrevalenceOptions& opt) {
  using namespace detail;
  PrevalenceResult res;
  res.level = opt.level;
  res.rate_rounding = opt.rate_rounding;
  res.population = opt.population;
  if (opt.where) {
    res.population = Population{};
    res.where = opt.where->text();
  }
  if (ds.rows() == 0) no_responses(ds.source);
  check_population_sample(ds);
  std::vector<char> where_in;
  where_rows(ds, opt, where_in);
  res.n = static_cast<std::size_t>(std::count(where_in.begin(), where_in.end(), 1));
  if (res.n == 0) no_responses(ds.source);
  DesignSpec spec = design_from_dataset(ds, opt.lonely);
  spec.design.calibration = opt.calibration;
  res.calibrated = static_cast<bool>(opt.calibration);
  res.weighting = opt.weighting;
  res.replicate = static_cast<bool>(opt.replicates);
  res.replicates_label = opt.replicates_label;
  if (opt.replicates && opt.replicates->rows() != ds.rows())
    throw_problem(ErrorCode::Internal, fmt::format("replicate rows={} data rows={}", opt.replicates->rows(), ds.rows()),
                  Text{"反復重みの行数がデータと一致しません", "replicate weights differ in rows from the data"}, Text{});
  res.weighted = spec.weighted;
  res.design_based = spec.complex() || static_cast<bool>(opt.replicates);
  res.lonely = opt.lonely;
  res.lonely_relevant = spec.lonely_relevant();
  if (res.design_based) res.design = describe_design(spec);
  res.design_df = res.design_based ? spec.summary.df : std::numeric_limits<double>::infinity();
  if (opt.replicates) { // R degf of the replicate design, not the linearised df
    res.design_df = opt.replicates->df;
    res.design = describe_replicate_design(spec, *opt.replicates);
  }
  res.method = opt.ci_method.value_or(res.design_based ? CiMethod::Logit : CiMethod::Wilson);
  check_interval_method(res);
  for (std::size_t r = 0; r < ds.rows(); ++r) res.outing_missing += where_in[r] && cls.rows[r].reason == classify::Reason::OutingMissing;

  std::vector<int> group_of;
  age_groups_of(ds, opt.groups, group_of, res.age_missing, &where_in);
  const std::vector<ByVariable> by = resolve_by(ds, opt.by);
  std::vector<const data::Column*> by_col;
  for (const ByVariable& b : by) by_col.push_back(ds.column(b.column));

  const std::vector<double>& w = spec.design.weights;
  const std::size_t G = opt.groups.size();
  // The domains, in the order of the single-pass accumulator: all, each age group, then per --by variable
  // and level: the level, and the level × each age group.
  struct RowDomain {
    int group = -1; // age group (-1: all ages)
    int var = -1;   // --by variable (-1: none)
    int level = -1;
  };
  std::vector<RowDomain> domains;
  for (int g = -1; g < static_cast<int>(G); ++g) domains.push_back({g, -1, -1});
  for (std::size_t v = 0; v < by.size(); ++v)
    for (std::size_t l = 0; l < by[v].codes.size(); ++l)
      for (int g = -1; g < static_cast<int>(G); ++g) domains.push_back({g, static_cast<int>(v), static_cast<int>(l)});
  const auto indicator = [&](const RowDomain& d, std::vector<double>& dom) {
    dom.assign(ds.rows(), 0.0);
    std::size_t n = 0;
    double wsum = 0;
    for (std::size_t r = 0; r < ds.rows(); ++r) {
      const bool in = where_in[r] && (d.group < 0 || group_of[r] == d.group) &&
                      (d.var < 0 || by_col[static_cast<std::size_t>(d.var)]->ints[r] == by[static_cast<std::size_t>(d.var)].codes[static_cast<std::size_t>(d.level)]);
      if (!in) continue;
      dom[r] = 1.0;
      ++n;
      wsum += w[r];
    }
    return std::pair{n, wsum};
  };
  const auto group_id = [&](int g) { return g < 0 ? std::string("all") : opt.groups[static_cast<std::size_t>(g)].id(); };

  std::vector<double> y(ds.rows()), dom;
  for (const RowDomain& d : domains) {
    const auto [n, wsum] = indicator(d, dom);
    for (Measure m : {Measure::Broad, Measure::Narrow, Measure::Semi}) {
      PrevalenceCell cell;
      cell.measure = m;
      cell.group = group_id(d.group);
      cell.n = n;
      if (d.var >= 0) {
        const ByVariable& b = by[static_cast<std::size_t>(d.var)];
        cell.by_variable = b.name;
        cell.by_level = std::to_string(b.codes[static_cast<std::size_t>(d.level)]);
        cell.by_label = b.labels[static_cast<std::size_t>(d.level)];
      }
      for (std::size_t r = 0; r < ds.rows(); ++r) {
        y[r] = in_case(m, cls.rows[r].cls) ? 1.0 : 0.0;
        cell.cases += (dom[r] > 0 && y[r] > 0);
      }
      if (n == 0) {
        res.cells.push_back(cell);
        continue;
      }
      if (res.design_based) {
        // Hájek ratio within the group; scores are zero outside it and every PSU stays in the design
        // (R: svyciprop(~y, subset(design, group)), survey-methods.md §3.2).
        if (!(wsum > 0)) {
          cell.cases = 0;
          res.cells.push_back(cell);
          continue;
        }
        if (opt.replicates) {
          const Eigen::Map<const Eigen::VectorXd> yv(y.data(), static_cast<Eigen::Index>(y.size()));
          const Eigen::Map<const Eigen::MatrixXd> dv(dom.data(), static_cast<Eigen::Index>(dom.size()), 1);
          const SurveyEstimate re = svy_mean_by(*opt.replicates, yv, dv);
          cell.rate = re.value(0);
          cell.se = std::sqrt(std::max(0.0, re.vcov(0, 0)));
          cell.df = re.domain_df.at(0);
        } else {
          const DomainMean dm = svy_domain_mean(spec.design, y, dom);
          cell.rate = dm.value;
          cell.se = dm.se;
          cell.df = dm.df;
          cell.deff = dm.deff;
          cell.deff_wor = dm.deff_wor;
        }
        check_group_df(cell, ds.source);
        // n for Korn–Graubard is nrow() of R's subset design: the group's rows, except after calibration,
        // where survey keeps every row in subset() (zero weight outside the group), so all rows; the
        // Clopper–Pearson fallback at the boundary on the group's own rows (domain_interval, as tabulate).
        const double n_ci = static_cast<double>(res.calibrated ? ds.rows() : n);
        // likelihood: R's svyglm path from the group's rows (svy_likelihood_interval).
        const std::function<Interval()> lik =
            opt.replicates ? std::function<Interval()>{} : [&] { return svy_likelihood_interval(spec.design, y, dom, cell.df, opt.level); };
        cell.ci = domain_interval(res.method, cell.rate, cell.se, cell.df, n_ci, static_cast<double>(n), opt.level, lik);
      } else {
        cell.rate = static_cast<double>(cell.cases) / static_cast<double>(n);
        cell.se = std::sqrt(cell.rate * (1 - cell.rate) / static_cast<double>(n));
        cell.df = std::numeric_limits<double>::infinity();
        cell.ci = binomial_interval(res.method, static_cast<long long>(cell.cases), static_cast<long long>(n), opt.level);
      }
      if (d.var < 0) finish_cell(cell, opt, d.group);
      else cell.rate_used = opt.rate_rounding ? round_half_up(cell.rate * 100.0, *opt.rate_rounding) / 100.0 : cell.rate; // no population
      res.cells.push_back(cell);
    }
  }

  // Differences between domains with their covariance (one design, shared PSUs: svyby(covmat = TRUE)),
  // each against the first: the age groups, then per --by variable the levels within all ages and within
  // each age group (levels with respondents and weight only).
  const auto differences = [&](const std::vector<std::size_t>& idx, const std::function<GroupDifference(Measure, std::size_t, const Contrast&)>& make) {
    const auto rows = static_cast<Eigen::Index>(ds.rows());
    Eigen::MatrixXd D(rows, static_cast<Eigen::Index>(idx.size()));
    for (std::size_t j = 0; j < idx.size(); ++j) {
      indicator(domains[idx[j]], dom);
      D.col(static_cast<Eigen::Index>(j)) = Eigen::Map<const Eigen::VectorXd>(dom.data(), rows);
    }
    Eigen::VectorXd yv(rows);
    for (Measure m : {Measure::Broad, Measure::Narrow, Measure::Semi}) {
      for (Eigen::Index r = 0; r < rows; ++r) yv(r) = in_case(m, cls.rows[static_cast<std::size_t>(r)].cls) ? 1.0 : 0.0;
      const SurveyEstimate est = opt.replicates ? svy_mean_by(*opt.replicates, yv, D) : svy_mean_by(spec.design, yv, D);
      for (std::size_t j = 1; j < idx.size(); ++j) {
        Eigen::VectorXd cvec = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(idx.size()));
        cvec(static_cast<Eigen::Index>(j)) = 1;
        cvec(0) = -1;
        res.differences.push_back(make(m, j, svy_contrast(est, cvec)));
      }
    }
  };
  bool groups_ok = G >= 2;
  for (const auto& c : res.cells)
    if (c.by_variable.empty() && c.group != "all" && c.n == 0) groups_ok = false;
  if (groups_ok) {
    std::vector<std::size_t> idx;
    for (std::size_t g = 0; g < G; ++g) idx.push_back(g + 1);
    differences(idx, [&](Measure m, std::size_t j, const Contrast& ct) {
      return group_difference(m, opt.groups[j].id(), opt.groups[0].id(), ct, res.design_based, opt.level);
    });
  }
  for (std::size_t v = 0; v < by.size(); ++v)
    for (int g = -1; g < static_cast<int>(G); ++g) {
      std::vector<std::size_t> idx;
      std::vector<std::size_t> levels;
      for (std::size_t k = 0; k < domains.size(); ++k)
        if (domains[k].var == static_cast<int>(v) && domains[k].group == g) {
          const auto [n, wsum] = indicator(domains[k], dom);
          if (n > 0 && wsum > 0) {
            idx.push_back(k);
            levels.push_back(static_cast<std::size_t>(domains[k].level));
          }
        }
      if (idx.size() < 2) continue;
      differences(idx, [&](Measure m, std::size_t j, const Contrast& ct) {
        GroupDifference diff = group_difference(m, std::to_string(by[v].codes[levels[j]]), std::to_string(by[v].codes[levels[0]]), ct,
                                                res.design_based, opt.level);
        diff.by_variable = by[v].name;
        diff.age_group = group_id(g);
        return diff;
      });
    }
  sum_over_age_groups(res, opt);
  return res;
}

} // namespace

PrevalenceResult estimate_prevalence(const data::Dataset& ds, const classify::Classification& cls, const PrevalenceOptions& opt) {
  if (opt.calibration || opt.replicates) {
    if (opt.replicate_request)
      throw_problem(ErrorCode::Internal, "replicates",
                    Text{"反復重みの作成要求と反復重みの列は同時に使えません", "a replicate request cannot be combined with replicate columns"}, Text{});
    return estimate_rows(ds, cls, opt);
  }
  PrevalenceAccumulator acc(opt);
  acc.add(ds, cls);
  return acc.finish();
}

} // namespace hkstat::estimate
