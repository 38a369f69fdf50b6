// hkstat/report/table.hpp — the table model now lives in its own layer (hkstat/table/table.hpp, namespace
// hkstat::table); these names keep code written against report::Table compiling.
#pragma once

#include "hkstat/table/table.hpp"

namespace hkstat::report {

using table::Align;
using table::Cell;
using table::Column;
using table::csv_cell;
using table::csv_escape;
using table::display_width;
using table::Document;
using table::md_text;
using table::render_csv;
using table::render_markdown;
using table::render_markdown_table;
using table::render_text;
using table::NumberKind;
using table::number_kind;
using table::render_csv_labelled;
using table::Table;

} // namespace hkstat::report
