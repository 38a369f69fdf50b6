#include "hkstat/tabulate/tabulate.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

namespace hkstat::tabulate {

namespace {

Text same(const std::string& s) { return Text{s, s}; }

// The block whose base n is cell i of the problem, if it is one.
std::optional<std::size_t> base_block(const Distribution& d, std::size_t i) {
  if (!d.base_cell0 || i < *d.base_cell0 || i >= *d.base_cell0 + d.blocks.size()) return std::nullopt;
  return i - *d.base_cell0;
}

// "broad/15-39/all/2" — the machine keys of a printed cell ("…/base" for a block's base n); for a residual
// cell the difference it is.
std::string cell_key(const Distribution& d, std::size_t i) {
  if (const auto b = base_block(d, i)) {
    const Block& blk = d.blocks[*b];
    return fmt::format("{}/{}/{}/base", domain_id(blk.domain), blk.age_band, blk.level_key());
  }
  if (i < d.cells.size()) {
    const DistCell& c = d.cells[i];
    const Block& b = d.blocks[c.block];
    return fmt::format("{}/{}/{}/{}", domain_id(b.domain), b.age_band, b.level_key(), c.kind == RowKind::NoAnswer ? std::string("no_answer") : std::to_string(c.code));
  }
  for (const auto& r : d.problem.relations) {
    if (!r.total || std::find(r.parts.begin(), r.parts.end(), i) == r.parts.end()) continue;
    std::string s = cell_key(d, *r.total);
    for (std::size_t p : r.parts)
      if (p != i) s += " - " + (p < d.cells.size() || base_block(d, p) ? cell_key(d, p) : std::string("?"));
    return s;
  }
  return "residual";
}

} // namespace

table::Table suppression_audit_table(const std::vector<Distribution>& dists) {
  using table::Align;
  table::Table t;
  t.id = "suppression_audit";
  t.title = Text{"秘匿の監査（隠したセルとその理由）", "Suppression audit (hidden cells and why)"};
  auto col = [&](const char* id, Text header, Align a) { t.columns.push_back(table::Column{id, std::move(header), a, true, true}); };
  col("variable", Text{"変数", "variable"}, Align::Left);
  col("domain", Text{"区分", "group"}, Align::Left);
  col("age_band", Text{"年齢", "age"}, Align::Left);
  col("sex", Text{"性別・属性", "sex / level"}, Align::Left);
  col("code", Text{"コード", "code"}, Align::Left);
  col("label", Text{"回答", "answer"}, Align::Left);
  col("reason", Text{"理由", "reason"}, Align::Left);
  col("protects", Text{"保護するセル", "protects"}, Align::Left);
  col("detail", Text{"説明", "detail"}, Align::Left);
  for (const auto& d : dists) {
    const auto& s = d.suppression;
    for (std::size_t i = 0; i < s.hidden.size(); ++i) {
      if (!s.hidden[i]) continue;
      std::vector<table::Cell> row;
      auto add = [&](const std::string& v) { row.push_back(table::Cell{same(v), v}); };
      add(d.variable);
      if (i < d.cells.size()) {
        const DistCell& c = d.cells[i];
        const Block& b = d.blocks[c.block];
        add(domain_id(b.domain));
        add(b.age_band);
        add(b.level_key());
        add(c.kind == RowKind::NoAnswer ? "no_answer" : std::to_string(c.code));
        add(c.label);
      } else if (const auto bb = base_block(d, i)) { // a block's base n (printed n=*)
        const Block& b = d.blocks[*bb];
        add(domain_id(b.domain));
        add(b.age_band);
        add(b.level_key());
        add("base");
        add("n");
      } else {
        for (int k = 0; k < 4; ++k) add("");
        add("");
      }
      const bool residual = i >= d.cells.size() && !base_block(d, i);
      const HideReason r = s.reason[i];
      add(s.primary[i] ? "primary" : hide_reason_id(r));
      const bool complement = (r == HideReason::Complement || r == HideReason::Fallback) && i < s.complement_for.size();
      const std::string protects = complement ? cell_key(d, s.complement_for[i]) : "";
      add(protects);
      std::string detail;
      if (s.primary[i]) detail = fmt::format("n 1-{} (min_cell {})", d.min_cell - 1, d.min_cell);
      else if (complement && r == HideReason::Fallback)
        detail = "hidden with every cell connected to " + protects + " (the rule used past the suppression work limit)";
      else if (complement) detail = "hidden so that " + protects + " cannot be worked out from the totals";
      if (residual) detail += (detail.empty() ? "" : "; ") + std::string("never printed: ") + cell_key(d, i);
      add(detail);
      t.rows.push_back(std::move(row));
    }
  }
  return t;
}

} // namespace hkstat::tabulate
