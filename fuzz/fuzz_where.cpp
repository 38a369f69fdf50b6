// A `--where` expression (estimate::Where: the small expression language of docs/cli.md "--where"), parsed
// against the 西東京市 sample's codebook and evaluated on its 810 rows: names, codes by number, key or label,
// quoting, `in (…)`, `is missing`, nesting. Only hkstat::Error may come out; every row gets 0 or 1.
#include "fuzz_util.hpp"

#include "hkstat/codebook/codebook.hpp"
#include "hkstat/data/dataset.hpp"
#include "hkstat/estimate/where.hpp"

#include <cstdlib>

using namespace hkstat;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const codebook::Codebook cb =
      codebook::load_codebook(fuzz::source_path("data/samples/nishitokyo2024.codebook.toml"));
  static const data::IngestResult sample =
      data::ingest(fuzz::source_path("data/samples/nishitokyo2024.csv"), cb, data::IngestOptions{});
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  fuzz::expect_only_hkstat_errors([&] {
    const estimate::Where where(text, cb);
    std::vector<char> in;
    where.eval(sample.data, in);
    if (in.size() != sample.data.rows()) std::abort();
    for (const char c : in)
      if (c != 0 && c != 1) std::abort();
    (void)where.variables();
  });
  return 0;
}
