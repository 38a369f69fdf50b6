// hkstat/table/csv_cells.hpp — csv_cell and csv_escape (hkstat/table/table.hpp) appending to a string: what the
// commands that write a row per respondent use (classify, weight, replicate), so that a row costs no temporary
// strings. The two public functions are these, returning a new string.
#pragma once

#include <string>
#include <string_view>

namespace hkstat::table {

// Appends `field` with RFC 4180 quoting (csv_escape).
void append_csv_escaped(std::string& out, std::string_view field);
// Appends `field` as csv_cell writes it: a text beginning with =, +, -, @, TAB or CR (not a number) after a ' ,
// then quoted as csv_escape quotes.
void append_csv_cell(std::string& out, std::string_view field);

} // namespace hkstat::table
