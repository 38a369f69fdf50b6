// tabulate --by crossed up to three deep (tabulate/tabulate.hpp: By, Block::levels) on
// tests/data/tabulate/cross3.*: the blocks are every term (the whole, each factor alone, every pair, the triple)
// as estimate --by prints them; every margin is the sum of its levels; each crossed block is the subpopulation
// (the same figures as --where on it); the columns name each level variable; no hidden cell of a 3-deep crossing
// can be worked out from the printed table (brute force); the --by grammar's limits.
#include "hkstat/tabulate/tabulate.hpp"

#include "hkstat/codebook/codebook.hpp"
#include "hkstat/estimate/where.hpp"
#include "hkstat/table/table.hpp"
#include "hkstat/tabulate/cross_table.hpp"

#include <catch2/catch.hpp>

#include "brute_force.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

using namespace hkstat;
using namespace hkstat::tabulate;

namespace {

const data::Dataset& cross3() {
  static const data::Dataset ds = [] {
    auto cb = codebook::load_codebook(HKSTAT_SOURCE_DIR "/tests/data/tabulate/cross3.codebook.toml");
    auto res = data::ingest(HKSTAT_SOURCE_DIR "/tests/data/tabulate/cross3.csv", cb, {});
    REQUIRE(res.rejected.empty());
    return std::move(res.data);
  }();
  return ds;
}

Distribution run(const std::string& by, int min_cell = 0) {
  TabulateOptions o;
  o.min_cell = min_cell;
  o.by = parse_by(by);
  return tabulate::tabulate(cross3(), nullptr, "y", o);
}

// A block's levels as one key: age band, then each level variable's level.
std::vector<std::string> key_of(const Block& b) {
  std::vector<std::string> k{b.age_band};
  for (const auto& lv : b.levels) k.push_back(lv.level);
  return k;
}

using test::brute_force; // tests/unit/brute_force.hpp

} // namespace

TEST_CASE("tabulate --by crossed: every term's blocks, in estimate's order, with each level's label", "[tabulate][by]") {
  const Distribution d = run("area,sex");
  // area: 北部, 南部 and 無回答 (one row has area 9); sex: 男性, 女性.
  std::vector<std::vector<std::string>> keys;
  for (const auto& b : d.blocks) keys.push_back(key_of(b));
  const std::vector<std::vector<std::string>> want{
      {"all", "all", "all"},       {"all", "north", "all"},    {"all", "south", "all"},    {"all", "unknown", "all"},
      {"all", "all", "male"},      {"all", "all", "female"},   {"all", "north", "male"},   {"all", "north", "female"},
      {"all", "south", "male"},    {"all", "south", "female"}, {"all", "unknown", "male"}, {"all", "unknown", "female"}};
  CHECK(keys == want);
  for (const auto& b : d.blocks) {
    REQUIRE(b.levels.size() == 2);
    CHECK(b.levels[0].variable == "area");
    CHECK(b.levels[0].variable_label.ja == "地区");
    CHECK_FALSE(b.levels[0].sex);
    CHECK(b.levels[1].variable == "sex");
    CHECK(b.levels[1].variable_label.ja == "性別");
    CHECK(b.levels[1].sex);
    // The first level variable is also in the fields the one-level consumers read.
    CHECK(b.sex == b.levels[0].level);
    CHECK(b.by_variable == "area");
  }
  CHECK(d.blocks[7].levels[0].label.ja == "北部");
  CHECK(d.blocks[7].levels[1].label.ja == "女性");
  CHECK(d.blocks[7].level_key() == "north×female");
  CHECK(d.blocks[10].levels[0].label.ja == "無回答");

  // Three deep with an age banding: 1 + (2 + 2 + 2) + (4 + 4 + 4) + 8 blocks (no 無回答 in age or sex; area's
  // 無回答 adds its own).
  const Distribution t = run("age2,sex,area");
  std::size_t crossed3 = 0;
  for (const auto& b : t.blocks)
    if (b.age_band != "all" && b.levels[0].level != "all" && b.levels[1].level != "all") ++crossed3;
  CHECK(crossed3 == 2 * 2 * 3);
  CHECK(t.blocks.front().levels.size() == 2);
}

TEST_CASE("tabulate --by crossed: every margin is the sum of its levels, and a crossed block is its subpopulation", "[tabulate][by]") {
  for (const char* by : {"area,sex", "sex,area,marital", "age2,sex,area"}) {
    INFO("by " << by);
    const Distribution d = run(by);
    std::map<std::vector<std::string>, std::size_t> index;
    for (std::size_t b = 0; b < d.blocks.size(); ++b) index[key_of(d.blocks[b])] = b;
    const std::size_t per = d.cells.size() / d.blocks.size();
    std::size_t margins = 0;
    for (std::size_t b = 0; b < d.blocks.size(); ++b) {
      const auto key = key_of(d.blocks[b]);
      for (std::size_t f = 0; f < key.size(); ++f) {
        if (key[f] != "all" || (f == 0 && d.blocks.front().age_band == "all" && std::string(by).rfind("age", 0) != 0)) continue;
        // Sum the blocks that differ from b only in factor f (each of its levels, 無回答 included).
        std::vector<std::size_t> sum(per, 0);
        std::size_t base = 0, parts = 0;
        for (const auto& [k, other] : index) {
          bool match = k[f] != "all";
          for (std::size_t g = 0; g < key.size() && match; ++g)
            if (g != f && k[g] != key[g]) match = false;
          if (!match) continue;
          ++parts;
          base += d.blocks[other].base;
          for (std::size_t c = 0; c < per; ++c) sum[c] += d.cells[other * per + c].n;
        }
        REQUIRE(parts >= 2);
        ++margins;
        CHECK(base == d.blocks[b].base);
        for (std::size_t c = 0; c < per; ++c) CHECK(sum[c] == d.cells[b * per + c].n);
      }
    }
    CHECK(margins > 0);
  }
  // A crossed block has the figures of its subpopulation (R svyby = subset): area 北部 × 女性 as --where.
  const Distribution d = run("area,sex");
  TabulateOptions o;
  o.min_cell = 0;
  o.where = estimate::Where("area == 1 and sex == 2", cross3().codebook);
  const Distribution w = tabulate::tabulate(cross3(), nullptr, "y", o);
  const std::size_t per = d.cells.size() / d.blocks.size();
  REQUIRE(d.blocks[7].level_key() == "north×female");
  CHECK(d.blocks[7].base == w.blocks[0].base);
  for (std::size_t c = 0; c < per; ++c) {
    CHECK(d.cells[7 * per + c].n == w.cells[c].n);
    CHECK(d.cells[7 * per + c].est.value == w.cells[c].est.value);
    CHECK(d.cells[7 * per + c].est.se == w.cells[c].est.se);
  }
}

TEST_CASE("tabulate --by crossed: columns per level variable in CSV, text and the cross-table layout", "[tabulate][by]") {
  const Distribution d = run("area,sex");
  const table::Table t = distribution_table(d, {});
  std::vector<std::string> ids;
  for (const auto& c : t.columns) ids.push_back(c.id);
  const auto has = [&](const std::string& id) { return std::find(ids.begin(), ids.end(), id) != ids.end(); };
  CHECK(has("by_variable"));
  CHECK(has("by_level"));
  CHECK(has("by_variable2"));
  CHECK(has("by_level2"));
  CHECK_FALSE(has("sex"));
  for (const auto& c : t.columns) {
    if (c.id == "by_level") CHECK(c.header.ja == "地区");
    if (c.id == "by_level2") CHECK(c.header.ja == "性別");
  }
  // Sex alone keeps its column.
  const table::Table s = distribution_table(run("sex"), {});
  bool sex_column = false;
  for (const auto& c : s.columns) sex_column = sex_column || c.id == "sex";
  CHECK(sex_column);
  // The cross-table layout: one column group per block, ids unique, labels naming the crossed levels.
  const table::Table x = cross_table(d, {});
  std::set<std::string> seen;
  for (const auto& c : x.columns) CHECK(seen.insert(c.id).second);
  CHECK(block_label(d, 7).ja == "北部・女性");
  CHECK(block_label(d, 1).ja == "北部");
  CHECK(block_label(d, 0).ja == "全体");
}

TEST_CASE("tabulate --by crossed three deep: no hidden cell can be derived from the table (brute force)", "[tabulate][by][suppress]") {
  for (const char* by : {"sex,area,marital", "age2,sex,area"}) {
    const Distribution d = run(by, 3);
    INFO("by " << by);
    // The whole problem: cells, then every block's base n (hideable like a cell).
    const std::vector<std::size_t>& counts = d.problem.counts;
    const std::vector<bool>& hidden = d.suppression.hidden;
    std::vector<long long> bound;
    std::size_t primaries = 0;
    for (std::size_t i = 0; i < counts.size(); ++i) {
      bound.push_back(static_cast<long long>(d.problem.options.upper.at(i)));
      if (counts[i] >= 1 && counts[i] < 3) CHECK(hidden[i]);
      primaries += d.suppression.primary[i];
    }
    CHECK(primaries > 0);
    CHECK(d.suppression.unprotected.empty());
    const auto seen = brute_force(counts, d.relations, hidden, bound);
    for (std::size_t i = 0; i < counts.size(); ++i) {
      if (!d.suppression.primary[i]) continue;
      INFO("cell " << i << " (" << (i < d.cells.size() ? d.cells[i].label + ", block " + d.blocks[d.cells[i].block].level_key() : std::string("a base n")) << ")");
      CHECK(seen[i].size() >= 2);
    }
  }
}

TEST_CASE("tabulate --by: the grammar's limits", "[tabulate][by]") {
  CHECK(parse_by("問3,sex").variables == std::vector<std::string>{"問3", "sex"});
  CHECK(parse_by("age2,sex,問3").depth() == 3);
  CHECK(parse_by("sex,age2").age == AgeBands::Age2);
  CHECK_THROWS_AS(parse_by("sex,sex"), Error);
  CHECK_THROWS_AS(parse_by("age2,age5"), Error);
  CHECK_THROWS_AS(parse_by("age2,sex,問3,地区"), Error);
  CHECK_THROWS_AS(parse_by("a,b,c,d"), Error);
  try {
    parse_by("a,b,c,d");
  } catch (const Error& e) {
    CHECK(e.problem().code == ErrorCode::UsageInvalidOption);
  }
}
