// Full counts (docs/codebook.md "Counts per category"): a file of numbers per category (role count) tabulates
// as the people it stands for — the same tables as the one-row-per-person file (data/samples/agency2024.csv vs
// agency2024_counts.csv, which data/samples/generate_counts.py aggregates from it with Python's csv module) —
// and full counts (kind agency / intake) carry no sampling interval and no ※ flag unless asked.
#include "hkstat/codebook/codebook.hpp"
#include "hkstat/data/dataset.hpp"
#include "hkstat/tabulate/tabulate.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace hkstat;

namespace {
const std::string kDir = HKSTAT_SOURCE_DIR "/data/samples/";

data::Dataset load(const std::string& stem) {
  const auto cb = codebook::load_codebook(kDir + stem + ".codebook.toml");
  auto res = data::ingest(kDir + stem + ".csv", cb, {});
  REQUIRE(res.rejected.empty());
  return std::move(res.data);
}
} // namespace

TEST_CASE("counts per category tabulate as the equivalent one-row-per-person file") {
  const data::Dataset persons = load("agency2024");
  const data::Dataset grouped = load("agency2024_counts");
  CHECK(grouped.rows() < 100); // one row per category, not per person
  const data::Dataset people = data::expand_counts(grouped);
  CHECK(people.count_rows == grouped.rows());
  CHECK(people.rows() == persons.rows());
  for (bool intervals : {false, true}) {
    for (const char* var : {"問1", "問2", "問3"}) {
      INFO(var << " intervals " << intervals);
      tabulate::TabulateOptions o;
      if (intervals) o.intervals = true;
      const auto a = tabulate::tabulate(persons, nullptr, var, o);
      const auto b = tabulate::tabulate(people, nullptr, var, o);
      CHECK(a.intervals == intervals);
      CHECK(b.intervals == intervals);
      REQUIRE(a.cells.size() == b.cells.size());
      CHECK(a.rows == b.rows);
      for (std::size_t i = 0; i < a.cells.size(); ++i) {
        CHECK(a.cells[i].n == b.cells[i].n);
        CHECK(a.cells[i].est.value == b.cells[i].est.value);
        CHECK(a.cells[i].hidden == b.cells[i].hidden);
        CHECK(a.cells[i].est.interval.has_value() == intervals);
        CHECK(b.cells[i].est.interval.has_value() == intervals);
        if (intervals) CHECK(a.cells[i].est.interval->lower == b.cells[i].est.interval->lower);
      }
      const auto ta = tabulate::distribution_table(a, {});
      const auto tb = tabulate::distribution_table(b, {});
      REQUIRE(ta.rows.size() == tb.rows.size());
      for (std::size_t r = 0; r < ta.rows.size(); ++r)
        for (std::size_t c = 0; c < ta.rows[r].size(); ++c) CHECK(ta.rows[r][c].raw == tb.rows[r][c].raw);
    }
  }
}

TEST_CASE("full counts have no interval and no flag by default, population samples keep them") {
  const data::Dataset agency = load("agency2024");
  tabulate::TabulateOptions o;
  const auto d = tabulate::tabulate(agency, nullptr, "問1", o);
  CHECK_FALSE(d.intervals);
  for (const auto& c : d.cells) {
    CHECK_FALSE(c.est.interval);
    CHECK_FALSE(c.small_base);
    CHECK_FALSE(c.wide_ci);
  }
  const auto t = tabulate::distribution_table(d, {});
  for (const auto& col : t.columns)
    if (col.id == "ci") CHECK_FALSE(col.human);
  data::Dataset pop = load("agency2024");
  pop.codebook.kind = codebook::SurveyKind::Population;
  for (std::size_t k = 0; k < pop.columns.size(); ++k) pop.columns[k].var = &pop.codebook.variables[k];
  const auto p = tabulate::tabulate(pop, nullptr, "問1", o);
  CHECK(p.intervals);
  bool any_ci = false;
  for (const auto& c : p.cells) any_ci = any_ci || c.est.interval.has_value();
  CHECK(any_ci);
}

TEST_CASE("count role: integer only and never with a design column") {
  const std::string head = "[codebook]\nkind = \"agency\"\n[[variable]]\nname = \"n\"\nrole = \"count\"\n";
  CHECK_THROWS_AS(codebook::parse_codebook(head + "type = \"number\"\n", "x.toml"), Error);
  try {
    codebook::parse_codebook(head + "type = \"integer\"\n[[variable]]\nname = \"w\"\nrole = \"weight\"\ntype = \"number\"\n", "x.toml");
    FAIL("a count with a weight was accepted");
  } catch (const Error& e) {
    CHECK(e.problem().code == ErrorCode::CodebookInvalid);
  }
  const auto cb = codebook::parse_codebook(head + "type = \"integer\"\n[[variable]]\nname = \"q\"\ntype = \"code\"\ncodes = [{code = 1}, {code = 2}]\n", "x.toml");
  CHECK(cb.by_role(codebook::Role::Count) != nullptr);
}
