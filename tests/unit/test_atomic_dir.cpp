// io::write_directory_atomic: the destination is absent/old or complete, never partial; --force replaces
// only folders that hold nothing but report files; no temporary directory is left behind on failure.
#include "hkstat/io/atomic_dir.hpp"

#include "hkstat/core/error.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace hkstat;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    std::string t = (fs::temp_directory_path() / "hkstat-atomic-dir-XXXXXX").string();
    path = ::mkdtemp(t.data());
  }
  ~TempDir() { fs::remove_all(path); }
};

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> entries(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

bool only_csv(const std::string& p) { return p.size() > 4 && p.substr(p.size() - 4) == ".csv"; }

} // namespace

TEST_CASE("a folder is written whole, with subdirectories", "[io][atomic_dir]") {
  TempDir t;
  const std::string dest = (t.path / "out").string();
  io::write_directory_atomic(dest, {{"a.csv", "1"}, {"sub/b.csv", "2"}, {"sub/deeper/c.csv", "3"}});
  CHECK(read(t.path / "out/a.csv") == "1");
  CHECK(read(t.path / "out/sub/b.csv") == "2");
  CHECK(read(t.path / "out/sub/deeper/c.csv") == "3");
  CHECK(entries(t.path) == std::vector<std::string>{"out"});
}

TEST_CASE("an existing destination is kept unless it may be replaced", "[io][atomic_dir]") {
  TempDir t;
  const std::string dest = (t.path / "out").string();
  io::write_directory_atomic(dest, {{"a.csv", "old"}, {"gone.csv", "old"}});
  try {
    io::write_directory_atomic(dest, {{"a.csv", "new"}});
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::IoCannotWrite);
    CHECK(e.problem().message.en == "the destination already exists");
  }
  CHECK(read(t.path / "out/a.csv") == "old");

  io::DirectoryWriteOptions replace{true, only_csv};
  io::write_directory_atomic(dest, {{"a.csv", "new"}}, replace);
  CHECK(read(t.path / "out/a.csv") == "new");
  CHECK_FALSE(fs::exists(t.path / "out/gone.csv")); // the old folder is gone, not merged
  CHECK(entries(t.path) == std::vector<std::string>{"out"});

  // A folder with anything that is not a report file is never replaced, even with replace.
  std::ofstream(t.path / "out/thesis.docx") << "precious";
  try {
    io::write_directory_atomic(dest, {{"a.csv", "newer"}}, replace);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::IoCannotWrite);
  }
  CHECK(read(t.path / "out/thesis.docx") == "precious");
  CHECK(read(t.path / "out/a.csv") == "new");
  CHECK(entries(t.path) == std::vector<std::string>{"out"});
}

TEST_CASE("a failure part-way leaves nothing behind", "[io][atomic_dir]") {
  TempDir t;
  const std::string dest = (t.path / "out").string();
  // "x" is written as a file, then "x/y" needs "x" to be a directory: the write fails after the first file.
  CHECK_THROWS_AS(io::write_directory_atomic(dest, {{"x", "1"}, {"x/y", "2"}}), Error);
  CHECK(entries(t.path).empty());
  // Names that would escape the folder are refused before anything is written.
  for (const char* bad : {"../evil", "/etc/x", "a/../b", "", "a//b", "./a", "a/"}) {
    INFO(bad);
    CHECK_THROWS_AS(io::write_directory_atomic(dest, {{bad, "1"}}), Error);
  }
  CHECK_THROWS_AS(io::write_directory_atomic(dest, {{"a", "1"}, {"a", "2"}}), Error);
  CHECK(entries(t.path).empty());
  // A destination in a missing directory: an error, nothing created.
  CHECK_THROWS_AS(io::write_directory_atomic((t.path / "missing/out").string(), {{"a", "1"}}), Error);
  CHECK(entries(t.path).empty());
}
