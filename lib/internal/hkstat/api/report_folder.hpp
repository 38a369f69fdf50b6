// hkstat/api/report_folder.hpp (internal) — the one path from a survey and the report's options to the files of a
// report folder, shared by `hkstat report` (cli/commands/report.cpp) and the facade's api::report: calibration,
// the estimate's options, the provenance (inputs named relative to the folder, with their hashes; the effective
// options) and report::build_report, or report::ReportStream for a report streamed from its batches. Nothing is
// written here.
#pragma once

#include "hkstat/api/survey.hpp"
#include "hkstat/report/report_builder.hpp"

#include <memory>
#include <optional>
#include <string>

namespace hkstat::estimate {
struct CombinationCalibration;
}
namespace hkstat::io {
class InputSha256;
}

namespace hkstat::api {

// What only the command gives.
struct ReportRun {
  bool word = false;                          // --docx: also prepare the Word edition (the command runs pandoc)
  std::optional<report::Timestamp> timestamp; // replaces ReportFolderOptions::timestamp (SOURCE_DATE_EPOCH) ...
  std::string timestamp_source;               // ... and its provenance text; "" = from the options
  std::string rejects_file;                   // --rejects, named in the report
  // The SHA-256 of the bytes the first pass read (the command's hash_first_pass: a regular file, standard input or a
  // FIFO), which the report records as the input's; null: data_path's, read again. Taken after the data's last row.
  std::shared_ptr<io::InputSha256> input_sha256;
};

// The default folder of a report: <stem>-report in the working directory; stdin-report for standard input ("-").
std::string default_report_dir(const std::string& data_path);

// A file named in the report, relative to the report folder (`../survey.csv`), or by its file name alone when it
// is farther away than the folder that holds the report folder. Resolved lexically.
std::string relative_to_report(const std::string& path, const std::string& out_dir);

// The report's files, in memory. `input`: the data as read (valid rows, rejected rows, warnings); `tmpl` the
// template (loaded first by the caller, so that a bad template stops a run before any work). The options are
// checked by the library (the command checks its flags first, so that its messages name them).
report::ReportOutput build_report_folder(const data::IngestResult& input, const std::string& data_path, const std::string& codebook_path,
                                         const config::RunConfig& config, const report::ReportTemplate& tmpl,
                                         const ReportFolderOptions& options, const ReportRun& run = {});

// The same files from the data's batches, in memory that does not grow with the rows (report::ReportStream,
// docs/performance.md): for a report that needs no row twice — every report but a calibrated one
// (report_folder_streamable; household rosters and replicate weights the data supply stream too). The options are
// checked, in build_report_folder's order, when it is made, from the codebook and the reader's warnings (before the
// first batch); the errors the rows cause are thrown by finish() where build_report_folder throws them. With no rows added, call build_report_folder on the
// (empty) data set instead: its errors say why. `tmpl` must outlive the stream.
bool report_folder_streamable(const ReportFolderOptions& options);

class ReportFolderStream {
public:
  // Error(Internal) unless report_folder_streamable(options).
  ReportFolderStream(const codebook::Codebook& codebook, const std::vector<Problem>& warnings, const std::string& data_path,
                     const std::string& codebook_path, const config::RunConfig& config, const report::ReportTemplate& tmpl,
                     const ReportFolderOptions& options, const ReportRun& run = {});
  // A calibrated report in two passes (`report --calibrate`, post-stratified or raked on the combination table:
  // report::ReportStream's calibrated constructor): `codebook` is that of the calibrated rows (data::with_weights),
  // rows only through add(batch, combination, input_weight), each batch read through add_read (every valid row: a
  // household roster's members), and set_weighting before finish. Error(Internal) unless
  // options.estimate.calibrate and `calibration`.
  ReportFolderStream(const codebook::Codebook& codebook, const std::vector<Problem>& warnings, const std::string& data_path,
                     const std::string& codebook_path, const config::RunConfig& config, const report::ReportTemplate& tmpl,
                     const ReportFolderOptions& options, const ReportRun& run, std::shared_ptr<const estimate::CombinationCalibration> calibration);
  ~ReportFolderStream();
  ReportFolderStream(const ReportFolderStream&) = delete;
  ReportFolderStream& operator=(const ReportFolderStream&) = delete;

  void add(const data::Dataset& batch); // the next rows, in file order
  void add(const data::Dataset& batch, const std::vector<std::size_t>& combination, const std::vector<double>& input_weight); // calibrated
  void add_read(const data::Dataset& batch); // calibrated: each batch as read, before the weighting drops rows
  void set_weighting(Text weighting); // calibrated: api::describe_weighting of the two passes
  // `meta`: the input without rows (source, encoding, BOM, codebook, answer-check counts); `rows` the rows added;
  // `rejected_rows` the rows left out for invalid values.
  report::ReportOutput finish(const data::Dataset& meta, std::size_t rows, std::size_t rejected_rows, const std::vector<Problem>& warnings);

  struct Impl;

private:
  std::unique_ptr<Impl> impl_;
};

} // namespace hkstat::api
