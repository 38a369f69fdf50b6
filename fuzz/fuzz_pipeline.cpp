// The whole pipeline on a small fixed codebook and a fuzzed CSV: ingest (read whole, and as a stream in batches of 7
// rows, which must agree: the one-pass line read against the split) → classify (cao2022) → estimate
// (with age groups and --by sex) → tabulate (every code/multi variable, by sex and age bands) → render
// (text, Markdown, CSV). The first byte chooses the line ends (as given / LF → CRLF / LF → CR) and the
// encoding option; the rest is the data file for tests/data/unit/mini.codebook.toml.
#include "fuzz_util.hpp"

#include <cstdlib>
#include <cstring>

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

namespace {

// The same file read by a stream in batches of 7 rows. A whole-file read takes its first 1,000 rows line by line (split,
// then cell by cell); a stream's small batches take every usual line through the one-pass line read
// (IngestStream's line_cells) from the first row. The two must agree on every row, value and count, and on whether
// the file can be read at all; anything else aborts (a finding).
void expect_stream_as_whole(const std::string& path, const codebook::Codebook& cb, const data::IngestOptions& io, const data::IngestResult* whole) {
  std::size_t at = 0;
  bool read = true;
  try {
    data::IngestStream stream(path, cb, io);
    data::IngestBatch batch;
    while (stream.next(7, batch)) {
      if (!whole) continue;
      for (std::size_t r = 0; r < batch.data.rows(); ++r, ++at) {
        if (at >= whole->data.rows() || batch.data.lines[r] != whole->data.lines[at]) std::abort();
        for (std::size_t v = 0; v < cb.variables.size(); ++v) {
          const data::Column &x = batch.data.columns[v], &y = whole->data.columns[v];
          const auto differ = [&](const auto& a, const auto& b) { return !a.empty() && std::memcmp(&a[r], &b[at], sizeof a[r]) != 0; };
          if (differ(x.ints, y.ints) || differ(x.raw_missing, y.raw_missing) || differ(x.numbers, y.numbers) || differ(x.multi, y.multi) ||
              differ(x.multi_answered, y.multi_answered) || (!x.ids.empty() && x.ids[r] != y.ids[at]))
            std::abort();
        }
      }
    }
    if (whole && (at != whole->data.rows() || stream.rows_read() != whole->rows_read || stream.rows_rejected() != whole->rows_rejected)) std::abort();
  } catch (const Error&) {
    read = false;
  }
  if (read != (whole != nullptr)) std::abort();
}

} // namespace

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
    data::IngestResult in;
    try {
      in = data::ingest(path, cb, io);
    } catch (const Error&) {
      expect_stream_as_whole(path, cb, io, nullptr);
      throw;
    }
    expect_stream_as_whole(path, cb, io, &in);
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
