// hkstat::io — CSV reader (encodings, RFC 4180, structural errors), text helpers, atomic writes.
#include "hkstat/core/error.hpp"
#include "hkstat/core/option_text.hpp"
#include "hkstat/io/atomic_file.hpp"
#include "hkstat/io/csv_reader.hpp"
#include "hkstat/io/encoding.hpp"
#include "hkstat/io/text.hpp"

#include <catch2/catch.hpp>

#include "test_util.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include <sys/stat.h>

using namespace hkstat;
using io::CsvOptions;
using io::CsvReader;
using io::Encoding;
using io::Record;

namespace fs = std::filesystem;

namespace {

using testutil::slurp;
using testutil::TempDir;

using testutil::problem_of;

std::string fixture(const std::string& name) { return std::string(HKSTAT_SOURCE_DIR "/tests/data/io/") + name; }

// Runs f, which must throw hkstat::Error, and returns its Problem.
std::vector<Record> read_all(CsvReader& r) {
  std::vector<Record> out;
  Record rec;
  while (r.next(rec)) out.push_back(rec);
  return out;
}

std::vector<Record> read_all(const std::string& path, CsvOptions opts = {}) {
  CsvReader r(path, opts);
  return read_all(r);
}

Problem problem_reading(const std::string& path, CsvOptions opts = {}) {
  return problem_of([&] { read_all(path, opts); });
}

CsvOptions with_encoding(Encoding e) {
  CsvOptions o;
  o.encoding = e;
  return o;
}


using Fields = std::vector<std::string>;

} // namespace

// ---- encodings ----------------------------------------------------------------------------------------

TEST_CASE("plain UTF-8 without BOM", "[io][csv]") {
  CsvReader r(fixture("plain.csv"));
  CHECK(r.header() == Fields{"id", "name", "age"});
  CHECK(r.header_line() == 1);
  CHECK(r.encoding() == Encoding::Utf8);
  CHECK_FALSE(r.had_bom());
  CHECK(r.path() == fixture("plain.csv"));
  const auto recs = read_all(r);
  REQUIRE(recs.size() == 2);
  CHECK(recs[0].line == 2);
  CHECK(recs[0].fields == Fields{"1", "山田", "35"});
  CHECK(recs[0].raw == "1,山田,35");
  CHECK(recs[1].line == 3);
  CHECK(recs[1].fields == Fields{"2", "佐藤", "４２"}); // the reader does not normalise cells
  CHECK(r.records_read() == 2);
}

TEST_CASE("UTF-8 BOM is stripped and reported", "[io][csv]") {
  for (Encoding e : {Encoding::Auto, Encoding::Utf8}) {
    CsvReader r(fixture("bom.csv"), with_encoding(e));
    CHECK(r.had_bom());
    CHECK(r.encoding() == Encoding::Utf8);
    CHECK(r.header() == Fields{"id", "name", "age"});
    const auto recs = read_all(r);
    REQUIRE(recs.size() == 1);
    CHECK(recs[0].fields == Fields{"1", "山田", "35"});
  }
  // An explicit CP932 on a file with a UTF-8 BOM is a contradiction, not silently mojibake.
  auto p = problem_of([] { CsvReader r(fixture("bom.csv"), with_encoding(Encoding::Cp932)); });
  CHECK(p.code == ErrorCode::CsvInvalidEncoding);
  CHECK(p.pos.line == 1);
}

TEST_CASE("CRLF line ends leave no carriage return in fields", "[io][csv]") {
  CsvReader r(fixture("crlf.csv"));
  CHECK(r.header() == Fields{"id", "name", "age"});
  const auto recs = read_all(r);
  REQUIRE(recs.size() == 2);
  CHECK(recs[0].fields == Fields{"1", "山田", "35"});
  CHECK(recs[1].line == 3);
  CHECK(recs[1].fields == Fields{"2", "a\nb", "7"}); // CRLF inside quotes becomes "\n"
  for (const auto& rec : recs)
    for (const auto& f : rec.fields) CHECK(f.find('\r') == std::string::npos);
}

TEST_CASE("CP932 is detected and converted to UTF-8", "[io][csv][cp932]") {
  for (Encoding e : {Encoding::Auto, Encoding::Cp932}) {
    CsvReader r(fixture("cp932.csv"), with_encoding(e));
    CHECK(r.encoding() == Encoding::Cp932);
    CHECK_FALSE(r.had_bom());
    CHECK(r.header() == Fields{"id", "name", "memo"});
    const auto recs = read_all(r);
    REQUIRE(recs.size() == 2);
    CHECK(recs[0].fields == Fields{"1", "山田太郎", "ｱｲｳ①～"}); // half-width kana, NEC special, U+FF5E
    CHECK(recs[1].line == 3);
    CHECK(recs[1].fields == Fields{"2", "佐藤", "表,示"}); // 表 = 0x95 0x5C (trail byte is a backslash)
  }
}

TEST_CASE("CP932 file read as UTF-8 fails at the first Japanese line", "[io][csv][cp932]") {
  auto p = problem_reading(fixture("cp932.csv"), with_encoding(Encoding::Utf8));
  CHECK(p.code == ErrorCode::CsvInvalidEncoding);
  CHECK(p.pos.file == fixture("cp932.csv"));
  CHECK(p.pos.line == 2);
  CHECK(p.value == "\\x8E");
  // The library names the option (‹encoding›); the command renders it as its flag, the library as its name.
  CHECK(p.expected.en == "UTF-8 or CP932 (Shift_JIS); try \u2039encoding\u203a cp932");
  CHECK(render_options(p.expected.en, OptionStyle::Flag) == "UTF-8 or CP932 (Shift_JIS); try --encoding cp932");
  CHECK(render_options(p.expected.en, OptionStyle::Name) == "UTF-8 or CP932 (Shift_JIS); try encoding cp932");
  CHECK(format_problem(p, Lang::En).find("--") == std::string::npos);
  CHECK(format_problem(p, Lang::En, OptionStyle::Flag).find("try --encoding cp932") != std::string::npos);
}

TEST_CASE("undecodable CP932 names the line", "[io][csv][cp932]") {
  auto p = problem_reading(fixture("cp932_bad.csv"), with_encoding(Encoding::Cp932));
  CHECK(p.code == ErrorCode::CsvInvalidEncoding);
  CHECK(p.pos.line == 3);
  CHECK(p.value == "\\x82");
  CHECK(p.message.en == "invalid byte sequence for CP932 (Shift_JIS)");
  // The lines before the bad one are still delivered first.
  CsvReader r(fixture("cp932_bad.csv"), with_encoding(Encoding::Cp932));
  Record rec;
  REQUIRE(r.next(rec));
  CHECK(rec.fields == Fields{"1", "ok"});
  CHECK_THROWS_AS(r.next(rec), Error);
}

TEST_CASE("invalid UTF-8 names the line and the bytes", "[io][csv]") {
  auto p = problem_reading(fixture("invalid_utf8.csv"), with_encoding(Encoding::Utf8));
  CHECK(p.code == ErrorCode::CsvInvalidEncoding);
  CHECK(p.pos.file == fixture("invalid_utf8.csv"));
  CHECK(p.pos.line == 4);
  CHECK(p.value == "\\x82\\xA0");
  CHECK(p.message.ja == "文字コードが不正です (UTF-8 として読めないバイト列)");
  CHECK(p.message.en == "invalid byte sequence for UTF-8");
  CHECK(render_options(p.expected.ja, OptionStyle::Flag) == "UTF-8 または CP932(Shift_JIS)。--encoding cp932 を指定してください");
  // Auto: the same bytes are valid CP932 (あ), so the file is read as CP932.
  CsvReader r(fixture("invalid_utf8.csv"));
  CHECK(r.encoding() == Encoding::Cp932);
  const auto recs = read_all(r);
  REQUIRE(recs.size() == 3);
  CHECK(recs[2].fields == Fields{"3", "あx"});
}

TEST_CASE("auto detection fails on bytes invalid in both encodings", "[io][csv]") {
  auto p = problem_of([] { CsvReader r(fixture("neither.csv")); });
  CHECK(p.code == ErrorCode::CsvInvalidEncoding);
  CHECK(p.pos.file == fixture("neither.csv"));
  CHECK(p.pos.line == 3);
  CHECK(p.value == "\\xFF");
}

TEST_CASE("an Excel workbook (.xlsx, .xls) is recognised, whatever encoding is asked for", "[io][csv]") {
  for (Encoding e : {Encoding::Auto, Encoding::Utf8, Encoding::Cp932}) {
    auto p = problem_of([&] { CsvReader r(HKSTAT_SOURCE_DIR "/tests/data/bad/survey.xlsx", with_encoding(e)); });
    CHECK(p.code == ErrorCode::CsvSpreadsheet);
    CHECK(std::string(code_name(p.code)) == "E_CSV_SPREADSHEET");
    CHECK(category_of(p.code) == ErrorCategory::Data);
    CHECK(p.message.en.find(".xlsx") != std::string::npos);
    CHECK(p.expected.ja.find("CSV") != std::string::npos);
    p = problem_of([&] { CsvReader r(HKSTAT_SOURCE_DIR "/tests/data/bad/survey.xls", with_encoding(e)); });
    CHECK(p.code == ErrorCode::CsvSpreadsheet);
    CHECK(p.message.en.find(".xls)") != std::string::npos);
  }
  // A CSV whose first header merely starts with "PK" is a CSV: only the 4-byte ZIP signature counts.
  const std::string path = (std::filesystem::temp_directory_path() / "hkstat_test_pk.csv").string();
  { std::ofstream(path, std::ios::binary) << "PK,x\n1,2\n"; }
  CsvReader r(path);
  CHECK(r.header() == Fields{"PK", "x"});
  std::filesystem::remove(path);
}

TEST_CASE("UTF-16 and NUL bytes are rejected", "[io][csv]") {
  auto p = problem_of([] { CsvReader r(fixture("utf16.csv")); });
  CHECK(p.code == ErrorCode::CsvInvalidEncoding);
  CHECK(p.pos.line == 1);
  CHECK(p.value == "\\xFF\\xFE");

  CsvReader r(fixture("nul.csv"));
  Record rec;
  REQUIRE(r.next(rec));
  CHECK(rec.fields == Fields{"1", "2"});
  p = problem_of([&] { r.next(rec); });
  CHECK(p.code == ErrorCode::CsvInvalidEncoding);
  CHECK(p.pos.line == 3);
  CHECK(p.value == "\\x00");
}

TEST_CASE("parse_encoding", "[io][encoding]") {
  CHECK(io::parse_encoding("auto") == Encoding::Auto);
  CHECK(io::parse_encoding("UTF-8") == Encoding::Utf8);
  CHECK(io::parse_encoding("utf8") == Encoding::Utf8);
  CHECK(io::parse_encoding("cp932") == Encoding::Cp932);
  CHECK(io::parse_encoding("Shift_JIS") == Encoding::Cp932);
  CHECK(io::parse_encoding("SJIS") == Encoding::Cp932);
  auto p = problem_of([] { io::parse_encoding("euc-jp"); });
  CHECK(p.code == ErrorCode::UsageInvalidOption);
  CHECK(p.value == "euc-jp");
  CHECK(std::string(io::encoding_name(Encoding::Utf8)) == "UTF-8");
  CHECK(std::string(io::encoding_name(Encoding::Cp932)) == "CP932");
}

TEST_CASE("CP932 characters split across read chunks and a file larger than the line buffer", "[io][csv][cp932][large]") {
  TempDir tmp;
  // Odd-length prefix so that two-byte characters straddle every 64 KiB boundary; > 32 MiB so that
  // io::LineReader refills its buffer from the byte source.
  const std::string sjis_a = "\x82\xA0\x82\xA2\x82\xA4"; // あいう
  std::string row_tail;
  for (int k = 0; k < 50; ++k) row_tail += sjis_a;
  std::string utf8_tail;
  for (int k = 0; k < 50; ++k) utf8_tail += "あいう";
  const std::string path = tmp.file("big_cp932.csv");
  std::size_t rows = 0;
  {
    std::ofstream out(path, std::ios::binary);
    out << "n,text,x\n";
    std::size_t bytes = 0;
    while (bytes < (std::size_t{36} << 20)) {
      const std::string row = std::to_string(rows) + ",\xB1" + row_tail + ",z\n"; // \xB1 = half-width ｱ (1 byte)
      out << row;
      bytes += row.size();
      ++rows;
    }
  }
  CsvReader r(path);
  CHECK(r.encoding() == Encoding::Cp932);
  Record rec;
  std::size_t n = 0;
  bool all_ok = true;
  while (r.next(rec)) {
    if (rec.line != n + 2 || rec.fields.size() != 3 || rec.fields[0] != std::to_string(n) || rec.fields[1] != "ｱ" + utf8_tail ||
        rec.fields[2] != "z") {
      all_ok = false;
      FAIL_CHECK("row " << n << " at line " << rec.line << " differs: " << rec.raw.substr(0, 40));
      break;
    }
    ++n;
  }
  CHECK(all_ok);
  CHECK(n == rows);
  CHECK(r.records_read() == rows);
}

TEST_CASE("invalid UTF-8 after the 64 KiB detection sample is found at its line", "[io][csv]") {
  TempDir tmp;
  std::string content = "a,b\n";
  std::size_t line = 1;
  while (content.size() < 100 * 1024) {
    content += "1,plain ascii text here\n";
    ++line;
  }
  content += "2,\xE3\x81\n"; // truncated あ
  const std::string path = tmp.write("late_bad.csv", content);
  auto p = problem_reading(path);
  CHECK(p.code == ErrorCode::CsvInvalidEncoding);
  CHECK(p.pos.line == line + 1);
  CHECK(p.value == "\\xE3\\x81");
}

TEST_CASE("a line longer than the line buffer is CsvLineTooLong", "[io][csv][large]") {
  TempDir tmp;
  const std::string path = tmp.write("long.csv", "a,b\n1," + std::string((std::size_t{1} << 24) + 10, 'x') + "\n");
  auto p = problem_reading(path);
  CHECK(p.code == ErrorCode::CsvLineTooLong);
  CHECK(p.pos.file == path);
  CHECK(p.pos.line == 2);
}

// ---- fields ---------------------------------------------------------------------------------------------

TEST_CASE("RFC 4180 quoting", "[io][csv]") {
  CsvReader r(fixture("quoted.csv"));
  CHECK(r.header() == Fields{"id", "text", "n"});
  const auto recs = read_all(r);
  REQUIRE(recs.size() == 5);
  CHECK(recs[0].line == 2);
  CHECK(recs[0].fields == Fields{"1", "a,b", "2"});
  CHECK(recs[1].line == 3);
  CHECK(recs[1].fields == Fields{"2", "say \"hi\"", "3"});
  // A quoted field over four physical lines (one of them empty): the record keeps its first line.
  CHECK(recs[2].line == 4);
  CHECK(recs[2].fields == Fields{"3", "line1\nline2\n\nline4", "4"});
  CHECK(recs[2].raw == "3,\"line1\nline2\n\nline4\",4");
  CHECK(recs[3].line == 8);
  CHECK(recs[3].fields == Fields{"4", "ab\"c", "xy"}); // lenient: stray quotes kept literally
  CHECK(recs[4].line == 9);
  CHECK(recs[4].fields == Fields{"5", "", ""});
}

TEST_CASE("blank lines before the header, in the middle and at the end are skipped", "[io][csv]") {
  CsvReader r(fixture("blank_lines.csv"));
  CHECK(r.header() == Fields{"id", "v"});
  CHECK(r.header_line() == 3);
  const auto recs = read_all(r);
  REQUIRE(recs.size() == 2);
  CHECK(recs[0].line == 4);
  CHECK(recs[0].fields == Fields{"1", "a"});
  CHECK(recs[1].line == 7);
  CHECK(recs[1].fields == Fields{"2", "b"});
}

TEST_CASE("empty files", "[io][csv]") {
  for (const char* name : {"empty.csv", "bom_only.csv", "blank_only.csv"}) {
    INFO(name);
    auto p = problem_of([&] { CsvReader r(fixture(name)); });
    CHECK(p.code == ErrorCode::CsvEmptyFile);
    CHECK(p.pos.file == fixture(name));
    CHECK(p.message.ja == "ファイルが空です (見出し行がありません)");
    CHECK(p.message.en == "the file is empty (no header row)");
  }
}

TEST_CASE("header names are trimmed and empty names allowed", "[io][csv]") {
  CsvReader r(fixture("header_quirks.csv"));
  CHECK(r.header() == Fields{"a", "b\nc", "", "d"}); // U+3000 trimmed
  CHECK(r.header_line() == 1);
  const auto recs = read_all(r);
  REQUIRE(recs.size() == 1);
  CHECK(recs[0].line == 3);
  CHECK(recs[0].fields == Fields{"1", "2", "3", "4"});
}

TEST_CASE("duplicate header names", "[io][csv]") {
  auto p = problem_of([] { CsvReader r(fixture("dup_header.csv")); });
  CHECK(p.code == ErrorCode::CsvDuplicateHeader);
  CHECK(p.pos.line == 1);
  CHECK(p.pos.column == 3);
  CHECK(p.value == "id");
  CHECK(p.message.en == "duplicate header \"id\" (columns 1 and 3)");
}

TEST_CASE("ragged rows", "[io][csv]") {
  CsvReader r(fixture("ragged.csv"));
  Record rec;
  REQUIRE(r.next(rec));
  REQUIRE(r.next(rec));
  CHECK(rec.line == 3);
  auto p = problem_of([&] { r.next(rec); });
  CHECK(p.code == ErrorCode::CsvRaggedRow);
  CHECK(p.pos.file == fixture("ragged.csv"));
  CHECK(p.pos.line == 4);
  CHECK(p.value == "2");
  CHECK(p.message.ja == "列の数が見出し行と異なります (2列)");
  CHECK(p.message.en == "row has 2 fields but the header has 3");
  CHECK(p.expected.ja == "3 列");
  CHECK(p.row_text == "7,8");
  CHECK(r.records_read() == 2);
}

TEST_CASE("ragged row text is cut to 200 bytes", "[io][csv]") {
  TempDir tmp;
  const std::string path = tmp.write("long_ragged.csv", "a,b\n" + std::string(300, 'x') + "\n");
  auto p = problem_reading(path);
  CHECK(p.code == ErrorCode::CsvRaggedRow);
  CHECK(p.row_text == std::string(200, 'x'));
}

TEST_CASE("unterminated quote names the line and column of the opening quote", "[io][csv]") {
  auto p = problem_reading(fixture("unterminated.csv"));
  CHECK(p.code == ErrorCode::CsvUnterminatedQuote);
  CHECK(p.pos.file == fixture("unterminated.csv"));
  CHECK(p.pos.line == 3);
  CHECK(p.pos.column == 2);
  CHECK(p.pos.column_name == "b");
  CHECK(p.message.ja == "引用符 \" が閉じられていません");
  CHECK(p.message.en == "unterminated quoted field");
}

TEST_CASE("cannot open", "[io][csv]") {
  auto p = problem_of([] { CsvReader r(fixture("no_such_file.csv")); });
  CHECK(p.code == ErrorCode::IoCannotOpen);
  CHECK(p.value == fixture("no_such_file.csv"));
  CHECK(p.message.en == "cannot open the file: No such file or directory");
  CHECK(p.message.ja == "ファイルを開けません: ファイルが見つかりません");
  p = problem_of([] { CsvReader r(HKSTAT_SOURCE_DIR "/tests/data/io"); });
  CHECK(p.code == ErrorCode::IoCannotOpen);
}

TEST_CASE("custom delimiter", "[io][csv]") {
  TempDir tmp;
  CsvOptions o;
  o.delimiter = '\t';
  const auto recs = read_all(tmp.write("t.tsv", "a\tb\n\"x\ty\"\t2\n"), o);
  REQUIRE(recs.size() == 1);
  CHECK(recs[0].fields == Fields{"x\ty", "2"});
  o.delimiter = '"';
  CHECK(problem_reading(tmp.file("t.tsv"), o).code == ErrorCode::UsageInvalidOption);
}

// ---- text helpers ---------------------------------------------------------------------------------------

TEST_CASE("is_valid_utf8", "[io][text]") {
  CHECK(io::is_valid_utf8(""));
  CHECK(io::is_valid_utf8("abc 山田 ①～😀"));
  CHECK_FALSE(io::is_valid_utf8("\x82\xA0"));          // CP932 あ
  CHECK_FALSE(io::is_valid_utf8("\xC0\x80"));          // overlong NUL
  CHECK_FALSE(io::is_valid_utf8("\xE0\x80\xAF"));      // overlong
  CHECK_FALSE(io::is_valid_utf8("\xED\xA0\x80"));      // surrogate
  CHECK_FALSE(io::is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  CHECK_FALSE(io::is_valid_utf8("\xE3\x81"));          // truncated
  CHECK(io::find_invalid_utf8("ab\xE3\x81", true) == std::string_view::npos);
  CHECK(io::find_invalid_utf8("ab\xE3\x81") == 2);
}

TEST_CASE("trim", "[io][text]") {
  CHECK(io::trim("  a b \t\r\n") == "a b");
  CHECK(io::trim("\xE3\x80\x80 山田\xE3\x80\x80") == "山田");
  CHECK(io::trim("\xE3\x80\x80") == "");
  CHECK(io::trim("") == "");
  CHECK(io::trim("x\xE3\x80\x80y") == "x\xE3\x80\x80y");
}

TEST_CASE("normalize_numeric", "[io][text]") {
  bool changed = true;
  CHECK(io::normalize_numeric(" 35 ", &changed) == "35");
  CHECK_FALSE(changed);
  CHECK(io::normalize_numeric("３５", &changed) == "35");
  CHECK(changed);
  CHECK(io::normalize_numeric("\xE3\x80\x80－１２．５\xE3\x80\x80", &changed) == "-12.5");
  CHECK(changed);
  CHECK(io::normalize_numeric("＋７", &changed) == "+7");
  CHECK(io::normalize_numeric("\xE2\x88\x92" "3", &changed) == "-3"); // U+2212
  CHECK(changed);
  CHECK(io::normalize_numeric("０１２３４５６７８９") == "0123456789");
  CHECK(io::normalize_numeric("無回答", &changed) == "無回答");
  CHECK_FALSE(changed);
  CHECK(io::normalize_numeric("") == "");
}

TEST_CASE("parse_integer", "[io][text]") {
  CHECK(io::parse_integer("0") == 0);
  CHECK(io::parse_integer("42") == 42);
  CHECK(io::parse_integer("-7") == -7);
  CHECK(io::parse_integer("+7") == 7);
  CHECK(io::parse_integer("007") == 7);
  CHECK(io::parse_integer("9223372036854775807") == 9223372036854775807LL);
  CHECK_FALSE(io::parse_integer("9223372036854775808"));
  CHECK_FALSE(io::parse_integer(""));
  CHECK_FALSE(io::parse_integer("+"));
  CHECK_FALSE(io::parse_integer("-"));
  CHECK_FALSE(io::parse_integer("+-1"));
  CHECK_FALSE(io::parse_integer("1.0"));
  CHECK_FALSE(io::parse_integer(" 1"));
  CHECK_FALSE(io::parse_integer("1 "));
  CHECK_FALSE(io::parse_integer("12a"));
  CHECK_FALSE(io::parse_integer("0x10"));
  CHECK_FALSE(io::parse_integer("３"));
  CHECK(io::parse_integer(io::normalize_numeric("３")) == 3);
}

TEST_CASE("parse_double", "[io][text]") {
  CHECK(io::parse_double("1.5") == 1.5);
  CHECK(io::parse_double("-0.25") == -0.25);
  CHECK(io::parse_double("+2") == 2.0);
  CHECK(io::parse_double(".5") == 0.5);
  CHECK(io::parse_double("1e3") == 1000.0);
  CHECK(io::parse_double("2.5E-1") == 0.25);
  CHECK(io::parse_double("131178") == 131178.0);
  CHECK_FALSE(io::parse_double(""));
  CHECK_FALSE(io::parse_double("+"));
  CHECK_FALSE(io::parse_double("+-1"));
  CHECK_FALSE(io::parse_double("1,000"));
  CHECK_FALSE(io::parse_double("1.5x"));
  CHECK_FALSE(io::parse_double(" 1"));
  CHECK_FALSE(io::parse_double("1e"));
  CHECK_FALSE(io::parse_double("inf"));
  CHECK_FALSE(io::parse_double("nan"));
  CHECK_FALSE(io::parse_double("1e999"));
  CHECK_FALSE(io::parse_double("0x1p3"));
}

// ---- atomic writes --------------------------------------------------------------------------------------

TEST_CASE("write_file_atomic writes the content and leaves no temp file", "[io][atomic]") {
  TempDir tmp;
  const std::string path = tmp.file("out.csv");
  io::write_file_atomic(path, "a,b\n1,2\n");
  CHECK(slurp(path) == "a,b\n1,2\n");
  io::write_file_atomic(path, "replaced");
  CHECK(slurp(path) == "replaced");
  CHECK(tmp.entries() == std::vector<std::string>{"out.csv"});
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0444) == 0444); // not mkstemp's 0600 (assuming an ordinary umask)
}

TEST_CASE("writing into a missing directory throws IoCannotWrite and leaves nothing", "[io][atomic]") {
  TempDir tmp;
  const std::string path = tmp.file("no_such_dir/out.csv");
  auto p = problem_of([&] { io::write_file_atomic(path, "x"); });
  CHECK(p.code == ErrorCode::IoCannotWrite);
  CHECK(p.pos.file == path);
  CHECK(p.value == path);
  CHECK(tmp.entries().empty());
}

TEST_CASE("renaming over a directory fails cleanly", "[io][atomic]") {
  TempDir tmp;
  fs::create_directory(tmp.file("taken"));
  auto p = problem_of([&] { io::write_file_atomic(tmp.file("taken"), "x"); });
  CHECK(p.code == ErrorCode::IoCannotWrite);
  CHECK(tmp.entries() == std::vector<std::string>{"taken"});
}

TEST_CASE("AtomicFile without commit removes its temp file and keeps the old target", "[io][atomic]") {
  TempDir tmp;
  const std::string path = tmp.write("keep.csv", "old");
  {
    io::AtomicFile f(path);
    f.write("new ");
    f.write("content");
    if (f.unnamed_temp()) { // O_TMPFILE: the data have no name until commit
      CHECK(f.temp_path().empty());
      CHECK(tmp.entries() == std::vector<std::string>{"keep.csv"});
    } else { // file systems without O_TMPFILE: a named temp file beside the target
      CHECK(fs::exists(f.temp_path()));
      CHECK(f.temp_path().rfind(path + ".tmp-", 0) == 0);
    }
  }
  CHECK(slurp(path) == "old");
  CHECK(tmp.entries() == std::vector<std::string>{"keep.csv"});

  io::AtomicFile f(path);
  f.write("new ");
  f.write("content");
  f.commit();
  CHECK(slurp(path) == "new content");
  CHECK(tmp.entries() == std::vector<std::string>{"keep.csv"});
  CHECK(problem_of([&] { f.write("more"); }).code == ErrorCode::IoCannotWrite);
}
