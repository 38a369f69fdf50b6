// Distributions of single- and multiple-answer questions (tabulate/tabulate.hpp) on tests/data/unit/mini.*
// and tests/data/tabulate/*: exact counts and percentages per domain, 無回答, % of responses, weighted vs
// unweighted, refusal of id/text variables, suppression proved by brute force, rounding once.
#include "hkstat/tabulate/tabulate.hpp"

#include "hkstat/classify/classify.hpp"
#include "hkstat/codebook/codebook.hpp"
#include "hkstat/estimate/design_from_data.hpp"
#include "hkstat/estimate/replicates.hpp"
#include "hkstat/estimate/survey_estimators.hpp"
#include "hkstat/report/table.hpp"
#include "hkstat/tabulate/accumulator.hpp"
#include "hkstat/tabulate/cross_table.hpp"

#include <catch2/catch.hpp>

#include "brute_force.hpp"

#include <filesystem>
#include <fstream>
#include <functional>
#include <set>

using namespace hkstat;
using namespace hkstat::tabulate;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

struct Survey {
  data::Dataset ds;
  classify::Classification cls;
};

const Survey& mini() {
  static const Survey m = [] {
    auto cb = codebook::load_codebook(HKSTAT_SOURCE_DIR "/tests/data/unit/mini.codebook.toml");
    Survey out{std::move(data::ingest(HKSTAT_SOURCE_DIR "/tests/data/unit/mini.csv", cb, {}).data), {}};
    // cao2018: 広義 = A02 (準), A03, A08, A12, A13 (tests/unit/test_prevalence.cpp).
    out.cls = classify::classify(out.ds, classify::builtin_ruleset("cao2018"));
    return out;
  }();
  return m;
}

data::Dataset load(const std::string& csv, const std::string& codebook) {
  auto cb = codebook::load_codebook(codebook);
  auto res = data::ingest(csv, cb, {});
  REQUIRE(res.rejected.empty());
  return std::move(res.data);
}

const char* kFixtures = HKSTAT_SOURCE_DIR "/tests/data/tabulate/";

TabulateOptions opts(std::vector<Domain> domains = {Domain::All}, int min_cell = 0) {
  TabulateOptions o;
  o.domains = std::move(domains);
  o.min_cell = min_cell;
  return o;
}

// Cells of one block, by row label (codes) or "無回答".
const DistCell& cell(const Distribution& d, Domain dom, const std::string& label, const std::string& age = "all", const std::string& sex = "all") {
  for (const auto& c : d.cells) {
    const Block& b = d.blocks[c.block];
    if (b.domain == dom && b.age_band == age && b.sex == sex && c.label == label) return c;
  }
  FAIL("no cell " << label);
  return d.cells.front();
}
const Block& block(const Distribution& d, Domain dom, const std::string& age = "all", const std::string& sex = "all") {
  for (const auto& b : d.blocks)
    if (b.domain == dom && b.age_band == age && b.sex == sex) return b;
  FAIL("no block");
  return d.blocks.front();
}

using test::brute_force; // tests/unit/brute_force.hpp

// The table's whole problem (cells, residuals, every block's base n) as the brute force sees it, each cell at
// most the bound a reader knows (the problem's: the respondents tabulated; a multiple answer's option its block's
// base n), so that one value found means the cell is given away.
struct ProblemView {
  std::vector<std::size_t> counts;
  std::vector<bool> hidden, primary;
  std::vector<long long> bound;
};
ProblemView problem_view(const Distribution& d) {
  ProblemView v;
  v.counts = d.problem.counts;
  v.hidden = d.suppression.hidden;
  v.primary = d.suppression.primary;
  REQUIRE(v.hidden.size() == v.counts.size());
  // Block 0 (the first domain, every level) holds every block of the tests' tables (their first domain is
  // 全体, or the only one): when its base is printed, nothing counts more.
  const std::size_t top = d.blocks.front().base_hidden ? d.rows : d.blocks.front().base;
  for (std::size_t i = 0; i < v.counts.size(); ++i)
    v.bound.push_back(static_cast<long long>(std::min(d.problem.options.upper.at(i), std::max(top, v.counts[i]))));
  return v;
}

void check_no_hidden_cell_derivable(const Distribution& d) {
  const ProblemView v = problem_view(d);
  CHECK(d.suppression.unprotected.empty());
  REQUIRE(d.base_cell0);
  for (std::size_t b = 0; b < d.blocks.size(); ++b) CHECK(d.blocks[b].base_hidden == v.hidden[*d.base_cell0 + b]);
  for (const auto& r : d.relations) {
    std::size_t h = 0, last = 0;
    for (auto m : r.members())
      if (v.hidden[m]) {
        ++h;
        last = m;
      }
    if (h == 1) CHECK_FALSE(v.primary[last]); // a relation never gives a small cell away by subtraction
  }
  const auto seen = brute_force(v.counts, d.relations, v.hidden, v.bound);
  for (std::size_t i = 0; i < v.counts.size(); ++i) {
    if (!v.primary[i]) continue; // the protected cells, bases included (a complement may be derivable: it protects nothing then)
    INFO(d.variable << " problem cell " << i << " (n=" << v.counts[i] << (i < d.cells.size() ? ", " + d.cells[i].label : std::string(", base or residual")) << ")");
    CHECK(seen[i].size() >= 2);
  }
}

std::size_t column_index(const report::Table& t, const std::string& id) {
  for (std::size_t i = 0; i < t.columns.size(); ++i)
    if (t.columns[i].id == id) return i;
  FAIL("no column " << id);
  return 0;
}

std::string temp_file(const std::string& name, const std::string& content) {
  const auto dir = std::filesystem::temp_directory_path() / "hkstat_test_tabulate";
  std::filesystem::create_directories(dir);
  const auto path = (dir / name).string();
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

// A one-question survey: `answers` are the q cells ("" = empty).
data::Dataset one_question(const std::string& stem, const std::vector<std::string>& answers) {
  std::string csv = "id,q\n";
  for (std::size_t i = 0; i < answers.size(); ++i) csv += std::to_string(i + 1) + "," + answers[i] + "\n";
  const std::string cb = "[codebook]\ntitle = \"t\"\n[[variable]]\nname = \"id\"\nrole = \"id\"\ntype = \"id\"\n"
                         "[[variable]]\nname = \"q\"\ntype = \"code\"\nmissing = [9]\n"
                         "codes = [ { code = 1, label = \"A\" }, { code = 2, label = \"B\" }, { code = 3, label = \"C\" } ]\n";
  return load(temp_file(stem + ".csv", csv), temp_file(stem + ".codebook.toml", cb));
}

} // namespace

TEST_CASE("single answer: exact counts and percentages within each domain, 無回答 in the base", "[tabulate]") {
  const auto& m = mini();
  const auto d = tabulate::tabulate(m.ds, &m.cls, "talk", opts({Domain::All, Domain::Broad, Domain::Comparison}));
  CHECK_FALSE(d.multi);
  CHECK_FALSE(d.weighted);
  CHECK(d.method == estimate::CiMethod::Wilson);
  REQUIRE(d.blocks.size() == 3);
  CHECK(block(d, Domain::All).base == 13);
  CHECK(block(d, Domain::Broad).base == 5);
  CHECK(block(d, Domain::Comparison).base == 8);
  // talk: 1 よく 2 ときどき 3 ほとんど, 9 = 無回答 (A06).
  CHECK(cell(d, Domain::All, "よく会話した").n == 2);
  CHECK(cell(d, Domain::All, "ときどき会話した").n == 0);
  CHECK(cell(d, Domain::All, "ほとんど会話しなかった").n == 10);
  CHECK(cell(d, Domain::All, "無回答").n == 1);
  CHECK(cell(d, Domain::All, "無回答").kind == RowKind::NoAnswer);
  CHECK(cell(d, Domain::Broad, "ほとんど会話しなかった").n == 5);
  CHECK(cell(d, Domain::Broad, "よく会話した").n == 0);
  CHECK(cell(d, Domain::Broad, "無回答").n == 0);
  CHECK(cell(d, Domain::Comparison, "よく会話した").n == 2);
  CHECK(cell(d, Domain::Comparison, "ほとんど会話しなかった").n == 5);
  CHECK(cell(d, Domain::Comparison, "無回答").n == 1);
  CHECK(cell(d, Domain::All, "よく会話した").est.value == 2.0 / 13.0);
  CHECK(cell(d, Domain::All, "無回答").est.value == 1.0 / 13.0);
  CHECK(cell(d, Domain::Comparison, "無回答").est.value == 1.0 / 8.0);
  CHECK(cell(d, Domain::Broad, "ほとんど会話しなかった").est.value == 1.0);
  const auto& c = cell(d, Domain::All, "よく会話した");
  CHECK_THAT(c.est.se, WithinRel(std::sqrt(2.0 / 13 * 11.0 / 13 / 13), 1e-12));
  const auto w = estimate::binomial_interval(estimate::CiMethod::Wilson, 2, 13, 0.95);
  REQUIRE(c.est.interval);
  CHECK(c.est.interval->lower == w.lower);
  CHECK(c.est.interval->upper == w.upper);
  CHECK(c.est.interval_method == "wilson");
  // 100% has no logit/Wald interval: Wilson exists, so no fallback here.
  CHECK(cell(d, Domain::Broad, "ほとんど会話しなかった").est.interval_method == "wilson");
  // Percentages of a block add up to 1 (computed from counts, never from rounded parts).
  double sum = 0;
  for (const auto& x : d.cells)
    if (d.blocks[x.block].domain == Domain::Comparison) sum += x.est.value;
  CHECK_THAT(sum, WithinAbs(1.0, 1e-15));
  CHECK(c.small_base); // base 13 < 30
}

TEST_CASE("multiple answer: % of respondents, % of responses, 無回答 = nothing answered", "[tabulate]") {
  const auto& m = mini();
  // reasons: one 0/1 column per option; every row answered (0s), so 無回答 is 0.
  auto d = tabulate::tabulate(m.ds, &m.cls, "reasons", opts());
  CHECK(d.multi);
  const Block& b = block(d, Domain::All);
  CHECK(b.base == 13);
  CHECK(b.responses == 4);
  CHECK(cell(d, Domain::All, "病気").n == 2);
  CHECK(cell(d, Domain::All, "妊娠").n == 1);
  CHECK(cell(d, Domain::All, "出産・育児").n == 0);
  CHECK(cell(d, Domain::All, "その他").n == 1);
  CHECK(cell(d, Domain::All, "無回答").n == 0);
  CHECK(cell(d, Domain::All, "病気").est.value == 2.0 / 13.0);
  CHECK(*cell(d, Domain::All, "病気").percent_responses == 0.5);
  CHECK(*cell(d, Domain::All, "妊娠").percent_responses == 0.25);
  CHECK_FALSE(cell(d, Domain::All, "無回答").percent_responses.has_value());

  // home: delimited codes; an empty cell is 無回答 (9 of 13). Percentages of respondents include them.
  d = tabulate::tabulate(m.ds, &m.cls, "home", opts({Domain::All, Domain::Broad, Domain::Comparison}));
  CHECK(cell(d, Domain::All, "家事・育児").n == 2);
  CHECK(cell(d, Domain::All, "介護").n == 0);
  CHECK(cell(d, Domain::All, "ゲーム").n == 2);
  CHECK(cell(d, Domain::All, "無回答").n == 9);
  CHECK(cell(d, Domain::All, "ゲーム").est.value == 2.0 / 13.0);
  CHECK(cell(d, Domain::All, "無回答").est.value == 9.0 / 13.0);
  CHECK(block(d, Domain::All).responses == 4);
  CHECK(*cell(d, Domain::All, "ゲーム").percent_responses == 0.5);
  // 広義: A02 (ゲーム), A12 (家事・育児), A03/A08/A13 無回答.
  CHECK(block(d, Domain::Broad).base == 5);
  CHECK(cell(d, Domain::Broad, "家事・育児").n == 1);
  CHECK(cell(d, Domain::Broad, "ゲーム").n == 1);
  CHECK(cell(d, Domain::Broad, "無回答").n == 3);
  CHECK(cell(d, Domain::Broad, "家事・育児").est.value == 0.2);
  CHECK(cell(d, Domain::Comparison, "家事・育児").n == 1);
  CHECK(cell(d, Domain::Comparison, "無回答").n == 6);
  CHECK(block(d, Domain::Comparison).base == 8);
}

TEST_CASE("by age band and sex: blocks partition the domain", "[tabulate]") {
  const auto& m = mini();
  TabulateOptions o = opts();
  o.by = parse_by("age2,sex");
  const auto d = tabulate::tabulate(m.ds, &m.cls, "talk", o);
  CHECK(block(d, Domain::All, "15-39").base == 7);
  CHECK(block(d, Domain::All, "40-64").base == 6);
  CHECK(block(d, Domain::All, "all", "male").base == 5);
  CHECK(block(d, Domain::All, "all", "female").base == 8);
  CHECK(block(d, Domain::All, "15-39", "male").base == 3); // A01, A03, A13; no unknown blocks
  CHECK(cell(d, Domain::All, "よく会話した", "15-39").n == 2);
  CHECK(cell(d, Domain::All, "無回答", "40-64").n == 1);
  for (const auto& b : d.blocks) CHECK((b.age_band != "unknown" && b.sex != "unknown"));
  CHECK(d.blocks.size() == 1 + 2 + 2 + 4);

  o.by = parse_by("age5");
  const auto d5 = tabulate::tabulate(m.ds, &m.cls, "talk", o);
  CHECK(d5.blocks.size() == 1 + 10); // 15-19 … 60-64
  CHECK(d5.blocks[1].age_band == "15-19");
  CHECK(d5.blocks[10].age_band == "60-64");
  CHECK(block(d5, Domain::All, "20-24").base == 2); // A01 20, A13 22
  o.by = parse_by("age10");
  const auto d10 = tabulate::tabulate(m.ds, &m.cls, "talk", o);
  CHECK(d10.blocks[1].age_band == "15-19");
  CHECK(d10.blocks[2].age_band == "20-29");
  CHECK(d10.blocks.back().age_band == "60-64");
  CHECK_THROWS_AS(parse_by("age5,age10"), Error);
  CHECK(parse_by("region").variables == std::vector<std::string>{"region"}); // a code variable, checked against the codebook by tabulate()
  CHECK(parse_by("sex,region").variables.size() == 2); // crossed (tests/unit/test_tabulate_by_cross.cpp)
  CHECK_THROWS_AS(parse_by("region,region"), Error);   // a word twice
  CHECK_THROWS_AS(parse_by("region,q1,sex,x"), Error); // more than three deep
  CHECK_THROWS_AS(parse_by("age2,"), Error);
  CHECK_THROWS_AS(parse_domains("broad,everyone"), Error);
}

namespace {
ErrorCode code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.problem().code;
  }
  return ErrorCode::Internal;
}
} // namespace

TEST_CASE("by any code variable: its valid codes are blocks, its missing codes 無回答, its label heads the column", "[tabulate]") {
  const std::string csv = std::string(kFixtures) + "weighted.csv";
  const auto wds = load(csv, std::string(kFixtures) + "weighted.codebook.toml");
  TabulateOptions o = opts();
  o.by = parse_by("q1");
  const auto d = tabulate::tabulate(wds, nullptr, "q2", o);
  // q1: 1 = rows 1, 6, 10; 2 = rows 2, 3, 7, 9; 3 = row 4; 9 (missing code) row 5 and empty row 8 → unknown.
  REQUIRE(d.blocks.size() == 1 + 3 + 1);
  CHECK(block(d, Domain::All, "all", "1").base == 3);
  CHECK(block(d, Domain::All, "all", "2").base == 4);
  CHECK(block(d, Domain::All, "all", "3").base == 1);
  CHECK(block(d, Domain::All, "all", "unknown").base == 2);
  for (const Block& b : d.blocks) {
    CHECK(b.by_variable == "q1");
    CHECK(b.by_variable_label.ja == "相談したことがありますか");
  }
  CHECK(block(d, Domain::All, "all", "2").sex_label.ja == "ない");
  CHECK(block(d, Domain::All, "all", "unknown").sex_label.ja == "無回答");
  // 健康 within q1 = 2: rows 2 and 7 of 2, 3, 7, 9; the SE with the other rows kept (subset semantics).
  const auto& c = cell(d, Domain::All, "健康", "all", "2");
  CHECK_THAT(c.est.value, WithinRel(3.2 / 5.4, 1e-12));
  std::vector<double> y, dom;
  for (std::size_t r = 0; r < wds.rows(); ++r) {
    y.push_back(((wds.column("q2")->multi[r] >> 1) & 1U) != 0 ? 1.0 : 0.0);
    dom.push_back(wds.column("q1")->ints[r] == 2 ? 1.0 : 0.0);
  }
  estimate::Design design;
  design.weights = wds.column(codebook::Role::Weight)->numbers;
  const auto dm = estimate::svy_domain_mean(design, y, dom);
  CHECK_THAT(c.est.se, WithinRel(dm.se, 1e-13));
  CHECK(c.est.df == dm.df);
  // The table: the level column is by_level under the variable's label, with by_variable; no sex column.
  const report::Table t = distribution_table(d, TableOptions{});
  bool by_level = false, sex = false;
  for (const auto& col : t.columns) {
    by_level = by_level || (col.id == "by_level" && col.header.ja == "相談したことがありますか" && col.human);
    sex = sex || col.id == "sex";
  }
  CHECK(by_level);
  CHECK_FALSE(sex);

  // The by variable is checked against the codebook: not there, multi, id (not code) → UsageInvalidOption.
  for (const char* bad : {"region", "q2", "id", "w"}) {
    INFO(bad);
    o.by = parse_by(bad);
    CHECK(code_of([&] { tabulate::tabulate(wds, nullptr, "q1", o); }) == ErrorCode::UsageInvalidOption);
    CHECK(code_of([&] { by_variable(wds.codebook, bad); }) == ErrorCode::UsageInvalidOption);
  }
  CHECK(by_variable(wds.codebook, "sex").name == "sex");
}

TEST_CASE("weighted vs unweighted: Hájek percentages with linearised SE, counts unweighted", "[tabulate]") {
  const std::string csv = std::string(kFixtures) + "weighted.csv";
  const auto wds = load(csv, std::string(kFixtures) + "weighted.codebook.toml");
  const auto uds = load(csv, std::string(kFixtures) + "unweighted.codebook.toml");
  const auto wd = tabulate::tabulate(wds, nullptr, "q1", opts());
  const auto ud = tabulate::tabulate(uds, nullptr, "q1", opts());
  CHECK(wd.weighted);
  CHECK_FALSE(ud.weighted);
  CHECK(wd.method == estimate::CiMethod::Logit);
  // q1 = 1: rows 1, 6, 10 with weights 1.5 + 2.5 + 2.2 of 16.4.
  const auto& w1 = cell(wd, Domain::All, "ある");
  const auto& u1 = cell(ud, Domain::All, "ある");
  CHECK(w1.n == 3);
  CHECK(u1.n == 3);
  CHECK_THAT(w1.est.value, WithinRel(6.2 / 16.4, 1e-12));
  CHECK(w1.est.n == 10); // the block's base (the count of the answer is DistCell::n)
  CHECK_THAT(w1.est.sum_weights, WithinRel(16.4, 1e-12));
  CHECK(u1.est.value == 0.3);
  CHECK_THAT(cell(wd, Domain::All, "無回答").est.value, WithinRel(3.8 / 16.4, 1e-12)); // 9 and empty
  std::vector<double> y, w = wds.column(codebook::Role::Weight)->numbers, dom(10, 1.0);
  for (std::int64_t v : wds.column("q1")->ints) y.push_back(v == 1 ? 1.0 : 0.0);
  estimate::Design wdesign;
  wdesign.weights = w;
  const auto rr = estimate::svy_domain_mean(wdesign, y, dom);
  // tabulate sums the scores per PSU before squaring (its single-pass accumulator), svy_domain_mean row
  // by row: the same SE up to rounding (1e-13 relative).
  CHECK_THAT(w1.est.se, WithinRel(rr.se, 1e-13));
  CHECK(w1.est.df == 9);
  const auto ci = estimate::design_interval(estimate::CiMethod::Logit, rr.value, rr.se, 9, 10, 0.95);
  REQUIRE(w1.est.interval);
  CHECK_THAT(w1.est.interval->lower, WithinRel(ci.lower, 1e-13));
  CHECK_THAT(w1.est.interval->upper, WithinRel(ci.upper, 1e-13));
  CHECK(w1.est.interval_method == "logit");

  // Within a sex block: the domain's rows only, other rows kept with zero scores; df = block n - 1.
  TabulateOptions o = opts();
  o.by = parse_by("sex");
  const auto ws = tabulate::tabulate(wds, nullptr, "q1", o);
  const auto& m1 = cell(ws, Domain::All, "ある", "all", "male");
  CHECK_THAT(m1.est.value, WithinRel(3.7 / 9.5, 1e-12)); // rows 1, 10 of males 1, 2, 5, 8, 10
  CHECK(m1.est.df == 4);
  std::vector<double> male(10);
  for (std::size_t r = 0; r < 10; ++r) male[r] = wds.column(codebook::Role::Sex)->ints[r] == 1 ? 1.0 : 0.0;
  CHECK_THAT(m1.est.se, WithinRel(estimate::svy_domain_mean(wdesign, y, male).se, 1e-13));

  // Multiple answer, weighted: % of responses = Σw chosen / Σw over all choices.
  const auto wm = tabulate::tabulate(wds, nullptr, "q2", opts());
  const auto um = tabulate::tabulate(uds, nullptr, "q2", opts());
  CHECK_THAT(cell(wm, Domain::All, "お金").est.value, WithinRel(5.8 / 16.4, 1e-12));
  CHECK_THAT(*cell(wm, Domain::All, "お金").percent_responses, WithinRel(5.8 / 17.9, 1e-12));
  CHECK(*cell(um, Domain::All, "お金").percent_responses == 4.0 / 11.0);
  CHECK(block(um, Domain::All).responses == 11);
  CHECK(cell(um, Domain::All, "無回答").n == 2);
}

TEST_CASE("design extras: replicate-weight and calibration-aware variances, the two together are refused", "[tabulate]") {
  const std::string csv = std::string(kFixtures) + "weighted.csv";
  const auto wds = load(csv, std::string(kFixtures) + "weighted.codebook.toml");
  std::vector<double> y, w = wds.column(codebook::Role::Weight)->numbers;
  for (std::int64_t v : wds.column("q1")->ints) y.push_back(v == 1 ? 1.0 : 0.0);
  const std::size_t n = y.size();
  REQUIRE(n == 10);

  // JK1 by hand (every row its own PSU, no fpc): delete row i, others × n/(n − 1); V = (n − 1)/n Σ (θ_i − θ̄)².
  std::vector<double> theta;
  for (std::size_t i = 0; i < n; ++i) {
    double num = 0, den = 0;
    for (std::size_t r = 0; r < n; ++r)
      if (r != i) {
        num += w[r] * y[r];
        den += w[r];
      }
    theta.push_back(num / den);
  }
  double mean = 0, ss = 0;
  for (double t : theta) mean += t / static_cast<double>(n);
  for (double t : theta) ss += (t - mean) * (t - mean);
  const double jk_se = std::sqrt(static_cast<double>(n - 1) / static_cast<double>(n) * ss);

  TabulateOptions o = opts();
  o.replicates = std::make_shared<const estimate::ReplicateDesign>(estimate::make_jk1(estimate::design_from_dataset(wds, o.lonely).design));
  o.replicates_label = Text{"jk1", "jk1"};
  const auto rd = tabulate::tabulate(wds, nullptr, "q1", o);
  CHECK(rd.replicate);
  CHECK(rd.design_based);
  const auto& r1 = cell(rd, Domain::All, "ある");
  CHECK_THAT(r1.est.value, WithinRel(6.2 / 16.4, 1e-12));
  CHECK_THAT(r1.est.se, WithinRel(jk_se, 1e-12));
  CHECK(r1.est.df == 9); // rank of the 10 replicate columns − 1
  CHECK(std::isnan(r1.est.deff));
  const auto lin = estimate::svy_domain_mean(estimate::design_from_dataset(wds, o.lonely).design, y, std::vector<double>(n, 1.0));
  CHECK(std::abs(r1.est.se - lin.se) > 1e-6); // not the linearised SE

  // Calibration: the variance is taken of calibration(scores); doubling the scores doubles every SE.
  TabulateOptions c = opts();
  c.calibration = [](const Eigen::MatrixXd& z) -> Eigen::MatrixXd { return 2 * z; };
  c.weighting = Text{"test", "test"};
  const auto cd = tabulate::tabulate(wds, nullptr, "q1", c);
  CHECK(cd.calibrated);
  CHECK_THAT(cell(cd, Domain::All, "ある").est.se, WithinRel(2 * lin.se, 1e-12));
  CHECK_THAT(cell(cd, Domain::All, "ある").est.value, WithinRel(6.2 / 16.4, 1e-12));
  const report::Document doc = tabulate_document({cd}, wds, nullptr, DocumentOptions{});
  bool weighting_fact = false;
  for (const auto& [k, v] : doc.facts) weighting_fact = weighting_fact || (k.en == "weighting" && v.en.find("calibration-aware") != std::string::npos);
  CHECK(weighting_fact);
  // A design-based CSV carries df and deff; the simple-sample CSV (next test cases) does not.
  const std::string dcsv = report::render_csv(combined_table({cd}, {}));
  CHECK(dcsv.substr(0, dcsv.find('\n')).ends_with(",responses,df,deff,deff_wor"));

  // A replicate that leaves a block without weight: that block's SE and interval are undefined (not the run).
  Eigen::MatrixXd rep(10, 3);
  for (Eigen::Index r = 0; r < 10; ++r) {
    const bool male = wds.column(codebook::Role::Sex)->ints[static_cast<std::size_t>(r)] == 1;
    rep(r, 0) = w[static_cast<std::size_t>(r)] * 1.1;
    rep(r, 1) = male ? 0.0 : w[static_cast<std::size_t>(r)] * 2;
    rep(r, 2) = w[static_cast<std::size_t>(r)] * (r % 2 ? 0.5 : 1.5);
  }
  TabulateOptions u = opts();
  u.by = parse_by("sex");
  u.replicates = std::make_shared<const estimate::ReplicateDesign>(estimate::replicate_design_from_columns(w, rep, estimate::ReplicateOptions{}));
  const auto ud = tabulate::tabulate(wds, nullptr, "q1", u);
  const auto& um = cell(ud, Domain::All, "ある", "all", "male");
  CHECK_THAT(um.est.value, WithinRel(3.7 / 9.5, 1e-12));
  CHECK(std::isnan(um.est.se));
  CHECK_FALSE(um.est.interval);
  CHECK(std::isfinite(cell(ud, Domain::All, "ある", "all", "female").est.se));
  CHECK(cell(ud, Domain::All, "ある", "all", "female").est.interval);
  CHECK(block(ud, Domain::All, "all", "male").replicate_undefined);
  CHECK_FALSE(block(ud, Domain::All, "all", "female").replicate_undefined);
  bool note = false;
  for (const auto& t : distribution_table(ud, {}).notes) note = note || t.en.find("replicate has no weight") != std::string::npos;
  CHECK(note);

  c.replicates = o.replicates;
  try {
    (void)tabulate::tabulate(wds, nullptr, "q1", c);
    FAIL("calibration with replicates was accepted");
  } catch (const Error& e) {
    CHECK(e.problem().code == ErrorCode::UsageInvalidOption);
  }
}

TEST_CASE("identifier and free-text variables can never be tabulated", "[tabulate][privacy]") {
  const auto& m = mini();
  for (const std::string name : {"id", "memo"}) {
    try {
      tabulate::tabulate(m.ds, &m.cls, name, opts());
      FAIL("tabulated " << name);
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::UsageInvalidOption);
      CHECK(e.problem().value == name);
      CHECK_THAT(e.problem().message.ja, Contains(name));
      CHECK_THAT(e.problem().message.en, Contains(name) && Contains("never be tabulated"));
    }
  }
  CHECK_THROWS_AS(tabulate::tabulate(m.ds, &m.cls, "age", opts()), Error);     // integer
  CHECK_THROWS_AS(tabulate::tabulate(m.ds, &m.cls, "no_such", opts()), Error); // unknown
}

TEST_CASE("suppression: no hidden cell can be derived from the table (brute force)", "[tabulate][suppress]") {
  const auto& m = mini();
  for (const char* var : {"talk", "occupation", "home", "reasons", "sex"})
    for (const char* by : {"none", "age2", "age10", "sex", "age2,sex"})
      for (int k : {3, 5}) {
        TabulateOptions o = opts({Domain::All, Domain::Broad, Domain::Comparison}, k);
        o.by = parse_by(by);
        const auto d = tabulate::tabulate(m.ds, &m.cls, var, o);
        INFO(var << " by " << by << " min_cell " << k);
        check_no_hidden_cell_derivable(d);
        for (const auto& c : d.cells) {
          if (c.n >= 1 && c.n < static_cast<std::size_t>(k)) CHECK(c.hidden);
          if (c.hidden != c.primary) CHECK(c.hidden);
        }
      }
  // Larger tables (10 age bands, bands × sex): too many hidden cells for the exhaustive search, so the
  // library's own audit is checked instead (>= 2 hidden cells per relation, no hidden cell determined by
  // linear algebra or pinned by non-negativity).
  for (const char* var : {"talk", "home"})
    for (const char* by : {"age5", "age10,sex", "age5,sex"}) {
      TabulateOptions o = opts({Domain::All, Domain::Broad, Domain::Comparison}, 5);
      o.by = parse_by(by);
      const auto d = tabulate::tabulate(m.ds, &m.cls, var, o);
      INFO(var << " by " << by);
      CHECK(d.suppression.unprotected.empty());
      const ProblemView v = problem_view(d);
      std::vector<std::size_t> upper;
      for (long long b : v.bound) upper.push_back(static_cast<std::size_t>(b));
      std::vector<std::size_t> primary;
      for (std::size_t i = 0; i < v.counts.size(); ++i)
        if (v.primary[i]) primary.push_back(i);
      for (bool x : exposed_cells(v.counts, d.relations, v.hidden, upper, primary)) CHECK_FALSE(x);
    }

  // A concrete case: talk with min_cell 3 over all / 広義 / 一般群.
  const auto d = tabulate::tabulate(m.ds, &m.cls, "talk", opts({Domain::All, Domain::Broad, Domain::Comparison}, 3));
  CHECK(cell(d, Domain::All, "よく会話した").hidden);       // 2 → primary
  CHECK(cell(d, Domain::Comparison, "よく会話した").hidden); // 2 → primary
  CHECK(cell(d, Domain::All, "無回答").hidden);             // 1 → primary
  CHECK(cell(d, Domain::Comparison, "無回答").hidden);
  CHECK_FALSE(cell(d, Domain::Broad, "ほとんど会話しなかった").hidden);

  // The table shows "*" for n, % and CI of hidden cells and leaves the CSV cells empty.
  const auto t = distribution_table(d, {});
  const std::size_t n = column_index(t, "n"), pct = column_index(t, "percent"), ci = column_index(t, "ci"), sup = column_index(t, "suppressed");
  std::size_t hidden_rows = 0;
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    if (!d.cells[r].hidden) {
      CHECK(t.rows[r][sup].raw == "0");
      continue;
    }
    ++hidden_rows;
    CHECK(t.rows[r][n].display.ja == "*");
    CHECK(t.rows[r][pct].display.ja == "*");
    CHECK(t.rows[r][ci].display.ja == "*");
    CHECK(t.rows[r][n].raw.empty());
    CHECK(t.rows[r][pct].raw.empty());
    CHECK(t.rows[r][sup].raw == "1");
  }
  CHECK(hidden_rows >= 4);
  bool footnote = false;
  for (const auto& note : t.notes) footnote = footnote || (note.ja.find("1～2人") != std::string::npos && note.ja.find("最小セル 3") != std::string::npos);
  CHECK(footnote);
  // min_cell 0: nothing hidden, and the note says so.
  const auto off = tabulate::tabulate(m.ds, &m.cls, "talk", opts({Domain::All}, 0));
  for (const auto& c : off.cells) CHECK_FALSE(c.hidden);
}

TEST_CASE("percentages are rounded once, half-up, from the unrounded value", "[tabulate]") {
  // 22 respondents: 7 × A, 7 × B, 7 × C, 1 無回答. 7/22 = 31.818…% → 31.8%; 1/22 = 4.5454…% → 4.5%
  // (rounding 4.545 to 4.55 first would give 4.6%). Displayed parts add up to 99.9%, as they should.
  std::vector<std::string> answers;
  for (const char* a : {"1", "2", "3"})
    for (int i = 0; i < 7; ++i) answers.push_back(a);
  answers.push_back("");
  const auto ds = one_question("rounding", answers);
  const auto d = tabulate::tabulate(ds, nullptr, "q", opts());
  const auto t = distribution_table(d, {});
  const std::size_t pct = column_index(t, "percent");
  CHECK(t.rows[0][pct].display.ja == "31.8%");
  CHECK(t.rows[3][pct].display.ja == "4.5%");
  CHECK(t.rows[3][pct].raw == "0.045454545454545456"); // CSV: unrounded, shortest round-trip form
  CHECK(std::stod(t.rows[0][pct].raw) == 7.0 / 22.0);
  // 2 decimals: 31.82%, 4.55%.
  TableOptions two;
  two.percent_decimals = 2;
  CHECK(distribution_table(d, two).rows[3][pct].display.ja == "4.55%");
  // Base n on the first row of the block.
  CHECK(t.rows[0][column_index(t, "base_display")].display.ja == "n=22");
  CHECK(t.rows[1][column_index(t, "base")].raw == "22");
}

TEST_CASE("reliability flag: base n < 30, or relative CI width > 1.30", "[tabulate]") {
  std::vector<std::string> answers(59, "2");
  answers.push_back("1");
  const auto ds = one_question("flag", answers);
  const auto d = tabulate::tabulate(ds, nullptr, "q", opts());
  const auto& rare = d.cells[0]; // 1/60
  CHECK_FALSE(rare.small_base);
  CHECK(rare.wide_ci);
  CHECK((rare.est.interval->upper - rare.est.interval->lower) / rare.est.value > 1.30);
  CHECK_FALSE(d.cells[1].wide_ci); // 59/60
  CHECK_FALSE(d.cells[2].wide_ci); // 0%: relative width undefined, not flagged
  const auto t = distribution_table(d, {});
  const std::size_t flag = column_index(t, "flag");
  CHECK(t.rows[0][flag].display.ja == "※");
  CHECK(t.rows[0][flag].raw == "wide_ci");
  CHECK(t.rows[1][flag].raw.empty());
  // mini: base 13 → every estimable visible row flagged small_base.
  const auto md = tabulate::tabulate(mini().ds, &mini().cls, "talk", opts());
  CHECK(distribution_table(md, {}).rows[2][flag].raw == "small_base");         // 10/13
  CHECK(distribution_table(md, {}).rows[0][flag].raw == "small_base;wide_ci"); // 2/13
}

TEST_CASE("CSV: stable machine columns, every table under one header", "[tabulate]") {
  const auto& m = mini();
  const std::vector<Distribution> ds{tabulate::tabulate(m.ds, &m.cls, "talk", opts()), tabulate::tabulate(m.ds, &m.cls, "home", opts())};
  const std::string csv = report::render_csv(combined_table(ds, {}));
  const std::string header = csv.substr(0, csv.find('\n'));
  CHECK(header == "variable,domain,age_band,sex,code,label,n,base,percent,se,ci_lower,ci_upper,ci_method,suppressed,flag,percent_responses,responses");
  CHECK(std::count(csv.begin(), csv.end(), '\n') == 1 + 4 + 4);
  CHECK_THAT(csv, Contains("talk,all,all,all,1,よく会話した,2,13,"));
  CHECK_THAT(csv, Contains("talk,all,all,all,no_answer,無回答,1,13,"));
  CHECK_THAT(csv, Contains("home,all,all,all,3,ゲーム,2,13,"));
  // The text rendering has one table per variable with its base.
  report::Document doc = tabulate_document(ds, m.ds, &m.cls, {});
  CHECK(doc.tables.size() == 2);
  const std::string text = report::render_text(doc, Lang::Ja);
  CHECK_THAT(text, Contains("n=13"));
  CHECK_THAT(text, Contains("talk"));
}

TEST_CASE("test by a code variable: the Rao-Scott test of the two columns, sex by name is sex by role", "[tabulate][rao_scott]") {
  const auto wds = load(std::string(kFixtures) + "weighted.csv", std::string(kFixtures) + "weighted.codebook.toml");
  CHECK(parse_test_target("sex").by == TestBy::Sex);
  CHECK(parse_test_target("broad").by == TestBy::Broad);
  const TestTarget byq1 = parse_test_target("q1");
  CHECK(byq1.by == TestBy::Variable);
  CHECK(byq1.variable == "q1");
  CHECK(code_of([&] { parse_test_target(""); }) == ErrorCode::UsageInvalidOption);

  const TabulateOptions o = opts();
  // sex × q1, sex named as a variable: the same numbers as the role, and as rao_scott on the two columns.
  const AssociationTest by_name = association_test(wds, nullptr, "q1", parse_test_target("sex"), o);
  const AssociationTest by_var = association_test(wds, nullptr, "q1", TestTarget{TestBy::Variable, "sex"}, o);
  std::vector<std::int64_t> a, b;
  for (std::size_t r = 0; r < wds.rows(); ++r) {
    const auto q1 = wds.column("q1")->ints[r], sex = wds.column("sex")->ints[r];
    a.push_back(q1 == data::kMissing ? estimate::kMissingCode : q1);
    b.push_back(sex == data::kMissing ? estimate::kMissingCode : sex);
  }
  const estimate::RaoScott direct = estimate::rao_scott(estimate::design_from_dataset(wds, o.lonely).design, a, b);
  for (const AssociationTest* t : {&by_name, &by_var}) {
    CHECK(t->result.f == direct.f);
    CHECK(t->result.ndf == direct.ndf);
    CHECK(t->result.ddf == direct.ddf);
    CHECK(t->result.f_p == direct.f_p);
    CHECK(t->result.pearson == direct.pearson);
  }
  CHECK(by_var.by == TestBy::Variable);
  CHECK(by_var.by_variable == "sex");
  const table::Table t = association_table({by_name, by_var});
  REQUIRE(t.rows.size() == 2);
  CHECK(t.rows[0][1].raw == "sex");
  CHECK(t.rows[1][1].raw == "sex");
  CHECK(t.rows[1][1].display.ja == "sex"); // a variable is named as it is in the codebook

  // The other way round (q1 as the counterpart): the table is transposed, the test is the same.
  const AssociationTest swapped = association_test(wds, nullptr, "sex", byq1, o);
  CHECK_THAT(swapped.result.f, WithinRel(direct.f, 1e-12));
  CHECK_THAT(swapped.result.f_p, WithinRel(direct.f_p, 1e-12));

  // Refused: a multiple answer, a number, the tabulated variable itself, a name not in the codebook.
  CHECK(code_of([&] { association_test(wds, nullptr, "sex", TestTarget{TestBy::Variable, "q2"}, o); }) == ErrorCode::UsageInvalidOption);
  CHECK(code_of([&] { association_test(wds, nullptr, "sex", TestTarget{TestBy::Variable, "w"}, o); }) == ErrorCode::UsageInvalidOption);
  CHECK(code_of([&] { association_test(wds, nullptr, "q1", byq1, o); }) == ErrorCode::UsageInvalidOption);
  CHECK(code_of([&] { association_test(wds, nullptr, "q1", TestTarget{TestBy::Variable, "nosuch"}, o); }) == ErrorCode::UsageInvalidOption);
}

namespace {

// A survey of `rows` respondents: q and q2 (codes 1-3, 9 = no answer) and the level variable g (codes 1-3,
// 9 = no answer), drawn from a fixed linear congruential sequence (deterministic, no luck involved).
data::Dataset small_levels(const std::string& stem, unsigned seed, std::size_t rows) {
  std::string csv = "id,q,q2,g\n";
  unsigned x = seed * 2654435761U + 12345U;
  auto next = [&](unsigned m) {
    x = x * 1103515245U + 12345U;
    return (x >> 16) % m;
  };
  const char* q_codes[] = {"1", "2", "3", "9"};
  const char* g_codes[] = {"1", "1", "1", "2", "2", "2", "3", "9"}; // levels 3 and 無回答 are small
  for (std::size_t i = 0; i < rows; ++i)
    csv += std::to_string(i + 1) + "," + q_codes[next(4)] + "," + q_codes[next(3)] + "," + g_codes[next(8)] + "\n";
  const std::string cb = "[codebook]\ntitle = \"t\"\n[[variable]]\nname = \"id\"\nrole = \"id\"\ntype = \"id\"\n"
                         "[[variable]]\nname = \"q\"\ntype = \"code\"\nmissing = [9]\n"
                         "codes = [ { code = 1, label = \"A\" }, { code = 2, label = \"B\" }, { code = 3, label = \"C\" } ]\n"
                         "[[variable]]\nname = \"q2\"\ntype = \"code\"\nmissing = [9]\n"
                         "codes = [ { code = 1, label = \"A\" }, { code = 2, label = \"B\" }, { code = 3, label = \"C\" } ]\n"
                         "[[variable]]\nname = \"g\"\ntype = \"code\"\nmissing = [9]\n"
                         "codes = [ { code = 1, label = \"G1\" }, { code = 2, label = \"G2\" }, { code = 3, label = \"G3\" } ]\n";
  return load(temp_file(stem + ".csv", csv), temp_file(stem + ".codebook.toml", cb));
}

} // namespace

TEST_CASE("a block's base n is a cell: hidden when small, never derivable, n=* and no percentages (brute force)", "[tabulate][suppress][privacy]") {
  // 8 tables of 12 respondents by a level variable with small levels, min_cell 3 and 5: every sensitive cell,
  // the bases included, takes two values or more over the tables a reader can reconstruct.
  std::size_t hidden_bases = 0, shown_cells_in_hidden_blocks = 0;
  for (unsigned seed = 1; seed <= 4; ++seed)
    for (int k : {3, 5}) {
      const data::Dataset ds = small_levels("bases" + std::to_string(seed), seed, 12);
      TabulateOptions o = opts({Domain::All}, k);
      o.by = parse_by("g");
      const Distribution d = tabulate::tabulate(ds, nullptr, "q", o);
      INFO("seed " << seed << " min_cell " << k);
      check_no_hidden_cell_derivable(d);
      for (std::size_t b = 0; b < d.blocks.size(); ++b) {
        const Block& blk = d.blocks[b];
        if (blk.base >= 1 && blk.base < static_cast<std::size_t>(k)) CHECK(blk.base_hidden); // primary
        hidden_bases += blk.base_hidden;
      }
      // Printed: n=* for a hidden base, and no percentage, SE or interval in its block (n / % gives n away).
      const auto t = distribution_table(d, {});
      const std::size_t bd = column_index(t, "base_display"), base = column_index(t, "base"), pct = column_index(t, "percent"),
                        se = column_index(t, "se"), n = column_index(t, "n");
      for (std::size_t r = 0; r < t.rows.size(); ++r) {
        const DistCell& c = d.cells[r];
        const Block& blk = d.blocks[c.block];
        const bool first = r == 0 || d.cells[r - 1].block != c.block;
        if (!blk.base_hidden) {
          CHECK(t.rows[r][base].raw == std::to_string(blk.base));
          continue;
        }
        if (first) CHECK(t.rows[r][bd].display.ja == "n=*");
        CHECK(t.rows[r][base].raw.empty());
        CHECK(t.rows[r][pct].display.ja == "*");
        CHECK(t.rows[r][pct].raw.empty());
        CHECK(t.rows[r][se].raw.empty());
        if (!c.hidden) {
          CHECK(t.rows[r][n].raw == std::to_string(c.n));
          ++shown_cells_in_hidden_blocks;
        }
      }
      const auto x = cross_table(d, {});
      for (std::size_t b = 0; b < d.blocks.size(); ++b)
        if (d.blocks[b].base_hidden) {
          bool star = false;
          for (const auto& col : x.columns) star = star || col.header.ja.find("（n=*）") != std::string::npos;
          CHECK(star);
        }
      // The audit lists every hidden base with its reason.
      const auto audit = suppression_audit_table({d});
      std::size_t audit_bases = 0;
      const std::size_t code = column_index(audit, "code"), reason = column_index(audit, "reason");
      for (const auto& row : audit.rows)
        if (row[code].raw == "base") {
          ++audit_bases;
          CHECK((row[reason].raw == "primary" || row[reason].raw == "complement"));
        }
      std::size_t hidden_here = 0;
      for (const auto& blk : d.blocks) hidden_here += blk.base_hidden;
      CHECK(audit_bases == hidden_here);
    }
  CHECK(hidden_bases > 0);
  CHECK(shown_cells_in_hidden_blocks > 0); // zeros stay printed; only percentages go

  // Two questions of one run print the same bases: a base hidden in one is hidden in the other.
  for (unsigned seed = 1; seed <= 2; ++seed) {
    const data::Dataset ds = small_levels("bases_two" + std::to_string(seed), seed, 12);
    TabulateOptions o = opts({Domain::All}, 5);
    o.by = parse_by("g");
    TabulateAccumulator acc({"q", "q2"}, o);
    acc.add(ds, nullptr);
    const auto dists = acc.finish();
    REQUIRE(dists.size() == 2);
    INFO("seed " << seed);
    for (std::size_t b = 0; b < dists[0].blocks.size(); ++b) CHECK(dists[0].blocks[b].base_hidden == dists[1].blocks[b].base_hidden);
    for (const auto& d : dists) check_no_hidden_cell_derivable(d);
  }
}
