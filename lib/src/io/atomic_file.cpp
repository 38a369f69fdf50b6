#include "hkstat/io/atomic_file.hpp"

#include "hkstat/core/error.hpp"
#include "hkstat/io/spool.hpp"

#include <fmt/format.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
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
  case EFBIG: return "ファイルサイズの上限（ulimit -f）を超えました";
  case EROFS: return "読み取り専用のファイルシステムです";
  case EISDIR: return "同じ名前のディレクトリがあります";
  case ENAMETOOLONG: return "パスが長すぎます";
  case EPIPE: return "読み手が終了しました";
  default: return fmt::format("書き込めません ({})", std::generic_category().message(err));
  }
}

[[noreturn]] void refuse(const std::string& path, Text why, Text expected) {
  Problem p;
  p.code = ErrorCode::IoCannotWrite;
  p.pos.file = path;
  p.message = std::move(why);
  p.expected = std::move(expected);
  throw Error(std::move(p));
}

std::string directory_of(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// "XXXXXX"-style suffix for the name an unnamed temp file gets just before the rename.
std::string random_suffix() {
  static const char* chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  static std::atomic<unsigned long long> counter{0};
  std::random_device rd;
  std::mt19937_64 gen((static_cast<unsigned long long>(rd()) << 32) ^ static_cast<unsigned long long>(::getpid()) ^
                      static_cast<unsigned long long>(std::chrono::steady_clock::now().time_since_epoch().count()) ^ (counter++ << 48));
  std::string s;
  for (int i = 0; i < 6; ++i) s += chars[gen() % 62];
  return s;
}

bool proc_fd_available() { return ::access("/proc/self/fd", X_OK) == 0; }

} // namespace

void (*AtomicFile::before_publish_hook)() = nullptr;

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

OutputTarget output_target(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    struct stat lst {};
    if (::lstat(path.c_str(), &lst) == 0 && S_ISLNK(lst.st_mode)) return OutputTarget::Dangling;
    return OutputTarget::New; // missing (or unreachable: the write reports why)
  }
  if (S_ISREG(st.st_mode)) return OutputTarget::Regular;
  if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) return OutputTarget::InPlace;
  if (S_ISDIR(st.st_mode)) return OutputTarget::Directory;
  return OutputTarget::Unsupported;
}

void check_output_target(const std::string& path) {
  switch (output_target(path)) {
  case OutputTarget::New:
  case OutputTarget::Regular:
  case OutputTarget::InPlace: return;
  case OutputTarget::Directory:
    refuse(path, Text{"出力先はディレクトリです", "the output is a directory"}, Text{"ファイルのパス", "a file path"});
  case OutputTarget::Unsupported:
    refuse(path, Text{"出力先はブロックデバイスかソケットです。書き込みません", "the output is a block device or a socket; hkstat does not write to it"},
           Text{"通常のファイル、文字デバイス（/dev/null など）または FIFO", "a regular file, a character device (such as /dev/null) or a FIFO"});
  case OutputTarget::Dangling:
    refuse(path, Text{"出力先のシンボリックリンクの指す先がありません", "the output is a symbolic link to nothing"},
           Text{"存在するファイルへのリンク、または通常のパス", "a link to an existing file, or a plain path"});
  }
}

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  check_output_target(path_);
  struct stat st {};
  const bool exists = ::stat(path_.c_str(), &st) == 0;
  if (exists && !S_ISREG(st.st_mode)) {
    // A character device or FIFO: written in place, never replaced by a rename.
    mode_ = Mode::InPlace;
    const bool fifo = S_ISFIFO(st.st_mode);
    fd_ = ::open(path_.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC | (fifo ? O_NONBLOCK : 0));
    if (fd_ < 0 && fifo && errno == ENXIO)
      refuse(path_, Text{"出力先の FIFO を読んでいるプロセスがありません（hkstat は読み手を待ちません）", "no process is reading the output FIFO (hkstat does not wait for a reader)"},
             Text{"先に読み手を起動する（例: cat FIFO &）、または標準出力に書く", "start the reader first (e.g. cat FIFO &), or write to standard output"});
    if (fd_ < 0) throw_cannot_write(path_, errno);
    if (fifo) (void)::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) & ~O_NONBLOCK);
    return;
  }
  target_ = path_;
  if (exists) { // follow symbolic links: the file they point to is replaced, the links stay
    if (char* real = ::realpath(path_.c_str(), nullptr)) {
      target_ = real;
      std::free(real);
    }
  }
  const mode_t mode = exists ? (st.st_mode & 07777) : static_cast<mode_t>(0666 & ~current_umask());
  if (proc_fd_available()) {
    fd_ = ::open(directory_of(target_).c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, mode);
    if (fd_ >= 0) {
      mode_ = Mode::Unnamed;
      if (exists) (void)::fchmod(fd_, mode); // O_TMPFILE's mode is reduced by the umask
      return;
    }
    if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) throw_cannot_write(path_, errno);
  }
  mode_ = Mode::Named;
  std::string tmpl = target_ + ".tmp-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  fd_ = ::mkostemp(buf.data(), O_CLOEXEC);
  if (fd_ < 0) throw_cannot_write(path_, errno);
  tmp_.assign(buf.data());
  // mkstemp creates 0600; give the file the permissions an ordinary create (or the old file) would have.
  (void)::fchmod(fd_, mode); // best effort: a file with narrower permissions is still a correct file
}

AtomicFile::~AtomicFile() { discard(); }

void AtomicFile::discard() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!tmp_.empty()) ::unlink(tmp_.c_str());
  tmp_.clear();
  pending_.reset();
}

void AtomicFile::fail(int err) {
  discard();
  throw_cannot_write(path_, err);
}

void AtomicFile::write_fd(std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd_, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(errno);
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

void AtomicFile::write(std::string_view data) {
  if (fd_ < 0) throw_cannot_write(path_, EBADF);
  if (mode_ == Mode::InPlace) {
    if (!pending_) pending_ = std::make_unique<Spool>(path_);
    pending_->write(data);
  } else {
    write_fd(data);
  }
}

void AtomicFile::commit() {
  if (fd_ < 0) throw_cannot_write(path_, EBADF);
  if (mode_ == Mode::InPlace) {
    const std::unique_ptr<Spool> spool = std::move(pending_); // fail() inside write_fd() must not free it under replay()
    if (spool) spool->replay([this](std::string_view piece) { write_fd(piece); });
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0 && errno != EINTR) throw_cannot_write(path_, errno);
    return;
  }
  if (::fsync(fd_) != 0 && errno != EINVAL) fail(errno);
  if (before_publish_hook) before_publish_hook();
  if (mode_ == Mode::Unnamed) {
    // Give the complete file a name next to the target, then rename it over the target (linkat cannot
    // replace an existing name). The named file exists only between these two calls.
    const std::string proc = fmt::format("/proc/self/fd/{}", fd_);
    for (int attempt = 0;; ++attempt) {
      const std::string name = target_ + ".tmp-" + random_suffix();
      if (::linkat(AT_FDCWD, proc.c_str(), AT_FDCWD, name.c_str(), AT_SYMLINK_FOLLOW) == 0) {
        tmp_ = name;
        break;
      }
      if (errno != EEXIST || attempt > 100) fail(errno);
    }
  }
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0 && errno != EINTR) fail(errno);
  if (::rename(tmp_.c_str(), target_.c_str()) != 0) fail(errno);
  tmp_.clear();
  // Make the rename itself durable; best effort (some file systems refuse fsync on directories).
  const int dfd = ::open(directory_of(target_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
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
