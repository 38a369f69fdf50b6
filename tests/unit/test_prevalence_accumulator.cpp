// PrevalenceAccumulator (estimate/prevalence_accumulator.hpp): the single pass over per-PSU sums.
//  * batches: the whole data set vs batches of 1, 7 and 1000 rows give bitwise-identical results (every
//    field), with linearisation and with created replicates — the property that lets a streaming reader
//    and the in-memory path print the same digits;
//  * the instantiations of add()'s row loop: keeping nothing beside the sums vs keeping --ci likelihood's groups,
//    with and without a psu column: every sum bitwise the same (all but the intervals);
//  * linearisation vs the row-level estimators (svy_domain_mean; svy_mean_by + svy_contrast), whose R
//    agreement tests/unit/test_design.cpp and cli.design_vs_r check: 1e-12 relative (summation order is
//    the only difference), df exactly;
//  * created replicates vs make_replicates (row weights) + the replicate svy_mean_by: 1e-12 relative,
//    df exactly; and the draws do not depend on the row order.
//  * streaming: the real streaming path (data::IngestStream batches of 1, 7, 1000 and 65,536 rows, each
//    classified and added — what `hkstat estimate` does) vs the in-memory path (ingest() of the whole file,
//    estimate_prevalence): bitwise identical on every design below, with linearisation and created replicates.
//  * counted (a design without a psu column, linearised: per-stratum moments instead of a PSU per row): the
//    kernel stratum_moments_vcov equals psu_vcov on the rows to 1e-12 relative under every lonely policy, with
//    and without fpc (a census stratum) and `present`; the designs below without a psu column (strat, srs_fpc,
//    weighted, 西東京) take the counted path in the 1e-12 comparison with the row-level estimators.
// Designs: every codebook under tests/data/design that the prevalence path can read (full, strat, clus,
// srs_fpc, calib, lonely_survey under each lonely policy), tests/data/weighted and the 西東京 sample
// (a simple sample: no design columns).
#include "hkstat/classify/classify.hpp"
#include "hkstat/classify/ruleset.hpp"
#include "hkstat/codebook/codebook.hpp"
#include "hkstat/estimate/design_from_data.hpp"
#include "hkstat/estimate/prevalence.hpp"
#include "hkstat/estimate/prevalence_accumulator.hpp"
#include "hkstat/estimate/psu_index.hpp"
#include "hkstat/core/error.hpp"
#include "hkstat/api/design_options.hpp"
#include "hkstat/estimate/replicates.hpp"
#include "hkstat/estimate/replicates_from_data.hpp"
#include "hkstat/estimate/survey_estimators.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

using namespace hkstat;
using namespace hkstat::estimate;
using Catch::Matchers::WithinRel;

namespace {

const std::string kSrc = HKSTAT_SOURCE_DIR;

struct Case {
  std::string name, csv, codebook, rules;
  LonelyPsu lonely = LonelyPsu::Fail;
  std::vector<std::string> by; // --by: prevalence by sex where the codebook has a sex variable
  Case(std::string n, std::string data, std::string cb, std::string r, LonelyPsu l = LonelyPsu::Fail, std::vector<std::string> b = {})
      : name(std::move(n)), csv(std::move(data)), codebook(std::move(cb)), rules(std::move(r)), lonely(l), by(std::move(b)) {}
};

std::vector<Case> cases() {
  const std::string d = kSrc + "/tests/data/design/";
  const std::string core = kSrc + "/tests/data/weighted/core_only.toml";
  std::vector<Case> out;
  for (const char* cb : {"full", "strat", "clus", "srs_fpc"})
    out.push_back(Case{cb, d + "design_survey.csv", d + cb + ".codebook.toml", core});
  out.push_back(Case{"calib", d + "design_survey.csv", d + "calib.codebook.toml", core, LonelyPsu::Fail, {"sex"}});
  for (LonelyPsu p : {LonelyPsu::Remove, LonelyPsu::Certainty, LonelyPsu::Adjust, LonelyPsu::Average})
    out.push_back(Case{std::string("lonely_") + lonely_psu_name(p), d + "lonely_survey.csv", d + "lonely_survey.codebook.toml", core, p});
  out.push_back(Case{"weighted", kSrc + "/tests/data/weighted/weighted_survey.csv",
                 kSrc + "/tests/data/weighted/weighted_survey.codebook.toml", core});
  out.push_back(Case{"nishitokyo", kSrc + "/data/samples/nishitokyo2024.csv", kSrc + "/data/samples/nishitokyo2024.codebook.toml",
                 "cao2022-scz-physical", LonelyPsu::Fail, {"sex"}});
  return out;
}

struct Loaded {
  data::Dataset data;
  classify::Classification cls;
};

Loaded load(const Case& c) {
  const auto cb = codebook::load_codebook(c.codebook);
  auto ingest = data::ingest(c.csv, cb, {});
  REQUIRE(ingest.rejected.empty());
  Loaded l{std::move(ingest.data), {}};
  l.cls = classify::classify(l.data, classify::resolve_ruleset(c.rules));
  return l;
}

// Rows [a, b) of a data set and its classification, as a streaming reader would hand them over.
Loaded slice(const Loaded& src, std::size_t a, std::size_t b) {
  Loaded out;
  data::Dataset& d = out.data;
  d.codebook = src.data.codebook;
  d.source = src.data.source;
  d.encoding = src.data.encoding;
  const auto pick = [&](const auto& v) {
    std::remove_cvref_t<decltype(v)> r;
    if (!v.empty()) r.assign(v.begin() + static_cast<std::ptrdiff_t>(a), v.begin() + static_cast<std::ptrdiff_t>(b));
    return r;
  };
  d.lines = pick(src.data.lines);
  for (const auto& c : src.data.columns) {
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
  out.cls.ruleset = src.cls.ruleset;
  out.cls.audit = src.cls.audit;
  out.cls.rows = pick(src.cls.rows);
  return out;
}

PrevalenceOptions options(const Case& c) {
  PrevalenceOptions o;
  o.lonely = c.lonely;
  o.groups = {parse_age_group("15-39"), parse_age_group("40-64")};
  o.population.by_group = {{parse_age_group("15-39"), 50000.0}, {parse_age_group("40-64"), 70000.0}};
  o.rate_rounding = 1;
  o.by = c.by;
  return o;
}

// table_keys: PrevalenceAccumulator::domain_table_keys (SIZE_MAX: its default); cells: PrevalenceAccumulator::cell_sums;
// used (if given): whether the accumulator summed by cell.
PrevalenceResult in_batches(const Loaded& l, const PrevalenceOptions& o, std::size_t size,
                            std::size_t table_keys = std::numeric_limits<std::size_t>::max(), bool cells = true, bool* used = nullptr) {
  PrevalenceAccumulator acc(o);
  if (table_keys != std::numeric_limits<std::size_t>::max()) acc.domain_table_keys(table_keys);
  acc.cell_sums(cells);
  for (std::size_t a = 0; a < l.data.rows(); a += size) {
    const Loaded b = slice(l, a, std::min(l.data.rows(), a + size));
    acc.add(b.data, b.cls);
  }
  if (used) *used = acc.cells_used();
  return acc.finish();
}

// Bitwise equality (NaN equals NaN of the same bits).
bool same(double a, double b) { return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b); }
bool same(const std::optional<double>& a, const std::optional<double>& b) {
  return a.has_value() == b.has_value() && (!a || same(*a, *b));
}
bool same(const Interval& a, const Interval& b) { return same(a.lower, b.lower) && same(a.upper, b.upper) && a.note == b.note; }
bool same(const Text& a, const Text& b) { return a.ja == b.ja && a.en == b.en; }

// same_method = false: results of two interval methods, equal in everything but the intervals.
void check_identical(const PrevalenceResult& a, const PrevalenceResult& b, bool same_method = true) {
  CHECK(a.weighted == b.weighted);
  CHECK(a.design_based == b.design_based);
  CHECK(same(a.design, b.design));
  CHECK(a.calibrated == b.calibrated);
  CHECK(a.replicate == b.replicate);
  CHECK(same(a.replicates_label, b.replicates_label));
  CHECK(same(a.weighting, b.weighting));
  CHECK(same(a.design_df, b.design_df));
  CHECK(a.lonely == b.lonely);
  CHECK(a.lonely_relevant == b.lonely_relevant);
  CHECK((a.method == b.method) == same_method);
  CHECK(same(a.level, b.level));
  CHECK(a.rate_rounding == b.rate_rounding);
  CHECK(a.n == b.n);
  CHECK(a.outing_missing == b.outing_missing);
  CHECK(a.age_missing == b.age_missing);
  REQUIRE(a.cells.size() == b.cells.size());
  for (std::size_t i = 0; i < a.cells.size(); ++i) {
    const PrevalenceCell &x = a.cells[i], &y = b.cells[i];
    INFO("cell " << i << " " << x.group << " " << measure_id(x.measure));
    CHECK(x.measure == y.measure);
    CHECK(x.group == y.group);
    CHECK(x.est.n == y.est.n);
    CHECK(x.cases == y.cases);
    CHECK(same(x.est.value, y.est.value));
    CHECK(same(x.rate_used, y.rate_used));
    CHECK(same(x.est.se, y.est.se));
    CHECK(same(x.est.deff, y.est.deff));
    CHECK(same(x.est.df, y.est.df));
    CHECK(same(x.est.deff_wor, y.est.deff_wor));
    CHECK(same(x.est.sum_weights, y.est.sum_weights));
    CHECK(same(x.population, y.population));
    CHECK(same(x.persons, y.persons));
    if (same_method) {
      CHECK(same(*x.est.interval, *y.est.interval));
      CHECK(x.est.interval_method == y.est.interval_method);
      CHECK(same(x.persons_lower, y.persons_lower));
      CHECK(same(x.persons_upper, y.persons_upper));
      CHECK(x.persons_ci_method == y.persons_ci_method);
    }
    CHECK(x.by_variable == y.by_variable);
    CHECK(x.by_level == y.by_level);
    CHECK(x.by_label == y.by_label);
  }
  REQUIRE(a.differences.size() == b.differences.size());
  for (std::size_t i = 0; i < a.differences.size(); ++i) {
    const GroupDifference &x = a.differences[i], &y = b.differences[i];
    CHECK(x.measure == y.measure);
    CHECK(x.group == y.group);
    CHECK(x.reference == y.reference);
    CHECK(same(x.difference, y.difference));
    CHECK(same(x.se, y.se));
    CHECK(same(x.df, y.df));
    CHECK(same(x.ci, y.ci));
    CHECK(x.by_variable == y.by_variable);
    CHECK(x.age_group == y.age_group);
  }
  CHECK(a.population.by_group.size() == b.population.by_group.size());
}

Eigen::VectorXd measure_y(const Loaded& l, Measure m) {
  Eigen::VectorXd y(static_cast<Eigen::Index>(l.data.rows()));
  for (std::size_t r = 0; r < l.data.rows(); ++r) {
    const classify::Class c = l.cls.rows[r].cls;
    const bool in = m == Measure::Broad ? (c == classify::Class::Narrow || c == classify::Class::Semi)
                    : m == Measure::Narrow ? c == classify::Class::Narrow
                                           : c == classify::Class::Semi;
    y(static_cast<Eigen::Index>(r)) = in ? 1.0 : 0.0;
  }
  return y;
}

// Row → 0/1 indicator per age group (15-39, 40-64); rows of other ages in neither.
Eigen::MatrixXd group_indicators(const Loaded& l, const PrevalenceOptions& o) {
  const data::Column* age = l.data.column(codebook::Role::Age);
  REQUIRE(age);
  Eigen::MatrixXd D = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(l.data.rows()), static_cast<Eigen::Index>(o.groups.size()));
  for (std::size_t r = 0; r < l.data.rows(); ++r) {
    const std::int64_t a = age->ints[r];
    if (a == data::kMissing) continue;
    REQUIRE(age->var->type == codebook::VarType::Integer);
    for (std::size_t g = 0; g < o.groups.size(); ++g)
      if (a >= o.groups[g].min && a <= o.groups[g].max) D(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(g)) = 1;
  }
  return D;
}

void check_rel(double ours, double theirs, double tol) {
  if (theirs == 0) CHECK(std::abs(ours) <= tol);
  else CHECK_THAT(ours, WithinRel(theirs, tol));
}

const Measure kMeasures[] = {Measure::Broad, Measure::Narrow, Measure::Semi};

// --by sex: every level cell (alone and within each age group) vs svy_domain_mean on its domain, and each
// level vs the first within all / each age group vs svy_mean_by + svy_contrast.
void check_by_vs_rows(const Loaded& l, const DesignSpec& spec, const PrevalenceResult& res, const Eigen::MatrixXd& D) {
  const data::Column* sex = l.data.column(codebook::Role::Sex);
  REQUIRE(sex);
  std::vector<std::int64_t> levels;
  for (const auto& code : sex->var->codes) levels.push_back(code.code);
  const auto rows = static_cast<Eigen::Index>(l.data.rows());
  std::size_t i = 9, checked = 0;
  for (std::int64_t level : levels) {
    Eigen::VectorXd in_level(rows);
    for (Eigen::Index r = 0; r < rows; ++r) in_level(r) = sex->ints[static_cast<std::size_t>(r)] == level ? 1.0 : 0.0;
    for (int g = -1; g < 2; ++g) {
      const Eigen::VectorXd dom = g < 0 ? in_level : in_level.cwiseProduct(D.col(g)).eval();
      for (Measure m : kMeasures) {
        const PrevalenceCell& cell = res.cells.at(i++);
        INFO("sex " << level << " " << cell.group << " " << measure_id(m));
        CHECK(cell.by_variable == "sex");
        CHECK(cell.by_level == std::to_string(level));
        CHECK(cell.group == (g < 0 ? "all" : (g == 0 ? "15-39" : "40-64")));
        CHECK_FALSE(cell.persons);
        const Eigen::VectorXd y = measure_y(l, m);
        CHECK(cell.est.n == static_cast<std::size_t>((dom.array() != 0).count()));
        CHECK(cell.cases == static_cast<std::size_t>((dom.array() * y.array()).sum()));
        if (!spec.complex() || cell.est.n == 0) continue;
        const DomainMean dm = svy_domain_mean(spec.design, std::span<const double>(y.data(), static_cast<std::size_t>(y.size())),
                                              std::span<const double>(dom.data(), static_cast<std::size_t>(dom.size())));
        check_rel(cell.est.value, dm.value, 1e-12);
        check_rel(cell.est.se, dm.se, 1e-12);
        CHECK(cell.est.df == dm.df);
        ++checked;
      }
    }
  }
  CHECK(i == res.cells.size());
  if (spec.complex()) CHECK(checked == levels.size() * 9);
  // Differences: after the 3 age-group ones, per context (all, 15-39, 40-64), per measure, levels 2.. vs 1.
  std::size_t k = 3;
  for (int g = -1; g < 2; ++g)
    for (Measure m : kMeasures) {
      Eigen::MatrixXd L(rows, static_cast<Eigen::Index>(levels.size()));
      for (std::size_t j = 0; j < levels.size(); ++j)
        for (Eigen::Index r = 0; r < rows; ++r)
          L(r, static_cast<Eigen::Index>(j)) = (sex->ints[static_cast<std::size_t>(r)] == levels[j] ? 1.0 : 0.0) * (g < 0 ? 1.0 : D(r, g));
      const SurveyEstimate by = svy_mean_by(spec.design, measure_y(l, m), L);
      for (std::size_t j = 1; j < levels.size(); ++j) {
        const GroupDifference& d = res.differences.at(k++);
        INFO("difference sex " << levels[j] << " in " << d.age_group << " " << measure_id(m));
        CHECK(d.by_variable == "sex");
        CHECK(d.age_group == (g < 0 ? "all" : (g == 0 ? "15-39" : "40-64")));
        CHECK(d.group == std::to_string(levels[j]));
        CHECK(d.reference == std::to_string(levels[0]));
        Eigen::VectorXd cvec = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(levels.size()));
        cvec(static_cast<Eigen::Index>(j)) = 1;
        cvec(0) = -1;
        const Contrast ct = svy_contrast(by, cvec);
        check_rel(d.difference, ct.value, 1e-12);
        check_rel(d.se, ct.se, 1e-12);
        if (spec.complex()) CHECK(d.df == ct.df);
      }
    }
  CHECK(k == res.differences.size());
}

} // namespace

TEST_CASE("accumulator: batches of any size give bitwise-identical results", "[accumulator]") {
  for (const Case& c : cases()) {
    INFO(c.name);
    const Loaded l = load(c);
    const PrevalenceOptions o = options(c);
    const PrevalenceResult whole = estimate_prevalence(l.data, l.cls, o);
    CHECK(whole.cells.size() == 9 + (o.by.empty() ? 0 : (c.name == "calib" ? 2 : 3) * 9));
    for (std::size_t size : {1u, 7u, 1000u}) {
      INFO("batch size " << size);
      check_identical(whole, in_batches(l, o, size));
    }
    // Created replicates where the design allows them.
    const DesignSpec spec = design_from_dataset(l.data, c.lonely);
    if (!spec.complex() || c.name.rfind("lonely_", 0) == 0 || c.name == "strat") continue;
    PrevalenceOptions r = o;
    r.replicate_request = ReplicateRequest{CreatedReplicates::Bootstrap, 20, 5};
    const PrevalenceResult boot = estimate_prevalence(l.data, l.cls, r);
    CHECK(boot.replicate);
    for (std::size_t size : {1u, 7u, 1000u}) check_identical(boot, in_batches(l, r, size));
  }
}

TEST_CASE("accumulator: the row loop keeping nothing beside the sums and the one keeping groups agree bitwise", "[accumulator]") {
  // add() chooses an instantiation of one loop per batch: per-stratum sums (no psu column: strat, srs_fpc, weighted)
  // or per-PSU sums (the other designs), each without anything kept beside the sums (job a) or with it. --ci
  // likelihood keeps the (weight, y) groups, so it takes the keeping instantiation where the default interval takes
  // the other; every sum must be the same bits either way: every cell's n, cases, value, SE, df, deff and every
  // difference (only the intervals differ, by method). With --where (rows in the design, in no domain) too; in one
  // batch and in batches of 7.
  std::size_t counted = 0, clustered = 0;
  for (const Case& c : cases()) {
    INFO(c.name);
    const Loaded l = load(c);
    if (!design_from_dataset(l.data, c.lonely).complex()) continue; // --ci likelihood: a design only
    ++(l.data.column(codebook::Role::Psu) ? clustered : counted);
    for (const bool where : {false, true}) {
      if (where && c.name == "nishitokyo") continue; // its age variable is 問2
      INFO("where " << where);
      PrevalenceOptions o = options(c);
      if (where) o.where.emplace("age >= 40", l.data.codebook);
      PrevalenceOptions lk = o;
      lk.ci_method = CiMethod::Likelihood;
      for (const std::size_t size : {l.data.rows(), std::size_t{7}}) {
        INFO("batch size " << size);
        // (Row by row: the keeping loop never sums by cell.)
        const PrevalenceResult a = in_batches(l, o, size, std::numeric_limits<std::size_t>::max(), false), b = in_batches(l, lk, size);
        CHECK(b.method == CiMethod::Likelihood);
        check_identical(a, b, false);
      }
    }
  }
  CHECK(counted >= 2);
  CHECK(clustered >= 2);
}

TEST_CASE("accumulator: a row's domains from the table of keys and written for each row agree bitwise", "[accumulator]") {
  // add() looks a row's domain list up by its key (age group, --by levels) in a table built at the first batch, or,
  // with more keys than domain_table_keys, writes it for the row (domains_of, which also fills the table). Every sum
  // and so every field must be the same bits either way: no --by (age groups alone), one, two and three --by
  // variables crossed (levels missing in some rows), with and without --where, per-PSU and per-stratum sums (clus,
  // strat, the simple 西東京 sample), in one batch and in batches of 7.
  struct Run {
    std::string name;
    std::vector<std::string> by;
    const char* where;
  };
  std::size_t compared = 0;
  for (const Case& c : cases()) {
    std::vector<Run> runs;
    if (c.name == "nishitokyo")
      runs = {{"one", {"sex"}, nullptr}, {"three", {"sex", "問3", "問37"}, nullptr}, {"where", {"問3", "sex"}, "問2 >= 40"}};
    else if (c.name == "calib")
      runs = {{"two", {"sex", "duration"}, nullptr}, {"where", {"duration", "sex"}, "age >= 30"}};
    else if (c.name == "clus" || c.name == "strat")
      runs = {{"none", {}, nullptr}, {"one", {"duration"}, nullptr}, {"where", {"duration"}, "age >= 30"}};
    if (runs.empty()) continue;
    INFO(c.name);
    const Loaded l = load(c);
    for (const Run& run : runs) {
      INFO(run.name);
      PrevalenceOptions o = options(c);
      o.by = run.by;
      if (run.where) o.where.emplace(run.where, l.data.codebook);
      for (const std::size_t size : {l.data.rows(), std::size_t{7}}) {
        INFO("batch size " << size);
        // (Row by row: a table's keys are also the cells of cell mode, compared below.)
        const PrevalenceResult table = in_batches(l, o, size, std::numeric_limits<std::size_t>::max(), false), rows = in_batches(l, o, size, 0);
        REQUIRE(table.cells.size() == rows.cells.size());
        check_identical(table, rows);
        ++compared;
      }
    }
  }
  CHECK(compared == (3 + 2 + 3 + 3) * 2);
}

TEST_CASE("accumulator: sums by cell equal the domains' sums row by row to rounding, in any batches", "[accumulator]") {
  // Cell mode (a domain table, per-PSU sums, nothing kept per row: job a) adds a row into its key's cell, and finish()
  // adds each cell into its key's domains: the same totals, added in another order. Against the domains' sums row by
  // row: the same counts, df and bits of everything else to 1e-12 relative; and by cell in one batch and in batches
  // of 7: the same bits (each cell's sums are in row order). The runs of the table test above; only the designs with a
  // psu column sum by cell (a design without one is counted per stratum).
  struct Run {
    std::vector<std::string> by;
    const char* where;
  };
  std::size_t by_cell = 0;
  for (const Case& c : cases()) {
    std::vector<Run> runs;
    if (c.name == "nishitokyo") runs = {{{"sex"}, nullptr}, {{"sex", "問3", "問37"}, nullptr}, {{"問3", "sex"}, "問2 >= 40"}};
    else if (c.name == "calib") runs = {{{"sex", "duration"}, nullptr}, {{"duration", "sex"}, "age >= 30"}};
    else if (c.name == "clus" || c.name == "strat") runs = {{{}, nullptr}, {{"duration"}, nullptr}, {{"duration"}, "age >= 30"}};
    if (runs.empty()) continue;
    INFO(c.name);
    const Loaded l = load(c);
    for (const Run& run : runs) {
      INFO((run.where ? run.where : "") << " by " << run.by.size());
      PrevalenceOptions o = options(c);
      o.by = run.by;
      if (run.where) o.where.emplace(run.where, l.data.codebook);
      constexpr std::size_t kDefault = std::numeric_limits<std::size_t>::max();
      bool whole_used = false, sevens_used = true, rows_used = true;
      const PrevalenceResult whole = in_batches(l, o, l.data.rows(), kDefault, true, &whole_used),
                             sevens = in_batches(l, o, 7, kDefault, true, &sevens_used),
                             rows = in_batches(l, o, l.data.rows(), kDefault, false, &rows_used);
      CHECK(!rows_used);
      CHECK(whole_used == sevens_used);
      if (!whole_used) continue;
      ++by_cell;
      check_identical(whole, sevens);
      REQUIRE(whole.cells.size() == rows.cells.size());
      for (std::size_t i = 0; i < whole.cells.size(); ++i) {
        const PrevalenceCell &x = whole.cells[i], &y = rows.cells[i];
        INFO("cell " << i << " " << x.group << " " << x.by_level << " " << measure_id(x.measure));
        CHECK(x.est.n == y.est.n);
        CHECK(x.cases == y.cases);
        CHECK(x.est.df == y.est.df);
        check_rel(x.est.value, y.est.value, 1e-12);
        check_rel(x.est.sum_weights, y.est.sum_weights, 1e-12);
        check_rel(x.est.se, y.est.se, 1e-12);
        if (!std::isnan(y.est.deff)) check_rel(x.est.deff, y.est.deff, 1e-12);
        REQUIRE(x.est.interval.has_value() == y.est.interval.has_value());
        if (y.est.interval) {
          check_rel(x.est.interval->lower, y.est.interval->lower, 1e-12);
          check_rel(x.est.interval->upper, y.est.interval->upper, 1e-12);
        }
      }
      REQUIRE(whole.differences.size() == rows.differences.size());
      for (std::size_t i = 0; i < whole.differences.size(); ++i) {
        check_rel(whole.differences[i].difference, rows.differences[i].difference, 1e-12);
        check_rel(whole.differences[i].se, rows.differences[i].se, 1e-12);
        CHECK(whole.differences[i].df == rows.differences[i].df);
      }
    }
  }
  CHECK(by_cell >= 4);
}

// The streaming path of `hkstat estimate`: the file read in batches by IngestStream, each batch
// classified and added to the accumulator.
PrevalenceResult streamed(const Case& c, const PrevalenceOptions& o, std::size_t size) {
  const auto cb = codebook::load_codebook(c.codebook);
  const classify::RuleSet rs = classify::resolve_ruleset(c.rules);
  data::IngestStream stream(c.csv, cb, {});
  data::IngestBatch batch;
  PrevalenceAccumulator acc(o);
  std::size_t batches = 0;
  while (stream.next(size, batch)) {
    REQUIRE(batch.rejected.empty());
    acc.add(batch.data, classify::classify(batch.data, rs));
    ++batches;
  }
  CHECK(batches == (stream.rows_read() + size - 1) / size);
  return acc.finish();
}

TEST_CASE("streaming (IngestStream batches) and in-memory (ingest + estimate_prevalence) agree bitwise", "[accumulator][stream]") {
  for (const Case& c : cases()) {
    INFO(c.name);
    const Loaded l = load(c);
    const PrevalenceOptions o = options(c);
    const PrevalenceResult whole = estimate_prevalence(l.data, l.cls, o);
    for (std::size_t size : {1u, 7u, 1000u, 65536u}) {
      INFO("batch size " << size);
      check_identical(whole, streamed(c, o, size));
    }
    const DesignSpec spec = design_from_dataset(l.data, c.lonely);
    if (spec.complex()) { // --ci likelihood keeps the (weight, y) groups: sorted, so batches do not matter either
      PrevalenceOptions lk = o;
      lk.ci_method = CiMethod::Likelihood;
      const PrevalenceResult wl = estimate_prevalence(l.data, l.cls, lk);
      for (std::size_t size : {1u, 7u, 65536u}) check_identical(wl, streamed(c, lk, size));
    }
    if (!spec.complex() || c.name.rfind("lonely_", 0) == 0 || c.name == "strat") continue;
    PrevalenceOptions r = o;
    r.replicate_request = ReplicateRequest{CreatedReplicates::JKn, 0, 1};
    const PrevalenceResult jk = estimate_prevalence(l.data, l.cls, r);
    for (std::size_t size : {7u, 65536u}) check_identical(jk, streamed(c, r, size));
  }
}

namespace {

// The accumulator's linearised estimate of l vs the row-level estimators (svy_domain_mean; svy_mean_by + svy_contrast).
void check_linearised_vs_rows(const Case& c, const Loaded& l) {
  {
    PrevalenceOptions o = options(c);
    o.rate_rounding.reset();
    const PrevalenceResult res = estimate_prevalence(l.data, l.cls, o);
    const DesignSpec spec = design_from_dataset(l.data, c.lonely);
    const Eigen::MatrixXd D = group_indicators(l, o);
    std::size_t i = 0;
    for (int g = -1; g < 2; ++g) {
      const Eigen::VectorXd dom = g < 0 ? Eigen::VectorXd::Ones(D.rows()).eval() : D.col(g).eval();
      for (Measure m : kMeasures) {
        const PrevalenceCell& cell = res.cells.at(i++);
        INFO(cell.group << " " << measure_id(m));
        REQUIRE(cell.measure == m);
        const Eigen::VectorXd y = measure_y(l, m);
        CHECK(cell.est.n == static_cast<std::size_t>((dom.array() != 0).count()));
        CHECK(cell.cases == static_cast<std::size_t>((dom.array() * y.array()).sum()));
        if (!spec.complex()) continue; // a simple sample: cases / n (test_prevalence)
        const DomainMean dm = svy_domain_mean(spec.design, std::span<const double>(y.data(), static_cast<std::size_t>(y.size())),
                                              std::span<const double>(dom.data(), static_cast<std::size_t>(dom.size())));
        check_rel(cell.est.value, dm.value, 1e-12);
        check_rel(cell.est.se, dm.se, 1e-12);
        CHECK(cell.est.df == dm.df);
        if (std::isnan(dm.deff)) CHECK(std::isnan(cell.est.deff));
        else check_rel(cell.est.deff, dm.deff, 1e-12);
      }
    }
    // Differences 40-64 − 15-39 with the covariance of the groups (whole design).
    REQUIRE(res.differences.size() >= 3);
    for (std::size_t k = 0; k < 3; ++k) {
      const Eigen::VectorXd y = measure_y(l, kMeasures[k]);
      const SurveyEstimate by = svy_mean_by(spec.design, y, D);
      const Contrast ct = svy_contrast(by, Eigen::Vector2d(-1, 1));
      const GroupDifference& d = res.differences[k];
      CHECK(d.measure == kMeasures[k]);
      check_rel(d.difference, ct.value, 1e-12);
      check_rel(d.se, ct.se, 1e-12);
      if (spec.complex()) CHECK(d.df == ct.df);
      else CHECK(std::isinf(d.df));
    }
    if (!c.by.empty()) check_by_vs_rows(l, spec, res, D);
  }
}

} // namespace

TEST_CASE("accumulator: linearisation equals the row-level estimators to 1e-12", "[accumulator]") {
  for (const Case& c : cases()) {
    INFO(c.name);
    check_linearised_vs_rows(c, load(c));
  }
}

// Rows of weight 0 are in their PSU's and stratum's sums (R subset(): the stratum is present) but not in the df (R
// degf: the PSUs with nonzero weight). The per-PSU sums keep no count of such rows: whether a PSU has weight in a
// domain is read from its Σ w (weights are >= 0), so this case makes PSUs and strata whose rows in a domain all weigh 0.
TEST_CASE("accumulator: rows of weight 0 count for the strata present, not for the df", "[accumulator]") {
  const Case c{"calib, zero weights", kSrc + "/tests/data/design/design_survey.csv", kSrc + "/tests/data/design/calib.codebook.toml",
               kSrc + "/tests/data/weighted/core_only.toml", LonelyPsu::Fail, {"sex"}};
  Loaded l = load(c);
  const data::Column* psu = l.data.column(codebook::Role::Psu);
  const data::Column* stratum = l.data.column(codebook::Role::Stratum);
  const data::Column* sex = l.data.column(codebook::Role::Sex);
  const data::Column* age = l.data.column(codebook::Role::Age);
  data::Column* w = nullptr;
  for (data::Column& col : l.data.columns)
    if (col.var->role == codebook::Role::Weight) w = &col;
  REQUIRE((psu && stratum && sex && age && w));
  std::size_t zeroed = 0;
  for (std::size_t r = 0; r < l.data.rows(); ++r)
    if ((psu->ints[r] == 1 && sex->ints[r] == 2) || (stratum->ints[r] == 3 && age->ints[r] >= 40)) {
      w->numbers[r] = 0;
      ++zeroed;
    }
  REQUIRE(zeroed > 20);
  check_linearised_vs_rows(c, l);
  const PrevalenceOptions o = options(c);
  const PrevalenceResult whole = estimate_prevalence(l.data, l.cls, o);
  check_identical(whole, in_batches(l, o, 7));
  // The zero weights matter: the same rows with their weights give another df in a cell they touch.
  const PrevalenceResult before = estimate_prevalence(load(c).data, l.cls, o);
  REQUIRE(before.cells.size() == whole.cells.size());
  bool df_differs = false;
  for (std::size_t i = 0; i < whole.cells.size(); ++i) df_differs = df_differs || whole.cells[i].est.df != before.cells[i].est.df;
  CHECK(df_differs);
}

namespace {

// tests/data/design/design_survey.csv with two PSUs per stratum (psu → 1 + psu mod 2), for BRR and Fay.
std::string two_psu_file() {
  const auto dir = std::filesystem::temp_directory_path() / ("hkstat-acc-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = (dir / "two_psu.csv").string();
  std::ifstream in(kSrc + "/tests/data/design/design_survey.csv");
  std::ofstream out(path);
  std::string line;
  std::getline(in, line);
  REQUIRE(line.rfind("id,age,sex,outing,duration,stratum,psu,", 0) == 0);
  out << line << "\n";
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream ss(line);
    for (std::string x; std::getline(ss, x, ',');) f.push_back(x);
    f[6] = std::to_string(1 + std::stoi(f[6]) % 2);
    for (std::size_t k = 0; k < f.size(); ++k) out << (k ? "," : "") << f[k];
    out << "\n";
  }
  return path;
}

// The estimate `res` (options o) vs the row-level replicate estimators on the design rd (svy_mean_by per cell,
// svy_contrast of svy_mean_by for the differences).
void check_replicate_result_vs_rows(const Loaded& l, const PrevalenceOptions& o, const PrevalenceResult& res, const ReplicateDesign& rd) {
  const Eigen::MatrixXd D = group_indicators(l, o);
  std::size_t i = 0;
  for (int g = -1; g < 2; ++g) {
    const Eigen::MatrixXd dom = g < 0 ? Eigen::MatrixXd::Ones(D.rows(), 1) : Eigen::MatrixXd(D.col(g));
    for (Measure m : kMeasures) {
      const PrevalenceCell& cell = res.cells.at(i++);
      INFO(cell.group << " " << measure_id(m));
      const SurveyEstimate e = svy_mean_by(rd, measure_y(l, m), dom);
      check_rel(cell.est.value, e.value(0), 1e-12);
      check_rel(cell.est.se, std::sqrt(e.vcov(0, 0)), 1e-12);
      CHECK(cell.est.df == e.domain_df[0]);
    }
  }
  // --by cells (when requested; sex, or the variable named): each level alone and within each age group.
  if (!o.by.empty()) {
    const data::Column* sex = o.by.front() == "sex" ? l.data.column(codebook::Role::Sex) : l.data.column(o.by.front());
    REQUIRE(sex);
    for (const auto& code : sex->var->codes)
      for (int g = -1; g < 2; ++g) {
        Eigen::MatrixXd dom(D.rows(), 1);
        for (Eigen::Index r = 0; r < D.rows(); ++r)
          dom(r, 0) = (sex->ints[static_cast<std::size_t>(r)] == code.code ? 1.0 : 0.0) * (g < 0 ? 1.0 : D(r, g));
        for (Measure m : kMeasures) {
          const PrevalenceCell& cell = res.cells.at(i++);
          INFO("sex " << code.code << " " << cell.group << " " << measure_id(m));
          REQUIRE(cell.by_level == std::to_string(code.code));
          const SurveyEstimate e = svy_mean_by(rd, measure_y(l, m), dom);
          check_rel(cell.est.value, e.value(0), 1e-12);
          check_rel(cell.est.se, std::sqrt(e.vcov(0, 0)), 1e-12);
          CHECK(cell.est.df == e.domain_df[0]);
        }
      }
  }
  CHECK(i == res.cells.size());
  REQUIRE(res.differences.size() >= 3);
  for (std::size_t k = 0; k < 3; ++k) {
    const SurveyEstimate by = svy_mean_by(rd, measure_y(l, kMeasures[k]), D);
    const Contrast ct = svy_contrast(by, Eigen::Vector2d(-1, 1));
    check_rel(res.differences[k].difference, ct.value, 1e-12);
    check_rel(res.differences[k].se, ct.se, 1e-12);
    CHECK(res.differences[k].df == rd.df);
  }
}

void check_replicates_vs_rows(const Loaded& l, const PrevalenceOptions& base, const ReplicateRequest& req) {
  PrevalenceOptions o = base;
  o.rate_rounding.reset();
  o.replicate_request = req;
  const PrevalenceResult res = estimate_prevalence(l.data, l.cls, o);
  const DesignSpec spec = design_from_dataset(l.data, o.lonely);
  check_replicate_result_vs_rows(l, o, res, make_replicates(spec.design, req));
}

} // namespace

TEST_CASE("accumulator: created replicates equal make_replicates + the replicate estimators to 1e-12", "[accumulator][replicates]") {
  const std::string d = kSrc + "/tests/data/design/";
  const std::string core = kSrc + "/tests/data/weighted/core_only.toml";
  const Case full{"full", d + "design_survey.csv", d + "full.codebook.toml", core};
  const Loaded lf = load(full);
  const PrevalenceOptions of = options(full);
  for (const ReplicateRequest& req : {ReplicateRequest{CreatedReplicates::Bootstrap, 40, 11},
                                      ReplicateRequest{CreatedReplicates::SubBootstrap, 30, 2},
                                      ReplicateRequest{CreatedReplicates::JKn}}) {
    INFO(created_replicates_name(req.kind));
    check_replicates_vs_rows(lf, of, req);
  }
  SECTION("JK1 on the unstratified cluster design") {
    const Case clus{"clus", d + "design_survey.csv", d + "clus.codebook.toml", core};
    check_replicates_vs_rows(load(clus), options(clus), ReplicateRequest{CreatedReplicates::JK1});
  }
  SECTION("--by sex with bootstrap replicates") {
    const Case calib{"calib", d + "design_survey.csv", d + "calib.codebook.toml", core, LonelyPsu::Fail, {"sex"}};
    check_replicates_vs_rows(load(calib), options(calib), ReplicateRequest{CreatedReplicates::Bootstrap, 25, 4});
  }
  SECTION("BRR and Fay on two PSUs per stratum") {
    const Case two{"two", two_psu_file(), d + "calib.codebook.toml", core};
    const Loaded l = load(two);
    check_replicates_vs_rows(l, options(two), ReplicateRequest{CreatedReplicates::BRR});
    ReplicateRequest fay{CreatedReplicates::Fay};
    fay.fay_rho = 0.3;
    check_replicates_vs_rows(l, options(two), fay);
  }
  SECTION("JKn under the lonely-PSU policies") {
    for (LonelyPsu p : {LonelyPsu::Remove, LonelyPsu::Adjust, LonelyPsu::Average}) {
      const Case lonely{"lonely", d + "lonely_survey.csv", d + "lonely_survey.codebook.toml", core, p};
      INFO(lonely_psu_name(p));
      check_replicates_vs_rows(load(lonely), options(lonely), ReplicateRequest{CreatedReplicates::JKn});
    }
  }
}

TEST_CASE("accumulator: the bootstrap draws do not depend on the row order", "[accumulator][replicates]") {
  const std::string d = kSrc + "/tests/data/design/";
  const Case full{"full", d + "design_survey.csv", d + "full.codebook.toml", kSrc + "/tests/data/weighted/core_only.toml"};
  const Loaded l = load(full);
  PrevalenceOptions o = options(full);
  o.replicate_request = ReplicateRequest{CreatedReplicates::Bootstrap, 30, 9};
  const PrevalenceResult a = estimate_prevalence(l.data, l.cls, o);
  // The same rows in reverse order, fed one at a time.
  PrevalenceAccumulator acc(o);
  for (std::size_t r = l.data.rows(); r-- > 0;) {
    const Loaded b = slice(l, r, r + 1);
    acc.add(b.data, b.cls);
  }
  const PrevalenceResult b = acc.finish();
  REQUIRE(a.cells.size() == b.cells.size());
  for (std::size_t i = 0; i < a.cells.size(); ++i) {
    check_rel(b.cells[i].est.value, a.cells[i].est.value, 1e-12);
    check_rel(b.cells[i].est.se, a.cells[i].est.se, 1e-12);
    CHECK(b.cells[i].est.df == a.cells[i].est.df);
  }
  // A different seed changes the SEs: the comparison above can fail.
  o.replicate_request->seed = 10;
  CHECK(estimate_prevalence(l.data, l.cls, o).cells[0].est.se != a.cells[0].est.se);
}

TEST_CASE("accumulator: errors name the data file line", "[accumulator]") {
  const std::string d = kSrc + "/tests/data/design/";
  const Case full{"full", d + "design_survey.csv", d + "full.codebook.toml", kSrc + "/tests/data/weighted/core_only.toml"};
  Loaded l = load(full);
  data::Column* fpc = nullptr;
  for (auto& c : l.data.columns)
    if (c.var->role == codebook::Role::Fpc) fpc = &c;
  REQUIRE(fpc);
  fpc->numbers[5] += 1; // row 6 (file line 7): the fpc varies within stratum 1
  PrevalenceAccumulator acc(options(full));
  try {
    acc.add(l.data, l.cls);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::DataOutOfRange);
    CHECK(e.problem().pos.line == l.data.lines[5]);
    CHECK(e.problem().pos.file == l.data.source);
  }
  // Calibration is a kind of the engine (the accumulator keeps the rows); with replicates created from the
  // design it is refused (R's calibrated replicate designs are not built).
  PrevalenceOptions cal = options(full);
  cal.calibration = [](const Eigen::MatrixXd& z) { return z; };
  CHECK_NOTHROW(PrevalenceAccumulator(cal));
  cal.replicate_request = ReplicateRequest{CreatedReplicates::JKn, 0, 1, 0.5};
  try {
    PrevalenceAccumulator refused(cal);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::Internal);
  }
}

// A --by variable's code → level goes through a table over the codes' span, or, when they spread over 4,096 values
// or more, a scan: the calib design with sex coded 1 and 50000 instead of 1 and 2 (the scan) gives every number of the
// compact coding (the table), bit for bit.
TEST_CASE("accumulator: --by levels are the same whether the codes are compact or spread", "[accumulator]") {
  const std::string d = kSrc + "/tests/data/design/";
  const Case compact{"calib", d + "design_survey.csv", d + "calib.codebook.toml", kSrc + "/tests/data/weighted/core_only.toml", LonelyPsu::Fail, {"sex"}};
  const auto read = [](const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  std::string cb = read(compact.codebook), csv = read(compact.csv);
  const std::string from = "{ code = 2, key = \"female\"";
  REQUIRE(cb.find(from) != std::string::npos);
  cb.replace(cb.find(from), from.size(), "{ code = 50000, key = \"female\"");
  // The third field (sex) of every data line: 2 → 50000.
  std::stringstream in(csv), out;
  std::size_t changed = 0;
  for (std::string line; std::getline(in, line);) {
    const std::size_t a = line.find(','), b = line.find(',', a + 1), c = line.find(',', b + 1);
    if (line.compare(b + 1, c - b - 1, "2") == 0) {
      line.replace(b + 1, 1, "50000");
      ++changed;
    }
    out << line << "\n";
  }
  REQUIRE(changed > 100);
  const auto tmp = std::filesystem::temp_directory_path() / ("hkstat-acc-spread-" + std::to_string(::getpid()));
  std::filesystem::create_directories(tmp);
  std::ofstream((tmp / "spread.codebook.toml").string()) << cb;
  std::ofstream((tmp / "spread.csv").string()) << out.str();
  const Case spread{"calib, sex 1 and 50000", (tmp / "spread.csv").string(), (tmp / "spread.codebook.toml").string(), compact.rules,
                    LonelyPsu::Fail, {"sex"}};
  const PrevalenceOptions o = options(compact);
  const Loaded lc = load(compact), ls = load(spread);
  std::filesystem::remove_all(tmp);
  const PrevalenceResult a = estimate_prevalence(lc.data, lc.cls, o), b = in_batches(ls, o, 7);
  REQUIRE(a.cells.size() == b.cells.size());
  REQUIRE(a.cells.size() == 27);
  for (std::size_t i = 0; i < a.cells.size(); ++i) {
    INFO("cell " << i);
    const PrevalenceCell &x = a.cells[i], &y = b.cells[i];
    CHECK(x.by_level == (y.by_level == "50000" ? "2" : y.by_level));
    CHECK(x.est.n == y.est.n);
    CHECK(x.cases == y.cases);
    CHECK(same(x.est.value, y.est.value));
    CHECK(same(x.est.se, y.est.se));
    CHECK(same(x.est.df, y.est.df));
  }
  REQUIRE(a.differences.size() == b.differences.size());
  for (std::size_t i = 0; i < a.differences.size(); ++i) {
    CHECK(same(a.differences[i].difference, b.differences[i].difference));
    CHECK(same(a.differences[i].se, b.differences[i].se));
  }
}

// PsuIndex::add(batch, out), which reads a row of a stratum and PSU seen before without add_to's look-ups, against
// add(batch, r) row by row: the same units (a second batch too, every unit seen), and the same error on a row whose
// unit was seen before (the look-up's shortcut must not skip a check).
TEST_CASE("PsuIndex: a batch at once gives add()'s units and errors row by row", "[accumulator][psu_index]") {
  const std::string d = kSrc + "/tests/data/design/";
  const Case full{"full", d + "design_survey.csv", d + "full.codebook.toml", kSrc + "/tests/data/weighted/core_only.toml"};
  const Loaded l = load(full);
  const auto units_of = [](PsuIndex& index, const data::Dataset& ds, bool batch) {
    index.bind(ds);
    std::vector<PsuIndex::Unit> out;
    if (batch) index.add(ds, out);
    else
      for (std::size_t r = 0; r < ds.rows(); ++r) out.push_back(index.add(ds, r));
    return out;
  };
  PsuIndex a, b;
  for (int pass = 0; pass < 2; ++pass) {
    INFO("batch " << pass);
    const std::vector<PsuIndex::Unit> ua = units_of(a, l.data, true), ub = units_of(b, l.data, false);
    REQUIRE(ua.size() == ub.size());
    std::size_t created = 0;
    for (std::size_t r = 0; r < ua.size(); ++r) {
      INFO("row " << r);
      CHECK(ua[r].psu == ub[r].psu);
      CHECK(ua[r].stratum == ub[r].stratum);
      CHECK(same(ua[r].weight, ub[r].weight));
      CHECK(ua[r].created == ub[r].created);
      created += ua[r].created;
    }
    CHECK(created == (pass == 0 ? a.psus() : 0));
    CHECK(a.rows() == b.rows());
  }
  // The last row's stratum and PSU appear before it.
  const std::size_t last = l.data.rows() - 1;
  const data::Column* sc = l.data.column(codebook::Role::Stratum);
  const data::Column* pc = l.data.column(codebook::Role::Psu);
  REQUIRE((sc && pc));
  bool seen = false;
  for (std::size_t r = 0; r < last; ++r) seen = seen || (sc->ints[r] == sc->ints[last] && pc->ints[r] == pc->ints[last]);
  REQUIRE(seen);
  const auto error_of = [&](const data::Dataset& ds, bool batch) -> std::pair<ErrorCode, std::size_t> {
    PsuIndex index;
    try {
      units_of(index, ds, batch);
    } catch (const Error& e) {
      return {e.code(), e.problem().pos.line};
    }
    return {ErrorCode::Internal, 0};
  };
  for (int broken = 0; broken < 6; ++broken) {
    INFO("broken " << broken);
    Loaded m = load(full);
    for (data::Column& c : m.data.columns) {
      const codebook::Role role = c.var->role;
      if (role == codebook::Role::Weight && broken < 3)
        c.numbers[last] = broken == 0 ? -1.0 : broken == 1 ? std::nan("") : std::numeric_limits<double>::infinity();
      if (role == codebook::Role::Fpc && broken == 3) c.numbers[last] += 1;
      if (role == codebook::Role::Stratum && broken == 4) c.ints[last] = data::kMissing;
      if (role == codebook::Role::Psu && broken == 5) c.ints[last] = data::kMissing;
    }
    const auto [code, line] = error_of(m.data, false);
    CHECK(line == m.data.lines[last]);
    CHECK(code == (broken < 3 ? ErrorCode::DataInvalidWeight : broken == 3 ? ErrorCode::DataOutOfRange : ErrorCode::DataMissingRequired));
    CHECK(error_of(m.data, true) == std::make_pair(code, line));
  }
}

TEST_CASE("where: the subpopulation is R's subset(): equal, bit for bit, to the same rows as a domain", "[accumulator][where]") {
  // Every case with an age variable: `age >= 40` (the 40-64 rows: every respondent is 15-64) estimated as the whole
  // table must give the 40-64 cells of the table without --where — the same sums, the same PSU score totals, the
  // same strata present, the same df — in one batch and in batches, linearised, with created replicates, and
  // (row-level path) with calibration-style residualisation off.
  for (const Case& c : cases()) {
    if (c.name == "nishitokyo") continue; // its age variable is 問2 (below)
    INFO(c.name);
    const Loaded l = load(c);
    PrevalenceOptions base = options(c);
    base.by.clear();
    base.population = Population{};
    base.rate_rounding.reset();
    const PrevalenceResult plain = estimate_prevalence(l.data, l.cls, base);
    PrevalenceOptions w = base;
    w.where.emplace("age >= 40", l.data.codebook);
    const PrevalenceResult sub = estimate_prevalence(l.data, l.cls, w);
    CHECK(sub.where == "age >= 40");
    REQUIRE(sub.cells.size() == plain.cells.size());
    for (std::size_t i = 0; i < 3; ++i) {
      const PrevalenceCell& a = sub.cells[i];      // all, within age >= 40
      const PrevalenceCell& b = plain.cells[6 + i]; // 40-64 without --where
      INFO(measure_id(a.measure));
      CHECK(a.est.n == b.est.n);
      CHECK(a.cases == b.cases);
      CHECK(same(a.est.value, b.est.value));
      CHECK(same(a.est.se, b.est.se));
      CHECK(same(a.est.df, b.est.df));
      CHECK(same(a.est.interval->lower, b.est.interval->lower));
      CHECK(same(a.est.interval->upper, b.est.interval->upper));
      CHECK_FALSE(a.persons.has_value());
      CHECK(sub.cells[3 + i].est.n == 0); // 15-39 within age >= 40: empty
    }
    CHECK(sub.n == plain.cells[6].est.n);
    for (std::size_t size : {1u, 7u, 1000u}) check_identical(sub, in_batches(l, w, size));
  }
}

TEST_CASE("one interval policy: after calibration the boundary fallback is on the group's own rows, as in tabulate", "[where][calibration]") {
  // Korn–Graubard's n after calibration is every row (R keeps them in subset()), but the Clopper–Pearson
  // fallback at p = 0 (hkstat's, not R's) is on the group's rows in estimate as in tabulate (domain_interval).
  const Case c{"calib", kSrc + "/tests/data/design/design_survey.csv", kSrc + "/tests/data/design/calib.codebook.toml",
               kSrc + "/tests/data/weighted/core_only.toml"};
  const Loaded l = load(c);
  PrevalenceOptions o = options(c);
  o.population = Population{};
  o.rate_rounding.reset();
  o.calibration = [](const Eigen::MatrixXd& z) { return z; }; // residuals = scores: the row-level path, n_ci = all rows
  o.where.emplace("outing <= 5", l.data.codebook);             // no narrow case in the subpopulation
  const PrevalenceResult res = estimate_prevalence(l.data, l.cls, o);
  REQUIRE(res.calibrated);
  const PrevalenceCell& narrow = res.cells[1];
  REQUIRE(narrow.measure == Measure::Narrow);
  CHECK(narrow.est.value == 0);
  CHECK(narrow.est.n < l.data.rows());
  const Interval on_group = design_interval(CiMethod::Logit, 0, 0, narrow.est.df, static_cast<double>(narrow.est.n), 0.95);
  const Interval on_all = design_interval(CiMethod::Logit, 0, 0, narrow.est.df, static_cast<double>(l.data.rows()), 0.95);
  CHECK(narrow.est.interval->upper == on_group.upper);
  CHECK(narrow.est.interval->upper != on_all.upper);
  CHECK_FALSE(narrow.est.interval->note.empty());
  // The same rule through domain_interval: KG's n for an interior p, the group's n at the boundary.
  CHECK(domain_interval(CiMethod::Beta, 0.2, 0.05, 10, 500, 50, 0.95).upper == design_interval(CiMethod::Beta, 0.2, 0.05, 10, 500, 0.95).upper);
  CHECK(domain_interval(CiMethod::Beta, 0, 0, 10, 500, 50, 0.95).upper == design_interval(CiMethod::Beta, 0, 0, 10, 50, 0.95).upper);
}

TEST_CASE("stratum moments (a design without a psu column, counted) equal psu_vcov on the rows", "[accumulator][counted]") {
  // 4 strata of 1, 2, 5 and 7 rows (each row its own PSU), k = 3 statistics; fpc: one census stratum, the others
  // sampled at a fraction. s1 / s2 are the per-stratum sums stratum_moments_vcov receives; psu_vcov gets the rows.
  // stratum_centred_vcov (the calibrated stream without a psu column) gets s1 and the centred moments c2: the same.
  PsuLayout L;
  L.stratum_id = {1, 2, 3, 4};
  L.first = {0, 1, 3, 8, 15};
  for (std::int64_t q = 0; q < 15; ++q) L.psu_id.push_back(q);
  const std::vector<double> fpc = {10, 2, 50, 70}; // stratum 2: all its PSUs taken
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  Eigen::MatrixXd z(15, 3);
  for (Eigen::Index r = 0; r < z.rows(); ++r)
    for (Eigen::Index c = 0; c < 3; ++c) z(r, c) = u(rng) + 0.3 * static_cast<double>(c);
  std::vector<Eigen::VectorXd> s1;
  std::vector<Eigen::MatrixXd> s2, c2;
  for (std::size_t h = 0; h < 4; ++h) {
    const Eigen::MatrixXd block = z.middleRows(static_cast<Eigen::Index>(L.first[h]), static_cast<Eigen::Index>(L.psus_in(h)));
    s1.push_back(block.colwise().sum().transpose());
    s2.push_back(block.transpose() * block);
    const Eigen::MatrixXd centred = block.rowwise() - block.colwise().mean();
    c2.push_back(centred.transpose() * centred);
  }
  for (bool with_fpc : {false, true}) {
    set_stratum_fpc(L, with_fpc ? fpc : std::vector<double>{});
    for (LonelyPsu p : {LonelyPsu::Fail, LonelyPsu::Remove, LonelyPsu::Certainty, LonelyPsu::Adjust, LonelyPsu::Average})
      for (const std::vector<char>& present : {std::vector<char>{}, std::vector<char>{0, 1, 1, 1}, std::vector<char>{1, 0, 0, 1}}) {
        INFO(lonely_psu_name(p) << " fpc=" << with_fpc << " present=" << present.size());
        const bool lonely_fails = p == LonelyPsu::Fail && (present.empty() || present[0]);
        if (lonely_fails) {
          CHECK_THROWS_AS(stratum_moments_vcov(L, p, s1, s2, present), Error);
          CHECK_THROWS_AS(stratum_centred_vcov(L, p, s1, c2, present), Error);
          CHECK_THROWS_AS(psu_vcov(L, p, z, present), Error);
          continue;
        }
        const Eigen::MatrixXd a = stratum_moments_vcov(L, p, s1, s2, present), b = psu_vcov(L, p, z, present),
                              c = stratum_centred_vcov(L, p, s1, c2, present);
        REQUIRE(a.rows() == 3);
        REQUIRE(c.rows() == 3);
        for (Eigen::Index i = 0; i < 3; ++i)
          for (Eigen::Index j = 0; j < 3; ++j) {
            check_rel(a(i, j), b(i, j), 1e-12);
            check_rel(c(i, j), b(i, j), 1e-12);
          }
      }
  }
  CHECK_THROWS_AS(stratum_moments_vcov(L, LonelyPsu::Remove, {s1.begin(), s1.end() - 1}, s2), Error); // sizes: Internal
  CHECK_THROWS_AS(stratum_centred_vcov(L, LonelyPsu::Remove, s1, {c2.begin(), c2.end() - 1}), Error);
}

TEST_CASE("counted: a design without a psu column equals the same design with a psu per row to 1e-12", "[accumulator][counted]") {
  // The design test survey (557 rows, 3 strata, weights, sex) read twice: without a psu column (every row its own PSU:
  // the counted path, per-stratum moments) and with the unique id as the psu column (a PSU per row: per-PSU sums and
  // psu_vcov). Every cell (value, SE, df, deff, interval) and every difference (age groups; --by sex within all and
  // each age group) must agree; with --where and --ci likelihood too. (The domains compared together are disjoint,
  // so their cross moments are zero: the accumulator keeps them for overlapping domains, which estimate does not
  // compare today.)
  const std::string d = kSrc + "/tests/data/design/";
  std::ifstream in(d + "calib.codebook.toml");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string counted = ss.str();
  const auto replace = [](std::string& s, const std::string& a, const std::string& b) {
    const auto at = s.find(a);
    REQUIRE(at != std::string::npos);
    s.replace(at, a.size(), b);
  };
  replace(counted, "role = \"psu\"\n", "");
  replace(counted, "role = \"fpc\"\n", "");
  std::string per_row = counted;
  replace(per_row, "role = \"id\"\ntype = \"id\"", "role = \"psu\"\ntype = \"integer\"");
  const auto load_with = [&](const std::string& text) {
    auto ing = data::ingest(d + "design_survey.csv", codebook::parse_codebook(text, "test"), {});
    REQUIRE(ing.rejected.empty());
    Loaded l{std::move(ing.data), {}};
    l.cls = classify::classify(l.data, classify::resolve_ruleset(kSrc + "/tests/data/weighted/core_only.toml"));
    return l;
  };
  const Loaded a = load_with(counted), b = load_with(per_row);
  REQUIRE(a.data.column(codebook::Role::Psu) == nullptr);
  REQUIRE(b.data.column(codebook::Role::Psu) != nullptr);
  const auto check_interval = [](const std::optional<Interval>& x, const std::optional<Interval>& y) {
    REQUIRE(x.has_value() == y.has_value());
    if (!x) return;
    check_rel(x->lower, y->lower, 1e-12);
    check_rel(x->upper, y->upper, 1e-12);
  };
  for (int variant = 0; variant < 3; ++variant) {
    INFO("variant " << variant); // 0 linearised logit, 1 --where, 2 --ci likelihood
    Case c{"counted", "", "", ""};
    c.by = {"sex"};
    PrevalenceOptions o = options(c);
    o.rate_rounding.reset();
    if (variant == 1) o.where.emplace("age >= 20", a.data.codebook);
    if (variant == 2) o.ci_method = CiMethod::Likelihood;
    PrevalenceOptions ob = o;
    if (variant == 1) ob.where.emplace("age >= 20", b.data.codebook);
    const PrevalenceResult x = estimate_prevalence(a.data, a.cls, o), y = estimate_prevalence(b.data, b.cls, ob);
    REQUIRE(x.cells.size() == y.cells.size());
    REQUIRE(x.cells.size() > 9);
    for (std::size_t i = 0; i < x.cells.size(); ++i) {
      const PrevalenceCell &p = x.cells[i], &q = y.cells[i];
      INFO(q.group << " " << q.by_level << " " << measure_id(q.measure));
      CHECK(p.est.n == q.est.n);
      check_rel(p.est.value, q.est.value, 1e-12); // (the psu per row sums by cell: its totals in another order)
      check_rel(p.est.se, q.est.se, 1e-12);
      CHECK(p.est.df == q.est.df);
      check_rel(p.est.deff, q.est.deff, 1e-12);
      check_interval(p.est.interval, q.est.interval);
    }
    REQUIRE(x.differences.size() == y.differences.size());
    REQUIRE(x.differences.size() >= 9);
    for (std::size_t i = 0; i < x.differences.size(); ++i) {
      check_rel(x.differences[i].difference, y.differences[i].difference, 1e-12);
      check_rel(x.differences[i].se, y.differences[i].se, 1e-12);
      CHECK(x.differences[i].df == y.differences[i].df);
    }
  }
}

// ---- Supplied replicate columns (codebook [replicates]): summed per domain and replicate ----------------------
// The fixtures of r/replicate_cli_golden.R, every type the codebook allows: bootstrap (default scale, and mse with
// a scale), JK1 (combined and as multipliers of the weight), JKn (rscales), other (rscales, mse), BRR, Fay.
// * in memory (PrevalenceOptions::replicates: the ReplicateDesign of the columns, as `hkstat estimate` with a
//   household roster) vs the columns read from the batches (::replicate_columns, as the streaming estimate):
//   bitwise identical, in batches of 1, 7 and 65,536 rows and through IngestStream; with --by duration and --where;
// * vs the row-level replicate estimators (svy_mean_by on the same design, whose R agreement cli.replicate_vs_r
//   checks): 1e-12 relative, df exactly.

namespace {

std::vector<Case> supplied_cases() {
  const std::string d = kSrc + "/tests/data/replicate/";
  const std::string core = kSrc + "/tests/data/weighted/core_only.toml";
  std::vector<Case> out;
  for (const char* cb : {"sup_boot", "sup_boot_mse", "sup_jk1", "sup_jk1_mult", "sup_jkn", "sup_other"})
    out.push_back(Case{cb, d + "rep_survey.csv", d + cb + ".codebook.toml", core, LonelyPsu::Fail, {"duration"}});
  for (const char* cb : {"sup_brr", "sup_fay"})
    out.push_back(Case{cb, d + "brr_survey.csv", d + cb + ".codebook.toml", core, LonelyPsu::Fail, {"duration"}});
  return out;
}

PrevalenceOptions with_design(const Loaded& l, PrevalenceOptions o) {
  auto rd = supplied_replicate_design(l.data, design_from_dataset(l.data, o.lonely).design.weights);
  REQUIRE(rd);
  o.replicates_label = supplied_replicates_label(*rd);
  o.replicates = std::make_shared<const ReplicateDesign>(std::move(*rd));
  return o;
}

PrevalenceOptions with_columns(const Loaded& l, PrevalenceOptions o) {
  o.replicate_columns = api::supplied_replicate_options(l.data.codebook, "", o.replicates_label);
  REQUIRE(o.replicate_columns);
  return o;
}

} // namespace

TEST_CASE("supplied replicate columns: read from the batches equal the in-memory design bitwise", "[accumulator][replicates][supplied]") {
  for (const Case& c : supplied_cases()) {
    INFO(c.name);
    const Loaded l = load(c);
    for (int where = 0; where < 2; ++where) {
      INFO("where " << where);
      PrevalenceOptions o = options(c);
      if (where) o.where.emplace("age >= 20", l.data.codebook);
      const PrevalenceOptions cols = with_columns(l, o);
      // BRR: a replicate leaves an age group without weight, which the estimate refuses: the same error either way.
      std::optional<PrevalenceResult> whole;
      std::optional<Problem> error;
      try {
        whole = estimate_prevalence(l.data, l.cls, with_design(l, o));
      } catch (const Error& e) {
        error = e.problem();
      }
      const auto outcome = [&](const auto& run) {
        if (!error) return check_identical(*whole, run());
        try {
          (void)run();
          FAIL("no error");
        } catch (const Error& e) {
          CHECK(e.problem().code == error->code);
          CHECK(e.problem().message.en == error->message.en);
          CHECK(e.problem().value == error->value);
        }
      };
      if (whole) {
        CHECK(whole->replicate);
        CHECK(whole->cells.size() == 9 * 3);
      } else {
        CHECK(c.name == "sup_brr");
        CHECK(error->code == ErrorCode::EstimateNoData);
      }
      outcome([&] { return estimate_prevalence(l.data, l.cls, cols); });
      for (std::size_t size : {1u, 7u, 65536u}) {
        INFO("batch size " << size);
        outcome([&] { return in_batches(l, cols, size); });
        outcome([&] { return streamed(c, cols, size); });
      }
    }
  }
}

TEST_CASE("supplied replicate columns: sums per domain equal the row-level replicate estimators to 1e-12", "[accumulator][replicates][supplied]") {
  for (const Case& c : supplied_cases()) {
    INFO(c.name);
    const Loaded l = load(c);
    PrevalenceOptions o = options(c);
    o.rate_rounding.reset();
    if (c.name == "sup_brr") continue; // a replicate leaves an age group without weight: refused (test above)
    const PrevalenceOptions cols = with_columns(l, o);
    const PrevalenceResult res = estimate_prevalence(l.data, l.cls, cols);
    const PrevalenceOptions rows = with_design(l, o);
    CHECK(res.design_df == rows.replicates->df);
    check_replicate_result_vs_rows(l, o, res, *rows.replicates);
  }
}

TEST_CASE("supplied replicate columns: an empty replicate cell names its line, a batch after the first is checked too", "[accumulator][replicates][supplied]") {
  const Case c = supplied_cases().front();
  Loaded l = load(c);
  const PrevalenceOptions cols = with_columns(l, options(c));
  data::Column* b3 = nullptr;
  for (auto& col : l.data.columns)
    if (col.var->name == "b3") b3 = &col;
  REQUIRE(b3);
  b3->numbers[10] = std::numeric_limits<double>::quiet_NaN();
  PrevalenceAccumulator acc(cols);
  const Loaded first = slice(l, 0, 7), second = slice(l, 7, l.data.rows());
  acc.add(first.data, first.cls);
  try {
    acc.add(second.data, second.cls);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.problem().code == ErrorCode::DataMissingRequired);
    CHECK(e.problem().pos.line == l.data.lines[10]);
    CHECK(e.problem().pos.column_name == "b3");
  }
}
