// Text stratum and PSU labels (docs/codebook.md "Design columns") and totals, means and ratios from the single pass
// (estimate/statistics.hpp) against the row-level R-shaped estimators (svy_total, svy_mean, svy_ratio).
#include "hkstat/codebook/codebook.hpp"
#include "hkstat/data/dataset.hpp"
#include "hkstat/estimate/design_from_data.hpp"
#include "hkstat/estimate/psu_index.hpp"
#include "hkstat/estimate/statistics.hpp"
#include "hkstat/estimate/survey_estimators.hpp"

#include "test_util.hpp"

#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>
#include <sstream>

using namespace hkstat;

namespace {

const char* kCodebook = R"(
[codebook]
title = "labels"
age_min = 15
age_max = 64

[[variable]]
name = "id"
role = "id"
type = "id"

[[variable]]
name = "st"
role = "stratum"
type = "%s"

[[variable]]
name = "cl"
role = "psu"
type = "%s"

[[variable]]
name = "w"
role = "weight"
type = "number"

[[variable]]
name = "y"
type = "integer"

[[variable]]
name = "x"
type = "integer"

[[variable]]
name = "q"
type = "code"
codes = [ { code = 1, label = "a" }, { code = 2, label = "b" }, { code = 3, label = "c" } ]
)";

codebook::Codebook make_codebook(const char* type) {
  std::string text = kCodebook;
  for (int k = 0; k < 2; ++k) text.replace(text.find("%s"), 2, type);
  return codebook::parse_codebook(text, "labels.toml");
}

struct Rows {
  std::vector<int> st, cl, y, x, q;
  std::vector<double> w;
};

// A random stratified cluster sample: 5 strata, 2-4 PSUs each, 1-6 rows per PSU; y has missing answers.
Rows random_rows(std::uint32_t seed) {
  std::mt19937 g(seed);
  Rows r;
  for (int h = 1; h <= 5; ++h) {
    const int psus = 2 + static_cast<int>(g() % 3);
    for (int p = 1; p <= psus; ++p) {
      const int n = 1 + static_cast<int>(g() % 6);
      for (int i = 0; i < n; ++i) {
        r.st.push_back(h * 7);
        r.cl.push_back(p * 11);
        r.w.push_back(1 + static_cast<double>(g() % 400) / 10);
        r.y.push_back(g() % 9 == 0 ? -1 : static_cast<int>(g() % 13));
        r.x.push_back(1 + static_cast<int>(g() % 5));
        r.q.push_back(1 + static_cast<int>(g() % 3));
      }
    }
  }
  return r;
}

// The rows as CSV, stratum and PSU written by `label` (rows in the order of `order`).
std::string csv(const Rows& r, const std::function<std::string(int, int)>& stratum, const std::function<std::string(int, int)>& psu,
                const std::vector<std::size_t>& order) {
  std::ostringstream o;
  o << "id,st,cl,w,y,x,q\n";
  for (std::size_t k : order)
    o << k + 1 << ',' << stratum(r.st[k], r.cl[k]) << ',' << psu(r.st[k], r.cl[k]) << ',' << r.w[k] << ','
      << (r.y[k] < 0 ? std::string() : std::to_string(r.y[k])) << ',' << r.x[k] << ',' << r.q[k] << '\n';
  return o.str();
}

data::Dataset read(const std::string& name, const std::string& text, const codebook::Codebook& cb) {
  const std::string path = testutil::write_temp(name, text);
  data::IngestResult res = data::ingest(path, cb, data::IngestOptions{});
  REQUIRE(res.rejected.empty());
  return std::move(res.data);
}

std::vector<std::size_t> identity(std::size_t n) {
  std::vector<std::size_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = i;
  return v;
}

} // namespace

TEST_CASE("text stratum and PSU labels give the design of the same integer labels", "[labels]") {
  const Rows r = random_rows(7);
  const auto ints = [](int a, int) { return std::to_string(a); };
  const auto pints = [](int, int b) { return std::to_string(b); };
  const data::Dataset a = read("int.csv", csv(r, ints, pints, identity(r.w.size())), make_codebook("integer"));
  // R-style "7-1" strata, site codes "A011": their byte order differs from the numbers' order.
  const auto sl = [](int h, int) { return fmt::format("{}-1", 70 - h); };
  const auto pl = [](int h, int p) { return fmt::format("{}{:02}{}", static_cast<char>('A' + p % 3), p, h); };
  std::vector<std::size_t> rev = identity(r.w.size());
  std::reverse(rev.begin(), rev.end()); // row order must not matter either
  const data::Dataset b = read("text.csv", csv(r, sl, pl, rev), make_codebook("text"));
  REQUIRE(b.column(codebook::Role::Stratum)->labels);

  const estimate::DesignSpec da = estimate::design_from_dataset(a, estimate::LonelyPsu::Fail);
  const estimate::DesignSpec db = estimate::design_from_dataset(b, estimate::LonelyPsu::Fail);
  CHECK(da.summary.strata == db.summary.strata);
  CHECK(da.summary.psus == db.summary.psus);
  CHECK(da.summary.df == db.summary.df);
  // Ids are the labels' ranks in byte order; the labels come with them.
  REQUIRE(db.design.stratum_labels.size() == 5);
  CHECK(std::is_sorted(db.design.stratum_labels.begin(), db.design.stratum_labels.end()));
  CHECK(db.design.stratum_labels.front() == "35-1");

  Eigen::MatrixXd ya(static_cast<Eigen::Index>(r.w.size()), 1), yb(static_cast<Eigen::Index>(r.w.size()), 1);
  for (std::size_t i = 0; i < r.w.size(); ++i) {
    ya(static_cast<Eigen::Index>(i), 0) = r.x[i];
    yb(static_cast<Eigen::Index>(i), 0) = r.x[rev[i]];
  }
  const auto ta = estimate::svy_total(da.design, ya), tb = estimate::svy_total(db.design, yb);
  CHECK(tb.value(0) == Approx(ta.value(0)).epsilon(1e-12));
  CHECK(tb.se()(0) == Approx(ta.se()(0)).epsilon(1e-12));

  // The single pass (PsuIndex) puts strata in label order and names them by label.
  estimate::PsuIndex idx;
  idx.bind(b);
  for (std::size_t i = 0; i < b.rows(); ++i) idx.add(b, i);
  const auto can = idx.canonical(b.source);
  REQUIRE(can.layout.stratum_label.size() == 5);
  CHECK(std::is_sorted(can.layout.stratum_label.begin(), can.layout.stratum_label.end()));
  CHECK(can.layout.stratum_name(0) == "35-1");
}

TEST_CASE("a message about a stratum names its text label", "[labels]") {
  // Stratum "北-1" has one PSU: lonely PSU with the default policy fail.
  const std::string text = "id,st,cl,w,y,x,q\n1,北-1,A01,2,1,1,1\n2,北-1,A01,3,2,1,2\n3,南-2,B01,1,3,2,1\n4,南-2,B02,2,4,2,3\n";
  const data::Dataset ds = read("lonely.csv", text, make_codebook("text"));
  estimate::StatisticOptions so;
  so.variable = "x";
  const Problem p = testutil::problem_of([&] { estimate::estimate_statistic(ds, so); });
  CHECK(p.code == ErrorCode::EstimateNoData);
  CHECK(p.message.ja.find("北-1") != std::string::npos);
  CHECK(p.message.en.find("北-1") != std::string::npos);
}

TEST_CASE("an empty text label is a missing design cell", "[labels]") {
  const std::string text = "id,st,cl,w,y,x,q\n1,S1,A01,2,1,1,1\n2, ,A02,3,2,1,2\n";
  const std::string path = testutil::write_temp("empty_label.csv", text);
  const data::IngestResult res = data::ingest(path, make_codebook("text"), data::IngestOptions{});
  REQUIRE(res.rejected.size() == 1);
  CHECK(res.rejected[0].problems.at(0).code == ErrorCode::DataMissingRequired);
}

TEST_CASE("totals, means and ratios from per-PSU sums equal the row-level estimators", "[statistics]") {
  for (std::uint32_t seed : {1u, 2u, 3u, 4u}) {
    const Rows r = random_rows(seed);
    const data::Dataset ds = read(fmt::format("stat{}.csv", seed), csv(r, [](int a, int) { return "s" + std::to_string(a); },
                                                                         [](int, int b) { return "p" + std::to_string(b); }, identity(r.w.size())),
                                  make_codebook("text"));
    const estimate::DesignSpec spec = estimate::design_from_dataset(ds, estimate::LonelyPsu::Fail);
    const auto n = static_cast<Eigen::Index>(r.w.size());
    // Totals of the code variable q (one per code) against svy_total of its indicators.
    estimate::StatisticOptions so;
    so.variable = "q";
    const estimate::StatisticResult tot = estimate::estimate_statistic(ds, so);
    Eigen::MatrixXd qi = Eigen::MatrixXd::Zero(n, 3);
    for (Eigen::Index i = 0; i < n; ++i) qi(i, r.q[static_cast<std::size_t>(i)] - 1) = 1;
    const auto t = estimate::svy_total(spec.design, qi);
    REQUIRE(tot.rows.size() == 3);
    for (int j = 0; j < 3; ++j) {
      CHECK(tot.rows[static_cast<std::size_t>(j)].est.value == Approx(t.value(j)).epsilon(1e-12));
      CHECK(tot.rows[static_cast<std::size_t>(j)].est.se == Approx(t.se()(j)).epsilon(1e-10));
      CHECK(tot.rows[static_cast<std::size_t>(j)].est.df == t.df);
    }
    // Mean of y among the answered (a domain, subset semantics) against svy_domain_mean.
    so = {};
    so.kind = estimate::StatKind::Mean;
    so.variable = "y";
    const estimate::StatisticResult mean = estimate::estimate_statistic(ds, so);
    std::vector<double> y(r.w.size()), dom(r.w.size());
    for (std::size_t i = 0; i < r.w.size(); ++i) {
      dom[i] = r.y[i] >= 0;
      y[i] = r.y[i] >= 0 ? r.y[i] : 0;
    }
    const estimate::DomainMean dm = estimate::svy_domain_mean(spec.design, y, dom);
    CHECK(mean.rows.at(0).est.value == Approx(dm.value).epsilon(1e-12));
    CHECK(mean.rows.at(0).est.se == Approx(dm.se).epsilon(1e-10));
    CHECK(mean.rows.at(0).est.df == dm.df);
    // Ratio x / w (no missing) against svy_ratio.
    so = {};
    so.kind = estimate::StatKind::Ratio;
    so.variable = "x";
    so.denominator = "w";
    const estimate::StatisticResult ratio = estimate::estimate_statistic(ds, so);
    Eigen::VectorXd num(n), den(n);
    for (Eigen::Index i = 0; i < n; ++i) {
      num(i) = r.x[static_cast<std::size_t>(i)];
      den(i) = r.w[static_cast<std::size_t>(i)];
    }
    const auto rr = estimate::svy_ratio(spec.design, num, den);
    CHECK(ratio.rows.at(0).est.value == Approx(rr.value(0)).epsilon(1e-12));
    CHECK(ratio.rows.at(0).est.se == Approx(rr.se()(0)).epsilon(1e-10));
    // q is a code variable: a ratio takes integer or number variables.
    so.denominator = "q";
    CHECK(testutil::problem_of([&] { estimate::estimate_statistic(ds, so); }).code == ErrorCode::UsageInvalidOption);
  }
}

// Issue 16: without a psu column (each row its own PSU) the linearised totals, means and ratios keep per stratum the
// sums and the second moments of the rows (PsuIndex::count_rows, stratum_moments_vcov), nothing per row. Against the
// same rows with a PSU per row (the id as the psu column: per-PSU sums and psu_vcov): values bit for bit (the same
// sums in row order), SE and interval to 1e-12 relative, df exactly; by a code variable, within --where, the
// indicator's rate × population; and against the row-level estimators (svy_total, svy_domain_mean, svy_ratio).
TEST_CASE("totals, means and ratios without a psu column: per-stratum moments equal a PSU per row", "[statistics][counted]") {
  std::size_t checked = 0;
  for (std::uint32_t seed : {1u, 2u, 3u, 4u}) {
    INFO("seed " << seed);
    const Rows r = random_rows(seed);
    std::string counted_cb = kCodebook, per_row_cb = kCodebook;
    for (int k = 0; k < 2; ++k) {
      counted_cb.replace(counted_cb.find("%s"), 2, "integer");
      per_row_cb.replace(per_row_cb.find("%s"), 2, "integer");
    }
    const std::string psu = "role = \"psu\"\n", id = "role = \"id\"\ntype = \"id\"";
    counted_cb.erase(counted_cb.find(psu), psu.size());
    per_row_cb.erase(per_row_cb.find(psu), psu.size());
    per_row_cb.replace(per_row_cb.find(id), id.size(), "role = \"psu\"\ntype = \"integer\"");
    const std::string text = csv(r, [](int a, int) { return std::to_string(a); }, [](int, int b) { return std::to_string(b); }, identity(r.w.size()));
    const data::Dataset a = read(fmt::format("counted{}.csv", seed), text, codebook::parse_codebook(counted_cb, "counted.toml"));
    const data::Dataset b = read(fmt::format("per_row{}.csv", seed), text, codebook::parse_codebook(per_row_cb, "per_row.toml"));
    REQUIRE(a.column(codebook::Role::Psu) == nullptr);
    REQUIRE(b.column(codebook::Role::Psu) != nullptr);
    std::vector<char> indicator(r.w.size());
    for (std::size_t i = 0; i < r.w.size(); ++i) indicator[i] = r.x[i] >= 4;
    std::vector<estimate::StatisticOptions> opts;
    const auto add = [&](estimate::StatKind kind, std::string var, std::string den, std::vector<std::string> by, const char* where) {
      estimate::StatisticOptions o;
      o.kind = kind;
      o.variable = std::move(var);
      o.denominator = std::move(den);
      o.by = std::move(by);
      if (where) o.where.emplace(where, a.codebook);
      opts.push_back(std::move(o));
    };
    add(estimate::StatKind::Total, "q", "", {}, nullptr);     // a code variable: one total per code
    add(estimate::StatKind::Total, "y", "", {"q"}, nullptr);  // a number, by q
    add(estimate::StatKind::Total, "", "", {"q"}, nullptr);   // the 0/1 indicator, by q
    add(estimate::StatKind::Mean, "y", "", {"q"}, nullptr);
    add(estimate::StatKind::Mean, "y", "", {}, "x >= 2");
    add(estimate::StatKind::Ratio, "x", "w", {"q"}, nullptr);
    add(estimate::StatKind::Ratio, "y", "x", {}, "q != 2");
    add(estimate::StatKind::Total, "", "", {}, nullptr); // with a population: the rate × population row
    opts.back().population = 250000;
    for (const estimate::StatisticOptions& o : opts) {
      INFO(estimate::stat_kind_name(o.kind) << " " << o.variable << "/" << o.denominator << " by " << o.by.size() << " where " << o.where.has_value());
      estimate::StatisticOptions ob = o;
      if (o.where) ob.where.emplace(o.where->text(), b.codebook);
      const estimate::StatisticResult x = estimate::estimate_statistic(a, o, &indicator), y = estimate::estimate_statistic(b, ob, &indicator);
      REQUIRE(x.rows.size() == y.rows.size());
      REQUIRE(!x.rows.empty());
      for (std::size_t i = 0; i < x.rows.size(); ++i) {
        const estimate::StatisticRow &p = x.rows[i], &q = y.rows[i];
        INFO("row " << i << " " << p.group << " " << p.category << " " << p.meaning);
        CHECK(p.est.n == q.est.n);
        REQUIRE(std::isnan(p.est.value) == std::isnan(q.est.value)); // NaN: a domain without rows
        if (std::isnan(q.est.value)) continue;
        CHECK(p.est.value == q.est.value);
        CHECK(p.est.se == Approx(q.est.se).epsilon(1e-12));
        CHECK(p.est.df == q.est.df);
        REQUIRE(p.est.interval.has_value() == q.est.interval.has_value());
        if (p.est.interval) {
          CHECK(p.est.interval->lower == Approx(q.est.interval->lower).epsilon(1e-12));
          CHECK(p.est.interval->upper == Approx(q.est.interval->upper).epsilon(1e-12));
        }
        if (p.meaning == "rate_x_population") CHECK(p.rate_se == Approx(q.rate_se).epsilon(1e-12));
        ++checked;
      }
    }
    // Against the row-level estimators on the design without a psu column.
    const estimate::DesignSpec spec = estimate::design_from_dataset(a, estimate::LonelyPsu::Fail);
    REQUIRE(spec.design.psu.empty());
    const auto n = static_cast<Eigen::Index>(r.w.size());
    Eigen::MatrixXd qi = Eigen::MatrixXd::Zero(n, 3);
    for (Eigen::Index i = 0; i < n; ++i) qi(i, r.q[static_cast<std::size_t>(i)] - 1) = 1;
    const auto t = estimate::svy_total(spec.design, qi);
    const estimate::StatisticResult tot = estimate::estimate_statistic(a, opts[0]);
    for (int j = 0; j < 3; ++j) {
      CHECK(tot.rows[static_cast<std::size_t>(j)].est.value == Approx(t.value(j)).epsilon(1e-12));
      CHECK(tot.rows[static_cast<std::size_t>(j)].est.se == Approx(t.se()(j)).epsilon(1e-12));
      CHECK(tot.rows[static_cast<std::size_t>(j)].est.df == t.df);
    }
    estimate::StatisticOptions mo;
    mo.kind = estimate::StatKind::Mean;
    mo.variable = "y";
    const estimate::StatisticResult mean = estimate::estimate_statistic(a, mo);
    std::vector<double> yv(r.w.size()), dom(r.w.size());
    for (std::size_t i = 0; i < r.w.size(); ++i) {
      dom[i] = r.y[i] >= 0;
      yv[i] = r.y[i] >= 0 ? r.y[i] : 0;
    }
    const estimate::DomainMean dm = estimate::svy_domain_mean(spec.design, yv, dom);
    CHECK(mean.rows.at(0).est.value == Approx(dm.value).epsilon(1e-12));
    CHECK(mean.rows.at(0).est.se == Approx(dm.se).epsilon(1e-12));
    CHECK(mean.rows.at(0).est.df == dm.df);
    Eigen::VectorXd num(n), den(n);
    for (Eigen::Index i = 0; i < n; ++i) {
      num(i) = r.x[static_cast<std::size_t>(i)];
      den(i) = r.w[static_cast<std::size_t>(i)];
    }
    const auto rr = estimate::svy_ratio(spec.design, num, den);
    const estimate::StatisticResult ratio = estimate::estimate_statistic(a, opts[5]);
    CHECK(ratio.rows.at(0).est.value == Approx(rr.value(0)).epsilon(1e-12));
    CHECK(ratio.rows.at(0).est.se == Approx(rr.se()(0)).epsilon(1e-12));
  }
  CHECK(checked >= 90); // 23 rows per seed
}
