// Every TOML file hkstat reads (codebook, rule file, run configuration with its [weighting], report
// tables.toml) goes through one parse function (lib/src/core/toml_util.hpp). Malformed bytes never reach
// an assertion or an `unreachable` inside toml++: they are a located syntax error of the file's kind.
// Hardening issue 12, defect 11: the two fuzz inputs in tests/data/toml/ (also in fuzz/corpus/).
#include "hkstat/classify/ruleset.hpp"
#include "hkstat/codebook/codebook.hpp"
#include "hkstat/config/run_config.hpp"
#include "hkstat/core/error.hpp"
#include "hkstat/report/report_spec.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <functional>
#include <sstream>
#include <string>

using namespace hkstat;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Kind {
  const char* name;
  ErrorCode syntax;
  std::function<void(const std::string&)> parse;
};

const std::vector<Kind>& kinds() {
  static const std::vector<Kind> k{
      {"codebook", ErrorCode::CodebookSyntax, [](const std::string& t) { (void)codebook::parse_codebook(t, "x.toml"); }},
      {"rules", ErrorCode::RulesSyntax, [](const std::string& t) { (void)classify::parse_ruleset(t, "x.toml"); }},
      {"run config", ErrorCode::ConfigSyntax, [](const std::string& t) { (void)config::parse_run_config(t, "x.toml"); }},
      {"tables.toml", ErrorCode::ConfigSyntax,
       [](const std::string& t) {
         report::ReportTemplate tmpl;
         report::parse_tables_spec(t, "x.toml", tmpl);
       }},
  };
  return k;
}

Problem problem_of(const Kind& k, const std::string& text) {
  try {
    k.parse(text);
  } catch (const Error& e) {
    return e.problem();
  }
  FAIL(k.name << ": expected an error");
  return {};
}

} // namespace

TEST_CASE("defect 11: a lone opening bracket then NUL is a located syntax error, not a toml++ assertion", "[toml]") {
  const std::string text = read_file(HKSTAT_SOURCE_DIR "/tests/data/toml/codebook-toml_assert_bracket_nul.bin");
  REQUIRE(text == std::string("[\0", 2));
  for (const auto& k : kinds()) {
    INFO(k.name);
    const Problem p = problem_of(k, text);
    CHECK(p.code == k.syntax);
    CHECK(p.pos.file == "x.toml");
    CHECK(p.pos.line == 1);
    CHECK(p.pos.column == 2);
    CHECK(p.value == "U+0000");
  }
}

TEST_CASE("defect 11: a lone opening bracket then U+FECF is a located syntax error, not toml++'s unreachable", "[toml]") {
  const std::string text = read_file(HKSTAT_SOURCE_DIR "/tests/data/toml/codebook-toml_unreachable_bracket_U+FECF.bin");
  REQUIRE(text == "[\xEF\xBB\x8F");
  for (const auto& k : kinds()) {
    INFO(k.name);
    const Problem p = problem_of(k, text);
    CHECK(p.code == k.syntax);
    CHECK(p.pos.line == 1);
    CHECK(p.pos.column == 2);
    CHECK(p.value.find("U+FECF") != std::string::npos);
  }
}

TEST_CASE("a table header that cannot start with its character is located on later lines too", "[toml]") {
  // Header-only toml++ with checks that throw: the check that fired is located by the character it stopped on.
  for (const char* bad : {"a = 1\n\n  [\xE3\x81\x82]\n", "a = 1\n\n  [[\xEF\xBB\x8F]]\n", "a = 1\n\n  [ {x = 1} ]\n"}) {
    INFO(bad);
    const Problem p = problem_of(kinds()[0], bad);
    CHECK(p.code == ErrorCode::CodebookSyntax);
    CHECK(p.pos.line == 3);
    CHECK(p.pos.column >= 4);
  }
}

TEST_CASE("U+FCE6..U+FEFE where toml++ tests for whitespace: no unreachable, right answers", "[toml]") {
  // toml++ 3.3.0's is_non_ascii_horizontal_whitespace() reached __builtin_unreachable for these code points
  // (the fuzz input's U+FECF; U+FE0F is the emoji variation selector, U+FE41 the vertical bracket ﹁).
  for (const char* cp : {"\xEF\xBB\x8F", "\xEF\xB8\x8F", "\xEF\xB9\x81", "\xEF\xB3\xA6"}) {
    INFO(cp);
    // Valid TOML: a line-ending backslash in a multi-line string trims whitespace up to the character.
    const config::RunConfig cfg = config::parse_run_config(std::string("[estimate]\npopulation_label = \"\"\"\\\n   ") + cp + "x\"\"\"\n", "x.toml");
    REQUIRE(cfg.population_label);
    CHECK(*cfg.population_label == std::string(cp) + "x");
    // Not TOML: a located syntax error.
    const Problem p = problem_of(kinds()[1], std::string("a = [1,\n  ") + cp + "]\n");
    CHECK(p.code == ErrorCode::RulesSyntax);
    CHECK(p.pos.line == 2);
    CHECK(p.pos.column == 3);
  }
}

TEST_CASE("bytes TOML never allows are refused before parsing, with line and column", "[toml]") {
  struct Case {
    std::string text;
    std::size_t line, column;
    std::string value;
  };
  const std::vector<Case> cases{
      {"a = 1\n# comment \x01\n", 2, 11, "U+0001"},
      {"a = \"x\x7Fy\"\n", 1, 7, "U+007F"},
      {"a = 1\rb = 2\n", 1, 6, "U+000D"},
      {"a = \"\xC3\"\n", 1, 6, "\\xC3 \\x22 \\x0A"},
      {"a = \"\xC0\xAF\"\n", 1, 6, "\\xC0 \\xAF \\x22 \\x0A"},   // overlong '/'
      {"a = \"\xED\xA0\x80\"\n", 1, 6, "\\xED \\xA0 \\x80 \\x22"}, // a surrogate
      {"# \xE6\x97\xA5\xE6\x9C\xAC\n a = \"\xEF\xBF\xBE\"\n", 2, 7, "U+FFFE"},
      {"a = \"\xEF\xB7\x90\"\n", 1, 6, "U+FDD0"},
      {"a = \"\xF4\x8F\xBF\xBF\"\n", 1, 6, "U+10FFFF"},
      {"a = \"\xE6\x97\xA5\xE6\x97\"\n", 1, 7, "\\xE6 \\x97 \\x22 \\x0A"}, // a kanji cut short
      {"a = \"\xE6\x97\xA5\xE6\x97x\"\n", 1, 7, "\\xE6 \\x97 \\x78 \\x22"},
      {"a = \"\xE6x\x97\"\n", 1, 6, "\\xE6 \\x78 \\x97 \\x22"},
      {"a = \"\xE0\x80\xAF\"\n", 1, 6, "\\xE0 \\x80 \\xAF \\x22"}, // overlong
      {"# \xE6\x97\xA5\n# \xE9\xBF\xBF\xEF\xB7\xAF\n", 2, 4, "U+FDEF"},
      {"a = \"\xEE\x80\x80\xE6\x97", 1, 7, "\\xE6 \\x97"}, // the text ends inside a kanji
  };
  for (const auto& c : cases) {
    for (const auto& k : kinds()) {
      INFO(k.name << ": " << c.text);
      const Problem p = problem_of(k, c.text);
      CHECK(p.code == k.syntax);
      CHECK(p.pos.line == c.line);
      CHECK(p.pos.column == c.column);
      CHECK(p.value == c.value);
    }
  }
}

TEST_CASE("a refused byte is found wherever it falls in the eight-byte steps over printable ASCII", "[toml]") {
  // check_text skips printable ASCII eight bytes at a time: each refused byte at each place of a step (and the
  // last bytes of the text, read one at a time) is still found, at its own column.
  struct Bad {
    std::string bytes, value;
  };
  const std::vector<Bad> bad{{"\x01", "U+0001"}, {"\x1F", "U+001F"}, {"\x7F", "U+007F"}, {"\x80", "\\x80 \\x79 \\x79 \\x79"}, {"\xC3", "\\xC3 \\x79 \\x79 \\x79"}};
  for (const auto& b : bad) {
    for (std::size_t at = 0; at < 17; ++at) {
      const std::string text = "a = \"" + std::string(at, 'x') + b.bytes + "yyyyyyyyy\"\n";
      INFO(b.value << " after " << at << " bytes");
      const Problem p = problem_of(kinds().front(), text);
      CHECK(p.code == ErrorCode::CodebookSyntax);
      CHECK(p.pos.line == 1);
      CHECK(p.pos.column == 6 + at);
      CHECK(p.value == b.value);
    }
  }
  // A refused byte after two whole eight-byte steps, in a comment on the text's last line: found there too.
  const Problem last = problem_of(kinds().front(), "a = \"xxxxxxxxxxxxxxxx\"\n#\x02");
  CHECK(last.pos.line == 2);
  CHECK(last.pos.column == 2);
}

TEST_CASE("valid TOML with a BOM, CRLF line ends, tabs and non-ASCII text still parses", "[toml]") {
  const std::string text = "\xEF\xBB\xBF" "questionnaire = \"\xE8\xAA\xBF\xE6\x9F\xBB\"\r\n\t# \xE3\x82\xB3\xE3\x83\xA1\xE3\x83\xB3\xE3\x83\x88\r\n";
  try {
    (void)codebook::parse_codebook(text, "x.toml");
  } catch (const Error& e) {
    // The codebook is incomplete (no variables): any error must be about content, not syntax.
    CHECK(e.problem().code != ErrorCode::CodebookSyntax);
  }
  const config::RunConfig cfg = config::parse_run_config("\xEF\xBB\xBF" "[estimate]\r\npopulation = 1000\r\n\t# \xE6\x97\xA5\r\n", "x.toml");
  REQUIRE(cfg.population);
  CHECK(*cfg.population == 1000);
}
