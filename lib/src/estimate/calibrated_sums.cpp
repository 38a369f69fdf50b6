#include "hkstat/estimate/calibrated_sums.hpp"

#include "hkstat/core/error.hpp"

#include <fmt/format.h>

#include <cmath>
#include <map>

namespace hkstat::estimate {

namespace {

[[noreturn]] void internal(std::string value, const char* ja, const char* en) {
  throw_problem(ErrorCode::Internal, std::move(value), Text{ja, en}, Text{});
}

} // namespace

CombinationCalibration CombinationCalibration::of(const weights::WeightingStream& stream) {
  const weights::WeightingSpec& spec = stream.spec();
  const weights::CalibrationKind kind = spec.method == weights::WeightingMethod::Rake     ? weights::CalibrationKind::Raking
                                        : spec.method == weights::WeightingMethod::Linear ? weights::CalibrationKind::Linear
                                                                                          : weights::CalibrationKind::PostStratification;
  return of(kind, stream.table(), stream.combination_fit(), weights::RakeControl{}.residual_passes,
            kind == weights::CalibrationKind::Linear ? stream.calibration_x() : Eigen::MatrixXd{}, spec.trim.has_value());
}

CombinationCalibration CombinationCalibration::of(weights::CalibrationKind kind, const weights::CombinationTable& table,
                                                  const weights::CombinationFit& fit, int residual_passes, Eigen::MatrixXd x, bool trimmed) {
  CombinationCalibration c;
  c.kind = kind;
  c.g = fit.g;
  c.residual_passes = residual_passes;
  c.trimmed = trimmed;
  if (kind == weights::CalibrationKind::Raking) {
    c.step_g = fit.step_g;
    c.category.resize(table.margins());
    c.categories.resize(table.margins());
    for (std::size_t m = 0; m < table.margins(); ++m) {
      std::map<std::int64_t, std::size_t> dense;
      for (std::size_t k = 0; k < table.size(); ++k) dense.emplace(table.cell(k, m), 0);
      std::size_t i = 0;
      for (auto& [code, ix] : dense) ix = i++;
      c.categories[m] = dense.size();
      for (std::size_t k = 0; k < table.size(); ++k) c.category[m].push_back(dense[table.cell(k, m)]);
    }
    if (c.step_g.size() != table.margins()) internal("step_g", "レーキングの段ごとの係数がありません", "the rake's step factors are missing");
  } else if (kind == weights::CalibrationKind::Linear) {
    if (static_cast<std::size_t>(x.rows()) != table.size() || x.cols() == 0)
      internal(fmt::format("x={}x{} combinations={}", x.rows(), x.cols(), table.size()), "線形較正の変数が組み合わせと一致しません",
               "linear calibration variables do not match the combinations");
    c.x = std::move(x);
  }
  if (c.g.size() != table.size()) internal("g", "較正の係数の数が組み合わせの数と一致しません", "calibration factors differ in number from the combinations");
  return c;
}

CalibratedSums::CalibratedSums(std::shared_ptr<const CombinationCalibration> cal, std::size_t domains, std::size_t measures)
    : cal_(std::move(cal)), K_(cal_->g.size()), D_(domains), M_(measures),
      ratio_(cal_->trimmed && cal_->kind == weights::CalibrationKind::Raking), comb_w_(K_, 0.0), comb_d_(K_, 0.0), comb_n_(K_, 0),
      cell_(K_ * D_), measure_(K_ * D_ * M_) {}

void CalibratedSums::add(std::size_t psu, std::size_t comb, double w, double d, const std::size_t* domains, std::size_t nd,
                         const std::array<bool, 3>& y) {
  if (M_ != 3) internal(fmt::format("measures={}", M_), "測度の数が3ではありません", "the measures are not three");
  std::array<std::size_t, 3> hits{};
  std::size_t nh = 0;
  for (std::size_t m = 0; m < 3; ++m)
    if (y[m]) hits[nh++] = m;
  add(psu, comb, w, d, domains, nd, hits.data(), nh);
}

void CalibratedSums::add(std::size_t psu, std::size_t comb, double w, double d, const std::size_t* domains, std::size_t nd,
                         const std::size_t* hits, std::size_t nh) {
  if (comb >= K_ || w == 0 || !(d > 0))
    internal(fmt::format("combination={} w={} d={}", comb, w, d), "較正済みの行の組み合わせか重みが正しくありません",
             "a calibrated row has no valid combination or weight");
  if (psu_.size() < (psu + 1) * K_) psu_.resize((psu + 1) * K_, 0.0);
  const double wu = cal_->trimmed ? d * cal_->g[comb] : w; // the calibrated weight before trimming (apply_weighting's d · g)
  psu_[psu * K_ + comb] += cal_->kind == weights::CalibrationKind::Raking ? d : wu;
  comb_w_[comb] += wu;
  comb_d_[comb] += d;
  ++comb_n_[comb];
  const double r = ratio_ ? w / d : 0.0;
  for (std::size_t i = 0; i < nd; ++i) {
    const std::size_t kd = comb * D_ + domains[i];
    Cell& c = cell_[kd];
    c.w += w;
    ++c.n;
    if (ratio_) c.r += r;
    for (std::size_t j = 0; j < nh; ++j) {
      Measure& y = measure_[kd * M_ + hits[j]];
      y.wy += w;
      ++y.ny;
      if (ratio_) y.ry += r;
    }
  }
}

void CalibratedSums::residualise(const std::vector<std::size_t>& dense_psu, const std::vector<std::pair<std::size_t, std::size_t>>& stats,
                                 const Eigen::VectorXd& value, const std::vector<double>& W, Eigen::MatrixXd& z) const {
  const std::size_t P = dense_psu.size();
  if (static_cast<std::size_t>(z.rows()) != P || static_cast<std::size_t>(z.cols()) != stats.size() || W.size() != stats.size())
    internal(fmt::format("psus={} rows={}", P, z.rows()), "PSU合計の大きさが一致しません", "PSU totals differ in size");
  std::vector<double> h(K_);
  // Linear: the least squares on the combinations with rows, A = √D_k x_k (pivoted QR once for every statistic).
  std::vector<std::size_t> used;
  std::unique_ptr<Eigen::ColPivHouseholderQR<Eigen::MatrixXd>> qr;
  if (cal_->kind == weights::CalibrationKind::Linear) {
    for (std::size_t k = 0; k < K_; ++k)
      if (comb_n_[k] > 0 && comb_d_[k] > 0 && cal_->g[k] != 0) used.push_back(k);
    Eigen::MatrixXd A(static_cast<Eigen::Index>(used.size()), cal_->x.cols());
    for (std::size_t r = 0; r < used.size(); ++r)
      A.row(static_cast<Eigen::Index>(r)) = cal_->x.row(static_cast<Eigen::Index>(used[r])) * std::sqrt(comb_d_[used[r]]);
    qr = std::make_unique<Eigen::ColPivHouseholderQR<Eigen::MatrixXd>>(A);
  }
  Eigen::VectorXd u_lin(static_cast<Eigen::Index>(used.size()));
  for (std::size_t j = 0; j < stats.size(); ++j) {
    const auto [d, m] = stats[j];
    const double p = value(static_cast<Eigen::Index>(j));
    if (cal_->kind == weights::CalibrationKind::Linear) {
      // h_k = x_kᵀβ, β the least squares of Z_k / (g_k √D_k) on √D_k x_k.
      for (std::size_t r = 0; r < used.size(); ++r) {
        const std::size_t k = used[r];
        const Cell& c = cell_[k * D_ + d];
        const double Zk = (measure_[(k * D_ + d) * M_ + m].wy - p * c.w) / W[j];
        u_lin(static_cast<Eigen::Index>(r)) = Zk / (cal_->g[k] * std::sqrt(comb_d_[k]));
      }
      const Eigen::VectorXd beta = qr->solve(u_lin);
      std::fill(h.begin(), h.end(), 0.0);
      for (std::size_t k : used) h[k] = cal_->x.row(static_cast<Eigen::Index>(k)).dot(beta);
    } else if (cal_->kind == weights::CalibrationKind::PostStratification) {
      for (std::size_t k = 0; k < K_; ++k) {
        const Cell& c = cell_[k * D_ + d];
        const double Zk = (measure_[(k * D_ + d) * M_ + m].wy - p * c.w) / W[j];
        h[k] = comb_w_[k] > 0 ? Zk / comb_w_[k] : 0.0;
      }
    } else {
      // e = z − d h: the sweeps on the table (calibration_residuals, raking).
      std::fill(h.begin(), h.end(), 0.0);
      std::vector<double> u(K_); // Σ_{j∈k} z_j / d_j = g_k (C_ky − p̂ C_k) / W_D
      for (std::size_t k = 0; k < K_; ++k) {
        const Cell& c = cell_[k * D_ + d];
        const Measure& y = measure_[(k * D_ + d) * M_ + m];
        u[k] = ratio_ ? (y.ry - p * c.r) / W[j] : cal_->g[k] * (static_cast<double>(y.ny) - p * static_cast<double>(c.n)) / W[j];
      }
      std::vector<double> sum, rows;
      for (int pass = 0; pass < cal_->residual_passes; ++pass)
        for (std::size_t s = 0; s < cal_->step_g.size(); ++s) {
          const std::vector<double>& sg = cal_->step_g[s];
          const std::vector<std::size_t>& cat = cal_->category[s];
          sum.assign(cal_->categories[s], 0.0);
          rows.assign(cal_->categories[s], 0.0);
          for (std::size_t k = 0; k < K_; ++k) {
            if (comb_n_[k] == 0) continue;
            sum[cat[k]] += (u[k] - static_cast<double>(comb_n_[k]) * h[k]) / sg[k];
            rows[cat[k]] += static_cast<double>(comb_n_[k]);
          }
          for (std::size_t k = 0; k < K_; ++k)
            if (comb_n_[k] > 0) h[k] += sg[k] * sum[cat[k]] / rows[cat[k]];
        }
    }
    for (std::size_t q = 0; q < P; ++q) {
      const std::size_t dq = dense_psu[q];
      if ((dq + 1) * K_ > psu_.size()) continue;
      double adj = 0;
      for (std::size_t k = 0; k < K_; ++k) adj += psu_[dq * K_ + k] * h[k];
      z(static_cast<Eigen::Index>(q), static_cast<Eigen::Index>(j)) -= adj;
    }
  }
}

} // namespace hkstat::estimate
