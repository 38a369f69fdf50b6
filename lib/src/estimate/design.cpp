#include "hkstat/estimate/design.hpp"

#include "hkstat/core/error.hpp"
#include "hkstat/estimate/psu_index.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstring>
#include <map>
#include <string>
#include <utility>

namespace hkstat::estimate {

namespace {

[[noreturn]] void fail(ErrorCode code, std::string value, Text message, Text expected) {
  throw_problem(code, std::move(value), std::move(message), std::move(expected));
}

// R onestrat(): a stratum whose sampling fraction is (almost) 1 contributes nothing.
constexpr double kCensusTolerance = 1e-7;

[[noreturn]] void fail_at(const SourcePos& pos, ErrorCode code, std::string value, Text message, Text expected) {
  Problem p;
  p.code = code;
  p.pos = pos;
  p.value = std::move(value);
  p.message = std::move(message);
  p.expected = std::move(expected);
  throw Error(std::move(p));
}

RowLayout build_layout(const Design& d) {
  RowLayout R;
  PsuLayout& L = R.psu;
  const std::size_t n = d.weights.size();
  const auto bad_len = [&](const char* what, std::size_t len) {
    fail(ErrorCode::Internal, fmt::format("weights={} {}={}", n, what, len),
         Text{"標本設計の列の長さが一致しません", "design columns differ in length"}, Text{});
  };
  if (!d.strata.empty() && d.strata.size() != n) bad_len("strata", d.strata.size());
  if (!d.psu.empty() && d.psu.size() != n) bad_len("psu", d.psu.size());
  if (!d.fpc.empty() && d.fpc.size() != n) bad_len("fpc", d.fpc.size());
  if (n == 0)
    fail(ErrorCode::EstimateNoData, "n=0", Text{"回答がないため推定できません", "no rows: nothing to estimate"},
         Text{"1件以上の回答", "at least one row"});
  for (std::size_t i = 0; i < n; ++i)
    if (!std::isfinite(d.weights[i]) || d.weights[i] < 0)
      fail(ErrorCode::DataInvalidWeight, fmt::format("{}", d.weights[i]),
           Text{fmt::format("{}行目の重みが0以上の有限値ではありません", i + 1),
                fmt::format("row {}: weight is not a finite value >= 0", i + 1)},
           Text{"0以上の数値", "a number >= 0"});

  // Strata in ascending id order (std::map), so that results do not depend on the row order.
  std::map<std::int64_t, std::size_t> strata;
  for (std::size_t i = 0; i < n; ++i) strata.emplace(d.strata.empty() ? 1 : d.strata[i], 0);
  for (auto& [id, idx] : strata) {
    idx = L.stratum_id.size();
    L.stratum_id.push_back(id);
  }
  const std::size_t H = strata.size();
  if (!d.stratum_labels.empty())
    for (const std::int64_t id : L.stratum_id)
      L.stratum_label.push_back(id >= 0 && static_cast<std::size_t>(id) < d.stratum_labels.size() ? d.stratum_labels[static_cast<std::size_t>(id)]
                                                                                                 : std::to_string(id));
  R.row_stratum.resize(n);
  for (std::size_t i = 0; i < n; ++i) R.row_stratum[i] = strata.at(d.strata.empty() ? 1 : d.strata[i]);
  R.row_psu.resize(n);
  L.first.assign(H + 1, 0);
  if (d.psu.empty()) {
    // Every row is a PSU: within a stratum in row order.
    for (std::size_t i = 0; i < n; ++i) ++L.first[R.row_stratum[i] + 1];
    for (std::size_t h = 0; h < H; ++h) L.first[h + 1] += L.first[h];
    std::vector<std::size_t> next(L.first.begin(), L.first.end() - 1);
    L.psu_id.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t p = next[R.row_stratum[i]]++;
      R.row_psu[i] = p;
      L.psu_id[p] = static_cast<std::int64_t>(i);
    }
  } else {
    // (stratum, psu id) in ascending order: the canonical PSU numbers.
    std::map<std::pair<std::size_t, std::int64_t>, std::size_t> psus;
    for (std::size_t i = 0; i < n; ++i) psus.emplace(std::make_pair(R.row_stratum[i], d.psu[i]), 0);
    for (auto& [key, idx] : psus) {
      idx = L.psu_id.size();
      L.psu_id.push_back(key.second);
      ++L.first[key.first + 1];
    }
    for (std::size_t h = 0; h < H; ++h) L.first[h + 1] += L.first[h];
    for (std::size_t i = 0; i < n; ++i) R.row_psu[i] = psus.at(std::make_pair(R.row_stratum[i], d.psu[i]));
  }

  std::vector<double> fpc;
  if (!d.fpc.empty()) {
    fpc.assign(H, std::nan(""));
    for (std::size_t i = 0; i < n; ++i) {
      const double v = d.fpc[i];
      const std::size_t h = R.row_stratum[i];
      if (!std::isfinite(v) || v <= 0)
        fail(ErrorCode::DataOutOfRange, fmt::format("{}", v),
             Text{fmt::format("{}行目(層 {})の有限母集団修正(fpc)が正の有限値ではありません", i + 1, L.stratum_name(h)),
                  fmt::format("row {} (stratum {}): fpc is not a finite positive number", i + 1, L.stratum_name(h))},
             Text{"層の母集団PSU数 (>= 標本PSU数) または抽出率 (0, 1]",
                  "the stratum's population number of PSUs (>= sampled PSUs) or a sampling fraction in (0, 1]"});
      if (std::isnan(fpc[h])) {
        fpc[h] = v;
      } else if (v != fpc[h]) {
        fail(ErrorCode::DataOutOfRange, fmt::format("{} / {}", fpc[h], v),
             Text{fmt::format("層 {} の中で fpc が一定ではありません ({}行目: {}, それ以前: {})", L.stratum_name(h), i + 1, v,
                              fpc[h]),
                  fmt::format("fpc varies within stratum {} (row {}: {}, earlier: {})", L.stratum_name(h), i + 1, v, fpc[h])},
             Text{"層ごとに一定の値", "one value per stratum"});
      }
    }
  }
  set_stratum_fpc(L, fpc);
  return R;
}

// The layout depends only on the design's columns, and estimators call the engine once per cell
// (tabulate: hundreds of cells on the same design). The last layout is kept per thread and reused when
// the columns are equal element for element (an O(n) comparison instead of rebuilding the maps), so a
// design changed in place is never served a stale layout.
const RowLayout& cached_layout(const Design& d) {
  struct Cache {
    bool valid = false;
    std::vector<double> weights, fpc;
    std::vector<std::int64_t> strata, psu;
    std::vector<std::string> stratum_labels;
    RowLayout layout;
  };
  thread_local Cache c;
  const auto same_doubles = [](const std::vector<double>& a, const std::vector<double>& b) {
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
  };
  if (c.valid && same_doubles(c.weights, d.weights) && same_doubles(c.fpc, d.fpc) && c.strata == d.strata && c.psu == d.psu &&
      c.stratum_labels == d.stratum_labels)
    return c.layout;
  c.valid = false;
  c.layout = build_layout(d); // throws on an invalid design: the cache stays invalid
  c.weights = d.weights;
  c.fpc = d.fpc;
  c.strata = d.strata;
  c.psu = d.psu;
  c.stratum_labels = d.stratum_labels;
  c.valid = true;
  return c.layout;
}

DesignSummary summarize_rows(const Design& d, const RowLayout& R, std::span<const double> domain) {
  DesignSummary s;
  const std::size_t H = R.psu.strata(), P = R.psu.psus();
  std::vector<bool> stratum_any(H, false), stratum_w(H, false), psu_any(P, false), psu_w(P, false);
  for (std::size_t i = 0; i < R.row_psu.size(); ++i) {
    if (!domain.empty() && domain[i] == 0) continue;
    ++s.rows;
    stratum_any[R.row_stratum[i]] = true;
    psu_any[R.row_psu[i]] = true;
    if (d.weights[i] != 0) {
      stratum_w[R.row_stratum[i]] = true;
      psu_w[R.row_psu[i]] = true;
    }
  }
  const auto count = [](const std::vector<bool>& v) {
    std::size_t c = 0;
    for (bool b : v) c += b;
    return c;
  };
  s.strata = count(stratum_any);
  s.psus = count(psu_any);
  s.df = static_cast<double>(count(psu_w)) - static_cast<double>(count(stratum_w));
  return s;
}

void check_domain(const RowLayout& R, std::span<const double> domain) {
  if (domain.size() != R.row_psu.size())
    fail(ErrorCode::Internal, fmt::format("rows={} domain={}", R.row_psu.size(), domain.size()),
         Text{"集計区分の長さが標本設計と一致しません", "domain length differs from the design"}, Text{});
  for (std::size_t i = 0; i < domain.size(); ++i)
    if (!std::isfinite(domain[i]))
      fail(ErrorCode::Internal, fmt::format("row {}: domain={}", i + 1, domain[i]),
           Text{"集計区分の値が有限値ではありません", "domain indicator is not finite"}, Text{});
}

// (a): row scores → PSU totals, then (b).
Eigen::MatrixXd vcov_impl(const Design& d, const Eigen::MatrixXd& scores, std::span<const double> domain,
                          bool subset_semantics) {
  const RowLayout& R = cached_layout(d);
  const std::size_t rows = R.row_psu.size();
  if (subset_semantics) check_domain(R, domain);
  if (static_cast<std::size_t>(scores.rows()) != rows)
    fail(ErrorCode::Internal, fmt::format("rows={} scores={}", rows, scores.rows()),
         Text{"スコアの行数が標本設計と一致しません", "score rows differ from the design"}, Text{});
  const Eigen::Index k = scores.cols();
  Eigen::MatrixXd totals = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(R.psu.psus()), k);
  for (std::size_t i = 0; i < rows; ++i) {
    for (Eigen::Index c = 0; c < k; ++c) {
      const double z = scores(static_cast<Eigen::Index>(i), c);
      if (!std::isfinite(z))
        fail(ErrorCode::Internal, fmt::format("row {} column {}: score={}", i + 1, c + 1, z),
             Text{"線形化スコアが有限値ではありません", "linearisation score is not finite"}, Text{});
    }
    totals.row(static_cast<Eigen::Index>(R.row_psu[i])) += scores.row(static_cast<Eigen::Index>(i));
  }
  std::vector<char> present;
  if (subset_semantics) {
    present.assign(R.psu.strata(), 0);
    for (std::size_t i = 0; i < rows; ++i)
      if (domain[i] != 0) present[R.row_stratum[i]] = 1;
  }
  return psu_vcov(R.psu, d.lonely, totals, present);
}

} // namespace

const char* lonely_psu_name(LonelyPsu p) {
  switch (p) {
  case LonelyPsu::Fail: return "fail";
  case LonelyPsu::Remove: return "remove";
  case LonelyPsu::Certainty: return "certainty";
  case LonelyPsu::Adjust: return "adjust";
  case LonelyPsu::Average: return "average";
  }
  return "fail";
}

LonelyPsu parse_lonely_psu(std::string_view name) {
  for (LonelyPsu p : {LonelyPsu::Fail, LonelyPsu::Remove, LonelyPsu::Certainty, LonelyPsu::Adjust, LonelyPsu::Average})
    if (name == lonely_psu_name(p)) return p;
  fail(ErrorCode::UsageInvalidOption, std::string(name),
       Text{"単独PSU (lonely PSU) の扱いが不明です", "unknown lonely-PSU policy"},
       Text{"fail, remove, certainty, adjust, average のいずれか", "one of fail, remove, certainty, adjust, average"});
}

DesignSummary summarize(const Design& design) {
  const RowLayout& R = cached_layout(design);
  return summarize_rows(design, R, {});
}

DesignSummary summarize_domain(const Design& design, std::span<const double> domain) {
  const RowLayout& R = cached_layout(design);
  check_domain(R, domain);
  return summarize_rows(design, R, domain);
}

const RowLayout& design_layout(const Design& design) { return cached_layout(design); }

void set_stratum_fpc(PsuLayout& L, std::span<const double> fpc, std::span<const SourcePos> where) {
  const std::size_t H = L.strata();
  L.popsize.assign(H, std::nan(""));
  L.g.assign(H, 1.0);
  if (fpc.empty()) return;
  if (fpc.size() != H || (!where.empty() && where.size() != H))
    fail(ErrorCode::Internal, fmt::format("strata={} fpc={}", H, fpc.size()),
         Text{"fpc の数が層の数と一致しません", "fpc values differ in number from the strata"}, Text{});
  const auto pos = [&](std::size_t h) { return where.empty() ? SourcePos{} : where[h]; };
  bool any_population = false, any_fraction = false;
  for (double v : fpc) {
    any_population = any_population || v > 1;
    any_fraction = any_fraction || v < 1;
  }
  if (any_population && any_fraction) {
    std::size_t h = 0; // the first stratum with a fraction
    while (h + 1 < H && !(fpc[h] < 1)) ++h;
    fail_at(pos(h), ErrorCode::DataOutOfRange, "fpc",
            Text{"fpc に抽出率 (<1) と母集団PSU数 (>1) が混在しています",
                 "fpc mixes sampling fractions (< 1) and population sizes (> 1)"},
            Text{"すべて母集団PSU数 (>= 1) か、すべて抽出率 (<= 1)", "all population sizes (>= 1) or all fractions (<= 1)"});
  }
  for (std::size_t h = 0; h < H; ++h) {
    const double nh = static_cast<double>(L.psus_in(h));
    const double big_n = any_population ? fpc[h] : nh / fpc[h];
    if (big_n < nh)
      fail_at(pos(h), ErrorCode::DataOutOfRange, fmt::format("{}", fpc[h]),
              Text{fmt::format("層 {} の母集団PSU数 (fpc={}) が標本PSU数 {} より小さくなっています", L.stratum_name(h), fpc[h],
                               L.psus_in(h)),
                   fmt::format("stratum {}: population number of PSUs (fpc={}) is below the {} sampled PSUs",
                               L.stratum_name(h), fpc[h], L.psus_in(h))},
              Text{"標本PSU数以上の母集団PSU数", "a population number of PSUs >= the sampled PSUs"});
    L.popsize[h] = big_n;
    L.g[h] = (big_n - nh) / big_n;
  }
}

namespace {

// The stratum loop of psu_vcov and stratum_moments_vcov: census strata, `present`, the lonely-PSU policies and
// the final checks, written once. centred(h, v): add stratum h's centred contribution (n_h > 1) times
// g_h n_h / (n_h − 1); singleton(h, v): add stratum h's uncentred contribution (one PSU) times g_h.
template <class Centred, class Singleton>
Eigen::MatrixXd vcov_by_stratum(const PsuLayout& L, LonelyPsu lonely, Eigen::Index k, std::span<const char> present, Centred centred,
                                Singleton singleton) {
  const std::size_t H = L.strata();
  Eigen::MatrixXd v = Eigen::MatrixXd::Zero(k, k);
  std::size_t counted = 0, ok = 0;
  for (std::size_t h = 0; h < H; ++h) {
    if (!present.empty() && !present[h]) continue; // R: the stratum has no rows in subset(design, domain)
    ++counted;
    const std::size_t np = L.psus_in(h);
    const double nh = static_cast<double>(np);
    if (L.g[h] < kCensusTolerance) { // all PSUs taken: no sampling variance (checked first, as R)
      ++ok;
      continue;
    }
    if (np > 1) {
      centred(h, v, L.g[h] * nh / (nh - 1));
      ++ok;
      continue;
    }
    switch (lonely) {
    case LonelyPsu::Fail:
      fail(ErrorCode::EstimateNoData, fmt::format("stratum={}", L.stratum_name(h)),
           Text{fmt::format("層 {} の標本PSUが1つしかないため分散を推定できません (lonely PSU)", L.stratum_name(h)),
                fmt::format("stratum {} has only one sampled PSU: its variance cannot be estimated (lonely PSU)",
                            L.stratum_name(h))},
           Text{"層を統合するか、単独PSUの扱い (remove, certainty, adjust, average) を指定してください",
                "merge strata or choose a lonely-PSU policy (remove, certainty, adjust, average)"});
    case LonelyPsu::Remove:
    case LonelyPsu::Certainty:
      ++ok;
      break;
    case LonelyPsu::Adjust: // survey 4.1-1: the singleton total is not centred
      singleton(h, v, L.g[h]);
      ++ok;
      break;
    case LonelyPsu::Average: // left out; the others are scaled up below
      break;
    }
  }
  if (counted > 0 && ok == 0)
    fail(ErrorCode::EstimateNoData, fmt::format("strata={}", counted),
         Text{"すべての層で標本PSUが1つのため、average では分散を推定できません",
              "every stratum has a single PSU: the 'average' lonely-PSU policy cannot estimate a variance"},
         Text{"2つ以上のPSUを持つ層", "a stratum with at least two PSUs"});
  if (ok < counted) v *= static_cast<double>(counted) / static_cast<double>(ok);
  return v;
}

} // namespace

Eigen::MatrixXd psu_vcov(const PsuLayout& L, LonelyPsu lonely, const Eigen::MatrixXd& totals, std::span<const char> present) {
  const std::size_t H = L.strata();
  if (static_cast<std::size_t>(totals.rows()) != L.psus() || L.first.size() != H + 1 || L.g.size() != H ||
      (!present.empty() && present.size() != H))
    fail(ErrorCode::Internal, fmt::format("psus={} totals={} strata={} present={}", L.psus(), totals.rows(), H, present.size()),
         Text{"PSU合計の大きさが標本設計と一致しません", "PSU totals differ in size from the design"}, Text{});
  if (!totals.allFinite())
    fail(ErrorCode::Internal, "totals", Text{"PSU合計が有限値ではありません", "a PSU total is not finite"}, Text{});
  // v(i, j) += scale Σ_r (x_ri − m_i)(x_rj − m_j) over stratum h's PSU totals x, centred on their mean m (the PSU
  // mean in row order, not colwise().mean(), whose SIMD reduction adds in another order natively than in the
  // WebAssembly build) or not (m = 0), summed in row order: Eigen's matrix product picks its blocking from the CPU's
  // cache sizes at run time, which changes the order of the additions and so the last bits from one machine to the
  // next; a fixed order keeps the output byte-identical on every machine (docs/estimation.md). Read in place, no
  // copy of the block: psu_vcov runs for every domain and comparison, and the copies were most of their mallocs
  // (job a: ≈ 2,250 of finish()'s 3,020).
  const Eigen::Index k = totals.cols();
  Eigen::RowVectorXd mean(k);
  const auto add_cross = [&](std::size_t h, Eigen::MatrixXd& v, double scale, bool centred) {
    const auto first = static_cast<Eigen::Index>(L.first[h]), n = static_cast<Eigen::Index>(L.psus_in(h));
    for (Eigen::Index c = 0; c < k; ++c) {
      double s = 0;
      if (centred)
        for (Eigen::Index r = 0; r < n; ++r) s += totals(first + r, c);
      mean(c) = centred ? s / static_cast<double>(n) : 0.0;
    }
    for (Eigen::Index i = 0; i < k; ++i)
      for (Eigen::Index j = 0; j <= i; ++j) {
        double s = 0;
        for (Eigen::Index r = 0; r < n; ++r) s += (totals(first + r, i) - mean(i)) * (totals(first + r, j) - mean(j));
        v(i, j) += scale * s;
        if (j != i) v(j, i) += scale * s;
      }
  };
  return vcov_by_stratum(
      L, lonely, k, present, [&](std::size_t h, Eigen::MatrixXd& v, double scale) { add_cross(h, v, scale, true); },
      [&](std::size_t h, Eigen::MatrixXd& v, double g) { add_cross(h, v, g, false); });
}

namespace {

// The number of statistics of per-stratum moments (s1: a vector per stratum, s2: a square matrix per stratum),
// after checking that they fit the design and are finite.
Eigen::Index stratum_moments_size(const PsuLayout& L, const std::vector<Eigen::VectorXd>& s1, const std::vector<Eigen::MatrixXd>& s2,
                                  std::span<const char> present) {
  const std::size_t H = L.strata();
  const Eigen::Index k = H > 0 && !s1.empty() ? s1[0].size() : 0;
  bool ok = s1.size() == H && s2.size() == H && L.first.size() == H + 1 && L.g.size() == H && (present.empty() || present.size() == H);
  for (std::size_t h = 0; ok && h < H; ++h)
    ok = s1[h].size() == k && s2[h].rows() == k && s2[h].cols() == k && s1[h].allFinite() && s2[h].allFinite();
  if (!ok)
    fail(ErrorCode::Internal, fmt::format("strata={} moments={}", H, s1.size()),
         Text{"層ごとの合計の大きさが標本設計と一致しないか、有限値ではありません", "stratum moments differ in size from the design or are not finite"},
         Text{});
  return k;
}

} // namespace

Eigen::MatrixXd stratum_moments_vcov(const PsuLayout& L, LonelyPsu lonely, const std::vector<Eigen::VectorXd>& s1,
                                     const std::vector<Eigen::MatrixXd>& s2, std::span<const char> present) {
  const Eigen::Index k = stratum_moments_size(L, s1, s2, present);
  return vcov_by_stratum(
      L, lonely, k, present,
      [&](std::size_t h, Eigen::MatrixXd& v, double scale) {
        const double nh = static_cast<double>(L.psus_in(h));
        Eigen::MatrixXd c = s2[h];
        for (Eigen::Index i = 0; i < k; ++i)
          for (Eigen::Index j = 0; j < k; ++j) c(i, j) -= s1[h](i) * s1[h](j) / nh;
        v += scale * c;
      },
      [&](std::size_t h, Eigen::MatrixXd& v, double g) { v += g * s2[h]; });
}

Eigen::MatrixXd stratum_centred_vcov(const PsuLayout& L, LonelyPsu lonely, const std::vector<Eigen::VectorXd>& s1,
                                     const std::vector<Eigen::MatrixXd>& c2, std::span<const char> present) {
  const Eigen::Index k = stratum_moments_size(L, s1, c2, present);
  return vcov_by_stratum(
      L, lonely, k, present, [&](std::size_t h, Eigen::MatrixXd& v, double scale) { v += scale * c2[h]; },
      [&](std::size_t h, Eigen::MatrixXd& v, double g) { v += g * (s1[h] * s1[h].transpose()); }); // one row: Σ z zᵀ = s1 s1ᵀ
}

Eigen::MatrixXd design_vcov(const Design& design, const Eigen::MatrixXd& scores) {
  if (design.calibration) return vcov_impl(design, design.calibration(scores), {}, false);
  return vcov_impl(design, scores, {}, false);
}

Eigen::MatrixXd design_vcov(const Design& design, const Eigen::MatrixXd& scores, std::span<const double> domain) {
  // Calibration residuals are nonzero outside the domain: the whole design (see design.hpp).
  if (design.calibration) return design_vcov(design, scores);
  return vcov_impl(design, scores, domain, true);
}

} // namespace hkstat::estimate
