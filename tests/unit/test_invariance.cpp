// Invariance properties of the design-based estimators (issue: "scaling all weights leaves rates
// unchanged and scales totals; permuting rows changes nothing; domain totals add up to the total").
// Two levels: the estimators on a random stratified cluster design, and the whole prevalence path
// (ingest → classify → estimate) on tests/data/design/design_survey.csv rewritten permuted / rescaled.
// Tolerances: 1e-12 relative (floating-point summation order is the only difference).
#include "hkstat/classify/classify.hpp"
#include "hkstat/classify/ruleset.hpp"
#include "hkstat/codebook/codebook.hpp"
#include "hkstat/estimate/prevalence.hpp"
#include "hkstat/estimate/survey_estimators.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <random>
#include <sstream>

#include <unistd.h>

using namespace hkstat;
using namespace hkstat::estimate;
using Catch::Matchers::WithinRel;

namespace {

struct Sample {
  Design design;
  Eigen::VectorXd y;
  Eigen::MatrixXd domains; // 3 disjoint domains covering every row
};

Sample random_sample(unsigned seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  Sample s;
  std::vector<double> y;
  std::vector<int> dom;
  for (int h = 1; h <= 6; ++h)
    for (int j = 1; j <= 2 + h % 3; ++j)
      for (int i = 0; i < 8 + (h * j) % 5; ++i) {
        s.design.strata.push_back(h);
        s.design.psu.push_back(j); // nested labels: repeat across strata
        s.design.fpc.push_back(10.0 + h);
        s.design.weights.push_back(1.0 + 9.0 * u(rng));
        y.push_back(u(rng) < 0.2 ? 1.0 : 0.0);
        dom.push_back(static_cast<int>(u(rng) * 3));
      }
  const auto n = static_cast<Eigen::Index>(y.size());
  s.y = Eigen::Map<Eigen::VectorXd>(y.data(), n);
  s.domains = Eigen::MatrixXd::Zero(n, 3);
  for (Eigen::Index r = 0; r < n; ++r) s.domains(r, dom[static_cast<std::size_t>(r)]) = 1;
  return s;
}

Sample permuted(const Sample& s, unsigned seed) {
  const auto n = static_cast<std::size_t>(s.y.size());
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), std::mt19937_64(seed));
  Sample p = s;
  for (std::size_t r = 0; r < n; ++r) {
    const std::size_t from = order[r];
    p.design.strata[r] = s.design.strata[from];
    p.design.psu[r] = s.design.psu[from];
    p.design.fpc[r] = s.design.fpc[from];
    p.design.weights[r] = s.design.weights[from];
    p.y(static_cast<Eigen::Index>(r)) = s.y(static_cast<Eigen::Index>(from));
    p.domains.row(static_cast<Eigen::Index>(r)) = s.domains.row(static_cast<Eigen::Index>(from));
  }
  return p;
}

void check_same(const SurveyEstimate& a, const SurveyEstimate& b, double value_factor = 1, double se_factor = 1) {
  REQUIRE(a.value.size() == b.value.size());
  for (Eigen::Index k = 0; k < a.value.size(); ++k) {
    CHECK_THAT(b.value(k), WithinRel(value_factor * a.value(k), 1e-12));
    CHECK_THAT(b.se()(k), WithinRel(se_factor * a.se()(k), 1e-12));
  }
}

} // namespace

TEST_CASE("scaling every weight leaves means unchanged and scales totals", "[invariance]") {
  const Sample s = random_sample(1);
  Sample scaled = s;
  for (double& w : scaled.design.weights) w *= 37.5;
  check_same(svy_mean(s.design, s.y), svy_mean(scaled.design, scaled.y));
  check_same(svy_mean_by(s.design, s.y, s.domains), svy_mean_by(scaled.design, scaled.y, scaled.domains));
  check_same(svy_total(s.design, s.y), svy_total(scaled.design, scaled.y), 37.5, 37.5);
  check_same(svy_total_by(s.design, s.y, s.domains), svy_total_by(scaled.design, scaled.y, scaled.domains), 37.5, 37.5);
}

TEST_CASE("permuting rows changes nothing", "[invariance]") {
  const Sample s = random_sample(2);
  const Sample p = permuted(s, 99);
  check_same(svy_mean(s.design, s.y), svy_mean(p.design, p.y));
  check_same(svy_total(s.design, s.y), svy_total(p.design, p.y));
  const auto a = svy_mean_by(s.design, s.y, s.domains), b = svy_mean_by(p.design, p.y, p.domains);
  check_same(a, b);
  CHECK(((a.vcov - b.vcov).cwiseAbs().maxCoeff()) <= 1e-12 * a.vcov.cwiseAbs().maxCoeff());
}

TEST_CASE("domain totals add up to the total, with their covariances", "[invariance]") {
  const Sample s = random_sample(3);
  const auto total = svy_total(s.design, s.y);
  const auto by = svy_total_by(s.design, s.y, s.domains);
  CHECK_THAT(by.value.sum(), WithinRel(total.value(0), 1e-12));
  // Var(Σ_d T_d) = 1' V 1: the covariances between domains are what makes this hold.
  CHECK_THAT(by.vcov.sum(), WithinRel(total.vcov(0, 0), 1e-12));
  // Without the covariances the variance would be wrong: the check above can fail.
  CHECK(std::abs(by.vcov.diagonal().sum() - total.vcov(0, 0)) > 1e-6 * total.vcov(0, 0));
}

namespace {

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

PrevalenceResult estimate_file(const std::string& csv) {
  const auto cb = codebook::load_codebook(HKSTAT_SOURCE_DIR "/tests/data/design/full.codebook.toml");
  const auto ingest = data::ingest(csv, cb, {});
  REQUIRE(ingest.rejected.empty());
  const auto rs = classify::resolve_ruleset(HKSTAT_SOURCE_DIR "/tests/data/weighted/core_only.toml");
  const auto cls = classify::classify(ingest.data, rs);
  PrevalenceOptions opt;
  opt.groups = {parse_age_group("15-39"), parse_age_group("40-64")};
  return estimate_prevalence(ingest.data, cls, opt);
}

void check_same_prevalence(const PrevalenceResult& a, const PrevalenceResult& b) {
  REQUIRE(a.cells.size() == b.cells.size());
  for (std::size_t i = 0; i < a.cells.size(); ++i) {
    CHECK(a.cells[i].cases == b.cells[i].cases);
    CHECK_THAT(b.cells[i].est.value, WithinRel(a.cells[i].est.value, 1e-12));
    CHECK_THAT(b.cells[i].est.se, WithinRel(a.cells[i].est.se, 1e-12));
    CHECK_THAT(b.cells[i].est.interval->lower, WithinRel(a.cells[i].est.interval->lower, 1e-10));
    CHECK_THAT(b.cells[i].est.interval->upper, WithinRel(a.cells[i].est.interval->upper, 1e-10));
    CHECK(b.cells[i].est.df == a.cells[i].est.df);
  }
}

} // namespace

TEST_CASE("the prevalence path: permuted rows and rescaled weights give the same rates", "[invariance]") {
  const std::string src = HKSTAT_SOURCE_DIR "/tests/data/design/design_survey.csv";
  const auto base = estimate_file(src);
  auto lines = read_lines(src);
  const std::string header = lines.front();
  lines.erase(lines.begin());
  const auto dir = std::filesystem::temp_directory_path() / ("hkstat-invariance-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);

  std::shuffle(lines.begin(), lines.end(), std::mt19937_64(7));
  {
    std::ofstream out(dir / "permuted.csv");
    out << header << "\n";
    for (const auto& l : lines) out << l << "\n";
  }
  check_same_prevalence(base, estimate_file((dir / "permuted.csv").string()));

  // w is the last column: multiply it by 1000.
  {
    std::ofstream out(dir / "scaled.csv");
    out << header << "\n";
    for (const auto& l : lines) {
      const auto comma = l.rfind(',');
      std::ostringstream w;
      w.precision(17);
      w << std::stod(l.substr(comma + 1)) * 1000;
      out << l.substr(0, comma + 1) << w.str() << "\n";
    }
  }
  check_same_prevalence(base, estimate_file((dir / "scaled.csv").string()));
  std::filesystem::remove_all(dir);
}
