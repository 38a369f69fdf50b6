// Ingest: typed columns from CSV under a codebook; cell problems are collected per row.
#include "hkstat/codebook/codebook.hpp"
#include "hkstat/data/dataset.hpp"

#include <catch2/catch.hpp>

#include "test_util.hpp"

#include <fstream>
#include <string>

using namespace hkstat;

namespace {

using testutil::write_temp;
const codebook::Codebook& mini() {
  static const codebook::Codebook cb = codebook::load_codebook(HKSTAT_SOURCE_DIR "/tests/data/unit/mini.codebook.toml");
  return cb;
}

const std::string kHeader = "id,age,sex,outing,duration,r_illness,r_pregnancy,r_childcare,r_care,r_other,illness_type,other_type,occupation,home,talk,memo\n";
} // namespace

TEST_CASE("the mini sample ingests into typed columns", "[data]") {
  auto res = data::ingest(HKSTAT_SOURCE_DIR "/tests/data/unit/mini.csv", mini(), {});
  REQUIRE(res.rejected.empty());
  const auto& ds = res.data;
  CHECK(ds.rows() == 13);
  CHECK(ds.lines.front() == 2);
  CHECK(ds.fullwidth_normalised == 1);
  const auto* outing = ds.column(codebook::Role::Outing);
  REQUIRE(outing);
  CHECK(outing->ints[0] == 1);
  CHECK(outing->ints[5] == data::kMissing);
  CHECK(outing->raw_missing[5] == 9);
  CHECK(outing->ints[12] == 7); // "７" normalised
  const auto* reasons = ds.column(codebook::Role::Reasons);
  CHECK(reasons->multi[6] == 0b1);     // illness
  CHECK(reasons->multi[9] == 0b10000); // other
  const auto* home = ds.column(codebook::Role::HomeActivities);
  CHECK(home->multi[0] == 0b100); // code 3 = third option
  CHECK(home->multi_answered[2] == 0);
  CHECK(ds.column(codebook::Role::Id)->ids[12] == "A13");
  CHECK(ds.column(std::string("memo"))->ints.empty()); // free text is never stored
}

TEST_CASE("cell problems are collected with line, column, value", "[data]") {
  const std::string csv = kHeader + "B1,20,1,1,,0,0,0,0,0,,,1,,1,\n"   // ok (line 2)
                                    "B2,abc,1,12,,0,0,0,0,0,,,1,,1,\n" // non-numeric age, unknown outing code (line 3)
                                    "B3,70,1,1,,0,0,0,0,0,,,1,,1,\n"  // age out of range (line 4)
                                    "B1,30,1,1,,0,2,0,0,0,,,1,7,1,\n"; // duplicate id; multi 0/1 column holds 2; unknown delimited code (line 5)
  auto res = data::ingest(write_temp("bad.csv", csv), mini(), {});
  CHECK(res.data.rows() == 1);
  REQUIRE(res.rejected.size() == 3);
  const auto& r3 = res.rejected[0];
  CHECK(r3.line == 3);
  REQUIRE(r3.problems.size() == 2);
  CHECK(r3.problems[0].code == ErrorCode::DataNotANumber);
  CHECK(r3.problems[0].pos.column == 2);
  CHECK(r3.problems[0].pos.column_name == "age");
  CHECK(r3.problems[0].value == "abc");
  CHECK(r3.problems[1].code == ErrorCode::DataUnknownCode);
  CHECK(r3.problems[1].pos.column_name == "outing");
  CHECK(r3.problems[1].value == "12");
  CHECK(r3.problems[1].expected.ja.find("5=趣味の用事のときだけ外出する") != std::string::npos);
  const auto& r4 = res.rejected[1];
  CHECK(r4.problems[0].code == ErrorCode::DataOutOfRange);
  CHECK(r4.problems[0].value == "70");
  CHECK(r4.problems[0].expected.en == "15 to 64");
  const auto& r5 = res.rejected[2];
  REQUIRE(r5.problems.size() == 3);
  CHECK(r5.problems[0].pos.column_name == "r_pregnancy");
  CHECK(r5.problems[1].pos.column_name == "home");
  CHECK(r5.problems[1].value == "7");
  CHECK(r5.problems[2].code == ErrorCode::DataDuplicateId);
  CHECK(r5.problems[2].message.en.find("line 2") != std::string::npos);
}

TEST_CASE("a missing required column stops the run", "[data]") {
  const std::string csv = "id,age,sex\nX,20,1\n";
  data::IngestOptions opt;
  opt.required_roles = {codebook::Role::Outing};
  try {
    data::ingest(write_temp("nocol.csv", csv), mini(), opt);
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::CsvMissingColumn);
    CHECK(e.problem().pos.line == 1);
    CHECK(e.problem().value == "outing");
  }
}

TEST_CASE("weights must be positive numbers", "[data]") {
  const std::string cbtext = R"([[variable]]
name = "id"
role = "id"
type = "id"
[[variable]]
name = "w"
role = "weight"
type = "number"
)";
  const auto cb = codebook::parse_codebook(cbtext, "w.toml");
  auto res = data::ingest(write_temp("w.csv", "id,w\na,1.5\nb,0\nc,-2\nd,x\ne,\nf,２.５\n"), cb, {});
  CHECK(res.data.rows() == 2);
  REQUIRE(res.rejected.size() == 4);
  for (const auto& r : res.rejected) CHECK(r.problems[0].code == ErrorCode::DataInvalidWeight);
  CHECK(res.rejected[0].problems[0].value == "0");
  CHECK(res.data.column(codebook::Role::Weight)->numbers[1] == 2.5);
}
