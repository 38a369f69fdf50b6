// --where expressions (estimate/where.hpp): parsing, codes by number / key / label, R's NA logic, and errors
// that name the character, on tests/data/tabulate/weighted.* and the 西東京 sample's codebook.
#include "hkstat/estimate/where.hpp"

#include "hkstat/codebook/codebook.hpp"
#include "hkstat/data/dataset.hpp"

#include "test_util.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace hkstat;
using Catch::Matchers::Contains;

namespace {

const data::Dataset& weighted() {
  static const data::Dataset ds = [] {
    const auto cb = codebook::load_codebook(HKSTAT_SOURCE_DIR "/tests/data/tabulate/weighted.codebook.toml");
    return std::move(data::ingest(HKSTAT_SOURCE_DIR "/tests/data/tabulate/weighted.csv", cb, {}).data);
  }();
  return ds;
}

// The ids (1-based rows) of weighted.csv where `expr` is true.
std::vector<int> rows_where(const std::string& expr) {
  const data::Dataset& ds = weighted();
  const estimate::Where w(expr, ds.codebook);
  std::vector<char> in;
  w.eval(ds, in);
  REQUIRE(in.size() == ds.rows());
  std::vector<int> out;
  for (std::size_t r = 0; r < in.size(); ++r)
    if (in[r]) out.push_back(static_cast<int>(r) + 1);
  return out;
}

std::string error_of(const std::string& expr, const codebook::Codebook& cb) {
  const Problem p = testutil::problem_of([&] { estimate::Where(expr, cb); });
  CHECK(p.code == ErrorCode::UsageInvalidOption);
  return p.message.en;
}

} // namespace

TEST_CASE("where: comparisons, in, missing tests, and / or / not", "[where]") {
  // weighted.csv: sex 1 1 2 2 1 2 2 1 2 1; q1 1 2 2 3 9 1 2 (empty) 2 1; w 1.5 2.0 0.5 1.0 3.0 2.5 1.2 0.8 1.7 2.2
  CHECK(rows_where("q1 = 1") == std::vector<int>{1, 6, 10});
  CHECK(rows_where("q1 == 1") == std::vector<int>{1, 6, 10});
  CHECK(rows_where("q1 = ある") == std::vector<int>{1, 6, 10});   // by label
  CHECK(rows_where("q1 = 'ある'") == std::vector<int>{1, 6, 10});
  CHECK(rows_where("q1 in (1, 2)") == std::vector<int>{1, 2, 3, 6, 7, 9, 10});
  CHECK(rows_where("q1 not in (1,2)") == std::vector<int>{4});      // missing rows are unknown: out
  CHECK(rows_where("q1 != 1") == std::vector<int>{2, 3, 4, 7, 9});
  CHECK(rows_where("q1 <> 1") == std::vector<int>{2, 3, 4, 7, 9});
  CHECK(rows_where("not q1 = 1") == std::vector<int>{2, 3, 4, 7, 9}); // R: !NA is NA
  CHECK(rows_where("q1 is missing") == std::vector<int>{5, 8});    // the declared missing code 9 and an empty cell
  CHECK(rows_where("q1 is not missing") == std::vector<int>{1, 2, 3, 4, 6, 7, 9, 10});
  CHECK(rows_where("q1 >= 2") == std::vector<int>{2, 3, 4, 7, 9});
  CHECK(rows_where("sex = female and w > 1.5") == std::vector<int>{6, 9}); // by key; a number variable
  CHECK(rows_where("sex = 男性 or q1 = 1") == std::vector<int>{1, 2, 5, 6, 8, 10});
  CHECK(rows_where("q1 = 1 or q1 is missing") == std::vector<int>{1, 5, 6, 8, 10}); // unknown or true = true
  CHECK(rows_where("not (q1 = 1 or sex = 2)") == std::vector<int>{2}); // rows 5, 8: not (unknown or false) = unknown
  CHECK(rows_where("sex=2 and(q1=2 or q1=3)") == std::vector<int>{3, 4, 7, 9});
  CHECK(rows_where("weight < 1") == std::vector<int>{3, 8}); // a role name
  CHECK(rows_where("not not q1 = 3") == std::vector<int>{4});
  const estimate::Where w("sex = 1 and (q1 = 1 or w > 2)", weighted().codebook);
  CHECK(w.variables() == std::vector<std::string>{"sex", "q1", "w"});
  CHECK(w.text() == "sex = 1 and (q1 = 1 or w > 2)");
}

TEST_CASE("where: every error names the character where it is", "[where]") {
  const codebook::Codebook& cb = weighted().codebook;
  CHECK_THAT(error_of("q1 >= ", cb), Contains("character 7: expected a value"));
  CHECK_THAT(error_of("q1 = 7", cb), Contains("character 6: variable \"q1\" has no code 7"));
  CHECK_THAT(error_of("q1 = maybe", cb), Contains("character 6: variable \"q1\" has no code with key or label \"maybe\""));
  CHECK_THAT(error_of("nope = 1", cb), Contains("character 1: no such variable in the codebook: nope"));
  CHECK_THAT(error_of("q1 = 1 and", cb), Contains("character 11: expected a variable name (found the end of the expression)"));
  CHECK_THAT(error_of("(q1 = 1", cb), Contains("character 8: expected \")\""));
  CHECK_THAT(error_of("q1 = 1 q1 = 2", cb), Contains("character 8: unexpected \"q1\""));
  CHECK_THAT(error_of("q1 ! 1", cb), Contains("character 4: \"!\" without \"=\""));
  CHECK_THAT(error_of("q1 in 1", cb), Contains("character 7: expected \"(\""));
  CHECK_THAT(error_of("q1 in (1 2)", cb), Contains("character 10: expected \",\" or \")\""));
  CHECK_THAT(error_of("q1 is there", cb), Contains("character 7: expected \"missing\""));
  CHECK_THAT(error_of("q1 1", cb), Contains("character 4: expected a comparison"));
  CHECK_THAT(error_of("q2 = 1", cb), Contains("character 1: multiple-answer variable \"q2\""));
  CHECK_THAT(error_of("id = 1", cb), Contains("character 1: variable \"id\" is an identifier"));
  CHECK_THAT(error_of("w > heavy", cb), Contains("character 5: variable \"w\" is numeric"));
  CHECK_THAT(error_of("q1 = 'ある", cb), Contains("character 6: unterminated quote"));
  CHECK_THAT(error_of("", cb), Contains("character 1: empty expression"));
  CHECK_THAT(error_of("q1 => 1", cb), Contains("character 4: write <= or >="));
  // Characters, not bytes: 問2 is two characters.
  const auto ncb = codebook::load_codebook(HKSTAT_SOURCE_DIR "/data/samples/nishitokyo2024.codebook.toml");
  CHECK_THAT(error_of("問2 >= 四十", ncb), Contains("character 7: variable \"問2\" is numeric"));
  CHECK_THAT(error_of("問2 >= 40 and 問3 = 5", ncb), Contains("character 19: variable \"問3\" has no code 5"));
  const Problem p = testutil::problem_of([&] { estimate::Where("問2 >= 40 and 問3 = 5", ncb); });
  CHECK_THAT(p.message.ja, Contains("19 文字目"));
  CHECK_THAT(p.message.ja, Contains("\n  問2 >= 40 and 問3 = 5\n                      ^")); // under 5: 問 and 問 are wide
}
