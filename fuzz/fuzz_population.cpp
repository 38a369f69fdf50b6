// The population file (config::load_population_file: an age_group,population CSV), then what hkstat estimate
// --population-file does with it on a fixed sample: the file's groups as the age groups, the estimate of
// persons per group, the report text.
#include "fuzz_util.hpp"

#include <cstdlib>

#include "hkstat/classify/classify.hpp"
#include "hkstat/classify/ruleset.hpp"
#include "hkstat/codebook/codebook.hpp"
#include "hkstat/config/run_config.hpp"
#include "hkstat/data/dataset.hpp"
#include "hkstat/estimate/prevalence.hpp"
#include "hkstat/report/estimate_report.hpp"
#include "hkstat/report/table.hpp"

using namespace hkstat;

// The small-cell suppression's work limit (SuppressOptions::work_limit, default 2·10^9 units) lowered through its
// internal test hook: under ASan a table near the default limit takes longer than libFuzzer's timeout, and the
// conservative rule used past the limit is what the fuzzer should reach.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  setenv("HKSTAT_TEST_SUPPRESS_WORK", "100000000", 0);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const data::IngestResult sample = [] {
    const auto cb = codebook::load_codebook(fuzz::source_path("tests/data/unit/mini.codebook.toml"));
    return data::ingest(fuzz::source_path("tests/data/unit/mini.csv"), cb, data::IngestOptions{});
  }();
  static const classify::Classification cls = classify::classify(sample.data, classify::builtin_ruleset("cao2022"));
  const std::string path = fuzz::write_file("population.csv", std::string_view(reinterpret_cast<const char*>(data), size));
  fuzz::expect_only_hkstat_errors([&] {
    estimate::PrevalenceOptions p;
    for (const auto& gp : config::load_population_file(path)) {
      const auto g = estimate::parse_age_group(gp.age_group);
      p.groups.push_back(g);
      p.population.by_group.emplace_back(g, gp.population);
    }
    p.population.source = path;
    p.lonely = estimate::LonelyPsu::Certainty;
    const auto result = estimate::estimate_prevalence(sample.data, cls, p);
    report::DisplayOptions d;
    (void)report::render_text(report::prevalence_document(result, sample.data, cls, d), Lang::Ja);
  });
  return 0;
}
