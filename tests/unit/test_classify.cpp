// Rule-sets and classification: the built-in Cabinet Office definitions applied to a hand-built
// sample whose expected classes are worked out by hand in tests/data/unit/mini.csv's comments below.
#include "hkstat/classify/classify.hpp"
#include "hkstat/codebook/codebook.hpp"
#include "hkstat/data/dataset.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include <unistd.h>

using namespace hkstat;
using namespace hkstat::classify;

namespace {
const data::Dataset& mini() {
  static const data::Dataset ds = [] {
    auto cb = codebook::load_codebook(HKSTAT_SOURCE_DIR "/tests/data/unit/mini.codebook.toml");
    return std::move(data::ingest(HKSTAT_SOURCE_DIR "/tests/data/unit/mini.csv", cb, {}).data);
  }();
  return ds;
}

// id → "class/deciding rule" as printed by hkstat classify.
std::map<std::string, std::string> decisions(const std::string& ruleset) {
  const auto& ds = mini();
  const Classification c = classify::classify(ds, builtin_ruleset(ruleset));
  std::map<std::string, std::string> out;
  for (std::size_t r = 0; r < ds.rows(); ++r) {
    const auto& d = c.rows[r];
    out[ds.column(codebook::Role::Id)->ids[r]] =
        std::string(class_id(d.cls)) + "/" + (d.rule >= 0 ? c.ruleset.rules[static_cast<std::size_t>(d.rule)].id : reason_id(d.reason));
  }
  return out;
}

Problem rules_error(const std::string& text) {
  try {
    parse_ruleset(text, "r.toml");
  } catch (const Error& e) {
    return e.problem();
  }
  FAIL("expected an error");
  return {};
}

const char* kHead = "[ruleset]\nid = \"t\"\nversion = 1\n[core]\nsemi = [\"hobby_only\"]\nnarrow = [\"neighborhood\"]\nduration = \"ge_6_months\"\n";
} // namespace

TEST_CASE("every built-in rule-set parses and names its sources", "[rules]") {
  const auto ids = builtin_ruleset_ids();
  CHECK(ids == std::vector<std::string>{"cao2010", "cao2015", "cao2015-incl-scz", "cao2018", "cao2022", "cao2022-scz-physical"});
  for (const auto& id : ids) {
    const RuleSet rs = builtin_ruleset(id);
    CHECK(rs.id == id);
    CHECK(rs.version == 1);
    CHECK_FALSE(rs.sources.empty());
    CHECK(rs.semi == std::vector<std::string>{"hobby_only"});
    CHECK(rs.narrow == std::vector<std::string>{"neighborhood", "home_only", "room_only"});
    CHECK(rs.content_hash.size() == 64);
    // the hash computed at build time (cmake/embed_files.cmake) is the text's, as parse_ruleset computes it
    CHECK(rs.content_hash == parse_ruleset(builtin_ruleset_text(id), "x.toml").content_hash);
    CHECK(rs.display_id() == id + " v1");
  }
  CHECK(builtin_ruleset("cao2010").content_hash != builtin_ruleset("cao2022").content_hash);
}

TEST_CASE("a rule file is never labelled as the built-in rule-set it was copied from", "[rules]") {
  const std::string text = builtin_ruleset_text("cao2022");
  RuleSet copy = parse_ruleset(text, "my_rules.toml");
  CHECK(copy.id == "cao2022");
  CHECK(copy.display_id() == "cao2022 v1 [my_rules.toml sha256:" + copy.content_hash.substr(0, 12) + "]");
  CHECK(copy.display_id() != builtin_ruleset("cao2022").display_id());
  // an edit changes the hash, so two edited copies with the same id and version are told apart
  std::string edited = text + "\n# edited\n";
  CHECK(parse_ruleset(edited, "my_rules.toml").display_id() != copy.display_id());
  CHECK(copy.content_hash == builtin_ruleset("cao2022").content_hash); // same bytes, same hash
}

TEST_CASE("core steps: outing, duration, missing answers", "[classify]") {
  auto d = decisions("cao2018");
  CHECK(d["A01"] == "not_case/outing:not_core");
  CHECK(d["A02"] == "semi/core:semi");
  CHECK(d["A03"] == "narrow/core:narrow");
  CHECK(d["A04"] == "not_case/duration:lt_6_months");
  CHECK(d["A05"] == "not_case/duration:missing");
  CHECK(d["A06"] == "not_case/outing:missing");
  CHECK(d["A13"] == "narrow/core:narrow");
}

// classify() reads a row's outing answer from a table over the core codes' span, or, when they spread over 4,096
// values or more, by scanning them: the same sample with room_only coded 9000 instead of 8 (and 3 coded 12000, a
// code outside the core beyond it) goes through the scan and must be classified exactly as with the table.
TEST_CASE("core steps: the same classes whether the outing codes are compact or spread", "[classify]") {
  const std::string dir = HKSTAT_SOURCE_DIR "/tests/data/unit/";
  std::ifstream cbf(dir + "mini.codebook.toml"), csvf(dir + "mini.csv");
  std::stringstream cbs, csvs;
  cbs << cbf.rdbuf();
  csvs << csvf.rdbuf();
  std::string cb = cbs.str(), csv = csvs.str();
  for (const auto& [from, to] : {std::pair{"{ code = 8, key = \"room_only\"", "{ code = 9000, key = \"room_only\""},
                                 std::pair{"{ code = 3, key = \"leisure\"", "{ code = 12000, key = \"leisure\""}}) {
    const auto at = cb.find(from);
    REQUIRE(at != std::string::npos);
    cb.replace(at, std::string(from).size(), to);
  }
  // Column 4 (outing): 8 → 9000 (A05), and one row not in the core (A01: 1 → 12000).
  for (const auto& [from, to] : {std::pair{"A05,40,1,8,", "A05,40,1,9000,"}, std::pair{"A01,20,1,1,", "A01,20,1,12000,"}}) {
    const auto at = csv.find(from);
    REQUIRE(at != std::string::npos);
    csv.replace(at, std::string(from).size(), to);
  }
  const auto tmp = std::filesystem::temp_directory_path() / ("hkstat-classify-spread-" + std::to_string(::getpid()));
  std::filesystem::create_directories(tmp);
  std::ofstream((tmp / "mini.codebook.toml").string()) << cb;
  std::ofstream((tmp / "mini.csv").string()) << csv;
  const auto spread_cb = codebook::load_codebook((tmp / "mini.codebook.toml").string());
  const data::Dataset spread = std::move(data::ingest((tmp / "mini.csv").string(), spread_cb, {}).data);
  std::filesystem::remove_all(tmp);
  REQUIRE(spread.rows() == mini().rows());
  for (const std::string& id : builtin_ruleset_ids()) {
    INFO(id);
    const Classification a = classify::classify(mini(), builtin_ruleset(id)), b = classify::classify(spread, builtin_ruleset(id));
    for (std::size_t r = 0; r < spread.rows(); ++r) {
      INFO("row " << r);
      CHECK(a.rows[r].cls == b.rows[r].cls);
      CHECK(a.rows[r].reason == b.rows[r].reason);
      CHECK(a.rows[r].rule == b.rows[r].rule);
    }
  }
  CHECK(decisions("cao2018")["A05"] == "not_case/duration:missing"); // 8 (room_only) is core: it reached the duration
}

TEST_CASE("cao2010: illness only if schizophrenia or physical, housework unconditional", "[classify]") {
  auto d = decisions("cao2010");
  CHECK(d["A07"] == "excluded/E1");
  CHECK(d["A08"] == "narrow/core:narrow");
  CHECK(d["A09"] == "excluded/E2");
  CHECK(d["A10"] == "excluded/E3");
  CHECK(d["A11"] == "excluded/E4");
  CHECK(d["A12"] == "excluded/E4");
}

TEST_CASE("cao2015-incl-scz keeps schizophrenia in", "[classify]") {
  CHECK(decisions("cao2015")["A07"] == "excluded/E1");
  CHECK(decisions("cao2015-incl-scz")["A07"] == "narrow/core:narrow");
}

TEST_CASE("cao2018: homemakers stay in unless they talk with non-family people", "[classify]") {
  auto d = decisions("cao2018");
  CHECK(d["A11"] == "excluded/E6");
  CHECK(d["A12"] == "narrow/core:narrow");
  CHECK(d["A08"] == "narrow/core:narrow");
}

TEST_CASE("cao2022 excludes every illness, the scz-physical variant does not", "[classify]") {
  CHECK(decisions("cao2022")["A08"] == "excluded/E1");
  CHECK(decisions("cao2022-scz-physical")["A08"] == "narrow/core:narrow");
}

TEST_CASE("a missing duration is a case under cao2010 only (duration_missing = \"case\")", "[classify]") {
  CHECK(builtin_ruleset("cao2010").duration_missing_is_case);
  CHECK(decisions("cao2010")["A05"] == "narrow/core:narrow");
  for (const char* id : {"cao2015", "cao2015-incl-scz", "cao2018", "cao2022", "cao2022-scz-physical"}) {
    CHECK_FALSE(builtin_ruleset(id).duration_missing_is_case);
    CHECK(decisions(id)["A05"] == "not_case/duration:missing");
  }
  // still subject to the exclusions, and a short duration is still not a case
  CHECK(decisions("cao2010")["A04"] == "not_case/duration:lt_6_months");
  std::string text = builtin_ruleset_text("cao2018");
  const auto at = text.find("duration = \"ge_6_months\"");
  REQUIRE(at != std::string::npos);
  std::string bad = text;
  bad.insert(at, "duration_missing = \"maybe\"\n");
  CHECK_THROWS_AS(parse_ruleset(bad, "bad.toml"), Error);
}

TEST_CASE("counts and audit agree", "[classify]") {
  // cao2010 counts A05 (duration not answered) as a case; cao2015 does not: one narrow more, one non-case less.
  const Classification c = classify::classify(mini(), builtin_ruleset("cao2010"));
  CHECK(c.count(Class::Narrow) == 4);
  CHECK(c.count(Class::Semi) == 1);
  CHECK(c.count(Class::Excluded) == 5);
  CHECK(c.count(Class::NotCase) == 3);
  REQUIRE(c.audit.size() == 4);
  CHECK(c.audit[3].id == "E4");
  CHECK(c.audit[3].decided == 2);
  CHECK(c.audit[3].fired == 2);
  std::size_t decided = 0;
  for (const auto& a : c.audit) decided += a.decided;
  CHECK(decided == c.count(Class::Excluded));
}

TEST_CASE("rule-file errors", "[rules]") {
  SECTION("unknown role names the line") {
    const Problem p = rules_error(std::string(kHead) + "[[exclude]]\nid = \"X\"\nall = [\n  { role = \"reasns\", has_any = [\"illness\"] },\n]\n");
    CHECK(p.code == ErrorCode::RulesUnknownRole);
    CHECK(p.value == "reasns");
    CHECK(p.pos.line == 11);
  }
  SECTION("syntax error") {
    const Problem p = rules_error("[ruleset\nid = 1\n");
    CHECK(p.code == ErrorCode::RulesSyntax);
    CHECK(p.pos.line == 1);
  }
  SECTION("both in and has_any") {
    const Problem p = rules_error(std::string(kHead) + "[[exclude]]\nid = \"X\"\nall = [ { role = \"reasons\", in = [\"a\"], has_any = [\"b\"] } ]\n");
    CHECK(p.code == ErrorCode::RulesInvalid);
  }
  SECTION("duplicate rule id") {
    const Problem p = rules_error(std::string(kHead) + "[[exclude]]\nid = \"X\"\nall = [ { role = \"reasons\", has_any = [\"a\"] } ]\n[[exclude]]\nid = \"X\"\nall = [ { role = \"reasons\", has_any = [\"a\"] } ]\n");
    CHECK(p.value == "X");
  }
  SECTION("unknown built-in id lists the ids") {
    try {
      resolve_ruleset("cao2019");
      FAIL("expected an error");
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::RulesNotFound);
      CHECK(e.problem().expected.en.find("cao2018") != std::string::npos);
    }
  }
}

TEST_CASE("binding a rule to a codebook without its key fails clearly", "[classify]") {
  const RuleSet rs = parse_ruleset(std::string(kHead) + "[[exclude]]\nid = \"X\"\nall = [ { role = \"reasons\", has_any = [\"unemployment\"] } ]\n", "custom.toml");
  try {
    classify::classify(mini(), rs);
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::RulesUnknownKey);
    CHECK(e.problem().value == "unemployment");
    CHECK(e.problem().pos.file == "custom.toml");
    CHECK(e.problem().expected.en.find("illness") != std::string::npos);
  }
}

TEST_CASE("a user rule-set from a file changes the answer without a rebuild", "[classify]") {
  // Same as cao2018 but E6 dropped: A11 (homemaker who talks) becomes narrow.
  std::string text = builtin_ruleset_text("cao2018");
  text = text.substr(0, text.find("[[exclude]]\nid = \"E6\""));
  const RuleSet rs = parse_ruleset(text, "my2018.toml");
  const Classification c = classify::classify(mini(), rs);
  CHECK(c.count(Class::Narrow) == 5);
  CHECK(c.ruleset.origin == "my2018.toml");
}
