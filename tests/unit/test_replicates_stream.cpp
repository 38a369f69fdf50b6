// The streamed replicate weights of `hkstat replicate` (estimate/replicates_stream.hpp) against the in-memory
// make_jk1 / make_jkn / make_bootstrap / make_subbootstrap / make_brr on the same data read whole
// (design_from_dataset), over generated designs: 1–4 strata with integer or text labels, 1–5 PSUs per stratum
// (lonely PSUs occur) with integer or text ids or no psu column (every row a PSU), 1–6 rows per PSU in shuffled
// order, weights with zeros (a whole PSU of weight 0 sometimes), an fpc (population sizes or fractions) or none,
// read in batches of 1, 3 and all the rows. For every type (and every lonely-PSU policy for JKn):
//   * each row's R replicate weights equal the rows × R matrix's row, bit for bit;
//   * type, scale, rscales, rho equal, and the df (multipliers_df on the PSUs with weight) equals the matrix's
//     rank − 1 (replicate_df), the rows of weight 0 included in the matrix;
//   * a design that make_* refuses is refused by the stream with the same error code.
#include "hkstat/codebook/codebook.hpp"
#include "hkstat/data/dataset.hpp"
#include "hkstat/estimate/design.hpp"
#include "hkstat/estimate/design_from_data.hpp"
#include "hkstat/estimate/replicates.hpp"
#include "hkstat/estimate/replicates_stream.hpp"

#include "test_util.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

using namespace hkstat;
using namespace hkstat::estimate;

namespace {

struct Generated {
  bool text_strata = false, text_psu = false, clustered = true, fpc = false;
  std::vector<std::string> stratum, psu; // per row, as written
  std::vector<double> weight, fpc_value;
};

Generated generate(std::mt19937_64& rng) {
  const auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  Generated g;
  g.text_strata = pick(0, 1) == 1;
  g.clustered = pick(0, 3) != 0;
  g.text_psu = g.clustered && pick(0, 1) == 1;
  g.fpc = pick(0, 2) == 0;
  const bool fractions = pick(0, 1) == 1;
  const int H = pick(1, 4);
  std::vector<std::size_t> order;
  for (int h = 0; h < H; ++h) {
    const int n_h = pick(1, 5);
    const double fpc = fractions ? (pick(0, 3) == 0 ? 1.0 : 0.1 * pick(1, 9)) : n_h + pick(0, 1) * pick(0, 10);
    const std::string sname = g.text_strata ? std::string(1, static_cast<char>('z' - 3 * h)) + "区" : std::to_string(90 - 7 * h);
    for (int p = 0; p < n_h; ++p) {
      const bool zero_psu = pick(0, 9) == 0;
      const std::string pname = g.text_psu ? "P" + std::to_string(9 - p) : std::to_string(100 + 13 * (n_h - p));
      for (int i = 0, rows = g.clustered ? pick(1, 6) : 1; i < rows; ++i) {
        g.stratum.push_back(sname);
        g.psu.push_back(pname);
        g.weight.push_back(zero_psu || pick(0, 6) == 0 ? 0.0 : 0.5 + std::uniform_real_distribution<double>(0, 30)(rng));
        g.fpc_value.push_back(fpc);
      }
    }
  }
  // Rows in shuffled order: the canonical order is not the order of appearance.
  std::vector<std::size_t> perm(g.weight.size());
  for (std::size_t i = 0; i < perm.size(); ++i) perm[i] = i;
  std::shuffle(perm.begin(), perm.end(), rng);
  Generated s = g;
  for (std::size_t i = 0; i < perm.size(); ++i) {
    s.stratum[i] = g.stratum[perm[i]];
    s.psu[i] = g.psu[perm[i]];
    s.weight[i] = g.weight[perm[i]];
    s.fpc_value[i] = g.fpc_value[perm[i]];
  }
  return s;
}

codebook::Codebook codebook_of(const Generated& g) {
  std::string t = "[codebook]\ntitle = \"gen\"\n";
  t += std::string("\n[[variable]]\nname = \"st\"\nrole = \"stratum\"\ntype = \"") + (g.text_strata ? "text" : "integer") + "\"\n";
  if (g.clustered) t += std::string("\n[[variable]]\nname = \"cl\"\nrole = \"psu\"\ntype = \"") + (g.text_psu ? "text" : "integer") + "\"\n";
  t += "\n[[variable]]\nname = \"w\"\nrole = \"weight\"\ntype = \"number\"\n";
  if (g.fpc) t += "\n[[variable]]\nname = \"f\"\nrole = \"fpc\"\ntype = \"number\"\n";
  return codebook::parse_codebook(t, "gen.codebook.toml");
}

// Rows [a, b) as a data set, as ingest gives them (text labels: one dictionary shared by every batch).
data::Dataset rows_of(const Generated& g, const codebook::Codebook& cb, std::size_t a, std::size_t b,
                      const std::shared_ptr<data::LabelDict>& sdict, const std::shared_ptr<data::LabelDict>& pdict) {
  data::Dataset ds;
  ds.codebook = cb;
  ds.source = "gen.csv";
  ds.columns.resize(ds.codebook.variables.size());
  for (std::size_t v = 0; v < ds.columns.size(); ++v) ds.columns[v].var = &ds.codebook.variables[v];
  for (std::size_t i = a; i < b; ++i) {
    ds.lines.push_back(i + 2);
    // A design column's value: a text label's id in its dictionary, or the whole number.
    const auto design_value = [](data::Column& c, bool text, const auto& dict, const std::string& value) {
      if (text) c.labels = dict;
      c.ints.push_back(text ? dict->intern(value) : std::stoll(value));
    };
    for (data::Column& c : ds.columns) {
      switch (c.var->role) {
      case codebook::Role::Stratum: design_value(c, g.text_strata, sdict, g.stratum[i]); break;
      case codebook::Role::Psu: design_value(c, g.text_psu, pdict, g.psu[i]); break;
      case codebook::Role::Weight: c.numbers.push_back(g.weight[i]); break;
      case codebook::Role::Fpc: c.numbers.push_back(g.fpc_value[i]); break;
      default: break;
      }
    }
  }
  return ds;
}

std::uint64_t bits(double x) {
  std::uint64_t b;
  std::memcpy(&b, &x, sizeof b);
  return b;
}

struct Kind {
  const char* name;
  ReplicateRequest request;
  LonelyPsu lonely;
};

std::vector<Kind> kinds() {
  std::vector<Kind> k;
  k.push_back({"jk1", {CreatedReplicates::JK1}, LonelyPsu::Fail});
  for (LonelyPsu p : {LonelyPsu::Fail, LonelyPsu::Remove, LonelyPsu::Certainty, LonelyPsu::Adjust, LonelyPsu::Average})
    k.push_back({"jkn", {CreatedReplicates::JKn}, p});
  k.push_back({"bootstrap", {CreatedReplicates::Bootstrap, 9, 7}, LonelyPsu::Fail});
  k.push_back({"subbootstrap", {CreatedReplicates::SubBootstrap, 6, 3}, LonelyPsu::Fail});
  k.push_back({"brr", {CreatedReplicates::BRR}, LonelyPsu::Fail});
  ReplicateRequest fay{CreatedReplicates::Fay};
  fay.fay_rho = 0.3;
  k.push_back({"fay", fay, LonelyPsu::Fail});
  return k;
}

// make_jk1 ... make_brr on the design read whole, as hkstat replicate made them before it streamed.
ReplicateDesign in_memory(const Design& design, const ReplicateRequest& r) {
  switch (r.kind) {
  case CreatedReplicates::JK1: return make_jk1(design);
  case CreatedReplicates::JKn: return make_jkn(design);
  case CreatedReplicates::Bootstrap: return make_bootstrap(design, r.replicates, r.seed);
  case CreatedReplicates::SubBootstrap: return make_subbootstrap(design, r.replicates, r.seed);
  case CreatedReplicates::BRR: return make_brr(design, 0);
  case CreatedReplicates::Fay: return make_brr(design, r.fay_rho);
  }
  return make_jk1(design);
}

} // namespace

TEST_CASE("streamed replicate weights equal the rows x R matrix of make_jk1 to make_brr bit for bit and the df its rank - 1", "[replicates][stream]") {
  std::mt19937_64 rng(20261207);
  std::size_t compared = 0, refused = 0, with_zero = 0, rank_deficient = 0;
  for (int trial = 0; trial < 150; ++trial) {
    const Generated g = generate(rng);
    const codebook::Codebook cb = codebook_of(g);
    const std::size_t n = g.weight.size();
    auto sdict = std::make_shared<data::LabelDict>(), pdict = std::make_shared<data::LabelDict>();
    const data::Dataset whole = rows_of(g, cb, 0, n, sdict, pdict);
    for (const Kind& k : kinds()) {
      INFO("trial " << trial << " " << k.name << " lonely " << lonely_psu_name(k.lonely) << " rows " << n);
      Design design = design_from_dataset(whole, k.lonely).design;
      std::optional<ReplicateDesign> rd;
      std::optional<ErrorCode> want_error;
      try {
        rd = in_memory(design, k.request);
      } catch (const Error& e) {
        want_error = e.problem().code;
      }
      for (const std::size_t batch : {std::size_t{1}, std::size_t{3}, n}) {
        INFO("batches of " << batch);
        ReplicateWeightsStream stream("gen.csv");
        for (std::size_t a = 0; a < n; a += batch) stream.add(rows_of(g, cb, a, std::min(n, a + batch), sdict, pdict));
        if (want_error) {
          const Problem p = testutil::problem_of([&] { stream.make(k.lonely, k.request); });
          CHECK(p.code == *want_error);
          ++refused;
          continue;
        }
        stream.make(k.lonely, k.request);
        const ReplicateDesign& s = stream.design();
        REQUIRE(stream.replicates() == rd->replicates());
        CHECK(s.type == rd->type);
        CHECK(bits(s.scale) == bits(rd->scale));
        REQUIRE(s.rscales.size() == rd->rscales.size());
        for (Eigen::Index r = 0; r < s.rscales.size(); ++r) CHECK(bits(s.rscales(r)) == bits(rd->rscales(r)));
        CHECK(bits(s.fay_rho) == bits(rd->fay_rho));
        CHECK(s.df == rd->df);
        CHECK(s.df == replicate_rank(rd->rep) - 1);
        // Pass 2: the same batches again, each row's weights against the matrix's row.
        const std::size_t R = stream.replicates();
        std::vector<ReplicateWeightsStream::Row> units;
        std::vector<double> w(R);
        std::size_t row = 0, mismatched = 0;
        for (std::size_t a = 0; a < n; a += batch) {
          stream.rows(rows_of(g, cb, a, std::min(n, a + batch), sdict, pdict), units);
          for (const auto& u : units) {
            stream.weights(u, w.data());
            for (std::size_t r = 0; r < R; ++r)
              mismatched += bits(w[r]) != bits(rd->rep(static_cast<Eigen::Index>(row), static_cast<Eigen::Index>(r)));
            ++row;
          }
        }
        CHECK(row == n);
        CHECK(mismatched == 0);
        stream.check_second_pass();
        ++compared;
        if (rd->df < static_cast<double>(R) - 1) ++rank_deficient;
      }
    }
    if (std::any_of(g.weight.begin(), g.weight.end(), [](double x) { return x == 0; })) ++with_zero;
  }
  // The generator reaches every branch: designs compared and refused, zero weights, and a rank below R.
  CHECK(compared > 300);
  CHECK(refused > 100);
  CHECK(with_zero > 50);
  CHECK(rank_deficient > 20);
}

TEST_CASE("multipliers_df: rows of weight 0 add nothing to the rank of the rows x R matrix", "[replicates][stream]") {
  // Two strata of two PSUs, BRR: R = 4 replicates; in each stratum the two PSUs' multipliers sum to 2 in every
  // replicate, so the 4 × 4 multipliers have rank 3 (df 2), and the first stratum's two PSUs alone rank 2 (df 1).
  Design d;
  d.strata = {1, 1, 1, 2, 2, 2};
  d.psu = {1, 1, 2, 1, 2, 2};
  d.weights = {2, 0, 3, 1, 4, 5};
  const ReplicateDesign rd = make_brr(d);
  PsuMultipliers m = make_multipliers(design_layout(d).psu, d.lonely, {CreatedReplicates::BRR});
  CHECK(multipliers_df(m, std::vector<char>{1, 1, 1, 1}) == rd.df);
  // Only the first stratum's PSUs with weight: the rank of their two rows.
  d.weights = {2, 0, 3, 0, 0, 0};
  const ReplicateDesign rd2 = make_brr(d);
  CHECK(multipliers_df(m, std::vector<char>{1, 1, 0, 0}) == rd2.df);
  CHECK(rd2.df == 1);
  CHECK(rd.df == 2);
}
