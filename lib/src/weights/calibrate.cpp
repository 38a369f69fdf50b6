#include "hkstat/weights/calibrate.hpp"

#include "hkstat/core/error.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <unordered_map>
#include <string>
#include <utility>

namespace hkstat::weights {

namespace {

[[noreturn]] void fail(ErrorCode code, std::string value, Text message, Text expected) {
  throw_problem(code, std::move(value), std::move(message), std::move(expected));
}

void check_length(std::size_t got, std::size_t n, const char* what) {
  if (got != n)
    fail(ErrorCode::Internal, fmt::format("{}={} weights={}", what, got, n),
         Text{fmt::format("{}の長さが重みの数と一致しません", what), fmt::format("{} differs in length from the weights", what)},
         Text{});
}

// Base weights: finite and >= 0.
void check_weights(const std::vector<double>& w) {
  for (std::size_t i = 0; i < w.size(); ++i)
    if (!std::isfinite(w[i]) || w[i] < 0)
      fail(ErrorCode::DataInvalidWeight, fmt::format("{}", w[i]),
           Text{fmt::format("{}行目の重みが0以上の有限値ではありません", i + 1),
                fmt::format("row {}: weight is not a finite value >= 0", i + 1)},
           Text{"0以上の数値", "a number >= 0"});
}

// How a category is named in messages: "post-stratum 3" or "margin 'sex' category 2".
struct Label {
  std::string margin; // empty for post-strata
  const std::map<std::int64_t, std::string>* labels = nullptr;
  Text of(std::int64_t code) const {
    std::string c = fmt::format("{}", code);
    if (labels)
      if (const auto it = labels->find(code); it != labels->end()) c = it->second;
    if (margin.empty()) return Text{fmt::format("事後層 {}", c), fmt::format("post-stratum {}", c)};
    return Text{fmt::format("周辺分布「{}」のカテゴリ {}", margin, c), fmt::format("margin '{}' category {}", margin, c)};
  }
};

// A margin (or the post-strata) of a combination table mapped to dense category indices, with its
// population targets.
struct Prepared {
  std::vector<std::size_t> index; // category index per combination
  std::vector<std::int64_t> codes; // code per category (ascending)
  std::vector<double> target;      // population count per category
  double grand_total = 0;
};

Prepared prepare(const Label& label, const CombinationTable& t, std::size_t m, const std::map<std::int64_t, double>& totals) {
  std::map<std::int64_t, std::pair<double, std::size_t>> seen; // code -> (Σ w, rows)
  for (std::size_t k = 0; k < t.size(); ++k) {
    auto& s = seen[t.cell(k, m)];
    s.first += t.weight(k);
    s.second += t.rows(k);
  }
  Prepared p;
  std::map<std::int64_t, std::size_t> pos;
  for (const auto& [code, s] : seen) {
    const Text name = label.of(code);
    const auto tt = totals.find(code);
    if (tt == totals.end())
      fail(ErrorCode::ConfigInvalid, fmt::format("{}", code),
           Text{fmt::format("{}に回答者が{}人いますが、母集団の表にありません", name.ja, s.second),
                fmt::format("{} has {} respondent(s) but is missing from the population table", name.en, s.second)},
           Text{"回答者のいるすべてのカテゴリの母集団数", "a population count for every category that has respondents"});
    if (!std::isfinite(tt->second) || tt->second <= 0)
      fail(ErrorCode::ConfigInvalid, fmt::format("{}", tt->second),
           Text{fmt::format("{}の母集団数が正の有限値ではありません", name.ja), fmt::format("{}: population count is not a finite number > 0", name.en)},
           Text{"0より大きい数値", "a number > 0"});
    if (!(s.first > 0))
      fail(ErrorCode::EstimateNoData, fmt::format("{}", code),
           Text{fmt::format("{}の母集団数は{}ですが、重みが正の回答者がいません", name.ja, tt->second),
                fmt::format("{}: population count {} but no respondent with a positive weight", name.en, tt->second)},
           Text{"隣のカテゴリと統合してください", "merge the category with a neighbouring one"});
    pos[code] = p.codes.size();
    p.codes.push_back(code);
    p.target.push_back(tt->second);
    p.grand_total += tt->second;
  }
  for (const auto& [code, count] : totals) {
    if (seen.count(code) || count == 0) continue;
    const Text name = label.of(code);
    if (!std::isfinite(count) || count < 0)
      fail(ErrorCode::ConfigInvalid, fmt::format("{}", count),
           Text{fmt::format("{}の母集団数が0以上の有限値ではありません", name.ja), fmt::format("{}: population count is not a finite number >= 0", name.en)},
           Text{"0以上の数値", "a number >= 0"});
    fail(ErrorCode::EstimateNoData, fmt::format("{}", code),
         Text{fmt::format("{}の母集団数は{}ですが、回答者がいません", name.ja, count),
              fmt::format("{}: population count {} but no respondents", name.en, count)},
         Text{"隣のカテゴリと統合してください", "merge the category with a neighbouring one"});
  }
  p.index.resize(t.size());
  for (std::size_t k = 0; k < t.size(); ++k) p.index[k] = pos.at(t.cell(k, m));
  return p;
}

// Σ d · g per category, over the combinations in their order.
std::vector<double> category_sums(const Prepared& p, const CombinationTable& t, const std::vector<double>& g) {
  std::vector<double> s(p.codes.size(), 0.0);
  for (std::size_t k = 0; k < t.size(); ++k) s[p.index[k]] += t.weight(k) * g[k];
  return s;
}

// g_k ← g_k T_c / Σ_{j∈c} d_j g_j.
void scale_to(const Prepared& p, const CombinationTable& t, std::vector<double>& g) {
  const std::vector<double> s = category_sums(p, t, g);
  for (std::size_t k = 0; k < t.size(); ++k) g[k] *= p.target[p.index[k]] / s[p.index[k]];
}

void check_rake_control(const RakeControl& ctl) {
  if (!(ctl.epsilon > 0) || ctl.max_iter < 1 || ctl.residual_passes < 1)
    fail(ErrorCode::UsageInvalidOption, fmt::format("epsilon={} max_iter={} residual_passes={}", ctl.epsilon, ctl.max_iter, ctl.residual_passes),
         Text{"レーキングの収束条件が不正です", "raking: invalid convergence control"},
         Text{"epsilon > 0, max_iter >= 1, residual_passes >= 1", "epsilon > 0, max_iter >= 1, residual_passes >= 1"});
}

// Numbers the distinct values of `cell` 0, 1, … (in order of first appearance) into `idx` (one per row);
// returns how many there are.
std::size_t dense_cells(const std::vector<std::int64_t>& cell, std::vector<std::size_t>& idx) {
  std::unordered_map<std::int64_t, std::size_t> number;
  idx.resize(cell.size());
  for (std::size_t i = 0; i < cell.size(); ++i) idx[i] = number.try_emplace(cell[i], number.size()).first->second;
  return number.size();
}

} // namespace

// ---------------------------------------------------------------------------------------------------

std::vector<double> nonresponse_adjust(const std::vector<double>& base, const std::vector<std::int64_t>& cell,
                                       const std::vector<bool>& responded) {
  check_length(cell.size(), base.size(), "cell");
  check_length(responded.size(), base.size(), "responded");
  check_weights(base);
  std::map<std::int64_t, std::pair<double, double>> sums; // code -> (Σ all, Σ respondents)
  for (std::size_t i = 0; i < base.size(); ++i) {
    auto& s = sums[cell[i]];
    s.first += base[i];
    if (responded[i]) s.second += base[i];
  }
  for (const auto& [code, s] : sums)
    if (s.first > 0 && !(s.second > 0))
      fail(ErrorCode::EstimateNoData, fmt::format("{}", code),
           Text{fmt::format("無回答調整の調整区分 {} に回答者がいません(標本の重み合計 {})", code, s.first),
                fmt::format("nonresponse adjustment: weighting class {} has no respondents (sampled weight {})", code, s.first)},
           Text{"隣の調整区分と統合してください", "merge the class with a neighbouring one"});
  std::vector<double> out(base.size(), 0.0);
  for (std::size_t i = 0; i < base.size(); ++i) {
    if (!responded[i]) continue;
    const auto& s = sums.at(cell[i]);
    out[i] = base[i] * (s.first / s.second);
  }
  return out;
}

std::size_t CombinationTable::Hash::operator()(const std::vector<std::int64_t>& v) const noexcept {
  std::uint64_t h = 0x9E3779B97F4A7C15ULL;
  for (std::int64_t x : v) {
    h ^= static_cast<std::uint64_t>(x) + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2);
    h *= 0xBF58476D1CE4E5B9ULL;
  }
  return static_cast<std::size_t>(h ^ (h >> 31));
}

std::size_t CombinationTable::add(const std::int64_t* cells, double d) {
  key_.assign(cells, cells + margins_);
  auto it = index_.find(key_);
  if (it == index_.end()) {
    it = index_.emplace(key_, weight_.size()).first;
    cells_.insert(cells_.end(), cells, cells + margins_);
    weight_.push_back(0.0);
    rows_.push_back(0);
    positive_.push_back(0);
  }
  const std::size_t k = it->second;
  weight_[k] += d;
  ++rows_[k];
  positive_[k] += d > 0;
  return k;
}

std::size_t CombinationTable::find(const std::int64_t* cells) const {
  key_.assign(cells, cells + margins_);
  const auto it = index_.find(key_);
  return it == index_.end() ? npos : it->second;
}

CombinationFit fit_post_stratification(const CombinationTable& t, const std::map<std::int64_t, double>& totals) {
  if (t.margins() != 1)
    fail(ErrorCode::Internal, fmt::format("{}", t.margins()), Text{"事後層化の表の周辺分布が1つではありません", "post-stratification table has more than one margin"}, Text{});
  const Prepared p = prepare(Label{}, t, 0, totals);
  CombinationFit f;
  f.g.assign(t.size(), 1.0);
  scale_to(p, t, f.g);
  f.iterations = 1;
  return f;
}

CombinationFit fit_rake(const CombinationTable& t, const std::vector<Margin>& margins, const RakeControl& ctl) {
  if (margins.empty())
    fail(ErrorCode::UsageInvalidOption, "0", Text{"レーキングの周辺分布が指定されていません", "raking: no margins given"},
         Text{"1つ以上の周辺分布", "at least one margin"});
  check_rake_control(ctl);
  if (t.margins() != margins.size())
    fail(ErrorCode::Internal, fmt::format("{} / {}", t.margins(), margins.size()), Text{"レーキングの表の周辺分布の数が一致しません", "raking table has the wrong number of margins"}, Text{});
  std::vector<Prepared> prep;
  for (std::size_t m = 0; m < margins.size(); ++m) prep.push_back(prepare(Label{margins[m].name, &margins[m].labels}, t, m, margins[m].totals));
  for (std::size_t m = 1; m < prep.size(); ++m)
    if (std::abs(prep[m].grand_total - prep[0].grand_total) > ctl.epsilon * prep[0].grand_total)
      fail(ErrorCode::ConfigInvalid, fmt::format("{}={} {}={}", margins[0].name, prep[0].grand_total, margins[m].name, prep[m].grand_total),
           Text{fmt::format("周辺分布「{}」の合計 {} と「{}」の合計 {} が一致しないため、レーキングは収束しません", margins[0].name,
                            prep[0].grand_total, margins[m].name, prep[m].grand_total),
                fmt::format("margin '{}' sums to {} but margin '{}' to {}: raking cannot converge", margins[0].name,
                            prep[0].grand_total, margins[m].name, prep[m].grand_total)},
           Text{"すべての周辺分布の合計が同じ母集団数であること", "all margins summing to the same population"});

  CombinationFit f;
  f.g.assign(t.size(), 1.0);
  f.step_g.resize(margins.size());
  std::size_t worst_m = 0, worst_c = 0;
  for (int iter = 1; iter <= ctl.max_iter; ++iter) {
    for (std::size_t m = 0; m < prep.size(); ++m) {
      scale_to(prep[m], t, f.g);
      f.step_g[m] = f.g;
    }
    f.iterations = iter;
    f.max_rel_misfit = 0;
    for (std::size_t m = 0; m < prep.size(); ++m) {
      const std::vector<double> s = category_sums(prep[m], t, f.g);
      for (std::size_t c = 0; c < s.size(); ++c) {
        const double rel = std::abs(s[c] - prep[m].target[c]) / prep[m].target[c];
        if (rel > f.max_rel_misfit || !std::isfinite(rel)) {
          f.max_rel_misfit = rel;
          worst_m = m;
          worst_c = c;
        }
      }
    }
    if (f.max_rel_misfit < ctl.epsilon) return f;
  }
  const std::int64_t code = prep[worst_m].codes[worst_c];
  const Text name = Label{margins[worst_m].name, &margins[worst_m].labels}.of(code);
  fail(ErrorCode::EstimateNoData, fmt::format("{}", f.max_rel_misfit),
       Text{fmt::format("レーキングが{}回の反復で収束しませんでした。最大の相対誤差は{}の {:.3g}", f.iterations, name.ja, f.max_rel_misfit),
            fmt::format("raking did not converge in {} iterations: worst relative misfit {:.3g} at {}", f.iterations, f.max_rel_misfit, name.en)},
       Text{fmt::format("相対誤差 {:.3g} 未満。カテゴリを統合するか、反復回数の上限を増やしてください", ctl.epsilon),
            fmt::format("relative misfit below {:.3g}; merge sparse categories or allow more iterations", ctl.epsilon)});
}

// The rows' combinations in a table; the row-level functions below fit on it.
PostStratResult post_stratify(const std::vector<double>& w, const std::vector<std::int64_t>& cell,
                              const std::map<std::int64_t, double>& totals) {
  check_weights(w);
  check_length(cell.size(), w.size(), "post-stratum");
  CombinationTable t(1);
  std::vector<std::size_t> comb(w.size());
  for (std::size_t i = 0; i < w.size(); ++i) comb[i] = t.add(&cell[i], w[i]);
  const CombinationFit f = fit_post_stratification(t, totals);
  PostStratResult r;
  r.weights.resize(w.size());
  for (std::size_t i = 0; i < w.size(); ++i) r.weights[i] = w[i] * f.g[comb[i]];
  r.info.kind = CalibrationKind::PostStratification;
  r.info.weights = r.weights;
  r.info.cell = cell;
  return r;
}

RakeResult rake(const std::vector<double>& w, const std::vector<Margin>& margins, RakeControl ctl) {
  check_weights(w);
  if (margins.empty())
    fail(ErrorCode::UsageInvalidOption, "0", Text{"レーキングの周辺分布が指定されていません", "raking: no margins given"},
         Text{"1つ以上の周辺分布", "at least one margin"});
  check_rake_control(ctl);
  for (const Margin& m : margins) check_length(m.cell.size(), w.size(), "margin");
  CombinationTable t(margins.size());
  std::vector<std::size_t> comb(w.size());
  std::vector<std::int64_t> key(margins.size());
  for (std::size_t i = 0; i < w.size(); ++i) {
    for (std::size_t m = 0; m < margins.size(); ++m) key[m] = margins[m].cell[i];
    comb[i] = t.add(key.data(), w[i]);
  }
  const CombinationFit f = fit_rake(t, margins, ctl);
  RakeResult r;
  r.iterations = f.iterations;
  r.max_rel_misfit = f.max_rel_misfit;
  r.weights.resize(w.size());
  for (std::size_t i = 0; i < w.size(); ++i) r.weights[i] = w[i] * f.g[comb[i]];
  r.info.kind = CalibrationKind::Raking;
  r.info.residual_passes = ctl.residual_passes;
  r.info.rake_steps.resize(margins.size());
  for (std::size_t m = 0; m < margins.size(); ++m) {
    r.info.rake_steps[m].cell = margins[m].cell;
    r.info.rake_steps[m].weights.resize(w.size());
    for (std::size_t i = 0; i < w.size(); ++i) r.info.rake_steps[m].weights[i] = w[i] * f.step_g[m][comb[i]];
  }
  r.info.weights = r.weights;
  return r;
}

namespace {

struct LinearFit {
  Eigen::VectorXd g;
  int iterations = 0;
  double max_rel_misfit = 0;
};

// The Newton steps of linear calibration on units (rows, or combinations of categories) with input weights d
// (one per row of X). calibrate_linear runs it on the rows, fit_linear on a combination table: the same code.
LinearFit linear_newton(const std::vector<double>& w, const Eigen::MatrixXd& X, const Eigen::VectorXd& totals, const CalibControl& ctl) {
  const auto n = static_cast<Eigen::Index>(w.size());
  if (X.rows() != n || X.cols() != totals.size() || X.cols() == 0)
    fail(ErrorCode::Internal, fmt::format("X={}x{} weights={} totals={}", X.rows(), X.cols(), n, totals.size()),
         Text{"較正変数の行列と重み・母集団合計の大きさが一致しません", "calibration matrix does not match the weights and totals"}, Text{});
  if (!X.allFinite() || !totals.allFinite())
    fail(ErrorCode::Internal, "X/totals", Text{"較正変数または母集団合計が有限値ではありません", "calibration variables or totals are not finite"}, Text{});
  if (!(ctl.lower < 1 && 1 < ctl.upper))
    fail(ErrorCode::UsageInvalidOption, fmt::format("[{}, {}]", ctl.lower, ctl.upper),
         Text{"較正の上下限が不正です", "invalid calibration bounds"},
         Text{"下限 < 1 < 上限", "lower < 1 < upper"});
  if (!(ctl.epsilon > 0) || ctl.max_iter < 1)
    fail(ErrorCode::UsageInvalidOption, fmt::format("epsilon={} max_iter={}", ctl.epsilon, ctl.max_iter),
         Text{"較正の収束条件が不正です", "calibration: invalid convergence control"},
         Text{"epsilon > 0, max_iter >= 1", "epsilon > 0, max_iter >= 1"});

  const Eigen::Map<const Eigen::VectorXd> d(w.data(), n);
  const double lo = ctl.lower - 1, hi = ctl.upper - 1;
  Eigen::VectorXd eta = Eigen::VectorXd::Zero(X.cols());
  LinearFit r;
  r.g.resize(n);
  Eigen::VectorXd& g = r.g;
  Eigen::VectorXd misfit;
  Eigen::Index worst = 0;
  for (int iter = 0;; ++iter) {
    const Eigen::VectorXd u = X * eta;
    for (Eigen::Index i = 0; i < n; ++i) g[i] = 1 + std::clamp(u[i], lo, hi);
    misfit = totals - X.transpose() * d.cwiseProduct(g);
    r.max_rel_misfit = 0;
    for (Eigen::Index k = 0; k < misfit.size(); ++k) {
      const double rel = std::abs(misfit[k]) / (1 + std::abs(totals[k]));
      if (rel > r.max_rel_misfit || !std::isfinite(rel)) {
        r.max_rel_misfit = rel;
        worst = k;
      }
    }
    r.iterations = iter;
    if (r.max_rel_misfit < ctl.epsilon) break;
    if (iter == ctl.max_iter) {
      const auto w_ix = static_cast<std::size_t>(worst);
      const std::string col_ja = w_ix < ctl.column_names.size() ? fmt::format("「{}」", ctl.column_names[w_ix]) : fmt::format("{}列目", worst + 1);
      const std::string col_en = w_ix < ctl.column_names.size() ? fmt::format("'{}'", ctl.column_names[w_ix]) : fmt::format("column {}", worst + 1);
      fail(ErrorCode::EstimateNoData, fmt::format("{}", r.max_rel_misfit),
           Text{fmt::format("線形較正が{}回の反復で母集団合計に一致しませんでした。最大の相対誤差は{}の {:.3g}", iter, col_ja,
                            r.max_rel_misfit),
                fmt::format("linear calibration did not reach the totals in {} iterations: worst relative misfit {:.3g} in {}",
                            iter, r.max_rel_misfit, col_en)},
           Text{fmt::format("相対誤差 {:.3g} 未満。母集団合計の整合性と上下限を確認してください", ctl.epsilon),
                fmt::format("relative misfit below {:.3g}; check that the totals are consistent and the bounds not too tight",
                            ctl.epsilon)});
    }
    // Newton step on the units not at a bound.
    Eigen::VectorXd active(n);
    for (Eigen::Index i = 0; i < n; ++i) active[i] = (u[i] > lo && u[i] < hi) ? d[i] : 0.0;
    const Eigen::MatrixXd J = X.transpose() * active.asDiagonal() * X;
    eta += Eigen::CompleteOrthogonalDecomposition<Eigen::MatrixXd>(J).solve(misfit);
  }
  return r;
}

} // namespace

CalibResult calibrate_linear(const std::vector<double>& w, const Eigen::MatrixXd& X, const Eigen::VectorXd& totals,
                             CalibControl ctl) {
  check_weights(w);
  const LinearFit f = linear_newton(w, X, totals, ctl);
  CalibResult r;
  r.iterations = f.iterations;
  r.max_rel_misfit = f.max_rel_misfit;
  r.g.assign(f.g.data(), f.g.data() + f.g.size());
  r.weights.resize(w.size());
  for (std::size_t i = 0; i < w.size(); ++i) r.weights[i] = w[i] * r.g[i];
  r.info.kind = CalibrationKind::Linear;
  r.info.weights = r.weights;
  r.info.X = X;
  r.info.base = w;
  r.info.g = r.g;
  return r;
}

CombinationFit fit_linear(const CombinationTable& t, const Eigen::MatrixXd& X, const Eigen::VectorXd& totals, const CalibControl& ctl) {
  std::vector<double> d(t.size());
  for (std::size_t k = 0; k < t.size(); ++k) d[k] = t.weight(k);
  check_weights(d);
  const LinearFit f = linear_newton(d, X, totals, ctl);
  CombinationFit r;
  r.g.assign(f.g.data(), f.g.data() + f.g.size());
  r.iterations = f.iterations;
  r.max_rel_misfit = f.max_rel_misfit;
  return r;
}

TrimPasses::TrimPasses(double lower, double upper, TrimControl ctl) : lower_(lower), upper_(upper), ctl_(ctl) {
  if (!(lower <= upper) || std::isnan(lower) || std::isnan(upper))
    fail(ErrorCode::UsageInvalidOption, fmt::format("[{}, {}]", lower, upper),
         Text{"重みのトリミングの上下限が不正です", "invalid trimming bounds"}, Text{"下限 <= 上限", "lower <= upper"});
  hi_ = upper + 1e-12 * std::abs(upper);
  lo_ = lower - 1e-12 * std::abs(lower);
}

void TrimPasses::add(double w) {
  if (passes_ == 0) {
    sum_ += w;
    npos_ += w > 0;
  }
  if (outside(w)) {
    trimmed_ += w - std::clamp(w, lower_, upper_);
    ++n_out_;
  } else if (w > 0) {
    untrimmed_sum_ += w;
    ++n_in_;
  }
}

bool TrimPasses::end_pass() {
  ++passes_;
  if (passes_ == 1 && ctl_.strict && npos_ > 0 && (static_cast<double>(npos_) * hi_ < sum_ || static_cast<double>(npos_) * lo_ > sum_))
    fail(ErrorCode::UsageInvalidOption, fmt::format("[{}, {}]", lower_, upper_),
         Text{fmt::format("重み{}個の合計 {} を保ったまま上下限内に収めることはできません", npos_, sum_),
              fmt::format("{} weights summing to {} cannot all lie within the bounds", npos_, sum_)},
         Text{fmt::format("平均の重み {} を含む上下限", sum_ / static_cast<double>(npos_)),
              fmt::format("bounds that contain the mean weight {}", sum_ / static_cast<double>(npos_))});
  const bool changed = n_out_ > 0;
  if (!changed) {
    done_ = true;
  } else {
    if (n_in_ == 0)
      fail(ErrorCode::UsageInvalidOption, fmt::format("[{}, {}]", lower_, upper_),
           Text{"すべての重みが上下限の外にあり、トリミングした分を再配分できません",
                "every weight is outside the bounds: the trimmed weight cannot be redistributed"},
           Text{"重みの範囲と重なる上下限", "bounds that overlap the range of the weights"});
    changes_.push_back(Change{trimmed_, untrimmed_sum_, trimmed_ / static_cast<double>(n_in_)});
    if (!ctl_.strict) done_ = true;
    else if (passes_ == static_cast<std::size_t>(ctl_.max_iter))
      fail(ErrorCode::EstimateNoData, fmt::format("{}", passes_),
           Text{fmt::format("重みのトリミングが{}回の反復で上下限内に収まりませんでした", passes_),
                fmt::format("trimming did not bring the weights within the bounds in {} passes", passes_)},
           Text{"より緩い上下限", "wider bounds"});
  }
  trimmed_ = untrimmed_sum_ = 0;
  n_out_ = n_in_ = 0;
  return changed;
}

double TrimPasses::apply(double w, std::size_t pass) const {
  if (outside(w)) return std::clamp(w, lower_, upper_);
  if (!(w > 0)) return w;
  const Change& c = changes_[pass];
  return w + (ctl_.redistribution == TrimRedistribution::EqualShare ? c.share : c.trimmed * w / c.untrimmed_sum);
}

double TrimPasses::apply_last(double w) const { return changes_.empty() ? w : apply(w, changes_.size() - 1); }

double TrimPasses::weight(double w0) const {
  for (std::size_t p = 0; p < changes_.size(); ++p) w0 = apply(w0, p);
  return w0;
}

std::vector<double> trim_weights(const std::vector<double>& w, double lower, double upper, TrimControl ctl) {
  check_weights(w);
  TrimPasses tp(lower, upper, ctl);
  std::vector<double> out = w;
  while (!tp.done()) {
    for (double x : out) tp.add(x);
    if (tp.end_pass())
      for (double& x : out) x = tp.apply_last(x);
  }
  return out;
}

WeightDiagnostics diagnose(const std::vector<double>& w, const std::vector<Margin>& margins) {
  WeightDiagnostics r;
  double sum2 = 0;
  bool first = true;
  for (std::size_t i = 0; i < w.size(); ++i) {
    if (!std::isfinite(w[i]))
      fail(ErrorCode::DataInvalidWeight, fmt::format("{}", w[i]),
           Text{fmt::format("{}行目の重みが有限値ではありません", i + 1), fmt::format("row {}: weight is not finite", i + 1)},
           Text{"数値", "a number"});
    if (w[i] == 0) {
      ++r.n_zero;
      continue;
    }
    r.n_negative += w[i] < 0;
    ++r.n;
    r.sum += w[i];
    sum2 += w[i] * w[i];
    r.min = first ? w[i] : std::min(r.min, w[i]);
    r.max = first ? w[i] : std::max(r.max, w[i]);
    first = false;
  }
  if (r.n == 0)
    fail(ErrorCode::EstimateNoData, fmt::format("n={}", w.size()),
         Text{"重みが0でない行がありません", "no row has a nonzero weight"}, Text{"重みが0でない行", "rows with a nonzero weight"});
  const double nd = static_cast<double>(r.n);
  r.mean = r.sum / nd;
  double ss = 0;
  for (double x : w)
    if (x != 0) ss += (x - r.mean) * (x - r.mean);
  r.cv = std::sqrt(ss / nd) / std::abs(r.mean);
  r.kish_n_eff = r.sum * r.sum / sum2;
  r.weighting_effect = nd * sum2 / (r.sum * r.sum);

  for (const Margin& m : margins) {
    check_length(m.cell.size(), w.size(), "margin");
    std::map<std::int64_t, std::pair<double, std::size_t>> seen;
    for (std::size_t i = 0; i < w.size(); ++i) {
      auto& s = seen[m.cell[i]];
      s.first += w[i];
      ++s.second;
    }
    for (const auto& [code, s] : seen)
      if (!m.totals.count(code)) {
        const Text name = Label{m.name, &m.labels}.of(code);
        fail(ErrorCode::ConfigInvalid, fmt::format("{}", code),
             Text{fmt::format("{}に{}行ありますが、母集団の表にありません", name.ja, s.second),
                  fmt::format("{} has {} row(s) but is missing from the population table", name.en, s.second)},
             Text{"すべてのカテゴリの母集団数", "a population count for every category"});
      }
    for (const auto& [code, target] : m.totals) {
      const auto it = seen.find(code);
      add_margin_fit(r, m, code, target, it != seen.end() ? it->second.first : 0.0, it != seen.end() ? it->second.second : 0);
    }
  }
  return r;
}

void add_margin_fit(WeightDiagnostics& r, const Margin& m, std::int64_t code, double target, double achieved, std::size_t n) {
  MarginFit f;
  f.margin = m.name;
  f.category = code;
  const auto lab = m.labels.find(code);
  f.label = lab != m.labels.end() ? lab->second : fmt::format("{}", code);
  f.target = target;
  f.achieved = achieved;
  f.n = n;
  f.rel_diff = target != 0 ? (f.achieved - target) / target : (f.achieved == 0 ? 0.0 : std::copysign(1.0, f.achieved));
  r.max_abs_rel_diff = std::max(r.max_abs_rel_diff, std::abs(f.rel_diff));
  r.margins.push_back(std::move(f));
}

Eigen::MatrixXd calibration_residuals(const CalibrationInfo& info, const Eigen::MatrixXd& scores) {
  const auto n = static_cast<Eigen::Index>(info.weights.size());
  if (scores.rows() != n)
    fail(ErrorCode::Internal, fmt::format("scores={} weights={}", scores.rows(), n),
         Text{"スコアの行数が重みの数と一致しません", "scores differ in length from the weights"}, Text{});
  if (!scores.allFinite())
    fail(ErrorCode::Internal, "scores", Text{"線形化スコアが有限値ではありません", "linearisation score is not finite"}, Text{});
  Eigen::MatrixXd e = scores;
  const Eigen::Index k = scores.cols();

  switch (info.kind) {
  case CalibrationKind::PostStratification: {
    check_length(info.cell.size(), info.weights.size(), "post-stratum");
    // Σ w and Σ z per post-stratum, then z − w · Σz / Σw. Cells are numbered once (dense indices) and the
    // columns walked one at a time (the matrix is column-major): each sum adds the same terms in the same
    // row order as a per-row walk would, so the result is bitwise the same, without a map look-up per row.
    std::vector<std::size_t> idx;
    const std::size_t cells = dense_cells(info.cell, idx);
    std::vector<double> wsum(cells, 0.0);
    for (Eigen::Index i = 0; i < n; ++i) wsum[idx[static_cast<std::size_t>(i)]] += info.weights[static_cast<std::size_t>(i)];
    std::vector<double> zsum(cells);
    for (Eigen::Index j = 0; j < k; ++j) {
      std::fill(zsum.begin(), zsum.end(), 0.0);
      for (Eigen::Index i = 0; i < n; ++i) zsum[idx[static_cast<std::size_t>(i)]] += scores(i, j);
      for (Eigen::Index i = 0; i < n; ++i) {
        const double wi = info.weights[static_cast<std::size_t>(i)];
        if (wi == 0) continue;
        const std::size_t c = idx[static_cast<std::size_t>(i)];
        e(i, j) -= wi * zsum[c] / wsum[c];
      }
    }
    return e;
  }
  case CalibrationKind::Raking: {
    // Per margin: the rows (ψ ≠ 0) and Σ e/ψ per category, then e − ψ · Σ(e/ψ) / rows. The steps' categories
    // are numbered once for all passes; columns are independent, so each is swept through every pass on its
    // own (the same operations on each element, in the same order, as sweeping the whole matrix).
    std::vector<std::vector<std::size_t>> idx(info.rake_steps.size());
    std::vector<std::size_t> cells(info.rake_steps.size());
    std::vector<std::vector<double>> rows(info.rake_steps.size());
    for (std::size_t si = 0; si < info.rake_steps.size(); ++si) {
      const RakeStep& step = info.rake_steps[si];
      check_length(step.cell.size(), info.weights.size(), "margin");
      check_length(step.weights.size(), info.weights.size(), "margin weights");
      cells[si] = dense_cells(step.cell, idx[si]);
      rows[si].assign(cells[si], 0.0);
      for (Eigen::Index i = 0; i < n; ++i)
        if (step.weights[static_cast<std::size_t>(i)] != 0) rows[si][idx[si][static_cast<std::size_t>(i)]] += 1;
    }
    std::vector<double> sum;
    for (Eigen::Index j = 0; j < k; ++j) {
      double* col = e.col(j).data();
      for (int pass = 0; pass < info.residual_passes; ++pass) {
        for (std::size_t si = 0; si < info.rake_steps.size(); ++si) {
          const std::vector<double>& psi = info.rake_steps[si].weights;
          const std::vector<std::size_t>& ix = idx[si];
          sum.assign(cells[si], 0.0);
          for (Eigen::Index i = 0; i < n; ++i) {
            const auto r = static_cast<std::size_t>(i);
            if (psi[r] != 0) sum[ix[r]] += col[i] / psi[r];
          }
          for (Eigen::Index i = 0; i < n; ++i) {
            const auto r = static_cast<std::size_t>(i);
            if (psi[r] != 0) col[i] -= psi[r] * sum[ix[r]] / rows[si][ix[r]];
          }
        }
      }
    }
    return e;
  }
  case CalibrationKind::Linear: {
    check_length(info.base.size(), info.weights.size(), "base weights");
    check_length(info.g.size(), info.weights.size(), "g");
    if (info.X.rows() != n)
      fail(ErrorCode::Internal, fmt::format("X={} weights={}", info.X.rows(), n),
           Text{"較正変数の行数が重みの数と一致しません", "calibration matrix differs in length from the weights"}, Text{});
    // Regress u = z / (g √d) on A = √d X (unweighted least squares), residual times g √d.
    Eigen::MatrixXd A = info.X;
    Eigen::MatrixXd u = Eigen::MatrixXd::Zero(n, k);
    for (Eigen::Index i = 0; i < n; ++i) {
      const double sd = std::sqrt(info.base[static_cast<std::size_t>(i)]);
      const double gi = info.g[static_cast<std::size_t>(i)];
      A.row(i) *= sd;
      if (sd > 0 && gi != 0) u.row(i) = scores.row(i) / (gi * sd);
    }
    const Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(A);
    const Eigen::MatrixXd resid = u - A * qr.solve(u);
    for (Eigen::Index i = 0; i < n; ++i) {
      const double sd = std::sqrt(info.base[static_cast<std::size_t>(i)]);
      if (sd > 0) e.row(i) = resid.row(i) * (info.g[static_cast<std::size_t>(i)] * sd);
    }
    return e;
  }
  }
  fail(ErrorCode::Internal, fmt::format("{}", static_cast<int>(info.kind)), Text{"不明な較正の種類", "unknown calibration kind"}, Text{});
}

CalibrationInfo subset_rows(const CalibrationInfo& info, const std::vector<std::size_t>& keep) {
  auto pick = [&](const auto& v) {
    std::remove_cvref_t<decltype(v)> out;
    if (v.empty()) return out;
    out.reserve(keep.size());
    for (std::size_t i : keep) out.push_back(v.at(i));
    return out;
  };
  CalibrationInfo out;
  out.kind = info.kind;
  out.weights = pick(info.weights);
  out.cell = pick(info.cell);
  for (const auto& step : info.rake_steps) out.rake_steps.push_back(RakeStep{pick(step.cell), pick(step.weights)});
  out.residual_passes = info.residual_passes;
  if (info.X.size() > 0) {
    out.X.resize(static_cast<Eigen::Index>(keep.size()), info.X.cols());
    for (std::size_t r = 0; r < keep.size(); ++r) out.X.row(static_cast<Eigen::Index>(r)) = info.X.row(static_cast<Eigen::Index>(keep[r]));
  }
  out.base = pick(info.base);
  out.g = pick(info.g);
  return out;
}

} // namespace hkstat::weights
