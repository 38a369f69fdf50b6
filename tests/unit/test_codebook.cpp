// Codebook parsing: valid files load; every kind of mistake names its line and key.
#include "hkstat/codebook/codebook.hpp"
#include "hkstat/core/error.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace hkstat;
using namespace hkstat::codebook;

namespace {
Problem parse_error(const std::string& text) {
  try {
    parse_codebook(text, "cb.toml");
  } catch (const Error& e) {
    return e.problem();
  }
  FAIL("expected an error");
  return {};
}
} // namespace

TEST_CASE("the unit-test codebook loads with roles, codes and keys", "[codebook]") {
  const Codebook cb = load_codebook(HKSTAT_SOURCE_DIR "/tests/data/unit/mini.codebook.toml");
  CHECK(cb.questionnaire == "mini");
  CHECK(cb.age_min == 15);
  CHECK(cb.age_max == 64);
  const Variable* outing = cb.by_role(Role::Outing);
  REQUIRE(outing != nullptr);
  CHECK(outing->name == "outing");
  CHECK(outing->codes.size() == 8);
  REQUIRE(outing->find_key("hobby_only") != nullptr);
  CHECK(outing->find_key("hobby_only")->code == 5);
  CHECK(outing->is_missing_code(9));
  const Variable* dur = cb.by_role(Role::Duration);
  REQUIRE(dur != nullptr);
  CHECK(dur->find_code(1)->ge_6_months == false);
  CHECK(dur->find_code(3)->ge_6_months == true);
  const Variable* reasons = cb.by_role(Role::Reasons);
  REQUIRE(reasons != nullptr);
  CHECK(reasons->multi_as_columns());
  CHECK(reasons->csv_columns() == std::vector<std::string>{"r_illness", "r_pregnancy", "r_childcare", "r_care", "r_other"});
  const Variable* home = cb.by_role(Role::HomeActivities);
  REQUIRE(home != nullptr);
  CHECK_FALSE(home->multi_as_columns());
  CHECK(home->delimiter == ";");
  CHECK(cb.by_name("memo")->type == VarType::Text);
}

TEST_CASE("TOML syntax errors give the line", "[codebook]") {
  const Problem p = parse_error("[codebook]\ntitle = \"x\"\n\n[[variable]]\nname = \"q1\nrole = \"outing\"\n");
  CHECK(p.code == ErrorCode::CodebookSyntax);
  CHECK(p.pos.file == "cb.toml");
  CHECK(p.pos.line == 5);
}

TEST_CASE("semantic codebook errors name the key and line", "[codebook]") {
  SECTION("unknown type") {
    const Problem p = parse_error("[[variable]]\nname = \"q1\"\ntype = \"float\"\n");
    CHECK(p.code == ErrorCode::CodebookInvalid);
    CHECK(p.pos.key == "variable[1].type");
    CHECK(p.value == "float");
    CHECK(p.pos.line == 3);
  }
  SECTION("unknown role") {
    const Problem p = parse_error("[[variable]]\nname = \"q1\"\ntype = \"code\"\nrole = \"outting\"\ncodes = [ { code = 1 } ]\n");
    CHECK(p.pos.key == "variable[1].role");
    CHECK(p.value == "outting");
  }
  SECTION("misspelt key") {
    const Problem p = parse_error("[[variable]]\nname = \"q1\"\ntype = \"id\"\nlable = \"x\"\n");
    CHECK(p.pos.key == "variable[1].lable");
  }
  SECTION("duration without ge_6_months") {
    const Problem p = parse_error("[[variable]]\nname = \"d\"\nrole = \"duration\"\ntype = \"code\"\ncodes = [ { code = 1, label = \"x\" } ]\n");
    CHECK(p.pos.key == "variable[1].codes[1].ge_6_months");
  }
  SECTION("duplicate code") {
    const Problem p = parse_error("[[variable]]\nname = \"q\"\ntype = \"code\"\ncodes = [ { code = 1 }, { code = 1 } ]\n");
    CHECK(p.value == "1");
    CHECK(p.message.en == "duplicate code");
  }
  SECTION("code that is also a missing code") {
    const Problem p = parse_error("[[variable]]\nname = \"q\"\ntype = \"code\"\nmissing = [9]\ncodes = [ { code = 9 } ]\n");
    CHECK(p.value == "9");
  }
  SECTION("role with the wrong type") {
    const Problem p = parse_error("[[variable]]\nname = \"w\"\nrole = \"weight\"\ntype = \"code\"\ncodes = [ { code = 1 } ]\n");
    CHECK(p.pos.key == "variable[1].type");
  }
  SECTION("two variables with one role") {
    const Problem p = parse_error("[[variable]]\nname = \"a\"\nrole = \"id\"\ntype = \"id\"\n[[variable]]\nname = \"b\"\nrole = \"id\"\ntype = \"id\"\n");
    CHECK(p.pos.key == "variable[2].role");
  }
  SECTION("no variables") {
    const Problem p = parse_error("[codebook]\ntitle = \"x\"\n");
    CHECK(p.pos.key == "variable");
  }
  SECTION("multi needs columns or delimiter") {
    const Problem p = parse_error("[[variable]]\nname = \"m\"\ntype = \"multi\"\ncodes = [ { code = 1 } ]\n");
    CHECK(p.code == ErrorCode::CodebookInvalid);
  }
}

TEST_CASE("a missing codebook file is an I/O error", "[codebook]") {
  try {
    load_codebook("/nonexistent/x.codebook.toml");
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::IoCannotOpen);
  }
}
