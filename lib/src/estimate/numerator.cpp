#include "hkstat/estimate/numerator.hpp"

#include "hkstat/core/option_text.hpp"
#include "hkstat/classify/classify.hpp"
#include "hkstat/roster/member_file.hpp"

#include "prevalence_parts.hpp"

#include "hkstat/core/error.hpp"
#include "hkstat/estimate/design_from_data.hpp"
#include "hkstat/estimate/domain_engine.hpp"
#include "hkstat/estimate/replicates_sums.hpp"
#include "hkstat/estimate/distributions.hpp"
#include "hkstat/estimate/survey_estimators.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>

namespace hkstat::estimate {

using codebook::Role;
using codebook::VarType;

namespace {

[[noreturn]] void refuse(const std::string& what, const std::string& mode) {
  throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{"", 0, 0, "", "‹numerator›"}, mode,
                      Text{fmt::format("家族内の該当者を数える推定（‹numerator› {}）は {} と一緒には使えません", mode, what),
                           fmt::format("the estimate counting household members (‹numerator› {}) does not combine with {}", mode, what)},
                      Text{"‹numerator› respondents（回答者のみ）にするか、" + what + " を外す",
                           "‹numerator› respondents (respondents only), or leave out " + what},
                      ""});
}

// The member's age group (-1: none / no age; -2: outside the survey's age range, never counted).
int member_group(const data::Column* age, std::size_t k, const std::vector<AgeGroup>& groups, int age_min, int age_max, bool& missing) {
  missing = false;
  if (!age) {
    missing = true;
    return -1;
  }
  const std::int64_t a = age->ints[k];
  if (a == data::kMissing) {
    missing = true;
    return -1;
  }
  int lo = static_cast<int>(a), hi = static_cast<int>(a);
  if (age->var->type == VarType::Code) {
    const auto* c = age->var->find_code(a);
    lo = c && c->min ? *c->min : -1;
    hi = c && c->max ? *c->max : -1;
  }
  if (lo < age_min || hi > age_max) return -2;
  for (std::size_t g = 0; g < groups.size(); ++g)
    if (lo >= groups[g].min && hi <= groups[g].max) return static_cast<int>(g);
  return -1;
}

} // namespace

namespace {

[[noreturn]] void refuse_variable(const std::string& option, const std::string& variable, const std::string& mode) {
  throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{"", 0, 0, "", option}, variable,
                      Text{fmt::format("家族内の該当者を数える推定（‹numerator› {}）で、{} の変数「{}」は家族には尋ねていません（家族票に同じ役割の設問がありません）",
                                       mode, option, variable),
                           fmt::format("the estimate counting household members (‹numerator› {}): {} variable \"{}\" is not asked about the members "
                                       "(the roster has no question with its role)",
                                       mode, option, variable)},
                      Text{"家族票にもある役割の変数（性別 sex・年齢 age など）、または ‹numerator› respondents（回答者のみ）",
                           "a variable whose role the roster asks too (sex, age, …), or ‹numerator› respondents (respondents only)"},
                      ""});
}

} // namespace

NumeratorAccumulator::NumeratorAccumulator(const codebook::Codebook& rcb, PrevalenceOptions options, roster::Numerator mode, bool by_default,
                                           bool calibrated)
    : opt_(std::move(options)), mode_(mode), by_default_(by_default) {
  s_.mode = roster::numerator_id(mode);
  s_.by_default = by_default;
  s_.label = rcb.roster ? rcb.roster->label : std::string();
  shape_.codebook = rcb;
  shape_.columns.resize(shape_.codebook.variables.size());
  for (std::size_t i = 0; i < shape_.columns.size(); ++i) shape_.columns[i].var = &shape_.codebook.variables[i];
  // ‹by› and ‹where›: each member's own answer to the variables they read (roster::member_view).
  const std::vector<detail::ByVariable> vars = detail::resolve_by(shape_, opt_.by, true);
  for (const auto& b : vars) names_.push_back(b.column);
  if (opt_.where)
    for (const std::string& n : opt_.where->variables()) names_.push_back(n);
  const std::size_t G1 = 1 + opt_.groups.size();
  for (const std::vector<std::size_t>& parts : detail::by_terms(vars)) {
    Term t;
    t.parts = parts;
    std::size_t levels = 1;
    for (auto i = parts.rbegin(); i != parts.rend(); ++i) {
      t.stride.insert(t.stride.begin(), levels);
      levels *= vars[*i].codes.size();
    }
    for (std::size_t i = 0; i < parts.size(); ++i) t.name += (i ? "×" : "") + vars[parts[i]].name;
    t.level_id.resize(levels);
    for (std::size_t l = 0; l < levels; ++l)
      for (std::size_t i = 0; i < parts.size(); ++i) {
        const detail::ByVariable& v = vars[parts[i]];
        t.level_id[l] += (i ? "×" : "") + std::to_string(v.codes[l / t.stride[i] % v.codes.size()]);
      }
    t.first = G1 * (1 + std::accumulate(terms_.begin(), terms_.end(), std::size_t{0}, [](std::size_t a, const Term& x) { return a + x.level_id.size(); }));
    terms_.push_back(std::move(t));
  }
  for (const auto& v : vars) base_.push_back(Base{v.column, v.codes});
  D_ = G1;
  for (const Term& t : terms_) D_ += G1 * t.level_id.size();
  // Options the estimate with members does not support: refused when the numerator was asked for; when it is only
  // the codebook's default, the estimate is of respondents and says why (NumeratorSummary::fallback).
  if (mode != roster::Numerator::Respondents) {
    if (opt_.calibration || calibrated) conflict_ = "‹calibrate›";
    else if (opt_.ci_method && *opt_.ci_method != CiMethod::Wald) conflict_ = fmt::format("‹ci› {}", ci_method_name(*opt_.ci_method));
    if (!conflict_.empty() && !by_default) refuse(conflict_, s_.mode);
  }
  // Replicates created from the design need each PSU's sums (the multipliers are per PSU), also without a psu
  // column (each row its own PSU, as the respondents' accumulator keeps them).
  if (mode != roster::Numerator::Respondents && conflict_.empty() && !opt_.replicate_request) units_.count_rows();
}

std::size_t NumeratorAccumulator::domain(int g, std::size_t t, std::size_t level) const {
  const std::size_t G1 = 1 + opt_.groups.size();
  const auto gi = static_cast<std::size_t>(g + 1);
  return t == 0 ? gi : terms_[t - 1].first + level * G1 + gi;
}

void NumeratorAccumulator::decide(const roster::Members& m) {
  if (decided_) return;
  decided_ = true;
  s_.not_asked = m.not_asked;
  const roster::MemberView view = roster::member_view(m, shape_.codebook, names_);
  const std::size_t by_names = base_.size();
  for (const std::string& n : view.lacking) {
    lacking_ = n;
    const auto it = std::find(names_.begin(), names_.end(), n);
    lacking_option_ = it != names_.end() && static_cast<std::size_t>(it - names_.begin()) < by_names ? "‹by›" : "‹where›";
    break;
  }
  for (const auto& v : view.data.codebook.variables) s_.own_variables.push_back(v.name);
  if (mode_ != roster::Numerator::Respondents && conflict_.empty() && !lacking_.empty() && !by_default_)
    refuse_variable(lacking_option_, lacking_, s_.mode);
  counting_ = mode_ != roster::Numerator::Respondents && conflict_.empty() && lacking_.empty();
}

MemberFacts NumeratorAccumulator::facts(const roster::Members& m, const classify::Classification& mcls) {
  decide(m);
  MemberFacts f;
  const std::size_t K = m.data.rows();
  f.respondent.reserve(m.respondent.size());
  for (const std::size_t r : m.respondent) f.respondent.push_back(static_cast<std::uint32_t>(r));
  f.group.resize(K);
  f.flags.assign(K, 0);
  const bool need_view = lacking_.empty() && (opt_.where || (counting_ && !base_.empty()));
  const roster::MemberView view = need_view ? roster::member_view(m, shape_.codebook, names_) : roster::MemberView{};
  if (opt_.where && lacking_.empty()) {
    opt_.where->eval(view.data, min_);
  } else {
    min_.assign(K, 1);
  }
  const data::Column* mage = m.data.column(Role::Age);
  for (std::size_t k = 0; k < K; ++k) {
    bool missing = false;
    f.group[k] = static_cast<std::int16_t>(member_group(mage, k, opt_.groups, shape_.codebook.age_min, shape_.codebook.age_max, missing));
    const classify::Class c = mcls.rows[k].cls;
    f.flags[k] = static_cast<std::uint8_t>((detail::in_case(Measure::Broad, c) ? 1 : 0) | (detail::in_case(Measure::Narrow, c) ? 2 : 0) |
                                           (detail::in_case(Measure::Semi, c) ? 4 : 0) | (min_[k] ? 8 : 0) | (missing ? 16 : 0));
  }
  if (counting_) { // the --by level of each member, from its own answer
    const std::size_t V = base_.size();
    f.levels.assign(K * V, -1);
    for (std::size_t v = 0; v < V; ++v) {
      const data::Column* c = view.data.column(base_[v].column);
      for (std::size_t k = 0; c && k < K; ++k) {
        const auto it = std::find(base_[v].codes.begin(), base_[v].codes.end(), c->ints[k]);
        if (c->ints[k] != data::kMissing && it != base_[v].codes.end()) f.levels[k * V + v] = static_cast<std::int16_t>(it - base_[v].codes.begin());
      }
    }
  }
  return f;
}

void NumeratorAccumulator::count_members(const MemberFacts& f) {
  s_.members += f.size();
  for (std::size_t k = 0; k < f.size(); ++k) {
    s_.members_out_of_age += f.group[k] == -2;
    s_.members_age_missing += (f.flags[k] & 16) != 0;
    const bool broad = (f.flags[k] & 1) != 0 && f.group[k] != -2;
    member_cases_all_ += broad;
    member_cases_where_ += broad && (f.flags[k] & 8);
  }
}

void NumeratorAccumulator::add(const data::Dataset& batch, const classify::Classification& cls, const MemberFacts& f) {
  count_members(f);
  if (!counting_) { // the members' counts only (their rows may be of another data set, e.g. before calibration)
    add(batch, cls, MemberFacts{}, std::vector<std::uint32_t>(batch.rows() + 1, 0), {});
    return;
  }
  // The members by respondent row (a counting sort: stable, so each respondent's members stay in reading order).
  std::vector<std::uint32_t> first(batch.rows() + 1, 0), order(f.size());
  for (std::size_t k = 0; k < f.size(); ++k) {
    if (f.respondent[k] >= batch.rows())
      throw_problem(ErrorCode::Internal, fmt::format("respondent={} rows={}", f.respondent[k], batch.rows()),
                    Text{"家族の回答者の行がデータにありません", "a member's respondent row is not in the data"}, Text{});
    ++first[f.respondent[k] + 1];
  }
  for (std::size_t r = 0; r < batch.rows(); ++r) first[r + 1] += first[r];
  std::vector<std::uint32_t> next(first.begin(), first.end() - 1);
  for (std::size_t k = 0; k < f.size(); ++k) order[next[f.respondent[k]]++] = static_cast<std::uint32_t>(k);
  add(batch, cls, f, first, order);
}

void NumeratorAccumulator::add(const data::Dataset& batch, const classify::Classification& cls, const MemberFacts& f,
                               const std::vector<std::uint32_t>& first, const std::vector<std::uint32_t>& order) {
  if (source_.empty()) source_ = batch.source;
  if (batch.rows() == 0) return;
  detail::where_rows(batch, opt_, rin_);
  for (std::size_t r = 0; r < batch.rows(); ++r) respondent_cases_ += rin_[r] && cls.is_broad(r);
  if (!counting_) return;
  const std::size_t N = batch.rows(), V = base_.size(), T = terms_.size();
  std::size_t age_missing = 0;
  detail::age_groups_of(batch, opt_.groups, rgroup_, age_missing);
  rlevel_.assign(N * V, -1);
  for (std::size_t v = 0; v < V; ++v) {
    const data::Column* c = batch.column(base_[v].column);
    for (std::size_t r = 0; c && r < N; ++r) {
      const auto it = std::find(base_[v].codes.begin(), base_[v].codes.end(), c->ints[r]);
      if (c->ints[r] != data::kMissing && it != base_[v].codes.end()) rlevel_[r * V + v] = static_cast<std::int16_t>(it - base_[v].codes.begin());
    }
  }
  if (total_.empty()) {
    total_.assign(D_, Cell{});
    cases_.assign(D_, {0, 0, 0});
    n_.assign(D_, 0);
    scratch_.assign(D_, Scratch{});
    touched_mark_.assign(D_, 0);
  }
  units_.bind(batch);
  if (!sup_) {
    if (opt_.replicates) sup_ = std::make_shared<SuppliedReplicateSums>(opt_.replicates);
    else if (opt_.replicate_columns)
      sup_ = std::make_shared<SuppliedReplicateSums>(*opt_.replicate_columns, batch.codebook.replicates ? batch.codebook.path : std::string(),
                                                     batch.codebook.replicates ? batch.codebook.replicates->line : 0);
  }
  if (sup_) {
    sup_->bind(batch);
    sup_->resize_slots(D_ * 4); // den, then the three measures' num, per cell (R is known after the first bind)
    if (sup_wa_.size() != sup_->replicates()) sup_wa_.resize(sup_->replicates());
  }
  const bool persons = mode_ == roster::Numerator::Persons;
  // A person's cells: all and the age group, each term's level within all and within the age group.
  const auto each_domain = [&](int g, const std::int16_t* lv, auto&& fn) {
    fn(domain(-1, 0, 0));
    if (g >= 0) fn(domain(g, 0, 0));
    for (std::size_t t = 0; t < T; ++t) {
      std::size_t level = 0;
      bool ok = true;
      for (std::size_t i = 0; i < terms_[t].parts.size() && ok; ++i) {
        const std::int16_t x = lv[terms_[t].parts[i]];
        ok = x >= 0;
        level += static_cast<std::size_t>(ok ? x : 0) * terms_[t].stride[i];
      }
      if (!ok) continue;
      fn(domain(-1, t + 1, level));
      if (g >= 0) fn(domain(g, t + 1, level));
    }
  };
  const auto touch = [&](std::size_t d) -> Scratch& {
    if (!touched_mark_[d]) {
      touched_mark_[d] = 1;
      touched_.push_back(d);
      scratch_[d] = Scratch{};
    }
    return scratch_[d];
  };
  units_.add(batch, batch_units_); // every row's unit in one call (errors in row order), then the rows
  for (std::size_t r = 0; r < N; ++r) {
    const PsuIndex::Unit u = batch_units_[r];
    const bool counted = units_.counted();
    if (u.created) {
      psu_.resize(psu_.size() + D_);
      psu_w_.push_back(0);
    }
    if (counted && strat_.size() < (u.stratum + 1) * D_) {
      strat_.resize((u.stratum + 1) * D_);
      stratum_wrows_.resize(u.stratum + 1, 0);
    }
    const double w = u.weight;
    if (w != 0) {
      if (counted) ++stratum_wrows_[u.stratum];
      else psu_w_[u.psu] = 1;
    }
    const double* rw = sup_ ? sup_->row(r, w) : nullptr; // the row's replicate (analysis) weights
    if (rw) sup_->add_rank(0, rw);                         // the whole design's rank: one class
    touched_.clear();
    if (rin_[r]) {
      const classify::Class c = cls.rows[r].cls;
      const std::array<bool, 3> y{detail::in_case(Measure::Broad, c), detail::in_case(Measure::Narrow, c), detail::in_case(Measure::Semi, c)};
      each_domain(rgroup_[r], rlevel_.data() + r * V, [&](std::size_t d) {
        Scratch& x = touch(d);
        x.den += 1;
        for (std::size_t m = 0; m < 3; ++m) x.num[m] += y[m];
      });
    }
    for (std::uint32_t i = first[r]; i < first[r + 1]; ++i) {
      const std::uint32_t k = order[i];
      if (!(f.flags[k] & 8) || f.group[k] == -2) continue;
      each_domain(f.group[k], f.levels.data() + static_cast<std::size_t>(k) * V, [&](std::size_t d) {
        Scratch& x = touch(d);
        for (std::size_t m = 0; m < 3; ++m) x.num[m] += (f.flags[k] >> m) & 1U;
        if (persons) x.den += 1;
      });
    }
    for (const std::size_t d : touched_) {
      touched_mark_[d] = 0;
      const Scratch& x = scratch_[d];
      // w · count, as the row-level estimate forms w(r) · x(r): the same products, added in row order.
      const double wd = w * static_cast<double>(x.den);
      std::array<double, 3> wn{};
      for (std::size_t m = 0; m < 3; ++m) wn[m] = w * static_cast<double>(x.num[m]);
      Cell& t = total_[d];
      t.wd += wd;
      n_[d] += x.den;
      for (std::size_t m = 0; m < 3; ++m) {
        t.wn[m] += wn[m];
        cases_[d][m] += x.num[m];
      }
      if (counted) {
        Moments& s = strat_[u.stratum * D_ + d];
        s.wd += wd;
        s.wd2 += wd * wd;
        for (std::size_t m = 0; m < 3; ++m) {
          s.wn[m] += wn[m];
          s.wn2[m] += wn[m] * wn[m];
          s.wnd[m] += wn[m] * wd;
        }
      } else {
        Cell& p = psu_[u.psu * D_ + d];
        p.wd += wd;
        for (std::size_t m = 0; m < 3; ++m) p.wn[m] += wn[m];
      }
      if (rw) { // w_r · count, as w · count above
        const std::size_t R = sup_wa_.size();
        for (std::size_t q = 0; q < 4; ++q) {
          const std::uint64_t k = q == 0 ? x.den : x.num[q - 1];
          if (k == 0) continue;
          for (std::size_t i = 0; i < R; ++i) sup_wa_[i] = rw[i] * static_cast<double>(k);
          sup_->add(4 * d + q, sup_wa_.data());
        }
      }
    }
  }
}

void NumeratorAccumulator::finish(PrevalenceResult& res) const {
  roster::NumeratorSummary s = s_;
  s.respondent_cases = respondent_cases_;
  s.member_cases = member_cases_where_;
  if (mode_ == roster::Numerator::Respondents) {
    s.own_variables.clear();
    res.numerator = std::move(s);
    return;
  }
  if (!counting_) { // the codebook's default gave way to respondents (refusals were thrown before)
    if (conflict_.empty()) {
      s.fallback = render_options(lacking_option_, OptionStyle::Flag);
      s.fallback_variable = lacking_;
    } else {
      s.fallback = render_options(conflict_, OptionStyle::Flag); // the output's note names the flag
    }
    s.own_variables.clear();
    s.mode = roster::numerator_id(roster::Numerator::Respondents);
    // the counts of the note are of the respondents' estimate: all members in the age range
    s.member_cases = member_cases_all_;
    res.numerator = std::move(s);
    return;
  }
  res.numerator = std::move(s);
  if (total_.empty()) detail::no_responses(source_);
  const PsuIndex::Canonical can = units_.canonical(source_);
  const PsuLayout& L = can.layout;
  const bool counted = units_.counted();
  // The whole design's df (R degf): PSUs − strata among rows of nonzero weight.
  double df = 0;
  std::vector<std::size_t> dense_of(counted ? L.strata() : 0);
  if (counted) {
    for (std::size_t h = 0; h < dense_of.size(); ++h) dense_of[can.stratum_rank[h]] = h;
    for (const std::uint64_t wr : stratum_wrows_) df += static_cast<double>(wr) - (wr > 0 ? 1.0 : 0.0);
  } else {
    std::vector<char> stratum_w(L.strata(), 0);
    for (std::size_t q = 0; q < L.psus(); ++q)
      if (psu_w_[can.dense_psu[q]]) {
        ++df;
        stratum_w[can.psu_stratum[q]] = 1;
      }
    df -= static_cast<double>(std::count(stratum_w.begin(), stratum_w.end(), 1));
  }
  const bool persons = mode_ == roster::Numerator::Persons;
  // Supplied replicate columns: the scales and R's degf of the whole replicate design (rank − 1), every cell's df.
  // Replicates created from the design: the PSU multipliers of the canonical layout (the respondents' accumulator
  // makes the same ones), df = rank of the multipliers of the PSUs with weight − 1.
  ReplicateDesign sup_scales;
  std::optional<DomainEngine> created;
  if (opt_.replicate_request) {
    created.emplace(L, can.psu_stratum, opt_.lonely, opt_.replicate_request);
    std::vector<char> has_w(L.psus(), 0);
    for (std::size_t q = 0; q < L.psus(); ++q) has_w[q] = psu_w_[can.dense_psu[q]];
    df = created->replicate_df(has_w);
  }
  if (sup_) {
    sup_->check_rows();
    sup_scales = sup_->scales();
    df = sup_->df({0});
    sup_scales.df = df;
  }
  // The cells of the respondents' estimate, in their order (all, the age groups, then each --by level within all
  // and each age group), each recomputed with the members.
  std::vector<PrevalenceCell> cells;
  for (const PrevalenceCell& old : res.cells) {
    int g = -1;
    for (std::size_t i = 0; i < opt_.groups.size(); ++i)
      if (opt_.groups[i].id() == old.group) g = static_cast<int>(i);
    std::size_t t = 0, level = 0;
    for (std::size_t i = 0; i < terms_.size() && !old.by_variable.empty(); ++i)
      if (terms_[i].name == old.by_variable) {
        t = i + 1;
        for (std::size_t l = 0; l < terms_[i].level_id.size(); ++l)
          if (terms_[i].level_id[l] == old.by_level) level = l;
      }
    const std::size_t d = domain(g, t, level);
    const auto meas = static_cast<std::size_t>(old.measure);
    PrevalenceCell cell;
    cell.measure = old.measure;
    cell.group = old.group;
    cell.by_variable = old.by_variable;
    cell.by_variable_label = old.by_variable_label;
    cell.by_level = old.by_level;
    cell.by_label = old.by_label;
    cell.by_key = old.by_key;
    cell.est.n = n_[d];
    cell.cases = cases_[d][meas];
    if (cell.est.n == 0) {
      cells.push_back(cell);
      continue;
    }
    const double X = total_[d].wd;
    if (X == 0)
      throw_problem(ErrorCode::EstimateNoData, "ratio", Text{"ratio の重み付き合計が0のため推定できません", "ratio: weighted denominator is 0, nothing to estimate"}, Text{});
    const double R = total_[d].wn[meas] / X;
    Eigen::MatrixXd v;
    if (sup_) {
      const std::size_t Rn = sup_->replicates();
      const double* den = sup_->sums(4 * d);
      const double* num = sup_->sums(4 * d + 1 + meas);
      Eigen::MatrixXd thetas(static_cast<Eigen::Index>(Rn), 1);
      for (std::size_t r = 0; r < Rn; ++r) thetas(static_cast<Eigen::Index>(r), 0) = num[r] / den[r];
      Eigen::VectorXd value(1);
      value(0) = R;
      const DomainEstimate de = DomainEngine::from_thetas(sup_scales, thetas, value, [&] { return df; });
      if (de.replicate_undefined) detail::check_group_df(cell, source_, true); // a replicate leaves the cell without weight
      v = de.vcov;
    } else if (created) {
      // The cell's per-PSU sums as the engine's view (statistic 0: this measure's Σ w num).
      struct View {
        const std::vector<Cell>& psu;
        const std::vector<std::size_t>& dense;
        std::size_t D, d, m;
        std::size_t psus() const { return dense.size(); }
        double w(std::size_t q) const { return psu[dense[q] * D + d].wd; }
        double wy(std::size_t q, std::size_t) const { return psu[dense[q] * D + d].wn[m]; }
      } view{psu_, can.dense_psu, D_, d, meas};
      Eigen::MatrixXd thetas(created->replicates(), 1);
      created->replicate_thetas(view, {0}, thetas);
      Eigen::VectorXd value(1);
      value(0) = R;
      const DomainEstimate de = DomainEngine::from_thetas(created->replicate_scales(), thetas, value, [&] { return df; });
      if (de.replicate_undefined) detail::check_group_df(cell, source_, true);
      v = de.vcov;
    } else if (counted) {
      std::vector<Eigen::VectorXd> s1(dense_of.size(), Eigen::VectorXd(1));
      std::vector<Eigen::MatrixXd> s2(dense_of.size(), Eigen::MatrixXd(1, 1));
      for (std::size_t c = 0; c < dense_of.size(); ++c) {
        const Moments& x = strat_[dense_of[c] * D_ + d];
        s1[c](0) = (x.wn[meas] - R * x.wd) / X;
        s2[c](0, 0) = (x.wn2[meas] - 2 * R * x.wnd[meas] + R * R * x.wd2) / (X * X);
      }
      v = stratum_moments_vcov(L, opt_.lonely, s1, s2);
    } else {
      Eigen::MatrixXd z(static_cast<Eigen::Index>(L.psus()), 1);
      for (std::size_t q = 0; q < L.psus(); ++q) {
        const Cell& x = psu_[can.dense_psu[q] * D_ + d];
        z(static_cast<Eigen::Index>(q), 0) = (x.wn[meas] - R * x.wd) / X;
      }
      v = psu_vcov(L, opt_.lonely, z);
    }
    cell.est.value = R;
    cell.est.se = std::sqrt(std::max(0.0, v(0, 0)));
    cell.est.df = res.design_based ? df : std::numeric_limits<double>::infinity();
    if (res.design_based) detail::check_group_df(cell, source_);
    const double tq = critical_value(opt_.level, cell.est.df > 0 ? cell.est.df : std::numeric_limits<double>::infinity());
    cell.est.interval = Interval{std::max(0.0, cell.est.value - tq * cell.est.se),
                                 persons ? std::min(1.0, cell.est.value + tq * cell.est.se) : cell.est.value + tq * cell.est.se, ""};
    if (t == 0) detail::finish_cell(cell, opt_, g);
    else cell.rate_used = opt_.rate_rounding ? round_half_up(cell.est.value * 100.0, *opt_.rate_rounding) / 100.0 : cell.est.value; // no population
    cells.push_back(cell);
  }
  res.cells = std::move(cells);
  res.differences.clear();
  res.method = CiMethod::Wald;
  detail::name_intervals(res);
  detail::sum_over_age_groups(res, opt_);
}

void LongMemberIndex::add(const roster::Members& m, const MemberFacts& f) {
  const std::size_t V = f.size() > 0 ? f.levels.size() / f.size() : 0;
  const data::Column& id = m.data.columns.front();
  for (std::size_t k = 0; k < f.size(); ++k) {
    facts_.group.push_back(f.group[k]);
    facts_.flags.push_back(f.flags[k]);
    for (std::size_t v = 0; v < V; ++v) facts_.levels.push_back(f.levels[k * V + v]);
    index_.add(id.ids[k], m.data.lines[k]);
  }
}

void LongMemberIndex::of_batch(const data::Dataset& batch, std::vector<std::uint32_t>& first, std::vector<std::uint32_t>& order) {
  first.assign(batch.rows() + 1, 0);
  order.clear();
  index_.each_of_batch(batch, [&](std::size_t r, std::uint32_t k) {
    ++first[r + 1];
    order.push_back(k);
  });
  for (std::size_t r = 0; r < batch.rows(); ++r) first[r + 1] += first[r];
}

void LongMemberIndex::check_found(const codebook::Codebook& rcb, const std::string& source) const { index_.check_found(rcb, source); }

void apply_numerator(PrevalenceResult& res, const data::Dataset& ds, const classify::Classification& cls, const roster::Members& m,
                     const classify::Classification& mcls, roster::Numerator mode, bool by_default, const PrevalenceOptions& opt) {
  NumeratorAccumulator acc(ds.codebook, opt, mode, by_default);
  const MemberFacts f = acc.facts(m, mcls);
  acc.add(ds, cls, f);
  acc.finish(res);
}

void apply_members(PrevalenceResult& res, const data::Dataset& read, const data::Dataset& ds, const classify::Classification& cls,
                   roster::Numerator mode, bool by_default, const PrevalenceOptions& opt) {
  const roster::Members m = roster::read_members(read);
  const classify::Classification mcls = classify::classify(m.data, cls.ruleset);
  if (&read == &ds) return apply_numerator(res, ds, cls, m, mcls, mode, by_default, opt);
  NumeratorAccumulator acc(ds.codebook, opt, mode, by_default);
  const MemberFacts f = acc.facts(m, mcls);
  if (acc.counting())
    throw_problem(ErrorCode::Internal, "members", Text{"家族を数える推定に、回答者と別の行の家族が渡されました", "members of other rows given to an estimate counting them"},
                  Text{});
  acc.count_members(f); // of every valid row; the respondents' cases of the rows estimated
  acc.add(ds, cls, MemberFacts{}, std::vector<std::uint32_t>(ds.rows() + 1, 0), {});
  acc.finish(res);
}

MemberStream::MemberStream(const codebook::Codebook& respondents, const PrevalenceOptions& options, roster::Numerator mode, bool by_default,
                           bool calibrated, const classify::RuleSet& rs, std::size_t batch_rows)
    : rs_(&rs), calibrated_(calibrated) {
  guarded([&] {
    emplace_deferring_refusal(acc_, respondents, options, mode, by_default, calibrated, refused_);
    if (respondents.roster->wide()) return;
    index_.emplace();
    roster::for_each_member_batch(respondents, batch_rows, [&](const roster::Members& m) {
      const MemberFacts f = acc_->facts(m, classify::classify(m.data, *rs_));
      acc_->count_members(f);
      index_->add(m, f);
    });
  });
}

template <class F> void MemberStream::guarded(F&& f) {
  if (error_) return; // the first error is kept; no more rows are read into the members' sums
  try {
    f();
  } catch (...) {
    error_ = std::current_exception();
  }
}

void MemberStream::add(const data::Dataset& batch, const classify::Classification& cls) {
  if (calibrated_)
    throw_problem(ErrorCode::Internal, "calibrated", Text{"較正済みの推定の家族に add が使われました", "add() on the members of a calibrated estimate"}, Text{});
  guarded([&] {
    if (index_) {
      index_->of_batch(batch, first_, order_);
      return acc_->add(batch, cls, index_->facts(), first_, order_);
    }
    const roster::Members m = roster::read_members(batch);
    acc_->add(batch, cls, acc_->facts(m, classify::classify(m.data, *rs_)));
  });
}

void MemberStream::add_read(const data::Dataset& batch) {
  guarded([&] {
    if (index_) return index_->of_batch(batch, first_, order_); // marks the respondent ids found
    const roster::Members m = roster::read_members(batch);
    acc_->count_members(acc_->facts(m, classify::classify(m.data, *rs_)));
  });
}

void MemberStream::add_calibrated(const data::Dataset& part, const classify::Classification& cls) {
  guarded([&] {
    first_.assign(part.rows() + 1, 0); // no members: the respondents' cases only (the members were counted as read)
    order_.clear();
    acc_->add(part, cls, MemberFacts{}, first_, order_);
  });
}

void MemberStream::finish(PrevalenceResult& res, const codebook::Codebook& respondents, const std::string& respondents_source) {
  if (error_) std::rethrow_exception(error_);
  if (index_) index_->check_found(respondents, respondents_source);
  if (refused_) std::rethrow_exception(refused_);
  acc_->finish(res);
}

void emplace_deferring_refusal(std::optional<NumeratorAccumulator>& slot, const codebook::Codebook& respondents, const PrevalenceOptions& options,
                               roster::Numerator mode, bool by_default, bool calibrated, std::exception_ptr& refused) {
  try {
    slot.emplace(respondents, options, mode, by_default, calibrated);
  } catch (const Error&) {
    refused = std::current_exception();
    slot.emplace(respondents, options, roster::Numerator::Respondents, false, calibrated);
  }
}

} // namespace hkstat::estimate
