#include "hkstat/report/weight_report.hpp"

#include "hkstat/report/number_format.hpp"

#include <fmt/format.h>

#include <cmath>

namespace hkstat::report {

namespace {

using weights::WeightDiagnostics;
using weights::WeightingMethod;
using weights::WeightingResult;
using weights::WeightingSpec;

Text same(const std::string& s) { return Text{s, s}; }

// format_fixed with thousands separators: 131178.5 → "131,178.50" (d = 2).
std::string grouped(double v, int d) {
  std::string s = format_fixed(v, d);
  const bool neg = !s.empty() && s[0] == '-';
  if (neg) s.erase(0, 1);
  const auto dot = s.find('.');
  const std::string whole = s.substr(0, dot);
  std::string out;
  for (std::size_t i = 0; i < whole.size(); ++i) {
    if (i > 0 && (whole.size() - i) % 3 == 0) out += ',';
    out += whole[i];
  }
  if (dot != std::string::npos) out += s.substr(dot);
  return neg ? "-" + out : out;
}

// A relative difference as a percentage with 4 decimals ("0.0000%" when below 0.00005%).
std::string rel_pct(double x) { return format_fixed(x * 100.0, 4) + "%"; }

std::string sci(double x) { return fmt::format("{:.2g}", x); }

Text method_text(WeightingMethod m) {
  switch (m) {
  case WeightingMethod::None: return Text{"なし（基本ウェイト・無回答調整・トリミングのみ）", "none (base weights, nonresponse adjustment, trimming only)"};
  case WeightingMethod::PostStratify: return Text{"事後層化（R survey の postStratify と同じ）", "post-stratification (as R survey postStratify)"};
  case WeightingMethod::Rake: return Text{"レーキング（反復比例当てはめ。R survey の rake と同じ）", "raking (iterative proportional fitting, as R survey rake)"};
  case WeightingMethod::Linear: return Text{"線形較正 GREG（R survey の calibrate(calfun = \"linear\") と同じ）", "linear calibration, GREG (as R survey calibrate(calfun = \"linear\"))"};
  }
  return Text{};
}

Text convergence_text(const WeightingResult& r, const WeightingSpec& s) {
  switch (s.method) {
  case WeightingMethod::None: return Text{"—", "—"};
  case WeightingMethod::PostStratify:
    return Text{"反復なし（各事後層の合計を母集団の人数に一致させる）", "none needed (each post-stratum is scaled to its count)"};
  case WeightingMethod::Rake: {
    const int cap = s.max_iter.value_or(weights::RakeControl{}.max_iter);
    return Text{fmt::format("1巡ごとに全周辺分布・全区分で |Σw − N|/N < {}（上限 {}巡）→ {}巡で収束（最大相対誤差 {}）", sci(s.epsilon), cap, r.iterations, sci(r.max_rel_misfit)),
                fmt::format("after each sweep, |Σw − N|/N < {} in every category of every margin (at most {} sweeps) → converged in {} sweeps (worst relative misfit {})",
                            sci(s.epsilon), cap, r.iterations, sci(r.max_rel_misfit))};
  }
  case WeightingMethod::Linear: {
    const int cap = s.max_iter.value_or(weights::CalibControl{}.max_iter);
    return Text{fmt::format("全合計で |T − Σwx|/(1 + |T|) < {}（上限 {}回）→ {}回で収束（最大相対誤差 {}）", sci(s.epsilon), cap, r.iterations, sci(r.max_rel_misfit)),
                fmt::format("|T − Σwx|/(1 + |T|) < {} for every total (at most {} steps) → converged in {} Newton steps (worst relative misfit {})", sci(s.epsilon),
                            cap, r.iterations, sci(r.max_rel_misfit))};
  }
  }
  return Text{};
}

struct Stat {
  const char* id;
  Text name;
  double (*get)(const WeightDiagnostics&);
  int decimals; // -1 = count
};

const std::vector<Stat>& stats() {
  static const std::vector<Stat> s = {
      {"n", Text{"重みを付けた行", "weighted rows"}, [](const WeightDiagnostics& d) { return static_cast<double>(d.n); }, -1},
      {"n_zero", Text{"重み 0 の行", "rows with weight 0"}, [](const WeightDiagnostics& d) { return static_cast<double>(d.n_zero); }, -1},
      {"n_negative", Text{"負の重み", "negative weights"}, [](const WeightDiagnostics& d) { return static_cast<double>(d.n_negative); }, -1},
      {"min", Text{"最小", "minimum"}, [](const WeightDiagnostics& d) { return d.min; }, 3},
      {"max", Text{"最大", "maximum"}, [](const WeightDiagnostics& d) { return d.max; }, 3},
      {"mean", Text{"平均", "mean"}, [](const WeightDiagnostics& d) { return d.mean; }, 3},
      {"sum", Text{"合計", "sum"}, [](const WeightDiagnostics& d) { return d.sum; }, 1},
      {"cv", Text{"変動係数 CV", "coefficient of variation"}, [](const WeightDiagnostics& d) { return d.cv; }, 4},
      {"kish_n_eff", Text{"Kish の有効標本数 (Σw)²/Σw²", "Kish effective n (Σw)²/Σw²"}, [](const WeightDiagnostics& d) { return d.kish_n_eff; }, 1},
      {"weighting_effect", Text{"重み付けの効果 1 + CV²", "weighting effect 1 + CV²"}, [](const WeightDiagnostics& d) { return d.weighting_effect; }, 4},
      {"max_abs_rel_diff", Text{"母集団の人数との最大相対誤差", "largest relative difference from the counts"}, [](const WeightDiagnostics& d) { return d.max_abs_rel_diff; }, -2},
  };
  return s;
}

Cell stat_cell(const Stat& s, const WeightDiagnostics& d) {
  const double v = s.get(d);
  std::string shown;
  if (s.decimals == -1) shown = format_whole(std::trunc(v));
  else if (s.decimals == -2) shown = rel_pct(v);
  else shown = grouped(v, s.decimals);
  return Cell{same(shown), format_raw(v)};
}

// The population table of the k-th margin-fit row (diagnose lists every category of every table, in order).
const weights::LoadedTable& table_of(const WeightingResult& r, std::size_t k) {
  for (const auto& t : r.tables) {
    if (k < t.cells.size()) return t;
    k -= t.cells.size();
  }
  return r.tables.back();
}

Column col(const char* id, Text header, Align a = Align::Right) { return Column{id, std::move(header), a, true, true}; }

} // namespace

Table weight_table(const WeightingResult& r) {
  Table t;
  t.id = "weight_diagnostics";
  t.title = Text{"重み付けの診断", "Weighting diagnostics"};
  t.columns = {col("section", Text{"区分", "section"}, Align::Left), col("margin", Text{"周辺分布", "margin"}, Align::Left),
               col("category", Text{"カテゴリ", "category"}, Align::Left), col("n", Text{"n", "n"}), col("target", Text{"母集団", "target"}),
               col("input", Text{"入力", "input"}), col("final", Text{"最終", "final"}), col("rel_diff", Text{"相対誤差", "rel_diff"})};
  auto raw = [](const std::string& s) { return Cell{same(s), s}; };
  for (const auto& s : stats())
    t.rows.push_back({raw("summary"), raw(""), raw(s.id), raw(""), raw(""), raw(format_raw(s.get(r.input_diagnostics))), raw(format_raw(s.get(r.diagnostics))), raw("")});
  t.rows.push_back({raw("summary"), raw(""), raw("iterations"), raw(""), raw(""), raw(""), raw(fmt::format("{}", r.iterations)), raw("")});
  t.rows.push_back({raw("summary"), raw(""), raw("max_rel_misfit"), raw(""), raw(""), raw(""), raw(format_raw(r.max_rel_misfit)), raw("")});
  for (std::size_t k = 0; k < r.diagnostics.margins.size(); ++k) {
    const auto& f = r.diagnostics.margins[k];
    const auto& in = r.input_diagnostics.margins[k];
    t.rows.push_back({raw("margin"), raw(table_of(r, k).name), raw(f.label), raw(fmt::format("{}", f.n)), raw(format_raw(f.target)), raw(format_raw(in.achieved)),
                      raw(format_raw(f.achieved)), raw(format_raw(f.rel_diff))});
  }
  for (const auto& u : r.unmatched)
    t.rows.push_back({raw("unmatched"), raw(u.table), raw(u.variable.empty() ? u.value : u.variable + "=" + u.value), raw(fmt::format("{}", u.rows)), raw(""),
                      raw(""), raw(""), raw("")});
  return t;
}

Document weight_document(const WeightingResult& r, const WeightingSpec& spec, const WeightReportOptions& opt) {
  Document d;
  d.title = Text{"重み付け（hkstat weight）", "Weighting (hkstat weight)"};
  auto fact = [&](Text k, Text v) { d.facts.emplace_back(std::move(k), std::move(v)); };
  fact(Text{"データ", "data"}, Text{fmt::format("{}（{}行）", opt.input, with_thousands(static_cast<long long>(opt.rows_read))),
                                  fmt::format("{} ({} rows)", opt.input, with_thousands(static_cast<long long>(opt.rows_read)))});
  if (opt.rejected_rows > 0)
    fact(Text{"除いた行", "rows left out"}, Text{fmt::format("不正な値のある {}行（{}）", opt.rejected_rows, opt.rejects_file),
                                             fmt::format("{} rows with invalid values ({})", opt.rejected_rows, opt.rejects_file)});
  fact(Text{"方法", "method"}, method_text(r.method));
  for (const auto& t : r.tables)
    fact(Text{"母集団の表", "population table"},
         Text{fmt::format("{}（{}、{}区分、合計 {}）", t.path, t.name, t.cells.size(), grouped(t.total, 0)),
              fmt::format("{} ({}, {} categories, total {})", t.path, t.name, t.cells.size(), grouped(t.total, 0))});
  fact(Text{"基本ウェイト", "base weight"},
       r.base_weight.empty() ? Text{"なし（すべて 1）", "none (1 for every row)"} : same(r.base_weight));
  if (spec.response) {
    const auto& rs = *spec.response;
    const std::string codes = fmt::format("{}", fmt::join(rs.codes, ", "));
    fact(Text{"回答", "response"},
         rs.cells.empty()
             ? Text{fmt::format("{} が {} の行（無回答者 {}行は重み 0、無回答調整なし）", rs.variable, codes, r.nonrespondents),
                    fmt::format("rows where {} is {} ({} nonrespondents get weight 0; no nonresponse adjustment)", rs.variable, codes, r.nonrespondents)}
             : Text{fmt::format("{} が {} の行（無回答者 {}行）。無回答調整の区分: {}", rs.variable, codes, r.nonrespondents, fmt::join(rs.cells, " × ")),
                    fmt::format("rows where {} is {} ({} nonrespondents); nonresponse adjustment within {}", rs.variable, codes, r.nonrespondents,
                                fmt::join(rs.cells, " × "))});
  }
  fact(Text{"収束", "convergence"}, convergence_text(r, spec));
  if (spec.method == WeightingMethod::Linear)
    fact(Text{"g の範囲", "bounds on g"},
         spec.bounds ? same(fmt::format("[{}, {}]", spec.bounds->first, spec.bounds->second)) : Text{"なし（負の重みもありうる）", "none (weights may be negative)"});
  if (spec.trim)
    fact(Text{"トリミング", "trimming"},
         Text{fmt::format("[{}, {}]、{}行を上下限に切り詰め、差分を他の行に均等に再配分（R trimWeights{}）", spec.trim->first, spec.trim->second, r.trimmed,
                          spec.trim_strict ? "、strict = TRUE" : ""),
              fmt::format("[{}, {}]; {} weights set to a bound, the difference shared equally by the others (R trimWeights{})", spec.trim->first,
                          spec.trim->second, r.trimmed, spec.trim_strict ? ", strict = TRUE" : "")});
  std::size_t unmatched_rows = 0;
  for (const auto& u : r.unmatched) unmatched_rows += u.rows;
  fact(Text{"区分不明の行", "unmatched rows"},
       spec.unmatched == weights::Unmatched::Error ? Text{"停止する（unmatched = \"error\"）", "stop (unmatched = \"error\")"}
                                                   : Text{fmt::format("{}行の重みを 0 にした（unmatched = \"drop\"）", unmatched_rows),
                                                          fmt::format("{} rows given weight 0 (unmatched = \"drop\")", unmatched_rows)});
  if (!opt.output.empty())
    fact(Text{"出力", "output"}, Text{fmt::format("{}（列 {}、重みが 0 の行は書き出さない）、コードブック {}", opt.output, opt.weight_name, opt.codebook_out),
                                    fmt::format("{} (column {}; rows of weight 0 are not written), codebook {}", opt.output, opt.weight_name, opt.codebook_out)});
  fact(Text{"ソフトウェア", "software"}, same(opt.version));

  Table s;
  s.id = "weight_summary";
  s.title = Text{"重みの要約", "Summary of the weights"};
  s.columns = {col("statistic", Text{"統計量", "statistic"}, Align::Left), col("input", Text{"較正前", "before calibration"}),
               col("final", Text{"最終", "final"})};
  for (const auto& st : stats()) s.rows.push_back({Cell{st.name, st.id}, stat_cell(st, r.input_diagnostics), stat_cell(st, r.diagnostics)});
  s.notes.push_back(Text{"重みが 0 でない行について。較正前 = 基本ウェイト・無回答調整・区分不明の除外の後、較正の前",
                         "over rows with a nonzero weight; before calibration = after base weights, nonresponse adjustment and unmatched rows"});
  d.tables.push_back(std::move(s));

  if (!r.diagnostics.margins.empty()) {
    Table m;
    m.id = "weight_margins";
    m.title = Text{"周辺分布の一致", "Margin fit"};
    m.columns = {col("margin", Text{"表", "table"}, Align::Left), col("category", Text{"区分", "category"}, Align::Left), col("n", Text{"回答者", "respondents"}),
                 col("target", Text{"母集団", "population"}), col("input", Text{"較正前の合計", "sum before"}), col("final", Text{"最終の合計", "sum after"}),
                 col("rel_diff", Text{"相対誤差", "relative difference"})};
    for (std::size_t k = 0; k < r.diagnostics.margins.size(); ++k) {
      const auto& f = r.diagnostics.margins[k];
      const auto& in = r.input_diagnostics.margins[k];
      const std::string& name = table_of(r, k).name;
      m.rows.push_back({Cell{same(name), name}, Cell{same(f.label), f.label}, Cell{same(with_thousands(static_cast<long long>(f.n))), fmt::format("{}", f.n)},
                        Cell{same(grouped(f.target, 0)), format_raw(f.target)}, Cell{same(grouped(in.achieved, 1)), format_raw(in.achieved)},
                        Cell{same(grouped(f.achieved, 1)), format_raw(f.achieved)}, Cell{same(rel_pct(f.rel_diff)), format_raw(f.rel_diff)}});
    }
    m.notes.push_back(Text{"相対誤差 = (最終の合計 − 母集団) / 母集団", "relative difference = (sum after − population) / population"});
    d.tables.push_back(std::move(m));
  }
  if (!r.unmatched.empty()) {
    Table u;
    u.id = "weight_unmatched";
    u.title = Text{"重み 0 にした行（区分不明）", "Rows given weight 0 (unmatched)"};
    u.columns = {col("table", Text{"母集団の表", "population table"}, Align::Left), col("variable", Text{"変数", "variable"}, Align::Left),
                 col("value", Text{"値", "value"}, Align::Left), col("rows", Text{"行数", "rows"}), col("first_line", Text{"最初の行", "first line"})};
    for (const auto& x : r.unmatched) {
      const Text value = x.missing ? Text{x.value.empty() ? "無回答（空欄）" : fmt::format("無回答（{}）", x.value), x.value.empty() ? "missing (empty)" : fmt::format("missing ({})", x.value)}
                                   : same(x.value);
      const Text var = x.variable.empty() ? Text{"（組み合わせが表にない）", "(combination not in the table)"} : same(x.variable);
      u.rows.push_back({Cell{same(x.table), x.table}, Cell{var, x.variable}, Cell{value, x.value}, Cell{same(fmt::format("{}", x.rows)), fmt::format("{}", x.rows)},
                        Cell{same(fmt::format("{}", x.first_line)), fmt::format("{}", x.first_line)}});
    }
    d.tables.push_back(std::move(u));
  }
  if (r.diagnostics.n_negative > 0)
    d.notes.push_back(Text{fmt::format("注意: 負の重みが {}行あります。hkstat estimate は 0 以下の重みを不正な値として扱います。bounds（--bounds）で g の範囲を制限してください",
                                       r.diagnostics.n_negative),
                           fmt::format("warning: {} weights are negative; hkstat estimate treats weights <= 0 as invalid. Bound g with bounds (--bounds)",
                                       r.diagnostics.n_negative)});
  return d;
}

} // namespace hkstat::report
