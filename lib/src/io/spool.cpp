#include "hkstat/io/spool.hpp"

#include "hkstat/io/atomic_file.hpp"

#include <cerrno>
#include <cstdlib>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

namespace hkstat::io {

namespace {

constexpr std::size_t kBufferBytes = 64 * 1024;
constexpr std::size_t kReplayBytes = 1 << 20;

int open_unnamed(const std::string& what) {
  const char* env = std::getenv("TMPDIR");
  const std::string dir = env != nullptr && *env != '\0' ? env : "/tmp";
#ifdef O_TMPFILE
  int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0) return fd;
#endif
  std::string tmpl = dir + "/hkstat-spool-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  const int fd2 = ::mkostemp(buf.data(), O_CLOEXEC);
  if (fd2 < 0) throw_cannot_write(what, errno);
  ::unlink(buf.data());
  return fd2;
}

} // namespace

Spool::Spool(std::string what) : what_(std::move(what)) { buf_.reserve(kBufferBytes); }

Spool::~Spool() {
  if (fd_ >= 0) ::close(fd_);
}

void Spool::flush() {
  if (buf_.empty()) return;
  if (fd_ < 0) fd_ = open_unnamed(what_);
  std::string_view data = buf_;
  while (!data.empty()) {
    const ssize_t n = ::write(fd_, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_cannot_write(what_, errno);
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  buf_.clear();
}

void Spool::write(std::string_view data) {
  size_ += data.size();
  if (buf_.size() + data.size() > kBufferBytes) flush();
  if (data.size() >= kBufferBytes) { // a large piece goes straight to the file
    if (fd_ < 0) fd_ = open_unnamed(what_);
    buf_.assign(data);
    flush();
    return;
  }
  buf_.append(data);
}

std::string Spool::read_path() {
  flush();
  if (fd_ < 0) fd_ = open_unnamed(what_); // nothing written: an empty file
  return "/proc/self/fd/" + std::to_string(fd_);
}

void Spool::replay(const std::function<void(std::string_view)>& sink) {
  if (fd_ < 0) { // everything still in the buffer
    if (!buf_.empty()) sink(buf_);
    return;
  }
  flush();
  std::string chunk(kReplayBytes, '\0');
  off_t at = 0;
  for (;;) {
    const ssize_t n = ::pread(fd_, chunk.data(), chunk.size(), at);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_cannot_write(what_, errno);
    }
    if (n == 0) break;
    at += n;
    sink(std::string_view(chunk.data(), static_cast<std::size_t>(n)));
  }
}

} // namespace hkstat::io
