// hkstat/io/spool.hpp — bytes kept on disk instead of in memory until a run is over.
//
// A Spool is an unnamed temporary file (O_TMPFILE in $TMPDIR, else /tmp; where that is not supported a
// mkstemp file that is unlinked at once), so nothing is left behind whatever happens to the process.
// Streamed outputs use it for text that may only be written once the run has succeeded (standard output,
// the rows of a table printed after its summary), so that their memory does not grow with the rows.
// Writes are buffered (64 KiB). Every failure throws Error(IoCannotWrite) naming `what`.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace hkstat::io {

class Spool {
public:
  explicit Spool(std::string what); // `what` names the spool in messages (e.g. "<stdout>")
  ~Spool();
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  void write(std::string_view data);
  std::size_t size() const { return size_; } // bytes written so far
  // Reads everything written so far from the start, in pieces of at most 1 MiB, handing each to `sink`.
  // Further writes append after it.
  void replay(const std::function<void(std::string_view)>& sink);
  // A path that opens everything written so far for reading (written out first), on its own offset: the descriptor's
  // /proc/self/fd/N (Linux), valid while this Spool lives. An input read more than once (docs/cli.md) is read again there.
  std::string read_path();

private:
  void flush();
  std::string what_;
  std::string buf_;
  std::size_t size_ = 0;
  int fd_ = -1;
};

} // namespace hkstat::io
