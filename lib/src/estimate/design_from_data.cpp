#include "hkstat/estimate/design_from_data.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace hkstat::estimate {

using codebook::Role;

std::vector<std::string> ranked_labels(const data::LabelDict& dict, std::vector<std::int64_t>& ids) {
  const std::vector<std::string> text = dict.labels();
  std::vector<std::size_t> order(text.size());
  for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return text[a] < text[b]; });
  std::vector<std::int64_t> rank(order.size());
  std::vector<std::string> sorted(order.size());
  for (std::size_t k = 0; k < order.size(); ++k) {
    rank[order[k]] = static_cast<std::int64_t>(k);
    sorted[k] = text[order[k]];
  }
  for (auto& id : ids)
    if (id != data::kMissing) id = rank[static_cast<std::size_t>(id)];
  return sorted;
}

DesignSpec design_from_dataset(const data::Dataset& ds, LonelyPsu lonely) {
  DesignSpec s;
  s.design.lonely = lonely;
  const std::size_t n = ds.rows();
  if (const data::Column* w = ds.column(Role::Weight)) {
    s.weighted = true;
    s.weight_column = w->var->name;
    s.design.weights = w->numbers;
  } else {
    s.design.weights.assign(n, 1.0);
  }
  if (const data::Column* st = ds.column(Role::Stratum)) {
    s.stratified = true;
    s.stratum_column = st->var->name;
    s.design.strata = st->ints;
    if (st->labels) s.design.stratum_labels = ranked_labels(*st->labels, s.design.strata);
  }
  if (const data::Column* p = ds.column(Role::Psu)) {
    s.clustered = true;
    s.psu_column = p->var->name;
    s.design.psu = p->ints;
    if (p->labels) ranked_labels(*p->labels, s.design.psu);
  }
  if (const data::Column* f = ds.column(Role::Fpc)) {
    s.has_fpc = true;
    s.fpc_column = f->var->name;
    s.design.fpc = f->numbers;
    // The engine checks this too, by row index; here the message can name the file line and column.
    std::map<std::int64_t, std::pair<double, std::size_t>> seen; // stratum → (fpc, line)
    for (std::size_t i = 0; i < n; ++i) {
      const std::int64_t hid = s.design.strata.empty() ? 0 : s.design.strata[i];
      auto [it, inserted] = seen.emplace(hid, std::make_pair(f->numbers[i], ds.lines[i]));
      const std::string h = s.design.stratum_labels.empty() ? std::to_string(hid) : s.design.stratum_labels[static_cast<std::size_t>(hid)];
      if (!inserted && it->second.first != f->numbers[i])
        throw Error(Problem{ErrorCode::DataOutOfRange, SourcePos{ds.source, ds.lines[i], 0, "", f->var->name}, fmt::format("{}", f->numbers[i]),
                            Text{fmt::format("層 {} の中で有限母集団修正 (fpc) が一定ではありません（{}行目は {}）", h, it->second.second, it->second.first),
                                 fmt::format("the finite population correction varies within stratum {} (line {} has {})", h, it->second.second,
                                             it->second.first)},
                            Text{"層ごとに一定の値", "one value per stratum"}, ""});
    }
  }
  // Ingest rejects rows with an empty design cell; data sets built another way are checked here too.
  for (Role role : {Role::Stratum, Role::Psu, Role::Fpc}) {
    const data::Column* c = ds.column(role);
    if (!c) continue;
    for (std::size_t i = 0; i < n; ++i) {
      const bool missing = role == Role::Fpc ? std::isnan(c->numbers[i]) : c->ints[i] == data::kMissing;
      if (missing)
        throw Error(Problem{ErrorCode::DataMissingRequired, SourcePos{ds.source, ds.lines[i], 0, c->var->name, ""}, "",
                            Text{fmt::format("標本設計の列（{}）が欠損しています", codebook::role_name(role)),
                                 fmt::format("the design column ({}) is missing", codebook::role_name(role))},
                            Text{"値", "a value"}, ""});
    }
  }
  if (n > 0) s.summary = summarize(s.design);
  return s;
}

Text describe_design(const DesignSpec& s) {
  std::string ja, en;
  auto add = [&](const std::string& j, const std::string& e) {
    ja += (ja.empty() ? "" : "・") + j;
    en += (en.empty() ? "" : ", ") + e;
  };
  add(s.weighted ? fmt::format("重み付き（{}）", s.weight_column) : "重みなし", s.weighted ? fmt::format("weighted ({})", s.weight_column) : "unweighted");
  if (s.stratified)
    add(fmt::format("層化（{}、{}層）", s.stratum_column, s.summary.strata), fmt::format("stratified ({}, {} strata)", s.stratum_column, s.summary.strata));
  if (s.clustered)
    add(fmt::format("クラスター抽出（{}、{} PSU）", s.psu_column, s.summary.psus), fmt::format("clustered ({}, {} PSUs)", s.psu_column, s.summary.psus));
  else
    add("クラスターなし（回答者が抽出単位）", "no clusters (each respondent is a PSU)");
  add(s.has_fpc ? fmt::format("有限母集団修正あり（{}）", s.fpc_column) : "有限母集団修正なし（復元抽出近似）",
      s.has_fpc ? fmt::format("finite population correction ({})", s.fpc_column) : "no finite population correction (with-replacement approximation)");
  add(fmt::format("自由度 {}", s.summary.df), fmt::format("df {}", s.summary.df));
  if (s.lonely_relevant())
    add(fmt::format("単一PSU層の扱い: {}", lonely_psu_name(s.design.lonely)), fmt::format("lonely PSU: {}", lonely_psu_name(s.design.lonely)));
  return Text{ja, en};
}

Text describe_variance(const Text* replicates_label) {
  if (replicates_label)
    return Text{"標本設計に基づく推定（Hájek 比推定、標準誤差は反復重み法: " + replicates_label->ja + "）",
                "design-based (Hajek ratio; replicate-weight standard errors: " + replicates_label->en + ")"};
  return Text{"標本設計に基づく推定（Hájek 比推定、標準誤差はテイラー線形化法）", "design-based (Hajek ratio; Taylor-linearised standard errors)"};
}

Text describe_calibration(const Text& weighting) {
  return Text{weighting.ja + "。標準誤差は較正を考慮（較正変数への残差で線形化。R の postStratify / rake / calibrate と同じ）",
              weighting.en + "; calibration-aware standard errors (residuals on the calibration variables, as R's postStratify / rake / calibrate)"};
}

} // namespace hkstat::estimate
