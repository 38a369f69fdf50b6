// The whole pipeline on a small fixed codebook and a fuzzed CSV: ingest → classify (cao2022) → estimate
// (with age groups and --by sex) → tabulate (every code/multi variable, by sex and age bands) → render
// (text, Markdown, CSV). The first byte chooses the line ends (as given / LF → CRLF / LF → CR) and the
// encoding option; the rest is the data file for tests/data/unit/mini.codebook.toml.
#include "fuzz_util.hpp"

#include <cstdlib>

#include "hkstat/classify/classify.hpp"
#include "hkstat/classify/ruleset.hpp"
#include "hkstat/codebook/codebook.hpp"
#include "hkstat/data/dataset.hpp"
#include "hkstat/estimate/prevalence.hpp"
#include "hkstat/report/estimate_report.hpp"
#include "hkstat/report/table.hpp"
#include "hkstat/tabulate/tabulate.hpp"

using namespace hkstat;

// The small-cell suppression's work limit (SuppressOptions::work_limit, default 2·10^9 units) lowered through its
// internal test hook: under ASan a table near the default limit takes longer than libFuzzer's timeout, and the
// conservative rule used past the limit is what the fuzzer should reach.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  setenv("HKSTAT_TEST_SUPPRESS_WORK", "100000000", 0);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const codebook::Codebook cb = codebook::load_codebook(fuzz::source_path("tests/data/unit/mini.codebook.toml"));
  static const classify::RuleSet rules = classify::builtin_ruleset("cao2022");
  if (size == 0) return 0;
  const std::uint8_t flags = data[0];
  std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  const int ends = flags & 3;
  if (ends == 1 || ends == 2) {
    std::string t;
    for (const char c : text) {
      if (c == '\n') t += ends == 1 ? "\r\n" : "\r";
      else t += c;
    }
    text = std::move(t);
  }
  const std::string path = fuzz::write_file("survey.csv", text);
  fuzz::expect_only_hkstat_errors([&] {
    data::IngestOptions io;
    io.encoding = (flags >> 2 & 3) == 1 ? "utf-8" : (flags >> 2 & 3) == 2 ? "cp932" : "auto";
    const auto in = data::ingest(path, cb, io);
    const auto cls = classify::classify(in.data, rules);
    estimate::PrevalenceOptions p;
    p.lonely = estimate::LonelyPsu::Certainty;
    p.groups = {estimate::parse_age_group("15-39"), estimate::parse_age_group("40-64")};
    if (flags & 0x10) p.by = {"sex"};
    if (flags & 0x20) p.population.total = 100000;
    report::DisplayOptions d;
    d.min_cell = (flags & 0x40) ? 0 : 5;
    try {
      const auto result = estimate::estimate_prevalence(in.data, cls, p);
      const auto doc = report::prevalence_document(result, in.data, cls, d);
      (void)report::render_text(doc, Lang::Ja);
      (void)report::render_markdown(doc, Lang::En);
      (void)report::render_csv(report::prevalence_table(result, cls, d));
    } catch (const Error&) {
      // e.g. no rows: tabulation is still tried
    }
    std::vector<tabulate::Distribution> dists;
    for (const auto& v : cb.variables) {
      if (v.type != codebook::VarType::Code && v.type != codebook::VarType::Multi) continue;
      tabulate::TabulateOptions t;
      t.domains = {tabulate::Domain::All, tabulate::Domain::Broad};
      t.min_cell = d.min_cell;
      if (flags & 0x80) t.by = tabulate::parse_by("age10,sex");
      try {
        dists.push_back(tabulate::tabulate(in.data, &cls, v.name, t));
      } catch (const Error&) {
      }
    }
    if (dists.empty()) return;
    const auto doc = tabulate::tabulate_document(dists, in.data, &cls, tabulate::DocumentOptions{});
    (void)report::render_text(doc, Lang::Ja);
    (void)report::render_markdown(doc, Lang::En);
    (void)report::render_csv(tabulate::combined_table(dists, tabulate::TableOptions{}));
  });
  return 0;
}
