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
  SECTION("misspelt key in a code, which lists the keys a code of that variable may have") {
    const Problem p = parse_error("[[variable]]\nname = \"d\"\nrole = \"duration\"\ntype = \"code\"\n"
                                  "codes = [ { code = 1, label = \"x\", ge_6_months = true },\n  { code = 2, lable = \"y\", ge_6_months = true } ]\n");
    CHECK(p.code == ErrorCode::CodebookInvalid);
    CHECK(p.pos.key == "variable[1].codes[2].lable");
    CHECK(p.pos.line == 6);
    CHECK(p.pos.column == 23);
    CHECK(p.value == "lable");
    CHECK(p.expected.en == "code, label, key, ge_6_months");
    const Problem q = parse_error("[[variable]]\nname = \"m\"\ntype = \"multi\"\ncolumns = [ { name = \"m_1\", code = 1, from = [1] } ]\n");
    CHECK(q.pos.key == "variable[1].columns[1].from");
    CHECK(q.expected.en == "code, label, key, name");
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

// ---- [replicates] (docs/codebook.md "Replicate weights"; R svrepdesign() arguments) ------------------------
namespace {
std::string rep_codebook(const std::string& replicates, const std::string& rscale1 = "", const std::string& rscale2 = "") {
  std::string t = "[[variable]]\nname = \"w\"\nrole = \"weight\"\ntype = \"number\"\n"
                  "[[variable]]\nname = \"r1\"\nrole = \"replicate\"\ntype = \"number\"\n" + rscale1 +
                  "[[variable]]\nname = \"r2\"\nrole = \"replicate\"\ntype = \"number\"\n" + rscale2;
  return replicates.empty() ? t : t + "[replicates]\n" + replicates;
}
} // namespace

TEST_CASE("[replicates] reads R svrepdesign's arguments with its defaults", "[codebook][replicates]") {
  const Codebook plain = parse_codebook(rep_codebook(""), "cb.toml");
  CHECK_FALSE(plain.replicates.has_value());

  const Codebook jk = parse_codebook(rep_codebook("type = \"JK1\"\n"), "cb.toml");
  REQUIRE(jk.replicates);
  CHECK(jk.replicates->type == "jk1"); // R's spelling is read, stored lower-case
  CHECK_FALSE(jk.replicates->scale);
  CHECK(jk.replicates->rscales.empty());
  CHECK_FALSE(jk.replicates->mse);             // R: getOption("survey.replicates.mse") = FALSE
  CHECK(jk.replicates->combined_weights);      // R: combined.weights = TRUE
  CHECK(jk.replicates->line == 13);

  const Codebook o = parse_codebook(
      rep_codebook("type = \"other\"\nscale = 0.5\nrscales = [0.25, 1]\nmse = true\ncombined_weights = false\n"), "cb.toml");
  CHECK(o.replicates->scale == 0.5);
  CHECK(o.replicates->rscales == std::vector<double>{0.25, 1.0});
  CHECK(o.replicates->mse);
  CHECK_FALSE(o.replicates->combined_weights);

  const Codebook per = parse_codebook(rep_codebook("type = \"jkn\"\n", "rscale = 0.5\n", "rscale = 0.75\n"), "cb.toml");
  CHECK(per.replicates->rscales == std::vector<double>{0.5, 0.75});

  const Codebook fay = parse_codebook(rep_codebook("type = \"fay\"\nrho = 0.3\n"), "cb.toml");
  CHECK(fay.replicates->rho == 0.3);
}

TEST_CASE("[replicates] errors name the key, line and value", "[codebook][replicates]") {
  struct Bad {
    std::string text;
    std::string key;
    std::string value;
  };
  const Bad cases[] = {
      {rep_codebook("type = \"jk2\"\n"), "replicates.type", "jk2"},
      {rep_codebook("type = \"jk1\"\nscale = 0\n"), "replicates.scale", "0"},
      {rep_codebook("type = \"jk1\"\nscale = -1.5\n"), "replicates.scale", "-1.5"},
      {rep_codebook("type = \"brr\"\nscale = 0.5\n"), "replicates.scale", "0.5"},
      {rep_codebook("type = \"brr\"\nrscales = [1, 1]\n"), "replicates.rscales", ""},
      {rep_codebook("type = \"other\"\nrscales = [1, 1, 1]\n"), "replicates.rscales", "3"},
      {rep_codebook("type = \"other\"\nrscales = [1, -1]\n"), "replicates.rscales[2]", "-1"},
      {rep_codebook("type = \"jkn\"\n"), "replicates.rscales", ""},
      {rep_codebook("type = \"jkn\"\n", "rscale = 0.5\n"), "variable[3].rscale", "r2"},
      {rep_codebook("type = \"jkn\"\nrscales = [1, 1]\n", "rscale = 0.5\n", "rscale = 0.5\n"), "replicates.rscales", ""},
      {rep_codebook("", "rscale = 0.5\n", "rscale = 0.5\n"), "variable[2].rscale", "r1"},
      {rep_codebook("type = \"fay\"\n"), "replicates.rho", ""},
      {rep_codebook("type = \"fay\"\nrho = 1\n"), "replicates.rho", "1"},
      {rep_codebook("type = \"jk1\"\nrho = 0.5\n"), "replicates.rho", "0.5"},
      {rep_codebook("type = \"jk1\"\nweights = \"w\"\n"), "replicates.weights", "weights"},
      {"[[variable]]\nname = \"r1\"\nrole = \"replicate\"\ntype = \"number\"\n[replicates]\ntype = \"jk1\"\n", "replicates", "1"},
      {"[[variable]]\nname = \"w\"\nrole = \"weight\"\ntype = \"number\"\nrscale = 1\n", "variable[1].rscale", "1"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    const Problem p = parse_error(c.text);
    CHECK(p.code == ErrorCode::CodebookInvalid);
    CHECK(p.pos.file == "cb.toml");
    CHECK(p.pos.line > 0);
    CHECK(p.pos.key == c.key);
    CHECK(p.value == c.value);
  }
}

namespace {
// A two-questionnaire codebook (docs/codebook.md "Several questionnaires") with `forms` as its [[form]] tables.
std::string two_forms(const std::string& forms) {
  return "[codebook]\nage_min = 15\nage_max = 69\n\n"
         "[[variable]]\nname = \"form\"\nrole = \"form\"\ntype = \"code\"\n"
         "codes = [ { code = 1, label = \"15～39歳票\" }, { code = 2, label = \"40～69歳票\" } ]\n\n"
         "[[variable]]\nname = \"age\"\nrole = \"age\"\ntype = \"integer\"\n\n" +
         forms;
}
const std::string kYoung = "[[form]]\ncode = 1\nage_min = 15\nage_max = 39\nreport = [\"15-39\"]\n\n";
} // namespace

TEST_CASE("[[form]]: questionnaires with their ages and reporting ranges", "[codebook][form]") {
  const Codebook cb = parse_codebook(two_forms(kYoung + "[[form]]\ncode = 2\nname = \"中高年票\"\nage_min = 40\nage_max = 69\nreport = [\"40-49\", \"50-64\"]\n"), "cb.toml");
  REQUIRE(cb.forms.size() == 2);
  CHECK(cb.forms[0].name == "15～39歳票"); // the code's label by default
  CHECK(cb.forms[1].name == "中高年票");
  CHECK(cb.forms[1].line == 22);
  REQUIRE(cb.forms[1].report.size() == 2);
  CHECK(cb.forms[1].report[1].min == 50);
  CHECK(cb.forms[1].report[1].max == 64);
  REQUIRE(cb.form(2) != nullptr);
  CHECK(cb.form(3) == nullptr);
  const Text note = forms_note(cb, 957);
  CHECK(note.ja.find("「中高年票」（40～69歳）は 40～49歳・50～64歳") != std::string::npos);
  CHECK(note.ja.find("957人") != std::string::npos);
  CHECK(note.en.find("\"中高年票\" (ages 40-69) in 40-49, 50-64") != std::string::npos);
}

TEST_CASE("[[form]] mistakes name the key and line", "[codebook][form]") {
  const auto check = [](const std::string& text, const std::string& key, std::size_t line, const std::string& value) {
    const Problem p = parse_error(text);
    CHECK(p.code == ErrorCode::CodebookInvalid);
    CHECK(p.pos.key == key);
    CHECK(p.pos.line == line);
    CHECK(p.value == value);
    CHECK_FALSE(p.message.ja.empty());
    CHECK_FALSE(p.message.en.empty());
  };
  const std::string old = "[[form]]\ncode = 2\nage_min = 40\nage_max = 69\nreport = [\"40-64\"]\n";
  SECTION("a code the form variable lacks") { check(two_forms(kYoung + "[[form]]\ncode = 3\nage_min = 40\nage_max = 69\nreport = [\"40-64\"]\n"), "form[2].code", 23, "3"); }
  SECTION("the same code twice") { check(two_forms(kYoung + "[[form]]\ncode = 1\nage_min = 40\nage_max = 69\nreport = [\"40-64\"]\n"), "form[2].code", 23, "1"); }
  SECTION("a code without a form") { check(two_forms(kYoung), "form", 16, "2"); }
  SECTION("ages outside the codebook's") { check(two_forms(kYoung + "[[form]]\ncode = 2\nage_min = 40\nage_max = 79\nreport = [\"40-64\"]\n"), "form[2].age_max", 25, "79"); }
  SECTION("a reporting range outside the questionnaire's ages") {
    check(two_forms(kYoung + "[[form]]\ncode = 2\nage_min = 40\nage_max = 69\nreport = [\"35-64\"]\n"), "form[2].report[1]", 26, "35-64");
  }
  SECTION("overlapping reporting ranges") {
    check(two_forms(kYoung + "[[form]]\ncode = 2\nage_min = 40\nage_max = 69\nreport = [\"40-64\", \"60-69\"]\n"), "form[2].report[2]", 26, "60-69");
  }
  SECTION("a malformed range") { check(two_forms(kYoung + "[[form]]\ncode = 2\nage_min = 40\nage_max = 69\nreport = [\"40～64\"]\n"), "form[2].report[1]", 26, "40～64"); }
  SECTION("no reporting range") { check(two_forms(kYoung + "[[form]]\ncode = 2\nage_min = 40\nage_max = 69\n"), "form[2].report", 22, ""); }
  SECTION("an unknown key") { check(two_forms(kYoung + old + "ages = [40, 69]\n"), "form[2].ages", 27, "ages"); }
  SECTION("[[form]] without a form variable") {
    check("[codebook]\nage_min = 15\nage_max = 69\n\n[[variable]]\nname = \"age\"\nrole = \"age\"\ntype = \"integer\"\n\n" + kYoung, "form", 10, "");
  }
  SECTION("a form variable without [[form]]") { check(two_forms(""), "variable[1].role", 5, "form"); }
}
