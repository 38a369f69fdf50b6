#include "hkstat/io/sha256.hpp"

#include "hkstat/core/error.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <fstream>
#include <memory>
#include <vector>

namespace hkstat::io {

namespace {

struct Digest {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx{EVP_MD_CTX_new(), &EVP_MD_CTX_free};
  Digest() {
    if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) fail();
  }
  void update(const char* data, std::size_t n) {
    if (n && EVP_DigestUpdate(ctx.get(), data, n) != 1) fail();
  }
  std::string hex() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(ctx.get(), md, &len) != 1) fail();
    std::string out;
    for (unsigned int i = 0; i < len; ++i) out += fmt::format("{:02x}", md[i]);
    return out;
  }
  [[noreturn]] static void fail() {
    throw Error(Problem{ErrorCode::Internal, SourcePos{}, "", Text{"SHA-256 を計算できません (OpenSSL)", "cannot compute SHA-256 (OpenSSL)"}, Text{}, ""});
  }
};

} // namespace

std::string sha256_hex(std::string_view bytes) {
  Digest d;
  d.update(bytes.data(), bytes.size());
  return d.hex();
}

std::string sha256_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw Error(Problem{ErrorCode::IoCannotOpen, SourcePos{path, 0, 0, "", ""}, path, Text{"ファイルを開けません", "cannot open the file"},
                        Text{"読み取り可能なファイル", "a readable file"}, ""});
  Digest d;
  std::vector<char> buf(1 << 16);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    d.update(buf.data(), static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad())
    throw Error(Problem{ErrorCode::IoCannotOpen, SourcePos{path, 0, 0, "", ""}, path, Text{"ファイルを読めません", "cannot read the file"}, Text{}, ""});
  return d.hex();
}

} // namespace hkstat::io
