// SHA-256 of lib/src/io/sha256.cpp (portable, the same code in the native library and the browser build):
// FIPS 180-4 / NIST example vectors, the padding boundaries, and a file read in pieces.
#include "hkstat/core/error.hpp"
#include "hkstat/io/sha256.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

using namespace hkstat;

TEST_CASE("SHA-256: the NIST example vectors", "[io][sha256]") {
  CHECK(io::sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(io::sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(io::sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(io::sha256_hex(std::string(1000000, 'a')) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
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
