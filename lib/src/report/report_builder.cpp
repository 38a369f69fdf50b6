#include "hkstat/report/report_builder.hpp"

#include "hkstat/estimate/numerator.hpp"

#include "hkstat/classify/classify.hpp"
#include "hkstat/estimate/design_from_data.hpp"
#include "hkstat/estimate/prevalence_accumulator.hpp"
#include "hkstat/tabulate/accumulator.hpp"
#include "hkstat/estimate/replicates_from_data.hpp"
#include "hkstat/report/number_format.hpp"
#include "hkstat/report/png_render.hpp"
#include "hkstat/report/svg_chart.hpp"
#include "hkstat/report/xlsx_writer.hpp"
#include "hkstat/tabulate/cross_table.hpp"
#include "hkstat/tabulate/tabulate.hpp"
#include "hkstat/report/report_suppression.hpp"
#include "report/mustache.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <cmath>
#include <map>
#include <memory>
#include <optional>
#include <set>

namespace hkstat::report {

namespace {

using codebook::SurveyKind;
using codebook::VarType;

[[noreturn]] void bad_timestamp(std::string_view text, Text expected) {
  throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{}, std::string(text), Text{"日時の形式が不正です", "invalid date/time"}, std::move(expected), ""});
}

// Built where it is thrown, not a namespace-scope Text: no initialiser runs at every process start (issue 16).
Text timestamp_forms() {
  return Text{"2025-01-31、2025-01-31T10:00:00Z、2025-01-31T10:00:00+09:00（1980年以降）",
              "2025-01-31, 2025-01-31T10:00:00Z, 2025-01-31T10:00:00+09:00 (1980 or later)"};
}

bool digits(std::string_view s, std::size_t at, std::size_t n, int& out) {
  if (at + n > s.size()) return false;
  out = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

std::string ymd_text(std::chrono::year_month_day d) {
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(d.year()), static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
}

Text same(const std::string& s) { return Text{s, s}; }

// --- template context helpers -------------------------------------------------------------------------

detail::Map fact_map(const Text& k, const Text& v, bool en) { return detail::Map{{"key", k.in(en)}, {"value", v.in(en)}}; }

const Cell* cell_by_id(const Table& t, const std::vector<Cell>& row, const std::string& id) {
  for (std::size_t i = 0; i < t.columns.size(); ++i)
    if (t.columns[i].id == id) return &row[i];
  return nullptr;
}

std::string kind_id(SurveyKind k) { return codebook::survey_kind_name(k); }

Text kind_label(SurveyKind k) {
  switch (k) {
  case SurveyKind::Population: return Text{"住民を対象とした標本調査", "a population sample survey"};
  case SurveyKind::Agency: return Text{"関係機関調査（機関が把握している事例の報告）", "an agency survey (cases known to agencies)"};
  case SurveyKind::Intake: return Text{"相談受付票（相談窓口の記録）", "intake records (consultation desk records)"};
  }
  return Text{};
}

// The first code/multi variable whose label contains `text`, in codebook order.
const codebook::Variable* by_label(const codebook::Codebook& cb, const std::string& text) {
  for (const auto& v : cb.variables)
    if ((v.type == VarType::Code || v.type == VarType::Multi) && v.label.find(text) != std::string::npos) return &v;
  return nullptr;
}

// A copy of the data with one more code variable: the age in bands (for an age asked as a number).
struct AgeBandData {
  data::Dataset data;
  std::string name;
  const codebook::Variable* age = nullptr;   // the age asked as a number (of the codebook the bands were made from)
  std::vector<std::pair<int, int>> ranges;   // the bands' ages: code i + 1
};

// The banded codebook of `src`'s (no rows): fill_age_bands gives it the rows of a data set with that codebook.
AgeBandData age_band_codebook(const data::Dataset& src, const codebook::Variable& age, tabulate::AgeBands bands, bool en) {
  AgeBandData out;
  auto& d = out.data;
  d.codebook = src.codebook;
  out.age = &age;
  const int lo = src.codebook.age_min, hi = src.codebook.age_max;
  auto& ranges = out.ranges;
  if (bands == tabulate::AgeBands::Age2 && !src.codebook.forms.empty()) { // several questionnaires: the reporting ranges
    for (const codebook::Form& f : src.codebook.forms)
      for (const codebook::AgeRange& a : f.report) ranges.emplace_back(a.min, a.max);
  } else if (bands == tabulate::AgeBands::Age2) {
    if (lo < 40) ranges.emplace_back(lo, std::min(39, hi));
    if (hi >= 40) ranges.emplace_back(std::max(40, lo), hi);
  } else {
    const int step = bands == tabulate::AgeBands::Age10 ? 10 : 5;
    for (int a = lo; a <= hi;) {
      const int end = std::min(hi, (a / step + 1) * step - 1);
      ranges.emplace_back(a, end);
      a = end + 1;
    }
  }
  codebook::Variable v;
  const char* suffix = bands == tabulate::AgeBands::Age2 ? "age2" : bands == tabulate::AgeBands::Age10 ? "age10" : "age5";
  v.name = age.name + ":" + suffix;
  v.type = VarType::Code;
  v.label = bands == tabulate::AgeBands::Age2 ? (en ? "age (two groups)" : "年齢（2区分）")
            : bands == tabulate::AgeBands::Age10 ? (en ? "age (10-year bands)" : "年齢（10歳階級）")
                                                 : (en ? "age (5-year bands)" : "年齢（5歳階級）");
  v.line = age.line;
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    codebook::CodeDef c;
    c.code = static_cast<std::int64_t>(i + 1);
    c.key = fmt::format("{}-{}", ranges[i].first, ranges[i].second);
    c.label = en ? c.key : fmt::format("{}～{}歳", ranges[i].first, ranges[i].second);
    c.min = ranges[i].first;
    c.max = ranges[i].second;
    v.codes.push_back(c);
  }
  out.name = v.name;
  d.codebook.variables.push_back(v);
  d.columns.resize(d.codebook.variables.size());
  for (std::size_t i = 0; i < d.columns.size(); ++i) d.columns[i].var = &d.codebook.variables[i];
  return out;
}

// `src`'s rows (its codebook that of age_band_codebook) with their age bands into `out`, in place: the columns'
// storage is reused from batch to batch (the streamed report bands every batch; no codebook copied per batch).
void fill_age_bands(const data::Dataset& src, AgeBandData& out) {
  auto& d = out.data;
  d.source = src.source;
  d.encoding = src.encoding;
  d.had_bom = src.had_bom;
  d.lines.assign(src.lines.begin(), src.lines.end());
  d.fullwidth_normalised = src.fullwidth_normalised;
  d.ignored_columns = src.ignored_columns;
  for (std::size_t i = 0; i < src.columns.size(); ++i) {
    d.columns[i] = src.columns[i]; // vector assignment: the capacity kept
    d.columns[i].var = &d.codebook.variables[i];
  }
  const data::Column* ac = src.column(out.age->name);
  data::Column& band = d.columns.back();
  band.ints.assign(src.rows(), data::kMissing);
  band.raw_missing.assign(src.rows(), data::kMissing);
  const auto& ranges = out.ranges;
  for (std::size_t r = 0; ac && r < src.rows(); ++r) {
    const std::int64_t a =
        out.age->type == VarType::Number ? (std::isnan(ac->numbers[r]) ? data::kMissing : static_cast<std::int64_t>(ac->numbers[r])) : ac->ints[r];
    if (a == data::kMissing) continue;
    for (std::size_t i = 0; i < ranges.size(); ++i)
      if (a >= ranges[i].first && a <= ranges[i].second) band.ints[r] = static_cast<std::int64_t>(i + 1);
  }
}

AgeBandData with_age_bands(const data::Dataset& src, const codebook::Variable& age, tabulate::AgeBands bands, bool en) {
  AgeBandData out = age_band_codebook(src, age, bands, en);
  fill_age_bands(src, out);
  return out;
}

struct Section {
  TableSpec spec;
  Table table;                      // long form: tables/<id>.csv and the data sheet
  std::optional<Table> cross;       // a distribution over more than one group: 属性 × 回答 for report.md and the sheet
  std::optional<std::string> chart; // SVG
  Text chart_title;
  Text domains;
};

Text domains_text(const std::vector<tabulate::Domain>& ds) {
  Text t;
  for (auto d : ds) {
    const Text l = tabulate::domain_label(d);
    t.ja += (t.ja.empty() ? "" : "・") + l.ja;
    t.en += (t.en.empty() ? "" : ", ") + l.en;
  }
  return t;
}

// Every distribution table of the report under one header (the union of their columns, in order) with a
// first column `table` (the table id): the workbook's sheet for machines.
Table data_table(const std::vector<const Table*>& tables) {
  Table d;
  d.id = "data";
  d.columns.push_back(Column{"table", Text{"表", "table"}, Align::Left, true, true, table::NumberKind::Text, Text{}});
  std::vector<std::string> ids{"table"};
  for (const Table* t : tables)
    for (const auto& c : t->columns)
      if (c.machine && std::find(ids.begin(), ids.end(), c.id) == ids.end()) {
        ids.push_back(c.id);
        d.columns.push_back(c);
      }
  for (const Table* t : tables)
    for (const auto& row : t->rows) {
      std::vector<Cell> r(d.columns.size());
      r[0].raw = t->id;
      for (std::size_t i = 0; i < t->columns.size(); ++i) {
        const auto at = std::find(ids.begin(), ids.end(), t->columns[i].id);
        if (t->columns[i].machine) r[static_cast<std::size_t>(at - ids.begin())] = row[i];
      }
      d.rows.push_back(std::move(r));
    }
  return d;
}

// Facts of a library document, without the ones the provenance block shows.
std::vector<std::pair<Text, Text>> method_facts(const Document& d) {
  std::vector<std::pair<Text, Text>> out;
  for (const auto& f : d.facts)
    if (f.first.en != "input" && f.first.en != "codebook" && f.first.en != "hkstat") out.push_back(f);
  return out;
}

Text fact_value(const std::vector<std::pair<Text, Text>>& facts, const std::string& key_en) {
  for (const auto& [k, v] : facts)
    if (k.en == key_en) return v;
  return Text{};
}

// A title from the input's name when the codebook has none: the file name, never a directory path.
std::string pv_input_name(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

} // namespace

const std::set<std::string>& template_names() {
  static const std::set<std::string> names = {
      // top level
      "lang", "title", "has_date", "date", "kind", "kind_label", "population_sample", "workbook", "headline", "method", "provenance", "tables",
      "table", "has_skipped", "skipped", "has_notes", "notes",
      // headline
      "rate", "ci", "cases", "n", "persons", "persons_ci", "has_persons", "suppressed", "level", "population", "population_label", "measure",
      "population_by_group", "population_groups",
      // method
      "facts", "key", "value", "estimator", "ci_method", "suppression", "min_cell", "has_ruleset", "ruleset", "ruleset_id", "ruleset_version",
      // provenance
      "version", "input", "input_sha256", "encoding", "rows", "codebook", "codebook_sha256", "has_config", "config", "config_sha256", "template",
      "template_id", "template_version", "options", "name",
      // tables (also table.<id>), skipped, notes
      "id", "number", "figure", "markdown", "csv", "sheet", "groups", "is_prevalence", "has_chart", "chart", "chart_png", "chart_title", "reason", "text",
      // the Word edition (report --docx): true while its Markdown is rendered
      "word"};
  return names;
}

Timestamp parse_timestamp(std::string_view s) {
  using namespace std::chrono;
  int y = 0, mo = 0, d = 0;
  if (!(digits(s, 0, 4, y) && s.size() >= 10 && s[4] == '-' && digits(s, 5, 2, mo) && s[7] == '-' && digits(s, 8, 2, d))) bad_timestamp(s, timestamp_forms());
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) bad_timestamp(s, timestamp_forms());
  std::int64_t secs = 0, offset = 0;
  if (s.size() > 10) {
    int hh = 0, mm = 0, ss = 0;
    if (!((s[10] == 'T' || s[10] == ' ') && digits(s, 11, 2, hh) && s.size() >= 16 && s[13] == ':' && digits(s, 14, 2, mm))) bad_timestamp(s, timestamp_forms());
    std::size_t i = 16;
    if (i < s.size() && s[i] == ':') {
      if (!digits(s, i + 1, 2, ss)) bad_timestamp(s, timestamp_forms());
      i += 3;
    }
    if (hh > 23 || mm > 59 || ss > 60) bad_timestamp(s, timestamp_forms());
    secs = hh * 3600 + mm * 60 + ss;
    if (i < s.size() && s[i] == 'Z' && i + 1 == s.size()) {
      offset = 0;
    } else if (i < s.size() && (s[i] == '+' || s[i] == '-') && s.size() == i + 6 && s[i + 3] == ':') {
      int oh = 0, om = 0;
      if (!digits(s, i + 1, 2, oh) || !digits(s, i + 4, 2, om) || oh > 23 || om > 59) bad_timestamp(s, timestamp_forms());
      offset = (s[i] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
    } else {
      bad_timestamp(s, Text{"時刻には Z または +09:00 のような時差を付けます: " + timestamp_forms().ja, "a time needs Z or an offset such as +09:00: " + timestamp_forms().en});
    }
  }
  Timestamp t;
  t.epoch = static_cast<std::int64_t>(sys_days(ymd).time_since_epoch().count()) * 86400 + secs - offset;
  t.date = ymd_text(ymd);
  if (t.epoch < kDefaultCreated) bad_timestamp(s, timestamp_forms());
  return t;
}

Timestamp timestamp_from_epoch(std::string_view text) {
  using namespace std::chrono;
  std::int64_t v = 0;
  if (text.empty() || text.size() > 12) bad_timestamp(text, Text{"秒数（SOURCE_DATE_EPOCH）", "seconds (SOURCE_DATE_EPOCH)"});
  for (char c : text) {
    if (c < '0' || c > '9') bad_timestamp(text, Text{"秒数（SOURCE_DATE_EPOCH）", "seconds (SOURCE_DATE_EPOCH)"});
    v = v * 10 + (c - '0');
  }
  if (v < kDefaultCreated) bad_timestamp(text, Text{"1980-01-01 以降の秒数（315532800 以上）", "seconds since 1980-01-01 or later (>= 315532800)"});
  Timestamp t;
  t.epoch = v;
  t.date = ymd_text(year_month_day{sys_days{days{v / 86400}}});
  return t;
}

bool is_report_file(const std::string& p) {
  auto ends = [&](const char* suf) {
    const std::string s(suf);
    return p.size() > s.size() && p.compare(p.size() - s.size(), s.size(), s) == 0;
  };
  if (p == "report.md" || p == "report.xlsx" || p == "report.docx") return true;
  const auto slash = p.find('/');
  if (slash == std::string::npos || p.find('/', slash + 1) != std::string::npos) return false;
  if (p.size() - slash - 1 <= 4) return false; // "tables/.csv": no name
  return (p.rfind("tables/", 0) == 0 && ends(".csv")) || (p.rfind("charts/", 0) == 0 && (ends(".svg") || ends(".png")));
}

namespace {

const char* band_suffix(tabulate::AgeBands bands) {
  return bands == tabulate::AgeBands::Age2 ? "age2" : bands == tabulate::AgeBands::Age10 ? "age10" : "age5";
}

// One table of the template resolved against the codebook: what it is, its variable and the options of its
// tabulation. build_report and ReportStream share it, so both tabulate the same things.
struct TablePlan {
  enum class What { Prevalence, NotPopulation, Absent, Distribution };
  What what = What::Distribution;
  const codebook::Variable* var = nullptr;
  std::string what_text;          // how the spec names its variable (messages)
  tabulate::TabulateOptions topt;
  bool banded = false;            // an age asked as a number, tabulated in bands (with_age_bands)
  std::string name;               // the variable tabulated (banded: "<age>:age5")
  bool domains_reduced = false;   // groups asked for a survey that is not a population sample
};

// The tables' common options: the design options of the report (--where, --replicates, --calibrate,
// --lonely-psu) apply to every table, as in hkstat tabulate.
tabulate::TabulateOptions base_table_options(const ReportOptions& o, const std::shared_ptr<const estimate::ReplicateDesign>& supplied) {
  tabulate::TabulateOptions topt;
  topt.ci_method = o.ci_method;
  topt.level = o.level;
  topt.min_cell = 0; // every table's cells are suppressed together (report_suppression.hpp), in assemble
  topt.lonely = o.prevalence.lonely;
  topt.where = o.prevalence.where;
  topt.calibration = o.prevalence.calibration;
  topt.weighting = o.prevalence.weighting;
  topt.replicate_request = o.prevalence.replicate_request;
  topt.replicates = o.prevalence.replicate_request ? nullptr : supplied;
  topt.replicate_columns = o.prevalence.replicate_columns; // streamed: the supplied columns, summed by each table
  topt.replicates_label = !o.prevalence.replicates_label.ja.empty() || !supplied ? o.prevalence.replicates_label : estimate::supplied_replicates_label(*supplied);
  return topt;
}

std::vector<TablePlan> plan_tables(const codebook::Codebook& cb, const std::vector<Problem>& warnings, const std::vector<TableSpec>& specs,
                                   const tabulate::TabulateOptions& base, const std::vector<std::string>& report_by) {
  const bool population = cb.kind == SurveyKind::Population;
  std::vector<TablePlan> plans;
  for (const auto& spec : specs) {
    TablePlan p;
    if (spec.kind == TableKind::Prevalence) {
      p.what = population ? TablePlan::What::Prevalence : TablePlan::What::NotPopulation;
      plans.push_back(std::move(p));
      continue;
    }
    p.var = spec.role ? cb.by_role(*spec.role) : !spec.variable.empty() ? cb.by_name(spec.variable) : by_label(cb, spec.label_contains);
    p.what_text = spec.role ? fmt::format("role = \"{}\"", codebook::role_name(*spec.role))
                  : !spec.variable.empty() ? fmt::format("variable = \"{}\"", spec.variable)
                                           : fmt::format("label_contains = \"{}\"", spec.label_contains);
    bool absent = p.var == nullptr;
    if (p.var)
      for (const auto& w : warnings)
        if (w.code == ErrorCode::CsvMissingColumn && w.pos.key == p.var->name) absent = true;
    if (absent) {
      p.what = TablePlan::What::Absent;
      plans.push_back(std::move(p));
      continue;
    }
    p.topt = base;
    p.topt.domains = spec.domains;
    if (!population) {
      for (auto d : spec.domains) p.domains_reduced = p.domains_reduced || d != tabulate::Domain::All;
      p.topt.domains = {tabulate::Domain::All};
    }
    p.topt.by = spec.by;
    // report --by: a distribution table without a breakdown of its own (sex or a variable in tables.toml) is
    // broken down by the first --by variable as tabulate --by does (crossed with the table's age bands, if any;
    // a cross-table with one column per block) — except the table of that variable itself.
    if (population && !report_by.empty() && !spec.by.levels()) {
      const tabulate::By extra = tabulate::parse_by(report_by.front());
      if (tabulate::by_variable(cb, report_by.front()).name != p.var->name) {
        p.topt.by.variables = extra.variables;
      }
    }
    p.banded = p.var->role == codebook::Role::Age && (p.var->type == VarType::Integer || p.var->type == VarType::Number);
    p.name = p.banded ? p.var->name + ":" + band_suffix(spec.bands) : p.var->name;
    plans.push_back(std::move(p));
  }
  return plans;
}

// Where the report's numbers come from: the data set whole (build_report) or its batches (ReportStream).
// Errors are thrown where build_report on the whole data set throws them, so both give the same first error.
struct NumberSource {
  virtual ~NumberSource() = default;
  // A population sample: the classification (its rule-set, for the tables; the rows only in memory) and
  // the prevalence.
  virtual void prevalence(std::optional<classify::Classification>& cls, std::optional<estimate::PrevalenceResult>& prevalence) = 0;
  // The supplied replicate design (codebook [replicates]) of the tables, or null.
  virtual std::shared_ptr<const estimate::ReplicateDesign> supplied() = 0;
  virtual tabulate::Distribution distribution(std::size_t table, const TableSpec& spec, const TablePlan& plan, const classify::Classification* cls) = 0;
  // The data set table `table` was tabulated from (its codebook names the variable; an age asked as a number:
  // the banded one), after distribution(); `ds` is the report's.
  virtual const data::Dataset* table_data(std::size_t table, const data::Dataset& ds) = 0;
  // What the report's joint suppression counts: the rows of `ds` (read whole) or their counts (streamed).
  virtual void suppression_rows(ReportSuppressionInput& in, const data::Dataset& ds) = 0;
};

// The data set whole.
class WholeSource final : public NumberSource {
public:
  WholeSource(const data::Dataset& ds, const data::Dataset& read, const classify::RuleSet* ruleset, const ReportOptions& o)
      : ds_(ds), read_(read), ruleset_(ruleset), o_(o) {}

  void prevalence(std::optional<classify::Classification>& cls, std::optional<estimate::PrevalenceResult>& prevalence) override {
    const auto& cb = ds_.codebook;
    cls = classify::classify(ds_, *ruleset_);
    // Replicate weights the data supplies (codebook [replicates]) give the SEs, as in hkstat estimate.
    estimate::PrevalenceOptions popt = o_.prevalence;
    if (!popt.replicates && cb.replicates)
      if (auto rd = estimate::supplied_replicate_design(ds_, estimate::design_from_dataset(ds_, popt.lonely).design.weights)) {
        popt.replicates_label = estimate::supplied_replicates_label(*rd);
        popt.replicates = std::make_shared<const estimate::ReplicateDesign>(std::move(*rd));
      }
    prevalence = estimate::estimate_prevalence(ds_, *cls, popt);
    if (cb.roster) // household members in the numerator (and denominator for persons): those of every valid row, as hkstat estimate
      estimate::apply_members(*prevalence, read_, ds_, *cls, o_.numerator.value_or(roster::default_numerator(cb)), !o_.numerator, popt);
  }

  std::shared_ptr<const estimate::ReplicateDesign> supplied() override {
    std::shared_ptr<const estimate::ReplicateDesign> out = o_.prevalence.replicates;
    if (!out && !o_.prevalence.replicate_request && !o_.prevalence.calibration && ds_.codebook.replicates)
      if (auto rd = estimate::supplied_replicate_design(ds_, estimate::design_from_dataset(ds_, o_.prevalence.lonely).design.weights))
        out = std::make_shared<const estimate::ReplicateDesign>(std::move(*rd));
    return out;
  }

  tabulate::Distribution distribution(std::size_t table, const TableSpec& spec, const TablePlan& plan, const classify::Classification* cls) override {
    if (!plan.banded) return tabulate::tabulate(ds_, cls, plan.name, plan.topt);
    // derived data live as long as their distributions (the joint suppression reads them)
    const AgeBandData& banded = banded_.emplace(table, with_age_bands(ds_, *plan.var, spec.bands, o_.lang == Lang::En)).first->second;
    return tabulate::tabulate(banded.data, cls, plan.name, plan.topt);
  }
  const data::Dataset* table_data(std::size_t table, const data::Dataset&) override {
    const auto it = banded_.find(table);
    return it != banded_.end() ? &it->second.data : &ds_;
  }
  void suppression_rows(ReportSuppressionInput& in, const data::Dataset&) override {
    in.data = &ds_;
    in.where = o_.prevalence.where ? &*o_.prevalence.where : nullptr;
  }

private:
  std::map<std::size_t, AgeBandData> banded_;
  const data::Dataset& ds_;
  const data::Dataset& read_; // the valid rows read: ds_, or the rows ds_ was calibrated from
  const classify::RuleSet* ruleset_;
  const ReportOptions& o_;
};

// Everything of the report after the numbers: tables, charts, notes, the template's text and the workbook.
// `ds` may be a streamed input's metadata (no rows): `rows` and `rejected_rows` are the input's.
ReportOutput assemble(const data::Dataset& ds, std::size_t rows, std::size_t rejected_rows, const std::vector<Problem>& warnings,
                      const classify::RuleSet* ruleset, const ReportTemplate& tmpl, const ReportOptions& o, NumberSource& numbers) {
  const codebook::Codebook& cb = ds.codebook;
  const bool en = o.lang == Lang::En;
  const bool population = cb.kind == SurveyKind::Population;
  const std::string md_name = ReportTemplate::markdown_name(o.lang);
  const auto md_it = tmpl.files.find(md_name);
  if (md_it == tmpl.files.end())
    throw Error(Problem{ErrorCode::ConfigInvalid, SourcePos{tmpl.source, 0, 0, "", ""}, md_name,
                        Text{"テンプレートにこの言語の本文がありません", "the template has no text for this language"},
                        Text{md_name + " をテンプレートのディレクトリに置く", "put " + md_name + " in the template directory"}, ""});
  if (population && !ruleset)
    throw Error(Problem{ErrorCode::Internal, SourcePos{}, "", Text{"判定基準が渡されていません", "no rule-set given"}, Text{}, ""});

  ReportOutput out;
  std::optional<classify::Classification> cls;
  std::optional<estimate::PrevalenceResult> prevalence;
  if (population) numbers.prevalence(cls, prevalence);
  // The supplied replicate design (codebook [replicates]) of the prevalence, for the tables too.
  const std::shared_ptr<const estimate::ReplicateDesign> supplied = numbers.supplied();
  const classify::Classification* clsp = cls ? &*cls : nullptr;
  DisplayOptions dopt = o.display;
  dopt.version = o.provenance.version;
  dopt.rejected_rows = rejected_rows;

  // --- tables ---
  const tabulate::TabulateOptions topt = base_table_options(o, supplied);
  tabulate::TableOptions table_opt;
  table_opt.percent_decimals = dopt.rate_decimals;
  std::vector<Section> sections;
  std::vector<tabulate::Distribution> dists; // for the document-level notes
  const std::vector<TableSpec>& specs = tmpl.tables_for(cb.kind); // tables.agency.toml / tables.intake.toml if the template has them
  const std::vector<TablePlan> plans = plan_tables(cb, warnings, specs, topt, o.prevalence.by);
  dists.reserve(specs.size());
  // The distribution sections wait for the report's joint suppression: (section, its distribution).
  std::vector<std::pair<std::size_t, std::size_t>> pending;
  ReportSuppressionInput joint_in;
  numbers.suppression_rows(joint_in, ds); // the rows (whole) or their counts (streamed)
  joint_in.cls = clsp;
  joint_in.min_cell = dopt.min_cell;
  const std::string spec_file = (tmpl.source == "builtin:default" ? "builtin:default/" : tmpl.source + "/") + tmpl.tables_file_for(cb.kind);
  bool domains_reduced = false;
  for (std::size_t si = 0; si < specs.size(); ++si) {
    const TableSpec& spec = specs[si];
    const TablePlan& plan = plans[si];
    Section sec;
    sec.spec = spec;
    if (plan.what == TablePlan::What::NotPopulation) {
      out.skipped.emplace_back(spec.id, Text{"母集団からの標本ではないため出現率を計算しません", "not a population sample: no prevalence"});
      continue;
    }
    if (plan.what == TablePlan::What::Prevalence) {
      sec.domains = Text{"回答者全体", "all respondents"};
    } else {
      const std::string& what = plan.what_text;
      if (plan.what == TablePlan::What::Absent) {
        if (spec.optional) {
          out.skipped.emplace_back(spec.id, Text{fmt::format("コードブックまたはデータに {} の変数がありません", what), fmt::format("no variable with {} in the codebook or the data", what)});
          continue;
        }
        throw Error(Problem{ErrorCode::ConfigInvalid, SourcePos{spec_file, spec.line, 0, "", "table." + spec.id}, what,
                            Text{"表の変数がコードブックまたはデータにありません", "the table's variable is not in the codebook or the data"},
                            Text{"コードブックの変数、または optional = true", "a codebook variable, or optional = true"}, ""});
      }
      domains_reduced = domains_reduced || plan.domains_reduced;
      tabulate::Distribution dist = numbers.distribution(si, spec, plan, clsp);
      dist.min_cell = dopt.min_cell;
      // 帯グラフ: the answers of one group add up to 100%, which a multiple-answer question's do not.
      if (spec.chart && spec.chart_kind == ChartKind::Stacked && dist.multi)
        throw Error(Problem{ErrorCode::ConfigInvalid, SourcePos{spec_file, spec.line, 0, "", "table." + spec.id + ".chart_kind"}, "stacked",
                            Text{"複数回答の質問は帯グラフ（100%積み上げ）にできません", "a multiple-answer question cannot be drawn as 100% stacked bars"},
                            Text{"chart_kind = \"bars\"", "chart_kind = \"bars\""}, ""});
      sec.domains = domains_text(plan.topt.domains);
      joint_in.tables.push_back(ReportTableInput{nullptr, numbers.table_data(si, ds), plan.var->role == codebook::Role::Age});
      pending.emplace_back(sections.size(), dists.size());
      dists.push_back(std::move(dist));
    }
    sections.push_back(std::move(sec));
  }

  // --- one suppression for every table of the report (report_suppression.hpp), then the tables ---
  for (std::size_t k = 0; k < pending.size(); ++k) joint_in.tables[k].dist = &dists[pending[k].second];
  if (population) joint_in.prevalence = &*prevalence; // the headline is published even without the table
  const ReportSuppression joint = suppress_report(joint_in);
  for (std::size_t k = 0; k < pending.size(); ++k) apply_report_suppression(joint, k, dists[pending[k].second]);
  std::optional<Table> prevalence_rendered;
  if (population) prevalence_rendered = prevalence_table(*prevalence, *cls, dopt, &joint.prevalence_hidden, &joint.prevalence_n_hidden, joint.prevalence_fallback);
  std::size_t next_pending = 0;
  for (std::size_t i = 0; i < sections.size(); ++i) {
    Section& sec = sections[i];
    const TableSpec& spec = sec.spec;
    if (spec.kind == TableKind::Prevalence) {
      sec.table = *prevalence_rendered;
      if (spec.chart) {
        // The rate with its interval, by age group and overall (図: 出現率).
        sec.chart_title = !spec.title.in(en).empty() ? spec.title : Text{"出現率（全体・年齢区分別）", "Prevalence, overall and by age group"};
        sec.chart = bar_chart_svg(prevalence_chart(sec.table, sec.chart_title), o.lang);
      }
    } else {
      const tabulate::Distribution& dist = dists[pending[next_pending++].second];
      sec.table = tabulate::distribution_table(dist, table_opt);
      if (dist.blocks.size() > 1) sec.cross = tabulate::cross_table(dist, table_opt);
      if (spec.chart) {
        ChartData chart = distribution_chart(dist, dopt.rate_decimals);
        if (!spec.title.in(en).empty()) chart.title = spec.title;
        sec.chart_title = chart.title;
        sec.chart = spec.chart_kind == ChartKind::Stacked ? stacked_chart_svg(chart, o.lang) : bar_chart_svg(chart, o.lang);
      }
    }
    sec.table.id = spec.id;
    if (!spec.title.ja.empty()) sec.table.title.ja = spec.title.ja;
    if (!spec.title.en.empty()) sec.table.title.en = spec.title.en;
    sec.table.number = static_cast<int>(i) + 1;
    if (sec.cross) {
      sec.cross->id = spec.id;
      sec.cross->title = sec.table.title;
      sec.cross->number = sec.table.number;
    }
  }

  // --- method facts and notes, from the library's own documents ---
  tabulate::DocumentOptions tdopt;
  tdopt.table = table_opt;
  tdopt.version = dopt.version;
  tdopt.rejected_rows = dopt.rejected_rows;
  tdopt.rejects_file = dopt.rejects_file;
  Document tdoc = tabulate::tabulate_document(dists, ds, clsp, tdopt);
  // Full counts have no prevalence document: the run configuration's notes (e.g. [fieldwork]: 調査票の配布・回収) go first
  // among the tables' notes.
  if (!population) tdoc.notes.insert(tdoc.notes.begin(), dopt.method_notes.begin(), dopt.method_notes.end());
  std::vector<std::pair<Text, Text>> facts;
  std::vector<Text> prevalence_notes;
  if (population) {
    const Document pdoc = prevalence_document(*prevalence, ds, *cls, dopt);
    facts = method_facts(pdoc);
    for (const auto& n : pdoc.notes) {
      bool dup = false;
      for (const auto& m : tdoc.notes) dup = dup || m.ja == n.ja;
      if (!dup) prevalence_notes.push_back(n);
    }
  } else {
    facts = method_facts(tdoc);
  }
  if (domains_reduced)
    facts.emplace_back(Text{"集計の区分", "groups"},
                       Text{"回答者全体のみ（広義のひきこもり群・一般群は住民調査にだけ使います）", "all records only (the broad and comparison groups apply to population samples only)"});

  // --- files ---
  const std::string bom = o.bom ? "\xEF\xBB\xBF" : "";
  for (auto& sec : sections) {
    if (sec.spec.kind == TableKind::Prevalence)
      for (const auto& n : prevalence_notes) sec.table.notes.push_back(n);
    if (sec.cross) sec.cross->notes = sec.table.notes;
    out.files.emplace_back("tables/" + sec.spec.id + ".csv", bom + render_csv(sec.table));
    if (sec.chart) {
      out.files.emplace_back("charts/" + sec.spec.id + ".svg", *sec.chart);
      out.files.emplace_back("charts/" + sec.spec.id + ".png", svg_to_png(*sec.chart)); // for Word and older Excel
    }
  }

  // --- template context ---
  const std::string title = !cb.title.empty()           ? cb.title
                            : !cb.questionnaire.empty() ? cb.questionnaire
                                                        : (pv_input_name(o.provenance.input.empty() ? ds.source : o.provenance.input));
  detail::Map ctx{{"lang", std::string(en ? "en" : "ja")},
                 {"title", title},
                 {"has_date", o.timestamp.has_value()},
                 {"date", o.timestamp ? o.timestamp->date : std::string()},
                 {"kind", kind_id(cb.kind)},
                 {"kind_label", kind_label(cb.kind).in(en)},
                 {"population_sample", population},
                 {"workbook", std::string("report.xlsx")},
                 {"word", false}};
  if (population) {
    const auto listed = std::find_if(sections.begin(), sections.end(), [](const Section& s) { return s.spec.kind == TableKind::Prevalence; });
    const Table pt = listed != sections.end() ? listed->table : *prevalence_rendered;
    detail::Map h;
    for (const auto& row : pt.rows) {
      const Cell* m = cell_by_id(pt, row, "measure");
      const Cell* g = cell_by_id(pt, row, "age_group");
      if (!m || !g || m->raw != "broad" || g->raw != "all") continue;
      auto disp = [&](const char* id) { const Cell* c = cell_by_id(pt, row, id); return c ? c->display.in(en) : std::string(); };
      auto raw = [&](const char* id) { const Cell* c = cell_by_id(pt, row, id); return c ? c->raw : std::string(); };
      h = detail::Map{{"rate", disp("rate")}, {"ci", disp("ci")}, {"cases", disp("cases")}, {"n", disp("n")}, {"persons", disp("persons")},
                     {"persons_ci", disp("persons_ci")}, {"has_persons", !raw("persons").empty()}, {"suppressed", raw("suppressed") == "1"}};
    }
    const auto& pop = prevalence->population;
    h["level"] = format_fixed(prevalence->level * 100, prevalence->level * 100 == std::floor(prevalence->level * 100) ? 0 : 1) + "%";
    // The population: one total, or one per age group (then 全体's persons is the sum of the groups' rate × population;
    // `population` is the groups' sum, added in row order, so that a template printing it alone is not left empty).
    const bool by_group = !pop.total && !pop.by_group.empty();
    double group_sum = 0;
    for (const auto& g : pop.by_group) group_sum += g.second;
    h["population"] = pop.total ? format_whole(*pop.total) : by_group ? format_whole(group_sum) : std::string();
    h["population_by_group"] = by_group;
    h["population_groups"] = by_group ? population_text(pop).in(en) : std::string();
    h["population_label"] = pop.label;
    h["measure"] = std::string(estimate::measure_label(estimate::Measure::Broad, en));
    ctx["headline"] = h;
  }
  detail::Array fact_list;
  for (const auto& [k, v] : facts) fact_list.push_back(fact_map(k, v, en));
  detail::Map method{{"facts", fact_list},
                    {"estimator", fact_value(facts, "estimator").in(en)},
                    {"ci_method", fact_value(facts, "confidence interval").in(en)},
                    {"suppression", fact_value(facts, "suppression").in(en)},
                    {"min_cell", dopt.min_cell},
                    {"has_ruleset", population}};
  if (population) {
    method["ruleset"] = fact_value(facts, "rule-set").in(en);
    method["ruleset_id"] = ruleset->id;
    method["ruleset_version"] = std::to_string(ruleset->version);
  }
  ctx["method"] = method;

  const auto& pv = o.provenance;
  detail::Array opts;
  for (const auto& [k, v] : pv.options) opts.push_back(detail::Map{{"name", k}, {"value", v}});
  ctx["provenance"] = detail::Map{{"version", pv.version},
                                 {"input", pv.input},
                                 {"input_sha256", pv.input_sha256},
                                 {"encoding", ds.encoding + (ds.had_bom ? (en ? " with BOM" : " BOM付き") : "")},
                                 {"rows", with_thousands(static_cast<long long>(rows))},
                                 {"codebook", pv.codebook},
                                 {"codebook_sha256", pv.codebook_sha256},
                                 {"has_config", !pv.config.empty()},
                                 {"config", pv.config},
                                 {"config_sha256", pv.config_sha256},
                                 {"template", pv.template_path.empty() ? tmpl.source : pv.template_path},
                                 {"template_id", tmpl.id},
                                 {"template_version", std::to_string(tmpl.version)},
                                 {"options", opts}};
  detail::Array tables, word_tables; // word: the charts as PNG (report --docx)
  detail::Map by_id, word_by_id;
  int figure = 0;
  for (const auto& sec : sections) {
    if (sec.chart) ++figure;
    detail::Map t{{"id", sec.spec.id},
                 {"title", sec.table.title.in(en)},
                 {"number", sec.table.number},
                 {"markdown", render_markdown_table(sec.cross ? *sec.cross : sec.table, o.lang)},
                 {"csv", "tables/" + sec.spec.id + ".csv"},
                 {"sheet", xlsx_sheet_name(sec.table.number, sec.table.title, en)},
                 {"groups", sec.domains.in(en)},
                 {"is_prevalence", sec.spec.kind == TableKind::Prevalence},
                 {"has_chart", sec.chart.has_value()},
                 {"figure", sec.chart ? figure : 0},
                 {"chart", sec.chart ? "charts/" + sec.spec.id + ".svg" : std::string()},
                 {"chart_png", sec.chart ? "charts/" + sec.spec.id + ".png" : std::string()},
                 {"chart_title", sec.chart_title.in(en)}};
    tables.push_back(t);
    by_id[sec.spec.id] = t;
    t["chart"] = t["chart_png"];
    word_tables.push_back(t);
    word_by_id[sec.spec.id] = t;
  }
  ctx["tables"] = tables;
  ctx["table"] = by_id;
  detail::Array skipped;
  for (const auto& [id, why] : out.skipped) skipped.push_back(detail::Map{{"id", id}, {"reason", why.in(en)}});
  ctx["has_skipped"] = !skipped.empty();
  ctx["skipped"] = skipped;
  detail::Array notes;
  for (const auto& n : tdoc.notes) notes.push_back(detail::Map{{"text", n.in(en)}});
  ctx["has_notes"] = !notes.empty();
  ctx["notes"] = notes;

  const std::string md_source = tmpl.source == "builtin:default" ? "builtin:default/" + md_name : tmpl.source + "/" + md_name;
  std::set<std::string> names = template_names();
  for (const auto& spec : specs) names.insert(spec.id); // {{#table.<id>}}, also for a table left out
  out.files.insert(out.files.begin(), {"report.md", detail::render_markdown_template(md_it->second, md_source, ctx, names, tmpl.partials)});
  if (o.word) {
    // The same text for Word: `word` is true and a chart is its PNG (Word before 2016 shows no SVG).
    ctx["tables"] = word_tables;
    ctx["table"] = word_by_id;
    ctx["word"] = true;
    WordSource w;
    w.markdown = detail::render_markdown_template(md_it->second, md_source, ctx, names, tmpl.partials);
    if (const auto ref = tmpl.files.find(ReportTemplate::reference_docx_name); ref != tmpl.files.end()) w.reference_docx = ref->second;
    w.created = o.timestamp ? o.timestamp->epoch : kDefaultCreated;
    out.word = std::move(w);
  }

  // --- workbook ---
  XlsxOptions xo;
  xo.lang = o.lang;
  xo.created = o.timestamp ? o.timestamp->epoch : kDefaultCreated;
  xo.title = title;
  xo.subject = en ? "hkstat report" : "hkstat レポート";
  xo.comments = fmt::format("{}; input {} sha256 {}", pv.version, pv.input, pv.input_sha256);
  xo.percent_decimals = dopt.rate_decimals;
  xo.scratch_dir = o.scratch_dir;
  xo.about = facts;
  xo.about.emplace_back(Text{"hkstat", "hkstat"}, same(pv.version));
  xo.about.emplace_back(Text{"入力ファイル", "input"}, same(pv.input));
  xo.about.emplace_back(Text{"入力ファイルの SHA-256", "input SHA-256"}, same(pv.input_sha256));
  xo.about.emplace_back(Text{"コードブック", "codebook"}, same(pv.codebook));
  xo.about.emplace_back(Text{"コードブックの SHA-256", "codebook SHA-256"}, same(pv.codebook_sha256));
  if (!pv.config.empty()) {
    xo.about.emplace_back(Text{"実行設定", "run configuration"}, same(pv.config));
    xo.about.emplace_back(Text{"実行設定の SHA-256", "run configuration SHA-256"}, same(pv.config_sha256));
  }
  xo.about.emplace_back(Text{"テンプレート", "template"}, same(pv.template_path.empty() ? tmpl.source : pv.template_path));
  for (const auto& [k, v] : pv.options) xo.about.emplace_back(same("--" + k), same(v));
  xo.about_name = en ? "About" : "方法と出典";
  std::vector<XlsxSheet> sheets;
  std::vector<const Table*> long_tables;
  for (const auto& sec : sections) {
    sheets.push_back(XlsxSheet{sec.cross ? *sec.cross : sec.table, xlsx_sheet_name(sec.table.number, sec.table.title, en),
                               sec.chart.has_value() && sec.spec.kind != TableKind::Prevalence, sec.chart.has_value() && sec.spec.chart_kind == ChartKind::Stacked});
    if (sec.spec.kind != TableKind::Prevalence) long_tables.push_back(&sec.table);
  }
  std::optional<XlsxSheet> data;
  if (!long_tables.empty()) data = XlsxSheet{data_table(long_tables), en ? "Data" : "データ", false, false};
  out.files.insert(out.files.begin() + 1, {"report.xlsx", xlsx_report(sheets, data, xo)});
  return out;
}

} // namespace

ReportOutput build_report(const data::IngestResult& in, const classify::RuleSet* ruleset, const ReportTemplate& tmpl, const ReportOptions& o,
                          const data::Dataset* read) {
  WholeSource numbers(in.data, read ? *read : in.data, ruleset, o);
  return assemble(in.data, in.data.rows(), std::max(in.rejected.size(), in.rows_rejected), in.warnings, ruleset, tmpl, o, numbers);
}

// --- the streamed report ----------------------------------------------------------------------------

struct ReportStream::Impl final : NumberSource {
  codebook::Codebook codebook; // the plans point into it
  const classify::RuleSet* ruleset = nullptr;
  const ReportTemplate* tmpl = nullptr;
  ReportOptions options;
  bool population = false;
  std::vector<TablePlan> plans;
  std::optional<estimate::PrevalenceAccumulator> prevalence_acc;
  // Household members (codebook [roster]), as hkstat estimate streams them (estimate::MemberStream): the members of
  // every valid row read (calibrated: add_read, never counted in the cells), their errors thrown after the prevalence's.
  std::optional<estimate::MemberStream> members;
  std::string source; // the respondents' file (finish): named by a member error
  std::exception_ptr prevalence_error;
  std::vector<std::optional<tabulate::TabulateAccumulator>> tables; // parallel to plans: the distributions
  std::vector<std::exception_ptr> table_errors;
  std::size_t rows = 0;
  SuppressionRows counted;              // what the joint suppression counts, by class, age and level codes
  // Calibrated on the combination table: the fit (the accumulators' sums), the batch's combinations and input
  // weights during add(), the weighting's description (set_weighting).
  std::shared_ptr<const estimate::CombinationCalibration> calibration;
  const std::vector<std::size_t>* comb = nullptr;
  const std::vector<double>* input = nullptr;
  std::map<std::size_t, AgeBandData> banded; // per age table asked as a number: the banded codebook (no rows)
  std::vector<std::optional<AgeBandData>> band_rows; // parallel to plans: a banded table's batch, its storage reused

  // The first error an accumulator meets is kept and thrown where build_report would meet it (its table, in
  // the template's order, after the prevalence); that accumulator is fed no more rows.
  template <class F> static void guarded(std::exception_ptr& error, F&& f) {
    if (error) return;
    try {
      f();
    } catch (...) {
      error = std::current_exception();
    }
  }

  void prevalence(std::optional<classify::Classification>& cls, std::optional<estimate::PrevalenceResult>& prevalence) override {
    if (prevalence_error) std::rethrow_exception(prevalence_error);
    cls = classify::Classification{*ruleset, {}, {}};
    prevalence = prevalence_acc->finish();
    if (calibration) prevalence->weighting = options.prevalence.weighting;
    if (members) members->finish(*prevalence, codebook, source);
  }
  std::shared_ptr<const estimate::ReplicateDesign> supplied() override { return nullptr; }
  tabulate::Distribution distribution(std::size_t table, const TableSpec&, const TablePlan&, const classify::Classification*) override {
    if (table_errors[table]) std::rethrow_exception(table_errors[table]);
    tabulate::Distribution d = std::move(tables[table]->finish().front());
    if (calibration) d.weighting = options.prevalence.weighting;
    return d;
  }
  const data::Dataset* table_data(std::size_t table, const data::Dataset& ds) override {
    const TablePlan& plan = plans[table];
    if (!plan.banded) return &ds;
    const auto& specs = tmpl->tables_for(codebook.kind);
    return &banded.emplace(table, with_age_bands(ds, *plan.var, specs[table].bands, options.lang == Lang::En)).first->second.data;
  }
  void suppression_rows(ReportSuppressionInput& in, const data::Dataset& ds) override {
    in.data = &ds; // no rows: its codebook and columns
    in.counted = &counted;
    in.where = nullptr; // applied as the rows were counted
  }
};

bool report_streamable(const ReportOptions& o) {
  // Supplied replicate columns stream (PrevalenceOptions / TabulateOptions::replicate_columns: summed per domain, cell
  // and replicate), and so does a household roster (the members' sums per PSU and cell, and per cell and replicate);
  // a row-level design given in the options does not.
  return !o.prevalence.replicates && !o.prevalence.calibration;
}

ReportStream::ReportStream(const codebook::Codebook& cb, const std::vector<Problem>& warnings, const classify::RuleSet* ruleset, const ReportTemplate& tmpl,
                           const ReportOptions& o)
    : ReportStream(cb, warnings, ruleset, tmpl, o, nullptr) {}

ReportStream::ReportStream(const codebook::Codebook& cb, const std::vector<Problem>& warnings, const classify::RuleSet* ruleset, const ReportTemplate& tmpl,
                           const ReportOptions& o, std::shared_ptr<const estimate::CombinationCalibration> calibration)
    : impl_(std::make_unique<Impl>()) {
  if (!report_streamable(o))
    throw Error(Problem{ErrorCode::Internal, SourcePos{cb.path, 0, 0, "", ""}, "",
                        Text{"このレポートは全行を必要とします（build_report）", "this report needs every row (build_report)"}, Text{}, ""});
  Impl& m = *impl_;
  m.codebook = cb;
  m.ruleset = ruleset;
  m.tmpl = &tmpl;
  m.options = o;
  m.calibration = calibration;
  m.population = cb.kind == SurveyKind::Population;
  if (m.population && ruleset) {
    if (calibration) m.prevalence_acc.emplace(o.prevalence, calibration);
    else m.prevalence_acc.emplace(o.prevalence);
  }
  if (m.population && ruleset && cb.roster)
    m.members.emplace(m.codebook, o.prevalence, o.numerator.value_or(roster::default_numerator(cb)), !o.numerator, calibration != nullptr, *ruleset,
                      std::size_t{1} << 16);
  m.plans = plan_tables(m.codebook, warnings, tmpl.tables_for(cb.kind), base_table_options(o, nullptr), o.prevalence.by);
  m.tables.resize(m.plans.size());
  m.table_errors.resize(m.plans.size());
  m.band_rows.resize(m.plans.size());
  for (std::size_t i = 0; i < m.plans.size(); ++i)
    if (m.plans[i].what == TablePlan::What::Distribution) {
      if (calibration) m.tables[i].emplace(std::vector<std::string>{m.plans[i].name}, m.plans[i].topt, calibration);
      else m.tables[i].emplace(std::vector<std::string>{m.plans[i].name}, m.plans[i].topt);
    }
  // The level variables the joint suppression may count by: the prevalence's --by and every table's breakdown.
  std::set<std::string> levels;
  const auto level = [&](const std::string& name) {
    if (name.empty() || name == "none") return;
    if (const codebook::Variable* v = m.codebook.by_name(name); v && v->type == VarType::Code) levels.insert(v->name);
    if (name == "sex")
      if (const codebook::Variable* v = m.codebook.by_role(codebook::Role::Sex); v && v->type == VarType::Code) levels.insert(v->name);
  };
  for (const auto& b : o.prevalence.by) level(b);
  for (const auto& p : m.plans) {
    for (const std::string& v : p.topt.by.variables) level(v);
  }
  m.counted.level_names.assign(levels.begin(), levels.end());
}

ReportStream::~ReportStream() = default;

void ReportStream::add(const data::Dataset& batch, const std::vector<std::size_t>& combination, const std::vector<double>& input_weight) {
  Impl& m = *impl_;
  if (!m.calibration)
    throw Error(Problem{ErrorCode::Internal, SourcePos{}, "calibration", Text{"較正なしのレポートに較正の組み合わせが渡されました", "calibration combinations given to an uncalibrated report"},
                        Text{}, ""});
  m.comb = &combination;
  m.input = &input_weight;
  try {
    add(batch);
  } catch (...) {
    m.comb = nullptr;
    m.input = nullptr;
    throw;
  }
  m.comb = nullptr;
  m.input = nullptr;
}

void ReportStream::set_weighting(Text weighting) { impl_->options.prevalence.weighting = std::move(weighting); }

void ReportStream::set_input_sha256(std::string hex) { impl_->options.provenance.input_sha256 = std::move(hex); }

void ReportStream::add(const data::Dataset& batch) {
  Impl& m = *impl_;
  if (m.calibration && !m.comb)
    throw Error(Problem{ErrorCode::Internal, SourcePos{}, "calibration", Text{"較正の組み合わせなしに行が加えられました", "rows added without their calibration combinations"},
                        Text{}, ""});
  if (batch.rows() == 0) return;
  m.rows += batch.rows();
  std::optional<classify::Classification> cls;
  if (m.population && m.ruleset) {
    cls = classify::classify(batch, *m.ruleset);
    Impl::guarded(m.prevalence_error, [&] {
      if (m.calibration) m.prevalence_acc->add(batch, *cls, *m.comb, *m.input);
      else m.prevalence_acc->add(batch, *cls);
    });
    if (m.members && m.calibration) m.members->add_calibrated(batch, *cls);
    else if (m.members) m.members->add(batch, *cls);
  }
  const classify::Classification* clsp = cls ? &*cls : nullptr;
  m.counted.add(batch, clsp, m.options.prevalence.where ? &*m.options.prevalence.where : nullptr);
  for (std::size_t i = 0; i < m.plans.size(); ++i) {
    if (!m.tables[i]) continue;
    const TablePlan& plan = m.plans[i];
    Impl::guarded(m.table_errors[i], [&] {
      const data::Dataset* rows = &batch;
      if (plan.banded) { // the banded copy's storage reused from batch to batch
        std::optional<AgeBandData>& b = m.band_rows[i];
        if (!b) b = age_band_codebook(batch, *plan.var, m.tmpl->tables_for(m.codebook.kind)[i].bands, m.options.lang == Lang::En);
        fill_age_bands(batch, *b);
        rows = &b->data;
      }
      if (m.calibration) m.tables[i]->add(*rows, clsp, *m.comb, *m.input);
      else m.tables[i]->add(*rows, clsp);
    });
  }
}

void ReportStream::add_read(const data::Dataset& batch) {
  Impl& m = *impl_;
  if (!m.calibration)
    throw Error(Problem{ErrorCode::Internal, SourcePos{}, "calibration", Text{"較正なしのレポートに読んだ行が別に渡されました", "rows read given apart to an uncalibrated report"},
                        Text{}, ""});
  if (m.members) m.members->add_read(batch);
}

ReportOutput ReportStream::finish(const data::Dataset& meta, std::size_t rows, std::size_t rejected_rows, const std::vector<Problem>& warnings) {
  Impl& m = *impl_;
  m.source = meta.source;
  m.band_rows.clear(); // the last batch's banded copies: not needed by the tables and charts
  m.band_rows.shrink_to_fit();
  return assemble(meta, rows, rejected_rows, warnings, m.ruleset, *m.tmpl, m.options, m);
}

} // namespace hkstat::report
