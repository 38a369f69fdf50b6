// hkstat/api/survey.hpp — the facade: the common jobs in a few calls (docs/library.md).
//
//   auto s = hkstat::api::load_survey("survey.csv");          // + survey.codebook.toml, survey.hkstat.toml
//   auto r = hkstat::api::estimate_prevalence(s);             // estimate::PrevalenceResult
//   std::string text = hkstat::api::render_prevalence(s, r);  // the text of `hkstat estimate survey.csv`
//
// Files are found as the hkstat command finds them (locate_survey; the command calls the same function):
// the codebook `<stem>.codebook.toml` and the run configuration `<stem>.hkstat.toml` next to the data, unless
// given. Options left empty take the run configuration's value, then hkstat's default — the same
// resolution as the command's flags. Every problem is a hkstat::Error (code, file/line/column, value,
// expected, message in Japanese and English); nothing is printed.
//
// Public and stable within 0.x minor versions: this header, hkstat/hkstat.hpp, hkstat/core/error.hpp and
// the result types it returns (docs/library.md "Public surface").
#pragma once

#include "hkstat/classify/classify.hpp"
#include "hkstat/codebook/codebook.hpp"
#include "hkstat/config/run_config.hpp"
#include "hkstat/core/error.hpp"
#include "hkstat/data/dataset.hpp"
#include "hkstat/estimate/prevalence.hpp"
#include "hkstat/tabulate/tabulate.hpp"

#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace hkstat::api {

// The library's version, e.g. "0.1.0".
const char* version();

// ---- Finding a survey's files -------------------------------------------------------------------------

// Where a survey's files are. Empty fields take the defaults.
struct SurveyFiles {
  std::string data;     // the CSV ("-" = standard input: then `codebook` is needed and no configuration is looked for)
  std::string codebook; // "" → the run configuration's `codebook`, else <stem>.codebook.toml next to the data
  std::string config;   // "" → <stem>.hkstat.toml next to the data when it exists
  bool no_config = false; // read no run configuration at all
};

struct LocatedSurvey {
  config::RunConfig config;  // read; config.path is "" when there is none
  std::string codebook_path; // found, not yet read
};

// Reads the run configuration and finds the codebook. Errors: IoCannotOpen when the data file does not
// exist (before anything is looked for next to it); CodebookInvalid with key "codebook" when no codebook
// was given and none is next to the data (or the data are standard input); the run configuration's own
// errors (ConfigSyntax, ConfigInvalid).
LocatedSurvey locate_survey(const SurveyFiles& files);

// A codebook written by hkstat weight / replicate describes exactly one data file ([data_file]): its SHA-256
// must match `data_path` (else CodebookInvalid naming the codebook's line). Standard input ("-") and a
// codebook without [data_file] pass. Returns the number of data rows the binding states, if it does.
std::optional<std::size_t> check_data_file(const std::string& data_path, const std::string& codebook_path, const codebook::Codebook& codebook);

// ---- Loading ----------------------------------------------------------------------------------------------

struct LoadOptions {
  std::string codebook;  // as SurveyFiles
  std::string config;
  bool no_config = false;
  std::string encoding;  // auto, utf-8, cp932; "" → the run configuration's, else auto
  // Roles whose column must be in the data (a missing one is CsvMissingColumn): by default those a
  // prevalence needs. Clear it to load a survey only to tabulate.
  std::set<codebook::Role> required_roles{codebook::Role::Outing, codebook::Role::Duration};
  std::optional<std::size_t> expect_rows; // the data must hold exactly this many data rows (IoRowCount)
  // Rows with invalid values (unknown code, out of range, duplicate id, ...): false → the load stops with an
  // Error carrying the first problem and the count (as the command without --rejects); true → they are left
  // out and listed in Survey::rejected (as the command with --rejects).
  bool drop_invalid_rows = false;
};

// A survey in memory: the valid rows under the codebook, with the run configuration found for it.
struct Survey {
  std::string data_path;
  std::string codebook_path;
  config::RunConfig config;
  data::Dataset data;                     // valid rows; data.codebook is the codebook
  std::vector<data::RejectedRow> rejected; // rows left out (LoadOptions::drop_invalid_rows)
  std::size_t rows_rejected = 0;
  std::vector<Problem> warnings;           // non-fatal notes (a codebook column absent from the data, ...)
  const codebook::Codebook& codebook() const { return data.codebook; }
};

Survey load_survey(const std::string& data_path, const LoadOptions& options = {});

// ---- Classifying, estimating, tabulating -------------------------------------------------------------

// The rule-set `rules` (a built-in id such as "cao2022", or a .toml file), "" → the run configuration's,
// else classify::kDefaultRuleSet.
classify::Classification classify(const Survey& survey, const std::string& rules = "");

struct EstimateOptions {
  std::string rules;                                  // as classify()
  std::optional<double> population;                   // persons of the survey's age range
  std::string population_file;                        // CSV age_group,population (instead of population)
  std::optional<std::vector<std::string>> age_groups; // e.g. {"15-39", "40-64"}; {} = none
  std::string ci;              // wilson, clopper-pearson, logit, wald, beta, asin, kg-nchs, likelihood; "" → default
  std::optional<double> level; // 0.000001 .. 0.999999
  std::optional<int> rate_rounding; // 0..6 decimals of a percent, before × population
  std::string lonely_psu;      // fail, remove, certainty, adjust, average
  std::vector<std::string> by; // prevalence also by the levels of these code variables (names or roles)
  std::string where;           // estimate among the respondents for whom this is true (docs/cli.md --where)
  // Household members (codebook [roster]): respondents, respondents+members or persons; "" → the run configuration's
  // [estimate] numerator, else the codebook's default (respondents+members with a roster), as hkstat estimate.
  std::string numerator;
  std::string population_source; // how the output names where `population` came from ("" → "population")
};

// Resolves `options` against the survey's run configuration and codebook, as the command resolves its flags:
// the option, else the configuration's value, else the default (population: population, else
// population_file, else the configuration's). Errors: UsageInvalidOption for a bad value (naming the option
// by its field name here), ConfigInvalid for a population file that does not match the age groups.
estimate::PrevalenceOptions prevalence_options(const Survey& survey, const EstimateOptions& options = {});
// The same from a run configuration and a codebook alone (no data yet: a streamed estimate), without the
// supplied replicate columns (those need the rows). The one resolution of these options: the command
// (cli/prevalence_options.cpp), this facade and the Python module all call it.
estimate::PrevalenceOptions prevalence_options(const config::RunConfig& config, const codebook::Codebook& codebook,
                                               const EstimateOptions& options);

// The persons of each age group from a population file (CSV age_group,population): every group of `groups` exactly
// once, no other group (a missing group would leave its persons out of the total, a repeated one count them twice).
// Errors: ConfigInvalid naming the file's line. The command's --population-file and the run configuration's
// population_file go through this one check.
std::vector<std::pair<estimate::AgeGroup, double>> population_by_group(const std::string& path, const std::vector<estimate::AgeGroup>& groups);

// Prevalence of 広義 / 狭義 / 準 with SE, interval and persons: the numbers of `hkstat estimate` without options
// beyond those above — linearised (or simple-sample) SEs, or the supplied replicate columns when the codebook has
// a [replicates] table. Not yet here: --calibrate and replicates created from the design. The result holds every cell unsuppressed (min_cell applies when it is
// rendered).
estimate::PrevalenceResult estimate_prevalence(const Survey& survey, const classify::Classification& cls, const EstimateOptions& options = {});
estimate::PrevalenceResult estimate_prevalence(const Survey& survey, const EstimateOptions& options = {}); // classifies with options.rules

// The 広義 (broad) cell of all respondents: the headline figure. Throws Internal if absent.
const estimate::PrevalenceCell& headline(const estimate::PrevalenceResult& result);

struct TabulateOptions {
  std::string domains = "all"; // all, broad, comparison, or a comma-separated list
  std::string by = "none";     // age5, age10, age2, sex, a code variable, or "age2,sex" ...
  std::string where;
  std::string rules;           // for the broad / comparison domains
  std::string ci;
  std::optional<double> level;
  std::optional<int> min_cell; // suppression threshold (default: configuration's, else 5)
  std::string lonely_psu;
};

// Distributions of single- and multiple-answer variables (`hkstat tabulate --var`), one per variable; SEs as
// estimate_prevalence's.
std::vector<tabulate::Distribution> tabulate(const Survey& survey, const std::vector<std::string>& variables, const TabulateOptions& options = {});

// ---- Rendering -----------------------------------------------------------------------------------------

enum class Format { Text, Markdown, Csv };

struct ReportOptions {
  Format format = Format::Text;
  Lang lang = Lang::Ja;
  std::optional<int> rate_decimals; // default: configuration's, else 1
  std::optional<int> min_cell;      // default: configuration's, else 5
  std::string persons_unit;         // person or man (万人); "" → configuration's, else person
};

// The estimate as `hkstat estimate` prints it (text, Markdown, or the CSV table), suppression applied.
std::string render_prevalence(const Survey& survey, const classify::Classification& cls, const estimate::PrevalenceResult& result,
                              const ReportOptions& options = {});
// The distributions as `hkstat tabulate` prints them. `cls`: the classification used for group domains.
std::string render_tabulation(const Survey& survey, const std::vector<tabulate::Distribution>& dists, const ReportOptions& options = {},
                              const classify::Classification* cls = nullptr);

} // namespace hkstat::api
