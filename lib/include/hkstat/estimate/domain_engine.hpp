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
//   policy for a replicate that leaves the domain without weight (θ not finite): EmptyReplicate::Stop →
//               EstimateNoData from replicate_vcov (estimate), EmptyReplicate::Blank → `replicate_undefined`,
//               no variance and df NaN (tabulate: the percentage stands, SE and interval are not shown).
// Kept as they were: the kernels psu_vcov and replicate_vcov and every order of summation.
#pragma once

#include "hkstat/estimate/design.hpp"
#include "hkstat/estimate/replicates.hpp"
#include "hkstat/estimate/survey_estimators.hpp"

#include <Eigen/Dense>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

namespace hkstat::estimate {

enum class EmptyReplicate { Stop, Blank };

struct DomainEstimate {
  Eigen::MatrixXd vcov;             // k × k (empty when replicate_undefined)
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
    const auto n = static_cast<Eigen::Index>(std::count(has_w.begin(), has_w.end(), 1));
    Eigen::MatrixXd sub(n, mult_->mult.cols());
    Eigen::Index i = 0;
    for (std::size_t q = 0; q < has_w.size(); ++q)
      if (has_w[q]) sub.row(i++) = mult_->mult.row(static_cast<Eigen::Index>(q));
    const double df = replicate_rank(sub) - 1;
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
  DomainEstimate domain(const V& v, std::size_t k, const Eigen::VectorXd& value, double W, double m, EmptyReplicate policy,
                        bool deff = true) const {
    DomainEstimate out;
    std::vector<std::size_t> cols(k);
    for (std::size_t j = 0; j < k; ++j) cols[j] = j;
    if (mult_) {
      Eigen::MatrixXd thetas(replicates(), static_cast<Eigen::Index>(k));
      replicate_thetas(v, cols, thetas);
      if (policy == EmptyReplicate::Blank && !thetas.allFinite()) {
        out.replicate_undefined = true;
        out.df = std::numeric_limits<double>::quiet_NaN();
        return out;
      }
      out.vcov = replicate_vcov(rd_, thetas, value); // EmptyReplicate::Stop: non-finite θ → EstimateNoData
      out.df = replicate_df(psus_with_weight(v));
      return out;
    }
    Eigen::MatrixXd z(static_cast<Eigen::Index>(v.psus()), static_cast<Eigen::Index>(k));
    score_totals(v, cols, value, W, z);
    out.vcov = psu_vcov(layout_, lonely_, z, present_strata(v));
    out.df = linearised_df(psus_with_weight(v));
    if (deff)
      for (std::size_t j = 0; j < k; ++j) {
        const double p = value(static_cast<Eigen::Index>(j));
        // R deff = "replace": S² = m/(m − 1) Σ w (y − p)² / Σ w, and Σ w (y − p)² = Σ w · p (1 − p) for 0/1 y.
        const double s2 = m >= 2 ? m / (m - 1) * (p * (1 - p)) : 0.0;
        out.deff.push_back(domain_deff(out.vcov(static_cast<Eigen::Index>(j), static_cast<Eigen::Index>(j)), s2, m, W));
      }
    return out;
  }

private:
  const PsuLayout& layout_;
  std::vector<std::size_t> psu_stratum_;
  LonelyPsu lonely_;
  std::optional<PsuMultipliers> mult_;
  ReplicateDesign rd_; // scale, rscales and mse for replicate_vcov (no rows)
  mutable std::vector<std::pair<std::vector<char>, double>> rank_cache_;
};

} // namespace hkstat::estimate
