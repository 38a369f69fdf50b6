// hkstat-bench-gen — deterministic questionnaire-shaped CSV of any size, for benchmarks (bench/README.md).
//
//   hkstat-bench-gen --rows 1000000 [--seed 1] [--first 0] [--strata 50] [--psus 40] [-o FILE]
//                                                                        (default: standard output)
//
// Every value of row i is a function of (seed, i, field) only (a counter-based generator: SplitMix64's
// finaliser applied to the counter), so row i is the same whatever --rows is, and a file of 10^8 rows can be
// streamed into a pipe without being stored. --first starts at row FIRST (ids FIRST+1, ...), without a header
// if FIRST > 0, so that pieces generated separately concatenate to the whole file.
//
// Shape (bench/bench.codebook.toml): 22 columns, about 60 bytes a row.
//   id          1, 2, ...
//   age         15-64 uniform
//   sex         1 male, 2 female
//   outing      1-8: options 5-8 (hikikomori core) with probability 0.041 x PSU effect (0.5-1.5) x age effect
//               (0.8 at 15 to 1.2 at 64); shares 5:6:7:8 = 50:30:12:8; else 1-4 in 45:15:15:25
//   duration    1-7, 1 (< 6 months) with probability 0.2
//   occupation  1-10 (5 work at home, 6 homemaker, 7 family helper; nishitokyo2024 codes)
//   stratum     1-50 uniform (--strata S: 1-S)
//   psu         1..n_s within the stratum (nested; n_s = 36-44, about 2,000 PSUs in all; --psus P: n_s =
//               max(2, P-4 .. P+4), for measuring how the cost grows with the number of PSUs)
//   weight      stratum base (50-150) x (0.8-1.2), two decimals
//   reason_01..reason_12  0/1, independent (illness 0.15, pregnancy 0.02, childbirth 0.03, caregiving 0.03, ...)
//   main_reason one of the chosen reasons (uniform), or 13 (none) if none is chosen
// Under the default rule-set cao2022 about 2.5% of the rows are 広義 (outing 5-8, duration >= 6 months, no
// reason 1-4, occupation not 5).
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

constexpr int kReasons = 12;
constexpr double kCoreProbability = 0.041;
constexpr double kReasonProbability[kReasons] = {0.15, 0.02, 0.03, 0.03, 0.08, 0.04, 0.08, 0.10, 0.12, 0.10, 0.08, 0.05};

std::uint64_t mix(std::uint64_t z) {
  z += 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Field numbers of the per-row streams.
enum Field : std::uint64_t { kStratum = 1, kPsu, kAge, kSex, kCore, kOuting, kDuration, kOccupation, kWeight, kMain, kReason0 };

struct Gen {
  std::uint64_t seed;
  int strata = 50;
  int psus = 40; // mean PSUs per stratum
  std::uint64_t bits(std::uint64_t row, std::uint64_t field) const { return mix(mix(seed ^ mix(row)) + field * 0xD1B54A32D192ED03ULL); }
  double unif(std::uint64_t row, std::uint64_t field) const { return static_cast<double>(bits(row, field) >> 11) * 0x1.0p-53; }
  // Per-design-unit values (independent of rows).
  std::uint64_t unit(std::uint64_t a, std::uint64_t b) const { return mix(mix(seed * 0x2545F4914F6CDD1DULL + a) ^ b); }
  int psus_in(int stratum) const {
    const int n = psus - 4 + static_cast<int>(unit(1, static_cast<std::uint64_t>(stratum)) % 9);
    return n < 2 ? 2 : n;
  }
  double psu_effect(int stratum, int psu) const {
    return 0.5 + static_cast<double>(unit(2, static_cast<std::uint64_t>(stratum) * 1000 + static_cast<std::uint64_t>(psu)) % 1001) / 1000.0;
  }
  int weight_base(int stratum) const { return 50 + static_cast<int>(unit(3, static_cast<std::uint64_t>(stratum)) % 101); }
};

int pick(double u, const double* shares, int n) {
  double acc = 0;
  for (int k = 0; k < n; ++k) {
    acc += shares[k];
    if (u < acc) return k;
  }
  return n - 1;
}

class Out {
public:
  explicit Out(std::FILE* f) : f_(f), buf_(std::size_t{1} << 20) {}
  ~Out() { flush(); }
  Out(const Out&) = delete;
  Out& operator=(const Out&) = delete;
  void put(char c) { buf_[n_++] = c; }
  void put(const char* s) {
    while (*s) buf_[n_++] = *s++;
  }
  void num(std::uint64_t v) {
    char tmp[24];
    int k = 0;
    do {
      tmp[k++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v);
    while (k) buf_[n_++] = tmp[--k];
  }
  void end_row() {
    buf_[n_++] = '\n';
    if (n_ > buf_.size() - 512) flush();
  }
  void flush() {
    if (n_ && std::fwrite(buf_.data(), 1, n_, f_) != n_) {
      std::fprintf(stderr, "hkstat-bench-gen: write failed: %s\n", std::strerror(errno));
      std::exit(1);
    }
    n_ = 0;
  }

private:
  std::FILE* f_;
  std::size_t n_ = 0;
  std::vector<char> buf_; // 1 MiB
};

void row(const Gen& g, std::uint64_t i, Out& out) {
  const int stratum = 1 + static_cast<int>(g.bits(i, kStratum) % static_cast<std::uint64_t>(g.strata));
  const int psu = 1 + static_cast<int>(g.bits(i, kPsu) % static_cast<std::uint64_t>(g.psus_in(stratum)));
  const int age = 15 + static_cast<int>(g.bits(i, kAge) % 50);
  const int sex = 1 + static_cast<int>(g.bits(i, kSex) % 2);
  const double p_core = kCoreProbability * g.psu_effect(stratum, psu) * (0.8 + 0.4 * (age - 15) / 49.0);
  static constexpr double core_shares[4] = {0.50, 0.30, 0.12, 0.08};
  static constexpr double other_shares[4] = {0.45, 0.15, 0.15, 0.25};
  const bool core = g.unif(i, kCore) < p_core;
  const int outing = core ? 5 + pick(g.unif(i, kOuting), core_shares, 4) : 1 + pick(g.unif(i, kOuting), other_shares, 4);
  static constexpr double duration_shares[7] = {0.2, 0.8 / 6, 0.8 / 6, 0.8 / 6, 0.8 / 6, 0.8 / 6, 0.8 / 6};
  const int duration = 1 + pick(g.unif(i, kDuration), duration_shares, 7);
  static constexpr double occupation_shares[10] = {0.35, 0.08, 0.15, 0.05, 0.03, 0.08, 0.02, 0.12, 0.08, 0.04};
  const int occupation = 1 + pick(g.unif(i, kOccupation), occupation_shares, 10);
  const double w = g.weight_base(stratum) * (0.8 + 0.4 * g.unif(i, kWeight));
  const auto cents = static_cast<std::uint64_t>(w * 100.0 + 0.5);
  int chosen[kReasons];
  int n_chosen = 0;
  bool reason[kReasons];
  for (int k = 0; k < kReasons; ++k) {
    reason[k] = g.unif(i, kReason0 + static_cast<std::uint64_t>(k)) < kReasonProbability[k];
    if (reason[k]) chosen[n_chosen++] = k + 1;
  }
  const int main_reason = n_chosen ? chosen[g.bits(i, kMain) % static_cast<std::uint64_t>(n_chosen)] : 13;

  out.num(i + 1);
  out.put(',');
  out.num(static_cast<std::uint64_t>(age));
  out.put(',');
  out.num(static_cast<std::uint64_t>(sex));
  out.put(',');
  out.num(static_cast<std::uint64_t>(outing));
  out.put(',');
  out.num(static_cast<std::uint64_t>(duration));
  out.put(',');
  out.num(static_cast<std::uint64_t>(occupation));
  out.put(',');
  out.num(static_cast<std::uint64_t>(stratum));
  out.put(',');
  out.num(static_cast<std::uint64_t>(psu));
  out.put(',');
  out.num(cents / 100);
  out.put('.');
  out.put(static_cast<char>('0' + cents / 10 % 10));
  out.put(static_cast<char>('0' + cents % 10));
  for (int k = 0; k < kReasons; ++k) {
    out.put(',');
    out.put(reason[k] ? '1' : '0');
  }
  out.put(',');
  out.num(static_cast<std::uint64_t>(main_reason));
  out.end_row();
}

[[noreturn]] void usage(const char* msg) {
  std::fprintf(stderr,
               "hkstat-bench-gen: %s\n"
               "usage: hkstat-bench-gen --rows N [--seed S] [--first I] [--strata S] [--psus P] [-o FILE]\n"
               "  N may be written 1e6; output goes to standard output unless -o is given\n",
               msg);
  std::exit(2);
}

std::uint64_t parse_count(const char* s, const char* what) {
  char* end = nullptr;
  errno = 0;
  const double d = std::strtod(s, &end);
  if (errno || end == s || *end || !(d >= 0) || d > 1e15 || d != static_cast<double>(static_cast<std::uint64_t>(d)))
    usage((std::string("invalid ") + what + ": " + s).c_str());
  return static_cast<std::uint64_t>(d);
}

} // namespace

int main(int argc, char** argv) {
  std::uint64_t rows = 0, seed = 1, first = 0, strata = 50, psus = 40;
  bool have_rows = false;
  const char* path = nullptr;
  for (int a = 1; a < argc; ++a) {
    const std::string arg = argv[a];
    auto value = [&]() -> const char* {
      if (a + 1 >= argc) usage((arg + " needs a value").c_str());
      return argv[++a];
    };
    if (arg == "--rows") {
      rows = parse_count(value(), "--rows");
      have_rows = true;
    } else if (arg == "--seed") {
      seed = parse_count(value(), "--seed");
    } else if (arg == "--strata") {
      strata = parse_count(value(), "--strata");
      if (strata < 1 || strata > 100000) usage("--strata must be 1-100000");
    } else if (arg == "--psus") {
      psus = parse_count(value(), "--psus");
      if (psus < 1 || psus > 100000) usage("--psus must be 1-100000");
    } else if (arg == "--first") {
      first = parse_count(value(), "--first");
    } else if (arg == "-o" || arg == "--out") {
      path = value();
    } else {
      usage(("unknown argument " + arg).c_str());
    }
  }
  if (!have_rows) usage("--rows is required");
  std::FILE* f = path ? std::fopen(path, "wb") : stdout;
  if (!f) {
    std::fprintf(stderr, "hkstat-bench-gen: cannot open %s: %s\n", path, std::strerror(errno));
    return 1;
  }
  {
    Out out(f);
    const Gen g{seed, static_cast<int>(strata), static_cast<int>(psus)};
    if (first == 0) {
      out.put("id,age,sex,outing,duration,occupation,stratum,psu,weight");
      char name[16];
      for (int k = 1; k <= kReasons; ++k) {
        std::snprintf(name, sizeof name, ",reason_%02d", k);
        out.put(name);
      }
      out.put(",main_reason");
      out.end_row();
    }
    for (std::uint64_t i = first; i < first + rows; ++i) row(g, i, out);
    out.flush();
  }
  if (std::fflush(f) != 0 || (path && std::fclose(f) != 0)) {
    std::fprintf(stderr, "hkstat-bench-gen: write failed: %s\n", std::strerror(errno));
    return 1;
  }
  return 0;
}
