// hkstat/io/sha256.hpp — SHA-256 digests for provenance (portable C++, lib/src/io/sha256.cpp; no OpenSSL).
#pragma once

#include <string>
#include <string_view>

namespace hkstat::io {

// Lower-case hex SHA-256 of `bytes`.
std::string sha256_hex(std::string_view bytes);
// Lower-case hex SHA-256 of a file's bytes. Throws Error(IoCannotOpen) if it cannot be read.
std::string sha256_file(const std::string& path);

} // namespace hkstat::io
