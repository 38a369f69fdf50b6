// SHA-256 (FIPS 180-4), portable C++: one implementation for the native library and the WebAssembly build
// (web/CMakeLists.txt compiles this file too), no OpenSSL. Used for provenance (a report's inputs, a codebook's
// [data_file]) and the rule-set label's content hash. tests/unit/test_sha256.cpp checks the NIST vectors ("abc",
// the empty string, the two-block message, one million 'a' also as a file read in 64 KiB pieces) and the lengths
// around the padding boundaries (55, 56, 63, 64, 65 bytes) against coreutils' sha256sum; web/test.sh checks the
// page's digests against Node's crypto.
#include "hkstat/io/sha256.hpp"

#include "hkstat/core/error.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <vector>

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

// The streaming digest: whole 64-byte blocks are compressed as they come, the rest waits in `buf_`.
class Sha256 {
public:
  void update(const unsigned char* p, std::size_t n) {
    total_ += n;
    if (used_ > 0) {
      const std::size_t take = std::min(n, buf_.size() - used_);
      std::memcpy(buf_.data() + used_, p, take);
      used_ += take;
      p += take;
      n -= take;
      if (used_ < buf_.size()) return;
      block(buf_.data());
      used_ = 0;
    }
    for (; n >= 64; p += 64, n -= 64) block(p);
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
  void block(const unsigned char* p) {
    std::array<std::uint32_t, 64> w;
    for (int i = 0; i < 16; ++i)
      w[i] = (std::uint32_t{p[4 * i]} << 24) | (std::uint32_t{p[4 * i + 1]} << 16) | (std::uint32_t{p[4 * i + 2]} << 8) | std::uint32_t{p[4 * i + 3]};
    for (int i = 16; i < 64; ++i) {
      const std::uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
      const std::uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    std::uint32_t a = h_[0], b = h_[1], c = h_[2], d = h_[3], e = h_[4], f = h_[5], g = h_[6], k = h_[7];
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
    h_[0] += a, h_[1] += b, h_[2] += c, h_[3] += d, h_[4] += e, h_[5] += f, h_[6] += g, h_[7] += k;
  }

  std::array<std::uint32_t, 8> h_ = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  std::array<unsigned char, 64> buf_{};
  std::size_t used_ = 0;
  std::uint64_t total_ = 0;
};

} // namespace

struct Sha256Stream::State : Sha256 {};
Sha256Stream::Sha256Stream() : s_(std::make_unique<State>()) {}
Sha256Stream::~Sha256Stream() = default;
void Sha256Stream::update(std::string_view bytes) { s_->update(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()); }
std::string Sha256Stream::hex() { return s_->hex(); }

std::string sha256_hex(std::string_view bytes) {
  Sha256 d;
  d.update(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  return d.hex();
}

std::string sha256_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw Error(Problem{ErrorCode::IoCannotOpen, SourcePos{path, 0, 0, "", ""}, path, Text{"ファイルを開けません", "cannot open the file"},
                        Text{"読み取り可能なファイル", "a readable file"}, ""});
  Sha256 d;
  std::vector<char> buf(1 << 16);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    d.update(reinterpret_cast<const unsigned char*>(buf.data()), static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad())
    throw Error(Problem{ErrorCode::IoCannotOpen, SourcePos{path, 0, 0, "", ""}, path, Text{"ファイルを読めません", "cannot read the file"}, Text{}, ""});
  return d.hex();
}

} // namespace hkstat::io
