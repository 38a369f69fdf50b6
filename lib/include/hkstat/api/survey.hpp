// hkstat/api/survey.hpp — the facade: the common jobs in a few calls (docs/library.md).
//
//   auto s = hkstat::api::load_survey("survey.csv");          // + survey.codebook.toml, survey.hkstat.toml
//   auto r = hkstat::api::estimate_prevalence(s);             // estimate::PrevalenceResult
//   std::string text = hkstat::api::render_prevalence(s, r);  // the text of `hkstat estimate survey.csv`
//   hkstat::api::report(s, {.out_dir = "survey-report"});     // the folder of `hkstat report survey.csv`
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
#include "hkstat/estimate/statistic_result.hpp"
#include "hkstat/tabulate/tabulate.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
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
  data::Dataset data;                     // valid rows (with a count column: its people, data::expand_counts); data.codebook is the codebook
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
  // The variance (as the command's --replicates, --replicates-n, --seed, --calibrate):
  std::string replicates;          // jk1, jkn, bootstrap, subbootstrap, brr, fay: replicates created from the design
                                   // (or the type of the data's replicate columns when the codebook has no [replicates])
  std::size_t replicates_n = 100;  // bootstrap and subbootstrap: how many (2..2000)
  std::uint64_t seed = 1;          // bootstrap and subbootstrap
  bool calibrate = false;          // weights calibrated to the run configuration's [weighting] (as `hkstat weight`),
                                   // in memory; the estimate is of the rows with a positive weight, calibration-aware SEs
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

// Prevalence of 広義 / 狭義 / 準 with SE, interval and persons: the numbers of `hkstat estimate` with the same
// options — linearised (or simple-sample) SEs, the supplied replicate columns when the codebook has a [replicates]
// table, replicates created from the design (`replicates`), or calibrated weights (`calibrate`: the result is the
// calibrated estimate). The result holds every cell unsuppressed (min_cell applies when it is rendered).
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
  std::string replicates;         // as EstimateOptions
  std::size_t replicates_n = 100;
  std::uint64_t seed = 1;
  bool calibrate = false;
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

// Estimate and render in one call: what `hkstat estimate` prints for these options, byte for byte — also with
// `calibrate` (the calibrated rows' facts and the table comparing the estimate before and after calibration,
// which render_prevalence cannot know).
std::string render_estimate(const Survey& survey, const EstimateOptions& estimate = {}, const ReportOptions& options = {});
// Tabulate and render in one call: what `hkstat tabulate --var ...` prints for these options (also with `calibrate`).
std::string render_tabulate(const Survey& survey, const std::vector<std::string>& variables, const TabulateOptions& tabulate = {},
                            const ReportOptions& options = {});

// ---- Totals, means and ratios ------------------------------------------------------------------------

struct StatisticOptions {
  std::string stat = "total";  // total, mean or ratio (`hkstat estimate --stat`)
  std::string variable;        // total: a code, integer or number variable, "" = the 広義 indicator (persons with
                               // their SE, from the population); mean: an integer or number variable; ratio: the numerator
  std::string denominator;     // ratio: the denominator (integer or number variable)
  std::vector<std::string> by; // also by the levels of these code variables
  std::string where;           // within the respondents for whom this is true
  std::string rules;           // the rule-set of the 広義 indicator (as classify())
  std::optional<double> population;   // the indicator's persons (else population_file, else the run configuration's)
  std::string population_file;
  std::optional<std::vector<std::string>> age_groups;
  std::optional<double> level;
  std::string lonely_psu;
  std::string replicates;      // replicates created from the design (as EstimateOptions); supplied replicate columns
  std::size_t replicates_n = 100; // and calibration are not taken yet (UsageInvalidOption)
  std::uint64_t seed = 1;
};

// Totals (R svytotal), means (svymean) and ratios (svyratio) with SE, df and interval, whole sample and by the
// levels of `by`: the rows of `hkstat estimate --stat total|mean|ratio` (docs/estimation.md "Totals, means and
// ratios"). Load the survey with `required_roles` cleared unless the 広義 indicator is totalled.
estimate::StatisticResult statistic(const Survey& survey, const StatisticOptions& options);
// The result as `hkstat estimate --stat ...` prints it (text, Markdown or CSV; `options.min_cell` suppresses).
std::string render_statistic(const Survey& survey, const estimate::StatisticResult& result, const ReportOptions& options = {});

// ---- The report folder ---------------------------------------------------------------------------------

struct ReportFolderOptions {
  std::string out_dir;           // "" → <stem>-report in the working directory, as the command
  EstimateOptions estimate;      // the estimate of the report (rules, population, age_groups, ci, level, by, where,
                                 // numerator, replicates, calibrate ...), as `hkstat report`'s flags
  Lang lang = Lang::Ja;
  std::optional<int> rate_decimals; // default: configuration's, else 1
  std::optional<int> min_cell;      // default: configuration's, else 5
  std::string persons_unit;         // person or man; "" → configuration's, else person
  std::string template_dir;      // "" → the built-in template (docs/reports.md)
  std::string timestamp;         // the report's date: "2025-03-01", "2025-03-01T10:00:00+09:00"; "" → none (the
                                 // command also reads SOURCE_DATE_EPOCH; the library reads no environment)
  bool bom = true;               // CSV files start with a UTF-8 BOM (Excel)
  bool replace = false;          // replace an existing folder (only one that holds nothing but report files)
};

struct ReportFolder {
  std::string dir;                                   // where it was written
  std::vector<std::string> files;                    // relative paths, in the order of the command's listing
  std::vector<std::pair<std::string, Text>> skipped; // optional tables left out, and why
};

// Writes the report folder of `hkstat report` (report.md, report.xlsx, tables/*.csv, charts/*.svg and *.png) for
// these options: the same files, byte for byte (the command calls the same code; no Word edition: that needs
// pandoc). Written whole or not at all (a temporary folder, then renamed). Errors: IoCannotWrite when the folder
// exists and `replace` is false; the template's, the estimate's and the writers' errors.
ReportFolder report(const Survey& survey, const ReportFolderOptions& options = {});

} // namespace hkstat::api
