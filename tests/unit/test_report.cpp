// Report layer: number formats as Japanese reports print them; renderers; suppression.
#include "hkstat/table/csv_cells.hpp"
#include "hkstat/table/number_format.hpp"
#include "hkstat/report/estimate_report.hpp"
#include "hkstat/report/number_format.hpp"
#include "hkstat/report/table.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <map>
#include <tuple>

using namespace hkstat;
using namespace hkstat::report;

TEST_CASE("numbers look like Japanese reports", "[report]") {
  CHECK(with_thousands(131178) == "131,178");
  CHECK(with_thousands(999) == "999");
  CHECK(with_thousands(1000) == "1,000");
  CHECK(format_persons(3238.96) == "3,239");
  CHECK(format_percent(20.0 / 810.0, 1) == "2.5%");
  CHECK(format_percent(20.0 / 810.0, 2) == "2.47%");
  CHECK(format_percent(59.0 / 3287.0, 2) == "1.79%");
  CHECK(format_percent(0.0, 1) == "0.0%");
  CHECK(format_man(696399.0) == "69.6万");
  CHECK(format_man(541000.0) == "54.1万");
  CHECK(format_man(1460000.0) == "146.0万");
  CHECK(format_raw(0.5) == "0.5");
  CHECK(format_raw(1.0 / 3.0) == "0.3333333333333333");
}

TEST_CASE("append_raw writes fmt's shortest round-trip form of any double", "[report]") {
  // The data files of weight and replicate: the characters of fmt::format("{}", v), read back as the same double.
  std::mt19937_64 rng(16);
  std::vector<double> values{0.0, -0.0, 1.0, 1e16, 1e17, 123456789012345678.0, 1e-5, 1e-4, 5e-324, 2.2250738585072014e-308,
                             std::numeric_limits<double>::max(), -std::numeric_limits<double>::max(), 508.651 * 2, 0.1 + 0.2};
  for (int i = 0; i < 20000; ++i) {
    std::uint64_t bits = rng();
    double v;
    std::memcpy(&v, &bits, sizeof v);
    if (std::isfinite(v)) values.push_back(v);
    values.push_back(std::uniform_real_distribution<double>(0, 2000)(rng));
  }
  for (const double v : values) {
    std::string out = "x";
    hkstat::table::append_raw(out, v);
    INFO(fmt::format("{}", v));
    REQUIRE(out == "x" + fmt::format("{}", v));
    CHECK(std::strtod(out.c_str() + 1, nullptr) == v);
  }
}

TEST_CASE("numbers beyond the 64-bit integers are formatted, not cast (UBSan)", "[report]") {
  CHECK(with_thousands(std::numeric_limits<long long>::min()) == "-9,223,372,036,854,775,808");
  CHECK(with_thousands(std::numeric_limits<long long>::max()) == "9,223,372,036,854,775,807");
  CHECK(format_persons(9.3e18) == "9,300,000,000,000,000,000");
  CHECK(format_persons(-9.3e18) == "-9,300,000,000,000,000,000");
  CHECK(format_man(1e22) == "1,000,000,000,000,000,000.0万");
  const std::string huge = format_persons(1e300);
  CHECK(huge.size() == 301 + 100); // 301 digits, a comma every three
  CHECK(huge.rfind("1,000,000,000,000,000,05", 0) == 0);
  CHECK(format_persons(-0.2) == "0");
}

TEST_CASE("display width counts East Asian wide characters as 2", "[report]") {
  CHECK(display_width("abc") == 3);
  CHECK(display_width("広義") == 4);
  CHECK(display_width("2.5%～3.0%") == 10);
}

TEST_CASE("CSV escaping follows RFC 4180", "[report]") {
  CHECK(csv_escape("plain") == "plain");
  CHECK(csv_escape("a,b") == "\"a,b\"");
  CHECK(csv_escape("say \"hi\"") == "\"say \"\"hi\"\"\"");
  Table t;
  t.columns = {Column{"a", Text{"A", "A"}, Align::Left, true, true}, Column{"b", Text{"B", "B"}, Align::Right, false, true}};
  t.rows = {{Cell{Text{"x", "x"}, "1"}, Cell{Text{}, "y,z"}}};
  CHECK(render_csv(t) == "a,b\n1,\"y,z\"\n");
}

TEST_CASE("CSV cells for spreadsheets: a formula-like text gets a quote mark, a number stays a number", "[report]") {
  CHECK(csv_cell("=1+2") == "'=1+2");
  CHECK(csv_cell("+x") == "'+x");
  CHECK(csv_cell("@SUM(A1)") == "'@SUM(A1)");
  CHECK(csv_cell("\tx") == "'\tx");
  CHECK(csv_cell("\rx") == "\"'\rx\"");
  CHECK(csv_cell("-a,b") == "\"'-a,b\"");
  CHECK(csv_cell("=\"q\"") == "\"'=\"\"q\"\"\"");
  for (const char* number : {"-0.25", "+3", "-1e-3", "-2.5E+10", "-7."}) CHECK(csv_cell(number) == number);
  for (const char* text : {"-", "+", "-e5", "-1e", "-1.2.3", "--1"}) CHECK(csv_cell(text) == std::string("'") + text);
  CHECK(csv_cell("") == "");
  CHECK(csv_cell("a\"b") == "\"a\"\"b\"");
  CHECK(csv_cell("x\ny") == "\"x\ny\"");
  // The appending forms (what the per-respondent commands write with) give the same bytes after what is there.
  for (const std::string f : {"plain", "a,b", "=1", "-0.5", "-x,\"y\"", "", "広義,狭義"}) {
    std::string cell = "<", escaped = "<";
    hkstat::table::append_csv_cell(cell, f);
    hkstat::table::append_csv_escaped(escaped, f);
    CHECK(cell == "<" + csv_cell(f));
    CHECK(escaped == "<" + csv_escape(f));
  }
}

TEST_CASE("text and Markdown render from the same table", "[report]") {
  Document d;
  d.title = Text{"題", "Title"};
  d.facts = {{Text{"鍵", "key"}, Text{"値", "value"}}};
  Table t;
  t.title = Text{"表", "Table"};
  t.columns = {Column{"a", Text{"区分", "group"}, Align::Left, true, true}, Column{"n", Text{"人数", "n"}, Align::Right, true, true}};
  t.rows = {{Cell{Text{"広義", "broad"}, "broad"}, Cell{Text{"20", "20"}, "20"}}};
  t.notes = {Text{"注記", "note"}};
  d.tables = {t};
  CHECK(render_text(d, Lang::Ja) == "題\n\n鍵  値\n\n表\n区分  人数\n----------\n広義    20\n注: 注記\n");
  CHECK(render_markdown(d, Lang::En) == "# Title\n\n- **key**: value\n\n## Table\n\n| group | n |\n|:---|---:|\n| broad | 20 |\n\n- note\n");
}

// ---- Suppression of the prevalence table (estimate_report.cpp) --------------------------------------------

namespace {

using hkstat::estimate::Measure;

// A result with cells (group, by level) → {broad, narrow, semi} case counts; n = 100 per cell.
hkstat::estimate::PrevalenceResult result_of(const std::vector<std::tuple<std::string, std::string, int, int>>& cells) {
  hkstat::estimate::PrevalenceResult r;
  r.n = 100;
  for (const auto& [group, level, narrow, semi] : cells)
    for (Measure m : {Measure::Broad, Measure::Narrow, Measure::Semi}) {
      hkstat::estimate::PrevalenceCell c;
      c.measure = m;
      c.group = group;
      c.est.n = 100;
      c.cases = static_cast<std::size_t>(m == Measure::Broad ? narrow + semi : m == Measure::Narrow ? narrow : semi);
      c.est.value = static_cast<double>(c.cases) / 100.0;
      c.rate_used = c.est.value;
      c.est.interval = hkstat::estimate::Interval{c.est.value, c.est.value, ""};
      if (!level.empty()) {
        c.by_variable = "sex";
        c.by_level = level;
        c.by_label = level;
      }
      r.cells.push_back(c);
    }
  return r;
}

// suppressed flag of each cell, keyed "group/level/measure".
std::map<std::string, bool> hidden_cells(const hkstat::estimate::PrevalenceResult& r) {
  const hkstat::classify::Classification cls;
  const Table t = prevalence_table(r, cls, DisplayOptions{});
  std::size_t col = 0;
  while (t.columns[col].id != "suppressed") ++col;
  std::map<std::string, bool> out;
  for (std::size_t i = 0; i < r.cells.size(); ++i)
    out[r.cells[i].group + "/" + r.cells[i].by_level + "/" + hkstat::estimate::measure_id(r.cells[i].measure)] = t.rows[i][col].raw == "1";
  return out;
}

} // namespace

TEST_CASE("suppression: no additive set keeps exactly one hidden cell, even a hidden total", "[report][suppression]") {
  // 15-39 broad = 3 (hidden); the age groups add up to all, so 40-64 broad is hidden as its complement. Then
  // 40-64 broad = narrow + semi would give it away unless one of those is hidden too.
  const auto r = result_of({{"all", "", 8, 15}, {"15-39", "", 3, 0}, {"40-64", "", 5, 15}});
  const auto h = hidden_cells(r);
  CHECK(h.at("15-39//broad"));
  CHECK(h.at("40-64//broad"));
  CHECK(h.at("40-64//narrow") + h.at("40-64//semi") >= 1);
  // Every set: broad = narrow + semi per group; all = 15-39 + 40-64 per measure.
  for (const char* g : {"all", "15-39", "40-64"})
    CHECK(h.at(std::string(g) + "//broad") + h.at(std::string(g) + "//narrow") + h.at(std::string(g) + "//semi") != 1);
  for (const char* m : {"broad", "narrow", "semi"})
    CHECK(h.at(std::string("all//") + m) + h.at(std::string("15-39//") + m) + h.at(std::string("40-64//") + m) != 1);
}

TEST_CASE("suppression: a total hidden as a complement is protected inside its own set", "[report][suppression]") {
  // Levels of sex (no age groups): level 2's broad = 2 (hidden) needs a complement among the levels: level 3's
  // broad (8). Level 3's broad = narrow 8 + semi 0 would then give it back (and level 2 = 24 − 14 − 8): one of
  // them must be hidden too. (Found by simulating the rule without the hidden-total case.)
  const auto r = result_of({{"all", "", 18, 6}, {"all", "1", 8, 6}, {"all", "2", 2, 0}, {"all", "3", 8, 0}});
  const auto h = hidden_cells(r);
  CHECK(h.at("all/2/broad"));
  CHECK(h.at("all/3/broad"));
  for (const char* level : {"1", "2", "3"}) {
    const std::string l = std::string("all/") + level + "/";
    CHECK(h.at(l + "broad") + h.at(l + "narrow") + h.at(l + "semi") != 1);
  }
  for (const char* m : {"broad", "narrow", "semi"})
    CHECK(h.at(std::string("all//") + m) + h.at(std::string("all/1/") + m) + h.at(std::string("all/2/") + m) +
              h.at(std::string("all/3/") + m) !=
          1);
}

TEST_CASE("suppression: complements are nonzero cells when there is a choice", "[report][suppression]") {
  // all = 10 broad over sex 1 (3: hidden), 2 (7) and 3 (0). Hiding level 3's 0 would protect nothing: its own
  // narrow + semi show 0. The complement must be level 2.
  const auto r = result_of({{"all", "", 6, 4}, {"all", "1", 2, 1}, {"all", "2", 4, 3}, {"all", "3", 0, 0}});
  const auto h = hidden_cells(r);
  CHECK(h.at("all/1/broad"));
  CHECK(h.at("all/2/broad"));
  CHECK_FALSE(h.at("all/3/broad"));
}
