// tests/unit/golden_csv.hpp — reading the golden CSV files that r/*.R scripts write (plain CSV, no quoting,
// numbers with 17 significant digits) and the survey input files of tests/golden/design/, comparing an
// estimate with R's, and code_of(). Header-only, shared by the unit tests that compare hkstat with R
// (test_design, test_weighted_mean, test_ci, test_weighting, test_replicates, test_rao_scott; test_compare
// reads quoted CLI output and keeps its own RFC 4180 reader).
#pragma once

#include "hkstat/core/error.hpp"
#include "hkstat/estimate/survey_estimators.hpp"

#include <catch2/catch.hpp>

#include <Eigen/Dense>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace golden {

using Row = std::map<std::string, std::string>;

inline std::vector<Row> read_csv(const std::string& path) {
  std::ifstream in(path);
  INFO("reading " << path);
  REQUIRE(in.good());
  std::vector<Row> rows;
  std::vector<std::string> header;
  std::string line;
  while (std::getline(in, line)) {
    if (header.empty() && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3); // UTF-8 BOM
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    std::vector<std::string> fields;
    std::stringstream ss(line);
    std::string f;
    while (std::getline(ss, f, ',')) fields.push_back(f);
    if (line.back() == ',') fields.emplace_back(); // empty last field
    if (header.empty()) {
      header = fields;
      continue;
    }
    REQUIRE(fields.size() == header.size());
    Row row;
    for (std::size_t i = 0; i < fields.size(); ++i) row[header[i]] = fields[i];
    rows.push_back(std::move(row));
  }
  REQUIRE(!rows.empty());
  return rows;
}

inline double num(const std::string& s) {
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  INFO("number '" << s << "'");
  REQUIRE(end == s.c_str() + s.size());
  return v;
}

// results.csv of an R golden script: case,call,kind,i,j,value,note.
struct Results {
  std::map<std::string, std::string> values, notes;
  explicit Results(const std::string& path) {
    for (const Row& r : read_csv(path)) {
      const std::string k = key(r.at("case"), r.at("call"), r.at("kind"), r.at("i"), r.at("j"));
      values[k] = r.at("value");
      notes[k] = r.at("note");
    }
  }
  static std::string key(const std::string& c, const std::string& call, const std::string& kind, const std::string& i,
                         const std::string& j) {
    return c + "|" + call + "|" + kind + "|" + i + "|" + j;
  }
  bool has(const std::string& c, const std::string& call, const std::string& kind, int i = 0, int j = 0) const {
    return values.count(key(c, call, kind, std::to_string(i), std::to_string(j))) != 0;
  }
  double get(const std::string& c, const std::string& call, const std::string& kind, int i = 0, int j = 0) const {
    const std::string k = key(c, call, kind, std::to_string(i), std::to_string(j));
    INFO("golden key " << k);
    REQUIRE(values.count(k) == 1);
    return num(values.at(k));
  }
  std::string note(const std::string& c, const std::string& call, const std::string& kind) const {
    const std::string k = key(c, call, kind, "0", "0");
    INFO("golden key " << k);
    REQUIRE(notes.count(k) == 1);
    return notes.at(k);
  }
};

// The survey input files of r/design_golden.R: id, stratum, psu, w, fpc, yb, yc, x, dom, dom2.
struct Survey {
  std::vector<std::int64_t> stratum, psu;
  std::vector<double> w, fpc, yb, yc, x, dom, dom2;
  std::size_t size() const { return w.size(); }
  static Eigen::VectorXd col(const std::vector<double>& v) {
    return Eigen::Map<const Eigen::VectorXd>(v.data(), static_cast<Eigen::Index>(v.size()));
  }
  Eigen::MatrixXd y2() const {
    Eigen::MatrixXd m(static_cast<Eigen::Index>(size()), 2);
    m.col(0) = col(yb);
    m.col(1) = col(yc);
    return m;
  }
  // Indicator columns of v == levels[j].
  Eigen::MatrixXd indicators(const std::vector<double>& v, const std::vector<double>& levels) const {
    Eigen::MatrixXd m(static_cast<Eigen::Index>(size()), static_cast<Eigen::Index>(levels.size()));
    for (std::size_t i = 0; i < size(); ++i)
      for (std::size_t j = 0; j < levels.size(); ++j)
        m(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = v[i] == levels[j] ? 1.0 : 0.0;
    return m;
  }
};

// keep(row number from 0, row) selects rows; default all.
inline Survey load_survey(const std::string& path, const std::function<bool(std::size_t, const Row&)>& keep = {}) {
  Survey d;
  std::size_t i = 0;
  for (const Row& r : read_csv(path)) {
    if (keep && !keep(i++, r)) continue;
    d.stratum.push_back(static_cast<std::int64_t>(num(r.at("stratum"))));
    d.psu.push_back(static_cast<std::int64_t>(num(r.at("psu"))));
    d.w.push_back(num(r.at("w")));
    d.fpc.push_back(num(r.at("fpc")));
    d.yb.push_back(num(r.at("yb")));
    d.yc.push_back(num(r.at("yc")));
    d.x.push_back(num(r.at("x")));
    d.dom.push_back(num(r.at("dom")));
    d.dom2.push_back(num(r.at("dom2")));
  }
  return d;
}

// est, se and the full vcov of an R svystat/svyby against an hkstat estimate (statistics in the same order).
// Relative tolerance `rel` for estimates, SEs and covariances; an off-diagonal covariance near 0 through
// cancellation is compared on the correlation scale instead (|ΔV_ij| <= abs_corr sqrt(V_ii V_jj)).
inline void check_stat(const Results& g, const hkstat::estimate::SurveyEstimate& e, const std::string& c,
                       const std::string& call, double rel, double abs_corr) {
  INFO(c << " " << call);
  const Eigen::VectorXd se = e.se();
  for (Eigen::Index i = 0; i < e.value.size(); ++i) {
    const int ii = static_cast<int>(i) + 1;
    CHECK_THAT(e.value(i), Catch::Matchers::WithinRel(g.get(c, call, "est", ii), rel));
    CHECK_THAT(se(i), Catch::Matchers::WithinRel(g.get(c, call, "se", ii), rel));
    for (Eigen::Index j = 0; j < e.value.size(); ++j) {
      const double r = g.get(c, call, "vcov", ii, static_cast<int>(j) + 1);
      const double scale = std::sqrt(std::abs(e.vcov(i, i) * e.vcov(j, j)));
      const double diff = std::abs(e.vcov(i, j) - r);
      INFO("vcov(" << i << "," << j << ") hkstat " << e.vcov(i, j) << " R " << r);
      CHECK((diff <= rel * std::abs(r) || diff <= abs_corr * scale));
    }
  }
}

// The code of the hkstat::Error that f() throws (fails the test if it throws none).
template <class F> hkstat::ErrorCode code_of(F&& f) {
  try {
    f();
  } catch (const hkstat::Error& e) {
    return e.code();
  }
  FAIL("no hkstat::Error thrown");
  return hkstat::ErrorCode::Internal;
}

} // namespace golden
