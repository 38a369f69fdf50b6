// cli/common.hpp — what every subcommand shares: common options, finding the codebook and run
// configuration, reading the data under the rejects policy, writing output atomically.
#pragma once

#include "hkstat/config/run_config.hpp"
#include "hkstat/core/error.hpp"
#include "hkstat/data/dataset.hpp"
#include "hkstat/io/csv_reader.hpp"
#include "hkstat/io/output.hpp"
#include "hkstat/io/sha256.hpp"
#include "hkstat/io/spool.hpp"
#include "options.hpp"

#include <boost/program_options.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace hkstat::cli {

namespace po = boost::program_options;

// Exit codes (docs/cli.md).
enum ExitCode : int {
  kExitOk = 0,
  kExitUsage = 2,
  kExitData = 3,
  kExitDefinition = 4, // codebook, rule-set or run configuration
  kExitIo = 5,
  kExitEstimate = 6,
  kExitInternal = 70,
};
int exit_code_for(ErrorCategory c);

enum class Format { Text, Csv, Markdown };

struct CommonOptions {
  std::string input;
  std::string codebook;
  std::string config;
  std::string encoding;
  std::string lang = "ja";
  std::string format = "text";
  std::string out;
  std::string rejects;
  std::string rejects_option = "--rejects"; // its name in messages (compare: --rejects-a, --rejects-b)
  bool bom = false;
  bool no_config = false;
  std::string expect_rows; // --expect-rows N (empty = not given)

  Lang language() const { return lang == "en" ? Lang::En : Lang::Ja; }
  Format output_format() const;
};

// The common options of the command (those the option table gives it; --format and --out are accepted but hidden
// where it does not, so that the command can refuse them with its own message).
void add_common_options(OptionBinder& b, CommonOptions& o);

[[noreturn]] void usage_error(const std::string& ja, const std::string& en, const std::string& value = "");

struct Inputs {
  config::RunConfig config;     // empty path if none
  data::IngestResult ingest;
  std::string codebook_path;
};

// What a command reads before the data: the run configuration, the codebook and the ingest options
// (encoding, required roles, --expect-rows). Finds them as load_inputs does.
struct Sources {
  config::RunConfig config;
  std::string codebook_path;
  codebook::Codebook codebook;
  data::IngestOptions ingest;
  // An input that cannot be read twice, copied as the first pass reads it (read_more_than_once); null otherwise.
  std::shared_ptr<io::Spool> input_copy;
  // The SHA-256 of the input, of the bytes the first pass reads (hash_first_pass); null otherwise.
  std::shared_ptr<io::InputSha256> input_sha256;
};
Sources resolve_sources(const CommonOptions& o, const std::set<codebook::Role>& required_roles);

// A data file that does not exist: E_IO_OPEN naming it (exit 5), with a file of the same folder whose name
// looks alike ("did you mean"). "-" (standard input) and paths that exist pass. resolve_sources calls it first.
void require_input_exists(const std::string& path);

// The streaming read shared by the commands that need no row twice (estimate, tabulate): batches of
// kStreamBatchRows rows, the next one read and parsed on a second thread when threads > 1
// (data::ReadAhead: same batches, same order, same errors at the same place). `check_warnings` sees the
// ingest warnings first (and may throw); they are then printed. Each batch with rows goes to `add`; with a count
// column (role count) its people instead, in parts of at most kStreamBatchRows rows (data::expand_counts; `rows`
// counts people, meta.count_rows the input rows).
// Rows with invalid values are handled as load_inputs does, after the last batch (details kept for the
// first 10,000). No rows at all → EstimateNoData naming the input. A truncated or unreadable stream is
// the reader's error: nothing is estimated from part of a file.
// 4,096 rows: a batch's columns (about 600 KB on the benchmark file) stay in the cache between parsing and adding,
// and a file costs few fresh pages. Job a, one thread, CPU ms (minimum of 8 runs): 65,536 rows 322, 16,384 300,
// 8,192 284, 4,096 265, 2,048 255; tabulate jobs c and e 373 → 302 and 315 → 270 (docs/performance.md).
inline constexpr std::size_t kStreamBatchRows = 1 << 12;
struct StreamedMeta {
  data::Dataset meta; // no rows: source, encoding, BOM, codebook, full-width count (for the report facts)
  std::size_t rows = 0;
  std::size_t rows_rejected = 0;
};
// With --rejects the rejected rows are written to that file as they are read (RejectsSink), so memory does
// not grow with them. `allow_no_rows` (classify): no rows is a result, not EstimateNoData; `meta` then still
// has the codebook and one empty column per variable.
StreamedMeta stream_input(const CommonOptions& o, const Sources& src, int threads, std::ostream& err,
                          const std::function<void(const std::vector<Problem>&)>& check_warnings,
                          const std::function<void(const data::Dataset&)>& add, bool allow_no_rows = false);

// A second pass over the input that stream_input read (a calibrated estimate's weighted pass): the same batches
// of the same rows (rows with invalid values are skipped again, silently; warnings are not repeated), parsed as
// stream_input parses them (a count column's people too, in the same parts). A regular file is read again by its name;
// standard input or a FIFO from the copy that stream_input made (read_more_than_once), under the input's name.
void reread_input(const CommonOptions& o, const Sources& src, int threads, const std::function<void(const data::Dataset&)>& add);
// The input is a regular file (not standard input, a FIFO or a device): it can be read twice.
bool seekable_input(const CommonOptions& o);
// The one way a command reads its input more than once (the passes of --calibrate, `weight`, report's hash of the
// bytes read): called before the first pass. A regular file is read again by its name. Anything else (standard input,
// a FIFO) is copied, byte for byte as the first pass (stream_input, or load_sources reading it whole) reads it, to an
// unnamed temporary file (io::Spool: O_TMPFILE in $TMPDIR, else /tmp; nothing is left behind) that every later pass
// reads: memory stays flat, the disk holds one copy of the input until the command ends (docs/cli.md "Standard input").
void read_more_than_once(const CommonOptions& o, Sources& src);
// Where a later pass opens the input (the file, or its copy's /proc/self/fd path), and the name its messages give it
// (io::CsvOptions::display, data::IngestOptions::display_name: empty for the file itself).
struct RereadInput {
  std::string path;
  std::string display;
};
RereadInput reread_source(const CommonOptions& o, const Sources& src);
// Report's hash of its input: the first pass (stream_input, or load_sources reading it whole) hands the bytes it reads
// to src.input_sha256 (io::InputSha256, data::IngestOptions::read_bytes), so that a regular file is not read a second
// time only to hash it, and standard input or a FIFO needs no copy for it. Called before the first pass.
void hash_first_pass(const CommonOptions& o, Sources& src);
// The precondition of every later pass (reread_source; weighting_passes checks it before its first pass): the input
// is a regular file, or read_more_than_once gave it a copy. Otherwise Error(Internal): a later pass would read the
// input from where the first left it (nothing, or a wait for a FIFO's writer).
void require_rereadable(const CommonOptions& o, const Sources& src);
// `weight` and `replicate` write weight columns beside the input's rows: a codebook with a count column (role count:
// a row stands for that many people, who would share the row's weights; a count with a weight or replicate column is
// a codebook every command refuses) is a usage error (exit 2) naming the count variable, before the data are read.
// `what` names the columns the command writes. Without a count column nothing happens.
void refuse_count_column(const Sources& src, const Text& what);

// Ingest warnings on stderr ("警告: ...").
void print_warnings(const CommonOptions& o, const std::vector<Problem>& warnings, std::ostream& err);

// Rows with invalid values (rows_rejected in all, `rejected` with details): with --rejects they are written
// to that file (a warning says so); without it every problem (up to 50) is listed on stderr and an Error
// is thrown (exit 3, nothing written). Nothing happens without rejected rows.
// The warning is printed only once the run has succeeded (defer_notice): nothing is said about a file that
// a failing run will not write.
void handle_rejects(const CommonOptions& o, const std::vector<data::RejectedRow>& rejected, std::size_t rows_rejected, std::ostream& err);

// Rows with invalid values as a stream reads them. With --rejects each row is written at once to the
// staged file (io::OutputSet::stage_stream: an unnamed temporary file next to it, published with the
// other outputs), so memory does not grow with them; without it the details of the first 10,000 are kept
// for the report on stderr. finish() then does what handle_rejects does.
class RejectsSink {
public:
  explicit RejectsSink(const CommonOptions& o) : o_(o) {}
  void add(std::vector<data::RejectedRow>& rows); // moved from
  void finish(std::size_t rows_rejected, std::ostream& err);

private:
  const CommonOptions& o_;
  io::AtomicFile* file_ = nullptr;
  std::size_t written_ = 0;
  std::vector<data::RejectedRow> kept_;
};

// The data file that `weight` and `replicate` write (the input's rows with new columns), produced as their output
// pass reads: staged for `path` (io::OutputSet::stage_stream: published only if the run succeeds, never half-written),
// written in pieces of about 1 MiB and hashed as it goes for the codebook's [data_file] (io::Sha256Stream).
class StagedDataFile {
public:
  StagedDataFile(const std::string& path, const std::string& option);
  std::string& buffer() { return buf_; } // append here; written by maybe_flush() and finish()
  void maybe_flush() {
    if (buf_.size() >= (std::size_t{1} << 20)) flush();
  }
  std::string finish(); // writes the rest; the SHA-256 (lower-case hex) of every byte written
private:
  void flush();
  io::AtomicFile& file_;
  io::Sha256Stream sha_;
  std::string buf_;
};

// The input's records read again alongside the batches of the output pass (reread_input; the reader opened on
// reread_source's path): at(line) skips the records before `line` (rows the ingest left out) and gives the one that
// starts there; another record (or none) is Error(Internal) naming `input` and the line. `fields`: every record split
// into its fields (UTF-8, quotes removed); otherwise a line without a quote, a whole record, keeps only its text (raw)
// and is not split: the first pass checked every record (docs/performance.md, "Fifteenth session").
class RecordsAlongside {
public:
  RecordsAlongside(io::CsvReader& reader, bool fields, std::string input);
  const io::RecordView& at(std::size_t line);

private:
  bool next();
  io::CsvReader& reader_;
  bool fields_;
  std::string input_;
  io::RecordView rec_; // its views last until the next read
  bool have_;
};

// A line for standard error that main() prints only once the run has succeeded and its outputs are
// published (e.g. "see FILE" about a file that then exists).
void defer_notice(std::string line);
std::string take_deferred_notices();

// Standard output of a streamed command (one line per row): written to an unnamed temporary file
// (io::Spool) instead of memory, and copied to standard output by main() after the staged text, only
// once the run has succeeded.
io::Spool& stdout_spool();
io::Spool* take_stdout_spool(); // nullptr if none was used; main() only

// Finds the codebook and run configuration, reads the data ("-" = standard input: then --codebook is
// required and no run configuration is looked for next to it). Rows with invalid values: with --rejects
// they are written to that file and left out (a note says so); without it the run stops (exit 3)
// after listing every problem on stderr.
Inputs load_inputs(const CommonOptions& o, const std::set<codebook::Role>& required_roles, std::ostream& err);
// The same from sources already resolved (a command that decides from the codebook whether to stream); the input
// copied as it is read if read_more_than_once was called.
Inputs load_sources(const CommonOptions& o, Sources src, std::ostream& err);

// For commands that read their input again by name, with no copy (replicate and codebook check read it again): "-" is
// a usage error. Passes over the data (and report's hash of the bytes read) use read_more_than_once instead.
void require_file_input(const CommonOptions& o, const std::string& command);

// The output policy of the run (docs/cli.md "Output policy"; lib/include/hkstat/io/output.hpp): every
// input and output of the command is declared here; resolve_sources declares the data, codebook, run
// configuration (and the files it names), --out and --rejects. Commands declare the rest and call
// check_outputs() before reading the data. Output files are staged, never written directly: main()
// publishes them only after the command returned 0, then writes the staged standard output.
io::OutputSet& run_outputs();
void check_outputs();
// Text for standard output, written by main() after the files (write errors: E_IO_WRITE, exit 5).
void stage_stdout(std::string text);
std::string take_staged_stdout();

// Stages `content` for --out (published atomically after the run), or for standard output ("" or "-").
// `bom` prefixes a UTF-8 BOM.
void emit(const CommonOptions& o, const std::string& content, bool bom);

std::string version_string();

} // namespace hkstat::cli
