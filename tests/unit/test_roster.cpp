// Household roster (家族票): parsing the [roster] of a codebook (wide column groups and a long member file), the
// members as rows classified by the respondents' rule-set, and the estimate with members in the numerator
// (respondents+members) or in both numerator and denominator (persons). The expected figures are worked out
// by hand from tests/data/unit/roster/household.csv (see the comments in each test).
#include "hkstat/classify/classify.hpp"
#include "hkstat/codebook/codebook.hpp"
#include "hkstat/data/dataset.hpp"
#include "hkstat/estimate/numerator.hpp"
#include "hkstat/roster/roster.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <string>

using namespace hkstat;

namespace {
const std::string kDir = HKSTAT_SOURCE_DIR "/tests/data/unit/roster/";

data::Dataset load(const std::string& stem) {
  auto cb = codebook::load_codebook(kDir + stem + ".codebook.toml");
  auto in = data::ingest(kDir + stem + ".csv", cb, {});
  REQUIRE(in.rejected.empty());
  return std::move(in.data);
}

Problem parse_error(const std::string& text) {
  try {
    codebook::parse_codebook(text, "cb.toml");
  } catch (const Error& e) {
    return e.problem();
  }
  FAIL("expected an error");
  return {};
}

const std::string kHead = "[[variable]]\nname = \"id\"\nrole = \"id\"\ntype = \"id\"\n"
                          "[[variable]]\nname = \"q1\"\nrole = \"outing\"\ntype = \"code\"\ncodes = [ { code = 5, key = \"hobby_only\" } ]\n"
                          "[[variable]]\nname = \"q2\"\nrole = \"duration\"\ntype = \"code\"\ncodes = [ { code = 2, ge_6_months = true } ]\n";
const std::string kMemberVars = "[[roster.variable]]\nname = \"out\"\nrole = \"outing\"\ntype = \"code\"\ncodes = [ { code = 5, key = \"hobby_only\" } ]\n"
                                "[[roster.variable]]\nname = \"dur\"\nrole = \"duration\"\ntype = \"code\"\ncodes = [ { code = 2, ge_6_months = true } ]\n";

// id → class of each member, in reading order.
std::vector<std::string> member_classes(const data::Dataset& ds, const roster::Members& m, const std::string& ruleset) {
  const classify::Classification c = classify::classify(m.data, classify::builtin_ruleset(ruleset));
  std::vector<std::string> out;
  const data::Column* id = ds.column(codebook::Role::Id);
  for (std::size_t k = 0; k < m.data.rows(); ++k) out.push_back(id->ids[m.respondent[k]] + ":" + classify::class_id(c.rows[k].cls));
  return out;
}

const estimate::PrevalenceCell& cell(const estimate::PrevalenceResult& r, const std::string& group, estimate::Measure m = estimate::Measure::Broad) {
  const auto it = std::find_if(r.cells.begin(), r.cells.end(), [&](const auto& c) { return c.group == group && c.measure == m && c.by_variable.empty(); });
  REQUIRE(it != r.cells.end());
  return *it;
}

estimate::PrevalenceResult estimate_with(const data::Dataset& ds, roster::Numerator mode, const std::string& ruleset = "cao2022-scz-physical") {
  const classify::RuleSet rs = classify::builtin_ruleset(ruleset);
  const classify::Classification cls = classify::classify(ds, rs);
  estimate::PrevalenceOptions opt;
  opt.groups = {estimate::parse_age_group("15-39"), estimate::parse_age_group("40-64")};
  opt.population.total = 1000;
  estimate::PrevalenceResult res = estimate::estimate_prevalence(ds, cls, opt);
  const roster::Members m = roster::read_members(ds);
  const classify::Classification mcls = classify::classify(m.data, rs);
  estimate::apply_numerator(res, ds, cls, m, mcls, mode, false, opt);
  return res;
}
} // namespace

TEST_CASE("a wide roster declares member column groups once, the columns become ordinary variables", "[roster]") {
  const codebook::Codebook cb = codebook::load_codebook(kDir + "household.codebook.toml");
  REQUIRE(cb.roster);
  CHECK(cb.roster->wide());
  CHECK(cb.roster->members == 2);
  CHECK(cb.roster->label == "家族内の該当者");
  REQUIRE(cb.roster->variables.size() == 5);
  CHECK(cb.roster->variables[2].role == codebook::Role::Outing);
  CHECK(cb.roster->column(2, "outing") == "m2_outing");
  const codebook::Variable* v = cb.by_name("m2_reasons");
  REQUIRE(v != nullptr);
  CHECK(v->role == codebook::Role::None); // the respondent's roles stay the respondent's
  CHECK(v->delimiter == ";");
  CHECK(cb.by_role(codebook::Role::Outing)->name == "outing");
  CHECK(cb.by_name("m1_age")->max == 150); // members may be of any age
}

TEST_CASE("roster declarations are checked with their key and line", "[roster]") {
  SECTION("both layouts") {
    const Problem p = parse_error(kHead + "[roster]\nmembers = 2\npattern = \"m{n}_{name}\"\nfile = \"m.csv\"\nid = \"id\"\n" + kMemberVars);
    CHECK(p.code == ErrorCode::CodebookInvalid);
    CHECK(p.pos.key == "roster");
  }
  SECTION("pattern without {n}") {
    const Problem p = parse_error(kHead + "[roster]\nmembers = 2\npattern = \"m_{name}\"\n" + kMemberVars);
    CHECK(p.pos.key == "roster.pattern");
    CHECK(p.value == "m_{name}");
    CHECK(p.pos.line == 17);
  }
  SECTION("members out of range") {
    const Problem p = parse_error(kHead + "[roster]\nmembers = 0\npattern = \"m{n}_{name}\"\n" + kMemberVars);
    CHECK(p.pos.key == "roster.members");
  }
  SECTION("no duration question for members") {
    const Problem p = parse_error(kHead + "[roster]\nmembers = 2\npattern = \"m{n}_{name}\"\n"
                                          "[[roster.variable]]\nname = \"out\"\nrole = \"outing\"\ntype = \"code\"\ncodes = [ { code = 5, key = \"hobby_only\" } ]\n");
    CHECK(p.pos.key == "roster.variable");
    CHECK(p.message.en.find("duration") != std::string::npos);
  }
  SECTION("a design role for a member") {
    const Problem p = parse_error(kHead + "[roster]\nmembers = 2\npattern = \"m{n}_{name}\"\n" + kMemberVars +
                                  "[[roster.variable]]\nname = \"w\"\nrole = \"weight\"\ntype = \"number\"\n");
    CHECK(p.pos.key == "roster.variable[3].role");
    CHECK(p.value == "weight");
  }
  SECTION("a member column that is already a variable") {
    const Problem p = parse_error(kHead + "[[variable]]\nname = \"m1_out\"\ntype = \"integer\"\n[roster]\nmembers = 2\npattern = \"m{n}_{name}\"\n" + kMemberVars);
    CHECK(p.pos.key == "roster.variable[1].name");
    CHECK(p.value == "m1_out");
  }
  SECTION("a member file needs the respondents' id") {
    const Problem p = parse_error("[[variable]]\nname = \"q1\"\nrole = \"outing\"\ntype = \"code\"\ncodes = [ { code = 5, key = \"hobby_only\" } ]\n"
                                  "[roster]\nfile = \"m.csv\"\nid = \"rid\"\n" + kMemberVars);
    CHECK(p.pos.key == "roster.id");
  }
}

TEST_CASE("wide roster: a member is a column group with any answer, each is classified by the rule-set", "[roster]") {
  const data::Dataset ds = load("household");
  const roster::Members m = roster::read_members(ds);
  REQUIRE(m.data.rows() == 7); // H1, H3 ×2, H4, H6, H7, H8 (H2 and H5 report nobody)
  CHECK(m.slots == 16);
  // Members are not asked the 病名 coding, the その他 coding, occupation, home activities, conversation.
  CHECK(m.not_asked == std::vector<std::string>{"illness_type", "other_reason_type", "occupation", "home_activities", "talk_nonfamily"});
  // H3's first member chose 介護・看護 → E2; H6's member chose 病気, and without the 病名 coding E1
  // (統合失調症・身体的な病気) cannot fire under cao2022-scz-physical, so that member stays in; H4's member (85) is a
  // case by the rules (the age range applies in the estimate); H7's member has no outing answer.
  CHECK(member_classes(ds, m, "cao2022-scz-physical") ==
        std::vector<std::string>{"H1:narrow", "H3:excluded", "H3:not_case", "H4:narrow", "H6:semi", "H7:not_case", "H8:narrow"});
  // cao2022 excludes every 病気: H6's member is excluded there.
  CHECK(member_classes(ds, m, "cao2022")[4] == "H6:excluded");
}

TEST_CASE("respondents+members: members in the numerator, respondents as denominator", "[roster]") {
  const data::Dataset ds = load("household");
  const auto r = estimate_with(ds, roster::Numerator::RespondentsMembers);
  // Respondent cases: H2 (semi, 30). Member cases counted: H1's (22), H6's (17), H8's (no age: 全体 only); H4's (85)
  // is outside 15-64. Counts per respondent y = 1 1 0 0 0 1 0 1 → 4 / 8, SE = sqrt(s²/n) with s² = 2/7.
  const auto& all = cell(r, "all");
  CHECK(all.cases == 4);
  CHECK(all.est.n == 8);
  CHECK(all.est.value == Approx(0.5));
  CHECK(all.est.se == Approx(std::sqrt(2.0 / 56.0)));
  CHECK(all.est.interval->lower == Approx(0.5 - 1.959963984540054 * std::sqrt(2.0 / 56.0)));
  CHECK(*all.persons == Approx(500));
  CHECK(r.method == estimate::CiMethod::Wald);
  // 15-39: respondents H2 (30), H5 (25), H7 (35); cases H2 + the members aged 22 and 17 → 3 / 3.
  CHECK(cell(r, "15-39").cases == 3);
  CHECK(cell(r, "15-39").est.n == 3);
  CHECK(cell(r, "40-64").cases == 0);
  CHECK(cell(r, "all", estimate::Measure::Narrow).cases == 2); // H1's and H8's members
  CHECK(r.numerator.mode == "respondents+members");
  CHECK(r.numerator.members == 7);
  CHECK(r.numerator.members_out_of_age == 1);
  CHECK(r.numerator.members_age_missing == 1);
  CHECK(r.numerator.respondent_cases == 1);
  CHECK(r.numerator.member_cases == 3);
  CHECK(r.differences.empty());
}

TEST_CASE("persons: members in numerator and denominator", "[roster]") {
  const data::Dataset ds = load("household");
  const auto r = estimate_with(ds, roster::Numerator::Persons);
  // 8 respondents + 6 members within 15-64 or without an age (H4's 85-year-old left out) = 14; cases 4.
  CHECK(cell(r, "all").est.n == 14);
  CHECK(cell(r, "all").cases == 4);
  CHECK(cell(r, "all").est.value == Approx(4.0 / 14.0));
  // 15-39: 3 respondents + members aged 22, 20, 17, 38 = 7; cases 3.
  CHECK(cell(r, "15-39").est.n == 7);
  CHECK(cell(r, "15-39").est.value == Approx(3.0 / 7.0));
  CHECK(cell(r, "40-64").est.n == 6); // 5 respondents + H3's member aged 44
  CHECK(cell(r, "all").est.interval->upper <= 1.0);
}

TEST_CASE("respondents: the cells stay the respondents', what was not counted is recorded", "[roster]") {
  const data::Dataset ds = load("household");
  const auto r = estimate_with(ds, roster::Numerator::Respondents);
  CHECK(cell(r, "all").cases == 1);
  CHECK(cell(r, "all").est.n == 8);
  CHECK(r.method == estimate::CiMethod::Wilson);
  CHECK(r.numerator.mode == "respondents");
  CHECK(r.numerator.member_cases == 3);
}

TEST_CASE("a long member file gives the same members and estimates as the wide columns", "[roster]") {
  const data::Dataset wide = load("household");
  const data::Dataset longf = load("household_long");
  const roster::Members m = roster::read_members(longf);
  REQUIRE(m.data.rows() == 7);
  CHECK(m.data.lines.front() == 2);
  CHECK(member_classes(longf, m, "cao2022-scz-physical") == member_classes(wide, roster::read_members(wide), "cao2022-scz-physical"));
  for (auto mode : {roster::Numerator::RespondentsMembers, roster::Numerator::Persons}) {
    const auto a = estimate_with(wide, mode), b = estimate_with(longf, mode);
    REQUIRE(a.cells.size() == b.cells.size());
    for (std::size_t i = 0; i < a.cells.size(); ++i) {
      CHECK(a.cells[i].cases == b.cells[i].cases);
      CHECK(a.cells[i].est.n == b.cells[i].est.n);
      CHECK(a.cells[i].est.se == Approx(b.cells[i].est.se));
    }
  }
}

TEST_CASE("options that do not combine with members counted: refused when asked for, respondents when only the default", "[roster]") {
  const data::Dataset ds = load("household");
  const classify::RuleSet rs = classify::builtin_ruleset("cao2022-scz-physical");
  const classify::Classification cls = classify::classify(ds, rs);
  estimate::PrevalenceOptions opt;
  opt.by = {"sex"};
  estimate::PrevalenceResult res = estimate::estimate_prevalence(ds, cls, opt);
  const roster::Members m = roster::read_members(ds);
  const classify::Classification mcls = classify::classify(m.data, rs);
  try {
    estimate::apply_numerator(res, ds, cls, m, mcls, roster::Numerator::RespondentsMembers, false, opt);
    FAIL("expected a usage error");
  } catch (const Error& e) {
    CHECK(e.problem().code == ErrorCode::UsageInvalidOption);
    // The library names the option, not the flag (core/option_text.hpp); the CLI renders it as --by.
    CHECK(e.problem().message.en.find("‹by›") != std::string::npos);
    CHECK(e.problem().message.en.find("--by") == std::string::npos);
  }
  // As the codebook's default (no --numerator), the estimate is the respondents' and says why.
  estimate::apply_numerator(res, ds, cls, m, mcls, roster::Numerator::RespondentsMembers, true, opt);
  CHECK(res.numerator.mode == "respondents");
  CHECK(res.numerator.fallback == "--by");
  CHECK(cell(res, "all").cases == 1);
  opt.by.clear();
  opt.ci_method = estimate::CiMethod::Wilson;
  CHECK_THROWS_AS(estimate::apply_numerator(res, ds, cls, m, mcls, roster::Numerator::Persons, false, opt), Error);
}

TEST_CASE("where with members: each member's own age decides, and a variable the members are not asked is refused", "[roster]") {
  const data::Dataset ds = load("household");
  const classify::RuleSet rs = classify::builtin_ruleset("cao2022-scz-physical");
  const classify::Classification cls = classify::classify(ds, rs);
  const roster::Members m = roster::read_members(ds);
  const classify::Classification mcls = classify::classify(m.data, rs);
  estimate::PrevalenceOptions opt;
  opt.where.emplace("age < 40", ds.codebook);
  estimate::PrevalenceResult res = estimate::estimate_prevalence(ds, cls, opt);
  estimate::apply_numerator(res, ds, cls, m, mcls, roster::Numerator::RespondentsMembers, false, opt);
  // Respondents under 40: H2 (30, semi), H5 (25), H7 (35). Members under 40 who are cases: H1's (22) and H6's (17),
  // whatever their respondent's age; H8's member has no age (unknown: outside). 3 cases / 3 respondents.
  CHECK(cell(res, "all").est.n == 3);
  CHECK(cell(res, "all").cases == 3);
  CHECK(cell(res, "all").est.value == Approx(1.0));
  CHECK(res.numerator.respondent_cases == 1);
  CHECK(res.numerator.member_cases == 2);
  CHECK(res.numerator.own_variables == std::vector<std::string>{"age"});
  // occupation is not asked about the members (its rule role reads as not asked): refused, or respondents by default.
  estimate::PrevalenceOptions o2;
  o2.by = {"occupation"};
  estimate::PrevalenceResult r2 = estimate::estimate_prevalence(ds, cls, o2);
  CHECK_THROWS_AS(estimate::apply_numerator(r2, ds, cls, m, mcls, roster::Numerator::Persons, false, o2), Error);
  estimate::apply_numerator(r2, ds, cls, m, mcls, roster::Numerator::Persons, true, o2);
  CHECK(r2.numerator.mode == "respondents");
  CHECK(r2.numerator.fallback_variable == "occupation");
}

TEST_CASE("numerator names parse, the default follows the roster", "[roster]") {
  CHECK(roster::parse_numerator("respondents+members") == roster::Numerator::RespondentsMembers);
  CHECK(roster::parse_numerator("persons") == roster::Numerator::Persons);
  CHECK_FALSE(roster::parse_numerator("members"));
  CHECK(roster::numerator_id(roster::Numerator::Respondents) == std::string("respondents"));
  CHECK(roster::default_numerator(codebook::load_codebook(kDir + "household.codebook.toml")) == roster::Numerator::RespondentsMembers);
  CHECK(roster::default_numerator(codebook::load_codebook(HKSTAT_SOURCE_DIR "/tests/data/unit/mini.codebook.toml")) == roster::Numerator::Respondents);
}
