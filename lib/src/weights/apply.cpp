#include "hkstat/weights/apply.hpp"

#include "hkstat/core/error.hpp"
#include "hkstat/io/csv_reader.hpp"
#include "hkstat/io/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>

namespace hkstat::weights {

namespace {

using codebook::VarType;
using data::kMissing;

[[noreturn]] void fail(ErrorCode code, SourcePos pos, std::string value, Text message, Text expected) {
  throw Error(Problem{code, std::move(pos), std::move(value), std::move(message), std::move(expected), ""});
}

std::string join(const std::vector<std::string>& v, std::string_view sep) { return fmt::format("{}", fmt::join(v, sep)); }

// Built where it is thrown, not a namespace-scope Text: no initialiser runs at every process start (issue 16).
Text drop_hint() {
  return Text{"母集団の表に行を加えるか、unmatched = \"drop\"（‹unmatched› drop）でその行の重みを 0 にしてください",
              "add a row to the population table, or use unmatched = \"drop\" (‹unmatched› drop) to give such rows weight 0"};
}

// A variable that puts rows into categories: a code or integer codebook variable, or bands of one.
struct Classifier {
  std::string name;
  const codebook::Variable* var = nullptr; // the codebook variable (for bands: the banded one)
  const BandVariable* band = nullptr;
  const data::Column* column = nullptr;

  // Category of row i, or kMissing (missing value, or a value in no band).
  std::int64_t category(std::size_t i) const {
    const std::int64_t v = column->ints[i];
    if (v == kMissing || !band) return v;
    for (std::size_t k = 0; k < band->bands.size(); ++k)
      if (v >= band->bands[k].min && v <= band->bands[k].max) return static_cast<std::int64_t>(k);
    return kMissing;
  }
  bool missing(std::size_t i) const { return column->ints[i] == kMissing; }
  // The row's value as written (for messages): the integer, or the declared missing code, or "".
  std::string row_value(std::size_t i) const {
    const std::int64_t v = column->ints[i];
    if (v != kMissing) {
      if (const auto* c = band ? nullptr : var->find_code(v); c && !c->label.empty()) return fmt::format("{} {}", v, c->label);
      return fmt::format("{}", v);
    }
    if (i < column->raw_missing.size() && column->raw_missing[i] != kMissing) return fmt::format("{}", column->raw_missing[i]);
    return "";
  }
  // The category a population-table cell names: a code (number, key or label), an integer, a band label.
  std::optional<std::int64_t> parse(const std::string& cell) const {
    const std::string t = io::trim(cell);
    if (t.empty()) return std::nullopt;
    if (band) {
      for (std::size_t k = 0; k < band->bands.size(); ++k)
        if (band->bands[k].label == t) return static_cast<std::int64_t>(k);
      if (const auto b = parse_band(t))
        for (std::size_t k = 0; k < band->bands.size(); ++k)
          if (band->bands[k].min == b->min && band->bands[k].max == b->max) return static_cast<std::int64_t>(k);
      return std::nullopt;
    }
    const auto num = io::parse_integer(io::normalize_numeric(t));
    if (var->type == VarType::Code) {
      if (num && var->find_code(*num) && !var->is_missing_code(*num)) return *num;
      for (const auto& c : var->codes)
        if (!var->is_missing_code(c.code) && ((!c.key.empty() && c.key == t) || (!c.label.empty() && c.label == t))) return c.code;
      return std::nullopt;
    }
    if (!num || var->is_missing_code(*num)) return std::nullopt;
    if ((var->min && static_cast<double>(*num) < *var->min) || (var->max && static_cast<double>(*num) > *var->max)) return std::nullopt;
    return *num;
  }
  std::string display(std::int64_t cat) const {
    if (band) return band->bands[static_cast<std::size_t>(cat)].label;
    if (const auto* c = var->find_code(cat); c && !c->label.empty()) return c->label;
    return fmt::format("{}", cat);
  }
  Text expected() const {
    std::vector<std::string> items;
    if (band) {
      for (const auto& b : band->bands) items.push_back(b.label);
      return Text{fmt::format("区分 {}", join(items, ", ")), fmt::format("a band: {}", join(items, ", "))};
    }
    if (var->type == VarType::Code) {
      for (const auto& c : var->codes)
        if (!var->is_missing_code(c.code)) items.push_back(c.label.empty() ? fmt::format("{}", c.code) : fmt::format("{} ({})", c.code, c.label));
      return Text{fmt::format("{} のコード・キー・ラベル: {}", name, join(items, ", ")),
                  fmt::format("a code, key or label of {}: {}", name, join(items, ", "))};
    }
    return Text{fmt::format("{} の値（整数）", name), fmt::format("a value (integer) of {}", name)};
  }
};

// Resolves names (band variables first, then codebook variables) to classifiers.
class Classifiers {
public:
  Classifiers(const codebook::Codebook& cb, const WeightingSpec& spec) : cb_(cb), spec_(spec) {
    std::set<std::string> seen;
    for (const auto& b : spec.bands) {
      if (!seen.insert(b.name).second)
        fail(ErrorCode::ConfigInvalid, SourcePos{spec.source, 0, 0, "", "weighting.band"}, b.name,
             Text{fmt::format("区分変数 {} が2回定義されています（{}）", b.name, b.origin), fmt::format("band variable {} is defined twice ({})", b.name, b.origin)},
             Text{"区分変数ごとに1つの定義", "one definition per band variable"});
      if (b.bands.empty())
        fail(ErrorCode::ConfigInvalid, SourcePos{spec.source, 0, 0, "", "weighting.band"}, b.name,
             Text{fmt::format("区分変数 {} に区分がありません（{}）", b.name, b.origin), fmt::format("band variable {} has no bands ({})", b.name, b.origin)},
             Text{"bands = [\"15-19\", \"20-29\"]", "bands = [\"15-19\", \"20-29\"]"});
      for (std::size_t i = 0; i < b.bands.size(); ++i)
        for (std::size_t j = i + 1; j < b.bands.size(); ++j)
          if (b.bands[i].min <= b.bands[j].max && b.bands[j].min <= b.bands[i].max)
            fail(ErrorCode::ConfigInvalid, SourcePos{spec.source, 0, 0, "", "weighting.band"}, fmt::format("{} / {}", b.bands[i].label, b.bands[j].label),
                 Text{fmt::format("区分変数 {} の区分 {} と {} が重なっています（{}）", b.name, b.bands[i].label, b.bands[j].label, b.origin),
                      fmt::format("band variable {}: bands {} and {} overlap ({})", b.name, b.bands[i].label, b.bands[j].label, b.origin)},
                 Text{"重ならない区分", "bands that do not overlap"});
    }
  }

  // nullptr if `name` is neither a band variable nor a code / integer variable.
  const Classifier* find(const std::string& name) {
    if (auto it = cache_.find(name); it != cache_.end()) return it->second.get();
    auto c = std::make_unique<Classifier>();
    c->name = name;
    for (const auto& b : spec_.bands)
      if (b.name == name) c->band = &b;
    if (c->band) {
      const codebook::Variable* v = c->band->from.empty() ? cb_.by_role(codebook::Role::Age) : cb_.by_name(c->band->from);
      if (!v || v->type != VarType::Integer)
        fail(ErrorCode::ConfigInvalid, SourcePos{spec_.source, 0, 0, "", "weighting.band"}, c->band->from.empty() ? std::string("age") : c->band->from,
             Text{fmt::format("区分変数 {} の元になる整数の変数がコードブックにありません（{}）", name, c->band->origin),
                  fmt::format("band variable {}: no integer variable to band in the codebook ({})", name, c->band->origin)},
             Text{"from = \"問2\"（type = \"integer\" の変数）、または role = \"age\" の変数", "from = \"Q2\" (a variable of type integer), or a variable with role age"});
      c->var = v;
    } else {
      c->var = cb_.by_name(name);
      if (!c->var || (c->var->type != VarType::Code && c->var->type != VarType::Integer)) return nullptr;
    }
    if (bound_) bind(*c, *bound_);
    return cache_.emplace(name, std::move(c)).first->second.get();
  }

  // Points every classifier at the columns of `ds` (the data set, or a batch of it).
  void bind(const data::Dataset& ds) {
    bound_ = &ds;
    for (auto& [name, c] : cache_) bind(*c, ds);
  }

  Text expected_names() const {
    std::vector<std::string> names;
    for (const auto& b : spec_.bands) names.push_back(b.name);
    for (const auto& v : cb_.variables)
      if (v.type == VarType::Code || v.type == VarType::Integer) names.push_back(v.name);
    return Text{fmt::format("区分変数またはコードブックの変数（code・integer）: {}", join(names, ", ")),
                fmt::format("a band variable or a codebook variable of type code or integer: {}", join(names, ", "))};
  }

private:
  static void bind(Classifier& c, const data::Dataset& ds) {
    c.column = ds.column(c.var->name);
    if (!c.column || c.column->ints.size() != ds.rows())
      fail(ErrorCode::Internal, SourcePos{ds.source, 0, 0, c.var->name, ""}, c.var->name, Text{"列が読み込まれていません", "column not loaded"}, Text{});
  }
  const codebook::Codebook& cb_;
  const WeightingSpec& spec_;
  const data::Dataset* bound_ = nullptr;
  std::map<std::string, std::unique_ptr<Classifier>> cache_;
};

// A population table read and checked, with the classifiers of its cell columns.
struct Table {
  LoadedTable loaded;
  std::vector<const Classifier*> cls;
  std::map<std::vector<std::int64_t>, std::size_t> index; // category tuple -> cell
};

Table load_table(const PopulationTableSpec& ts, const std::string& count_column, Classifiers& classifiers) {
  io::CsvReader reader(ts.path);
  const auto& header = reader.header();
  const std::size_t hline = reader.header_line();
  int count_ix = -1;
  for (std::size_t i = 0; i < header.size(); ++i)
    if (header[i] == count_column) count_ix = static_cast<int>(i);
  if (count_ix < 0)
    fail(ErrorCode::ConfigInvalid, SourcePos{ts.path, hline, 0, "", ""}, join(header, ","),
         Text{fmt::format("母集団の表に人数の列「{}」がありません", count_column), fmt::format("the population table has no count column '{}'", count_column)},
         Text{fmt::format("見出しに {} の列（count_column / ‹count-column› で変更可）", count_column),
              fmt::format("a column {} in the header (count_column / ‹count-column› to rename)", count_column)});
  std::vector<std::size_t> used;
  if (ts.variables.empty()) {
    for (std::size_t i = 0; i < header.size(); ++i)
      if (static_cast<int>(i) != count_ix) used.push_back(i);
  } else {
    for (const auto& v : ts.variables) {
      std::size_t at = header.size();
      for (std::size_t i = 0; i < header.size(); ++i)
        if (header[i] == v && static_cast<int>(i) != count_ix) at = i;
      if (at == header.size())
        fail(ErrorCode::ConfigInvalid, SourcePos{ts.path, hline, 0, "", ""}, v,
             Text{fmt::format("母集団の表に指定の変数「{}」の列がありません", v), fmt::format("the population table has no column for the requested variable '{}'", v)},
             Text{fmt::format("見出し: {}", join(header, ",")), fmt::format("header: {}", join(header, ","))});
      if (std::find(used.begin(), used.end(), at) != used.end())
        fail(ErrorCode::ConfigInvalid, SourcePos{ts.path, hline, at + 1, v, ""}, v, Text{"変数が2回指定されています", "variable given twice"}, Text{});
      used.push_back(at);
    }
  }
  if (used.empty())
    fail(ErrorCode::ConfigInvalid, SourcePos{ts.path, hline, 0, "", ""}, join(header, ","),
         Text{"母集団の表に区分の列がありません（人数の列だけです）", "the population table has no category column (only the count)"},
         Text{"age_band,問1,count のような見出し", "a header such as age_band,sex,count"});
  Table t;
  t.loaded.path = ts.path;
  for (std::size_t c : used) {
    const Classifier* cl = classifiers.find(header[c]);
    if (!cl)
      fail(ErrorCode::ConfigInvalid, SourcePos{ts.path, hline, c + 1, header[c], ""}, header[c],
           Text{"母集団の表の見出しが区分変数にもコードブックの変数（code・integer）にもありません",
                "the population table's header names neither a band variable nor a codebook variable of type code or integer"},
           classifiers.expected_names());
    t.cls.push_back(cl);
    t.loaded.variables.push_back(header[c]);
  }
  t.loaded.name = join(t.loaded.variables, "×");

  struct Acc {
    double count = 0;
    std::size_t line = 0;
  };
  std::map<std::vector<std::int64_t>, Acc> cells;
  std::map<std::vector<std::string>, std::size_t> rows_seen; // all non-count fields -> line
  io::Record rec;
  while (reader.next(rec)) {
    std::vector<std::string> key;
    for (std::size_t i = 0; i < rec.fields.size(); ++i)
      if (static_cast<int>(i) != count_ix) key.push_back(io::trim(rec.fields[i]));
    if (auto [it, fresh] = rows_seen.emplace(key, rec.line); !fresh)
      fail(ErrorCode::ConfigInvalid, SourcePos{ts.path, rec.line, 0, "", ""}, join(key, ","),
           Text{fmt::format("母集団の表の行が {}行目と重複しています", it->second), fmt::format("the population table repeats line {}", it->second)},
           Text{"区分の組み合わせごとに1行", "one line per combination of categories"});
    std::vector<std::int64_t> tuple;
    for (std::size_t k = 0; k < used.size(); ++k) {
      const std::string& cell = rec.fields[used[k]];
      const auto cat = t.cls[k]->parse(cell);
      if (!cat)
        fail(ErrorCode::ConfigInvalid, SourcePos{ts.path, rec.line, used[k] + 1, header[used[k]], ""}, cell,
             Text{fmt::format("母集団の表の「{}」の値が未知のカテゴリです", header[used[k]]),
                  fmt::format("unknown category of '{}' in the population table", header[used[k]])},
             t.cls[k]->expected());
      tuple.push_back(*cat);
    }
    const std::string& raw = rec.fields[static_cast<std::size_t>(count_ix)];
    const auto v = io::parse_double(io::normalize_numeric(raw));
    if (!v || !std::isfinite(*v) || *v < 0)
      fail(ErrorCode::ConfigInvalid, SourcePos{ts.path, rec.line, static_cast<std::size_t>(count_ix) + 1, count_column, ""}, raw,
           Text{"母集団の人数が 0 以上の数値ではありません", "the population count is not a number >= 0"}, Text{"人数（0 より大きい数）", "a number of people (> 0)"});
    auto& acc = cells[tuple];
    if (acc.line == 0) acc.line = rec.line;
    acc.count += *v;
  }
  if (cells.empty())
    fail(ErrorCode::ConfigInvalid, SourcePos{ts.path, hline, 0, "", ""}, "", Text{"母集団の表にデータ行がありません", "the population table has no data rows"},
         Text{"区分ごとの人数の行", "one line per category with its count"});
  for (const auto& [tuple, acc] : cells) {
    std::vector<std::string> parts;
    for (std::size_t k = 0; k < tuple.size(); ++k) parts.push_back(t.cls[k]->display(tuple[k]));
    PopulationCell pc{join(parts, " × "), acc.count, acc.line};
    if (!(acc.count > 0))
      fail(ErrorCode::ConfigInvalid, SourcePos{ts.path, acc.line, static_cast<std::size_t>(count_ix) + 1, count_column, ""}, fmt::format("{}", acc.count),
           Text{fmt::format("母集団の表の「{}」の人数が正ではありません", pc.label), fmt::format("population count of '{}' is not positive", pc.label)},
           Text{"0 より大きい人数（人口のない区分は隣の区分と統合）", "a count > 0 (merge an empty category with a neighbouring one)"});
    t.index.emplace(tuple, t.loaded.cells.size());
    t.loaded.total += acc.count;
    t.loaded.cells.push_back(std::move(pc));
  }
  return t;
}

// The base-weight variable (step 1), or nullptr for 1 on every row.
const codebook::Variable* base_weight_variable(const codebook::Codebook& cb, const WeightingSpec& spec) {
  if (!spec.base_weight) return cb.by_role(codebook::Role::Weight);
  if (*spec.base_weight == "none") return nullptr;
  const codebook::Variable* v = cb.by_name(*spec.base_weight);
  if (!v || v->type != VarType::Number)
    fail(ErrorCode::ConfigInvalid, SourcePos{spec.source, 0, 0, "", "weighting.base_weight"}, *spec.base_weight,
         Text{"基本ウェイトの変数がコードブックにありません（type = \"number\" の変数）", "the base weight is not a codebook variable of type number"},
         Text{"type = \"number\" の変数名、または \"none\"（すべて 1）", "the name of a number variable, or \"none\" (1 for every row)"});
  return v;
}

const data::Column* base_weight_column(const data::Dataset& ds, const codebook::Variable* v) {
  if (!v) return nullptr;
  const data::Column* col = ds.column(v->name);
  if (!col || col->numbers.size() != ds.rows())
    fail(ErrorCode::Internal, SourcePos{ds.source, 0, 0, v->name, ""}, v->name, Text{"列が読み込まれていません", "column not loaded"}, Text{});
  return col;
}

// Row i's base weight: the column's value (a number > 0, else DataInvalidWeight naming the row), or 1.
double base_weight_of(const data::Dataset& ds, const codebook::Variable* v, const data::Column* col, std::size_t i) {
  if (!col) return 1.0;
  const double x = col->numbers[i];
  if (!std::isfinite(x) || !(x > 0))
    fail(ErrorCode::DataInvalidWeight, SourcePos{ds.source, ds.lines[i], 0, v->name, ""}, fmt::format("{}", x),
         Text{"基本ウェイトが 0 より大きい数値ではありません", "the base weight is not a number > 0"}, Text{"0 より大きい数値", "a number greater than 0"});
  return x;
}

// Diagnostics of one set of weights, row by row over the weighted rows, with the categories of every table
// taken from the row's combination (the same sums in the same row order whichever path calls it). The sum of
// squared deviations is taken about `shift` (the mean as known before the rows: the combination table's, or
// the rows' own) and corrected to the mean of the rows: ss = Σ (w − c)² − n (mean − c)².
class DiagnosticsAccumulator {
public:
  DiagnosticsAccumulator() = default;
  DiagnosticsAccumulator(const std::vector<LoadedTable>& tables, double shift) : shift_(shift) {
    achieved_.resize(tables.size());
    rows_.resize(tables.size());
    for (std::size_t t = 0; t < tables.size(); ++t) {
      achieved_[t].assign(tables[t].cells.size(), 0.0);
      rows_[t].assign(tables[t].cells.size(), 0);
    }
  }
  // A weighted row: its weight and its category in every table (`cat(t)`).
  template <class Cat> void add(double w, Cat cat) {
    for (std::size_t t = 0; t < achieved_.size(); ++t) {
      const auto c = static_cast<std::size_t>(cat(t));
      achieved_[t][c] += w;
      ++rows_[t][c];
    }
    if (!std::isfinite(w)) finite_ = false;
    if (w == 0) {
      ++d_.n_zero;
      return;
    }
    d_.n_negative += w < 0;
    ++d_.n;
    d_.sum += w;
    sum2_ += w * w;
    ss_ += (w - shift_) * (w - shift_);
    d_.min = first_ ? w : std::min(d_.min, w);
    d_.max = first_ ? w : std::max(d_.max, w);
    first_ = false;
  }
  WeightDiagnostics finish(const std::vector<Margin>& margins, std::size_t rows_not_weighted) const {
    WeightDiagnostics r = d_;
    if (!finite_)
      fail(ErrorCode::DataInvalidWeight, SourcePos{}, "", Text{"重みが有限値ではありません", "a weight is not finite"}, Text{"数値", "a number"});
    if (r.n == 0)
      fail(ErrorCode::EstimateNoData, SourcePos{}, fmt::format("n={}", r.n_zero + rows_not_weighted),
           Text{"重みが0でない行がありません", "no row has a nonzero weight"}, Text{"重みが0でない行", "rows with a nonzero weight"});
    const double nd = static_cast<double>(r.n);
    r.mean = r.sum / nd;
    const double ss = std::max(0.0, ss_ - nd * (r.mean - shift_) * (r.mean - shift_));
    r.cv = std::sqrt(ss / nd) / std::abs(r.mean);
    r.kish_n_eff = r.sum * r.sum / sum2_;
    r.weighting_effect = nd * sum2_ / (r.sum * r.sum);
    for (std::size_t t = 0; t < margins.size(); ++t) {
      const Margin& m = margins[t];
      for (const auto& [code, target] : m.totals)
        add_margin_fit(r, m, code, target, achieved_[t][static_cast<std::size_t>(code)], rows_[t][static_cast<std::size_t>(code)]);
    }
    r.n_zero += rows_not_weighted;
    return r;
  }

private:
  double shift_ = 0;
  WeightDiagnostics d_;
  double sum2_ = 0, ss_ = 0;
  bool first_ = true, finite_ = true;
  std::vector<std::vector<double>> achieved_;
  std::vector<std::vector<std::size_t>> rows_;
};

} // namespace

// The weighting in passes (docs/performance.md, "Check of 2026-12-06, calib"; nonresponse cells, linear and trimming:
// "Eighth session, weightst"): pass 1 (add) classifies
// every row and sums its input weight into its combination of table cells; fit() solves the calibration on
// that table; pass 2 (weigh) gives each row d · g(combination) and adds it to the diagnostics. apply_weighting
// runs the same three steps on the data read whole, so both paths give the same numbers bit for bit.
struct WeightingStream::Impl {
  WeightingSpec spec;
  codebook::Codebook cb; // owned: the classifiers point into it
  std::unique_ptr<Classifiers> classifiers;
  std::vector<Table> tables;
  const codebook::Variable* base_var = nullptr;
  const codebook::Variable* response_var = nullptr;
  CombinationTable comb;
  std::string source;
  std::size_t rows = 0, active = 0;
  std::map<std::tuple<std::size_t, std::string, std::string>, std::size_t> unmatched_ix;
  // The first unmatched row under Unmatched::Error: thrown by fit() once every row has been counted.
  struct Pending {
    std::size_t table = 0;
    const Classifier* bad = nullptr;
    std::vector<std::int64_t> tuple;
    std::string value;
    bool missing = false;
    std::size_t line = 0;
    std::size_t count = 0;
  };
  std::optional<Pending> pending;
  WeightingResult res;
  // Nonresponse cells (step 2 with cells): pass 0 (prepass) sums the base weight of every sampled row (the table's
  // Σ d) and of the respondents per cell; end_prepass() checks them and fixes each cell's factor Σ all / Σ resp.
  struct NonresponseCells {
    std::vector<const Classifier*> cls;
    CombinationTable cells;
    std::vector<double> responded; // Σ base of the respondents per cell
    std::vector<double> factor;    // after end_prepass
    std::size_t rows = 0, nonrespondents = 0;
    struct Missing {
      const Classifier* c = nullptr;
      std::string value;
      bool missing = false;
      std::size_t line = 0;
    };
    std::optional<Missing> first_missing;
    std::vector<std::int64_t> tuple;
    bool ready = false;
  };
  std::optional<NonresponseCells> nr;
  CombinationFit fit;
  Eigen::MatrixXd linear_x; // linear: the calibration variables per combination
  std::optional<TrimPasses> trim; // trimming: the passes after fit() (trim_weights on TrimPasses, replayed per row)
  DiagnosticsAccumulator input_diag, diag;
  std::size_t weighed = 0, weighted = 0;
  std::vector<std::int64_t> key;

  Impl(const codebook::Codebook& codebook, const WeightingSpec& sp) : spec(sp), cb(codebook), comb(std::max<std::size_t>(sp.tables.size(), 1)) {
    res.method = spec.method;
    classifiers = std::make_unique<Classifiers>(cb, spec);
    if (spec.method == WeightingMethod::PostStratify && spec.tables.size() != 1)
      fail(ErrorCode::ConfigInvalid, SourcePos{spec.source, 0, 0, "", "weighting.population_tables"}, fmt::format("{}", spec.tables.size()),
           Text{"事後層化には母集団の表が1つ必要です（複数の周辺分布には rake か linear）",
                "post-stratification takes exactly one population table (rake or linear for several margins)"},
           Text{"事後層化する変数すべての列をもつ表1つ", "one table with a column for every post-stratification variable"});
    if ((spec.method == WeightingMethod::Rake || spec.method == WeightingMethod::Linear) && spec.tables.empty())
      fail(ErrorCode::ConfigInvalid, SourcePos{spec.source, 0, 0, "", "weighting.population_tables"}, "0",
           Text{fmt::format("{} には母集団の表が必要です", method_name(spec.method)), fmt::format("{} needs population tables", method_name(spec.method))},
           Text{"population_tables = [\"…csv\"] または ‹population-table› FILE", "population_tables = [\"...csv\"] or ‹population-table› FILE"});
    base_var = base_weight_variable(cb, spec);
    res.base_weight = base_var ? base_var->name : "";
    if (spec.response) {
      response_var = cb.by_name(spec.response->variable);
      if (!response_var || (response_var->type != VarType::Code && response_var->type != VarType::Integer))
        fail(ErrorCode::ConfigInvalid, SourcePos{spec.source, 0, 0, "", "weighting.response.variable"}, spec.response->variable,
             Text{"回答の有無を示す変数がコードブックにありません（type = \"code\" または \"integer\"）",
                  "the response variable is not a codebook variable of type code or integer"},
             classifiers->expected_names());
      if (spec.response->codes.empty())
        fail(ErrorCode::ConfigInvalid, SourcePos{spec.source, 0, 0, "", "weighting.response.codes"}, "[]",
             Text{"回答ありを示す値がありません", "no value means 'responded'"}, Text{"codes = [1]", "codes = [1]"});
    }
    for (const auto& ts : spec.tables) tables.push_back(load_table(ts, spec.count_column, *classifiers));
    key.assign(comb.margins(), 0); // no table (method none without tables): one combination
    if (spec.response && !spec.response->cells.empty()) {
      std::vector<const Classifier*> cls;
      for (const auto& name : spec.response->cells) {
        const Classifier* c = classifiers->find(name);
        if (!c)
          fail(ErrorCode::ConfigInvalid, SourcePos{spec.source, 0, 0, "", "weighting.response.cells"}, name,
               Text{"無回答調整の区分の変数がありません", "nonresponse cell variable not found"}, classifiers->expected_names());
        cls.push_back(c);
      }
      nr = NonresponseCells{cls, CombinationTable(cls.size()), {}, {}, 0, 0, std::nullopt, std::vector<std::int64_t>(cls.size()), false};
    }
  }

  bool responded_row(const data::Column* resp_col, std::size_t i) const {
    if (!resp_col) return true;
    const std::int64_t x = resp_col->ints[i];
    const auto& codes = spec.response->codes;
    return x != kMissing && std::find(codes.begin(), codes.end(), x) != codes.end();
  }

  // Row i's nonresponse cell into nr->tuple; false (and the first such row kept) if a cell variable is missing.
  bool nonresponse_cell(const data::Dataset& ds, std::size_t i) {
    for (std::size_t j = 0; j < nr->cls.size(); ++j) {
      const Classifier* c = nr->cls[j];
      const std::int64_t cat = c->category(i);
      if (cat == kMissing) {
        if (!nr->first_missing) nr->first_missing = NonresponseCells::Missing{c, c->row_value(i), c->missing(i), ds.lines[i]};
        return false;
      }
      nr->tuple[j] = cat;
    }
    return true;
  }

  // Pass 0 (nonresponse cells only): Σ base weight per cell, of all sampled rows and of the respondents, in row order.
  void prepass(const data::Dataset& ds) {
    if (source.empty()) source = ds.source;
    classifiers->bind(ds);
    const data::Column* base_col = base_weight_column(ds, base_var);
    const data::Column* resp_col = ds.column(response_var->name);
    for (std::size_t i = 0; i < ds.rows(); ++i) {
      const double base = base_weight_of(ds, base_var, base_col, i);
      const bool responded = responded_row(resp_col, i);
      ++nr->rows;
      nr->nonrespondents += !responded;
      if (!nonresponse_cell(ds, i)) continue;
      const std::size_t k = nr->cells.add(nr->tuple.data(), base);
      if (k == nr->responded.size()) nr->responded.push_back(0.0);
      if (responded) nr->responded[k] += base;
    }
  }

  // After pass 0: the errors that need every row, in the order the data read whole meets them; the factors.
  void end_prepass() {
    if (nr->rows == 0)
      fail(ErrorCode::EstimateNoData, SourcePos{source, 0, 0, "", ""}, "", Text{"データ行がありません", "no data rows"}, Text{"1行以上", "at least one row"});
    if (nr->nonrespondents == nr->rows)
      fail(ErrorCode::EstimateNoData, SourcePos{source, 0, 0, response_var->name, ""}, "",
           Text{fmt::format("回答者がいません（{} がどの行でも {} ではありません）", response_var->name, fmt::join(spec.response->codes, ", ")),
                fmt::format("no respondents ({} is never {})", response_var->name, fmt::join(spec.response->codes, ", "))},
           Text{"response.codes を確認してください", "check response.codes"});
    if (const auto& m = nr->first_missing)
      fail(m->missing ? ErrorCode::DataMissingRequired : ErrorCode::DataOutOfRange, SourcePos{source, m->line, 0, m->c->var->name, ""}, m->value,
           Text{fmt::format("無回答調整の区分「{}」が決まりません（{}）", m->c->name, m->missing ? "無回答" : "どの区分にも入らない値"),
                fmt::format("the nonresponse cell '{}' is unknown ({})", m->c->name, m->missing ? "missing" : "a value in no band")},
           Text{"標本全体（無回答者を含む）で区分の変数が必要です", "the cell variables are needed for every sampled row, nonrespondents included"});
    // A cell without respondents, named (cells in order of first appearance).
    for (std::size_t k = 0; k < nr->cells.size(); ++k)
      if (nr->cells.weight(k) > 0 && !(nr->responded[k] > 0)) {
        std::vector<std::string> parts;
        for (std::size_t j = 0; j < nr->cls.size(); ++j) parts.push_back(nr->cls[j]->display(nr->cells.cell(k, j)));
        fail(ErrorCode::EstimateNoData, SourcePos{spec.source, 0, 0, "", "weighting.response.cells"}, join(parts, " × "),
             Text{fmt::format("無回答調整の区分「{}」に回答者がいません", join(parts, " × ")),
                  fmt::format("nonresponse cell '{}' has no respondents", join(parts, " × "))},
             Text{"区分を粗くしてください（隣の区分と統合）", "use coarser cells (merge with a neighbouring one)"});
      }
    nr->factor.resize(nr->cells.size());
    for (std::size_t k = 0; k < nr->cells.size(); ++k) nr->factor[k] = nr->cells.weight(k) / nr->responded[k];
    nr->ready = true;
  }

  // Row i's input weight (steps 1–2): the base weight, times its cell's factor with nonresponse cells (as
  // nonresponse_adjust: base · (Σ all / Σ respondents)), 0 for a nonrespondent.
  double input_weight(const data::Dataset& ds, const data::Column* base_col, const data::Column* resp_col, std::size_t i, bool& responded) {
    const double d = base_weight_of(ds, base_var, base_col, i);
    responded = responded_row(resp_col, i);
    if (!responded) return 0.0;
    if (!nr) return d;
    if (!nr->ready)
      fail(ErrorCode::Internal, SourcePos{ds.source, ds.lines[i], 0, "", ""}, "", Text{"無回答調整の集計の前に重みを求めました", "input weight asked before the nonresponse cells were summed"}, Text{});
    const std::size_t k = nonresponse_cell(ds, i) ? nr->cells.find(nr->tuple.data()) : CombinationTable::npos;
    if (k == CombinationTable::npos)
      fail(ErrorCode::Internal, SourcePos{ds.source, ds.lines[i], 0, "", ""}, "",
           Text{"無回答調整の区分が1回目の読み込みと一致しません", "a nonresponse cell the first pass did not see"}, Text{});
    return d * nr->factor[k];
  }

  // Step 3 for a row of positive weight: its cell in every table into `key`; false if unmatched (then
  // `bad`, `t` and `value`/`missing` say why, `variable` names it).
  bool classify(std::size_t i, std::size_t& t, const Classifier*& bad, std::vector<std::int64_t>& tuple) {
    for (t = 0; t < tables.size(); ++t) {
      const Table& tb = tables[t];
      tuple.clear();
      bad = nullptr;
      for (const Classifier* c : tb.cls) {
        const std::int64_t cat = c->category(i);
        if (cat == kMissing && !bad) bad = c;
        tuple.push_back(cat);
      }
      if (bad) return false;
      const auto it = tb.index.find(tuple);
      if (it == tb.index.end()) return false;
      key[t] = static_cast<std::int64_t>(it->second);
    }
    return true;
  }

  // Pass 1 over a batch (or the whole data): steps 1–3 per row. `out`: the row's input weight after step 3,
  // status and combination (npos if none), appended (the in-memory path).
  struct RowOut {
    std::vector<double>* input = nullptr;
    std::vector<RowStatus>* status = nullptr;
    std::vector<std::size_t>* comb = nullptr;
  };
  void add(const data::Dataset& ds, RowOut out) {
    if (source.empty()) source = ds.source;
    classifiers->bind(ds);
    const data::Column* base_col = base_weight_column(ds, base_var);
    const data::Column* resp_col = !response_var ? nullptr : ds.column(response_var->name);
    std::vector<std::int64_t> tuple;
    for (std::size_t i = 0; i < ds.rows(); ++i) {
      bool responded = true;
      double w = input_weight(ds, base_col, resp_col, i, responded);
      RowStatus st = responded ? RowStatus::Weighted : RowStatus::Nonrespondent;
      if (st == RowStatus::Nonrespondent) ++res.nonrespondents;
      std::size_t k = CombinationTable::npos;
      if (w > 0) {
        if (pending) count_pending(i);
        std::size_t t = 0;
        const Classifier* bad = nullptr;
        if (classify(i, t, bad, tuple)) {
          k = comb.add(key.data(), w);
          ++active;
        } else {
          unmatched(ds, i, t, bad, tuple);
          if (st == RowStatus::Weighted) st = RowStatus::Unmatched;
          w = 0;
        }
      }
      ++rows;
      if (out.input) out.input->push_back(w);
      if (out.status) out.status->push_back(st);
      if (out.comb) out.comb->push_back(k);
    }
  }

  void count_pending(std::size_t j) {
    const Pending& p = *pending;
    bool same = true;
    if (p.bad) {
      same = p.bad->category(j) == kMissing && p.bad->row_value(j) == p.value;
    } else {
      for (std::size_t k = 0; k < p.tuple.size() && same; ++k) same = tables[p.table].cls[k]->category(j) == p.tuple[k];
    }
    pending->count += same;
  }

  void unmatched(const data::Dataset& ds, std::size_t i, std::size_t t, const Classifier* bad, const std::vector<std::int64_t>& tuple) {
    const Table& tb = tables[t];
    std::string variable, value;
    bool missing = false;
    if (bad) {
      variable = bad->name;
      value = bad->row_value(i);
      missing = bad->missing(i);
    } else {
      std::vector<std::string> parts;
      for (std::size_t k = 0; k < tuple.size(); ++k) parts.push_back(tb.cls[k]->display(tuple[k]));
      value = join(parts, " × ");
      if (tb.cls.size() == 1) variable = tb.cls[0]->name; // a one-variable table: name the variable
    }
    if (spec.unmatched == Unmatched::Error) {
      if (!pending) {
        pending = Pending{t, bad, tuple, value, missing, ds.lines[i], 0};
        count_pending(i);
      }
      return;
    }
    auto k = std::make_tuple(t, variable, value);
    auto [it, fresh] = unmatched_ix.emplace(k, res.unmatched.size());
    if (fresh) res.unmatched.push_back(UnmatchedCount{tb.loaded.path, variable, value, missing, 0, ds.lines[i]});
    ++res.unmatched[it->second].rows;
  }

  [[noreturn]] void throw_pending() const {
    const Pending& p = *pending;
    const LoadedTable& lt = tables[p.table].loaded;
    if (p.bad && p.missing)
      fail(ErrorCode::DataMissingRequired, SourcePos{source, p.line, 0, p.bad->var->name, ""}, p.value,
           Text{fmt::format("重み付けに使う「{}」が無回答です（母集団の表 {}、同じ行が {}行）", p.bad->var->name, lt.path, p.count),
                fmt::format("'{}' is missing but the population table {} needs it ({} such rows)", p.bad->var->name, lt.path, p.count)},
           drop_hint());
    if (p.bad)
      fail(ErrorCode::DataOutOfRange, SourcePos{source, p.line, 0, p.bad->var->name, ""}, p.value,
           Text{fmt::format("「{}」の値がどの区分（{}）にも入りません（母集団の表 {}、同じ行が {}行）", p.bad->var->name, p.bad->name, lt.path, p.count),
                fmt::format("the value of '{}' is in no band of {} (population table {}; {} such rows)", p.bad->var->name, p.bad->name, lt.path, p.count)},
           Text{"区分を広げるか、unmatched = \"drop\"（‹unmatched› drop）でその行の重みを 0 にしてください",
                "widen the bands, or use unmatched = \"drop\" (‹unmatched› drop) to give such rows weight 0"});
    fail(ErrorCode::ConfigInvalid, SourcePos{lt.path, 0, 0, "", ""}, p.value,
         Text{fmt::format("データにある区分「{}」（{}行、最初は {} の {}行目）が母集団の表にありません", p.value, p.count, source, p.line),
              fmt::format("category '{}' of the data ({} rows, first on line {} of {}) is missing from the population table", p.value, p.count, p.line,
                          source)},
         drop_hint());
  }

  // After pass 1: the errors that needed every row, the checks of the tables against the rows, the fit.
  void finish_pass1() {
    if (rows == 0)
      fail(ErrorCode::EstimateNoData, SourcePos{source, 0, 0, "", ""}, "", Text{"データ行がありません", "no data rows"}, Text{"1行以上", "at least one row"});
    if (response_var && res.nonrespondents == rows)
      fail(ErrorCode::EstimateNoData, SourcePos{source, 0, 0, response_var->name, ""}, "",
           Text{fmt::format("回答者がいません（{} がどの行でも {} ではありません）", response_var->name, fmt::join(spec.response->codes, ", ")),
                fmt::format("no respondents ({} is never {})", response_var->name, fmt::join(spec.response->codes, ", "))},
           Text{"response.codes を確認してください", "check response.codes"});
    if (pending) throw_pending();
    if (active == 0)
      fail(ErrorCode::EstimateNoData, SourcePos{source, 0, 0, "", ""}, fmt::format("{}", rows),
           Text{"重みを付ける行がありません（すべて無回答者または区分不明）", "no row left to weight (all nonrespondents or unmatched)"},
           Text{"回答者のいるデータ", "data with respondents"});
    for (std::size_t t = 0; t < tables.size(); ++t) {
      const LoadedTable& lt = tables[t].loaded;
      Margin m;
      m.name = fmt::format("{} [{}]", lt.name, lt.path);
      for (std::size_t k = 0; k < lt.cells.size(); ++k) {
        m.totals[static_cast<std::int64_t>(k)] = lt.cells[k].count;
        m.labels[static_cast<std::int64_t>(k)] = lt.cells[k].label;
      }
      // A category with population but no weighted respondent cannot be calibrated.
      std::vector<std::size_t> rows_in(lt.cells.size(), 0);
      for (std::size_t k = 0; k < comb.size(); ++k) rows_in[static_cast<std::size_t>(comb.cell(k, t))] += comb.positive_rows(k);
      for (std::size_t k = 0; k < lt.cells.size(); ++k)
        if (rows_in[k] == 0 && spec.method != WeightingMethod::None)
          fail(ErrorCode::EstimateNoData, SourcePos{lt.path, lt.cells[k].line, 0, "", ""}, lt.cells[k].label,
               Text{fmt::format("母集団の表の区分「{}」（人数 {}）に重みを付ける回答者がいません", lt.cells[k].label, lt.cells[k].count),
                    fmt::format("category '{}' of the population table (count {}) has no respondent to weight", lt.cells[k].label, lt.cells[k].count)},
               Text{"隣の区分と統合してください（表とデータの両方で）", "merge it with a neighbouring category (in the table and the data)"});
      res.margins.push_back(std::move(m));
      res.tables.push_back(lt);
    }
    if (spec.method == WeightingMethod::Rake || spec.method == WeightingMethod::Linear)
      for (std::size_t t = 1; t < res.tables.size(); ++t)
        if (std::abs(res.tables[t].total - res.tables[0].total) > spec.epsilon * res.tables[0].total)
          fail(ErrorCode::ConfigInvalid, SourcePos{res.tables[t].path, 0, 0, "", ""}, fmt::format("{} / {}", res.tables[0].total, res.tables[t].total),
               Text{fmt::format("母集団の表 {} の合計 {} が {} の合計 {} と一致しません", res.tables[t].path, res.tables[t].total, res.tables[0].path,
                                res.tables[0].total),
                    fmt::format("population table {} sums to {} but {} to {}", res.tables[t].path, res.tables[t].total, res.tables[0].path, res.tables[0].total)},
               Text{"すべての表が同じ母集団の人数であること", "every table counting the same population"});
    // 4. The fit on the combination table.
    switch (spec.method) {
    case WeightingMethod::None: fit.g.assign(comb.size(), 1.0); break;
    case WeightingMethod::Linear: {
      // Columns: every cell of the first table, every cell but the first of the others (same column space as R's
      // model.matrix(~a + b) with an intercept, without the exact collinearity); one row per combination.
      std::vector<std::pair<std::size_t, std::size_t>> cols; // (table, cell)
      CalibControl ctl;
      for (std::size_t t = 0; t < res.tables.size(); ++t)
        for (std::size_t k = t == 0 ? 0 : 1; k < res.tables[t].cells.size(); ++k) {
          cols.emplace_back(t, k);
          ctl.column_names.push_back(fmt::format("{} = {} [{}]", res.tables[t].name, res.tables[t].cells[k].label, res.tables[t].path));
        }
      linear_x = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(comb.size()), static_cast<Eigen::Index>(cols.size()));
      Eigen::VectorXd totals(static_cast<Eigen::Index>(cols.size()));
      for (std::size_t j = 0; j < cols.size(); ++j) {
        const auto [t, cell] = cols[j];
        totals[static_cast<Eigen::Index>(j)] = res.tables[t].cells[cell].count;
        for (std::size_t k = 0; k < comb.size(); ++k)
          if (comb.cell(k, t) == static_cast<std::int64_t>(cell)) linear_x(static_cast<Eigen::Index>(k), static_cast<Eigen::Index>(j)) = 1;
      }
      ctl.epsilon = spec.epsilon;
      if (spec.max_iter) ctl.max_iter = *spec.max_iter;
      if (spec.bounds) {
        ctl.lower = spec.bounds->first;
        ctl.upper = spec.bounds->second;
      }
      fit = fit_linear(comb, linear_x, totals, ctl);
      res.iterations = fit.iterations;
      res.max_rel_misfit = fit.max_rel_misfit;
      break;
    }
    case WeightingMethod::PostStratify:
      fit = fit_post_stratification(comb, res.margins[0].totals);
      res.iterations = 1;
      break;
    case WeightingMethod::Rake: {
      RakeControl ctl;
      ctl.epsilon = spec.epsilon;
      if (spec.max_iter) ctl.max_iter = *spec.max_iter;
      fit = fit_rake(comb, res.margins, ctl);
      res.iterations = fit.iterations;
      res.max_rel_misfit = fit.max_rel_misfit;
      break;
    }
    }
    // The diagnostics' shift: the means the table gives (the rows' own means up to rounding).
    double s_in = 0, s_out = 0;
    for (std::size_t k = 0; k < comb.size(); ++k) {
      s_in += comb.weight(k);
      s_out += comb.weight(k) * fit.g[k];
    }
    input_diag = DiagnosticsAccumulator(res.tables, s_in / static_cast<double>(active));
    diag = DiagnosticsAccumulator(res.tables, s_out / static_cast<double>(active));
    // 5. Trimming: passes over the rows (trim_pass), after which every weight is replayed from d · g.
    if (spec.trim) {
      TrimControl tc;
      tc.strict = spec.trim_strict;
      trim.emplace(spec.trim->first, spec.trim->second, tc);
    }
  }

  // A weighted row's input and final weight, into the diagnostics (pass 2, in row order).
  void account(double input, double w, std::size_t k) {
    const auto cat = [&](std::size_t t) { return comb.cell(k, t); };
    input_diag.add(input, cat);
    diag.add(w, cat);
    ++weighted;
  }

  // A pass after pass 1 over a batch: each row's status, and for a weighted row its input weight d and combination k.
  template <class Fn> void each_row(const data::Dataset& ds, Fn fn) {
    classifiers->bind(ds);
    const data::Column* base_col = base_weight_column(ds, base_var);
    const data::Column* resp_col = response_var ? ds.column(response_var->name) : nullptr;
    std::vector<std::int64_t> tuple;
    for (std::size_t i = 0; i < ds.rows(); ++i) {
      bool responded = true;
      const double d = input_weight(ds, base_col, resp_col, i, responded);
      if (!responded) {
        fn(i, RowStatus::Nonrespondent, 0.0, CombinationTable::npos);
        continue;
      }
      std::size_t t = 0;
      const Classifier* bad = nullptr;
      if (!(d > 0) || !classify(i, t, bad, tuple)) {
        fn(i, RowStatus::Unmatched, 0.0, CombinationTable::npos);
        continue;
      }
      const std::size_t k = comb.find(key.data());
      if (k == CombinationTable::npos)
        fail(ErrorCode::Internal, SourcePos{ds.source, ds.lines[i], 0, "", ""}, "",
             Text{"2回目の読み込みで1回目にない区分の組み合わせがありました", "the second pass met a combination the first did not"}, Text{});
      fn(i, RowStatus::Weighted, d, k);
    }
  }

  // Step 5 in passes: each weighted row's calibrated weight d · g, trimmed by the passes so far, into the pass.
  void trim_pass(const data::Dataset& ds) {
    if (!trim || trim->done())
      fail(ErrorCode::Internal, SourcePos{ds.source, 0, 0, "", ""}, "", Text{"トリミングの読み込みは不要です", "no trimming pass is pending"}, Text{});
    const bool first = trim->passes() == 0;
    each_row(ds, [&](std::size_t i, RowStatus st, double d, std::size_t k) {
      if (st != RowStatus::Weighted) return;
      const double w0 = d * fit.g[k];
      if (first) {
        if (w0 < 0)
          fail(ErrorCode::EstimateNoData, SourcePos{ds.source, ds.lines[i], 0, "", ""}, fmt::format("{}", w0),
               Text{"線形較正の重みが負のため、トリミングできません", "linear calibration gave a negative weight: trimming needs weights >= 0"},
               Text{"bounds = [0.5, 2.0]（‹bounds›）で g の範囲を制限してください", "bound g with bounds = [0.5, 2.0] (‹bounds›)"});
        res.trimmed += w0 > 0 && (w0 > spec.trim->second || w0 < spec.trim->first);
      }
      trim->add(trim->weight(w0));
    });
  }

  // A weighted row's final weight: d · g, trimmed.
  double final_weight(double d, std::size_t k) const {
    const double w = d * fit.g[k];
    return trim ? trim->weight(w) : w;
  }

  void weigh(const data::Dataset& ds, std::vector<double>& w, std::vector<RowStatus>& status, std::vector<std::size_t>* comb_out = nullptr,
             std::vector<double>* input_out = nullptr) {
    if (trim && !trim->done())
      fail(ErrorCode::Internal, SourcePos{ds.source, 0, 0, "", ""}, "", Text{"トリミングの読み込みの前に重みを求めました", "weights asked before the trimming passes"}, Text{});
    w.assign(ds.rows(), 0.0);
    status.assign(ds.rows(), RowStatus::Weighted);
    if (comb_out) comb_out->assign(ds.rows(), CombinationTable::npos);
    if (input_out) input_out->assign(ds.rows(), 0.0);
    each_row(ds, [&](std::size_t i, RowStatus st, double d, std::size_t k) {
      ++weighed;
      status[i] = st;
      if (st != RowStatus::Weighted) return;
      w[i] = final_weight(d, k);
      if (comb_out) (*comb_out)[i] = k;
      if (input_out) (*input_out)[i] = d;
      account(d, w[i], k);
    });
  }

  WeightingResult finish() {
    if (weighed != rows)
      fail(ErrorCode::Internal, SourcePos{source, 0, 0, "", ""}, fmt::format("{} / {}", weighed, rows),
           Text{"入力を読み直した行数が一致しません", "re-reading the input gave a different number of rows"}, Text{});
    res.input_diagnostics = input_diag.finish(res.margins, rows - weighted);
    res.diagnostics = diag.finish(res.margins, rows - weighted);
    return std::move(res);
  }
};

WeightingStream::WeightingStream(const codebook::Codebook& cb, const WeightingSpec& spec) : impl_(std::make_unique<Impl>(cb, spec)) {}
WeightingStream::~WeightingStream() = default;

bool WeightingStream::prepass_needed() const { return impl_->nr.has_value(); }

void WeightingStream::fit_passes(const std::function<void(const std::function<void(const data::Dataset&)>&)>& reread) {
  if (prepass_needed()) { // nonresponse cells: the combination table after the cells' factors
    end_prepass();
    reread([&](const data::Dataset& batch) { add(batch); });
  }
  fit();
  while (trim_pending()) { // trimming: one pass (strict: until a pass finds no weight outside the bounds)
    reread([&](const data::Dataset& batch) { trim_pass(batch); });
    end_trim_pass();
  }
}

const WeightingSpec& WeightingStream::spec() const { return impl_->spec; }

std::size_t WeightingStream::weigh_kept(const data::Dataset& batch, Kept& out) {
  weigh(batch, out.w, out.status, out.comb, out.input);
  out.keep.clear();
  out.combination.clear();
  out.input_weight.clear();
  for (std::size_t i = 0; i < batch.rows(); ++i)
    if (out.w[i] != 0) {
      out.keep.push_back(i);
      out.combination.push_back(out.comb[i]);
      out.input_weight.push_back(out.input[i]);
    }
  if (!out.keep.empty()) out.rows = data::with_weights(batch, out.keep, out.w, impl_->spec.weight_name);
  return out.keep.size();
}
void WeightingStream::prepass(const data::Dataset& batch) { impl_->prepass(batch); }
void WeightingStream::end_prepass() { impl_->end_prepass(); }
void WeightingStream::add(const data::Dataset& batch) { impl_->add(batch, {}); }
bool WeightingStream::trim_pending() const { return impl_->trim && !impl_->trim->done(); }
void WeightingStream::trim_pass(const data::Dataset& batch) { impl_->trim_pass(batch); }
void WeightingStream::end_trim_pass() {
  if (impl_->trim) impl_->trim->end_pass();
}
void WeightingStream::fit() { impl_->finish_pass1(); }
void WeightingStream::weigh(const data::Dataset& batch, std::vector<double>& w, std::vector<RowStatus>& status) { impl_->weigh(batch, w, status); }
void WeightingStream::weigh(const data::Dataset& batch, std::vector<double>& w, std::vector<RowStatus>& status, std::vector<std::size_t>& combination,
                            std::vector<double>& input_weight) {
  impl_->weigh(batch, w, status, &combination, &input_weight);
}
const CombinationTable& WeightingStream::table() const { return impl_->comb; }
const CombinationFit& WeightingStream::combination_fit() const { return impl_->fit; }
const Eigen::MatrixXd& WeightingStream::calibration_x() const { return impl_->linear_x; }
WeightingResult WeightingStream::finish() { return impl_->finish(); }
std::size_t WeightingStream::combinations() const { return impl_->comb.size(); }

WeightingResult apply_weighting(const data::Dataset& ds, const WeightingSpec& spec) {
  const std::size_t n = ds.rows();
  if (n == 0)
    fail(ErrorCode::EstimateNoData, SourcePos{ds.source, 0, 0, "", ""}, "", Text{"データ行がありません", "no data rows"}, Text{"1行以上", "at least one row"});
  WeightingStream::Impl s(ds.codebook, spec);
  WeightingResult& res = s.res;

  // 1–3. Base weights, response (and nonresponse adjustment), the rows' cells, on the combination table.
  std::vector<double> w;
  std::vector<std::size_t> comb;
  w.reserve(n);
  comb.reserve(n);
  res.status.reserve(n);
  if (s.nr) {
    s.prepass(ds);
    s.end_prepass();
  }
  s.add(ds, {&w, &res.status, &comb});
  s.finish_pass1();
  res.input_weights = w;

  // The rows' cells per table; rows of weight 0 get the cells of the first weighted row (they add 0 to every sum).
  std::size_t first_active = 0;
  while (comb[first_active] == CombinationTable::npos) ++first_active;
  const auto comb_of = [&](std::size_t i) { return comb[i] != CombinationTable::npos ? comb[i] : comb[first_active]; };
  for (std::size_t t = 0; t < res.margins.size(); ++t) {
    res.margins[t].cell.resize(n);
    for (std::size_t i = 0; i < n; ++i) res.margins[t].cell[i] = s.comb.cell(comb_of(i), t);
  }

  // 4. Calibration: every weighted row gets d · g of its combination (the fit on the table).
  for (std::size_t i = 0; i < n; ++i)
    if (comb[i] != CombinationTable::npos) w[i] *= s.fit.g[comb[i]];
  if (spec.method == WeightingMethod::PostStratify) {
    res.info = CalibrationInfo{};
    res.info->kind = CalibrationKind::PostStratification;
    res.info->weights = w;
    res.info->cell = res.margins[0].cell;
  } else if (spec.method == WeightingMethod::Rake) {
    res.info = CalibrationInfo{};
    res.info->kind = CalibrationKind::Raking;
    res.info->weights = w;
    res.info->rake_steps.resize(res.margins.size());
    for (std::size_t m = 0; m < res.margins.size(); ++m) {
      RakeStep& step = res.info->rake_steps[m];
      step.cell = res.margins[m].cell;
      step.weights.assign(n, 0.0);
      for (std::size_t i = 0; i < n; ++i)
        if (comb[i] != CombinationTable::npos) step.weights[i] = res.input_weights[i] * s.fit.step_g[m][comb[i]];
    }
  } else if (spec.method == WeightingMethod::Linear) {
    // The residual model of calibrate_linear on the rows: each row's x (its combination's; 0 for a row of weight 0),
    // input weight and g (1 for a row of weight 0).
    res.info = CalibrationInfo{};
    res.info->kind = CalibrationKind::Linear;
    res.info->weights = w;
    res.info->X = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(n), s.linear_x.cols());
    res.info->g.assign(n, 1.0);
    for (std::size_t i = 0; i < n; ++i)
      if (comb[i] != CombinationTable::npos) {
        res.info->X.row(static_cast<Eigen::Index>(i)) = s.linear_x.row(static_cast<Eigen::Index>(comb[i]));
        res.info->g[i] = s.fit.g[comb[i]];
      }
    res.info->base = res.input_weights;
  }

  // 5. Trimming: the passes of the stream (TrimPasses, as trim_weights), here on the rows in memory.
  if (s.trim) {
    while (!s.trim->done()) {
      for (std::size_t i = 0; i < n; ++i)
        if (comb[i] != CombinationTable::npos) {
          if (s.trim->passes() == 0) {
            if (w[i] < 0)
              fail(ErrorCode::EstimateNoData, SourcePos{ds.source, ds.lines[i], 0, "", ""}, fmt::format("{}", w[i]),
                   Text{"線形較正の重みが負のため、トリミングできません", "linear calibration gave a negative weight: trimming needs weights >= 0"},
                   Text{"bounds = [0.5, 2.0]（‹bounds›）で g の範囲を制限してください", "bound g with bounds = [0.5, 2.0] (‹bounds›)"});
            res.trimmed += w[i] > 0 && (w[i] > spec.trim->second || w[i] < spec.trim->first);
          }
          s.trim->add(w[i]);
        }
      if (s.trim->end_pass())
        for (std::size_t i = 0; i < n; ++i)
          if (comb[i] != CombinationTable::npos) w[i] = s.trim->apply_last(w[i]);
    }
  }
  res.weights = std::move(w);

  // 6. Diagnostics over the weighted rows, in row order, about the table's mean (as the streamed pass 2).
  for (std::size_t i = 0; i < n; ++i)
    if (res.status[i] == RowStatus::Weighted) {
      const std::size_t k = comb_of(i);
      const auto cat = [&](std::size_t t) { return s.comb.cell(k, t); };
      s.input_diag.add(res.input_weights[i], cat);
      s.diag.add(res.weights[i], cat);
      ++s.weighted;
    }
  s.weighed = n;
  std::vector<double> weights = std::move(res.weights), input = std::move(res.input_weights);
  std::vector<RowStatus> status = std::move(res.status);
  std::vector<Margin> margins = res.margins;
  std::optional<CalibrationInfo> info = std::move(res.info);
  WeightingResult out = s.finish();
  out.weights = std::move(weights);
  out.input_weights = std::move(input);
  out.status = std::move(status);
  out.margins = std::move(margins);
  out.info = std::move(info);
  return out;
}

Eigen::MatrixXd calibrated_vcov(const estimate::Design& design, const Eigen::MatrixXd& scores, const CalibrationInfo& info) {
  return estimate::design_vcov(design, calibration_residuals(info, scores));
}

} // namespace hkstat::weights
