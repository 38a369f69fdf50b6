// A count column (role count: one row stands for that many people) read in batches, each batch's rows expanded to
// people in parts of at most N rows (data::expand_counts(data, N, part): what the CLI's stream_input and reread_input
// do, docs/performance.md "Eleventh session, countcol") against the file read whole and expanded (expand_counts):
//  * the parts are the people of the whole expansion, in order, none larger than N (a row of 37 people spread over
//    parts of 1 and 5);
//  * the estimate (PrevalenceAccumulator: age groups, --by sex) from the parts equals estimate_prevalence on the
//    whole expansion bit for bit, for 1, 2 and 8 parsing threads (byte ranges of 64 bytes), batches of 7 and 4,096
//    rows and parts of 1, 5 and 4,096 people;
//  * the calibrated estimate (every pass of --calibrate reads the parts: post-stratification; raking after nonresponse
//    cells, with strict trimming) equals api::calibrate + estimate_prevalence on the whole expansion to 1e-12 (the
//    calibrated stream's own tolerance: residuals summed per combination), and is the same bit for bit for every
//    thread count and batching.
// And the library's facade (api::load_survey: hkstat::estimate, the Python module) reads the people too, as the CLI
// does (it counted the rows before).
// Fixture: tests/data/counts (90 rows, 390 people, one row of 0 and one of 37).
#include "hkstat/api/design_options.hpp"
#include "hkstat/api/survey.hpp"
#include "hkstat/classify/classify.hpp"
#include "hkstat/classify/ruleset.hpp"
#include "hkstat/codebook/codebook.hpp"
#include "hkstat/config/run_config.hpp"
#include "hkstat/data/dataset.hpp"
#include "hkstat/estimate/calibrated_sums.hpp"
#include "hkstat/estimate/prevalence.hpp"
#include "hkstat/estimate/prevalence_accumulator.hpp"
#include "hkstat/weights/apply.hpp"

#include "calibrated_passes.hpp"
#include "sweep.hpp"

#include <catch2/catch.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

using namespace hkstat;
using namespace hkstat::estimate;

namespace {

const std::string kSrc = HKSTAT_SOURCE_DIR;
const std::string kDir = kSrc + "/tests/data/counts/";
const std::string kCsv = kDir + "counted.csv";

const codebook::Codebook& cb() {
  static const codebook::Codebook c = codebook::load_codebook(kDir + "counted.codebook.toml");
  return c;
}
const classify::RuleSet& rules() {
  static const classify::RuleSet r = classify::resolve_ruleset(kSrc + "/tests/data/compare/compare_rules.toml");
  return r;
}

PrevalenceOptions options() {
  PrevalenceOptions o;
  o.groups = {parse_age_group("15-39"), parse_age_group("40-64")};
  o.by = {"性別"};
  return o;
}

data::Dataset people_whole() {
  auto in = data::ingest(kCsv, cb(), {});
  REQUIRE(in.rejected.empty());
  return data::expand_counts(in.data);
}

// The file in batches of `batch_rows` rows (on `threads` threads: byte ranges of 64 bytes), each batch's people in
// parts of at most `part_rows` rows, to `fn`.
void for_each_part(unsigned threads, std::size_t batch_rows, std::size_t part_rows, const std::function<void(const data::Dataset&)>& fn) {
  data::IngestStream in(kCsv, cb(), {});
  if (threads > 1) REQUIRE(in.parallel(threads, batch_rows, 64));
  data::IngestBatch b;
  while (in.next(batch_rows, b))
    if (b.data.rows() > 0) data::expand_counts(b.data, part_rows, fn);
}

struct Batching {
  unsigned threads;
  std::size_t batch, part;
};
std::vector<Batching> batchings() {
  std::vector<Batching> out;
  for (unsigned t : test::sweep<unsigned>({1, 2, 8}, {1, 2}))
    for (std::size_t b : test::sweep<std::size_t>({7, 4096}, {7}))
      for (std::size_t p : test::sweep<std::size_t>({1, 5, 4096}, {5})) out.push_back({t, b, p});
  return out;
}

bool same(double a, double b) { return test::same(a, b); }

void check_bitwise(const PrevalenceResult& a, const PrevalenceResult& b) {
  CHECK(a.n == b.n);
  CHECK(a.outing_missing == b.outing_missing);
  CHECK(a.age_missing == b.age_missing);
  CHECK(a.design.ja == b.design.ja);
  CHECK(a.weighting.ja == b.weighting.ja);
  REQUIRE(a.cells.size() == b.cells.size());
  for (std::size_t i = 0; i < a.cells.size(); ++i) {
    const PrevalenceCell &x = a.cells[i], &y = b.cells[i];
    INFO("cell " << i << " " << x.group << " " << measure_id(x.measure) << " " << x.by_level);
    CHECK(x.group == y.group);
    CHECK(x.by_level == y.by_level);
    CHECK(x.cases == y.cases);
    CHECK(x.est.n == y.est.n);
    CHECK(same(x.est.value, y.est.value));
    CHECK(same(x.est.se, y.est.se));
    CHECK(same(x.est.df, y.est.df));
    CHECK(same(x.est.deff, y.est.deff));
    CHECK(same(x.est.sum_weights, y.est.sum_weights));
    REQUIRE(x.est.interval.has_value() == y.est.interval.has_value());
    if (x.est.interval) {
      CHECK(same(x.est.interval->lower, y.est.interval->lower));
      CHECK(same(x.est.interval->upper, y.est.interval->upper));
    }
  }
  REQUIRE(a.differences.size() == b.differences.size());
  for (std::size_t i = 0; i < a.differences.size(); ++i) {
    CHECK(same(a.differences[i].difference, b.differences[i].difference));
    CHECK(same(a.differences[i].se, b.differences[i].se));
  }
}

void check_near(const PrevalenceResult& a, const PrevalenceResult& b) {
  CHECK(a.calibrated);
  CHECK(b.calibrated);
  CHECK(a.n == b.n);
  CHECK(a.weighting.ja == b.weighting.ja);
  CHECK(a.design_df == b.design_df);
  REQUIRE(a.cells.size() == b.cells.size());
  for (std::size_t i = 0; i < a.cells.size(); ++i) {
    INFO("cell " << i << " " << a.cells[i].group << " " << measure_id(a.cells[i].measure) << " " << a.cells[i].by_level);
    CHECK(a.cells[i].cases == b.cells[i].cases);
    test::check_estimate_near(a.cells[i].est, b.cells[i].est);
  }
  REQUIRE(a.differences.size() == b.differences.size());
  for (std::size_t i = 0; i < a.differences.size(); ++i) {
    test::near(a.differences[i].difference, b.differences[i].difference, "difference");
    test::near(a.differences[i].se, b.differences[i].se, "difference se");
  }
}

// `estimate --calibrate` on the counted file as the CLI streams it (calibrated_passes.hpp's passes, each reading the
// parts).
PrevalenceResult calibrated_streamed(const config::RunConfig& cfg, const Batching& b) {
  weights::WeightingStream ws(cb(), *cfg.weighting);
  std::size_t rows = 0;
  const auto pass = [&](const std::function<void(const data::Dataset&)>& fn) { for_each_part(b.threads, b.batch, b.part, fn); };
  pass([&](const data::Dataset& d) {
    if (ws.prepass_needed()) ws.prepass(d);
    else ws.add(d);
    rows += d.rows();
  });
  ws.fit_passes([&](const std::function<void(const data::Dataset&)>& fn) { pass(fn); });
  PrevalenceAccumulator acc(options(), std::make_shared<const CombinationCalibration>(CombinationCalibration::of(ws)));
  std::size_t weighted = 0;
  weights::WeightingStream::Kept kept;
  pass([&](const data::Dataset& d) {
    if (ws.weigh_kept(d, kept) == 0) return;
    weighted += kept.keep.size();
    acc.add(kept.rows, classify::classify(kept.rows, rules()), kept.combination, kept.input_weight);
  });
  PrevalenceResult r = acc.finish();
  r.weighting = api::describe_weighting(ws.finish(), rows, weighted);
  return r;
}

} // namespace

TEST_CASE("counts: a batch's people in parts are the whole expansion's people, in order", "[counts][stream]") {
  const data::Dataset whole = people_whole();
  REQUIRE(whole.rows() == 390);
  const data::Column* count = whole.column(codebook::Role::Count);
  for (const std::size_t part : {std::size_t{1}, std::size_t{5}, std::size_t{4096}}) {
    INFO("parts of " << part);
    std::vector<std::size_t> lines;
    std::vector<std::int64_t> counts;
    std::size_t largest = 0;
    for_each_part(1, 7, part, [&](const data::Dataset& p) {
      CHECK(p.count_rows == 0);
      largest = std::max(largest, p.rows());
      lines.insert(lines.end(), p.lines.begin(), p.lines.end());
      const data::Column* c = p.column(codebook::Role::Count);
      counts.insert(counts.end(), c->ints.begin(), c->ints.end());
    });
    CHECK(largest <= part);
    CHECK(lines == whole.lines);
    CHECK(counts == count->ints);
  }
  // Without a count column the data are given whole, as one part.
  const codebook::Codebook plain = codebook::load_codebook(kSrc + "/tests/data/compare/a2019.codebook.toml");
  auto in = data::ingest(kSrc + "/tests/data/compare/a2019.csv", plain, {});
  std::size_t parts = 0;
  data::expand_counts(in.data, 7, [&](const data::Dataset& p) {
    ++parts;
    CHECK(&p == &in.data);
  });
  CHECK(parts == 1);
}

TEST_CASE("counts: the estimate from the batches' people equals the whole expansion's bit for bit", "[counts][stream]") {
  const data::Dataset whole = people_whole();
  const PrevalenceResult ref = estimate_prevalence(whole, classify::classify(whole, rules()), options());
  REQUIRE(ref.n == 390);
  for (const Batching& b : batchings()) {
    INFO("threads " << b.threads << ", batches of " << b.batch << ", parts of " << b.part);
    PrevalenceAccumulator acc(options());
    for_each_part(b.threads, b.batch, b.part, [&](const data::Dataset& p) { acc.add(p, classify::classify(p, rules())); });
    check_bitwise(ref, acc.finish());
  }
}

TEST_CASE("counts: --calibrate's passes over the batches' people equal the whole expansion calibrated", "[counts][stream][calibrate]") {
  const data::Dataset whole = people_whole();
  for (const char* config : {"counted.hkstat.toml", "counted_rake.hkstat.toml"}) {
    INFO(config);
    const config::RunConfig cfg = config::load_run_config(kDir + config);
    api::Calibrated cal = api::calibrate(whole, cfg);
    PrevalenceOptions copt = options();
    copt.calibration = cal.calibration;
    copt.weighting = cal.weighting;
    const PrevalenceResult ref = estimate_prevalence(cal.data, classify::classify(cal.data, rules()), copt);
    std::optional<PrevalenceResult> first;
    for (const Batching& b : batchings()) {
      INFO("threads " << b.threads << ", batches of " << b.batch << ", parts of " << b.part);
      PrevalenceResult s = calibrated_streamed(cfg, b);
      check_near(ref, s);
      if (first) check_bitwise(*first, s);
      else first = std::move(s);
    }
  }
}

TEST_CASE("counts: the facade's load_survey reads the people, as the commands do", "[counts][api]") {
  const api::Survey s = api::load_survey(kCsv);
  CHECK(s.data.count_rows == 90);
  CHECK(s.data.rows() == 390);
  const data::Dataset whole = people_whole();
  CHECK(s.data.lines == whole.lines);
}
