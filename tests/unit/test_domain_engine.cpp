// The domain engine (estimate/domain_engine.hpp) against the row-level R-shaped estimators over random
// designs: strata (1–4), PSUs per stratum (1–5, so lonely PSUs occur), rows per PSU (1–6), weights with some
// zeros, an fpc (sometimes a census stratum), domains that miss whole PSUs and strata, and 0/1 statistics.
// For each design and variance kind:
//   simple random sample (no strata, no PSUs) and linearised: engine.domain vs svy_domain_mean (R svymean on
//     subset(design, d)) per statistic: SE and design effects to 1e-12 relative, df exactly;
//   created replicates (JKn, bootstrap; JK1 where unstratified): engine.domain vs make_replicates + the
//     replicate svy_mean_by (R svyby on the svrep design): SE to 1e-12 relative, df exactly, and the empty-
//     replicate policy (Stop → the same EstimateNoData; Blank → replicate_undefined).
//   supplied replicate columns (the row-level kind): the created replicates as row weights (make_replicates)
//     given to the engine as supplied columns (domain_rows) vs the engine's PSU-multiplier kind (domain) —
//     two routes to R's svyby on the svrep design: value, SE to 1e-12 relative, df, empty-replicate policy;
//   calibrated (the row-level kind): a calibration that changes nothing (identity residuals) vs the
//     linearised PSU kind, and a real one (residuals on an intercept per stratum, R's post-stratification on
//     the strata) vs svy_domain_mean; Korn–Graubard's n = every row of a calibrated design (interval());
//   the interval policy: none exactly when df ≤ 0 or the SE is not finite.
// Lonely-PSU policies are drawn at random; under `fail` both sides must refuse with the same error code.
#include "hkstat/estimate/design.hpp"
#include "hkstat/estimate/domain_engine.hpp"
#include "hkstat/estimate/replicates.hpp"
#include "hkstat/estimate/survey_estimators.hpp"

#include "test_util.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <vector>

using namespace hkstat;
using namespace hkstat::estimate;

namespace {

struct RowView {
  std::size_t P = 0;
  std::vector<std::uint64_t> rows_, wrows_;
  std::vector<double> w_;
  std::vector<std::array<double, 3>> wy_;
  std::size_t psus() const { return P; }
  std::uint64_t rows(std::size_t q) const { return rows_[q]; }
  std::uint64_t wrows(std::size_t q) const { return wrows_[q]; }
  double w(std::size_t q) const { return w_[q]; }
  double wy(std::size_t q, std::size_t j) const { return wy_[q][j]; }
};

struct RandomDesign {
  Design design;
  std::vector<double> dom;
  std::array<std::vector<double>, 3> y;
};

RandomDesign random_design(std::mt19937_64& rng, bool simple) {
  const auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  RandomDesign d;
  const int H = simple ? 1 : pick(1, 4);
  const bool fpc = !simple && pick(0, 2) == 0;
  const std::array<LonelyPsu, 5> policies{LonelyPsu::Fail, LonelyPsu::Remove, LonelyPsu::Certainty, LonelyPsu::Adjust, LonelyPsu::Average};
  d.design.lonely = policies[static_cast<std::size_t>(pick(0, 4))];
  const double p_dom = pick(0, 3) == 0 ? 0.15 : 0.5;
  for (int h = 1; h <= H; ++h) {
    const int n_h = simple ? pick(8, 40) : pick(1, 5);
    const double N_h = n_h + pick(0, 1) * pick(0, 10);
    const bool stratum_out = pick(0, 5) == 0; // a stratum without domain rows
    for (int p = 1; p <= n_h; ++p) {
      const int rows = simple ? 1 : pick(1, 6);
      for (int i = 0; i < rows; ++i) {
        if (!simple) {
          d.design.strata.push_back(10 * h);
          d.design.psu.push_back(100 * h + p);
          if (fpc) d.design.fpc.push_back(N_h);
        }
        d.design.weights.push_back(pick(0, 12) == 0 ? 0.0 : 0.5 + std::uniform_real_distribution<double>(0, 30)(rng));
        d.dom.push_back(!stratum_out && std::bernoulli_distribution(p_dom)(rng) ? 1.0 : 0.0);
        for (auto& yj : d.y) yj.push_back(std::bernoulli_distribution(0.3)(rng) ? 1.0 : 0.0);
      }
    }
  }
  return d;
}

std::optional<ErrorCode> error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.problem().code;
  }
  return std::nullopt;
}

} // namespace

TEST_CASE("domain engine = row-level estimators over random designs (SRS, linearised, created replicates)", "[estimate][engine]") {
  std::mt19937_64 rng(20261205);
  std::size_t linearised = 0, replicated = 0, refused = 0, blanked = 0;
  for (int trial = 0; trial < 160; ++trial) {
    const bool simple = trial % 8 == 0;
    const RandomDesign rd = random_design(rng, simple);
    const Design& design = rd.design;
    INFO("trial " << trial << " lonely " << lonely_psu_name(design.lonely));
    std::optional<ErrorCode> layout_error = error_of([&] { (void)design_layout(design); });
    REQUIRE(!layout_error);
    const RowLayout& rl = design_layout(design);
    const PsuLayout layout = rl.psu;
    std::vector<std::size_t> psu_stratum(layout.psus());
    for (std::size_t h = 0; h < layout.strata(); ++h)
      for (std::size_t q = layout.first[h]; q < layout.first[h + 1]; ++q) psu_stratum[q] = h;
    // The domain's sums per PSU and in row order.
    RowView v;
    v.P = layout.psus();
    v.rows_.assign(v.P, 0);
    v.wrows_.assign(v.P, 0);
    v.w_.assign(v.P, 0.0);
    v.wy_.assign(v.P, {0, 0, 0});
    double W = 0, m = 0;
    std::array<double, 3> WY{0, 0, 0};
    for (std::size_t r = 0; r < design.weights.size(); ++r) {
      if (rd.dom[r] == 0) continue;
      const std::size_t q = rl.row_psu[r];
      const double w = design.weights[r];
      ++v.rows_[q];
      v.wrows_[q] += w != 0;
      v.w_[q] += w;
      W += w;
      m += w != 0;
      for (std::size_t j = 0; j < 3; ++j)
        if (rd.y[j][r] != 0) {
          v.wy_[q][j] += w;
          WY[j] += w;
        }
    }
    if (!(W > 0)) continue; // the callers never ask for a domain without weight
    Eigen::VectorXd value(3);
    for (std::size_t j = 0; j < 3; ++j) value(static_cast<Eigen::Index>(j)) = WY[j] / W;

    // Linearised (and the simple sample: every row a PSU).
    {
      const DomainEngine engine(layout, psu_stratum, design.lonely, std::nullopt);
      std::optional<DomainEstimate> de;
      const auto engine_error = error_of([&] { de = engine.domain(v, 3, value, W, m, EmptyReplicate::Stop); });
      for (std::size_t j = 0; j < 3; ++j) {
        INFO("statistic " << j);
        std::optional<DomainMean> dm;
        const auto row_error = error_of([&] { dm = svy_domain_mean(design, rd.y[j], rd.dom); });
        REQUIRE(engine_error == row_error);
        if (row_error) {
          ++refused;
          continue;
        }
        const auto jj = static_cast<Eigen::Index>(j);
        CHECK(value(jj) == Approx(dm->value).epsilon(1e-13));
        CHECK(std::sqrt(de->vcov(jj, jj)) == Approx(dm->se).epsilon(1e-12).margin(1e-15));
        CHECK(de->df == dm->df);
        if (std::isnan(dm->deff)) CHECK(std::isnan(de->deff[j].replace));
        else CHECK(de->deff[j].replace == Approx(dm->deff).epsilon(1e-10).margin(1e-12)); // variance ≈ 0: rounding
        if (std::isnan(dm->deff_wor)) CHECK(!std::isfinite(de->deff[j].wor));
        else CHECK(de->deff[j].wor == Approx(dm->deff_wor).epsilon(1e-10).margin(1e-12));
        ++linearised;
      }
    }

    // Created replicates.
    std::vector<CreatedReplicates> kinds{CreatedReplicates::JKn, CreatedReplicates::Bootstrap};
    if (layout.strata() == 1) kinds.push_back(CreatedReplicates::JK1);
    for (const CreatedReplicates kind : kinds) {
      INFO(created_replicates_name(kind));
      const ReplicateRequest req{kind, 25, static_cast<std::uint64_t>(trial), 0.5};
      std::optional<ReplicateDesign> rep;
      std::optional<DomainEngine> engine;
      const auto rows_error = error_of([&] { rep = make_replicates(design, req); });
      const auto engine_make_error = error_of([&] { engine.emplace(layout, psu_stratum, design.lonely, req); });
      REQUIRE(rows_error == engine_make_error);
      if (rows_error) {
        ++refused;
        continue;
      }
      const Eigen::Map<const Eigen::MatrixXd> dm(rd.dom.data(), static_cast<Eigen::Index>(rd.dom.size()), 1);
      std::optional<DomainEstimate> stop;
      const auto stop_error = error_of([&] { stop = engine->domain(v, 3, value, W, m, EmptyReplicate::Stop); });
      const DomainEstimate blank = engine->domain(v, 3, value, W, m, EmptyReplicate::Blank);
      for (std::size_t j = 0; j < 3; ++j) {
        INFO("statistic " << j);
        const Eigen::Map<const Eigen::VectorXd> yv(rd.y[j].data(), static_cast<Eigen::Index>(rd.y[j].size()));
        std::optional<SurveyEstimate> se;
        const auto row_error = error_of([&] { se = svy_mean_by(*rep, yv, dm); });
        REQUIRE(stop_error == row_error);
        REQUIRE(blank.replicate_undefined == row_error.has_value());
        if (row_error) {
          CHECK(*row_error == ErrorCode::EstimateNoData);
          CHECK(std::isnan(blank.df));
          ++blanked;
          continue;
        }
        const auto jj = static_cast<Eigen::Index>(j);
        CHECK(value(jj) == Approx(se->value(0)).epsilon(1e-12));
        CHECK(std::sqrt(std::max(0.0, stop->vcov(jj, jj))) == Approx(std::sqrt(std::max(0.0, se->vcov(0, 0)))).epsilon(1e-12).margin(1e-15));
        CHECK(stop->df == se->domain_df.at(0));
        CHECK(blank.df == stop->df);
        CHECK(stop->deff.empty());
        ++replicated;
      }
    }
  }
  CHECK(linearised > 200);
  CHECK(replicated > 200);
  CHECK(refused > 0);
  CHECK(blanked > 0);
}

TEST_CASE("domain engine: row-level kinds (supplied replicates, calibrated) = the PSU kinds over random designs", "[estimate][engine]") {
  std::mt19937_64 rng(20261206);
  std::size_t supplied = 0, blanked = 0, calibrated = 0, same_variance = 0, no_interval = 0, refused = 0;
  for (int trial = 0; trial < 160; ++trial) {
    const bool simple = trial % 8 == 0;
    const RandomDesign rd = random_design(rng, simple);
    const Design& design = rd.design;
    INFO("trial " << trial << " lonely " << lonely_psu_name(design.lonely));
    const RowLayout& rl = design_layout(design);
    const PsuLayout layout = rl.psu;
    std::vector<std::size_t> psu_stratum(layout.psus());
    for (std::size_t h = 0; h < layout.strata(); ++h)
      for (std::size_t q = layout.first[h]; q < layout.first[h + 1]; ++q) psu_stratum[q] = h;
    RowView v;
    v.P = layout.psus();
    v.rows_.assign(v.P, 0);
    v.wrows_.assign(v.P, 0);
    v.w_.assign(v.P, 0.0);
    v.wy_.assign(v.P, {0, 0, 0});
    double W = 0, m = 0;
    std::array<double, 3> WY{0, 0, 0};
    for (std::size_t r = 0; r < design.weights.size(); ++r) {
      if (rd.dom[r] == 0) continue;
      const std::size_t q = rl.row_psu[r];
      const double w = design.weights[r];
      ++v.rows_[q];
      v.wrows_[q] += w != 0;
      v.w_[q] += w;
      W += w;
      m += w != 0;
      for (std::size_t j = 0; j < 3; ++j)
        if (rd.y[j][r] != 0) {
          v.wy_[q][j] += w;
          WY[j] += w;
        }
    }
    if (!(W > 0)) continue;
    Eigen::VectorXd value(3);
    for (std::size_t j = 0; j < 3; ++j) value(static_cast<Eigen::Index>(j)) = WY[j] / W;
    const std::vector<std::vector<double>> ys{rd.y[0], rd.y[1], rd.y[2]};
    const double n_dom = static_cast<double>(std::count(rd.dom.begin(), rd.dom.end(), 1.0));

    // Supplied replicate columns: the created replicates written out as row weights.
    for (const CreatedReplicates kind : {CreatedReplicates::JKn, CreatedReplicates::Bootstrap}) {
      INFO(created_replicates_name(kind));
      const ReplicateRequest req{kind, 20, static_cast<std::uint64_t>(trial), 0.5};
      std::optional<ReplicateDesign> rep;
      if (error_of([&] { rep = make_replicates(design, req); })) {
        ++refused;
        continue;
      }
      const DomainEngine created(layout, psu_stratum, design.lonely, req);
      DomainEngine rows(layout, psu_stratum, design.lonely, std::nullopt);
      rows.use_rows(nullptr, &*rep);
      REQUIRE(rows.row_level());
      REQUIRE(rows.supplied());
      const DomainEstimate a = created.domain(v, 3, value, W, m);
      const DomainEstimate b = rows.domain_rows(rd.dom, ys);
      REQUIRE(a.replicate_undefined == b.replicate_undefined);
      for (Eigen::Index j = 0; j < 3; ++j) CHECK(b.value(j) == Approx(a.value(j)).epsilon(1e-12));
      if (b.replicate_undefined) {
        CHECK(std::isnan(b.df));
        CHECK(!rows.interval(CiMethod::Logit, b.value(0), b.se(0), b.df, n_dom, 0.95));
        CHECK_THROWS_AS(rows.domain_rows(rd.dom, ys, EmptyReplicate::Stop), Error);
        ++blanked;
        continue;
      }
      CHECK(b.df == a.df);
      CHECK(b.deff.empty());
      for (Eigen::Index j = 0; j < 3; ++j) CHECK(b.se(j) == Approx(a.se(j)).epsilon(1e-12).margin(1e-15));
      ++supplied;
    }

    // Calibrated: identity residuals = the linearised kind; residuals on an intercept per stratum = the row
    // estimator with that calibration.
    std::optional<DomainEstimate> lin;
    const DomainEngine linear(layout, psu_stratum, design.lonely, std::nullopt);
    const auto lin_error = error_of([&] { lin = linear.domain(v, 3, value, W, m); });
    Design same = design;
    same.calibration = [](const Eigen::MatrixXd& z) { return z; };
    DomainEngine cal(layout, psu_stratum, design.lonely, std::nullopt);
    cal.use_rows(&same, nullptr);
    REQUIRE(cal.calibrated());
    std::optional<DomainEstimate> c;
    const auto cal_error = error_of([&] { c = cal.domain_rows(rd.dom, ys); });
    // R keeps every row of a calibrated design in subset(design, d): strata without rows of the domain still
    // count (lonely-PSU policies), so the two kinds are the same variance only where the domain has rows in
    // every stratum; elsewhere value and df still agree.
    bool every_stratum = true;
    {
      const std::vector<char> present = linear.present_strata(v);
      for (const char p : present) every_stratum = every_stratum && p != 0;
    }
    if (every_stratum) REQUIRE(lin_error == cal_error);
    if (lin_error || cal_error) {
      ++refused;
      continue;
    }
    CHECK(c->df == lin->df);
    for (Eigen::Index j = 0; j < 3; ++j) {
      const auto k = static_cast<std::size_t>(j);
      CHECK(c->value(j) == Approx(lin->value(j)).epsilon(1e-13));
      if (!every_stratum) continue;
      ++same_variance;
      CHECK(c->se(j) == Approx(lin->se(j)).epsilon(1e-12).margin(1e-15));
      if (std::isnan(lin->deff[k].replace)) CHECK(std::isnan(c->deff[k].replace));
      else CHECK(c->deff[k].replace == Approx(lin->deff[k].replace).epsilon(1e-10).margin(1e-12));
      // The interval policy, and Korn–Graubard's n: every row for the calibrated kind, the domain's for the other.
      const auto ci_cal = cal.interval(CiMethod::KgNchs, c->value(j), c->se(j), c->df, n_dom, 0.95);
      const auto ci_lin = linear.interval(CiMethod::KgNchs, lin->value(j), lin->se(j), lin->df, n_dom, 0.95);
      REQUIRE(ci_cal.has_value() == (c->df > 0));
      REQUIRE(ci_lin.has_value() == (lin->df > 0));
      if (!ci_cal) {
        ++no_interval;
        continue;
      }
      const Interval want = domain_interval(CiMethod::KgNchs, c->value(j), c->se(j), c->df, static_cast<double>(design.weights.size()), n_dom, 0.95);
      CHECK(ci_cal->lower == want.lower);
      CHECK(ci_cal->upper == want.upper);
      const Interval want_lin = domain_interval(CiMethod::KgNchs, lin->value(j), lin->se(j), lin->df, n_dom, n_dom, 0.95);
      CHECK(ci_lin->lower == want_lin.lower);
      CHECK(ci_lin->upper == want_lin.upper);
    }
    if (!simple) { // post-stratified on the strata: residuals of the scores on a stratum intercept
      Design post = design;
      const std::vector<std::int64_t> strata = design.strata;
      post.calibration = [strata](const Eigen::MatrixXd& z) {
        Eigen::MatrixXd out = z;
        std::map<std::int64_t, std::pair<Eigen::RowVectorXd, double>> mean;
        for (Eigen::Index r = 0; r < z.rows(); ++r) {
          auto& [sum, n] = mean.try_emplace(strata[static_cast<std::size_t>(r)], Eigen::RowVectorXd::Zero(z.cols()), 0.0).first->second;
          sum += z.row(r);
          n += 1;
        }
        for (Eigen::Index r = 0; r < z.rows(); ++r) {
          const auto& [sum, n] = mean.at(strata[static_cast<std::size_t>(r)]);
          out.row(r) -= sum / n;
        }
        return out;
      };
      DomainEngine ps(layout, psu_stratum, design.lonely, std::nullopt);
      ps.use_rows(&post, nullptr);
      std::optional<DomainEstimate> e;
      const auto ps_error = error_of([&] { e = ps.domain_rows(rd.dom, ys); });
      for (std::size_t j = 0; j < 3; ++j) {
        std::optional<DomainMean> dm;
        const auto row_error = error_of([&] { dm = svy_domain_mean(post, rd.y[j], rd.dom); });
        REQUIRE(ps_error == row_error);
        if (row_error) break;
        const auto jj = static_cast<Eigen::Index>(j);
        CHECK(e->value(jj) == dm->value);
        CHECK(e->se(jj) == dm->se);
        CHECK(e->df == dm->df);
        CHECK((std::isnan(e->deff[j].wor) ? std::isnan(dm->deff_wor) : e->deff[j].wor == dm->deff_wor));
      }
    }
    ++calibrated;
  }
  CHECK(supplied > 150);
  CHECK(blanked > 0);
  CHECK(calibrated > 80);
  CHECK(same_variance > 150);
  CHECK(no_interval > 0);
  CHECK(refused > 0);
}
