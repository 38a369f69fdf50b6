#include "hkstat/core/error.hpp"
#include "hkstat/core/option_text.hpp"

#include <fmt/format.h>

namespace hkstat {

ErrorCategory category_of(ErrorCode code) {
  switch (code) {
  case ErrorCode::UsageInvalidOption: return ErrorCategory::Usage;
  case ErrorCode::IoCannotOpen:
  case ErrorCode::IoCannotWrite:
  case ErrorCode::IoRead:
  case ErrorCode::IoTruncated:
  case ErrorCode::IoRowCount: return ErrorCategory::Io;
  case ErrorCode::CsvEmptyFile:
  case ErrorCode::CsvInvalidEncoding:
  case ErrorCode::CsvUnterminatedQuote:
  case ErrorCode::CsvRaggedRow:
  case ErrorCode::CsvDuplicateHeader:
  case ErrorCode::CsvMissingColumn:
  case ErrorCode::CsvLineTooLong:
  case ErrorCode::CsvSpreadsheet:
  case ErrorCode::DataUnknownCode:
  case ErrorCode::DataNotANumber:
  case ErrorCode::DataOutOfRange:
  case ErrorCode::DataDuplicateId:
  case ErrorCode::DataMissingRequired:
  case ErrorCode::DataInvalidWeight:
  case ErrorCode::DataAnswerCheck: return ErrorCategory::Data;
  case ErrorCode::DataRoster: return ErrorCategory::Data;
  case ErrorCode::CodebookSyntax:
  case ErrorCode::CodebookInvalid: return ErrorCategory::Codebook;
  case ErrorCode::RulesSyntax:
  case ErrorCode::RulesInvalid:
  case ErrorCode::RulesUnknownRole:
  case ErrorCode::RulesUnknownKey:
  case ErrorCode::RulesNotFound: return ErrorCategory::Rules;
  case ErrorCode::ConfigSyntax:
  case ErrorCode::ConfigInvalid: return ErrorCategory::Config;
  case ErrorCode::EstimateNoData:
  case ErrorCode::EstimateNotPopulationSample: return ErrorCategory::Estimate;
  case ErrorCode::Internal: return ErrorCategory::Internal;
  }
  return ErrorCategory::Internal;
}

const char* code_name(ErrorCode code) {
  switch (code) {
  case ErrorCode::UsageInvalidOption: return "E_USAGE";
  case ErrorCode::IoCannotOpen: return "E_IO_OPEN";
  case ErrorCode::IoCannotWrite: return "E_IO_WRITE";
  case ErrorCode::IoRead: return "E_IO_READ";
  case ErrorCode::IoTruncated: return "E_IO_TRUNCATED";
  case ErrorCode::IoRowCount: return "E_IO_ROW_COUNT";
  case ErrorCode::CsvEmptyFile: return "E_CSV_EMPTY";
  case ErrorCode::CsvInvalidEncoding: return "E_CSV_ENCODING";
  case ErrorCode::CsvUnterminatedQuote: return "E_CSV_UNTERMINATED_QUOTE";
  case ErrorCode::CsvRaggedRow: return "E_CSV_RAGGED_ROW";
  case ErrorCode::CsvDuplicateHeader: return "E_CSV_DUPLICATE_HEADER";
  case ErrorCode::CsvMissingColumn: return "E_CSV_MISSING_COLUMN";
  case ErrorCode::CsvLineTooLong: return "E_CSV_LINE_TOO_LONG";
  case ErrorCode::CsvSpreadsheet: return "E_CSV_SPREADSHEET";
  case ErrorCode::DataUnknownCode: return "E_DATA_UNKNOWN_CODE";
  case ErrorCode::DataNotANumber: return "E_DATA_NOT_A_NUMBER";
  case ErrorCode::DataOutOfRange: return "E_DATA_OUT_OF_RANGE";
  case ErrorCode::DataDuplicateId: return "E_DATA_DUPLICATE_ID";
  case ErrorCode::DataMissingRequired: return "E_DATA_MISSING_REQUIRED";
  case ErrorCode::DataInvalidWeight: return "E_DATA_INVALID_WEIGHT";
  case ErrorCode::DataAnswerCheck: return "E_DATA_ANSWER_CHECK";
  case ErrorCode::DataRoster: return "E_DATA_ROSTER";
  case ErrorCode::CodebookSyntax: return "E_CODEBOOK_SYNTAX";
  case ErrorCode::CodebookInvalid: return "E_CODEBOOK_INVALID";
  case ErrorCode::RulesSyntax: return "E_RULES_SYNTAX";
  case ErrorCode::RulesInvalid: return "E_RULES_INVALID";
  case ErrorCode::RulesUnknownRole: return "E_RULES_UNKNOWN_ROLE";
  case ErrorCode::RulesUnknownKey: return "E_RULES_UNKNOWN_KEY";
  case ErrorCode::RulesNotFound: return "E_RULES_NOT_FOUND";
  case ErrorCode::ConfigSyntax: return "E_CONFIG_SYNTAX";
  case ErrorCode::ConfigInvalid: return "E_CONFIG_INVALID";
  case ErrorCode::EstimateNoData: return "E_ESTIMATE_NO_DATA";
  case ErrorCode::EstimateNotPopulationSample: return "E_ESTIMATE_NOT_POPULATION";
  case ErrorCode::Internal: return "E_INTERNAL";
  }
  return "E_INTERNAL";
}

std::string render_options(std::string_view text, OptionStyle style) {
  static constexpr std::string_view open = "\u2039", close = "\u203a"; // ‹ ›
  std::string out;
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t a = text.find(open, at);
    const std::size_t b = a == std::string_view::npos ? a : text.find(close, a + open.size());
    if (b == std::string_view::npos) break;
    out.append(text.substr(at, a - at));
    if (style == OptionStyle::Flag) out += "--";
    out.append(text.substr(a + open.size(), b - a - open.size()));
    at = b + close.size();
  }
  out.append(text.substr(at));
  return out;
}

std::string format_problem(const Problem& p, Lang lang) { return format_problem(p, lang, OptionStyle::Name); }

std::string format_problem(const Problem& p, Lang lang, OptionStyle style) {
  const bool en = lang == Lang::En;
  std::string where;
  if (!p.pos.file.empty()) where = p.pos.file;
  if (p.pos.line > 0) where += fmt::format(":{}", p.pos.line);
  if (p.pos.column > 0) where += fmt::format(":{}", p.pos.column);
  if (!p.pos.column_name.empty())
    where += en ? fmt::format(" (column {})", p.pos.column_name) : fmt::format(" (列 {})", p.pos.column_name);
  if (!p.pos.key.empty()) {
    const std::string key = render_options(p.pos.key, style);
    where += en ? fmt::format(" (key {})", key) : fmt::format(" (キー {})", key);
  }
  if (p.pos.record > 0) {
    const std::string id = p.pos.record_id.empty() ? "" : (en ? fmt::format(", id {}", p.pos.record_id) : fmt::format(", ID {}", p.pos.record_id));
    where += en ? fmt::format(" (record {} = spreadsheet row {}{})", p.pos.record, p.pos.record + 1, id)
                : fmt::format(" (回答 {}件目 = Excel {}行目{})", p.pos.record, p.pos.record + 1, id);
  }

  if (!where.empty() && where.front() == ' ') where.erase(0, 1);
  std::string out;
  if (!where.empty()) out = where + ": ";
  out += fmt::format("{}[{}]: {}", en ? "error" : "エラー", code_name(p.code), render_options(p.message.in(en), style));
  if (!p.value.empty()) out += en ? fmt::format(" (value: \"{}\")", p.value) : fmt::format("（値: 「{}」）", p.value);
  const std::string exp = render_options(p.expected.in(en), style);
  if (!exp.empty()) out += fmt::format("\n  {}: {}", en ? "expected" : "期待される値", exp);
  return out;
}

Error::Error(Problem p) : std::runtime_error(format_problem(p, Lang::En)), problem_(std::move(p)) {}

void throw_problem(ErrorCode code, std::string value, Text message, Text expected) {
  Problem p;
  p.code = code;
  p.value = std::move(value);
  p.message = std::move(message);
  p.expected = std::move(expected);
  throw Error(std::move(p));
}

} // namespace hkstat
