// `hkstat compare`: the change between two independent surveys (estimate/compare.hpp, report/compare_report.hpp)
// against R (r/compare_golden.R → tests/golden/compare/results.csv; R 4.2.2, survey 4.1-1):
//  * unweighted: binomial SEs, the difference's interval = prop.test(c(k_B, k_A), c(n_B, n_A), correct = FALSE);
//  * weighted: both surveys stacked in one svydesign with the year as a stratum, svyby(covmat = TRUE) +
//    svycontrast, df = min of the two surveys' domain df.
// Also: pairing of cells (age groups; answers by key across codebooks; answers only one survey has), suppression in
// either survey carried over, a mixed weighted/unweighted pair, errors, and the CLI golden CSVs against R.
//
// Tolerance: estimates, SEs, differences and interval ends to 1e-9 relative (1e-15 absolute for values that are
// exactly 0 in R: an empty cell, or the zero-width interval of two 0% cells). R and hkstat compute the same sums in
// double precision in a different order; they agree to ~1e-15.
#include "hkstat/estimate/compare.hpp"

#include "hkstat/classify/classify.hpp"
#include "hkstat/codebook/codebook.hpp"
#include "hkstat/estimate/prevalence.hpp"
#include "hkstat/report/compare_report.hpp"
#include "hkstat/report/table.hpp"
#include "hkstat/tabulate/tabulate.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

using namespace hkstat;
using namespace hkstat::estimate;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

constexpr double kRel = 1e-9;
constexpr double kZeroAbs = 1e-15;
constexpr double kInf = std::numeric_limits<double>::infinity();
const std::string kData = HKSTAT_SOURCE_DIR "/tests/data/compare/";

using Row = std::map<std::string, std::string>;

// RFC 4180 fields (quotes only where a field needs them); no line breaks inside fields in these files.
std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char ch = line[i];
    if (quoted) {
      if (ch == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        out.back() += '"';
        ++i;
      } else if (ch == '"') {
        quoted = false;
      } else {
        out.back() += ch;
      }
    } else if (ch == '"') {
      quoted = true;
    } else if (ch == ',') {
      out.emplace_back();
    } else {
      out.back() += ch;
    }
  }
  return out;
}

std::vector<Row> read_csv(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  std::vector<Row> rows;
  std::vector<std::string> header;
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
    if (line.empty()) continue;
    auto f = split_csv(line);
    if (header.empty()) {
      header = f;
      continue;
    }
    REQUIRE(f.size() == header.size());
    Row r;
    for (std::size_t i = 0; i < f.size(); ++i) r[header[i]] = f[i];
    rows.push_back(std::move(r));
  }
  REQUIRE(!rows.empty());
  return rows;
}

double num(const std::string& s) {
  if (s == "Inf") return kInf;
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  REQUIRE(!s.empty());
  REQUIRE(end == s.c_str() + s.size());
  return v;
}

void check_value(double got, const std::string& want_text, const std::string& what) {
  INFO(what << ": got " << got << ", R " << want_text);
  const double want = num(want_text);
  if (std::isinf(want)) {
    CHECK(got == want);
  } else if (want == 0.0) {
    CHECK_THAT(got, WithinAbs(0.0, kZeroAbs));
  } else {
    CHECK_THAT(got, WithinRel(want, kRel));
  }
}

const std::vector<Row>& golden() {
  static const std::vector<Row> rows = read_csv(HKSTAT_SOURCE_DIR "/tests/golden/compare/results.csv");
  return rows;
}

struct Survey {
  data::Dataset ds;
  classify::Classification cls;
};

Survey load(const std::string& stem, bool weighted) {
  auto cb = codebook::load_codebook(kData + stem + (weighted ? "_weighted" : "") + ".codebook.toml");
  auto res = data::ingest(kData + stem + ".csv", cb, {});
  REQUIRE(res.rejected.empty());
  Survey s{std::move(res.data), {}};
  s.cls = classify::classify(s.ds, classify::load_ruleset_file(kData + "compare_rules.toml"));
  REQUIRE((s.ds.column(codebook::Role::Weight) != nullptr) == weighted);
  return s;
}

const Survey& survey(bool b, bool weighted) {
  static const Survey a_u = load("a2019", false), a_w = load("a2019", true), b_u = load("b2024", false), b_w = load("b2024", true);
  return b ? (weighted ? b_w : b_u) : (weighted ? a_w : a_u);
}

PrevalenceResult prevalence(const Survey& s) {
  PrevalenceOptions o;
  o.groups = {parse_age_group("15-39"), parse_age_group("40-64")};
  return estimate_prevalence(s.ds, s.cls, o);
}

tabulate::Distribution dist(const Survey& s, const std::string& var, int min_cell = 0) {
  tabulate::TabulateOptions o;
  o.domains = {tabulate::Domain::All, tabulate::Domain::Broad};
  o.min_cell = min_cell;
  return tabulate::tabulate(s.ds, &s.cls, var, o);
}

report::DistributionComparison compare_var(bool weighted_a, bool weighted_b, const std::string& va, const std::string& vb, int min_cell = 0) {
  const Survey& a = survey(false, weighted_a);
  const Survey& b = survey(true, weighted_b);
  return report::compare_distributions(dist(a, va, min_cell), *a.ds.codebook.by_name(va), dist(b, vb, min_cell), *b.ds.codebook.by_name(vb), 0.95);
}

void check_side(const Side& s, const Row& g, const std::string& suffix) {
  if (g.at("est" + suffix) == "NA") {
    CHECK_FALSE(s.present);
    return;
  }
  REQUIRE(s.present);
  CHECK(s.base == static_cast<std::size_t>(num(g.at("base" + suffix))));
  CHECK(s.count == static_cast<std::size_t>(num(g.at("count" + suffix))));
  check_value(s.estimate, g.at("est" + suffix), "est" + suffix);
  check_value(s.se, g.at("se" + suffix), "se" + suffix);
  check_value(s.df, g.at("df" + suffix), "df" + suffix);
}

void check_change(const Change& c, const Row& g) {
  check_side(c.a, g, "_a");
  check_side(c.b, g, "_b");
  if (g.at("diff") == "NA") {
    CHECK_FALSE(c.diff);
    return;
  }
  REQUIRE(c.diff);
  check_value(c.diff->estimate, g.at("diff"), "diff");
  check_value(c.diff->se, g.at("se_diff"), "se_diff");
  check_value(c.diff->df, g.at("df_diff"), "df_diff");
  check_value(c.diff->ci.lower, g.at("lower"), "lower");
  check_value(c.diff->ci.upper, g.at("upper"), "upper");
  CHECK(c.diff->excludes_zero == (g.at("excludes_zero") == "1"));
}

const report::DistributionChangeRow& find_row(const report::DistributionComparison& cmp, const std::string& domain, const std::string& key) {
  for (const auto& r : cmp.rows)
    if (tabulate::domain_id(r.domain) == domain && r.key == key) return r;
  FAIL("no row " << domain << " " << key);
  return cmp.rows.front();
}

} // namespace

TEST_CASE("difference: independent samples, SE adds in quadrature, df is the smaller one") {
  // Hand numbers: 0.10 (SE 0.03) → 0.14 (SE 0.04): d = 0.04, SE = 0.05; normal: 0.04 ± 1.959963985 × 0.05.
  const Difference d = difference(0.10, 0.03, kInf, 0.14, 0.04, kInf, 0.95);
  CHECK_THAT(d.estimate, WithinAbs(0.04, 1e-15));
  CHECK_THAT(d.se, WithinRel(0.05, 1e-15));
  CHECK(std::isinf(d.df));
  CHECK_THAT(d.ci.lower, WithinRel(0.04 - 1.959963984540054 * 0.05, 1e-12));
  CHECK_FALSE(d.excludes_zero);
  // Swapping the surveys negates the change and keeps its SE and width.
  const Difference r = difference(0.14, 0.04, 30, 0.10, 0.03, 12, 0.95);
  CHECK_THAT(r.estimate, WithinAbs(-0.04, 1e-15));
  CHECK(r.df == 12);
  // t with 12 df (R: qt(0.975, 12) = 2.1788128296672284).
  CHECK_THAT(r.ci.upper - r.estimate, WithinRel(2.1788128296672284 * 0.05, 1e-12));
  // An interval entirely below 0 excludes it.
  CHECK(difference(0.30, 0.01, kInf, 0.20, 0.01, kInf, 0.95).excludes_zero);
  // Two 0% cells: a zero-width interval at 0 does not exclude 0.
  CHECK_FALSE(difference(0, 0, kInf, 0, 0, kInf, 0.95).excludes_zero);
  CHECK_THROWS_AS(difference(0.1, -0.01, kInf, 0.1, 0.01, kInf, 0.95), Error);
  CHECK_THROWS_AS(difference(0.1, 0.01, kInf, 0.1, 0.01, kInf, 1.5), Error);
  CHECK_THROWS_AS(difference(0.1, 0.01, 0, 0.1, 0.01, kInf, 0.95), Error);
}

TEST_CASE("compare_sides: hidden in either survey, no difference without both estimates") {
  Side a{true, true, 100, 10, 0.1, 0.03, kInf, false, false, {}};
  Side b{true, true, 200, 30, 0.15, 0.025, kInf, true, false, {}};
  Change c = compare_sides(a, b, 0.95);
  CHECK(c.hidden);
  REQUIRE(c.diff); // computed, but every renderer hides it (tested below through the CSV table)
  b.hidden = false;
  b.present = false;
  c = compare_sides(a, b, 0.95);
  CHECK_FALSE(c.hidden);
  CHECK_FALSE(c.diff);
  b.present = true;
  b.estimable = false;
  CHECK_FALSE(compare_sides(a, b, 0.95).diff);
}

TEST_CASE("prevalence change vs R, unweighted (prop.test) and weighted (stacked svydesign + svycontrast)") {
  for (const bool weighted : {false, true}) {
    INFO((weighted ? "weighted" : "unweighted"));
    const auto ra = prevalence(survey(false, weighted));
    const auto rb = prevalence(survey(true, weighted));
    const PrevalenceComparison cmp = compare_prevalence(ra, rb, 0.95);
    CHECK(cmp.weighted_a == weighted);
    CHECK(cmp.cells.size() == 9);
    std::size_t checked = 0;
    for (const auto& g : golden()) {
      if (g.at("pair") != (weighted ? "weighted" : "unweighted") || g.at("section") != "prevalence") continue;
      INFO(g.at("group") << " " << g.at("row"));
      const PrevalenceChange* pc = nullptr;
      for (const auto& c : cmp.cells)
        if (c.group == g.at("group") && measure_id(c.measure) == g.at("row")) pc = &c;
      REQUIRE(pc);
      check_change(pc->change, g);
      ++checked;
    }
    CHECK(checked == 9);
  }
}

TEST_CASE("distribution change vs R: single and multiple answer, answers matched by key across codebooks") {
  for (const bool weighted : {false, true}) {
    INFO((weighted ? "weighted" : "unweighted"));
    const auto q30 = compare_var(weighted, weighted, "Q30", "問37");
    const auto q23 = compare_var(weighted, weighted, "Q23", "問21");
    CHECK(q30.by_key);
    CHECK(q23.multi);
    std::size_t checked = 0;
    for (const auto& g : golden()) {
      if (g.at("pair") != (weighted ? "weighted" : "unweighted") || g.at("section") != "distribution") continue;
      INFO(g.at("variable") << " " << g.at("domain") << " " << g.at("row"));
      const auto& cmp = g.at("variable") == "Q30=問37" ? q30 : q23;
      check_change(find_row(cmp, g.at("domain"), g.at("row")).change, g);
      ++checked;
    }
    CHECK(checked == 2 * (4 + 7));
    // Q23 その他 is code 5 in 2019 and code 6 in 2024 (key "other"); コロナ (code 5 in 2024) has no 2019 row.
    const auto& other = find_row(q23, "all", "other");
    CHECK(other.code_a == 5);
    CHECK(other.code_b == 6);
    const auto& covid = find_row(q23, "all", "covid");
    CHECK_FALSE(covid.code_a);
    CHECK(covid.code_b == 5);
    CHECK(covid.base_a == 600); // the block exists in 2019; only the answer does not
    // Row order in a block: 2019's answers, then 2024-only answers, then 無回答.
    std::vector<std::string> keys;
    for (const auto& r : q30.rows)
      if (r.domain == tabulate::Domain::All) keys.push_back(r.key);
    CHECK(keys == std::vector<std::string>{"aware", "not_aware", "name_only", "no_answer"});
    // Labels that differ between the questionnaires are kept (shown with † in the table).
    const auto& school = find_row(q23, "all", "school_misfit");
    CHECK(school.label == "学校になじめなかった");
    CHECK(school.label_b == "学校になじめなかったこと");
  }
}

TEST_CASE("a weighted survey against an unweighted one: each keeps its own SE and df") {
  const auto ra = prevalence(survey(false, false));
  const auto rb = prevalence(survey(true, true));
  const PrevalenceComparison cmp = compare_prevalence(ra, rb, 0.95);
  // From R: survey A's side of the unweighted pair, survey B's side of the weighted pair.
  for (const auto& gu : golden()) {
    if (gu.at("pair") != "unweighted" || gu.at("section") != "prevalence") continue;
    const Row* gw = nullptr;
    for (const auto& g : golden())
      if (g.at("pair") == "weighted" && g.at("section") == "prevalence" && g.at("group") == gu.at("group") && g.at("row") == gu.at("row")) gw = &g;
    REQUIRE(gw);
    const PrevalenceChange* pc = nullptr;
    for (const auto& c : cmp.cells)
      if (c.group == gu.at("group") && measure_id(c.measure) == gu.at("row")) pc = &c;
    REQUIRE(pc);
    REQUIRE(pc->change.diff);
    const double se = std::hypot(num(gu.at("se_a")), num(gw->at("se_b")));
    CHECK_THAT(pc->change.diff->se, WithinRel(se, kRel));
    CHECK(pc->change.diff->df == num(gw->at("df_b")));
    CHECK_THAT(pc->change.diff->estimate, WithinRel(num(gw->at("est_b")) - num(gu.at("est_a")), kRel));
  }
}

TEST_CASE("suppression: a cell hidden in either survey's own table is hidden in the comparison") {
  const Survey& a = survey(false, false);
  const Survey& b = survey(true, false);
  const auto ra = prevalence(a);
  const auto rb = prevalence(b);
  // min_cell 8: this sample has prevalence cells with 5-7 cases, none with 1-4.
  const auto ha = report::prevalence_hidden(ra, a.cls, 8);
  const auto hb = report::prevalence_hidden(rb, b.cls, 8);
  // Independent of hkstat's suppression code: primary cells are those with 1-7 cases in the data.
  std::size_t primary = 0, hidden_any = 0;
  for (std::size_t i = 0; i < ra.cells.size(); ++i) {
    for (const auto* r : {&ra, &rb})
      if (r->cells[i].cases >= 1 && r->cells[i].cases < 8) {
        CHECK((r == &ra ? ha[i] : hb[i]));
        ++primary;
      }
  }
  CHECK(primary > 0);
  const auto cmp = compare_prevalence(ra, rb, 0.95, ha, hb);
  for (std::size_t i = 0; i < cmp.cells.size(); ++i) {
    CHECK(cmp.cells[i].change.hidden == (ha[i] || hb[i]));
    hidden_any += cmp.cells[i].change.hidden;
  }
  CHECK(hidden_any > primary / 2);

  // Distribution rows: DistCell::hidden of either survey.
  const auto q23 = compare_var(false, false, "Q23", "問21", 5);
  const auto da = dist(a, "Q23", 5);
  const auto db = dist(b, "問21", 5);
  auto hidden_in = [](const tabulate::Distribution& d, const report::DistributionChangeRow& r, std::optional<std::int64_t> code) {
    for (const auto& c : d.cells)
      if (d.blocks[c.block].domain == r.domain && c.kind == r.kind && (r.kind == tabulate::RowKind::NoAnswer || (code && c.code == *code))) return c.hidden;
    return false;
  };
  std::size_t hidden_rows = 0;
  for (const auto& r : q23.rows) {
    CHECK(r.change.hidden == (hidden_in(da, r, r.code_a) || hidden_in(db, r, r.code_b)));
    hidden_rows += r.change.hidden;
  }
  CHECK(hidden_rows > 0);

  // The CSV leaves every number of a hidden cell empty (both surveys and the change); the bases stay.
  const report::Table t = report::comparison_csv_table(&cmp, {q23});
  std::map<std::string, std::size_t> col;
  for (std::size_t i = 0; i < t.columns.size(); ++i) col[t.columns[i].id] = i;
  for (const auto& row : t.rows) {
    if (row[col["suppressed"]].raw != "1") continue;
    for (const char* id : {"count_a", "estimate_a", "se_a", "count_b", "estimate_b", "se_b", "difference", "se_difference", "ci_lower", "ci_upper", "excludes_zero"})
      CHECK(row[col[id]].raw.empty());
    CHECK_FALSE(row[col["base_a"]].raw.empty());
  }
}

TEST_CASE("pairing errors and edge cases") {
  const auto ra = prevalence(survey(false, false));
  PrevalenceOptions o;
  o.groups = {parse_age_group("15-29"), parse_age_group("30-64")};
  const auto rb = estimate_prevalence(survey(true, false).ds, survey(true, false).cls, o);
  CHECK_THROWS_AS(compare_prevalence(ra, rb, 0.95), Error);
  // One single- and one multiple-answer variable.
  const Survey& a = survey(false, false);
  const Survey& b = survey(true, false);
  CHECK_THROWS_AS(report::compare_distributions(dist(a, "Q30"), *a.ds.codebook.by_name("Q30"), dist(b, "問21"), *b.ds.codebook.by_name("問21"), 0.95), Error);
  // An age group with nobody in it (survey A): not estimable there, so no change.
  PrevalenceOptions o2;
  o2.groups = {parse_age_group("65-99")};
  const auto ea = estimate_prevalence(a.ds, a.cls, o2);
  const auto eb = estimate_prevalence(b.ds, b.cls, o2);
  const auto cmp = compare_prevalence(ea, eb, 0.95);
  for (const auto& c : cmp.cells)
    if (c.group == "65-99") CHECK_FALSE(c.change.diff);
}

TEST_CASE("answers are matched by code number when a code has no key") {
  const auto cb_a = codebook::parse_codebook(R"([codebook]
title = "a"
[[variable]]
name = "q"
type = "code"
codes = [ { code = 1, key = "yes", label = "はい" }, { code = 2, label = "いいえ" } ]
)", "a.toml");
  const auto cb_b = codebook::parse_codebook(R"([codebook]
title = "b"
[[variable]]
name = "q"
type = "code"
codes = [ { code = 1, key = "no", label = "いいえ" }, { code = 2, key = "yes", label = "はい" } ]
)", "b.toml");
  tabulate::Distribution da, db;
  da.variable = db.variable = "q";
  for (auto* d : {&da, &db}) {
    d->blocks.push_back(tabulate::Block{});
    d->blocks.back().base = 10;
    for (std::int64_t code : {1, 2}) {
      tabulate::DistCell c;
      c.code = code;
      c.n = 5;
      c.estimable = true;
      c.est.value = 0.5;
      c.est.se = std::sqrt(0.025);
      c.est.df = kInf;
      c.label = d == &da ? (code == 1 ? "はい" : "いいえ") : (code == 1 ? "いいえ" : "はい");
      d->cells.push_back(c);
    }
  }
  const auto cmp = report::compare_distributions(da, cb_a.variables[0], db, cb_b.variables[0], 0.95);
  CHECK_FALSE(cmp.by_key);
  REQUIRE(cmp.rows.size() == 2);
  CHECK(cmp.rows[0].key == "1");
  CHECK(cmp.rows[0].code_b == 1);
  CHECK(cmp.rows[0].label_b == "いいえ"); // the wording differs, and the table marks it
}

TEST_CASE("CLI golden CSVs (tests/cli/cases/compare_csv*) agree with R") {
  // run_case.sh checks that the real binary writes these files byte for byte; here their numbers meet R's.
  for (const auto& [file, pair] : std::vector<std::pair<std::string, std::string>>{
           {HKSTAT_SOURCE_DIR "/tests/cli/cases/compare_csv/stdout", "unweighted"},
           {HKSTAT_SOURCE_DIR "/tests/cli/cases/compare_csv_weighted/stdout", "weighted"}}) {
    INFO(file);
    std::size_t checked = 0;
    for (const auto& row : read_csv(file)) {
      if (row.at("suppressed") == "1") continue;
      const Row* g = nullptr;
      for (const auto& gr : golden()) {
        if (gr.at("pair") != pair || gr.at("section") != row.at("section")) continue;
        const bool same_cell = row.at("section") == "prevalence"
                                   ? gr.at("group") == row.at("age_group") && gr.at("row") == row.at("measure")
                                   : gr.at("variable") == row.at("variable_a") + "=" + row.at("variable_b") && gr.at("domain") == row.at("domain") &&
                                         gr.at("row") == row.at("key");
        if (same_cell) g = &gr;
      }
      REQUIRE(g);
      INFO(row.at("section") << " " << row.at("age_group") << " " << row.at("measure") << row.at("key"));
      for (const auto& [ours, theirs] : std::vector<std::pair<std::string, std::string>>{{"estimate_a", "est_a"},
                                                                                         {"se_a", "se_a"},
                                                                                         {"estimate_b", "est_b"},
                                                                                         {"se_b", "se_b"},
                                                                                         {"difference", "diff"},
                                                                                         {"se_difference", "se_diff"},
                                                                                         {"df_difference", "df_diff"},
                                                                                         {"ci_lower", "lower"},
                                                                                         {"ci_upper", "upper"}}) {
        if (g->at(theirs) == "NA") {
          CHECK(row.at(ours).empty());
          continue;
        }
        check_value(num(row.at(ours)), g->at(theirs), ours);
      }
      ++checked;
    }
    CHECK(checked >= 20);
  }
}

// ---- Trends over more than two surveys ---------------------------------------------------------------------

namespace {

hkstat::estimate::Side trend_side(std::size_t n, std::size_t k, bool hidden = false) {
  hkstat::estimate::Side s;
  s.present = true;
  s.estimable = true;
  s.base = n;
  s.count = k;
  s.estimate = static_cast<double>(k) / static_cast<double>(n);
  s.se = std::sqrt(s.estimate * (1 - s.estimate) / static_cast<double>(n));
  s.df = std::numeric_limits<double>::infinity();
  s.hidden = hidden;
  return s;
}

hkstat::estimate::PrevalenceComparison trend_pair(const hkstat::estimate::Side& a, const hkstat::estimate::Side& b) {
  hkstat::estimate::PrevalenceComparison p;
  hkstat::estimate::PrevalenceChange pc;
  pc.measure = hkstat::estimate::Measure::Broad;
  pc.group = "all";
  pc.change = hkstat::estimate::compare_sides(a, b, 0.95);
  p.cells.push_back(std::move(pc));
  return p;
}

} // namespace

TEST_CASE("prevalence trend: each round once, each change the pair's (from the first or the previous round)") {
  using namespace hkstat;
  const auto r0 = trend_side(500, 16), r1 = trend_side(600, 25), r2 = trend_side(800, 46);
  SECTION("from the first") {
    const auto t = report::prevalence_trend({trend_pair(r0, r1), trend_pair(r0, r2)}, report::TrendBase::First);
    REQUIRE(t.cells.size() == 1);
    const auto& c = t.cells[0].cell;
    REQUIRE(c.rounds.size() == 3);
    CHECK(c.rounds[0].count == 16);
    CHECK(c.rounds[1].count == 25);
    CHECK(c.rounds[2].count == 46);
    CHECK_FALSE(c.changes[0]);
    REQUIRE(c.changes[2]);
    CHECK(c.changes[2]->diff->estimate == Approx(46.0 / 800 - 16.0 / 500));
    CHECK(c.changes[2]->diff->se == Approx(std::hypot(r0.se, r2.se)));
  }
  SECTION("from the previous") {
    const auto t = report::prevalence_trend({trend_pair(r0, r1), trend_pair(r1, r2)}, report::TrendBase::Previous);
    const auto& c = t.cells[0].cell;
    REQUIRE(c.changes[2]);
    CHECK(c.changes[2]->diff->estimate == Approx(46.0 / 800 - 25.0 / 600));
    CHECK(report::trend_base_of(report::TrendBase::Previous, 2) == 1);
    CHECK(report::trend_base_of(report::TrendBase::First, 2) == 0);
  }
}

TEST_CASE("prevalence trend: a hidden round is empty in the CSV, and so is every change that involves it") {
  using namespace hkstat;
  const auto r0 = trend_side(500, 16), r1 = trend_side(600, 3, true), r2 = trend_side(800, 46);
  const auto t = report::prevalence_trend({trend_pair(r0, r1), trend_pair(r1, r2)}, report::TrendBase::Previous);
  report::TrendDisplay o;
  o.labels = {"2014", "2019", "2024"};
  const report::Table csv = report::trend_csv_table(&t, {}, o);
  REQUIRE(csv.rows.size() == 3);
  auto col = [&](const char* id) {
    for (std::size_t i = 0; i < csv.columns.size(); ++i)
      if (csv.columns[i].id == id) return i;
    FAIL(id);
    return std::size_t{0};
  };
  CHECK(csv.rows[0][col("count")].raw == "16");
  CHECK(csv.rows[1][col("count")].raw.empty());
  CHECK(csv.rows[1][col("estimate")].raw.empty());
  CHECK(csv.rows[1][col("difference")].raw.empty());
  CHECK(csv.rows[1][col("suppressed")].raw == "1");
  CHECK(csv.rows[2][col("count")].raw == "46");       // its own table shows it
  CHECK(csv.rows[2][col("difference")].raw.empty());  // but 2024 − 2019 would reveal 2019
  CHECK(csv.rows[2][col("change_from")].raw == "2019");
  // The line chart leaves the hidden point out and breaks the line there: two separate one-point paths, no "L".
  const std::string svg = report::line_chart_svg(report::prevalence_trend_chart(t, o), hkstat::Lang::Ja);
  const auto at = svg.find("class=\"line\" d=\"");
  REQUIRE(at != std::string::npos);
  const std::string d = svg.substr(at + 16, svg.find('"', at + 16) - (at + 16));
  CHECK(std::count(d.begin(), d.end(), 'M') == 2);
  CHECK(std::count(d.begin(), d.end(), 'L') == 0);
  std::size_t points = 0;
  for (std::size_t p = svg.find("class=\"point\""); p != std::string::npos; p = svg.find("class=\"point\"", p + 1)) ++points;
  CHECK(points == 2);
  CHECK(svg.find("3.2%") != std::string::npos); // a single line: every point is labelled
}

TEST_CASE("distribution trend: the surveys as columns, and its chart (帯グラフ for a single answer, bars for a multiple answer)") {
  using namespace hkstat;
  report::TrendDisplay o;
  o.labels = {"2019", "2024", "2024b"};
  auto col = [](const report::Table& t, const std::string& id) {
    for (std::size_t i = 0; i < t.columns.size(); ++i)
      if (t.columns[i].id == id) return i;
    FAIL(id);
    return std::size_t{0};
  };
  SECTION("single answer: n in each survey's header, an answer a survey did not ask is —, machine values unrounded") {
    const auto q30 = compare_var(false, false, "Q30", "問37", 5);
    const auto tr = report::distribution_trend({q30, q30}, report::TrendBase::First);
    const report::Table t = report::distribution_trend_cross_table(tr, o);
    std::vector<std::string> heads;
    for (const auto& c : t.columns)
      if (c.human) heads.push_back(c.header.ja);
    // Two blocks (the fixture tabulates 回答者全体 and 広義), each block's surveys side by side.
    CHECK(heads == std::vector<std::string>{"回答", "回答者全体・2019（n=600）", "回答者全体・2024（n=800）", "回答者全体・2024b（n=800）",
                                            "広義のひきこもり群・2019（n=25）", "広義のひきこもり群・2024（n=46）", "広義のひきこもり群・2024b（n=46）"});
    REQUIRE(t.rows.size() == 4); // aware, not_aware, name_only (2024 only), 無回答
    const auto& name_only = t.rows[2];
    CHECK(name_only[0].display.ja == "名前だけ知っている");
    CHECK(name_only[col(t, "all.r1")].display.ja == "—");
    CHECK(name_only[col(t, "all.r1.percent")].raw.empty());
    CHECK(name_only[col(t, "all.r2")].display.ja == "15.6%");
    CHECK(name_only[col(t, "all.r2.n")].raw == "125");
    CHECK(std::stod(name_only[col(t, "all.r2.percent")].raw) == 125.0 / 800);
    CHECK(t.rows[0][col(t, "all.r1.n")].raw == "110");
    CHECK(t.title.ja.find("変化と信頼区間") == std::string::npos);
    CHECK(report::distribution_trend_table(tr, o).title.ja.find("：変化と信頼区間") != std::string::npos);
    // The chart: 100% stacked, one bar per survey; 名前だけ知っている is no segment of 2019's bar (0%, not "* 秘匿").
    CHECK(report::trend_chart_stacked(tr));
    const report::ChartData c = report::distribution_trend_chart(tr, o);
    REQUIRE(c.series.size() == 6);
    CHECK(c.series[0].name.ja == "回答者全体・2019（n=600）");
    REQUIRE(c.categories.size() == 4);
    CHECK(c.series[0].bars[2].estimable);
    CHECK(c.series[0].bars[2].value == 0);
    // 回答者全体 only (a one-block trend): no suppressed rest, 2019's bar without 名前だけ知っている.
    report::DistributionTrend all = tr;
    all.rows.erase(std::remove_if(all.rows.begin(), all.rows.end(), [](const report::DistributionTrendRow& r) { return r.domain != tabulate::Domain::All; }),
                   all.rows.end());
    const std::string svg = report::stacked_chart_svg(report::distribution_trend_chart(all, o), Lang::Ja);
    CHECK(svg.find("class=\"suppressed\"") == std::string::npos);
    std::size_t segments = 0;
    for (std::size_t p = svg.find("class=\"segment\""); p != std::string::npos; p = svg.find("class=\"segment\"", p + 1)) ++segments;
    CHECK(segments == 3 + 4 + 4); // 2019: aware, not_aware, 無回答 (7); 2024 twice: all four
  }
  SECTION("multiple answer with suppression: * in the table, empty machine cells, no bar drawn") {
    const auto q23 = compare_var(false, false, "Q23", "問21", 5);
    const auto tr = report::distribution_trend({q23, q23}, report::TrendBase::First);
    const report::Table t = report::distribution_trend_cross_table(tr, o);
    std::size_t stars = 0;
    for (const auto& row : t.rows)
      for (std::size_t i = 1; i < t.columns.size(); ++i) {
        if (!t.columns[i].human || row[i].display.ja != "*") continue;
        ++stars;
        CHECK(row[col(t, t.columns[i].id + ".n")].raw.empty());
        CHECK(row[col(t, t.columns[i].id + ".percent")].raw.empty());
      }
    CHECK(stars > 0);
    CHECK_FALSE(report::trend_chart_stacked(tr));
    const report::ChartData c = report::distribution_trend_chart(tr, o);
    std::size_t hidden = 0;
    for (const auto& s : c.series)
      for (const auto& b : s.bars) hidden += b.hidden;
    CHECK(hidden == stars);
    const std::string svg = report::bar_chart_svg(c, Lang::Ja);
    std::size_t marks = 0;
    for (std::size_t p = svg.find("* 秘匿"); p != std::string::npos; p = svg.find("* 秘匿", p + 1)) ++marks;
    CHECK(marks == stars);
  }
}
