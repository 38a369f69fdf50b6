// TabulateAccumulator (tabulate/accumulator.hpp): the single pass behind `hkstat tabulate`.
//  * streaming vs in-memory: the real streaming path (data::IngestStream batches of 7 and 65,536 rows, and of 1 row for the small files,
//    each classified and added — what `hkstat tabulate` does) vs tabulate() on the whole file: bitwise
//    identical, every field of every block and cell, relations and suppression, on every design below;
//  * linearisation vs the row-level engine svy_domain_mean (whose R agreement test_design and
//    cli.tabulate_vs_r check): 1e-12 relative (the order of summation is the only difference), df exactly;
//  * both storage modes: per-PSU sums (a psu column) and per-stratum moments (no psu column, linearised: each row a
//    PSU, PsuIndex::count_rows, stratum_moments_vcov); the latter against the same design with a PSU per row (the id
//    as the psu column: per-PSU sums and psu_vcov) to 1e-12 relative, on every case with its psu role removed
//    ("[counted]"), and created replicates keep per-row records there.
// Designs: tests/data/design (full, strat, clus, srs_fpc, calib, clus_sex; lonely_survey under each
// lonely policy), tests/data/tabulate/weighted (weights only, a multi variable), the 西東京 sample (a
// simple sample) and a generated clustered survey with a multiple-answer question and unanswered age and
// sex.
#include "hkstat/classify/classify.hpp"
#include "hkstat/classify/ruleset.hpp"
#include "hkstat/codebook/codebook.hpp"
#include "hkstat/api/design_options.hpp"
#include "hkstat/estimate/design_from_data.hpp"
#include "hkstat/estimate/replicates.hpp"
#include "hkstat/estimate/replicates_from_data.hpp"
#include "hkstat/estimate/survey_estimators.hpp"
#include "hkstat/tabulate/accumulator.hpp"
#include "hkstat/tabulate/association_accumulator.hpp"
#include "hkstat/tabulate/tabulate.hpp"

#include "test_util.hpp"

#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

using namespace hkstat;
using namespace hkstat::tabulate;

namespace {

const std::string kSrc = HKSTAT_SOURCE_DIR;

// A clustered survey with a multiple-answer question: 4 strata × 6 PSUs × 25 rows, some ages and sexes
// unanswered, generated from a fixed seed.
std::string generated_csv() {
  std::ostringstream out;
  out << "id,age,sex,outing,duration,stratum,psu,w,reasons\n";
  std::uint64_t s = 12345;
  const auto next = [&](std::uint64_t n) {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (s >> 33) % n;
  };
  int id = 0;
  for (int h = 1; h <= 4; ++h)
    for (int p = 1; p <= 6; ++p)
      for (int i = 0; i < 25; ++i) {
        ++id;
        const auto age = next(20) == 0 ? std::string() : std::to_string(15 + next(50));
        const auto sex = next(25) == 0 ? std::string("9") : std::to_string(1 + next(2));
        const auto outing = 1 + next(8);
        const auto duration = next(2) == 0 ? 1 : 3;
        const auto w = 50.0 + static_cast<double>(next(1000)) / 7.0; // ingest refuses weights <= 0
        std::string reasons;
        for (int k = 1; k <= 5; ++k)
          if (next(3) == 0) reasons += (reasons.empty() ? "" : ";") + std::to_string(k);
        out << id << ',' << age << ',' << sex << ',' << outing << ',' << duration << ',' << h << ',' << (10 * h + p) << ',' << w << ','
            << reasons << '\n';
      }
  return out.str();
}

const char* kGeneratedCodebook = R"(
[codebook]
title = "generated clustered survey with a multiple-answer question"
age_min = 15
age_max = 64

[[variable]]
name = "id"
role = "id"
type = "id"

[[variable]]
name = "age"
role = "age"
type = "integer"

[[variable]]
name = "sex"
role = "sex"
type = "code"
missing = [9]
codes = [ { code = 1, key = "male", label = "男性" }, { code = 2, key = "female", label = "女性" } ]

[[variable]]
name = "outing"
role = "outing"
type = "code"
codes = [
  { code = 1, key = "daily" }, { code = 2, key = "weekly_3_4" }, { code = 3, key = "leisure" }, { code = 4, key = "social" },
  { code = 5, key = "hobby_only" }, { code = 6, key = "neighborhood" }, { code = 7, key = "home_only" }, { code = 8, key = "room_only" },
]

[[variable]]
name = "duration"
role = "duration"
type = "code"
codes = [ { code = 1, ge_6_months = false }, { code = 3, ge_6_months = true } ]

[[variable]]
name = "stratum"
role = "stratum"
type = "integer"

[[variable]]
name = "psu"
role = "psu"
type = "integer"

[[variable]]
name = "w"
role = "weight"
type = "number"

[[variable]]
name = "reasons"
type = "multi"
delimiter = ";"
label = "きっかけ"
codes = [ { code = 1, label = "A" }, { code = 2, label = "B" }, { code = 3, label = "C" }, { code = 4, label = "D" }, { code = 5, label = "E" } ]
)";

struct Case {
  std::string name, csv, codebook, rules;
  std::vector<std::string> vars;
  std::string by;
  estimate::LonelyPsu lonely = estimate::LonelyPsu::Fail;
};

std::vector<Case> cases() {
  const std::string d = kSrc + "/tests/data/design/";
  const std::string core = kSrc + "/tests/data/weighted/core_only.toml";
  std::vector<Case> out;
  for (const char* cb : {"full", "strat", "clus", "srs_fpc"})
    out.push_back(Case{cb, d + "design_survey.csv", d + cb + ".codebook.toml", core, {"outing"}, "age2"});
  for (const char* cb : {"calib", "clus_sex"})
    out.push_back(Case{cb, d + "design_survey.csv", d + cb + ".codebook.toml", core, {"outing", "sex"}, "age2,sex"});
  for (auto p : {estimate::LonelyPsu::Remove, estimate::LonelyPsu::Certainty, estimate::LonelyPsu::Adjust, estimate::LonelyPsu::Average})
    out.push_back(Case{std::string("lonely_") + estimate::lonely_psu_name(p), d + "lonely_survey.csv", d + "lonely_survey.codebook.toml", core,
                       {"outing"}, "age2", p});
  const std::string t = kSrc + "/tests/data/tabulate/";
  out.push_back(Case{"tabulate_weighted", t + "weighted.csv", t + "weighted.codebook.toml", "", {"q1", "q2"}, "sex"});
  // --by a code variable other than sex (any code variable: duration, q1, 問3), alone and × age bands.
  out.push_back(Case{"full_by_duration", d + "design_survey.csv", d + "full.codebook.toml", core, {"outing"}, "age2,duration"});
  out.push_back(Case{"clus_by_duration", d + "design_survey.csv", d + "clus.codebook.toml", "", {"outing"}, "duration"});
  out.push_back(Case{"tabulate_weighted_by_q1", t + "weighted.csv", t + "weighted.codebook.toml", "", {"q2"}, "q1"});
  out.push_back(Case{"nishitokyo_by_marital", kSrc + "/data/samples/nishitokyo2024.csv", kSrc + "/data/samples/nishitokyo2024.codebook.toml",
                     "cao2022-scz-physical", {"問17", "問21"}, "age2,問3"});
  out.push_back(Case{"nishitokyo", kSrc + "/data/samples/nishitokyo2024.csv", kSrc + "/data/samples/nishitokyo2024.codebook.toml",
                     "cao2022-scz-physical", {"問17", "問21", "問22"}, "age10,sex"});
  out.push_back(Case{"generated", testutil::write_temp("generated.csv", generated_csv()), testutil::write_temp("generated.toml", kGeneratedCodebook),
                     core, {"reasons", "outing", "sex"}, "age10,sex"});
  return out;
}

TabulateOptions options(const Case& c) {
  TabulateOptions o;
  o.domains = c.rules.empty() ? std::vector<Domain>{Domain::All} : parse_domains("all,broad,comparison");
  o.by = parse_by(c.by);
  o.lonely = c.lonely;
  // These cases compare estimates path against path; suppression is a function of the cells alone (tested in
  // test_suppress and test_tabulate), and its exact audit would dominate the suite's time here.
  o.min_cell = 0;
  return o;
}

std::optional<classify::RuleSet> rules_of(const Case& c) {
  if (c.rules.empty()) return std::nullopt;
  return classify::resolve_ruleset(c.rules);
}

bool same_double(double a, double b) { return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b); }

std::string file_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A case without its psu column, two ways: `counted` (the codebook without the psu role: every row its own PSU,
// per-stratum moments) and `per_row` (the id column as the psu: a PSU per row, per-PSU sums and psu_vcov). An fpc
// of population PSUs goes with the psu role (rows as PSUs exceed it). None for a case without design columns
// once the psu is gone (a simple sample: counts only), or without an id column.
struct NoPsu {
  Case counted, per_row;
};
std::optional<NoPsu> without_psu(const Case& c) {
  std::string text = file_text(c.codebook);
  const std::string psu = "role = \"psu\"\n", fpc = "role = \"fpc\"\n", id = "role = \"id\"\ntype = \"id\"";
  if (const auto at = text.find(psu); at != std::string::npos) {
    text.erase(at, psu.size());
    if (const auto f = text.find(fpc); f != std::string::npos) text.erase(f, fpc.size());
  }
  const auto at = text.find(id);
  if (at == std::string::npos) return std::nullopt;
  if (text.find("role = \"weight\"") == std::string::npos && text.find("role = \"stratum\"") == std::string::npos &&
      text.find("role = \"fpc\"") == std::string::npos)
    return std::nullopt;
  std::string per_row = text;
  per_row.replace(at, id.size(), "role = \"psu\"\ntype = \"integer\"");
  NoPsu out{c, c};
  out.counted.name += " (no psu)";
  out.counted.codebook = testutil::write_temp(c.name + "_nopsu.toml", text);
  out.per_row.name += " (psu per row)";
  out.per_row.codebook = testutil::write_temp(c.name + "_psu_per_row.toml", per_row);
  return out;
}

void check_identical(const Distribution& a, const Distribution& b) {
  CHECK(a.variable == b.variable);
  CHECK(a.rows == b.rows);
  CHECK(a.design_based == b.design_based);
  CHECK(a.design.ja == b.design.ja);
  CHECK(a.method == b.method);
  REQUIRE(a.blocks.size() == b.blocks.size());
  for (std::size_t i = 0; i < a.blocks.size(); ++i) {
    const Block &x = a.blocks[i], &y = b.blocks[i];
    CHECK(x.domain == y.domain);
    CHECK(x.age_band == y.age_band);
    CHECK(x.sex == y.sex);
    CHECK(x.by_variable == y.by_variable);
    CHECK(x.base == y.base);
    CHECK(x.responses == y.responses);
    CHECK(same_double(x.weighted_responses, y.weighted_responses));
  }
  REQUIRE(a.cells.size() == b.cells.size());
  for (std::size_t i = 0; i < a.cells.size(); ++i) {
    const DistCell &x = a.cells[i], &y = b.cells[i];
    INFO("cell " << i << " " << x.label);
    CHECK(x.block == y.block);
    CHECK(x.code == y.code);
    CHECK(x.n == y.n);
    CHECK(x.estimable == y.estimable);
    CHECK(same_double(x.est.value, y.est.value));
    CHECK(same_double(x.est.se, y.est.se));
    CHECK(same_double(x.est.df, y.est.df));
    CHECK(same_double(x.est.deff, y.est.deff));
    REQUIRE(x.est.interval.has_value() == y.est.interval.has_value());
    if (x.est.interval) {
      CHECK(same_double(x.est.interval->lower, y.est.interval->lower));
      CHECK(same_double(x.est.interval->upper, y.est.interval->upper));
    }
    CHECK(x.est.interval_method == y.est.interval_method);
    CHECK(x.percent_responses.has_value() == y.percent_responses.has_value());
    if (x.percent_responses && y.percent_responses) CHECK(same_double(*x.percent_responses, *y.percent_responses));
    CHECK(x.hidden == y.hidden);
    CHECK(x.primary == y.primary);
  }
  CHECK(a.relations.size() == b.relations.size());
}

std::vector<Distribution> streamed(const Case& c, const TabulateOptions& o, std::size_t size) {
  const auto cb = codebook::load_codebook(c.codebook);
  const auto rs = rules_of(c);
  data::IngestStream stream(c.csv, cb, {});
  data::IngestBatch batch;
  TabulateAccumulator acc(c.vars, o);
  while (stream.next(size, batch)) {
    REQUIRE(batch.rejected.empty());
    if (rs) {
      const auto cls = classify::classify(batch.data, *rs);
      acc.add(batch.data, &cls);
    } else {
      acc.add(batch.data, nullptr);
    }
  }
  return acc.finish();
}

// The block's indicator and the cell's 0/1 outcome, row by row (what R's subset() and the cell's y are).
void rows_of(const data::Dataset& ds, const classify::Classification* cls, const Distribution& dist, const DistCell& cell, std::vector<double>& dom,
             std::vector<double>& y) {
  dom.assign(ds.rows(), 0.0);
  y.assign(ds.rows(), 0.0);
  const data::Column* col = ds.column(dist.variable);
  const data::Column* age = ds.column(codebook::Role::Age);
  const data::Column* sex = ds.column(codebook::Role::Sex);
  const Block& b = dist.blocks[cell.block];
  for (std::size_t r = 0; r < ds.rows(); ++r) {
    bool in = b.domain == Domain::All || cls->is_broad(r) == (b.domain == Domain::Broad);
    if (b.age_band != "all") {
      const std::int64_t a = age->ints[r];
      if (b.age_band == "unknown") in = in && a == data::kMissing;
      else {
        const int lo = std::stoi(b.age_band.substr(0, b.age_band.find('-'))), hi = std::stoi(b.age_band.substr(b.age_band.find('-') + 1));
        in = in && a != data::kMissing && a >= lo && a <= hi;
      }
    }
    if (b.sex != "all") { // the sex variable, or the --by code variable (its missing codes are 無回答)
      const data::Column* lc = b.by_variable.empty() ? sex : ds.column(b.by_variable);
      const std::int64_t x = lc->ints[r];
      const bool miss = x == data::kMissing || (!b.by_variable.empty() && lc->var->is_missing_code(x));
      const int k = miss ? -1 : lc->var->code_index(x);
      const auto& cd = lc->var->codes[static_cast<std::size_t>(std::max(k, 0))];
      const std::string key = k < 0 ? "unknown" : cd.key.empty() ? std::to_string(cd.code) : cd.key;
      in = in && key == b.sex;
    }
    dom[r] = in ? 1.0 : 0.0;
    const std::size_t ncodes = col->var->codes.size();
    std::size_t k = 0;
    while (k < ncodes && col->var->codes[k].code != cell.code) ++k;
    if (dist.multi)
      y[r] = cell.kind == RowKind::NoAnswer ? (col->multi_answered[r] == 0) : ((col->multi[r] >> k) & 1U) != 0;
    else
      y[r] = cell.kind == RowKind::NoAnswer ? (col->ints[r] == data::kMissing) : (col->ints[r] == cell.code);
  }
}

} // namespace

TEST_CASE("tabulate: streaming (IngestStream batches) and in-memory (ingest + tabulate) agree bitwise", "[tabulate][stream]") {
  for (const Case& c : cases()) {
    INFO(c.name);
    const auto cb = codebook::load_codebook(c.codebook);
    const auto ingest = data::ingest(c.csv, cb, {});
    if (!ingest.rejected.empty()) FAIL(ingest.rejected.front().problems.front().message.en << " " << ingest.rejected.front().problems.front().value);
    const auto rs = rules_of(c);
    std::optional<classify::Classification> cls;
    if (rs) cls = classify::classify(ingest.data, *rs);
    const TabulateOptions o = options(c);
    std::vector<Distribution> whole;
    for (const std::string& name : c.vars) whole.push_back(tabulate::tabulate(ingest.data, cls ? &*cls : nullptr, name, o));
    for (std::size_t size : {1u, 7u, 65536u}) {
      if (size == 1 && ingest.data.rows() > 100) continue; // batches of one row: the small files (time)
      INFO("batch size " << size);
      const std::vector<Distribution> s = streamed(c, o, size);
      REQUIRE(s.size() == c.vars.size());
      for (std::size_t v = 0; v < c.vars.size(); ++v) {
        INFO(c.vars[v]);
        check_identical(whole[v], s[v]);
      }
    }
  }
}

TEST_CASE("tabulate: the accumulator's linearised cells equal svy_domain_mean row by row to 1e-12", "[tabulate][stream]") {
  std::size_t checked = 0;
  for (const Case& c : cases()) {
    INFO(c.name);
    const auto cb = codebook::load_codebook(c.codebook);
    const auto ingest = data::ingest(c.csv, cb, {});
    const data::Dataset& ds = ingest.data;
    const auto spec = estimate::design_from_dataset(ds, c.lonely);
    if (!spec.complex()) continue; // a simple sample: count / base (test_tabulate)
    const auto rs = rules_of(c);
    std::optional<classify::Classification> cls;
    if (rs) cls = classify::classify(ds, *rs);
    const TabulateOptions o = options(c);
    for (const std::string& name : c.vars) {
      const Distribution dist = tabulate::tabulate(ds, cls ? &*cls : nullptr, name, o);
      for (const DistCell& cell : dist.cells) {
        const Block& b = dist.blocks[cell.block];
        if (b.base == 0) continue;
        std::vector<double> dom, y;
        rows_of(ds, cls ? &*cls : nullptr, dist, cell, dom, y);
        const estimate::DomainMean dm = estimate::svy_domain_mean(spec.design, y, dom);
        INFO(name << " " << domain_id(b.domain) << " " << b.age_band << " " << b.sex << " " << cell.label);
        std::size_t n = 0;
        for (std::size_t r = 0; r < ds.rows(); ++r) n += y[r] > 0 && dom[r] > 0;
        CHECK(cell.n == n);
        CHECK(cell.est.value == Approx(dm.value).epsilon(1e-12).margin(1e-15));
        CHECK(cell.est.se == Approx(dm.se).epsilon(1e-12).margin(1e-15));
        CHECK(cell.est.df == dm.df);
        if (std::isnan(dm.deff)) CHECK(std::isnan(cell.est.deff));
        else CHECK(cell.est.deff == Approx(dm.deff).epsilon(1e-10));
        ++checked;
      }
    }
  }
  CHECK(checked > 1000);
}

TEST_CASE("tabulate --ci likelihood: per-block (weight, y) groups equal svy_likelihood_interval on the rows and stream bitwise",
          "[tabulate][stream][likelihood]") {
  std::size_t checked = 0;
  for (const Case& c : cases()) {
    INFO(c.name);
    const auto cb = codebook::load_codebook(c.codebook);
    const auto ingest = data::ingest(c.csv, cb, {});
    const data::Dataset& ds = ingest.data;
    const auto spec = estimate::design_from_dataset(ds, c.lonely);
    if (!spec.complex()) continue; // a simple sample: the binomial interval, no svyglm path
    const auto rs = rules_of(c);
    std::optional<classify::Classification> cls;
    if (rs) cls = classify::classify(ds, *rs);
    TabulateOptions o = options(c);
    o.ci_method = estimate::CiMethod::Likelihood;
    std::vector<Distribution> whole;
    for (const std::string& name : c.vars) whole.push_back(tabulate::tabulate(ds, cls ? &*cls : nullptr, name, o));
    // Against the row path (R's svyglm on subset(design, block), survey_estimators.hpp): the path is summed over
    // the same groups in the same order; the score variance from per-PSU sums differs only in rounding.
    for (const Distribution& dist : whole)
      for (const DistCell& cell : dist.cells) {
        if (!cell.est.interval || cell.est.interval_method != "likelihood") continue;
        std::vector<double> dom, y;
        rows_of(ds, cls ? &*cls : nullptr, dist, cell, dom, y);
        const estimate::Interval ri = estimate::svy_likelihood_interval(spec.design, y, dom, cell.est.df, o.level);
        INFO(dist.variable << " block " << cell.block << " " << cell.label);
        CHECK(cell.est.interval->lower == Approx(ri.lower).epsilon(1e-12).margin(1e-15));
        CHECK(cell.est.interval->upper == Approx(ri.upper).epsilon(1e-12).margin(1e-15));
        ++checked;
      }
    for (std::size_t size : {7u, 65536u}) {
      INFO("batch size " << size);
      const std::vector<Distribution> s = streamed(c, o, size);
      REQUIRE(s.size() == whole.size());
      for (std::size_t v = 0; v < s.size(); ++v) check_identical(whole[v], s[v]);
    }
  }
  CHECK(checked > 1500); // 1,920 intervals on the designs above
}

TEST_CASE("tabulate accumulator: variables and domains are checked, no rows is an error", "[tabulate][stream]") {
  const auto cb = codebook::load_codebook(kSrc + "/tests/data/tabulate/weighted.codebook.toml");
  CHECK(testutil::problem_of([&] { tabulated_variable(cb, "id"); }).code == ErrorCode::UsageInvalidOption);
  CHECK(testutil::problem_of([&] { tabulated_variable(cb, "nope"); }).code == ErrorCode::UsageInvalidOption);
  CHECK(testutil::problem_of([&] { tabulated_variable(cb, "w"); }).code == ErrorCode::UsageInvalidOption);
  CHECK(tabulated_variable(cb, "q2").name == "q2");
  TabulateOptions none;
  none.domains.clear();
  CHECK(testutil::problem_of([&] { TabulateAccumulator({"q1"}, none); }).code == ErrorCode::UsageInvalidOption);
  const TabulateAccumulator empty({"q1"}, TabulateOptions{});
  CHECK(testutil::problem_of([&] { (void)empty.finish(); }).code == ErrorCode::EstimateNoData);
}

TEST_CASE("tabulate accumulator: an age band that fits no --by band names the file line", "[tabulate][stream]") {
  const std::string cb_path = testutil::write_temp("age_code.toml", R"(
[codebook]
age_min = 15
age_max = 64

[[variable]]
name = "age"
role = "age"
type = "code"
codes = [ { code = 1, min = 15, max = 24 }, { code = 2, min = 25, max = 39 }, { code = 3, min = 40, max = 64 } ]

[[variable]]
name = "q"
type = "code"
codes = [ { code = 1 }, { code = 2 } ]
)");
  const std::string csv = testutil::write_temp("age_code.csv", "age,q\n2,1\n3,2\n1,1\n");
  const auto cb = codebook::load_codebook(cb_path);
  const auto ingest = data::ingest(csv, cb, {});
  TabulateOptions o;
  o.by = parse_by("age2");
  CHECK(tabulate::tabulate(ingest.data, nullptr, "q", o).blocks.size() == 3); // 15-39, 40-64 fit
  o.by = parse_by("age10");
  const Problem p = testutil::problem_of([&] { tabulate::tabulate(ingest.data, nullptr, "q", o); });
  CHECK(p.code == ErrorCode::UsageInvalidOption);
  CHECK(p.pos.line == 2); // the first row: code 2 = 25-39 spans 20-29 and 30-39
  CHECK(p.value == "2");
  CHECK(p.pos.file == csv);
}

// Created replicates (--replicates jk1|jkn|bootstrap|subbootstrap|brr|fay): the accumulator applies the PSU
// multipliers to its per-PSU sums (no rows × R matrix). Checked against the row-level replicate path
// (the same replicates as row weights, make_replicates, through svy_mean_by: TabulateOptions::replicates)
// on every design case: percent, SE and interval to 1e-12 relative (the order of summation is the only
// difference), df exactly, the same blocks without a replicate SE; and streamed in batches bitwise equal to
// the in-memory table. A request the design cannot take gives the same error either way.
TEST_CASE("tabulate accumulator: created replicates from per-PSU sums equal the row-level replicate estimates", "[tabulate][stream][replicates]") {
  using estimate::CreatedReplicates;
  std::size_t checked = 0, undefined = 0, refused = 0;
  for (const Case& c : cases()) {
    // Four designs keep this test to seconds under ASan (the row-level side ranks rows × R weights per cell):
    // stratified two-stage with fpc, unstratified clusters by sex, lonely PSUs averaged, and the generated one
    // with a multiple-answer question and unanswered age and sex.
    if (c.name != "full" && c.name != "clus_sex" && c.name != "lonely_average" && c.name != "generated") continue;
    const auto cb = codebook::load_codebook(c.codebook);
    const auto ingest = data::ingest(c.csv, cb, {});
    const data::Dataset& ds = ingest.data;
    const auto spec = estimate::design_from_dataset(ds, c.lonely);
    if (!spec.complex()) continue;
    const auto rs = rules_of(c);
    std::optional<classify::Classification> cls;
    if (rs) cls = classify::classify(ds, *rs);
    for (const CreatedReplicates kind : {CreatedReplicates::JKn, CreatedReplicates::JK1, CreatedReplicates::Bootstrap, CreatedReplicates::SubBootstrap,
                                         CreatedReplicates::BRR, CreatedReplicates::Fay}) {
      INFO(c.name << " " << estimate::created_replicates_name(kind));
      // Without a psu column every row is a PSU: the bootstrap only (the row-level jackknife of 557 replicates
      // would take most of this test's time and checks nothing the clustered designs do not).
      if (spec.design.psu.empty() && kind != CreatedReplicates::Bootstrap) continue;
      const estimate::ReplicateRequest req{kind, 10, 7, 0.3};
      TabulateOptions created = options(c);
      if (c.rules.empty()) created.domains = {Domain::All};
      else created.domains = {Domain::All, Domain::Broad};
      TabulateOptions rows = created;
      created.replicate_request = req;
      std::optional<ErrorCode> row_error;
      try {
        rows.replicates = std::make_shared<const estimate::ReplicateDesign>(estimate::make_replicates(spec.design, req));
      } catch (const Error& e) {
        row_error = e.problem().code;
      }
      for (const std::string& name : c.vars) {
        INFO(name);
        if (row_error) { // the design cannot take this kind (e.g. JK1 with strata, BRR without 2 PSUs per stratum)
          CHECK(testutil::problem_of([&] { (void)tabulate::tabulate(ds, cls ? &*cls : nullptr, name, created); }).code == *row_error);
          ++refused;
          continue;
        }
        const Distribution a = tabulate::tabulate(ds, cls ? &*cls : nullptr, name, created);
        const Distribution b = tabulate::tabulate(ds, cls ? &*cls : nullptr, name, rows);
        CHECK(a.replicate);
        REQUIRE(a.blocks.size() == b.blocks.size());
        for (std::size_t i = 0; i < a.blocks.size(); ++i) {
          CHECK(a.blocks[i].replicate_undefined == b.blocks[i].replicate_undefined);
          undefined += a.blocks[i].replicate_undefined;
        }
        REQUIRE(a.cells.size() == b.cells.size());
        for (std::size_t i = 0; i < a.cells.size(); ++i) {
          const DistCell &x = a.cells[i], &y = b.cells[i];
          INFO("cell " << i << " " << x.label << " block " << x.block);
          CHECK(x.n == y.n);
          CHECK(x.est.value == Approx(y.est.value).epsilon(1e-12).margin(1e-15));
          if (std::isnan(y.est.se)) { // no SE: a block without a replicate SE (df NaN) or without rows (df 0)
            CHECK(std::isnan(x.est.se));
            CHECK((std::isnan(y.est.df) ? std::isnan(x.est.df) : x.est.df == y.est.df));
          } else {
            CHECK(x.est.se == Approx(y.est.se).epsilon(1e-12).margin(1e-15));
            CHECK(x.est.df == y.est.df);
          }
          CHECK(std::isnan(x.est.deff));
          REQUIRE(x.est.interval.has_value() == y.est.interval.has_value());
          if (x.est.interval) {
            CHECK(x.est.interval->lower == Approx(y.est.interval->lower).epsilon(1e-12).margin(1e-14));
            CHECK(x.est.interval->upper == Approx(y.est.interval->upper).epsilon(1e-12).margin(1e-14));
          }
          CHECK(x.est.interval_method == y.est.interval_method);
          CHECK(x.hidden == y.hidden);
          ++checked;
        }
      }
      if (row_error) continue;
      const std::vector<Distribution> s = streamed(c, created, 7);
      for (std::size_t v = 0; v < c.vars.size(); ++v) {
        INFO("streamed in batches of 7: " << c.vars[v]);
        check_identical(tabulate::tabulate(ds, cls ? &*cls : nullptr, c.vars[v], created), s[v]);
      }
    }
  }
  CHECK(checked > 1000);
  CHECK(refused > 0);
  INFO("blocks without a replicate SE: " << undefined);
}

// Supplied replicate columns (a codebook [replicates]): summed per block, cell and replicate. Two surveys: the
// generated clustered one (a multiple-answer question, unanswered age and sex) with 12 bootstrap replicate columns
// written into the file (17 digits) and [replicates] type bootstrap with their scale, and the JKn fixture of
// r/replicate_cli_golden.R (rep_survey.csv, sup_jkn: rscales); domains all, broad, comparison, --by age10,sex (the
// generated survey) or age10,duration (sup_jkn).
// In memory (TabulateOptions::replicates, the ReplicateDesign of the columns) vs read from the batches
// (::replicate_columns) in one batch and in batches of 1, 7 and 65,536 rows through IngestStream: bitwise; every
// estimable cell vs svy_mean_by on the rows (whose R agreement cli.replicate_vs_r checks): 1e-12, df exactly.
namespace {

Case generated_supplied() {
  const Case g = cases().back();
  REQUIRE(g.name == "generated");
  const auto cb = codebook::load_codebook(g.codebook);
  const auto ingest = data::ingest(g.csv, cb, {});
  REQUIRE(ingest.rejected.empty());
  const auto spec = estimate::design_from_dataset(ingest.data, g.lonely);
  const estimate::ReplicateDesign rd = estimate::make_replicates(spec.design, {estimate::CreatedReplicates::Bootstrap, 12, 3});
  std::istringstream in(generated_csv());
  std::ostringstream csv, toml;
  csv.precision(17);
  toml.precision(17);
  std::string line;
  std::getline(in, line);
  csv << line;
  for (Eigen::Index j = 0; j < rd.rep.cols(); ++j) csv << ",b" << j + 1;
  csv << "\n";
  for (Eigen::Index i = 0; std::getline(in, line); ++i) {
    REQUIRE(i < rd.rep.rows());
    csv << line;
    for (Eigen::Index j = 0; j < rd.rep.cols(); ++j) csv << ',' << rd.rep(i, j);
    csv << "\n";
  }
  toml << kGeneratedCodebook;
  for (Eigen::Index j = 0; j < rd.rep.cols(); ++j) toml << "\n[[variable]]\nname = \"b" << j + 1 << "\"\nrole = \"replicate\"\ntype = \"number\"\n";
  toml << "\n[replicates]\ntype = \"bootstrap\"\nscale = " << rd.scale << "\n";
  Case c = g;
  c.name = "generated_supplied";
  c.csv = testutil::write_temp("generated_supplied.csv", csv.str());
  c.codebook = testutil::write_temp("generated_supplied.toml", toml.str());
  return c;
}

} // namespace

TEST_CASE("tabulate accumulator: supplied replicate columns summed per cell equal the in-memory design and svy_mean_by", "[tabulate][stream][replicates][supplied]") {
  const std::string r = kSrc + "/tests/data/replicate/";
  Case jkn{"sup_jkn", r + "rep_survey.csv", r + "sup_jkn.codebook.toml", kSrc + "/tests/data/weighted/core_only.toml", {"outing", "duration"}, "age10,duration"};
  std::size_t checked = 0, undefined = 0;
  for (const Case& c : {generated_supplied(), jkn}) {
    INFO(c.name);
    const auto cb = codebook::load_codebook(c.codebook);
    REQUIRE(cb.replicates);
    const auto ingest = data::ingest(c.csv, cb, {});
    REQUIRE(ingest.rejected.empty());
    const data::Dataset& ds = ingest.data;
    const auto rs = rules_of(c);
    std::optional<classify::Classification> cls;
    if (rs) cls = classify::classify(ds, *rs);
    const TabulateOptions o = options(c);
    TabulateOptions rows = o, cols = o;
    auto rd = estimate::supplied_replicate_design(ds, estimate::design_from_dataset(ds, o.lonely).design.weights);
    REQUIRE(rd);
    rows.replicates = std::make_shared<const estimate::ReplicateDesign>(*rd);
    cols.replicate_columns = api::supplied_replicate_options(cb, "", cols.replicates_label);
    REQUIRE(cols.replicate_columns);
    std::vector<Distribution> whole;
    for (const std::string& name : c.vars) {
      INFO(name);
      whole.push_back(tabulate::tabulate(ds, cls ? &*cls : nullptr, name, rows));
      const Distribution& a = whole.back();
      CHECK(a.replicate);
      check_identical(a, tabulate::tabulate(ds, cls ? &*cls : nullptr, name, cols));
      std::vector<double> dom, y;
      for (const DistCell& cell : a.cells) {
        if (!cell.estimable) continue;
        INFO("cell " << cell.label << " block " << cell.block);
        rows_of(ds, cls ? &*cls : nullptr, a, cell, dom, y);
        const Eigen::Map<const Eigen::VectorXd> yv(y.data(), static_cast<Eigen::Index>(y.size()));
        const Eigen::MatrixXd dv = Eigen::Map<const Eigen::MatrixXd>(dom.data(), static_cast<Eigen::Index>(dom.size()), 1);
        std::optional<estimate::SurveyEstimate> e;
        try {
          e = estimate::svy_mean_by(*rd, yv, dv);
        } catch (const Error& err) {
          CHECK(err.problem().code == ErrorCode::EstimateNoData); // a replicate without the block's weight
        }
        if (!e) {
          CHECK(std::isnan(cell.est.se));
          CHECK(std::isnan(cell.est.df));
          CHECK(a.blocks[cell.block].replicate_undefined);
          ++undefined;
          continue;
        }
        CHECK(cell.est.value == Approx(e->value(0)).epsilon(1e-12).margin(1e-15));
        CHECK(cell.est.se == Approx(std::sqrt(e->vcov(0, 0))).epsilon(1e-12).margin(1e-15));
        CHECK(cell.est.df == e->domain_df[0]);
        ++checked;
      }
    }
    for (std::size_t size : {1u, 7u, 65536u}) {
      INFO("batch size " << size);
      const std::vector<Distribution> s = streamed(c, cols, size);
      REQUIRE(s.size() == c.vars.size());
      for (std::size_t v = 0; v < c.vars.size(); ++v) check_identical(whole[v], s[v]);
    }
  }
  CHECK(checked > 300);
  INFO("cells without a replicate SE: " << undefined);
}

TEST_CASE("tabulate accumulator: created replicates refuse calibration and supplied replicates", "[tabulate][stream][replicates]") {
  TabulateOptions o;
  o.replicate_request = estimate::ReplicateRequest{};
  o.calibration = [](const Eigen::MatrixXd& z) { return z; };
  const auto cb = codebook::load_codebook(kSrc + "/tests/data/tabulate/weighted.codebook.toml");
  const auto ingest = data::ingest(kSrc + "/tests/data/tabulate/weighted.csv", cb, {});
  CHECK(testutil::problem_of([&] { (void)tabulate::tabulate(ingest.data, nullptr, "q1", o); }).code == ErrorCode::UsageInvalidOption);
}

namespace {

bool close(double a, double b) { return std::abs(a - b) <= 1e-12 * std::max(1.0, std::max(std::abs(a), std::abs(b))); }

// Two Rao–Scott results: levels, n and the dfs exactly, every statistic and proportion to 1e-12 (close).
void check_close(const estimate::RaoScott& x, const estimate::RaoScott& y) {
  CHECK(x.row_levels == y.row_levels);
  CHECK(x.col_levels == y.col_levels);
  CHECK(x.n == y.n);
  CHECK(x.design_df == y.design_df);
  CHECK(x.df == y.df);
  CHECK(close(x.pearson, y.pearson));
  CHECK(close(x.pearson_p, y.pearson_p));
  CHECK(close(x.delta_trace, y.delta_trace));
  CHECK(close(x.delta_trace_squared, y.delta_trace_squared));
  CHECK(close(x.chisq_adjusted, y.chisq_adjusted));
  CHECK(close(x.chisq_p, y.chisq_p));
  CHECK(close(x.f, y.f));
  CHECK(close(x.ndf, y.ndf));
  CHECK(close(x.ddf, y.ddf));
  CHECK(close(x.f_p, y.f_p));
  REQUIRE(x.proportions.size() == y.proportions.size());
  for (Eigen::Index i = 0; i < x.proportions.size(); ++i) CHECK(close(x.proportions.data()[i], y.proportions.data()[i]));
}

} // namespace

TEST_CASE("tabulate --test: the association accumulator (per-PSU two-way sums) equals association_test to 1e-12", "[tabulate][stream][association]") {
  // Designs with a psu column: clustered, stratified two-stage with fpc, lonely PSUs under each policy that has a
  // variance, the generated clustered survey with unanswered sex; and designs without one (below).
  const std::string d = kSrc + "/tests/data/design/";
  const std::string core = kSrc + "/tests/data/weighted/core_only.toml";
  struct T {
    std::string csv, codebook, var;
    TestBy by;
    estimate::LonelyPsu lonely = estimate::LonelyPsu::Fail;
  };
  std::vector<T> tests;
  for (const char* cb : {"full", "clus"}) tests.push_back(T{d + "design_survey.csv", d + cb + ".codebook.toml", "outing", TestBy::Broad});
  tests.push_back(T{d + "design_survey.csv", d + "clus_sex.codebook.toml", "outing", TestBy::Sex});
  tests.push_back(T{d + "design_survey.csv", d + "clus_sex.codebook.toml", "duration", TestBy::Broad});
  for (auto p : {estimate::LonelyPsu::Remove, estimate::LonelyPsu::Certainty, estimate::LonelyPsu::Adjust, estimate::LonelyPsu::Average})
    tests.push_back(T{d + "lonely_survey.csv", d + "lonely_survey.codebook.toml", "outing", TestBy::Broad, p});
  const std::string gen_csv = testutil::write_temp("generated_assoc.csv", generated_csv()), gen_cb = testutil::write_temp("generated_assoc.toml", kGeneratedCodebook);
  tests.push_back(T{gen_csv, gen_cb, "outing", TestBy::Sex});
  tests.push_back(T{gen_csv, gen_cb, "outing", TestBy::Broad});
  // Without a psu column (each row its own PSU: per-stratum moments, what `tabulate --test` streams since issue 16):
  // the cases above with their psu role removed, one already without (strata, fpc of the population), and a simple
  // sample (西東京: no design columns, one stratum).
  std::size_t counted = 0;
  for (const Case& c : cases()) {
    if (c.name != "full" && c.name != "clus_sex" && c.name != "srs_fpc" && c.name != "lonely_average" && c.name != "generated") continue;
    const std::optional<NoPsu> np = without_psu(c);
    REQUIRE(np);
    tests.push_back(T{c.csv, np->counted.codebook, "outing", TestBy::Broad, c.lonely});
    if (c.name == "clus_sex" || c.name == "generated") tests.push_back(T{c.csv, np->counted.codebook, "outing", TestBy::Sex, c.lonely});
  }
  tests.push_back(T{kSrc + "/data/samples/nishitokyo2024.csv", kSrc + "/data/samples/nishitokyo2024.codebook.toml", "問17", TestBy::Sex});
  const auto rs = classify::resolve_ruleset(core);
  for (const T& t : tests) {
    INFO(t.codebook << " " << t.var << " by " << (t.by == TestBy::Sex ? "sex" : "broad") << " lonely " << estimate::lonely_psu_name(t.lonely));
    const auto cb = codebook::load_codebook(t.codebook);
    counted += cb.by_role(codebook::Role::Psu) == nullptr;
    const auto ingest = data::ingest(t.csv, cb, {});
    REQUIRE(ingest.rejected.empty());
    const auto cls = classify::classify(ingest.data, rs);
    const AssociationTest whole = association_test(ingest.data, &cls, t.var, t.by, t.lonely);
    for (std::size_t size : {1u, 7u, 1000u, 65536u}) {
      INFO("batch size " << size);
      data::IngestStream stream(t.csv, cb, {});
      data::IngestBatch batch;
      AssociationAccumulator acc(t.var, t.by, t.lonely);
      while (stream.next(size, batch)) {
        const auto bc = classify::classify(batch.data, rs);
        acc.add(batch.data, &bc);
      }
      const AssociationTest s = acc.finish();
      const auto &x = whole.result, &y = s.result;
      check_close(x, y);
    }
  }
  CHECK(counted == 8);
  // The errors of association_test: fewer than 2 levels (only the men of the design survey).
  std::ifstream in(d + "design_survey.csv");
  std::string line, men;
  std::getline(in, line);
  men = line + "\n";
  while (std::getline(in, line))
    if (line.find(",1,") == line.find(',', line.find(',') + 1)) men += line + "\n"; // third field (sex) is 1
  const std::string men_csv = testutil::write_temp("men.csv", men);
  const auto cb = codebook::load_codebook(d + "clus_sex.codebook.toml");
  const auto ingest = data::ingest(men_csv, cb, {});
  REQUIRE(ingest.data.rows() > 10);
  const auto cls = classify::classify(ingest.data, rs);
  const Problem pw = testutil::problem_of([&] { association_test(ingest.data, &cls, "outing", TestBy::Sex, estimate::LonelyPsu::Certainty); });
  CHECK(pw.code == ErrorCode::EstimateNoData);
  AssociationAccumulator acc("outing", TestBy::Sex, estimate::LonelyPsu::Certainty);
  acc.add(ingest.data, &cls);
  const Problem ps = testutil::problem_of([&] { acc.finish(); });
  CHECK(ps.code == pw.code);
  CHECK(ps.message.en == pw.message.en);
}

// Issue 16: a linearised design without a psu column keeps per stratum and block the moments of the row scores
// (Σ w, Σ w², and per cell Σ w y, Σ w² y) instead of a record per row. Every case of the set with its psu role
// removed (weights, strata, fpc; --by crossed up to three deep; a multiple-answer question; the domains all / broad
// / comparison; --where; --ci likelihood) against the same rows with a PSU per row: the same counts and percents
// (bit for bit: the same sums in row order), SE, deff and interval to 1e-12 relative, df exactly; and batches of 1,
// 7 and 65,536 rows bitwise equal to the whole file.
TEST_CASE("tabulate without a psu column: per-stratum moments equal a PSU per row to 1e-12 and stream bitwise", "[tabulate][stream][counted]") {
  std::vector<Case> all = cases();
  for (Case c : cases())
    if (c.name == "generated") { // crossed three deep
      c.name = "generated_deep";
      c.vars = {"reasons", "duration"};
      c.by = "age2,sex,outing";
      all.push_back(c);
    }
  std::size_t checked = 0, designs = 0, likelihood = 0;
  for (const Case& c0 : all) {
    const std::optional<NoPsu> np = without_psu(c0);
    if (!np) continue;
    const Case &a = np->counted, &b = np->per_row;
    INFO(a.name);
    const auto load = [](const Case& c) {
      auto ing = data::ingest(c.csv, codebook::load_codebook(c.codebook), {});
      REQUIRE(ing.rejected.empty());
      return std::move(ing.data);
    };
    const data::Dataset da = load(a), db = load(b);
    REQUIRE(da.column(codebook::Role::Psu) == nullptr);
    REQUIRE(db.column(codebook::Role::Psu) != nullptr);
    ++designs;
    const auto rs = rules_of(a);
    std::optional<classify::Classification> ca, cb;
    if (rs) {
      ca = classify::classify(da, *rs);
      cb = classify::classify(db, *rs);
    }
    for (int variant = 0; variant < 3; ++variant) { // 0 logit, 1 --where, 2 --ci likelihood
      INFO("variant " << variant);
      TabulateOptions oa = options(a), ob = options(b);
      if (variant == 1) {
        if (!da.column(codebook::Role::Age)) continue;
        oa.where.emplace("age >= 30", da.codebook);
        ob.where.emplace("age >= 30", db.codebook);
      }
      if (variant == 2) oa.ci_method = ob.ci_method = estimate::CiMethod::Likelihood;
      for (const std::string& name : a.vars) {
        INFO(name);
        const Distribution x = tabulate::tabulate(da, ca ? &*ca : nullptr, name, oa);
        const Distribution y = tabulate::tabulate(db, cb ? &*cb : nullptr, name, ob);
        REQUIRE(x.cells.size() == y.cells.size());
        REQUIRE(x.blocks.size() == y.blocks.size());
        for (std::size_t i = 0; i < x.blocks.size(); ++i) CHECK(x.blocks[i].base == y.blocks[i].base);
        for (std::size_t i = 0; i < x.cells.size(); ++i) {
          const DistCell &p = x.cells[i], &q = y.cells[i];
          INFO("cell " << i << " " << p.label << " block " << p.block);
          CHECK(p.n == q.n);
          CHECK(p.estimable == q.estimable);
          CHECK(same_double(p.est.value, q.est.value));
          if (std::isnan(q.est.se)) CHECK(std::isnan(p.est.se));
          else CHECK(p.est.se == Approx(q.est.se).epsilon(1e-12).margin(1e-15));
          CHECK((std::isnan(q.est.df) ? std::isnan(p.est.df) : p.est.df == q.est.df));
          if (std::isnan(q.est.deff)) CHECK(std::isnan(p.est.deff));
          else CHECK(p.est.deff == Approx(q.est.deff).epsilon(1e-12).margin(1e-13));
          REQUIRE(p.est.interval.has_value() == q.est.interval.has_value());
          if (p.est.interval) {
            CHECK(p.est.interval->lower == Approx(q.est.interval->lower).epsilon(1e-12).margin(1e-15));
            CHECK(p.est.interval->upper == Approx(q.est.interval->upper).epsilon(1e-12).margin(1e-15));
            likelihood += p.est.interval_method == "likelihood";
          }
          CHECK(p.est.interval_method == q.est.interval_method);
          CHECK(p.hidden == q.hidden);
          ++checked;
        }
      }
      if (variant == 1) continue;
      std::vector<Distribution> whole;
      for (const std::string& name : a.vars) whole.push_back(tabulate::tabulate(da, ca ? &*ca : nullptr, name, oa));
      for (std::size_t size : {1u, 7u, 65536u}) {
        INFO("batch size " << size);
        const std::vector<Distribution> s = streamed(a, oa, size);
        REQUIRE(s.size() == whole.size());
        for (std::size_t v = 0; v < s.size(); ++v) check_identical(whole[v], s[v]);
      }
    }
  }
  CHECK(designs >= 12); // full, strat, clus, srs_fpc, calib, clus_sex, 4 × lonely, weighted, …, generated
  CHECK(checked > 5000);
  CHECK(likelihood > 1000);
}

// Issue 16: `tabulate --test` with replicates streams. The association accumulator with created replicates (the PSU
// multipliers on the per-PSU two-way sums; without a psu column a record per row) and with supplied replicate
// columns (per replicate Σ w_r over the complete rows and per cell, the Gram matrix of every row for ν), in batches
// of 1, 7 and 65,536 rows: bitwise equal to each other (batch size does not matter) and to association_test on the
// whole data set with the replicate design in memory (make_replicates / the columns' ReplicateDesign: R svychisq on
// the svyrep.design, which cli.tabulate_vs_r and rao_scott_toshima_vs_r check) to 1e-12, ν exactly.
TEST_CASE("tabulate --test with replicates: the association accumulator equals association_test on the replicate design", "[tabulate][stream][association][replicates]") {
  using estimate::CreatedReplicates;
  const std::string core = kSrc + "/tests/data/weighted/core_only.toml";
  const auto rs = classify::resolve_ruleset(core);
  struct T {
    std::string name, csv, codebook, var;
    TestTarget target;
    estimate::LonelyPsu lonely = estimate::LonelyPsu::Fail;
  };
  std::vector<T> created;
  for (const Case& c : cases()) {
    if (c.name == "full" || c.name == "clus_sex" || c.name == "lonely_average" || c.name == "generated") {
      created.push_back(T{c.name, c.csv, c.codebook, "outing", TestTarget{TestBy::Broad, ""}, c.lonely});
      if (c.name == "clus_sex" || c.name == "generated") created.push_back(T{c.name, c.csv, c.codebook, "outing", TestTarget{TestBy::Sex, ""}, c.lonely});
    }
    if (c.name == "full" || c.name == "generated") { // without a psu column: a PSU per row, each with its own multipliers
      const std::optional<NoPsu> np = without_psu(c);
      REQUIRE(np);
      created.push_back(T{np->counted.name, c.csv, np->counted.codebook, "outing", TestTarget{TestBy::Broad, ""}, c.lonely});
    }
    if (c.name == "full_by_duration") created.push_back(T{c.name, c.csv, c.codebook, "outing", TestTarget{TestBy::Variable, "duration"}, c.lonely});
  }
  const auto compare = [&](const AssociationTest& whole, const std::vector<AssociationTest>& parts) {
    for (const AssociationTest& s : parts) {
      const auto &x = whole.result, &y = s.result;
      check_close(x, y);
      const auto &a = parts.front().result;
      CHECK(same_double(a.f, y.f));
      CHECK(same_double(a.f_p, y.f_p));
      CHECK(same_double(a.delta_trace, y.delta_trace));
      CHECK(same_double(a.delta_trace_squared, y.delta_trace_squared));
      CHECK(same_double(a.chisq_adjusted, y.chisq_adjusted));
      CHECK(same_double(a.design_df, y.design_df));
    }
  };
  const auto stream = [&](const std::string& csv, const codebook::Codebook& cb, const T& t, const TabulateOptions& o) {
    std::vector<AssociationTest> out;
    for (std::size_t size : {1u, 7u, 65536u}) {
      data::IngestStream in(csv, cb, {});
      data::IngestBatch batch;
      AssociationAccumulator acc(t.var, t.target, o);
      while (in.next(size, batch)) {
        const auto bc = classify::classify(batch.data, rs);
        acc.add(batch.data, &bc);
      }
      out.push_back(acc.finish());
    }
    return out;
  };
  std::size_t checked = 0, refused = 0;
  for (const T& t : created)
    for (const CreatedReplicates kind : {CreatedReplicates::JKn, CreatedReplicates::JK1, CreatedReplicates::Bootstrap, CreatedReplicates::SubBootstrap,
                                         CreatedReplicates::BRR, CreatedReplicates::Fay}) {
      INFO(t.name << " " << t.var << " " << estimate::created_replicates_name(kind) << " " << t.codebook);
      const auto cb = codebook::load_codebook(t.codebook);
      if (!cb.by_role(codebook::Role::Psu) && kind != CreatedReplicates::Bootstrap) continue; // as the table's test above
      const auto ingest = data::ingest(t.csv, cb, {});
      REQUIRE(ingest.rejected.empty());
      const auto cls = classify::classify(ingest.data, rs);
      TabulateOptions o;
      o.lonely = t.lonely;
      o.replicate_request = estimate::ReplicateRequest{kind, 10, 7, 0.3};
      std::optional<AssociationTest> whole;
      std::optional<Problem> error;
      try {
        whole = association_test(ingest.data, &cls, t.var, t.target, o);
      } catch (const Error& e) {
        error = e.problem();
      }
      if (error) { // the design cannot take this kind: the same error streamed
        const Problem p = testutil::problem_of([&] { (void)stream(t.csv, cb, t, o); });
        CHECK(p.code == error->code);
        CHECK(p.message.en == error->message.en);
        ++refused;
        continue;
      }
      compare(*whole, stream(t.csv, cb, t, o));
      ++checked;
    }
  CHECK(checked >= 15);
  CHECK(refused > 0);

  // Supplied columns: the generated survey with 12 bootstrap columns, and every [replicates] fixture of
  // r/replicate_cli_golden.R (rep_survey.csv: bootstrap, bootstrap mse, JK1, JK1 multipliers, JKn, other; brr_survey.csv: BRR, Fay).
  const std::string r = kSrc + "/tests/data/replicate/";
  std::vector<T> supplied;
  const Case g = generated_supplied();
  supplied.push_back(T{g.name, g.csv, g.codebook, "outing", TestTarget{TestBy::Sex, ""}});
  supplied.push_back(T{g.name, g.csv, g.codebook, "outing", TestTarget{TestBy::Broad, ""}});
  for (const char* f : {"sup_boot", "sup_boot_mse", "sup_jk1", "sup_jk1_mult", "sup_jkn", "sup_other", "sup_brr", "sup_fay"}) {
    const std::string csv = r + (f == std::string("sup_brr") || f == std::string("sup_fay") ? "brr_survey.csv" : "rep_survey.csv");
    supplied.push_back(T{f, csv, r + f + ".codebook.toml", "outing", TestTarget{TestBy::Broad, ""}});
    supplied.push_back(T{f, csv, r + f + ".codebook.toml", "outing", TestTarget{TestBy::Variable, "duration"}});
  }
  std::size_t sup_checked = 0;
  for (const T& t : supplied) {
    INFO(t.name << " " << t.var);
    const auto cb = codebook::load_codebook(t.codebook);
    const auto ingest = data::ingest(t.csv, cb, {});
    REQUIRE(ingest.rejected.empty());
    const auto cls = classify::classify(ingest.data, rs);
    TabulateOptions rows, cols;
    auto rd = estimate::supplied_replicate_design(ingest.data, estimate::design_from_dataset(ingest.data, rows.lonely).design.weights);
    REQUIRE(rd);
    rows.replicates = std::make_shared<const estimate::ReplicateDesign>(*rd);
    cols.replicate_columns = api::supplied_replicate_options(cb, "", cols.replicates_label);
    REQUIRE(cols.replicate_columns);
    std::optional<AssociationTest> whole;
    std::optional<Problem> error;
    try {
      whole = association_test(ingest.data, &cls, t.var, t.target, rows);
    } catch (const Error& e) {
      error = e.problem();
    }
    if (error) {
      const Problem p = testutil::problem_of([&] { (void)stream(t.csv, cb, t, cols); });
      CHECK(p.code == error->code);
      CHECK(p.message.en == error->message.en);
      continue;
    }
    compare(*whole, stream(t.csv, cb, t, cols));
    // The design in memory fed to the accumulator (the rows in order): the same sums as the columns, bit for bit.
    AssociationAccumulator mem(t.var, t.target, rows);
    mem.add(ingest.data, &cls);
    compare(*whole, {stream(t.csv, cb, t, cols).front(), mem.finish()});
    ++sup_checked;
  }
  CHECK(sup_checked >= 16);
}
