// hkstat/estimate/domain_engine.hpp — the layer above the variance kernels, written once: from one domain's
// sums per PSU (canonical order) to its estimates. Used by both single passes (estimate's
// PrevalenceAccumulator and tabulate's TabulateAccumulator), so a prevalence cell and a table cell of the same
// domain are the same arithmetic, bit for bit.
//
// A domain's sums (a "view" V, any type with these members; no copy of the sums is made):
//   std::size_t psus() const;                 P, the layout's PSUs in canonical order
//   std::uint64_t rows(std::size_t q) const;  the domain's rows in PSU q
//   std::uint64_t wrows(std::size_t q) const; of them, rows with nonzero weight
//   double w(std::size_t q) const;            Σ w over them
//   double wy(std::size_t q, std::size_t j) const;  Σ w y_j over them (statistic j = 0 … k − 1)
// and, from the caller, the domain's totals summed in row order: W = Σ w, m = rows with nonzero weight, and
// the values p̂_j = Σ w y_j / W (the callers divide their own row-order sums, so the values are those of the
// row-level estimators).
//
// What the engine computes (docs/estimation.md "One domain engine"):
//   linearised  PSU score totals z_qj = (Σ_q w y_j − p̂_j Σ_q w) / W → psu_vcov with subset semantics (strata
//               with rows of the domain), df = PSUs − strata among rows with nonzero weight (R degf(subset)),
//               deff (R "replace" and TRUE) for 0/1 y: S² = m/(m − 1) p̂(1 − p̂) → domain_deff;
//   created replicates  θ_rj = Σ_q m_qr Σ_q w y_j / Σ_q m_qr Σ_q w (q in canonical order), replicate_vcov, df =
//               rank of the multipliers of the PSUs with rows of nonzero weight − 1 (computed once per set of
//               PSUs and cached), no deff;
//   row-level kinds (use_rows): calibrated weights (the scores' calibration residuals need every row:
//               svy_domain_mean on the calibrated Design) and supplied replicate columns (svy_mean_by on the
//               ReplicateDesign, df = rank of the domain's replicate weights − 1): the accumulators keep their
//               rows only for these kinds (and tabulate's likelihood interval) and call domain_rows().
// The policies, decided here once for every command (docs/estimation.md "Policies"):
//   empty replicate  a replicate that leaves the domain without weight (θ not finite): the estimate stands,
//               the variance is undefined (`replicate_undefined`: no SE, df NaN, no interval) — kEmptyReplicate;
//   no interval  df ≤ 0 or an undefined variance → interval() gives none (tabulate shows "—"; estimate,
//               whose every published rate carries an interval, refuses the group with EstimateNoData);
//   n            Korn–Graubard's n is nrow() of R's subset design: the domain's rows, or every row of a
//               calibrated design (R keeps them with zero weight); the Clopper–Pearson fallback at 0 % / 100 %
//               uses the domain's own rows (interval()).
// Kept as they were: the kernels psu_vcov and replicate_vcov and every order of summation.
#pragma once

#include "hkstat/estimate/design.hpp"
#include "hkstat/estimate/replicates.hpp"
#include "hkstat/estimate/survey_estimators.hpp"

#include "hkstat/core/error.hpp"
#include "hkstat/estimate/proportion_ci.hpp"

#include <Eigen/Dense>

#include <cmath>
#include <functional>
#include <span>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

namespace hkstat::estimate {

enum class EmptyReplicate { Stop, Blank };
// The one policy for a replicate that leaves a domain without weight (Stop remains for the property test).
inline constexpr EmptyReplicate kEmptyReplicate = EmptyReplicate::Blank;

struct DomainEstimate {
  Eigen::VectorXd value;            // k values (PSU kinds: the caller's; row kinds: the row-level estimators')
  Eigen::VectorXd se;               // k SEs (NaN when replicate_undefined)
  Eigen::MatrixXd vcov;             // k × k (PSU kinds; empty for row kinds and when replicate_undefined)
  double df = 0;                    // NaN when replicate_undefined
  std::vector<DomainDeff> deff;     // linearised, 0/1 y: per statistic; empty for replicates
  bool replicate_undefined = false; // EmptyReplicate::Blank only
};

class DomainEngine {
public:
  // `psu_stratum`: canonical PSU → canonical stratum (PsuIndex::Canonical). `created`: replicates made from the
  // layout (make_multipliers; errors as there), else linearisation.
  DomainEngine(const PsuLayout& layout, std::vector<std::size_t> psu_stratum, LonelyPsu lonely,
               const std::optional<ReplicateRequest>& created)
      : layout_(layout), psu_stratum_(std::move(psu_stratum)), lonely_(lonely) {
    if (created && layout.psus() > 0) {
      mult_ = make_multipliers(layout, lonely, *created);
      rd_.type = mult_->type;
      rd_.scale = mult_->scale;
      rd_.rscales = mult_->rscales;
      rd_.fay_rho = mult_->fay_rho;
    }
  }

  // Row-level variance kinds: calibrated weights (`calibrated`: the row Design with Design::calibration) or
  // supplied replicate columns (`supplied`). At most one; the pointers must outlive the engine.
  void use_rows(const Design* calibrated, const ReplicateDesign* supplied) {
    calibrated_ = calibrated;
    supplied_ = supplied;
  }
  // A calibration streamed from sums (estimate/calibrated_sums.hpp), without the row Design: the rows of the
  // calibrated design, for Korn–Graubard's n (R keeps every row of a calibrated subset), as use_rows' Design gives it.
  void calibrated_rows(std::size_t rows) { calibrated_rows_ = rows; }
  bool row_level() const { return calibrated_ || supplied_; }
  bool calibrated() const { return calibrated_ != nullptr; }
  bool supplied() const { return supplied_ != nullptr; }

  // The interval of one estimate, by the policies above: none when df ≤ 0 or the SE is not finite;
  // `likelihood` (R's svyglm path) only for CiMethod::Likelihood.
  std::optional<Interval> interval(CiMethod method, double p, double se, double df, double n_domain, double level,
                                   const std::function<Interval()>& likelihood = {}) const {
    if (!(df > 0) || !std::isfinite(se)) return std::nullopt;
    const double n_kg = calibrated_         ? static_cast<double>(calibrated_->weights.size())
                        : calibrated_rows_ ? static_cast<double>(*calibrated_rows_)
                                           : n_domain;
    return domain_interval(method, p, se, df, n_kg, n_domain, level, likelihood);
  }

  // Row-level kinds: one domain (`dom` 0/1 per row, Σ w > 0) and its statistics ys[j] (0/1 per row).
  // Calibrated: svy_domain_mean per statistic (value, SE, df, both deff). Supplied replicates: svy_mean_by
  // per statistic (full-sample value, replicate SE, df = rank of the domain's replicate weights − 1, no deff);
  // a replicate without weight → the policy (Blank: values in row order, replicate_undefined).
  DomainEstimate domain_rows(std::span<const double> dom, const std::vector<std::vector<double>>& ys,
                             EmptyReplicate policy = kEmptyReplicate) const {
    DomainEstimate out;
    const auto k = static_cast<Eigen::Index>(ys.size());
    out.value.resize(k);
    out.se.resize(k);
    if (supplied_) {
      const auto rows = static_cast<Eigen::Index>(dom.size());
      const Eigen::Map<const Eigen::MatrixXd> dv(dom.data(), rows, 1);
      for (Eigen::Index j = 0; j < k; ++j) {
        const Eigen::Map<const Eigen::VectorXd> yv(ys[static_cast<std::size_t>(j)].data(), rows);
        try {
          const SurveyEstimate re = svy_mean_by(*supplied_, yv, dv);
          out.value(j) = re.value(0);
          out.se(j) = std::sqrt(std::max(0.0, re.vcov(0, 0)));
          out.df = re.domain_df.at(0);
        } catch (const Error& e) {
          // A replicate leaves the domain without weight: R's replicate statistic is NaN there.
          if (policy == EmptyReplicate::Stop || e.problem().code != ErrorCode::EstimateNoData) throw;
          double num = 0, den = 0;
          for (std::size_t r = 0; r < dom.size(); ++r) {
            num += supplied_->weights[r] * dom[r] * ys[static_cast<std::size_t>(j)][r];
            den += supplied_->weights[r] * dom[r];
          }
          out.value(j) = den > 0 ? num / den : 0;
          out.replicate_undefined = true;
        }
      }
      if (out.replicate_undefined) {
        out.se.setConstant(std::numeric_limits<double>::quiet_NaN());
        out.df = std::numeric_limits<double>::quiet_NaN();
      }
      return out;
    }
    for (Eigen::Index j = 0; j < k; ++j) {
      const DomainMean dm = svy_domain_mean(*calibrated_, ys[static_cast<std::size_t>(j)], dom);
      out.value(j) = dm.value;
      out.se(j) = dm.se;
      out.df = dm.df;
      out.deff.push_back(DomainDeff{dm.deff, dm.deff_wor});
    }
    return out;
  }

  // Row-level kinds: the means of y in the domains (columns of `domains`) with their covariance over the
  // whole design (svyby(covmat = TRUE)); df of the whole design (for contrasts).
  SurveyEstimate together_rows(const Eigen::VectorXd& y, const Eigen::MatrixXd& domains) const {
    return supplied_ ? svy_mean_by(*supplied_, y, domains) : svy_mean_by(*calibrated_, y, domains);
  }

  // The likelihood interval from rows (R's svyglm path on the row Design; tabulate keeps its rows for it).
  static Interval likelihood_rows(const Design& design, std::span<const double> y, std::span<const double> dom, double df, double level) {
    return svy_likelihood_interval(design, y, dom, df, level);
  }

  bool replicated() const { return mult_.has_value(); }
  const PsuLayout& layout() const { return layout_; }
  LonelyPsu lonely() const { return lonely_; }

  // PSUs − strata among the PSUs with `has_w` (R degf of the design, or of subset(design, d)).
  double linearised_df(const std::vector<char>& has_w) const {
    std::vector<char> stratum_w(layout_.strata(), 0);
    double psus = 0;
    for (std::size_t q = 0; q < has_w.size(); ++q)
      if (has_w[q]) {
        ++psus;
        stratum_w[psu_stratum_[q]] = 1;
      }
    return psus - static_cast<double>(std::count(stratum_w.begin(), stratum_w.end(), 1));
  }

  // R degf of the replicate design restricted to the PSUs with `has_w`: rank of their multipliers − 1,
  // computed once per set of PSUs.
  double replicate_df(const std::vector<char>& has_w) const {
    for (const auto& [k, df] : rank_cache_)
      if (k == has_w) return df;
    const double df = multipliers_df(*mult_, has_w);
    rank_cache_.emplace_back(has_w, df);
    return df;
  }

  // The design df of the variance kind (linearised or replicate) for PSUs with `has_w`.
  double df(const std::vector<char>& has_w) const { return mult_ ? replicate_df(has_w) : linearised_df(has_w); }

  template <class V> std::vector<char> psus_with_weight(const V& v) const {
    std::vector<char> keep(v.psus(), 0);
    for (std::size_t q = 0; q < keep.size(); ++q) keep[q] = v.wrows(q) > 0;
    return keep;
  }

  // R subset(design, d): strata with rows of the domain (psu_vcov's `present`).
  template <class V> std::vector<char> present_strata(const V& v) const {
    std::vector<char> present(layout_.strata(), 0);
    for (std::size_t q = 0; q < v.psus(); ++q)
      if (v.rows(q) > 0) present[psu_stratum_[q]] = 1;
    return present;
  }

  // Linearised PSU score totals of statistics `cols` (column i of the result: statistic cols[i], value[i]).
  template <class V>
  void score_totals(const V& v, const std::vector<std::size_t>& cols, const Eigen::VectorXd& value, double W, Eigen::MatrixXd& z,
                    Eigen::Index first_col = 0) const {
    for (std::size_t i = 0; i < cols.size(); ++i) {
      const auto c = first_col + static_cast<Eigen::Index>(i);
      for (std::size_t q = 0; q < v.psus(); ++q)
        z(static_cast<Eigen::Index>(q), c) = (v.wy(q, cols[i]) - value(static_cast<Eigen::Index>(i)) * v.w(q)) / W;
    }
  }

  // Replicate statistics θ_r of statistics `cols` (R × cols), into columns first_col… of `thetas`.
  template <class V>
  void replicate_thetas(const V& v, const std::vector<std::size_t>& cols, Eigen::MatrixXd& thetas, Eigen::Index first_col = 0) const {
    const Eigen::MatrixXd& m = mult_->mult;
    const Eigen::Index R = m.cols();
    const std::size_t P = v.psus();
    for (Eigen::Index r = 0; r < R; ++r) {
      double den = 0;
      for (std::size_t q = 0; q < P; ++q) den += m(static_cast<Eigen::Index>(q), r) * v.w(q);
      for (std::size_t i = 0; i < cols.size(); ++i) {
        double num = 0;
        for (std::size_t q = 0; q < P; ++q) num += m(static_cast<Eigen::Index>(q), r) * v.wy(q, cols[i]);
        thetas(r, first_col + static_cast<Eigen::Index>(i)) = num / den;
      }
    }
  }

  // Replicate totals θ_rj = Σ_q m_qr Σ_q w y_j of statistics `cols` (R svytotal on the replicate design; the
  // full-sample total is Σ_q w y_j): into columns first_col… of `thetas` (R × cols).
  template <class V>
  void replicate_totals(const V& v, const std::vector<std::size_t>& cols, Eigen::MatrixXd& thetas, Eigen::Index first_col = 0) const {
    const Eigen::MatrixXd& m = mult_->mult;
    for (Eigen::Index r = 0; r < m.cols(); ++r)
      for (std::size_t i = 0; i < cols.size(); ++i) {
        double num = 0;
        for (std::size_t q = 0; q < v.psus(); ++q) num += m(static_cast<Eigen::Index>(q), r) * v.wy(q, cols[i]);
        thetas(r, first_col + static_cast<Eigen::Index>(i)) = num;
      }
  }

  Eigen::Index replicates() const { return mult_ ? mult_->mult.cols() : 0; }
  const ReplicateDesign& replicate_scales() const { return rd_; }

  // One domain: the covariance of its k statistics (values `value`, Σ w `W`, rows of nonzero weight `m`),
  // its df and, linearised, the design effects of 0/1 statistics (`deff`).
  template <class V>
  DomainEstimate domain(const V& v, std::size_t k, const Eigen::VectorXd& value, double W, double m,
                        EmptyReplicate policy = kEmptyReplicate, bool deff = true) const {
    DomainEstimate out;
    out.value = value;
    out.se.resize(static_cast<Eigen::Index>(k));
    std::vector<std::size_t> cols(k);
    for (std::size_t j = 0; j < k; ++j) cols[j] = j;
    if (mult_) {
      Eigen::MatrixXd thetas(replicates(), static_cast<Eigen::Index>(k));
      replicate_thetas(v, cols, thetas);
      return from_thetas(rd_, thetas, value, [&] { return replicate_df(psus_with_weight(v)); }, policy);
    }
    Eigen::MatrixXd z(static_cast<Eigen::Index>(v.psus()), static_cast<Eigen::Index>(k));
    score_totals(v, cols, value, W, z);
    out.vcov = psu_vcov(layout_, lonely_, z, present_strata(v));
    out.se = out.vcov.diagonal().cwiseSqrt();
    out.df = linearised_df(psus_with_weight(v));
    if (deff) add_deff(out, m, W);
    return out;
  }

  // One domain's replicate estimate from its replicate statistics θ (R × k; values `value`): replicate_vcov with
  // `scales` (scale, rscales, mse), df = df_of() (R degf of the domain), no deff; a replicate that leaves the
  // domain without weight → the policy. Created replicates (θ from the PSU sums and multipliers, above) and
  // supplied columns (θ from the domain's replicate sums, replicates_sums.hpp) both come here.
  template <class DfOf>
  static DomainEstimate from_thetas(const ReplicateDesign& scales, const Eigen::MatrixXd& thetas, const Eigen::VectorXd& value, DfOf&& df_of,
                                    EmptyReplicate policy = kEmptyReplicate) {
    DomainEstimate out;
    out.value = value;
    out.se.resize(value.size());
    if (policy == EmptyReplicate::Blank && !thetas.allFinite()) {
      out.replicate_undefined = true;
      out.se.setConstant(std::numeric_limits<double>::quiet_NaN());
      out.df = std::numeric_limits<double>::quiet_NaN();
      return out;
    }
    out.vcov = replicate_vcov(scales, thetas, value); // EmptyReplicate::Stop: non-finite θ → EstimateNoData
    out.se = out.vcov.diagonal().cwiseMax(0.0).cwiseSqrt();
    out.df = df_of();
    return out;
  }

  // The design effects of a linearised domain estimate of 0/1 statistics (out.value, out.vcov set; m rows of
  // nonzero weight, Σ w = W).
  static void add_deff(DomainEstimate& out, double m, double W) {
    for (Eigen::Index j = 0; j < out.value.size(); ++j) {
      const double p = out.value(j);
      // R deff = "replace": S² = m/(m − 1) Σ w (y − p)² / Σ w, and Σ w (y − p)² = Σ w · p (1 − p) for 0/1 y.
      const double s2 = m >= 2 ? m / (m - 1) * (p * (1 - p)) : 0.0;
      out.deff.push_back(domain_deff(out.vcov(j, j), s2, m, W));
    }
  }

private:
  const PsuLayout& layout_;
  std::vector<std::size_t> psu_stratum_;
  LonelyPsu lonely_;
  std::optional<PsuMultipliers> mult_;
  ReplicateDesign rd_; // scale, rscales and mse for replicate_vcov (no rows)
  mutable std::vector<std::pair<std::vector<char>, double>> rank_cache_;
  const Design* calibrated_ = nullptr;
  std::optional<std::size_t> calibrated_rows_;
  const ReplicateDesign* supplied_ = nullptr;
};

} // namespace hkstat::estimate
