// hkstat/data/dataset.hpp — the validated, typed survey data: one column per codebook variable.
// Free-text columns are validated for presence only and never stored, so they cannot reach a report.
#pragma once

#include "hkstat/codebook/codebook.hpp"
#include "hkstat/core/error.hpp"

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace hkstat::data {

// The largest weight (and replicate weight) a row may have: 10^12 people per respondent, a million times the
// population of any municipality. Larger → E_DATA_INVALID_WEIGHT for the row. With it, every sum of weights,
// of squared weights and of products over 10^9 rows stays far inside a double (10^12² × 10^9 = 10^33), so an
// estimate cannot overflow to inf from valid rows.
inline constexpr double kMaxWeight = 1e12;
// The most people one row of a count column (role count) may stand for; more → E_DATA_OUT_OF_RANGE.
inline constexpr std::int64_t kMaxCount = 1000000;

// Sentinel for a missing answer (empty cell or a declared missing code) in integer/code columns.
inline constexpr std::int64_t kMissing = std::numeric_limits<std::int64_t>::min();

// The text labels of a stratum or PSU column of type text (docs/codebook.md "Design columns"): a label's id is
// its index in labels(), in order of first appearance in the file (rejected rows included). One dictionary per
// column of an ingest stream, shared by all its batches, so ids agree across batches. The canonical order of
// strata and PSUs is the byte order of the labels (design_label_less), never the order of the ids.
struct LabelDict {
  // Thread-safe: a streamed read may parse the next batch (interning) while the current one is estimated.
  std::int64_t intern(std::string_view label) {
    const std::lock_guard<std::mutex> lock(mutex_);
    const auto [it, inserted] = index_.emplace(std::string(label), static_cast<std::int64_t>(text_.size()));
    if (inserted) text_.push_back(it->first);
    return it->second;
  }
  std::string at(std::int64_t id) const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return id >= 0 && static_cast<std::size_t>(id) < text_.size() ? text_[static_cast<std::size_t>(id)] : std::to_string(id);
  }
  std::vector<std::string> labels() const { // by id
    const std::lock_guard<std::mutex> lock(mutex_);
    return text_;
  }

private:
  mutable std::mutex mutex_;
  std::vector<std::string> text_;
  std::unordered_map<std::string, std::int64_t> index_;
};

// A stratum or PSU variable of type text: its cells are labels (any text), stored as LabelDict ids in `ints`.
bool is_design_label(const codebook::Variable& v);

struct Column {
  const codebook::Variable* var = nullptr;
  std::vector<std::int64_t> ints;       // integer and code variables (kMissing = missing); design labels: LabelDict ids
  std::shared_ptr<LabelDict> labels;    // design labels (is_design_label) only: the ids' texts
  std::vector<std::int64_t> raw_missing; // the declared missing code found (e.g. 9), or kMissing for an empty cell; only for missing rows
  std::vector<double> numbers;          // number variables (NaN = missing)
  std::vector<std::uint64_t> multi;     // multi: bit i set = option codes[i] chosen
  std::vector<std::uint8_t> multi_answered; // multi: 0 = no answer at all (無回答)
  std::vector<std::string> ids;         // id variable
};

struct Dataset {
  codebook::Codebook codebook;          // owned copy; Column::var points into it
  std::string source;                   // data file path
  std::string encoding;                 // "UTF-8" / "CP932"
  bool had_bom = false;
  std::vector<std::size_t> lines;       // file line of each row
  std::vector<Column> columns;          // parallel to codebook.variables
  std::size_t fullwidth_normalised = 0; // cells whose full-width digits were normalised
  std::vector<std::string> ignored_columns; // CSV columns the codebook does not name
  // Per codebook [[check]] (codebook.checks): the rows of this data whose answer broke it and was blanked or
  // only counted (action blank / count); rejected rows are not in the data. Empty = no checks.
  std::vector<std::size_t> answer_check_counts;
  // Rows of the input with a count column (role count) before expand_counts made one row per person; 0 = no
  // count column or not expanded.
  std::size_t count_rows = 0;

  std::size_t rows() const { return lines.size(); }
  const Column* column(codebook::Role role) const;
  const Column* column(const std::string& name) const;

  Dataset() = default;
  Dataset(const Dataset&) = delete;
  Dataset& operator=(const Dataset&) = delete;
  Dataset(Dataset&&) = default;
  Dataset& operator=(Dataset&&) = default;
};

// The notes every output of this data carries (docs/codebook.md): each derived variable's definition and
// each answer check with the rows it blanked or counted.
std::vector<Text> method_notes(const Dataset& ds);

// A copy of `data` with only the rows `keep` (ascending indices) and a weight column: `weights` (one per
// row of `data`) becomes a new number variable `name` with role weight; a variable that had role weight
// keeps its values and loses the role. Used to estimate with calibrated weights (hkstat estimate
// --calibrate) without touching the input.
Dataset with_weights(const Dataset& data, const std::vector<std::size_t>& keep, const std::vector<double>& weights, const std::string& name);

// Full counts given as numbers per category (a variable with role count, docs/codebook.md "Counts per
// category"): a copy of `data` with each row repeated as many times as its count (0: left out), so that every
// table counts people; count_rows is set to data's rows (added up over batches by the caller). Data without
// a count column is returned as a copy unchanged (count_rows 0).
Dataset expand_counts(const Dataset& data);
// The same people in parts of at most `max_rows` rows each (≥ 1; a row whose count is larger is spread over
// consecutive parts), in order, each given to `part`: the streamed commands expand a batch this way, so that memory
// stays in the batch size whatever the counts (up to 1,000,000 a row). Every part has count_rows 0 (the caller
// counts the input rows). Results of the batch-size-invariant accumulators equal those of expand_counts on the
// whole data bit for bit. Data without a count column is given whole, as one part, unchanged.
void expand_counts(const Dataset& data, std::size_t max_rows, const std::function<void(const Dataset&)>& part);

struct IngestOptions {
  std::string encoding = "auto";        // auto | utf-8 | cp932
  std::set<codebook::Role> required_roles; // roles the command needs: a missing column is fatal
  // Duplicate respondent ids are rejected rows. The check remembers every id seen; ids that are consecutive
  // numbers on consecutive lines (1, 2, 3, ... or NT0001, NT0002, ...: a fixed text and the number, in the form of
  // the first such id) cost no memory, others about 40 bytes each (docs/cli.md).
  bool check_duplicate_ids = true;
  // The number of data records (valid and rejected) the input must hold; another count is E_IO_ROW_COUNT
  // at the end of the data. The only way to notice input cut exactly at a line end.
  std::optional<std::size_t> expect_rows;
  // A last line without a line end is E_IO_TRUNCATED also for a regular file (it always is for a pipe or
  // standard input; io::FinalNewline).
  bool require_final_newline = false;
  // Rejected rows whose details (raw text, problems) are kept; further ones are only counted
  // (IngestResult::rows_rejected, IngestBatch::rows_rejected). ingest() keeps all by default.
  std::size_t max_rejected_details = std::numeric_limits<std::size_t>::max();
  // The name messages and the data set give the input (empty: the path, "<stdin>" for "-"): a copy of an input read
  // under the original's name (the later passes of a command that reads standard input or a FIFO more than once).
  std::string display_name;
  // The input's bytes as the stream reads them, each piece with its offset in the input: every byte once, in order,
  // when one thread reads the input (always so for standard input or a FIFO: how a command that reads such an input
  // more than once copies it in its first pass); read on several threads (IngestStream::parallel), after the
  // whole-file reader's first read, the byte ranges as they are taken in file order, which may start before the end
  // of what was given (the same bytes again), and without a range that had to be re-read (a record across its start,
  // an error, a duplicate id). The report's hash of its input (io::InputSha256) reads what was left out from the file.
  std::function<void(std::uint64_t offset, std::string_view bytes)> read_bytes;
};

// One rejected data row: its line, raw text and every problem found in it.
struct RejectedRow {
  std::size_t line = 0;
  std::string raw;
  std::vector<Problem> problems;
};

struct IngestResult {
  Dataset data;                 // valid rows only
  std::vector<RejectedRow> rejected; // rows with cell-level problems (not in `data`); the first max_rejected_details
  std::vector<Problem> warnings;     // non-fatal notes (e.g. a codebook column absent from the CSV but not needed)
  std::size_t rows_read = 0;         // data records read, valid and rejected
  std::size_t rows_rejected = 0;     // all rejected rows (rejected.size() unless details were capped)
};

// Read a CSV under a codebook ("-" = standard input); one IngestStream batch holding the whole file. File-level problems (cannot open, encoding, ragged rows, unterminated
// quote, empty file, missing required column) throw hkstat::Error. Cell-level problems (unknown code,
// non-numeric or out-of-range value, duplicate id, invalid weight) are collected per row in `rejected`;
// the caller decides whether they stop the run.
IngestResult ingest(const std::string& csv_path, const codebook::Codebook& codebook, const IngestOptions& options);

// The rows of one IngestStream::next call.
struct IngestBatch {
  Dataset data;                      // the batch's valid rows; data.lines are their file lines
  std::vector<RejectedRow> rejected; // the batch's rejected rows, while the stream's max_rejected_details last
  std::size_t rows_read = 0;         // records read in this batch (valid + rejected)
  std::size_t rows_rejected = 0;     // rejected rows in this batch, counted whether or not their details are kept
  const void* owner = nullptr;       // the stream that set up `data` (its columns are then reused)
};

// Reads a survey CSV in batches with memory that does not grow with the rows (apart from the duplicate-id
// check, see IngestOptions). Same validation, messages and rows as ingest(): the batches of a file, in
// order, hold exactly the rows of ingest(). File-level problems throw hkstat::Error from the constructor
// (open, encoding, header, missing required column) or from next() (ragged row, truncation, ...).
class IngestStream {
public:
  IngestStream(const std::string& csv_path, const codebook::Codebook& codebook, const IngestOptions& options);
  ~IngestStream();
  IngestStream(IngestStream&&) noexcept;
  IngestStream& operator=(IngestStream&&) noexcept;
  IngestStream(const IngestStream&) = delete;
  IngestStream& operator=(const IngestStream&) = delete;

  // Reads up to `max_rows` (>= 1) data records into `out` (fewer when the batch already holds 4,096
  // rejected rows' details and max_rows <= 2^20: the next call goes on; cleared first; reuse one batch object to reuse
  // its memory). False when no record was left (then `out` is empty). At the end of the data, checks
  // IngestOptions::expect_rows. After an exception the contents of `out` are unspecified.
  bool next(std::size_t max_rows, IngestBatch& out);

  // Parse on `threads` threads (issue 16), before the first next(): the data after the header is cut into
  // byte ranges of about `chunk_bytes`, each starting after a line end, parsed by whichever thread is free
  // (worker threads and the caller of next()), into batches of at most `batch_rows` rows (next()'s max_rows
  // is then not used). next() still gives the rows, rejected rows, warnings, counters and errors of a
  // one-thread read, in the same order (the batches are cut differently): a range that a quoted line break
  // crosses, that fails (a ragged row, an encoding error...) or that repeats an earlier id is read again,
  // with the rest of the file, in the caller's thread. Returns whether it is on: only for a regular file
  // with data rows, threads >= 2, and not in the browser build. Whether it pays (the size of the file, the
  // load of the machine) is the caller's decision (ReadAhead::worthwhile).
  static constexpr std::size_t kParallelChunkBytes = 2u << 20;
  bool parallel(unsigned threads, std::size_t batch_rows, std::size_t chunk_bytes = kParallelChunkBytes);

  const std::vector<Problem>& warnings() const;     // e.g. a codebook column absent from the CSV but not needed
  const std::vector<std::string>& ignored_columns() const; // CSV columns the codebook does not name
  std::string encoding() const;                     // "UTF-8" / "CP932"
  bool had_bom() const;
  std::size_t rows_read() const;     // so far, valid and rejected
  std::size_t rows_rejected() const; // so far
  bool finished() const;             // next() has returned false

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace hkstat::data
