#include "hkstat/tabulate/tabulate.hpp"
#include "hkstat/tabulate/joint_suppression.hpp"

#include "accumulator_impl.hpp"

#include "hkstat/estimate/by_limit.hpp"
#include "hkstat/estimate/design_from_data.hpp"
#include "hkstat/estimate/replicates.hpp"
#include "hkstat/estimate/survey_estimators.hpp"
#include "hkstat/table/number_format.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <utility>

namespace hkstat::tabulate {

using codebook::Role;
using codebook::VarType;

namespace {

Text same(const std::string& s) { return Text{s, s}; }

[[noreturn]] void usage(const std::string& key, const std::string& value, Text message, Text expected) {
  throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{"", 0, 0, "", key}, value, std::move(message), std::move(expected), ""});
}

std::vector<std::string> split_commas(std::string_view text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto comma = text.find(',', start);
    std::string part(text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    while (!part.empty() && part.front() == ' ') part.erase(part.begin());
    while (!part.empty() && part.back() == ' ') part.pop_back();
    out.push_back(part);
    start = comma == std::string_view::npos ? text.size() + 1 : comma + 1;
  }
  return out;
}

// Calibrated replicate designs (R: calibrate() on a svrepdesign, recalibrating every replicate) are not built.
void refuse_calibrated_replicates(const TabulateOptions& opt) {
  if (opt.calibration && (opt.replicates || opt.replicate_request))
    usage("replicates", "", Text{"反復重みと較正（‹replicates› と ‹calibrate›）は同時に使えません", "replicate weights and calibration cannot be combined"},
          Text{"どちらか一方", "one of the two"});
}


Text no_answer_label() { return Text{"無回答", "no answer"}; }

std::string kind_label_ja(codebook::SurveyKind k) {
  switch (k) {
  case codebook::SurveyKind::Agency: return "関係機関調査";
  case codebook::SurveyKind::Intake: return "相談受付票";
  case codebook::SurveyKind::Population: break;
  }
  return "住民調査";
}
std::string kind_label_en(codebook::SurveyKind k) {
  switch (k) {
  case codebook::SurveyKind::Agency: return "agency survey";
  case codebook::SurveyKind::Intake: return "set of intake records";
  case codebook::SurveyKind::Population: break;
  }
  return "population survey";
}

} // namespace

const char* domain_id(Domain d) {
  switch (d) {
  case Domain::All: return "all";
  case Domain::Broad: return "broad";
  case Domain::Comparison: return "comparison";
  }
  return "";
}

Text domain_label(Domain d) {
  switch (d) {
  case Domain::All: return Text{"回答者全体", "all respondents"};
  case Domain::Broad: return Text{"広義のひきこもり群", "broad hikikomori"};
  case Domain::Comparison: return Text{"一般群（広義以外）", "comparison (not broad)"};
  }
  return Text{};
}

std::vector<Domain> parse_domains(std::string_view text) {
  std::vector<Domain> out;
  for (const auto& p : split_commas(text)) {
    Domain d;
    if (p == "all") d = Domain::All;
    else if (p == "broad") d = Domain::Broad;
    else if (p == "comparison") d = Domain::Comparison;
    else
      usage("domain", p, Text{"集計対象の区分が不正です", "invalid domain"},
            Text{"all, broad, comparison（カンマ区切りで複数可）", "all, broad, comparison (comma-separated for several)"});
    if (std::find(out.begin(), out.end(), d) == out.end()) out.push_back(d);
  }
  return out;
}

std::string Block::level_key() const {
  if (levels.size() <= 1) return sex;
  std::string key;
  for (const BlockLevel& lv : levels) key += (key.empty() ? "" : "×") + lv.level;
  return key;
}

bool By::sex() const { return std::find(variables.begin(), variables.end(), "sex") != variables.end(); }

By parse_by(std::string_view text) {
  By by;
  if (text == "none" || text.empty()) return by;
  bool age_seen = false;
  const auto bad = [&]() {
    usage("by", std::string(text), Text{"‹by› の指定が不正です", "invalid ‹by›"},
          Text{"age5, age10, age2 のどれか1つまでと、sex またはコード型の変数を合わせて3つまで（例: age2,sex、問3、age2,問3、問3,sex、age2,sex,問3）",
               "at most one of age5, age10, age2, with sex or code variables: three in all (e.g. age2,sex; Q3; age2,Q3; Q3,sex; age2,sex,Q3)"});
  };
  std::size_t words = 0;
  for (const auto& p : split_commas(text)) {
    ++words;
    AgeBands a = AgeBands::None;
    if (p == "age5") a = AgeBands::Age5;
    else if (p == "age10") a = AgeBands::Age10;
    else if (p == "age2") a = AgeBands::Age2;
    if (a != AgeBands::None) {
      if (age_seen) bad();
      by.age = a;
      age_seen = true;
      continue;
    }
    if (p.empty() || p == "none" || std::find(by.variables.begin(), by.variables.end(), p) != by.variables.end()) bad();
    by.variables.push_back(p);
  }
  // The depth limit (estimate::kMaxByDepth), as estimate --by words it; the levels are bounded once the
  // codebook is known (estimate::check_by_limits).
  if (words > estimate::kMaxByDepth) estimate::check_by_limits(std::vector<std::size_t>(words, 0), true, "");
  return by;
}

const codebook::Variable& by_variable(const codebook::Codebook& cb, const std::string& name) {
  const codebook::Variable* var = cb.by_name(name);
  if (!var)
    if (const auto role = codebook::parse_role(name)) var = cb.by_role(*role);
  if (!var)
    usage("by", name, Text{fmt::format("‹by› の変数「{}」がコードブックにありません", name), fmt::format("‹by› variable \"{}\" is not in the codebook", name)},
          Text{"age5, age10, age2, sex、またはコードブックのコード型（type = \"code\"）の変数名",
               "age5, age10, age2, sex, or the name of a code variable (type = \"code\") of the codebook"});
  if (var->type != VarType::Code)
    usage("by", name,
          Text{fmt::format("‹by› の変数「{}」は {} 型です。区分に使えるのは単数回答（code）の変数だけです", name, codebook::type_name(var->type)),
               fmt::format("‹by› variable \"{}\" is of type {}; only single-answer (code) variables can break a table down", name,
                           codebook::type_name(var->type))},
          Text{"type = \"code\" の変数", "a variable of type \"code\""});
  return *var;
}

const codebook::Variable& tabulated_variable(const codebook::Codebook& cb, const std::string& variable) {
  const codebook::Variable* var = cb.by_name(variable);
  if (!var)
    usage("var", variable, Text{fmt::format("コードブックにない変数です: {}", variable), fmt::format("no such variable in the codebook: {}", variable)},
          Text{"コードブックの [[variable]] の name", "the name of a [[variable]] in the codebook"});
  if (var->type == VarType::Id || var->type == VarType::Text)
    usage("var", variable,
          Text{fmt::format("変数「{}」は{}のため集計できません（個人を特定しうる情報は表にしません）", variable,
                           var->type == VarType::Id ? "回答者ID" : "自由記述"),
               fmt::format("variable \"{}\" is {} and can never be tabulated (privacy rule)", variable,
                           var->type == VarType::Id ? "a respondent identifier" : "free text")},
          Text{"type = \"code\" または \"multi\" の変数", "a variable of type \"code\" or \"multi\""});
  if (var->type != VarType::Code && var->type != VarType::Multi)
    usage("var", variable,
          Text{fmt::format("変数「{}」は {} 型です。分布表にできるのは code（単数回答）と multi（複数回答）だけです", variable, codebook::type_name(var->type)),
               fmt::format("variable \"{}\" is of type {}; only code (single answer) and multi (multiple answer) can be tabulated", variable,
                           codebook::type_name(var->type))},
          Text{"type = \"code\" または \"multi\" の変数", "a variable of type \"code\" or \"multi\""});
  return *var;
}

void apply_joint_suppression(const Suppression& joint, std::size_t off, std::span<const double> cost, Distribution& d) {
  const std::size_t n = d.problem.counts.size();
  Suppression local;
  local.least_cost_proven = joint.least_cost_proven;
  for (std::size_t i = 0; i < n; ++i) {
    local.hidden.push_back(joint.hidden.at(off + i));
    local.primary.push_back(joint.primary[off + i]);
    local.reason.push_back(joint.reason[off + i]);
    const std::size_t f = joint.complement_for[off + i];
    local.complement_for.push_back(f >= off && f < off + n ? f - off : i);
    if (joint.reason[off + i] == HideReason::Complement || joint.reason[off + i] == HideReason::Fallback) {
      ++local.secondary;
      local.secondary_cost += cost[off + i];
      if (joint.reason[off + i] == HideReason::Fallback) ++local.fallback;
    }
  }
  for (std::size_t u : joint.unprotected)
    if (u >= off && u < off + n) local.unprotected.push_back(u - off);
  for (std::size_t i = 0; i < d.cells.size(); ++i) {
    d.cells[i].hidden = local.hidden[i];
    d.cells[i].primary = local.primary[i];
  }
  if (d.base_cell0)
    for (std::size_t b = 0; b < d.blocks.size(); ++b) d.blocks[b].base_hidden = local.hidden.at(*d.base_cell0 + b);
  d.suppression = std::move(local);
}

Text fallback_note() {
  return Text{"* この表は大きいため、補完秘匿の一部を簡易な規則で決めました: 小さいセルとつながる合計・セルをまとめて秘匿し、"
              "差し引きで分からないことを確かめています（最小の秘匿ではありません。--audit-out の理由 fallback）。",
              "* This table is large: some complementary suppression follows a simple rule (the totals and cells connected to a "
              "small cell are hidden together, checked not to be recoverable by differencing); not the least suppression "
              "(reason fallback in --audit-out)."};
}

namespace detail {

void drop_intervals(Distribution& dist, std::size_t first) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (std::size_t i = first; i < dist.cells.size(); ++i) {
    DistCell& c = dist.cells[i];
    c.est.interval.reset();
    c.est.interval_method.clear();
    c.small_base = false;
    c.wide_ci = false;
    c.est.se = nan;
    c.est.df = nan;
    c.est.deff = nan;
    c.est.deff_wor = nan;
  }
}

void add_relations_and_suppress(Distribution& dist, const std::vector<BlockKey>& keys, const TabulateOptions& opt, const std::vector<Factor>& factors) {
  const bool multi = dist.multi;
  const std::size_t per_block = keys.empty() ? 0 : dist.cells.size() / keys.size();
  const std::size_t n_codes = per_block - 1;
  std::map<std::pair<int, Levels>, std::size_t> index;
  for (std::size_t b = 0; b < keys.size(); ++b) index.emplace(std::make_pair(keys[b].domain, keys[b].f), b);
  auto block_of = [&](int d, const Levels& f) -> std::optional<std::size_t> {
    const auto it = index.find({d, f});
    if (it == index.end()) return std::nullopt;
    return it->second;
  };
  auto add_margin = [&](std::optional<std::size_t> total, const std::vector<std::optional<std::size_t>>& parts) {
    if (!total) return;
    std::vector<std::size_t> present;
    for (const auto& p : parts)
      if (p) present.push_back(*p);
    if (present.empty()) return;
    for (std::size_t k = 0; k < per_block; ++k) {
      Relation rel;
      rel.total = *total * per_block + k;
      for (std::size_t p : present) rel.parts.push_back(p * per_block + k);
      dist.relations.push_back(std::move(rel));
    }
  };
  // Every margin over a factor: a block with the factor at "all" is the sum of the blocks with each of its
  // levels (無回答 included), the other factors as they are — for every term, so that crossed tables (up to
  // three deep) have every additive relation between their blocks and margins. `relate(total, parts)` is called
  // once per such margin (for the rows here, for the bases below).
  const auto each_factor_margin = [&](const auto& relate) {
    for (int d = 0; d < static_cast<int>(opt.domains.size()); ++d)
      for (std::size_t i = 0; i < factors.size(); ++i)
        for (const BlockKey& key : keys) {
          if (key.domain != d || key.f[i] != kAll) continue;
          std::vector<std::optional<std::size_t>> parts;
          Levels f = key.f;
          for (int l = 0; l <= factors[i].n; ++l) {
            f[i] = l;
            parts.push_back(block_of(d, f));
          }
          relate(block_of(d, key.f), parts);
        }
  };
  each_factor_margin(add_margin);
  // 全体 = 広義 + 一般群 when all three domains are in the table.
  const auto index_of = [&](Domain x) {
    const auto it = std::find(opt.domains.begin(), opt.domains.end(), x);
    return it == opt.domains.end() ? -1 : static_cast<int>(it - opt.domains.begin());
  };
  const int d_all = index_of(Domain::All), d_broad = index_of(Domain::Broad), d_comp = index_of(Domain::Comparison);
  if (d_all >= 0 && d_broad >= 0 && d_comp >= 0)
    for (const BlockKey& key : keys)
      if (key.domain == d_all) add_margin(block_of(d_all, key.f), {block_of(d_broad, key.f), block_of(d_comp, key.f)});

  // Bounds a reader knows: every count is at most the respondents tabulated (the input's valid responses), and
  // a cell of an empty block is 0. A single answer's rows add up to the block's base n (a cell, below), which
  // bounds them; a multiple answer's options do not, so each option is bounded by its block's base n as a
  // constant (known to the reader when the base is printed; when it is hidden the audit assumes more than a
  // reader knows, which can only hide more).
  std::size_t bound = dist.rows;
  for (const auto& b : dist.blocks) bound = std::max(bound, b.base);
  std::vector<std::size_t> counts, upper;
  for (const auto& c : dist.cells) {
    counts.push_back(c.n);
    const std::size_t base = dist.blocks[c.block].base;
    upper.push_back(base == 0 ? 0 : multi ? base : bound);
  }
  std::vector<bool> unpublished(counts.size(), false);
  // 全体 and only one of 広義 / 一般群: 全体 − the shown group is the other one, an unpublished residual cell per
  // block and row (its base: the difference of the bases), protected like the others when it is small.
  const int d_other = d_all < 0 || (d_broad >= 0) == (d_comp >= 0) ? -1 : d_broad >= 0 ? d_broad : d_comp;
  if (d_other >= 0)
    for (const BlockKey& key : keys) {
      if (key.domain != d_all) continue;
      const auto ta = block_of(d_all, key.f), to = block_of(d_other, key.f);
      if (!ta || !to) continue;
      const std::size_t base = dist.blocks[*ta].base - std::min(dist.blocks[*ta].base, dist.blocks[*to].base);
      for (std::size_t k = 0; k < per_block; ++k) {
        const std::size_t a = *ta * per_block + k, o = *to * per_block + k;
        Relation rel;
        rel.total = a;
        rel.parts = {o, counts.size()};
        dist.relations.push_back(std::move(rel));
        counts.push_back(counts[a] - std::min(counts[a], counts[o]));
        upper.push_back(base == 0 ? 0 : multi ? base : bound);
        unpublished.push_back(true);
      }
    }
  // The base n of every block is a cell (after the cells and residuals, in block order): sensitive when it is
  // 1 to min_cell−1 like any count, and a possible complement (at a margin's cost: after every row of its
  // block). Single answer: Σ rows = base n. Multiple answer: Σ options = the number of responses (published
  // beside the percentages of responses), and the bases add up over the margins like the rows.
  const std::size_t base0 = counts.size();
  for (const auto& b : dist.blocks) {
    counts.push_back(b.base);
    upper.push_back(b.base == 0 ? 0 : bound);
    unpublished.push_back(false);
  }
  for (std::size_t b = 0; b < keys.size(); ++b) {
    Relation rel;
    for (std::size_t k = 0; k < (multi ? n_codes : per_block); ++k) rel.parts.push_back(b * per_block + k);
    if (!multi) rel.total = base0 + b;
    dist.relations.push_back(std::move(rel));
  }
  auto add_base_margin = [&](std::optional<std::size_t> total, const std::vector<std::optional<std::size_t>>& parts) {
    if (!total) return;
    Relation rel;
    rel.total = base0 + *total;
    for (const auto& p : parts)
      if (p) rel.parts.push_back(base0 + *p);
    if (!rel.parts.empty()) dist.relations.push_back(std::move(rel));
  };
  if (multi) { // single answer: implied by the rows' margins
    each_factor_margin(add_base_margin);
    if (d_all >= 0 && d_broad >= 0 && d_comp >= 0)
      for (const BlockKey& key : keys)
        if (key.domain == d_all) add_base_margin(block_of(d_all, key.f), {block_of(d_broad, key.f), block_of(d_comp, key.f)});
  }
  // 全体 and only one of 広義 / 一般群: the other group's base n is a residual too (one per block).
  if (d_other >= 0)
    for (const BlockKey& key : keys) {
      if (key.domain != d_all) continue;
      const auto ta = block_of(d_all, key.f), to = block_of(d_other, key.f);
      if (!ta || !to) continue;
      Relation rel;
      rel.total = base0 + *ta;
      rel.parts = {base0 + *to, counts.size()};
      dist.relations.push_back(std::move(rel));
      const std::size_t diff = dist.blocks[*ta].base - std::min(dist.blocks[*ta].base, dist.blocks[*to].base);
      counts.push_back(diff);
      upper.push_back(diff == 0 && dist.blocks[*ta].base == 0 ? 0 : bound);
      unpublished.push_back(true);
    }
  // Cost of hiding a cell: its count, and margins (全体 over the age bands, over the levels, over the nested
  // domains) after every inner cell (suppression_cost).
  std::vector<int> level;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    int l = 0;
    const bool is_base = i >= base0 && i < base0 + keys.size();
    if (i < dist.cells.size() || is_base) {
      const BlockKey& key = keys[is_base ? i - base0 : dist.cells[i].block];
      for (std::size_t f = 0; f < factors.size(); ++f) l += key.f[f] == kAll ? 1 : 0;
      l += key.domain == d_all && (d_broad >= 0 || d_comp >= 0) ? 1 : 0;
      l += is_base ? 1 : 0; // a base n is the margin of its block's rows
    }
    level.push_back(l);
  }
  SuppressOptions so;
  so.cost = suppression_costs(counts, level);
  so.upper = std::move(upper);
  so.unpublished = std::move(unpublished);
  dist.suppression = suppress(counts, dist.relations, opt.min_cell, so);
  dist.problem.counts = std::move(counts);
  dist.problem.relations = dist.relations;
  dist.problem.options = std::move(so);
  dist.base_cell0 = base0;
  for (std::size_t i = 0; i < dist.cells.size(); ++i) {
    dist.cells[i].hidden = dist.suppression.hidden[i];
    dist.cells[i].primary = dist.suppression.primary[i];
  }
  for (std::size_t b = 0; b < dist.blocks.size(); ++b) dist.blocks[b].base_hidden = dist.suppression.hidden[base0 + b];
}

void suppress_shared_bases(std::vector<Distribution>& dists) {
  if (dists.size() < 2) return;
  bool any = false;
  for (const auto& d : dists) {
    if (!d.base_cell0) return;
    for (const auto& b : d.blocks) any = any || b.base_hidden;
  }
  if (!any) return; // every base printed: the tables share only published constants
  SuppressionProblem pb;
  pb.options = dists.front().problem.options;
  pb.options.cost.clear();
  pb.options.upper.clear();
  pb.options.unpublished.clear();
  pb.options.auxiliary.clear();
  std::vector<std::size_t> offset;
  std::map<std::string, std::size_t> first_base; // a block's key → its base cell in the first table that has it
  for (const auto& d : dists) {
    const SuppressionProblem& p = d.problem;
    const std::size_t off = pb.counts.size();
    offset.push_back(off);
    const std::vector<double> cost = p.options.cost.empty() ? suppression_costs(p.counts, {}) : p.options.cost;
    for (std::size_t i = 0; i < p.counts.size(); ++i) {
      pb.counts.push_back(p.counts[i]);
      pb.options.cost.push_back(cost[i]);
      pb.options.upper.push_back(p.options.upper.empty() ? std::max(d.rows, p.counts[i]) : p.options.upper[i]);
      pb.options.unpublished.push_back(!p.options.unpublished.empty() && p.options.unpublished[i]);
      pb.options.auxiliary.push_back(!p.options.auxiliary.empty() && p.options.auxiliary[i]);
    }
    for (const auto& r : p.relations) {
      Relation x;
      for (std::size_t q : r.parts) x.parts.push_back(off + q);
      if (r.total) x.total = off + *r.total;
      pb.relations.push_back(std::move(x));
    }
    for (std::size_t b = 0; b < d.blocks.size(); ++b) {
      const Block& blk = d.blocks[b];
      const std::string key = fmt::format("{}/{}/{}", domain_id(blk.domain), blk.age_band, blk.level_key());
      const std::size_t cell = off + *d.base_cell0 + b;
      const auto [it, fresh] = first_base.emplace(key, cell);
      if (!fresh) pb.relations.push_back(Relation{{cell}, it->second}); // the same base n
    }
  }
  Suppression joint = suppress(pb.counts, pb.relations, dists.front().min_cell, pb.options);
  // A base hidden in one table while printed in another hides nothing: print it in every table.
  for (const auto& [key, first] : first_base) {
    bool shown = false;
    std::vector<std::size_t> copies;
    for (std::size_t t = 0; t < dists.size(); ++t)
      for (std::size_t b = 0; b < dists[t].blocks.size(); ++b) {
        const Block& blk = dists[t].blocks[b];
        if (fmt::format("{}/{}/{}", domain_id(blk.domain), blk.age_band, blk.level_key()) != key) continue;
        const std::size_t cell = offset[t] + *dists[t].base_cell0 + b;
        copies.push_back(cell);
        shown = shown || !joint.hidden[cell];
      }
    if (shown)
      for (std::size_t c : copies)
        if (joint.hidden[c] && joint.reason[c] == HideReason::Complement) {
          joint.hidden[c] = false;
          joint.reason[c] = HideReason::Shown;
        }
  }
  for (std::size_t t = 0; t < dists.size(); ++t) apply_joint_suppression(joint, offset[t], pb.options.cost, dists[t]);
}

} // namespace detail

Distribution tabulate(const data::Dataset& ds, const classify::Classification* cls, const std::string& variable, const TabulateOptions& opt) {
  const codebook::Variable& var = tabulated_variable(ds.codebook, variable);
  const std::size_t rows = ds.rows();
  if (rows == 0)
    throw Error(Problem{ErrorCode::EstimateNoData, SourcePos{ds.source, 0, 0, "", ""}, "", Text{"有効な回答がありません", "there are no valid responses"},
                        Text{"1行以上の有効な回答", "at least one valid response"}, ""});
  refuse_calibrated_replicates(opt);
  if (opt.replicates && opt.replicates->rows() != rows)
    throw Error(Problem{ErrorCode::Internal, SourcePos{ds.source, 0, 0, "", ""}, fmt::format("replicate rows={} data rows={}", opt.replicates->rows(), rows),
                        Text{"反復重みの行数がデータと一致しません", "replicate weights differ in rows from the data"}, Text{}, ""});

  // Counts, blocks, relations, suppression and every estimate (every variance kind, through the one domain
  // engine) from the single-pass accumulator, so that the streaming and in-memory tables are identical.
  TabulateAccumulator acc({var.name}, opt);
  acc.add(ds, cls);
  Distribution dist = std::move(acc.finish().front());
  return dist;
}

// ---------------------------------------------------------------------------------------------------
// Tables and documents

namespace {

std::string level_pct(double level) {
  return table::format_fixed(level * 100.0, level * 100.0 == std::floor(level * 100.0) ? 0 : 1) + "%";
}

Text range(const std::string& a, const std::string& b) { return Text{a + "～" + b, a + "–" + b}; }

// The column names of the i-th --by level variable: by_variable / by_level, then by_variable2 / by_level2, ….
std::string level_column(const char* base, std::size_t i) { return i == 0 ? std::string(base) : fmt::format("{}{}", base, i + 1); }
// The table has the one sex column (the --by levels are sex alone, or none).
bool sex_column(const std::vector<BlockLevel>& levels) { return levels.empty() || (levels.size() == 1 && levels.front().sex); }

// `levels`: the --by level variables (a block's Block::levels). Sex alone (or none): the column sex. Else
// per level variable i a machine column by_variable{i} (its codebook name) and by_level{i} headed by the
// variable's label (性別 for sex); `shown[i]`: the human table shows it.
table::Table empty_table(double level, bool by_age, const std::vector<BlockLevel>& levels, const std::vector<bool>& shown, bool multi, bool design,
                         bool intervals = true) {
  using table::Align;
  table::Table t;
  const std::string lv = level_pct(level);
  auto col = [&](const char* id, Text header, Align a, bool human, bool machine) { t.columns.push_back(table::Column{id, std::move(header), a, human, machine}); };
  col("variable", Text{"変数", "variable"}, Align::Left, false, true);
  col("domain", Text{"区分", "group"}, Align::Left, true, true);
  col("age_band", Text{"年齢", "age"}, Align::Left, by_age, true);
  if (sex_column(levels)) {
    col("sex", Text{"性別", "sex"}, Align::Left, !shown.empty() && shown.front(), true);
  } else {
    for (std::size_t i = 0; i < levels.size(); ++i) {
      const std::string v = level_column("by_variable", i), l = level_column("by_level", i);
      col(v.c_str(), Text{"区分変数", "by variable"}, Align::Left, false, true);
      col(l.c_str(), levels[i].variable_label, Align::Left, shown[i], true);
    }
  }
  col("base_display", Text{"基数", "base"}, Align::Right, true, false);
  col("code", Text{"コード", "code"}, Align::Right, false, true);
  col("label", Text{"回答", "answer"}, Align::Left, true, true);
  col("n", Text{"人数", "n"}, Align::Right, true, true);
  col("base", Text{"基数", "base"}, Align::Right, false, true);
  col("percent", multi ? Text{"割合（回答者比）", "% of respondents"} : Text{"割合", "%"}, Align::Right, true, true);
  col("se", Text{"標準誤差", "SE"}, Align::Right, false, true);
  col("ci", Text{lv + "信頼区間", lv + " CI"}, Align::Right, intervals, false);
  col("ci_lower", Text{"信頼区間下限", "CI lower"}, Align::Right, false, true);
  col("ci_upper", Text{"信頼区間上限", "CI upper"}, Align::Right, false, true);
  col("ci_method", Text{"信頼区間の方法", "CI method"}, Align::Left, false, true);
  col("percent_responses_display", Text{"割合（回答数比）", "% of responses"}, Align::Right, multi, false);
  col("suppressed", Text{"秘匿", "suppressed"}, Align::Right, false, true);
  col("flag", Text{"", ""}, Align::Left, true, true);
  col("percent_responses", Text{"回答数に対する割合", "% of responses"}, Align::Right, false, true);
  col("responses", Text{"回答数計", "responses"}, Align::Right, false, true);
  if (design) { // design-based tables only: a simple sample has df = ∞ and no design effect
    col("df", Text{"自由度", "df"}, Align::Right, false, true);
    col("deff", Text{"デザイン効果", "deff"}, Align::Right, false, true);
    col("deff_wor", Text{"デザイン効果（非復元）", "deff (without replacement)"}, Align::Right, false, true);
  }
  return t;
}

void append_rows(table::Table& t, const Distribution& dist, const TableOptions& o, bool& any_boundary, bool& any_flag) {
  const int dec = o.percent_decimals;
  const Text star{"*", "*"};
  const Text dash{"—", "—"};
  for (std::size_t i = 0; i < dist.cells.size(); ++i) {
    const DistCell& c = dist.cells[i];
    const Block& b = dist.blocks[c.block];
    const bool first = i == 0 || dist.cells[i - 1].block != c.block;
    std::vector<table::Cell> row;
    auto add = [&](Text display, std::string raw) { row.push_back(table::Cell{std::move(display), std::move(raw)}); };
    add(Text{}, dist.variable);
    add(first ? domain_label(b.domain) : Text{}, domain_id(b.domain));
    add(first ? b.age_label : Text{}, b.age_band);
    if (sex_column(b.levels)) {
      add(first ? b.sex_label : Text{}, b.sex);
    } else {
      for (const BlockLevel& lv : b.levels) {
        add(Text{}, lv.variable);
        add(first ? lv.label : Text{}, lv.level);
      }
    }
    add(first ? same(b.base_hidden ? std::string("n=*") : "n=" + table::with_thousands(static_cast<long long>(b.base))) : Text{}, "");
    add(Text{}, c.kind == RowKind::NoAnswer ? "no_answer" : std::to_string(c.code));
    add(c.kind == RowKind::NoAnswer ? no_answer_label() : same(c.label), c.label);
    const std::string base = b.base_hidden ? std::string() : std::to_string(b.base);
    if (!c.hidden && b.base_hidden) { // the count is shown; its percentage, SE and interval would give the base away
      add(same(table::with_thousands(static_cast<long long>(c.n))), std::to_string(c.n));
      add(Text{}, base);
      add(star, "");
      add(Text{}, "");
      add(star, "");
      add(Text{}, "");
      add(Text{}, "");
      add(Text{}, c.est.interval_method);
      add(c.percent_responses ? same(table::format_percent(*c.percent_responses, dec)) : Text{}, "");
      add(Text{}, "1");
    } else if (c.hidden) {
      add(star, "");
      add(Text{}, base);
      add(star, "");
      add(Text{}, "");
      add(star, "");
      add(Text{}, "");
      add(Text{}, "");
      add(Text{}, c.est.interval_method);
      add(c.kind == RowKind::Code && dist.multi ? star : Text{}, "");
      add(Text{}, "1");
    } else {
      add(same(table::with_thousands(static_cast<long long>(c.n))), std::to_string(c.n));
      add(Text{}, base);
      if (c.estimable) {
        add(same(table::format_percent(c.est.value, dec)), table::format_raw(c.est.value));
        add(Text{}, table::format_raw(c.est.se));
      } else {
        add(dash, "");
        add(Text{}, "");
      }
      if (c.est.interval) {
        const bool boundary = !c.est.interval->note.empty();
        any_boundary = any_boundary || boundary;
        add(range(table::format_percent(c.est.interval->lower, dec), table::format_percent(c.est.interval->upper, dec) + (boundary ? "†" : "")), "");
        add(Text{}, table::format_raw(c.est.interval->lower));
        add(Text{}, table::format_raw(c.est.interval->upper));
      } else {
        add(dash, "");
        add(Text{}, "");
        add(Text{}, "");
      }
      add(Text{}, c.est.interval_method);
      add(c.percent_responses ? same(table::format_percent(*c.percent_responses, dec)) : Text{}, "");
      add(Text{}, "0");
    }
    std::string flag;
    if (!c.hidden && !b.base_hidden && c.estimable) {
      if (c.small_base) flag = "small_base";
      if (c.wide_ci) flag += flag.empty() ? "wide_ci" : ";wide_ci";
    }
    any_flag = any_flag || !flag.empty();
    add(flag.empty() ? Text{} : same("※"), flag);
    add(Text{}, !c.hidden && c.percent_responses ? table::format_raw(*c.percent_responses) : "");
    if (dist.multi && c.kind == RowKind::Code)
      add(Text{}, std::to_string(b.responses));
    else
      add(Text{}, "");
    if (dist.design_based) { // design df and design effect of a shown estimate
      const bool shown = !c.hidden && !b.base_hidden && c.estimable;
      add(Text{}, shown && std::isfinite(c.est.df) ? table::format_raw(c.est.df) : "");
      add(Text{}, shown && std::isfinite(c.est.deff) ? table::format_raw(c.est.deff) : "");
      add(Text{}, shown && std::isfinite(c.est.deff_wor) ? table::format_raw(c.est.deff_wor) : "");
    }
    t.rows.push_back(std::move(row));
  }
}

void add_notes(table::Table& t, const Distribution& dist, bool any_boundary, bool any_flag) {
  for (const auto& b : dist.blocks)
    if (b.replicate_undefined) {
      t.notes.push_back(Text{"— 反復重みのいずれかで区分の重み合計が0になるため、その区分の標準誤差と信頼区間は示していません"
                             "（区分を粗くするか、反復重みを使わずに集計してください）。",
                             "— in some groups a replicate has no weight left, so their SE and interval are not shown (use coarser "
                             "groups, or no replicate weights)."});
      break;
    }
  if (dist.multi)
    t.notes.push_back(Text{"複数回答です。「割合（回答者比）」は回答者数（基数 n、無回答を含む）に対する割合で、合計は100%を超えます。"
                           "「割合（回答数比）」は選択された回答の総数に対する割合です。",
                           "Multiple answer: '% of respondents' is over the respondents (base n, no-answer included) and sums to more than 100%; "
                           "'% of responses' is over all answers chosen."});
  else
    t.notes.push_back(Text{"割合の基数は各区分の回答者数（n、無回答を含む）です。割合は四捨五入しているため、合計が100.0%にならないことがあります。",
                           "Percentages are of the respondents in each group (n, no-answer included); rounded, so they may not add up to 100.0%."});
  if (dist.weighted)
    t.notes.push_back(Text{"割合と信頼区間は重み付きの推定値です。人数と基数は重み付けしない実数です。",
                           "Percentages and intervals are weighted estimates; n and the base are unweighted counts."});
  if (!dist.intervals)
    t.notes.push_back(Text{"全数の集計です（標本ではありません）。標本誤差の信頼区間と精度の目安（※）は示していません。",
                           "Full count, not a sample: no sampling interval and no precision flag (※) are shown."});
  if (dist.min_cell > 0)
    t.notes.push_back(Text{fmt::format("* 秘匿: 人数が1～{}人のセル、および表中の合計（基数 n、全体の人数）から差し引きで分からないよう追加で秘匿したセルは、"
                                       "人数・割合・信頼区間を「*」で示しています（最小セル {}）。",
                                       dist.min_cell - 1, dist.min_cell),
                           fmt::format("* Suppressed: cells with 1-{} respondents, and cells hidden so that none can be recovered from the totals in the "
                                       "table (base n, overall counts), show \"*\" for n, % and CI (minimum cell {}).",
                                       dist.min_cell - 1, dist.min_cell)});
  else
    t.notes.push_back(Text{"小さいセルの秘匿はしていません（--min-cell 0）。公表用ではありません。", "Small cells are not suppressed (--min-cell 0); not for publication."});
  if (std::count(dist.suppression.reason.begin(), dist.suppression.reason.end(), HideReason::Fallback) > 0) t.notes.push_back(fallback_note());
  if (!dist.suppression.unprotected.empty())
    t.notes.push_back(Text{fmt::format("警告: 秘匿したセルのうち {}個は表中の合計から値が分かります。", dist.suppression.unprotected.size()),
                           fmt::format("Warning: {} suppressed cells can still be derived from totals in the table.", dist.suppression.unprotected.size())});
  if (any_flag)
    t.notes.push_back(Text{fmt::format("※ 精度が低い値: 基数が{}未満、または信頼区間の幅が割合の{:.2f}倍を超える。", kMinReliableBase, kMaxRelativeCiWidth),
                           fmt::format("※ low precision: base n below {}, or CI width more than {:.2f} times the percentage.", kMinReliableBase,
                                       kMaxRelativeCiWidth)});
  if (any_boundary)
    t.notes.push_back(Text{"† 割合が0%または100%のため、選択した方法では区間が定まらず Clopper–Pearson 区間で代用しました。",
                           "† the percentage is 0% or 100%; the chosen method has no interval there, so the Clopper-Pearson interval is shown."});
}

bool by_age(const Distribution& d) {
  for (const auto& b : d.blocks)
    if (b.age_band != "all") return true;
  return false;
}
const std::vector<BlockLevel>& levels_of(const Distribution& d) {
  static const std::vector<BlockLevel> none;
  return d.blocks.empty() ? none : d.blocks.front().levels;
}
// Per level variable (at least one entry): some block has one of its levels.
std::vector<bool> levels_shown(const Distribution& d) {
  std::vector<bool> shown(std::max<std::size_t>(1, levels_of(d).size()), false);
  for (const auto& b : d.blocks)
    for (std::size_t i = 0; i < b.levels.size(); ++i) shown[i] = shown[i] || b.levels[i].level != "all";
  return shown;
}

} // namespace

table::Table distribution_table(const Distribution& dist, const TableOptions& o) {
  table::Table t = empty_table(dist.level, by_age(dist), levels_of(dist), levels_shown(dist), dist.multi, dist.design_based, dist.intervals);
  t.id = "distribution:" + dist.variable;
  const std::string lbl = dist.label.ja.empty() ? "" : " " + dist.label.ja;
  t.title = Text{fmt::format("{}{}（{}）", dist.variable, lbl, dist.multi ? "複数回答" : "単数回答"),
                 fmt::format("{}{} ({})", dist.variable, lbl, dist.multi ? "multiple answer" : "single answer")};
  bool any_boundary = false, any_flag = false;
  append_rows(t, dist, o, any_boundary, any_flag);
  add_notes(t, dist, any_boundary, any_flag);
  return t;
}

table::Table combined_table(const std::vector<Distribution>& dists, const TableOptions& o) {
  static const std::vector<BlockLevel> no_levels;
  const std::vector<BlockLevel>& levels = dists.empty() ? no_levels : levels_of(dists.front());
  table::Table t = empty_table(dists.empty() ? 0.95 : dists.front().level, true, levels, std::vector<bool>(std::max<std::size_t>(1, levels.size()), true), true,
                               !dists.empty() && dists.front().design_based, dists.empty() || dists.front().intervals);
  t.id = "distributions";
  t.title = Text{"分布表", "Distributions"};
  for (const auto& d : dists) {
    bool any_boundary = false, any_flag = false;
    append_rows(t, d, o, any_boundary, any_flag);
  }
  return t;
}

table::Document tabulate_document(const std::vector<Distribution>& dists, const data::Dataset& ds, const classify::Classification* cls,
                                   const DocumentOptions& o) {
  table::Document d;
  d.title = Text{"回答の分布（単純集計・属性別集計）", "Distribution of answers"};
  const std::size_t rows = dists.empty() ? ds.rows() : dists.front().rows; // ds may be a streamed input's metadata
  auto fact = [&](Text k, Text v) { d.facts.emplace_back(std::move(k), std::move(v)); };
  fact(Text{"入力ファイル", "input"},
       Text{fmt::format("{}（{}{}、有効回答 {} 件）", ds.source, ds.encoding, ds.had_bom ? " BOM付き" : "", table::with_thousands(static_cast<long long>(rows))),
            fmt::format("{} ({}{}, {} valid responses)", ds.source, ds.encoding, ds.had_bom ? " with BOM" : "", rows)});
  if (ds.count_rows > 0) {
    const codebook::Variable* cv = ds.codebook.by_role(Role::Count);
    const std::string name = cv ? cv->name : "";
    fact(Text{"人数の列", "count column"},
         Text{fmt::format("{}（区分ごとの人数: {} 行 → {} 人として集計）", name, table::with_thousands(static_cast<long long>(ds.count_rows)),
                          table::with_thousands(static_cast<long long>(rows))),
              fmt::format("{} (numbers per category: {} rows tabulated as {} people)", name, ds.count_rows, rows)});
  }
  fact(Text{"コードブック", "codebook"}, Text{ds.codebook.path + (ds.codebook.title.empty() ? "" : "（" + ds.codebook.title + "）"),
                                              ds.codebook.path + (ds.codebook.title.empty() ? "" : " (" + ds.codebook.title + ")")});
  bool groups = false;
  for (const auto& dist : dists)
    for (const auto& b : dist.blocks) groups = groups || b.domain != Domain::All;
  if (groups && cls)
    fact(Text{"判定基準", "rule-set"},
         Text{fmt::format("{}（{}）。一般群は広義のひきこもり群以外の回答者全員", cls->ruleset.display_id(), cls->ruleset.title_ja),
              fmt::format("{} ({}); the comparison group is every respondent not in the broad group", cls->ruleset.display_id(), cls->ruleset.title_en)});
  if (!dists.empty() && dists.front().design_based) {
    const Distribution& f = dists.front();
    fact(Text{"推定方法", "estimator"}, estimate::describe_variance(f.replicate ? &f.replicates_label : nullptr));
    fact(Text{"標本設計", "design"}, f.design);
    if (f.calibrated) fact(Text{"重み付け", "weighting"}, estimate::describe_calibration(f.weighting));
  } else {
    fact(Text{"推定方法", "estimator"}, Text{"重みなし（人数 / 基数）", "unweighted (count / base)"});
  }
  if (!dists.empty() && !dists.front().where.empty())
    fact(Text{"対象", "subpopulation"},
         Text{fmt::format("{} に当てはまる回答者（--where。標本設計は全体のまま: R の subset() と同じ）", dists.front().where),
              fmt::format("respondents with {} (--where; the design is kept, as R's subset())", dists.front().where)});
  if (!dists.empty() && !dists.front().intervals)
    fact(Text{"信頼区間", "confidence interval"},
         Text{fmt::format("なし（{}は全数の集計で標本ではないため。--intervals で表示）", kind_label_ja(ds.codebook.kind)),
              fmt::format("none (a {} is a full count, not a sample; --intervals shows them)", kind_label_en(ds.codebook.kind))});
  else if (!dists.empty())
    fact(Text{"信頼区間", "confidence interval"}, Text{fmt::format("{} {}", estimate::ci_method_label(dists.front().method).ja, level_pct(dists.front().level)),
                                                      fmt::format("{} {}", estimate::ci_method_label(dists.front().method).en, level_pct(dists.front().level))});
  const int k = dists.empty() ? 0 : dists.front().min_cell;
  fact(Text{"秘匿", "suppression"}, k > 0 ? Text{fmt::format("人数1～{}人のセルと、合計から逆算できるセルを秘匿（最小セル {}。補完秘匿は情報損失最小: least-cost）", k - 1, k),
                                                 fmt::format("cells with 1-{} respondents, and cells recoverable from totals, suppressed (minimum cell {}; "
                                                             "complements of least information loss: least-cost)",
                                                             k - 1, k)}
                                          : Text{"なし (--min-cell 0)", "off (--min-cell 0)"});
  fact(Text{"hkstat", "hkstat"}, same(o.version));
  for (const auto& dist : dists) d.tables.push_back(distribution_table(dist, o.table));
  if (ds.fullwidth_normalised)
    d.notes.push_back(Text{fmt::format("全角数字のセル {}件を半角に直して読みました。", ds.fullwidth_normalised),
                           fmt::format("{} cells with full-width digits were normalised.", ds.fullwidth_normalised)});
  if (o.rejected_rows)
    d.notes.push_back(Text{fmt::format("不正な値のある {}行を集計から除き、{} に書き出しました。", o.rejected_rows, o.rejects_file),
                           fmt::format("{} rows with invalid values were left out and written to {}.", o.rejected_rows, o.rejects_file)});
  if (!ds.codebook.forms.empty() && !dists.empty()) d.notes.push_back(codebook::forms_note(ds.codebook, dists.front().outside_forms));
  for (auto& n : data::method_notes(ds)) d.notes.push_back(std::move(n));
  d.notes.push_back(Text{"別々に出力した表（例: 広義と全体を別の実行で）を突き合わせると秘匿が破られることがあります。比べる区分は一度に集計してください（--domain all,broad,comparison）。",
                         "Suppression protects each table; tables produced by separate runs can be combined to undo it. Tabulate the groups you "
                         "publish together in one run (--domain all,broad,comparison)."});
  return d;
}

TestBy parse_test_by(std::string_view text) {
  if (text == "sex") return TestBy::Sex;
  if (text == "broad") return TestBy::Broad;
  throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{"", 0, 0, "", "‹test›"}, std::string(text),
                      Text{"検定の相手が不明です", "unknown test"}, Text{"sex（性別）または broad（広義のひきこもり群か否か）", "sex or broad"}, ""});
}

AssociationTest association_test(const data::Dataset& ds, const classify::Classification* cls, const std::string& variable, TestBy by,
                                 estimate::LonelyPsu lonely) {
  TabulateOptions opt;
  opt.lonely = lonely;
  return association_test(ds, cls, variable, by, opt);
}

TestTarget parse_test_target(std::string_view text) {
  if (text == "sex") return TestTarget{TestBy::Sex, ""};
  if (text == "broad") return TestTarget{TestBy::Broad, ""};
  if (text.empty())
    throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{"", 0, 0, "", "‹test›"}, "", Text{"検定の相手が空です", "the test has no counterpart"},
                        Text{"sex（性別）、broad（広義のひきこもり群か否か）、または単数回答の変数名", "sex, broad or a single-answer variable"}, ""});
  return TestTarget{TestBy::Variable, std::string(text)};
}

AssociationTest association_test(const data::Dataset& ds, const classify::Classification* cls, const std::string& variable, TestBy by,
                                 const TabulateOptions& opt) {
  return association_test(ds, cls, variable, TestTarget{by, ""}, opt);
}

AssociationTest association_test(const data::Dataset& ds, const classify::Classification* cls, const std::string& variable, const TestTarget& target,
                                 const TabulateOptions& opt) {
  const TestBy by = target.by;
  const codebook::Variable* var = ds.codebook.by_name(variable);
  const data::Column* col = var ? ds.column(variable) : nullptr;
  if (!var || !col || var->type != VarType::Code)
    throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{ds.codebook.path, 0, 0, "", "‹test›"}, variable,
                        Text{"Rao–Scott 検定は単数回答（code）の変数だけです", "the Rao-Scott test is for single-answer (code) variables only"},
                        Text{"type = \"code\" の変数", "a variable of type code"}, ""});
  std::vector<std::int64_t> other(ds.rows(), estimate::kMissingCode);
  if (by == TestBy::Variable) {
    const codebook::Variable* bv = ds.codebook.by_name(target.variable);
    const data::Column* bcol = bv ? ds.column(target.variable) : nullptr;
    if (!bv || !bcol || bv->type != VarType::Code)
      throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{ds.codebook.path, 0, 0, "", "‹test›"}, target.variable,
                          Text{"検定の相手は sex、broad、またはコードブックの単数回答（code）の変数です",
                               "the test's counterpart is sex, broad or a single-answer (code) variable of the codebook"},
                          Text{"sex、broad、または type = \"code\" の変数名", "sex, broad or the name of a variable of type code"}, ""});
    if (target.variable == variable)
      throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{ds.codebook.path, 0, 0, "", "‹test›"}, target.variable,
                          Text{"検定の相手が集計する変数と同じです", "the test's counterpart is the tabulated variable itself"},
                          Text{"--var とは別の変数", "a variable other than the --var one"}, ""});
    for (std::size_t r = 0; r < ds.rows(); ++r) other[r] = bcol->ints[r] == data::kMissing ? estimate::kMissingCode : bcol->ints[r];
  } else if (by == TestBy::Sex) {
    const data::Column* sex = ds.column(Role::Sex);
    if (!sex)
      throw Error(Problem{ErrorCode::CodebookInvalid, SourcePos{ds.codebook.path, 0, 0, "", "role sex"}, "",
                          Text{"性別との検定には role = \"sex\" の変数が必要です", "a test by sex needs a variable with role = \"sex\""}, Text{}, ""});
    for (std::size_t r = 0; r < ds.rows(); ++r) other[r] = sex->ints[r] == data::kMissing ? estimate::kMissingCode : sex->ints[r];
  } else {
    if (!cls) throw_problem(ErrorCode::Internal, "cls", Text{"判定がありません", "no classification"}, Text{});
    for (std::size_t r = 0; r < ds.rows(); ++r)
      other[r] = (cls->rows[r].cls == classify::Class::Narrow || cls->rows[r].cls == classify::Class::Semi) ? 1 : 0;
  }
  std::vector<std::int64_t> a(ds.rows());
  for (std::size_t r = 0; r < ds.rows(); ++r) a[r] = col->ints[r] == data::kMissing ? estimate::kMissingCode : col->ints[r];
  refuse_calibrated_replicates(opt);
  if (opt.replicates) return AssociationTest{variable, by, estimate::rao_scott(*opt.replicates, a, other), target.variable};
  estimate::DesignSpec spec = estimate::design_from_dataset(ds, opt.lonely);
  if (opt.replicate_request) // the replicates the table's accumulator uses, as row weights (R svychisq needs them)
    return AssociationTest{variable, by, estimate::rao_scott(estimate::make_replicates(spec.design, *opt.replicate_request), a, other), target.variable};
  spec.design.calibration = opt.calibration;
  return AssociationTest{variable, by, estimate::rao_scott(spec.design, a, other), target.variable};
}

table::Table association_table(const std::vector<AssociationTest>& tests) {
  table::Table t;
  t.id = "association_tests";
  t.title = Text{"関連の検定（Rao–Scott 補正カイ二乗検定）", "Tests of association (Rao-Scott corrected chi-square)"};
  using table::Align;
  auto col = [&](const char* id, Text h, Align a) { t.columns.push_back(table::Column{id, std::move(h), a, true, true}); };
  col("variable", Text{"設問", "variable"}, Align::Left);
  col("by", Text{"相手", "by"}, Align::Left);
  col("f", Text{"F（2次補正）", "F (second order)"}, Align::Right);
  col("ndf", Text{"分子自由度", "ndf"}, Align::Right);
  col("ddf", Text{"分母自由度", "ddf"}, Align::Right);
  col("p", Text{"p値", "p"}, Align::Right);
  col("chisq_first_order", Text{"χ²（1次補正）", "chi-square (first order)"}, Align::Right);
  col("chisq_p", Text{"そのp値", "its p"}, Align::Right);
  col("pearson", Text{"Pearson X²（補正なし）", "Pearson X² (uncorrected)"}, Align::Right);
  auto num = [](double x, int d) { return table::Cell{same(table::format_fixed(x, d)), table::format_raw(x)}; };
  for (const auto& test : tests) {
    const auto& r = test.result;
    const Text by = test.by == TestBy::Sex     ? Text{"性別", "sex"}
                    : test.by == TestBy::Broad ? Text{"広義のひきこもり群か否か", "broad hikikomori or not"}
                                               : same(test.by_variable);
    const std::string by_raw = test.by == TestBy::Sex ? "sex" : test.by == TestBy::Broad ? "broad" : test.by_variable;
    t.rows.push_back({table::Cell{same(test.variable), test.variable}, table::Cell{by, by_raw}, num(r.f, 3),
                      num(r.ndf, 3), num(r.ddf, 2), num(r.f_p, 4), num(r.chisq_adjusted, 3), num(r.chisq_p, 4), num(r.pearson, 3)});
  }
  t.notes.push_back(Text{"標本設計を考慮した独立性の検定（R survey の svychisq と同じ。既定は2次補正の F 検定）。無回答の行は除いています。",
                         "Design-based test of independence (as R survey's svychisq; default second-order F). Rows with no answer are left out."});
  return t;
}

} // namespace hkstat::tabulate
