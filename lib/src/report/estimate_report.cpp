#include "hkstat/report/estimate_report.hpp"

#include "hkstat/estimate/design_from_data.hpp"
#include "hkstat/report/number_format.hpp"

#include <fmt/format.h>

#include <cmath>
#include <map>

namespace hkstat::report {

using estimate::Measure;
using estimate::PrevalenceCell;
using estimate::PrevalenceResult;

namespace {

Text same(const std::string& s) { return Text{s, s}; }

std::string group_label(const std::string& g, bool en) {
  if (g == "all") return en ? "all" : "全体";
  auto dash = g.find('-');
  return en ? g : g.substr(0, dash) + "～" + g.substr(dash + 1) + "歳";
}

std::string level_pct(double level) { return format_fixed(level * 100.0, level * 100.0 == std::floor(level * 100.0) ? 0 : 1) + "%"; }

// Cells to suppress: primary (1 <= cases < min_cell) then secondary so that no suppressed count can be
// recovered from a published total: within each additive set (broad = narrow + semi; all = Σ age groups;
// with --by: a whole-sample cell = Σ levels, a level = Σ its age groups), if exactly one cell of the set
// (a member, or the total) is hidden, hide the smallest shown nonzero member (a zero member only if there is
// no other; else the total), until no set has one.
std::vector<bool> suppression(const PrevalenceResult& r, int min_cell) {
  const std::size_t n = r.cells.size();
  std::vector<bool> hide(n, false);
  if (min_cell <= 0) return hide;
  for (std::size_t i = 0; i < n; ++i)
    hide[i] = r.cells[i].cases >= 1 && r.cells[i].cases < static_cast<std::size_t>(min_cell);
  // A cell: its group, measure and (for --by cells) variable and level; "" = the whole sample.
  auto find = [&](const std::string& g, Measure m, const std::string& var = "", const std::string& level = "") -> int {
    for (std::size_t i = 0; i < n; ++i)
      if (r.cells[i].group == g && r.cells[i].measure == m && r.cells[i].by_variable == var && r.cells[i].by_level == level)
        return static_cast<int>(i);
    return -1;
  };
  std::vector<std::string> groups;
  std::vector<std::pair<std::string, std::string>> levels; // (variable, level) of --by cells
  for (const auto& c : r.cells) {
    if (c.by_variable.empty() && c.group != "all" && (groups.empty() || groups.back() != c.group)) groups.push_back(c.group);
    if (!c.by_variable.empty() && (levels.empty() || levels.back() != std::make_pair(c.by_variable, c.by_level)))
      levels.emplace_back(c.by_variable, c.by_level);
  }
  std::vector<std::pair<int, std::vector<int>>> sets;
  for (const auto& g : std::vector<std::string>{"all"}) sets.push_back({find(g, Measure::Broad), {find(g, Measure::Narrow), find(g, Measure::Semi)}});
  for (const auto& g : groups) sets.push_back({find(g, Measure::Broad), {find(g, Measure::Narrow), find(g, Measure::Semi)}});
  // The age groups add up to "all" only when every respondent has an age group.
  const bool groups_partition = !groups.empty() && r.age_missing == 0 && [&] {
    std::size_t sum = 0;
    for (const auto& g : groups) sum += r.cells[static_cast<std::size_t>(find(g, Measure::Broad))].n;
    return sum == r.n;
  }();
  if (!groups.empty()) {
    // Even when the groups do not cover everyone, hiding one group's count is undone by "all" minus the
    // others only if they do; be conservative and treat them as a partition in both cases.
    (void)groups_partition;
    for (Measure m : {Measure::Broad, Measure::Narrow, Measure::Semi}) {
      std::vector<int> members;
      for (const auto& g : groups) members.push_back(find(g, m));
      sets.push_back({find("all", m), members});
    }
  }
  // --by cells, treated as partitions in the same conservative way: broad = narrow + semi in every cell; the
  // levels of a variable add up to the whole-sample cell of each group; a level's age groups add up to the level.
  std::vector<std::string> all_groups{"all"};
  all_groups.insert(all_groups.end(), groups.begin(), groups.end());
  for (const auto& [var, level] : levels)
    for (const auto& g : all_groups) sets.push_back({find(g, Measure::Broad, var, level), {find(g, Measure::Narrow, var, level), find(g, Measure::Semi, var, level)}});
  for (Measure m : {Measure::Broad, Measure::Narrow, Measure::Semi}) {
    for (const auto& g : all_groups) {
      std::map<std::string, std::vector<int>> by_var;
      for (const auto& [var, level] : levels) by_var[var].push_back(find(g, m, var, level));
      for (const auto& [var, members] : by_var) sets.push_back({find(g, m), members});
    }
    if (!groups.empty())
      for (const auto& [var, level] : levels) {
        std::vector<int> members;
        for (const auto& g : groups) members.push_back(find(g, m, var, level));
        sets.push_back({find("all", m, var, level), members});
      }
  }
  // The complementary cell: the smallest nonzero count; a zero only when there is no other choice (an empty
  // cell protects nothing when a total shows that it is empty, counts being >= 0).
  const auto better_complement = [&](int a, int b) {
    const std::size_t ca = r.cells[static_cast<std::size_t>(a)].cases, cb = r.cells[static_cast<std::size_t>(b)].cases;
    if ((ca == 0) != (cb == 0)) return cb == 0;
    return ca < cb;
  };
  for (bool changed = true; changed;) {
    changed = false;
    for (const auto& [total, members] : sets) {
      if (total < 0) continue;
      int hidden = 0;
      int smallest = -1;
      for (int i : members) {
        if (i < 0) continue;
        if (hide[static_cast<std::size_t>(i)]) {
          ++hidden;
        } else if (smallest < 0 || better_complement(i, smallest)) {
          smallest = i;
        }
      }
      // total = Σ members: a set with exactly one hidden cell (a member, or the total itself when it was
      // hidden through another set) would give it away; hide the smallest shown member (or the total).
      const bool total_hidden = hide[static_cast<std::size_t>(total)];
      if (hidden + (total_hidden ? 1 : 0) == 1) {
        if (smallest >= 0) {
          hide[static_cast<std::size_t>(smallest)] = true;
          changed = true;
        } else if (!total_hidden) {
          hide[static_cast<std::size_t>(total)] = true;
          changed = true;
        }
      }
    }
  }
  return hide;
}

// An interval "a～b" in Japanese, "a–b" in English.
Text range(const std::string& a, const std::string& b) { return Text{a + "～" + b, a + "–" + b}; }

std::string persons_text(double v, PersonsUnit unit) { return unit == PersonsUnit::Man ? format_man(v, 1) : format_persons(v); }

} // namespace

Table prevalence_table(const PrevalenceResult& r, const classify::Classification& cls, const DisplayOptions& o) {
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
  col("n", Text{"有効回答数", "valid n"}, Align::Right, true, true);
  col("cases", Text{"該当数", "cases"}, Align::Right, true, true);
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

  const auto hide = suppression(r, o.min_cell);
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
    if (any_by) add(c.by_variable.empty() ? Text{} : same(c.by_variable + ": " + c.by_label), "");
    add(same(with_thousands(static_cast<long long>(c.n))), std::to_string(c.n));
    const bool empty = c.n == 0;
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
      if (!c.ci.note.empty()) any_boundary = true;
      add(same(with_thousands(static_cast<long long>(c.cases))), std::to_string(c.cases));
      add(same(format_percent(c.rate, o.rate_decimals)), format_raw(c.rate));
      add(Text{}, format_raw(c.rate_used));
      add(Text{}, format_raw(c.se));
      add(range(format_percent(c.ci.lower, o.rate_decimals), format_percent(c.ci.upper, o.rate_decimals) + (c.ci.note.empty() ? "" : "†")), "");
      add(Text{}, format_raw(c.ci.lower));
      add(Text{}, format_raw(c.ci.upper));
      const std::string method = c.ci.note.empty() ? estimate::ci_method_name(r.method) : std::string("clopper-pearson");
      add(same(method), method);
      add(same(format_raw(r.level)), format_raw(r.level));
      add(Text{}, format_raw(c.df));
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
    add(Text{}, diag && std::isfinite(c.deff) ? format_raw(c.deff) : "");
    add(Text{}, diag && c.se > 0 && c.rate > 0 && c.rate < 1 ? format_raw(c.rate * (1 - c.rate) / (c.se * c.se)) : "");
    add(Text{}, diag && c.rate > 0 ? format_raw(c.se / c.rate) : "");
    if (any_by) {
      add(Text{}, c.by_variable);
      add(Text{}, c.by_level);
    }
    if (r.design_based) add(Text{}, diag && std::isfinite(c.deff_wor) ? format_raw(c.deff_wor) : "");
    t.rows.push_back(std::move(row));
  }
  if (any_hidden)
    t.notes.push_back(Text{fmt::format("* 該当数が1～{}人のセル（および、合計から逆算できないよう追加で秘匿したセル）は表示していません。", o.min_cell - 1),
                           fmt::format("* cells with 1-{} cases (and cells hidden so that they cannot be recovered from totals) are suppressed.", o.min_cell - 1)});
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
  const auto hide = suppression(r, o.min_cell);
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
      row.push_back(Cell{same(d.by_variable), d.by_variable});
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
  const auto hb = suppression(before, o.min_cell), ha = suppression(after, o.min_cell);
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
    if (any_by) row.push_back(Cell{a.by_variable.empty() ? Text{} : same(a.by_variable + ": " + a.by_label), ""});
    auto side = [&](const PrevalenceCell& c) {
      if (h) {
        row.insert(row.end(), {Cell{star, ""}, Cell{star, ""}, Cell{star, ""}});
        return;
      }
      if (c.n == 0) {
        row.insert(row.end(), {Cell{same("—"), ""}, Cell{same("—"), ""}, Cell{same("—"), ""}});
        return;
      }
      row.push_back(Cell{same(format_percent(c.rate, o.rate_decimals)), format_raw(c.rate)});
      row.push_back(Cell{range(format_percent(c.ci.lower, o.rate_decimals), format_percent(c.ci.upper, o.rate_decimals)), ""});
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
  if (r.population.total || !r.population.by_group.empty()) {
    std::string ja, en;
    if (r.population.total) {
      ja = format_whole(*r.population.total) + "人";
      en = format_whole(*r.population.total) + " people";
    } else {
      for (const auto& [g, p] : r.population.by_group) {
        ja += (ja.empty() ? "" : "、") + group_label(g.id(), false) + " " + format_whole(p) + "人";
        en += (en.empty() ? "" : ", ") + g.id() + ": " + format_whole(p);
      }
    }
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
       o.min_cell > 0 ? Text{fmt::format("該当数1～{}人のセルを秘匿", o.min_cell - 1), fmt::format("cells with 1-{} cases suppressed", o.min_cell - 1)}
                      : Text{"なし (--min-cell 0)", "off (--min-cell 0)"});
  fact(Text{"hkstat", "hkstat"}, same(o.version));

  d.tables.push_back(prevalence_table(r, cls, o));
  if (!r.differences.empty()) d.tables.push_back(differences_table(r, o));

  d.notes.push_back(Text{"分母は有効回答数です。外出頻度が無回答の人も分母に含め、該当者には数えていません" +
                             (r.outing_missing ? fmt::format("（{}人）。", r.outing_missing) : std::string("。")),
                         "The denominator is all valid responses; people who did not answer the outing question stay in it and are never cases" +
                             (r.outing_missing ? fmt::format(" ({}).", r.outing_missing) : std::string("."))});
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
