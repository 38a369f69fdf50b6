#include "config/weighting_spec.hpp"

#include "hkstat/core/error.hpp"

#include <fmt/format.h>

#include <cmath>

namespace hkstat::config {

namespace {

// [lower, upper] as a two-number array.
std::optional<std::pair<double, double>> opt_range(const toml::table& t, const char* field, const hkstat::detail::TomlReader& r, bool positive) {
  const auto* n = t.get(field);
  if (!n) return std::nullopt;
  const std::string key = fmt::format("weighting.{}", field);
  const Text expected{fmt::format("{} = [下限, 上限]", field), fmt::format("{} = [lower, upper]", field)};
  const auto* arr = n->as_array();
  if (!arr || arr->size() != 2) r.fail(*n, key, Text{"2つの数の配列が必要です", "an array of two numbers is required"}, "", expected);
  double v[2];
  for (std::size_t i = 0; i < 2; ++i) {
    const auto& e = (*arr)[i];
    if (const auto* x = e.as_integer()) v[i] = static_cast<double>(x->get());
    else if (const auto* f = e.as_floating_point()) v[i] = f->get();
    else r.fail(e, key, Text{"数値が必要です", "a number is required"}, "", expected);
  }
  if (!(std::isfinite(v[0]) && std::isfinite(v[1]) && v[0] < v[1]) || (positive && v[0] < 0))
    r.fail(*n, key, Text{"下限 < 上限 の有限の数が必要です", "finite numbers with lower < upper are required"}, fmt::format("[{}, {}]", v[0], v[1]), expected);
  return std::make_pair(v[0], v[1]);
}

std::vector<std::int64_t> int_array(const toml::table& t, const char* field, const std::string& key, const hkstat::detail::TomlReader& r) {
  std::vector<std::int64_t> out;
  const auto* arr = t.get(field)->as_array();
  if (!arr) r.fail(*t.get(field), key + "." + field, Text{"整数の配列が必要です", "an array of integers is required"}, "", Text{"[1]", "[1]"});
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const auto* x = (*arr)[i].as_integer();
    if (!x) r.fail((*arr)[i], fmt::format("{}.{}[{}]", key, field, i + 1), Text{"整数が必要です", "an integer is required"}, "", Text{"[1]", "[1]"});
    out.push_back(x->get());
  }
  return out;
}

} // namespace

weights::WeightingSpec parse_weighting(const toml::table& t, const hkstat::detail::TomlReader& r) {
  const std::string key = "weighting";
  r.check_keys(t, key, {"method", "population_tables", "count_column", "base_weight", "weight_name", "unmatched", "epsilon", "max_iter",
                        "bounds", "trim", "trim_strict", "band", "response"});
  weights::WeightingSpec s;
  s.source = r.source();
  if (auto m = r.opt_string(t, "method", key)) {
    try {
      s.method = weights::parse_method(*m);
    } catch (const Error& e) {
      r.fail(*t.get("method"), key + ".method", e.problem().message, *m, e.problem().expected);
    }
  }
  if (const auto* n = t.get("population_tables")) {
    const auto* arr = n->as_array();
    const Text expected{"[\"pop.csv\", { file = \"pop2.csv\", variables = [\"age_band\", \"問1\"] }]",
                        "[\"pop.csv\", { file = \"pop2.csv\", variables = [\"age_band\", \"sex\"] }]"};
    if (!arr) r.fail(*n, key + ".population_tables", Text{"配列が必要です", "an array is required"}, "", expected);
    for (std::size_t i = 0; i < arr->size(); ++i) {
      const auto& e = (*arr)[i];
      const std::string k = fmt::format("{}.population_tables[{}]", key, i + 1);
      weights::PopulationTableSpec ts;
      if (const auto* str = e.as_string()) {
        ts.path = resolve_relative(r.source(), str->get());
      } else if (const auto* tab = e.as_table()) {
        r.check_keys(*tab, k, {"file", "variables"});
        ts.path = resolve_relative(r.source(), r.require_string(*tab, "file", k));
        ts.variables = r.opt_string_array(*tab, "variables", k);
      } else {
        r.fail(e, k, Text{"ファイル名か { file = …, variables = […] } が必要です", "a file name or { file = ..., variables = [...] } is required"}, "", expected);
      }
      s.tables.push_back(std::move(ts));
    }
  }
  if (auto c = r.opt_string(t, "count_column", key)) s.count_column = *c;
  s.base_weight = r.opt_string(t, "base_weight", key);
  if (auto wn = r.opt_string(t, "weight_name", key)) {
    if (wn->empty()) r.fail(*t.get("weight_name"), key + ".weight_name", Text{"列名が空です", "empty column name"}, "", Text{"\"calibrated_weight\"", "\"calibrated_weight\""});
    s.weight_name = *wn;
  }
  if (auto u = r.opt_string(t, "unmatched", key)) {
    if (*u == "error") s.unmatched = weights::Unmatched::Error;
    else if (*u == "drop") s.unmatched = weights::Unmatched::Drop;
    else r.fail(*t.get("unmatched"), key + ".unmatched", Text{"未知の値です", "unknown value"}, *u, Text{"\"error\" または \"drop\"", "\"error\" or \"drop\""});
  }
  if (auto e = r.opt_number(t, "epsilon", key)) {
    if (!(*e > 0 && *e < 1))
      r.fail(*t.get("epsilon"), key + ".epsilon", Text{"収束の許容誤差は 0 と 1 の間です", "the convergence tolerance is between 0 and 1"}, fmt::format("{}", *e), Text{"1e-10", "1e-10"});
    s.epsilon = *e;
  }
  if (auto m = r.opt_int(t, "max_iter", key)) {
    if (*m < 1 || *m > 100000)
      r.fail(*t.get("max_iter"), key + ".max_iter", Text{"反復回数の上限は 1～100000 です", "the iteration cap is 1-100000"}, fmt::format("{}", *m), Text{"100", "100"});
    s.max_iter = static_cast<int>(*m);
  }
  s.bounds = opt_range(t, "bounds", r, false);
  if (s.bounds && !(s.bounds->first < 1 && 1 < s.bounds->second))
    r.fail(*t.get("bounds"), key + ".bounds", Text{"g の範囲は 下限 < 1 < 上限 です", "bounds on g need lower < 1 < upper"},
           fmt::format("[{}, {}]", s.bounds->first, s.bounds->second), Text{"[0.5, 2.0]", "[0.5, 2.0]"});
  s.trim = opt_range(t, "trim", r, true);
  if (auto b = r.opt_bool(t, "trim_strict", key)) s.trim_strict = *b;
  if (const auto* n = t.get("band")) {
    const auto* arr = n->is_array_of_tables() ? n->as_array() : nullptr;
    if (!arr)
      r.fail(*n, key + ".band", Text{"[[weighting.band]] の表の配列が必要です", "an array of tables [[weighting.band]] is required"}, "",
             Text{"[[weighting.band]]\nname = \"age_band\"\nfrom = \"問2\"\nbands = [\"15-19\", \"20-29\"]", "[[weighting.band]]\nname = \"age_band\"\nfrom = \"Q2\"\nbands = [\"15-19\", \"20-29\"]"});
    for (std::size_t i = 0; i < arr->size(); ++i) {
      const auto& bt = *(*arr)[i].as_table();
      const std::string k = fmt::format("{}.band[{}]", key, i + 1);
      r.check_keys(bt, k, {"name", "from", "bands"});
      weights::BandVariable bv;
      bv.name = r.require_string(bt, "name", k);
      bv.from = r.opt_string(bt, "from", k).value_or("");
      bv.origin = fmt::format("{}:{}", r.source(), bt.source().begin.line);
      if (!bt.contains("bands")) r.fail(bt, k + ".bands", Text{"bands が必要です", "bands is required"}, "", Text{"bands = [\"15-19\", \"20-29\"]", "bands = [\"15-19\", \"20-29\"]"});
      const auto labels = r.opt_string_array(bt, "bands", k);
      const auto* barr = bt.get("bands")->as_array();
      for (std::size_t j = 0; j < labels.size(); ++j) {
        const auto b = weights::parse_band(labels[j]);
        if (!b)
          r.fail((*barr)[j], fmt::format("{}.bands[{}]", k, j + 1), Text{"区分の書き方が正しくありません", "malformed band"}, labels[j],
                 Text{"\"15-19\" または \"65-\"（65歳以上）", "\"15-19\", or \"65-\" (65 and over)"});
        bv.bands.push_back(*b);
      }
      s.bands.push_back(std::move(bv));
    }
  }
  if (const auto* n = t.get("response")) {
    const auto* rt = n->as_table();
    if (!rt) r.fail(*n, key + ".response", Text{"[weighting.response] は表です", "[weighting.response] must be a table"}, "", Text{});
    const std::string k = key + ".response";
    r.check_keys(*rt, k, {"variable", "codes", "cells"});
    weights::ResponseSpec rs;
    rs.variable = r.require_string(*rt, "variable", k);
    if (rt->contains("codes")) rs.codes = int_array(*rt, "codes", k, r);
    rs.cells = r.opt_string_array(*rt, "cells", k);
    s.response = std::move(rs);
  }
  return s;
}

} // namespace hkstat::config
