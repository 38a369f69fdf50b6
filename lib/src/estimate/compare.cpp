#include "hkstat/estimate/compare.hpp"

#include "hkstat/estimate/distributions.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace hkstat::estimate {

namespace {

[[noreturn]] void internal(const std::string& what) {
  throw Error(Problem{ErrorCode::Internal, SourcePos{}, what, Text{"内部エラー: 比較の引数が不正です", "internal error: invalid comparison argument"}, Text{}, ""});
}

} // namespace

Difference difference(double estimate_a, double se_a, double df_a, double estimate_b, double se_b, double df_b, double level) {
  if (!(se_a >= 0) || !(se_b >= 0) || std::isinf(se_a) || std::isinf(se_b)) internal(fmt::format("se_a={} se_b={}", se_a, se_b));
  Difference d;
  d.estimate = estimate_b - estimate_a;
  d.se = std::hypot(se_a, se_b);
  d.df = std::min(df_a, df_b); // NaN or <= 0 is refused by critical_value
  const double t = critical_value(level, d.df);
  d.ci.lower = d.estimate - t * d.se;
  d.ci.upper = d.estimate + t * d.se;
  d.excludes_zero = d.ci.lower > 0 || d.ci.upper < 0;
  return d;
}

Change compare_sides(const Side& a, const Side& b, double level) {
  Change c;
  c.a = a;
  c.b = b;
  c.hidden = a.hidden || b.hidden;
  if (a.present && b.present && a.estimable && b.estimable) c.diff = difference(a.estimate, a.se, a.df, b.estimate, b.se, b.df, level);
  return c;
}

namespace {

Side side_of(const PrevalenceCell& c, bool hidden) {
  Side s;
  s.present = true;
  s.base = c.est.n;
  s.count = c.cases;
  s.estimate = c.est.value;
  s.se = c.est.se;
  s.df = c.est.df;
  s.estimable = c.est.n > 0 && std::isfinite(c.est.se) && c.est.df > 0;
  s.hidden = hidden;
  s.has_ci = s.estimable && c.est.interval.has_value(); // an empty --by level has none
  if (s.has_ci) s.ci = *c.est.interval;
  return s;
}

} // namespace

PrevalenceComparison compare_prevalence(const PrevalenceResult& a, const PrevalenceResult& b, double level, const std::vector<bool>& hidden_a,
                                        const std::vector<bool>& hidden_b) {
  if ((!hidden_a.empty() && hidden_a.size() != a.cells.size()) || (!hidden_b.empty() && hidden_b.size() != b.cells.size()))
    internal("hidden flags do not match the prevalence cells");
  PrevalenceComparison out;
  out.level = level;
  out.weighted_a = a.weighted;
  out.weighted_b = b.weighted;
  auto mismatch = [](const std::string& group) {
    throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{}, group,
                        Text{"2つの調査の年齢区分が一致しません", "the two surveys were estimated with different age groups"},
                        Text{"両方の調査に同じ年齢区分（‹age-groups›）", "the same age groups (‹age-groups›) for both surveys"}, ""});
  };
  const auto same_cell = [](const PrevalenceCell& x, const PrevalenceCell& y) {
    return x.measure == y.measure && x.group == y.group && x.by_variable == y.by_variable && x.by_key == y.by_key;
  };
  const auto change_of = [](const PrevalenceCell& c) {
    PrevalenceChange pc;
    pc.measure = c.measure;
    pc.group = c.group;
    pc.by_variable = c.by_variable;
    pc.by_variable_label = c.by_variable_label;
    pc.by_key = c.by_key;
    pc.by_label = c.by_label;
    return pc;
  };
  for (std::size_t i = 0; i < a.cells.size(); ++i) {
    const PrevalenceCell& ca = a.cells[i];
    std::size_t j = 0;
    while (j < b.cells.size() && !same_cell(b.cells[j], ca)) ++j;
    const Side sa = side_of(ca, !hidden_a.empty() && hidden_a[i]);
    PrevalenceChange pc = change_of(j < b.cells.size() ? b.cells[j] : ca);
    if (j < b.cells.size()) {
      pc.change = compare_sides(sa, side_of(b.cells[j], !hidden_b.empty() && hidden_b[j]), level);
    } else {
      if (ca.by_variable.empty()) mismatch(ca.group);
      pc.change = compare_sides(sa, Side{}, level); // a level survey B's codebook does not have
    }
    out.cells.push_back(std::move(pc));
  }
  for (std::size_t j = 0; j < b.cells.size(); ++j) {
    const PrevalenceCell& cb = b.cells[j];
    bool found = false;
    for (const auto& ca : a.cells) found = found || same_cell(ca, cb);
    if (found) continue;
    if (cb.by_variable.empty()) mismatch(cb.group);
    PrevalenceChange pc = change_of(cb);
    pc.change = compare_sides(Side{}, side_of(cb, !hidden_b.empty() && hidden_b[j]), level);
    out.cells.push_back(std::move(pc));
  }
  return out;
}

} // namespace hkstat::estimate
