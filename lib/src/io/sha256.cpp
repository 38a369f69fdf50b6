// SHA-256 (FIPS 180-4): one implementation for the native library and the WebAssembly build (web/CMakeLists.txt
// compiles this file too), no OpenSSL. Used for provenance (a report's inputs, a codebook's [data_file]) and the
// rule-set label's content hash. Two block functions behind one streaming digest: the portable scalar one, and on
// x86-64 the SHA extensions (SHA-NI: sha256rnds2, sha256msg1/2), compiled for that target only in its function and
// chosen at run time when the CPU has them (cpuid), so the binary still runs on a CPU without them. Neither
// emscripten nor another architecture compiles the second. tests/unit/test_sha256.cpp checks both (the scalar one
// forced with Sha256Path::Scalar) on the NIST vectors ("abc", the empty string, the two-block message, one million
// 'a' also as a file read in 64 KiB pieces), the lengths around the padding boundaries against coreutils'
// sha256sum, and the two against each other on random lengths and random splits; web/test.sh checks the page's
// digests against Node's crypto.
#include "hkstat/io/sha256.hpp"

#include "hkstat/core/error.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <vector>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(__EMSCRIPTEN__)
#define HKSTAT_SHA_NI 1
#include <cpuid.h>
#include <immintrin.h>
#else
#define HKSTAT_SHA_NI 0
#endif

namespace hkstat::io {

namespace {

constexpr std::array<std::uint32_t, 64> kK = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be,
    0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa,
    0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85,
    0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
    0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f,
    0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

constexpr std::uint32_t rotr(std::uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

using Words = std::array<std::uint32_t, 8>;
// Compresses `blocks` whole 64-byte blocks at `p` into the state `h`.
using BlockFn = void (*)(Words& h, const unsigned char* p, std::size_t blocks);

void blocks_scalar(Words& h, const unsigned char* p, std::size_t blocks) {
  for (; blocks > 0; --blocks, p += 64) {
    std::array<std::uint32_t, 64> w;
    for (int i = 0; i < 16; ++i)
      w[i] = (std::uint32_t{p[4 * i]} << 24) | (std::uint32_t{p[4 * i + 1]} << 16) | (std::uint32_t{p[4 * i + 2]} << 8) | std::uint32_t{p[4 * i + 3]};
    for (int i = 16; i < 64; ++i) {
      const std::uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
      const std::uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
    for (int i = 0; i < 64; ++i) {
      const std::uint32_t t1 = k + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + kK[i] + w[i];
      const std::uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
      k = g;
      g = f;
      f = e;
      e = d + t1;
      d = c;
      c = b;
      b = a;
      a = t1 + t2;
    }
    h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += k;
  }
}

#if HKSTAT_SHA_NI
// The SHA extensions: sha256rnds2 does two rounds on the state held as ABEF and CDGH, sha256msg1/msg2 the message
// schedule (W[t] = σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16], four words at a time). Group i is W[4i..4i+3];
// group i+4 is computed into group i's register once group i's rounds are done.
__attribute__((target("sha,sse4.1,ssse3"))) void blocks_sha_ni(Words& h, const unsigned char* p, std::size_t blocks) {
  const __m128i byteswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL); // big-endian words
  __m128i dcba = _mm_loadu_si128(reinterpret_cast<const __m128i*>(h.data()));
  __m128i hgfe = _mm_loadu_si128(reinterpret_cast<const __m128i*>(h.data() + 4));
  const __m128i cdab = _mm_shuffle_epi32(dcba, 0xB1);
  const __m128i efgh = _mm_shuffle_epi32(hgfe, 0x1B);
  __m128i abef = _mm_alignr_epi8(cdab, efgh, 8);
  __m128i cdgh = _mm_blend_epi16(efgh, cdab, 0xF0);
  for (; blocks > 0; --blocks, p += 64) {
    const __m128i abef_in = abef, cdgh_in = cdgh;
    __m128i w[4];
    for (int i = 0; i < 4; ++i) w[i] = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * i)), byteswap);
#pragma GCC unroll 16
    for (int i = 0; i < 16; ++i) {
      const __m128i wk = _mm_add_epi32(w[i & 3], _mm_loadu_si128(reinterpret_cast<const __m128i*>(kK.data() + 4 * i)));
      cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);
      abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(wk, 0x0E));
      if (i < 12)
        w[i & 3] = _mm_sha256msg2_epu32(_mm_add_epi32(_mm_sha256msg1_epu32(w[i & 3], w[(i + 1) & 3]), _mm_alignr_epi8(w[(i + 3) & 3], w[(i + 2) & 3], 4)),
                                        w[(i + 3) & 3]);
    }
    abef = _mm_add_epi32(abef, abef_in);
    cdgh = _mm_add_epi32(cdgh, cdgh_in);
  }
  const __m128i feba = _mm_shuffle_epi32(abef, 0x1B);
  const __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
  dcba = _mm_blend_epi16(feba, dchg, 0xF0);
  hgfe = _mm_alignr_epi8(dchg, feba, 8);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(h.data()), dcba);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(h.data() + 4), hgfe);
}

// cpuid: leaf 1 ECX bit 9 SSSE3, bit 19 SSE4.1; leaf 7 EBX bit 29 SHA. (cpuid.h rather than
// __builtin_cpu_supports("sha"): clang, which builds the fuzz targets, does not know that name.)
bool cpu_has_sha_ni() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 9)) || !(c & (1u << 19))) return false;
  return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 29));
}
#endif

// The block function of Sha256Path::Best: decided once per process.
BlockFn best_blocks() {
#if HKSTAT_SHA_NI
  static const BlockFn fn = cpu_has_sha_ni() ? &blocks_sha_ni : &blocks_scalar;
  return fn;
#else
  return &blocks_scalar;
#endif
}

// The streaming digest: whole 64-byte blocks are compressed as they come, the rest waits in `buf_`.
class Sha256 {
public:
  explicit Sha256(Sha256Path path = Sha256Path::Best) : blocks_(path == Sha256Path::Scalar ? &blocks_scalar : best_blocks()) {}

  void update(const unsigned char* p, std::size_t n) {
    total_ += n;
    if (used_ > 0) {
      const std::size_t take = std::min(n, buf_.size() - used_);
      std::memcpy(buf_.data() + used_, p, take);
      used_ += take;
      p += take;
      n -= take;
      if (used_ < buf_.size()) return;
      blocks_(h_, buf_.data(), 1);
      used_ = 0;
    }
    if (n >= 64) blocks_(h_, p, n / 64);
    p += n / 64 * 64;
    n %= 64;
    if (n > 0) std::memcpy(buf_.data(), p, n);
    used_ = n;
  }

  std::string hex() {
    const std::uint64_t bits = total_ * 8;
    std::array<unsigned char, 72> pad{}; // 0x80, zeros up to 56 mod 64, the length in bits (big-endian)
    pad[0] = 0x80;
    const std::size_t zeros = (used_ < 56 ? 56 - used_ : 120 - used_) - 1;
    for (int i = 0; i < 8; ++i) pad[1 + zeros + static_cast<std::size_t>(i)] = static_cast<unsigned char>(bits >> (56 - 8 * i));
    update(pad.data(), 1 + zeros + 8);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(64);
    for (std::uint32_t v : h_)
      for (int s = 28; s >= 0; s -= 4) out += kHex[(v >> s) & 0xf];
    return out;
  }

private:
  BlockFn blocks_;
  Words h_ = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  std::array<unsigned char, 64> buf_{};
  std::size_t used_ = 0;
  std::uint64_t total_ = 0;
};

} // namespace

bool sha256_uses_sha_extensions() { return best_blocks() != &blocks_scalar; }

struct Sha256Stream::State : Sha256 {
  using Sha256::Sha256;
};
Sha256Stream::Sha256Stream(Sha256Path path) : s_(std::make_unique<State>(path)) {}
Sha256Stream::~Sha256Stream() = default;
void Sha256Stream::update(std::string_view bytes) { s_->update(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()); }
std::string Sha256Stream::hex() { return s_->hex(); }

std::string sha256_hex(std::string_view bytes) {
  Sha256 d;
  d.update(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  return d.hex();
}

namespace {

// Hashes the bytes of the file from `from` up to `to` (or its end, whichever comes first); returns how many.
std::uint64_t hash_file(Sha256& d, const std::string& path, std::uint64_t from, std::uint64_t to) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw Error(Problem{ErrorCode::IoCannotOpen, SourcePos{path, 0, 0, "", ""}, path, Text{"ファイルを開けません", "cannot open the file"},
                        Text{"読み取り可能なファイル", "a readable file"}, ""});
  if (from > 0) in.seekg(static_cast<std::streamoff>(from));
  std::vector<char> buf(1 << 16);
  std::uint64_t done = 0;
  while (in && from + done < to) {
    in.read(buf.data(), static_cast<std::streamsize>(std::min<std::uint64_t>(buf.size(), to - from - done)));
    d.update(reinterpret_cast<const unsigned char*>(buf.data()), static_cast<std::size_t>(in.gcount()));
    done += static_cast<std::uint64_t>(in.gcount());
  }
  if (in.bad())
    throw Error(Problem{ErrorCode::IoCannotOpen, SourcePos{path, 0, 0, "", ""}, path, Text{"ファイルを読めません", "cannot read the file"}, Text{}, ""});
  return done;
}

} // namespace

std::string sha256_file(const std::string& path) {
  Sha256 d;
  hash_file(d, path, 0, std::numeric_limits<std::uint64_t>::max());
  return d.hex();
}

struct InputSha256::State {
  std::string path;
  bool regular = false; // gaps can be read from the file
  Sha256 sha;
  std::uint64_t hashed = 0, read_again = 0;
  std::string hex;

  void read_up_to(std::uint64_t offset) {
    if (offset <= hashed || !regular) return;
    const std::uint64_t n = hash_file(sha, path, hashed, offset);
    hashed += n;
    read_again += n;
  }
};

InputSha256::InputSha256(std::string path) : s_(std::make_unique<State>()) {
  std::error_code ec;
  s_->regular = path != "-" && std::filesystem::is_regular_file(path, ec);
  s_->path = std::move(path);
}
InputSha256::~InputSha256() = default;

void InputSha256::add(std::uint64_t offset, std::string_view bytes) {
  State& s = *s_;
  if (!s.hex.empty()) return; // a later pass
  s.read_up_to(offset);
  if (offset > s.hashed) // a gap in an input that cannot be read again
    throw Error(Problem{ErrorCode::Internal, SourcePos{s.path, 0, 0, "", ""}, "", Text{"入力のバイトが抜けたままハッシュされました", "an input was hashed with bytes left out"}, Text{}, ""});
  const std::uint64_t end = offset + bytes.size();
  if (end <= s.hashed) return;
  const auto skip = static_cast<std::size_t>(s.hashed - offset);
  s.sha.update(reinterpret_cast<const unsigned char*>(bytes.data()) + skip, bytes.size() - skip);
  s.hashed = end;
}

std::string InputSha256::hex() {
  State& s = *s_;
  if (s.hex.empty()) {
    s.read_up_to(std::numeric_limits<std::uint64_t>::max());
    s.hex = s.sha.hex();
  }
  return s.hex;
}

std::uint64_t InputSha256::bytes_read_again() const { return s_->read_again; }

} // namespace hkstat::io
