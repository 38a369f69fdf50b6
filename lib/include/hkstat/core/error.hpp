// hkstat/core/error.hpp — the one error type of hkstat.
//
// Policy (see docs/cli.md, "Errors and exit codes"):
//  * A problem that stops the run is thrown as hkstat::Error.
//  * Row- and cell-level problems in the data are collected as hkstat::Problem
//    values in a hkstat::Diagnostics list; the caller decides whether they stop
//    the run or are written to a rejects file.
//  * Every Problem names where it happened (file, line, column or codebook key),
//    the offending value and what was expected, in Japanese and in English.
//  * The library never prints and never exits; only cli/ does.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

namespace hkstat {

// A message in both languages. Japanese is the default rendering.
struct Text {
  std::string ja;
  std::string en;
  const std::string& in(bool english) const { return english ? en : ja; }
};

enum class Lang { Ja, En };

// Stable identifiers; their spelling appears in messages and rejects files, so
// never renumber or rename them (add new ones at the end of a group).
enum class ErrorCode {
  // usage (command line)
  UsageInvalidOption,
  // input files (I/O)
  IoCannotOpen,
  IoCannotWrite,
  IoRead,      // a read error (EIO, ...) while reading an input
  IoTruncated, // the input ends in the middle of a record (a stream without its final line end)
  IoRowCount,  // the number of data rows differs from the number the caller said to expect
  // data file: structural problems (stop the run)
  CsvEmptyFile,
  CsvInvalidEncoding,
  CsvUnterminatedQuote,
  CsvRaggedRow,
  CsvDuplicateHeader,
  CsvMissingColumn,
  CsvLineTooLong,
  CsvSpreadsheet, // an Excel workbook (.xlsx / .xls) given as the data file
  // data file: cell/row problems (collected)
  DataUnknownCode,
  DataNotANumber,
  DataOutOfRange,
  DataDuplicateId,
  DataMissingRequired,
  DataInvalidWeight,
  DataAnswerCheck, // an answer breaking a codebook [[check]] with action = "reject"
  DataRoster,      // household roster: a member-file row whose respondent id is not a valid respondent
  // codebook
  CodebookSyntax,
  CodebookInvalid,
  // rule-sets
  RulesSyntax,
  RulesInvalid,
  RulesUnknownRole,
  RulesUnknownKey,
  RulesNotFound,
  // run configuration / population
  ConfigSyntax,
  ConfigInvalid,
  // estimation
  EstimateNoData,
  EstimateNotPopulationSample, // prevalence asked of an agency survey or intake records
  // programmer error that escaped an assertion
  Internal,
};

// Broad class of a code; the CLI maps categories to exit codes.
enum class ErrorCategory { Usage, Io, Data, Codebook, Rules, Config, Estimate, Internal };

ErrorCategory category_of(ErrorCode code);
// "E_DATA_UNKNOWN_CODE" style spelling, stable.
const char* code_name(ErrorCode code);

// Where a problem is. Any field may be empty/zero when it does not apply.
struct SourcePos {
  std::string file;       // path as the user gave it
  std::size_t line = 0;   // 1-based physical line in the file, 0 = n/a
  std::size_t column = 0; // 1-based field index (CSV) or character column (TOML), 0 = n/a
  std::string column_name; // CSV header name, if known
  std::string key;         // codebook / rule / config key path, if relevant
  // A CSV data row: its 1-based data record (the header is not one; a spreadsheet with the header in row 1 and no
  // blank rows shows it as row record + 1) and the respondent id of the row (codebook role id), when known.
  std::size_t record = 0;
  std::string record_id = {};
};

struct Problem {
  ErrorCode code = ErrorCode::Internal;
  SourcePos pos;
  std::string value;  // the offending value, verbatim (may be empty)
  Text message;       // what is wrong
  Text expected;      // what was expected / how to fix (may be empty)
  std::string row_text; // the original row, when the problem is in a CSV row
};

// Render one problem as a single human line (plus an optional hint line),
// e.g.  survey.csv:12:4 (問17): エラー[E_DATA_UNKNOWN_CODE]: 未定義のコード "12" ... 期待: 1–8 または 9(無回答)
std::string format_problem(const Problem& p, Lang lang);

class Error : public std::runtime_error {
public:
  explicit Error(Problem p);
  const Problem& problem() const noexcept { return problem_; }
  ErrorCode code() const noexcept { return problem_.code; }

private:
  Problem problem_;
};

// Throws Error for a problem without a source position (computations: estimators, weighting).
[[noreturn]] void throw_problem(ErrorCode code, std::string value, Text message, Text expected);

// Append-only list of collected problems.
class Diagnostics {
public:
  void add(Problem p) { items_.push_back(std::move(p)); }
  bool empty() const noexcept { return items_.empty(); }
  std::size_t size() const noexcept { return items_.size(); }
  const std::vector<Problem>& items() const noexcept { return items_; }

private:
  std::vector<Problem> items_;
};

} // namespace hkstat
