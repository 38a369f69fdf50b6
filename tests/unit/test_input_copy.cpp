// An input read more than once through its copy (docs/cli.md "Standard input"; cli/common.hpp read_more_than_once):
// io::CsvSource::copy / data::IngestOptions::read_bytes hand on every byte the reader reads, in order and as in the
// file (BOM, CP932, the 64 KiB sample and the reads after it), and a pass over the copy (io::Spool::read_path) under
// the input's name (display_name) gives the same rows, encoding and problem places as the input.
#include "hkstat/codebook/codebook.hpp"
#include "hkstat/data/dataset.hpp"
#include "hkstat/io/csv_reader.hpp"
#include "hkstat/io/spool.hpp"

#include "test_util.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace hkstat;

namespace {

const char* const kCodebook = R"([codebook]
title = "copy"
[[variable]]
name = "id"
role = "id"
type = "id"
[[variable]]
name = "sex"
role = "sex"
type = "code"
codes = [ { code = 1, label = "男性" }, { code = 2, label = "女性" } ]
[[variable]]
name = "memo"
type = "text"
)";

// `rows` data rows; row 1,000 (if any) has an undefined code; memos in Japanese (CP932 when converted).
std::string survey(std::size_t rows, bool bad) {
  std::string s = "id,sex,memo\n";
  for (std::size_t i = 1; i <= rows; ++i)
    s += std::to_string(i) + "," + (bad && i == 1000 ? "7" : std::to_string(1 + i % 2)) + ",自由記述のメモ" + std::to_string(i) + "\n";
  return s;
}

// The same text in CP932 (the memo's characters: a fixed table, enough for this file).
std::string to_cp932(const std::string& utf8) {
  const std::vector<std::pair<std::string, std::string>> table = {
      {"自", "\x8E\xA9"}, {"由", "\x97\x52"}, {"記", "\x8B\x4C"}, {"述", "\x8F\x71"}, {"の", "\x82\xCC"}, {"メ", "\x83\x81"}, {"モ", "\x83\x82"}};
  std::string out;
  for (std::size_t i = 0; i < utf8.size();) {
    bool done = false;
    for (const auto& [u, c] : table)
      if (utf8.compare(i, u.size(), u) == 0) {
        out += c;
        i += u.size();
        done = true;
        break;
      }
    if (!done) out += utf8[i++];
  }
  return out;
}

struct Pass {
  std::size_t rows = 0, rejected = 0;
  std::string encoding, source, first_problem;
  std::size_t problem_line = 0, problem_column = 0;
};

Pass read_all(const std::string& path, const codebook::Codebook& cb, data::IngestOptions o) {
  data::IngestStream s(path, cb, o);
  Pass p;
  p.encoding = s.encoding();
  data::IngestBatch b;
  while (s.next(97, b)) {
    p.rows += b.data.rows();
    if (b.data.rows() > 0) p.source = b.data.source;
    for (const auto& r : b.rejected)
      if (p.first_problem.empty()) {
        p.first_problem = r.problems.front().pos.file;
        p.problem_line = r.problems.front().pos.line;
        p.problem_column = r.problems.front().pos.column;
      }
  }
  p.rejected = s.rows_rejected();
  return p;
}

} // namespace

TEST_CASE("input copy: every byte as in the file, and a pass over the copy under the input's name", "[io][stream]") {
  testutil::TempDir t;
  const codebook::Codebook cb = codebook::load_codebook(t.write("copy.codebook.toml", kCodebook));
  struct Case {
    const char* name;
    std::string bytes;
    const char* encoding;
  };
  const std::string big = survey(6000, true); // ≈ 190 KB: the sample and several reads after it
  const std::vector<Case> cases = {{"UTF-8 with BOM", "\xEF\xBB\xBF" + big, "UTF-8"},
                                   {"CP932", to_cp932(big), "CP932"},
                                   {"small UTF-8, no final line end", survey(5, false).substr(0, survey(5, false).size() - 1), "UTF-8"}};
  for (const Case& c : cases) {
    INFO(c.name);
    const std::string path = t.write("in.csv", c.bytes);
    io::Spool spool("<copy>");
    data::IngestOptions o;
    o.read_bytes = [&](std::uint64_t offset, std::string_view b) {
      CHECK(offset == spool.size()); // one thread: every byte once, in order
      spool.write(b);
    };
    const Pass first = read_all(path, cb, o);
    CHECK(first.encoding == c.encoding);
    CHECK(spool.size() == c.bytes.size());
    CHECK(testutil::slurp(spool.read_path()) == c.bytes);
    data::IngestOptions again;
    again.display_name = path;
    const Pass second = read_all(spool.read_path(), cb, again);
    CHECK(second.rows == first.rows);
    CHECK(second.rejected == first.rejected);
    CHECK(second.encoding == first.encoding);
    CHECK(second.source == path);
    CHECK(second.first_problem == first.first_problem);
    CHECK(second.problem_line == first.problem_line);
    CHECK(second.problem_column == first.problem_column);
  }
  // The reader alone: its copy is the file's bytes, and messages name the given input.
  const std::string path = t.write("raw.csv", "a,b\n1,2\n3\n");
  std::string copied;
  io::CsvReader r(path, {}, io::CsvSource{"<stdin>", [&](std::string_view b) { copied.append(b); }});
  io::Record rec;
  CHECK(r.next(rec));
  const Problem p = testutil::problem_of([&] { r.next(rec); }); // a ragged row
  CHECK(p.pos.file == "<stdin>");
  CHECK(p.pos.line == 3);
  CHECK(copied == "a,b\n1,2\n3\n");
}
