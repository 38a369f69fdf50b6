// hkstat/io/sha256.hpp — SHA-256 digests for provenance (lib/src/io/sha256.cpp: portable C++, and the x86 SHA
// extensions where the CPU has them; no OpenSSL).
#pragma once

#include <cstdint>
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

// The SHA-256 of an input from the bytes its first read already holds (data::IngestOptions::read_bytes), given with
// their offsets in file order, so that a regular file is not read a second time only to hash it. Bytes already
// hashed are skipped (pieces may overlap); bytes before a piece that were never given (a range re-read after an error
// on several threads) are read from the file, and so is what follows the last piece when hex() is called. Standard
// input or a FIFO must be given every byte, in order (a one-thread read gives them so). Throws Error(IoCannotOpen) if
// the file cannot be read.
class InputSha256 {
public:
  explicit InputSha256(std::string path);
  ~InputSha256();
  InputSha256(const InputSha256&) = delete;
  InputSha256& operator=(const InputSha256&) = delete;
  void add(std::uint64_t offset, std::string_view bytes);
  // The digest, once the read is over (the same on later calls).
  std::string hex();
  // The bytes read from the file rather than given (for the tests).
  std::uint64_t bytes_read_again() const;

private:
  struct State;
  std::unique_ptr<State> s_;
};

} // namespace hkstat::io
