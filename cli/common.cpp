#include "common.hpp"

#include "hkstat/core/option_text.hpp"
#include "hkstat/api/survey.hpp"
#include "hkstat/codebook/codebook.hpp"
#include "hkstat/data/read_ahead.hpp"
#include "hkstat/io/atomic_file.hpp"
#include "hkstat/io/csv_reader.hpp"
#include "hkstat/io/sha256.hpp"
#include "hkstat/io/text.hpp"
#include "hkstat/report/table.hpp"
#include "hkstat/table/rejects.hpp"
#include "hkstat/io/suggest.hpp"

#include <cstdlib>
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <filesystem>
#include <iostream>
#include <system_error>

namespace hkstat::cli {

int exit_code_for(ErrorCategory c) {
  switch (c) {
  case ErrorCategory::Usage: return kExitUsage;
  case ErrorCategory::Io: return kExitIo;
  case ErrorCategory::Data: return kExitData;
  case ErrorCategory::Codebook:
  case ErrorCategory::Rules:
  case ErrorCategory::Config: return kExitDefinition;
  case ErrorCategory::Estimate: return kExitEstimate;
  case ErrorCategory::Internal: return kExitInternal;
  }
  return kExitInternal;
}

Format CommonOptions::output_format() const {
  if (format == "text") return Format::Text;
  if (format == "csv") return Format::Csv;
  if (format == "markdown" || format == "md") return Format::Markdown;
  usage_error("--format は text, csv, markdown のいずれかです", "--format must be text, csv or markdown", format);
}

void usage_error(const std::string& ja, const std::string& en, const std::string& value) {
  throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{}, value, Text{ja, en}, Text{"hkstat help", "hkstat help"}, ""});
}

void add_common_options(OptionBinder& b, CommonOptions& o) {
  const auto bind = [&](const char* name, auto* target) {
    if (b.has(name)) b(name, target);
    else b.hidden(std::string_view(name) == "out" ? "out,o" : name, target);
  };
  bind("codebook", &o.codebook);
  bind("config", &o.config);
  b("no-config", &o.no_config);
  bind("encoding", &o.encoding);
  bind("lang", &o.lang);
  bind("format", &o.format);
  bind("out", &o.out);
  b("bom", &o.bom);
  bind("rejects", &o.rejects);
  bind("expect-rows", &o.expect_rows);
}

void require_input_exists(const std::string& path) {
  if (path == "-") return;
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(fs::path(path), ec) || ec) return; // anything but "not there" is left to the reader
  // The reader's own wording for a missing file, plus a file of the same folder whose name looks alike.
  const fs::path p(path);
  const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  std::vector<std::string> names;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_regular_file(ec)) names.push_back(it->path().filename().string());
  std::sort(names.begin(), names.end());
  const auto near = io::did_you_mean(p.filename().string(), names);
  const std::string near_path = near ? (p.has_parent_path() ? (p.parent_path() / *near).string() : *near) : "";
  throw Error(Problem{ErrorCode::IoCannotOpen, SourcePos{path, 0, 0, "", ""}, path,
                      Text{"ファイルを開けません: ファイルが見つかりません", "cannot open the file: No such file or directory"},
                      near ? Text{fmt::format("読み取り可能な CSV ファイルのパス（{} のことですか?）", near_path),
                                  fmt::format("the path of a readable CSV file (did you mean {}?)", near_path)}
                           : Text{"読み取り可能な CSV ファイルのパス", "the path of a readable CSV file"},
                      ""});
}

io::OutputSet& run_outputs() {
  static io::OutputSet set;
  return set;
}

void check_outputs() { run_outputs().check(); }


namespace {
std::string& staged_stdout() {
  static std::string text;
  return text;
}
} // namespace

void stage_stdout(std::string text) { staged_stdout() += text; }

std::string take_staged_stdout() {
  std::string out;
  out.swap(staged_stdout());
  return out;
}

Sources resolve_sources(const CommonOptions& o, const std::set<codebook::Role>& required_roles) {
  Sources src;
  auto& outputs = run_outputs();
  if (o.input == "-") outputs.add_input_fd(0, "-");
  else outputs.add_input(o.input);
  outputs.declare_file(o.out, "--out");
  outputs.declare_file(o.rejects, o.rejects_option);
  const bool from_stdin = o.input == "-";
  // A mistyped data file name is reported as such, not as the codebook missing next to it.
  require_input_exists(o.input);
  const std::string input_name = io::input_display_name(o.input);
  std::optional<long long> expect_rows;
  if (!o.expect_rows.empty()) {
    expect_rows = io::parse_integer(o.expect_rows);
    if (!expect_rows || *expect_rows < 0)
      usage_error("--expect-rows は 0 以上の整数です", "--expect-rows must be a whole number >= 0", o.expect_rows);
  }
  // The files are found as the facade finds them (hkstat/api/survey.hpp); the library's hint names no flag.
  api::LocatedSurvey loc;
  try {
    loc = api::locate_survey(api::SurveyFiles{o.input, o.codebook, o.config, o.no_config});
  } catch (const Error& e) {
    if (e.code() != ErrorCode::CodebookInvalid || e.problem().pos.key != "codebook") throw;
    Problem p = e.problem();
    p.pos.key.clear();
    p.expected = from_stdin ? Text{"--codebook FILE", "--codebook FILE"}
                            : Text{fmt::format("{} を置くか、--codebook FILE で指定してください（docs/codebook.md）", p.value),
                                   fmt::format("put one at {} or pass --codebook FILE (docs/codebook.md)", p.value)};
    throw Error(std::move(p));
  }
  src.config = std::move(loc.config);
  src.codebook_path = std::move(loc.codebook_path);
  // Every file the run may read is an input the outputs must not be (a rule-set id or a missing path is ignored).
  outputs.add_input(src.codebook_path);
  outputs.add_input(src.config.path);
  if (src.config.population_file) outputs.add_input(*src.config.population_file);
  if (src.config.ruleset) outputs.add_input(*src.config.ruleset);
  if (src.config.weighting)
    for (const auto& t : src.config.weighting->tables) outputs.add_input(t.path);
  outputs.check();
  src.codebook = codebook::load_codebook(src.codebook_path);
  if (const auto bound_rows = api::check_data_file(o.input, src.codebook_path, src.codebook); bound_rows && !expect_rows)
    expect_rows = static_cast<long long>(*bound_rows);
  src.ingest.encoding = !o.encoding.empty() ? o.encoding : src.config.encoding.value_or("auto");
  src.ingest.required_roles = required_roles;
  if (expect_rows) src.ingest.expect_rows = static_cast<std::size_t>(*expect_rows);
  return src;
}

void print_warnings(const CommonOptions& o, const std::vector<Problem>& warnings, std::ostream& err) {
  const bool en = o.language() == Lang::En;
  for (const auto& w : warnings) err << (en ? "warning: " : "警告: ") << format_problem(w, o.language(), OptionStyle::Flag) << "\n";
}

namespace {


std::string& deferred_notices() {
  static std::string text;
  return text;
}

std::unique_ptr<io::Spool>& stdout_spool_ptr() {
  static std::unique_ptr<io::Spool> spool;
  return spool;
}

} // namespace

void defer_notice(std::string line) { deferred_notices() += line; }

std::string take_deferred_notices() {
  std::string out;
  out.swap(deferred_notices());
  return out;
}

io::Spool& stdout_spool() {
  auto& p = stdout_spool_ptr();
  if (!p) p = std::make_unique<io::Spool>("<stdout>");
  return *p;
}

io::Spool* take_stdout_spool() { return stdout_spool_ptr().get(); }

StagedDataFile::StagedDataFile(const std::string& path, const std::string& option) : file_(run_outputs().stage_stream(path, option)) {}

void StagedDataFile::flush() {
  sha_.update(buf_);
  file_.write(buf_);
  buf_.clear();
}

std::string StagedDataFile::finish() {
  flush();
  return sha_.hex();
}

RecordsAlongside::RecordsAlongside(io::CsvReader& reader, bool fields, std::string input)
    : reader_(reader), fields_(fields), input_(std::move(input)) {
  have_ = next();
}

bool RecordsAlongside::next() {
  if (fields_) return reader_.next(rec_);
  if (!reader_.next_line(rec_)) return false;
  if (rec_.raw.find('"') != std::string_view::npos) reader_.split(rec_);
  return true;
}

const io::RecordView& RecordsAlongside::at(std::size_t line) {
  while (have_ && rec_.line < line) have_ = next();
  if (!have_ || rec_.line != line)
    throw Error(Problem{ErrorCode::Internal, SourcePos{input_, line, 0, "", ""}, "",
                        Text{"入力を読み直した行が一致しません", "re-reading the input gave a different row"}, Text{}, ""});
  return rec_;
}

void RejectsSink::add(std::vector<data::RejectedRow>& rows) {
  if (rows.empty()) return;
  if (o_.rejects.empty()) {
    for (auto& r : rows)
      if (kept_.size() < 10000) kept_.push_back(std::move(r));
    rows.clear();
    return;
  }
  if (file_ == nullptr) {
    file_ = &run_outputs().stage_stream(o_.rejects, o_.rejects_option); // published only if the run succeeds
    if (o_.bom) file_->write("\xEF\xBB\xBF"); // with --bom, as the other CSV outputs (Excel)
    file_->write(table::rejects_header());
  }
  file_->write(table::rejects_lines(rows));
  written_ += rows.size();
  rows.clear();
}

void RejectsSink::finish(std::size_t rows_rejected, std::ostream& err) {
  if (rows_rejected == 0) return;
  const bool en = o_.language() == Lang::En;
  if (!o_.rejects.empty()) {
    const std::string not_kept = rows_rejected > written_ ? (en ? fmt::format(" (details of the first {} only)", written_)
                                                                : fmt::format("（詳細は最初の {}行のみ）", written_))
                                                          : std::string();
    defer_notice(en ? fmt::format("warning: {} rows with invalid values were left out; see {}{}\n", rows_rejected, o_.rejects, not_kept)
                    : fmt::format("警告: 不正な値のある {}行を集計から除きました（{} を参照）{}\n", rows_rejected, o_.rejects, not_kept));
    return;
  }
  handle_rejects(o_, kept_, rows_rejected, err);
}

void handle_rejects(const CommonOptions& o, const std::vector<data::RejectedRow>& rejected, std::size_t rows_rejected, std::ostream& err) {
  if (rows_rejected == 0) return;
  const bool en = o.language() == Lang::En;
  const std::string input_name = io::input_display_name(o.input);
  const std::string not_kept = rows_rejected > rejected.size()
                                   ? (en ? fmt::format(" (details of the first {} only)", rejected.size()) : fmt::format("（詳細は最初の {}行のみ）", rejected.size()))
                                   : std::string();
  if (!o.rejects.empty()) {
    // Written only if the run succeeds; with --bom it starts with a BOM as the other CSV outputs (Excel).
    run_outputs().stage_file(o.rejects, (o.bom ? "\xEF\xBB\xBF" : "") + table::rejects_csv(rejected), o.rejects_option);
    defer_notice(en ? fmt::format("warning: {} rows with invalid values were left out; see {}{}\n", rows_rejected, o.rejects, not_kept)
                    : fmt::format("警告: 不正な値のある {}行を集計から除きました（{} を参照）{}\n", rows_rejected, o.rejects, not_kept));
    return;
  }
  std::size_t shown = 0, total = 0;
  for (const auto& r : rejected)
    for (const auto& p : r.problems) {
      ++total;
      if (shown < 50) {
        err << format_problem(p, o.language(), OptionStyle::Flag) << "\n";
        ++shown;
      }
    }
  if (total > shown) err << (en ? fmt::format("... and {} more problems\n", total - shown) : fmt::format("…ほか {}件\n", total - shown));
  const auto& first = rejected.front().problems.front();
  throw Error(Problem{first.code, SourcePos{input_name, 0, 0, "", ""}, "",
                      Text{fmt::format("不正な値のある行が {}行あります（問題 {}件{}）。何も出力していません", rows_rejected, total, not_kept),
                           fmt::format("{} rows have invalid values ({} problems{}); nothing was written", rows_rejected, total, not_kept)},
                      Text{"データを直すか、--rejects FILE でそれらの行を除いて続行", "fix the data, or pass --rejects FILE to leave those rows out"}, ""});
}

namespace {

// How the first (or only) pass reads the input, whole (load_sources) or in batches (stream_input).
data::IngestOptions first_pass_options(const CommonOptions& o, const Sources& src) {
  data::IngestOptions io = src.ingest;
  // Without --rejects the run stops on the first rejected row's report, which lists 50 problems: the details
  // of the first 10,000 rejected rows are kept and the rest only counted, so that memory does not grow with
  // them (10^6 rejected rows took 2.1 GB). With --rejects every row is written (as it is read), so every detail is kept.
  if (o.rejects.empty()) io.max_rejected_details = 10000;
  // An input read more than once that cannot be read twice: its bytes copied as they are read (read_more_than_once);
  // report's hash of them (hash_first_pass).
  if (src.input_copy || src.input_sha256)
    io.read_bytes = [copy = src.input_copy, sha = src.input_sha256](std::uint64_t offset, std::string_view bytes) {
      if (copy) copy->write(bytes); // every byte once, in order: an input that cannot be read twice is read on one thread
      if (sha) sha->add(offset, bytes);
    };
  return io;
}

} // namespace

Inputs load_inputs(const CommonOptions& o, const std::set<codebook::Role>& required_roles, std::ostream& err) {
  return load_sources(o, resolve_sources(o, required_roles), err);
}

Inputs load_sources(const CommonOptions& o, Sources src, std::ostream& err) {
  Inputs in;
  in.config = std::move(src.config);
  in.codebook_path = std::move(src.codebook_path);
  in.ingest = data::ingest(o.input, src.codebook, first_pass_options(o, src));
  // Numbers per category (role count): one row per person from here on (docs/codebook.md "Counts per category").
  if (in.ingest.data.codebook.by_role(codebook::Role::Count)) in.ingest.data = data::expand_counts(in.ingest.data);
  print_warnings(o, in.ingest.warnings, err);
  handle_rejects(o, in.ingest.rejected, in.ingest.rows_rejected, err);
  return in;
}

StreamedMeta stream_input(const CommonOptions& o, const Sources& src, int threads, std::ostream& err,
                          const std::function<void(const std::vector<Problem>&)>& check_warnings,
                          const std::function<void(const data::Dataset&)>& add, bool allow_no_rows) {
  data::IngestStream stream(o.input, src.codebook, first_pass_options(o, src));
  if (check_warnings) check_warnings(stream.warnings());
  print_warnings(o, stream.warnings(), err);
  const std::size_t warnings_printed = stream.warnings().size();
  StreamedMeta out;
  out.meta.codebook = src.codebook;
  out.meta.source = io::input_display_name(o.input);
  out.meta.encoding = stream.encoding();
  out.meta.had_bom = stream.had_bom();
  out.meta.columns.resize(out.meta.codebook.variables.size());
  for (std::size_t vi = 0; vi < out.meta.columns.size(); ++vi) out.meta.columns[vi].var = &out.meta.codebook.variables[vi];
  // Both cores for parsing (issue 16): the file in byte ranges on `threads` threads when that can pay; else
  // the next batch read ahead on a second thread when that can pay; else one thread. Same output every way.
  // HKSTAT_PARSE_CHUNK_BYTES (tests and benchmarks) forces the ranges, of that size, whatever the file and the load.
  // Ranges of 256 KiB, not the library's default of 2 MiB: the batches of the ranges in flight (up to 2 × threads +
  // 2) then stay about as large as one thread's batch, so the second thread costs few fresh pages
  // (docs/performance.md, check of 2026-12-06, parse).
  constexpr std::size_t kRangeBytes = 256u << 10;
  std::size_t chunk = kRangeBytes;
  bool force = false;
  if (const char* env = std::getenv("HKSTAT_PARSE_CHUNK_BYTES"); env && *env) {
    chunk = static_cast<std::size_t>(std::strtoull(env, nullptr, 10));
    force = chunk > 0;
  }
  const bool worthwhile = threads > 1 && (force || data::ReadAhead::worthwhile(o.input));
  const bool ranges = worthwhile && stream.parallel(static_cast<unsigned>(threads), kStreamBatchRows, chunk);
  data::ReadAhead reader(std::move(stream), kStreamBatchRows, worthwhile && !ranges);
  RejectsSink rejects(o);
  const bool counts = src.codebook.by_role(codebook::Role::Count) != nullptr;
  while (data::IngestBatch* next = reader.next()) {
    data::IngestBatch& batch = *next;
    rejects.add(batch.rejected);
    out.meta.fullwidth_normalised += batch.data.fullwidth_normalised;
    out.meta.answer_check_counts.resize(batch.data.answer_check_counts.size());
    for (std::size_t i = 0; i < batch.data.answer_check_counts.size(); ++i) out.meta.answer_check_counts[i] += batch.data.answer_check_counts[i];
    if (batch.data.rows() == 0) continue;
    if (counts) { // numbers per category (role count): one row per person, in parts of at most a batch of people
      out.meta.count_rows += batch.data.rows();
      data::expand_counts(batch.data, kStreamBatchRows, [&](const data::Dataset& people) {
        out.rows += people.rows();
        add(people);
      });
      continue;
    }
    out.rows += batch.data.rows();
    add(batch.data);
  }
  // Warnings found while reading (answer checks with action blank / count), once the reader has finished.
  const auto& later = reader.stream().warnings();
  if (later.size() > warnings_printed) print_warnings(o, std::vector<Problem>(later.begin() + static_cast<std::ptrdiff_t>(warnings_printed), later.end()), err);
  rejects.finish(reader.stream().rows_rejected(), err);
  out.rows_rejected = reader.stream().rows_rejected();
  if (out.rows == 0 && !allow_no_rows) // a header without data rows (or every row rejected): name the input, as the in-memory path does
    throw Error(Problem{ErrorCode::EstimateNoData, SourcePos{io::input_display_name(o.input), 0, 0, "", ""}, "",
                        Text{"有効な回答がありません", "there are no valid responses"}, Text{"1行以上の有効な回答", "at least one valid response"}, ""});
  return out;
}

void require_file_input(const CommonOptions& o, const std::string& command) {
  if (o.input == "-")
    usage_error(fmt::format("{} は標準入力 (-) を読めません。データをファイルに保存して指定してください", command),
                fmt::format("{} cannot read standard input (-); save the data to a file and give its path", command), o.input);
}

void reread_input(const CommonOptions& o, const Sources& src, int threads, const std::function<void(const data::Dataset&)>& add) {
  data::IngestOptions io = src.ingest;
  io.max_rejected_details = 0;
  const RereadInput in = reread_source(o, src);
  io.display_name = in.display;
  data::IngestStream stream(in.path, src.codebook, io);
  const bool worthwhile = threads > 1 && data::ReadAhead::worthwhile(in.path);
  data::ReadAhead reader(std::move(stream), kStreamBatchRows, worthwhile);
  // Numbers per category (role count): the people of each batch, as stream_input gives them.
  const bool counts = src.codebook.by_role(codebook::Role::Count) != nullptr;
  while (data::IngestBatch* next = reader.next()) {
    if (next->data.rows() == 0) continue;
    if (counts) data::expand_counts(next->data, kStreamBatchRows, add);
    else add(next->data);
  }
}

void refuse_count_column(const Sources& src, const Text& what) {
  const codebook::Variable* count = src.codebook.by_role(codebook::Role::Count);
  if (!count) return;
  throw Error(Problem{ErrorCode::UsageInvalidOption,
                      SourcePos{src.codebook_path, count->line, 0, "", fmt::format("variable[{}].role", src.codebook.index_of(count) + 1)}, count->name,
                      Text{fmt::format("コードブックに人数の列（role = \"count\" の {}）があります。区分ごとの人数の行には{}を書けません（人数と重みは同時に使えません）",
                                       count->name, what.ja),
                           fmt::format("the codebook has a count column ({}, role = \"count\"); rows of numbers per category cannot be given {} "
                                       "(a count and a weight cannot be combined)",
                                       count->name, what.en)},
                      Text{"重み付けした推定は hkstat estimate / tabulate / report --calibrate（人数の行を人として重み付けします）",
                           "for weighted estimates use hkstat estimate / tabulate / report --calibrate (they weight the people of each row)"},
                      ""});
}

bool seekable_input(const CommonOptions& o) {
  std::error_code ec;
  return o.input != "-" && std::filesystem::is_regular_file(o.input, ec);
}

void read_more_than_once(const CommonOptions& o, Sources& src) {
  if (seekable_input(o) || src.input_copy) return;
  src.input_copy = std::make_shared<io::Spool>(fmt::format("<copy of {}>", io::input_display_name(o.input)));
}

void hash_first_pass(const CommonOptions& o, Sources& src) {
  if (!src.input_sha256) src.input_sha256 = std::make_shared<io::InputSha256>(o.input);
}

void require_rereadable(const CommonOptions& o, const Sources& src) {
  if (src.input_copy || seekable_input(o)) return;
  // it would be read from where the first pass left it: nothing, or a wait for a FIFO's writer
  throw Error(Problem{ErrorCode::Internal, SourcePos{io::input_display_name(o.input), 0, 0, "", ""}, "",
                      Text{"読み直せない入力をコピーせずに読み直そうとしました", "an input that cannot be read twice was read again without a copy"}, Text{}, ""});
}

RereadInput reread_source(const CommonOptions& o, const Sources& src) {
  require_rereadable(o, src);
  if (src.input_copy) return RereadInput{src.input_copy->read_path(), io::input_display_name(o.input)};
  return RereadInput{o.input, ""};
}

void emit(const CommonOptions& o, const std::string& content, bool bom) {
  std::string data = bom ? "\xEF\xBB\xBF" + content : content;
  if (o.out.empty() || o.out == "-") stage_stdout(std::move(data));
  else run_outputs().stage_file(o.out, std::move(data), "--out");
}

std::string version_string() { return fmt::format("hkstat {}", HKSTAT_VERSION); }

} // namespace hkstat::cli
