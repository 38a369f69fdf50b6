// The facade (hkstat/api/survey.hpp): the same numbers as the library's own steps, files found as the CLI
// finds them, errors as hkstat::Error with code and location.
#include "hkstat/estimate/numerator.hpp"
#include "hkstat/hkstat.hpp"

#include "test_util.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <sstream>

using namespace hkstat;

namespace {

const std::string kSample = std::string(HKSTAT_SOURCE_DIR) + "/data/samples/nishitokyo2024.csv";
const std::string kSampleDir = std::string(HKSTAT_SOURCE_DIR) + "/data/samples/";

std::string slurp_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

} // namespace

TEST_CASE("facade: the estimate is the library's own steps, with the sample's run configuration", "[api]") {
  const api::Survey s = api::load_survey(kSample);
  CHECK(s.codebook_path == kSampleDir + "nishitokyo2024.codebook.toml");
  CHECK(s.config.path == kSampleDir + "nishitokyo2024.hkstat.toml");
  const estimate::PrevalenceResult r = api::estimate_prevalence(s);

  // By hand, as tests/consumer/main.cpp did before the facade.
  const config::RunConfig cfg = config::load_run_config(kSampleDir + "nishitokyo2024.hkstat.toml");
  const codebook::Codebook cb = codebook::load_codebook(kSampleDir + "nishitokyo2024.codebook.toml");
  data::IngestOptions io;
  io.required_roles = {codebook::Role::Outing, codebook::Role::Duration};
  const data::IngestResult in = data::ingest(kSample, cb, io);
  const classify::Classification cls = classify::classify(in.data, classify::resolve_ruleset(*cfg.ruleset));
  estimate::PrevalenceOptions opt;
  opt.population.total = cfg.population;
  for (const auto& g : *cfg.age_groups) opt.groups.push_back(estimate::parse_age_group(g));
  estimate::PrevalenceResult want = estimate::estimate_prevalence(in.data, cls, opt);
  // The sample's codebook has a household roster: by default the members are counted (respondents+members).
  REQUIRE(cb.roster);
  const roster::Members members = roster::read_members(in.data);
  estimate::apply_numerator(want, in.data, cls, members, classify::classify(members.data, cls.ruleset), roster::Numerator::RespondentsMembers, true, opt);
  CHECK(r.numerator.mode == "respondents+members");
  CHECK(r.numerator.by_default);

  REQUIRE(r.cells.size() == want.cells.size());
  for (std::size_t i = 0; i < r.cells.size(); ++i) {
    CHECK(r.cells[i].group == want.cells[i].group);
    CHECK(r.cells[i].est.n == want.cells[i].est.n);
    CHECK(r.cells[i].cases == want.cells[i].cases);
    CHECK(r.cells[i].est.value == want.cells[i].est.value);
    CHECK(r.cells[i].est.se == want.cells[i].est.se);
    CHECK(r.cells[i].est.interval->lower == want.cells[i].est.interval->lower);
    CHECK(r.cells[i].est.interval->upper == want.cells[i].est.interval->upper);
    CHECK(r.cells[i].persons == want.cells[i].persons);
  }
  const estimate::PrevalenceCell& h = api::headline(r);
  CHECK(h.measure == estimate::Measure::Broad);
  CHECK(h.group == "all");
  CHECK(h.est.value == static_cast<double>(h.cases) / static_cast<double>(h.est.n));
  REQUIRE(h.persons);
  CHECK(*h.persons == h.est.value * *cfg.population);
  CHECK(r.population.source == cfg.path);
}

TEST_CASE("facade: options override the run configuration, which overrides the defaults", "[api]") {
  const api::Survey s = api::load_survey(kSample);
  api::EstimateOptions o;
  o.population = 1000;
  o.level = 0.9;
  o.age_groups = std::vector<std::string>{};
  const estimate::PrevalenceResult r = api::estimate_prevalence(s, o);
  const auto& h = api::headline(r);
  CHECK(r.level == 0.9);
  CHECK(*h.persons == h.est.value * 1000);
  for (const auto& c : r.cells) CHECK(c.group == "all");

  const api::Survey bare = api::load_survey(kSample, [] { api::LoadOptions l; l.no_config = true; return l; }());
  CHECK(bare.config.path.empty());
  const estimate::PrevalenceResult rb = api::estimate_prevalence(bare);
  CHECK(!api::headline(rb).persons); // no population without the configuration
  CHECK(api::classify(bare).ruleset.id == classify::kDefaultRuleSet);
  CHECK(api::classify(s).ruleset.id == *s.config.ruleset);

  api::EstimateOptions bad;
  bad.level = 1.5;
  const Problem p = testutil::problem_of([&] { api::estimate_prevalence(s, bad); });
  CHECK(p.code == ErrorCode::UsageInvalidOption);
  CHECK(p.value == "1.5");
  CHECK(p.message.en.find("--") == std::string::npos); // library terms, no CLI flag
}

TEST_CASE("facade: files are found next to the data as the CLI finds them", "[api]") {
  testutil::TempDir d;
  const std::string csv = d.write("s.csv", slurp_file(kSample));
  {
    const Problem p = testutil::problem_of([&] { api::locate_survey(api::SurveyFiles{d.file("t.csv"), "", "", false}); });
    CHECK(p.code == ErrorCode::IoCannotOpen); // the data file is named, not the codebook next to it
    CHECK(p.pos.file == d.file("t.csv"));
  }
  {
    const Problem p = testutil::problem_of([&] { api::load_survey(csv); });
    CHECK(p.code == ErrorCode::CodebookInvalid);
    CHECK(p.pos.key == "codebook");
    CHECK(p.value == d.file("s.codebook.toml"));
    CHECK(p.expected.en.find("--codebook") == std::string::npos);
  }
  d.write("s.codebook.toml", slurp_file(kSampleDir + "nishitokyo2024.codebook.toml"));
  const api::LocatedSurvey loc = api::locate_survey(api::SurveyFiles{csv, "", "", false});
  CHECK(loc.codebook_path == d.file("s.codebook.toml"));
  CHECK(loc.config.path.empty());
  // A run configuration naming its codebook.
  d.write("other.codebook.toml", slurp_file(kSampleDir + "nishitokyo2024.codebook.toml"));
  d.write("s.hkstat.toml", "[input]\ncodebook = \"other.codebook.toml\"\n[estimate]\npopulation = 5000\n");
  const api::Survey s = api::load_survey(csv);
  CHECK(s.codebook_path == d.file("other.codebook.toml"));
  CHECK(*api::headline(api::estimate_prevalence(s)).persons == api::headline(api::estimate_prevalence(s)).est.value * 5000);
  // Standard input needs a codebook.
  const Problem p = testutil::problem_of([&] { api::locate_survey(api::SurveyFiles{"-", "", "", false}); });
  CHECK(p.code == ErrorCode::CodebookInvalid);
  CHECK(p.pos.key == "codebook");
}

TEST_CASE("facade: rows with invalid values stop the load, or are left out and listed", "[api]") {
  testutil::TempDir d;
  std::string text = slurp_file(kSample);
  // The 問17 (outing) cell of the first data row becomes 77, a code the codebook does not have.
  const std::string header = text.substr(0, text.find('\n') + 1);
  std::string first = text.substr(header.size(), text.find('\n', header.size()) + 1 - header.size());
  const std::size_t col = [&] {
    std::size_t k = 0;
    std::string h = header;
    for (std::size_t pos = 0; pos < h.size(); ++k) {
      const auto c = h.find(',', pos);
      if (h.substr(pos, c - pos) == "問17") return k;
      if (c == std::string::npos) break;
      pos = c + 1;
    }
    return std::size_t(0);
  }();
  REQUIRE(col > 0);
  std::size_t start = 0;
  for (std::size_t k = 0; k < col; ++k) start = first.find(',', start) + 1;
  const std::size_t end = first.find_first_of(",\r\n", start);
  first = first.substr(0, start) + "77" + first.substr(end);
  text = header + first + text.substr(header.size() + text.substr(header.size()).find('\n') + 1);
  const std::string csv = d.write("s.csv", text);
  d.write("s.codebook.toml", slurp_file(kSampleDir + "nishitokyo2024.codebook.toml"));

  const Problem p = testutil::problem_of([&] { api::load_survey(csv); });
  CHECK(p.code == ErrorCode::DataUnknownCode);
  CHECK(p.pos.line == 2);
  CHECK(p.pos.column == col + 1);
  CHECK(p.value == "77");
  CHECK(p.message.en.find("1 rows have invalid values") != std::string::npos);

  api::LoadOptions keep;
  keep.drop_invalid_rows = true;
  const api::Survey s = api::load_survey(csv, keep);
  CHECK(s.rows_rejected == 1);
  REQUIRE(s.rejected.size() == 1);
  CHECK(s.rejected[0].line == 2);
  CHECK(s.data.rows() == 809);
}

TEST_CASE("facade: tabulate and render as the commands do", "[api]") {
  const api::Survey s = api::load_survey(kSample);
  api::TabulateOptions t;
  t.domains = "all,broad";
  t.by = "sex";
  const auto dists = api::tabulate(s, {"問20", "問21"}, t);
  REQUIRE(dists.size() == 2);
  CHECK(dists[0].variable == "問20");
  CHECK(!dists[0].multi);
  CHECK(dists[1].multi);
  std::size_t all_base = 0;
  for (const auto& b : dists[0].blocks)
    if (b.domain == tabulate::Domain::All && b.sex == "all") all_base = b.base;
  CHECK(all_base == s.data.rows());
  const std::string csv = api::render_tabulation(s, dists, api::ReportOptions{api::Format::Csv, Lang::En, {}, {}, ""});
  CHECK(csv.rfind("variable,", 0) == 0);
  CHECK(testutil::problem_of([&] { api::tabulate(s, {"回答者ID"}); }).code == ErrorCode::UsageInvalidOption); // ids never

  const classify::Classification cls = api::classify(s);
  const auto r = api::estimate_prevalence(s, cls);
  const std::string text = api::render_prevalence(s, cls, r, api::ReportOptions{api::Format::Text, Lang::En, {}, {}, ""});
  CHECK(text.find("3,239") != std::string::npos);
}

TEST_CASE("facade: totals and means honour the questionnaires' reporting ranges as the prevalence does", "[api][forms]") {
  // The CAO 2022 layout: two questionnaires, reporting ranges 15-39 and 40-64; the 65-69 of the 40-69 form count nowhere.
  const api::Survey s = api::load_survey(kSampleDir + "cao2022_layout.csv");
  REQUIRE(!s.codebook().forms.empty());
  const estimate::PrevalenceResult p = api::estimate_prevalence(s);
  const estimate::PrevalenceCell& h = api::headline(p);
  REQUIRE(p.outside_forms > 0);

  const estimate::StatisticResult t = api::statistic(s, api::StatisticOptions{});
  REQUIRE(!t.rows.empty());
  CHECK(t.rows[0].meaning == "weighted_total");
  CHECK(t.rows[0].cases == h.cases); // 広義 in the ranges only, not the 65-69
  CHECK(t.rows[0].est.n == h.est.n);
  CHECK(t.outside_forms == p.outside_forms);
  CHECK(!t.forms_note.ja.empty());

  api::StatisticOptions mean;
  mean.stat = "mean";
  mean.variable = "年齢";
  mean.by = {"調査票"};
  mean.where = "性別 = 2";
  const estimate::StatisticResult m = api::statistic(s, mean);
  // By hand: women of each questionnaire whose age lies in its reporting range (row order sums).
  const data::Column* form = s.data.column(codebook::Role::Form);
  const data::Column* age = s.data.column(codebook::Role::Age);
  const data::Column* sex = s.data.column(codebook::Role::Sex);
  REQUIRE((form && age && sex));
  std::size_t n[2] = {0, 0};
  double sum[2] = {0, 0};
  for (std::size_t r = 0; r < s.data.rows(); ++r) {
    const auto f = form->ints[r], a = age->ints[r];
    if (sex->ints[r] != 2 || a == data::kMissing) continue;
    const bool in = (f == 1 && a >= 15 && a <= 39) || (f == 2 && a >= 40 && a <= 64);
    if (!in) continue;
    ++n[f - 1];
    sum[f - 1] += static_cast<double>(a);
  }
  REQUIRE(m.rows.size() == 3);
  CHECK(m.rows[0].est.n == n[0] + n[1]);
  for (int f = 0; f < 2; ++f) {
    CHECK(m.rows[1 + f].est.n == n[f]);
    CHECK(m.rows[1 + f].est.value == Approx(sum[f] / static_cast<double>(n[f])).epsilon(1e-12));
  }
  CHECK(m.outside_forms > 0);
}
