// hkstat/weights/spec.hpp — a weighting specification as data: what `hkstat weight` and
// weights::apply_weighting (apply.hpp) do, read from the [weighting] section of the run configuration
// (config/run_config.hpp) and overridden by command-line options. Plain data; docs/cli.md "weight".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hkstat::weights {

// none: base weights (after the response step) and trimming only; poststratify: R postStratify;
// rake: R rake; linear: R calibrate(calfun = "linear").
enum class WeightingMethod { None, PostStratify, Rake, Linear };
const char* method_name(WeightingMethod m); // "none", "poststratify", "rake", "linear"
// Also accepts "post-stratify", "ps", "raking", "greg", "calibrate". Throws Error(UsageInvalidOption).
WeightingMethod parse_method(std::string_view s);

// One band of an integer variable, bounds inclusive ("15-19"; "65-" = 65 and over).
struct Band {
  std::string label; // as written, e.g. "15-19"; population tables name the band by this label
  std::int64_t min = 0;
  std::int64_t max = 0;
};
// "15-19", "65-" (open above); full-width digits and dashes accepted. nullopt if malformed or min > max.
std::optional<Band> parse_band(std::string_view s);

// A derived variable: bands of an integer (or integer-coded) variable, e.g. age_band from 問2.
struct BandVariable {
  std::string name;        // what population tables call it (a header name), e.g. "age_band"
  std::string from;        // codebook variable name; empty = the variable with role age
  std::vector<Band> bands; // must not overlap; a value in no band is unmatched
  std::string origin;      // where it was defined, for messages ("survey.hkstat.toml:12", "--band")
};
// "NAME=VAR:15-19,20-29,60-" or "NAME=15-19,..." (VAR omitted = role age). Throws Error(UsageInvalidOption).
BandVariable parse_band_variable(std::string_view s, const std::string& origin);

// A population table: a CSV whose header names variables (codebook variables of type code or integer,
// or band variables) plus a count column. `variables` non-empty: only those columns define the cells
// and the counts are summed over the other columns (a sex × age × district table can feed an age × sex
// post-stratification, or one margin each).
struct PopulationTableSpec {
  std::string path;
  std::vector<std::string> variables;
};
// "FILE" or "FILE:VAR,VAR" (the part after the last ':' when it contains no '/'). Throws UsageInvalidOption.
PopulationTableSpec parse_table_arg(std::string_view s);

// Who responded, and nonresponse adjustment within cells.
struct ResponseSpec {
  std::string variable;                  // a code or integer variable
  std::vector<std::int64_t> codes{1};    // values that mean "responded" (empty / missing = not)
  std::vector<std::string> cells;        // adjustment cells (variables or bands); empty = nonrespondents get
                                         // weight 0 without adjustment (calibration then restores totals)
};

// A respondent whose calibration variable is missing, outside every band, or a category absent from a
// population table: Error stops with a message naming the row and the table; Drop gives the row weight 0.
enum class Unmatched { Error, Drop };
const char* unmatched_name(Unmatched u); // "error", "drop"

struct WeightingSpec {
  WeightingMethod method = WeightingMethod::PostStratify;
  std::vector<PopulationTableSpec> tables; // poststratify: exactly one; rake, linear: one per margin
  std::string count_column = "count";
  // nullopt: the variable with role weight if the codebook has one, else 1 for every row.
  // "none": 1 for every row. Otherwise the name of a number variable.
  std::optional<std::string> base_weight;
  std::vector<BandVariable> bands;
  std::optional<ResponseSpec> response;
  Unmatched unmatched = Unmatched::Error;
  // Convergence: raking stops when every margin category is within epsilon (relative) of its count;
  // linear calibration when every total is within epsilon · (1 + |total|). max_iter: sweeps (rake,
  // default 100) or Newton steps (linear, default 50); nullopt = those defaults (calibrate.hpp).
  double epsilon = 1e-10;
  std::optional<int> max_iter;
  std::optional<std::pair<double, double>> bounds; // linear: bounds on g = final / input weight
  std::optional<std::pair<double, double>> trim;   // absolute weight bounds, after calibration
  bool trim_strict = false;                        // repeat trimming until every weight is inside
  std::string weight_name = "calibrated_weight";   // the new column of `hkstat weight`
  std::string source;                              // config file the spec came from ("" = defaults/CLI)
};

} // namespace hkstat::weights
