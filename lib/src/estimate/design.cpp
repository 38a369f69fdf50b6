#include "hkstat/estimate/design.hpp"

#include "hkstat/core/error.hpp"

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

// The validated structure of a design: strata in ascending id order, PSUs numbered 0..P-1.
struct Layout {
  std::size_t rows = 0;
  std::vector<std::int64_t> stratum_id;          // per stratum
  std::vector<std::vector<std::size_t>> psus_of; // per stratum: its PSU numbers
  std::vector<double> g;                         // per stratum: 1 − n_h/N_h (1 without fpc)
  std::vector<std::size_t> row_stratum;          // per row
  std::vector<std::size_t> row_psu;              // per row
};

Layout build_layout(const Design& d) {
  Layout L;
  const std::size_t n = d.weights.size();
  L.rows = n;
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
  L.psus_of.resize(strata.size());
  L.row_stratum.resize(n);
  L.row_psu.resize(n);
  std::map<std::pair<std::size_t, std::int64_t>, std::size_t> psus;
  std::size_t npsu = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t h = strata.at(d.strata.empty() ? 1 : d.strata[i]);
    L.row_stratum[i] = h;
    std::size_t p;
    if (d.psu.empty()) {
      p = npsu++;
      L.psus_of[h].push_back(p);
    } else {
      const auto [it, inserted] = psus.emplace(std::make_pair(h, d.psu[i]), npsu);
      if (inserted) {
        ++npsu;
        L.psus_of[h].push_back(it->second);
      }
      p = it->second;
    }
    L.row_psu[i] = p;
  }

  L.g.assign(strata.size(), 1.0);
  if (!d.fpc.empty()) {
    bool any_population = false, any_fraction = false;
    for (std::size_t i = 0; i < n; ++i) {
      const double v = d.fpc[i];
      if (!std::isfinite(v) || v <= 0)
        fail(ErrorCode::DataOutOfRange, fmt::format("{}", v),
             Text{fmt::format("{}行目(層 {})の有限母集団修正(fpc)が正の有限値ではありません", i + 1,
                              L.stratum_id[L.row_stratum[i]]),
                  fmt::format("row {} (stratum {}): fpc is not a finite positive number", i + 1,
                              L.stratum_id[L.row_stratum[i]])},
             Text{"層の母集団PSU数 (>= 標本PSU数) または抽出率 (0, 1]",
                  "the stratum's population number of PSUs (>= sampled PSUs) or a sampling fraction in (0, 1]"});
      any_population = any_population || v > 1;
      any_fraction = any_fraction || v < 1;
    }
    if (any_population && any_fraction)
      fail(ErrorCode::DataOutOfRange, "fpc",
           Text{"fpc に抽出率 (<1) と母集団PSU数 (>1) が混在しています",
                "fpc mixes sampling fractions (< 1) and population sizes (> 1)"},
           Text{"すべて母集団PSU数 (>= 1) か、すべて抽出率 (<= 1)", "all population sizes (>= 1) or all fractions (<= 1)"});
    std::vector<double> first(strata.size(), std::nan(""));
    std::vector<bool> seen(strata.size(), false);
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t h = L.row_stratum[i];
      if (!seen[h]) {
        seen[h] = true;
        first[h] = d.fpc[i];
      } else if (d.fpc[i] != first[h]) {
        fail(ErrorCode::DataOutOfRange, fmt::format("{} / {}", first[h], d.fpc[i]),
             Text{fmt::format("層 {} の中で fpc が一定ではありません ({}行目: {}, それ以前: {})", L.stratum_id[h], i + 1,
                              d.fpc[i], first[h]),
                  fmt::format("fpc varies within stratum {} (row {}: {}, earlier: {})", L.stratum_id[h], i + 1, d.fpc[i],
                              first[h])},
             Text{"層ごとに一定の値", "one value per stratum"});
      }
    }
    for (std::size_t h = 0; h < strata.size(); ++h) {
      const double nh = static_cast<double>(L.psus_of[h].size());
      const double big_n = any_population ? first[h] : nh / first[h];
      if (big_n < nh)
        fail(ErrorCode::DataOutOfRange, fmt::format("{}", first[h]),
             Text{fmt::format("層 {} の母集団PSU数 (fpc={}) が標本PSU数 {} より小さくなっています", L.stratum_id[h],
                              first[h], L.psus_of[h].size()),
                  fmt::format("stratum {}: population number of PSUs (fpc={}) is below the {} sampled PSUs",
                              L.stratum_id[h], first[h], L.psus_of[h].size())},
             Text{"標本PSU数以上の母集団PSU数", "a population number of PSUs >= the sampled PSUs"});
      L.g[h] = (big_n - nh) / big_n;
    }
  }
  return L;
}

// The layout depends only on the design's columns, and estimators call the engine once per cell
// (tabulate: hundreds of cells on the same design). The last layout is kept per thread and reused when
// the columns are equal element for element (an O(n) comparison instead of rebuilding the maps), so a
// design changed in place is never served a stale layout.
const Layout& cached_layout(const Design& d) {
  struct Cache {
    bool valid = false;
    std::vector<double> weights, fpc;
    std::vector<std::int64_t> strata, psu;
    Layout layout;
  };
  thread_local Cache c;
  const auto same_doubles = [](const std::vector<double>& a, const std::vector<double>& b) {
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
  };
  if (c.valid && same_doubles(c.weights, d.weights) && same_doubles(c.fpc, d.fpc) && c.strata == d.strata && c.psu == d.psu) return c.layout;
  c.valid = false;
  c.layout = build_layout(d); // throws on an invalid design: the cache stays invalid
  c.weights = d.weights;
  c.fpc = d.fpc;
  c.strata = d.strata;
  c.psu = d.psu;
  c.valid = true;
  return c.layout;
}

DesignSummary summarize_rows(const Design& d, const Layout& L, std::span<const double> domain) {
  DesignSummary s;
  std::vector<bool> stratum_any(L.psus_of.size(), false), stratum_w(L.psus_of.size(), false);
  std::size_t npsu = 0;
  for (const auto& v : L.psus_of) npsu += v.size();
  std::vector<bool> psu_any(npsu, false), psu_w(npsu, false);
  for (std::size_t i = 0; i < L.rows; ++i) {
    if (!domain.empty() && domain[i] == 0) continue;
    ++s.rows;
    stratum_any[L.row_stratum[i]] = true;
    psu_any[L.row_psu[i]] = true;
    if (d.weights[i] != 0) {
      stratum_w[L.row_stratum[i]] = true;
      psu_w[L.row_psu[i]] = true;
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

void check_domain(const Layout& L, std::span<const double> domain) {
  if (domain.size() != L.rows)
    fail(ErrorCode::Internal, fmt::format("rows={} domain={}", L.rows, domain.size()),
         Text{"集計区分の長さが標本設計と一致しません", "domain length differs from the design"}, Text{});
  for (std::size_t i = 0; i < domain.size(); ++i)
    if (!std::isfinite(domain[i]))
      fail(ErrorCode::Internal, fmt::format("row {}: domain={}", i + 1, domain[i]),
           Text{"集計区分の値が有限値ではありません", "domain indicator is not finite"}, Text{});
}

Eigen::MatrixXd vcov_impl(const Design& d, const Eigen::MatrixXd& scores, std::span<const double> domain,
                          bool subset_semantics) {
  const Layout& L = cached_layout(d);
  if (subset_semantics) check_domain(L, domain);
  if (static_cast<std::size_t>(scores.rows()) != L.rows)
    fail(ErrorCode::Internal, fmt::format("rows={} scores={}", L.rows, scores.rows()),
         Text{"スコアの行数が標本設計と一致しません", "score rows differ from the design"}, Text{});
  const Eigen::Index k = scores.cols();
  std::size_t npsu = 0;
  for (const auto& v : L.psus_of) npsu += v.size();

  // PSU totals of the scores.
  Eigen::MatrixXd totals = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(npsu), k);
  for (std::size_t i = 0; i < L.rows; ++i) {
    for (Eigen::Index c = 0; c < k; ++c) {
      const double z = scores(static_cast<Eigen::Index>(i), c);
      if (!std::isfinite(z))
        fail(ErrorCode::Internal, fmt::format("row {} column {}: score={}", i + 1, c + 1, z),
             Text{"線形化スコアが有限値ではありません", "linearisation score is not finite"}, Text{});
    }
    totals.row(static_cast<Eigen::Index>(L.row_psu[i])) += scores.row(static_cast<Eigen::Index>(i));
  }

  std::vector<bool> present(L.psus_of.size(), !subset_semantics);
  if (subset_semantics)
    for (std::size_t i = 0; i < L.rows; ++i)
      if (domain[i] != 0) present[L.row_stratum[i]] = true;

  Eigen::MatrixXd v = Eigen::MatrixXd::Zero(k, k);
  std::size_t counted = 0, ok = 0;
  for (std::size_t h = 0; h < L.psus_of.size(); ++h) {
    if (!present[h]) continue; // R: the stratum has no rows in subset(design, domain)
    ++counted;
    const auto& psus = L.psus_of[h];
    const double nh = static_cast<double>(psus.size());
    if (L.g[h] < kCensusTolerance) { // all PSUs taken: no sampling variance (checked first, as R)
      ++ok;
      continue;
    }
    Eigen::MatrixXd block(static_cast<Eigen::Index>(psus.size()), k);
    for (std::size_t j = 0; j < psus.size(); ++j)
      block.row(static_cast<Eigen::Index>(j)) = totals.row(static_cast<Eigen::Index>(psus[j]));
    if (psus.size() > 1) {
      const Eigen::RowVectorXd mean = block.colwise().mean();
      block.rowwise() -= mean;
      v += (L.g[h] * nh / (nh - 1)) * (block.transpose() * block);
      ++ok;
      continue;
    }
    switch (d.lonely) {
    case LonelyPsu::Fail:
      fail(ErrorCode::EstimateNoData, fmt::format("stratum={}", L.stratum_id[h]),
           Text{fmt::format("層 {} の標本PSUが1つしかないため分散を推定できません (lonely PSU)", L.stratum_id[h]),
                fmt::format("stratum {} has only one sampled PSU: its variance cannot be estimated (lonely PSU)",
                            L.stratum_id[h])},
           Text{"層を統合するか、単独PSUの扱い (remove, certainty, adjust, average) を指定してください",
                "merge strata or choose a lonely-PSU policy (remove, certainty, adjust, average)"});
    case LonelyPsu::Remove:
    case LonelyPsu::Certainty:
      ++ok;
      break;
    case LonelyPsu::Adjust: // survey 4.1-1: the singleton total is not centred
      v += L.g[h] * (block.transpose() * block);
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
  const Layout& L = cached_layout(design);
  return summarize_rows(design, L, {});
}

DesignSummary summarize_domain(const Design& design, std::span<const double> domain) {
  const Layout& L = cached_layout(design);
  check_domain(L, domain);
  return summarize_rows(design, L, domain);
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
