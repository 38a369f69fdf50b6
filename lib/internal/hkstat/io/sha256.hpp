// hkstat/io/sha256.hpp — SHA-256 digests for provenance (lib/src/io/sha256.cpp: portable C++, and the x86 SHA
// extensions where the CPU has them; no OpenSSL).
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace hkstat::io {

// Which block function a digest uses: Best is the SHA extensions when this x86-64 CPU has them (the choice made once
// per process), the portable code otherwise; Scalar forces the portable code (the tests compare the two on any machine).
enum class Sha256Path { Best, Scalar };
// Whether Sha256Path::Best is the SHA extensions on this machine.
bool sha256_uses_sha_extensions();

// Lower-case hex SHA-256 of `bytes`.
std::string sha256_hex(std::string_view bytes);
// Lower-case hex SHA-256 of a file's bytes. Throws Error(IoCannotOpen) if it cannot be read.
std::string sha256_file(const std::string& path);

// The digest of bytes given piece by piece (a file written as it is produced): hex() once, after the last update.
class Sha256Stream {
public:
  explicit Sha256Stream(Sha256Path path = Sha256Path::Best);
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
