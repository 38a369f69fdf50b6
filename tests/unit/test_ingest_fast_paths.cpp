// The fast paths of the CSV reader and of ingest (issue 5) give what the general paths give: quote-free
// records split in place, the in-house line splitter, integer cells of plain digits, code look-up tables,
// and the respondent-id index (sorted integers + hash table). Expected values are written from the
// definitions in docs/cli.md and docs/codebook.md, not taken from a run.
#include "hkstat/codebook/codebook.hpp"
#include "hkstat/core/error.hpp"
#include "hkstat/data/dataset.hpp"
#include "hkstat/io/csv_reader.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include "test_util.hpp"

#include <cstring>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <vector>

using namespace hkstat;

namespace {

using testutil::write_temp;
using testutil::problem_of;

std::vector<io::Record> read_all(const std::string& path) {
  io::CsvReader r(path);
  std::vector<io::Record> out;
  io::Record rec;
  while (r.next(rec)) out.push_back(rec);
  return out;
}

using Fields = std::vector<std::string>;

const codebook::Codebook& small() {
  static const codebook::Codebook cb = codebook::load_codebook(write_temp("small.codebook.toml", R"(
[codebook]
title = "fast paths"
questionnaire = "fast"
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
name = "q"
type = "code"
missing = [9, 5000]
codes = [ { code = 1, label = "a" }, { code = 2, label = "b" }, { code = 4097, label = "big" }, { code = -3, label = "negative" } ]

[[variable]]
name = "m"
type = "multi"
missing = [9]
columns = [ { name = "m1", code = 1, label = "x" }, { name = "m2", code = 2, label = "y" } ]
)"));
  return cb;
}

std::vector<std::size_t> duplicate_of(const data::IngestResult& res) {
  std::vector<std::size_t> out; // for each rejected row: its line, then the line it duplicates
  for (const auto& r : res.rejected)
    for (const auto& p : r.problems)
      if (p.code == ErrorCode::DataDuplicateId) out.push_back(r.line);
  return out;
}

// A codebook's start for the line-path tests: its title, the ages 15-64, an id and an age variable.
std::string id_age_codebook(const std::string& title) {
  return "[codebook]\ntitle = \"" + title + "\"\nquestionnaire = \"line\"\nage_min = 15\nage_max = 64\n\n"
         "[[variable]]\nname = \"id\"\nrole = \"id\"\ntype = \"id\"\n\n"
         "[[variable]]\nname = \"age\"\nrole = \"age\"\ntype = \"integer\"\n";
}

// The file at plain_path read twice: as written (a plain line read in one pass, IngestStream's line path) and as
// quoted_path, the same rows with the id quoted (every line split and read cell by cell by the rules): the two
// reads agree on every value, row and problem; and the plain file again in batches of 7 rows (the whole-file read
// takes its first 1,000 rows line by line, to size its columns): each batch leaves the reader's window and the
// next one takes it up again.
void expect_line_path_as_split(const codebook::Codebook& cb, const std::string& plain_path, const std::string& quoted_path, std::size_t min_rows,
                               std::size_t min_rejected) {
  const auto a = data::ingest(plain_path, cb, {});
  const auto b = data::ingest(quoted_path, cb, {});
  REQUIRE(a.data.rows() > min_rows);
  REQUIRE(a.rejected.size() > min_rejected);
  CHECK(a.rows_read == b.rows_read);
  CHECK(a.rows_rejected == b.rows_rejected);
  CHECK(a.data.lines == b.data.lines);
  CHECK(a.data.fullwidth_normalised == b.data.fullwidth_normalised);
  REQUIRE(a.data.columns.size() == b.data.columns.size());
  for (std::size_t v = 0; v < a.data.columns.size(); ++v) {
    INFO("variable " << cb.variables[v].name);
    const data::Column &x = a.data.columns[v], &y = b.data.columns[v];
    CHECK(x.ints == y.ints);
    CHECK(x.raw_missing == y.raw_missing);
    REQUIRE(x.numbers.size() == y.numbers.size());
    for (std::size_t k = 0; k < x.numbers.size(); ++k) CHECK(std::memcmp(&x.numbers[k], &y.numbers[k], sizeof(double)) == 0);
    CHECK(x.multi == y.multi);
    CHECK(x.multi_answered == y.multi_answered);
    CHECK(x.ids == y.ids);
  }
  REQUIRE(a.rejected.size() == b.rejected.size());
  for (std::size_t k = 0; k < a.rejected.size(); ++k) {
    INFO("rejected row at line " << a.rejected[k].line);
    CHECK(a.rejected[k].line == b.rejected[k].line);
    REQUIRE(a.rejected[k].problems.size() == b.rejected[k].problems.size());
    for (std::size_t j = 0; j < a.rejected[k].problems.size(); ++j) {
      Problem p = a.rejected[k].problems[j], q = b.rejected[k].problems[j];
      p.row_text = q.row_text = ""; // the quoted file's row has the quotes
      p.pos.file = q.pos.file = "line.csv";
      CHECK(format_problem(p, Lang::En) == format_problem(q, Lang::En));
      CHECK(p.pos.record_id == q.pos.record_id);
    }
  }
  data::IngestStream stream(plain_path, cb, {});
  data::IngestBatch batch;
  std::size_t at = 0, read = 0, rejected = 0;
  while (stream.next(7, batch)) {
    read += batch.rows_read;
    for (const auto& rr : batch.rejected) {
      REQUIRE(rejected < a.rejected.size());
      CHECK(rr.line == a.rejected[rejected].line);
      CHECK(rr.raw == a.rejected[rejected].raw);
      ++rejected;
    }
    for (std::size_t r = 0; r < batch.data.rows(); ++r, ++at) {
      REQUIRE(at < a.data.rows());
      CHECK(batch.data.lines[r] == a.data.lines[at]);
      for (std::size_t v = 0; v < a.data.columns.size(); ++v) {
        const data::Column &x = batch.data.columns[v], &y = a.data.columns[v];
        if (!x.ints.empty()) CHECK((x.ints[r] == y.ints[at] && x.raw_missing[r] == y.raw_missing[at]));
        if (!x.numbers.empty()) CHECK(std::memcmp(&x.numbers[r], &y.numbers[at], sizeof(double)) == 0);
        if (!x.multi.empty()) CHECK((x.multi[r] == y.multi[at] && x.multi_answered[r] == y.multi_answered[at]));
        if (!x.ids.empty()) CHECK(x.ids[r] == y.ids[at]);
      }
    }
  }
  CHECK(read == a.rows_read);
  CHECK(at == a.data.rows());
  CHECK(rejected == a.rejected.size());
}

} // namespace

TEST_CASE("quote-free and quoted records in one file split alike, reusing the previous record's fields", "[io][csv][fast]") {
  const auto recs = read_all(write_temp("mixed.csv", "a,b,c\n"
                                                     "1,,3\n"
                                                     "\"x,y\",\"\",z\n"
                                                     "long field here,2,\n"
                                                     ",,\n"
                                                     "4,5,6"));
  REQUIRE(recs.size() == 5);
  CHECK(recs[0].fields == Fields{"1", "", "3"});
  CHECK(recs[1].fields == Fields{"x,y", "", "z"});
  CHECK(recs[2].fields == Fields{"long field here", "2", ""});
  CHECK(recs[3].fields == Fields{"", "", ""});
  CHECK(recs[4].fields == Fields{"4", "5", "6"});
  CHECK(recs[4].line == 6);
  // The last line has no line end.
  io::CsvReader r(write_temp("last.csv", "a,b\n1,2\n3,4"));
  io::Record rec;
  REQUIRE(r.next(rec));
  REQUIRE(r.next(rec));
  CHECK(rec.fields == Fields{"3", "4"});
  CHECK(rec.line == 3);
  CHECK_FALSE(r.next(rec));
}

TEST_CASE("a record with fewer fields after a longer one is still a ragged row", "[io][csv][fast]") {
  const std::string path = write_temp("ragged.csv", "a,b,c\n1,2,3\n4,5\n");
  const auto p = problem_of([&] { read_all(path); });
  CHECK(p.code == ErrorCode::CsvRaggedRow);
  CHECK(p.pos.line == 3);
  CHECK(p.value == "2");
}

TEST_CASE("line ends: CRLF, CR CR LF, a second BOM, lines longer than the first buffer", "[io][csv][fast]") {
  const std::string long_cell(3 << 20, 'x'); // 3 MiB: more than the 1 MiB the line splitter starts with
  const auto recs = read_all(write_temp("ends.csv", "\xEF\xBB\xBF\xEF\xBB\xBF" "a,b\r\n1,2\r\r\n" + long_cell + ",3\n\n5,6\n"));
  REQUIRE(recs.size() == 3);
  CHECK(recs[0].fields == Fields{"1", "2"});
  CHECK(recs[0].line == 2);
  CHECK(recs[1].fields[0].size() == long_cell.size());
  CHECK(recs[1].fields[1] == "3");
  CHECK(recs[1].line == 3);
  CHECK(recs[2].fields == Fields{"5", "6"});
  CHECK(recs[2].line == 5); // the blank line 4 is skipped but counted
}

TEST_CASE("a line of exactly 16 MiB with its line end is read, one byte more is too long", "[io][csv][fast][large]") {
  const std::size_t limit = std::size_t{1} << 24;
  {
    const std::string path = write_temp("edge_ok.csv", "a,b\n1," + std::string(limit - 3, 'x') + "\n"); // "1," + cell + "\n" = 16 MiB
    const auto recs = read_all(path);
    REQUIRE(recs.size() == 1);
    CHECK(recs[0].fields[1].size() == limit - 3);
  }
  {
    const std::string path = write_temp("edge_long.csv", "a,b\n1," + std::string(limit - 2, 'x') + "\n");
    const auto p = problem_of([&] { read_all(path); });
    CHECK(p.code == ErrorCode::CsvLineTooLong);
    CHECK(p.pos.line == 2);
  }
  {
    const std::string path = write_temp("edge_long_last.csv", "a,b\n1," + std::string(limit, 'x')); // no line end at all
    const auto p = problem_of([&] { read_all(path); });
    CHECK(p.code == ErrorCode::CsvLineTooLong);
    CHECK(p.pos.line == 2);
  }
}

TEST_CASE("integer and code cells: plain digits, signs, spaces, full-width digits, codes outside the look-up table", "[data][fast]") {
  const std::string csv = "id,age,q,m1,m2\n"
                          "1,030,1,1,0\n"          // leading zero: 30
                          "2,+40,2,0,1\n"          // sign: 40
                          "3, 41 ,9,,\n"           // spaces trimmed; missing code 9; multi not answered
                          "4,４２,4097,1,1\n"       // full-width digits (1 cell normalised); code above the table
                          "5,999,-3,0,0\n"         // age missing code; negative code
                          "6,50,5000,9,1\n"        // missing code above the table; multi missing code 9 ignored
                          "7,51,3,0,0\n"           // 3: not a code
                          "8,-52,1,0,0\n"          // negative age: out of range
                          "9,53,4096,0,0\n"        // 4096: not a code
                          "10,1234567890123456789,1,0,0\n"; // 19 digits: out of range, through io::parse_integer
  auto res = data::ingest(write_temp("ints.csv", csv), small(), {});
  const auto& ds = res.data;
  REQUIRE(ds.rows() == 6);
  const auto* age = ds.column(std::string("age"));
  const auto* q = ds.column(std::string("q"));
  const auto* m = ds.column(std::string("m"));
  CHECK(age->ints == std::vector<std::int64_t>{30, 40, 41, 42, data::kMissing, 50});
  CHECK(age->raw_missing[4] == 999);
  CHECK(q->ints == std::vector<std::int64_t>{1, 2, data::kMissing, 4097, -3, data::kMissing});
  CHECK(q->raw_missing[2] == 9);
  CHECK(q->raw_missing[5] == 5000);
  CHECK(m->multi == std::vector<std::uint64_t>{0b01, 0b10, 0, 0b11, 0, 0b10});
  CHECK(m->multi_answered == std::vector<std::uint8_t>{1, 1, 0, 1, 1, 1});
  CHECK(ds.fullwidth_normalised == 1);
  REQUIRE(res.rejected.size() == 4);
  CHECK(res.rejected[0].line == 8);
  CHECK(res.rejected[0].problems[0].code == ErrorCode::DataUnknownCode);
  CHECK(res.rejected[1].line == 9);
  CHECK(res.rejected[1].problems[0].code == ErrorCode::DataOutOfRange);
  CHECK(res.rejected[2].line == 10);
  CHECK(res.rejected[2].problems[0].code == ErrorCode::DataUnknownCode);
  CHECK(res.rejected[3].line == 11);
  CHECK(res.rejected[3].problems[0].code == ErrorCode::DataOutOfRange);
}

TEST_CASE("duplicate ids are found in any order, whatever the mix of integer and other ids", "[data][fast]") {
  std::string csv = "id,age,q,m1,m2\n";
  auto row = [&](const std::string& id) { csv += id + ",30,1,0,0\n"; };
  for (int i = 1; i <= 3000; ++i) row(std::to_string(i)); // lines 2..3001, in increasing order
  row("1500");  // line 3002: duplicate of line 1501
  row("007");   // line 3003: not the integer 7 (ids are text)
  row("7");     // line 3004: duplicate of line 8
  row("A1");    // line 3005
  row("0");     // line 3006: new
  row("00");    // line 3007: new (not "0")
  row("2999");  // line 3008: duplicate of line 3000
  row("5000");  // line 3009: new, larger than every integer so far
  row("4000");  // line 3010: new, out of order: goes to the hash table
  row("4500");  // line 3011: new
  row("4000");  // line 3012: duplicate of line 3010
  row("6000");  // line 3013: new, larger than every integer so far
  row("6000");  // line 3014: duplicate of 3013
  row("A1");    // line 3015: duplicate of 3005
  row("007");   // line 3016: duplicate of 3003
  auto res = data::ingest(write_temp("ids.csv", csv), small(), {});
  CHECK(res.data.rows() == 3000 + 8); // 007, A1, 0, 00, 5000, 4000, 4500, 6000
  CHECK(duplicate_of(res) == std::vector<std::size_t>{3002, 3004, 3008, 3012, 3014, 3015, 3016});
  const std::vector<std::string> expected_first = {"1501", "8", "3000", "3010", "3013", "3005", "3003"};
  for (std::size_t k = 0; k < res.rejected.size(); ++k) {
    INFO("rejected row " << res.rejected[k].line);
    CHECK(res.rejected[k].problems[0].message.en == "duplicate respondent id (same as line " + expected_first[k] + ")");
  }
}

TEST_CASE("ids of a text and a number (NT0001 ...) are one family: duplicates found in any order, other forms apart", "[data][fast]") {
  std::string csv = "id,age,q,m1,m2\n";
  auto row = [&](const std::string& id) { csv += id + ",30,1,0,0\n"; };
  for (int i = 1; i <= 3000; ++i) row(fmt::format("NT{:04}", i)); // lines 2..3001: the family NT + four digits
  row("NT1500");  // line 3002: duplicate of line 1501
  row("NT01500"); // line 3003: five digits, not NT1500: new (outside the family)
  row("NT999");   // line 3004: three digits, not NT0999: new (outside the family)
  row("nt0001");  // line 3005: another prefix: new
  row("NT0001");  // line 3006: duplicate of line 2
  row("NT5000");  // line 3007: new, above every number so far (a new run)
  row("NT4000");  // line 3008: new, out of order (hashed)
  row("NT4000");  // line 3009: duplicate of line 3008
  row("NT999");   // line 3010: duplicate of line 3004
  row("NT01500"); // line 3011: duplicate of line 3003
  row("NT5000");  // line 3012: duplicate of line 3007
  row("1");       // line 3013: new (no prefix)
  row("NT3000");  // line 3014: duplicate of line 3001
  auto res = data::ingest(write_temp("prefixed_ids.csv", csv), small(), {});
  CHECK(res.data.rows() == 3000 + 6); // NT01500, NT999, nt0001, NT5000, NT4000, 1
  CHECK(duplicate_of(res) == std::vector<std::size_t>{3002, 3006, 3009, 3010, 3011, 3012, 3014});
  const std::vector<std::string> expected_first = {"1501", "2", "3008", "3004", "3003", "3007", "3001"};
  for (std::size_t k = 0; k < res.rejected.size() && k < expected_first.size(); ++k) {
    INFO("rejected row " << res.rejected[k].line);
    CHECK(res.rejected[k].problems[0].message.en == "duplicate respondent id (same as line " + expected_first[k] + ")");
  }
  // Plain numbers after a prefix (A1, A2, ... A10: no leading zeros) are a family too, and not the padded ones.
  std::string plain = "id,age,q,m1,m2\n";
  for (int i = 1; i <= 120; ++i) plain += "A" + std::to_string(i) + ",30,1,0,0\n";
  plain += "A010,30,1,0,0\nA10,30,1,0,0\nA0,30,1,0,0\nA00,30,1,0,0\nA0,30,1,0,0\n"; // lines 122..126
  auto res2 = data::ingest(write_temp("plain_prefixed_ids.csv", plain), small(), {});
  CHECK(duplicate_of(res2) == std::vector<std::size_t>{123, 126});
  CHECK(res2.data.rows() == 120 + 3);
}

TEST_CASE("a duplicate of an id after a record of two lines names the line it is really on", "[data][fast]") {
  // Ids 1..3000 in order, the record of id 2000 on two lines (a quoted line break): id k is on line k + 1 up to
  // 2000 and on line k + 2 after. The ids after it are not one run with those before (IdIndex: a run's ids are on
  // consecutive lines), so each duplicate names the line of its first occurrence. Read whole (the first 1,000
  // rows line by line, then the line path) and in batches of 7.
  std::string csv = "id,age,q,m1,m2\n";
  for (int i = 1; i <= 3000; ++i) csv += std::to_string(i) + (i == 2000 ? ",\"30\n\",1,0,0\n" : ",30,1,0,0\n");
  csv += "2500,30,1,0,0\n1500,30,1,0,0\n"; // lines 3003 and 3004
  const std::string path = write_temp("gap_ids.csv", csv);
  const auto res = data::ingest(path, small(), {});
  REQUIRE(res.rejected.size() == 2);
  CHECK(res.rejected[0].line == 3003);
  CHECK(res.rejected[0].problems[0].message.en == "duplicate respondent id (same as line 2502)");
  CHECK(res.rejected[1].problems[0].message.en == "duplicate respondent id (same as line 1501)");
  data::IngestStream stream(path, small(), {});
  data::IngestBatch batch;
  std::vector<std::string> messages;
  while (stream.next(7, batch))
    for (const auto& r : batch.rejected) messages.push_back(r.problems[0].message.en);
  CHECK(messages == std::vector<std::string>{"duplicate respondent id (same as line 2502)", "duplicate respondent id (same as line 1501)"});
}

TEST_CASE("the id of a rejected row still counts for later duplicates", "[data][fast]") {
  const std::string csv = "id,age,q,m1,m2\n"
                          "1,30,1,0,0\n"
                          "2,70,1,0,0\n" // age out of range: rejected, but its id is taken
                          "3,30,1,0,0\n"
                          "2,30,1,0,0\n"; // duplicate of line 3
  auto res = data::ingest(write_temp("rejected_ids.csv", csv), small(), {});
  REQUIRE(res.rejected.size() == 2);
  CHECK(res.rejected[1].line == 5);
  CHECK(res.rejected[1].problems[0].message.en == "duplicate respondent id (same as line 3)");
}

TEST_CASE("a line read in one pass (no split into fields) gives exactly what splitting it gives", "[data][fast][line]") {
  // The same random rows twice: as written, where a plain line is read field by field in one pass
  // (IngestStream's line path), and with the id quoted, which sends every line through the split and the cell-by-
  // cell rules (a quoted field reads as its text). Every cell spelling below is one of the line path's own fast
  // cases, a case it leaves to the rules, or an error; the two reads must agree on every value, row and problem.
  const auto cb = codebook::load_codebook(write_temp("line.codebook.toml", id_age_codebook("line path") + R"(
[[variable]]
name = "sex"
role = "sex"
type = "code"
missing = [9]
codes = [ { code = 1, label = "m" }, { code = 2, label = "f" }, { code = 12, label = "twelve" } ]

[[variable]]
name = "m"
type = "multi"
columns = [ { name = "m1", code = 1, label = "x" }, { name = "m2", code = 2, label = "y" }, { name = "m3", code = 3, label = "z" } ]

[[variable]]
name = "w"
role = "weight"
type = "number"

[[variable]]
name = "st"
role = "stratum"
type = "integer"

[[variable]]
name = "memo"
type = "text"

[[variable]]
name = "opt"
type = "code"
codes = [ { code = 1, label = "a" } ]

[[variable]]
name = "dm"
type = "multi"
delimiter = ";"
codes = [ { code = 1, label = "a" }, { code = 2, label = "b" }, { code = 3, label = "c" } ]
)"));
  const std::vector<std::string> ages = {"30", "15", "64", "14", "65", "", "0", "030", "3x", "１２", " 30", "30 ", "-5", "1234567890123456789", "7", "123456789012345678901234567890", "07", "99"};
  const std::vector<std::string> sexes = {"1", "2", "9", "0", "01", "10", "12", "", " 1", "99", "1.0", "３", "2 ", "123"};
  const std::vector<std::string> extras = {"x", "", "a b", "\xE3\x81\x82", "\"q,r\"", "1"};
  const std::vector<std::string> multis = {"0,0,1", "1,1,1", ",,", "1,,0", "2,0,0", "01,1,0", " 1,0,0", "1,0,0", "0,0,0", "1,0,1 "};
  const std::vector<std::string> weights = {"1", "56.36", "0", "0.0", "-1", "1e3", ".5", "5.", "12345678901234567", "", " 2.5", "7.125", "1.2.3",
                                            "123456789012345", "1234567890123456", "1234567890.12345", "0.000000000000001", "007.50"};
  const std::vector<std::string> strata = {"1", "12", "", "0", "007", "x", "3", "07", "1x", "9 "};
  const std::vector<std::string> memos = {"m", "", "\xE3\x81\x82", "a\"b", "\"a,b\"", "free text"};
  const std::vector<std::string> delimited = {"1;3", "", "2", "x", "1;;2", "3;1", " 2", "１", "4"}; // a variable on the general path
  std::mt19937 rng(20261206);
  const auto pick = [&](const std::vector<std::string>& v) -> const std::string& { return v[rng() % v.size()]; };
  // The line ends and blank lines (skipped, but counted in the line numbers) that the reader takes.
  const std::vector<std::string> ends = {"\n", "\n", "\n", "\n", "\n", "\n", "\n", "\r\n", "\r\n", "\r\r\n"};
  const std::vector<std::string> blanks = {"\n", " \n", "\t\r\n", "\xE3\x80\x80\n"};
  std::string plain = "id,age,sex,extra,m1,m2,m3,w,st,memo,dm\n", quoted = plain;
  // Valid rows of 120 bytes first, so that the random rows below straddle the end of the reader's first 1 MiB
  // (the lines read where the reader holds them, up to the last whole line of its buffer, then one line read
  // across the refill).
  for (int i = 0; i < 8000; ++i) {
    const std::string rest = ",40,1,x,0,1,0,2.5,1," + std::string(93, 'm') + ",1\n";
    plain += std::to_string(100000 + i) + rest;
    quoted += "\"" + std::to_string(100000 + i) + "\"" + rest;
  }
  REQUIRE(plain.size() < (std::size_t{1} << 20) - 50000);
  for (int i = 0; i < 3000; ++i) {
    const unsigned r = rng() % 100;
    const std::string id = r < 2 ? std::string() : r < 5 ? std::to_string(rng() % 50) : r < 7 ? " " + std::to_string(i) : std::to_string(i + 100);
    std::string rest = "," + pick(ages) + "," + pick(sexes) + "," + pick(extras) + "," + pick(multis) + "," + pick(weights) + "," +
                       pick(strata) + "," + pick(memos) + "," + pick(delimited) + pick(ends);
    // Most rows plain and valid, so that the line path is taken often.
    if (rng() % 2 == 0) rest = "," + std::to_string(15 + rng() % 50) + "," + std::to_string(1 + rng() % 2) + ",x," + pick(multis) + ",1.5," +
                               std::to_string(1 + rng() % 3) + ",m," + pick(delimited) + "\n";
    if (rng() % 30 == 0) rest += pick(blanks);
    plain += id + rest;
    quoted += "\"" + id + "\"" + rest;
  }
  REQUIRE(plain.size() > (std::size_t{1} << 20) + 20000);
  expect_line_path_as_split(cb, write_temp("line_plain.csv", plain), write_temp("line_quoted.csv", quoted), 9000, 100);
}

TEST_CASE("a run of four or more code columns read four answers at a time gives what splitting gives", "[data][fast][line]") {
  // Code variables in adjacent columns: c1..c5 (a run of five: four at a time, then one), then an integer, then
  // c6..c9, the run of four that ends the line. Answers of one digit (codes, a missing code, a digit that is no
  // code), of two digits (the four-at-a-time read must not take "12" or "10" as a digit), empty, spaced,
  // full-width, signed or text; line ends \n and \r\n; ids of many lengths.
  std::string toml = id_age_codebook("code runs");
  for (int k = 1; k <= 9; ++k)
    toml += "\n[[variable]]\nname = \"c" + std::to_string(k) +
            "\"\ntype = \"code\"\nmissing = [9]\ncodes = [ { code = 1, label = \"a\" }, { code = 2, label = \"b\" }, { code = 3, label = \"c\" }, "
            "{ code = 5, label = \"e\" }, { code = 12, label = \"l\" } ]\n";
  const auto cb = codebook::load_codebook(write_temp("runs.codebook.toml", toml));
  // ":" and "<" are the bytes after '9' ('0' + 10, '0' + 12: code 12), "/" the one before '0'.
  const std::vector<std::string> cells = {"1", "2", "3", "5", "9", "0", "4", "12", "10", "", " 1", "1 ", "３", "-1", "+2", "x", "01", "1.0", ":", "<", "/"};
  std::mt19937 rng(20261206);
  const auto cell = [&] { return rng() % 4 != 0 ? std::to_string(std::array{1, 2, 3, 5, 9}[rng() % 5]) : cells[rng() % cells.size()]; };
  std::string plain = "id,c1,c2,c3,c4,c5,age,c6,c7,c8,c9\n", quoted = plain;
  for (int i = 0; i < 6000; ++i) {
    std::string rest;
    for (int k = 1; k <= 5; ++k) rest += "," + (i < 1500 ? std::string("1") : cell());
    rest += "," + std::to_string(15 + rng() % 50);
    for (int k = 6; k <= 9; ++k) rest += "," + (i < 1500 ? std::string("2") : cell());
    rest += rng() % 5 == 0 ? "\r\n" : "\n";
    // Ids of 2 to 20 digits, all different (10^z (10 (i + 1) + 9)): the line pass copies those of 4 to 18 itself.
    const std::string id = std::to_string(i + 1) + "9" + std::string(static_cast<std::size_t>(i % 16), '0');
    plain += id + rest;
    quoted += "\"" + id + "\"" + rest;
  }
  expect_line_path_as_split(cb, write_temp("runs_plain.csv", plain), write_temp("runs_quoted.csv", quoted), 2000, 1000);
}
