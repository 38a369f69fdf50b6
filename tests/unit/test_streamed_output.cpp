// Streamed outputs (issue 12 defect 10): io::Spool keeps bytes in an unnamed temporary file, and
// io::OutputSet::stage_stream writes an output as the run goes into its unnamed temporary file next to the
// destination, published with the other outputs or not at all.
#include "hkstat/io/atomic_file.hpp"
#include "hkstat/io/output.hpp"
#include "hkstat/io/spool.hpp"

#include "test_util.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace hkstat;
using testutil::problem_of;
using testutil::slurp;
using testutil::TempDir;

namespace {

std::string replayed(io::Spool& s) {
  std::string out;
  std::size_t pieces = 0;
  s.replay([&](std::string_view piece) {
    CHECK(piece.size() <= (1u << 20));
    out.append(piece);
    ++pieces;
  });
  return out;
}

} // namespace

TEST_CASE("Spool: what is written comes back in order, small or large, and after more writes", "[io][spool]") {
  io::Spool empty("<test>");
  CHECK(replayed(empty).empty());

  io::Spool small("<test>");
  small.write("abc");
  small.write("");
  small.write("def\n");
  CHECK(small.size() == 7);
  CHECK(replayed(small) == "abcdef\n");

  // 3 MB in pieces of every size, one of them larger than the 64 KiB buffer, and bytes of every value.
  io::Spool big("<test>");
  std::string want;
  for (int i = 0; want.size() < 3'000'000; ++i) {
    std::string piece(static_cast<std::size_t>(i % 997) + (i == 50 ? 200'000 : 0), '\0');
    for (std::size_t k = 0; k < piece.size(); ++k) piece[k] = static_cast<char>((k * 31 + static_cast<std::size_t>(i)) & 0xFF);
    big.write(piece);
    want += piece;
  }
  CHECK(big.size() == want.size());
  CHECK(replayed(big) == want);
  big.write("tail");
  CHECK(replayed(big) == want + "tail");
}

TEST_CASE("stage_stream: nothing at the destination before publish(), the whole file after", "[io][output][stream]") {
  TempDir t;
  const std::string path = t.write("out.csv", "old\n");
  {
    io::OutputSet set;
    io::AtomicFile& f = set.stage_stream(path, "--out");
    for (int i = 0; i < 100000; ++i) f.write("row " + std::to_string(i) + "\n");
    CHECK(slurp(path) == "old\n");
    CHECK(t.entries() == std::vector<std::string>{"out.csv"}); // the temporary file has no name
    set.publish();
  }
  const std::string got = slurp(path);
  CHECK(got.size() == 988'890); // "row 0\n" ... "row 99999\n"
  CHECK(got.substr(0, 12) == "row 0\nrow 1\n");
  CHECK(got.substr(got.size() - 10) == "row 99999\n");
  CHECK(t.entries() == std::vector<std::string>{"out.csv"});
}

TEST_CASE("stage_stream: a run that fails publishes nothing and leaves nothing behind", "[io][output][stream]") {
  TempDir t;
  const std::string path = t.write("out.csv", "old\n");
  {
    io::OutputSet set; // never published (the run failed)
    set.stage_stream(path, "--out").write("new\n");
    set.stage_stream(t.file("new.csv"), "--rejects").write("x\n");
  }
  CHECK(slurp(path) == "old\n");
  CHECK(t.entries() == std::vector<std::string>{"out.csv"});

  // A staged file that cannot be written: the streamed one is not published either.
  io::OutputSet set;
  set.stage_stream(path, "--out").write("new\n");
  set.stage_file(t.file("missing/dir/x.csv"), "x", "--audit-out");
  CHECK(problem_of([&] { set.publish(); }).code == ErrorCode::IoCannotWrite);
  CHECK(slurp(path) == "old\n");
  CHECK(t.entries() == std::vector<std::string>{"out.csv"});

  // An output that is an input is refused before anything is created.
  io::OutputSet conflict;
  conflict.add_input(path);
  CHECK(problem_of([&] { conflict.stage_stream(path, "--out"); }).code == ErrorCode::UsageInvalidOption);
  CHECK(slurp(path) == "old\n");
}
