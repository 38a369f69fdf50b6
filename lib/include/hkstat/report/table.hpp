// hkstat/report/table.hpp — the one table model every output (text, Markdown, CSV) renders from.
// Renderers are pure functions returning strings; only the CLI writes files.
#pragma once

#include "hkstat/core/error.hpp"

#include <string>
#include <vector>

namespace hkstat::report {

enum class Align { Left, Right };

struct Column {
  std::string id;  // machine name (CSV header), stable
  Text header;     // human header
  Align align = Align::Right;
  bool human = true;   // shown in text/Markdown
  bool machine = true; // written to CSV
};

struct Cell {
  Text display;    // formatted for people (both languages)
  std::string raw; // machine value for CSV ("" = empty)
};

struct Table {
  std::string id;            // e.g. "prevalence"
  Text title;
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
std::string render_markdown(const Document& doc, Lang lang);
// One table as a GitHub-flavoured Markdown table (human columns, display values) followed by its notes
// as a list; no heading.
std::string render_markdown_table(const Table& table, Lang lang);
// CSV of one table: machine columns, raw values, RFC 4180 quoting, LF line ends.
std::string render_csv(const Table& table);
std::string csv_escape(const std::string& field);

// Display width of a UTF-8 string in a terminal (East Asian wide characters count 2).
std::size_t display_width(const std::string& s);

} // namespace hkstat::report
