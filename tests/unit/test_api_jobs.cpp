// The facade's remaining jobs (issue 17) against the real hkstat binary (HKSTAT_CLI): calibration and replicates
// created from the design in estimate and tabulate, totals / means / ratios (api::statistic) and the report folder
// (api::report) give the command's numbers and bytes for the same options. Both run from the source directory on
// the same relative paths, so that the paths they print agree.
#include "hkstat/hkstat.hpp"

#include "test_util.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <sys/wait.h>

using namespace hkstat;
namespace fs = std::filesystem;

namespace {

const char* const kSample = "data/samples/nishitokyo2024.csv";
const char* const kDesign = "tests/data/design/design_survey.csv";

void in_source() { fs::current_path(HKSTAT_SOURCE_DIR); }

// The command's standard output; it must succeed.
std::string cli(const std::string& args) {
  in_source();
  const std::string cmd = std::string("env -u SOURCE_DATE_EPOCH '") + HKSTAT_CLI + "' " + args + " 2>/dev/null";
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  const int status = ::pclose(p);
  INFO(args);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  return out;
}

api::Survey load(const std::string& path, const std::string& codebook = "", const std::string& config = "", bool no_config = false) {
  in_source();
  api::LoadOptions o;
  o.codebook = codebook;
  o.config = config;
  o.no_config = no_config;
  o.required_roles.clear();
  return api::load_survey(path, o);
}

api::ReportOptions as(api::Format f, Lang lang = Lang::Ja) { return api::ReportOptions{f, lang, {}, {}, ""}; }

// Every file under `dir`, relative path → bytes.
std::map<std::string, std::string> files_under(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) out[fs::relative(e.path(), dir).generic_string()] = testutil::slurp(e.path().string());
  return out;
}

} // namespace

TEST_CASE("facade: calibrate gives hkstat estimate --calibrate's numbers and text", "[api]") {
  const api::Survey s = load(kSample);
  api::EstimateOptions cal;
  cal.calibrate = true;
  CHECK(api::render_estimate(s, cal) == cli(std::string("estimate ") + kSample + " --calibrate"));
  // The facade reads the data whole (the row path); the command reads the file twice and sums the calibration
  // residuals per combination (a household roster too): the same numbers to 1e-12 (test_calibrated_stream), so the
  // full-precision CSV is compared to that.
  testutil::csv_near(api::render_estimate(s, cal, as(api::Format::Csv)), cli(std::string("estimate ") + kSample + " --calibrate --format csv"),
                     "estimate --calibrate --format csv");
  CHECK(api::render_estimate(s, cal, as(api::Format::Markdown, Lang::En)) ==
        cli(std::string("estimate ") + kSample + " --calibrate --format markdown --lang en"));
  // The committed golden of the same command.
  CHECK(api::render_estimate(s, cal) == testutil::slurp(std::string(HKSTAT_SOURCE_DIR) + "/tests/cli/cases/nishitokyo_estimate_calibrated/stdout"));

  const estimate::PrevalenceResult r = api::estimate_prevalence(s, cal);
  const estimate::PrevalenceResult plain = api::estimate_prevalence(s);
  CHECK(r.calibrated);
  CHECK(!plain.calibrated);
  CHECK(!r.weighting.en.empty());
  CHECK(api::headline(r).est.value != api::headline(plain).est.value); // weighted: not the plain share
  // Without the calibration the text is the plain estimate's.
  CHECK(api::render_estimate(s) == cli(std::string("estimate ") + kSample));
}

TEST_CASE("facade: replicates created from the design give hkstat estimate --replicates's numbers", "[api]") {
  const api::Survey s = load(kSample);
  api::EstimateOptions boot;
  boot.replicates = "bootstrap";
  boot.replicates_n = 30;
  boot.seed = 7;
  const std::string flags = std::string("estimate ") + kSample + " --replicates bootstrap --replicates-n 30 --seed 7";
  CHECK(api::render_estimate(s, boot, as(api::Format::Csv)) == cli(flags + " --format csv"));
  CHECK(api::render_estimate(s, boot) == cli(flags));
  const estimate::PrevalenceResult r = api::estimate_prevalence(s, boot);
  CHECK(r.replicate);
  CHECK(api::headline(r).est.se != api::headline(api::estimate_prevalence(s)).est.se);
  boot.seed = 8; // another seed, other replicates
  CHECK(api::headline(api::estimate_prevalence(s, boot)).est.se != api::headline(r).est.se);

  // A stratified clustered design: JKn, and the tabulation with the same replicates.
  const api::Survey d = load(kDesign, "tests/data/design/calib.codebook.toml");
  api::EstimateOptions jkn;
  jkn.replicates = "jkn";
  jkn.rules = "tests/data/weighted/core_only.toml";
  const std::string dflags = std::string(" ") + kDesign + " --codebook tests/data/design/calib.codebook.toml --rules tests/data/weighted/core_only.toml";
  CHECK(api::render_estimate(d, jkn, as(api::Format::Csv)) == cli("estimate" + dflags + " --replicates jkn --format csv"));
  api::TabulateOptions t;
  t.domains = "all,broad";
  t.rules = jkn.rules;
  t.replicates = "jkn";
  CHECK(api::render_tabulate(d, {"outing", "sex"}, t, as(api::Format::Csv)) ==
        cli("tabulate" + dflags + " --var outing,sex --domain all,broad --replicates jkn --format csv"));
  CHECK(api::render_tabulate(d, {"outing"}, t) == cli("tabulate" + dflags + " --var outing --domain all,broad --replicates jkn"));
}

TEST_CASE("facade: calibrate in tabulate gives hkstat tabulate --calibrate's table", "[api]") {
  const api::Survey d = load(kDesign, "", "tests/data/design/calib_rake.hkstat.toml");
  api::TabulateOptions t;
  t.domains = "all,broad";
  t.rules = "tests/data/weighted/core_only.toml";
  t.calibrate = true;
  const std::string flags = std::string("tabulate ") + kDesign +
                            " --config tests/data/design/calib_rake.hkstat.toml --calibrate --rules tests/data/weighted/core_only.toml --var outing,sex --domain all,broad";
  CHECK(api::render_tabulate(d, {"outing", "sex"}, t) == cli(flags));
  // The facade reads the data whole (the row path); the command reads a file, or standard input through its copy, twice
  // and sums the calibration residuals per combination (the same numbers to 1e-12: test_calibrated_tabulate_stream), so
  // the full-precision CSV is compared to that, from standard input.
  const std::string piped = "tabulate - --config tests/data/design/calib_rake.hkstat.toml --calibrate --rules tests/data/weighted/core_only.toml "
                            "--var outing,sex --domain all,broad --format csv < " + std::string(kDesign);
  testutil::csv_near(api::render_tabulate(d, {"outing", "sex"}, t, as(api::Format::Csv)), cli(piped), "tabulate --calibrate --format csv");
  CHECK(api::render_tabulate(d, {"outing", "sex"}, t) == testutil::slurp(std::string(HKSTAT_SOURCE_DIR) + "/tests/cli/cases/design_tabulate_calibrated/stdout"));
  const auto dists = api::tabulate(d, {"outing"}, t);
  REQUIRE(dists.size() == 1);
  CHECK(dists[0].weighted);
}

TEST_CASE("facade: the variance options' errors speak the library's terms", "[api]") {
  const api::Survey s = load(kSample);
  api::EstimateOptions both;
  both.replicates = "jkn";
  both.calibrate = true;
  const Problem p = testutil::problem_of([&] { api::estimate_prevalence(s, both); });
  CHECK(p.code == ErrorCode::UsageInvalidOption);
  api::EstimateOptions unknown;
  unknown.replicates = "jackknife";
  const Problem q = testutil::problem_of([&] { api::estimate_prevalence(s, unknown); });
  CHECK(q.code == ErrorCode::UsageInvalidOption);
  CHECK(q.value == "jackknife");
  CHECK(format_problem(q, Lang::En).find("replicates must be jk1") != std::string::npos);
  CHECK(format_problem(q, Lang::En).find("--") == std::string::npos); // no flag
  api::EstimateOptions many;
  many.replicates = "bootstrap";
  many.replicates_n = 1;
  CHECK(testutil::problem_of([&] { api::estimate_prevalence(s, many); }).value == "1");
  // Calibration needs the run configuration's [weighting].
  const api::Survey bare = load(kSample, "", "", true);
  api::EstimateOptions cal;
  cal.calibrate = true;
  const Problem c = testutil::problem_of([&] { api::estimate_prevalence(bare, cal); });
  CHECK(c.code == ErrorCode::UsageInvalidOption);
  CHECK(format_problem(c, Lang::En).find("calibrate needs a [weighting] section") != std::string::npos);
  CHECK(format_problem(c, Lang::En, OptionStyle::Flag).find("--calibrate needs") != std::string::npos);
  api::TabulateOptions tc;
  tc.calibrate = true;
  CHECK(testutil::problem_of([&] { api::tabulate(bare, {"問20"}, tc); }).code == ErrorCode::UsageInvalidOption);
}

TEST_CASE("facade: statistic gives hkstat estimate --stat's rows", "[api]") {
  const std::string labels = " --codebook tests/data/design/labels.codebook.toml";
  const api::Survey d = load("tests/data/design/design_labels.csv", "tests/data/design/labels.codebook.toml");
  api::StatisticOptions ratio;
  ratio.stat = "ratio";
  ratio.variable = "visits";
  ratio.denominator = "hh";
  ratio.by = {"district"};
  const estimate::StatisticResult rr = api::statistic(d, ratio);
  CHECK(api::render_statistic(d, rr, as(api::Format::Csv)) ==
        cli("estimate tests/data/design/design_labels.csv" + labels + " --stat ratio --var visits --denominator hh --by district --format csv"));
  REQUIRE(!rr.rows.empty());
  CHECK(rr.kind == estimate::StatKind::Ratio);
  CHECK(rr.rows.front().by == "all");
  CHECK(rr.rows.front().est.se > 0);

  api::StatisticOptions total;
  total.variable = "outing";
  total.by = {"district"};
  total.rules = "tests/data/weighted/core_only.toml";
  total.population = 100000;
  api::ReportOptions text = as(api::Format::Text);
  text.min_cell = 3;
  CHECK(api::render_statistic(d, api::statistic(d, total), text) == cli("estimate tests/data/design/design_labels.csv" + labels +
                                                                         " --rules tests/data/weighted/core_only.toml --stat total --var outing --by district "
                                                                         "--min-cell 3 --population 100000"));
  api::StatisticOptions mean;
  mean.stat = "mean";
  mean.variable = "visits";
  mean.replicates = "jkn";
  mean.where = "district == 1";
  CHECK(api::render_statistic(d, api::statistic(d, mean), as(api::Format::Csv)) ==
        cli("estimate tests/data/design/design_labels.csv" + labels + " --stat mean --var visits --replicates jkn --where 'district == 1' --format csv"));

  // The persons of 広義 with their SE, from the sample's run configuration (population, rule-set).
  const api::Survey s = load(kSample);
  const estimate::StatisticResult persons = api::statistic(s, api::StatisticOptions{});
  CHECK(api::render_statistic(s, persons, as(api::Format::Csv)) == cli(std::string("estimate ") + kSample + " --stat total --format csv"));
  REQUIRE(persons.rows.size() == 2);
  CHECK(persons.rows[0].meaning == "weighted_total");
  CHECK(persons.rows[1].meaning == "rate_x_population");
  CHECK(std::llround(persons.rows[1].est.value) == std::llround(*api::headline(api::estimate_prevalence(s, [] {
                                                                      api::EstimateOptions o;
                                                                      o.numerator = "respondents";
                                                                      return o;
                                                                    }())).persons));

  api::StatisticOptions bad;
  bad.stat = "median";
  const Problem p = testutil::problem_of([&] { api::statistic(d, bad); });
  CHECK(p.code == ErrorCode::UsageInvalidOption);
  CHECK(format_problem(p, Lang::En).find("stat must be total, mean or ratio") != std::string::npos);
  api::StatisticOptions no_var;
  no_var.stat = "mean";
  CHECK(testutil::problem_of([&] { api::statistic(d, no_var); }).code == ErrorCode::UsageInvalidOption);
}

TEST_CASE("facade: report writes hkstat report's folder, byte for byte", "[api]") {
  testutil::TempDir t;
  const api::Survey s = load(kSample);
  struct Case {
    std::string flags;
    api::ReportFolderOptions options;
  };
  std::vector<Case> cases;
  {
    api::ReportFolderOptions o;
    o.timestamp = "2025-03-01";
    cases.push_back({"--timestamp 2025-03-01", o});
    o.estimate.calibrate = true;
    cases.push_back({"--timestamp 2025-03-01 --calibrate", o});
    o.estimate.calibrate = false;
    o.estimate.replicates = "bootstrap";
    o.estimate.replicates_n = 30;
    o.estimate.seed = 7;
    o.lang = Lang::En;
    o.bom = false;
    cases.push_back({"--timestamp 2025-03-01 --replicates bootstrap --replicates-n 30 --seed 7 --lang en --no-bom", o});
    api::ReportFolderOptions b;
    b.estimate.by = {"問1"};
    b.estimate.population = 50000;
    b.estimate.population_source = "--population"; // how the report names where the population came from
    b.min_cell = 3;
    cases.push_back({"--by 問1 --population 50000 --min-cell 3", b});
    api::ReportFolderOptions w;
    w.estimate.where = "問2 >= 40";
    w.estimate.numerator = "respondents";
    w.estimate.age_groups = std::vector<std::string>{"40-64"};
    w.persons_unit = "man";
    cases.push_back({"--where '問2 >= 40' --numerator respondents --age-groups 40-64 --persons-unit man", w});
  }
  for (std::size_t k = 0; k < cases.size(); ++k) {
    INFO(cases[k].flags);
    const fs::path mine = t.dir / ("facade" + std::to_string(k)) / "out", theirs = t.dir / ("cli" + std::to_string(k)) / "out";
    fs::create_directories(mine.parent_path());
    fs::create_directories(theirs.parent_path());
    cases[k].options.out_dir = mine.string();
    in_source();
    const api::ReportFolder f = api::report(s, cases[k].options);
    cli(std::string("report ") + kSample + " --out-dir " + theirs.string() + " " + cases[k].flags);
    const auto a = files_under(mine), b = files_under(theirs);
    REQUIRE(a.size() == b.size());
    // Calibrated: the command streams (the numbers to 1e-12, above): the text byte for byte, the CSVs near, the
    // workbook (the CSVs' numbers) not compared.
    const bool calibrated = cases[k].options.estimate.calibrate;
    for (const auto& [name, bytes] : b) {
      INFO(name);
      REQUIRE(a.count(name) == 1);
      if (calibrated && name.ends_with(".csv")) testutil::csv_near(a.at(name), bytes, name);
      else if (!calibrated || !name.ends_with(".xlsx")) CHECK(a.at(name) == bytes);
    }
    CHECK(f.dir == mine.string());
    CHECK(f.files.size() == a.size());
    CHECK(std::find(f.files.begin(), f.files.end(), "report.md") != f.files.end());
  }
  // The golden folder of `hkstat report ... --calibrate --timestamp 2025-03-01`.
  const std::string golden = std::string(HKSTAT_SOURCE_DIR) + "/tests/cli/cases/report_calibrate/files/out/";
  CHECK(testutil::slurp((t.dir / "facade1/out/report.md").string()) == testutil::slurp(golden + "report.md"));
  testutil::csv_near(testutil::slurp((t.dir / "facade1/out/tables/sex.csv").string()), testutil::slurp(golden + "tables/sex.csv"), "sex.csv");

  // A long household roster under calibration (the data read whole): a respondent of weight 0 (H4, no sex, unmatched
  // = "drop") reports a member, whose respondent is a valid row — the members are those of every valid row, as
  // estimate reads them (estimate::apply_members), not "not among the valid respondents": report.md is the command's
  // byte for byte, the prevalence table to 1e-12. (Not the sex table: sex is the calibration margin, whose SE is
  // rounding noise — exactly 0 in the command's stream, ~1e-17 here — so the interval method differs.)
  {
    const std::string roster = "tests/data/roster_calib/household_long";
    const api::Survey rs = load(roster + ".csv", roster + ".codebook.toml", roster + ".hkstat.toml");
    api::ReportFolderOptions o;
    o.timestamp = "2025-03-01";
    o.estimate.calibrate = true;
    o.estimate.rules = "cao2022-scz-physical";
    o.estimate.population = 1000;
    o.estimate.population_source = "--population";
    o.min_cell = 0;
    o.out_dir = (t.dir / "roster_facade" / "out").string();
    fs::create_directories(t.dir / "roster_facade");
    fs::create_directories(t.dir / "roster_cli");
    api::report(rs, o);
    cli("report " + roster + ".csv --codebook " + roster + ".codebook.toml --config " + roster +
        ".hkstat.toml --rules cao2022-scz-physical --population 1000 --min-cell 0 --calibrate --timestamp 2025-03-01 --out-dir " +
        (t.dir / "roster_cli" / "out").string());
    const auto a = files_under(t.dir / "roster_facade" / "out"), b = files_under(t.dir / "roster_cli" / "out");
    REQUIRE(a.size() == b.size());
    REQUIRE(a.count("report.md") == 1);
    CHECK(a.at("report.md") == b.at("report.md"));
    CHECK(a.at("report.md").find("同居家族 7人") != std::string::npos); // H4's member counted
    testutil::csv_near(a.at("tables/prevalence.csv"), b.at("tables/prevalence.csv"), "prevalence.csv");
  }

  // An existing folder is replaced only when asked.
  api::ReportFolderOptions again = cases[0].options;
  const Problem p = testutil::problem_of([&] { api::report(s, again); });
  CHECK(p.code == ErrorCode::IoCannotWrite);
  CHECK(format_problem(p, Lang::En).find("replace") != std::string::npos);
  again.replace = true;
  again.estimate.population = 1000;
  api::report(s, again);
  CHECK(testutil::slurp(again.out_dir + "/report.md") != testutil::slurp((t.dir / "cli0/out/report.md").string()));
  // A folder that holds other files is never replaced.
  const fs::path other = t.dir / "other";
  fs::create_directories(other);
  std::ofstream((other / "notes.txt").string()) << "mine";
  again.out_dir = other.string();
  CHECK(testutil::problem_of([&] { api::report(s, again); }).code == ErrorCode::IoCannotWrite);
  CHECK(testutil::slurp((other / "notes.txt").string()) == "mine");
}
