// hkstat report: the table list (tables.toml) and its errors, templates and their checks, SVG charts,
// CSV with/without BOM, timestamps, the xlsx writer's reproducibility, and whole reports built in memory
// from tests/data/unit/mini.* (population) and tests/data/report/agency_mini.* (agency survey).
#include "hkstat/report/report_builder.hpp"

#include "hkstat/classify/ruleset.hpp"
#include "hkstat/report/svg_chart.hpp"
#include "hkstat/report/xlsx_writer.hpp"
#include "report/mustache.hpp"

#include "hkstat/api/design_options.hpp"
#include "hkstat/estimate/where.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "sweep.hpp"
#include "test_util.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

using namespace hkstat;
using namespace hkstat::report;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

using testutil::problem_of;

const std::string kSrc = HKSTAT_SOURCE_DIR;

ReportTemplate spec(const std::string& toml) {
  ReportTemplate t;
  parse_tables_spec(toml, "tables.toml", t);
  return t;
}

std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + what.size())) ++n;
  return n;
}

const std::string* file_of(const ReportOutput& out, const std::string& name) {
  for (const auto& [n, c] : out.files)
    if (n == name) return &c;
  return nullptr;
}

} // namespace

TEST_CASE("tables.toml: every field parsed", "[report][spec]") {
  const auto t = spec(R"(
[template]
id = "mine"
version = 3
[[table]]
id = "prev"
kind = "prevalence"
[[table]]
id = "reasons"
role = "reasons"
domain = ["broad", "comparison"]
by = "age2,sex"
chart = true
optional = true
title_ja = "理由"
title_en = "Reasons"
[[table]]
id = "age-10"
role = "age"
bands = "age10"
domain = "all"
[[table]]
id = "q38"
variable = "問38"
[[table]]
id = "support"
label_contains = "利用意向"
)");
  CHECK(t.id == "mine");
  CHECK(t.version == 3);
  REQUIRE(t.tables.size() == 5);
  CHECK(t.tables[0].kind == TableKind::Prevalence);
  const auto& r = t.tables[1];
  CHECK(r.role == codebook::Role::Reasons);
  CHECK(r.domains == std::vector<tabulate::Domain>{tabulate::Domain::Broad, tabulate::Domain::Comparison});
  CHECK(r.by.age == tabulate::AgeBands::Age2);
  CHECK(r.by.sex());
  CHECK(r.chart);
  CHECK(r.optional);
  CHECK(r.title.ja == "理由");
  CHECK(r.line == 8);
  CHECK(t.tables[2].bands == tabulate::AgeBands::Age10);
  CHECK(t.tables[2].domains == std::vector<tabulate::Domain>{tabulate::Domain::All});
  CHECK(t.tables[3].variable == "問38");
  CHECK(t.tables[4].label_contains == "利用意向");
  CHECK_FALSE(t.tables[4].chart);
}

TEST_CASE("tables.toml: errors name the key and the line", "[report][spec]") {
  struct Case {
    const char* toml;
    ErrorCode code;
    std::size_t line;
    const char* key;
  };
  const Case cases[] = {
      {"[[table]]\nid = \"a\"\nrole = \"sex\"\ncolour = 1\n", ErrorCode::ConfigInvalid, 4, "table[1].colour"},
      {"[[table]]\nid = \"a\"\nrole = \"sex\"\n[[table]]\nid = \"a\"\nrole = \"age\"\n", ErrorCode::ConfigInvalid, 5, "table[2].id"},
      {"[[table]]\nid = \"Bad Id\"\nrole = \"sex\"\n", ErrorCode::ConfigInvalid, 2, "table[1].id"},
      {"[[table]]\nid = \"about\"\nrole = \"sex\"\n", ErrorCode::ConfigInvalid, 2, "table[1].id"},
      {"[[table]]\nid = \"a\"\n", ErrorCode::ConfigInvalid, 1, "table[1]"},
      {"[[table]]\nid = \"a\"\nrole = \"sex\"\nvariable = \"q1\"\n", ErrorCode::ConfigInvalid, 1, "table[1]"},
      {"[[table]]\nid = \"a\"\nrole = \"gender\"\n", ErrorCode::ConfigInvalid, 3, "table[1].role"},
      {"[[table]]\nid = \"a\"\nrole = \"sex\"\ndomain = [\"broad\", \"everyone\"]\n", ErrorCode::ConfigInvalid, 4, "table[1].domain"},
      {"[[table]]\nid = \"a\"\nrole = \"sex\"\nby = \"region\"\n", ErrorCode::ConfigInvalid, 4, "table[1].by"},
      {"[[table]]\nid = \"a\"\nrole = \"sex\"\nbands = \"age5\"\n", ErrorCode::ConfigInvalid, 4, "table[1].bands"},
      {"[[table]]\nid = \"a\"\nrole = \"age\"\nbands = \"decades\"\n", ErrorCode::ConfigInvalid, 4, "table[1].bands"},
      {"[[table]]\nid = \"p\"\nkind = \"prevalence\"\nchart_kind = \"stacked\"\n", ErrorCode::ConfigInvalid, 4, "table[1].chart_kind"},
      {"[[table]]\nid = \"p\"\nkind = \"prevalence\"\nrole = \"sex\"\n", ErrorCode::ConfigInvalid, 1, "table[1]"},
      {"[[table]]\nid = \"p\"\nkind = \"pie\"\n", ErrorCode::ConfigInvalid, 3, "table[1].kind"},
      {"[template]\nid = \"x\"\n", ErrorCode::ConfigInvalid, 0, "table"},
      {"[[table]]\nid = \"a\nrole = \"sex\"\n", ErrorCode::ConfigSyntax, 2, ""},
  };
  for (const auto& c : cases) {
    INFO(c.toml);
    const Problem p = problem_of([&] { spec(c.toml); });
    CHECK(p.code == c.code);
    CHECK(p.pos.file == "tables.toml");
    if (c.line) CHECK(p.pos.line == c.line);
    CHECK(p.pos.key == c.key);
    CHECK_FALSE(p.message.ja.empty());
    CHECK_FALSE(p.message.en.empty());
  }
}

TEST_CASE("template directories and the built-in template", "[report][spec]") {
  const Problem missing = problem_of([] { load_template("/nonexistent/template"); });
  CHECK(missing.code == ErrorCode::IoCannotOpen);
  CHECK(missing.pos.file == "/nonexistent/template");

  const auto dir = std::filesystem::temp_directory_path() / "hkstat-test-template";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "report.ja.md.mustache") << "# {{title}}\n";
  CHECK(problem_of([&] { load_template(dir.string()); }).message.en == "the template has no tables.toml");
  std::ofstream(dir / "tables.toml") << "[[table]]\nid = \"sex\"\nrole = \"sex\"\n";
  std::ofstream(dir / "row.mustache") << "{{id}}";
  const auto t = load_template(dir.string());
  CHECK(t.tables.size() == 1);
  CHECK(t.partials.count("row") == 1);
  CHECK(t.partials.count("report.ja.md") == 0);
  std::filesystem::remove_all(dir);

  const auto b = builtin_template();
  CHECK(b.source == "builtin:default");
  CHECK(b.files.count("report.ja.md.mustache") == 1);
  CHECK(b.files.count("report.en.md.mustache") == 1);
  std::vector<std::string> ids;
  for (const auto& s : b.tables) ids.push_back(s.id);
  CHECK(ids == std::vector<std::string>{"prevalence", "age", "age10", "sex", "reasons", "main_reason", "support_need", "work_experience", "awareness",
                                        "support_wanted"});
  CHECK(b.tables.front().chart); // the prevalence chart
  // Agency surveys and intake records take their own tables from the same template.
  auto ids_of = [](const std::vector<TableSpec>& v) {
    std::vector<std::string> out;
    for (const auto& s : v) out.push_back(s.id);
    return out;
  };
  CHECK(ids_of(b.tables_for(codebook::SurveyKind::Population)) == ids);
  CHECK(ids_of(b.tables_for(codebook::SurveyKind::Agency)) ==
        std::vector<std::string>{"agency_type", "contact", "case_age", "age", "sex", "reasons", "onset", "duration", "time_to_consult", "issues", "next_steps",
                                 "support_need"});
  CHECK(ids_of(b.tables_for(codebook::SurveyKind::Intake)) ==
        std::vector<std::string>{"month", "route", "consulter", "age", "sex", "duration", "content", "referral", "support_need"});
  CHECK(b.tables_file_for(codebook::SurveyKind::Agency) == "tables.agency.toml");
  CHECK(b.tables_file_for(codebook::SurveyKind::Population) == "tables.toml");
  // The Word reference document is part of the built-in template (a .docx: a zip file).
  REQUIRE(b.files.count("reference.docx") == 1);
  CHECK(b.files.at("reference.docx").rfind("PK\x03\x04", 0) == 0);
}

TEST_CASE("template directories: tables by survey kind, the reference document", "[report][spec]") {
  const auto dir = std::filesystem::temp_directory_path() / "hkstat-test-template-kinds";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "report.ja.md.mustache") << "# {{title}}\n";
  std::ofstream(dir / "tables.toml") << "[[table]]\nid = \"sex\"\nrole = \"sex\"\n";
  std::ofstream(dir / "tables.intake.toml") << "[[table]]\nid = \"month\"\nvariable = \"受付月\"\n";
  auto t = load_template(dir.string());
  CHECK(t.tables_for(codebook::SurveyKind::Intake).at(0).id == "month");
  CHECK(t.tables_for(codebook::SurveyKind::Agency).at(0).id == "sex"); // no tables.agency.toml: tables.toml
  CHECK(t.files.count("reference.docx") == 0);
  // An error in a kind's file names that file.
  std::ofstream(dir / "tables.agency.toml") << "[[table]]\nid = \"x\"\nrole = \"nope\"\n";
  const Problem bad = problem_of([&] { load_template(dir.string()); });
  CHECK(bad.code == ErrorCode::ConfigInvalid);
  CHECK_THAT(bad.pos.file, Contains("tables.agency.toml"));
  std::filesystem::remove(dir / "tables.agency.toml");
  // A reference.docx that is not a .docx is refused when the template is loaded, not inside pandoc.
  std::ofstream(dir / "reference.docx") << "not a zip";
  const Problem ref = problem_of([&] { load_template(dir.string()); });
  CHECK(ref.code == ErrorCode::ConfigInvalid);
  CHECK_THAT(ref.pos.file, Contains("reference.docx"));
  std::ofstream(dir / "reference.docx", std::ios::binary) << std::string("PK\x03\x04rest", 8);
  t = load_template(dir.string());
  CHECK(t.files.at("reference.docx").size() == 8);
  std::filesystem::remove_all(dir);
}

TEST_CASE("tables.toml: chart_kind", "[report][spec]") {
  const auto t = spec("[[table]]\nid = \"a\"\nrole = \"sex\"\nchart_kind = \"stacked\"\n[[table]]\nid = \"b\"\nrole = \"sex\"\nchart = true\n"
                      "[[table]]\nid = \"p\"\nkind = \"prevalence\"\nchart = true\n");
  CHECK(t.tables[0].chart);
  CHECK(t.tables[0].chart_kind == ChartKind::Stacked);
  CHECK(t.tables[1].chart_kind == ChartKind::Bars);
  CHECK(t.tables[2].chart);
  const Problem unknown = problem_of([] { spec("[[table]]\nid = \"a\"\nrole = \"sex\"\nchart_kind = \"pie\"\n"); });
  CHECK(unknown.code == ErrorCode::ConfigInvalid);
  CHECK(unknown.pos.line == 4);
  CHECK(unknown.value == "pie");
  const Problem prev = problem_of([] { spec("[[table]]\nid = \"p\"\nkind = \"prevalence\"\nchart_kind = \"stacked\"\n"); });
  CHECK(prev.code == ErrorCode::ConfigInvalid);
  CHECK(prev.pos.key == "table[1].chart_kind");
}

TEST_CASE("SVG chart: 100% stacked bars (帯グラフ)", "[report][svg]") {
  ChartData c;
  c.title = Text{"認知", "awareness"};
  c.categories = {Text{"知っている", "know"}, Text{"知らない", "do not know"}, Text{"無回答", "no answer"}};
  ChartSeries all{Text{"全体（n=810）", "all (n=810)"}, {ChartBar{0.2, false, true, "20.0%"}, ChartBar{0.75, false, true, "75.0%"}, ChartBar{0.05, false, true, "5.0%"}}};
  ChartSeries broad{Text{"広義（n=20）", "broad (n=20)"}, {ChartBar{0.3, false, true, "30.0%"}, ChartBar{0.6, true, true, ""}, ChartBar{0.1, true, true, ""}}};
  c.series = {all, broad};
  const std::string svg = stacked_chart_svg(c, Lang::Ja);
  CHECK(count(svg, "<rect class=\"segment\"") == 4); // 3 + 1: suppressed segments are not drawn
  CHECK(count(svg, "<rect class=\"suppressed\"") == 1);
  CHECK(count(svg, ">* 秘匿<") == 1);
  CHECK(count(svg, "<rect class=\"legend\"") == 3); // one per answer
  CHECK(svg.find("75.0%") != std::string::npos);
  CHECK(svg.find(">100%</text>") != std::string::npos);
  CHECK(svg == stacked_chart_svg(c, Lang::Ja));
  CHECK(count(svg, "<text") == count(svg, "</text>"));
  // The full bar's segments span the plot exactly: widths add up to the 0%–100% distance.
  double total = 0;
  std::size_t at = svg.find("class=\"segment\"");
  for (int k = 0; k < 3; ++k, at = svg.find("class=\"segment\"", at + 1)) {
    const auto w = svg.find("width=\"", at) + 7;
    total += std::stod(svg.substr(w, svg.find('"', w) - w));
  }
  auto tick_x = [&](const std::string& label) {
    const auto t = svg.rfind("x=\"", svg.find(">" + label + "</text>")) + 3;
    return std::stod(svg.substr(t, svg.find('"', t) - t));
  };
  CHECK(std::abs(total - (tick_x("100%") - tick_x("0%"))) < 0.5);
  // Beyond 8 answers the fills are hatched: no two segments share one.
  ChartData many;
  many.title = Text{"x", "x"};
  ChartSeries s{Text{"全体", "all"}, {}};
  for (int k = 0; k < 11; ++k) {
    many.categories.push_back(Text{fmt::format("回答{}", k), fmt::format("answer {}", k)});
    s.bars.push_back(ChartBar{1.0 / 11, false, true, "9.1%"});
  }
  many.series = {s};
  const std::string m = stacked_chart_svg(many, Lang::En);
  std::set<std::string> fills;
  for (std::size_t p = m.find("class=\"segment\""); p != std::string::npos; p = m.find("class=\"segment\"", p + 1)) {
    const auto f = m.find("fill=\"", p) + 6;
    fills.insert(m.substr(f, m.find('"', f) - f));
  }
  CHECK(fills.size() == 11);
  c.series[1].bars.pop_back();
  CHECK(problem_of([&] { stacked_chart_svg(c, Lang::Ja); }).code == ErrorCode::Internal);
}

TEST_CASE("template checks: what a Mustache renderer would silently accept", "[report][template]") {
  const std::set<std::string> names{"title", "tables", "id", "has_chart"};
  const std::map<std::string, std::string> partials{{"row", "{{id}}"}};
  CHECK_NOTHROW(detail::lint_template("# {{title}}\n{{#tables}}{{> row}}{{{id}}}{{&id}}{{.}}{{/tables}}{{! {{anything}} }}", "t", names, partials));

  auto p = problem_of([&] { detail::lint_template("a\n  {{#tables}}\nx\n", "t.mustache", names, partials); });
  CHECK(p.code == ErrorCode::ConfigInvalid);
  CHECK(p.pos.file == "t.mustache");
  CHECK(p.pos.line == 2);
  CHECK(p.pos.column == 3);
  CHECK(p.message.en == "the section is never closed");

  p = problem_of([&] { detail::lint_template("{{#tables}}{{#has_chart}}{{/tables}}{{/has_chart}}", "t", names, partials); });
  CHECK(p.pos.column == 26);
  CHECK_THAT(p.message.en, Contains("closes tables while has_chart"));

  p = problem_of([&] { detail::lint_template("日本語 {{titel}}", "t", names, partials); });
  CHECK(p.message.en == "unknown name: titel");
  CHECK(p.pos.column == 5); // columns count characters
  CHECK(problem_of([&] { detail::lint_template("{{tables.nope}}", "t", names, partials); }).message.en == "unknown name: tables.nope");
  CHECK(problem_of([&] { detail::lint_template("{{> header}}", "t", names, partials); }).message.en == "no such partial: header");
  CHECK(problem_of([&] { detail::lint_template("{{/tables}}", "t", names, partials); }).message.en == "closes a section that is not open");
  CHECK(problem_of([&] { detail::lint_template("x {{title", "t", names, partials); }).message.en == "unterminated tag");
  // A delimiter change is refused (the checks could not follow it; mstch, the renderer before, mishandled it).
  p = problem_of([&] { detail::lint_template("ok\n {{=<% %>=}}<% whatever %>", "t", names, partials); });
  CHECK(p.code == ErrorCode::ConfigInvalid);
  CHECK(p.pos.line == 2);
  CHECK(p.pos.column == 2);
  CHECK(p.value == "{{=<% %>=}}");
  CHECK(p.message.en == "set-delimiter tags ({{=...=}}) are not supported in report templates");
}

TEST_CASE("defect 5: hostile templates are located errors, never a crash or an internal error", "[report][template]") {
  const std::set<std::string> names{"title", "tables", "id"};
  const detail::Map ctx{{"title", std::string("T")}};
  const auto render = [&](const std::string& text, const std::map<std::string, std::string>& partials) {
    return detail::render_markdown_template(text, "report.ja.md.mustache", ctx, names, partials);
  };
  // cli_internal_errors.sh case 4: a set-delimiter tag followed by a partial in the new delimiters made mstch
  // throw std::length_error (exit 70).
  auto p = problem_of([&] { render("{{=<% %>=}}\n<%> p%>\n", {{"p", "x\n"}}); });
  CHECK(p.code == ErrorCode::ConfigInvalid);
  CHECK(p.pos.file == "report.ja.md.mustache");
  CHECK(p.pos.line == 1);
  CHECK(p.pos.column == 1);
  // cli_report_template_recursive_partial.sh: a partial including itself overflowed the stack in mstch (SIGSEGV).
  p = problem_of([&] { render("# {{title}}\n{{> p}}\n", {{"p", "{{> p}}\n"}}); });
  CHECK(p.code == ErrorCode::ConfigInvalid);
  CHECK(p.pos.file == "p.mustache");
  CHECK(p.pos.line == 1);
  CHECK(p.pos.column == 1);
  CHECK(p.message.en == "a partial includes itself: p → p");
  // ... or through another one, also when it is inside a section that might not be shown.
  p = problem_of([&] { render("{{> a}}", {{"a", "x\n{{#tables}} {{> b}}{{/tables}}"}, {"b", "{{> a}}"}, {"c", "{{> c}}"}}); });
  CHECK(p.pos.file == "b.mustache");
  CHECK(p.message.en == "a partial includes itself: a → b → a");
  // An unused partial that includes itself is refused too: every file of the template is checked.
  p = problem_of([&] { render("{{title}}", {{"c", "x {{> c}}"}}); });
  CHECK(p.pos.file == "c.mustache");
  CHECK(p.pos.column == 3);
  CHECK(p.message.en == "a partial includes itself: c → c");
  // A chain of partials deeper than the limit, without a cycle.
  std::map<std::string, std::string> chain;
  for (std::size_t i = 0; i <= detail::kMaxPartialDepth; ++i) chain["p" + std::to_string(i)] = i < detail::kMaxPartialDepth ? "{{> p" + std::to_string(i + 1) + "}}" : "end";
  p = problem_of([&] { render("{{> p0}}", chain); });
  CHECK_THAT(p.message.en, Contains("partials are nested too deeply"));
  chain.erase("p" + std::to_string(detail::kMaxPartialDepth));
  chain["p" + std::to_string(detail::kMaxPartialDepth - 1)] = "end";
  CHECK(render("{{> p0}}", chain) == "end"); // exactly at the limit: rendered
  // Sections nested deeper than the limit.
  std::string deep;
  for (std::size_t i = 0; i <= detail::kMaxSectionDepth; ++i) deep += "{{#tables}}";
  CHECK_THAT(problem_of([&] { render(deep, {}); }).message.en, Contains("sections are nested too deeply"));
  // Partials that include the next one over and over (20^6 copies) are refused once the expansion passes the limit.
  std::map<std::string, std::string> wide;
  for (int i = 0; i < 6; ++i) {
    std::string body;
    for (int k = 0; k < 20; ++k) body += "{{> w" + std::to_string(i + 1) + "}}";
    wide["w" + std::to_string(i)] = body;
  }
  wide["w6"] = "x";
  p = problem_of([&] { render("{{> w0}}", wide); });
  CHECK(p.code == ErrorCode::ConfigInvalid);
  CHECK(p.pos.file == "report.ja.md.mustache");
  CHECK_THAT(p.message.en, Contains("too large once its partials are expanded"));
  // A partial used twice and shared by two others is not a cycle.
  CHECK(render("{{> a}}{{> b}}{{> a}}", {{"a", "{{> c}}"}, {"b", "{{> c}}"}, {"c", "{{title}}"}}) == "TTT");
}

TEST_CASE("rendering keeps the rules the templates were written for (those of mstch 1.0)", "[report][template]") {
  // Checked against mstch 1.0.2 (Debian libmstch-dev, the renderer before kainjow) when the renderer changed.
  const std::set<std::string> names{"title", "no", "yes", "n", "zero", "empty", "m", "s", "list", "star"};
  const detail::Map ctx{{"title", "T"}, {"no", false}, {"yes", true}, {"n", 3}, {"zero", 0}, {"empty", ""},
                        {"m", detail::Map{{"s", "S"}}}, {"list", detail::Array{"a", "b"}}, {"star", "a*b"}};
  const std::map<std::string, std::string> partials{{"p", "1\n2\n"}, {"q", "{{title}}"}};
  const auto render = [&](const std::string& text) { return detail::render_markdown_template(text, "t", ctx, names, partials); };
  // Standalone comment and section lines disappear with their line end, also for a section not shown
  // (kainjow 4.1 alone leaves a blank line there); a blank line inside a shown section stays.
  CHECK(render("{{! c }}\n# {{title}}\n{{#no}}\nx\n{{/no}}\n{{#yes}}\n\ny\n{{/yes}}\nend\n") == "# T\n\ny\nend\n");
  CHECK(render("  {{#yes}}  \r\nx\n{{/yes}}") == "x\n");
  // A standalone partial is indented line by line; one inside a line is not.
  CHECK(render("a\n  {{> p}}\nb {{> q}}\n") == "a\n  1\n  2\nb T\n");
  // Values: yes/no and numbers print; false, 0, an empty text and an empty list are false in a section;
  // dotted names; {{.}} in a list.
  CHECK(render("{{yes}} {{no}} {{n}} {{zero}} [{{#empty}}x{{/empty}}] [{{^zero}}z{{/zero}}] {{m.s}} {{#list}}{{.}},{{/list}}") ==
        "true false 3 0 [] [z] S a,b,");
  // {{x}} is escaped for Markdown; {{{x}}} and {{&x}} are not.
  CHECK(render("{{star}} {{{star}}} {{&star}}") == "a\\*b a*b a*b");
}

TEST_CASE("Markdown escaping of {{name}}", "[report][template]") {
  CHECK(detail::markdown_escape("a|b") == "a\\|b");
  CHECK(detail::markdown_escape("* note") == "\\* note");
  CHECK(detail::markdown_escape("main_reason") == "main_reason");
  CHECK(detail::markdown_escape("_x_") == "\\_x\\_");
  CHECK(detail::markdown_escape("<b>[x]`") == "\\<b\\>\\[x\\]\\`");
  CHECK(detail::markdown_escape("西東京市 2.5%") == "西東京市 2.5%");
}

TEST_CASE("SVG chart: suppressed bars are not drawn, text is escaped, output is deterministic", "[report][svg]") {
  ChartData c;
  c.title = Text{"理由 & <背景>", "reasons & <background>"};
  c.categories = {Text{"病気", "illness"}, Text{"妊娠", "pregnancy"}, Text{"その他", "other"}};
  ChartSeries a{Text{"広義", "broad"}, {ChartBar{0.4, false, true, "40.0%"}, ChartBar{0.1, true, true, ""}, ChartBar{0, false, false, ""}}};
  ChartSeries b{Text{"一般群", "comparison"}, {ChartBar{0.05, false, true, "5.0%"}, ChartBar{0.02, false, true, "2.0%"}, ChartBar{0.5, true, true, ""}}};
  c.series = {a, b};
  const std::string svg = bar_chart_svg(c, Lang::Ja);
  CHECK_THAT(svg, StartsWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\""));
  CHECK(count(svg, "<rect class=\"bar\"") == 3);       // 6 values: 2 suppressed, 1 not estimable
  CHECK(count(svg, "class=\"suppressed\"") == 2);
  CHECK(count(svg, ">* 秘匿<") == 2);
  CHECK(count(svg, "class=\"na\"") == 1);
  CHECK(count(svg, "<rect class=\"legend\"") == 2);
  CHECK_THAT(svg, Contains("理由 &amp; &lt;背景&gt;"));
  CHECK(svg.find("<背景>") == std::string::npos);
  CHECK(svg == bar_chart_svg(c, Lang::Ja));
  CHECK_THAT(bar_chart_svg(c, Lang::En), Contains(">* suppressed<"));
  // The suppressed value (0.5) does not set the axis: the largest shown value is 40%, so the axis ends at 40%.
  CHECK_THAT(svg, Contains(">40%</text>"));
  CHECK(svg.find(">50%</text>") == std::string::npos);
  // Balanced elements (the XML parse test in tests/cli/report_check.py covers well-formedness).
  CHECK(count(svg, "<text") == count(svg, "</text>"));
  CHECK(count(svg, "<svg") == 1);
  CHECK(count(svg, "</svg>") == 1);

  c.series[1].bars.pop_back();
  CHECK(problem_of([&] { bar_chart_svg(c, Lang::Ja); }).code == ErrorCode::Internal);
}

TEST_CASE("timestamps", "[report][timestamp]") {
  CHECK(parse_timestamp("2025-01-31").epoch == 1738281600);
  CHECK(parse_timestamp("2025-01-31").date == "2025-01-31");
  CHECK(parse_timestamp("2025-01-31T09:00:00+09:00").epoch == 1738281600);
  CHECK(parse_timestamp("2025-01-31T09:00:00+09:00").date == "2025-01-31");
  CHECK(parse_timestamp("2025-01-31T10:30Z").epoch == 1738281600 + 10 * 3600 + 30 * 60);
  CHECK(parse_timestamp("1980-01-01").epoch == kDefaultCreated);
  for (const char* bad : {"", "2025-1-31", "2025-02-30", "2025-01-31T10:00", "2025-01-31T25:00Z", "1979-12-31", "2025-01-31x", "yesterday"}) {
    INFO(bad);
    CHECK(problem_of([&] { parse_timestamp(bad); }).code == ErrorCode::UsageInvalidOption);
  }
  CHECK(timestamp_from_epoch("1738281600").date == "2025-01-31");
  CHECK(timestamp_from_epoch("1738367999").date == "2025-01-31");
  CHECK(problem_of([] { timestamp_from_epoch("0"); }).code == ErrorCode::UsageInvalidOption);
  CHECK(problem_of([] { timestamp_from_epoch("12a"); }).code == ErrorCode::UsageInvalidOption);
}

TEST_CASE("files that --force may replace", "[report]") {
  for (const char* ok : {"report.md", "report.xlsx", "tables/age.csv", "charts/age.svg", "charts/age.png"}) CHECK(is_report_file(ok));
  for (const char* no : {"notes.txt", "tables/age.svg", "tables/age.png", "charts/a/b.svg", "report.md.bak", "data.csv", "tables/.csv"}) CHECK_FALSE(is_report_file(no));
}

TEST_CASE("xlsx workbooks are reproducible and keep suppressed cells hidden", "[report][xlsx]") {
  Table t;
  t.id = "reasons";
  t.title = Text{"理由", "reasons"};
  t.columns = {Column{"label", Text{"回答", "answer"}, Align::Left, true, true}, Column{"n", Text{"人数", "n"}, Align::Right, true, true},
               Column{"percent", Text{"割合", "%"}, Align::Right, true, true}};
  t.rows = {{Cell{Text{"病気", "illness"}, "病気"}, Cell{Text{"8", "8"}, "8"}, Cell{Text{"40.0%", "40.0%"}, "0.4"}},
            {Cell{Text{"妊娠", "pregnancy"}, "妊娠"}, Cell{Text{"*", "*"}, ""}, Cell{Text{"*", "*"}, ""}}};
  XlsxOptions o;
  const std::string a = xlsx_workbook({t}, o);
  CHECK(a.substr(0, 2) == "PK");
  CHECK(a == xlsx_workbook({t}, o));
  o.created = 1738281600;
  CHECK(a != xlsx_workbook({t}, o));
  // The suppressed count was never written: its value is nowhere in the workbook (shared strings hold "*").
  Table bad = t;
  bad.id = "a:b";
  CHECK(problem_of([&] { xlsx_workbook({bad}, o); }).code == ErrorCode::UsageInvalidOption);
  CHECK(problem_of([&] { xlsx_workbook({t, t}, o); }).code == ErrorCode::UsageInvalidOption);
  o.created = 0;
  CHECK(problem_of([&] { xlsx_workbook({t}, o); }).code == ErrorCode::IoCannotWrite);
}

TEST_CASE("SVG chart: interval whiskers, ※ marks, and distinct fills for any number of series", "[report][svg]") {
  ChartData c;
  c.title = Text{"理由", "reasons"};
  c.categories = {Text{"病気", "illness"}};
  for (int s = 0; s < 11; ++s) {
    ChartSeries series;
    series.name = Text{fmt::format("群{}", s), fmt::format("group {}", s)};
    ChartBar b;
    b.value = 0.2;
    b.label = "20.0%";
    b.has_interval = s == 0;
    b.lower = 0.1;
    b.upper = 0.55; // beyond the values: the axis must cover it (60%)
    b.flagged = s == 1;
    series.bars = {b};
    c.series.push_back(series);
  }
  const std::string svg = bar_chart_svg(c, Lang::Ja);
  CHECK(count(svg, "class=\"interval\"") == 1);
  CHECK(svg.find(">60%</text>") != std::string::npos);
  CHECK(count(svg, "20.0%※") == 1);
  CHECK(svg.find("横線（ひげ）は信頼区間") != std::string::npos);
  CHECK(svg.find("※ は精度が低い値") != std::string::npos);
  // 11 series: 8 palette colours, then 3 hatched patterns; no two bars share a fill.
  std::set<std::string> fills;
  for (std::size_t at = svg.find("class=\"bar\""); at != std::string::npos; at = svg.find("class=\"bar\"", at + 1)) {
    const auto f = svg.find("fill=\"", at) + 6;
    fills.insert(svg.substr(f, svg.find('"', f) - f));
  }
  CHECK(fills.size() == 11);
  CHECK(count(svg, "<pattern id=\"hatch") == 3);
  // The yellow series (7th) has an outline on white.
  CHECK(svg.find("fill=\"#F0E442\" stroke=\"#333333\"") != std::string::npos);
}

TEST_CASE("report workbooks: Japanese sheet names, names checked, reproducible, charts only where asked", "[report][xlsx]") {
  Table t;
  t.id = "reasons";
  t.number = 2;
  t.title = Text{"理由", "reasons"};
  t.columns = {Column{"label", Text{"回答", "answer"}, Align::Left, true, true}, Column{"n", Text{"人数", "n"}, Align::Right, true, true},
               Column{"percent", Text{"割合", "%"}, Align::Right, true, true}};
  t.rows = {{Cell{Text{"病気", "illness"}, "病気"}, Cell{Text{"8", "8"}, "8"}, Cell{Text{"40.0%", "40.0%"}, "0.4"}},
            {Cell{Text{"妊娠", "pregnancy"}, "妊娠"}, Cell{Text{"*", "*"}, ""}, Cell{Text{"*", "*"}, ""}}};
  XlsxOptions o;
  o.about = {{Text{"hkstat", "hkstat"}, Text{"hkstat 0", "hkstat 0"}}};
  o.about_name = "方法と出典";
  const std::optional<XlsxSheet> data = XlsxSheet{t, "データ", false};
  const std::string a = xlsx_report({XlsxSheet{t, "表2 理由", true}}, data, o);
  CHECK(a.substr(0, 2) == "PK");
  CHECK(a == xlsx_report({XlsxSheet{t, "表2 理由", true}}, data, o));
  // A chart part exists only when asked for (the zip's central directory names xl/charts/chart1.xml).
  CHECK(a.find("xl/charts/chart1.xml") != std::string::npos);
  const std::string plain = xlsx_report({XlsxSheet{t, "表2 理由", false}}, data, o);
  CHECK(plain.find("xl/charts/chart1.xml") == std::string::npos);
  // 31 characters (not bytes) are allowed; 32, a forbidden character, or a name used twice are refused.
  const std::string long31 = "表" + std::string(30, 'x');
  CHECK_NOTHROW(xlsx_report({XlsxSheet{t, long31, false}}, std::nullopt, o));
  CHECK(problem_of([&] { xlsx_report({XlsxSheet{t, long31 + "y", false}}, std::nullopt, o); }).code == ErrorCode::UsageInvalidOption);
  CHECK(problem_of([&] { xlsx_report({XlsxSheet{t, "表2/理由", false}}, std::nullopt, o); }).code == ErrorCode::UsageInvalidOption);
  CHECK(problem_of([&] { xlsx_report({XlsxSheet{t, "データ", false}}, data, o); }).code == ErrorCode::UsageInvalidOption);
  CHECK(problem_of([&] { xlsx_report({XlsxSheet{t, "方法と出典", false}}, std::nullopt, o); }).code == ErrorCode::UsageInvalidOption);
}

TEST_CASE("a population report: files, BOM, suppression, determinism", "[report][build]") {
  const auto cb = codebook::load_codebook(kSrc + "/tests/data/unit/mini.codebook.toml");
  const auto in = data::ingest(kSrc + "/tests/data/unit/mini.csv", cb, {});
  const auto rs = classify::builtin_ruleset("cao2018");
  ReportOptions o;
  o.prevalence.population.total = 1000;
  o.provenance.version = "hkstat test";
  o.provenance.input = "mini.csv";
  o.timestamp = parse_timestamp("2025-01-31");
  const auto out = build_report(in, &rs, builtin_template(), o);
  std::vector<std::string> names;
  for (const auto& [n, c] : out.files) names.push_back(n);
  CHECK(names[0] == "report.md");
  CHECK(names[1] == "report.xlsx");
  REQUIRE(file_of(out, "tables/prevalence.csv"));
  // The prevalence chart: one bar per shown cell, with its whisker; the Word source only when asked.
  REQUIRE(file_of(out, "charts/prevalence.svg"));
  CHECK_THAT(*file_of(out, "charts/prevalence.svg"), Contains("class=\"interval\""));
  CHECK_FALSE(out.word.has_value());
  {
    ReportOptions w = o;
    w.word = true;
    const auto word = build_report(in, &rs, builtin_template(), w);
    REQUIRE(word.word.has_value());
    CHECK_THAT(word.word->markdown, Contains("](charts/prevalence.png)"));   // charts as PNG for Word
    CHECK(word.word->markdown.find(".svg)") == std::string::npos);
    CHECK(*file_of(word, "report.md") == *file_of(out, "report.md"));        // report.md itself unchanged
    CHECK(word.word->reference_docx == builtin_template().files.at("reference.docx"));
    CHECK(word.word->created == parse_timestamp("2025-01-31").epoch);
  }
  // 100% stacked bars of a multiple-answer question: an error naming the table.
  {
    ReportTemplate t = builtin_template();
    parse_tables_spec("[[table]]\nid = \"r\"\nrole = \"reasons\"\nchart_kind = \"stacked\"\n", "tables.toml", t);
    const Problem p = problem_of([&] { build_report(in, &rs, t, o); });
    CHECK(p.code == ErrorCode::ConfigInvalid);
    CHECK(p.pos.key == "table.r.chart_kind");
  }
  for (const auto& [n, c] : out.files)
    if (n.rfind("tables/", 0) == 0) CHECK(c.substr(0, 3) == "\xEF\xBB\xBF");
  const std::string& md = *file_of(out, "report.md");
  CHECK_THAT(md, Contains("作成日: 2025-01-31"));
  CHECK_THAT(md, Contains("## 要約"));
  CHECK_THAT(md, Contains("![")); // charts are referenced
  for (const auto& [n, c] : out.files) {
    if (n.rfind("charts/", 0) == 0 && n.size() > 4 && n.compare(n.size() - 4, 4, ".svg") == 0) {
      CHECK_THAT(md, Contains("](" + n + ")"));
      CHECK(file_of(out, n.substr(0, n.size() - 4) + ".png") != nullptr); // a PNG beside every SVG
    }
    if (n.rfind("charts/", 0) == 0 && n.size() > 4 && n.compare(n.size() - 4, 4, ".png") == 0) CHECK(c.substr(1, 3) == "PNG");
  }
  // The mini survey has no question labelled 利用意向, 認知 or 望む支援, no main_reason and no work_experience: those
  // optional tables are left out, and said so.
  std::vector<std::string> skipped;
  for (const auto& [id, why] : out.skipped) skipped.push_back(id);
  CHECK(skipped == std::vector<std::string>{"main_reason", "support_need", "work_experience", "awareness", "support_wanted"});
  CHECK_THAT(md, Contains("### 省略した表"));

  o.bom = false;
  o.lang = Lang::En;
  const auto en = build_report(in, &rs, builtin_template(), o);
  for (const auto& [n, c] : en.files)
    if (n.rfind("tables/", 0) == 0) CHECK(c.substr(0, 3) != "\xEF\xBB\xBF");
  CHECK(*file_of(en, "tables/prevalence.csv") == file_of(out, "tables/prevalence.csv")->substr(3)); // same table, no BOM
  CHECK_THAT(*file_of(en, "report.md"), Contains("## Summary"));
  const auto again = build_report(in, &rs, builtin_template(), o);
  CHECK(again.files == en.files);
}

TEST_CASE("an agency survey report has no prevalence and says so", "[report][build]") {
  const auto cb = codebook::load_codebook(kSrc + "/tests/data/report/agency_mini.codebook.toml");
  const auto in = data::ingest(kSrc + "/tests/data/report/agency_mini.csv", cb, {});
  REQUIRE(in.data.codebook.kind == codebook::SurveyKind::Agency);
  ReportOptions o;
  // The built-in template's agency tables (tables.agency.toml): those the codebook has, the others left out.
  const auto agency = build_report(in, nullptr, builtin_template(), o);
  CHECK(file_of(agency, "tables/reasons.csv"));
  CHECK(file_of(agency, "tables/age.csv"));
  CHECK_FALSE(file_of(agency, "tables/prevalence.csv"));
  CHECK_THAT(*file_of(agency, "report.md"), Contains("出現率と推計人数は計算していません"));
  bool issues_skipped = false;
  for (const auto& [id, why] : agency.skipped) issues_skipped = issues_skipped || id == "issues";
  CHECK(issues_skipped);
  // A template without them: its population tables, reduced to all records.
  ReportTemplate t = builtin_template();
  t.kind_tables.clear();
  const auto out = build_report(in, nullptr, t, o);
  CHECK_FALSE(file_of(out, "tables/prevalence.csv"));
  const std::string& md = *file_of(out, "report.md");
  CHECK_THAT(md, Contains("出現率と推計人数は計算していません"));
  CHECK(md.find("推計人数**:") == std::string::npos);
  CHECK_THAT(md, Contains("回答者全体のみ")); // broad / comparison domains of the template reduced to all records
  CHECK(md.find("広義のひきこもり群 |") == std::string::npos);
  CHECK(md.find("個人が特定できる記述") == std::string::npos); // free text never reaches the report
  REQUIRE(!out.skipped.empty());
  CHECK(out.skipped.front().first == "prevalence");
  // A template table that is not optional and has no variable is an error naming tables.toml and the line.
  auto& main_reason = *std::find_if(t.tables.begin(), t.tables.end(), [](const TableSpec& x) { return x.id == "main_reason"; });
  main_reason.optional = false;
  const Problem p = problem_of([&] { build_report(in, nullptr, t, o); });
  CHECK(p.code == ErrorCode::ConfigInvalid);
  CHECK(p.pos.file == "builtin:default/tables.toml");
  CHECK(p.pos.line == main_reason.line);
}

namespace {

// The report of a file read in batches of `batch` rows (data::IngestStream, numbers per category expanded per
// batch as the CLI does) through ReportStream.
ReportOutput streamed_report(const std::string& csv, const codebook::Codebook& cb, const classify::RuleSet* rs, const ReportTemplate& t,
                             const ReportOptions& o, std::size_t batch) {
  data::IngestStream stream(csv, cb, {});
  data::Dataset meta;
  meta.codebook = cb;
  meta.source = csv;
  meta.encoding = stream.encoding();
  meta.had_bom = stream.had_bom();
  ReportStream rep(cb, stream.warnings(), rs, t, o);
  const bool counts = cb.by_role(codebook::Role::Count) != nullptr;
  std::size_t rows = 0;
  data::IngestBatch b;
  while (stream.next(batch, b)) {
    meta.fullwidth_normalised += b.data.fullwidth_normalised;
    meta.answer_check_counts.resize(b.data.answer_check_counts.size());
    for (std::size_t i = 0; i < b.data.answer_check_counts.size(); ++i) meta.answer_check_counts[i] += b.data.answer_check_counts[i];
    if (b.data.rows() == 0) continue;
    if (counts) {
      const data::Dataset people = data::expand_counts(b.data);
      meta.count_rows += b.data.rows();
      rows += people.rows();
      rep.add(people);
      continue;
    }
    rows += b.data.rows();
    rep.add(b.data);
  }
  return rep.finish(meta, rows, stream.rows_rejected(), stream.warnings());
}

// A codebook's supplied replicate columns ([replicates]) are read from the rows by build_report and summed from the
// batches by the stream when the options name them (PrevalenceOptions::replicate_columns, as hkstat report sets them).
void check_same_report(const std::string& csv, const std::string& codebook_path, const classify::RuleSet* rs, const ReportTemplate& t, const ReportOptions& o) {
  const auto cb = codebook::load_codebook(codebook_path);
  ReportOptions so = o;
  if (cb.replicates) {
    so.prevalence.replicate_columns = api::supplied_replicate_options(cb, "", so.prevalence.replicates_label);
    REQUIRE(so.prevalence.replicate_columns);
  }
  REQUIRE(report_streamable(so));
  data::IngestResult in = data::ingest(csv, cb, {});
  REQUIRE(in.rejected.empty());
  if (cb.by_role(codebook::Role::Count)) in.data = data::expand_counts(in.data);
  const auto whole = build_report(in, rs, t, o);
  // Under the sanitizers batches of 7 rows only (sweep.hpp).
  for (const std::size_t batch : hkstat::test::sweep({std::size_t{1}, std::size_t{7}, std::size_t{100}, std::size_t{65536}}, {hkstat::test::sanitized_batch_rows})) {
    INFO(csv << ", batches of " << batch << " rows");
    const auto streamed = streamed_report(csv, cb, rs, t, so, batch);
    REQUIRE(streamed.files.size() == whole.files.size());
    for (std::size_t i = 0; i < whole.files.size(); ++i) {
      INFO(whole.files[i].first);
      CHECK(streamed.files[i].first == whole.files[i].first);
      CHECK(streamed.files[i].second == whole.files[i].second);
    }
    REQUIRE(streamed.skipped.size() == whole.skipped.size());
    for (std::size_t i = 0; i < whole.skipped.size(); ++i) CHECK(streamed.skipped[i].second.en == whole.skipped[i].second.en);
  }
}

} // namespace

TEST_CASE("the streamed report (ReportStream) is byte-identical to build_report, any batch size", "[report][stream]") {
  const auto rs = classify::builtin_ruleset("cao2018");
  ReportOptions o;
  o.provenance.version = "hkstat test";
  o.timestamp = parse_timestamp("2025-01-31");
  SECTION("population, simple sample") {
    o.prevalence.population.total = 1000;
    check_same_report(kSrc + "/tests/data/unit/mini.csv", kSrc + "/tests/data/unit/mini.codebook.toml", &rs, builtin_template(), o);
  }
  SECTION("population, stratified two-stage design; --where; created replicates") {
    const auto core = classify::resolve_ruleset(kSrc + "/tests/data/weighted/core_only.toml"); // the codebook has no reasons
    const classify::RuleSet* core_rs = &core;
    check_same_report(kSrc + "/tests/data/design/design_survey.csv", kSrc + "/tests/data/design/full.codebook.toml", core_rs, builtin_template(), o);
    const auto cb = codebook::load_codebook(kSrc + "/tests/data/design/full.codebook.toml");
    o.prevalence.where.emplace("age >= 30", cb);
    check_same_report(kSrc + "/tests/data/design/design_survey.csv", kSrc + "/tests/data/design/full.codebook.toml", core_rs, builtin_template(), o);
    o.prevalence.where.reset();
    o.prevalence.replicate_request = estimate::ReplicateRequest{};
    o.prevalence.replicate_request->kind = estimate::CreatedReplicates::Bootstrap;
    o.prevalence.replicate_request->replicates = 20;
    o.prevalence.replicate_request->seed = 3;
    o.prevalence.replicates_label = Text{"bootstrap", "bootstrap"};
    check_same_report(kSrc + "/tests/data/design/design_survey.csv", kSrc + "/tests/data/design/full.codebook.toml", core_rs, builtin_template(), o);
  }
  SECTION("agency survey, intake records, numbers per category") {
    for (const char* name : {"agency2024", "intake2024", "agency2024_counts"})
      check_same_report(kSrc + "/data/samples/" + name + ".csv", kSrc + "/data/samples/" + name + ".codebook.toml", nullptr, builtin_template(), o);
    check_same_report(kSrc + "/tests/data/report/agency_mini.csv", kSrc + "/tests/data/report/agency_mini.codebook.toml", nullptr, builtin_template(), o);
  }
  SECTION("the same first error: a table whose variable is absent") {
    const auto cb = codebook::load_codebook(kSrc + "/tests/data/report/agency_mini.codebook.toml");
    ReportTemplate t = builtin_template();
    t.kind_tables.clear();
    t.tables.clear();
    parse_tables_spec("[[table]]\nid = \"x\"\nvariable = \"no_such_variable\"\n", "tables.toml", t);
    const auto in = data::ingest(kSrc + "/tests/data/report/agency_mini.csv", cb, {});
    const Problem whole = problem_of([&] { build_report(in, nullptr, t, o); });
    const Problem streamed = problem_of([&] { streamed_report(kSrc + "/tests/data/report/agency_mini.csv", cb, nullptr, t, o, 3); });
    CHECK(whole.code == ErrorCode::ConfigInvalid);
    CHECK(streamed.code == whole.code);
    CHECK(streamed.message.en == whole.message.en);
    CHECK(streamed.pos.line == whole.pos.line);
  }
  SECTION("a household roster, wide and long (members counted, as hkstat estimate streams them)") {
    const auto h = classify::builtin_ruleset("cao2022-scz-physical");
    o.prevalence.population.total = 1000;
    for (const char* stem : {"household", "household_long"})
      check_same_report(kSrc + "/tests/data/unit/roster/" + stem + ".csv", kSrc + "/tests/data/unit/roster/" + stem + ".codebook.toml", &h,
                        builtin_template(), o);
    o.numerator = roster::Numerator::Persons;
    const auto core = classify::resolve_ruleset(kSrc + "/tests/data/weighted/core_only.toml");
    check_same_report(kSrc + "/tests/data/roster_design/roster_design.csv", kSrc + "/tests/data/roster_design/roster_design.codebook.toml", &core,
                      builtin_template(), o);
    // The same roster with supplied JKn replicate columns: the members' sums per cell and replicate.
    check_same_report(kSrc + "/tests/data/roster_design/roster_design_jkn.csv", kSrc + "/tests/data/roster_design/roster_design_jkn.codebook.toml",
                      &core, builtin_template(), o);
  }
  SECTION("what needs every row is refused") {
    // Supplied replicate columns stream, with a household roster too; calibration (weights fitted over all rows)
    // does not.
    const auto sup = codebook::load_codebook(kSrc + "/tests/data/replicate/sup_jk1.codebook.toml"); // [replicates]
    CHECK(report_streamable(o));
    auto calibrated = o;
    calibrated.prevalence.calibration = [](const Eigen::MatrixXd& z) { return z; };
    CHECK_FALSE(report_streamable(calibrated));
    CHECK(problem_of([&] { ReportStream(sup, {}, &rs, builtin_template(), calibrated); }).code == ErrorCode::Internal);
    // A roster with supplied replicate columns makes a stream (its reports: the roster section above).
    auto both = codebook::load_codebook(kSrc + "/tests/data/unit/roster/household.codebook.toml");
    both.replicates = sup.replicates;
    CHECK_NOTHROW(ReportStream(both, {}, &rs, builtin_template(), o));
  }
}

TEST_CASE("libxlsxwriter is opened at run time, a missing or wrong one is E_IO_OPEN naming it", "[report][xlsx]") {
  // Not linked (lib/CMakeLists.txt): found by its soname when a workbook is built.
  CHECK_NOTHROW(report::detail::load_xlsx_library("libxlsxwriter.so.4"));
  const Problem missing = testutil::problem_of([] { report::detail::load_xlsx_library("/nonexistent/libxlsxwriter.so.4"); });
  CHECK(missing.code == ErrorCode::IoCannotOpen);
  CHECK(missing.pos.file == "/nonexistent/libxlsxwriter.so.4");
  CHECK(missing.message.en.find("libxlsxwriter") != std::string::npos);
  CHECK(missing.expected.ja.find("HKSTAT_LIBXLSXWRITER") != std::string::npos);
  // A library that opens but is not libxlsxwriter: its first missing function is named.
  const Problem wrong = testutil::problem_of([] { report::detail::load_xlsx_library("libm.so.6"); });
  CHECK(wrong.code == ErrorCode::IoCannotOpen);
  CHECK(wrong.value.rfind("no symbol ", 0) == 0);
}
