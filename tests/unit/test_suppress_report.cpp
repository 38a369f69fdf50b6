// One suppression problem for every table of a report (report/report_suppression.hpp; issue 12 defect 7):
// on data where each table suppressed on its own gives a hidden cell away through another table (the age
// table hides the broad respondents without an age; the prevalence table's all − Σ age groups is that cell),
// the joint suppression leaves no hidden cell determined — checked by the exact audit over the joint problem
// and, independently, by brute force over every table of respondents (class × age) that agrees with what the
// report's CSV files publish.
#include "hkstat/report/report_suppression.hpp"

#include "hkstat/classify/ruleset.hpp"
#include "hkstat/codebook/codebook.hpp"
#include "hkstat/data/dataset.hpp"
#include "hkstat/report/estimate_report.hpp"
#include "hkstat/report/report_builder.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "test_util.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <sstream>

using namespace hkstat;

namespace {

const std::string kSrc = HKSTAT_SOURCE_DIR;

// The mini codebook with one more code variable: the age in the two groups (for a table by the library).
std::string codebook_text() {
  std::ifstream f(kSrc + "/tests/data/unit/mini.codebook.toml");
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str() + R"(
[[variable]]
name = "age10"
type = "code"
derive = { method = "bands", from = "age" }
codes = [ { code = 1, label = "15～19歳", min = 15, max = 19 }, { code = 2, label = "20～29歳", min = 20, max = 29 },
          { code = 3, label = "30～39歳", min = 30, max = 39 }, { code = 4, label = "40～49歳", min = 40, max = 49 },
          { code = 5, label = "50～59歳", min = 50, max = 59 }, { code = 6, label = "60～64歳", min = 60, max = 64 } ]
)";
}

// Respondents: (class, age or -1 = no answer, count). narrow / semi / other rows copy mini.csv's A03 / A02 / A01.
struct Group {
  char cls;
  int age;
  int count;
};

std::string csv_of(const std::vector<Group>& groups) {
  std::string out = "id,age,sex,outing,duration,r_illness,r_pregnancy,r_childcare,r_care,r_other,illness_type,other_type,occupation,home,talk,memo\n";
  int id = 0;
  for (const auto& g : groups)
    for (int k = 0; k < g.count; ++k) {
      const std::string age = g.age < 0 ? "999" : std::to_string(g.age);
      const std::string sex = std::to_string(1 + (k % 2));
      const std::string mid = g.cls == 'n' ? "6,2,0,0,0,0,0,,,5,,3," : g.cls == 's' ? "5,3,0,0,0,0,0,,,5,3,3," : "1,,0,0,0,0,0,,,1,3,1,";
      out += fmt::format("R{:03},{},{},{}\n", ++id, age, sex, mid);
    }
  return out;
}

// The broad respondents without an age: 2 (1 narrow, 1 semi), so a table of 広義 by age hides its 無回答 row;
// 3 of each class in each 10-year band of 15-59.
const std::vector<Group> kLeaky = {{'n', 17, 3}, {'n', 25, 3}, {'n', 35, 3}, {'n', 45, 3}, {'n', 55, 3}, {'n', -1, 1},
                                   {'s', 18, 3}, {'s', 26, 3}, {'s', 36, 3}, {'s', 46, 3}, {'s', 56, 3}, {'s', -1, 1},
                                   {'o', 17, 20}, {'o', 25, 20}, {'o', 35, 20}, {'o', 45, 20}, {'o', 55, 20}, {'o', 62, 20}, {'o', -1, 6}};

struct Fixture {
  codebook::Codebook cb;
  data::IngestResult in;
  classify::RuleSet rs = classify::builtin_ruleset("cao2018");
  std::optional<classify::Classification> cls;
  estimate::PrevalenceOptions popt;
  explicit Fixture(const std::vector<Group>& groups) {
    cb = codebook::parse_codebook(codebook_text(), "mini_band.codebook.toml");
    in = data::ingest(testutil::write_temp("joint.csv", csv_of(groups)), cb, {});
    cls = classify::classify(in.data, rs);
    popt.groups = {estimate::parse_age_group("15-39"), estimate::parse_age_group("40-64")};
  }
};

// Every hidden published or residual cell of the problem that is sensitive: is it exposed?
std::vector<std::size_t> exposed_sensitive(const tabulate::SuppressionProblem& pb, const std::vector<bool>& hidden, int min_cell) {
  std::vector<std::size_t> cells;
  for (std::size_t i = 0; i < pb.counts.size(); ++i)
    if (hidden[i] && !pb.options.auxiliary[i] && pb.counts[i] >= 1 && pb.counts[i] < static_cast<std::size_t>(min_cell)) cells.push_back(i);
  const auto e = tabulate::exposed_cells(pb.counts, pb.relations, hidden, pb.options.upper, cells);
  std::vector<std::size_t> out;
  for (std::size_t k = 0; k < cells.size(); ++k)
    if (e[k]) out.push_back(cells[k]);
  return out;
}

} // namespace

TEST_CASE("report suppression: tables suppressed one by one leak across tables, the joint suppression does not", "[suppress][report]") {
  Fixture f(kLeaky);
  const auto& ds = f.in.data;
  const auto prevalence = estimate::estimate_prevalence(ds, *f.cls, f.popt);
  tabulate::TabulateOptions topt;
  topt.domains = {tabulate::Domain::Broad};
  topt.min_cell = 5;
  const tabulate::Distribution own = tabulate::tabulate(ds, &*f.cls, "age10", topt); // suppressed on its own
  // The broad row without an age: 2, hidden in the age table (primary).
  std::optional<std::size_t> broad_unknown;
  for (std::size_t i = 0; i < own.cells.size(); ++i)
    if (own.blocks[own.cells[i].block].domain == tabulate::Domain::Broad && own.cells[i].kind == tabulate::RowKind::NoAnswer) broad_unknown = i;
  REQUIRE(broad_unknown);
  CHECK(own.cells[*broad_unknown].n == 2);
  CHECK(own.cells[*broad_unknown].hidden);

  report::ReportSuppressionInput jin;
  jin.data = &ds;
  jin.cls = &*f.cls;
  jin.prevalence = &prevalence;
  jin.tables.push_back(report::ReportTableInput{&own, &ds, true});
  jin.min_cell = 5;
  const report::ReportSuppression joint = report::suppress_report(jin);
  // Every prevalence cell and every row of the age table is tied to the respondents' atoms (their counts agree:
  // suppress_report checks each).
  CHECK(joint.links == prevalence.cells.size() + own.cells.size());

  // What the tables hide each on its own, in the joint problem: some hidden cell is determined across tables.
  const auto& pb = joint.problem;
  std::vector<bool> alone(pb.counts.size(), false);
  {
    const auto ps = report::prevalence_suppression(prevalence, 5);
    for (std::size_t i = 0; i < prevalence.cells.size(); ++i) alone[i] = ps.hidden[i];
    for (std::size_t i = prevalence.cells.size(); i < pb.counts.size(); ++i) alone[i] = pb.options.unpublished[i];
    const std::size_t off = joint.table_offset[0];
    for (std::size_t i = 0; i < own.suppression.hidden.size(); ++i) alone[off + i] = own.suppression.hidden[i];
  }
  CHECK_FALSE(exposed_sensitive(pb, alone, 5).empty());
  // The joint suppression: no sensitive cell determined, every primary cell hidden.
  CHECK(exposed_sensitive(pb, joint.result.hidden, 5).empty());
  CHECK(joint.result.unprotected.empty());
  const std::size_t off = joint.table_offset[0];
  CHECK(joint.result.hidden[off + *broad_unknown]);
  // Applied to the table: its cells and its suppression record.
  tabulate::Distribution applied = own;
  report::apply_report_suppression(joint, 0, applied);
  for (std::size_t i = 0; i < applied.cells.size(); ++i) CHECK(applied.cells[i].hidden == joint.result.hidden[off + i]);
  CHECK(joint.prevalence_hidden.size() == prevalence.cells.size());
}

namespace {

// A published CSV table as rows of column → value.
std::vector<std::map<std::string, std::string>> read_csv(const std::string& text) {
  std::vector<std::map<std::string, std::string>> rows;
  std::istringstream in(text.rfind("\xEF\xBB\xBF", 0) == 0 ? text.substr(3) : text);
  std::string line;
  std::vector<std::string> header;
  auto split = [](const std::string& l) {
    std::vector<std::string> out;
    std::string cur;
    bool quoted = false;
    for (char c : l) {
      if (c == '"') quoted = !quoted;
      else if (c == ',' && !quoted) {
        out.push_back(cur);
        cur.clear();
      } else if (c != '\r') cur += c;
    }
    out.push_back(cur);
    return out;
  };
  while (std::getline(in, line)) {
    if (line.empty() || line == "\r") continue;
    const auto f = split(line);
    if (header.empty()) {
      header = f;
      continue;
    }
    std::map<std::string, std::string> r;
    for (std::size_t i = 0; i < header.size() && i < f.size(); ++i) r[header[i]] = f[i];
    rows.push_back(std::move(r));
  }
  return rows;
}

} // namespace

TEST_CASE("report suppression: nothing hidden in the report's CSV files follows from what they publish", "[suppress][report]") {
  Fixture f(kLeaky);
  report::ReportTemplate t = report::builtin_template();
  report::parse_tables_spec(R"([[table]]
id = "prevalence"
kind = "prevalence"
[[table]]
id = "age"
role = "age"
bands = "age2"
domain = ["all", "broad", "comparison"]
[[table]]
id = "age10"
role = "age"
bands = "age10"
domain = ["all", "broad"]
)",
                            "tables.toml", t);
  report::ReportOptions o;
  o.prevalence = f.popt;
  o.provenance.version = "hkstat test";
  o.provenance.input = "joint.csv";
  const auto out = report::build_report(f.in, &f.rs, t, o);
  std::map<std::string, std::string> files(out.files.begin(), out.files.end());
  const auto prev = read_csv(files.at("tables/prevalence.csv"));
  const auto age2 = read_csv(files.at("tables/age.csv"));
  const auto age10 = read_csv(files.at("tables/age10.csv"));

  // An attacker's model written from the files alone: unknowns = respondents by class (narrow, semi, other)
  // × age (the six 10-year bands, no age); every printed number is an equation; every "*" an unknown sum.
  const std::vector<std::pair<int, int>> bands{{15, 19}, {20, 29}, {30, 39}, {40, 49}, {50, 59}, {60, 64}};
  auto classes_of = [](const std::string& d) -> std::vector<int> {
    if (d == "broad") return {0, 1};
    if (d == "narrow") return {0};
    if (d == "semi") return {1};
    if (d == "comparison") return {2};
    return {0, 1, 2};
  };
  auto ages_of = [&](const std::string& g) -> std::vector<int> {
    if (g == "all") return {0, 1, 2, 3, 4, 5, 6};
    if (g == "unknown" || g == "no_answer") return {6};
    const int lo = std::stoi(g.substr(0, g.find('-'))), hi = std::stoi(g.substr(g.find('-') + 1));
    std::vector<int> in_range;
    for (int b = 0; b < 6; ++b)
      if (bands[static_cast<std::size_t>(b)].first >= lo && bands[static_cast<std::size_t>(b)].second <= hi) in_range.push_back(b);
    return in_range;
  };
  // The true counts of the unknowns (from the test's data), for the relations' constants.
  std::vector<std::size_t> counts(21, 0);
  for (const auto& g : kLeaky) {
    const int c = g.cls == 'n' ? 0 : g.cls == 's' ? 1 : 2;
    int a = 6;
    for (int b = 0; b < 6; ++b)
      if (g.age >= bands[static_cast<std::size_t>(b)].first && g.age <= bands[static_cast<std::size_t>(b)].second) a = b;
    counts[static_cast<std::size_t>(c * 7 + a)] += static_cast<std::size_t>(g.count);
  }
  std::vector<tabulate::Relation> rels;
  std::vector<std::string> hidden_names;
  std::size_t checked_values = 0;
  auto cell = [&](const std::vector<int>& cls, const std::vector<int>& ages_, const std::string& value, const std::string& name) {
    tabulate::Relation r;
    std::size_t truth = 0;
    for (int c : cls)
      for (int a : ages_) {
        r.parts.push_back(static_cast<std::size_t>(c * 7 + a));
        truth += counts[static_cast<std::size_t>(c * 7 + a)];
      }
    if (value.empty()) { // hidden: a new unknown = the sum
      r.total = counts.size();
      counts.push_back(truth);
      hidden_names.push_back(name);
    } else {
      CHECK(std::stoul(value) == truth); // the model is the data's
      ++checked_values;
    }
    rels.push_back(std::move(r));
  };
  for (const auto& r : prev) {
    cell({0, 1, 2}, ages_of(r.at("age_group")), r.at("n"), "");
    cell(classes_of(r.at("measure")), ages_of(r.at("age_group")), r.at("cases"), "prevalence " + r.at("measure") + " " + r.at("age_group"));
  }
  for (const auto* tab : {&age2, &age10}) {
    std::set<std::string> bases;
    for (const auto& r : *tab) {
      const auto cls = classes_of(r.at("domain"));
      if (bases.insert(r.at("domain")).second) cell(cls, ages_of("all"), r.at("base"), "");
      std::vector<int> a;
      if (r.at("code") == "no_answer") a = {6};
      else {
        const std::string label = r.at("label"); // "15～39歳"
        const auto tilde = label.find("～");
        a = ages_of(label.substr(0, tilde) + "-" + label.substr(tilde + std::string("～").size(), label.find("歳") - tilde - std::string("～").size()));
      }
      cell(cls, a, r.at("n"), (tab == &age2 ? "age " : "age10 ") + r.at("domain") + " " + r.at("label"));
    }
  }
  REQUIRE(checked_values > 20);
  REQUIRE_FALSE(hidden_names.empty());
  std::vector<bool> hidden(counts.size(), true); // every unknown is hidden
  std::vector<std::size_t> upper(counts.size(), 0);
  std::size_t rows = 0;
  for (std::size_t i = 0; i < 21; ++i) rows += counts[i];
  std::fill(upper.begin(), upper.end(), rows);
  std::vector<std::size_t> which;
  for (std::size_t i = 21; i < counts.size(); ++i) which.push_back(i);
  const auto exposed = tabulate::exposed_cells(counts, rels, hidden, upper, which);
  for (std::size_t k = 0; k < which.size(); ++k) {
    INFO(hidden_names[k] << " = " << counts[which[k]]);
    CHECK_FALSE(exposed[k]);
  }
  // The broad respondents without an age (2) are hidden in both age tables.
  CHECK(std::count(hidden_names.begin(), hidden_names.end(), "age broad 無回答") == 1);
  CHECK(std::count(hidden_names.begin(), hidden_names.end(), "age10 broad 無回答") == 1);
}

TEST_CASE("report suppression with household members: the members of the --by levels add up to all members", "[suppress][report]") {
  // A prevalence result counting respondents and members (the roster's default numerator), by sex: each
  // cell's members are an unknown; those of the levels must add up, with the members without a level, to the
  // cell's members — else a reader's Σ levels would be a relation the audit does not see.
  Fixture fx(kLeaky);
  const data::Column* sex = fx.in.data.column("sex");
  REQUIRE(sex);
  std::map<std::pair<int, int>, std::size_t> resp; // (class 0 narrow / 1 semi / 2 other, sex 0 all / 1 / 2) → respondents
  for (std::size_t r = 0; r < fx.in.data.rows(); ++r) {
    const auto k = fx.cls->rows[r].cls;
    const int c = k == classify::Class::Narrow ? 0 : k == classify::Class::Semi ? 1 : 2;
    const int s = static_cast<int>(sex->ints[r]);
    ++resp[{c, 0}];
    ++resp[{c, s}];
  }
  // Members who are cases: narrow 4 (sex 1: 2, sex 2: 1, no sex: 1), semi 3 (1, 2).
  const std::map<std::pair<int, int>, std::size_t> members = {{{0, 0}, 4}, {{0, 1}, 2}, {{0, 2}, 1}, {{1, 0}, 3}, {{1, 1}, 1}, {{1, 2}, 2}};
  estimate::PrevalenceResult r;
  r.numerator.mode = "respondents+members";
  for (int s : {0, 1, 2})
    for (auto m : {estimate::Measure::Broad, estimate::Measure::Narrow, estimate::Measure::Semi}) {
      estimate::PrevalenceCell c;
      c.measure = m;
      c.group = "all";
      if (s > 0) {
        c.by_variable = "sex";
        c.by_level = std::to_string(s);
      }
      const std::vector<int> classes = m == estimate::Measure::Broad ? std::vector<int>{0, 1} : std::vector<int>{m == estimate::Measure::Narrow ? 0 : 1};
      for (int k : classes) c.cases += resp[{k, s}] + members.at({k, s});
      c.est.n = resp[{0, s}] + resp[{1, s}] + resp[{2, s}];
      r.cells.push_back(c);
    }
  report::ReportSuppressionInput in;
  in.data = &fx.in.data;
  in.cls = &*fx.cls;
  in.prevalence = &r;
  in.min_cell = 5;
  const auto out = report::suppress_report(in);
  const auto& pb = out.problem;
  // Each prevalence cell i: cell = Σ respondent atoms + its members (the last part, an auxiliary unknown).
  std::vector<std::size_t> member(r.cells.size());
  for (std::size_t i = 0; i < r.cells.size(); ++i) {
    bool found = false;
    for (const auto& rel : pb.relations)
      if (rel.total == i && !rel.parts.empty() && pb.options.auxiliary.at(rel.parts.back())) {
        member[i] = rel.parts.back();
        found = true;
      }
    REQUIRE(found);
  }
  // For each measure: members(all) = members(sex 1) + members(sex 2) + members without a sex.
  for (std::size_t m = 0; m < 3; ++m) {
    const std::size_t all = member[m], s1 = member[3 + m], s2 = member[6 + m];
    INFO("measure " << m);
    bool related = false;
    for (const auto& rel : pb.relations) {
      if (rel.total != all) continue;
      if (std::find(rel.parts.begin(), rel.parts.end(), s1) == rel.parts.end() || std::find(rel.parts.begin(), rel.parts.end(), s2) == rel.parts.end())
        continue;
      related = true;
      std::size_t sum = 0;
      for (std::size_t p : rel.parts) sum += pb.counts[p];
      CHECK(sum == pb.counts[all]);
      CHECK(rel.parts.size() == 3); // the two levels and the residual
    }
    CHECK(related);
  }
  CHECK(pb.counts[member[0]] == 7); // broad = narrow 4 + semi 3
  CHECK(pb.counts[member[3]] == 3);
  CHECK(pb.counts[member[6]] == 3);
}
