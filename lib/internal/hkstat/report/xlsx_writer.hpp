// hkstat/report/xlsx_writer.hpp — an .xlsx workbook (libxlsxwriter), returned as bytes. Reproducible: the
// same sheets and `created` give the same bytes (libxlsxwriter stores zip entries with a fixed 1980-01-01
// time; the document's created/modified time is `created`).
#pragma once

#include "hkstat/core/error.hpp"
#include "hkstat/table/table.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace hkstat::report {

struct XlsxOptions {
  Lang lang = Lang::Ja;
  std::int64_t created = 315532800; // seconds since 1970 (UTC); default 1980-01-01T00:00:00Z. Must be > 0.
  std::string title;                // document properties
  std::string subject;
  std::string comments;
  int percent_decimals = 1;         // number format of proportion columns (rate, percent, ci_lower, …)
  std::vector<std::pair<Text, Text>> about; // key/value rows of a last sheet (方法と出典 / about: method, provenance); none if empty
  std::string about_name;           // its name ("" = "about")
  std::string scratch_dir;          // where libxlsxwriter may write its temporary files ("" = the system's)
};

// One sheet of a report workbook, laid out for people and printing.
struct XlsxSheet {
  table::Table table;  // its machine columns are written: numbers as numbers with a number format by column
                       // kind (table::number_kind), a missing number (suppressed, undefined, Inf) as an
                       // empty cell with a note under the table; text columns show the display text (else
                       // the raw value). Column groups (table::Column::group) are a merged header row.
  std::string name;    // the sheet name: 1-31 characters without []:*?/\ , not starting or ending with '
  bool chart = false;  // a native bar chart to the right of the table: the first column's values are the
                       // categories, each proportion column a series named by its group
  bool stacked = false; // with chart: a 100% stacked bar chart (帯グラフ, LXW_CHART_BAR_STACKED_PERCENT) instead,
                        // one bar per group, its segments the answers, drawn from a block 「図のデータ」 under
                        // the notes (groups × answers: the same proportions; a suppressed one empty, and the
                        // groups' suppressed rest in a last column 秘匿, so that each bar is its group's 100%)
};

// A report workbook: the sheets in order (title row "表N　title" when table.number > 0, headers, rows,
// notes; A4, fit to one page wide, title and header rows repeated on every printed page), then `data` if
// given (a sheet for machines: one header row of column ids, the raw values, numbers as numbers), then
// the about sheet. Throws Error(UsageInvalidOption) for a bad or duplicate sheet name, Error(IoCannotWrite)
// when the workbook cannot be assembled.
std::string xlsx_report(const std::vector<XlsxSheet>& sheets, const std::optional<XlsxSheet>& data, const XlsxOptions& options);

// "表3 年齢" (ja) / "Table 3 Age" (en): a valid sheet name for a numbered table (the title cut to Excel's 31
// characters, []:*?/\\ and ' as spaces).
std::string xlsx_sheet_name(int number, const Text& title, bool en);

// One sheet per table, named by the table id, written as xlsx_report writes a data sheet, then the about
// sheet. The same errors.
std::string xlsx_workbook(const std::vector<table::Table>& tables, const XlsxOptions& options);

namespace detail {
// Opens `library` as libxlsxwriter and looks up the functions the writer uses; throws Error(IoCannotOpen) when it
// cannot be opened or lacks one of them. For tests (the writer opens libxlsxwriter itself, on first use, from
// HKSTAT_LIBXLSXWRITER or the soname libxlsxwriter.so.4: it is not linked).
void load_xlsx_library(const std::string& library);
} // namespace detail

} // namespace hkstat::report
