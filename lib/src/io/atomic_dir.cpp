#include "hkstat/io/atomic_dir.hpp"

#include "hkstat/core/error.hpp"
#include "hkstat/io/atomic_file.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <set>
#include <system_error>

#include <ctime>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace hkstat::io {

namespace fs = std::filesystem;

namespace {

bool clean_relative(const std::string& name) {
  if (name.empty() || name.front() == '/' || name.back() == '/') return false;
  std::size_t start = 0;
  while (start <= name.size()) {
    const std::size_t slash = name.find('/', start);
    const std::string part = name.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (part.empty() || part == "." || part == "..") return false;
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return true;
}

[[noreturn]] void exists_error(const std::string& dest, bool replace) {
  Problem p;
  p.code = ErrorCode::IoCannotWrite;
  p.pos.file = dest;
  p.value = dest;
  if (replace) {
    p.message = Text{"出力先が既にあり、hkstat のレポート以外のファイルを含むため置き換えません",
                     "the destination exists and holds files that are not part of an hkstat report, so it is not replaced"};
    p.expected = Text{"新しいディレクトリ名、または hkstat が書いたレポートのディレクトリ", "a new directory name, or a folder hkstat wrote"};
  } else {
    p.message = Text{"出力先が既にあります", "the destination already exists"};
    p.expected = Text{"新しいディレクトリ名。置き換えるなら ‹force›", "a new directory name, or ‹force› to replace it"};
  }
  throw Error(std::move(p));
}

// Every regular file under `dir` (relative paths) satisfies `ok`; anything else (links, devices) does not.
bool only_replaceable(const fs::path& dir, const std::function<bool(const std::string&)>& ok) {
  std::error_code ec;
  if (!fs::is_directory(fs::symlink_status(dir, ec))) return false;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const auto st = it->symlink_status(ec);
    if (ec) return false;
    if (fs::is_directory(st)) continue;
    if (!fs::is_regular_file(st)) return false;
    if (!ok || !ok(fs::relative(it->path(), dir, ec).generic_string())) return false;
  }
  return !ec;
}

// Removes a directory tree; failures are ignored (used for cleanup only).
void remove_tree(const std::string& path) noexcept {
  std::error_code ec;
  fs::remove_all(path, ec);
}

void fsync_dir(const std::string& path) noexcept {
  const int dfd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
}

std::string parent_of(const std::string& path) {
  const fs::path p = fs::path(path).parent_path();
  return p.empty() ? "." : p.string();
}

// Removes DEST.tmp-XXXXXX folders that a killed run left: unlocked (the writer holds flock until it
// is done) and older than a few seconds (a new one is locked right after mkdtemp). Best effort.
void sweep_stale(const std::string& dest) noexcept {
  std::error_code ec;
  const fs::path d(dest);
  const std::string prefix = d.filename().string() + ".tmp-";
  const std::string parent = parent_of(dest);
  const std::time_t now = std::time(nullptr);
  for (auto it = fs::directory_iterator(parent, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() != prefix.size() + 6 || name.compare(0, prefix.size(), prefix) != 0) continue;
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::geteuid() || now - st.st_mtime < 5) continue;
    const int fd = ::open(it->path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) continue;
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) remove_tree(it->path().string());
    ::close(fd);
  }
}

} // namespace

AtomicDirectory::AtomicDirectory(std::string dest_in, const FileList& files, DirectoryWriteOptions o) : dest_(std::move(dest_in)), options_(std::move(o)) {
  while (dest_.size() > 1 && dest_.back() == '/') dest_.pop_back();
  const std::string& dest = dest_;
  std::set<std::string> names;
  for (const auto& [name, content] : files) {
    if (!clean_relative(name) || !names.insert(name).second)
      throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{dest, 0, 0, "", ""}, name,
                          Text{"出力ファイル名が不正です（重複、絶対パス、. や .. を含む）", "invalid output file name (duplicate, absolute, or with . or ..)"},
                          Text{"ディレクトリ内の相対パス", "a relative path inside the directory"}, ""});
  }
  struct stat st {};
  const bool exists = ::lstat(dest.c_str(), &st) == 0;
  if (exists && (!options_.replace || !only_replaceable(dest, options_.replaceable))) exists_error(dest, options_.replace);

  std::string tmpl = dest + ".tmp-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  sweep_stale(dest);
  if (!::mkdtemp(buf.data())) throw_cannot_write(dest, errno);
  tmp_ = buf.data();
  lock_fd_ = ::open(tmp_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (lock_fd_ >= 0) (void)::flock(lock_fd_, LOCK_EX);
  try {
    (void)::chmod(tmp_.c_str(), static_cast<mode_t>(0777 & ~current_umask())); // mkdtemp makes 0700
    for (const auto& [name, content] : files) {
      const std::string path = tmp_ + "/" + name;
      for (std::size_t slash = name.find('/'); slash != std::string::npos; slash = name.find('/', slash + 1)) {
        const std::string sub = tmp_ + "/" + name.substr(0, slash);
        if (::mkdir(sub.c_str(), 0777) != 0 && errno != EEXIST) throw_cannot_write(dest + "/" + name.substr(0, slash), errno);
      }
      try {
        write_file_atomic(path, content);
      } catch (const Error& e) { // name the file as the user will see it, not the temporary path
        Problem p = e.problem();
        p.pos.file = p.value = dest + "/" + name;
        throw Error(std::move(p));
      }
    }
    fsync_dir(tmp_);
  } catch (...) {
    remove_tree(tmp_);
    tmp_.clear();
    throw;
  }
}

AtomicDirectory::~AtomicDirectory() {
  if (!tmp_.empty()) remove_tree(tmp_);
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

void AtomicDirectory::commit() {
  if (tmp_.empty()) throw_cannot_write(dest_, EBADF);
  const std::string& dest = dest_;
  const std::string tmp = tmp_;
  try {
    // The destination is looked at again now: another run may have created or removed it meanwhile.
    for (int attempt = 0;; ++attempt) {
      struct stat st {};
      const bool exists = ::lstat(dest.c_str(), &st) == 0;
      if (exists && (!options_.replace || !only_replaceable(dest, options_.replaceable))) exists_error(dest, options_.replace);
      if (!exists) {
        if (::rename(tmp.c_str(), dest.c_str()) == 0) break;
        const int err = errno;
        if ((err == ENOTEMPTY || err == EEXIST) && attempt < 5) continue; // created meanwhile: decide again
        throw_cannot_write(dest, err);
      }
      if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, dest.c_str(), RENAME_EXCHANGE) == 0) {
        remove_tree(tmp); // now holds the old report
        break;
      }
      if (errno == ENOENT && attempt < 5) continue; // removed meanwhile
      if (errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP) throw_cannot_write(dest, errno);
      // No atomic exchange on this file system: move the old folder aside, then the new one in.
      std::string old_tmpl = dest + ".old-XXXXXX";
      std::vector<char> ob(old_tmpl.begin(), old_tmpl.end());
      ob.push_back('\0');
      if (!::mkdtemp(ob.data())) throw_cannot_write(dest, errno);
      const std::string old = std::string(ob.data()) + "/old";
      if (::rename(dest.c_str(), old.c_str()) != 0) {
        const int err = errno;
        remove_tree(ob.data());
        throw_cannot_write(dest, err);
      }
      if (::rename(tmp.c_str(), dest.c_str()) != 0) {
        const int err = errno;
        (void)::rename(old.c_str(), dest.c_str()); // put the old one back
        remove_tree(ob.data());
        throw_cannot_write(dest, err);
      }
      remove_tree(ob.data());
      break;
    }
    tmp_.clear();
    fsync_dir(parent_of(dest));
  } catch (...) {
    remove_tree(tmp);
    tmp_.clear();
    throw;
  }
}

void write_directory_atomic(const std::string& dest, const FileList& files, const DirectoryWriteOptions& o) {
  AtomicDirectory d(dest, files, o);
  d.commit();
}

} // namespace hkstat::io
