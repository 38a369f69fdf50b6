#include "hkstat/estimate/rao_scott.hpp"
#include "hkstat/estimate/rao_scott_parts.hpp"

#include "hkstat/core/error.hpp"
#include "hkstat/estimate/distributions.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <string>
#include <utility>

namespace hkstat::estimate {

namespace {

[[noreturn]] void fail(ErrorCode code, std::string value, Text message, Text expected) {
  throw_problem(code, std::move(value), std::move(message), std::move(expected));
}

// The cells of the table: levels, and per row its cell (r × c grid, rows fastest) or -1 when incomplete.
struct Cells {
  std::vector<std::int64_t> row_levels, col_levels;
  std::vector<Eigen::Index> cell;
  Eigen::MatrixXd indicators;   // rows × K (0 for incomplete rows)
  std::vector<double> complete; // 1/0 per row
  Eigen::Index k() const { return static_cast<Eigen::Index>(row_levels.size() * col_levels.size()); }
};

Cells cells_of(std::size_t rows, std::span<const std::int64_t> a, std::span<const std::int64_t> b) {
  if (a.size() != rows || b.size() != rows)
    fail(ErrorCode::Internal, fmt::format("rows={} a={} b={}", rows, a.size(), b.size()),
         Text{"表の変数の長さが標本設計と一致しません", "table variables differ in length from the design"}, Text{});
  Cells c;
  std::set<std::int64_t> ra, rb;
  for (std::size_t i = 0; i < rows; ++i)
    if (a[i] != kMissingCode && b[i] != kMissingCode) {
      ra.insert(a[i]);
      rb.insert(b[i]);
    }
  c.row_levels.assign(ra.begin(), ra.end());
  c.col_levels.assign(rb.begin(), rb.end());
  detail::rao_scott_check_levels(c.row_levels.size(), c.col_levels.size());
  const auto nr = static_cast<Eigen::Index>(c.row_levels.size());
  c.indicators = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(rows), c.k());
  c.cell.assign(rows, -1);
  c.complete.assign(rows, 0);
  for (std::size_t i = 0; i < rows; ++i) {
    if (a[i] == kMissingCode || b[i] == kMissingCode) continue;
    const auto ia = std::lower_bound(c.row_levels.begin(), c.row_levels.end(), a[i]) - c.row_levels.begin();
    const auto ib = std::lower_bound(c.col_levels.begin(), c.col_levels.end(), b[i]) - c.col_levels.begin();
    c.cell[i] = ia + nr * ib;
    c.indicators(static_cast<Eigen::Index>(i), c.cell[i]) = 1;
    c.complete[i] = 1;
  }
  return c;
}

// Cell proportions p̂ (Hájek, complete rows) for weights w.
Eigen::VectorXd proportions(const Cells& c, const Eigen::VectorXd& w) {
  const Eigen::VectorXd wc = w.cwiseProduct(Eigen::Map<const Eigen::VectorXd>(c.complete.data(), w.size()));
  return c.indicators.transpose() * wc / wc.sum();
}

} // namespace

void detail::rao_scott_check_levels(std::size_t row_levels, std::size_t col_levels) {
  if (row_levels < 2 || col_levels < 2)
    fail(ErrorCode::EstimateNoData, fmt::format("levels={}x{}", row_levels, col_levels),
         Text{"表の行または列のカテゴリが1つ以下のため独立性の検定ができません",
              "the table has fewer than 2 rows or columns: no test of independence"},
         Text{"2×2以上の表", "a table of at least 2 × 2"});
}

void detail::rao_scott_check_total(double total) {
  if (!(total > 0))
    fail(ErrorCode::EstimateNoData, "sum(w)=0",
         Text{"表の回答の重み付き合計が0のため検定できません", "the table's rows have zero total weight: no test"},
         Text{});
}

// The Rao–Scott statistics from p̂, its covariance V, N and ν.
RaoScott detail::rao_scott_statistics(const std::vector<std::int64_t>& row_levels, const std::vector<std::int64_t>& col_levels, const Eigen::VectorXd& p,
                                      const Eigen::MatrixXd& V, double N, double nu) {
  struct {
    const std::vector<std::int64_t>& row_levels;
    const std::vector<std::int64_t>& col_levels;
  } c{row_levels, col_levels};
  const auto nr = static_cast<Eigen::Index>(c.row_levels.size()), nc = static_cast<Eigen::Index>(c.col_levels.size());
  const Eigen::Index K = nr * nc;
  RaoScott out;
  out.row_levels = c.row_levels;
  out.col_levels = c.col_levels;
  out.n = N;
  out.design_df = nu;
  out.proportions = Eigen::Map<const Eigen::MatrixXd>(p.data(), nr, nc);
  out.table = N * out.proportions;
  out.df = static_cast<double>((nr - 1) * (nc - 1));

  // Pearson X² of the table scaled to N.
  const Eigen::VectorXd rs = out.table.rowwise().sum(), cs = out.table.colwise().sum().transpose();
  const auto check_margin = [](const Eigen::VectorXd& sums, const std::vector<std::int64_t>& levels, const char* ja,
                               const char* en) {
    for (std::size_t i = 0; i < levels.size(); ++i)
      if (!(sums(static_cast<Eigen::Index>(i)) > 0))
        fail(ErrorCode::EstimateNoData, fmt::format("{}={}", en, levels[i]),
             Text{fmt::format("表の{} {} の重み付き合計が0のため検定できません", ja, levels[i]),
                  fmt::format("table {} {} has zero weight: no test", en, levels[i])},
             Text{"重みが正の回答がある行と列", "rows and columns with positive weight"});
  };
  check_margin(rs, c.row_levels, "行", "row");
  check_margin(cs, c.col_levels, "列", "column");
  double x2 = 0;
  for (Eigen::Index i = 0; i < nr; ++i)
    for (Eigen::Index j = 0; j < nc; ++j) {
      const double e = rs(i) * cs(j) / N;
      x2 += (out.table(i, j) - e) * (out.table(i, j) - e) / e;
    }
  out.pearson = x2;
  out.pearson_p = chisq_upper_tail(x2, out.df);

  // Main-effect design X1 (intercept, rows 2..r, columns 2..c) and interaction columns on the grid.
  Eigen::MatrixXd x1 = Eigen::MatrixXd::Zero(K, nr + nc - 1);
  Eigen::MatrixXd x12 = Eigen::MatrixXd::Zero(K, (nr - 1) * (nc - 1));
  for (Eigen::Index j = 0; j < nc; ++j)
    for (Eigen::Index i = 0; i < nr; ++i) {
      const Eigen::Index cell = i + nr * j;
      x1(cell, 0) = 1;
      if (i > 0) x1(cell, i) = 1;
      if (j > 0) x1(cell, nr - 1 + j) = 1;
      if (i > 0 && j > 0) x12(cell, (i - 1) + (nr - 1) * (j - 1)) = 1;
    }
  const Eigen::MatrixXd C = x12 - x1 * x1.colPivHouseholderQr().solve(x12);
  Eigen::VectorXd inv_p(K);
  for (Eigen::Index k = 0; k < K; ++k) inv_p(k) = p(k) == 0 ? 0.0 : 1 / p(k);
  const Eigen::MatrixXd dc = inv_p.asDiagonal() * C; // D⁻¹ C
  const Eigen::MatrixXd denom = C.transpose() * dc / N;
  const Eigen::MatrixXd numr = dc.transpose() * V * dc;
  const Eigen::MatrixXd delta = denom.fullPivLu().solve(numr);
  out.delta_trace = delta.trace();
  out.delta_trace_squared = (delta * delta).trace();
  if (!(out.delta_trace > 0) || !(out.delta_trace_squared > 0))
    fail(ErrorCode::EstimateNoData, fmt::format("trace={}", out.delta_trace),
         Text{"表の割合に標本誤差がないため (全数調査など) Rao–Scott 検定ができません",
              "the table's proportions have no sampling variance (e.g. a census): no Rao–Scott test"},
         Text{});
  if (!(nu > 0))
    fail(ErrorCode::EstimateNoData, fmt::format("df={}", nu),
         Text{"設計の自由度が0以下のため Rao–Scott 検定ができません", "design df <= 0: no Rao–Scott test"},
         Text{"層の数より多いPSU", "more PSUs than strata"});

  out.chisq_adjusted = x2 / (out.delta_trace / static_cast<double>(delta.rows()));
  out.chisq_p = chisq_upper_tail(out.chisq_adjusted, out.df);
  out.f = x2 / out.delta_trace;
  out.ndf = out.delta_trace * out.delta_trace / out.delta_trace_squared;
  out.ddf = out.ndf * nu;
  out.f_p = f_upper_tail(out.f, out.ndf, out.ddf);
  return out;
}

namespace {

void check_weight(const Cells& c, const std::vector<double>& weights) {
  double total = 0;
  for (std::size_t i = 0; i < weights.size(); ++i) total += weights[i] * c.complete[i];
  detail::rao_scott_check_total(total);
}

RaoScott finish(const Cells& c, const Eigen::VectorXd& p, const Eigen::MatrixXd& V, double N, double nu) {
  return detail::rao_scott_statistics(c.row_levels, c.col_levels, p, V, N, nu);
}

} // namespace

RaoScott rao_scott(const Design& design, std::span<const std::int64_t> a, std::span<const std::int64_t> b) {
  const DesignSummary s = summarize(design);
  const Cells c = cells_of(design.weights.size(), a, b);
  check_weight(c, design.weights);
  const Eigen::VectorXd w =
      Eigen::Map<const Eigen::VectorXd>(design.weights.data(), static_cast<Eigen::Index>(design.weights.size()));
  const Eigen::VectorXd p = proportions(c, w);
  // svymean scores of the cell indicators over the complete rows.
  const Eigen::VectorXd wc = w.cwiseProduct(Eigen::Map<const Eigen::VectorXd>(c.complete.data(), w.size()));
  const Eigen::MatrixXd scores = (wc / wc.sum()).asDiagonal() * (c.indicators.rowwise() - p.transpose());
  const Eigen::MatrixXd V = design_vcov(design, scores, c.complete);
  return finish(c, p, V, static_cast<double>(s.rows), static_cast<double>(s.psus) - static_cast<double>(s.strata));
}

RaoScott rao_scott(const ReplicateDesign& design, std::span<const std::int64_t> a, std::span<const std::int64_t> b) {
  const Cells c = cells_of(design.rows(), a, b);
  check_weight(c, design.weights);
  const ReplicateResult r = replicate_estimate(design, [&](const Eigen::VectorXd& w) { return proportions(c, w); });
  return finish(c, r.value, r.vcov, static_cast<double>(design.rows()), design.df);
}

} // namespace hkstat::estimate
