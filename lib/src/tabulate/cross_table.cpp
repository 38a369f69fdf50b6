#include "hkstat/tabulate/cross_table.hpp"

#include "hkstat/table/number_format.hpp"

#include <fmt/format.h>

#include <map>
#include <tuple>
#include <utility>

namespace hkstat::tabulate {

namespace {

Text same(const std::string& s) { return Text{s, s}; }

std::string block_id(const Block& b) {
  std::string id = domain_id(b.domain);
  const std::string level = b.level_key();
  bool any_level = false;
  for (const BlockLevel& lv : b.levels) any_level = any_level || lv.level != "all";
  if (b.age_band != "all" || any_level) id += "." + b.age_band;
  if (any_level) id += "." + level;
  return id;
}

} // namespace

Text block_label(const Distribution& dist, std::size_t block) {
  bool domains = false, ages = false;
  std::vector<bool> levels(dist.blocks.empty() ? 0 : dist.blocks.front().levels.size(), false);
  for (const auto& b : dist.blocks) {
    domains = domains || b.domain != dist.blocks.front().domain;
    ages = ages || b.age_band != "all";
    for (std::size_t i = 0; i < b.levels.size() && i < levels.size(); ++i) levels[i] = levels[i] || b.levels[i].level != "all";
  }
  const Block& b = dist.blocks.at(block);
  Text out;
  auto part = [&](const Text& t) {
    out.ja += (out.ja.empty() ? "" : "・") + t.ja;
    out.en += (out.en.empty() ? "" : ", ") + t.en;
  };
  // A margin ("all") is not named: 40～64歳・男性, 40～64歳 (both sexes), 男性 (all ages), 未婚・男性.
  if (domains) part(domain_label(b.domain));
  if (ages && b.age_band != "all") part(b.age_label);
  for (std::size_t i = 0; i < b.levels.size() && i < levels.size(); ++i)
    if (levels[i] && b.levels[i].level != "all") part(b.levels[i].label);
  if (out.ja.empty()) part(domains ? domain_label(b.domain) : Text{"全体", "total"});
  return out;
}

table::Table cross_table(const Distribution& dist, const TableOptions& o) {
  const table::Table long_form = distribution_table(dist, o);
  table::Table t;
  t.id = "cross:" + dist.variable;
  t.title = long_form.title;
  t.notes = long_form.notes;
  using table::Align;
  using table::NumberKind;
  t.columns.push_back(table::Column{"label", Text{"回答", "answer"}, Align::Left, true, true, NumberKind::Text, Text{}});
  std::vector<std::size_t> first_cell(dist.blocks.size(), dist.cells.size());
  for (std::size_t i = 0; i < dist.cells.size(); ++i)
    if (first_cell[dist.cells[i].block] == dist.cells.size()) first_cell[dist.cells[i].block] = i;
  for (std::size_t k = 0; k < dist.blocks.size(); ++k) {
    const Block& b = dist.blocks[k];
    const Text label = block_label(dist, k);
    const std::string n = b.base_hidden ? std::string("*") : table::with_thousands(static_cast<long long>(b.base));
    const Text group{label.ja + "（n=" + n + "）", label.en + " (n=" + n + ")"};
    const std::string gid = block_id(b);
    t.columns.push_back(table::Column{gid, group, Align::Right, true, false, NumberKind::Text, Text{}});
    t.columns.push_back(table::Column{gid + ".n", Text{"人数", "n"}, Align::Right, false, true, NumberKind::Count, group});
    t.columns.push_back(table::Column{gid + ".percent", dist.multi ? Text{"割合（回答者比）", "% of respondents"} : Text{"割合", "%"}, Align::Right,
                                      false, true, NumberKind::Proportion, group});
  }
  // Rows: the answers of the first block, in order; each block's cell found by (kind, code).
  std::vector<std::pair<RowKind, std::int64_t>> answers;
  std::vector<std::string> labels;
  std::map<std::tuple<std::size_t, int, std::int64_t>, const DistCell*> at;
  for (const auto& c : dist.cells) {
    at[{c.block, static_cast<int>(c.kind), c.code}] = &c;
    if (c.block == (dist.cells.empty() ? 0 : dist.cells.front().block)) {
      answers.emplace_back(c.kind, c.code);
      labels.push_back(c.label);
    }
  }
  const int dec = o.percent_decimals;
  for (std::size_t r = 0; r < answers.size(); ++r) {
    std::vector<table::Cell> row;
    const bool na = answers[r].first == RowKind::NoAnswer;
    row.push_back(table::Cell{na ? Text{"無回答", "no answer"} : same(labels[r]), na ? (Text{"無回答", "no answer"}).ja : labels[r]});
    for (std::size_t k = 0; k < dist.blocks.size(); ++k) {
      const auto it = at.find({k, static_cast<int>(answers[r].first), answers[r].second});
      const DistCell* c = it == at.end() ? nullptr : it->second;
      if (!c) {
        row.push_back(table::Cell{same("—"), ""});
        row.push_back(table::Cell{Text{}, ""});
        row.push_back(table::Cell{Text{}, ""});
      } else if (c->hidden || dist.blocks[k].base_hidden) { // a hidden base: the percentage would give it away
        row.push_back(table::Cell{same("*"), ""});
        row.push_back(table::Cell{Text{}, c->hidden ? std::string() : std::to_string(c->n)});
        row.push_back(table::Cell{Text{}, ""});
      } else {
        const bool flag = c->estimable && (c->small_base || c->wide_ci);
        row.push_back(table::Cell{c->estimable ? same(table::format_percent(c->est.value, dec) + (flag ? "※" : "")) : same("—"), ""});
        row.push_back(table::Cell{Text{}, std::to_string(c->n)});
        row.push_back(table::Cell{Text{}, c->estimable ? table::format_raw(c->est.value) : ""});
      }
    }
    t.rows.push_back(std::move(row));
  }
  return t;
}

} // namespace hkstat::tabulate
