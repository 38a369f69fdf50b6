#include "hkstat/estimate/calibrated_sums.hpp"

#include "hkstat/core/error.hpp"

#include <fmt/format.h>

#include <algorithm>
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

CalibratedSums::CalibratedSums(std::shared_ptr<const CombinationCalibration> cal, std::size_t domains, std::size_t measures, bool per_stratum,
                               std::vector<std::size_t> variables)
    : cal_(std::move(cal)), K_(cal_->g.size()), D_(domains), M_(measures),
      ratio_(cal_->trimmed && cal_->kind == weights::CalibrationKind::Raking), comb_w_(K_, 0.0), comb_d_(K_, 0.0), comb_n_(K_, 0),
      cell_(K_ * D_), measure_(K_ * D_ * M_), per_stratum_(per_stratum), var_first_(std::move(variables)) {
  if (var_first_.empty()) var_first_ = {0};
  var_first_.push_back(M_);
  for (std::size_t v = 0; v + 1 < var_first_.size(); ++v)
    if (var_first_[v] > var_first_[v + 1] || (v == 0 && var_first_[0] != 0))
      internal(fmt::format("variables={} measures={}", var_first_.size() - 1, M_), "変数の測度の範囲が正しくありません",
               "the variables' measure ranges are not valid");
  last_key_.resize(var_first_.size() - 1);
  last_pattern_.assign(var_first_.size() - 1, 0);
  has_last_.assign(var_first_.size() - 1, 0);
}

void CalibratedSums::add_measures(std::size_t measures) {
  if (measures < M_ || var_first_.size() != 2)
    internal(fmt::format("measures={} to {} variables={}", M_, measures, var_first_.size() - 1), "測度を増やせません",
             "the measures cannot grow");
  if (measures == M_) return;
  std::vector<Measure> grown(K_ * D_ * measures);
  for (std::size_t kd = 0; kd < K_ * D_; ++kd)
    for (std::size_t m = 0; m < M_; ++m) grown[kd * measures + m] = measure_[kd * M_ + m];
  measure_.swap(grown);
  M_ = measures;
  var_first_.back() = M_;
}

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
  const double wu = cal_->trimmed ? d * cal_->g[comb] : w; // the calibrated weight before trimming (apply_weighting's d · g)
  if (per_stratum_) add_grouped(psu, comb, w, d, wu, domains, nd, hits, nh);
  else {
    if (psu_.size() < (psu + 1) * K_) psu_.resize((psu + 1) * K_, 0.0);
    psu_[psu * K_ + comb] += cal_->kind == weights::CalibrationKind::Raking ? d : wu;
  }
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

void CalibratedSums::add_grouped(std::size_t stratum, std::size_t comb, double w, double d, double wu, const std::size_t* domains, std::size_t nd,
                                 const std::size_t* hits, std::size_t nh) {
  if (stratum_rows_.size() <= stratum) stratum_rows_.resize(stratum + 1, 0);
  ++stratum_rows_[stratum];
  // e = A a + B b (calibrated_sums.hpp).
  const bool raking = cal_->kind == weights::CalibrationKind::Raking;
  const double a = raking ? d : w;
  const double b = raking ? w - d * cal_->g[comb] : wu - w;
  for (std::size_t x = 0; x < nh; ++x)
    if (hits[x] >= M_) internal(fmt::format("measure={}", hits[x]), "測度の番号が範囲外です", "a measure index is out of range");
  const std::size_t V = var_first_.size() - 1;
  for (std::size_t v = 0; v < V; ++v) {
    // The row's pattern for variable v: its domains and v's measures with y = 1; the last row's unless they differ.
    key_.assign(1, nd);
    key_.insert(key_.end(), domains, domains + nd);
    key_.push_back(v);
    for (std::size_t x = 0; x < nh; ++x)
      if (hits[x] >= var_first_[v] && hits[x] < var_first_[v + 1]) key_.push_back(hits[x]);
    if (!has_last_[v] || key_ != last_key_[v]) {
      const auto [it, created] = pattern_of_.emplace(key_, static_cast<std::uint32_t>(patterns_.size()));
      if (created) {
        Pattern p;
        p.domains.assign(domains, domains + nd);
        p.hits.assign(key_.begin() + static_cast<std::ptrdiff_t>(nd + 2), key_.end());
        p.variable = v;
        patterns_.push_back(std::move(p));
      }
      last_pattern_[v] = it->second;
      last_key_[v].swap(key_);
      has_last_[v] = 1;
    }
    add_to_group(stratum, comb, last_pattern_[v], a, b);
  }
}

void CalibratedSums::add_to_group(std::size_t stratum, std::size_t comb, std::uint32_t pattern, double a, double b) {
  const std::uint64_t sk = static_cast<std::uint64_t>(stratum) * K_ + comb;
  if (sk >> 32 != 0) internal(fmt::format("stratum={} combinations={}", stratum, K_), "層と組み合わせが多すぎます", "too many strata and combinations");
  const std::uint64_t key = sk << 32 | pattern;
  const auto [it, created] = group_of_.emplace(key, static_cast<std::uint32_t>(groups_.size()));
  if (created) {
    Group g;
    g.stratum = static_cast<std::uint32_t>(stratum);
    g.comb = static_cast<std::uint32_t>(comb);
    g.pattern = pattern;
    groups_.push_back(g);
  }
  // Welford's update in row order.
  Group& g = groups_[it->second];
  ++g.n;
  const double n = static_cast<double>(g.n);
  const double da = a - g.ma, db = b - g.mb;
  g.ma += da / n;
  g.mb += db / n;
  const double ea = a - g.ma, eb = b - g.mb;
  g.caa += da * ea;
  g.cab += da * eb;
  g.cbb += db * eb;
}

void CalibratedSums::stratum_moments(const std::vector<std::size_t>& stratum_rank, const std::vector<std::pair<std::size_t, std::size_t>>& stats,
                                     const Eigen::VectorXd& value, const std::vector<double>& W, std::vector<Eigen::VectorXd>& s1,
                                     std::vector<Eigen::MatrixXd>& c2) const {
  const std::size_t H = stratum_rank.size(), J = stats.size();
  if (!per_stratum_ || stratum_rows_.size() > H || static_cast<std::size_t>(value.size()) != J || W.size() != J)
    internal(fmt::format("strata={} rows={}", H, stratum_rows_.size()), "層ごとの合計の大きさが一致しません", "stratum sums differ in size");
  const auto k = static_cast<Eigen::Index>(J);
  s1.assign(H, Eigen::VectorXd::Zero(k));
  c2.assign(H, Eigen::MatrixXd::Zero(k, k));
  // h_k per statistic; α per (pattern, statistic): 1_D (y − p̂) / W_D.
  const std::unique_ptr<Solver> solve = solver();
  std::vector<std::vector<double>> h(J);
  for (std::size_t j = 0; j < J; ++j) model(*solve, stats[j].first, stats[j].second, value(static_cast<Eigen::Index>(j)), W[j], h[j]);
  std::vector<double> alpha(patterns_.size() * J, 0.0);
  for (std::size_t q = 0; q < patterns_.size(); ++q) {
    const Pattern& pt = patterns_[q];
    for (std::size_t j = 0; j < J; ++j) {
      const auto [d, m] = stats[j];
      if (std::find(pt.domains.begin(), pt.domains.end(), d) == pt.domains.end()) continue;
      const double y = std::find(pt.hits.begin(), pt.hits.end(), m) != pt.hits.end() ? 1.0 : 0.0;
      alpha[q * J + j] = (y - value(static_cast<Eigen::Index>(j))) / W[j];
    }
  }
  // The statistics' variable: its groups hold every row once.
  const auto variable_of = [&](std::size_t m) {
    return static_cast<std::size_t>(std::upper_bound(var_first_.begin(), var_first_.end(), m) - var_first_.begin()) - 1;
  };
  const std::size_t var = J > 0 ? variable_of(stats[0].second) : 0;
  for (const auto& st : stats)
    if (st.second >= M_ || variable_of(st.second) != var)
      internal(fmt::format("measure={}", st.second), "統計量の測度が一つの変数に属しません", "the statistics' measures are not of one variable");
  const bool raking = cal_->kind == weights::CalibrationKind::Raking;
  std::vector<double> A(J), B(J), mean(J);
  const auto coefficients = [&](const Group& g) {
    for (std::size_t j = 0; j < J; ++j) {
      const double al = alpha[g.pattern * J + j], hk = h[j][g.comb];
      A[j] = raking ? al * cal_->g[g.comb] - hk : al - hk;
      B[j] = raking ? al : -hk;
      mean[j] = A[j] * g.ma + B[j] * g.mb; // ē of the group
    }
  };
  for (const Group& g : groups_) {
    if (patterns_[g.pattern].variable != var) continue;
    coefficients(g);
    Eigen::VectorXd& t = s1[stratum_rank[g.stratum]];
    for (std::size_t j = 0; j < J; ++j) t(static_cast<Eigen::Index>(j)) += static_cast<double>(g.n) * mean[j];
  }
  std::vector<double> dev(J);
  for (const Group& g : groups_) {
    if (patterns_[g.pattern].variable != var) continue;
    coefficients(g);
    const std::size_t c = stratum_rank[g.stratum];
    const double nh = static_cast<double>(stratum_rows_[g.stratum]), n = static_cast<double>(g.n);
    for (std::size_t j = 0; j < J; ++j) dev[j] = mean[j] - s1[c](static_cast<Eigen::Index>(j)) / nh;
    Eigen::MatrixXd& m = c2[c];
    for (std::size_t j = 0; j < J; ++j)
      for (std::size_t l = 0; l <= j; ++l) {
        const double v = A[j] * A[l] * g.caa + (A[j] * B[l] + B[j] * A[l]) * g.cab + B[j] * B[l] * g.cbb + n * dev[j] * dev[l];
        m(static_cast<Eigen::Index>(j), static_cast<Eigen::Index>(l)) += v;
        if (l != j) m(static_cast<Eigen::Index>(l), static_cast<Eigen::Index>(j)) += v;
      }
  }
}

// The linear calibration's least squares on the combinations with rows, A = √D_k x_k (one pivoted QR for every
// statistic); nothing for the other kinds.
struct CalibratedSums::Solver {
  std::vector<std::size_t> used;
  std::unique_ptr<Eigen::ColPivHouseholderQR<Eigen::MatrixXd>> qr;
  mutable Eigen::VectorXd u;
};

std::unique_ptr<CalibratedSums::Solver> CalibratedSums::solver() const {
  auto s = std::make_unique<Solver>();
  if (cal_->kind == weights::CalibrationKind::Linear) {
    for (std::size_t k = 0; k < K_; ++k)
      if (comb_n_[k] > 0 && comb_d_[k] > 0 && cal_->g[k] != 0) s->used.push_back(k);
    Eigen::MatrixXd A(static_cast<Eigen::Index>(s->used.size()), cal_->x.cols());
    for (std::size_t r = 0; r < s->used.size(); ++r)
      A.row(static_cast<Eigen::Index>(r)) = cal_->x.row(static_cast<Eigen::Index>(s->used[r])) * std::sqrt(comb_d_[s->used[r]]);
    s->qr = std::make_unique<Eigen::ColPivHouseholderQR<Eigen::MatrixXd>>(A);
    s->u.resize(static_cast<Eigen::Index>(s->used.size()));
  }
  return s;
}

void CalibratedSums::model(const Solver& s, std::size_t d, std::size_t m, double p, double W, std::vector<double>& h) const {
  h.assign(K_, 0.0);
  if (cal_->kind == weights::CalibrationKind::Linear) {
    // h_k = x_kᵀβ, β the least squares of Z_k / (g_k √D_k) on √D_k x_k.
    for (std::size_t r = 0; r < s.used.size(); ++r) {
      const std::size_t k = s.used[r];
      const Cell& c = cell_[k * D_ + d];
      const double Zk = (measure_[(k * D_ + d) * M_ + m].wy - p * c.w) / W;
      s.u(static_cast<Eigen::Index>(r)) = Zk / (cal_->g[k] * std::sqrt(comb_d_[k]));
    }
    const Eigen::VectorXd beta = s.qr->solve(s.u);
    for (std::size_t k : s.used) h[k] = cal_->x.row(static_cast<Eigen::Index>(k)).dot(beta);
  } else if (cal_->kind == weights::CalibrationKind::PostStratification) {
    for (std::size_t k = 0; k < K_; ++k) {
      const Cell& c = cell_[k * D_ + d];
      const double Zk = (measure_[(k * D_ + d) * M_ + m].wy - p * c.w) / W;
      h[k] = comb_w_[k] > 0 ? Zk / comb_w_[k] : 0.0;
    }
  } else {
    // e = z − d h: the sweeps on the table (calibration_residuals, raking).
    std::vector<double> u(K_); // Σ_{j∈k} z_j / d_j = g_k (C_ky − p̂ C_k) / W_D
    for (std::size_t k = 0; k < K_; ++k) {
      const Cell& c = cell_[k * D_ + d];
      const Measure& y = measure_[(k * D_ + d) * M_ + m];
      u[k] = ratio_ ? (y.ry - p * c.r) / W : cal_->g[k] * (static_cast<double>(y.ny) - p * static_cast<double>(c.n)) / W;
    }
    std::vector<double> sum, rows;
    for (int pass = 0; pass < cal_->residual_passes; ++pass)
      for (std::size_t st = 0; st < cal_->step_g.size(); ++st) {
        const std::vector<double>& sg = cal_->step_g[st];
        const std::vector<std::size_t>& cat = cal_->category[st];
        sum.assign(cal_->categories[st], 0.0);
        rows.assign(cal_->categories[st], 0.0);
        for (std::size_t k = 0; k < K_; ++k) {
          if (comb_n_[k] == 0) continue;
          sum[cat[k]] += (u[k] - static_cast<double>(comb_n_[k]) * h[k]) / sg[k];
          rows[cat[k]] += static_cast<double>(comb_n_[k]);
        }
        for (std::size_t k = 0; k < K_; ++k)
          if (comb_n_[k] > 0) h[k] += sg[k] * sum[cat[k]] / rows[cat[k]];
      }
  }
}

void CalibratedSums::residualise(const std::vector<std::size_t>& dense_psu, const std::vector<std::pair<std::size_t, std::size_t>>& stats,
                                 const Eigen::VectorXd& value, const std::vector<double>& W, Eigen::MatrixXd& z) const {
  const std::size_t P = dense_psu.size();
  if (per_stratum_ || static_cast<std::size_t>(z.rows()) != P || static_cast<std::size_t>(z.cols()) != stats.size() || W.size() != stats.size())
    internal(fmt::format("psus={} rows={}", P, z.rows()), "PSU合計の大きさが一致しません", "PSU totals differ in size");
  const std::unique_ptr<Solver> s = solver();
  std::vector<double> h;
  for (std::size_t j = 0; j < stats.size(); ++j) {
    model(*s, stats[j].first, stats[j].second, value(static_cast<Eigen::Index>(j)), W[j], h);
    for (std::size_t q = 0; q < P; ++q) {
      const std::size_t dq = dense_psu[q];
      if ((dq + 1) * K_ > psu_.size()) continue;
      double adj = 0;
      for (std::size_t k = 0; k < K_; ++k) adj += psu_[dq * K_ + k] * h[k];
      z(static_cast<Eigen::Index>(q), static_cast<Eigen::Index>(j)) -= adj;
    }
  }
}

Eigen::MatrixXd CalibratedSums::vcov(const PsuIndex::Canonical& can, LonelyPsu lonely, const std::vector<std::pair<std::size_t, std::size_t>>& stats,
                                     const Eigen::VectorXd& value, const std::vector<double>& W,
                                     const std::function<Eigen::MatrixXd()>& score_totals) const {
  if (per_stratum_) {
    std::vector<Eigen::VectorXd> s1;
    std::vector<Eigen::MatrixXd> c2;
    stratum_moments(can.stratum_rank, stats, value, W, s1, c2);
    return stratum_centred_vcov(can.layout, lonely, s1, c2);
  }
  Eigen::MatrixXd z = score_totals();
  residualise(can.dense_psu, stats, value, W, z);
  return psu_vcov(can.layout, lonely, z);
}

} // namespace hkstat::estimate
