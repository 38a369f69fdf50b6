// The run configuration (config::parse_run_config), including [weighting] and its bands.
#include "fuzz_util.hpp"

#include "hkstat/config/run_config.hpp"

using namespace hkstat;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  fuzz::expect_only_hkstat_errors([&] { (void)config::parse_run_config(text, "fuzz.hkstat.toml"); });
  return 0;
}
