// hkstat/io/encoding.hpp — input encodings: UTF-8 (with or without BOM) and CP932 (Shift_JIS as written by
// Excel on Japanese Windows). CP932 is converted to UTF-8 with glibc iconv; everything inside hkstat is UTF-8.
#pragma once

#include "hkstat/core/error.hpp"

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace hkstat::io {

enum class Encoding { Auto, Utf8, Cp932 };

// "UTF-8", "CP932" ("auto" for Encoding::Auto).
const char* encoding_name(Encoding e);

// "auto", "utf-8", "utf8", "cp932", "shift_jis", "sjis" (case-insensitive; also "shift-jis", "ms932",
// "windows-31j"). Throws Error(UsageInvalidOption) otherwise.
Encoding parse_encoding(std::string_view s);

// Guess the encoding of a file from its first bytes (`sample`, BOM already removed; the readers use the
// first 64 KiB). `complete` says whether the sample is the whole file; if not, a multibyte character cut
// off at the end of the sample is not an error. Valid UTF-8 → Utf8 (so pure ASCII is UTF-8); else valid
// CP932 → Cp932; else throws Error(CsvInvalidEncoding) naming `path` and the first bad line (of the
// encoding that reads further, which is most likely the intended one).
Encoding detect_encoding(std::string_view sample, bool complete, const std::string& path);

// Offset of the first byte sequence that CP932 cannot decode, or std::string_view::npos.
std::size_t find_invalid_cp932(std::string_view s, bool allow_truncated_tail = false);

// The Problem the readers throw for bytes that `enc` (Utf8 or Cp932) cannot decode. `bad` are the
// offending bytes (shown in hex as the value, e.g. "\x82\xA0").
Problem encoding_problem(Encoding enc, const std::string& path, std::size_t line, std::string_view bad);

// The offending bytes at `offset` of `s` for an error message: up to 4 (UTF-8) or 2 (CP932) bytes,
// stopping before a byte that is plainly not part of the bad character.
std::string_view bad_bytes_at(std::string_view s, std::size_t offset, Encoding enc);

// Streaming CP932 → UTF-8 converter over glibc iconv. CP932 is stateless, so the caller may feed the
// input in arbitrary pieces: bytes of a character split at the end of a piece are reported as
// Incomplete and must be passed again at the start of the next piece.
class Cp932Decoder {
public:
  enum class Status { Ok, Invalid, Incomplete };
  struct Result {
    Status status = Status::Ok;
    std::size_t consumed = 0; // input bytes converted; for Invalid/Incomplete the offset of the bad bytes
  };

  Cp932Decoder(); // throws Error(Internal) if the C library cannot convert CP932
  ~Cp932Decoder();
  Cp932Decoder(const Cp932Decoder&) = delete;
  Cp932Decoder& operator=(const Cp932Decoder&) = delete;

  // Converts `in`, appending UTF-8 to `out`, until the end of `in` or the first bad sequence.
  Result convert(std::string_view in, std::string& out);

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace hkstat::io
