// web/compat/charconv_double.hpp — std::from_chars for double, which the libc++ of Debian's emscripten 3.1.6
// (LLVM 14) does not have (only the integer overloads). Force-included into every file of the WebAssembly
// build (web/CMakeLists.txt: -include); the native build never sees it.
//
// Same contract as the standard function for what the library passes (chars_format::general, the default):
// no leading whitespace or '+', the longest decimal prefix ("1e" parses "1"; "0x1p3" parses "0"), inf /
// infinity / nan, result_out_of_range (value untouched) when the number overflows or underflows to 0.
// musl's strtod rounds correctly, as from_chars must, so the values are the same bits as on the native build.
#pragma once

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <string>
#include <system_error>

namespace std {

inline from_chars_result from_chars(const char* first, const char* last, double& value, chars_format = chars_format::general) {
  const char* p = first;
  if (p != last && *p == '-') ++p;
  if (p == last || !(std::isdigit(static_cast<unsigned char>(*p)) || *p == '.' || *p == 'i' || *p == 'I' || *p == 'n' || *p == 'N'))
    return {first, errc::invalid_argument};
  // strtod would read hexadecimal ("0x..."); from_chars with chars_format::general stops after the "0".
  if (last - p >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
    value = first[0] == '-' ? -0.0 : 0.0;
    return {p + 1, errc{}};
  }
  const std::string buf(first, last); // strtod needs a terminating NUL
  char* end = nullptr;
  const int saved = errno;
  errno = 0;
  const double v = std::strtod(buf.c_str(), &end);
  const bool range = errno == ERANGE;
  errno = saved;
  if (end == buf.c_str()) return {first, errc::invalid_argument};
  const char* stop = first + (end - buf.c_str());
  // Too large (inf) or too small (0 from non-zero digits): out of range, as libstdc++ reports it. A subnormal
  // result (strtod also says ERANGE) is a value, as libstdc++ returns it.
  if (range && (v == 0 || v > 1.7976931348623157e308 || v < -1.7976931348623157e308)) return {stop, errc::result_out_of_range};
  value = v;
  return {stop, errc{}};
}

} // namespace std
