#include "common.hpp"

#include "hkstat/codebook/codebook.hpp"
#include "hkstat/data/read_ahead.hpp"
#include "hkstat/io/atomic_file.hpp"
#include "hkstat/io/csv_reader.hpp"
#include "hkstat/io/sha256.hpp"
#include "hkstat/io/text.hpp"
#include "hkstat/report/table.hpp"
#include "suggest.hpp"

#include <fmt/format.h>

#include <algorithm>
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

void add_common_options(po::options_description& desc, CommonOptions& o) {
  desc.add_options()
      ("codebook", po::value(&o.codebook), "codebook file (default: <stem>.codebook.toml next to the data)")
      ("config", po::value(&o.config), "run configuration (default: <stem>.hkstat.toml next to the data, if present)")
      ("no-config", po::bool_switch(&o.no_config), "ignore <stem>.hkstat.toml")
      ("encoding", po::value(&o.encoding), "input encoding: auto (default), utf-8, cp932")
      ("lang", po::value(&o.lang), "language of output and messages: ja (default), en")
      ("format", po::value(&o.format), "output format: text (default), csv, markdown")
      ("out,o", po::value(&o.out), "write to FILE atomically instead of standard output")
      ("bom", po::bool_switch(&o.bom), "start CSV output with a UTF-8 BOM (for Excel)")
      ("rejects", po::value(&o.rejects), "write rows with invalid values to FILE and leave them out, instead of stopping")
      ("expect-rows", po::value(&o.expect_rows), "the data must hold exactly N data rows (else exit 5): detects input cut off at a line end");
}

namespace {

std::string rejects_csv(const std::vector<data::RejectedRow>& rows) {
  using report::csv_cell;
  std::string out = "line,column,column_name,code,value,message_ja,message_en,expected_ja,expected_en,row\n";
  for (const auto& r : rows)
    for (const auto& p : r.problems)
      out += fmt::format("{},{},{},{},{},{},{},{},{},{}\n", r.line, p.pos.column ? std::to_string(p.pos.column) : "", csv_cell(p.pos.column_name),
                         code_name(p.code), csv_cell(p.value), csv_cell(p.message.ja), csv_cell(p.message.en), csv_cell(p.expected.ja),
                         csv_cell(p.expected.en), csv_cell(r.raw));
  return out;
}

} // namespace

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
  const auto near = did_you_mean(p.filename().string(), names);
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
  if (!o.no_config) {
    std::string cfg = o.config;
    if (cfg.empty() && !from_stdin) {
      const std::string guess = config::sibling_path(o.input, "hkstat.toml");
      if (config::file_exists(guess)) cfg = guess;
    }
    if (!cfg.empty()) src.config = config::load_run_config(cfg);
  }
  src.codebook_path = o.codebook;
  if (src.codebook_path.empty() && src.config.codebook) src.codebook_path = *src.config.codebook;
  if (src.codebook_path.empty() && from_stdin)
    throw Error(Problem{ErrorCode::CodebookInvalid, SourcePos{input_name, 0, 0, "", ""}, "",
                        Text{"標準入力から読むときはコードブックを指定してください", "reading standard input needs a codebook"},
                        Text{"--codebook FILE", "--codebook FILE"}, ""});
  if (src.codebook_path.empty()) {
    const std::string guess = config::sibling_path(o.input, "codebook.toml");
    if (!config::file_exists(guess))
      throw Error(Problem{ErrorCode::CodebookInvalid, SourcePos{o.input, 0, 0, "", ""}, guess,
                          Text{"コードブックが見つかりません", "no codebook found"},
                          Text{fmt::format("{} を置くか、--codebook FILE で指定してください（docs/codebook.md）", guess),
                               fmt::format("put one at {} or pass --codebook FILE (docs/codebook.md)", guess)},
                          ""});
    src.codebook_path = guess;
  }
  // Every file the run may read is an input the outputs must not be (a rule-set id or a missing path is ignored).
  outputs.add_input(src.codebook_path);
  outputs.add_input(src.config.path);
  if (src.config.population_file) outputs.add_input(*src.config.population_file);
  if (src.config.ruleset) outputs.add_input(*src.config.ruleset);
  if (src.config.weighting)
    for (const auto& t : src.config.weighting->tables) outputs.add_input(t.path);
  outputs.check();
  src.codebook = codebook::load_codebook(src.codebook_path);
  if (src.codebook.data_file) {
    // Written by hkstat weight / replicate: the codebook describes exactly one file (docs/cli.md "Output policy").
    const auto& b = *src.codebook.data_file;
    if (b.rows >= 0 && !expect_rows) expect_rows = b.rows;
    if (!from_stdin && io::sha256_file(o.input) != b.sha256)
      throw Error(Problem{ErrorCode::CodebookInvalid, SourcePos{src.codebook_path, b.line, 0, "", "data_file.sha256"}, "",
                          Text{fmt::format("このコードブックは別のデータファイルのために書かれています（{} の SHA-256 が [data_file] と一致しません）。"
                                           "hkstat weight / replicate の出力のデータとコードブックが揃っていません",
                                           input_name),
                               fmt::format("this codebook was written for another data file (the SHA-256 of {} does not match [data_file]): "
                                           "the data and codebook written by hkstat weight / replicate do not belong together",
                                           input_name)},
                          Text{"同じ実行で書かれたデータとコードブック（再実行する）。データを意図して編集したなら [data_file] の表を削除",
                               "the data and codebook of one run (run it again); if you edited the data on purpose, delete the [data_file] table"},
                          ""});
  }
  src.ingest.encoding = !o.encoding.empty() ? o.encoding : src.config.encoding.value_or("auto");
  src.ingest.required_roles = required_roles;
  if (expect_rows) src.ingest.expect_rows = static_cast<std::size_t>(*expect_rows);
  return src;
}

void print_warnings(const CommonOptions& o, const std::vector<Problem>& warnings, std::ostream& err) {
  const bool en = o.language() == Lang::En;
  for (const auto& w : warnings) err << (en ? "warning: " : "警告: ") << format_problem(w, o.language()) << "\n";
}

void handle_rejects(const CommonOptions& o, const std::vector<data::RejectedRow>& rejected, std::size_t rows_rejected, std::ostream& err) {
  if (rows_rejected == 0) return;
  const bool en = o.language() == Lang::En;
  const std::string input_name = io::input_display_name(o.input);
  const std::string not_kept = rows_rejected > rejected.size()
                                   ? (en ? fmt::format(" (details of the first {} only)", rejected.size()) : fmt::format("（詳細は最初の {}行のみ）", rejected.size()))
                                   : std::string();
  if (!o.rejects.empty()) {
    run_outputs().stage_file(o.rejects, rejects_csv(rejected), o.rejects_option); // written only if the run succeeds
    err << (en ? fmt::format("warning: {} rows with invalid values were left out; see {}{}\n", rows_rejected, o.rejects, not_kept)
               : fmt::format("警告: 不正な値のある {}行を集計から除きました（{} を参照）{}\n", rows_rejected, o.rejects, not_kept));
    return;
  }
  std::size_t shown = 0, total = 0;
  for (const auto& r : rejected)
    for (const auto& p : r.problems) {
      ++total;
      if (shown < 50) {
        err << format_problem(p, o.language()) << "\n";
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

Inputs load_inputs(const CommonOptions& o, const std::set<codebook::Role>& required_roles, std::ostream& err) {
  Sources src = resolve_sources(o, required_roles);
  Inputs in;
  in.config = std::move(src.config);
  in.codebook_path = std::move(src.codebook_path);
  // Without --rejects the run stops on the first rejected row's report, which lists 50 problems: the details
  // of the first 10,000 rejected rows are kept and the rest only counted, so that memory does not grow with
  // them (10^6 rejected rows took 2.1 GB). With --rejects every row is written, so every detail is kept.
  if (o.rejects.empty()) src.ingest.max_rejected_details = 10000;
  in.ingest = data::ingest(o.input, src.codebook, src.ingest);
  print_warnings(o, in.ingest.warnings, err);
  handle_rejects(o, in.ingest.rejected, in.ingest.rows_rejected, err);
  return in;
}

StreamedMeta stream_input(const CommonOptions& o, const Sources& src, int threads, std::ostream& err,
                          const std::function<void(const std::vector<Problem>&)>& check_warnings,
                          const std::function<void(const data::Dataset&)>& add) {
  data::IngestOptions io = src.ingest;
  io.max_rejected_details = 10000;
  data::IngestStream stream(o.input, src.codebook, io);
  if (check_warnings) check_warnings(stream.warnings());
  print_warnings(o, stream.warnings(), err);
  const std::size_t warnings_printed = stream.warnings().size();
  data::ReadAhead reader(std::move(stream), kStreamBatchRows, threads > 1);
  std::vector<data::RejectedRow> rejected;
  StreamedMeta out;
  bool first = true;
  while (data::IngestBatch* next = reader.next()) {
    data::IngestBatch& batch = *next;
    for (auto& r : batch.rejected) rejected.push_back(std::move(r));
    if (first) {
      out.meta.codebook = batch.data.codebook;
      out.meta.source = batch.data.source;
      out.meta.encoding = batch.data.encoding;
      out.meta.had_bom = batch.data.had_bom;
      first = false;
    }
    out.meta.fullwidth_normalised += batch.data.fullwidth_normalised;
    out.meta.answer_check_counts.resize(batch.data.answer_check_counts.size());
    for (std::size_t i = 0; i < batch.data.answer_check_counts.size(); ++i) out.meta.answer_check_counts[i] += batch.data.answer_check_counts[i];
    if (batch.data.rows() == 0) continue;
    out.rows += batch.data.rows();
    add(batch.data);
  }
  // Warnings found while reading (answer checks with action blank / count), once the reader has finished.
  const auto& later = reader.stream().warnings();
  if (later.size() > warnings_printed) print_warnings(o, std::vector<Problem>(later.begin() + static_cast<std::ptrdiff_t>(warnings_printed), later.end()), err);
  handle_rejects(o, rejected, reader.stream().rows_rejected(), err);
  out.rows_rejected = reader.stream().rows_rejected();
  if (out.rows == 0) // a header without data rows (or every row rejected): name the input, as the in-memory path does
    throw Error(Problem{ErrorCode::EstimateNoData, SourcePos{io::input_display_name(o.input), 0, 0, "", ""}, "",
                        Text{"有効な回答がありません", "there are no valid responses"}, Text{"1行以上の有効な回答", "at least one valid response"}, ""});
  return out;
}

void require_file_input(const CommonOptions& o, const std::string& command) {
  if (o.input == "-")
    usage_error(fmt::format("{} は標準入力 (-) を読めません。データをファイルに保存して指定してください", command),
                fmt::format("{} cannot read standard input (-); save the data to a file and give its path", command), o.input);
}

void emit(const CommonOptions& o, const std::string& content, bool bom) {
  std::string data = bom ? "\xEF\xBB\xBF" + content : content;
  if (o.out.empty() || o.out == "-") stage_stdout(std::move(data));
  else run_outputs().stage_file(o.out, std::move(data), "--out");
}

std::string version_string() { return fmt::format("hkstat {}", HKSTAT_VERSION); }

} // namespace hkstat::cli
