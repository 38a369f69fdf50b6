// The estimate with household members from sums (estimate/numerator.hpp NumeratorAccumulator), against the
// row-level estimate it replaced (kept below as the reference: per respondent row the counts num and den of each
// cell, then svy_ratio, R's svyratio, on the whole design):
//  * every cell of every fixture (wide and long rosters, a simple sample and a stratified, clustered, weighted
//    design; ‹by› alone and crossed, ‹where›, respondents+members and persons): n and cases exactly, the rate
//    bitwise (the same products w·num added in row order), the SE and the interval to 1e-12 relative (the scores
//    are summed per PSU, or per stratum as moments, instead of per row), df exactly;
//  * batches: the respondents cut into batches of 1, 7 and 65,536 rows (each batch's members read from its rows,
//    as `hkstat estimate` streams a wide roster) give bitwise-identical cells and counts;
//  * a long roster streamed (the member file read first in batches of 1, 3 and 65,536 rows into LongMemberIndex,
//    then the respondents in batches of 1, 7 and 65,536 rows): bitwise the in-memory estimate; an unknown
//    respondent id names the first such member row;
//  * supplied replicate columns (roster_design_jkn: the roster with R's JKn weights, r/roster_replicates_golden.R):
//    the columns read from batches of 1, 7 and 65,536 rows give bitwise the in-memory replicate design's cells, and
//    the replicate SE is the replicate variance of the batches' θ_r (R's own values: cli.roster_replicates_vs_r);
//  * JKn replicates created from the design (per-PSU sums × multipliers) equal the same JKn supplied as columns.
#include "hkstat/api/design_options.hpp"
#include "hkstat/estimate/replicates_from_data.hpp"
#include "hkstat/classify/classify.hpp"
#include "hkstat/classify/ruleset.hpp"
#include "hkstat/codebook/codebook.hpp"
#include "hkstat/core/error.hpp"
#include "hkstat/data/dataset.hpp"
#include "hkstat/estimate/design_from_data.hpp"
#include "hkstat/estimate/numerator.hpp"
#include "hkstat/roster/member_file.hpp"
#include "hkstat/estimate/prevalence_accumulator.hpp"
#include "hkstat/estimate/survey_estimators.hpp"
#include "hkstat/roster/roster.hpp"

#include "estimate/prevalence_parts.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

using namespace hkstat;
using namespace hkstat::estimate;
using Catch::Matchers::WithinRel;

namespace {

const std::string kSrc = HKSTAT_SOURCE_DIR;

struct Fixture {
  std::string name, csv, codebook, rules;
  std::vector<std::vector<std::string>> bys; // the ‹by› lists tried (besides none)
  std::string where;
};

std::vector<Fixture> fixtures() {
  const std::string r = kSrc + "/tests/data/unit/roster/";
  const std::string d = kSrc + "/tests/data/roster_design/";
  return {
      {"household (wide, simple)", r + "household.csv", r + "household.codebook.toml", "cao2022-scz-physical", {}, "age < 40"},
      {"household_long (long, simple)", r + "household_long.csv", r + "household_long.codebook.toml", "cao2022-scz-physical", {}, "age < 40"},
      {"roster_design (wide, strata, psu, weights)", d + "roster_design.csv", d + "roster_design.codebook.toml",
       kSrc + "/tests/data/weighted/core_only.toml", {{"sex"}}, "age >= 30"},
      {"西東京 (wide, simple)", kSrc + "/data/samples/nishitokyo2024.csv", kSrc + "/data/samples/nishitokyo2024.codebook.toml",
       "cao2022-scz-physical", {{"sex"}, {"sex", "outing"}}, "sex = 2"},
  };
}

struct Loaded {
  data::Dataset data;
  classify::Classification cls;
  classify::RuleSet rs;
};

Loaded load(const Fixture& f) {
  const auto cb = codebook::load_codebook(f.codebook);
  auto in = data::ingest(f.csv, cb, {});
  REQUIRE(in.rejected.empty());
  Loaded l{std::move(in.data), {}, classify::resolve_ruleset(f.rules)};
  l.cls = classify::classify(l.data, l.rs);
  return l;
}

std::vector<std::string> split_x(const std::string& s) {
  std::vector<std::string> out;
  std::size_t a = 0;
  const std::string x = "×";
  for (std::size_t b; (b = s.find(x, a)) != std::string::npos; a = b + x.size()) out.push_back(s.substr(a, b - a));
  out.push_back(s.substr(a));
  return out;
}

// The reference: the row-level estimate (as apply_numerator computed it before the accumulator): for each cell,
// per respondent row num (own case + members' cases in the cell) and den (1, + the members for persons), then
// svy_ratio on the whole design. Cells are matched by code values (a crossed level "1×2" split on ×).
struct RefCell {
  double value = 0, se = 0, df = 0;
  std::size_t n = 0, cases = 0;
};
std::vector<RefCell> reference(const data::Dataset& ds, const classify::Classification& cls, const roster::Members& m,
                               const classify::Classification& mcls, bool persons, const PrevalenceOptions& opt, const PrevalenceResult& res) {
  std::vector<std::string> names;
  for (const auto& b : detail::resolve_by(ds, opt.by, true)) names.push_back(b.column);
  std::vector<std::string> vars = names;
  if (opt.where)
    for (const auto& w : opt.where->variables()) vars.push_back(w);
  const roster::MemberView view = roster::member_view(m, ds.codebook, vars);
  REQUIRE(view.lacking.empty());
  std::vector<char> rin, min;
  detail::where_rows(ds, opt, rin);
  if (opt.where) opt.where->eval(view.data, min);
  else min.assign(m.data.rows(), 1);
  std::vector<int> rgroup;
  std::size_t age_missing = 0;
  detail::age_groups_of(ds, opt.groups, rgroup, age_missing);
  // member age groups: -2 outside the survey's ages, -1 none
  const data::Column* mage = m.data.column(codebook::Role::Age);
  std::vector<int> mgroup(m.data.rows(), -1);
  for (std::size_t k = 0; k < m.data.rows(); ++k) {
    if (!mage || mage->ints[k] == data::kMissing) continue;
    const auto a = static_cast<int>(mage->ints[k]);
    if (a < ds.codebook.age_min || a > ds.codebook.age_max) mgroup[k] = -2;
    else
      for (std::size_t g = 0; g < opt.groups.size(); ++g)
        if (a >= opt.groups[g].min && a <= opt.groups[g].max) mgroup[k] = static_cast<int>(g);
  }
  const DesignSpec spec = design_from_dataset(ds, opt.lonely);
  const auto rows = static_cast<Eigen::Index>(ds.rows());
  std::vector<RefCell> out;
  for (const PrevalenceCell& old : res.cells) {
    int g = -1;
    for (std::size_t i = 0; i < opt.groups.size(); ++i)
      if (opt.groups[i].id() == old.group) g = static_cast<int>(i);
    // the cell's variables and codes
    std::vector<std::pair<std::string, std::int64_t>> need;
    if (!old.by_variable.empty()) {
      const auto vs = split_x(old.by_variable), ls = split_x(old.by_level);
      REQUIRE(vs.size() == ls.size());
      for (std::size_t i = 0; i < vs.size(); ++i) {
        const auto b = detail::resolve_by(ds, {vs[i]}, true);
        need.emplace_back(b.front().column, std::stoll(ls[i]));
      }
    }
    const auto in_levels = [&](const data::Dataset& src, std::size_t row) {
      for (const auto& [col, code] : need)
        if (src.column(col)->ints[row] != code) return false;
      return true;
    };
    Eigen::VectorXd num = Eigen::VectorXd::Zero(rows), den = Eigen::VectorXd::Zero(rows);
    for (std::size_t r = 0; r < ds.rows(); ++r) {
      if (!rin[r] || (g >= 0 && rgroup[r] != g) || !in_levels(ds, r)) continue;
      den(static_cast<Eigen::Index>(r)) = 1;
      num(static_cast<Eigen::Index>(r)) = detail::in_case(old.measure, cls.rows[r].cls) ? 1 : 0;
    }
    for (std::size_t k = 0; k < m.data.rows(); ++k) {
      if (!min[k] || mgroup[k] == -2 || (g >= 0 && mgroup[k] != g) || !in_levels(view.data, k)) continue;
      const auto r = static_cast<Eigen::Index>(m.respondent[k]);
      num(r) += detail::in_case(old.measure, mcls.rows[k].cls) ? 1 : 0;
      if (persons) den(r) += 1;
    }
    RefCell c;
    c.n = static_cast<std::size_t>(den.sum());
    c.cases = static_cast<std::size_t>(num.sum());
    if (c.n > 0) {
      const SurveyEstimate est = svy_ratio(spec.design, num, den);
      c.value = est.value(0);
      c.se = std::sqrt(std::max(0.0, est.vcov(0, 0)));
      c.df = res.design_based ? spec.summary.df : std::numeric_limits<double>::infinity();
    }
    out.push_back(c);
  }
  return out;
}

std::vector<PrevalenceOptions> option_sets(const Fixture& f, const data::Dataset& ds) {
  PrevalenceOptions base;
  base.groups = {parse_age_group("15-39"), parse_age_group("40-64")};
  base.population.total = 100000;
  std::vector<PrevalenceOptions> out{base};
  for (const auto& by : f.bys) {
    PrevalenceOptions o = base;
    o.by = by;
    out.push_back(o);
  }
  PrevalenceOptions w = base;
  w.where.emplace(f.where, ds.codebook);
  w.population = Population{};
  out.push_back(w);
  return out;
}

// Rows [a, b) of a data set, as a streaming reader would hand them over.
data::Dataset slice(const data::Dataset& src, std::size_t a, std::size_t b) {
  data::Dataset d;
  d.codebook = src.codebook;
  d.source = src.source;
  d.encoding = src.encoding;
  const auto pick = [&](const auto& v) {
    std::remove_cvref_t<decltype(v)> r;
    if (!v.empty()) r.assign(v.begin() + static_cast<std::ptrdiff_t>(a), v.begin() + static_cast<std::ptrdiff_t>(b));
    return r;
  };
  d.lines = pick(src.lines);
  for (const auto& c : src.columns) {
    data::Column n;
    n.ints = pick(c.ints);
    n.numbers = pick(c.numbers);
    n.multi = pick(c.multi);
    n.multi_answered = pick(c.multi_answered);
    n.ids = pick(c.ids);
    n.raw_missing = c.raw_missing.size() == c.ints.size() ? pick(c.raw_missing) : c.raw_missing;
    d.columns.push_back(std::move(n));
  }
  for (std::size_t k = 0; k < d.columns.size(); ++k) d.columns[k].var = &d.codebook.variables[k];
  return d;
}

void check_same(const PrevalenceResult& a, const PrevalenceResult& b) {
  REQUIRE(a.cells.size() == b.cells.size());
  for (std::size_t i = 0; i < a.cells.size(); ++i) {
    const PrevalenceCell &x = a.cells[i], &y = b.cells[i];
    INFO("cell " << i << " " << x.group << " " << x.by_variable << " " << x.by_level);
    CHECK(x.est.n == y.est.n);
    CHECK(x.cases == y.cases);
    CHECK(std::bit_cast<std::uint64_t>(x.est.value) == std::bit_cast<std::uint64_t>(y.est.value));
    CHECK(std::bit_cast<std::uint64_t>(x.est.se) == std::bit_cast<std::uint64_t>(y.est.se));
    CHECK(std::bit_cast<std::uint64_t>(x.est.df) == std::bit_cast<std::uint64_t>(y.est.df));
    CHECK(x.est.interval.has_value() == y.est.interval.has_value());
    if (x.est.interval && y.est.interval) {
      CHECK(std::bit_cast<std::uint64_t>(x.est.interval->lower) == std::bit_cast<std::uint64_t>(y.est.interval->lower));
      CHECK(std::bit_cast<std::uint64_t>(x.est.interval->upper) == std::bit_cast<std::uint64_t>(y.est.interval->upper));
    }
  }
  CHECK(a.numerator.members == b.numerator.members);
  CHECK(a.numerator.members_out_of_age == b.numerator.members_out_of_age);
  CHECK(a.numerator.members_age_missing == b.numerator.members_age_missing);
  CHECK(a.numerator.respondent_cases == b.numerator.respondent_cases);
  CHECK(a.numerator.member_cases == b.numerator.member_cases);
  CHECK(a.numerator.mode == b.numerator.mode);
}

// A wide roster streamed as `hkstat estimate` does: the respondents in batches of `size` rows, each batch's members
// read from its rows.
PrevalenceResult streamed_wide(const Loaded& l, const PrevalenceOptions& o, roster::Numerator mode, std::size_t size) {
  PrevalenceAccumulator acc(o);
  NumeratorAccumulator nacc(l.data.codebook, o, mode, false);
  for (std::size_t a = 0; a < l.data.rows(); a += size) {
    const data::Dataset b = slice(l.data, a, std::min(l.data.rows(), a + size));
    const classify::Classification bcls = classify::classify(b, l.rs);
    acc.add(b, bcls);
    const roster::Members bm = roster::read_members(b);
    nacc.add(b, bcls, nacc.facts(bm, classify::classify(bm.data, l.rs)));
  }
  PrevalenceResult streamed = acc.finish();
  nacc.finish(streamed);
  return streamed;
}

} // namespace

TEST_CASE("members from sums equal the row-level ratio estimate: counts and rates exactly, SEs to 1e-12", "[roster][stream]") {
  double worst = 0;
  for (const Fixture& fx : fixtures()) {
    INFO(fx.name);
    const Loaded l = load(fx);
    const roster::Members m = roster::read_members(l.data);
    const classify::Classification mcls = classify::classify(m.data, l.rs);
    for (const PrevalenceOptions& o : option_sets(fx, l.data))
      for (const auto mode : {roster::Numerator::RespondentsMembers, roster::Numerator::Persons}) {
        INFO("by " << o.by.size() << " where " << (o.where ? o.where->text() : "") << " mode " << roster::numerator_id(mode));
        PrevalenceResult res = estimate_prevalence(l.data, l.cls, o);
        const std::vector<RefCell> ref = reference(l.data, l.cls, m, mcls, mode == roster::Numerator::Persons, o, res);
        apply_numerator(res, l.data, l.cls, m, mcls, mode, false, o);
        REQUIRE(res.cells.size() == ref.size());
        std::size_t members_in_cells = 0;
        for (std::size_t i = 0; i < ref.size(); ++i) {
          const PrevalenceCell& c = res.cells[i];
          INFO("cell " << c.group << " " << c.by_variable << " " << c.by_level << " " << measure_id(c.measure));
          CHECK(c.est.n == ref[i].n);
          CHECK(c.cases == ref[i].cases);
          CHECK(c.est.value == ref[i].value); // bitwise: the same sums in the same order
          if (ref[i].n == 0) continue;
          CHECK_THAT(c.est.se, WithinRel(ref[i].se, 1e-12) || Catch::Matchers::WithinAbs(ref[i].se, 1e-15));
          if (ref[i].se > 0) worst = std::max(worst, std::abs(c.est.se - ref[i].se) / ref[i].se);
          CHECK(c.est.df == ref[i].df);
          members_in_cells += c.cases;
        }
        CHECK(members_in_cells > 0); // the fixture has cases to count
      }
  }
  WARN("largest relative SE difference from the row-level estimate: " << worst);
}

TEST_CASE("members from sums: batches of 1, 7 and 65536 respondents give bitwise-identical estimates", "[roster][stream]") {
  for (const Fixture& fx : fixtures()) {
    INFO(fx.name);
    const Loaded l = load(fx);
    if (!l.data.codebook.roster->wide()) continue; // a long member file is not in the respondents' rows
    const roster::Members m = roster::read_members(l.data);
    const classify::Classification mcls = classify::classify(m.data, l.rs);
    for (const PrevalenceOptions& o : option_sets(fx, l.data))
      for (const auto mode : {roster::Numerator::RespondentsMembers, roster::Numerator::Persons, roster::Numerator::Respondents}) {
        INFO("by " << o.by.size() << " where " << (o.where ? o.where->text() : "") << " mode " << roster::numerator_id(mode));
        PrevalenceResult whole = estimate_prevalence(l.data, l.cls, o);
        apply_numerator(whole, l.data, l.cls, m, mcls, mode, false, o);
        for (const std::size_t size : {std::size_t{1}, std::size_t{7}, std::size_t{65536}}) {
          INFO("batch size " << size);
          check_same(whole, streamed_wide(l, o, mode, size));
        }
      }
  }
}

TEST_CASE("a long roster streamed by respondent id gives bitwise the in-memory estimate", "[roster][stream]") {
  const std::string r = kSrc + "/tests/data/unit/roster/";
  const Fixture fx{"household_long", r + "household_long.csv", r + "household_long.codebook.toml", "cao2022-scz-physical", {}, "age < 40"};
  const Loaded l = load(fx);
  const roster::Members m = roster::read_members(l.data);
  const classify::Classification mcls = classify::classify(m.data, l.rs);
  for (const PrevalenceOptions& o : option_sets(fx, l.data))
    for (const auto mode : {roster::Numerator::RespondentsMembers, roster::Numerator::Persons, roster::Numerator::Respondents}) {
      INFO("where " << (o.where ? o.where->text() : "") << " mode " << roster::numerator_id(mode));
      PrevalenceResult whole = estimate_prevalence(l.data, l.cls, o);
      apply_numerator(whole, l.data, l.cls, m, mcls, mode, false, o);
      for (const std::size_t msize : {std::size_t{1}, std::size_t{3}, std::size_t{65536}})
        for (const std::size_t size : {std::size_t{1}, std::size_t{7}, std::size_t{65536}}) {
          INFO("member batches " << msize << ", respondent batches " << size);
          PrevalenceAccumulator acc(o);
          NumeratorAccumulator nacc(l.data.codebook, o, mode, false);
          LongMemberIndex index;
          std::size_t member_batches = 0;
          roster::for_each_member_batch(l.data.codebook, msize, [&](const roster::Members& bm) {
            ++member_batches;
            const MemberFacts f = nacc.facts(bm, classify::classify(bm.data, l.rs));
            nacc.count_members(f);
            index.add(bm, f);
          });
          CHECK(member_batches == (m.data.rows() + msize - 1) / msize);
          CHECK(index.respondents() == 6); // H1, H3 (two), H4, H6, H7, H8
          std::vector<std::uint32_t> first, order;
          for (std::size_t a = 0; a < l.data.rows(); a += size) {
            const data::Dataset b = slice(l.data, a, std::min(l.data.rows(), a + size));
            const classify::Classification bcls = classify::classify(b, l.rs);
            acc.add(b, bcls);
            index.of_batch(b, first, order);
            nacc.add(b, bcls, index.facts(), first, order);
          }
          index.check_found(l.data.codebook, l.data.source);
          PrevalenceResult streamed = acc.finish();
          nacc.finish(streamed);
          check_same(whole, streamed);
        }
    }
  // A member whose respondent is not among the respondents streamed: the first such member row is named.
  NumeratorAccumulator nacc(l.data.codebook, option_sets(fx, l.data).front(), roster::Numerator::RespondentsMembers, false);
  LongMemberIndex index;
  roster::for_each_member_batch(l.data.codebook, 2, [&](const roster::Members& bm) { index.add(bm, nacc.facts(bm, classify::classify(bm.data, l.rs))); });
  std::vector<std::uint32_t> first, order;
  index.of_batch(slice(l.data, 0, 3), first, order); // H1–H3 only
  try {
    index.check_found(l.data.codebook, "resp.csv");
    FAIL("expected an unknown respondent");
  } catch (const Error& e) {
    CHECK(e.problem().code == ErrorCode::DataRoster);
    CHECK(e.problem().pos.record_id == "H4");
    CHECK(e.problem().pos.line == m.data.lines[3]); // H1, H3, H3, then H4's member
    CHECK(e.problem().expected.en.find("resp.csv") != std::string::npos);
  }
}

TEST_CASE("members with supplied replicate columns: batches give bitwise the in-memory replicate design", "[roster][stream][replicates]") {
  const std::string d = kSrc + "/tests/data/roster_design/";
  const Fixture fx{"roster_design_jkn (wide, JKn columns)", d + "roster_design_jkn.csv", d + "roster_design_jkn.codebook.toml",
                   kSrc + "/tests/data/weighted/core_only.toml", {{"sex"}}, "age >= 30"};
  const Loaded l = load(fx);
  const roster::Members m = roster::read_members(l.data);
  const classify::Classification mcls = classify::classify(m.data, l.rs);
  for (PrevalenceOptions o : option_sets(fx, l.data))
    for (const auto mode : {roster::Numerator::RespondentsMembers, roster::Numerator::Persons, roster::Numerator::Respondents}) {
      INFO("by " << o.by.size() << " where " << (o.where ? o.where->text() : "") << " mode " << roster::numerator_id(mode));
      o.ci_method = CiMethod::Wald;
      PrevalenceOptions whole_opt = o, cols = o;
      auto rd = supplied_replicate_design(l.data, design_from_dataset(l.data, o.lonely).design.weights);
      REQUIRE(rd);
      whole_opt.replicates_label = supplied_replicates_label(*rd);
      whole_opt.replicates = std::make_shared<const ReplicateDesign>(std::move(*rd));
      cols.replicate_columns = api::supplied_replicate_options(l.data.codebook, "", cols.replicates_label);
      REQUIRE(cols.replicate_columns);
      PrevalenceResult whole = estimate_prevalence(l.data, l.cls, whole_opt);
      apply_numerator(whole, l.data, l.cls, m, mcls, mode, false, whole_opt);
      CHECK(whole.replicate);
      CHECK(whole.design_df == 24); // R degf of the JKn design: 30 PSUs - 6 strata
      if (mode != roster::Numerator::Respondents)
        for (const PrevalenceCell& c : whole.cells)
          if (c.est.n > 0) CHECK(c.est.df == 24);
      for (const std::size_t size : {std::size_t{1}, std::size_t{7}, std::size_t{65536}}) {
        INFO("batch size " << size);
        check_same(whole, streamed_wide(l, cols, mode, size));
      }
    }
}

TEST_CASE("members with JKn replicates created from the design equal R's JKn columns supplied", "[roster][replicates]") {
  // hkstat's JKn multipliers are R's, so --replicates jkn on roster_design and the columns R wrote for the same
  // design (roster_design_jkn, r/roster_replicates_golden.R) are two paths to one estimate: per-PSU sums × the
  // multipliers against per-replicate sums of the columns. Values bitwise, df exactly, SEs to 1e-12.
  const std::string d = kSrc + "/tests/data/roster_design/";
  const std::string rules = kSrc + "/tests/data/weighted/core_only.toml";
  const Loaded plain = load(Fixture{"roster_design", d + "roster_design.csv", d + "roster_design.codebook.toml", rules, {}, ""});
  const Loaded cols = load(Fixture{"roster_design_jkn", d + "roster_design_jkn.csv", d + "roster_design_jkn.codebook.toml", rules, {}, ""});
  const roster::Members mp = roster::read_members(plain.data), mc = roster::read_members(cols.data);
  const classify::Classification mpc = classify::classify(mp.data, plain.rs), mcc = classify::classify(mc.data, cols.rs);
  const Fixture fx{"", "", "", rules, {{"sex"}}, "age >= 30"};
  for (PrevalenceOptions o : option_sets(fx, plain.data))
    for (const auto mode : {roster::Numerator::RespondentsMembers, roster::Numerator::Persons}) {
      INFO("by " << o.by.size() << " where " << (o.where ? o.where->text() : "") << " mode " << roster::numerator_id(mode));
      o.ci_method = CiMethod::Wald;
      PrevalenceOptions created = o, supplied = o;
      if (o.where) supplied.where.emplace(o.where->text(), cols.data.codebook);
      created.replicate_request = ReplicateRequest{};
      created.replicate_request->kind = CreatedReplicates::JKn;
      auto rd = supplied_replicate_design(cols.data, design_from_dataset(cols.data, o.lonely).design.weights);
      REQUIRE(rd);
      supplied.replicates = std::make_shared<const ReplicateDesign>(std::move(*rd));
      PrevalenceResult a = estimate_prevalence(plain.data, plain.cls, created);
      apply_numerator(a, plain.data, plain.cls, mp, mpc, mode, false, created);
      PrevalenceResult b = estimate_prevalence(cols.data, cols.cls, supplied);
      apply_numerator(b, cols.data, cols.cls, mc, mcc, mode, false, supplied);
      REQUIRE(a.cells.size() == b.cells.size());
      std::size_t compared = 0;
      for (std::size_t i = 0; i < a.cells.size(); ++i) {
        const PrevalenceCell &x = a.cells[i], &y = b.cells[i];
        INFO("cell " << x.group << " " << x.by_level << " " << measure_id(x.measure));
        CHECK(x.est.n == y.est.n);
        CHECK(x.est.value == y.est.value);
        if (x.est.n == 0) continue;
        CHECK(x.est.df == y.est.df);
        CHECK_THAT(x.est.se, WithinRel(y.est.se, 1e-12));
        ++compared;
      }
      CHECK(compared > 0);
      CHECK(a.numerator.mode == roster::numerator_id(mode)); // members counted, no fallback
    }
}
