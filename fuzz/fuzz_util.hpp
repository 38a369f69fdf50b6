// Shared by the libFuzzer targets in fuzz/ (README.md). hkstat::Error is a normal outcome of any input;
// anything else (another exception, a crash, a sanitizer report, a timeout, more than 2 GB) is a finding.
#pragma once

#include "hkstat/core/error.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>
#include <unistd.h>
#include <vector>

namespace hkstat::fuzz {

// A private directory for the files a target must hand to a path-based reader (removed at exit).
inline const std::string& scratch_dir() {
  static const std::string dir = [] {
    const char* base = std::getenv("TMPDIR");
    std::string templ = std::string(base && *base ? base : "/tmp") + "/hkstat-fuzz-XXXXXX";
    if (!mkdtemp(templ.data())) std::abort();
    return templ;
  }();
  return dir;
}

inline std::string write_file(const std::string& name, std::string_view bytes) {
  const std::string path = scratch_dir() + "/" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) std::abort();
  return path;
}

// The fixtures a target reads once (codebooks, data): HKSTAT_SOURCE_DIR is the checkout.
inline std::string source_path(const std::string& relative) { return std::string(HKSTAT_SOURCE_DIR) + "/" + relative; }

// Splits the input at "\n%%%%\n" (multi-file inputs such as a template directory).
inline std::vector<std::string_view> split_parts(std::string_view s) {
  std::vector<std::string_view> parts;
  constexpr std::string_view sep = "\n%%%%\n";
  while (true) {
    const auto at = s.find(sep);
    if (at == std::string_view::npos) {
      parts.push_back(s);
      return parts;
    }
    parts.push_back(s.substr(0, at));
    s.remove_prefix(at + sep.size());
  }
}

// Runs `f`; hkstat::Error is expected, and must say what is wrong.
template <class F> void expect_only_hkstat_errors(F&& f) {
  try {
    f();
  } catch (const hkstat::Error& e) {
    // An error a user can cause is never E_INTERNAL.
    if (e.problem().code == hkstat::ErrorCode::Internal) std::abort();
  }
}

} // namespace hkstat::fuzz
