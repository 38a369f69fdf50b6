#include "hkstat/report/statistic_report.hpp"

#include "hkstat/table/number_format.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <map>

namespace hkstat::report {

using estimate::StatKind;
using table::Align;
using table::Cell;
using table::Column;

namespace {

Text same(const std::string& s) { return Text{s, s}; }

std::string level_pct(double level) {
  return table::format_fixed(level * 100.0, level * 100.0 == std::floor(level * 100.0) ? 0 : 1) + "%";
}

Text meaning_text(const std::string& meaning) {
  if (meaning == "rate_x_population") return Text{"率 × 人口", "rate × population"};
  if (meaning == "weighted_total") return Text{"重みの合計", "weighted total"};
  if (meaning == "mean") return Text{"平均", "mean"};
  if (meaning == "ratio") return Text{"比", "ratio"};
  return Text{"合計", "total"};
}

std::vector<bool> hidden_rows(const estimate::StatisticResult& r, int min_cell) {
  std::vector<bool> hide(r.rows.size(), false);
  if (min_cell <= 0) return hide;
  for (std::size_t i = 0; i < r.rows.size(); ++i) hide[i] = r.rows[i].cases >= 1 && r.rows[i].cases < static_cast<std::size_t>(min_cell);
  // Categories of one domain (same by and group, category != all) add up to its Σ w.
  std::map<std::pair<std::string, std::string>, std::vector<std::size_t>> sets;
  for (std::size_t i = 0; i < r.rows.size(); ++i)
    if (r.rows[i].category != "all") sets[{r.rows[i].by, r.rows[i].group}].push_back(i);
  for (const auto& [key, idx] : sets) {
    std::size_t hidden = 0;
    for (std::size_t i : idx) hidden += hide[i];
    if (hidden != 1) continue;
    std::size_t best = r.rows.size();
    for (std::size_t i : idx)
      if (!hide[i] && r.rows[i].cases > 0 && (best == r.rows.size() || r.rows[i].cases < r.rows[best].cases)) best = i;
    if (best == r.rows.size())
      for (std::size_t i : idx)
        if (!hide[i]) {
          best = i;
          break;
        }
    if (best < r.rows.size()) hide[best] = true;
  }
  return hide;
}

} // namespace

table::Table statistic_table(const estimate::StatisticResult& r, int min_cell) {
  table::Table t;
  t.id = "statistic";
  const bool money = r.kind == StatKind::Total; // totals: whole numbers
  const std::string lv = level_pct(r.level);
  t.title = r.kind == StatKind::Total   ? Text{fmt::format("{}の合計（推計数）", r.variable_label.ja), fmt::format("total of {}", r.variable_label.en)}
            : r.kind == StatKind::Mean  ? Text{fmt::format("{}の平均", r.variable_label.ja), fmt::format("mean of {}", r.variable_label.en)}
                                        : Text{fmt::format("{} / {} の比", r.variable_label.ja, r.denominator_label.ja),
                                               fmt::format("ratio {} / {}", r.variable_label.en, r.denominator_label.en)};
  const auto col = [&](const char* id, Text header, Align a, bool human, bool machine) {
    Column c;
    c.id = id;
    c.header = std::move(header);
    c.align = a;
    c.human = human;
    c.machine = machine;
    t.columns.push_back(std::move(c));
  };
  col("statistic", Text{"統計量", "statistic"}, Align::Left, false, true);
  col("variable", Text{"変数", "variable"}, Align::Left, false, true);
  col("by", Text{"区分の変数", "by"}, Align::Left, false, true);
  col("group", Text{"区分", "group"}, Align::Left, false, true);
  col("group_label", Text{"区分", "group"}, Align::Left, true, false);
  col("category", Text{"回答", "answer"}, Align::Left, false, true);
  bool categories = false;
  for (const auto& row : r.rows) categories = categories || row.category != "all";
  col("category_label", Text{"回答", "answer"}, Align::Left, categories, false);
  col("meaning", Text{"意味", "meaning"}, Align::Left, true, true);
  col("estimate", Text{"推定値", "estimate"}, Align::Right, true, true);
  col("se", Text{"標準誤差", "SE"}, Align::Right, true, true);
  col("ci", Text{lv + "信頼区間", lv + " CI"}, Align::Right, true, false);
  col("ci_lower", Text{"下限", "lower"}, Align::Right, false, true);
  col("ci_upper", Text{"上限", "upper"}, Align::Right, false, true);
  col("df", Text{"自由度", "df"}, Align::Right, false, true);
  col("n", Text{"n", "n"}, Align::Right, true, true);
  col("cases", Text{"該当数", "cases"}, Align::Right, false, true);
  col("sum_weights", Text{"重みの合計", "sum of weights"}, Align::Right, false, true);
  col("rate", Text{"率", "rate"}, Align::Right, false, true);
  col("rate_se", Text{"率の標準誤差", "rate SE"}, Align::Right, false, true);

  const std::vector<bool> hide = hidden_rows(r, min_cell);
  const auto shown = [&](double v) { return money ? table::format_whole(v) : table::format_fixed(v, 4); };
  const auto raw = [](double v) { return std::isfinite(v) ? table::format_raw(v) : std::string(); };
  bool any_hidden = false, any_empty = false;
  for (std::size_t i = 0; i < r.rows.size(); ++i) {
    const auto& row = r.rows[i];
    std::vector<Cell> cells;
    const auto add = [&](Text display, std::string machine) { cells.push_back(Cell{std::move(display), std::move(machine)}); };
    add(same(estimate::stat_kind_name(r.kind)), estimate::stat_kind_name(r.kind));
    add(same(r.variable), r.variable);
    add(same(row.by), row.by);
    add(same(row.group), row.group);
    add(row.by == "all" ? Text{"全体", "all"} : same(fmt::format("{}: {}", row.by, row.group_label.empty() ? row.group : row.group_label)), "");
    add(same(row.category), row.category);
    add(row.category == "all" ? Text{"", ""} : same(row.category_label.empty() ? row.category : row.category_label), "");
    add(meaning_text(row.meaning), row.meaning);
    const bool h = hide[i];
    const bool empty = !std::isfinite(row.est.value);
    any_hidden = any_hidden || h;
    any_empty = any_empty || (empty && !h);
    const auto num = [&](double v) {
      if (h) add(same("*"), "");
      else add(same(std::isfinite(v) ? shown(v) : "—"), raw(v));
    };
    num(row.est.value);
    num(row.est.se);
    const double lower = row.est.interval ? row.est.interval->lower : std::numeric_limits<double>::quiet_NaN();
    const double upper = row.est.interval ? row.est.interval->upper : std::numeric_limits<double>::quiet_NaN();
    if (h || !std::isfinite(lower)) add(same(h ? "*" : "—"), "");
    else add(same(fmt::format("{} ～ {}", shown(lower), shown(upper))), "");
    add(Text{}, h ? "" : raw(lower));
    add(Text{}, h ? "" : raw(upper));
    add(Text{}, raw(row.est.df));
    add(same(table::with_thousands(static_cast<long long>(row.est.n))), fmt::format("{}", row.est.n));
    add(Text{}, h ? "" : fmt::format("{}", row.cases));
    add(Text{}, h ? "" : raw(row.est.sum_weights));
    add(Text{}, h ? "" : raw(row.rate));
    add(Text{}, h ? "" : raw(row.rate_se));
    t.rows.push_back(std::move(cells));
  }
  if (any_hidden)
    t.notes.push_back(Text{fmt::format("* 該当数が1～{}人の行（および、同じ区分の回答の合計から逆算できないよう追加で秘匿した行）は表示していません。", min_cell - 1),
                           fmt::format("* rows with 1-{} cases (and a further row of the same group, so that the hidden one cannot be "
                                       "recovered from the group's total) are not shown.",
                                       min_cell - 1)});
  if (any_empty) t.notes.push_back(Text{"— 該当する回答者がいない区分です。", "— no respondents in the group."});
  return t;
}

table::Document statistic_document(const estimate::StatisticResult& r, int min_cell, std::size_t rejected_rows) {
  table::Document d;
  d.title = r.kind == StatKind::Total ? Text{"合計と推計人数", "Totals and estimated persons"}
            : r.kind == StatKind::Mean ? Text{"平均", "Means"}
                                       : Text{"比", "Ratios"};
  d.facts.push_back({Text{"標本設計", "Design"}, r.design});
  d.facts.push_back({Text{"推定方法", "Estimator"}, r.variance});
  d.facts.push_back({Text{"有効回答", "Valid responses"}, same(table::with_thousands(static_cast<long long>(r.n)))});
  if (!r.where.empty()) d.facts.push_back({Text{"対象（--where）", "Subpopulation (--where)"}, same(r.where)});
  d.tables.push_back(statistic_table(r, min_cell));
  const std::string lv = level_pct(r.level);
  bool rate_x_pop = false, weighted_total = false;
  for (const auto& row : r.rows) {
    rate_x_pop = rate_x_pop || row.meaning == "rate_x_population";
    weighted_total = weighted_total || row.meaning == "weighted_total";
  }
  if (rate_x_pop)
    d.notes.push_back(Text{fmt::format("「率 × 人口」の行は推計人数 = 全体の出現率 × 人口 {}（{}）で、標準誤差 = 人口 × 出現率の標準誤差です"
                                       "（人口は誤差のない既知の値として扱います）。",
                                       table::format_whole(*r.population), r.population_label),
                           fmt::format("the \"rate × population\" row is persons = the whole sample's rate × the population {} ({}), with "
                                       "SE = population × SE of the rate (the population is taken as known without error).",
                                       table::format_whole(*r.population), r.population_label)});
  if (weighted_total)
    d.notes.push_back(r.weighted ? Text{"「重みの合計」の行は該当者の重みの合計（Horvitz–Thompson 推定、R の svytotal）で、重みが母集団の人数に合計される"
                                        "ときに推計人数になります。標準誤差は重みの合計自体のばらつきを含みます。",
                                        "the \"weighted total\" rows are the weights summed over the cases (Horvitz-Thompson, R svytotal): estimated "
                                        "persons when the weights sum to the population; their SE includes the variability of the weights' total."}
                                 : Text{"重みがないため「重みの合計」は標本内の該当人数で、母集団の推計人数ではありません（人口を --population で与えると率 × 人口）。",
                                        "without weights the \"weighted total\" is the count in the sample, not an estimate of persons (give the population "
                                        "with --population for rate × population)."});
  d.notes.push_back(Text{fmt::format("{}信頼区間は 推定値 ± t(自由度) × 標準誤差（R の confint(…, df = degf(design))）です。自由度は区分ごとの"
                                     "（PSU 数 − 層数）です。無回答の人は、その変数の区分から除いています（R の na.rm = TRUE）。",
                                     lv),
                         fmt::format("{} intervals are estimate ± t(df) × SE (R confint(..., df = degf(design))), df per group (PSUs − strata). "
                                     "Respondents with a missing answer are outside the variable's groups (R na.rm = TRUE).",
                                     lv)});
  if (!r.forms_note.ja.empty()) d.notes.push_back(r.forms_note);
  if (rejected_rows > 0)
    d.notes.push_back(Text{fmt::format("不正な値のある {}行を集計から除きました。", rejected_rows), fmt::format("{} rows with invalid values were left out.", rejected_rows)});
  return d;
}

} // namespace hkstat::report
