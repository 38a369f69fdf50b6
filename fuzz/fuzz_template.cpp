// Report templates (report::load_template + report::build_report, as hkstat report --template DIR). The input
// is a template directory in parts separated by lines "%%%%": tables.toml, report.ja.md.mustache, then
// partials, each as its name on the first line and its text after it (NAME.mustache; names are cut to
// [a-z0-9_], at most 4 partials). Fixed data: tests/data/unit/mini.csv, rule-set cao2022.
#include "fuzz_util.hpp"

#include "hkstat/classify/ruleset.hpp"
#include "hkstat/codebook/codebook.hpp"
#include "hkstat/data/dataset.hpp"
#include "hkstat/report/report_builder.hpp"
#include "hkstat/report/report_spec.hpp"

#include <filesystem>

using namespace hkstat;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const data::IngestResult sample = [] {
    const auto cb = codebook::load_codebook(fuzz::source_path("tests/data/unit/mini.codebook.toml"));
    return data::ingest(fuzz::source_path("tests/data/unit/mini.csv"), cb, data::IngestOptions{});
  }();
  static const classify::RuleSet rules = classify::builtin_ruleset("cao2022");
  const auto parts = fuzz::split_parts(std::string_view(reinterpret_cast<const char*>(data), size));
  const std::string dir = fuzz::scratch_dir() + "/template";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  fuzz::write_file("template/tables.toml", parts[0]);
  if (parts.size() > 1) fuzz::write_file("template/report.ja.md.mustache", parts[1]);
  for (std::size_t i = 2; i < parts.size() && i < 6; ++i) {
    const auto nl = parts[i].find('\n');
    std::string name;
    for (const char c : parts[i].substr(0, nl)) {
      if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') name += c;
      if (name.size() == 16) break;
    }
    if (name.empty()) name = "p";
    fuzz::write_file("template/" + name + ".mustache", nl == std::string_view::npos ? std::string_view() : parts[i].substr(nl + 1));
  }
  fuzz::expect_only_hkstat_errors([&] {
    const report::ReportTemplate tmpl = report::load_template(dir);
    report::ReportOptions ro;
    ro.scratch_dir = fuzz::scratch_dir();
    ro.prevalence.lonely = estimate::LonelyPsu::Certainty;
    const auto out = report::build_report(sample, &rules, tmpl, ro);
    (void)out;
  });
  return 0;
}
