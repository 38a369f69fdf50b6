// hkstat/report/report_spec.hpp — a report template: which tables a report contains (tables.toml) and
// the Mustache texts that lay them out (report.ja.md.mustache, report.en.md.mustache, partials).
// See docs/reports.md. The default template (reports/templates/default/) is compiled into the binary.
#pragma once

#include "hkstat/codebook/codebook.hpp"
#include "hkstat/core/error.hpp"
#include "hkstat/tabulate/tabulate.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hkstat::report {

enum class TableKind {
  Prevalence,   // the estimate: 広義 / 狭義 / 準 × age groups (population samples only)
  Distribution, // one question's distribution (hkstat tabulate)
};

// How a distribution is drawn (tables.toml `chart_kind`): grouped horizontal bars with intervals, or one 100%
// stacked bar per group (帯グラフ: the answers of each group side by side, for single-answer questions).
enum class ChartKind { Bars, Stacked };

// One [[table]] of tables.toml.
struct TableSpec {
  std::string id;                       // [a-z0-9_-], ≤ 31 characters: file names, sheet name, template key
  TableKind kind = TableKind::Distribution;
  // The variable of a distribution: exactly one of role, variable (codebook name) or label_contains (the
  // first code/multi variable, in codebook order, whose label contains the text).
  std::optional<codebook::Role> role;
  std::string variable;
  std::string label_contains;
  std::vector<tabulate::Domain> domains{tabulate::Domain::All};
  tabulate::By by;
  // An age variable asked as a number is tabulated in these bands (age5, age10, age2); an age asked in
  // bands (type = "code") is tabulated as it is.
  tabulate::AgeBands bands = tabulate::AgeBands::Age5;
  bool chart = false;                   // an SVG chart charts/<id>.svg (prevalence: the rate with its interval by age group)
  ChartKind chart_kind = ChartKind::Bars;
  bool optional = false;                // leave the table out (and say so) when the codebook has no such variable
  Text title;                           // overrides the table's own title when not empty
  std::size_t line = 0;                 // line in tables.toml
};

struct ReportTemplate {
  std::string source;                   // "builtin:default" or the directory given
  std::string id;                       // [template] id
  int version = 1;                      // [template] version
  std::vector<TableSpec> tables;        // tables.toml
  // Tables for agency surveys / intake records (tables.agency.toml, tables.intake.toml), when the template has them.
  std::map<codebook::SurveyKind, std::vector<TableSpec>> kind_tables;
  std::map<std::string, std::string> files; // every template file: name → text (reference.docx: its bytes)
  std::map<std::string, std::string> partials; // {{> name}}: NAME.mustache files other than report.*.md.mustache

  // The Markdown template for a language: report.ja.md.mustache / report.en.md.mustache.
  static std::string markdown_name(Lang lang);
  // The tables of a survey of this kind: tables.<kind>.toml if the template has it, else tables.toml.
  const std::vector<TableSpec>& tables_for(codebook::SurveyKind kind) const;
  // The file those tables come from ("tables.toml", "tables.agency.toml", ...).
  std::string tables_file_for(codebook::SurveyKind kind) const;
  // The Word reference document pandoc takes its styles and page setup from (report --docx), if the template has one.
  static constexpr const char* reference_docx_name = "reference.docx";
};

// Parse tables.toml. Errors: ConfigSyntax (TOML line/column), ConfigInvalid naming the key and line
// (unknown key, bad id, duplicate id, no variable or more than one selector, unknown role/domain/by/bands).
void parse_tables_spec(std::string_view text, const std::string& source_name, ReportTemplate& into);

// A template directory: tables.toml and at least one report.<lang>.md.mustache. Errors: IoCannotOpen
// (no such directory, unreadable file), ConfigInvalid (tables.toml or report.*.md.mustache missing), and
// those of parse_tables_spec.
ReportTemplate load_template(const std::string& dir);
// The default template, compiled in.
ReportTemplate builtin_template();

} // namespace hkstat::report
