// hkstat-bench-read-fccp — the same read as `hkstat-bench-read --mode csv`, done with fast-cpp-csv-parser
// (Debian libfccp-dev, the CSV library named on the design card), as the baseline that hkstat's own reader
// (io::CsvReader) is measured against (bench/README.md, docs/performance.md "Why hkstat has its own CSV reader").
// Prints one line in hkstat-bench-read's format: mode, records, bytes, wall s, CPU s, MB/s wall, MB/s CPU.
//
//   hkstat-bench-read-fccp --mode lines FILE    io::LineReader: records split at line ends only
//   hkstat-bench-read-fccp --mode fields FILE   io::CSVReader<22, trim_chars<>, double_quote_escape<',', '"'>>:
//                                               every record split into its 22 fields (char* views), quotes
//                                               handled as RFC 4180 — the work `--mode csv` does
// The file must have the benchmark's 22-column header (bench/bench.codebook.toml). No "-" (fccp reads files).
#include <libfccp/csv.h>

#include <chrono>
#include <cstdio>
#include <exception>
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

std::size_t read_fields(const std::string& path) {
  io::CSVReader<22, io::trim_chars<>, io::double_quote_escape<',', '"'>> in(path);
  in.read_header(io::ignore_no_column, "id", "age", "sex", "outing", "duration", "occupation", "stratum", "psu",
                 "weight", "reason_01", "reason_02", "reason_03", "reason_04", "reason_05", "reason_06", "reason_07",
                 "reason_08", "reason_09", "reason_10", "reason_11", "reason_12", "main_reason");
  char* f[22] = {};
  std::size_t records = 0;
  while (in.read_row(f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[10], f[11], f[12], f[13], f[14],
                     f[15], f[16], f[17], f[18], f[19], f[20], f[21]))
    ++records;
  return records;
}

std::size_t read_lines(const std::string& path) {
  io::LineReader in(path);
  std::size_t records = 0;
  if (in.next_line() == nullptr) return 0; // header
  while (in.next_line() != nullptr) ++records;
  return records;
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 4 || std::string(argv[1]) != "--mode" || (std::string(argv[2]) != "lines" && std::string(argv[2]) != "fields")) {
    std::fprintf(stderr, "usage: hkstat-bench-read-fccp --mode lines|fields FILE\n");
    return 2;
  }
  const std::string mode = argv[2], path = argv[3];
  try {
    const auto t0 = std::chrono::steady_clock::now();
    const double c0 = cpu_seconds();
    const std::size_t records = mode == "lines" ? read_lines(path) : read_fields(path);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double c = cpu_seconds() - c0;
    struct stat st {};
    const double bytes = ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) ? static_cast<double>(st.st_size) : 0.0;
    std::printf("fccp-%s %zu %.0f %.3f %.3f %.1f %.1f\n", mode.c_str(), records, bytes, s, c, bytes / s / 1e6, bytes / c / 1e6);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hkstat-bench-read-fccp: %s\n", e.what());
    return 1;
  }
  return 0;
}
