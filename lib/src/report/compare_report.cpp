#include "hkstat/report/compare_report.hpp"

#include "hkstat/report/estimate_report.hpp"
#include "hkstat/report/number_format.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

namespace hkstat::report {

using estimate::Change;
using estimate::Measure;
using estimate::Side;
using tabulate::RowKind;

namespace {

Text same(const std::string& s) { return Text{s, s}; }

// A base n as printed: "*" where that survey's own table hides it (a cell of its suppression), else with
// thousands separators; in the CSV, empty where hidden.
std::string base_text(std::size_t base, bool hidden) { return hidden ? std::string("*") : with_thousands(static_cast<long long>(base)); }
std::string base_raw(std::size_t base, bool hidden) { return hidden ? std::string() : std::to_string(base); }

std::string level_pct(double level) { return format_fixed(level * 100.0, level * 100.0 == std::floor(level * 100.0) ? 0 : 1) + "%"; }

std::string group_label(const std::string& g, bool en) {
  if (g == "all") return en ? "all" : "全体";
  const auto dash = g.find('-');
  return en ? g : g.substr(0, dash) + "～" + g.substr(dash + 1) + "歳";
}

// A prevalence cell's --by level as estimate prints it (婚姻状況: 未婚; 婚姻状況×性別: 未婚×男性); empty for the cells of
// all and the age groups. The label is the codebook's in either language (as estimate --by).
template <class T>
Text by_text(const T& c) {
  if (c.by_variable.empty()) return Text{};
  const std::string var = c.by_variable_label.empty() ? c.by_variable : c.by_variable_label;
  return same(var + ": " + c.by_label);
}
template <class T>
bool any_by_level(const std::vector<T>& cells) {
  return std::any_of(cells.begin(), cells.end(), [](const T& c) { return !c.by_variable.empty(); });
}
// The CSV's level column (`sex`): the level's key, "all" for the cells of all / the age groups (as the
// distribution rows' block level).
template <class T>
std::string by_key_or_all(const T& c) { return c.by_variable.empty() ? std::string("all") : c.by_key; }

// A difference of proportions in percentage points with its sign: +1.6, -0.5, 0.0. Rounded half-up on the
// magnitude, so that +x and -x look alike.
std::string points(double d, int decimals) {
  const std::string mag = format_fixed(std::fabs(d) * 100.0, decimals);
  if (std::stod(mag) == 0.0) return mag;
  return (d < 0 ? "-" : "+") + mag;
}

Text points_range(double lo, double hi, int decimals) {
  return Text{points(lo, decimals) + "～" + points(hi, decimals), points(lo, decimals) + " to " + points(hi, decimals)};
}

Text verdict(const estimate::Difference& d) {
  if (!d.excludes_zero) return Text{};
  return d.estimate > 0 ? Text{"増加", "up"} : Text{"減少", "down"};
}

// The measure's Japanese label without the indent it has in tables ("　狭義のひきこもり" → "狭義のひきこもり").
std::string measure_name_ja(Measure m) {
  std::string s = estimate::measure_label(m, false);
  const std::string indent = "\u3000";
  while (s.rfind(indent, 0) == 0) s.erase(0, indent.size());
  return s;
}

// The level of a block over the --by level variables, as a comparison lines blocks up and labels them. One level
// variable (or none): the block's own level (sex / sex_label, headed by the variable's label). Crossed (two or
// three level variables, tabulate's terms: each alone, every pair, the triple): the key is Block::level_key()
// ("1×all", "all" for the block over every level), the label as estimate's crossed --by names a level (婚姻状況×性別:
// 未婚×男性; the variables at "all" are not named; 全体 for the block over every level), headed 属性.
struct BlockLevelOf {
  std::string key;
  Text label;
  Text header;
};

BlockLevelOf block_level(const tabulate::Block& blk) {
  if (blk.levels.size() <= 1) return BlockLevelOf{blk.sex, blk.sex_label, blk.by_variable_label};
  BlockLevelOf out;
  out.header = Text{"属性", "by"};
  Text vars, labels;
  for (const tabulate::BlockLevel& lv : blk.levels) {
    if (lv.level == "all") continue;
    const auto join = [](Text& t, const Text& part) {
      t.ja += (t.ja.empty() ? "" : "×") + part.ja;
      t.en += (t.en.empty() ? "" : "×") + part.en;
    };
    join(vars, lv.variable_label);
    join(labels, lv.level == "unknown" ? Text{"無回答", "no answer"} : lv.label); // not 性別: 性別無回答
  }
  if (vars.ja.empty()) {
    out.key = "all";
    out.label = blk.levels.front().label; // 全体
    return out;
  }
  out.key = blk.level_key();
  out.label = Text{vars.ja + ": " + labels.ja, vars.en + ": " + labels.en};
  return out;
}

struct Cols {
  Table& t;
  void add(const char* id, Text header, Align a, bool human, bool machine) const { t.columns.push_back(Column{id, std::move(header), a, human, machine}); }
};

// The note under a table with "—" cells; `changes`: the table also has changes (none is computed for such a cell).
Text absent_note(bool changes) {
  return changes ? Text{"— その調査の調査票にない回答、または該当者がいない区分です。差は計算していません。",
                        "— the answer is not in that survey's questionnaire, or the group is empty there; no change is computed."}
                 : Text{"— その調査の調査票にない回答、または該当者がいない区分です。", "— the answer is not in that survey's questionnaire, or the group is empty there."};
}

// The note under a trend table with "*" cells (each survey's own suppression); `changes`: the table also has changes.
Text round_hidden_note(int min_cell, bool changes) {
  Text t{fmt::format("* その調査の集計表で秘匿されるセル（人数1～{}人のセルと、合計から逆算できないよう追加で秘匿したセル）。", min_cell - 1),
         fmt::format("* a cell suppressed in that survey's own table (1-{} respondents, or hidden so that it cannot be recovered from totals)", min_cell - 1)};
  if (changes) {
    t.ja += "秘匿されるセルとの差も「*」です。";
    t.en += "; a change involving such a cell is \"*\" too.";
  } else {
    t.en += ".";
  }
  return t;
}

// The method facts of a document, shared by the two-survey and the trend layout: each survey (its file, codebook and
// rule-set), the change's SE and interval, where, version; and the notes about each survey's data.
void survey_facts(Document& d, const CompareSurvey& s, const std::string& lbl, bool weighted) {
  auto fact = [&](Text k, Text v) { d.facts.emplace_back(std::move(k), std::move(v)); };
  const data::Dataset& ds = *s.data;
  const std::size_t rows = s.rows.value_or(ds.rows());
  fact(Text{"調査 " + lbl, "survey " + lbl},
       Text{fmt::format("{}（{}{}、有効回答 {} 件、{}）", ds.source, ds.encoding, ds.had_bom ? " BOM付き" : "", with_thousands(static_cast<long long>(rows)),
                        !weighted ? "重みなし" : ds.codebook.replicates ? "重み付き、標準誤差は反復重み（コードブックの [replicates]）" : "重み付き"),
            fmt::format("{} ({}{}, {} valid responses, {})", ds.source, ds.encoding, ds.had_bom ? " with BOM" : "", rows,
                        !weighted ? "unweighted" : ds.codebook.replicates ? "weighted, replicate-weight SEs (the codebook's [replicates])" : "weighted")});
  fact(Text{"コードブック " + lbl, "codebook " + lbl},
       Text{ds.codebook.path + (ds.codebook.title.empty() ? "" : "（" + ds.codebook.title + "）"),
            ds.codebook.path + (ds.codebook.title.empty() ? "" : " (" + ds.codebook.title + ")")});
  if (s.cls)
    fact(Text{"判定基準 " + lbl, "rule-set " + lbl},
         Text{fmt::format("{}（{}）", s.cls->ruleset.display_id(), s.cls->ruleset.title_ja), fmt::format("{} ({})", s.cls->ruleset.display_id(), s.cls->ruleset.title_en)});
}

// 差の標準誤差 and 差の信頼区間: `two` names the surveys A and B, else the reference and each survey.
void change_facts(Document& d, bool two, double level) {
  const std::string lv = level_pct(level);
  const std::string tail_ja = "各調査の SE は estimate / tabulate と同じ（重みなし: 二項、重み付き: 線形化、コードブックに [replicates] があればその反復重み）";
  const std::string tail_en = "Each survey's SE as in estimate / tabulate (unweighted: binomial; weighted: linearised, or the replicate weights of the codebook's [replicates])";
  d.facts.emplace_back(Text{"差の標準誤差", "SE of change"},
                       two ? Text{"√(SE_A² + SE_B²)。2つの調査は独立な標本（共分散 0）。" + tail_ja, "sqrt(SE_A^2 + SE_B^2); the surveys are independent samples (zero covariance). " + tail_en}
                           : Text{"√(SE_基準² + SE_各回²)。調査は互いに独立な標本（共分散 0）。" + tail_ja,
                                  "sqrt(SE_reference^2 + SE_survey^2); the surveys are independent samples (zero covariance). " + tail_en});
  d.facts.emplace_back(Text{"差の信頼区間", "CI of change"},
                       Text{fmt::format("{}、差 ± t × SE（t の自由度は2つの調査の自由度の小さい方。重みなし同士は正規分布）", lv),
                            fmt::format("{}, change ± t × SE (t with the smaller of the two surveys' df; normal when both are unweighted)", lv)});
}

// 対象 (--where) and the version: the last facts.
void closing_facts(Document& d, const std::string& where, const std::string& version) {
  if (!where.empty())
    d.facts.emplace_back(Text{"対象", "subpopulation"},
                         Text{fmt::format("{} に当てはまる回答者（--where。どの調査も同じ条件、標本設計は全体のまま: R の subset() と同じ）", where),
                              fmt::format("respondents with {} (--where; every survey alike, the design kept, as R's subset())", where)});
  d.facts.emplace_back(Text{"hkstat", "hkstat"}, same(version));
}

// The notes about one survey's data: rejected rows, normalised digits, the data's own method notes.
void survey_notes(Document& d, const CompareSurvey& s, const std::string& lbl) {
  if (s.rejected_rows)
    d.notes.push_back(Text{fmt::format("調査 {}: 不正な値のある {}行を集計から除きました（{}）。", lbl, s.rejected_rows, s.rejects_file),
                           fmt::format("survey {}: {} rows with invalid values were left out ({}).", lbl, s.rejected_rows, s.rejects_file)});
  if (s.data->fullwidth_normalised)
    d.notes.push_back(Text{fmt::format("調査 {}: 全角数字のセル {}件を半角に直して読みました。", lbl, s.data->fullwidth_normalised),
                           fmt::format("survey {}: {} cells with full-width digits were normalised.", lbl, s.data->fullwidth_normalised)});
  for (const auto& n : data::method_notes(*s.data)) d.notes.push_back(Text{fmt::format("調査 {}: {}", lbl, n.ja), fmt::format("survey {}: {}", lbl, n.en)});
}

void notes_common(Table& t, const CompareDisplay& o, double level, bool any_hidden, bool any_absent) {
  const std::string lv = level_pct(level);
  t.notes.push_back(Text{fmt::format("差 = {} − {}（ポイント）。差の標準誤差 = √(SE_{}² + SE_{}²)（2つの調査は独立な標本）。"
                                     "「増加」「減少」は差の{}信頼区間が0を含まないセルです。",
                                     o.label_b, o.label_a, o.label_a, o.label_b, lv),
                         fmt::format("change = {} - {} (percentage points); SE of the change = sqrt(SE_{}^2 + SE_{}^2) (independent samples). "
                                     "'up' / 'down': the {} interval of the change excludes 0.",
                                     o.label_b, o.label_a, o.label_a, o.label_b, lv)});
  if (any_hidden)
    t.notes.push_back(Text{fmt::format("* いずれかの調査の集計表で秘匿されるセル（人数1～{}人のセルと、合計から逆算できないよう追加で秘匿したセル）は、"
                                       "両方の調査の値と差を「*」で示しています。",
                                       o.min_cell - 1),
                           fmt::format("* a cell suppressed in either survey's own table (1-{} respondents, or hidden so that it cannot be recovered "
                                       "from totals) shows \"*\" for both surveys and the change.",
                                       o.min_cell - 1)});
  if (any_absent) t.notes.push_back(absent_note(true));
}

// The side's cells for the human table: count, %.
void add_side(std::vector<Cell>& row, const Side& s, bool hidden, int dec, bool& any_absent) {
  const Text star{"*", "*"};
  const Text dash{"—", "—"};
  if (hidden) {
    row.push_back(Cell{star, ""});
    row.push_back(Cell{star, ""});
  } else if (!s.present) {
    any_absent = true;
    row.push_back(Cell{dash, ""});
    row.push_back(Cell{dash, ""});
  } else {
    row.push_back(Cell{same(with_thousands(static_cast<long long>(s.count))), ""});
    if (s.estimable) {
      row.push_back(Cell{same(format_percent(s.estimate, dec)), ""});
    } else {
      any_absent = true;
      row.push_back(Cell{dash, ""});
    }
  }
}

void add_diff(std::vector<Cell>& row, const Change& c, int dec, bool& any_absent) {
  const Text star{"*", "*"};
  const Text dash{"—", "—"};
  if (c.hidden) {
    for (int k = 0; k < 3; ++k) row.push_back(Cell{star, ""});
    row.push_back(Cell{Text{}, ""});
  } else if (!c.diff) {
    any_absent = true;
    for (int k = 0; k < 3; ++k) row.push_back(Cell{dash, ""});
    row.push_back(Cell{Text{}, ""});
  } else {
    row.push_back(Cell{same(points(c.diff->estimate, dec)), ""});
    row.push_back(Cell{same(format_fixed(c.diff->se * 100.0, dec)), ""});
    row.push_back(Cell{points_range(c.diff->ci.lower, c.diff->ci.upper, dec), ""});
    row.push_back(Cell{verdict(*c.diff), ""});
  }
}

void diff_columns(const Cols& c, double level) {
  const std::string lv = level_pct(level);
  c.add("difference", Text{"差（ポイント）", "change (points)"}, Align::Right, true, false);
  c.add("se_difference", Text{"差の標準誤差", "SE of change"}, Align::Right, true, false);
  c.add("ci", Text{"差の" + lv + "信頼区間", lv + " CI of change"}, Align::Right, true, false);
  c.add("excludes_zero", Text{"判定", "CI excl. 0"}, Align::Left, true, false);
}

} // namespace

std::vector<bool> prevalence_hidden(const estimate::PrevalenceResult& result, const classify::Classification&, int min_cell) {
  const tabulate::Suppression s = prevalence_suppression(result, min_cell);
  return std::vector<bool>(s.hidden.begin(), s.hidden.begin() + static_cast<std::ptrdiff_t>(result.cells.size()));
}

DistributionComparison compare_distributions(const tabulate::Distribution& a, const codebook::Variable& va, const tabulate::Distribution& b,
                                             const codebook::Variable& vb, double level) {
  if (a.multi != b.multi)
    throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{}, a.variable + "=" + b.variable,
                        Text{fmt::format("{} と {} は回答の形式が違います（単数回答と複数回答）", a.variable, b.variable),
                             fmt::format("{} and {} are not the same kind of question (single vs multiple answer)", a.variable, b.variable)},
                        Text{"両方とも単数回答（code）か、両方とも複数回答（multi）の変数", "two single-answer (code) or two multiple-answer (multi) variables"}, ""});
  DistributionComparison out;
  out.variable_a = a.variable;
  out.variable_b = b.variable;
  out.label = vb.label.empty() ? va.label : vb.label;
  out.multi = a.multi;
  out.weighted_a = a.weighted;
  out.weighted_b = b.weighted;
  out.level = level;
  out.min_cell = std::max(a.min_cell, b.min_cell);

  // Match answers by key when every code of both variables has a distinct key.
  auto all_keyed = [](const codebook::Variable& v) {
    std::set<std::string> keys;
    for (const auto& c : v.codes)
      if (c.key.empty() || !keys.insert(c.key).second) return false;
    return !v.codes.empty();
  };
  out.by_key = all_keyed(va) && all_keyed(vb);
  auto key_of = [&](const codebook::Variable& v, const tabulate::DistCell& c) -> std::string {
    if (c.kind == RowKind::NoAnswer) return "no_answer";
    if (out.by_key)
      if (const auto* def = v.find_code(c.code)) return def->key;
    return std::to_string(c.code);
  };
  auto side = [](const tabulate::Distribution& d, const tabulate::DistCell& c) {
    Side s;
    s.present = true;
    s.base = d.blocks[c.block].base;
    s.base_hidden = d.blocks[c.block].base_hidden;
    s.count = c.n;
    s.estimate = c.est.value;
    s.se = c.est.se;
    s.df = c.est.df;
    s.estimable = c.estimable && std::isfinite(c.est.se) && c.est.df > 0;
    // A block whose base n is hidden has its percentages hidden in its own table (a count over a printed
    // percentage would give n back): here the whole side is hidden.
    s.hidden = c.hidden || d.blocks[c.block].base_hidden;
    if (c.est.interval && s.estimable) {
      s.has_ci = true;
      s.ci = *c.est.interval;
    }
    return s;
  };
  using BlockKey = std::tuple<int, std::string, std::string>;
  auto block_key = [](const tabulate::Block& blk) { return BlockKey{static_cast<int>(blk.domain), blk.age_band, block_level(blk).key}; };
  std::map<BlockKey, std::size_t> blocks_b;
  for (std::size_t i = 0; i < b.blocks.size(); ++i) blocks_b.emplace(block_key(b.blocks[i]), i);
  std::set<std::size_t> used_blocks_b;

  auto rows_of = [](const tabulate::Distribution& d, std::size_t block) {
    std::vector<const tabulate::DistCell*> cells;
    for (const auto& c : d.cells)
      if (c.block == block) cells.push_back(&c);
    return cells;
  };
  auto emit_block = [&](const tabulate::Block* blk_a, std::size_t ia, const tabulate::Block* blk_b, std::size_t ib) {
    const tabulate::Block& blk = blk_a ? *blk_a : *blk_b;
    DistributionChangeRow proto;
    proto.domain = blk.domain;
    proto.age_band = blk.age_band;
    const BlockLevelOf lv = block_level(blk);
    proto.sex = lv.key;
    proto.age_label = blk.age_label;
    proto.sex_label = lv.label;
    proto.by_variable_label = lv.header;
    proto.block_a = blk_a != nullptr;
    proto.block_b = blk_b != nullptr;
    proto.base_a = blk_a ? blk_a->base : 0;
    proto.base_b = blk_b ? blk_b->base : 0;
    proto.base_a_hidden = blk_a && blk_a->base_hidden;
    proto.base_b_hidden = blk_b && blk_b->base_hidden;
    const auto cells_a = blk_a ? rows_of(a, ia) : std::vector<const tabulate::DistCell*>{};
    const auto cells_b = blk_b ? rows_of(b, ib) : std::vector<const tabulate::DistCell*>{};
    std::vector<bool> used_b(cells_b.size(), false);
    std::vector<DistributionChangeRow> rows;
    auto absent = [](std::size_t base, bool hidden) {
      Side s;
      s.base = base;
      s.base_hidden = hidden;
      return s;
    };
    for (const auto* ca : cells_a) {
      DistributionChangeRow r = proto;
      r.kind = ca->kind;
      r.key = key_of(va, *ca);
      if (ca->kind == RowKind::Code) r.code_a = ca->code;
      r.label = ca->label;
      Side sb = absent(proto.base_b, proto.base_b_hidden);
      for (std::size_t j = 0; j < cells_b.size(); ++j) {
        if (used_b[j] || cells_b[j]->kind != ca->kind || key_of(vb, *cells_b[j]) != r.key) continue;
        used_b[j] = true;
        sb = side(b, *cells_b[j]);
        if (cells_b[j]->kind == RowKind::Code) {
          r.code_b = cells_b[j]->code;
          if (cells_b[j]->label != ca->label) r.label_b = cells_b[j]->label;
        }
        break;
      }
      r.change = estimate::compare_sides(side(a, *ca), sb, level);
      rows.push_back(std::move(r));
    }
    // Answers only survey B has, before 無回答.
    std::size_t insert_at = rows.size();
    if (!rows.empty() && rows.back().kind == RowKind::NoAnswer) --insert_at;
    std::vector<DistributionChangeRow> only_b;
    std::optional<DistributionChangeRow> no_answer_b;
    for (std::size_t j = 0; j < cells_b.size(); ++j) {
      if (used_b[j]) continue;
      DistributionChangeRow r = proto;
      r.kind = cells_b[j]->kind;
      r.key = key_of(vb, *cells_b[j]);
      if (r.kind == RowKind::Code) r.code_b = cells_b[j]->code;
      r.label = cells_b[j]->label;
      r.change = estimate::compare_sides(absent(proto.base_a, proto.base_a_hidden), side(b, *cells_b[j]), level);
      if (r.kind == RowKind::NoAnswer) no_answer_b = std::move(r);
      else only_b.push_back(std::move(r));
    }
    rows.insert(rows.begin() + static_cast<std::ptrdiff_t>(insert_at), only_b.begin(), only_b.end());
    if (no_answer_b) rows.push_back(std::move(*no_answer_b));
    for (auto& r : rows) out.rows.push_back(std::move(r));
  };

  for (std::size_t ia = 0; ia < a.blocks.size(); ++ia) {
    const auto it = blocks_b.find(block_key(a.blocks[ia]));
    if (it != blocks_b.end()) {
      used_blocks_b.insert(it->second);
      emit_block(&a.blocks[ia], ia, &b.blocks[it->second], it->second);
    } else {
      emit_block(&a.blocks[ia], ia, nullptr, 0);
    }
  }
  for (std::size_t ib = 0; ib < b.blocks.size(); ++ib)
    if (!used_blocks_b.count(ib)) emit_block(nullptr, 0, &b.blocks[ib], ib);
  return out;
}

Table prevalence_change_table(const estimate::PrevalenceComparison& cmp, const CompareDisplay& o) {
  Table t;
  t.id = "prevalence_change";
  t.title = Text{fmt::format("広義のひきこもり群の出現率の変化（{} → {}）", o.label_a, o.label_b),
                 fmt::format("Change in prevalence of hikikomori, broad definition ({} -> {})", o.label_a, o.label_b)};
  const Cols c{t};
  c.add("measure", Text{"区分", "group"}, Align::Left, true, false);
  c.add("age_group", Text{"年齢", "age"}, Align::Left, true, false);
  const bool by = any_by_level(cmp.cells);
  if (by) c.add("by", Text{"属性", "by"}, Align::Left, true, false);
  for (const std::string* lbl : {&o.label_a, &o.label_b}) {
    c.add("n", Text{*lbl + " 有効回答数", *lbl + " n"}, Align::Right, true, false);
    c.add("cases", Text{*lbl + " 該当数", *lbl + " cases"}, Align::Right, true, false);
    c.add("rate", Text{*lbl + " 出現率", *lbl + " rate"}, Align::Right, true, false);
  }
  diff_columns(c, cmp.level);
  bool any_hidden = false, any_absent = false;
  const int dec = o.rate_decimals;
  for (const auto& pc : cmp.cells) {
    std::vector<Cell> row;
    row.push_back(Cell{Text{estimate::measure_label(pc.measure, false), estimate::measure_label(pc.measure, true)}, ""});
    row.push_back(Cell{Text{group_label(pc.group, false), group_label(pc.group, true)}, ""});
    if (by) row.push_back(Cell{by_text(pc), ""});
    any_hidden = any_hidden || pc.change.hidden;
    for (const Side* s : {&pc.change.a, &pc.change.b}) {
      row.push_back(Cell{same(base_text(s->base, s->base_hidden)), ""});
      add_side(row, *s, pc.change.hidden, dec, any_absent);
    }
    add_diff(row, pc.change, dec, any_absent);
    t.rows.push_back(std::move(row));
  }
  notes_common(t, o, cmp.level, any_hidden, any_absent);
  return t;
}

Table distribution_change_table(const DistributionComparison& cmp, const CompareDisplay& o) {
  Table t;
  t.id = "distribution_change:" + cmp.variable_a;
  const std::string kind_ja = cmp.multi ? "複数回答" : "単数回答";
  const std::string kind_en = cmp.multi ? "multiple answer" : "single answer";
  const std::string names = cmp.variable_a == cmp.variable_b ? cmp.variable_a
                                                             : fmt::format("{}（{}）／{}（{}）", cmp.variable_a, o.label_a, cmp.variable_b, o.label_b);
  const std::string names_en = cmp.variable_a == cmp.variable_b ? cmp.variable_a
                                                                : fmt::format("{} ({}) / {} ({})", cmp.variable_a, o.label_a, cmp.variable_b, o.label_b);
  const std::string lbl = cmp.label.empty() ? "" : " " + cmp.label;
  t.title = Text{fmt::format("{}{}の変化（{}、{} → {}）", names, lbl, kind_ja, o.label_a, o.label_b),
                 fmt::format("Change in {}{} ({}, {} -> {})", names_en, lbl, kind_en, o.label_a, o.label_b)};
  bool by_age = false, by_sex = false;
  Text level_header{"性別", "sex"};
  for (const auto& r : cmp.rows) {
    by_age = by_age || r.age_band != "all";
    by_sex = by_sex || r.sex != "all";
    if (!r.by_variable_label.ja.empty()) level_header = r.by_variable_label;
  }
  const Cols c{t};
  c.add("domain", Text{"区分", "group"}, Align::Left, true, false);
  if (by_age) c.add("age_band", Text{"年齢", "age"}, Align::Left, true, false);
  if (by_sex) c.add("sex", level_header, Align::Left, true, false);
  c.add("label", Text{"回答", "answer"}, Align::Left, true, false);
  const std::string pct_ja = cmp.multi ? "割合（回答者比）" : "割合";
  const std::string pct_en = cmp.multi ? "% of respondents" : "%";
  for (const std::string* lbl2 : {&o.label_a, &o.label_b}) {
    c.add("base", Text{*lbl2 + " 基数", *lbl2 + " base"}, Align::Right, true, false);
    c.add("n", Text{*lbl2 + " 人数", *lbl2 + " n"}, Align::Right, true, false);
    c.add("percent", Text{*lbl2 + " " + pct_ja, *lbl2 + " " + pct_en}, Align::Right, true, false);
  }
  diff_columns(c, cmp.level);
  bool any_hidden = false, any_absent = false, any_label_b = false;
  const int dec = o.rate_decimals;
  const Text no_answer{"無回答", "no answer"};
  for (std::size_t i = 0; i < cmp.rows.size(); ++i) {
    const auto& r = cmp.rows[i];
    const bool first = i == 0 || cmp.rows[i - 1].domain != r.domain || cmp.rows[i - 1].age_band != r.age_band || cmp.rows[i - 1].sex != r.sex;
    std::vector<Cell> row;
    row.push_back(Cell{first ? tabulate::domain_label(r.domain) : Text{}, ""});
    if (by_age) row.push_back(Cell{first ? r.age_label : Text{}, ""});
    if (by_sex) row.push_back(Cell{first ? r.sex_label : Text{}, ""});
    std::string label = r.label;
    if (!r.label_b.empty()) {
      label += "†";
      any_label_b = true;
    }
    row.push_back(Cell{r.kind == RowKind::NoAnswer ? no_answer : same(label), ""});
    any_hidden = any_hidden || r.change.hidden;
    struct BlockBase {
      const Side* side;
      bool exists;
      std::size_t base;
      bool hidden;
    };
    const BlockBase sides[] = {{&r.change.a, r.block_a, r.base_a, r.base_a_hidden}, {&r.change.b, r.block_b, r.base_b, r.base_b_hidden}};
    for (const BlockBase& bb : sides) {
      const Side* s = bb.side;
      row.push_back(Cell{first ? (bb.exists ? same("n=" + base_text(bb.base, bb.hidden)) : same("—")) : Text{}, ""});
      add_side(row, *s, r.change.hidden, dec, any_absent);
    }
    add_diff(row, r.change, dec, any_absent);
    t.rows.push_back(std::move(row));
  }
  if (cmp.multi)
    t.notes.push_back(Text{"複数回答です。割合は各区分の回答者数（基数 n、無回答を含む）に対する割合です。",
                           "Multiple answer: percentages are of the respondents in each group (base n, no-answer included)."});
  else
    t.notes.push_back(Text{"割合の基数は各区分の回答者数（n、無回答を含む）です。", "Percentages are of the respondents in each group (n, no-answer included)."});
  t.notes.push_back(cmp.by_key ? Text{"2つの調査の回答はコードブックの key で対応づけています（コード番号が違っても同じ回答）。",
                                      "Answers of the two surveys are matched by codebook key (the same answer even if its code number differs)."}
                               : Text{"2つの調査の回答はコード番号で対応づけています（key のないコードがあるため）。",
                                      "Answers of the two surveys are matched by code number (some codes have no key)."});
  if (any_label_b) {
    std::string ja, en;
    for (const auto& r : cmp.rows)
      if (!r.label_b.empty() && r.domain == cmp.rows.front().domain && r.age_band == cmp.rows.front().age_band && r.sex == cmp.rows.front().sex) {
        ja += fmt::format("{}「{}」＝{}「{}」", o.label_a, r.label, o.label_b, r.label_b) + "、";
        en += fmt::format("{} \"{}\" = {} \"{}\"", o.label_a, r.label, o.label_b, r.label_b) + "; ";
      }
    if (!ja.empty()) {
      ja.erase(ja.size() - std::string("、").size());
      en.erase(en.size() - 2);
    }
    t.notes.push_back(Text{"† 2つの調査で選択肢の文言が違います: " + ja, "† the wording differs between the surveys: " + en});
  }
  if (cmp.weighted_a || cmp.weighted_b)
    t.notes.push_back(Text{"割合は重み付きの推定値です（重みのある調査）。人数と基数は重み付けしない実数です。",
                           "Percentages are weighted estimates (for a weighted survey); n and the base are unweighted counts."});
  notes_common(t, o, cmp.level, any_hidden, any_absent);
  return t;
}

Table comparison_csv_table(const estimate::PrevalenceComparison* prevalence, const std::vector<DistributionComparison>& dists) {
  Table t;
  t.id = "comparison";
  t.title = Text{"2つの調査の比較", "Comparison of two surveys"};
  const Cols c{t};
  for (const char* id : {"section", "variable_a", "variable_b", "measure", "domain", "age_group", "sex", "key", "code_a", "code_b", "label", "base_a",
                         "count_a", "estimate_a", "se_a", "df_a", "base_b", "count_b", "estimate_b", "se_b", "df_b", "difference", "se_difference",
                         "df_difference", "ci_lower", "ci_upper", "conf_level", "excludes_zero", "suppressed"})
    c.add(id, same(id), Align::Left, false, true);
  auto raw = [](const std::string& s) { return Cell{Text{}, s}; };
  auto append = [&](std::vector<Cell> row, const Change& ch, double level) {
    for (const Side* s : {&ch.a, &ch.b}) {
      row.push_back(raw(s->present || s->base ? base_raw(s->base, s->base_hidden) : ""));
      const bool show = s->present && !ch.hidden;
      row.push_back(raw(show ? std::to_string(s->count) : ""));
      const bool est = show && s->estimable;
      row.push_back(raw(est ? format_raw(s->estimate) : ""));
      row.push_back(raw(est ? format_raw(s->se) : ""));
      row.push_back(raw(est ? format_raw(s->df) : ""));
    }
    const bool d = ch.diff && !ch.hidden;
    row.push_back(raw(d ? format_raw(ch.diff->estimate) : ""));
    row.push_back(raw(d ? format_raw(ch.diff->se) : ""));
    row.push_back(raw(d ? format_raw(ch.diff->df) : ""));
    row.push_back(raw(d ? format_raw(ch.diff->ci.lower) : ""));
    row.push_back(raw(d ? format_raw(ch.diff->ci.upper) : ""));
    row.push_back(raw(format_raw(level)));
    row.push_back(raw(d ? (ch.diff->excludes_zero ? "1" : "0") : ""));
    row.push_back(raw(ch.hidden ? "1" : "0"));
    t.rows.push_back(std::move(row));
  };
  if (prevalence)
    for (const auto& pc : prevalence->cells)
      append({raw("prevalence"), raw(""), raw(""), raw(estimate::measure_id(pc.measure)), raw("all"), raw(pc.group), raw(by_key_or_all(pc)), raw(""), raw(""),
              raw(""), raw(measure_name_ja(pc.measure))},
             pc.change, prevalence->level);
  for (const auto& d : dists)
    for (const auto& r : d.rows) {
      const std::string code_na = r.kind == RowKind::NoAnswer ? "no_answer" : "";
      append({raw("distribution"), raw(d.variable_a), raw(d.variable_b), raw(""), raw(tabulate::domain_id(r.domain)), raw(r.age_band), raw(r.sex),
              raw(r.key), raw(r.code_a ? std::to_string(*r.code_a) : (r.change.a.present ? code_na : "")),
              raw(r.code_b ? std::to_string(*r.code_b) : (r.change.b.present ? code_na : "")), raw(r.kind == RowKind::NoAnswer ? "無回答" : r.label)},
             r.change, d.level);
    }
  return t;
}

Document comparison_document(const CompareSurvey& a, const CompareSurvey& b, const estimate::PrevalenceComparison* prevalence,
                             const std::vector<DistributionComparison>& dists, const CompareDisplay& o) {
  Document d;
  d.title = Text{fmt::format("2つの調査の比較（{} → {}）", o.label_a, o.label_b), fmt::format("Comparison of two surveys ({} -> {})", o.label_a, o.label_b)};
  auto fact = [&](Text k, Text v) { d.facts.emplace_back(std::move(k), std::move(v)); };
  bool weighted_a = prevalence && prevalence->weighted_a, weighted_b = prevalence && prevalence->weighted_b;
  for (const auto& dist : dists) {
    weighted_a = weighted_a || dist.weighted_a;
    weighted_b = weighted_b || dist.weighted_b;
  }
  const std::pair<const CompareSurvey*, std::pair<const std::string*, bool>> surveys[] = {{&a, {&o.label_a, weighted_a}}, {&b, {&o.label_b, weighted_b}}};
  for (const auto& [s, lw] : surveys) survey_facts(d, *s, *lw.first, lw.second);
  const double level = prevalence ? prevalence->level : dists.empty() ? 0.95 : dists.front().level;
  fact(Text{"変化", "change"}, Text{fmt::format("{} − {}（割合の差、ポイント）", o.label_b, o.label_a), fmt::format("{} - {} (difference of proportions, points)", o.label_b, o.label_a)});
  change_facts(d, true, level);
  fact(Text{"秘匿", "suppression"},
       o.min_cell > 0 ? Text{fmt::format("人数1～{}人のセルと合計から逆算できるセルを、いずれかの調査で秘匿されるものはすべて秘匿", o.min_cell - 1),
                             fmt::format("every cell suppressed in either survey (1-{} respondents, or recoverable from totals)", o.min_cell - 1)}
                      : Text{"なし (--min-cell 0)", "off (--min-cell 0)"});
  closing_facts(d, o.where, o.version);
  if (prevalence) d.tables.push_back(prevalence_change_table(*prevalence, o));
  for (const auto& dist : dists) d.tables.push_back(distribution_change_table(dist, o));

  if (a.cls && b.cls && a.cls->ruleset.display_id() != b.cls->ruleset.display_id())
    d.notes.push_back(Text{fmt::format("注意: 2つの調査の判定基準が違います（{}: {}、{}: {}）。変化には定義の違いが含まれます。", o.label_a,
                                       a.cls->ruleset.display_id(), o.label_b, b.cls->ruleset.display_id()),
                           fmt::format("Caution: the surveys use different rule-sets ({}: {}, {}: {}); the change includes the change of definition.",
                                       o.label_a, a.cls->ruleset.display_id(), o.label_b, b.cls->ruleset.display_id())});
  if (weighted_a != weighted_b)
    d.notes.push_back(Text{"一方の調査だけが重み付きです。それぞれの調査の推定方法のまま比較しています。",
                           "Only one of the surveys is weighted; each survey is estimated its own way."});
  for (const auto& [s, lw] : surveys) survey_notes(d, *s, *lw.first);
  return d;
}


// ---- Trends ----------------------------------------------------------------------------------------------

std::size_t trend_base_of(TrendBase base, std::size_t round) { return base == TrendBase::First || round == 0 ? 0 : round - 1; }

namespace {

[[noreturn]] void trend_internal(const std::string& what) {
  throw Error(Problem{ErrorCode::Internal, SourcePos{}, what, Text{"内部エラー: 推移の比較の引数が不正です", "internal error: invalid trend argument"}, Text{}, ""});
}

TrendCell empty_trend_cell(std::size_t rounds) {
  TrendCell c;
  c.rounds.resize(rounds);
  c.changes.resize(rounds);
  return c;
}

// Puts pair p's two sides and its change into the cell: round base_of(p + 1) from its A, round p + 1 from its B.
void fill_trend(TrendCell& c, const Change& ch, std::size_t ia, std::size_t ib) {
  if (ch.a.present || !c.rounds[ia].present) c.rounds[ia] = ch.a;
  c.rounds[ib] = ch.b;
  c.changes[ib] = ch;
}

std::string base_label(TrendBase base, const TrendDisplay& o, std::size_t round, bool en) {
  const std::string& l = o.labels.at(trend_base_of(base, round));
  return en ? "vs " + l : l + "比";
}

void add_round_cells(std::vector<Cell>& row, const Side& s, int dec, bool& any_absent, bool& any_hidden) {
  const Text star{"*", "*"};
  const Text dash{"—", "—"};
  if (!s.present) {
    any_absent = true;
    for (int k = 0; k < 3; ++k) row.push_back(Cell{dash, ""});
    return;
  }
  if (s.hidden) {
    any_hidden = true;
    row.push_back(Cell{star, ""});
    row.push_back(Cell{star, ""});
    row.push_back(Cell{star, ""});
    return;
  }
  row.push_back(Cell{same(with_thousands(static_cast<long long>(s.count))), ""});
  if (s.estimable) {
    row.push_back(Cell{same(format_percent(s.estimate, dec)), ""});
    row.push_back(Cell{s.has_ci ? Text{format_percent(s.ci.lower, dec) + "～" + format_percent(s.ci.upper, dec),
                                       format_percent(s.ci.lower, dec) + " to " + format_percent(s.ci.upper, dec)}
                                : dash,
                       ""});
  } else {
    any_absent = true;
    row.push_back(Cell{dash, ""});
    row.push_back(Cell{dash, ""});
  }
}

void add_trend_change(std::vector<Cell>& row, const std::optional<Change>& ch, std::size_t round, TrendBase base, const TrendDisplay& o, int dec,
                      bool& any_absent, bool& any_hidden) {
  if (round == 0) {
    row.push_back(Cell{base == TrendBase::First ? Text{"（基準）", "(reference)"} : Text{}, ""});
    for (int k = 0; k < 4; ++k) row.push_back(Cell{Text{}, ""});
    return;
  }
  row.push_back(Cell{Text{base_label(base, o, round, false), base_label(base, o, round, true)}, ""});
  if (ch && ch->hidden) any_hidden = true;
  add_diff(row, ch ? *ch : Change{}, dec, any_absent);
}

void trend_notes(Table& t, const TrendDisplay& o, double level, TrendBase base, bool any_hidden, bool any_absent) {
  const std::string lv = level_pct(level);
  t.notes.push_back(
      base == TrendBase::First
          ? Text{fmt::format("差 = 各回 − {}（最初の調査、ポイント）。", o.labels.front()), fmt::format("change = each survey - {} (the first survey; points). ", o.labels.front())}
          : Text{"差 = 各回 − 前回（ポイント）。", "change = each survey - the survey before it (points). "});
  t.notes.back().ja += fmt::format("差の標準誤差 = √(SE_基準² + SE_各回²)（調査は互いに独立な標本）。「増加」「減少」は差の{}信頼区間が0を含まないセルです。"
                                   "各回の信頼区間はその調査の区間（estimate / tabulate と同じ方法）です。",
                                   lv);
  t.notes.back().en += fmt::format("SE of the change = sqrt(SE_reference^2 + SE_survey^2) (the surveys are independent samples). 'up' / 'down': the {} "
                                   "interval of the change excludes 0. Each survey's interval is its own (as estimate / tabulate).",
                                   lv);
  if (any_hidden) t.notes.push_back(round_hidden_note(o.min_cell, true));
  if (any_absent) t.notes.push_back(absent_note(true));
}

} // namespace

PrevalenceTrend prevalence_trend(const std::vector<estimate::PrevalenceComparison>& pairs, TrendBase base) {
  if (pairs.empty()) trend_internal("no pairs");
  const std::size_t rounds = pairs.size() + 1;
  PrevalenceTrend out;
  out.level = pairs.front().level;
  out.base = base;
  out.weighted.assign(rounds, false);
  for (std::size_t p = 0; p < pairs.size(); ++p) {
    const std::size_t ib = p + 1, ia = trend_base_of(base, ib);
    out.weighted[ia] = pairs[p].weighted_a;
    out.weighted[ib] = pairs[p].weighted_b;
    for (const auto& pc : pairs[p].cells) {
      auto it = std::find_if(out.cells.begin(), out.cells.end(), [&](const PrevalenceTrendCell& c) {
        return c.measure == pc.measure && c.group == pc.group && c.by_variable == pc.by_variable && c.by_key == pc.by_key;
      });
      if (it == out.cells.end()) {
        out.cells.push_back(PrevalenceTrendCell{pc.measure, pc.group, pc.by_variable, pc.by_variable_label, pc.by_key, pc.by_label, empty_trend_cell(rounds)});
        it = out.cells.end() - 1;
      }
      fill_trend(it->cell, pc.change, ia, ib);
    }
  }
  return out;
}

DistributionTrend distribution_trend(const std::vector<DistributionComparison>& pairs, TrendBase base) {
  if (pairs.empty()) trend_internal("no pairs");
  const std::size_t rounds = pairs.size() + 1;
  DistributionTrend out;
  out.variables.assign(rounds, "");
  out.weighted.assign(rounds, false);
  out.base = base;
  out.level = pairs.front().level;
  out.multi = pairs.front().multi;
  out.label = pairs.back().label;
  for (std::size_t p = 0; p < pairs.size(); ++p) {
    const DistributionComparison& cmp = pairs[p];
    const std::size_t ib = p + 1, ia = trend_base_of(base, ib);
    out.variables[ia] = cmp.variable_a;
    out.variables[ib] = cmp.variable_b;
    out.weighted[ia] = cmp.weighted_a;
    out.weighted[ib] = cmp.weighted_b;
    out.by_key = out.by_key && cmp.by_key;
    out.min_cell = std::max(out.min_cell, cmp.min_cell);
    for (const auto& r : cmp.rows) {
      auto same_block = [&](const DistributionTrendRow& t) { return t.domain == r.domain && t.age_band == r.age_band && t.sex == r.sex; };
      auto it = std::find_if(out.rows.begin(), out.rows.end(), [&](const DistributionTrendRow& t) { return same_block(t) && t.kind == r.kind && t.key == r.key; });
      if (it == out.rows.end()) {
        DistributionTrendRow t;
        t.domain = r.domain;
        t.age_band = r.age_band;
        t.sex = r.sex;
        t.age_label = r.age_label;
        t.sex_label = r.sex_label;
        t.by_variable_label = r.by_variable_label;
        t.kind = r.kind;
        t.key = r.key;
        t.label = r.label;
        t.codes.resize(rounds);
        t.block.assign(rounds, false);
        t.bases.assign(rounds, 0);
        t.bases_hidden.assign(rounds, false);
        t.cell = empty_trend_cell(rounds);
        // A new answer goes after its block's last answer (before 無回答); a new block at the end.
        auto at = out.rows.end();
        for (auto j = out.rows.begin(); j != out.rows.end(); ++j)
          if (same_block(*j) && (j->kind != RowKind::NoAnswer || t.kind == RowKind::NoAnswer)) at = j + 1;
        it = out.rows.insert(at, std::move(t));
        // Rows of a block share its bases: copy those known so far.
        for (const auto& other : out.rows)
          if (&other != &*it && same_block(other))
            for (std::size_t k = 0; k < rounds; ++k)
              if (other.block[k]) {
                it->block[k] = true;
                it->bases[k] = other.bases[k];
                it->bases_hidden[k] = other.bases_hidden[k];
              }
      }
      if (r.block_a) {
        for (auto& other : out.rows)
          if (same_block(other)) {
            other.block[ia] = true;
            other.bases[ia] = r.base_a;
            other.bases_hidden[ia] = r.base_a_hidden;
          }
      }
      if (r.block_b)
        for (auto& other : out.rows)
          if (same_block(other)) {
            other.block[ib] = true;
            other.bases[ib] = r.base_b;
            other.bases_hidden[ib] = r.base_b_hidden;
          }
      if (r.code_a) it->codes[ia] = r.code_a;
      if (r.code_b) it->codes[ib] = r.code_b;
      fill_trend(it->cell, r.change, ia, ib);
    }
  }
  return out;
}

Table prevalence_trend_table(const PrevalenceTrend& tr, const TrendDisplay& o) {
  Table t;
  t.id = "prevalence_trend";
  t.title = Text{fmt::format("広義のひきこもり群の出現率の推移（{}）", fmt::join(o.labels, "、")),
                 fmt::format("Prevalence of hikikomori, broad definition, over {} surveys ({})", o.labels.size(), fmt::join(o.labels, ", "))};
  const Cols c{t};
  const std::string lv = level_pct(tr.level);
  c.add("measure", Text{"区分", "group"}, Align::Left, true, false);
  c.add("age_group", Text{"年齢", "age"}, Align::Left, true, false);
  const bool by = any_by_level(tr.cells);
  if (by) c.add("by", Text{"属性", "by"}, Align::Left, true, false);
  c.add("round", Text{"調査", "survey"}, Align::Left, true, false);
  c.add("n", Text{"有効回答数", "n"}, Align::Right, true, false);
  c.add("cases", Text{"該当数", "cases"}, Align::Right, true, false);
  c.add("rate", Text{"出現率", "rate"}, Align::Right, true, false);
  c.add("rate_ci", Text{lv + "信頼区間", lv + " CI"}, Align::Right, true, false);
  c.add("change_from", Text{"差の基準", "change"}, Align::Left, true, false);
  diff_columns(c, tr.level);
  bool any_hidden = false, any_absent = false;
  for (const auto& pc : tr.cells)
    for (std::size_t r = 0; r < pc.cell.rounds.size(); ++r) {
      std::vector<Cell> row;
      row.push_back(Cell{r == 0 ? Text{estimate::measure_label(pc.measure, false), estimate::measure_label(pc.measure, true)} : Text{}, ""});
      row.push_back(Cell{r == 0 ? Text{group_label(pc.group, false), group_label(pc.group, true)} : Text{}, ""});
      if (by) row.push_back(Cell{r == 0 ? by_text(pc) : Text{}, ""});
      row.push_back(Cell{same(o.labels.at(r)), ""});
      const Side& s = pc.cell.rounds[r];
      row.push_back(Cell{s.present ? same(base_text(s.base, s.base_hidden)) : Text{"—", "—"}, ""});
      add_round_cells(row, s, o.rate_decimals, any_absent, any_hidden);
      add_trend_change(row, pc.cell.changes[r], r, tr.base, o, o.rate_decimals, any_absent, any_hidden);
      t.rows.push_back(std::move(row));
    }
  trend_notes(t, o, tr.level, tr.base, any_hidden, any_absent);
  return t;
}

namespace {

// The title of a distribution trend's tables: "問37 …の推移（単数回答、2014、2019、2024）"; `changes`: the table of the
// changes (distribution_trend_table), "…の推移：変化と信頼区間（…）".
Text distribution_trend_title(const DistributionTrend& tr, const TrendDisplay& o, bool changes) {
  const std::string& v0 = tr.variables.front();
  const bool same_name = std::all_of(tr.variables.begin(), tr.variables.end(), [&](const std::string& v) { return v == v0; });
  std::string names = v0, names_en = v0;
  if (!same_name) {
    std::vector<std::string> ja, en;
    for (std::size_t i = 0; i < tr.variables.size(); ++i) {
      ja.push_back(fmt::format("{}（{}）", tr.variables[i], o.labels.at(i)));
      en.push_back(fmt::format("{} ({})", tr.variables[i], o.labels.at(i)));
    }
    names = fmt::format("{}", fmt::join(ja, "／"));
    names_en = fmt::format("{}", fmt::join(en, " / "));
  }
  const std::string lbl = tr.label.empty() ? "" : " " + tr.label;
  return Text{fmt::format("{}{}の推移{}（{}、{}）", names, lbl, changes ? "：変化と信頼区間" : "", tr.multi ? "複数回答" : "単数回答", fmt::join(o.labels, "、")),
              fmt::format("{}{} over {} surveys{} ({}, {})", names_en, lbl, o.labels.size(), changes ? ": changes and intervals" : "",
                          tr.multi ? "multiple answer" : "single answer", fmt::join(o.labels, ", "))};
}

} // namespace

Table distribution_trend_table(const DistributionTrend& tr, const TrendDisplay& o) {
  Table t;
  t.id = "distribution_trend:" + tr.variables.front();
  t.title = distribution_trend_title(tr, o, true);
  bool by_age = false, by_sex = false;
  Text level_header{"性別", "sex"};
  for (const auto& r : tr.rows) {
    by_age = by_age || r.age_band != "all";
    by_sex = by_sex || r.sex != "all";
    if (!r.by_variable_label.ja.empty()) level_header = r.by_variable_label;
  }
  const Cols c{t};
  const std::string lv = level_pct(tr.level);
  c.add("domain", Text{"区分", "group"}, Align::Left, true, false);
  if (by_age) c.add("age_band", Text{"年齢", "age"}, Align::Left, true, false);
  if (by_sex) c.add("sex", level_header, Align::Left, true, false);
  c.add("label", Text{"回答", "answer"}, Align::Left, true, false);
  c.add("round", Text{"調査", "survey"}, Align::Left, true, false);
  c.add("base", Text{"基数", "base"}, Align::Right, true, false);
  c.add("n", Text{"人数", "n"}, Align::Right, true, false);
  c.add("percent", Text{tr.multi ? "割合（回答者比）" : "割合", tr.multi ? "% of respondents" : "%"}, Align::Right, true, false);
  c.add("percent_ci", Text{lv + "信頼区間", lv + " CI"}, Align::Right, true, false);
  c.add("change_from", Text{"差の基準", "change"}, Align::Left, true, false);
  diff_columns(c, tr.level);
  bool any_hidden = false, any_absent = false;
  const Text no_answer{"無回答", "no answer"};
  for (std::size_t i = 0; i < tr.rows.size(); ++i) {
    const auto& r = tr.rows[i];
    const bool first = i == 0 || tr.rows[i - 1].domain != r.domain || tr.rows[i - 1].age_band != r.age_band || tr.rows[i - 1].sex != r.sex;
    for (std::size_t k = 0; k < r.cell.rounds.size(); ++k) {
      std::vector<Cell> row;
      const bool top = first && k == 0;
      row.push_back(Cell{top ? tabulate::domain_label(r.domain) : Text{}, ""});
      if (by_age) row.push_back(Cell{top ? r.age_label : Text{}, ""});
      if (by_sex) row.push_back(Cell{top ? r.sex_label : Text{}, ""});
      row.push_back(Cell{k == 0 ? (r.kind == RowKind::NoAnswer ? no_answer : same(r.label)) : Text{}, ""});
      row.push_back(Cell{same(o.labels.at(k)), ""});
      row.push_back(Cell{r.block[k] ? same("n=" + base_text(r.bases[k], r.bases_hidden[k])) : same("—"), ""});
      add_round_cells(row, r.cell.rounds[k], o.rate_decimals, any_absent, any_hidden);
      add_trend_change(row, r.cell.changes[k], k, tr.base, o, o.rate_decimals, any_absent, any_hidden);
      t.rows.push_back(std::move(row));
    }
  }
  t.notes.push_back(tr.multi ? Text{"複数回答です。割合は各区分の回答者数（基数 n、無回答を含む）に対する割合です。",
                                    "Multiple answer: percentages are of the respondents in each group (base n, no-answer included)."}
                             : Text{"割合の基数は各区分の回答者数（n、無回答を含む）です。", "Percentages are of the respondents in each group (n, no-answer included)."});
  t.notes.push_back(tr.by_key ? Text{"調査の回答はコードブックの key で対応づけています（コード番号が違っても同じ回答）。",
                                     "Answers are matched by codebook key (the same answer even if its code number differs)."}
                              : Text{"調査の回答はコード番号で対応づけています（key のないコードがあるため）。",
                                     "Answers are matched by code number (some codes have no key)."});
  if (std::find(tr.weighted.begin(), tr.weighted.end(), true) != tr.weighted.end())
    t.notes.push_back(Text{"割合は重み付きの推定値です（重みのある調査）。人数と基数は重み付けしない実数です。",
                           "Percentages are weighted estimates (for a weighted survey); n and the base are unweighted counts."});
  trend_notes(t, o, tr.level, tr.base, any_hidden, any_absent);
  return t;
}

namespace {

// The blocks of a distribution trend (domain × age band × level) in the order of its rows, each with its rows.
struct TrendBlock {
  const DistributionTrendRow* first = nullptr;
  std::vector<const DistributionTrendRow*> rows;
};

std::vector<TrendBlock> trend_blocks(const DistributionTrend& tr) {
  std::vector<TrendBlock> out;
  for (const auto& r : tr.rows) {
    auto it = std::find_if(out.begin(), out.end(), [&](const TrendBlock& b) {
      return b.first->domain == r.domain && b.first->age_band == r.age_band && b.first->sex == r.sex;
    });
    if (it == out.end()) {
      out.push_back(TrendBlock{&r, {}});
      it = out.end() - 1;
    }
    it->rows.push_back(&r);
  }
  return out;
}

// A block's part of a column header: what differs between the blocks (domain, age band, level; a margin "all" is
// not named), joined with "・"; empty when there is one block.
Text trend_block_label(const std::vector<TrendBlock>& blocks, std::size_t k) {
  if (blocks.size() < 2) return Text{};
  bool domains = false, ages = false, levels = false;
  for (const auto& b : blocks) {
    domains = domains || b.first->domain != blocks.front().first->domain;
    ages = ages || b.first->age_band != "all";
    levels = levels || b.first->sex != "all";
  }
  const DistributionTrendRow& b = *blocks[k].first;
  Text out;
  auto part = [&](const Text& t) {
    out.ja += (out.ja.empty() ? "" : "・") + t.ja;
    out.en += (out.en.empty() ? "" : ", ") + t.en;
  };
  if (domains) part(tabulate::domain_label(b.domain));
  if (ages && b.age_band != "all") part(b.age_label);
  if (levels && b.sex != "all") part(b.sex_label);
  if (out.ja.empty()) part(domains ? tabulate::domain_label(b.domain) : Text{"全体", "total"});
  return out;
}

std::string trend_block_id(const DistributionTrendRow& b) {
  std::string id = tabulate::domain_id(b.domain);
  if (b.age_band != "all" || b.sex != "all") id += "." + b.age_band;
  if (b.sex != "all") id += "." + b.sex;
  return id;
}

// The header of column (block k, round r): "2019（n=600）", "男性・2019（n=289）"; a round without the block "2019（—）".
Text trend_column_header(const std::vector<TrendBlock>& blocks, std::size_t k, std::size_t round, const TrendDisplay& o) {
  const Text blk = trend_block_label(blocks, k);
  const DistributionTrendRow& b = *blocks[k].first;
  const std::string n = b.block[round] ? "n=" + base_text(b.bases[round], b.bases_hidden[round]) : "—";
  const std::string& lbl = o.labels.at(round);
  return Text{(blk.ja.empty() ? "" : blk.ja + "・") + lbl + "（" + n + "）", (blk.en.empty() ? "" : blk.en + ", ") + lbl + " (" + n + ")"};
}

// The answers of a trend, in the first block's order: (kind, key) and the row's label.
std::vector<const DistributionTrendRow*> trend_answers(const std::vector<TrendBlock>& blocks) {
  return blocks.empty() ? std::vector<const DistributionTrendRow*>{} : blocks.front().rows;
}

const DistributionTrendRow* trend_row_of(const TrendBlock& b, const DistributionTrendRow& answer) {
  for (const auto* r : b.rows)
    if (r->kind == answer.kind && r->key == answer.key) return r;
  return nullptr;
}

} // namespace

Table distribution_trend_cross_table(const DistributionTrend& tr, const TrendDisplay& o) {
  Table t;
  const Table long_form = distribution_trend_table(tr, o);
  t.id = "distribution_trend_cross:" + tr.variables.front();
  t.title = distribution_trend_title(tr, o, false);
  using table::NumberKind;
  const std::vector<TrendBlock> blocks = trend_blocks(tr);
  const std::size_t rounds = o.labels.size();
  t.columns.push_back(Column{"label", Text{"回答", "answer"}, Align::Left, true, true, NumberKind::Text, Text{}});
  for (std::size_t k = 0; k < blocks.size(); ++k)
    for (std::size_t r = 0; r < rounds; ++r) {
      const Text group = trend_column_header(blocks, k, r, o);
      const std::string gid = trend_block_id(*blocks[k].first) + ".r" + std::to_string(r + 1);
      t.columns.push_back(Column{gid, group, Align::Right, true, false, NumberKind::Text, Text{}});
      t.columns.push_back(Column{gid + ".n", Text{"人数", "n"}, Align::Right, false, true, NumberKind::Count, group});
      t.columns.push_back(Column{gid + ".percent", tr.multi ? Text{"割合（回答者比）", "% of respondents"} : Text{"割合", "%"}, Align::Right, false, true,
                                 NumberKind::Proportion, group});
    }
  bool any_hidden = false, any_absent = false;
  const Text no_answer{"無回答", "no answer"};
  for (const DistributionTrendRow* a : trend_answers(blocks)) {
    std::vector<Cell> row;
    const bool na = a->kind == RowKind::NoAnswer;
    row.push_back(Cell{na ? no_answer : same(a->label), na ? no_answer.ja : a->label});
    for (const auto& b : blocks) {
      const DistributionTrendRow* rr = trend_row_of(b, *a);
      for (std::size_t r = 0; r < rounds; ++r) {
        const Side* s = rr ? &rr->cell.rounds[r] : nullptr;
        if (!s || !s->present || (!s->hidden && !s->estimable)) {
          any_absent = true;
          row.push_back(Cell{same("—"), ""});
          row.push_back(Cell{Text{}, s && s->present && !s->hidden ? std::to_string(s->count) : ""});
          row.push_back(Cell{Text{}, ""});
        } else if (s->hidden) {
          any_hidden = true;
          row.push_back(Cell{same("*"), ""});
          row.push_back(Cell{Text{}, ""});
          row.push_back(Cell{Text{}, ""});
        } else {
          row.push_back(Cell{same(format_percent(s->estimate, o.rate_decimals)), ""});
          row.push_back(Cell{Text{}, std::to_string(s->count)});
          row.push_back(Cell{Text{}, format_raw(s->estimate)});
        }
      }
    }
    t.rows.push_back(std::move(row));
  }
  // The long table's notes on the base, the matching and weights; the change notes are the long table's own.
  for (const auto& n : long_form.notes) {
    if (n.ja.rfind("差 = ", 0) == 0 || n.ja.rfind("* ", 0) == 0 || n.ja.rfind("— ", 0) == 0) continue;
    t.notes.push_back(n);
  }
  if (any_hidden) t.notes.push_back(round_hidden_note(o.min_cell, false));
  if (any_absent) t.notes.push_back(absent_note(false));
  return t;
}

ChartData distribution_trend_chart(const DistributionTrend& tr, const TrendDisplay& o) {
  ChartData c;
  const std::string& v0 = tr.variables.back();
  c.title = tr.label.empty() ? Text{v0 + "の推移", v0 + " over the surveys"} : Text{v0 + " " + tr.label + "の推移", v0 + " " + tr.label + " over the surveys"};
  const bool stacked = trend_chart_stacked(tr);
  const std::vector<TrendBlock> blocks = trend_blocks(tr);
  const std::size_t rounds = o.labels.size();
  // 無回答 only when someone in some round gave no answer.
  std::vector<const DistributionTrendRow*> answers;
  for (const DistributionTrendRow* a : trend_answers(blocks)) {
    if (a->kind == RowKind::NoAnswer) {
      bool used = false;
      for (const auto& b : blocks)
        if (const auto* rr = trend_row_of(b, *a))
          for (const Side& s : rr->cell.rounds) used = used || (s.present && (s.hidden || s.count > 0));
      if (!used) continue;
    }
    answers.push_back(a);
    c.categories.push_back(a->kind == RowKind::NoAnswer ? Text{"無回答", "no answer"} : same(a->label));
  }
  for (std::size_t k = 0; k < blocks.size(); ++k)
    for (std::size_t r = 0; r < rounds; ++r) {
      ChartSeries s;
      s.name = trend_column_header(blocks, k, r, o);
      for (const DistributionTrendRow* a : answers) {
        const DistributionTrendRow* rr = trend_row_of(blocks[k], *a);
        const Side* side = rr ? &rr->cell.rounds[r] : nullptr;
        ChartBar b;
        if (!side || !side->present) {
          // Not in that round's questionnaire: no share. A stacked bar leaves it out (0%), a bar chart marks it —.
          b.estimable = stacked;
          b.value = 0;
        } else {
          b.hidden = side->hidden;
          b.estimable = !side->hidden && side->estimable;
          if (b.estimable) {
            b.value = side->estimate;
            b.label = format_percent(side->estimate, o.rate_decimals);
            if (side->has_ci && !stacked) {
              b.has_interval = true;
              b.lower = side->ci.lower;
              b.upper = side->ci.upper;
            }
          }
        }
        s.bars.push_back(b);
      }
      c.series.push_back(std::move(s));
    }
  const std::string lv = level_pct(tr.level);
  std::string ja = fmt::format("割合は各調査の各区分の回答者数（n）に対する割合{}。", tr.multi ? "（複数回答）" : "");
  std::string en = fmt::format("Percent of the respondents in each group of each survey (n){}.", tr.multi ? " (multiple answer)" : "");
  if (o.min_cell > 0) {
    ja += fmt::format("各調査の集計表で秘匿されるセル（人数1～{}人、合計から逆算できるセル）は描きません（*）。", o.min_cell - 1);
    en += fmt::format(" Cells each survey's own table suppresses (1-{} respondents, or recoverable from totals) are not drawn (*).", o.min_cell - 1);
  } else {
    ja += "秘匿なし（公表用ではありません）。";
    en += " No suppression (not for publication).";
  }
  if (!stacked) {
    ja += fmt::format("信頼区間は{}。", lv);
    en += fmt::format(" Intervals: {}.", lv);
  }
  c.note = Text{ja, en};
  return c;
}

Table trend_csv_table(const PrevalenceTrend* prevalence, const std::vector<DistributionTrend>& dists, const TrendDisplay& o) {
  Table t;
  t.id = "trend";
  t.title = Text{"調査の推移", "Trend over surveys"};
  const Cols c{t};
  for (const char* id : {"section", "round", "survey", "variable", "measure", "domain", "age_group", "sex", "key", "code", "label", "base", "count", "estimate",
                         "se", "df", "ci_lower", "ci_upper", "change_from", "difference", "se_difference", "df_difference", "difference_ci_lower",
                         "difference_ci_upper", "conf_level", "excludes_zero", "suppressed"})
    c.add(id, same(id), Align::Left, false, true);
  auto raw = [](const std::string& s) { return Cell{Text{}, s}; };
  auto append = [&](std::vector<Cell> row, const TrendCell& cell, std::size_t k, TrendBase base, double level, std::optional<std::size_t> block_base,
                    bool block_base_hidden) {
    const Side& s = cell.rounds[k];
    row.push_back(raw(block_base ? base_raw(*block_base, block_base_hidden) : s.present ? base_raw(s.base, s.base_hidden) : ""));
    const bool show = s.present && !s.hidden;
    row.push_back(raw(show ? std::to_string(s.count) : ""));
    const bool est = show && s.estimable;
    row.push_back(raw(est ? format_raw(s.estimate) : ""));
    row.push_back(raw(est ? format_raw(s.se) : ""));
    row.push_back(raw(est ? format_raw(s.df) : ""));
    row.push_back(raw(est && s.has_ci ? format_raw(s.ci.lower) : ""));
    row.push_back(raw(est && s.has_ci ? format_raw(s.ci.upper) : ""));
    row.push_back(raw(k == 0 ? "" : o.labels.at(trend_base_of(base, k))));
    const auto& ch = cell.changes[k];
    const bool d = k > 0 && ch && ch->diff && !ch->hidden;
    row.push_back(raw(d ? format_raw(ch->diff->estimate) : ""));
    row.push_back(raw(d ? format_raw(ch->diff->se) : ""));
    row.push_back(raw(d ? format_raw(ch->diff->df) : ""));
    row.push_back(raw(d ? format_raw(ch->diff->ci.lower) : ""));
    row.push_back(raw(d ? format_raw(ch->diff->ci.upper) : ""));
    row.push_back(raw(format_raw(level)));
    row.push_back(raw(d ? (ch->diff->excludes_zero ? "1" : "0") : ""));
    row.push_back(raw(s.hidden || (k > 0 && ch && ch->hidden) ? "1" : "0"));
    t.rows.push_back(std::move(row));
  };
  if (prevalence)
    for (const auto& pc : prevalence->cells)
      for (std::size_t k = 0; k < pc.cell.rounds.size(); ++k)
        append({raw("prevalence"), raw(std::to_string(k + 1)), raw(o.labels.at(k)), raw(""), raw(estimate::measure_id(pc.measure)), raw("all"), raw(pc.group),
                raw(by_key_or_all(pc)), raw(""), raw(""), raw(measure_name_ja(pc.measure))},
               pc.cell, k, prevalence->base, prevalence->level, std::nullopt, false);
  for (const auto& d : dists)
    for (const auto& r : d.rows)
      for (std::size_t k = 0; k < r.cell.rounds.size(); ++k) {
        const Side& s = r.cell.rounds[k];
        const std::string code = r.codes[k] ? std::to_string(*r.codes[k]) : (s.present && r.kind == RowKind::NoAnswer ? "no_answer" : "");
        append({raw("distribution"), raw(std::to_string(k + 1)), raw(o.labels.at(k)), raw(d.variables.at(k)), raw(""), raw(tabulate::domain_id(r.domain)),
                raw(r.age_band), raw(r.sex), raw(r.key), raw(code), raw(r.kind == RowKind::NoAnswer ? "無回答" : r.label)},
               r.cell, k, d.base, d.level, r.block[k] ? std::optional<std::size_t>(r.bases[k]) : std::nullopt, r.bases_hidden[k]);
      }
  return t;
}

ChartData prevalence_trend_chart(const PrevalenceTrend& tr, const TrendDisplay& o) {
  ChartData c;
  c.title = Text{fmt::format("広義のひきこもり群の出現率の推移（{}）", fmt::join(o.labels, "、")),
                 fmt::format("Prevalence of hikikomori, broad definition ({})", fmt::join(o.labels, ", "))};
  c.fine_axis = true;
  for (const auto& l : o.labels) c.categories.push_back(same(l));
  for (const auto& pc : tr.cells) {
    // One line per age group; the --by levels are in the tables only (a line per level would not stay legible).
    if (pc.measure != Measure::Broad || !pc.by_variable.empty()) continue;
    ChartSeries s;
    s.name = Text{group_label(pc.group, false), group_label(pc.group, true)};
    for (const Side& r : pc.cell.rounds) {
      ChartBar b;
      b.hidden = r.present && r.hidden;
      b.estimable = r.present && !r.hidden && r.estimable;
      if (b.estimable) {
        b.value = r.estimate;
        b.label = format_percent(r.estimate, o.rate_decimals);
        if (r.has_ci) {
          b.has_interval = true;
          b.lower = r.ci.lower;
          b.upper = r.ci.upper;
        }
      }
      s.bars.push_back(b);
    }
    c.series.push_back(std::move(s));
  }
  c.note = Text{"出現率は各調査の有効回答数に対する広義のひきこもり群の割合。調査は互いに独立な標本。",
                "Prevalence: cases of the broad definition per valid response in each survey; the surveys are independent samples."};
  return c;
}

Document trend_document(const std::vector<CompareSurvey>& surveys, const PrevalenceTrend* prevalence, const std::vector<DistributionTrend>& dists,
                        const TrendDisplay& o) {
  if (surveys.size() != o.labels.size()) trend_internal("labels do not match the surveys");
  Document d;
  d.title = Text{fmt::format("{}回の調査の推移（{}）", surveys.size(), fmt::join(o.labels, "、")),
                 fmt::format("Trend over {} surveys ({})", surveys.size(), fmt::join(o.labels, ", "))};
  auto fact = [&](Text k, Text v) { d.facts.emplace_back(std::move(k), std::move(v)); };
  const TrendBase base = prevalence ? prevalence->base : dists.empty() ? TrendBase::First : dists.front().base;
  std::vector<bool> weighted(surveys.size(), false);
  if (prevalence)
    for (std::size_t k = 0; k < surveys.size(); ++k) weighted[k] = prevalence->weighted[k];
  for (const auto& dist : dists)
    for (std::size_t k = 0; k < surveys.size(); ++k) weighted[k] = weighted[k] || dist.weighted[k];
  for (std::size_t k = 0; k < surveys.size(); ++k) survey_facts(d, surveys[k], o.labels[k], weighted[k]);
  const double level = prevalence ? prevalence->level : dists.empty() ? 0.95 : dists.front().level;
  fact(Text{"変化", "change"},
       base == TrendBase::First
           ? Text{fmt::format("各回 − {}（最初の調査。割合の差、ポイント）", o.labels.front()),
                  fmt::format("each survey - {} (the first; difference of proportions, points)", o.labels.front())}
           : Text{"各回 − 前回（割合の差、ポイント）", "each survey - the one before it (difference of proportions, points)"});
  change_facts(d, false, level);
  fact(Text{"秘匿", "suppression"},
       o.min_cell > 0 ? Text{fmt::format("各調査の集計表で秘匿されるセル（人数1～{}人、合計から逆算できるセル）を秘匿。秘匿したセルとの差も秘匿", o.min_cell - 1),
                             fmt::format("the cells each survey's own table suppresses (1-{} respondents, or recoverable from totals); a change involving "
                                         "one is suppressed too",
                                         o.min_cell - 1)}
                      : Text{"なし (--min-cell 0)", "off (--min-cell 0)"});
  closing_facts(d, o.where, o.version);
  if (prevalence) d.tables.push_back(prevalence_trend_table(*prevalence, o));
  for (const auto& dist : dists) {
    d.tables.push_back(distribution_trend_cross_table(dist, o));
    d.tables.push_back(distribution_trend_table(dist, o));
  }

  // The same rule-set: the same id, version and rule text (the file may be another copy of it).
  std::set<std::tuple<std::string, int, std::string>> rulesets;
  for (const auto& s : surveys)
    if (s.cls) rulesets.emplace(s.cls->ruleset.id, s.cls->ruleset.version, s.cls->ruleset.content_hash);
  if (rulesets.size() > 1) {
    std::vector<std::string> ja, en;
    for (std::size_t k = 0; k < surveys.size(); ++k)
      if (surveys[k].cls) {
        ja.push_back(fmt::format("{}: {}", o.labels[k], surveys[k].cls->ruleset.display_id()));
        en.push_back(fmt::format("{}: {}", o.labels[k], surveys[k].cls->ruleset.display_id()));
      }
    d.notes.push_back(Text{fmt::format("注意: 調査によって判定基準が違います（{}）。変化には定義の違いが含まれます。", fmt::join(ja, "、")),
                           fmt::format("Caution: the surveys use different rule-sets ({}); a change includes the change of definition.", fmt::join(en, ", "))});
  }
  if (std::find(weighted.begin(), weighted.end(), true) != weighted.end() && std::find(weighted.begin(), weighted.end(), false) != weighted.end())
    d.notes.push_back(Text{"重み付きの調査と重みのない調査があります。それぞれの調査の推定方法のまま比較しています。",
                           "Some surveys are weighted and some are not; each survey is estimated its own way."});
  for (std::size_t k = 0; k < surveys.size(); ++k) survey_notes(d, surveys[k], o.labels[k]);
  return d;
}


Table prevalence_trend_cross_table(const PrevalenceTrend& tr, const TrendDisplay& o) {
  Table t;
  t.id = "prevalence_trend_cross";
  t.title = Text{fmt::format("広義のひきこもり群の出現率の推移（{}）", fmt::join(o.labels, "、")),
                 fmt::format("Prevalence of hikikomori, broad definition, over {} surveys ({})", o.labels.size(), fmt::join(o.labels, ", "))};
  using table::NumberKind;
  t.columns.push_back(Column{"measure", Text{"区分", "group"}, Align::Left, true, true, NumberKind::Text, Text{}});
  t.columns.push_back(Column{"age_group", Text{"年齢", "age"}, Align::Left, true, true, NumberKind::Text, Text{}});
  const bool by = any_by_level(tr.cells);
  if (by) t.columns.push_back(Column{"by", Text{"属性", "by"}, Align::Left, true, true, NumberKind::Text, Text{}});
  const std::string lv = level_pct(tr.level);
  for (std::size_t r = 0; r < o.labels.size(); ++r) {
    const std::string gid = "r" + std::to_string(r + 1);
    const Text group = same(o.labels[r]);
    t.columns.push_back(Column{gid, group, Align::Right, true, false, NumberKind::Text, Text{}});
    t.columns.push_back(Column{gid + ".n", Text{"有効回答数", "n"}, Align::Right, false, true, NumberKind::Count, group});
    t.columns.push_back(Column{gid + ".cases", Text{"該当数", "cases"}, Align::Right, false, true, NumberKind::Count, group});
    t.columns.push_back(Column{gid + ".rate", Text{"出現率", "rate"}, Align::Right, false, true, NumberKind::Proportion, group});
    t.columns.push_back(Column{gid + ".ci_lower", Text{lv + "信頼区間 下限", lv + " CI lower"}, Align::Right, false, true, NumberKind::Proportion, group});
    t.columns.push_back(Column{gid + ".ci_upper", Text{lv + "信頼区間 上限", lv + " CI upper"}, Align::Right, false, true, NumberKind::Proportion, group});
  }
  bool any_hidden = false, any_absent = false;
  for (const auto& pc : tr.cells) {
    std::vector<Cell> row;
    const Text m{estimate::measure_label(pc.measure, false), estimate::measure_label(pc.measure, true)};
    row.push_back(Cell{m, m.ja});
    const Text g{group_label(pc.group, false), group_label(pc.group, true)};
    row.push_back(Cell{g, g.ja});
    if (by) {
      const Text b = by_text(pc);
      row.push_back(Cell{b, b.ja});
    }
    for (const Side& s : pc.cell.rounds) {
      const bool show = s.present && !s.hidden;
      const bool est = show && s.estimable;
      any_hidden = any_hidden || (s.present && s.hidden);
      any_absent = any_absent || !s.present || (show && !s.estimable);
      row.push_back(Cell{s.hidden && s.present ? same("*") : est ? same(format_percent(s.estimate, o.rate_decimals)) : same("—"), ""});
      row.push_back(Cell{Text{}, s.present ? base_raw(s.base, s.base_hidden) : ""});
      row.push_back(Cell{Text{}, show ? std::to_string(s.count) : ""});
      row.push_back(Cell{Text{}, est ? format_raw(s.estimate) : ""});
      row.push_back(Cell{Text{}, est && s.has_ci ? format_raw(s.ci.lower) : ""});
      row.push_back(Cell{Text{}, est && s.has_ci ? format_raw(s.ci.upper) : ""});
    }
    t.rows.push_back(std::move(row));
  }
  t.notes.push_back(Text{fmt::format("出現率は各調査の有効回答数に対する該当者の割合。信頼区間は{}（各調査の区間: estimate と同じ方法）。", lv),
                         fmt::format("Prevalence: cases per valid response in each survey; {} intervals, each survey's own (as estimate).", lv)});
  if (any_hidden) t.notes.push_back(round_hidden_note(o.min_cell, false));
  if (any_absent)
    t.notes.push_back(Text{"— その調査にない区分、または値が定まらないセルです。", "— the group is not in that survey, or the value is undefined."});
  return t;
}

std::string trend_word_markdown(const Document& doc, const std::vector<TrendFigure>& figures, Lang lang) {
  const bool en = lang == Lang::En;
  std::string out = "# " + table::md_text(doc.title.in(en)) + "\n\n## " + (en ? "Method" : "方法") + "\n\n";
  for (const auto& [k, v] : doc.facts) out += "- **" + table::md_text(k.in(en)) + "**: " + table::md_text(v.in(en)) + "\n";
  out += std::string("\n## ") + (en ? "Tables" : "集計表") + "\n";
  int figure = 0;
  for (std::size_t i = 0; i < doc.tables.size(); ++i) {
    const Table& t = doc.tables[i];
    out += fmt::format("\n### {}{}{}", en ? "Table " : "表", i + 1, en ? ". " : "\u3000") + table::md_text(t.title.in(en)) + "\n\n";
    out += render_markdown_table(t, lang);
    for (const auto& f : figures)
      if (f.table == i) {
        // A picture alone in its paragraph: pandoc makes it a figure, its text the caption (図N).
        out += fmt::format("\n![{}{}{}{}]({})\n", en ? "Figure " : "図", ++figure, en ? ". " : "\u3000", table::md_text(f.caption.in(en)), f.png);
      }
  }
  if (!doc.notes.empty()) out += std::string("\n## ") + (en ? "Notes" : "注") + "\n\n";
  for (const auto& n : doc.notes) out += "- " + table::md_note(n.in(en)) + "\n";
  return out;
}

} // namespace hkstat::report
