#include "hkstat/tabulate/association_accumulator.hpp"

#include "hkstat/core/error.hpp"
#include "hkstat/estimate/calibrated_sums.hpp"
#include "hkstat/estimate/domain_engine.hpp"
#include "hkstat/estimate/rao_scott_parts.hpp"
#include "hkstat/estimate/replicates_sums.hpp"

#include <algorithm>
#include <limits>
#include <set>

namespace hkstat::tabulate {

using codebook::Role;
using codebook::VarType;

AssociationAccumulator::AssociationAccumulator(std::string variable, TestBy by, estimate::LonelyPsu lonely)
    : variable_(std::move(variable)), by_(by), lonely_(lonely) {}

AssociationAccumulator::AssociationAccumulator(std::string variable, TestTarget target, estimate::LonelyPsu lonely)
    : variable_(std::move(variable)), by_(target.by), by_variable_(std::move(target.variable)), lonely_(lonely) {}

AssociationAccumulator::AssociationAccumulator(std::string variable, TestTarget target, const TabulateOptions& options)
    : AssociationAccumulator(std::move(variable), std::move(target), options.lonely) {
  if (options.calibration || (options.replicate_request && (options.replicates || options.replicate_columns)) ||
      (options.replicates && options.replicate_columns))
    throw Error(Problem{ErrorCode::Internal, SourcePos{}, "replicates",
                        Text{"検定の集計は較正や2種類の反復重みを同時に扱いません", "the test's accumulator takes no calibration and one kind of replicates"},
                        Text{}, ""});
  created_ = options.replicate_request;
  if (options.replicates) sup_ = std::make_shared<estimate::SuppliedReplicateSums>(options.replicates);
  columns_ = options.replicate_columns; // summed from the first batch on (its codebook names the [replicates] line)
}

AssociationAccumulator::AssociationAccumulator(std::string variable, TestTarget target, const TabulateOptions& options,
                                               std::shared_ptr<const estimate::CombinationCalibration> calibration)
    : AssociationAccumulator(std::move(variable), std::move(target), options) {
  if (!calibration || options.replicate_request || options.replicates || options.replicate_columns)
    throw Error(Problem{ErrorCode::Internal, SourcePos{}, "calibration",
                        Text{"検定の較正の集計には較正が必要で、反復重みは使えません",
                             "the test's calibrated accumulator needs a calibration and takes no replicates"},
                        Text{}, ""});
  cal_fit_ = std::move(calibration);
}

void AssociationAccumulator::add(const data::Dataset& ds, const classify::Classification* cls, const std::vector<std::size_t>& combination,
                                 const std::vector<double>& input_weight) {
  if (!cal_fit_ || combination.size() != ds.rows() || input_weight.size() != ds.rows())
    throw Error(Problem{ErrorCode::Internal, SourcePos{}, "calibration",
                        Text{"較正の組み合わせが行と一致しません", "the calibration's combinations differ from the rows"}, Text{}, ""});
  const estimate::CalibrationBatch batch(cal_comb_, cal_input_, combination, input_weight);
  add(ds, cls);
}

void AssociationAccumulator::add(const data::Dataset& ds, const classify::Classification* cls) {
  if (cal_fit_ && !cal_comb_)
    throw Error(Problem{ErrorCode::Internal, SourcePos{}, "calibration",
                        Text{"較正の組み合わせなしに行が加えられました", "rows added without their calibration combinations"}, Text{}, ""});
  if (source_.empty()) source_ = ds.source;
  // The checks of association_test, in its order.
  const codebook::Variable* var = ds.codebook.by_name(variable_);
  const data::Column* col = var ? ds.column(variable_) : nullptr;
  if (!var || !col || var->type != VarType::Code)
    throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{ds.codebook.path, 0, 0, "", "‹test›"}, variable_,
                        Text{"Rao–Scott 検定は単数回答（code）の変数だけです", "the Rao-Scott test is for single-answer (code) variables only"},
                        Text{"type = \"code\" の変数", "a variable of type code"}, ""});
  const data::Column* sex = nullptr;
  const data::Column* other = nullptr;
  if (by_ == TestBy::Variable) {
    const codebook::Variable* bv = ds.codebook.by_name(by_variable_);
    other = bv ? ds.column(by_variable_) : nullptr;
    if (!bv || !other || bv->type != VarType::Code)
      throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{ds.codebook.path, 0, 0, "", "‹test›"}, by_variable_,
                          Text{"検定の相手は sex、broad、またはコードブックの単数回答（code）の変数です",
                               "the test's counterpart is sex, broad or a single-answer (code) variable of the codebook"},
                          Text{"sex、broad、または type = \"code\" の変数名", "sex, broad or the name of a variable of type code"}, ""});
    if (by_variable_ == variable_)
      throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{ds.codebook.path, 0, 0, "", "‹test›"}, by_variable_,
                          Text{"検定の相手が集計する変数と同じです", "the test's counterpart is the tabulated variable itself"},
                          Text{"--var とは別の変数", "a variable other than the --var one"}, ""});
  } else if (by_ == TestBy::Sex) {
    sex = ds.column(Role::Sex);
    if (!sex)
      throw Error(Problem{ErrorCode::CodebookInvalid, SourcePos{ds.codebook.path, 0, 0, "", "role sex"}, "",
                          Text{"性別との検定には role = \"sex\" の変数が必要です", "a test by sex needs a variable with role = \"sex\""}, Text{}, ""});
  } else if (!cls) {
    throw_problem(ErrorCode::Internal, "cls", Text{"判定がありません", "no classification"}, Text{});
  }
  if (ds.rows() == 0) return;
  if (!started_) { // the first rows: without a psu column, sums per stratum (nothing per row) unless created
    started_ = true;   // replicates need each row's multipliers
    if (!ds.column(Role::Psu) && !created_) units_.count_rows();
    const codebook::Codebook& cb = ds.codebook;
    if (columns_)
      sup_ = std::make_shared<estimate::SuppliedReplicateSums>(*columns_, cb.replicates ? cb.path : std::string(), cb.replicates ? cb.replicates->line : 0);
    if (cal_fit_) // one domain (the complete rows), a measure per two-way cell as it appears
      cal_ = std::make_shared<estimate::CalibratedSums>(cal_fit_, 1, 0, !ds.column(Role::Psu));
  }
  units_.bind(ds);
  if (sup_) {
    sup_->bind(ds);
    sup_->resize_slots(1 + cells_.size());
  }
  const bool counted = units_.counted();
  const bool row_psu = created_ && !units_.clustered(); // created replicates, each row its own PSU
  units_.add(ds, batch_units_); // every row's unit in one call (errors in row order), then the rows
  for (std::size_t r = 0; r < ds.rows(); ++r) {
    const estimate::PsuIndex::Unit u = batch_units_[r];
    const double* rw = sup_ ? sup_->row(r, u.weight) : nullptr; // the row's replicate (analysis) weights
    if (rw) sup_->add_rank(0, rw);                               // R degf of the whole design: every row
    if (created_) {
      if (u.created) psu_any_w_.push_back(0);
      if (u.weight != 0) psu_any_w_[u.psu] = 1;
    }
    if (counted && strat_w_.size() <= u.stratum) {
      strat_cell_w_.resize(u.stratum + 1);
      strat_cell_w2_.resize(u.stratum + 1);
      strat_w_.resize(u.stratum + 1, 0.0);
      strat_w2_.resize(u.stratum + 1, 0.0);
      strat_complete_.resize(u.stratum + 1, 0);
    }
    if (u.created) {
      if (!row_psu) psu_cell_w_.emplace_back();
      psu_w_.push_back(0);
      psu_complete_.push_back(0);
    }
    if (row_psu) row_cell_.push_back(-1);
    const std::int64_t a = col->ints[r];
    std::int64_t b = 0;
    if (other) b = other->ints[r];
    else if (sex) b = sex->ints[r];
    else b = (cls->rows[r].cls == classify::Class::Narrow || cls->rows[r].cls == classify::Class::Semi) ? 1 : 0;
    if (a == data::kMissing || b == data::kMissing) {
      if (cal_) cal_->add(counted ? u.stratum : u.psu, (*cal_comb_)[r], u.weight, (*cal_input_)[r], nullptr, 0, nullptr, 0);
      continue;
    }
    auto [it, inserted] = cell_of_.try_emplace({a, b}, cells_.size());
    if (inserted) {
      cells_.emplace_back(a, b);
      cell_w_.push_back(0);
      if (sup_) sup_->resize_slots(1 + cells_.size());
      if (cal_) cal_->add_measures(cells_.size());
    }
    const std::size_t k = it->second;
    if (cal_) { // the complete rows are the domain (0), the row's cell its measure
      const std::size_t domain = 0;
      cal_->add(counted ? u.stratum : u.psu, (*cal_comb_)[r], u.weight, (*cal_input_)[r], &domain, 1, &k, 1);
    }
    const double w = u.weight;
    if (rw) {
      sup_->add(0, rw);
      sup_->add(1 + k, rw);
    }
    if (row_psu) {
      row_cell_.back() = static_cast<std::int32_t>(k);
      psu_w_[u.psu] += w;
      psu_complete_[u.psu] = 1;
    } else if (counted) {
      const std::size_t h = u.stratum;
      std::vector<double>& sw = strat_cell_w_[h];
      std::vector<double>& sw2 = strat_cell_w2_[h];
      if (sw.size() <= k) {
        sw.resize(cells_.size(), 0.0);
        sw2.resize(cells_.size(), 0.0);
      }
      sw[k] += w;
      sw2[k] += w * w;
      strat_w_[h] += w;
      strat_w2_[h] += w * w;
      strat_complete_[h] = 1;
    } else {
      std::vector<double>& pw = psu_cell_w_[u.psu];
      if (pw.size() <= k) pw.resize(cells_.size(), 0.0);
      pw[k] += w;
      psu_w_[u.psu] += w;
      psu_complete_[u.psu] = 1;
    }
    cell_w_[k] += w;
    total_w_ += w;
  }
}

AssociationTest AssociationAccumulator::finish() const {
  std::set<std::int64_t> ra, rb;
  for (const auto& [a, b] : cells_) {
    ra.insert(a);
    rb.insert(b);
  }
  const std::vector<std::int64_t> rows(ra.begin(), ra.end()), cols(rb.begin(), rb.end());
  estimate::detail::rao_scott_check_levels(rows.size(), cols.size());
  estimate::detail::rao_scott_check_total(total_w_);
  const auto nr = static_cast<Eigen::Index>(rows.size());
  const Eigen::Index K = nr * static_cast<Eigen::Index>(cols.size());
  std::vector<Eigen::Index> grid(cells_.size());
  for (std::size_t k = 0; k < cells_.size(); ++k) {
    const auto ia = std::lower_bound(rows.begin(), rows.end(), cells_[k].first) - rows.begin();
    const auto ib = std::lower_bound(cols.begin(), cols.end(), cells_[k].second) - cols.begin();
    grid[k] = ia + nr * ib;
  }
  Eigen::VectorXd p = Eigen::VectorXd::Zero(K);
  for (std::size_t k = 0; k < cells_.size(); ++k) p(grid[k]) = cell_w_[k] / total_w_;
  // The PSU score totals in the canonical layout; the strata with a complete row are present.
  const estimate::PsuIndex::Canonical can = units_.canonical(source_);
  const double N = static_cast<double>(units_.rows());
  if (sup_) { // supplied columns: θ_rk = Σ w_r 1[k] / Σ w_r over the complete rows, in row order
    sup_->check_rows();
    const estimate::ReplicateDesign scales = sup_->scales();
    const auto R = static_cast<Eigen::Index>(sup_->replicates());
    Eigen::MatrixXd thetas = Eigen::MatrixXd::Zero(R, K);
    const double* den = sup_->sums(0);
    for (std::size_t k = 0; k < cells_.size(); ++k) {
      const double* num = sup_->sums(1 + k);
      for (Eigen::Index r = 0; r < R; ++r) thetas(r, grid[k]) = num[r] / den[r];
    }
    for (Eigen::Index r = 0; r < R; ++r) // a cell without rows: 0 / Σ w_r (NaN when the replicate has no weight)
      if (!(den[r] != 0))
        for (Eigen::Index g = 0; g < K; ++g) thetas(r, g) = std::numeric_limits<double>::quiet_NaN();
    const Eigen::MatrixXd V = estimate::replicate_vcov(scales, thetas, p);
    return AssociationTest{variable_, by_, estimate::detail::rao_scott_statistics(rows, cols, p, V, N, sup_->df({0})), by_variable_};
  }
  if (created_) { // the PSU multipliers on the per-PSU sums (canonical order), as the domain engine's cells
    const std::size_t P = can.layout.psus();
    estimate::DomainEngine engine(can.layout, can.psu_stratum, lonely_, created_);
    Eigen::MatrixXd cell_w = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(P), K);
    std::vector<double> w(P, 0.0);
    std::vector<char> has_w(P, 0);
    for (std::size_t q = 0; q < P; ++q) {
      const std::size_t d = can.dense_psu[q];
      has_w[q] = psu_any_w_[d];
      w[q] = psu_w_[d];
      if (!row_cell_.empty()) {
        if (row_cell_[d] >= 0) cell_w(static_cast<Eigen::Index>(q), grid[static_cast<std::size_t>(row_cell_[d])]) = psu_w_[d];
      } else {
        const std::vector<double>& pw = psu_cell_w_[d];
        for (std::size_t k = 0; k < pw.size(); ++k) cell_w(static_cast<Eigen::Index>(q), grid[k]) = pw[k];
      }
    }
    struct View {
      const Eigen::MatrixXd& cells;
      const std::vector<double>& sums;
      std::size_t psus() const { return sums.size(); }
      double w(std::size_t q) const { return sums[q]; }
      double wy(std::size_t q, std::size_t j) const { return cells(static_cast<Eigen::Index>(q), static_cast<Eigen::Index>(j)); }
    } view{cell_w, w};
    std::vector<std::size_t> all(static_cast<std::size_t>(K));
    for (std::size_t g = 0; g < all.size(); ++g) all[g] = g;
    Eigen::MatrixXd thetas(engine.replicates(), K);
    engine.replicate_thetas(view, all, thetas);
    const Eigen::MatrixXd V = estimate::replicate_vcov(engine.replicate_scales(), thetas, p);
    return AssociationTest{variable_, by_, estimate::detail::rao_scott_statistics(rows, cols, p, V, N, engine.replicate_df(has_w)), by_variable_};
  }
  const double nu = static_cast<double>(units_.psus()) - static_cast<double>(units_.strata());
  if (cal_) {
    // Calibrated: statistic j = (the complete rows, cell j) at p̂ of cell j; the residuals' covariance over the observed
    // cells, the whole design (every stratum present), placed on the grid (a cell without rows: zero residuals).
    const std::size_t C = cells_.size();
    std::vector<std::pair<std::size_t, std::size_t>> stats(C);
    Eigen::VectorXd value(static_cast<Eigen::Index>(C));
    for (std::size_t j = 0; j < C; ++j) {
      stats[j] = {0, j};
      value(static_cast<Eigen::Index>(j)) = p(grid[j]);
    }
    // The one calibrated-variance path (CalibratedSums::vcov), given the cells' PSU score totals.
    const Eigen::MatrixXd vc = cal_->vcov(can, lonely_, stats, value, std::vector<double>(C, total_w_), [&] {
      const std::size_t P = can.layout.psus();
      Eigen::MatrixXd z = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(P), static_cast<Eigen::Index>(C));
      for (std::size_t q = 0; q < P; ++q) {
        const std::size_t d = can.dense_psu[q];
        const std::vector<double>& pw = psu_cell_w_[d];
        for (std::size_t j = 0; j < C; ++j)
          z(static_cast<Eigen::Index>(q), static_cast<Eigen::Index>(j)) =
              ((j < pw.size() ? pw[j] : 0.0) - value(static_cast<Eigen::Index>(j)) * psu_w_[d]) / total_w_;
      }
      return z;
    });
    Eigen::MatrixXd V = Eigen::MatrixXd::Zero(K, K);
    for (std::size_t j = 0; j < C; ++j)
      for (std::size_t l = 0; l < C; ++l) V(grid[j], grid[l]) = vc(static_cast<Eigen::Index>(j), static_cast<Eigen::Index>(l));
    return AssociationTest{variable_, by_, estimate::detail::rao_scott_statistics(rows, cols, p, V, N, nu), by_variable_};
  }
  if (units_.counted()) {
    // Each row its own PSU: per canonical stratum the moments of the row scores z_g = w (1[g] − p̂_g) / T over its
    // complete rows (T = Σ w over every complete row; z = 0 on the others): Σ z_g = (Σ w 1[g] − p̂_g Σ w) / T and
    // Σ z_g z_l = (δ_gl Σ w² 1[g] − p̂_l Σ w² 1[g] − p̂_g Σ w² 1[l] + p̂_g p̂_l Σ w²) / T².
    const std::size_t H = can.layout.strata();
    std::vector<Eigen::VectorXd> s1(H, Eigen::VectorXd::Zero(K));
    std::vector<Eigen::MatrixXd> s2(H, Eigen::MatrixXd::Zero(K, K));
    std::vector<char> present(H, 0);
    for (std::size_t d = 0; d < H; ++d) {
      const std::size_t c = can.stratum_rank[d];
      if (d >= strat_complete_.size() || !strat_complete_[d]) continue;
      present[c] = 1;
      Eigen::VectorXd a = Eigen::VectorXd::Zero(K), a2 = Eigen::VectorXd::Zero(K); // Σ w 1[g], Σ w² 1[g] on the grid
      for (std::size_t k = 0; k < strat_cell_w_[d].size(); ++k) {
        a(grid[k]) = strat_cell_w_[d][k];
        a2(grid[k]) = strat_cell_w2_[d][k];
      }
      const double sw = strat_w_[d], sw2 = strat_w2_[d], T = total_w_;
      for (Eigen::Index g = 0; g < K; ++g) {
        s1[c](g) = (a(g) - p(g) * sw) / T;
        for (Eigen::Index l = 0; l <= g; ++l) {
          const double t = (g == l ? a2(g) : 0.0) - p(l) * a2(g) - p(g) * a2(l) + p(g) * p(l) * sw2;
          s2[c](g, l) = s2[c](l, g) = t / (T * T);
        }
      }
    }
    const Eigen::MatrixXd V = estimate::stratum_moments_vcov(can.layout, lonely_, s1, s2, present);
    return AssociationTest{variable_, by_, estimate::detail::rao_scott_statistics(rows, cols, p, V, N, nu), by_variable_};
  }
  const std::size_t P = can.layout.psus();
  Eigen::MatrixXd totals = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(P), K);
  std::vector<char> present(can.layout.strata(), 0);
  for (std::size_t q = 0; q < P; ++q) {
    const std::size_t d = can.dense_psu[q];
    if (!psu_complete_[d]) continue;
    present[can.psu_stratum[q]] = 1;
    const std::vector<double>& pw = psu_cell_w_[d];
    for (Eigen::Index g = 0; g < K; ++g) totals(static_cast<Eigen::Index>(q), g) = -p(g) * psu_w_[d] / total_w_;
    for (std::size_t k = 0; k < pw.size(); ++k) totals(static_cast<Eigen::Index>(q), grid[k]) += pw[k] / total_w_;
  }
  const Eigen::MatrixXd V = estimate::psu_vcov(can.layout, lonely_, totals, present);
  return AssociationTest{variable_, by_, estimate::detail::rao_scott_statistics(rows, cols, p, V, N, nu), by_variable_};
}

} // namespace hkstat::tabulate
