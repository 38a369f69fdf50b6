// The tabulate-only samples (data/samples/agency2024.*, intake2024.*): codebook kind, roles, and every answer count
// of `tabulate` against <stem>.expected.json, which data/samples/generate_samples.py tallies from its design (and
// re-checks against the written CSV with Python's csv module) — an independent count of the same files.
#include "hkstat/codebook/codebook.hpp"
#include "hkstat/data/dataset.hpp"
#include "hkstat/tabulate/tabulate.hpp"

#include <boost/property_tree/json_parser.hpp>
#include <boost/property_tree/ptree.hpp>
#include <catch2/catch.hpp>

#include <map>
#include <string>

using namespace hkstat;

namespace {

struct Sample {
  const char* stem;
  codebook::SurveyKind kind;
  std::size_t rows;
};

// variable → (answer key or "no_answer" → count), from the expected file.
std::map<std::string, std::map<std::string, std::size_t>> expected_counts(const std::string& path) {
  boost::property_tree::ptree pt;
  boost::property_tree::read_json(path, pt);
  std::map<std::string, std::map<std::string, std::size_t>> out;
  for (const auto& [var, answers] : pt.get_child("counts"))
    for (const auto& [key, n] : answers) out[var][key] = n.get_value<std::size_t>();
  return out;
}

} // namespace

TEST_CASE("agency and intake samples: kind, roles, and tabulate counts equal the generator's design") {
  for (const Sample s : {Sample{"agency2024", codebook::SurveyKind::Agency, 185}, Sample{"intake2024", codebook::SurveyKind::Intake, 96}}) {
    INFO(s.stem);
    const std::string stem = std::string(HKSTAT_SOURCE_DIR "/data/samples/") + s.stem;
    const auto cb = codebook::load_codebook(stem + ".codebook.toml");
    CHECK(cb.kind == s.kind);
    // Not population samples: no role that would let them be classified or estimated.
    CHECK(cb.by_role(codebook::Role::Outing) == nullptr);
    CHECK(cb.by_role(codebook::Role::Duration) == nullptr);
    CHECK(cb.by_role(codebook::Role::Weight) == nullptr);
    auto res = data::ingest(stem + ".csv", cb, {});
    REQUIRE(res.rejected.empty());
    REQUIRE(res.warnings.empty());
    const data::Dataset& ds = res.data;
    CHECK(ds.rows() == s.rows);
    const auto want = expected_counts(stem + ".expected.json");
    std::size_t vars = 0;
    for (const auto& v : ds.codebook.variables) {
      if (v.type != codebook::VarType::Code && v.type != codebook::VarType::Multi) continue;
      INFO(v.name);
      tabulate::TabulateOptions o;
      o.min_cell = 0;
      const tabulate::Distribution d = tabulate::tabulate(ds, nullptr, v.name, o);
      REQUIRE(want.count(v.name));
      const auto& w = want.at(v.name);
      REQUIRE(d.cells.size() == w.size()); // every code and 無回答, nothing else
      for (const auto& c : d.cells) {
        const std::string key = c.kind == tabulate::RowKind::NoAnswer ? "no_answer" : v.find_code(c.code)->key;
        REQUIRE(w.count(key));
        CHECK(c.n == w.at(key));
      }
      ++vars;
    }
    CHECK(vars == want.size());
  }
}

TEST_CASE("intake sample: the person's age and sex roles give bands, with 年齢無回答 kept") {
  const std::string stem = HKSTAT_SOURCE_DIR "/data/samples/intake2024";
  const auto cb = codebook::load_codebook(stem + ".codebook.toml");
  auto res = data::ingest(stem + ".csv", cb, {});
  REQUIRE(res.rejected.empty());
  boost::property_tree::ptree pt;
  boost::property_tree::read_json(stem + ".expected.json", pt);
  tabulate::TabulateOptions o;
  o.min_cell = 0;
  o.by = tabulate::parse_by("age10");
  const auto d = tabulate::tabulate(res.data, nullptr, "相談者", o);
  std::size_t unknown = 0, total = 0;
  for (const auto& b : d.blocks) {
    if (b.age_band == "unknown") unknown = b.base;
    if (b.age_band != "all") total += b.base;
  }
  CHECK(unknown == pt.get<std::size_t>("age_missing"));
  CHECK(total == res.data.rows());
}
