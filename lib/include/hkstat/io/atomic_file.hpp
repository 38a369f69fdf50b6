// hkstat/io/atomic_file.hpp — write output files so that the target is either the old file or the
// complete new one, never a half-written file: a temp file next to the target (same directory, so the
// rename stays within one file system), write, fsync, rename.
// The new file gets the target's permissions if it already exists, otherwise 0666 minus the umask.
#pragma once

#include <string>
#include <string_view>

namespace hkstat::io {

// Write `content` to `path` atomically: a temp file in the same directory (path + ".tmp-XXXXXX" via mkstemp),
// write, fsync, rename. On any failure the temp file is removed and Error(IoCannotWrite) is thrown; the target
// is never left half-written.
void write_file_atomic(const std::string& path, std::string_view content);

// Streaming variant: the constructor creates the temp file, write() appends, commit() fsyncs and renames.
// Destroying it without commit() (e.g. during stack unwinding) removes the temp file and leaves the target
// untouched. Every failure throws Error(IoCannotWrite) after removing the temp file; after a failure or a
// commit the object is closed and write()/commit() throw IoCannotWrite.
// Throws Error(IoCannotWrite) for `path` and the errno `err`, with the reason in Japanese and English.
[[noreturn]] void throw_cannot_write(const std::string& path, int err);

// The process umask (read from /proc/self/status without changing it; 022 if unknown).
unsigned current_umask();

class AtomicFile {
public:
  explicit AtomicFile(std::string path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(std::string_view data);
  void commit();

  const std::string& path() const { return path_; }
  const std::string& temp_path() const { return tmp_; } // empty once committed or failed

private:
  [[noreturn]] void fail(int err);
  void discard() noexcept;

  std::string path_;
  std::string tmp_;
  int fd_ = -1;
};

} // namespace hkstat::io
