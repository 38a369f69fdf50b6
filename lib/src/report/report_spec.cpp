#include "hkstat/report/report_spec.hpp"

#include "core/toml_util.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace hkstat::report {

namespace detail {
const std::vector<std::pair<std::string, std::string>>& builtin_template_files(); // generated at build time
}

namespace {

using hkstat::detail::TomlReader;
namespace fs = std::filesystem;

constexpr const char* kTablesFile = "tables.toml";
constexpr const char* kSuffix = ".mustache";
constexpr const char* kReferenceDocx = "reference.docx"; // the Word reference document (report --docx)

bool valid_id(const std::string& id) {
  if (id.empty() || id.size() > 31) return false;
  return std::all_of(id.begin(), id.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'; });
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Domains, by and bands use the same words as hkstat tabulate; their parse errors (UsageInvalidOption)
// are reported as errors of tables.toml at the key's line.
template <class F>
auto parse_word(const TomlReader& r, const toml::node& at, const std::string& key, const std::string& value, F parse, Text expected) {
  try {
    return parse(value);
  } catch (const Error&) {
    r.fail(at, key, Text{"値が不正です", "invalid value"}, value, std::move(expected));
  }
}

// tables.agency.toml, tables.intake.toml: the tables of agency surveys and intake records.
const std::vector<std::pair<codebook::SurveyKind, std::string>>& kind_files() {
  static const std::vector<std::pair<codebook::SurveyKind, std::string>> files{{codebook::SurveyKind::Agency, "tables.agency.toml"},
                                                                              {codebook::SurveyKind::Intake, "tables.intake.toml"}};
  return files;
}
bool kind_tables_file(const std::string& name) {
  for (const auto& [k, f] : kind_files())
    if (name == f) return true;
  return false;
}

void finish(ReportTemplate& t) {
  for (const auto& [name, text] : t.files)
    if (ends_with(name, kSuffix) && !(name.rfind("report.", 0) == 0 && ends_with(name, ".md.mustache")))
      t.partials[name.substr(0, name.size() - std::string(kSuffix).size())] = text;
  if (t.files.count(ReportTemplate::markdown_name(Lang::Ja)) == 0 && t.files.count(ReportTemplate::markdown_name(Lang::En)) == 0)
    throw Error(Problem{ErrorCode::ConfigInvalid, SourcePos{t.source, 0, 0, "", ""}, "",
                        Text{"テンプレートに report.ja.md.mustache も report.en.md.mustache もありません",
                             "the template has neither report.ja.md.mustache nor report.en.md.mustache"},
                        Text{"reports/templates/default/（インストールした hkstat では PREFIX/share/hkstat/templates/default/）をコピーして編集",
                             "a copy of reports/templates/default/ (of an installed hkstat: PREFIX/share/hkstat/templates/default/)"}, ""});
  // A reference document is a .docx (a zip file): anything else would only fail later, inside pandoc.
  if (const auto ref = t.files.find(kReferenceDocx); ref != t.files.end() && ref->second.rfind("PK\x03\x04", 0) != 0)
    throw Error(Problem{ErrorCode::ConfigInvalid, SourcePos{t.source == "builtin:default" ? "builtin:default/reference.docx" : (fs::path(t.source) / kReferenceDocx).string(), 0, 0, "", ""},
                        "", Text{"reference.docx が Word 文書（.docx）ではありません", "reference.docx is not a Word document (.docx)"},
                        Text{"Word で保存した .docx（reports/templates/default/reference.docx を Word で編集）",
                             "a .docx saved by Word (edit reports/templates/default/reference.docx in Word)"}, ""});
  const auto it = t.files.find(kTablesFile);
  if (it == t.files.end())
    throw Error(Problem{ErrorCode::ConfigInvalid, SourcePos{t.source, 0, 0, "", ""}, "", Text{"テンプレートに tables.toml がありません", "the template has no tables.toml"},
                        Text{"reports/templates/default/（インストールした hkstat では PREFIX/share/hkstat/templates/default/）をコピーして編集",
                             "a copy of reports/templates/default/ (of an installed hkstat: PREFIX/share/hkstat/templates/default/)"}, ""});
  auto source_of = [&](const std::string& file) { return t.source == "builtin:default" ? "builtin:default/" + file : (fs::path(t.source) / file).string(); };
  parse_tables_spec(it->second, source_of(kTablesFile), t);
  for (const auto& [kind, file] : kind_files()) {
    const auto k = t.files.find(file);
    if (k == t.files.end()) continue;
    ReportTemplate other;
    parse_tables_spec(k->second, source_of(file), other);
    t.kind_tables[kind] = std::move(other.tables);
  }
}

} // namespace

std::string ReportTemplate::markdown_name(Lang lang) { return lang == Lang::En ? "report.en.md.mustache" : "report.ja.md.mustache"; }

const std::vector<TableSpec>& ReportTemplate::tables_for(codebook::SurveyKind kind) const {
  const auto it = kind_tables.find(kind);
  return it == kind_tables.end() ? tables : it->second;
}

std::string ReportTemplate::tables_file_for(codebook::SurveyKind kind) const {
  if (kind_tables.count(kind))
    for (const auto& [k, f] : kind_files())
      if (k == kind) return f;
  return kTablesFile;
}

void parse_tables_spec(std::string_view text, const std::string& source_name, ReportTemplate& into) {
  TomlReader r(source_name, ErrorCode::ConfigSyntax, ErrorCode::ConfigInvalid);
  const toml::table root = r.parse(text);
  r.check_keys(root, "", {"template", "table"});
  if (const auto* head = root.get("template")) {
    const auto* ht = head->as_table();
    if (!ht) r.fail(*head, "template", Text{"[template] は表です", "[template] must be a table"}, "", Text{});
    r.check_keys(*ht, "template", {"id", "version"});
    into.id = r.opt_string(*ht, "id", "template").value_or("");
    into.version = static_cast<int>(r.opt_int_in(*ht, "version", "template", 1, 1000000).value_or(1));
  }
  const auto* tables = root.get("table");
  if (!tables || !tables->as_array() || tables->as_array()->empty())
    r.fail(root, "table", Text{"表の定義 ([[table]]) がありません", "no [[table]] is defined"}, "", Text{"[[table]] id = \"reasons\" role = \"reasons\"", "[[table]] id = \"reasons\" role = \"reasons\""});
  const auto& arr = *tables->as_array();
  std::set<std::string> ids;
  into.tables.clear();
  for (std::size_t i = 0; i < arr.size(); ++i) {
    const std::string key = fmt::format("table[{}]", i + 1);
    const auto* tt = arr[i].as_table();
    if (!tt) r.fail(arr[i], key, Text{"[[table]] は表です", "[[table]] must be a table"}, "", Text{});
    r.check_keys(*tt, key, {"id", "kind", "role", "variable", "label_contains", "domain", "by", "bands", "chart", "chart_kind", "optional", "title_ja", "title_en"});
    TableSpec s;
    s.line = tt->source().begin.line;
    s.id = r.require_string(*tt, "id", key);
    if (!valid_id(s.id) || s.id == "about")
      r.fail(*tt->get("id"), key + ".id", Text{"id には英小文字・数字・_・- だけを31文字以内で使います（about は予約語）", "an id is 1-31 characters of a-z, 0-9, _ and - (not \"about\")"}, s.id,
             Text{"例: reasons, age_broad", "e.g. reasons, age_broad"});
    if (!ids.insert(s.id).second) r.fail(*tt->get("id"), key + ".id", Text{"id が重複しています", "duplicate id"}, s.id, Text{"表ごとに別の id", "one id per table"});
    const std::string kind = r.opt_string(*tt, "kind", key).value_or("distribution");
    if (kind == "prevalence") s.kind = TableKind::Prevalence;
    else if (kind == "distribution") s.kind = TableKind::Distribution;
    else r.fail(*tt->get("kind"), key + ".kind", Text{"未知の表の種類です", "unknown kind of table"}, kind, Text{"prevalence | distribution", "prevalence | distribution"});

    const auto role = r.opt_string(*tt, "role", key);
    s.variable = r.opt_string(*tt, "variable", key).value_or("");
    s.label_contains = r.opt_string(*tt, "label_contains", key).value_or("");
    const int selectors = (role ? 1 : 0) + (s.variable.empty() ? 0 : 1) + (s.label_contains.empty() ? 0 : 1);
    if (s.kind == TableKind::Prevalence && selectors > 0)
      r.fail(*tt, key, Text{"prevalence の表には変数を指定しません", "a prevalence table takes no variable"}, "", Text{"role, variable, label_contains を削除", "remove role, variable, label_contains"});
    if (s.kind == TableKind::Distribution && selectors != 1)
      r.fail(*tt, key, Text{"変数の指定は role, variable, label_contains のどれか1つです", "give exactly one of role, variable, label_contains"}, "",
             Text{"例: role = \"reasons\" または variable = \"問21\"", "e.g. role = \"reasons\" or variable = \"Q21\""});
    if (role) {
      s.role = codebook::parse_role(*role);
      if (!s.role) r.fail(*tt->get("role"), key + ".role", Text{"未知の役割です", "unknown role"}, *role, Text{fmt::format("{}", fmt::join(codebook::role_names(), ", ")), fmt::format("{}", fmt::join(codebook::role_names(), ", "))});
    }
    if (const auto* d = tt->get("domain")) {
      std::string joined;
      if (const auto* ds = d->as_string()) joined = ds->get();
      else
        for (const auto& v : r.opt_string_array(*tt, "domain", key)) joined += (joined.empty() ? "" : ",") + v;
      s.domains = parse_word(r, *d, key + ".domain", joined, tabulate::parse_domains, Text{"all, broad, comparison（またはその配列）", "all, broad, comparison (or an array of them)"});
    }
    if (const auto by = r.opt_string(*tt, "by", key))
    {
      s.by = parse_word(r, *tt->get("by"), key + ".by", *by, tabulate::parse_by, Text{"none, age5, age10, age2, sex, age2,sex など", "none, age5, age10, age2, sex, age2,sex, ..."});
      // A report table by another code variable (hkstat tabulate --by 問3) is not built yet.
      if (s.by.variables.size() > 1 || (s.by.levels() && !s.by.sex()))
        r.fail(*tt->get("by"), key + ".by", Text{"報告書の表の by は年齢区分と sex だけです", "a report table's by is age bands and sex only"}, *by,
               Text{"none, age5, age10, age2, sex, age2,sex など", "none, age5, age10, age2, sex, age2,sex, ..."});
    }
    if (const auto bands = r.opt_string(*tt, "bands", key)) {
      if (*bands == "age5") s.bands = tabulate::AgeBands::Age5;
      else if (*bands == "age10") s.bands = tabulate::AgeBands::Age10;
      else if (*bands == "age2") s.bands = tabulate::AgeBands::Age2;
      else r.fail(*tt->get("bands"), key + ".bands", Text{"未知の年齢区分です", "unknown age bands"}, *bands, Text{"age5 | age10 | age2", "age5 | age10 | age2"});
      if (s.role != codebook::Role::Age)
        r.fail(*tt->get("bands"), key + ".bands", Text{"bands は role = \"age\" の表だけに使えます", "bands applies only to a table with role = \"age\""}, *bands, Text{});
    }
    s.chart = r.opt_bool(*tt, "chart", key).value_or(false);
    if (const auto ck = r.opt_string(*tt, "chart_kind", key)) {
      if (*ck == "bars") s.chart_kind = ChartKind::Bars;
      else if (*ck == "stacked") s.chart_kind = ChartKind::Stacked;
      else r.fail(*tt->get("chart_kind"), key + ".chart_kind", Text{"未知のグラフの種類です", "unknown kind of chart"}, *ck, Text{"bars | stacked", "bars | stacked"});
      if (s.kind == TableKind::Prevalence)
        r.fail(*tt->get("chart_kind"), key + ".chart_kind", Text{"prevalence の表のグラフは出現率のグラフだけです", "a prevalence table has only its prevalence chart"}, *ck,
               Text{"chart_kind を削除", "remove chart_kind"});
      if (!s.chart) s.chart = true;
    }
    s.optional = r.opt_bool(*tt, "optional", key).value_or(false);
    s.title = Text{r.opt_string(*tt, "title_ja", key).value_or(""), r.opt_string(*tt, "title_en", key).value_or("")};
    into.tables.push_back(std::move(s));
  }
}

ReportTemplate load_template(const std::string& dir) {
  ReportTemplate t;
  t.source = dir;
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw Error(Problem{ErrorCode::IoCannotOpen, SourcePos{dir, 0, 0, "", ""}, dir, Text{"テンプレートのディレクトリがありません", "no such template directory"},
                        Text{"tables.toml と report.ja.md.mustache のあるディレクトリ（reports/templates/default/、インストールした hkstat では PREFIX/share/hkstat/templates/default/ をコピー）",
                             "a directory with tables.toml and report.en.md.mustache (copy reports/templates/default/, of an installed hkstat PREFIX/share/hkstat/templates/default/)"},
                        ""});
  std::vector<fs::path> paths;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_regular_file()) paths.push_back(e.path());
  std::sort(paths.begin(), paths.end());
  for (const auto& p : paths) {
    const std::string name = p.filename().string();
    if (name != kTablesFile && name != kReferenceDocx && !ends_with(name, kSuffix) && !kind_tables_file(name)) continue;
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    if (!in && !in.eof())
      throw Error(Problem{ErrorCode::IoCannotOpen, SourcePos{p.string(), 0, 0, "", ""}, p.string(), Text{"ファイルを読めません", "cannot read the file"}, Text{}, ""});
    t.files[name] = ss.str();
  }
  finish(t);
  return t;
}

ReportTemplate builtin_template() {
  ReportTemplate t;
  t.source = "builtin:default";
  for (const auto& [name, text] : detail::builtin_template_files()) t.files[name] = text;
  finish(t);
  return t;
}

} // namespace hkstat::report
