// hkstat/table/number_format.hpp — how numbers look in Japanese reports, in one place.
// All rounding is half-up (四捨五入) on the unrounded value, once, at display time.
#pragma once

#include <cstddef>
#include <string>

namespace hkstat::table {

std::string with_thousands(long long v);           // 131178 → "131,178"
std::string format_whole(double v);                // 131178.4 → "131,178": half-up, any finite double; "—" if not finite
std::string format_percent(double p, int decimals); // 0.024691 → "2.5%" (p is a proportion)
std::string format_persons(double v);              // 3238.96 → "3,239"
std::string format_man(double v, int decimals = 1); // 696405 → "69.6万"
std::string format_fixed(double v, int decimals);  // half-up, no separators
// Shortest round-trip representation for machine output (CSV): deterministic across platforms.
std::string format_raw(double v);
// format_raw appended to `out` (no string of its own: the commands that write a value a row).
void append_raw(std::string& out, double v);
// format_raw's characters written to `buf` (room for kRawChars): how many. The same characters as append_raw.
inline constexpr std::size_t kRawChars = 32;
std::size_t raw_chars(double v, char* buf);

} // namespace hkstat::table
