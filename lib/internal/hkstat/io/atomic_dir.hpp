// hkstat/io/atomic_dir.hpp — write a whole output folder so that the destination is either absent (or
// the old folder) or the complete new one, never a partial folder: every file is written into a temporary
// directory next to the destination (same file system), which is then renamed into place.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace hkstat::io {

// Relative path ("tables/age.csv") → content.
using FileList = std::vector<std::pair<std::string, std::string>>;

struct DirectoryWriteOptions {
  // Replace an existing destination. Only a directory whose every file satisfies `replaceable` (relative
  // path) is replaced, so that a mistyped destination (e.g. the home directory) is never deleted. The swap
  // is atomic (renameat2 RENAME_EXCHANGE) where the file system supports it; otherwise the old folder is
  // moved aside first, and the destination is briefly absent (never partial).
  bool replace = false;
  std::function<bool(const std::string&)> replaceable;
};

// Writes `files` as the directory `dest`. Throws Error(UsageInvalidOption) for a file name that is not a
// clean relative path (empty, absolute, "..", "." components), Error(IoCannotWrite) when `dest` exists
// and may not be replaced, or when anything cannot be written; the temporary directory is removed on every
// failure and `dest` is left as it was.
void write_directory_atomic(const std::string& dest, const FileList& files, const DirectoryWriteOptions& options = {});

// The same in two steps, so that several outputs can be prepared before any is published
// (io::OutputSet): the constructor checks the names and the destination and writes the temporary
// directory; commit() moves it into place. Destroying it without commit() removes the temporary
// directory. If another run creates `dest` between the two steps, commit() replaces it only when
// `replace` allows (else the "already exists" error); two runs never mix their files.
// The temporary directory (dest + ".tmp-XXXXXX") is locked (flock) while it is written; a run killed
// with -9 leaves it behind, unlocked, and the next AtomicDirectory for the same `dest` removes such
// unlocked leftovers older than a few seconds.
class AtomicDirectory {
public:
  AtomicDirectory(std::string dest, const FileList& files, DirectoryWriteOptions options = {});
  ~AtomicDirectory();
  AtomicDirectory(const AtomicDirectory&) = delete;
  AtomicDirectory& operator=(const AtomicDirectory&) = delete;
  void commit();

private:
  std::string dest_;
  std::string tmp_;
  DirectoryWriteOptions options_;
  int lock_fd_ = -1;
};

} // namespace hkstat::io
