// hkstat/table/table.hpp — the one table model every output (text, Markdown, CSV, Excel, charts) renders from. Its own
// layer below tabulate and report (io → codebook → data → classify → design/weights → estimate → table →
// tabulate → report → CLI): tabulate builds tables, report lays them out; neither includes the other backwards.
// Renderers are pure functions returning strings; only the CLI writes files.
#pragma once

#include "hkstat/core/error.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace hkstat::table {

enum class Align { Left, Right };

// What a machine value is, for a spreadsheet's number format: Auto infers it from the column id (rate,
// percent, ci_lower, … are proportions; n, base, cases, … counts; se; df; deff); Text never is a number.
enum class NumberKind { Auto, Text, Count, Proportion, Se, Df, Ratio };

struct Column {
  std::string id;  // machine name (CSV header), stable
  Text header;     // human header
  Align align = Align::Right;
  bool human = true;   // shown in text/Markdown
  bool machine = true; // written to CSV
  NumberKind kind = NumberKind::Auto;
  Text group{};    // a header spanning the consecutive columns with the same group (cross-tables: "全体（n=810）")
};
NumberKind number_kind(const Column& c); // Auto resolved from the id

struct Cell {
  Text display;    // formatted for people (both languages)
  std::string raw; // machine value for CSV ("" = empty)
};

struct Table {
  std::string id;            // e.g. "prevalence"
  Text title;
  int number = 0;            // 表番号 (表1, 表2, … in a report; 0 = none)
  std::vector<Column> columns;
  std::vector<std::vector<Cell>> rows;
  std::vector<Text> notes;   // footnotes printed under the table
};

// A document is a title, a block of "key: value" lines (method, provenance), tables and notes.
struct Document {
  Text title;
  std::vector<std::pair<Text, Text>> facts;
  std::vector<Table> tables;
  std::vector<Text> notes;
};

std::string render_text(const Document& doc, Lang lang);
// Markdown: every text (title, facts, headers, cells, notes) goes through md_text, so that user text
// (codebook labels, variable names, titles) is shown as text: never HTML, a link, an image or emphasis.
std::string render_markdown(const Document& doc, Lang lang);
// One table as a GitHub-flavoured Markdown table (human columns, display values) followed by its notes
// as a list; no heading.
std::string render_markdown_table(const Table& table, Lang lang);
// Text for a Markdown line or table cell: backslash before \ ` [ ] < > & ~ | and before * and _ where they
// could open or close emphasis (a lone "*" — the suppression mark — and snake_case stay as they are);
// a line break becomes a space.
std::string md_text(const std::string& s);
// md_text for the text of a list item (a note): a leading "*", "+", "-" or "#" (a nested list, a heading) gets a
// backslash.
std::string md_note(const std::string& s);
// CSV of one table: machine columns, raw values, RFC 4180 quoting, LF line ends; every cell through
// csv_cell.
std::string render_csv(const Table& table);
// CSV of a table for people (a cross-table): a header of the human headers in `lang` (a column's group and
// its header, "全体（n=810） 割合"), then the machine values of the machine columns, as render_csv.
std::string render_csv_labelled(const Table& table, Lang lang);
// RFC 4180 quoting only: for data files that hkstat reads back (weight, replicate outputs copy the input's
// fields verbatim).
std::string csv_escape(const std::string& field);
// A cell of a table meant to be opened in a spreadsheet: a text beginning with =, +, -, @, TAB or CR (a
// formula in Excel / LibreOffice, OWASP "CSV injection") gets a leading ' ; a number (e.g. -0.25, 1e-3) is
// left as it is, so that it stays a number. Then csv_escape.
std::string csv_cell(const std::string& field);

// Display width of a UTF-8 string in a terminal (East Asian wide characters count 2).
std::size_t display_width(std::string_view s);

} // namespace hkstat::table
