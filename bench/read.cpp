// hkstat-bench-read — how fast hkstat's library reads a CSV, without classifying or estimating
// (bench/README.md). Prints one line: mode, records, bytes, wall seconds, CPU seconds (user + system),
// MB/s of wall time and MB/s of CPU time (10^6 bytes per second).
//
//   hkstat-bench-read --mode csv FILE                    io::CsvReader only: records split into fields (views)
//   hkstat-bench-read --mode ingest --codebook CB FILE   data::ingest: fields validated into typed columns
//   hkstat-bench-read --mode stream --codebook CB [--batch N] FILE
//                                                        data::IngestStream: the same in batches of N rows
//                                                        (default 65536), one batch object reused
//   hkstat-bench-read --mode plain --codebook CB [--batch N] [--chunk-bytes N] FILE
//                                                        a plain loop that CHECKS NOTHING (read_plain below):
//                                                        the floor of storing every field into columns
// FILE "-" reads standard input (then the byte count is not known and printed as 0); not with --mode plain.
//
// --mode plain is not hkstat's reader: it is the floor hkstat's line pass is measured against (issue 16,
// docs/performance.md "Seventeenth session, floor"). It reads FILE with pread in chunks of --chunk-bytes (default
// 256 KiB; the record cut at a chunk's end carried to the next read), skips the header line, and stores every field
// of every row into columns of the kinds data::Column holds — an int64_t a cell of an integer, code, multi or id
// column (data::Column's `ints`; hkstat itself keeps a multi variable's 0/1 columns as one bit mask a row and an
// id as its text), a double a cell of a number column (`numbers`: ASCII digits with an optional '.' and decimals,
// the digits over an exact power of ten as hkstat's line pass converts them) — in batches of --batch rows
// (default 4096, the CLI's kStreamBatchRows), one set of column buffers reused. The codebook only says each CSV
// column's type (by the header's names; a column it does not name is skipped), so the loop is specialised per
// field type, not per file. It checks NOTHING: no quotes, no codes, no ranges, no missing values, no UTF-8, no field count (a field
// ends at its first byte that is not a digit: that byte is taken as the delimiter, unread); a malformed file gives
// wrong numbers, never a read outside the buffer. Every batch's columns are folded into a checksum (the int64
// cells summed modulo 2^64, the doubles summed in row order) printed on standard error, so that no store is dead,
// with the folds' own wall time (a consumer's cost, not the floor's: subtract it to get the loop alone).
#include "hkstat/codebook/codebook.hpp"
#include "hkstat/core/error.hpp"
#include "hkstat/data/dataset.hpp"
#include "hkstat/io/csv_reader.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

namespace {

double cpu_seconds() {
  rusage ru {};
  ::getrusage(RUSAGE_SELF, &ru);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6; };
  return s(ru.ru_utime) + s(ru.ru_stime);
}

// --mode plain (the header comment). A field's kind, from the codebook variable that names its CSV column.
enum class PlainKind : std::uint8_t { Int, Number, Skip };

struct PlainResult {
  std::size_t records = 0;
  std::uint64_t int_sum = 0; // every int64 cell, modulo 2^64
  double number_sum = 0;     // every double cell, in row order
  double fold_seconds = 0;   // wall time of the folds, part of the loop's time (reported apart)
};

// Exact powers of ten (10^22 is the largest double that is one); more decimals than that use 10^22.
constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                             1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
constexpr std::size_t kMaxPow10 = sizeof kPow10 / sizeof kPow10[0] - 1;

inline unsigned digit(char c) { return static_cast<unsigned>(c - '0'); }

// IoCannotOpen or IoRead with the system's reason.
[[noreturn]] void io_failed(hkstat::ErrorCode code, const std::string& path, int err) {
  const std::string reason = std::strerror(err);
  hkstat::throw_problem(code, path,
                        code == hkstat::ErrorCode::IoCannotOpen ? hkstat::Text{"ファイルを開けません: " + reason, "cannot open the file: " + reason}
                                                                : hkstat::Text{"ファイルを読めません: " + reason, "cannot read the file: " + reason},
                        {});
}

// pread until `n` bytes or the end of the file; the bytes read.
std::size_t pread_full(int fd, char* to, std::size_t n, off_t at, const std::string& path) {
  std::size_t got = 0;
  while (got < n) {
    const ssize_t k = ::pread(fd, to + got, n - got, at + static_cast<off_t>(got));
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) io_failed(hkstat::ErrorCode::IoRead, path, errno);
    if (k == 0) break;
    got += static_cast<std::size_t>(k);
  }
  return got;
}

PlainResult read_plain(const std::string& path, const hkstat::codebook::Codebook& cb, std::size_t batch, std::size_t chunk) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) io_failed(hkstat::ErrorCode::IoCannotOpen, path, errno);
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) io_failed(hkstat::ErrorCode::IoRead, path, errno);
  if (!S_ISREG(st.st_mode)) io_failed(hkstat::ErrorCode::IoRead, path, ESPIPE); // "Illegal seek": pread needs a regular file

  // The header line: the CSV columns' names, each mapped to the kind of the codebook variable that reads it.
  std::vector<char> buf(2 * chunk);
  std::size_t have = 0;
  const char* header_end = nullptr;
  while (header_end == nullptr) {
    const std::size_t got = pread_full(fd, buf.data() + have, buf.size() - have, static_cast<off_t>(have), path);
    header_end = static_cast<const char*>(std::memchr(buf.data() + have, '\n', got));
    have += got;
    if (header_end == nullptr && got == 0) break; // a file of one line: no rows
    if (header_end == nullptr) buf.resize(2 * buf.size());
  }
  std::unordered_map<std::string, PlainKind> kind_of;
  for (const auto& v : cb.variables)
    for (const auto& column : v.csv_columns()) kind_of[column] = v.type == hkstat::codebook::VarType::Number ? PlainKind::Number : PlainKind::Int;
  std::vector<PlainKind> kinds;
  {
    std::string_view header(buf.data(), header_end != nullptr ? static_cast<std::size_t>(header_end - buf.data()) : have);
    if (header.substr(0, 3) == "\xEF\xBB\xBF") header.remove_prefix(3);
    if (!header.empty() && header.back() == '\r') header.remove_suffix(1);
    for (std::size_t from = 0;;) {
      const std::size_t comma = std::min(header.find(',', from), header.size());
      const auto it = kind_of.find(std::string(header.substr(from, comma - from)));
      kinds.push_back(it != kind_of.end() ? it->second : PlainKind::Skip);
      if (comma == header.size()) break;
      from = comma + 1;
    }
  }
  const std::size_t fields = kinds.size();
  off_t offset = header_end != nullptr ? static_cast<off_t>(header_end - buf.data() + 1) : static_cast<off_t>(have);

  // One buffer per column, reused by every batch. Column f's cells start f * 24 cells (192 bytes) into its own
  // allocation, so that no two columns start at the same address modulo 4 KiB. The core compares a load with
  // the stores before it on the address's low 12 bits first; cells of one row in columns exactly 4 KiB apart
  // (modulo) are 22 stores that look alike there, and loads wait on them (4K aliasing). Columns of exactly 32 KiB
  // one after the other (4,096 rows) measured 100 ms against 65 ms padded at 10^6 rows; malloc's 16-byte headers
  // happen to prevent it at 4,096 rows, but from 16,384 rows on each column is an mmap of whole pages: at
  // --batch 65536 140 ms without the pad against 100 ms with it (docs/performance.md, seventeenth session).
  constexpr std::size_t kPadCells = 24;
  std::vector<std::vector<std::int64_t>> int_store(fields);
  std::vector<std::vector<double>> number_store(fields);
  std::vector<std::int64_t*> ints(fields, nullptr);
  std::vector<double*> numbers(fields, nullptr);
  for (std::size_t f = 0; f < fields; ++f) {
    if (kinds[f] == PlainKind::Int) {
      int_store[f].resize(f * kPadCells + batch);
      ints[f] = int_store[f].data() + f * kPadCells;
    } else if (kinds[f] == PlainKind::Number) {
      number_store[f].resize(f * kPadCells + batch);
      numbers[f] = number_store[f].data() + f * kPadCells;
    }
  }

  PlainResult result;
  std::size_t r = 0; // rows in the batch
  std::chrono::steady_clock::duration folding {};
  // Sums kept in locals: the compiler cannot tell result's members from the cells, and would store the sum after
  // every cell (and not vectorise).
  const auto fold = [&] {
    const auto t0 = std::chrono::steady_clock::now();
    std::uint64_t int_sum = 0;
    double number_sum = result.number_sum;
    for (std::size_t f = 0; f < fields; ++f) {
      if (const std::int64_t* const cells = ints[f])
        for (std::size_t i = 0; i < r; ++i) int_sum += static_cast<std::uint64_t>(cells[i]);
      if (const double* const cells = numbers[f])
        for (std::size_t i = 0; i < r; ++i) number_sum += cells[i];
    }
    result.int_sum += int_sum;
    result.number_sum = number_sum;
    result.records += r;
    r = 0;
    folding += std::chrono::steady_clock::now() - t0;
  };

  // Past the bytes read, `slack` line ends: a field's digits stop there, and a malformed last record (every
  // field takes at least its delimiter's byte) ends within them.
  const std::size_t slack = fields + 64;
  have = 0;
  for (bool end = false; !end;) {
    if (buf.size() < have + chunk + slack) buf.resize(have + chunk + slack);
    const std::size_t got = pread_full(fd, buf.data() + have, chunk, offset, path);
    offset += static_cast<off_t>(got);
    have += got;
    end = got < chunk;
    std::memset(buf.data() + have, '\n', slack);
    // The records up to the last line end read (at the end of the file: all of them, the last perhaps without one).
    const char* const last = static_cast<const char*>(::memrchr(buf.data(), '\n', have));
    const char* const stop = end ? buf.data() + have : last != nullptr ? last + 1 : buf.data();
    const char* p = buf.data();
    while (p < stop) {
      for (std::size_t f = 0; f < fields; ++f) {
        switch (kinds[f]) {
        case PlainKind::Int: {
          std::uint64_t x = 0; // more than 19 digits wrap (unsigned: defined)
          while (digit(*p) <= 9) x = x * 10 + digit(*p++);
          ints[f][r] = static_cast<std::int64_t>(x);
          break;
        }
        case PlainKind::Number: {
          std::uint64_t m = 0;
          while (digit(*p) <= 9) m = m * 10 + digit(*p++);
          std::size_t decimals = 0;
          if (*p == '.') {
            const char* const point = p++;
            while (digit(*p) <= 9) m = m * 10 + digit(*p++);
            decimals = std::min(static_cast<std::size_t>(p - point - 1), kMaxPow10);
          }
          numbers[f][r] = static_cast<double>(m) / kPow10[decimals];
          break;
        }
        case PlainKind::Skip:
          while (*p != ',' && *p != '\n') ++p;
          break;
        }
        ++p; // the delimiter, unread (after the last field: the line end)
      }
      if (++r == batch) fold();
    }
    // The record cut at the chunk's end (or the start of one longer than the buffer) goes to the front.
    const auto used = static_cast<std::size_t>(stop - buf.data());
    std::memmove(buf.data(), stop, have - used);
    have -= used;
  }
  fold();
  result.fold_seconds = std::chrono::duration<double>(folding).count();
  return result;
}

} // namespace

int main(int argc, char** argv) {
  std::string mode = "csv", codebook_path, path, batch_text, chunk_text = "262144";
  for (int a = 1; a < argc; ++a) {
    const std::string arg = argv[a];
    if ((arg == "--mode" || arg == "--codebook" || arg == "--batch" || arg == "--chunk-bytes") && a + 1 < argc) {
      (arg == "--mode" ? mode : arg == "--codebook" ? codebook_path : arg == "--batch" ? batch_text : chunk_text) = argv[++a];
    } else if (path.empty() && (arg == "-" || arg.rfind("--", 0) != 0)) {
      path = arg;
    } else {
      path.clear();
      break;
    }
  }
  if (batch_text.empty()) batch_text = mode == "plain" ? "4096" : "65536";
  const long batch = std::strtol(batch_text.c_str(), nullptr, 10);
  const long chunk = std::strtol(chunk_text.c_str(), nullptr, 10);
  if (path.empty() || (mode != "csv" && mode != "ingest" && mode != "stream" && mode != "plain") || (mode != "csv" && codebook_path.empty()) ||
      batch < 1 || chunk < 1 || (mode == "plain" && path == "-")) {
    std::fprintf(stderr, "usage: hkstat-bench-read --mode csv FILE | --mode ingest --codebook CB FILE | --mode stream --codebook CB [--batch N] FILE\n"
                         "                         | --mode plain --codebook CB [--batch N] [--chunk-bytes N] FILE\n"
                         "  (--mode plain checks nothing: a regular file's fields stored into columns, the floor; not hkstat's reader)\n");
    return 2;
  }
  try {
    const auto t0 = std::chrono::steady_clock::now();
    const double c0 = cpu_seconds();
    std::size_t records = 0;
    std::size_t rejected = 0;
    PlainResult plain;
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
    } else if (mode == "plain") {
      plain = read_plain(path, hkstat::codebook::load_codebook(codebook_path), static_cast<std::size_t>(batch), static_cast<std::size_t>(chunk));
      records = plain.records;
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
    // The plain loop's checksum (what keeps its stores alive), apart from the line every mode prints.
    if (mode == "plain")
      std::fprintf(stderr, "checksum: int cells %llu, number cells %.17g (the folds took %.4f s of the wall time)\n",
                   static_cast<unsigned long long>(plain.int_sum), plain.number_sum, plain.fold_seconds);
  } catch (const hkstat::Error& e) {
    std::fprintf(stderr, "%s\n", hkstat::format_problem(e.problem(), hkstat::Lang::En).c_str());
    return 1;
  }
  return 0;
}
