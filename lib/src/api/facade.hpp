// lib/src/api/facade.hpp — what the facade's sources share (survey.cpp, report_folder.cpp); not installed.
#pragma once

#include "hkstat/api/survey.hpp"
#include "hkstat/report/estimate_report.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace hkstat::api::detail {

// UsageInvalidOption for a bad option value (the option named by its field, library terms).
[[noreturn]] void invalid(const std::string& value, Text message, Text expected);
// The option if given, else the run configuration's value, else the fallback.
std::string or_default(const std::string& given, const std::optional<std::string>& configured, const char* fallback);
std::string version_line(); // "hkstat 0.1.0"

// The replicate variance of a survey (as the command's --replicates, --replicates-n, --seed and the codebook's
// [replicates]): replicates created from the design (a request: PSU multipliers in the estimate's pass) when the
// data have no role-replicate columns, else the row-level design of those columns. Replicates together with
// calibration are UsageInvalidOption (estimate::resolve_variance_kind).
struct Variance {
  std::optional<estimate::ReplicateRequest> request;
  std::shared_ptr<const estimate::ReplicateDesign> design;
  Text label;
};
Variance variance_of(const data::Dataset& ds, const std::string& type, std::size_t n, std::uint64_t seed, bool calibrate, estimate::LonelyPsu lonely);

// Rate decimals, persons unit and min cell: the option, else the run configuration's, else 1 / person / 5
// (UsageInvalidOption out of range).
report::DisplayOptions display_options(const config::RunConfig& cfg, const std::optional<int>& rate_decimals, const std::optional<int>& min_cell,
                                       const std::string& persons_unit);

} // namespace hkstat::api::detail
