// hkstat/io/text.hpp — small UTF-8 text helpers shared by the readers and the ingest layer.
// All functions are locale-independent and never throw (except std::bad_alloc).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace hkstat::io {

// True if `s` is well-formed UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF).
bool is_valid_utf8(std::string_view s);

// Offset of the first byte that does not start a well-formed UTF-8 sequence, or std::string_view::npos
// if `s` is valid. When `allow_truncated_tail` is true, a sequence that is merely cut off by the end of
// `s` (a prefix of a valid sequence) is not an error; use this for a sample taken from a longer file.
std::size_t find_invalid_utf8(std::string_view s, bool allow_truncated_tail = false);

// Bytes rendered as "\x82\xA0" (upper-case hex), for error messages.
std::string hex_bytes(std::string_view bytes);

// Cut `s` to at most `max_bytes` bytes without splitting a UTF-8 sequence.
std::string truncate_utf8(std::string_view s, std::size_t max_bytes);

// ASCII whitespace (space, \t, \n, \v, \f, \r) and U+3000 IDEOGRAPHIC SPACE removed from both ends.
std::string trim(std::string_view s);

// Normalise a numeric cell: trims, converts full-width digits ０-９, full-width ．－＋ and U+2212 minus to ASCII.
// Returns the normalised text and sets *changed if any full-width character was converted.
std::string normalize_numeric(std::string_view s, bool* changed = nullptr);

// Parse helpers (after normalize_numeric): strict, no surrounding spaces, no trailing junk, no locale.
// parse_integer: optional sign (+/-) and decimal digits only; nullopt on overflow.
std::optional<long long> parse_integer(std::string_view s);
// parse_double: optional sign, decimal or scientific notation ("12", "-0.5", ".5", "1e3");
// nullopt for "inf"/"nan", hexadecimal, out-of-range values and anything with trailing junk.
std::optional<double> parse_double(std::string_view s);

} // namespace hkstat::io
