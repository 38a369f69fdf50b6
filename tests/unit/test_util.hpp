// tests/unit/test_util.hpp — helpers shared by the unit tests: the hkstat::Error a call throws, and small
// input files written under /tmp for one test program. Header-only.
#pragma once

#include "hkstat/core/error.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

namespace testutil {

// Two CSV texts (lines split at ',': no quoted commas) with every field equal, or both numbers within 1e-12 relative
// (1e-15 absolute: a zero SE), NaN equal to NaN: a calibrated result streamed against the data read whole (their sums
// are added in another order).
inline void csv_near(const std::string& a, const std::string& b, const std::string& name) {
  std::istringstream ia(a), ib(b);
  std::string la, lb;
  std::size_t line = 0;
  while (true) {
    const bool ra = static_cast<bool>(std::getline(ia, la)), rb = static_cast<bool>(std::getline(ib, lb));
    INFO(name << " after line " << line);
    REQUIRE(ra == rb);
    if (!ra) break;
    ++line;
    if (la == lb) continue;
    std::istringstream fa(la), fb(lb);
    std::string x, y;
    while (std::getline(fa, x, ',')) {
      REQUIRE(std::getline(fb, y, ','));
      if (x == y) continue;
      INFO(name << " line " << line << ": " << x << " vs " << y);
      std::size_t px = 0, py = 0;
      const double dx = std::stod(x, &px), dy = std::stod(y, &py);
      REQUIRE((px == x.size() && py == y.size()));
      if (std::isnan(dx) || std::isnan(dy)) {
        CHECK((std::isnan(dx) && std::isnan(dy)));
        continue;
      }
      CHECK(std::abs(dx - dy) <= 1e-12 * std::max(std::abs(dx), std::abs(dy)) + 1e-15);
    }
    std::string extra;
    CHECK(!std::getline(fb, extra, ','));
  }
  INFO(name);
  CHECK(line > 1);
}

// The problem of the hkstat::Error that f() throws; fails the test when f() throws nothing.
template <class F> hkstat::Problem problem_of(F&& f) {
  try {
    f();
  } catch (const hkstat::Error& e) {
    return e.problem();
  }
  FAIL("expected hkstat::Error");
  return {};
}

// Writes `content` to /tmp/hkstat_test_<process id>_<name> and returns the path. The process id keeps the
// test cases that ctest runs in parallel (one process each) off each other's files; every file written is
// removed when the test program exits.
inline std::string write_temp(const std::string& name, const std::string& content) {
  struct Files {
    std::vector<std::string> paths;
    ~Files() {
      for (const auto& p : paths) std::remove(p.c_str());
    }
  };
  static Files files;
  const std::string path = "/tmp/hkstat_test_" + std::to_string(::getpid()) + "_" + name;
  std::ofstream(path, std::ios::binary) << content;
  files.paths.push_back(path);
  return path;
}

// A fresh directory under /tmp, removed at the end of the test; entries() lists its names, sorted.
struct TempDir {
  std::filesystem::path dir;
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "hkstat_test_XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    dir = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (dir / name).string(); }
  std::string write(const std::string& name, const std::string& content) const {
    std::ofstream(file(name), std::ios::binary) << content;
    return file(name);
  }
  std::vector<std::string> entries() const {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(dir)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }
};

// The bytes of a file.
inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

} // namespace testutil
