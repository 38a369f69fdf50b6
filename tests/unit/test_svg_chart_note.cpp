// The note under a chart (report/svg_chart.hpp, wrap_chart_note): English wraps between words, Japanese between
// characters, a word wider than the line is split; every line fits; nothing is lost but the spaces at the breaks.
#include "hkstat/report/svg_chart.hpp"
#include "hkstat/table/table.hpp"

#include <catch2/catch.hpp>

#include <sstream>
#include <string>
#include <vector>

using hkstat::report::wrap_chart_note;

namespace {

constexpr double kColumn = 6.6; // px per display column (svg_chart.cpp)

std::vector<std::string> words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::string joined(const std::vector<std::string>& lines, const char* sep) {
  std::string s;
  for (const auto& l : lines) s += (s.empty() ? "" : sep) + l;
  return s;
}

} // namespace

TEST_CASE("chart notes: English breaks between words and each line fits", "[svg_chart]") {
  const std::string note = "Percent of respondents in each group (n). No suppression (not for publication). Whiskers: the confidence interval. "
                           "※ low precision (base n below 30, or a wide interval).";
  for (const double columns : {20.0, 33.0, 60.0, 110.0}) {
    const double max = columns * kColumn;
    const auto lines = wrap_chart_note(note, max);
    REQUIRE(lines.size() > 1);
    // The words of the lines are the words of the note: no word cut in two.
    std::vector<std::string> got;
    for (const auto& l : lines) {
      CHECK(!l.empty());
      CHECK(l.front() != ' ');
      CHECK(l.back() != ' ');
      for (auto& w : words(l)) got.push_back(w);
    }
    CHECK(got == words(note));
    CHECK(joined(lines, " ") == note);
    // Each line fits, and the next line's first word would not have fitted (greedy: no line broken early).
    for (std::size_t i = 0; i < lines.size(); ++i) {
      CHECK(static_cast<double>(hkstat::table::display_width(lines[i])) * kColumn <= max + 1e-9);
      if (i + 1 < lines.size()) {
        const std::string next = words(lines[i + 1]).front();
        CHECK(wrap_chart_note(lines[i] + " " + next, max).size() == 2);
      }
    }
  }
}

TEST_CASE("chart notes: Japanese breaks between characters, filling each line", "[svg_chart]") {
  const std::string note = "出現率は有効回答数（n）に対する該当者の割合。該当数が少ないセルは秘匿（*）。横線（ひげ）は信頼区間。";
  const auto lines = wrap_chart_note(note, 20 * kColumn); // 10 wide characters per line
  CHECK(joined(lines, "") == note);
  REQUIRE(lines.size() >= 5);
  CHECK(lines[0] == "出現率は有効回答数（"); // 20 columns
  CHECK(lines[1] == "n）に対する該当者の"); // 19: 割 would make 21
}

TEST_CASE("chart notes: a word wider than the line is split between characters", "[svg_chart]") {
  const auto lines = wrap_chart_note("see https://example.org/a/very/long/path/to/the/method/notes here", 12 * kColumn);
  CHECK(lines.front() == "see");
  CHECK(lines.back() == "here");
  std::string middle;
  for (std::size_t i = 1; i + 1 < lines.size(); ++i) {
    CHECK(hkstat::table::display_width(lines[i]) <= 12);
    middle += lines[i];
  }
  CHECK(middle == "https://example.org/a/very/long/path/to/the/method/notes");
  CHECK(wrap_chart_note("", 100).size() == 1);
}
