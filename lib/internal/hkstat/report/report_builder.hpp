// hkstat/report/report_builder.hpp — one survey → the files of a report folder, in memory:
// report.md (rendered from the template's Mustache text), tables/<id>.csv, report.xlsx and
// charts/<id>.svg (docs/reports.md). The library never writes them; the CLI does (io/atomic_dir.hpp).
#pragma once

#include "hkstat/classify/ruleset.hpp"
#include "hkstat/data/dataset.hpp"
#include "hkstat/estimate/prevalence.hpp"
#include "hkstat/io/atomic_dir.hpp"
#include "hkstat/report/estimate_report.hpp"
#include "hkstat/report/report_spec.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hkstat::estimate {
struct CombinationCalibration;
}

namespace hkstat::report {

// The report's date, injected for reproducibility (--timestamp, SOURCE_DATE_EPOCH).
struct Timestamp {
  std::int64_t epoch = 0; // seconds since 1970-01-01T00:00:00Z
  std::string date;       // YYYY-MM-DD as shown in the report (the date in the offset the time was given in)
};
// "2025-01-31" (midnight UTC), "2025-01-31T10:00:00Z", "2025-01-31T10:00+09:00". Dates before
// 1980-01-01 (the earliest a zip/xlsx can hold) are refused. Throws Error(UsageInvalidOption).
Timestamp parse_timestamp(std::string_view text);
// SOURCE_DATE_EPOCH: decimal seconds; the date is the UTC date. Throws Error(UsageInvalidOption).
Timestamp timestamp_from_epoch(std::string_view seconds);
// Without a timestamp the report shows no date and the workbook's created time is this fixed value.
inline constexpr std::int64_t kDefaultCreated = 315532800; // 1980-01-01T00:00:00Z

struct Provenance {
  std::string version;        // "hkstat 0.1.0"
  std::string input;          // data file, as shown: relative to the report folder (the CLI), never absolute
  std::string input_sha256;
  std::string codebook;       // codebook path
  std::string codebook_sha256;
  std::string config;         // run configuration path, "" if none
  std::string config_sha256;
  std::string template_path;  // the template directory as shown ("" = the template's source)
  std::vector<std::pair<std::string, std::string>> options; // effective options (name, value), in order
};

struct ReportOptions {
  Lang lang = Lang::Ja;
  bool bom = true;                          // CSV files start with a UTF-8 BOM (Excel)
  std::optional<Timestamp> timestamp;
  // Estimation (population samples only) and tables.
  estimate::PrevalenceOptions prevalence;
  // Household members (codebook [roster]): what the prevalence counts (estimate/numerator.hpp); unset = the
  // codebook's default (respondents+members with a roster), stated in the report.
  std::optional<roster::Numerator> numerator;
  DisplayOptions display;                   // rate decimals, persons unit, min_cell (also used by every table)
  std::optional<estimate::CiMethod> ci_method; // distribution tables (default: as hkstat tabulate)
  double level = 0.95;
  Provenance provenance;
  std::string scratch_dir;                  // temporary files of the xlsx writer ("" = system)
  bool word = false;                        // also prepare the Word edition (ReportOutput::word; the CLI runs pandoc)
};

// What a Word edition of the report is made from (ReportOptions::word). The library only prepares it: the CLI
// converts it with pandoc (`hkstat report --docx`), since the library never runs programs. `markdown` is the
// template rendered with `word` true (charts as their PNG files, the figure caption taken from the image's
// text), for pandoc's Markdown reader; the PNG files are those of ReportOutput::files.
struct WordSource {
  std::string markdown;
  std::string reference_docx; // the template's reference.docx ("" = none: pandoc's default styles)
  std::int64_t created = kDefaultCreated; // the document's date (SOURCE_DATE_EPOCH for pandoc)
};

struct ReportOutput {
  io::FileList files;                        // report.md, report.xlsx, tables/*.csv, charts/*.svg, charts/*.png
  std::vector<std::pair<std::string, Text>> skipped; // optional tables left out, and why
  std::optional<WordSource> word;            // with ReportOptions::word
};

// Builds the report. `ruleset` is required for a population sample (classification, prevalence, the
// broad / comparison domains) and ignored otherwise: agency surveys and intake records are not population
// samples, so their report has no prevalence section (it says so) and every table is over all records.
// Errors: those of tabulate/estimate, ConfigInvalid for a table whose variable is not in the codebook (unless
// optional) or for a template that does not parse (unclosed section, unknown name or partial, with line
// and column), and those of the writers. `read`: the valid rows read, when `input` is of their rows of positive weight
// (calibrated: api::calibrate); a codebook [roster]'s members are those of every valid row (estimate::apply_members),
// as in hkstat estimate. Null: input's rows.
ReportOutput build_report(const data::IngestResult& input, const classify::RuleSet* ruleset, const ReportTemplate& tmpl, const ReportOptions& options,
                          const data::Dataset* read = nullptr);

// The same report from the input's batches, in memory that does not grow with the rows (docs/performance.md),
// for what needs no row twice: report_streamable() — not calibration (options.prevalence.calibration) and not a
// replicate design built from the rows (options.prevalence.replicates): those need build_report. Replicate
// weights the data supply (codebook [replicates] or role-replicate columns) are summed per cell and replicate. The outputs are byte-identical to build_report on the
// whole data set (the prevalence and every table are the same single-pass accumulators; test_report_builder
// "[stream]"). A codebook [roster] (household members) streams as `hkstat estimate` does: a long roster's member
// file is read in the constructor, its members kept by respondent id (estimate::LongMemberIndex). `codebook` and `warnings` are the reader's
// (before the first batch; a table whose column is absent is left out or refused as in build_report);
// `ruleset` and `tmpl` must outlive the stream. Errors the rows cause (weights, design columns, an age in no
// band) are kept and thrown by finish() where build_report throws them, so both give the same first error.
bool report_streamable(const ReportOptions& options);

class ReportStream {
public:
  // Error(Internal) unless report_streamable(options).
  ReportStream(const codebook::Codebook& codebook, const std::vector<Problem>& warnings, const classify::RuleSet* ruleset, const ReportTemplate& tmpl,
               const ReportOptions& options);
  // Calibrated on the combination table (`report --calibrate` in two passes, docs/performance.md "Eighth session,
  // calst2"): the prevalence and every table from the calibrated accumulators (estimate/calibrated_sums.hpp), the
  // rows only through add(batch, combination, input_weight) — the calibrated rows (nonzero weight) with the codebook
  // of data::with_weights, which `codebook` must be; with a codebook [roster], every batch read (every valid row, a
  // row of weight 0 too) through add_read, whose household members are read as hkstat estimate reads them
  // (estimate::MemberStream). Error(Internal) unless report_streamable(options).
  ReportStream(const codebook::Codebook& codebook, const std::vector<Problem>& warnings, const classify::RuleSet* ruleset, const ReportTemplate& tmpl,
               const ReportOptions& options, std::shared_ptr<const estimate::CombinationCalibration> calibration);
  ~ReportStream();
  ReportStream(const ReportStream&) = delete;
  ReportStream& operator=(const ReportStream&) = delete;

  // The next rows, in file order, with the codebook given.
  void add(const data::Dataset& batch);
  // Calibrated: the next calibrated rows with each row's combination of table cells and input weight
  // (weights::WeightingStream::weigh).
  void add(const data::Dataset& batch, const std::vector<std::size_t>& combination, const std::vector<double>& input_weight);
  // Calibrated: each batch as read (every valid row, before the weighting drops any), for its household members.
  void add_read(const data::Dataset& batch);
  // Calibrated: the description of the weighting (api::describe_weighting, known after the last row), shown with
  // the prevalence and the tables as options.prevalence.weighting is otherwise.
  void set_weighting(Text weighting);
  // The input's SHA-256 (options.provenance.input_sha256), known after its last row when the caller hashes the bytes
  // it read (api::ReportFolderStream).
  void set_input_sha256(std::string hex);
  // The report. `meta`: the input without rows (source, encoding, BOM, codebook, answer-check counts, count
  // rows); `rows`: the rows added; `rejected_rows`: rows left out for invalid values. With no rows added the
  // errors are not build_report's: give build_report the (empty) data set instead (the CLI does).
  ReportOutput finish(const data::Dataset& meta, std::size_t rows, std::size_t rejected_rows, const std::vector<Problem>& warnings);

  struct Impl;

private:
  std::unique_ptr<Impl> impl_;
};

// Every name a report template may use (docs/reports.md). Table ids are names too: {{#table.<id>}}.
const std::set<std::string>& template_names();

// Whether a path relative to a report folder is one that build_report writes (report.md, report.xlsx,
// tables/*.csv, charts/*.svg, charts/*.png) or the CLI adds (report.docx): what may be replaced by --force.
bool is_report_file(const std::string& relative_path);

} // namespace hkstat::report
