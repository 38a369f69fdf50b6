// The codebook grammar (codebook::parse_codebook: TOML, then the codebook's own checks).
#include "fuzz_util.hpp"

#include "hkstat/codebook/codebook.hpp"

using namespace hkstat;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  fuzz::expect_only_hkstat_errors([&] { (void)codebook::parse_codebook(text, "fuzz.codebook.toml"); });
  return 0;
}
