// Report layer: number formats as Japanese reports print them; renderers; suppression.
#include "hkstat/report/number_format.hpp"
#include "hkstat/report/table.hpp"

#include <catch2/catch.hpp>

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
