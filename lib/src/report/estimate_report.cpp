#include "hkstat/report/estimate_report.hpp"

#include "hkstat/estimate/design_from_data.hpp"
#include "hkstat/report/number_format.hpp"
#include "hkstat/tabulate/joint_suppression.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <map>
#include <optional>
#include <tuple>

namespace hkstat::report {

using estimate::Measure;
using estimate::PrevalenceCell;
using estimate::PrevalenceResult;

namespace {

Text same(const std::string& s) { return Text{s, s}; }

// A --by breakdown as printed: the variable's codebook label (性別, 婚姻状況×性別), else its name as given.
template <class T>
std::string by_title(const T& x) { return x.by_variable_label.empty() ? x.by_variable : x.by_variable_label; }

std::string group_label(const std::string& g, bool en) {
  if (g == "all") return en ? "all" : "全体";
  auto dash = g.find('-');
  return en ? g : g.substr(0, dash) + "～" + g.substr(dash + 1) + "歳";
}

std::string level_pct(double level) { return format_fixed(level * 100.0, level * 100.0 == std::floor(level * 100.0) ? 0 : 1) + "%"; }

} // namespace

// The prevalence table as a suppression problem (tabulate/suppress.hpp). Cells: the table's case counts
// (r.cells, in order; upper bound = the cell's published n), then unpublished residual cells. Relations a
// reader can write down: broad = narrow + semi in every cell; with age groups, all = Σ groups + the
// respondents in no group (age missing, or outside --age-groups: a residual); with --by, a cell = Σ the
// variable's levels + the respondents without a level (e.g. sex 無回答: a residual); and the residuals of
// both kinds add up through the respondents with neither. Cost: the count, plus one margin level each for
// "all" over the age groups, the whole sample over the levels, and broad over narrow + semi, so that the
// headline (broad, all) is hidden last.
PrevalenceSuppressionProblem prevalence_suppression_problem(const PrevalenceResult& r) {
  PrevalenceSuppressionProblem pb;
  const std::size_t n = r.cells.size();
  std::vector<int> level(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    pb.counts.push_back(r.cells[i].cases);
    pb.upper.push_back(r.cells[i].est.n);
    pb.unpublished.push_back(false);
  }
  auto find = [&](const std::string& g, Measure m, const std::string& var = "", const std::string& lv = "") -> std::optional<std::size_t> {
    for (std::size_t i = 0; i < n; ++i)
      if (r.cells[i].group == g && r.cells[i].measure == m && r.cells[i].by_variable == var && r.cells[i].by_level == lv) return i;
    return std::nullopt;
  };
  std::vector<std::string> groups, vars;
  std::vector<std::pair<std::string, std::string>> levels; // (variable, level) of --by cells
  for (const auto& c : r.cells) {
    if (c.by_variable.empty() && c.group != "all" && std::find(groups.begin(), groups.end(), c.group) == groups.end()) groups.push_back(c.group);
    if (!c.by_variable.empty() && std::find(levels.begin(), levels.end(), std::make_pair(c.by_variable, c.by_level)) == levels.end())
      levels.emplace_back(c.by_variable, c.by_level);
    if (!c.by_variable.empty() && std::find(vars.begin(), vars.end(), c.by_variable) == vars.end()) vars.push_back(c.by_variable);
  }
  for (std::size_t i = 0; i < n; ++i) {
    const auto& c = r.cells[i];
    level[i] = (c.group == "all" && !groups.empty() ? 1 : 0) + (c.by_variable.empty() && !levels.empty() ? 1 : 0) + (c.measure == Measure::Broad ? 1 : 0);
  }
  const Measure measures[] = {Measure::Broad, Measure::Narrow, Measure::Semi};
  // A residual per measure (cases, respondents): a new unpublished cell, or none when nobody is left over.
  using Triple = std::array<std::optional<std::size_t>, 3>;
  auto residual = [&](const std::array<std::size_t, 3>& cases, std::size_t respondents) {
    Triple t;
    if (respondents == 0) return t;
    for (int m = 0; m < 3; ++m) {
      t[static_cast<std::size_t>(m)] = pb.counts.size();
      pb.counts.push_back(cases[static_cast<std::size_t>(m)]);
      pb.upper.push_back(respondents);
      pb.unpublished.push_back(true);
      level.push_back(0);
    }
    pb.relations.push_back(tabulate::Relation{{*t[1], *t[2]}, *t[0]});
    return t;
  };
  auto cases_of = [&](std::optional<std::size_t> i) { return i ? pb.counts[*i] : std::size_t{0}; };
  auto sub = [](std::size_t a, std::size_t b) { return a - std::min(a, b); };
  // total(m) = Σ parts(m) + a residual; returns the residual.
  auto split = [&](const std::function<std::optional<std::size_t>(Measure)>& total, const std::vector<std::function<std::optional<std::size_t>(Measure)>>& parts) {
    Triple none;
    const auto t0 = total(Measure::Broad);
    if (!t0 || parts.empty()) return none;
    std::array<std::size_t, 3> rc{};
    std::size_t rn = r.cells[*t0].est.n;
    for (const auto& p : parts)
      if (const auto i = p(Measure::Broad)) rn = sub(rn, r.cells[*i].est.n);
    for (int m = 0; m < 3; ++m) {
      std::size_t c = cases_of(total(measures[m]));
      for (const auto& p : parts) c = sub(c, cases_of(p(measures[m])));
      rc[static_cast<std::size_t>(m)] = c;
    }
    const Triple res = residual(rc, rn);
    for (int m = 0; m < 3; ++m) {
      const auto t = total(measures[m]);
      if (!t) continue;
      tabulate::Relation rel;
      rel.total = *t;
      for (const auto& p : parts)
        if (const auto i = p(measures[m])) rel.parts.push_back(*i);
      if (res[static_cast<std::size_t>(m)]) rel.parts.push_back(*res[static_cast<std::size_t>(m)]);
      if (!rel.parts.empty()) pb.relations.push_back(std::move(rel));
    }
    return res;
  };
  std::vector<std::string> all_groups{"all"};
  all_groups.insert(all_groups.end(), groups.begin(), groups.end());
  for (const auto& g : all_groups) {
    if (const auto b = find(g, Measure::Broad)) pb.relations.push_back(tabulate::Relation{{*find(g, Measure::Narrow), *find(g, Measure::Semi)}, *b});
    for (const auto& [var, lv] : levels)
      if (const auto b = find(g, Measure::Broad, var, lv))
        pb.relations.push_back(tabulate::Relation{{*find(g, Measure::Narrow, var, lv), *find(g, Measure::Semi, var, lv)}, *b});
  }
  // all = Σ age groups + residual, for the whole sample and for each level.
  std::map<std::pair<std::string, std::string>, Triple> age_residual;
  std::vector<std::pair<std::string, std::string>> slices{{"", ""}};
  slices.insert(slices.end(), levels.begin(), levels.end());
  if (!groups.empty())
    for (const auto& [var, lv] : slices) {
      std::vector<std::function<std::optional<std::size_t>(Measure)>> parts;
      for (const auto& g : groups) parts.push_back([&, g, var = var, lv = lv](Measure m) { return find(g, m, var, lv); });
      age_residual[{var, lv}] = split([&, var = var, lv = lv](Measure m) { return find("all", m, var, lv); }, parts);
    }
  // A cell = Σ levels of each variable + residual, for "all" and each age group; then the residuals of both
  // kinds: level residual (all) = Σ_g level residual (g) + both; Σ_levels age residual (level) + both = age
  // residual (whole sample).
  for (const auto& var : vars) {
    std::map<std::string, Triple> level_residual;
    for (const auto& g : all_groups) {
      std::vector<std::function<std::optional<std::size_t>(Measure)>> parts;
      for (const auto& [v, lv] : levels)
        if (v == var) parts.push_back([&, g, var, lv = lv](Measure m) { return find(g, m, var, lv); });
      level_residual[g] = split([&, g](Measure m) { return find(g, m); }, parts);
    }
    if (groups.empty()) continue;
    const Triple& ra = level_residual["all"];
    const Triple& whole_age = age_residual[{"", ""}];
    if (!ra[0]) continue;
    std::array<std::size_t, 3> bc{};
    std::size_t bn = pb.upper[*ra[0]];
    for (const auto& g : groups)
      if (const auto& t = level_residual[g]; t[0]) bn = sub(bn, pb.upper[*t[0]]);
    for (int m = 0; m < 3; ++m) {
      std::size_t c = pb.counts[*ra[static_cast<std::size_t>(m)]];
      for (const auto& g : groups)
        if (const auto& t = level_residual[g]; t[static_cast<std::size_t>(m)]) c = sub(c, pb.counts[*t[static_cast<std::size_t>(m)]]);
      bc[static_cast<std::size_t>(m)] = c;
    }
    const Triple both = residual(bc, bn);
    for (std::size_t m = 0; m < 3; ++m) {
      tabulate::Relation rel;
      rel.total = *ra[m];
      for (const auto& g : groups)
        if (const auto& t = level_residual[g]; t[m]) rel.parts.push_back(*t[m]);
      if (both[m]) rel.parts.push_back(*both[m]);
      if (!rel.parts.empty()) pb.relations.push_back(std::move(rel));
      if (whole_age[m]) {
        tabulate::Relation rel2;
        rel2.total = *whole_age[m];
        for (const auto& [v, lv] : levels)
          if (v == var)
            if (const auto it = age_residual.find({v, lv}); it != age_residual.end() && it->second[m]) rel2.parts.push_back(*it->second[m]);
        if (both[m]) rel2.parts.push_back(*both[m]);
        if (!rel2.parts.empty()) pb.relations.push_back(std::move(rel2));
      }
    }
  }
  pb.cost = tabulate::suppression_costs(pb.counts, level);
  return pb;
}

tabulate::Suppression prevalence_suppression(const PrevalenceResult& r, int min_cell) {
  const PrevalenceSuppressionProblem pb = prevalence_suppression_problem(r);
  tabulate::SuppressOptions so;
  so.upper = pb.upper;
  so.cost = pb.cost;
  so.unpublished = pb.unpublished;
  return tabulate::suppress(pb.counts, pb.relations, min_cell, so);
}

namespace {

// The table's own suppression: its cells' hidden flags, and whether the conservative rule hid any of them.
std::pair<std::vector<bool>, bool> suppression(const PrevalenceResult& r, int min_cell) {
  const auto s = prevalence_suppression(r, min_cell);
  const auto cells = static_cast<std::ptrdiff_t>(r.cells.size());
  return {std::vector<bool>(s.hidden.begin(), s.hidden.begin() + cells),
          std::find(s.reason.begin(), s.reason.end(), tabulate::HideReason::Fallback) != s.reason.end()};
}

// An interval "a～b" in Japanese, "a–b" in English.
Text range(const std::string& a, const std::string& b) { return Text{a + "～" + b, a + "–" + b}; }

std::string persons_text(double v, PersonsUnit unit) { return unit == PersonsUnit::Man ? format_man(v, 1) : format_persons(v); }

} // namespace

Table prevalence_table(const PrevalenceResult& r, const classify::Classification& cls, const DisplayOptions& o, const std::vector<bool>* hidden,
                       const std::vector<bool>* n_hidden, bool fallback) {
  Table t;
  t.id = "prevalence";
  t.title = Text{"広義のひきこもり群の出現率と推計人数", "Prevalence and estimated number of people (broad hikikomori)"};
  const std::string lv = level_pct(r.level);
  auto col = [&](const char* id, Text header, Align a, bool human, bool machine) { t.columns.push_back(Column{id, std::move(header), a, human, machine}); };
  col("ruleset", Text{"判定基準", "rule-set"}, Align::Left, false, true);
  col("measure", Text{"区分", "group"}, Align::Left, true, true);
  col("age_group", Text{"年齢", "age"}, Align::Left, true, true);
  bool any_by = false;
  for (const auto& c : r.cells) any_by = any_by || !c.by_variable.empty();
  if (any_by) col("by", Text{"属性", "by"}, Align::Left, true, false);
  // With household members (estimate/numerator.hpp) the headers say what the numerator and denominator hold.
  const std::string& nm = r.numerator.mode;
  col("n", nm == "persons" ? Text{"分母（回答者＋家族）", "denominator (respondents + members)"} : Text{"有効回答数", "valid n"}, Align::Right, true, true);
  col("cases", nm == "respondents+members" || nm == "persons" ? Text{"該当数（回答者＋家族）", "cases (respondents + members)"} : Text{"該当数", "cases"},
      Align::Right, true, true);
  col("rate", Text{"出現率", "rate"}, Align::Right, true, true);
  col("rate_used", Text{"計算に用いた率", "rate used"}, Align::Right, false, true);
  col("se", Text{"標準誤差", "SE"}, Align::Right, false, true);
  col("ci", Text{lv + "信頼区間", lv + " CI"}, Align::Right, true, false);
  col("ci_lower", Text{"信頼区間下限", "CI lower"}, Align::Right, false, true);
  col("ci_upper", Text{"信頼区間上限", "CI upper"}, Align::Right, false, true);
  col("ci_method", Text{"信頼区間の方法", "CI method"}, Align::Left, false, true);
  col("conf_level", Text{"信頼係数", "level"}, Align::Right, false, true);
  col("df", Text{"自由度", "df"}, Align::Right, false, true);
  col("weighted", Text{"重み付け", "weighted"}, Align::Right, false, true);
  col("population", Text{"人口", "population"}, Align::Right, false, true);
  col("persons", Text{"推計人数", "estimated persons"}, Align::Right, true, true);
  col("persons_ci", Text{"推計人数の" + lv + "信頼区間", lv + " CI of persons"}, Align::Right, true, false);
  col("persons_lower", Text{"推計人数下限", "persons lower"}, Align::Right, false, true);
  col("persons_upper", Text{"推計人数上限", "persons upper"}, Align::Right, false, true);
  col("persons_ci_method", Text{"推計人数の区間の方法", "persons CI method"}, Align::Left, false, true);
  col("suppressed", Text{"秘匿", "suppressed"}, Align::Right, false, true);
  col("deff", Text{"設計効果", "design effect"}, Align::Right, false, true);
  col("n_eff", Text{"有効標本数", "effective n"}, Align::Right, false, true);
  col("cv", Text{"変動係数", "CV"}, Align::Right, false, true);
  if (any_by) {
    col("by_variable", Text{"属性の変数", "by variable"}, Align::Left, false, true);
    col("by_level", Text{"属性のコード", "by level"}, Align::Left, false, true);
  }
  // R's default design effect (deff = TRUE, vs SRS without replacement) beside deff (= "replace"): design-based only, last.
  if (r.design_based) col("deff_wor", Text{"設計効果（非復元）", "design effect (without replacement)"}, Align::Right, false, true);
  if (!nm.empty()) col("numerator", Text{"分子と分母", "numerator"}, Align::Left, false, true);

  if (hidden && hidden->size() != r.cells.size())
    throw Error(Problem{ErrorCode::Internal, SourcePos{}, "", Text{"秘匿の結果の数が出現率の表のセルの数と違います", "the suppression does not match the prevalence table"}, Text{}, ""});
  std::vector<bool> hide;
  if (hidden) hide = *hidden;
  else std::tie(hide, fallback) = suppression(r, o.min_cell);
  bool any_hidden = false;
  bool any_boundary = false;
  for (std::size_t i = 0; i < r.cells.size(); ++i) {
    const PrevalenceCell& c = r.cells[i];
    const bool h = hide[i];
    any_hidden = any_hidden || h;
    std::vector<Cell> row;
    auto add = [&](Text display, std::string raw) { row.push_back(Cell{std::move(display), std::move(raw)}); };
    const Text star{"*", "*"};
    add(Text{}, cls.ruleset.display_id());
    add(Text{estimate::measure_label(c.measure, false), estimate::measure_label(c.measure, true)}, estimate::measure_id(c.measure));
    add(Text{group_label(c.group, false), group_label(c.group, true)}, c.group);
    if (any_by) add(c.by_variable.empty() ? Text{} : same(by_title(c) + ": " + c.by_label), "");
    if (n_hidden && i < n_hidden->size() && (*n_hidden)[i]) add(star, "");
    else add(same(with_thousands(static_cast<long long>(c.est.n))), std::to_string(c.est.n));
    const bool empty = c.est.n == 0;
    if (h) {
      add(star, "");
      add(star, "");
      add(star, "");
      add(star, "");
      add(star, "");
      add(star, "");
      add(star, "");
      add(same(estimate::ci_method_name(r.method)), estimate::ci_method_name(r.method));
      add(same(format_raw(r.level)), format_raw(r.level));
      add(Text{}, "");
    } else if (empty) {
      for (int k = 0; k < 7; ++k) add(same("—"), "");
      add(same(estimate::ci_method_name(r.method)), estimate::ci_method_name(r.method));
      add(same(format_raw(r.level)), format_raw(r.level));
      add(Text{}, "");
    } else {
      if (!c.est.interval->note.empty()) any_boundary = true;
      add(same(with_thousands(static_cast<long long>(c.cases))), std::to_string(c.cases));
      add(same(format_percent(c.est.value, o.rate_decimals)), format_raw(c.est.value));
      add(Text{}, format_raw(c.rate_used));
      add(Text{}, format_raw(c.est.se));
      add(range(format_percent(c.est.interval->lower, o.rate_decimals), format_percent(c.est.interval->upper, o.rate_decimals) + (c.est.interval->note.empty() ? "" : "†")), "");
      add(Text{}, format_raw(c.est.interval->lower));
      add(Text{}, format_raw(c.est.interval->upper));
      const std::string method = c.est.interval->note.empty() ? estimate::ci_method_name(r.method) : std::string("clopper-pearson");
      add(same(method), method);
      add(same(format_raw(r.level)), format_raw(r.level));
      add(Text{}, format_raw(c.est.df));
    }
    add(Text{}, r.weighted ? "1" : "0");
    add(Text{}, c.population ? format_raw(*c.population) : "");
    if (h) {
      add(star, "");
      add(star, "");
      add(Text{}, "");
      add(Text{}, "");
      add(Text{}, "");
    } else if (c.persons && !empty) {
      add(same(persons_text(*c.persons, o.persons_unit)), format_raw(*c.persons));
      add(range(persons_text(*c.persons_lower, o.persons_unit), persons_text(*c.persons_upper, o.persons_unit)), "");
      add(Text{}, format_raw(*c.persons_lower));
      add(Text{}, format_raw(*c.persons_upper));
      add(Text{}, c.persons_ci_method);
    } else {
      add(same("—"), "");
      add(same("—"), "");
      add(Text{}, "");
      add(Text{}, "");
      add(Text{}, "");
    }
    add(Text{}, h ? "1" : "0");
    // Reliability diagnostics (design-based only; empty when suppressed or undefined).
    const bool diag = !h && !empty && r.design_based;
    add(Text{}, diag && std::isfinite(c.est.deff) ? format_raw(c.est.deff) : "");
    add(Text{}, diag && c.est.se > 0 && c.est.value > 0 && c.est.value < 1 ? format_raw(c.est.value * (1 - c.est.value) / (c.est.se * c.est.se)) : "");
    add(Text{}, diag && c.est.value > 0 ? format_raw(c.est.se / c.est.value) : "");
    if (any_by) {
      add(Text{}, c.by_variable);
      add(Text{}, c.by_level);
    }
    if (r.design_based) add(Text{}, diag && std::isfinite(c.est.deff_wor) ? format_raw(c.est.deff_wor) : "");
    if (!nm.empty()) add(Text{}, nm);
    t.rows.push_back(std::move(row));
  }
  if (any_hidden)
    t.notes.push_back(Text{fmt::format("* 該当数が1～{}人のセル（および、合計から逆算できないよう追加で秘匿したセル）は表示していません。", o.min_cell - 1),
                           fmt::format("* cells with 1-{} cases (and cells hidden so that they cannot be recovered from totals) are suppressed.", o.min_cell - 1)});
  if (any_hidden && fallback) t.notes.push_back(tabulate::fallback_note());
  if (any_boundary)
    t.notes.push_back(Text{"† 率が0%または100%のため、選択した方法では区間が定まらず Clopper–Pearson 区間で代用しました。",
                           "† the rate is 0% or 100%; the chosen method has no interval there, so the Clopper-Pearson interval is shown."});
  return t;
}

Table differences_table(const PrevalenceResult& r, const DisplayOptions& o) {
  Table t;
  t.id = "differences";
  t.title = Text{"年齢区分間の出現率の差", "Differences in prevalence between age groups"};
  const std::string lv = level_pct(r.level);
  auto col = [&](const char* id, Text header, Align a, bool human, bool machine) { t.columns.push_back(Column{id, std::move(header), a, human, machine}); };
  col("measure", Text{"区分", "group"}, Align::Left, true, true);
  col("age_group", Text{"年齢", "age"}, Align::Left, true, true);
  col("reference", Text{"基準", "reference"}, Align::Left, true, true);
  col("difference", Text{"差（ポイント）", "difference (points)"}, Align::Right, true, true);
  col("se", Text{"標準誤差", "SE"}, Align::Right, true, true);
  col("ci", Text{lv + "信頼区間", lv + " CI"}, Align::Right, true, false);
  col("ci_lower", Text{"信頼区間下限", "CI lower"}, Align::Right, false, true);
  col("ci_upper", Text{"信頼区間上限", "CI upper"}, Align::Right, false, true);
  col("df", Text{"自由度", "df"}, Align::Right, false, true);
  col("suppressed", Text{"秘匿", "suppressed"}, Align::Right, false, true);
  bool any_by = false;
  for (const auto& d : r.differences) any_by = any_by || !d.by_variable.empty();
  if (any_by) {
    t.title = Text{"区分間の出現率の差", "Differences in prevalence between groups"};
    col("by_variable", Text{"属性の変数", "by variable"}, Align::Left, true, true);
    col("within_age_group", Text{"年齢（比較の範囲）", "within age group"}, Align::Left, true, true);
  }
  const auto hide = suppression(r, o.min_cell).first;
  // The cell of a rate: an age group (by_variable empty) or a level of a --by variable within an age group.
  auto cell_of = [&](Measure m, const std::string& g, const std::string& var, const std::string& level) -> int {
    for (std::size_t i = 0; i < r.cells.size(); ++i)
      if (r.cells[i].measure == m && r.cells[i].group == g && r.cells[i].by_variable == var && r.cells[i].by_level == level)
        return static_cast<int>(i);
    return -1;
  };
  auto hidden = [&](const estimate::GroupDifference& d, const std::string& side) {
    const int i = d.by_variable.empty() ? cell_of(d.measure, side, "", "") : cell_of(d.measure, d.age_group, d.by_variable, side);
    return i < 0 || static_cast<bool>(hide[static_cast<std::size_t>(i)]);
  };
  auto side_label = [&](const estimate::GroupDifference& d, const std::string& side, bool en) {
    if (d.by_variable.empty()) return group_label(side, en);
    const int i = cell_of(d.measure, d.age_group, d.by_variable, side);
    return i < 0 ? side : r.cells[static_cast<std::size_t>(i)].by_label;
  };
  bool any_hidden = false;
  const Text star{"*", "*"};
  for (const auto& d : r.differences) {
    // A difference next to one published rate would reveal a suppressed one: hide it with either.
    const bool h = hidden(d, d.group) || hidden(d, d.reference);
    any_hidden = any_hidden || h;
    auto pts = [&](double x) { return format_fixed(x * 100.0, o.rate_decimals); };
    std::vector<Cell> row{Cell{Text{estimate::measure_label(d.measure, false), estimate::measure_label(d.measure, true)}, estimate::measure_id(d.measure)},
                          Cell{Text{side_label(d, d.group, false), side_label(d, d.group, true)}, d.group},
                          Cell{Text{side_label(d, d.reference, false), side_label(d, d.reference, true)}, d.reference}};
    if (h) {
      for (int k = 0; k < 3; ++k) row.push_back(Cell{star, ""});
      row.push_back(Cell{Text{}, ""});
      row.push_back(Cell{Text{}, ""});
      row.push_back(Cell{Text{}, format_raw(d.df)});
      row.push_back(Cell{Text{}, "1"});
    } else {
      row.push_back(Cell{same(pts(d.difference)), format_raw(d.difference)});
      row.push_back(Cell{same(pts(d.se)), format_raw(d.se)});
      row.push_back(Cell{range(pts(d.ci.lower), pts(d.ci.upper)), ""});
      row.push_back(Cell{Text{}, format_raw(d.ci.lower)});
      row.push_back(Cell{Text{}, format_raw(d.ci.upper)});
      row.push_back(Cell{Text{}, format_raw(d.df)});
      row.push_back(Cell{Text{}, "0"});
    }
    if (any_by) {
      row.push_back(Cell{same(by_title(d)), d.by_variable});
      row.push_back(d.by_variable.empty() ? Cell{Text{}, ""} : Cell{Text{group_label(d.age_group, false), group_label(d.age_group, true)}, d.age_group});
    }
    t.rows.push_back(std::move(row));
  }
  t.notes.push_back(r.replicate
                        ? Text{"差の標準誤差は反復重み法で、反復ごとの両区分の率の差から計算しています。区間は差 ± t × 標準誤差です（t の自由度は反復重みの自由度）。",
                               "The SE of a difference comes from the replicates (the difference of the two groups' rates in each replicate); the interval is difference ± t × SE (df of the replicate weights)."}
                    : r.design_based
                        ? Text{"差の標準誤差は、同じ標本設計（層・PSU）を共有する両区分の共分散を含めて線形化法で計算しています。区間は差 ± t × 標準誤差です。",
                               "The SE of a difference includes the covariance of the two groups, which share strata and PSUs (linearisation); the interval is difference ± t × SE."}
                        : Text{"差の標準誤差は線形化法（重みなし・層なし）で計算しています。区間は差 ± z × 標準誤差です。",
                               "The SE of a difference is linearised (unweighted, one stratum); the interval is difference ± z × SE."});
  if (any_hidden)
    t.notes.push_back(Text{"* どちらかの率を秘匿した区分の差は表示していません。", "* differences involving a suppressed rate are not shown."});
  return t;
}

Table weighting_comparison_table(const PrevalenceResult& before, const PrevalenceResult& after, const DisplayOptions& o) {
  Table t;
  t.id = "weighting_comparison";
  t.title = Text{"重み付けの前後の比較", "Before and after weighting"};
  const std::string lv = level_pct(after.level);
  auto col = [&](const char* id, Text header, Align a, bool human, bool machine) { t.columns.push_back(Column{id, std::move(header), a, human, machine}); };
  col("measure", Text{"区分", "group"}, Align::Left, true, true);
  col("age_group", Text{"年齢", "age"}, Align::Left, true, true);
  bool any_by = false; // --by: the level of each row (as the prevalence table)
  for (const auto& c : after.cells) any_by = any_by || !c.by_variable.empty();
  if (any_by) col("by", Text{"属性", "by"}, Align::Left, true, false);
  col("rate_before", Text{before.design_based ? "重み付け前の出現率" : "出現率（重みなし）", before.design_based ? "rate before weighting" : "rate (unweighted)"},
      Align::Right, true, true);
  col("ci_before", Text{"その" + lv + "信頼区間", lv + " CI"}, Align::Right, true, false);
  col("persons_before", Text{"推計人数", "persons"}, Align::Right, true, true);
  col("rate_after", Text{"重み付け後の出現率", "rate after weighting"}, Align::Right, true, true);
  col("ci_after", Text{"その" + lv + "信頼区間", lv + " CI"}, Align::Right, true, false);
  col("persons_after", Text{"推計人数", "persons"}, Align::Right, true, true);
  col("suppressed", Text{"秘匿", "suppressed"}, Align::Right, false, true);
  if (any_by) { // CSV: added at the end, as in the prevalence table
    col("by_variable", Text{"属性の変数", "by variable"}, Align::Left, false, true);
    col("by_level", Text{"属性のコード", "by level"}, Align::Left, false, true);
  }
  const auto hb = suppression(before, o.min_cell).first, ha = suppression(after, o.min_cell).first;
  const Text star{"*", "*"};
  bool any_hidden = false;
  for (std::size_t i = 0; i < after.cells.size(); ++i) {
    const PrevalenceCell& a = after.cells[i];
    const PrevalenceCell* b = nullptr;
    std::size_t bi = 0;
    for (; bi < before.cells.size(); ++bi)
      if (before.cells[bi].measure == a.measure && before.cells[bi].group == a.group && before.cells[bi].by_variable == a.by_variable &&
          before.cells[bi].by_level == a.by_level) {
        b = &before.cells[bi];
        break;
      }
    if (!b) continue;
    const bool h = ha[i] || hb[bi];
    any_hidden = any_hidden || h;
    std::vector<Cell> row{Cell{Text{estimate::measure_label(a.measure, false), estimate::measure_label(a.measure, true)}, estimate::measure_id(a.measure)},
                          Cell{Text{group_label(a.group, false), group_label(a.group, true)}, a.group}};
    if (any_by) row.push_back(Cell{a.by_variable.empty() ? Text{} : same(by_title(a) + ": " + a.by_label), ""});
    auto side = [&](const PrevalenceCell& c) {
      if (h) {
        row.insert(row.end(), {Cell{star, ""}, Cell{star, ""}, Cell{star, ""}});
        return;
      }
      if (c.est.n == 0) {
        row.insert(row.end(), {Cell{same("—"), ""}, Cell{same("—"), ""}, Cell{same("—"), ""}});
        return;
      }
      row.push_back(Cell{same(format_percent(c.est.value, o.rate_decimals)), format_raw(c.est.value)});
      row.push_back(Cell{range(format_percent(c.est.interval->lower, o.rate_decimals), format_percent(c.est.interval->upper, o.rate_decimals)), ""});
      row.push_back(c.persons ? Cell{same(persons_text(*c.persons, o.persons_unit)), format_raw(*c.persons)} : Cell{same("—"), ""});
    };
    side(*b);
    side(a);
    row.push_back(Cell{Text{}, h ? "1" : "0"});
    if (any_by) {
      row.push_back(Cell{Text{}, a.by_variable});
      row.push_back(Cell{Text{}, a.by_level});
    }
    t.rows.push_back(std::move(row));
  }
  t.notes.push_back(Text{"左は入力の重み（重みがなければ有効回答数を分母とする単純集計）、右は母集団の表に合わせて重み付けした推定です。",
                         "Left: the input design (unweighted count / valid responses if there is no weight); right: weighted to the population tables."});
  if (any_hidden) t.notes.push_back(Text{"* どちらかで秘匿したセルは両方とも表示していません。", "* a cell suppressed on either side is suppressed on both."});
  return t;
}

namespace {

// The 分子と分母 fact and the notes of an estimate with a household roster (PrevalenceResult::numerator).
Text numerator_fact(const roster::NumeratorSummary& s) {
  const std::string& lb = s.label;
  const std::string dflt_ja = s.by_default ? "（家族票のあるコードブックの既定。市区町村の報告書の方式。--numerator で変更）" : "";
  const std::string dflt_en = s.by_default ? " (the default for a codebook with a household roster, as municipal reports count; change with --numerator)" : "";
  if (s.mode == "respondents+members")
    return Text{fmt::format("分子 = 広義のひきこもり群の回答者 {}人 ＋ {} {}人、分母 = 有効回答数（回答者）{}", s.respondent_cases, lb, s.member_cases, dflt_ja),
                fmt::format("numerator = {} broad-hikikomori respondents + {} household members ({}); denominator = valid respondents{}",
                            s.respondent_cases, s.member_cases, lb, dflt_en)};
  if (s.mode == "persons")
    return Text{fmt::format("分子 = 広義のひきこもり群の回答者 {}人 ＋ {} {}人、分母 = 回答者 ＋ 回答者が答えた家族（人）{}", s.respondent_cases, lb, s.member_cases, dflt_ja),
                fmt::format("numerator = {} broad-hikikomori respondents + {} household members ({}); denominator = respondents + the members they reported{}",
                            s.respondent_cases, s.member_cases, lb, dflt_en)};
  if (!s.fallback.empty() && !s.fallback_variable.empty())
    return Text{fmt::format("分子・分母とも回答者のみ（{} {}人は数えていません）。家族票のあるコードブックの既定は回答者＋家族内の該当者ですが、"
                            "{} の変数「{}」は家族には尋ねていない（家族票に同じ役割の設問がない）ため回答者のみで推定しました（--numerator respondents と同じ）",
                            lb, s.member_cases, s.fallback, s.fallback_variable),
                fmt::format("respondents only in numerator and denominator ({} household members who are cases not counted): the default for a "
                            "codebook with a household roster counts the members too, but the {} variable \"{}\" is not asked about the members "
                            "(the roster has no question with its role), so this is the respondents' estimate (as --numerator respondents)",
                            s.member_cases, s.fallback, s.fallback_variable)};
  if (!s.fallback.empty())
    return Text{fmt::format("分子・分母とも回答者のみ（{} {}人は数えていません）。家族票のあるコードブックの既定は回答者＋家族内の該当者ですが、"
                            "{} とは組み合わせられないため回答者のみで推定しました（--numerator respondents と同じ）",
                            lb, s.member_cases, s.fallback),
                fmt::format("respondents only in numerator and denominator ({} household members who are cases not counted): the default for a "
                            "codebook with a household roster counts the members too, but not with {}, so this is the respondents' estimate "
                            "(as --numerator respondents)",
                            s.member_cases, s.fallback)};
  return Text{fmt::format("分子・分母とも回答者のみ（{} {}人は数えていません）", lb, s.member_cases),
              fmt::format("respondents only in numerator and denominator ({} household members who are cases not counted)", s.member_cases)};
}

std::vector<Text> numerator_notes(const roster::NumeratorSummary& s, bool weighted, bool replicate) {
  std::vector<Text> out;
  if (s.mode.empty()) return out;
  std::string ja = fmt::format("家族票: 回答者が答えた同居家族 {}人（{}）に、回答者と同じ判定基準を当てはめました。家族は本人の年齢の年齢区分に数えます", s.members, s.label);
  std::string en = fmt::format("Household roster: the rule-set was applied to the {} household members the respondents reported ({}); a member counts in the "
                               "age group of his or her own age",
                               s.members, s.label);
  if (s.members_out_of_age) {
    ja += fmt::format("。調査対象の年齢の外の {}人は数えません", s.members_out_of_age);
    en += fmt::format("; the {} outside the survey's age range are not counted", s.members_out_of_age);
  }
  if (s.members_age_missing) {
    ja += fmt::format("。年齢が無回答の {}人は「全体」にだけ数えます", s.members_age_missing);
    en += fmt::format("; the {} without an age count in \"all\" only", s.members_age_missing);
  }
  out.push_back(Text{ja + "。", en + "."});
  if (!s.own_variables.empty()) {
    std::string vars;
    for (const auto& n : s.own_variables) vars += (vars.empty() ? "" : "、") + n;
    std::string vars_en;
    for (const auto& n : s.own_variables) vars_en += (vars_en.empty() ? "" : ", ") + n;
    out.push_back(Text{fmt::format("属性・条件（--by、--where）の変数 {} は、家族については家族本人の回答（家族票の同じ役割の設問）で判定しました。", vars),
                       fmt::format("The --by / --where variables {} are read, for a member, from the member's own answer (the roster question with "
                                   "the same role).",
                                   vars_en)});
  }
  if (!s.not_asked.empty()) {
    std::string roles;
    for (const auto& n : s.not_asked) roles += (roles.empty() ? "" : ", ") + n;
    out.push_back(Text{fmt::format("家族には尋ねていない設問（{}）は無回答として扱いました。その設問による除外条件は家族には当てはまりません。", roles),
                       fmt::format("Questions not asked about members ({}) are read as unanswered: the exclusion rules on them do not remove a member.", roles)});
  }
  if (s.mode == "respondents") return out;
  Text rate = s.mode == "persons"
                  ? Text{"出現率は（該当する回答者＋家族）÷（回答者＋家族）の比です。", "The rate is the ratio (respondent and member cases) / (respondents and members). "}
                  : Text{"出現率は回答者1人あたりの該当者数（本人＋家族）の平均で、分母は回答者です。",
                         "The rate is the mean number of cases (the respondent and the members) per respondent; the denominator is respondents. "};
  if (weighted) {
    rate.ja += "家族には回答した人の重みを付けています。";
    rate.en += "Members carry the weight of the respondent who reported them. ";
  }
  rate.ja += fmt::format("0/1 の率ではないため Wilson などの区間は使わず、{}による Wald 型の区間です。年齢区分間の差は計算していません。",
                         replicate ? "反復重み法の標準誤差" : "線形化標準誤差");
  rate.en += fmt::format("It is not a 0/1 rate, so the interval is Wald with the {} SE (no Wilson). No differences between age groups.",
                         replicate ? "replicate" : "linearised");
  out.push_back(std::move(rate));
  return out;
}

} // namespace

Text population_text(const estimate::Population& population) {
  Text out;
  if (population.total) {
    out.ja = format_whole(*population.total) + "人";
    out.en = format_whole(*population.total) + " people";
  } else {
    for (const auto& [g, p] : population.by_group) {
      out.ja += (out.ja.empty() ? "" : "、") + group_label(g.id(), false) + " " + format_whole(p) + "人";
      out.en += (out.en.empty() ? "" : ", ") + g.id() + ": " + format_whole(p);
    }
  }
  return out;
}

Document prevalence_document(const PrevalenceResult& r, const data::Dataset& ds, const classify::Classification& cls, const DisplayOptions& o) {
  Document d;
  d.title = Text{"広義のひきこもり群の出現率と推計人数", "Prevalence of hikikomori (broad definition) and estimated number of people"};
  auto fact = [&](Text k, Text v) { d.facts.emplace_back(std::move(k), std::move(v)); };
  const auto& rs = cls.ruleset;
  fact(Text{"入力ファイル", "input"},
       Text{fmt::format("{}（{}{}、有効回答 {} 件）", ds.source, ds.encoding, ds.had_bom ? " BOM付き" : "", with_thousands(static_cast<long long>(r.n))),
            fmt::format("{} ({}{}, {} valid responses)", ds.source, ds.encoding, ds.had_bom ? " with BOM" : "", r.n)});
  fact(Text{"コードブック", "codebook"}, Text{ds.codebook.path + (ds.codebook.title.empty() ? "" : "（" + ds.codebook.title + "）"),
                                              ds.codebook.path + (ds.codebook.title.empty() ? "" : " (" + ds.codebook.title + ")")});
  fact(Text{"判定基準", "rule-set"},
       Text{fmt::format("{}（{}、確からしさ {}）", rs.display_id(), rs.title_ja, rs.confidence.empty() ? "—" : rs.confidence),
            fmt::format("{} ({}, confidence {})", rs.display_id(), rs.title_en, rs.confidence.empty() ? "-" : rs.confidence)});
  if (r.design_based) {
    fact(Text{"推定方法", "estimator"}, estimate::describe_variance(r.replicate ? &r.replicates_label : nullptr));
    if (!r.design.ja.empty()) fact(Text{"標本設計", "design"}, r.design);
    if (r.calibrated) fact(Text{"重み付け", "weighting"}, estimate::describe_calibration(r.weighting));
  } else
    fact(Text{"推定方法", "estimator"},
         Text{"重みなし（有効回答数を分母とする単純集計。内閣府・市区町村の方式）", "unweighted (count / valid responses, as the Cabinet Office and municipalities do)"});
  if (!r.where.empty())
    fact(Text{"対象", "subpopulation"},
         Text{fmt::format("{} に当てはまる回答者（--where。標本設計は全体のまま: R の subset() と同じ）", r.where),
              fmt::format("respondents with {} (--where; the design is kept, as R's subset())", r.where)});
  fact(Text{"信頼区間", "confidence interval"},
       Text{fmt::format("{} {}", estimate::ci_method_label(r.method).ja, level_pct(r.level)), fmt::format("{} {}", estimate::ci_method_label(r.method).en, level_pct(r.level))});
  if (!r.numerator.mode.empty()) fact(Text{"分子と分母", "numerator / denominator"}, numerator_fact(r.numerator));
  if (r.population.total || !r.population.by_group.empty()) {
    const Text pop = population_text(r.population);
    std::string ja = pop.ja, en = pop.en;
    if (!r.population.label.empty()) {
      ja += "（" + r.population.label + "）";
      en += " (" + r.population.label + ")";
    }
    if (!r.population.source.empty()) {
      ja += " 出典: " + r.population.source;
      en += " from " + r.population.source;
    }
    fact(Text{"人口", "population"}, Text{ja, en});
    fact(Text{"推計人数の計算", "persons estimate"},
         r.rate_rounding ? Text{fmt::format("出現率(%)を小数第{}位に四捨五入してから人口に掛ける", *r.rate_rounding),
                                fmt::format("rate rounded half-up to {} decimals of a percent, then × population", *r.rate_rounding)}
                         : Text{"丸めない出現率 × 人口（四捨五入は表示のときだけ）", "unrounded rate × population (rounded only for display)"});
  } else if (!r.where.empty()) {
    fact(Text{"人口", "population"}, Text{"使いません（--where の対象の人口は分からないため、推計人数は計算していません）",
                                          "not used (the population of the --where subpopulation is not known: no persons estimate)"});
  } else {
    fact(Text{"人口", "population"}, Text{"指定なし（推計人数は計算していません。--population で指定）", "not given (no persons estimate; use --population)"});
  }
  fact(Text{"秘匿", "suppression"},
       o.min_cell > 0 ? Text{fmt::format("該当数1～{}人のセルを秘匿（最小セル {}。補完秘匿は情報損失最小: least-cost）", o.min_cell - 1, o.min_cell),
                                        fmt::format("cells with 1-{} cases suppressed (minimum cell {}; complements of least information loss: least-cost)",
                                                    o.min_cell - 1, o.min_cell)}
                      : Text{"なし (--min-cell 0)", "off (--min-cell 0)"});
  fact(Text{"hkstat", "hkstat"}, same(o.version));

  d.tables.push_back(prevalence_table(r, cls, o));
  if (!r.differences.empty()) d.tables.push_back(differences_table(r, o));

  d.notes.push_back(Text{"分母は有効回答数です。外出頻度が無回答の人も分母に含め、該当者には数えていません" +
                             (r.outing_missing ? fmt::format("（{}人）。", r.outing_missing) : std::string("。")),
                         "The denominator is all valid responses; people who did not answer the outing question stay in it and are never cases" +
                             (r.outing_missing ? fmt::format(" ({}).", r.outing_missing) : std::string("."))});
  if (!ds.codebook.forms.empty()) d.notes.push_back(codebook::forms_note(ds.codebook, r.outside_forms));
  if (r.age_missing)
    d.notes.push_back(Text{fmt::format("年齢が無回答の {}人は「全体」にだけ含めています。", r.age_missing),
                           fmt::format("{} respondents without an age are counted in \"all\" only.", r.age_missing)});
  if (ds.fullwidth_normalised)
    d.notes.push_back(Text{fmt::format("全角数字のセル {}件を半角に直して読みました。", ds.fullwidth_normalised),
                           fmt::format("{} cells with full-width digits were normalised.", ds.fullwidth_normalised)});
  if (o.rejected_rows)
    d.notes.push_back(Text{fmt::format("不正な値のある {}行を集計から除き、{} に書き出しました。", o.rejected_rows, o.rejects_file),
                           fmt::format("{} rows with invalid values were left out and written to {}.", o.rejected_rows, o.rejects_file)});
  for (const auto& c : r.cells)
    if (c.persons_ci_method == "wald-sum-over-groups") {
      d.notes.push_back(Text{"全体の推計人数は年齢区分ごとの推計人数の和で、その区間は正規近似（分散は区分ごとの和）です。",
                             "The overall persons estimate is the sum over age groups; its interval is a normal approximation with the summed variance."});
      break;
    }
  for (auto& n : numerator_notes(r.numerator, r.weighted, r.replicate)) d.notes.push_back(std::move(n));
  for (auto& n : data::method_notes(ds)) d.notes.push_back(std::move(n));
  for (auto& n : classify::skipped_rule_notes(rs, ds.codebook)) d.notes.push_back(std::move(n));
  for (const auto& n : o.method_notes) d.notes.push_back(n);
  d.notes.push_back(Text{"推計人数の信頼区間は出現率の信頼区間 × 人口です（標本誤差のみ。無回答による偏りは含みません）。",
                         "The interval of the persons estimate is the rate interval × population (sampling error only; not nonresponse bias)."});
  return d;
}

Table audit_table(const classify::Classification& cls) {
  Table t;
  t.id = "audit";
  t.title = Text{"判定の内訳（除外条件の監査表）", "Classification audit"};
  t.columns = {Column{"step", Text{"段階", "step"}, Align::Left, true, true}, Column{"rule", Text{"規則", "rule"}, Align::Left, true, true},
               Column{"label", Text{"内容", "description"}, Align::Left, true, true},
               Column{"confidence", Text{"確からしさ", "confidence"}, Align::Left, true, true},
               Column{"decided", Text{"判定人数", "decided"}, Align::Right, true, true},
               Column{"fired", Text{"条件に該当", "condition held"}, Align::Right, true, true}};
  using classify::Reason;
  auto reason_row = [&](Reason r) {
    const std::string n = std::to_string(cls.count(r));
    t.rows.push_back({Cell{same(r == Reason::CoreNarrow || r == Reason::CoreSemi ? "class" : "core"), r == Reason::CoreNarrow || r == Reason::CoreSemi ? "class" : "core"},
                      Cell{same(classify::reason_id(r)), classify::reason_id(r)},
                      Cell{Text{classify::reason_label(r, false), classify::reason_label(r, true)}, classify::reason_label(r, true)}, Cell{Text{}, ""},
                      Cell{same(n), n}, Cell{Text{}, ""}});
  };
  reason_row(Reason::OutingMissing);
  reason_row(Reason::OutingNotCore);
  reason_row(Reason::DurationMissing);
  reason_row(Reason::DurationShort);
  for (std::size_t i = 0; i < cls.ruleset.rules.size(); ++i) {
    const auto& rule = cls.ruleset.rules[i];
    const std::string dec = std::to_string(cls.audit[i].decided), fired = std::to_string(cls.audit[i].fired);
    t.rows.push_back({Cell{same("exclude"), "exclude"}, Cell{same(rule.id), rule.id}, Cell{Text{rule.label_ja, rule.label_en}, rule.label_en},
                      Cell{same(rule.confidence), rule.confidence}, Cell{same(dec), dec}, Cell{same(fired), fired}});
  }
  reason_row(Reason::CoreNarrow);
  reason_row(Reason::CoreSemi);
  t.notes.push_back(Text{"「判定人数」は最初に該当した規則で数えた人数、「条件に該当」はその規則の条件を満たした人数（重複あり）です。",
                         "'decided' counts each respondent once, under the first rule that held; 'condition held' counts every rule that held."});
  return t;
}

Table respondent_table(const data::Dataset& ds, const classify::Classification& cls) {
  Table t;
  t.id = "respondents";
  t.title = Text{"回答者ごとの判定", "Classification per respondent"};
  t.columns = {Column{"id", Text{"回答者ID", "id"}, Align::Left, true, true}, Column{"line", Text{"行", "line"}, Align::Right, true, true},
               Column{"class", Text{"判定", "class"}, Align::Left, true, true}, Column{"rule", Text{"決め手", "deciding rule"}, Align::Left, true, true}};
  const data::Column* idc = ds.column(codebook::Role::Id);
  for (std::size_t r = 0; r < ds.rows(); ++r) {
    const auto& d = cls.rows[r];
    const std::string id = idc ? idc->ids[r] : std::to_string(ds.lines[r]);
    const std::string rule = d.reason == classify::Reason::Excluded ? cls.ruleset.rules[static_cast<std::size_t>(d.rule)].id : classify::reason_id(d.reason);
    t.rows.push_back({Cell{same(id), id}, Cell{same(std::to_string(ds.lines[r])), std::to_string(ds.lines[r])},
                      Cell{Text{classify::class_label(d.cls, false), classify::class_label(d.cls, true)}, classify::class_id(d.cls)},
                      Cell{same(rule), rule}});
  }
  return t;
}

Document classification_document(const data::Dataset& ds, const classify::Classification& cls, const DisplayOptions& o) {
  Document d;
  d.title = Text{"判定結果（広義のひきこもり群）", "Classification (broad hikikomori)"};
  const auto& rs = cls.ruleset;
  d.facts.emplace_back(Text{"入力ファイル", "input"}, Text{fmt::format("{}（{}、有効回答 {} 件）", ds.source, ds.encoding, cls.classified()),
                                                           fmt::format("{} ({}, {} valid responses)", ds.source, ds.encoding, cls.classified())});
  d.facts.emplace_back(Text{"判定基準", "rule-set"}, Text{fmt::format("{}（{}）", rs.display_id(), rs.title_ja), fmt::format("{} ({})", rs.display_id(), rs.title_en)});
  d.facts.emplace_back(Text{"hkstat", "hkstat"}, same(o.version));
  using classify::Class;
  auto count_row = [&](Class c) {
    const std::string n = std::to_string(cls.count(c));
    return std::vector<Cell>{Cell{Text{classify::class_label(c, false), classify::class_label(c, true)}, classify::class_id(c)}, Cell{same(n), n}};
  };
  Table summary;
  summary.id = "classes";
  summary.title = Text{"判定ごとの人数", "Respondents by class"};
  summary.columns = {Column{"class", Text{"判定", "class"}, Align::Left, true, true}, Column{"count", Text{"人数", "count"}, Align::Right, true, true}};
  for (Class c : {Class::Narrow, Class::Semi, Class::Excluded, Class::NotCase}) summary.rows.push_back(count_row(c));
  d.tables.push_back(std::move(summary));
  d.tables.push_back(audit_table(cls));
  for (auto& n : classify::skipped_rule_notes(cls.ruleset, ds.codebook)) d.notes.push_back(std::move(n));
  return d;
}

} // namespace hkstat::report
