#include "hkstat/io/text.hpp"

#include <charconv>
#include <cmath>
#include <system_error>

namespace hkstat::io {

namespace {

// Length of the well-formed sequence starting at s[i] (Unicode 15, table 3-7), 0 if ill-formed.
// Sets *truncated when the bytes present are a valid prefix cut off by the end of s.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i, bool* truncated) {
  *truncated = false;
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) return 1;
  std::size_t len = 0;
  unsigned char lo = 0x80, hi = 0xBF; // allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 == 0xE0) {
    len = 3;
    lo = 0xA0;
  } else if ((b0 >= 0xE1 && b0 <= 0xEC) || b0 == 0xEE || b0 == 0xEF) {
    len = 3;
  } else if (b0 == 0xED) {
    len = 3;
    hi = 0x9F;
  } else if (b0 == 0xF0) {
    len = 4;
    lo = 0x90;
  } else if (b0 >= 0xF1 && b0 <= 0xF3) {
    len = 4;
  } else if (b0 == 0xF4) {
    len = 4;
    hi = 0x8F;
  } else {
    return 0;
  }
  for (std::size_t k = 1; k < len; ++k) {
    if (i + k >= s.size()) {
      *truncated = true;
      return 0;
    }
    const auto b = static_cast<unsigned char>(s[i + k]);
    const unsigned char l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
    if (b < l || b > h) return 0;
  }
  return len;
}

bool is_ascii_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

constexpr std::string_view kIdeographicSpace = "\xE3\x80\x80"; // U+3000

} // namespace

std::size_t find_invalid_utf8(std::string_view s, bool allow_truncated_tail) {
  std::size_t i = 0;
  while (i < s.size()) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    bool truncated = false;
    const std::size_t len = utf8_sequence_length(s, i, &truncated);
    if (len == 0) {
      if (truncated && allow_truncated_tail) return std::string_view::npos;
      return i;
    }
    i += len;
  }
  return std::string_view::npos;
}

bool is_valid_utf8(std::string_view s) { return find_invalid_utf8(s) == std::string_view::npos; }

std::string hex_bytes(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(bytes.size() * 4);
  for (char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    out += "\\x";
    out += kDigits[b >> 4];
    out += kDigits[b & 0x0F];
  }
  return out;
}

std::string truncate_utf8(std::string_view s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return std::string(s);
  std::size_t n = max_bytes;
  // Step back over continuation bytes so that no sequence is split.
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return std::string(s.substr(0, n));
}

std::string trim(std::string_view s) {
  for (;;) {
    if (!s.empty() && is_ascii_space(s.front())) {
      s.remove_prefix(1);
    } else if (s.substr(0, kIdeographicSpace.size()) == kIdeographicSpace) {
      s.remove_prefix(kIdeographicSpace.size());
    } else {
      break;
    }
  }
  for (;;) {
    if (!s.empty() && is_ascii_space(s.back())) {
      s.remove_suffix(1);
    } else if (s.size() >= kIdeographicSpace.size() && s.substr(s.size() - kIdeographicSpace.size()) == kIdeographicSpace) {
      s.remove_suffix(kIdeographicSpace.size());
    } else {
      break;
    }
  }
  return std::string(s);
}

std::string normalize_numeric(std::string_view s, bool* changed) {
  const std::string t = trim(s);
  bool any = false;
  std::string out;
  out.reserve(t.size());
  for (std::size_t i = 0; i < t.size();) {
    const auto b0 = static_cast<unsigned char>(t[i]);
    if (b0 == 0xEF && i + 2 < t.size() && static_cast<unsigned char>(t[i + 1]) == 0xBC) {
      // U+FF00..U+FF3F: EF BC 80..BF
      const auto b2 = static_cast<unsigned char>(t[i + 2]);
      char ascii = 0;
      if (b2 >= 0x90 && b2 <= 0x99) ascii = static_cast<char>('0' + (b2 - 0x90)); // ０-９ U+FF10..FF19
      else if (b2 == 0x8E) ascii = '.';                                            // ． U+FF0E
      else if (b2 == 0x8D) ascii = '-';                                            // － U+FF0D
      else if (b2 == 0x8B) ascii = '+';                                            // ＋ U+FF0B
      if (ascii != 0) {
        out += ascii;
        any = true;
        i += 3;
        continue;
      }
    } else if (b0 == 0xE2 && i + 2 < t.size() && static_cast<unsigned char>(t[i + 1]) == 0x88 &&
               static_cast<unsigned char>(t[i + 2]) == 0x92) { // − U+2212 MINUS SIGN
      out += '-';
      any = true;
      i += 3;
      continue;
    }
    out += t[i];
    ++i;
  }
  if (changed) *changed = any;
  return out;
}

std::optional<long long> parse_integer(std::string_view s) {
  // std::from_chars accepts a leading '-' but not '+'; a '+' must be followed by a digit ("+-1" is junk).
  if (!s.empty() && s.front() == '+') {
    s.remove_prefix(1);
    if (s.empty() || s.front() < '0' || s.front() > '9') return std::nullopt;
  }
  if (s.empty()) return std::nullopt;
  long long v = 0;
  const char* first = s.data();
  const char* last = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(first, last, v, 10);
  if (ec != std::errc() || ptr != last) return std::nullopt;
  return v;
}

std::optional<double> parse_double(std::string_view s) {
  if (!s.empty() && s.front() == '+') {
    s.remove_prefix(1);
    if (!s.empty() && s.front() == '-') return std::nullopt; // "+-1"
  }
  if (s.empty()) return std::nullopt;
  double v = 0;
  const char* first = s.data();
  const char* last = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(first, last, v, std::chars_format::general);
  if (ec != std::errc() || ptr != last || !std::isfinite(v)) return std::nullopt;
  return v;
}

} // namespace hkstat::io
