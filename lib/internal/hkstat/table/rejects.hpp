// hkstat/table/rejects.hpp — the rows left out (--rejects), as one CSV format for every caller (the commands, the
// streamed rejects file, the browser edition): one line per problem, located (line, column, record, id).
#pragma once

#include "hkstat/data/dataset.hpp"

#include <string>
#include <vector>

namespace hkstat::table {

// The header line of the rejects CSV (with its "\n").
const char* rejects_header();

// The rows' problems as CSV lines, without the header (text cells guarded as every CSV output: csv_cell).
std::string rejects_lines(const std::vector<data::RejectedRow>& rows);

// rejects_header() + rejects_lines(rows).
std::string rejects_csv(const std::vector<data::RejectedRow>& rows);

} // namespace hkstat::table
