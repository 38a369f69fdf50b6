// hkstat/report/xlsx_writer.hpp — an .xlsx workbook with one sheet per table (libxlsxwriter), returned
// as bytes. Reproducible: the same tables and `created` give the same bytes (libxlsxwriter stores zip
// entries with a fixed 1980-01-01 time; the document's created/modified time is `created`).
#pragma once

#include "hkstat/core/error.hpp"
#include "hkstat/report/table.hpp"

#include <cstdint>
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
  std::vector<std::pair<Text, Text>> about; // key/value rows of a last sheet "about" (method, provenance); none if empty
  std::string scratch_dir;          // where libxlsxwriter may write its temporary files ("" = the system's)
};

// Sheet i is named tables[i].id (1-31 characters without []:*?/\ and not "about"). Each sheet: the title,
// a row of headers in the language, a row of machine column ids, then one row per table row with the
// machine columns (numbers as numbers; a suppressed or undefined cell shows its display text "*" or "—"),
// then the notes. Throws Error(UsageInvalidOption) for a bad or duplicate sheet name, Error(IoCannotWrite)
// when the workbook cannot be assembled.
std::string xlsx_workbook(const std::vector<Table>& tables, const XlsxOptions& options);

} // namespace hkstat::report
