#include "hkstat/io/atomic_file.hpp"

#include "hkstat/core/error.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <system_error>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace hkstat::io {

namespace {

std::string reason_ja(int err) {
  switch (err) {
  case ENOENT: return "書き込み先のディレクトリが存在しません";
  case ENOTDIR: return "パスの途中がディレクトリではありません";
  case EACCES:
  case EPERM: return "書き込みの権限がありません";
  case ENOSPC: return "ディスクの空き容量が足りません";
  case EDQUOT: return "ディスク容量の制限を超えました";
  case EROFS: return "読み取り専用のファイルシステムです";
  case EISDIR: return "同じ名前のディレクトリがあります";
  case ENAMETOOLONG: return "パスが長すぎます";
  default: return fmt::format("書き込めません ({})", std::generic_category().message(err));
  }
}

} // namespace

[[noreturn]] void throw_cannot_write(const std::string& path, int err) {
  Problem p;
  p.code = ErrorCode::IoCannotWrite;
  p.pos.file = path;
  p.value = path;
  p.message = Text{fmt::format("ファイルに書き込めません: {}", reason_ja(err)),
                   fmt::format("cannot write the file: {}", std::generic_category().message(err))};
  p.expected = Text{"書き込み可能なディレクトリ内のパス", "a path in a writable directory"};
  throw Error(std::move(p));
}

// The process umask without changing it (umask(2) can only be read by setting it): Linux reports it
// in /proc/self/status. Falls back to the usual 022.
unsigned current_umask() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Umask:", 0) == 0) return static_cast<unsigned>(std::strtoul(line.c_str() + 6, nullptr, 8) & 0777);
  }
  return 022;
}

namespace {

std::string directory_of(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

} // namespace

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  std::string tmpl = path_ + ".tmp-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  fd_ = ::mkstemp(buf.data());
  if (fd_ < 0) throw_cannot_write(path_, errno);
  tmp_.assign(buf.data());

  // mkstemp creates 0600; give the file the permissions an ordinary create (or the old file) would have.
  struct stat st {};
  const mode_t mode = (::stat(path_.c_str(), &st) == 0 && S_ISREG(st.st_mode)) ? (st.st_mode & 07777) : static_cast<mode_t>(0666 & ~current_umask());
  (void)::fchmod(fd_, mode); // best effort: a file with narrower permissions is still a correct file
}

AtomicFile::~AtomicFile() { discard(); }

void AtomicFile::discard() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!tmp_.empty()) ::unlink(tmp_.c_str());
  tmp_.clear();
}

void AtomicFile::fail(int err) {
  discard();
  throw_cannot_write(path_, err);
}

void AtomicFile::write(std::string_view data) {
  if (fd_ < 0) throw_cannot_write(path_, EBADF);
  while (!data.empty()) {
    const ssize_t n = ::write(fd_, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(errno);
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

void AtomicFile::commit() {
  if (fd_ < 0) throw_cannot_write(path_, EBADF);
  if (::fsync(fd_) != 0) fail(errno);
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) fail(errno);
  if (::rename(tmp_.c_str(), path_.c_str()) != 0) fail(errno);
  tmp_.clear();
  // Make the rename itself durable; best effort (some file systems refuse fsync on directories).
  const int dfd = ::open(directory_of(path_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
}

void write_file_atomic(const std::string& path, std::string_view content) {
  AtomicFile f(path);
  f.write(content);
  f.commit();
}

} // namespace hkstat::io
