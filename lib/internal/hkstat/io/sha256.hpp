// hkstat/io/sha256.hpp — SHA-256 digests for provenance (portable C++, lib/src/io/sha256.cpp; no OpenSSL).
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace hkstat::io {

// Lower-case hex SHA-256 of `bytes`.
std::string sha256_hex(std::string_view bytes);
// Lower-case hex SHA-256 of a file's bytes. Throws Error(IoCannotOpen) if it cannot be read.
std::string sha256_file(const std::string& path);

// The digest of bytes given piece by piece (a file written as it is produced): hex() once, after the last update.
class Sha256Stream {
public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;
  void update(std::string_view bytes);
  std::string hex();

private:
  struct State;
  std::unique_ptr<State> s_;
};

} // namespace hkstat::io
