// Cross-tables (tabulate/cross_table.hpp): the groups of a distribution as columns with their n, answers
// as rows; every figure equals the long table's; suppressed cells empty in the machine values and "*" for
// people; the labelled CSV (render_csv_labelled) has the group headers.
#include "hkstat/tabulate/cross_table.hpp"

#include "hkstat/classify/classify.hpp"
#include "hkstat/codebook/codebook.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>

#include <map>

using namespace hkstat;
using namespace hkstat::tabulate;
using Catch::Matchers::Contains;

namespace {

struct Survey {
  data::Dataset ds;
  classify::Classification cls;
};

const Survey& mini() {
  static const Survey m = [] {
    auto cb = codebook::load_codebook(HKSTAT_SOURCE_DIR "/tests/data/unit/mini.codebook.toml");
    Survey out{std::move(data::ingest(HKSTAT_SOURCE_DIR "/tests/data/unit/mini.csv", cb, {}).data), {}};
    out.cls = classify::classify(out.ds, classify::builtin_ruleset("cao2018"));
    return out;
  }();
  return m;
}

std::size_t col(const table::Table& t, const std::string& id) {
  for (std::size_t i = 0; i < t.columns.size(); ++i)
    if (t.columns[i].id == id) return i;
  FAIL("no column " << id);
  return 0;
}

// Every (group id, answer label) → (n raw, percent raw) of the long table.
std::map<std::pair<std::string, std::string>, std::pair<std::string, std::string>> long_cells(const table::Table& t) {
  std::map<std::pair<std::string, std::string>, std::pair<std::string, std::string>> out;
  const std::size_t dom = col(t, "domain"), age = col(t, "age_band"), sex = col(t, "sex"), label = col(t, "label"), n = col(t, "n"),
                    pct = col(t, "percent");
  for (const auto& r : t.rows) {
    std::string gid = r[dom].raw;
    if (r[age].raw != "all" || r[sex].raw != "all") gid += "." + r[age].raw;
    if (r[sex].raw != "all") gid += "." + r[sex].raw;
    out[{gid, r[label].raw}] = {r[n].raw, r[pct].raw};
  }
  return out;
}

} // namespace

TEST_CASE("cross-table: groups as columns with n, the same figures as the long table", "[tabulate][cross]") {
  const auto& m = mini();
  for (int min_cell : {0, 3}) {
    TabulateOptions o;
    o.domains = {Domain::All, Domain::Broad};
    o.by = parse_by("age2,sex");
    o.min_cell = min_cell;
    const Distribution d = tabulate::tabulate(m.ds, &m.cls, "talk", o);
    const table::Table lt = distribution_table(d, TableOptions{});
    const table::Table ct = cross_table(d, TableOptions{});
    CHECK(ct.title.ja == lt.title.ja);
    CHECK(ct.notes.size() == lt.notes.size());
    // one human column per block, headed with its n; two machine columns (n, percent) under its group
    std::size_t human = 0;
    for (const auto& c : ct.columns) human += c.human;
    CHECK(human == 1 + d.blocks.size());
    for (std::size_t k = 0; k < d.blocks.size(); ++k) {
      const auto& h = ct.columns[1 + 3 * k];
      // a hidden base (1 to min_cell−1, or a complement) is printed n=*
      CHECK_THAT(h.header.ja, Contains(d.blocks[k].base_hidden ? std::string("（n=*）") : fmt::format("（n={}）", d.blocks[k].base)));
      CHECK(ct.columns[2 + 3 * k].group.ja == h.header.ja);
      CHECK(table::number_kind(ct.columns[2 + 3 * k]) == table::NumberKind::Count);
      CHECK(table::number_kind(ct.columns[3 + 3 * k]) == table::NumberKind::Proportion);
    }
    CHECK(ct.columns[1].header.ja == "回答者全体（n=" + std::to_string(d.blocks[0].base) + "）"); // the margin names only its domain
    // every machine cell equals the long table's; a hidden cell is empty for machines and "*" for people
    const auto cells = long_cells(lt);
    std::size_t compared = 0, hidden = 0;
    for (const auto& row : ct.rows) {
      const std::string label = row[0].raw;
      for (std::size_t k = 0; k < d.blocks.size(); ++k) {
        const std::string gid = ct.columns[1 + 3 * k].id;
        const auto it = cells.find({gid, label});
        REQUIRE(it != cells.end());
        CHECK(row[2 + 3 * k].raw == it->second.first);
        CHECK(row[3 + 3 * k].raw == it->second.second);
        if (it->second.first.empty() || d.blocks[k].base_hidden) {
          CHECK(row[1 + 3 * k].display.ja == "*");
          ++hidden;
        }
        ++compared;
      }
    }
    CHECK(compared == lt.rows.size());
    if (min_cell == 0) CHECK(hidden == 0);
    if (min_cell == 3) CHECK(hidden > 0);
  }
}

TEST_CASE("cross-table: labels name only what differs, the labelled CSV carries the group headers", "[tabulate][cross]") {
  const auto& m = mini();
  TabulateOptions o;
  o.by = parse_by("sex");
  o.min_cell = 0;
  const Distribution d = tabulate::tabulate(m.ds, &m.cls, "talk", o);
  CHECK(block_label(d, 0).ja == "全体");
  CHECK(block_label(d, 0).en == "total");
  CHECK(block_label(d, 1).ja == d.blocks[1].sex_label.ja);
  const table::Table ct = cross_table(d, TableOptions{});
  const std::string csv = table::render_csv_labelled(ct, Lang::Ja);
  const std::string header = csv.substr(0, csv.find('\n'));
  CHECK(header == fmt::format("回答,全体（n={0}） 人数,全体（n={0}） 割合,{1}（n={2}） 人数,{1}（n={2}） 割合,{3}（n={4}） 人数,{3}（n={4}） 割合",
                              d.blocks[0].base, d.blocks[1].sex_label.ja, d.blocks[1].base, d.blocks[2].sex_label.ja, d.blocks[2].base));
  // one line per answer, numbers unrounded
  CHECK(static_cast<std::size_t>(std::count(csv.begin(), csv.end(), '\n')) == 1 + ct.rows.size());
  const std::string text = table::render_text(table::Document{Text{}, {}, {ct}, {}}, Lang::Ja);
  CHECK_THAT(text, Contains("全体（n="));
}
