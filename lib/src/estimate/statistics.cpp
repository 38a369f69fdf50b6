#include "hkstat/estimate/statistics.hpp"

#include "prevalence_parts.hpp"

#include "hkstat/estimate/design_from_data.hpp"
#include "hkstat/estimate/distributions.hpp"
#include "hkstat/estimate/domain_engine.hpp"
#include "hkstat/estimate/psu_index.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace hkstat::estimate {

using codebook::VarType;

const char* stat_kind_name(StatKind k) {
  switch (k) {
  case StatKind::Total: return "total";
  case StatKind::Mean: return "mean";
  case StatKind::Ratio: return "ratio";
  }
  return "total";
}

namespace {

[[noreturn]] void bad_variable(const data::Dataset& ds, const std::string& name, const Text& message, const Text& expected) {
  throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{ds.codebook.path, 0, 0, "", ""}, name, message, expected, ""});
}

// A variable by codebook name or role name.
const data::Column* find_column(const data::Dataset& ds, const std::string& name) {
  const data::Column* c = ds.column(name);
  if (!c)
    if (const auto role = codebook::parse_role(name)) c = ds.column(*role);
  return c;
}

const data::Column& numeric_column(const data::Dataset& ds, const std::string& name, StatKind kind) {
  const data::Column* c = find_column(ds, name);
  if (!c)
    bad_variable(ds, name, Text{fmt::format("変数「{}」がコードブックにありません", name), fmt::format("variable \"{}\" is not in the codebook", name)},
                 Text{"コードブックの変数名", "a variable name of the codebook"});
  const VarType t = c->var->type;
  const bool ok = t == VarType::Integer || t == VarType::Number || (kind == StatKind::Total && t == VarType::Code);
  if (!ok)
    bad_variable(ds, name,
                 Text{fmt::format("変数「{}」（{}型）の{}は計算できません", name, codebook::type_name(t),
                                  kind == StatKind::Total ? "合計" : kind == StatKind::Mean ? "平均" : "比"),
                      fmt::format("variable \"{}\" (type {}) has no {}", name, codebook::type_name(t), stat_kind_name(kind))},
                 kind == StatKind::Total ? Text{"コード型・整数型・数値型の変数", "a code, integer or number variable"}
                                         : Text{"整数型・数値型の変数", "an integer or number variable"});
  return *c;
}

// The value of an integer or number column in row r (NaN = missing).
double value_of(const data::Column& c, std::size_t r) {
  if (c.var->type == VarType::Number) return c.numbers[r];
  const std::int64_t v = c.ints[r];
  return v == data::kMissing ? std::nan("") : static_cast<double>(v);
}

Text label_of(const codebook::Variable& v) {
  const std::string l = v.label.empty() ? v.name : v.label;
  return Text{l, l};
}

} // namespace

struct StatisticAccumulator::Impl {
  StatisticOptions opt;
  bool started = false;
  std::string source;
  PsuIndex units;
  std::vector<PsuIndex::Unit> batch_units; // a batch's units, from one PsuIndex::add
  std::size_t rows = 0;
  // Statistics per domain: K (categories of a code variable, else 1); domains: all, then each by level.
  std::size_t K = 1, D = 1;
  bool code_total = false;
  std::vector<std::int64_t> categories;
  std::vector<std::string> category_labels;
  std::vector<detail::ByVariable> by;
  std::vector<std::size_t> by_first; // first domain of each by variable
  Text variable_label, denominator_label;
  bool weighted = false;
  // Per domain in row order, and per (dense PSU, domain): rows, rows with nonzero weight, Σ w (ratio: Σ w x), Σ w y_j.
  struct Sums {
    std::uint64_t rows = 0, wrows = 0;
    double w = 0;
  };
  std::vector<Sums> dom, psu;
  std::vector<double> dom_wy, psu_wy; // [d * K + j], [(p * D + d) * K + j]
  // A linearised design without a psu column (each row its own PSU): per (dense stratum, domain) instead of per
  // PSU (PsuIndex::count_rows), the sums above and the second moments of the rows, x the denominator (1 but for a
  // ratio): Σ w² y_j², Σ w² x y_j ([(h * D + d) * K + j]) and Σ w² x² ([h * D + d]). Nothing per row.
  bool counted = false;
  std::vector<Sums> strat;
  std::vector<double> strat_wy, strat_w2yy, strat_w2xy, strat_w2xx;
  std::vector<std::size_t> dom_cases;  // [d * K + j]: rows with y_j = 1 (indicator, code category), else rows with an answer
  std::vector<char> in;               // --where (and the forms' reporting ranges) per row of the batch
  codebook::Codebook forms;           // the codebook's [[form]]s alone, for the note
  std::size_t outside_forms = 0;      // rows --where kept that lie outside every reporting range of their form
  std::vector<std::size_t> row_domains;

  void start(const data::Dataset& ds) {
    started = true;
    source = ds.source;
    forms.forms = ds.codebook.forms;
    if (opt.kind == StatKind::Total && opt.variable.empty()) {
      variable_label = opt.indicator_label;
    } else {
      const data::Column& c = numeric_column(ds, opt.variable, opt.kind);
      variable_label = label_of(*c.var);
      if (c.var->type == VarType::Code) {
        code_total = true;
        for (const auto& code : c.var->codes)
          if (!c.var->is_missing_code(code.code)) {
            categories.push_back(code.code);
            category_labels.push_back(code.label);
          }
        K = categories.size();
      }
    }
    if (opt.kind == StatKind::Ratio) denominator_label = label_of(*numeric_column(ds, opt.denominator, opt.kind).var);
    by = detail::resolve_by(ds, opt.by, false);
    for (const auto& b : by) {
      by_first.push_back(D);
      D += b.codes.size();
    }
    dom.assign(D, Sums{});
    dom_wy.assign(D * K, 0.0);
    dom_cases.assign(D * K, 0);
  }

  void add(const data::Dataset& ds, const std::vector<char>* indicator) {
    if (source.empty()) source = ds.source;
    if (ds.rows() == 0) return;
    if (!started && !opt.replicate_request && !ds.column(codebook::Role::Psu)) units.count_rows(); // before the first bind
    units.bind(ds);
    if (!started) {
      start(ds);
      counted = units.counted();
    }
    const bool use_indicator = opt.kind == StatKind::Total && opt.variable.empty();
    if (use_indicator && (!indicator || indicator->size() != ds.rows()))
      throw_problem(ErrorCode::Internal, fmt::format("rows={}", ds.rows()), Text{"合計する 0/1 の値が行ごとにありません", "the 0/1 indicator to total is missing for the rows"},
                    Text{});
    const data::Column* y = use_indicator ? nullptr : find_column(ds, opt.variable);
    const data::Column* x = opt.kind == StatKind::Ratio ? find_column(ds, opt.denominator) : nullptr;
    std::vector<const data::Column*> by_col;
    for (const auto& b : by) by_col.push_back(ds.column(b.column));
    in.assign(ds.rows(), 1);
    if (opt.where) opt.where->eval(ds, in);
    // The questionnaires' reporting ranges, as the prevalence applies them (detail::where_rows).
    outside_forms += detail::keep_form_ranges(ds, in);
    units.add(ds, batch_units); // every row's unit in one call (errors in row order), then the rows
    for (std::size_t r = 0; r < ds.rows(); ++r) {
      const PsuIndex::Unit u = batch_units[r];
      if (u.created) {
        psu.resize(psu.size() + D);
        psu_wy.resize(psu_wy.size() + D * K, 0.0);
      }
      if (counted && strat.size() < (u.stratum + 1) * D) { // a new dense stratum
        strat.resize((u.stratum + 1) * D);
        for (auto* v : {&strat_wy, &strat_w2yy, &strat_w2xy}) v->resize((u.stratum + 1) * D * K, 0.0);
        strat_w2xx.resize((u.stratum + 1) * D, 0.0);
      }
      ++rows;
      if (!in[r]) continue; // outside the subpopulation: in the design, in no domain
      const double w = u.weight;
      // The row's statistic: category j (code total), or value yv with denominator xv.
      std::size_t j = 0;
      double yv = 1, xv = 1;
      if (use_indicator) {
        yv = (*indicator)[r] ? 1 : 0;
      } else if (code_total) {
        const std::int64_t code = y->ints[r];
        if (code == data::kMissing) continue;
        const auto it = std::find(categories.begin(), categories.end(), code);
        if (it == categories.end()) continue;
        j = static_cast<std::size_t>(it - categories.begin());
      } else {
        yv = value_of(*y, r);
        if (std::isnan(yv)) continue;
        if (x) {
          xv = value_of(*x, r);
          if (std::isnan(xv)) continue;
        }
      }
      row_domains.clear();
      row_domains.push_back(0);
      for (std::size_t v = 0; v < by.size(); ++v) {
        const std::int64_t code = by_col[v]->ints[r];
        if (code == data::kMissing) continue;
        const auto it = std::find(by[v].codes.begin(), by[v].codes.end(), code);
        if (it != by[v].codes.end()) row_domains.push_back(by_first[v] + static_cast<std::size_t>(it - by[v].codes.begin()));
      }
      const bool is_case = use_indicator ? yv != 0 : true;
      for (const std::size_t d : row_domains) {
        dom_cases[d * K + j] += is_case;
        const std::size_t unit = counted ? u.stratum * D + d : u.psu * D + d; // the row's stratum (counted) or PSU
        Sums* sums[2] = {&dom[d], counted ? &strat[unit] : &psu[unit]};
        double* wys[2] = {&dom_wy[d * K], counted ? &strat_wy[unit * K] : &psu_wy[unit * K]};
        for (int k = 0; k < 2; ++k) {
          ++sums[k]->rows;
          sums[k]->wrows += w != 0;
          sums[k]->w += w * xv;
          wys[k][j] += w * yv;
        }
        if (counted) {
          const double w2 = w * w;
          strat_w2yy[unit * K + j] += w2 * yv * yv;
          strat_w2xy[unit * K + j] += w2 * xv * yv;
          strat_w2xx[unit] += w2 * xv * xv;
        }
      }
    }
  }
};

StatisticAccumulator::StatisticAccumulator(StatisticOptions options) : impl_(std::make_unique<Impl>()) { impl_->opt = std::move(options); }
StatisticAccumulator::~StatisticAccumulator() = default;
StatisticAccumulator::StatisticAccumulator(StatisticAccumulator&&) noexcept = default;
StatisticAccumulator& StatisticAccumulator::operator=(StatisticAccumulator&&) noexcept = default;

void StatisticAccumulator::add(const data::Dataset& batch, const std::vector<char>* indicator) { impl_->add(batch, indicator); }

StatisticResult StatisticAccumulator::finish() const {
  const Impl& m = *impl_;
  const StatisticOptions& opt = m.opt;
  if (m.rows == 0) detail::no_responses(m.source);
  StatisticResult res;
  res.kind = opt.kind;
  res.variable = opt.kind == StatKind::Total && opt.variable.empty() ? opt.indicator_name : opt.variable;
  res.denominator = opt.denominator;
  res.variable_label = m.variable_label;
  res.denominator_label = m.denominator_label;
  res.level = opt.level;
  res.n = m.rows;
  res.weighted = m.units.weighted();
  if (opt.where) res.where = opt.where->text();

  const PsuIndex::Canonical can = m.units.canonical(m.source);
  const PsuLayout& L = can.layout;
  const std::size_t D = m.D, K = m.K;
  struct View {
    const Impl& m;
    const std::vector<std::size_t>& dense;
    std::size_t d;
    std::size_t psus() const { return dense.size(); }
    const Impl::Sums& at(std::size_t q) const { return m.psu[dense[q] * m.D + d]; }
    std::uint64_t rows(std::size_t q) const { return at(q).rows; }
    std::uint64_t wrows(std::size_t q) const { return at(q).wrows; }
    double w(std::size_t q) const { return at(q).w; }
    double wy(std::size_t q, std::size_t j) const { return m.psu_wy[(dense[q] * m.D + d) * m.K + j]; }
  };
  const DomainEngine engine(L, can.psu_stratum, opt.lonely, opt.replicate_request);
  DesignSpec spec = m.units.spec(opt.lonely);
  // Counted (no psu column, linearised): canonical stratum c is dense stratum dense_of[c]; each row is a PSU.
  const bool counted = m.counted;
  const std::size_t H = L.strata();
  std::vector<std::size_t> dense_of(counted ? H : 0);
  for (std::size_t h = 0; h < dense_of.size(); ++h) dense_of[can.stratum_rank[h]] = h;
  // The whole design's df (every row, where or not): R degf(design).
  if (counted) {
    spec.summary.df = static_cast<double>(m.units.psus()) - static_cast<double>(H);
  } else {
    std::vector<char> all(L.psus(), 1);
    spec.summary.df = engine.df(all);
  }
  // Counted: a domain's df (rows − strata among its rows with nonzero weight), its strata with rows (R
  // subset(design, d)), and the variances from the per-stratum moments of the row scores (stratum_moments_vcov,
  // the stratum loop of psu_vcov):
  //   totals      z_j = w y_j: Σ z_j = Σ w y_j, Σ z_j² = Σ w² y_j² (the categories of a code total are disjoint:
  //               Σ z_j z_l = 0, so the covariance is whole);
  //   mean/ratio  z = w (y − μ x) / W: Σ z = (Σ w y − μ Σ w x) / W, Σ z² = (Σ w² y² − 2μ Σ w² x y + μ² Σ w² x²) / W².
  const auto counted_df = [&](std::size_t d) {
    double psus = 0, strata = 0;
    for (std::size_t h = 0; h < H; ++h) {
      psus += static_cast<double>(m.strat[h * D + d].wrows);
      strata += m.strat[h * D + d].wrows > 0;
    }
    return psus - strata;
  };
  const auto counted_present = [&](std::size_t d) {
    std::vector<char> present(H, 0);
    for (std::size_t c = 0; c < H; ++c) present[c] = m.strat[dense_of[c] * D + d].rows > 0;
    return present;
  };
  const auto counted_totals_vcov = [&](std::size_t d) {
    std::vector<Eigen::VectorXd> s1(H, Eigen::VectorXd::Zero(static_cast<Eigen::Index>(K)));
    std::vector<Eigen::MatrixXd> s2(H, Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(K), static_cast<Eigen::Index>(K)));
    for (std::size_t c = 0; c < H; ++c) {
      const std::size_t unit = dense_of[c] * D + d;
      for (std::size_t j = 0; j < K; ++j) {
        const auto jj = static_cast<Eigen::Index>(j);
        s1[c](jj) = m.strat_wy[unit * K + j];
        s2[c](jj, jj) = m.strat_w2yy[unit * K + j];
      }
    }
    return stratum_moments_vcov(L, opt.lonely, s1, s2, counted_present(d));
  };
  const auto counted_mean_var = [&](std::size_t d, double mu, double W) {
    std::vector<Eigen::VectorXd> s1(H, Eigen::VectorXd::Zero(1));
    std::vector<Eigen::MatrixXd> s2(H, Eigen::MatrixXd::Zero(1, 1));
    for (std::size_t c = 0; c < H; ++c) {
      const std::size_t unit = dense_of[c] * D + d;
      s1[c](0) = (m.strat_wy[unit * K] - mu * m.strat[unit].w) / W;
      s2[c](0, 0) = (m.strat_w2yy[unit * K] - 2 * mu * m.strat_w2xy[unit * K] + mu * mu * m.strat_w2xx[unit]) / (W * W);
    }
    return stratum_moments_vcov(L, opt.lonely, s1, s2, counted_present(d))(0, 0);
  };
  res.design = describe_design(spec);
  if (opt.kind == StatKind::Total) {
    const Text se = engine.replicated() ? Text{"標準誤差は反復重み法: " + opt.replicates_label.ja, "replicate-weight standard errors: " + opt.replicates_label.en}
                                        : Text{"標準誤差はテイラー線形化法", "Taylor-linearised standard errors"};
    res.variance = Text{"標本設計に基づく推定（Horvitz–Thompson 推定、" + se.ja + "）", "design-based (Horvitz-Thompson; " + se.en + ")"};
  } else {
    res.variance = describe_variance(engine.replicated() ? &opt.replicates_label : nullptr);
  }

  const auto interval = [&](StatisticRow& row) {
    if (std::isfinite(row.est.se) && row.est.df > 0) {
      const double t = critical_value(opt.level, row.est.df);
      row.est.interval = Interval{row.est.value - t * row.est.se, row.est.value + t * row.est.se, ""};
      row.est.interval_method = "t";
    }
  };
  const bool persons = opt.kind == StatKind::Total && opt.variable.empty();
  for (std::size_t d = 0; d < D; ++d) {
    const View v{m, can.dense_psu, d};
    const Impl::Sums& s = m.dom[d];
    StatisticRow base;
    if (d > 0) {
      std::size_t var = 0;
      while (var + 1 < m.by.size() && d >= m.by_first[var + 1]) ++var;
      const std::size_t level = d - m.by_first[var];
      base.by = m.by[var].name;
      base.group = fmt::format("{}", m.by[var].codes[level]);
      base.group_label = m.by[var].labels[level];
    }
    base.est.n = s.rows;
    base.est.sum_weights = s.w;
    base.meaning = persons ? "weighted_total" : stat_kind_name(opt.kind);
    if (opt.kind == StatKind::Total) {
      std::vector<std::size_t> cols(K);
      Eigen::VectorXd value(static_cast<Eigen::Index>(K));
      for (std::size_t j = 0; j < K; ++j) {
        cols[j] = j;
        value(static_cast<Eigen::Index>(j)) = m.dom_wy[d * K + j];
      }
      Eigen::MatrixXd vcov;
      double df = std::nan("");
      if (s.rows > 0 && counted) {
        vcov = counted_totals_vcov(d);
        df = counted_df(d);
      } else if (s.rows > 0) {
        const std::vector<char> has_w = engine.psus_with_weight(v);
        if (engine.replicated()) {
          Eigen::MatrixXd thetas(engine.replicates(), static_cast<Eigen::Index>(K));
          engine.replicate_totals(v, cols, thetas);
          vcov = replicate_vcov(engine.replicate_scales(), thetas, value);
        } else {
          Eigen::MatrixXd z(static_cast<Eigen::Index>(v.psus()), static_cast<Eigen::Index>(K));
          for (std::size_t q = 0; q < v.psus(); ++q)
            for (std::size_t j = 0; j < K; ++j) z(static_cast<Eigen::Index>(q), static_cast<Eigen::Index>(j)) = v.wy(q, j);
          vcov = psu_vcov(L, opt.lonely, z, engine.present_strata(v));
        }
        df = engine.df(has_w);
      }
      for (std::size_t j = 0; j < K; ++j) {
        StatisticRow row = base;
        row.cases = m.dom_cases[d * K + j];
        if (m.code_total) {
          row.category = fmt::format("{}", m.categories[j]);
          row.category_label = m.category_labels[j];
        }
        if (s.rows > 0) {
          row.est.value = value(static_cast<Eigen::Index>(j));
          row.est.se = std::sqrt(std::max(0.0, vcov(static_cast<Eigen::Index>(j), static_cast<Eigen::Index>(j)))); // counted: ≥ 0 but for rounding
          row.est.df = df;
          interval(row);
        }
        res.rows.push_back(std::move(row));
      }
      // Persons from a known population: the rate of the indicator in the whole sample × the population.
      if (persons && d == 0 && opt.population && !opt.where && s.rows > 0 && s.w > 0) {
        StatisticRow row = base;
        row.meaning = "rate_x_population";
        row.cases = m.dom_cases[0];
        Eigen::VectorXd rate(1);
        rate(0) = m.dom_wy[0] / s.w;
        DomainEstimate de;
        if (counted) {
          de.vcov = Eigen::MatrixXd::Constant(1, 1, counted_mean_var(d, rate(0), s.w));
          de.df = counted_df(d);
        } else {
          de = engine.domain(v, 1, rate, s.w, static_cast<double>(s.wrows), EmptyReplicate::Stop, false);
        }
        row.rate = rate(0);
        row.rate_se = std::sqrt(std::max(0.0, de.vcov(0, 0)));
        row.est.df = de.df;
        row.est.value = *opt.population * row.rate;
        row.est.se = *opt.population * row.rate_se;
        interval(row);
        res.rows.push_back(std::move(row));
      }
      continue;
    }
    StatisticRow row = base;
    row.cases = m.dom_cases[d * K];
    if (s.rows > 0 && s.w != 0) {
      Eigen::VectorXd value(1);
      value(0) = m.dom_wy[d * K] / s.w;
      DomainEstimate de;
      if (counted) {
        de.vcov = Eigen::MatrixXd::Constant(1, 1, counted_mean_var(d, value(0), s.w));
        de.df = counted_df(d);
      } else {
        de = engine.domain(v, 1, value, s.w, static_cast<double>(s.wrows), EmptyReplicate::Stop, false);
      }
      row.est.value = value(0);
      row.est.se = std::sqrt(std::max(0.0, de.vcov(0, 0)));
      row.est.df = de.df;
      interval(row);
    }
    res.rows.push_back(std::move(row));
  }
  res.population = opt.population;
  res.population_label = opt.population_label;
  res.outside_forms = m.outside_forms;
  if (!m.forms.forms.empty()) res.forms_note = codebook::forms_note(m.forms, m.outside_forms);
  return res;
}

StatisticResult estimate_statistic(const data::Dataset& data, const StatisticOptions& options, const std::vector<char>* indicator) {
  StatisticAccumulator acc(options);
  acc.add(data, indicator);
  return acc.finish();
}

} // namespace hkstat::estimate
