// hkstat-bench-read — how fast hkstat's library reads a CSV, without classifying or estimating
// (bench/README.md). Prints one line: mode, records, bytes, wall seconds, CPU seconds (user + system),
// MB/s of wall time and MB/s of CPU time (10^6 bytes per second).
//
//   hkstat-bench-read --mode csv FILE                    io::CsvReader only: records split into fields (views)
//   hkstat-bench-read --mode ingest --codebook CB FILE   data::ingest: fields validated into typed columns
//   hkstat-bench-read --mode stream --codebook CB [--batch N] FILE
//                                                        data::IngestStream: the same in batches of N rows
//                                                        (default 65536), one batch object reused
// FILE "-" reads standard input (then the byte count is not known and printed as 0).
#include "hkstat/codebook/codebook.hpp"
#include "hkstat/core/error.hpp"
#include "hkstat/data/dataset.hpp"
#include "hkstat/io/csv_reader.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <sys/resource.h>
#include <sys/stat.h>

namespace {

double cpu_seconds() {
  rusage ru {};
  ::getrusage(RUSAGE_SELF, &ru);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6; };
  return s(ru.ru_utime) + s(ru.ru_stime);
}

} // namespace

int main(int argc, char** argv) {
  std::string mode = "csv", codebook_path, path, batch_text = "65536";
  for (int a = 1; a < argc; ++a) {
    const std::string arg = argv[a];
    if ((arg == "--mode" || arg == "--codebook" || arg == "--batch") && a + 1 < argc) {
      (arg == "--mode" ? mode : arg == "--codebook" ? codebook_path : batch_text) = argv[++a];
    } else if (path.empty() && (arg == "-" || arg.rfind("--", 0) != 0)) {
      path = arg;
    } else {
      path.clear();
      break;
    }
  }
  const long batch = std::strtol(batch_text.c_str(), nullptr, 10);
  if (path.empty() || (mode != "csv" && mode != "ingest" && mode != "stream") || (mode != "csv" && codebook_path.empty()) || batch < 1) {
    std::fprintf(stderr, "usage: hkstat-bench-read --mode csv FILE | --mode ingest --codebook CB FILE | --mode stream --codebook CB [--batch N] FILE\n");
    return 2;
  }
  try {
    const auto t0 = std::chrono::steady_clock::now();
    const double c0 = cpu_seconds();
    std::size_t records = 0;
    std::size_t rejected = 0;
    if (mode == "csv") {
      hkstat::io::CsvReader reader(path);
      hkstat::io::RecordView rec;
      while (reader.next(rec)) ++records;
    } else if (mode == "stream") {
      const auto cb = hkstat::codebook::load_codebook(codebook_path);
      hkstat::data::IngestStream stream(path, cb, {});
      hkstat::data::IngestBatch b;
      while (stream.next(static_cast<std::size_t>(batch), b)) records += b.rows_read;
      rejected = stream.rows_rejected();
    } else {
      const auto cb = hkstat::codebook::load_codebook(codebook_path);
      const auto result = hkstat::data::ingest(path, cb, {});
      records = result.rows_read;
      rejected = result.rows_rejected;
    }
    if (rejected != 0) {
      std::fprintf(stderr, "hkstat-bench-read: %zu rows rejected\n", rejected);
      return 3;
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double c = cpu_seconds() - c0;
    struct stat st {};
    const double bytes = ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) ? static_cast<double>(st.st_size) : 0.0;
    std::printf("%s %zu %.0f %.3f %.3f %.1f %.1f\n", mode.c_str(), records, bytes, s, c, bytes / s / 1e6, bytes / c / 1e6);
  } catch (const hkstat::Error& e) {
    std::fprintf(stderr, "%s\n", hkstat::format_problem(e.problem(), hkstat::Lang::En).c_str());
    return 1;
  }
  return 0;
}
