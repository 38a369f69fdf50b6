// SHA-256 of lib/src/io/sha256.cpp: FIPS 180-4 / NIST example vectors, the padding boundaries and a file read in
// pieces, each by both block functions (the SHA extensions where this CPU has them, and the portable code forced
// with Sha256Path::Scalar: the one the browser build and CPUs without them run), and the two against each other.
#include "hkstat/core/error.hpp"
#include "hkstat/io/sha256.hpp"

#include "test_util.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <unistd.h>

using namespace hkstat;

namespace {

// The digest of `bytes` by the given block function, in one update.
std::string digest(io::Sha256Path path, std::string_view bytes) {
  io::Sha256Stream s(path);
  s.update(bytes);
  return s.hex();
}

} // namespace

TEST_CASE("SHA-256: the NIST example vectors", "[io][sha256]") {
  CHECK(io::sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(io::sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(io::sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(io::sha256_hex(std::string(1000000, 'a')) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  // The same by each block function, whichever Best is here.
  for (auto path : {io::Sha256Path::Best, io::Sha256Path::Scalar}) {
    INFO((path == io::Sha256Path::Scalar ? "scalar" : io::sha256_uses_sha_extensions() ? "SHA extensions" : "best = scalar"));
    CHECK(digest(path, "abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(digest(path, "") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(digest(path, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    CHECK(digest(path, std::string(1000000, 'a')) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    // FIPS 180-2's 896-bit message (its SHA-512 example; this SHA-256 from coreutils sha256sum): two blocks and padding.
    CHECK(digest(path, "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu") ==
          "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  }
}

TEST_CASE("SHA-256: the SHA extensions and the portable code agree on random inputs split at random points", "[io][sha256]") {
  // Lengths 0..300 (up to five blocks and every padding case), random bytes, fed whole to the scalar digest and in
  // random pieces (empty ones included) to the best one, and the other way round; on a CPU without the extensions
  // both are the portable code and this checks only the splitting.
  INFO("SHA extensions used: " << io::sha256_uses_sha_extensions());
  std::mt19937_64 rng(20261206);
  for (std::size_t n = 0; n <= 300; ++n) {
    std::string bytes(n, '\0');
    for (auto& c : bytes) c = static_cast<char>(rng() & 0xff);
    for (int round = 0; round < 4; ++round) {
      const bool best_split = round % 2 == 0;
      io::Sha256Stream split(best_split ? io::Sha256Path::Best : io::Sha256Path::Scalar);
      std::size_t at = 0;
      while (at < n) {
        const std::size_t piece = std::min<std::size_t>(n - at, rng() % 150);
        split.update(std::string_view(bytes).substr(at, piece));
        at += piece;
      }
      INFO(n << " bytes, split " << (best_split ? "best" : "scalar"));
      CHECK(split.hex() == digest(best_split ? io::Sha256Path::Scalar : io::Sha256Path::Best, bytes));
    }
  }
}

TEST_CASE("SHA-256: lengths around the padding boundaries (values from coreutils sha256sum)", "[io][sha256]") {
  // n bytes 'a': the length field fits in the last block (55), needs one more block (56..63), whole blocks (64),
  // and the same one block later (119, 120).
  const std::pair<std::size_t, const char*> cases[] = {
      {55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
      {56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
      {63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"},
      {64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
      {65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"},
      {119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"},
      {120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"},
  };
  for (const auto& [n, hex] : cases) {
    INFO(n << " bytes");
    CHECK(io::sha256_hex(std::string(n, 'a')) == hex);
    CHECK(digest(io::Sha256Path::Scalar, std::string(n, 'a')) == hex);
  }
}

TEST_CASE("SHA-256 of a file read in pieces equals the digest of its bytes", "[io][sha256]") {
  // One million 'a' (the NIST vector) is 15 pieces of 64 KiB and a partial one.
  const std::string path = (std::filesystem::temp_directory_path() / ("hkstat_test_sha256_" + std::to_string(::getpid()) + ".bin")).string();
  { std::ofstream(path, std::ios::binary) << std::string(1000000, 'a'); }
  CHECK(io::sha256_file(path) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  std::filesystem::remove(path);
  try {
    io::sha256_file(path);
    FAIL("a missing file was hashed");
  } catch (const Error& e) {
    CHECK(e.problem().code == ErrorCode::IoCannotOpen);
    CHECK(e.problem().pos.file == path);
  }
}

TEST_CASE("InputSha256: pieces at their offsets, overlaps skipped, gaps and the rest read from the file", "[io][sha256]") {
  std::mt19937_64 rng(16);
  std::string bytes(200000, '\0');
  for (auto& c : bytes) c = static_cast<char>(rng() & 0xff);
  const std::string path = (std::filesystem::temp_directory_path() / ("hkstat_test_input_sha256_" + std::to_string(::getpid()) + ".bin")).string();
  { std::ofstream(path, std::ios::binary) << bytes; }
  const std::string whole = digest(io::Sha256Path::Scalar, bytes);
  const auto piece = [&](std::size_t from, std::size_t to) { return std::string_view(bytes).substr(from, to - from); };
  {
    io::InputSha256 s(path); // every byte given, some twice
    s.add(0, piece(0, 70000));
    s.add(65536, piece(65536, 140000));
    s.add(140000, piece(140000, 200000));
    CHECK(s.hex() == whole);
    CHECK(s.bytes_read_again() == 0);
  }
  {
    io::InputSha256 s(path); // a gap (a range re-read after an error) and the end left out
    s.add(0, piece(0, 1000));
    s.add(5000, piece(5000, 150000));
    s.add(149000, piece(149000, 150001));
    CHECK(s.hex() == whole);
    CHECK(s.bytes_read_again() == (5000 - 1000) + (200000 - 150001));
    s.add(0, piece(0, 10)); // a later pass: the digest is taken
    CHECK(s.hex() == whole);
  }
  {
    io::InputSha256 s(path); // nothing given: the file hashed as sha256_file does
    CHECK(s.hex() == whole);
    CHECK(s.bytes_read_again() == bytes.size());
  }
  {
    io::InputSha256 s("-"); // standard input is never read again: every byte must be given
    s.add(0, piece(0, 100));
    s.add(100, piece(100, 200000));
    CHECK(s.hex() == whole);
    CHECK(s.bytes_read_again() == 0);
    io::InputSha256 gap("-");
    gap.add(0, piece(0, 100));
    CHECK(testutil::problem_of([&] { gap.add(200, piece(200, 300)); }).code == ErrorCode::Internal);
  }
  std::filesystem::remove(path);
}
