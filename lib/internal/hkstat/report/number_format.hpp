// hkstat/report/number_format.hpp — number formatting now lives in the table layer
// (hkstat/table/number_format.hpp, namespace hkstat::table); these names keep report:: code compiling.
#pragma once

#include "hkstat/table/number_format.hpp"

namespace hkstat::report {

using table::format_fixed;
using table::format_man;
using table::format_percent;
using table::format_persons;
using table::format_raw;
using table::format_whole;
using table::with_thousands;

} // namespace hkstat::report
