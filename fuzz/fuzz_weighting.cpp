// Weighting with a population table (weights::apply_weighting, as hkstat weight): the first part of the input
// is the population table CSV; an optional second part (after a line "%%%%") is a run configuration whose
// [weighting] section is used (its population tables all read the first part). Fixed data:
// tests/data/weight/mini.csv.
#include "fuzz_util.hpp"

#include "hkstat/codebook/codebook.hpp"
#include "hkstat/config/run_config.hpp"
#include "hkstat/data/dataset.hpp"
#include "hkstat/weights/apply.hpp"

using namespace hkstat;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const data::IngestResult sample = [] {
    const auto cb = codebook::load_codebook(fuzz::source_path("tests/data/weight/mini.codebook.toml"));
    return data::ingest(fuzz::source_path("tests/data/weight/mini.csv"), cb, data::IngestOptions{});
  }();
  const auto parts = fuzz::split_parts(std::string_view(reinterpret_cast<const char*>(data), size));
  const std::string path = fuzz::write_file("population.csv", parts[0]);
  fuzz::expect_only_hkstat_errors([&] {
    weights::WeightingSpec spec;
    if (parts.size() > 1) {
      const auto cfg = config::parse_run_config(parts[1], "fuzz.hkstat.toml");
      if (!cfg.weighting) return;
      spec = *cfg.weighting;
      for (auto& t : spec.tables) t.path = path;
    } else {
      spec.method = weights::WeightingMethod::PostStratify;
      spec.tables = {weights::PopulationTableSpec{path, {}}};
      spec.count_column = "人数";
      spec.bands = {weights::parse_band_variable("年齢区分=15-39,40-64", "fuzz")};
      spec.response = weights::ResponseSpec{"回答", {1}, {}};
      spec.unmatched = weights::Unmatched::Drop;
    }
    const auto r = weights::apply_weighting(sample.data, spec);
    (void)r;
  });
  return 0;
}
