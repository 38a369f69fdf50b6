// Streaming ingest (issue 5): batches give exactly the rows of ingest(), standard input and pipes, input cut
// off mid-record, the expected number of rows, read errors, rejected-row details and the duplicate-id check
// across batches. Expected values are written from the rules in docs/cli.md, not taken from a run.
#include "hkstat/codebook/codebook.hpp"
#include "hkstat/core/error.hpp"
#include "hkstat/data/dataset.hpp"
#include "hkstat/data/read_ahead.hpp"
#include "hkstat/io/csv_reader.hpp"
#include "hkstat/io/sha256.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include "sweep.hpp"
#include "test_util.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace hkstat;

namespace {

using testutil::write_temp;
using testutil::problem_of;

const codebook::Codebook& cb() {
  static const codebook::Codebook c = codebook::load_codebook(write_temp("cb.codebook.toml", R"(
[codebook]
title = "stream"
questionnaire = "stream"
age_min = 15
age_max = 64

[[variable]]
name = "id"
role = "id"
type = "id"

[[variable]]
name = "age"
role = "age"
type = "integer"
missing = [999]

[[variable]]
name = "sex"
role = "sex"
type = "code"
missing = [9]
codes = [ { code = 1, label = "m" }, { code = 2, label = "f" } ]

[[variable]]
name = "w"
role = "weight"
type = "number"

[[variable]]
name = "r"
type = "multi"
missing = [9]
columns = [ { name = "r1", code = 1, label = "x" }, { name = "r2", code = 2, label = "y" } ]

[[variable]]
name = "h"
type = "multi"
delimiter = ";"
codes = [ { code = 1, label = "a" }, { code = 2, label = "b" }, { code = 3, label = "c" } ]

[[variable]]
name = "memo"
type = "text"
)"));
  return c;
}

const std::string kHeader = "id,age,sex,w,r1,r2,h,memo\n";

// 60 data records of every kind: clean rows, full-width digits, missing codes, multi-line quoted memos,
// blank lines, and rejected rows (unknown code, age out of range, bad weight, duplicate id).
std::string mixed_csv() {
  std::string s = kHeader;
  for (int i = 1; i <= 60; ++i) {
    const std::string id = i % 17 == 0 ? std::to_string(i - 3) : std::to_string(i); // 17, 34, 51 duplicate 14, 31, 48
    const std::string age = i % 11 == 0 ? "80" : i % 13 == 0 ? "999" : i % 5 == 0 ? "２" + std::to_string(i % 10) : std::to_string(20 + i % 40);
    const std::string sex = i % 19 == 0 ? "7" : i % 9 == 0 ? "9" : std::to_string(1 + i % 2);
    const std::string w = i % 23 == 0 ? "0" : std::to_string(1 + i % 4) + ".5";
    const std::string memo = i % 6 == 0 ? "\"line one\nline, two\"" : i % 7 == 0 ? "\"say \"\"hi\"\"\"" : "m";
    s += id + "," + age + "," + sex + "," + w + "," + std::to_string(i % 2) + "," + (i % 3 == 0 ? "" : "1") + "," +
         (i % 4 == 0 ? "1;3" : "2") + "," + memo + "\n";
    if (i % 10 == 0) s += "\n";
  }
  return s;
}

void check_same_column(const data::Column& a, const data::Column& b) {
  CHECK(a.ints == b.ints);
  CHECK(a.raw_missing == b.raw_missing);
  REQUIRE(a.numbers.size() == b.numbers.size());
  for (std::size_t i = 0; i < a.numbers.size(); ++i)
    CHECK((a.numbers[i] == b.numbers[i] || (std::isnan(a.numbers[i]) && std::isnan(b.numbers[i]))));
  CHECK(a.multi == b.multi);
  CHECK(a.multi_answered == b.multi_answered);
  CHECK(a.ids == b.ids);
}

// Appends a batch's rows to `all` (which holds the concatenation of the batches so far).
void append(data::Dataset& all, const data::Dataset& b) {
  all.lines.insert(all.lines.end(), b.lines.begin(), b.lines.end());
  all.fullwidth_normalised += b.fullwidth_normalised;
  for (std::size_t k = 0; k < b.columns.size(); ++k) {
    auto& c = all.columns[k];
    const auto& d = b.columns[k];
    c.ints.insert(c.ints.end(), d.ints.begin(), d.ints.end());
    c.raw_missing.insert(c.raw_missing.end(), d.raw_missing.begin(), d.raw_missing.end());
    c.numbers.insert(c.numbers.end(), d.numbers.begin(), d.numbers.end());
    c.multi.insert(c.multi.end(), d.multi.begin(), d.multi.end());
    c.multi_answered.insert(c.multi_answered.end(), d.multi_answered.begin(), d.multi_answered.end());
    c.ids.insert(c.ids.end(), d.ids.begin(), d.ids.end());
  }
}

// Feeds `content` to a pipe from a thread; the read end becomes standard input until the guard ends.
class StdinPipe {
public:
  explicit StdinPipe(std::string content) {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    saved_ = ::dup(0);
    ::dup2(fds[0], 0);
    ::close(fds[0]);
    writer_ = std::thread([fd = fds[1], c = std::move(content)] {
      std::size_t done = 0;
      while (done < c.size()) {
        const ssize_t n = ::write(fd, c.data() + done, c.size() - done);
        if (n <= 0) break;
        done += static_cast<std::size_t>(n);
      }
      ::close(fd);
    });
  }
  ~StdinPipe() {
    // Drain what the reader left so that the writer can finish, then give standard input back.
    char buf[4096];
    while (::read(0, buf, sizeof buf) > 0) {
    }
    writer_.join();
    ::dup2(saved_, 0);
    ::close(saved_);
  }
  StdinPipe(const StdinPipe&) = delete;
  StdinPipe& operator=(const StdinPipe&) = delete;

private:
  int saved_ = -1;
  std::thread writer_;
};

} // namespace

TEST_CASE("batches of 1, 7 and 1000 rows hold exactly the rows, values, lines and rejects of ingest()", "[data][stream]") {
  const std::string path = write_temp("mixed.csv", mixed_csv());
  const auto whole = data::ingest(path, cb(), {});
  // The file was built to exercise every path: make sure it did.
  REQUIRE(whole.rows_read == 60);
  REQUIRE(whole.rejected.size() >= 8);
  REQUIRE(whole.data.fullwidth_normalised > 0);
  REQUIRE(whole.data.rows() + whole.rejected.size() == 60);
  CHECK(whole.rows_rejected == whole.rejected.size());

  for (const std::size_t size : {std::size_t{1}, std::size_t{7}, std::size_t{1000}}) {
    INFO("batch size " << size);
    data::IngestStream stream(path, cb(), {});
    data::Dataset all;
    all.columns.resize(cb().variables.size());
    std::vector<data::RejectedRow> rejected;
    std::size_t batches = 0, read = 0;
    data::IngestBatch batch; // one object reused for every batch
    while (stream.next(size, batch)) {
      ++batches;
      CHECK(batch.rows_read <= size);
      CHECK(batch.data.rows() + batch.rows_rejected == batch.rows_read);
      CHECK(batch.data.columns[0].var == &batch.data.codebook.variables[0]);
      read += batch.rows_read;
      append(all, batch.data);
      rejected.insert(rejected.end(), batch.rejected.begin(), batch.rejected.end());
    }
    CHECK(stream.finished());
    CHECK(batches == (60 + size - 1) / size);
    CHECK(read == 60);
    CHECK(stream.rows_read() == 60);
    CHECK(stream.rows_rejected() == whole.rejected.size());
    CHECK(all.lines == whole.data.lines);
    CHECK(all.fullwidth_normalised == whole.data.fullwidth_normalised);
    for (std::size_t k = 0; k < all.columns.size(); ++k) check_same_column(all.columns[k], whole.data.columns[k]);
    REQUIRE(rejected.size() == whole.rejected.size());
    for (std::size_t i = 0; i < rejected.size(); ++i) {
      CHECK(rejected[i].line == whole.rejected[i].line);
      CHECK(rejected[i].raw == whole.rejected[i].raw);
      REQUIRE(rejected[i].problems.size() == whole.rejected[i].problems.size());
      for (std::size_t j = 0; j < rejected[i].problems.size(); ++j) {
        CHECK(rejected[i].problems[j].code == whole.rejected[i].problems[j].code);
        CHECK(format_problem(rejected[i].problems[j], Lang::Ja) == format_problem(whole.rejected[i].problems[j], Lang::Ja));
      }
    }
    // After the end, next() keeps returning false with an empty batch.
    CHECK_FALSE(stream.next(size, batch));
    CHECK(batch.data.rows() == 0);
    CHECK(batch.rows_read == 0);
  }
}

TEST_CASE("ingest() rows: lines, duplicates across batches, multi-line records", "[data][stream]") {
  // Independent of the comparison above: what the rows of the mixed file must be.
  const auto whole = data::ingest(write_temp("mixed2.csv", mixed_csv()), cb(), {});
  auto line_of = [](int i) -> std::size_t {
    // record i starts on line 1 (header) + i + blank lines before it + the extra lines of earlier multi-line memos
    return static_cast<std::size_t>(1 + i + (i - 1) / 10 + (i - 1) / 6);
  };
  std::vector<std::size_t> dup_lines;
  for (const auto& r : whole.rejected)
    for (const auto& p : r.problems)
      if (p.code == ErrorCode::DataDuplicateId) dup_lines.push_back(r.line);
  CHECK(dup_lines == std::vector<std::size_t>{line_of(17), line_of(34), line_of(51)});
  // Record 18 (i % 6 == 0) spans two lines, so record 19 starts two lines after it.
  const auto& lines = whole.data.lines;
  CHECK(std::find(lines.begin(), lines.end(), line_of(18)) != lines.end());
  CHECK(std::find(lines.begin(), lines.end(), line_of(18) + 1) == lines.end());
}

TEST_CASE("duplicate ids are found across batches, and not at all when the check is off", "[data][stream]") {
  const std::string path = write_temp("dups.csv", kHeader + "1,20,1,1,0,0,2,m\n2,20,1,1,0,0,2,m\n3,20,1,1,0,0,2,m\nx,20,1,1,0,0,2,m\n2,20,1,1,0,0,2,m\nx,20,1,1,0,0,2,m\n");
  data::IngestStream stream(path, cb(), {});
  data::IngestBatch b;
  std::vector<std::string> messages;
  while (stream.next(1, b))
    for (const auto& r : b.rejected) messages.push_back(r.problems.at(0).message.en);
  CHECK(messages == std::vector<std::string>{"duplicate respondent id (same as line 3)", "duplicate respondent id (same as line 5)"});

  data::IngestOptions off;
  off.check_duplicate_ids = false;
  const auto r = data::ingest(path, cb(), off);
  CHECK(r.rejected.empty());
  CHECK(r.data.rows() == 6);
}

TEST_CASE("consecutive integer ids: a duplicate names the line of its first occurrence", "[data][stream]") {
  // Ids 1..200 on consecutive lines, then a blank line (lines no longer consecutive), 201..210, then repeats.
  std::string s = kHeader;
  for (int i = 1; i <= 200; ++i) s += std::to_string(i) + ",20,1,1,0,0,2,m\n";
  s += "\n";
  for (int i = 201; i <= 210; ++i) s += std::to_string(i) + ",20,1,1,0,0,2,m\n";
  for (const int i : {1, 150, 200, 201, 210, 0}) s += std::to_string(i) + ",20,1,1,0,0,2,m\n";
  const auto r = data::ingest(write_temp("runs.csv", s), cb(), {});
  std::vector<std::string> messages;
  for (const auto& rej : r.rejected) messages.push_back(rej.problems.at(0).message.en);
  // id i (<= 200) is on line i + 1; id 201 follows the blank line on line 203.
  CHECK(messages == std::vector<std::string>{"duplicate respondent id (same as line 2)", "duplicate respondent id (same as line 151)",
                                             "duplicate respondent id (same as line 201)", "duplicate respondent id (same as line 203)",
                                             "duplicate respondent id (same as line 212)"});
  CHECK(r.data.rows() == 211); // 210 + the new id 0
}

TEST_CASE("rejected rows: all are counted, the details of the first max_rejected_details are kept", "[data][stream]") {
  std::string s = kHeader;
  for (int i = 1; i <= 30; ++i) s += std::to_string(i) + ",20," + (i % 3 == 0 ? "7" : "1") + ",1,0,0,2,m\n"; // 10 bad sexes
  const std::string path = write_temp("many_rejects.csv", s);
  data::IngestOptions o;
  o.max_rejected_details = 4;
  data::IngestStream stream(path, cb(), o);
  data::IngestBatch b;
  std::size_t details = 0, counted = 0;
  std::vector<std::size_t> lines;
  while (stream.next(7, b)) {
    details += b.rejected.size();
    counted += b.rows_rejected;
    for (const auto& r : b.rejected) lines.push_back(r.line);
  }
  CHECK(counted == 10);
  CHECK(stream.rows_rejected() == 10);
  CHECK(details == 4);
  CHECK(lines == std::vector<std::size_t>{4, 7, 10, 13});
  const auto whole = data::ingest(path, cb(), o);
  CHECK(whole.rows_rejected == 10);
  CHECK(whole.rejected.size() == 4);
  CHECK(whole.data.rows() == 20);
}

TEST_CASE("a streamed batch ends once it holds 4,096 rejected rows' details, the next one goes on", "[data][stream]") {
  // 10,000 rows, every other one rejected (bad sex): 5,000 rejected rows. Batches of 65,536 rows stop after
  // 4,096 details (issue 12 defect 10: memory of a file of rejected rows); no row is lost or repeated.
  std::string s = kHeader;
  for (int i = 1; i <= 10000; ++i) s += std::to_string(i) + ",20," + (i % 2 == 0 ? "7" : "1") + ",1,0,0,2,m\n";
  const std::string path = write_temp("rejects_per_batch.csv", s);
  data::IngestStream stream(path, cb(), data::IngestOptions{});
  data::IngestBatch b;
  std::vector<std::size_t> per_batch;
  std::vector<std::size_t> valid_lines, rejected_lines;
  while (stream.next(65536, b)) {
    per_batch.push_back(b.rejected.size());
    CHECK(b.rejected.size() <= 4096);
    CHECK(b.rows_rejected == b.rejected.size());
    for (const auto l : b.data.lines) valid_lines.push_back(l);
    for (const auto& r : b.rejected) rejected_lines.push_back(r.line);
  }
  CHECK(per_batch == std::vector<std::size_t>{4096, 904});
  REQUIRE(valid_lines.size() == 5000);
  REQUIRE(rejected_lines.size() == 5000);
  for (std::size_t k = 0; k < 5000; ++k) {
    CHECK(valid_lines[k] == 2 * k + 2);    // rows 1, 3, 5, ... on lines 2, 4, 6, ...
    CHECK(rejected_lines[k] == 2 * k + 3); // rows 2, 4, ... on lines 3, 5, ...
  }
  // ingest() (one batch of the whole file) keeps every detail in one batch.
  const auto whole = data::ingest(path, cb(), data::IngestOptions{});
  CHECK(whole.rejected.size() == 5000);
  CHECK(whole.data.rows() == 5000);
}

TEST_CASE("expect_rows: the count of data records (valid and rejected) must match", "[data][stream]") {
  const std::string path = write_temp("three.csv", kHeader + "1,20,1,1,0,0,2,m\n2,20,7,1,0,0,2,m\n3,20,1,1,0,0,2,m\n");
  data::IngestOptions o;
  o.expect_rows = 3;
  CHECK(data::ingest(path, cb(), o).rows_read == 3);

  o.expect_rows = 4;
  auto p = problem_of([&] { data::ingest(path, cb(), o); });
  CHECK(p.code == ErrorCode::IoRowCount);
  CHECK(category_of(p.code) == ErrorCategory::Io);
  CHECK(p.pos.line == 4);
  CHECK(p.value == "3");
  CHECK(p.message.en == "the input has only 3 data rows (4 were expected); it may have been cut off");

  o.expect_rows = 2;
  p = problem_of([&] { data::ingest(path, cb(), o); });
  CHECK(p.code == ErrorCode::IoRowCount);
  CHECK(p.message.en == "the input has 3 data rows (2 were expected)");

  // In batches the check comes with the call that reaches the end of the data.
  o.expect_rows = 4;
  data::IngestStream stream(path, cb(), o);
  data::IngestBatch b;
  CHECK(stream.next(2, b));
  CHECK(problem_of([&] { stream.next(2, b); }).code == ErrorCode::IoRowCount);
}

TEST_CASE("standard input: \"-\" reads a pipe, encoding detection included", "[data][stream][stdin]") {
  // CP932 bytes in the memo (テスト) are detected on the pipe without seeking.
  const std::string csv = kHeader + "1,20,1,1.5,0,1,2,\x83\x65\x83\x58\x83\x67\n2,30,2,2,1,0,1;3,m\n";
  StdinPipe in(csv);
  const auto r = data::ingest("-", cb(), {});
  CHECK(r.rows_read == 2);
  CHECK(r.rejected.empty());
  CHECK(r.data.encoding == "CP932");
  CHECK(r.data.columns[0].ids == std::vector<std::string>{"1", "2"});
  CHECK(r.data.columns[3].numbers == std::vector<double>{1.5, 2.0});
  CHECK(r.data.lines == std::vector<std::size_t>{2, 3});
}

TEST_CASE("a stream cut off mid-record is E_IO_TRUNCATED, a regular file may lack its last line end", "[data][stream][truncated]") {
  const std::string complete = kHeader + "1,20,1,1.5,0,1,2,m\n2,30,2,2,1,0,1;3,m\n";

  SECTION("missing final newline on a pipe: the last record is complete but unterminated") {
    StdinPipe in(complete.substr(0, complete.size() - 1));
    const auto p = problem_of([] { data::ingest("-", cb(), {}); });
    CHECK(p.code == ErrorCode::IoTruncated);
    CHECK(category_of(p.code) == ErrorCategory::Io);
    CHECK(p.pos.file == "<stdin>");
    CHECK(p.pos.line == 3);
    CHECK(p.pos.column == 8);
    CHECK(p.message.ja.find("入力が途中で切れています") != std::string::npos);
  }
  SECTION("cut inside the last field: named before the missing fields") {
    StdinPipe in(complete.substr(0, complete.size() - 5)); // ...,2,30,2,2,1,0,1
    const auto p = problem_of([] { data::ingest("-", cb(), {}); });
    CHECK(p.code == ErrorCode::IoTruncated);
    CHECK(p.pos.line == 3);
    CHECK(p.pos.column == 7);
    CHECK(p.pos.column_name == "h");
    CHECK(p.value == "1");
    CHECK(p.message.en == "the input was cut off: the last line does not end with a line break (field 7 of 8, read from a pipe / standard input)");
  }
  SECTION("cut inside a quoted field: the unterminated quote, with a hint") {
    StdinPipe in(kHeader + "1,20,1,1.5,0,1,2,\"a long\nmemo that is c");
    const auto p = problem_of([] { data::ingest("-", cb(), {}); });
    CHECK(p.code == ErrorCode::CsvUnterminatedQuote);
    CHECK(p.pos.line == 2);
    CHECK(p.expected.en.find("cut off") != std::string::npos);
  }
  SECTION("a blank last line without a line end is not a cut record") {
    StdinPipe in(complete + "  ");
    CHECK(data::ingest("-", cb(), {}).rows_read == 2);
  }
  SECTION("a regular file without its last line end is read whole, unless the caller requires the line end") {
    const std::string path = write_temp("no_final_newline.csv", complete.substr(0, complete.size() - 1));
    CHECK(data::ingest(path, cb(), {}).data.rows() == 2);
    data::IngestOptions o;
    o.require_final_newline = true;
    const auto p = problem_of([&] { data::ingest(path, cb(), o); });
    CHECK(p.code == ErrorCode::IoTruncated);
    CHECK(p.pos.file == path);
    // and a cut inside the last field of a regular file stays a ragged row, as before
    const auto q = problem_of([&] { data::ingest(write_temp("cut_file.csv", complete.substr(0, complete.size() - 5)), cb(), {}); });
    CHECK(q.code == ErrorCode::CsvRaggedRow);
  }
  SECTION("a named FIFO is a stream too") {
    const std::string fifo = "/tmp/hkstat_test_stream_fifo_" + std::to_string(::getpid());
    ::unlink(fifo.c_str());
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    std::thread writer([&] { std::ofstream(fifo, std::ios::binary) << complete.substr(0, complete.size() - 1); });
    const auto p = problem_of([&] { data::ingest(fifo, cb(), {}); });
    writer.join();
    ::unlink(fifo.c_str());
    CHECK(p.code == ErrorCode::IoTruncated);
    CHECK(p.pos.file == fifo);
  }
}

TEST_CASE("a read error is E_IO_READ naming the file", "[io][csv][stream]") {
  // Reading /proc/self/mem at offset 0 (an unmapped address) fails with EIO.
  const auto p = problem_of([] { io::CsvReader r("/proc/self/mem"); });
  CHECK(p.code == ErrorCode::IoRead);
  CHECK(category_of(p.code) == ErrorCategory::Io);
  CHECK(p.pos.file == "/proc/self/mem");
  CHECK(p.pos.line == 1);
  CHECK(p.message.en.find("error while reading the file") != std::string::npos);
}

TEST_CASE("RecordView: fields are views of the record, quoted or not", "[io][csv][stream]") {
  io::CsvReader r(write_temp("views.csv", "a,b,c\n1,,x y\n\"p,q\",\"r\"\"s\",\"t\nu\"\n"));
  io::RecordView v;
  REQUIRE(r.next(v));
  CHECK(v.line == 2);
  CHECK(std::vector<std::string_view>(v.fields.begin(), v.fields.end()) == std::vector<std::string_view>{"1", "", "x y"});
  CHECK(v.raw == "1,,x y");
  REQUIRE(r.next(v));
  CHECK(v.line == 3);
  CHECK(std::vector<std::string_view>(v.fields.begin(), v.fields.end()) == std::vector<std::string_view>{"p,q", "r\"s", "t\nu"});
  CHECK(v.raw == "\"p,q\",\"r\"\"s\",\"t\nu\"");
  CHECK_FALSE(r.next(v));
}

TEST_CASE("the per-cell fast paths give what the general rules give", "[data][stream][fast]") {
  // Weights: plain decimals must equal strtod's correctly rounded value; the other spellings take the general
  // path. Codes: one and two digits, a leading zero, missing codes, unknown codes. Age at and beyond its bounds.
  // (The 15- and 17-digit mantissas sit below the weight bound of 10^12, data::kMaxWeight: 999999.999999999 and
  // 9007.199254740993 have the digits of 999999999999999 and 2^53 + 1.)
  const std::vector<std::string> weights = {"0.1",   "56.36", "1234567.891", "999999.999999999", "9007.199254740993", "5.",
                                            ".5",    "1e3",   "０.２５",     " 2.5",            "0.30000000000000004", "7"};
  std::string s = kHeader;
  for (std::size_t i = 0; i < weights.size(); ++i) s += std::to_string(i + 1) + ",20,1,\"" + weights[i] + "\",0,1,2,m\n";
  const auto r = data::ingest(write_temp("weights.csv", s), cb(), {});
  REQUIRE(r.rejected.empty());
  const auto& w = r.data.columns[3].numbers;
  REQUIRE(w.size() == weights.size());
  for (std::size_t i = 0; i < weights.size(); ++i) {
    INFO(weights[i]);
    const std::string ascii = weights[i] == "０.２５" ? "0.25" : weights[i];
    CHECK(w[i] == std::strtod(ascii.c_str(), nullptr));
  }

  const auto bad = data::ingest(write_temp("fast_bad.csv", kHeader + "1,20,1,0,0,1,2,m\n"   // weight 0
                                                                      "2,20,1,0.0,0,1,2,m\n" // weight 0.0
                                                                      "3,20,1,-1,0,1,2,m\n"  // negative
                                                                      "4,14,1,1,0,1,2,m\n"   // age below age_min
                                                                      "5,65,1,1,0,1,2,m\n"   // above age_max
                                                                      "6,15,01,1,0,1,2,m\n"  // code 01 = 1
                                                                      "7,64,9,1,0,1,2,m\n"   // missing code
                                                                      "8,30,12,1,0,1,2,m\n"  // unknown two-digit code
                                                                      "9,30,2,1,2,1,2,m\n"   // multi column 2
                                                                      "10,30,2,1,,1,2,m\n"), // multi column empty
                                cb(), {});
  std::vector<std::pair<std::size_t, ErrorCode>> problems;
  for (const auto& rej : bad.rejected) problems.emplace_back(rej.line, rej.problems.at(0).code);
  CHECK(problems == std::vector<std::pair<std::size_t, ErrorCode>>{{2, ErrorCode::DataInvalidWeight},
                                                                   {3, ErrorCode::DataInvalidWeight},
                                                                   {4, ErrorCode::DataInvalidWeight},
                                                                   {5, ErrorCode::DataOutOfRange},
                                                                   {6, ErrorCode::DataOutOfRange},
                                                                   {9, ErrorCode::DataUnknownCode},
                                                                   {10, ErrorCode::DataUnknownCode}});
  const auto& d = bad.data;
  REQUIRE(d.lines == std::vector<std::size_t>{7, 8, 11}); // record k is on line k + 1
  CHECK(d.columns[1].ints == std::vector<std::int64_t>{15, 64, 30});
  CHECK(d.columns[2].ints == std::vector<std::int64_t>{1, data::kMissing, 2});
  CHECK(d.columns[2].raw_missing == std::vector<std::int64_t>{data::kMissing, 9, data::kMissing});
  CHECK(d.columns[4].multi == std::vector<std::uint64_t>{2, 2, 2});        // r2 = 1 in every row
  CHECK(d.columns[4].multi_answered == std::vector<std::uint8_t>{1, 1, 1}); // an empty r1 beside r2 = 1 is still answered
}

TEST_CASE("empty cells (questions not answered) take the fast paths and give what the general rules give", "[data][stream][fast]") {
  // Empty age (integer), sex (code), r1 or both of r1, r2 (multi in 0/1 columns): the row is valid, the value
  // missing, a multi answered only when one of its columns is; a blank (a space) takes the general rules.
  const auto r = data::ingest(write_temp("empty_cells.csv", kHeader + "1,,1,1,0,1,2,m\n"
                                                                      "2,30,,1,0,1,2,m\n"
                                                                      "3,30,1,1,,1,2,m\n"
                                                                      "4,30,1,1,,,2,m\n"
                                                                      "5, ,1,1,0,1,2,m\n"
                                                                      "6,30, ,1,0, ,2,m\n"),
                              cb(), {});
  CHECK(r.rejected.empty());
  const auto& d = r.data;
  REQUIRE(d.rows() == 6);
  CHECK(d.columns[1].ints == std::vector<std::int64_t>{data::kMissing, 30, 30, 30, data::kMissing, 30});
  CHECK(d.columns[1].raw_missing == std::vector<std::int64_t>(6, data::kMissing));
  CHECK(d.columns[2].ints == std::vector<std::int64_t>{1, data::kMissing, 1, 1, 1, data::kMissing});
  CHECK(d.columns[2].raw_missing == std::vector<std::int64_t>(6, data::kMissing));
  CHECK(d.columns[4].multi == std::vector<std::uint64_t>{2, 2, 2, 0, 2, 0});
  CHECK(d.columns[4].multi_answered == std::vector<std::uint8_t>{1, 1, 1, 0, 1, 1});
}

TEST_CASE("multiple answers in adjacent 0/1 columns: the in-place fast path gives what the general rules give", "[data][stream][fast]") {
  // r1,r2 spelled every way: plain (the fast path), quoted, with spaces or full-width digits, in a line split in
  // place with a quoted memo, in a record read the general way (a "" in the memo), and invalid or empty answers.
  struct Row {
    std::string r1r2, memo;
    std::uint64_t mask;
    std::uint8_t answered;
    bool rejected;
  };
  const std::vector<Row> rows = {
      {"1,0", "m", 1, 1, false},          {"0,1", "m", 2, 1, false},         {"1,1", "m", 3, 1, false},
      {"0,0", "m", 0, 1, false},          {"\"1\",0", "m", 1, 1, false},     {"1,\"1\"", "m", 3, 1, false},
      {" 1,0", "m", 1, 1, false},         {"1 ,1", "m", 3, 1, false},        {"\xEF\xBC\x91,0", "m", 1, 1, false},
      {"1,0", "\"a,b\"", 1, 1, false},    {"0,1", "\"a\"\"b\"", 2, 1, false}, {",1", "m", 2, 1, false},
      {",", "m", 0, 0, false},            {"2,0", "m", 0, 0, true},          {"1,10", "m", 0, 0, true},
      {"1,01", "m", 3, 1, false},         {"01,1", "m", 3, 1, false},         {"1,0", "\"\"", 1, 1, false},
  };
  std::string s = kHeader;
  for (std::size_t i = 0; i < rows.size(); ++i) s += std::to_string(i + 1) + ",20,1,1," + rows[i].r1r2 + ",2," + rows[i].memo + "\n";
  const auto r = data::ingest(write_temp("multi_fast.csv", s), cb(), {});
  std::vector<std::size_t> rejected_lines, expected_rejected;
  for (const auto& rej : r.rejected) rejected_lines.push_back(rej.line);
  std::vector<std::uint64_t> masks;
  std::vector<std::uint8_t> answered;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].rejected) {
      expected_rejected.push_back(i + 2);
      continue;
    }
    masks.push_back(rows[i].mask);
    answered.push_back(rows[i].answered);
  }
  CHECK(rejected_lines == expected_rejected);
  CHECK(r.data.columns[4].multi == masks);
  CHECK(r.data.columns[4].multi_answered == answered);
}

TEST_CASE("multiple answers in 2 to 17 adjacent 0/1 columns: every answer read, whatever its place in the eight-byte groups", "[data][stream][fast]") {
  for (const int width : {2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 16, 17}) {
    INFO("columns: " << width);
    std::string toml = "[codebook]\ntitle = \"m\"\nquestionnaire = \"m\"\n\n[[variable]]\nname = \"id\"\nrole = \"id\"\ntype = \"id\"\n\n"
                       "[[variable]]\nname = \"m\"\ntype = \"multi\"\ncolumns = [\n";
    std::string header = "id";
    for (int k = 0; k < width; ++k) {
      toml += "  { name = \"m" + std::to_string(k) + "\", code = " + std::to_string(k + 1) + ", label = \"c\" },\n";
      header += ",m" + std::to_string(k);
    }
    toml += "]\n";
    const auto book = codebook::load_codebook(write_temp("multi_w.codebook.toml", toml));
    // Rows: pseudo-random plain answers; then for each answer k, the row 1,1,...,1 with answer k spelled "2"
    // (rejected), "" (not chosen), " 0" or "1 " (the general rules).
    std::string csv = header + "\n";
    std::vector<std::uint64_t> masks;
    std::vector<std::size_t> rejected;
    std::uint64_t state = 12345;
    int id = 0, line = 1;
    auto row = [&](const std::vector<std::string>& answers) {
      csv += std::to_string(++id);
      for (const auto& a : answers) csv += "," + a;
      csv += "\n";
      ++line;
    };
    for (int r = 0; r < 40; ++r) {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      const std::uint64_t mask = (state >> 20) & ((std::uint64_t{1} << width) - 1);
      std::vector<std::string> answers;
      for (int k = 0; k < width; ++k) answers.push_back((mask >> k & 1) != 0 ? "1" : "0");
      row(answers);
      masks.push_back(mask);
    }
    const std::uint64_t all = (std::uint64_t{1} << width) - 1;
    for (int k = 0; k < width; ++k)
      for (const std::string spelled : {"2", "", " 0", "1 "}) {
        std::vector<std::string> answers(static_cast<std::size_t>(width), "1");
        answers[static_cast<std::size_t>(k)] = spelled;
        row(answers);
        if (spelled == "2") rejected.push_back(static_cast<std::size_t>(line));
        else masks.push_back(spelled == "1 " ? all : all & ~(std::uint64_t{1} << k));
      }
    const auto r = data::ingest(write_temp("multi_w.csv", csv), book, {});
    std::vector<std::size_t> rejected_lines;
    for (const auto& rej : r.rejected) rejected_lines.push_back(rej.line);
    CHECK(rejected_lines == rejected);
    CHECK(r.data.columns[1].multi == masks);
    CHECK(r.data.columns[1].multi_answered == std::vector<std::uint8_t>(masks.size(), 1));
  }
}

TEST_CASE("two batch objects used in turn, and a batch from another stream, hold exactly their rows", "[data][stream]") {
  const std::string path = write_temp("turns.csv", mixed_csv());
  const auto whole = data::ingest(path, cb(), {});
  data::IngestStream stream(path, cb(), {});
  data::IngestBatch a, b;
  std::vector<std::size_t> lines;
  std::vector<std::int64_t> ages;
  for (int turn = 0;; ++turn) {
    data::IngestBatch& x = turn % 2 == 0 ? a : b;
    // A smaller batch after a larger one must not keep rows of the larger one.
    if (!stream.next(turn % 3 == 0 ? 9 : 4, x)) break;
    REQUIRE(x.data.columns[1].ints.size() == x.data.rows());
    REQUIRE(x.data.columns[4].multi.size() == x.data.rows());
    REQUIRE(x.data.columns[0].ids.size() == x.data.rows());
    lines.insert(lines.end(), x.data.lines.begin(), x.data.lines.end());
    ages.insert(ages.end(), x.data.columns[1].ints.begin(), x.data.columns[1].ints.end());
  }
  CHECK(lines == whole.data.lines);
  CHECK(ages == whole.data.columns[1].ints);
  // `a` was set up by `stream`; another stream sets it up anew.
  data::IngestStream other(path, cb(), {});
  REQUIRE(other.next(3, a));
  CHECK(a.data.rows() + a.rows_rejected == 3);
  CHECK(a.data.columns[1].ints.size() == a.data.rows());
  CHECK(a.data.lines.front() == whole.data.lines.front());
}

TEST_CASE("ReadAhead gives the batches of the stream, in order, with and without a second thread", "[data][stream][readahead]") {
  const std::string path = write_temp("mixed_ahead.csv", mixed_csv());
  const auto whole = data::ingest(path, cb(), {});
  for (const bool threads : {false, true})
    for (const std::size_t size : {std::size_t{1}, std::size_t{7}, std::size_t{1000}}) {
      INFO("threads " << threads << " batch size " << size);
      data::ReadAhead reader(data::IngestStream(path, cb(), {}), size, threads);
      data::Dataset all;
      all.columns.resize(cb().variables.size());
      std::size_t batches = 0, rejected = 0;
      while (data::IngestBatch* b = reader.next()) {
        ++batches;
        CHECK(b->rows_read <= size);
        append(all, b->data);
        rejected += b->rejected.size();
      }
      CHECK(reader.next() == nullptr); // stays at the end
      CHECK(batches == (60 + size - 1) / size);
      CHECK(reader.stream().rows_read() == 60);
      CHECK(reader.stream().rows_rejected() == whole.rejected.size());
      CHECK(rejected == whole.rejected.size());
      CHECK(all.lines == whole.data.lines);
      for (std::size_t k = 0; k < all.columns.size(); ++k) check_same_column(all.columns[k], whole.data.columns[k]);
    }
}

TEST_CASE("ReadAhead: the stream's error comes after every batch before it, stopping early does not hang", "[data][stream][readahead]") {
  const std::string path = write_temp("three_ahead.csv", kHeader + "1,20,1,1,0,0,2,m\n2,20,7,1,0,0,2,m\n3,20,1,1,0,0,2,m\n");
  data::IngestOptions o;
  o.expect_rows = 4; // the end of the data raises E_IO_ROW_COUNT
  for (const bool threads : {false, true}) {
    INFO("threads " << threads);
    data::ReadAhead reader(data::IngestStream(path, cb(), o), 1, threads);
    std::size_t rows = 0;
    for (int i = 0; i < 3; ++i) {
      data::IngestBatch* b = reader.next();
      REQUIRE(b != nullptr);
      rows += b->rows_read;
    }
    CHECK(rows == 3);
    CHECK(problem_of([&] { reader.next(); }).code == ErrorCode::IoRowCount);
    CHECK(reader.next() == nullptr);
  }
  // A reader left after its first batch (the consumer failed) stops and joins its thread.
  const std::string big = write_temp("big_ahead.csv", [] {
    std::string s = kHeader;
    for (int i = 1; i <= 5000; ++i) s += std::to_string(i) + ",30,1,1,0,0,2,m\n";
    return s;
  }());
  {
    data::ReadAhead reader(data::IngestStream(big, cb(), {}), 10, true);
    REQUIRE(reader.next() != nullptr);
  }
  SUCCEED("destroyed mid-stream");
}

TEST_CASE("ReadAhead::worthwhile: never for a file under 4 MiB (a small input starts without a second thread)", "[data][readahead]") {
  const std::string small = testutil::write_temp("worthwhile_small.csv", std::string("id,age\n1,20\n"));
  CHECK_FALSE(data::ReadAhead::worthwhile(small));
  // Just under the bound is still small; what happens above it depends on the CPUs and the load (not asserted).
  const std::string almost = testutil::write_temp("worthwhile_almost.csv", std::string(data::ReadAhead::kSmallInputBytes - 1, 'x'));
  CHECK_FALSE(data::ReadAhead::worthwhile(almost));
}

namespace {

// Everything a stream gives: the rows, the rejected rows (as reported), the warnings, the counters, or the
// error it ends with (as reported).
struct Read {
  data::Dataset all;
  std::vector<std::string> rejected; // line, raw, problems (formatted)
  std::vector<std::string> warnings;
  std::size_t rows_read = 0, rows_rejected = 0, batches = 0;
  std::string error;
};

Read read_all(const std::string& path, const data::IngestOptions& o, unsigned threads, std::size_t chunk, std::size_t batch_rows,
              bool* parallel_on = nullptr) {
  Read r;
  r.all.columns.resize(cb().variables.size());
  try {
    data::IngestStream stream(path, cb(), o);
    const bool on = threads > 1 && stream.parallel(threads, batch_rows, chunk);
    if (parallel_on) *parallel_on = on;
    data::IngestBatch batch;
    try {
      while (stream.next(batch_rows, batch)) {
        ++r.batches;
        CHECK(batch.data.rows() + batch.rows_rejected == batch.rows_read);
        CHECK(batch.rows_read <= batch_rows);
        append(r.all, batch.data);
        for (const auto& rr : batch.rejected) {
          std::string t = std::to_string(rr.line) + "|" + rr.raw;
          for (const auto& p : rr.problems) t += "|" + format_problem(p, Lang::Ja) + "#" + std::to_string(p.pos.record);
          r.rejected.push_back(t);
        }
      }
    } catch (const Error& e) {
      r.error = format_problem(e.problem(), Lang::Ja);
    }
    for (const auto& w : stream.warnings()) r.warnings.push_back(format_problem(w, Lang::Ja) + "#" + std::to_string(w.pos.record));
    r.rows_read = stream.rows_read();
    r.rows_rejected = stream.rows_rejected();
  } catch (const Error& e) {
    r.error = format_problem(e.problem(), Lang::Ja);
  }
  return r;
}

// `b` read in one thread. A read that ends with an error hands out the batches before the one it is in:
// how many rows that is depends on where the batches were cut, so then the rows handed out must be a first
// part of those of a one-thread read in batches of one row (`b`).
void check_same_read(const Read& a, const Read& b) {
  CHECK(a.error == b.error);
  if (!b.error.empty()) {
    REQUIRE(a.all.lines.size() <= b.all.lines.size());
    CHECK(std::equal(a.all.lines.begin(), a.all.lines.end(), b.all.lines.begin()));
    REQUIRE(a.rejected.size() <= b.rejected.size());
    CHECK(std::equal(a.rejected.begin(), a.rejected.end(), b.rejected.begin()));
    return;
  }
  CHECK(a.rows_read == b.rows_read);
  CHECK(a.rows_rejected == b.rows_rejected);
  CHECK(a.all.lines == b.all.lines);
  CHECK(a.all.fullwidth_normalised == b.all.fullwidth_normalised);
  for (std::size_t k = 0; k < a.all.columns.size(); ++k) check_same_column(a.all.columns[k], b.all.columns[k]);
  CHECK(a.rejected == b.rejected);
  CHECK(a.warnings == b.warnings);
}

// The mixed file without its duplicate ids, `copies` times over (ids kept unique: record k gets id_of(k), by
// default k itself), so that ranges mostly parse on their own; with CRLF line ends if asked.
std::string mixed_unique(int copies, bool crlf, const std::function<std::string(int)>& id_of = [](int k) { return std::to_string(k); }) {
  std::string s = kHeader;
  int id = 0;
  for (int c = 0; c < copies; ++c) {
    const std::string m = mixed_csv();
    std::size_t pos = kHeader.size();
    while (pos < m.size()) {
      const std::size_t comma = m.find(',', pos);
      const std::size_t nl_before = m.find('\n', pos);
      if (nl_before < comma) { // a blank line
        s += "\n";
        pos = nl_before + 1;
        continue;
      }
      // a record: its id is replaced; the rest (to the record's end, quoted line breaks included) is kept
      std::size_t end = comma;
      bool q = false;
      while (end < m.size() && (q || m[end] != '\n')) {
        if (m[end] == '"') q = !q;
        ++end;
      }
      s += id_of(++id) + m.substr(comma, end - comma) + "\n";
      pos = end + 1;
    }
  }
  if (crlf) {
    std::string t;
    for (const char ch : s) {
      if (ch == '\n') t += '\r';
      t += ch;
    }
    s = t;
  }
  return s;
}

} // namespace

namespace {
// Record k's id in par_unsorted.csv: descending integers (every range's ids below the ranges' before it), every
// seventh "A" + k, every fifth with leading zeros (not a plain integer: hashed), unique.
std::string unsorted_id(int k) {
  if (k % 7 == 0) return "A" + std::to_string(k);
  if (k % 5 == 0) return "00" + std::to_string(k);
  return std::to_string(100000 - k);
}
// Record k's id in par_prefixed.csv: NT00001, NT00002, ... (one family of ids, a text and five digits: IdIndex's runs).
std::string prefixed_id(int k) { return fmt::format("NT{:05}", k); }
// Record k's id in par_prefixed2.csv: NT01 ... NT09 (the family of width 2), NT10 ... NT99 (the same ids for a range
// that starts there and takes the plain family), NT100 ... (outside the family of width 2).
std::string prefixed2_id(int k) { return fmt::format("NT{:02}", k); }
// Record k's id in par_families.csv: three forms in turn, so that ranges start with ids of different families (each
// range's index takes the family of its first id; merged one by one when the families differ): NT3, NT6, ... (the
// prefix and a number without leading zeros), NT00001, NT00004, ... (five digits), Z-00998, Z-00995, ... (descending).
std::string family_id(int k) {
  if (k % 3 == 0) return "NT" + std::to_string(k);
  if (k % 3 == 1) return fmt::format("NT{:05}", k);
  return fmt::format("Z-{:05}", 1000 - k);
}
} // namespace

TEST_CASE("parallel(): byte ranges on 2, 3 and 8 threads give exactly the one-thread read, any range and batch size",
          "[data][stream][parallel]") {
  struct File {
    const char* name;
    std::string content;
  };
  std::string cp932 = mixed_unique(3, false);
  // CP932: full-width digits (８２ 51 for ２) and a memo whose second byte is a backslash (ソ = 83 5C) and
  // another whose second byte is 0x81 (メ): line ends and delimiters are never a CP932 trail byte.
  for (std::size_t p = 0; (p = cp932.find("\xEF\xBC\x92", p)) != std::string::npos;) cp932.replace(p, 3, "\x82\x51");
  for (std::size_t p = 0; (p = cp932.find(",m\n", p)) != std::string::npos; p += 4) cp932.replace(p, 3, ",\x83\x5C\x83\x81\n");
  const std::vector<File> files = {
      {"par_plain.csv", mixed_unique(4, false)},
      {"par_crlf.csv", mixed_unique(2, true)},
      {"par_bom.csv", "\xEF\xBB\xBF" + mixed_unique(2, false)},
      {"par_cp932.csv", cp932},
      {"par_dups.csv", mixed_csv()},                                   // duplicate ids: read again in one thread
      {"par_nofinal.csv", mixed_unique(1, false) + "999,30,1,1,0,0,2,m"}, // no final line end
      {"par_ragged.csv", mixed_unique(2, false) + "1000,30,1\n" + mixed_unique(1, false).substr(kHeader.size())},
      {"par_quote.csv", mixed_unique(1, false) + "1001,30,1,1,0,0,2,\"never closed\n1002,30,1,1,0,0,2,m\n"},
      {"par_bom_row.csv", mixed_unique(1, false) + "\xEF\xBB\xBF" "1003,30,1,1,0,0,2,m\n"},
      // Unique ids out of order (a later range's integer ids below an earlier range's, some only in the hash
      // table: "A7", "007"), then the same with a duplicate of each kind far from its first occurrence.
      {"par_unsorted.csv", mixed_unique(3, false, unsorted_id)},
      {"par_far_dups.csv", mixed_unique(3, false, unsorted_id) + "A7,30,1,1,0,0,2,m\n" + unsorted_id(2) + ",30,1,1,0,0,2,m\n" +
                               unsorted_id(6) + ",30,1,1,0,0,2,m\n"},
      // Ids of a text and a number (NT00001 ...), then three families in turn, unique and with a far duplicate of each.
      {"par_prefixed.csv", mixed_unique(3, false, prefixed_id) + prefixed_id(5) + ",30,1,1,0,0,2,m\n"},
      {"par_families.csv", mixed_unique(3, false, family_id)},
      {"par_prefixed2.csv", mixed_unique(3, false, prefixed2_id) + "NT05,30,1,1,0,0,2,m\nNT50,30,1,1,0,0,2,m\nNT150,30,1,1,0,0,2,m\n"},
      {"par_family_dups.csv", mixed_unique(3, false, family_id) + family_id(3) + ",30,1,1,0,0,2,m\n" + family_id(4) +
                                  ",30,1,1,0,0,2,m\n" + family_id(5) + ",30,1,1,0,0,2,m\n" + "NT4,30,1,1,0,0,2,m\n"},
  };
  for (const auto& f : files) {
    const std::string path = write_temp(f.name, f.content);
    data::IngestOptions o;
    if (std::string(f.name) == "par_cp932.csv") o.encoding = "auto";
    const Read one = read_all(path, o, 1, 0, 1);
    INFO(f.name << ": " << one.error);
    if (std::string(f.name) == "par_ragged.csv" || std::string(f.name) == "par_quote.csv" || std::string(f.name) == "par_bom_row.csv")
      CHECK_FALSE(one.error.empty());
    else
      CHECK(one.error.empty());
    CHECK(one.rows_read > 0);
    // Under AddressSanitizer (sweep.hpp; not under ThreadSanitizer, whose CI step runs this test for the threads)
    // 6 of the 45: 3 and 8 threads (more workers than cores), ranges of 1 byte (most hold no record start), 37 (records
    // cut by range ends) and 4,096 (many records a range), batches of 7 rows.
    using hkstat::test::sweep;
    for (const unsigned threads : sweep({2u, 3u, 8u}, {3u, 8u}))
      for (const std::size_t chunk : sweep({std::size_t{1}, std::size_t{37}, std::size_t{300}, std::size_t{4096}, std::size_t{1} << 20},
                                           {std::size_t{1}, std::size_t{37}, std::size_t{4096}}))
        for (const std::size_t rows : sweep({std::size_t{1}, std::size_t{7}, std::size_t{65536}}, {hkstat::test::sanitized_batch_rows})) {
          INFO("threads " << threads << ", ranges of " << chunk << " bytes, batches of " << rows);
          bool on = false;
          const Read par = read_all(path, o, threads, chunk, rows, &on);
          CHECK(on);
          check_same_read(par, one);
        }
  }
}

TEST_CASE("parallel(): expect_rows, max_rejected_details and the end of the stream as in one thread", "[data][stream][parallel]") {
  const std::string path = write_temp("par_opts.csv", mixed_unique(3, false));
  for (const std::size_t expect : {std::size_t{180}, std::size_t{181}}) {
    data::IngestOptions o;
    o.expect_rows = expect;
    o.max_rejected_details = 5;
    const Read one = read_all(path, o, 1, 0, 1);
    CHECK(one.rejected.size() == 5);
    CHECK(one.rows_rejected > 5);
    CHECK(one.error.empty() == (expect == 180));
    for (const unsigned threads : {2u, 8u}) {
      INFO("expect " << expect << ", threads " << threads);
      check_same_read(read_all(path, o, threads, 200, 100), one);
    }
  }
  // Not for standard input or a file without data rows, nor after the first next().
  const std::string header_only = write_temp("par_header.csv", kHeader);
  data::IngestStream empty(header_only, cb(), {});
  CHECK_FALSE(empty.parallel(2, 100, 10));
  data::IngestStream started(path, cb(), {});
  data::IngestBatch b;
  REQUIRE(started.next(10, b));
  CHECK_FALSE(started.parallel(2, 100, 10));
  data::IngestStream one_thread(path, cb(), {});
  CHECK_FALSE(one_thread.parallel(1, 100, 10));
  // A stream left after its first batch stops and joins its threads.
  {
    data::IngestStream s(path, cb(), {});
    REQUIRE(s.parallel(4, 10, 64));
    REQUIRE(s.next(10, b));
  }
  SUCCEED("destroyed mid-stream");
}

TEST_CASE("parallel(): records whose quoted line breaks run across several ranges, then the ranges after them",
          "[data][stream][parallel]") {
  // Every fifth memo is a quoted text of six lines (about 200 bytes, one of them blank, one with "" and a
  // comma), so that ranges of 1 to 150 bytes start inside it, often several in a row; the other rows are the
  // mixed file's. The ranges a memo runs across are dropped and re-read in the caller's thread up to the next
  // range a record ends at; the rows must be the one-thread read's for any range, thread and batch size.
  std::string s = mixed_unique(3, false);
  int n = 0;
  for (std::size_t p = 0; (p = s.find(",m\n", p)) != std::string::npos;) {
    if (++n % 5 == 0) {
      const std::string memo = ",\"first line of a long answer " + std::to_string(n) +
                               "\nsecond line, with a comma\n\nfourth line says \"\"no\"\"\r\nfifth line\nsixth\"\n";
      s.replace(p, 3, memo);
      p += memo.size();
    } else {
      p += 3;
    }
  }
  const std::string path = write_temp("par_long_memo.csv", s);
  const data::IngestOptions o;
  const Read one = read_all(path, o, 1, 0, 1);
  INFO(one.error);
  CHECK(one.error.empty());
  CHECK(one.rows_read > 100);
  for (const unsigned threads : {2u, 8u})
    for (const std::size_t chunk : {std::size_t{1}, std::size_t{23}, std::size_t{64}, std::size_t{150}, std::size_t{700}})
      for (const std::size_t rows : {std::size_t{1}, std::size_t{7}, std::size_t{65536}}) {
        INFO("threads " << threads << ", ranges of " << chunk << " bytes, batches of " << rows);
        bool on = false;
        const Read par = read_all(path, o, threads, chunk, rows, &on);
        CHECK(on);
        check_same_read(par, one);
      }
}

TEST_CASE("parallel(): records longer than the read past a range's end (4 KiB, then 64 KiB) find the same boundaries",
          "[data][stream][parallel]") {
  // A range reads a little past its nominal end to find the '\n' its last record ends at: 4 KiB, then 64 KiB at a
  // time. Memos of 9,000 bytes (every third record) and one of 150,000 bytes make that search run over one, two
  // and several reads; the rows must be the one-thread read's.
  std::string s = mixed_unique(2, false);
  int n = 0;
  for (std::size_t p = 0; (p = s.find(",m\n", p)) != std::string::npos;) {
    ++n;
    const std::string memo = "," + std::string(n == 7 ? 150000 : n % 3 == 0 ? 9000 : 1, n % 2 == 0 ? 'x' : 'y') + "\n";
    s.replace(p, 3, memo);
    p += memo.size();
  }
  REQUIRE(n > 7);
  const std::string path = write_temp("par_long_lines.csv", s);
  const data::IngestOptions o;
  const Read one = read_all(path, o, 1, 0, 1);
  INFO(one.error);
  CHECK(one.error.empty());
  CHECK(one.rows_read > 20);
  for (const std::size_t chunk : {std::size_t{1000}, std::size_t{4096}, std::size_t{70000}})
    for (const std::size_t rows : {std::size_t{1}, std::size_t{65536}}) {
      INFO("ranges of " << chunk << " bytes, batches of " << rows);
      bool on = false;
      const Read par = read_all(path, o, 2, chunk, rows, &on);
      CHECK(on);
      check_same_read(par, one);
    }
}

TEST_CASE("read_bytes: byte ranges handed on in file order, so that a file is hashed without reading it again",
          "[data][stream][parallel][sha256]") {
  // A file of 3 MB (the whole-file reader's first read, before the ranges, is about 1 MiB), read on 2 threads in
  // ranges of 4 KiB: the pieces are the file's bytes at their offsets, none past the end of those before it, the
  // digest of them (io::InputSha256) is the file's, and nothing had to be read again. With a quoted line break in
  // every record (the ranges that start inside one are re-read in the caller's thread and not handed on), the digest
  // is still the file's: what was left out is read from the file. One thread: every byte once, in order.
  std::string plain = kHeader, memo = kHeader;
  for (int k = 1; k <= 150000; ++k) {
    const std::string row = std::to_string(k) + "," + std::to_string(20 + k % 40) + "," + std::to_string(1 + k % 2) + ",1.5,0,1,2,";
    plain += row + "m\n";
    if (k <= 60000) memo += row + "\"a long answer\nsecond line\"\n";
  }
  REQUIRE(plain.size() > (std::size_t{5} << 19));
  REQUIRE(memo.size() > (std::size_t{5} << 19));
  for (const auto& [name, content] : {std::pair<std::string, std::string>{"rb_plain.csv", plain}, {"rb_memo.csv", memo}}) {
    const std::string path = write_temp(name, content);
    for (const unsigned threads : {1u, 2u}) {
      INFO(name << ", threads " << threads);
      io::InputSha256 sha(path);
      std::uint64_t end = 0, given = 0;
      data::IngestOptions o;
      o.read_bytes = [&](std::uint64_t offset, std::string_view bytes) {
        if (name == "rb_plain.csv" || threads == 1) CHECK(offset <= end); // a gap only where ranges were re-read
        CHECK(std::string_view(content).substr(offset, bytes.size()) == bytes);
        end = std::max<std::uint64_t>(end, offset + bytes.size());
        given += bytes.size();
        sha.add(offset, bytes);
      };
      bool on = false;
      const Read r = read_all(path, o, threads, 4096, 1000, &on);
      CHECK(r.error.empty());
      CHECK(on == (threads > 1));
      CHECK(sha.hex() == io::sha256_file(path));
      if (threads == 1) CHECK(given == content.size());
      if (name == "rb_plain.csv") CHECK(sha.bytes_read_again() == 0);
      else if (threads > 1) CHECK(sha.bytes_read_again() > 0);
    }
  }
}
