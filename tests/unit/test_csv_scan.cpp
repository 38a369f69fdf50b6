// The CSV reader's scanners (io::CsvReader: lines without quotes split eight bytes at a time, the general path
// copying runs between quotes and delimiters, find_delim_or_quote) against a plain byte-at-a-time reading of the
// rules in csv_reader.hpp, on random files: quoted fields holding delimiters, "" and line breaks (LF and CRLF),
// lenient quotes (ab"c, "ab"c), bare CRs, UTF-8, and the same files in CP932 with trail bytes 0x5C and 0x40-0x7E.
#include "hkstat/io/csv_reader.hpp"

#include <catch2/catch.hpp>

#include "test_util.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

using namespace hkstat;

namespace {

// The rules, a byte at a time: physical lines end at '\n', trailing '\r's are removed from each, blank lines
// before a record are skipped, and a record continues on the next line while a quoted field is open.
struct RefRecord {
  std::size_t line = 0;
  std::vector<std::string> fields;
  std::string raw;
};

bool blank(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const char c = s[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f') {
      ++i;
    } else if (s.substr(i, 3) == "\xE3\x80\x80") {
      i += 3;
    } else {
      return false;
    }
  }
  return true;
}

std::vector<RefRecord> reference(const std::string& text, char delim) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    std::string l = text.substr(start, nl - start);
    while (!l.empty() && l.back() == '\r') l.pop_back();
    lines.push_back(l);
    start = nl + 1;
  }
  std::vector<RefRecord> out;
  std::size_t li = 0;
  while (li < lines.size()) {
    if (blank(lines[li])) {
      ++li;
      continue;
    }
    RefRecord r;
    r.line = li + 1;
    std::string field;
    bool in_quotes = false, quoted = false;
    for (bool first = true;; first = false) {
      REQUIRE(li < lines.size()); // the generator closes every quote
      const std::string& l = lines[li++];
      if (!first) {
        field += '\n';
        r.raw += '\n';
      }
      r.raw += l;
      for (std::size_t i = 0; i < l.size(); ++i) {
        const char c = l[i];
        if (in_quotes) {
          if (c == '"' && i + 1 < l.size() && l[i + 1] == '"') {
            field += '"';
            ++i;
          } else if (c == '"') {
            in_quotes = false;
          } else {
            field += c;
          }
        } else if (c == delim) {
          r.fields.push_back(field);
          field.clear();
          quoted = false;
        } else if (c == '"' && field.empty() && !quoted) {
          in_quotes = quoted = true;
        } else {
          field += c;
        }
      }
      if (!in_quotes) break;
    }
    r.fields.push_back(field);
    out.push_back(std::move(r));
  }
  return out;
}

// Characters with their UTF-8 and CP932 bytes: ASCII, kana and kanji whose second CP932 byte is 0x5C ('\') or
// another ASCII byte (ソ 83 5C, 表 95 5C, 能 94 5C, 東 93 8C, ア 83 41, 丁 92 9A, ｱ B1, 　 81 40).
struct Char {
  const char* utf8;
  const char* cp932;
};
const Char kChars[] = {{"a", "a"},
                       {"Z", "Z"},
                       {"1", "1"},
                       {" ", " "},
                       {"\\", "\\"},
                       {"ソ", "\x83\x5C"},
                       {"表", "\x95\x5C"},
                       {"能", "\x94\x5C"},
                       {"東", "\x93\x8C"},
                       {"ア", "\x83\x41"},
                       {"丁", "\x92\x9A"},
                       {"ｱ", "\xB1"},
                       {"\u3000", "\x81\x40"}};

struct Pair {
  std::string utf8, cp932;
  void add(const std::string& u, const std::string& c) {
    utf8 += u;
    cp932 += c;
  }
  void add(const std::string& s) { add(s, s); }
};

void add_text(Pair& out, std::mt19937& rng, std::size_t n, bool ascii) {
  std::uniform_int_distribution<std::size_t> pick(0, ascii ? 4 : std::size(kChars) - 1);
  for (std::size_t i = 0; i < n; ++i) {
    const Char& c = kChars[pick(rng)];
    out.add(c.utf8, c.cp932);
  }
}

// A random file of `cols` columns: plain ASCII rows (the fast path), rows with Japanese, quoted fields with
// delimiters, "", LF / CRLF line breaks and bare CRs inside, lenient quotes, bare CRs in unquoted fields.
Pair random_file(std::mt19937& rng, std::size_t rows, std::size_t cols, char delim) {
  Pair f;
  for (std::size_t c = 0; c < cols; ++c) f.add((c ? std::string(1, delim) : std::string()) + "c" + std::to_string(c));
  f.add("\n");
  std::uniform_int_distribution<int> pct(0, 99);
  std::uniform_int_distribution<std::size_t> len(0, 12);
  for (std::size_t r = 0; r < rows; ++r) {
    const int kind = pct(rng); // < 40: a plain ASCII row
    if (pct(rng) < 5) f.add(pct(rng) < 50 ? "\n" : " \r\n"); // a blank line before the record
    for (std::size_t c = 0; c < cols; ++c) {
      if (c) f.add(std::string(1, delim));
      const bool ascii = kind < 40 || pct(rng) < 50;
      const int shape = kind < 40 ? 0 : pct(rng);
      if (shape < 60) { // unquoted
        add_text(f, rng, len(rng), ascii);
        if (shape >= 50) f.add(pct(rng) < 50 ? "x\"y" : "\r"); // a quote inside, or a bare CR
      } else { // quoted
        f.add("\"");
        const std::size_t parts = 1 + len(rng) % 4;
        for (std::size_t p = 0; p < parts; ++p) {
          add_text(f, rng, len(rng), ascii);
          const int extra = pct(rng);
          if (extra < 20) f.add("\"\"");
          else if (extra < 35) f.add(std::string(1, delim));
          else if (extra < 50) f.add("\n");
          else if (extra < 60) f.add("\r\n");
          else if (extra < 65) f.add("\r");
        }
        f.add("\"");
        if (shape >= 95) f.add("t\"u"); // text after the closing quote
      }
    }
    if (f.utf8.back() == '\r' && pct(rng) < 50) f.add("z");
    const bool last = r + 1 == rows;
    if (!last || pct(rng) < 80) f.add(pct(rng) < 50 ? "\n" : "\r\n");
  }
  return f;
}

void check_file(const std::string& path, const std::string& utf8, char delim, io::Encoding enc) {
  const std::vector<RefRecord> want = reference(utf8, delim);
  REQUIRE(!want.empty());
  io::CsvOptions o;
  o.delimiter = delim;
  o.encoding = enc;
  io::CsvReader reader(path, o);
  CHECK(reader.header_line() == want[0].line);
  std::vector<std::string> header(want[0].fields.begin(), want[0].fields.end());
  CHECK(reader.header() == header);
  io::Record rec;
  std::size_t k = 1;
  while (reader.next(rec)) {
    REQUIRE(k < want.size());
    INFO("record " << k << " at line " << want[k].line);
    CHECK(rec.line == want[k].line);
    CHECK(rec.fields == want[k].fields);
    CHECK(rec.raw == want[k].raw);
    ++k;
  }
  CHECK(k == want.size());
}

} // namespace

TEST_CASE("find_delim_or_quote: the first quote or delimiter, at every offset", "[io][csv][scan]") {
  std::mt19937 rng(7);
  const std::string alphabet = std::string("ab,;\"\t\r\n\x80\xE3\xFF", 12);
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1), len(0, 70);
  for (int t = 0; t < 2000; ++t) {
    std::string s;
    const std::size_t n = len(rng);
    for (std::size_t i = 0; i < n; ++i) s += alphabet[pick(rng)];
    for (const char delim : {',', ';', '\t'}) {
      for (std::size_t from = 0; from <= s.size(); ++from) {
        std::size_t want = from;
        while (want < s.size() && s[want] != delim && s[want] != '"') ++want;
        REQUIRE(io::find_delim_or_quote(s, from, delim) == want);
      }
    }
  }
}

TEST_CASE("the reader's scanners give what a byte-at-a-time reading gives, UTF-8 and CP932", "[io][csv][scan]") {
  testutil::TempDir dir;
  std::mt19937 rng(2026);
  for (int t = 0; t < 120; ++t) {
    const char delim = t % 3 == 0 ? ',' : t % 3 == 1 ? ';' : '\t';
    const std::size_t cols = 2 + static_cast<std::size_t>(t % 7);
    const std::size_t rows = t % 40 == 39 ? 20000 : 1 + static_cast<std::size_t>(t * 7 % 60); // some files cross the 64 KiB chunks
    const Pair f = random_file(rng, rows, cols, delim);
    INFO("file " << t << ", delimiter " << int(delim) << ", " << cols << " columns, " << rows << " rows");
    check_file(dir.write("u" + std::to_string(t) + ".csv", f.utf8), f.utf8, delim, io::Encoding::Utf8);
    check_file(dir.write("s" + std::to_string(t) + ".csv", f.cp932), f.utf8, delim, io::Encoding::Cp932);
  }
}

TEST_CASE("CR-only line ends are still one header line, an encoding error", "[io][csv][scan]") {
  testutil::TempDir dir;
  const std::string path = dir.write("cr.csv", "a,b\r\"1\",2\r3,4\r");
  const Problem p = testutil::problem_of([&] { io::CsvReader r(path); });
  CHECK(p.code == ErrorCode::CsvInvalidEncoding);
}

TEST_CASE("count_newlines: what a byte-at-a-time count gives, at every offset and length, and past 255 blocks", "[io][csv][scan]") {
  std::mt19937 rng(16);
  const std::string alphabet = std::string("a\n\r,\"\x80\x0A\xFF", 8);
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::string s;
  for (int i = 0; i < 400; ++i) s += alphabet[pick(rng)];
  for (std::size_t from = 0; from < 80; ++from)
    for (std::size_t n = 0; from + n <= s.size(); n += 1 + n / 16) {
      const std::string_view v = std::string_view(s).substr(from, n);
      REQUIRE(io::count_newlines(v) == static_cast<std::size_t>(std::count(v.begin(), v.end(), '\n')));
    }
  // Every byte a line end: the per-lane counters of the 16-byte path must be summed before they wrap at 256.
  const std::string all(255 * 64 * 3 + 77, '\n');
  for (std::size_t from = 0; from < 20; ++from) REQUIRE(io::count_newlines(std::string_view(all).substr(from)) == all.size() - from);
  std::string mixed;
  for (int i = 0; i < 70000; ++i) mixed += alphabet[pick(rng)];
  REQUIRE(io::count_newlines(mixed) == static_cast<std::size_t>(std::count(mixed.begin(), mixed.end(), '\n')));
}

namespace {
// The records (or the error) of a range reader over the data after the header of `path`.
struct RangeResult {
  std::vector<io::Record> records;
  std::optional<Problem> error;
};
template <class Make> RangeResult read_range(Make&& make) {
  RangeResult r;
  try {
    io::CsvReader reader = make();
    io::Record rec;
    while (reader.next(rec)) r.records.push_back(rec);
  } catch (const Error& e) {
    r.error = e.problem();
  }
  return r;
}
} // namespace

TEST_CASE("a range read where it lies gives what a range read from a copy gives: UTF-8, CP932, NUL, bad UTF-8", "[io][csv][scan]") {
  testutil::TempDir dir;
  std::mt19937 rng(4242);
  for (int t = 0; t < 60; ++t) {
    const char delim = t % 2 == 0 ? ',' : '\t';
    Pair f = random_file(rng, 1 + static_cast<std::size_t>(t * 13 % 90), 2 + static_cast<std::size_t>(t % 6), delim);
    for (int variant = 0; variant < 4; ++variant) {
      std::string text = variant == 1 ? f.cp932 : f.utf8;
      const std::size_t hdr = text.find('\n') + 1;
      if (variant == 2 && text.size() > hdr + 5) text[hdr + (text.size() - hdr) / 2] = '\0'; // a NUL in the data
      if (variant == 3 && text.size() > hdr + 5) text[hdr + (text.size() - hdr) / 3] = '\xFF'; // not UTF-8
      INFO("file " << t << ", variant " << variant);
      io::CsvOptions o;
      o.delimiter = delim;
      o.encoding = variant == 1 ? io::Encoding::Cp932 : io::Encoding::Utf8;
      const std::string path = dir.write("r" + std::to_string(t) + "_" + std::to_string(variant) + ".csv", text);
      const io::CsvReader parent(path, o);
      const auto offset = parent.data_offset();
      REQUIRE(offset.has_value());
      const std::string bytes = text.substr(static_cast<std::size_t>(*offset));
      const RangeResult copied = read_range([&] { return io::CsvReader(parent, std::string(bytes), parent.header_end_line()); });
      const RangeResult borrowed = read_range([&] { return io::CsvReader(parent, bytes.data(), bytes.size(), parent.header_end_line()); });
      REQUIRE(borrowed.records.size() == copied.records.size());
      for (std::size_t k = 0; k < copied.records.size(); ++k) {
        CHECK(borrowed.records[k].line == copied.records[k].line);
        CHECK(borrowed.records[k].fields == copied.records[k].fields);
        CHECK(borrowed.records[k].raw == copied.records[k].raw);
      }
      REQUIRE(borrowed.error.has_value() == copied.error.has_value());
      if (copied.error) {
        CHECK(borrowed.error->code == copied.error->code);
        CHECK(borrowed.error->pos.line == copied.error->pos.line);
        CHECK(borrowed.error->pos.column == copied.error->pos.column);
        CHECK(borrowed.error->value == copied.error->value);
      }
      if (variant >= 2 && text.size() > hdr + 5) CHECK(copied.error.has_value());
    }
  }
}
