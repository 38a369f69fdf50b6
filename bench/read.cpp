// hkstat-bench-read — how fast hkstat's library reads a CSV, without classifying or estimating
// (bench/README.md). Prints one line: mode, records, bytes, wall seconds, CPU seconds (user + system),
// MB/s of wall time and MB/s of CPU time (10^6 bytes per second).
//
//   hkstat-bench-read --mode csv FILE                    io::CsvReader only: records split into fields
//   hkstat-bench-read --mode ingest --codebook CB FILE   data::ingest: fields validated into typed columns
#include "hkstat/codebook/codebook.hpp"
#include "hkstat/core/error.hpp"
#include "hkstat/data/dataset.hpp"
#include "hkstat/io/csv_reader.hpp"

#include <chrono>
#include <cstdio>
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
  std::string mode = "csv", codebook_path, path;
  for (int a = 1; a < argc; ++a) {
    const std::string arg = argv[a];
    if ((arg == "--mode" || arg == "--codebook") && a + 1 < argc) {
      (arg == "--mode" ? mode : codebook_path) = argv[++a];
    } else if (path.empty() && arg.rfind("--", 0) != 0) {
      path = arg;
    } else {
      path.clear();
      break;
    }
  }
  if (path.empty() || (mode != "csv" && mode != "ingest") || (mode == "ingest" && codebook_path.empty())) {
    std::fprintf(stderr, "usage: hkstat-bench-read --mode csv FILE | --mode ingest --codebook CB FILE\n");
    return 2;
  }
  try {
    const auto t0 = std::chrono::steady_clock::now();
    const double c0 = cpu_seconds();
    std::size_t records = 0;
    if (mode == "csv") {
      hkstat::io::CsvReader reader(path);
      hkstat::io::Record rec;
      while (reader.next(rec)) ++records;
    } else {
      const auto cb = hkstat::codebook::load_codebook(codebook_path);
      const auto result = hkstat::data::ingest(path, cb, {});
      records = result.rows_read;
      if (!result.rejected.empty()) {
        std::fprintf(stderr, "hkstat-bench-read: %zu rows rejected\n", result.rejected.size());
        return 3;
      }
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
