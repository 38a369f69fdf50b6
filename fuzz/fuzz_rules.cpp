// A rule file (classify::parse_ruleset), then binding it to a fixed codebook and classifying a fixed data set
// (unknown roles and keys, conditions on every variable type).
#include "fuzz_util.hpp"

#include "hkstat/classify/classify.hpp"
#include "hkstat/classify/ruleset.hpp"
#include "hkstat/codebook/codebook.hpp"
#include "hkstat/data/dataset.hpp"

using namespace hkstat;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const data::IngestResult sample = [] {
    const auto cb = codebook::load_codebook(fuzz::source_path("tests/data/unit/mini.codebook.toml"));
    return data::ingest(fuzz::source_path("tests/data/unit/mini.csv"), cb, data::IngestOptions{});
  }();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  fuzz::expect_only_hkstat_errors([&] {
    const classify::RuleSet rs = classify::parse_ruleset(text, "fuzz.rules.toml");
    (void)classify::classify(sample.data, rs);
  });
  return 0;
}
