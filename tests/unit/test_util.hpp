// tests/unit/test_util.hpp — helpers shared by the unit tests: the hkstat::Error a call throws, and small
// input files written under /tmp for one test program. Header-only.
#pragma once

#include "hkstat/core/error.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

namespace testutil {

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

} // namespace testutil
