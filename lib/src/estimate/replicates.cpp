#include "hkstat/estimate/replicates.hpp"

#include "hkstat/core/error.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>

namespace hkstat::estimate {

namespace {

[[noreturn]] void fail(ErrorCode code, std::string value, Text message, Text expected) {
  throw_problem(code, std::move(value), std::move(message), std::move(expected));
}

[[noreturn]] void bad(std::string value, const char* ja, const char* en, const char* eja, const char* een) {
  fail(ErrorCode::UsageInvalidOption, std::move(value), Text{ja, en}, Text{eja, een});
}

[[noreturn]] void internal(std::string value, const char* ja, const char* en) {
  fail(ErrorCode::Internal, std::move(value), Text{ja, en}, Text{});
}

// R qr(x, tol = 1e-5)$rank: a column counts when the part of it orthogonal to the columns counted before
// it has at least tol of its norm (LINPACK dqrdc2's limited pivoting moves the others to the end).
constexpr double kRankTol = 1e-5;

// Analysis weights: multiplier of the row's PSU × full-sample weight (R: wts$weights[wts$index, r] * pw).
Eigen::MatrixXd expand(const std::vector<std::size_t>& row_psu, const Eigen::MatrixXd& mult, const std::vector<double>& w) {
  Eigen::MatrixXd rep(static_cast<Eigen::Index>(w.size()), mult.cols());
  for (Eigen::Index r = 0; r < mult.cols(); ++r)
    for (std::size_t i = 0; i < w.size(); ++i)
      rep(static_cast<Eigen::Index>(i), r) = mult(static_cast<Eigen::Index>(row_psu[i]), r) * w[i];
  return rep;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Uniform integer in [0, n) from a 64-bit engine, without modulo bias (rejection), so that the draws do not
// depend on the standard library's distribution implementation.
std::size_t draw(std::mt19937_64& eng, std::size_t n) {
  const std::uint64_t range = static_cast<std::uint64_t>(n);
  const std::uint64_t limit =
      std::numeric_limits<std::uint64_t>::max() - std::numeric_limits<std::uint64_t>::max() % range;
  std::uint64_t x;
  do {
    x = eng();
  } while (x >= limit);
  return static_cast<std::size_t>(x % range);
}

void check_replicate_count(std::size_t replicates) {
  if (replicates < 2)
    fail(ErrorCode::UsageInvalidOption, fmt::format("{}", replicates),
         Text{"反復(replicate)の数は2以上にしてください", "the number of replicates must be at least 2"},
         Text{"2以上の整数 (例: 200)", "an integer >= 2 (e.g. 200)"});
}

// A rows (or PSUs) × replicates matrix larger than kMaxReplicateCells is refused before it is allocated.
void check_replicate_cells(std::size_t rows, std::size_t replicates, const char* rows_ja, const char* rows_en) {
  if (replicates != 0 && rows > kMaxReplicateCells / replicates)
    fail(ErrorCode::UsageInvalidOption, fmt::format("{}x{}", rows, replicates),
         Text{fmt::format("{} {} × 反復 {} が上限 {} を超えます（メモリ {:.1f} GB）", rows_ja, rows, replicates, kMaxReplicateCells,
                          static_cast<double>(rows) * static_cast<double>(replicates) * 8 / 1e9),
              fmt::format("{} {} × {} replicates exceeds the limit of {} (memory {:.1f} GB)", rows, rows_en, replicates, kMaxReplicateCells,
                          static_cast<double>(rows) * static_cast<double>(replicates) * 8 / 1e9)},
         Text{"psu の変数を指定する、反復の数を減らす（‹replicates-n›）", "declare a psu variable, or fewer replicates (‹replicates-n›)"});
}

// ---- Hadamard matrices ---------------------------------------------------------------------------------
bool is_prime(std::size_t q) {
  if (q < 2) return false;
  for (std::size_t f = 2; f * f <= q; ++f)
    if (q % f == 0) return false;
  return true;
}

// Legendre symbol χ(a) for prime q: 0, +1 (quadratic residue) or −1.
Eigen::VectorXi legendre(std::size_t q) {
  Eigen::VectorXi chi = Eigen::VectorXi::Constant(static_cast<Eigen::Index>(q), -1);
  chi(0) = 0;
  for (std::size_t x = 1; x < q; ++x) chi(static_cast<Eigen::Index>(x * x % q)) = 1;
  return chi;
}

// Jacobsthal matrix Q[i][j] = χ(j − i) with a border: [[0, 1ᵀ], [b·1, Q]].
Eigen::MatrixXi bordered_jacobsthal(std::size_t q, int border) {
  const Eigen::VectorXi chi = legendre(q);
  const auto m = static_cast<Eigen::Index>(q + 1);
  Eigen::MatrixXi c = Eigen::MatrixXi::Zero(m, m);
  for (Eigen::Index j = 1; j < m; ++j) {
    c(0, j) = 1;
    c(j, 0) = border;
  }
  for (std::size_t i = 0; i < q; ++i)
    for (std::size_t j = 0; j < q; ++j)
      c(static_cast<Eigen::Index>(i + 1), static_cast<Eigen::Index>(j + 1)) =
          chi(static_cast<Eigen::Index>((j + q - i) % q));
  return c;
}

// Paley I: q ≡ 3 (mod 4), H = I + [[0, 1ᵀ], [−1, Q]] (order q + 1).
Eigen::MatrixXi paley1(std::size_t q) {
  Eigen::MatrixXi h = bordered_jacobsthal(q, -1);
  h += Eigen::MatrixXi::Identity(h.rows(), h.cols());
  return h;
}

// Paley II: q ≡ 1 (mod 4), conference matrix C = [[0, 1ᵀ], [1, Q]]; each 0 becomes [[1, −1], [−1, −1]] and
// each ±1 becomes ±[[1, 1], [1, −1]] (order 2(q + 1)).
Eigen::MatrixXi paley2(std::size_t q) {
  const Eigen::MatrixXi c = bordered_jacobsthal(q, 1);
  const Eigen::Index m = c.rows();
  Eigen::MatrixXi h(2 * m, 2 * m);
  for (Eigen::Index i = 0; i < m; ++i)
    for (Eigen::Index j = 0; j < m; ++j) {
      const int v = c(i, j);
      if (v == 0) {
        h(2 * i, 2 * j) = 1;
        h(2 * i, 2 * j + 1) = -1;
        h(2 * i + 1, 2 * j) = -1;
        h(2 * i + 1, 2 * j + 1) = -1;
      } else {
        h(2 * i, 2 * j) = v;
        h(2 * i, 2 * j + 1) = v;
        h(2 * i + 1, 2 * j) = v;
        h(2 * i + 1, 2 * j + 1) = -v;
      }
    }
  return h;
}

Eigen::MatrixXi normalise(Eigen::MatrixXi h) {
  for (Eigen::Index i = 0; i < h.rows(); ++i)
    if (h(i, 0) < 0) h.row(i) *= -1;
  for (Eigen::Index j = 0; j < h.cols(); ++j)
    if (h(0, j) < 0) h.col(j) *= -1;
  return h;
}

ReplicateDesign finish_columns(ReplicateDesign d) {
  d.df = replicate_df(d);
  return d;
}

void check_same_rows(const ReplicateDesign& d, Eigen::Index rows, const char* what) {
  if (static_cast<std::size_t>(rows) != d.rows())
    internal(fmt::format("rows={} {}={}", d.rows(), what, rows), "推定の入力の行数が反復設計と一致しません",
             "estimation input rows differ from the replicate design");
}

void check_finite(const Eigen::MatrixXd& m, const char* what) {
  if (!m.allFinite()) internal(what, "推定の入力が有限値ではありません", "estimation input is not finite");
}

void check_indicators(const Eigen::MatrixXd& m) {
  for (Eigen::Index c = 0; c < m.cols(); ++c)
    for (Eigen::Index r = 0; r < m.rows(); ++r)
      if (m(r, c) != 0 && m(r, c) != 1)
        internal(fmt::format("domain row {} column {}: {}", r + 1, c + 1, m(r, c)),
                 "集計区分の指示変数が0/1ではありません", "domain indicator is not 0/1");
}

} // namespace

void check_replicate_scales(const ReplicateDesign& d) {
  const auto bad_scale = [](double v) { return !std::isfinite(v) || v < 0; };
  if (bad_scale(d.scale) || std::any_of(d.rscales.begin(), d.rscales.end(), bad_scale))
    fail(ErrorCode::UsageInvalidOption, fmt::format("scale={}", d.scale),
         Text{"反復分散の係数 (scale, rscales) が0以上の有限値ではありません",
              "replicate scale or rscales is not a finite value >= 0"},
         Text{"0以上の数値", "numbers >= 0"});
}

namespace {

// Checks a replicate design's shape and values (cheap; done by every estimator).
void validate(const ReplicateDesign& d) {
  const std::size_t n = d.rows();
  if (n == 0)
    fail(ErrorCode::EstimateNoData, "n=0", Text{"回答がないため推定できません", "no rows: nothing to estimate"},
         Text{"1件以上の回答", "at least one row"});
  if (static_cast<std::size_t>(d.rep.rows()) != n || d.rep.cols() < 1 || d.rscales.size() != d.rep.cols())
    internal(fmt::format("rows={} rep={}x{} rscales={}", n, d.rep.rows(), d.rep.cols(), d.rscales.size()),
             "反復重みの大きさが一致しません", "replicate weight dimensions differ");
  for (std::size_t i = 0; i < n; ++i)
    if (!std::isfinite(d.weights[i]) || d.weights[i] < 0)
      fail(ErrorCode::DataInvalidWeight, fmt::format("{}", d.weights[i]),
           Text{fmt::format("{}行目の重みが0以上の有限値ではありません", i + 1),
                fmt::format("row {}: weight is not a finite value >= 0", i + 1)},
           Text{"0以上の数値", "a number >= 0"});
  for (Eigen::Index r = 0; r < d.rep.cols(); ++r)
    for (Eigen::Index i = 0; i < d.rep.rows(); ++i)
      if (!std::isfinite(d.rep(i, r)))
        fail(ErrorCode::DataOutOfRange, fmt::format("{}", d.rep(i, r)),
             Text{fmt::format("{}行目の反復重み {} が有限値ではありません", i + 1, r + 1),
                  fmt::format("row {}: replicate weight {} is not finite", i + 1, r + 1)},
             Text{"数値", "a number"});
  check_replicate_scales(d);
}

Eigen::VectorXd weights_of(const ReplicateDesign& d) {
  return Eigen::Map<const Eigen::VectorXd>(d.weights.data(), static_cast<Eigen::Index>(d.weights.size()));
}

std::vector<std::string> numbered(const char* prefix, Eigen::Index k) {
  std::vector<std::string> out;
  for (Eigen::Index j = 0; j < k; ++j) out.push_back(fmt::format("{}{}", prefix, j + 1));
  return out;
}

[[noreturn]] void no_weight(const std::string& what) {
  fail(ErrorCode::EstimateNoData, what,
       Text{fmt::format("{} の重み付き合計が0のため推定できません", what),
            fmt::format("{}: weighted denominator is 0, nothing to estimate", what)},
       Text{});
}

SurveyEstimate whole_sample(const ReplicateDesign& d, std::string statistic, std::vector<std::string> names,
                            const std::function<Eigen::VectorXd(const Eigen::VectorXd&)>& f) {
  const ReplicateResult r = replicate_estimate(d, f);
  SurveyEstimate e;
  e.names = std::move(names);
  e.value = r.value;
  e.vcov = r.vcov;
  e.df = d.df;
  e.domain_df.assign(static_cast<std::size_t>(e.value.size()), d.df);
  e.n.assign(static_cast<std::size_t>(e.value.size()), d.rows());
  e.statistic = std::move(statistic);
  return e;
}

SurveyEstimate by_domain(const ReplicateDesign& d, const Eigen::VectorXd& y, const Eigen::MatrixXd& domains,
                         bool mean) {
  validate(d);
  check_same_rows(d, y.rows(), "y");
  check_same_rows(d, domains.rows(), "domains");
  check_finite(y, "y");
  check_finite(domains, "domains");
  check_indicators(domains);
  const Eigen::Index m = domains.cols();
  std::vector<std::string> names = numbered("d", m);
  const Eigen::MatrixXd dy = domains.array().colwise() * y.array(); // rows × m: y inside domain j
  if (mean) {
    const Eigen::VectorXd den = domains.transpose() * weights_of(d);
    for (Eigen::Index j = 0; j < m; ++j)
      if (den(j) == 0) no_weight(names[static_cast<std::size_t>(j)]);
  }
  const auto f = [&](const Eigen::VectorXd& w) -> Eigen::VectorXd {
    Eigen::VectorXd t = dy.transpose() * w;
    if (mean) {
      const Eigen::VectorXd den = domains.transpose() * w;
      t = t.cwiseQuotient(den);
    }
    return t;
  };
  SurveyEstimate e = whole_sample(d, mean ? "mean" : "total", std::move(names), f);
  for (Eigen::Index j = 0; j < m; ++j) {
    const Eigen::VectorXd dj = domains.col(j);
    const std::span<const double> dom(dj.data(), static_cast<std::size_t>(dj.size()));
    e.domain_df[static_cast<std::size_t>(j)] = replicate_df(d, dom);
    e.n[static_cast<std::size_t>(j)] = static_cast<std::size_t>((dj.array() != 0).count());
  }
  return e;
}

} // namespace

const char* replicate_type_name(ReplicateType t) {
  switch (t) {
  case ReplicateType::Bootstrap: return "bootstrap";
  case ReplicateType::JK1: return "JK1";
  case ReplicateType::JKn: return "JKn";
  case ReplicateType::BRR: return "BRR";
  case ReplicateType::Fay: return "Fay";
  case ReplicateType::Other: return "other";
  }
  return "other";
}

ReplicateType parse_replicate_type(std::string_view name) {
  const std::string l = lower(name);
  for (ReplicateType t : {ReplicateType::Bootstrap, ReplicateType::JK1, ReplicateType::JKn, ReplicateType::BRR,
                          ReplicateType::Fay, ReplicateType::Other})
    if (l == lower(replicate_type_name(t))) return t;
  fail(ErrorCode::UsageInvalidOption, std::string(name),
       Text{"反復重みの種類が不明です", "unknown replicate-weight type"},
       Text{"bootstrap, JK1, JKn, BRR, Fay, other のいずれか", "one of bootstrap, JK1, JKn, BRR, Fay, other"});
}

ReplicateDesign replicate_design_from_columns(std::vector<double> weights, Eigen::MatrixXd columns,
                                              const ReplicateOptions& o) {
  if (static_cast<std::size_t>(columns.rows()) != weights.size())
    internal(fmt::format("weights={} columns={}", weights.size(), columns.rows()), "反復重みの行数が重みと一致しません",
             "replicate weight rows differ from the weights");
  // R's guesses for multipliers read the columns before they are combined with the weights.
  Eigen::RowVectorXd col_max;
  if (!o.combined && columns.rows() > 0) col_max = columns.colwise().maxCoeff();
  ReplicateDesign d = replicate_scales(o, static_cast<std::size_t>(columns.cols()), col_max);
  d.weights = std::move(weights);
  d.rep = std::move(columns);
  if (!o.combined)
    for (std::size_t i = 0; i < d.weights.size(); ++i) d.rep.row(static_cast<Eigen::Index>(i)) *= d.weights[i];
  validate(d);
  return finish_columns(std::move(d));
}

ReplicateDesign replicate_scales(const ReplicateOptions& o, std::size_t nrep, const Eigen::RowVectorXd& column_max) {
  check_replicate_count(nrep);
  if (!o.rscales.empty() && o.rscales.size() != 1 && o.rscales.size() != nrep)
    bad(fmt::format("rscales={} replicates={}", o.rscales.size(), nrep), "rscales の数が反復の数と一致しません",
        "rscales has a different length than the number of replicates", "反復の数と同じ数、または1つ",
        "one value per replicate, or a single value");
  ReplicateDesign d;
  d.type = o.type;
  d.mse = o.mse;
  d.rep.resize(0, static_cast<Eigen::Index>(nrep));
  if (!o.combined && static_cast<std::size_t>(column_max.size()) == nrep) {
    // Guesses R makes for multipliers, before they are combined with the weights.
    const double first_max = column_max(0);
    if (o.type == ReplicateType::JK1 && !o.scale) d.scale = 1 / first_max;
    if (o.type == ReplicateType::JKn && o.rscales.empty()) d.rscales = column_max.cwiseInverse().transpose();
  }
  const double R = static_cast<double>(nrep);
  if (o.fay_rho && o.type != ReplicateType::Fay)
    bad(fmt::format("rho={}", *o.fay_rho), "rho は Fay 型でのみ指定できます", "rho applies to type Fay only",
        "type = Fay", "type = Fay");
  switch (o.type) {
  case ReplicateType::BRR:
  case ReplicateType::Fay: {
    if (o.scale || !o.rscales.empty())
      bad("scale", "BRR と Fay では scale と rscales は反復の数から決まります (指定できません)",
          "BRR and Fay fix scale and rscales from the number of replicates (they cannot be given)", "scale なし",
          "no scale");
    double rho = 0;
    if (o.type == ReplicateType::Fay) {
      if (!o.fay_rho || !(*o.fay_rho > 0 && *o.fay_rho < 1))
        bad(o.fay_rho ? fmt::format("{}", *o.fay_rho) : "", "Fay 型には 0 < rho < 1 の rho が必要です",
            "type Fay needs rho with 0 < rho < 1", "例: rho = 0.5", "e.g. rho = 0.5");
      rho = *o.fay_rho;
    }
    d.fay_rho = rho;
    d.scale = 1 / (R * (1 - rho) * (1 - rho));
    break;
  }
  case ReplicateType::Bootstrap: d.scale = o.scale.value_or(1 / (R - 1)); break;
  case ReplicateType::JK1:
    if (o.scale)
      d.scale = *o.scale;
    else if (o.combined)
      d.scale = (R - 1) / R;
    break;
  case ReplicateType::JKn:
    if (o.combined && o.rscales.empty())
      bad("rscales", "JKn 型の反復重みには rscales ((n_h−1)/n_h) が必要です",
          "JKn replicate weights need rscales ((n_h − 1)/n_h of the stratum each replicate deletes)",
          "反復ごとの rscales", "one rscale per replicate");
    d.scale = o.scale.value_or(1);
    break;
  case ReplicateType::Other: d.scale = o.scale.value_or(1); break;
  }
  if (!o.rscales.empty())
    d.rscales =
        o.rscales.size() == 1
            ? Eigen::VectorXd::Constant(static_cast<Eigen::Index>(nrep), o.rscales[0]).eval()
            : Eigen::VectorXd(Eigen::Map<const Eigen::VectorXd>(o.rscales.data(), static_cast<Eigen::Index>(nrep)));
  else if (d.rscales.size() == 0)
    d.rscales = Eigen::VectorXd::Ones(static_cast<Eigen::Index>(nrep));
  return d;
}

Eigen::MatrixXi hadamard_matrix(std::size_t min_order) {
  constexpr std::size_t kMax = 4096;
  if (min_order > kMax)
    fail(ErrorCode::UsageInvalidOption, fmt::format("{}", min_order),
         Text{"アダマール行列が大きすぎます (層が多すぎます)", "Hadamard matrix too large (too many strata)"},
         Text{"4095層以下", "at most 4095 strata"});
  // Bases: Sylvester (1), Paley I (q + 1), Paley II (2(q + 1)), each doubled as often as needed.
  struct Base {
    std::size_t order;
    int kind; // 0 Sylvester, 1 Paley I, 2 Paley II
    std::size_t q;
  };
  std::vector<Base> bases{{1, 0, 0}};
  for (std::size_t q = 3; q + 1 <= kMax; ++q) {
    if (!is_prime(q)) continue;
    if (q % 4 == 3) bases.push_back({q + 1, 1, q});
    if (q % 4 == 1 && 2 * (q + 1) <= kMax) bases.push_back({2 * (q + 1), 2, q});
  }
  // The smallest order reachable; a power of two is built by Sylvester (R's matrices of order 4 and 8), any
  // other order from the base with the fewest doublings, Paley I before Paley II.
  const auto reach = [&](const Base& b) {
    std::size_t order = b.order, doublings = 0;
    while (order < std::max<std::size_t>(min_order, 1)) {
      order *= 2;
      ++doublings;
    }
    return std::make_pair(order, doublings);
  };
  std::size_t best_order = std::numeric_limits<std::size_t>::max();
  for (const Base& b : bases) best_order = std::min(best_order, reach(b).first);
  const bool power_of_two = (best_order & (best_order - 1)) == 0;
  const Base* best = nullptr;
  std::size_t best_doublings = 0;
  for (const Base& b : bases) {
    const auto [order, doublings] = reach(b);
    if (order != best_order || (power_of_two && b.kind != 0)) continue;
    if (!best || doublings < best_doublings || (doublings == best_doublings && b.kind < best->kind)) {
      best = &b;
      best_doublings = doublings;
    }
  }
  Eigen::MatrixXi h;
  if (best->kind == 0)
    h = Eigen::MatrixXi::Ones(1, 1);
  else if (best->kind == 1)
    h = normalise(paley1(best->q));
  else
    h = normalise(paley2(best->q));
  for (std::size_t k = 0; k < best_doublings; ++k) {
    const Eigen::Index m = h.rows();
    Eigen::MatrixXi d(2 * m, 2 * m);
    d << h, h, h, -h;
    h = std::move(d);
  }
  return h;
}

namespace {

PsuMultipliers jk1_multipliers(const PsuLayout& L) {
  if (L.strata() > 1)
    fail(ErrorCode::UsageInvalidOption, fmt::format("strata={}", L.strata()),
         Text{"層化された標本設計には JK1 ではなく JKn を使ってください", "a stratified design needs JKn, not JK1"},
         Text{"‹type› jkn", "‹type› jkn"});
  const std::size_t n = L.psus();
  if (n < 2)
    fail(ErrorCode::EstimateNoData, fmt::format("psus={}", n),
         Text{"PSUが1つしかないため JK1 の反復重みを作れません", "only one PSU: no JK1 replicates"},
         Text{"2つ以上のPSU", "at least two PSUs"});
  const double dn = static_cast<double>(n);
  const double g = std::isnan(L.popsize[0]) ? 1 : (L.popsize[0] - dn) / L.popsize[0]; // R: (N − n)/N
  if (g == 0)
    fail(ErrorCode::EstimateNoData, fmt::format("N={} n={}", L.popsize[0], n),
         Text{"全数調査 (抽出率1) のため標本誤差がありません", "a census (sampling fraction 1): no sampling variance"},
         Text{});
  PsuMultipliers m;
  m.type = ReplicateType::JK1;
  m.mult = Eigen::MatrixXd::Constant(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(n), dn / (dn - 1));
  m.mult.diagonal().setZero();
  m.scale = g * (dn - 1) / dn;
  m.rscales = Eigen::VectorXd::Ones(static_cast<Eigen::Index>(n));
  return m;
}

PsuMultipliers jkn_multipliers(const PsuLayout& L, LonelyPsu lonely) {
  const std::size_t P = L.psus(), H = L.strata();
  std::vector<Eigen::VectorXd> cols;
  std::vector<double> rscales;
  for (std::size_t h = 0; h < H; ++h) {
    const double nh = static_cast<double>(L.psus_in(h));
    const double g = std::isnan(L.popsize[h]) ? 1 : (L.popsize[h] - nh) / L.popsize[h];
    if (g == 0) continue; // census stratum: no replicates (R survey.drop.replicates)
    if (L.psus_in(h) == 1) {
      switch (lonely) {
      case LonelyPsu::Fail:
        fail(ErrorCode::EstimateNoData, fmt::format("stratum={}", L.stratum_name(h)),
             Text{fmt::format("層 {} の標本PSUが1つしかないため JKn の反復重みを作れません (lonely PSU)",
                              L.stratum_name(h)),
                  fmt::format("stratum {} has only one sampled PSU: no JKn replicate (lonely PSU)", L.stratum_name(h))},
             Text{"層を統合するか、単独PSUの扱い (remove, certainty, adjust, average) を指定してください",
                  "merge strata or choose a lonely-PSU policy (remove, certainty, adjust, average)"});
      case LonelyPsu::Remove:
      case LonelyPsu::Certainty:
      case LonelyPsu::Average: continue;
      case LonelyPsu::Adjust: {
        const double dH = static_cast<double>(H);
        Eigen::VectorXd c = Eigen::VectorXd::Constant(static_cast<Eigen::Index>(P), dH / (dH - 1));
        c(static_cast<Eigen::Index>(L.first[h])) = 0;
        cols.push_back(std::move(c));
        rscales.push_back((dH - 1) / dH);
        continue;
      }
      }
    }
    for (std::size_t j = L.first[h]; j < L.first[h + 1]; ++j) {
      Eigen::VectorXd c = Eigen::VectorXd::Ones(static_cast<Eigen::Index>(P));
      for (std::size_t k = L.first[h]; k < L.first[h + 1]; ++k) c(static_cast<Eigen::Index>(k)) = k == j ? 0.0 : nh / (nh - 1);
      cols.push_back(std::move(c));
      rscales.push_back(g * (nh - 1) / nh);
    }
  }
  if (cols.empty())
    fail(ErrorCode::EstimateNoData, fmt::format("strata={}", H),
         Text{"すべての層が全数調査か単独PSUのため JKn の反復重みを作れません",
              "every stratum is a census or a removed singleton: no JKn replicates"},
         Text{});
  PsuMultipliers m;
  m.type = ReplicateType::JKn;
  m.mult.resize(static_cast<Eigen::Index>(P), static_cast<Eigen::Index>(cols.size()));
  for (std::size_t r = 0; r < cols.size(); ++r) m.mult.col(static_cast<Eigen::Index>(r)) = cols[r];
  m.scale = 1;
  if (lonely == LonelyPsu::Average && cols.size() < P)
    m.scale = static_cast<double>(P) / static_cast<double>(cols.size()); // R jknweights: length(unq)/counter
  m.rscales = Eigen::Map<const Eigen::VectorXd>(rscales.data(), static_cast<Eigen::Index>(rscales.size()));
  return m;
}

PsuMultipliers bootstrap_multipliers(const PsuLayout& L, std::size_t replicates, std::uint64_t seed) {
  check_replicate_count(replicates);
  const std::size_t H = L.strata();
  double inv_sum = 0;
  for (std::size_t h = 0; h < H; ++h) inv_sum += 1.0 / static_cast<double>(L.psus_in(h));
  const double nbar = static_cast<double>(H) / inv_sum; // harmonic mean of n_h
  if (!(nbar > 1))
    fail(ErrorCode::EstimateNoData, fmt::format("psus={} strata={}", L.psus(), H),
         Text{"すべての層の標本PSUが1つのため bootstrap の分散を推定できません",
              "every stratum has a single PSU: no bootstrap variance"},
         Text{"2つ以上のPSUを持つ層", "a stratum with at least two PSUs"});
  const bool with_fpc = !std::isnan(L.popsize[0]);
  std::mt19937_64 eng(seed);
  // With an fpc: one random permutation per stratum, repeated to the pseudo-population of ⌊N_h⌋ units.
  std::vector<std::vector<std::size_t>> perm(H);
  std::vector<std::size_t> big_n(H, 0);
  if (with_fpc)
    for (std::size_t h = 0; h < H; ++h) {
      for (std::size_t p = L.first[h]; p < L.first[h + 1]; ++p) perm[h].push_back(p);
      for (std::size_t i = perm[h].size(); i > 1; --i) std::swap(perm[h][i - 1], perm[h][draw(eng, i)]);
      big_n[h] = static_cast<std::size_t>(std::floor(L.popsize[h]));
    }
  PsuMultipliers m;
  m.type = ReplicateType::Bootstrap;
  m.mult = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(L.psus()), static_cast<Eigen::Index>(replicates));
  for (std::size_t r = 0; r < replicates; ++r) {
    const auto rc = static_cast<Eigen::Index>(r);
    for (std::size_t h = 0; h < H; ++h) {
      const std::size_t nh = L.psus_in(h);
      if (!with_fpc) {
        for (std::size_t k = 0; k < nh; ++k) m.mult(static_cast<Eigen::Index>(L.first[h] + draw(eng, nh)), rc) += 1;
        continue;
      }
      // n_h distinct units of the pseudo-population (Floyd's algorithm), unit u is PSU perm[u mod n_h].
      std::set<std::size_t> chosen;
      for (std::size_t j = big_n[h] - nh; j < big_n[h]; ++j) {
        const std::size_t t = draw(eng, j + 1);
        chosen.insert(chosen.count(t) ? j : t);
      }
      for (std::size_t u : chosen) m.mult(static_cast<Eigen::Index>(perm[h][u % nh]), rc) += 1;
    }
  }
  const double R = static_cast<double>(replicates);
  m.scale = nbar / ((nbar - 1) * (R - 1));
  m.rscales = Eigen::VectorXd::Ones(static_cast<Eigen::Index>(replicates));
  return m;
}

PsuMultipliers subbootstrap_multipliers(const PsuLayout& L, std::size_t replicates, std::uint64_t seed) {
  check_replicate_count(replicates);
  const std::size_t H = L.strata();
  for (std::size_t h = 0; h < H; ++h)
    if (L.psus_in(h) < 2)
      fail(ErrorCode::EstimateNoData, fmt::format("stratum={}", L.stratum_name(h)),
           Text{fmt::format("層 {} の標本PSUが1つしかないため subbootstrap を作れません", L.stratum_name(h)),
                fmt::format("stratum {} has only one sampled PSU: no sub-bootstrap", L.stratum_name(h))},
           Text{"各層に2つ以上のPSU", "at least two PSUs in every stratum"});
  std::mt19937_64 eng(seed);
  PsuMultipliers m;
  m.type = ReplicateType::Bootstrap;
  m.mult = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(L.psus()), static_cast<Eigen::Index>(replicates));
  for (std::size_t r = 0; r < replicates; ++r)
    for (std::size_t h = 0; h < H; ++h) {
      const std::size_t nh = L.psus_in(h);
      for (std::size_t k = 0; k + 1 < nh; ++k)
        m.mult(static_cast<Eigen::Index>(L.first[h] + draw(eng, nh)), static_cast<Eigen::Index>(r)) += 1;
      const double dn = static_cast<double>(nh);
      for (std::size_t p = L.first[h]; p < L.first[h + 1]; ++p) {
        double& x = m.mult(static_cast<Eigen::Index>(p), static_cast<Eigen::Index>(r));
        x = x * dn / (dn - 1); // R: counts * n/(n - 1)
      }
    }
  const double R = static_cast<double>(replicates);
  m.scale = 1 / (R - 1);
  m.rscales = Eigen::VectorXd::Ones(static_cast<Eigen::Index>(replicates));
  return m;
}

PsuMultipliers brr_multipliers(const PsuLayout& L, double fay_rho) {
  if (!(fay_rho >= 0 && fay_rho < 1))
    fail(ErrorCode::UsageInvalidOption, fmt::format("{}", fay_rho),
         Text{"Fay の rho は 0 以上 1 未満にしてください", "Fay's rho must be in [0, 1)"}, Text{"例: 0.5", "e.g. 0.5"});
  const std::size_t H = L.strata();
  for (std::size_t h = 0; h < H; ++h)
    if (L.psus_in(h) != 2)
      fail(ErrorCode::UsageInvalidOption, fmt::format("stratum={} psus={}", L.stratum_name(h), L.psus_in(h)),
           Text{fmt::format("BRR には各層にちょうど2つのPSUが必要ですが、層 {} には {} あります", L.stratum_name(h),
                            L.psus_in(h)),
                fmt::format("BRR needs exactly 2 PSUs in every stratum; stratum {} has {}", L.stratum_name(h),
                            L.psus_in(h))},
           Text{"各層2PSUの設計 (それ以外は JKn か bootstrap)", "2 PSUs per stratum (otherwise use JKn or bootstrap)"});
  // R brrweights(): strata sorted as character strings.
  std::vector<std::size_t> order(H);
  for (std::size_t h = 0; h < H; ++h) order[h] = h;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return L.stratum_name(a) < L.stratum_name(b);
  });
  const Eigen::MatrixXi had = hadamard_matrix(H + 1);
  const Eigen::Index R = had.cols();
  PsuMultipliers m;
  m.type = fay_rho == 0 ? ReplicateType::BRR : ReplicateType::Fay;
  m.mult.resize(static_cast<Eigen::Index>(L.psus()), R);
  for (std::size_t k = 0; k < H; ++k) {
    const auto a = static_cast<Eigen::Index>(L.first[order[k]]);
    for (Eigen::Index r = 0; r < R; ++r) {
      const double wa = had(static_cast<Eigen::Index>(k + 1), r) > 0 ? 1.0 : 0.0, wb = 1 - wa;
      m.mult(a, r) = wa * (2 - fay_rho) + wb * fay_rho;
      m.mult(a + 1, r) = wb * (2 - fay_rho) + wa * fay_rho;
    }
  }
  const double dR = static_cast<double>(R);
  m.scale = 1 / (dR * (1 - fay_rho) * (1 - fay_rho));
  m.rscales = Eigen::VectorXd::Ones(R);
  m.fay_rho = fay_rho;
  return m;
}

} // namespace

const char* created_replicates_name(CreatedReplicates k) {
  switch (k) {
  case CreatedReplicates::Bootstrap: return "bootstrap";
  case CreatedReplicates::SubBootstrap: return "subbootstrap";
  case CreatedReplicates::JK1: return "jk1";
  case CreatedReplicates::JKn: return "jkn";
  case CreatedReplicates::BRR: return "brr";
  case CreatedReplicates::Fay: return "fay";
  }
  return "bootstrap";
}

std::optional<CreatedReplicates> parse_created_replicates(std::string_view name) {
  for (CreatedReplicates k : {CreatedReplicates::Bootstrap, CreatedReplicates::SubBootstrap, CreatedReplicates::JK1,
                              CreatedReplicates::JKn, CreatedReplicates::BRR, CreatedReplicates::Fay})
    if (name == created_replicates_name(k)) return k;
  return std::nullopt;
}

PsuMultipliers make_multipliers(const PsuLayout& layout, LonelyPsu lonely, const ReplicateRequest& request) {
  // Sizes first: the matrix below is PSUs × replicates.
  const std::size_t P = layout.psus();
  switch (request.kind) {
  case CreatedReplicates::Bootstrap:
  case CreatedReplicates::SubBootstrap:
    check_replicate_count(request.replicates);
    check_replicate_cells(P, request.replicates, "PSU", "PSUs");
    break;
  case CreatedReplicates::JK1:
  case CreatedReplicates::JKn:
    if (P > kMaxReplicates)
      fail(ErrorCode::UsageInvalidOption, fmt::format("{}", P),
           Text{fmt::format("PSUが {} あり、{} の反復が {} 個になります (上限 {})", P, created_replicates_name(request.kind), P, kMaxReplicates),
                fmt::format("{} PSUs would give {} {} replicates (limit {})", P, P, created_replicates_name(request.kind), kMaxReplicates)},
           Text{"psu の変数を指定するか、bootstrap を使ってください", "declare a psu variable or use bootstrap"});
    break;
  case CreatedReplicates::BRR:
  case CreatedReplicates::Fay: break; // the Hadamard order is bounded (hadamard_matrix) and P = 2 × strata
  }
  switch (request.kind) {
  case CreatedReplicates::Bootstrap: return bootstrap_multipliers(layout, request.replicates, request.seed);
  case CreatedReplicates::SubBootstrap: return subbootstrap_multipliers(layout, request.replicates, request.seed);
  case CreatedReplicates::JK1: return jk1_multipliers(layout);
  case CreatedReplicates::JKn: return jkn_multipliers(layout, lonely);
  case CreatedReplicates::BRR: return brr_multipliers(layout, 0);
  case CreatedReplicates::Fay: return brr_multipliers(layout, request.fay_rho);
  }
  return jk1_multipliers(layout);
}

ReplicateDesign replicates_from_multipliers(const Design& design, const PsuMultipliers& m) {
  const RowLayout& rows = design_layout(design);
  if (static_cast<std::size_t>(m.mult.rows()) != rows.psu.psus())
    internal(fmt::format("psus={} multipliers={}", rows.psu.psus(), m.mult.rows()), "反復の乗数の行数がPSUの数と一致しません",
             "replicate multipliers differ in rows from the PSUs");
  check_replicate_cells(design.weights.size(), static_cast<std::size_t>(m.mult.cols()), "行", "rows");
  ReplicateDesign out;
  out.type = m.type;
  out.weights = design.weights;
  out.rep = expand(rows.row_psu, m.mult, design.weights);
  out.scale = m.scale;
  out.rscales = m.rscales;
  out.fay_rho = m.fay_rho;
  out.df = replicate_df(out);
  return out;
}

ReplicateDesign make_replicates(const Design& design, const ReplicateRequest& request) {
  return replicates_from_multipliers(design, make_multipliers(design_layout(design).psu, design.lonely, request));
}

ReplicateDesign make_jk1(const Design& design) { return make_replicates(design, {CreatedReplicates::JK1}); }
ReplicateDesign make_jkn(const Design& design) { return make_replicates(design, {CreatedReplicates::JKn}); }

ReplicateDesign make_bootstrap(const Design& design, std::size_t replicates, std::uint64_t seed) {
  check_replicate_count(replicates); // before the layout, as the error names the count
  return make_replicates(design, {CreatedReplicates::Bootstrap, replicates, seed});
}

ReplicateDesign make_subbootstrap(const Design& design, std::size_t replicates, std::uint64_t seed) {
  check_replicate_count(replicates);
  return make_replicates(design, {CreatedReplicates::SubBootstrap, replicates, seed});
}

ReplicateDesign make_brr(const Design& design, double fay_rho) {
  if (fay_rho == 0) return make_replicates(design, {CreatedReplicates::BRR});
  ReplicateRequest r{CreatedReplicates::Fay};
  r.fay_rho = fay_rho;
  return make_replicates(design, r);
}

double replicate_df(const ReplicateDesign& design, std::span<const double> domain) {
  const Eigen::Index R = design.rep.cols();
  if (!domain.empty() && domain.size() != design.rows())
    internal(fmt::format("rows={} domain={}", design.rows(), domain.size()), "集計区分の長さが反復設計と一致しません",
             "domain length differs from the replicate design");
  Eigen::MatrixXd sub;
  if (!domain.empty()) {
    std::vector<Eigen::Index> keep;
    for (std::size_t i = 0; i < domain.size(); ++i)
      if (domain[i] != 0) keep.push_back(static_cast<Eigen::Index>(i));
    sub.resize(static_cast<Eigen::Index>(keep.size()), R);
    for (std::size_t i = 0; i < keep.size(); ++i) sub.row(static_cast<Eigen::Index>(i)) = design.rep.row(keep[i]);
  }
  return replicate_rank(domain.empty() ? design.rep : sub) - 1;
}

double multipliers_df(const PsuMultipliers& m, std::span<const char> has_w) {
  if (has_w.size() != static_cast<std::size_t>(m.mult.rows()))
    internal(fmt::format("psus={} multipliers={}", has_w.size(), m.mult.rows()), "PSUの数が反復の乗数の行数と一致しません",
             "the PSUs differ in number from the replicate multipliers' rows");
  const auto n = static_cast<Eigen::Index>(std::count_if(has_w.begin(), has_w.end(), [](char c) { return c != 0; }));
  Eigen::MatrixXd sub(n, m.mult.cols());
  Eigen::Index i = 0;
  for (std::size_t q = 0; q < has_w.size(); ++q)
    if (has_w[q]) sub.row(i++) = m.mult.row(static_cast<Eigen::Index>(q));
  return replicate_rank(sub) - 1;
}

double replicate_rank(const Eigen::MatrixXd& w) {
  const Eigen::Index R = w.cols();
  const Eigen::Index n = w.rows();
  // Gram–Schmidt, column by column in order, orthogonalising twice against the accepted columns (q holds
  // their orthonormal basis): the residual is what R's Householder QR compares with tol × the column norm.
  Eigen::MatrixXd q(n, std::min(n, R));
  Eigen::Index accepted = 0;
  for (Eigen::Index j = 0; j < R && accepted < n; ++j) {
    const double norm = w.col(j).norm();
    if (!(norm > 0)) continue;
    Eigen::VectorXd r = w.col(j);
    for (int pass = 0; pass < 2 && accepted > 0; ++pass) {
      const Eigen::VectorXd c = q.leftCols(accepted).transpose() * r;
      r -= q.leftCols(accepted) * c;
    }
    const double res = r.norm();
    if (!(res >= kRankTol * norm)) continue;
    q.col(accepted++) = r / res;
  }
  return static_cast<double>(accepted);
}

double replicate_rank_gram(const Eigen::MatrixXd& gram) {
  const Eigen::Index R = gram.cols();
  // The same column-by-column test as replicate_rank, with the inner products taken from WᵀW: an incomplete
  // Cholesky factor L of the accepted columns (row j of L: column j's coordinates in their orthonormal basis),
  // so column j's residual² = G_jj − Σ_k L_jk², compared with tol² · G_jj.
  Eigen::MatrixXd L = Eigen::MatrixXd::Zero(R, R);
  std::vector<Eigen::Index> acc;
  for (Eigen::Index j = 0; j < R; ++j) {
    const double norm2 = gram(j, j);
    if (!(norm2 > 0)) continue;
    double res2 = norm2;
    for (std::size_t a = 0; a < acc.size(); ++a) {
      const Eigen::Index k = acc[a];
      double v = gram(std::max(j, k), std::min(j, k));
      for (std::size_t b = 0; b < a; ++b) v -= L(j, static_cast<Eigen::Index>(b)) * L(k, static_cast<Eigen::Index>(b));
      v /= L(k, static_cast<Eigen::Index>(a));
      L(j, static_cast<Eigen::Index>(a)) = v;
      res2 -= v * v;
    }
    if (!(res2 >= kRankTol * kRankTol * norm2)) {
      L.row(j).setZero();
      continue;
    }
    L(j, static_cast<Eigen::Index>(acc.size())) = std::sqrt(res2);
    acc.push_back(j);
  }
  return static_cast<double>(acc.size());
}

Eigen::MatrixXd replicate_vcov(const ReplicateDesign& design, const Eigen::MatrixXd& thetas,
                               const Eigen::VectorXd& full) {
  const Eigen::Index R = thetas.rows(), k = thetas.cols();
  if (R != design.rscales.size() || full.size() != k)
    internal(fmt::format("replicates={} thetas={}x{} full={}", design.rscales.size(), R, k, full.size()),
             "反復推定値の大きさが一致しません", "replicate statistics have the wrong dimensions");
  for (Eigen::Index r = 0; r < R; ++r)
    for (Eigen::Index c = 0; c < k; ++c)
      if (!std::isfinite(thetas(r, c)))
        fail(ErrorCode::EstimateNoData, fmt::format("replicate={} statistic={}", r + 1, c + 1),
             Text{fmt::format("反復 {} で統計量 {} を計算できません (集計区分の重みが0など)", r + 1, c + 1),
                  fmt::format("replicate {} cannot compute statistic {} (e.g. the domain's weights are all 0 in it)",
                              r + 1, c + 1)},
             Text{"各反復に集計区分の回答が残る設計 (区分を統合するか、線形化を使ってください)",
                  "domains with rows in every replicate (merge domains or use linearisation)"});
  Eigen::VectorXd centre = full;
  if (!design.mse) {
    centre = Eigen::VectorXd::Zero(k);
    double used = 0;
    for (Eigen::Index r = 0; r < R; ++r)
      if (design.rscales(r) > 0) {
        centre += thetas.row(r).transpose();
        used += 1;
      }
    if (used == 0)
      fail(ErrorCode::EstimateNoData, "rscales=0", Text{"rscales がすべて0です", "every rscale is 0"}, Text{});
    centre /= used;
  }
  const Eigen::MatrixXd dev =
      (thetas.rowwise() - centre.transpose()).array().colwise() * design.rscales.cwiseSqrt().array();
  return design.scale * (dev.transpose() * dev);
}

ReplicateResult replicate_estimate(const ReplicateDesign& design,
                                   const std::function<Eigen::VectorXd(const Eigen::VectorXd& w)>& estimator) {
  validate(design);
  ReplicateResult out;
  out.value = estimator(weights_of(design));
  const Eigen::Index R = design.rep.cols();
  out.thetas.resize(R, out.value.size());
  for (Eigen::Index r = 0; r < R; ++r) {
    const Eigen::VectorXd t = estimator(design.rep.col(r));
    if (t.size() != out.value.size())
      internal(fmt::format("replicate {}: {} vs {}", r + 1, t.size(), out.value.size()), "反復推定値の数が一致しません",
               "replicate statistic count differs");
    out.thetas.row(r) = t.transpose();
  }
  out.vcov = replicate_vcov(design, out.thetas, out.value);
  return out;
}

SurveyEstimate svy_total(const ReplicateDesign& design, const Eigen::MatrixXd& y) {
  validate(design);
  check_same_rows(design, y.rows(), "y");
  check_finite(y, "y");
  return whole_sample(design, "total", numbered("y", y.cols()),
                      [&](const Eigen::VectorXd& w) -> Eigen::VectorXd { return y.transpose() * w; });
}

SurveyEstimate svy_mean(const ReplicateDesign& design, const Eigen::MatrixXd& y) {
  validate(design);
  check_same_rows(design, y.rows(), "y");
  check_finite(y, "y");
  if (weights_of(design).sum() == 0) no_weight("mean");
  return whole_sample(design, "mean", numbered("y", y.cols()),
                      [&](const Eigen::VectorXd& w) -> Eigen::VectorXd { return y.transpose() * w / w.sum(); });
}

SurveyEstimate svy_ratio(const ReplicateDesign& design, const Eigen::VectorXd& num, const Eigen::VectorXd& den) {
  validate(design);
  check_same_rows(design, num.rows(), "numerator");
  check_same_rows(design, den.rows(), "denominator");
  check_finite(num, "numerator");
  check_finite(den, "denominator");
  if (weights_of(design).dot(den) == 0) no_weight("ratio");
  return whole_sample(design, "ratio", {"ratio"}, [&](const Eigen::VectorXd& w) -> Eigen::VectorXd {
    Eigen::VectorXd v(1);
    v(0) = w.dot(num) / w.dot(den);
    return v;
  });
}

SurveyEstimate svy_mean_by(const ReplicateDesign& design, const Eigen::VectorXd& y, const Eigen::MatrixXd& domains) {
  return by_domain(design, y, domains, true);
}

SurveyEstimate svy_total_by(const ReplicateDesign& design, const Eigen::VectorXd& y, const Eigen::MatrixXd& domains) {
  return by_domain(design, y, domains, false);
}

} // namespace hkstat::estimate
