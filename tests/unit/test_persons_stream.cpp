// tabulate --members and classify --members in one pass (issue 16; roster/persons.hpp PersonsStream,
// roster/member_source.hpp MemberSource), against the in-memory persons data set they replaced
// (roster::persons_data on the whole file with read_members, tabulated by one accumulator fed it whole):
//  * the tables (every block and cell: counts, percents, SE, df, deff, intervals, suppression) bitwise equal for
//    respondent batches of 1, 7 and 65,536 rows (the members handed on in parts of 1, 5 and 65,536; under the
//    sanitizers 7 and 5 only, sweep.hpp), on a wide roster (simple sample, 西東京), a long roster and a
//    stratified, clustered, weighted wide roster; domains all, broad; ‹by› age and sex; the Rao–Scott test of the
//    persons (AssociationAccumulator) against association_test on the persons data set (1e-12);
//  * a long member file not sorted by respondent: the members are grouped by respondent (each respondent's in the
//    member file's order), the same persons as read_members's members so grouped, whatever the batches;
//  * MemberSource: the members of all batches are read_members's (same lines and respondents); an unknown
//    respondent id gives read_members's error (file, line, id).
#include "hkstat/classify/classify.hpp"
#include "hkstat/classify/ruleset.hpp"
#include "hkstat/codebook/codebook.hpp"
#include "hkstat/core/error.hpp"
#include "hkstat/data/copy.hpp"
#include "hkstat/data/dataset.hpp"
#include "hkstat/roster/member_source.hpp"
#include "hkstat/roster/persons.hpp"
#include "hkstat/roster/roster.hpp"
#include "hkstat/tabulate/accumulator.hpp"
#include "hkstat/tabulate/association_accumulator.hpp"
#include "hkstat/tabulate/tabulate.hpp"

#include "sweep.hpp"
#include "test_util.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

using namespace hkstat;

namespace {

const std::string kSrc = HKSTAT_SOURCE_DIR;

struct Fixture {
  std::string name, csv, codebook, rules;
  std::vector<std::string> vars;
  std::string by;
  std::string test_var; // a code variable tested by sex ("" none)
};

std::vector<Fixture> fixtures() {
  const std::string r = kSrc + "/tests/data/unit/roster/";
  const std::string d = kSrc + "/tests/data/roster_design/";
  return {
      {"household (wide)", r + "household.csv", r + "household.codebook.toml", "cao2022-scz-physical", {"outing", "reasons"}, "sex", ""},
      {"household_long (long)", r + "household_long.csv", r + "household_long.codebook.toml", "cao2022-scz-physical", {"outing", "reasons"}, "age10", ""},
      {"roster_design (wide, design)", d + "roster_design.csv", d + "roster_design.codebook.toml", kSrc + "/tests/data/weighted/core_only.toml",
       {"outing", "duration"}, "age10,sex", "outing"},
      {"西東京 (wide)", kSrc + "/data/samples/nishitokyo2024.csv", kSrc + "/data/samples/nishitokyo2024.codebook.toml", "cao2022-scz-physical",
       {"問1", "問21"}, "age2", "問17"},
  };
}

bool same(double a, double b) { return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b); }

void check_identical(const tabulate::Distribution& a, const tabulate::Distribution& b) {
  CHECK(a.rows == b.rows);
  CHECK(a.design.ja == b.design.ja);
  REQUIRE(a.blocks.size() == b.blocks.size());
  for (std::size_t i = 0; i < a.blocks.size(); ++i) {
    CHECK(a.blocks[i].base == b.blocks[i].base);
    CHECK(same(a.blocks[i].weighted_responses, b.blocks[i].weighted_responses));
  }
  REQUIRE(a.cells.size() == b.cells.size());
  for (std::size_t i = 0; i < a.cells.size(); ++i) {
    const tabulate::DistCell &x = a.cells[i], &y = b.cells[i];
    INFO("cell " << i << " " << x.label);
    CHECK(x.n == y.n);
    CHECK(same(x.est.value, y.est.value));
    CHECK(same(x.est.se, y.est.se));
    CHECK(same(x.est.df, y.est.df));
    CHECK(same(x.est.deff, y.est.deff));
    REQUIRE(x.est.interval.has_value() == y.est.interval.has_value());
    if (x.est.interval) {
      CHECK(same(x.est.interval->lower, y.est.interval->lower));
      CHECK(same(x.est.interval->upper, y.est.interval->upper));
    }
    CHECK(x.hidden == y.hidden);
  }
}

bool close(double a, double b) { return std::abs(a - b) <= 1e-12 * std::max(1.0, std::max(std::abs(a), std::abs(b))); }

// read_members's members grouped by respondent (stable): the order MemberSource gives a long roster.
roster::Members grouped(const roster::Members& m) {
  std::vector<std::size_t> order(m.respondent.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return m.respondent[a] < m.respondent[b]; });
  roster::Members out;
  out.data = data::rows_of(m.data, order);
  for (std::size_t k : order) out.respondent.push_back(m.respondent[k]);
  out.not_asked = m.not_asked;
  out.slots = m.slots;
  return out;
}

struct Streamed {
  std::vector<tabulate::Distribution> dists;
  std::optional<tabulate::AssociationTest> test;
  std::size_t respondents = 0, members = 0, out_of_age = 0;
};

Streamed stream(const Fixture& f, const codebook::Codebook& cb, const classify::RuleSet& rs, const tabulate::TabulateOptions& o, std::size_t size,
                std::size_t part_members) {
  data::IngestStream in(f.csv, cb, {});
  data::IngestBatch batch;
  roster::PersonsStream ps(cb);
  tabulate::TabulateAccumulator acc(f.vars, o);
  std::optional<tabulate::AssociationAccumulator> assoc;
  if (!f.test_var.empty()) assoc.emplace(f.test_var, tabulate::TestTarget{tabulate::TestBy::Sex, ""}, o);
  std::string source;
  while (in.next(size, batch)) {
    source = batch.data.source;
    const auto bc = classify::classify(batch.data, rs);
    const roster::PersonsData part = ps.respondents(batch.data, &bc);
    REQUIRE(part.cls.rows.size() == part.data.rows());
    acc.add(part.data, &part.cls);
    if (assoc) assoc->add(part.data, &part.cls);
  }
  const roster::PersonsData m = ps.members(&rs, source, [&](const roster::PersonsData& part) {
    REQUIRE(part.cls.rows.size() == part.data.rows());
    acc.add(part.data, &part.cls);
    if (assoc) assoc->add(part.data, &part.cls);
  }, part_members);
  Streamed out;
  out.dists = acc.finish();
  if (assoc) out.test = assoc->finish();
  out.respondents = m.respondents;
  out.members = m.members;
  out.out_of_age = m.members_out_of_age;
  return out;
}

void compare_fixture(const Fixture& f) {
  const auto cb = codebook::load_codebook(f.codebook);
  const auto rs = classify::resolve_ruleset(f.rules);
  const auto ingest = data::ingest(f.csv, cb, {});
  REQUIRE(ingest.rejected.empty());
  const data::Dataset& ds = ingest.data;
  const auto cls = classify::classify(ds, rs);
  const roster::Members mem = grouped(roster::read_members(ds));
  const auto mcls = classify::classify(mem.data, rs);
  const roster::PersonsData whole = roster::persons_data(ds, &cls, mem, &mcls);
  REQUIRE(whole.members > 0);
  tabulate::TabulateOptions o;
  o.domains = {tabulate::Domain::All, tabulate::Domain::Broad};
  o.by = tabulate::parse_by(f.by);
  o.lonely = estimate::LonelyPsu::Certainty;
  tabulate::TabulateAccumulator acc(f.vars, o);
  acc.add(whole.data, &whole.cls);
  const std::vector<tabulate::Distribution> ref = acc.finish();
  std::optional<tabulate::AssociationTest> ref_test;
  if (!f.test_var.empty()) ref_test = tabulate::association_test(whole.data, &whole.cls, f.test_var, tabulate::TestTarget{tabulate::TestBy::Sex, ""}, o);
  // Under the sanitizers respondent batches of 7 rows, members in parts of 5, only (sweep.hpp).
  using Batching = std::pair<std::size_t, std::size_t>;
  for (const auto& [size, part] : hkstat::test::sweep({Batching{1, 1}, Batching{7, 5}, Batching{65536, 65536}}, {Batching{hkstat::test::sanitized_batch_rows, 5}})) {
    INFO(f.name << ", batches of " << size << ", members in parts of " << part);
    const Streamed s = stream(f, cb, rs, o, size, part);
    CHECK(s.respondents == whole.respondents);
    CHECK(s.members == whole.members);
    CHECK(s.out_of_age == whole.members_out_of_age);
    REQUIRE(s.dists.size() == ref.size());
    for (std::size_t v = 0; v < ref.size(); ++v) check_identical(ref[v], s.dists[v]);
    if (ref_test) {
      const auto &x = ref_test->result, &y = s.test->result;
      CHECK(x.n == y.n);
      CHECK(x.design_df == y.design_df);
      CHECK(close(x.pearson, y.pearson));
      CHECK(close(x.f, y.f));
      CHECK(close(x.f_p, y.f_p));
      CHECK(close(x.delta_trace, y.delta_trace));
      CHECK(close(x.ndf, y.ndf));
    }
  }
}

} // namespace

TEST_CASE("tabulate --members streamed: the persons tables equal persons_data on the whole file, bitwise, in any batches", "[roster][persons][stream]") {
  for (const Fixture& f : fixtures()) compare_fixture(f);
}

TEST_CASE("tabulate --members streamed: a long member file not sorted by respondent is grouped by respondent", "[roster][persons][stream]") {
  const std::string r = kSrc + "/tests/data/unit/roster/";
  std::ifstream in(r + "household_members.csv");
  std::string header, line;
  std::getline(in, header);
  std::vector<std::string> rows;
  while (std::getline(in, line)) rows.push_back(line);
  REQUIRE(rows.size() > 4);
  std::reverse(rows.begin(), rows.end()); // respondents in descending order, a respondent's members reversed too
  std::string csv = header + "\n";
  for (const auto& l : rows) csv += l + "\n";
  const std::string members = testutil::write_temp("unsorted_members.csv", csv);
  std::ifstream cbin(r + "household_long.codebook.toml");
  std::stringstream cbtext;
  cbtext << cbin.rdbuf();
  std::string toml = cbtext.str();
  const std::string from = "file = \"household_members.csv\"";
  REQUIRE(toml.find(from) != std::string::npos);
  toml.replace(toml.find(from), from.size(), "file = \"" + members + "\"");
  const std::string codebook = testutil::write_temp("unsorted_members.codebook.toml", toml);
  compare_fixture(Fixture{"household_long, unsorted member file", r + "household_long.csv", codebook, "cao2022-scz-physical", {"outing"}, "sex", ""});
}

TEST_CASE("MemberSource: the members of the batches are read_members's, an unknown respondent id is its error", "[roster][persons][stream]") {
  for (const Fixture& f : fixtures()) {
    const auto cb = codebook::load_codebook(f.codebook);
    const auto ingest = data::ingest(f.csv, cb, {});
    const roster::Members whole = grouped(roster::read_members(ingest.data));
    for (std::size_t size : {1u, 7u, 65536u}) {
      INFO(f.name << ", batches of " << size);
      roster::MemberSource src(cb);
      data::IngestStream in(f.csv, cb, {});
      data::IngestBatch batch;
      std::vector<std::size_t> lines, respondents;
      std::size_t offset = 0;
      while (in.next(size, batch)) {
        const roster::Members m = src.of_batch(batch.data);
        REQUIRE(m.respondent.size() == m.data.rows());
        for (std::size_t k = 0; k < m.data.rows(); ++k) {
          lines.push_back(m.data.lines[k]);
          respondents.push_back(offset + m.respondent[k]);
        }
        offset += batch.data.rows();
      }
      src.check_found(ingest.data.source);
      CHECK(lines == whole.data.lines);
      CHECK(respondents == whole.respondent);
    }
  }
  // A long member file naming a respondent the data lacks: the error of read_members (its file, line and id).
  const std::string r = kSrc + "/tests/data/unit/roster/";
  std::ifstream in(r + "household_long.csv");
  std::string text, line;
  std::getline(in, text);
  text += "\n";
  while (std::getline(in, line))
    if (line.rfind("H3,", 0) != 0) text += line + "\n"; // without respondent H3 (who has members)
  const std::string csv = testutil::write_temp("household_long_no_h3.csv", text);
  const auto cb = codebook::load_codebook(r + "household_long.codebook.toml");
  const auto ingest = data::ingest(csv, cb, {});
  const Problem want = testutil::problem_of([&] { (void)roster::read_members(ingest.data); });
  CHECK(want.code == ErrorCode::DataRoster);
  roster::MemberSource src(cb);
  (void)src.of_batch(ingest.data);
  const Problem got = testutil::problem_of([&] { src.check_found(ingest.data.source); });
  CHECK(got.code == want.code);
  CHECK(got.pos.file == want.pos.file);
  CHECK(got.pos.line == want.pos.line);
  CHECK(got.value == want.value);
  CHECK(got.message.en == want.message.en);
}
