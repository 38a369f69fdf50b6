// Derived variables (docs/codebook.md "Derived variables"): merged codes, bands of an integer, years + months,
// "any of" a multiple answer; computed per row when the data is read, and refused when the codebook is wrong.
#include "hkstat/codebook/codebook.hpp"
#include "hkstat/core/error.hpp"
#include "hkstat/data/dataset.hpp"

#include "test_util.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace hkstat;
using namespace hkstat::codebook;
using testutil::problem_of;
using testutil::write_temp;

namespace {
const char* kBase = R"(
[[variable]]
name = "id"
role = "id"
type = "id"

[[variable]]
name = "q3"
type = "code"
label = "把握"
missing = [9]
codes = [ { code = 1, label = "把握している" }, { code = 2, label = "把握したことがある" }, { code = 3, label = "把握していない" } ]

[[variable]]
name = "hh"
type = "integer"
label = "世帯人数"

[[variable]]
name = "y"
type = "integer"
min = 0
max = 60

[[variable]]
name = "m"
type = "integer"
min = 0
max = 24

[[variable]]
name = "q6"
type = "multi"
columns = [ { name = "q6_1", code = 1, label = "接し方" }, { name = "q6_2", code = 2, label = "相談先" }, { name = "q6_3", code = 3, label = "特にない" } ]
)";

const char* kDerived = R"(
[[variable]]
name = "aware"
type = "code"
label = "把握あり・なし"
derive = { method = "merge", from = "q3" }
codes = [ { code = 1, label = "把握あり", from = [1, 2] }, { code = 2, label = "把握なし", from = [3] } ]

[[variable]]
name = "hh_band"
type = "code"
derive = { method = "bands", from = "hh" }
codes = [ { code = 1, label = "1人", max = 1 }, { code = 2, label = "2～3人", min = 2, max = 3 }, { code = 3, label = "4人以上", min = 4 } ]

[[variable]]
name = "years"
type = "integer"
derive = { method = "years_months", years = "y", months = "m" }

[[variable]]
name = "years_band"
type = "code"
derive = { method = "bands", from = "years" }
codes = [ { code = 1, label = "3年未満", min = 0, max = 2 }, { code = 2, label = "3年以上", min = 3 } ]

[[variable]]
name = "any_trouble"
type = "code"
derive = { method = "any_of", from = "q6", options = [1, 2] }
codes = [ { code = 1, label = "困りごとあり" }, { code = 2, label = "なし" } ]
)";

Codebook cb_with(const std::string& extra) { return parse_codebook(std::string(kBase) + extra, "cb.toml"); }

std::int64_t cell(const data::Dataset& ds, const char* name, std::size_t row) { return ds.column(std::string(name))->ints.at(row); }
} // namespace

TEST_CASE("derived variables are computed for every row", "[derive]") {
  const Codebook cb = cb_with(kDerived);
  REQUIRE(cb.by_name("aware") != nullptr);
  CHECK(cb.by_name("aware")->csv_columns().empty());
  const std::string csv = "id,q3,hh,y,m,q6_1,q6_2,q6_3\n"
                          "a,1,1,2,11,1,0,0\n"
                          "b,2,3,2,12,0,0,1\n"
                          "c,3,4,,5,0,1,1\n"
                          "d,9,,,,,,\n"
                          "e,,2,0,0,0,0,0\n";
  auto res = data::ingest(write_temp("derive.csv", csv), cb, {});
  REQUIRE(res.rejected.empty());
  const data::Dataset& ds = res.data;
  REQUIRE(ds.rows() == 5);
  CHECK(cell(ds, "aware", 0) == 1);
  CHECK(cell(ds, "aware", 1) == 1);
  CHECK(cell(ds, "aware", 2) == 2);
  CHECK(cell(ds, "aware", 3) == data::kMissing); // 9 = 無回答 stays missing
  CHECK(cell(ds, "aware", 4) == data::kMissing); // empty cell
  CHECK(cell(ds, "hh_band", 0) == 1);
  CHECK(cell(ds, "hh_band", 1) == 2);
  CHECK(cell(ds, "hh_band", 2) == 3);
  CHECK(cell(ds, "hh_band", 3) == data::kMissing);
  CHECK(cell(ds, "years", 0) == 2);  // 2 years 11 months
  CHECK(cell(ds, "years", 1) == 3);  // 2 years 12 months
  CHECK(cell(ds, "years", 2) == 0);  // years empty, 5 months
  CHECK(cell(ds, "years", 3) == data::kMissing);
  CHECK(cell(ds, "years_band", 0) == 1);
  CHECK(cell(ds, "years_band", 1) == 2); // a derived variable from a derived one
  CHECK(cell(ds, "any_trouble", 0) == 1);
  CHECK(cell(ds, "any_trouble", 1) == 2); // only 特にない
  CHECK(cell(ds, "any_trouble", 2) == 1);
  CHECK(cell(ds, "any_trouble", 3) == data::kMissing); // multi not answered
  CHECK(cell(ds, "any_trouble", 4) == 2); // every column 0: answered, none chosen
}

TEST_CASE("a value in no band rejects the row with its line and column", "[derive]") {
  const Codebook cb = cb_with(R"(
[[variable]]
name = "hh_band"
type = "code"
derive = { method = "bands", from = "hh" }
codes = [ { code = 1, label = "1～3人", min = 1, max = 3 } ]
)");
  auto res = data::ingest(write_temp("band.csv", "id,q3,hh,y,m,q6_1,q6_2,q6_3\na,1,2,0,0,0,0,0\nb,1,5,0,0,0,0,0\n"), cb, {});
  CHECK(res.data.rows() == 1);
  REQUIRE(res.rejected.size() == 1);
  const Problem& p = res.rejected[0].problems.at(0);
  CHECK(p.code == ErrorCode::DataOutOfRange);
  CHECK(p.pos.line == 3);
  CHECK(p.pos.column == 3);
  CHECK(p.pos.column_name == "hh");
  CHECK(p.value == "5");
}

TEST_CASE("derived-variable notes state each definition", "[derive]") {
  const auto notes = derived_variable_notes(cb_with(kDerived));
  REQUIRE(notes.size() == 5);
  CHECK(notes[0].ja == "派生変数「aware」（merge）: 1 把握あり = q3 の 1, 2; 2 把握なし = q3 の 3。");
  CHECK(notes[1].en == "Derived variable \"hh_band\" (bands): 1 1人 = hh 1 or less; 2 2～3人 = hh 2～3; 3 4人以上 = hh 4 or more.");
  CHECK(derived_variable_notes(parse_codebook(kBase, "cb.toml")).empty());
}

TEST_CASE("a wrong derivation is refused with its key", "[derive]") {
  auto invalid = [](const std::string& extra) {
    const Problem p = problem_of([&] { cb_with(extra); });
    CHECK(p.code == ErrorCode::CodebookInvalid);
    return p.pos.key;
  };
  // a source code merged nowhere would silently become missing
  CHECK(invalid(R"(
[[variable]]
name = "aware"
type = "code"
derive = { method = "merge", from = "q3" }
codes = [ { code = 1, label = "把握あり", from = [1, 2] } ]
)") == "variable[7].codes");
  // a source declared after (or never)
  CHECK(invalid(R"(
[[variable]]
name = "aware"
type = "code"
derive = { method = "merge", from = "later" }
codes = [ { code = 1, label = "x", from = [1] } ]
)") == "variable[7].derive.from");
  // a code that the source does not have
  CHECK(invalid(R"(
[[variable]]
name = "aware"
type = "code"
derive = { method = "merge", from = "q3" }
codes = [ { code = 1, label = "x", from = [1, 2, 3, 4] } ]
)") == "variable[7].codes[1].from");
  // overlapping bands
  CHECK(invalid(R"(
[[variable]]
name = "b"
type = "code"
derive = { method = "bands", from = "hh" }
codes = [ { code = 1, label = "x", max = 3 }, { code = 2, label = "y", min = 3 } ]
)") == "variable[7].codes[2]");
  // bands of a code variable
  CHECK(invalid(R"(
[[variable]]
name = "b"
type = "code"
derive = { method = "bands", from = "q3" }
codes = [ { code = 1, label = "x", max = 3 } ]
)") == "variable[7].derive.from");
  // any_of needs two codes, options of the source
  CHECK(invalid(R"(
[[variable]]
name = "b"
type = "code"
derive = { method = "any_of", from = "q6", options = [1] }
codes = [ { code = 1, label = "x" } ]
)") == "variable[7].codes");
  CHECK(invalid(R"(
[[variable]]
name = "b"
type = "code"
derive = { method = "any_of", from = "q6", options = [7] }
codes = [ { code = 1, label = "x" }, { code = 2, label = "y" } ]
)") == "variable[7].derive.options[1]");
  // a derived variable reads no column and has no role
  CHECK(invalid(R"(
[[variable]]
name = "b"
type = "code"
role = "sex"
derive = { method = "merge", from = "q3" }
codes = [ { code = 1, label = "x", from = [1, 2, 3] } ]
)") == "variable[7].role");
  CHECK(invalid(R"(
[[variable]]
name = "b"
type = "integer"
derive = { method = "sum", from = "q3" }
)") == "variable[7].derive.method");
  CHECK(invalid(R"(
[[variable]]
name = "b"
type = "code"
derive = { method = "years_months", years = "y", months = "m" }
codes = [ { code = 1, label = "x" } ]
)") == "variable[7].type");
}

TEST_CASE("answer checks reject, blank or count, and say which", "[derive][check]") {
  const std::string checks = R"(
[[check]]
kind = "max_choices"
variable = "q6"
max = 1
action = "blank"

[[check]]
kind = "exclusive"
variable = "q6"
options = [3]

[[check]]
kind = "skip"
variable = "y"
asked_if = { variable = "q3", codes = [1, 2] }
action = "count"
)";
  const Codebook cb = cb_with(std::string(kDerived) + checks);
  REQUIRE(cb.checks.size() == 3);
  const std::string csv = "id,q3,hh,y,m,q6_1,q6_2,q6_3\n"
                          "a,1,1,2,0,1,0,0\n"  // fine
                          "b,2,1,2,0,1,1,0\n"  // two choices: blanked
                          "c,3,1,4,0,0,0,1\n"  // y answered though q3 = 3: counted
                          "d,1,1,2,0,1,0,1\n"  // 特にない with another: rejected (blank applies too, but the row goes)
                          "e,,1,2,0,0,0,0\n";  // q3 unanswered: not known whether asked, no breach
  auto res = data::ingest(write_temp("checks.csv", csv), cb, {});
  REQUIRE(res.rejected.size() == 1);
  CHECK(res.rejected[0].line == 5);
  const Problem& p = res.rejected[0].problems.at(0);
  CHECK(p.code == ErrorCode::DataAnswerCheck);
  CHECK(p.pos.column_name == "q6_1");
  CHECK(p.value == "1;3");
  const data::Dataset& ds = res.data;
  REQUIRE(ds.rows() == 4);
  REQUIRE(ds.answer_check_counts.size() == 3);
  CHECK(ds.answer_check_counts[0] == 1);
  CHECK(ds.answer_check_counts[1] == 0);
  CHECK(ds.answer_check_counts[2] == 1);
  const data::Column* q6 = ds.column(std::string("q6"));
  CHECK(q6->multi_answered[1] == 0);              // blanked: 無回答
  CHECK(cell(ds, "any_trouble", 1) == data::kMissing); // derived from the blanked answer
  CHECK(cell(ds, "y", 2) == 4);                     // counted: kept
  std::size_t warned = 0;
  for (const auto& w : res.warnings) warned += w.code == ErrorCode::DataAnswerCheck;
  CHECK(warned == 2);
  const auto notes = data::method_notes(ds);
  REQUIRE(notes.size() == 8);
  CHECK(notes[5].ja == "回答チェック: q6 は1つまで（違反した回答は無回答にする）。違反 1行（無回答として集計）。");
  CHECK(notes[6].en == "Answer check: q6: option 3 excludes the others (rows breaking it are rejected).");
}

TEST_CASE("a wrong answer check is refused with its key", "[derive][check]") {
  auto key = [](const std::string& check) {
    const Problem p = problem_of([&] { cb_with(check); });
    CHECK(p.code == ErrorCode::CodebookInvalid);
    return p.pos.key;
  };
  CHECK(key("[[check]]\nkind = \"max_choices\"\nvariable = \"q3\"\nmax = 1\n") == "check[1].variable");
  CHECK(key("[[check]]\nkind = \"max_choices\"\nvariable = \"q6\"\nmax = 3\n") == "check[1].max");
  CHECK(key("[[check]]\nkind = \"exclusive\"\nvariable = \"q6\"\noptions = [9]\n") == "check[1].options[1]");
  CHECK(key("[[check]]\nkind = \"skip\"\nvariable = \"y\"\nasked_if = { variable = \"hh\", codes = [1] }\n") == "check[1].asked_if.variable");
  CHECK(key("[[check]]\nkind = \"skip\"\nvariable = \"y\"\nasked_if = { variable = \"q3\", codes = [7] }\n") == "check[1].asked_if.codes[1]");
  CHECK(key("[[check]]\nkind = \"skip\"\nvariable = \"nope\"\nasked_if = { variable = \"q3\", codes = [1] }\n") == "check[1].variable");
  CHECK(key("[[check]]\nkind = \"max_choices\"\nvariable = \"q6\"\nmax = 1\naction = \"drop\"\n") == "check[1].action");
  CHECK(key("[[check]]\nkind = \"at_least\"\nvariable = \"q6\"\n") == "check[1].kind");
}
