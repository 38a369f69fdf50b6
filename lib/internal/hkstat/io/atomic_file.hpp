// hkstat/io/atomic_file.hpp — write one output file so that the target is either the old file or the
// complete new one, never a half-written file (docs/cli.md "Output policy").
//
//  * A regular file (or a new name) is written to an unnamed temporary file in the target's directory
//    (O_TMPFILE), which is given a name (linkat via /proc/self/fd) and renamed over the target only once
//    it is complete and synced: a crash (kill -9, power loss) before that leaves no file behind. Where
//    the file system has no O_TMPFILE, a named temp file (target + ".tmp-XXXXXX", mkstemp) is used.
//  * A symbolic link is followed: the file it points to is replaced, the link is kept.
//  * A character device (/dev/null, a terminal) or a FIFO with a reader is written in place, never
//    replaced: the data are kept in an unnamed temporary file (io::Spool, not in memory) and written by commit(). A FIFO that nobody reads is refused
//    (hkstat does not wait for a reader).
//  * A directory, block device, socket or a link to nothing is refused (Error IoCannotWrite).
// The new file gets the target's permissions if it already exists, otherwise 0666 minus the umask.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace hkstat::io {

class Spool;

// Write `content` to `path` as AtomicFile does. On any failure the temp file is removed and
// Error(IoCannotWrite) is thrown; the target is never left half-written.
void write_file_atomic(const std::string& path, std::string_view content);

// Throws Error(IoCannotWrite) for `path` and the errno `err`, with the reason in Japanese and English.
[[noreturn]] void throw_cannot_write(const std::string& path, int err);

// The process umask (read from /proc/self/status without changing it; 022 if unknown).
unsigned current_umask();

// What an output path is now (stat, following symbolic links).
enum class OutputTarget {
  New,         // nothing there yet
  Regular,     // a regular file: replaced by temp + rename
  InPlace,     // a character device or FIFO: written in place
  Directory,   // refused
  Unsupported, // block device, socket: refused
  Dangling,    // a symbolic link to nothing: refused
};
OutputTarget output_target(const std::string& path);

// Throws Error(IoCannotWrite) naming `path` unless output_target(path) is New, Regular or InPlace.
void check_output_target(const std::string& path);

// Streaming writer: the constructor prepares the temp file (or opens the device), write() appends,
// commit() publishes. Destroying it without commit() (e.g. during stack unwinding) removes the temp
// file and leaves the target untouched (a device or FIFO gets nothing). Every failure throws
// Error(IoCannotWrite) after removing the temp file; after a failure or a commit the object is closed
// and write()/commit() throw IoCannotWrite.
class AtomicFile {
public:
  explicit AtomicFile(std::string path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(std::string_view data);
  void commit();

  const std::string& path() const { return path_; }
  // The named temp file (mkstemp fallback) while it exists; empty with an unnamed temp file, in place,
  // and once committed or failed.
  const std::string& temp_path() const { return tmp_; }
  bool unnamed_temp() const { return mode_ == Mode::Unnamed; }
  bool in_place() const { return mode_ == Mode::InPlace; }

  // For tests: called by commit() after the data are written and synced, before the file is published.
  static void (*before_publish_hook)();

private:
  enum class Mode { Unnamed, Named, InPlace };
  [[noreturn]] void fail(int err);
  void discard() noexcept;
  void write_fd(std::string_view data);

  std::string path_;   // as given (messages)
  std::string target_; // the file replaced (symbolic links resolved)
  std::string tmp_;
  std::unique_ptr<Spool> pending_; // in place: the data, written by commit()
  Mode mode_ = Mode::Named;
  int fd_ = -1;
};

} // namespace hkstat::io
