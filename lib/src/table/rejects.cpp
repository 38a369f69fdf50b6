#include "hkstat/table/rejects.hpp"

#include "hkstat/table/table.hpp"

#include <fmt/format.h>

namespace hkstat::table {

const char* rejects_header() {
  return "line,column,column_name,code,value,message_ja,message_en,expected_ja,expected_en,row,record,id\n";
}

std::string rejects_lines(const std::vector<data::RejectedRow>& rows) {
  std::string out;
  for (const auto& r : rows)
    for (const auto& p : r.problems)
      out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{}\n", r.line, p.pos.column ? std::to_string(p.pos.column) : "", csv_cell(p.pos.column_name),
                         code_name(p.code), csv_cell(p.value), csv_cell(p.message.ja), csv_cell(p.message.en), csv_cell(p.expected.ja),
                         csv_cell(p.expected.en), csv_cell(r.raw), p.pos.record ? std::to_string(p.pos.record) : "", csv_cell(p.pos.record_id));
  return out;
}

std::string rejects_csv(const std::vector<data::RejectedRow>& rows) { return rejects_header() + rejects_lines(rows); }

} // namespace hkstat::table
