// The output policy (docs/cli.md "Output policy"; hkstat/io/output.hpp, atomic_file.hpp, atomic_dir.hpp):
// outputs never are, contain or replace an input (device + inode); special files are written in place or
// refused, never renamed over; a kill -9 mid-write leaves no temp file; several outputs are published
// all or none; two runs writing the same folder never mix.
#include "hkstat/io/atomic_dir.hpp"
#include "hkstat/io/atomic_file.hpp"
#include "hkstat/io/output.hpp"
#include "hkstat/io/sha256.hpp"
#include "hkstat/codebook/codebook.hpp"

#include "test_util.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace hkstat;
using testutil::problem_of;
namespace fs = std::filesystem;

namespace {

using testutil::slurp;
using testutil::TempDir;


bool is_char_device(const std::string& p) {
  struct stat st {};
  return ::lstat(p.c_str(), &st) == 0 && S_ISCHR(st.st_mode);
}

// A character device to write to: a private copy of /dev/null or /dev/full (mknod, root only), so that a
// regression can never replace the system's node. Empty when not root.
std::string device_node(const TempDir& t, const std::string& name, unsigned minor) {
  if (::geteuid() != 0) return "";
  const std::string p = t.file(name);
  if (::mknod(p.c_str(), S_IFCHR | 0666, ::makedev(1, minor)) != 0) return "";
  return p;
}

int g_signal_fd = -1;
void signal_parent_and_wait() {
  char c = 'w';
  (void)!::write(g_signal_fd, &c, 1);
  for (;;) ::pause();
}

// Forks a child that writes a large file to `dest` with AtomicFile and stops (waiting) either mid-write
// or after the data are complete but before they are published; the parent SIGKILLs it there.
void kill_child_while_writing(const std::string& dest, bool before_publish) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    g_signal_fd = fds[1];
    try {
      io::AtomicFile f(dest);
      const std::string block(1 << 20, 'x'); // respondent data stand-in
      for (int i = 0; i < 4; ++i) f.write(block);
      if (before_publish) io::AtomicFile::before_publish_hook = signal_parent_and_wait;
      else signal_parent_and_wait();
      f.commit();
    } catch (...) {
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  char c = 0;
  REQUIRE(::read(fds[0], &c, 1) == 1);
  ::close(fds[0]);
  REQUIRE(::kill(pid, SIGKILL) == 0);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  CHECK(WIFSIGNALED(status));
}

} // namespace

TEST_CASE("hardening_kill9_leaves_no_temp_file: kill -9 mid-write or before publishing leaves only the old file", "[io][atomic][crash]") {
  TempDir t;
  const std::string dest = t.write("k_cls.csv", "OLD\n");
  bool unnamed = false;
  {
    io::AtomicFile probe(t.file("probe"));
    unnamed = probe.unnamed_temp();
  }
  for (const bool before_publish : {false, true}) {
    INFO("before_publish " << before_publish);
    kill_child_while_writing(dest, before_publish);
    CHECK(slurp(dest) == "OLD\n");
    if (unnamed) CHECK(t.entries() == std::vector<std::string>{"k_cls.csv"});
    else WARN("no O_TMPFILE on " << t.dir << ": a named temp file may remain (documented residual risk)");
  }
}

TEST_CASE("hardening_out_special_file: a character device is written in place, never replaced", "[io][atomic][special]") {
  TempDir t;
  const std::string null = device_node(t, "null", 3);
  const std::string full = device_node(t, "full", 7);
  if (null.empty() || full.empty()) {
    WARN("not root: device-node checks skipped");
    return;
  }
  io::write_file_atomic(null, "discarded\n");
  CHECK(is_char_device(null));
  // A symbolic link to the device: the link and the device stay.
  REQUIRE(::symlink(null.c_str(), t.file("link").c_str()) == 0);
  io::write_file_atomic(t.file("link"), "discarded\n");
  CHECK(fs::is_symlink(t.file("link")));
  CHECK(is_char_device(null));
  // /dev/full: the write fails (ENOSPC) and is reported; the device is still there.
  const auto p = problem_of([&] { io::write_file_atomic(full, "x"); });
  CHECK(p.code == ErrorCode::IoCannotWrite);
  CHECK(p.message.en.find("No space left") != std::string::npos);
  CHECK(is_char_device(full));
  CHECK(t.entries() == std::vector<std::string>{"full", "link", "null"});
}

TEST_CASE("hardening_out_fifo: a FIFO with a reader gets the data in place, without a reader it is refused", "[io][atomic][special]") {
  TempDir t;
  const std::string fifo = t.file("fifo");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  // No reader: refused at once (hkstat does not wait), the FIFO stays.
  const auto p = problem_of([&] { io::write_file_atomic(fifo, "x"); });
  CHECK(p.code == ErrorCode::IoCannotWrite);
  CHECK(p.message.en.find("no process is reading") != std::string::npos);
  // With a reader.
  const int rfd = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
  REQUIRE(rfd >= 0);
  io::write_file_atomic(fifo, "through the pipe\n");
  char buf[64] = {};
  const ssize_t n = ::read(rfd, buf, sizeof buf);
  ::close(rfd);
  CHECK(std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0) == "through the pipe\n");
  struct stat st {};
  REQUIRE(::lstat(fifo.c_str(), &st) == 0);
  CHECK(S_ISFIFO(st.st_mode));
  CHECK(t.entries() == std::vector<std::string>{"fifo"});
}

TEST_CASE("hardening_out_refused_targets: directories, sockets and dangling links are refused, nothing created", "[io][atomic][special]") {
  TempDir t;
  fs::create_directory(t.file("dir"));
  auto p = problem_of([&] { io::write_file_atomic(t.file("dir"), "x"); });
  CHECK(p.code == ErrorCode::IoCannotWrite);
  CHECK(p.message.en == "the output is a directory");

  const int s = ::socket(AF_UNIX, SOCK_STREAM, 0);
  REQUIRE(s >= 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string sock = t.file("sock");
  REQUIRE(sock.size() < sizeof addr.sun_path);
  std::copy(sock.begin(), sock.end(), addr.sun_path);
  REQUIRE(::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  p = problem_of([&] { io::write_file_atomic(sock, "x"); });
  ::close(s);
  CHECK(p.code == ErrorCode::IoCannotWrite);
  CHECK(p.message.en.find("socket") != std::string::npos);

  REQUIRE(::symlink(t.file("nowhere").c_str(), t.file("dangling").c_str()) == 0);
  p = problem_of([&] { io::write_file_atomic(t.file("dangling"), "x"); });
  CHECK(p.code == ErrorCode::IoCannotWrite);
  CHECK(t.entries() == std::vector<std::string>{"dangling", "dir", "sock"});
}

TEST_CASE("a symbolic link to a regular file is followed: the file is replaced, the link kept", "[io][atomic]") {
  TempDir t;
  const std::string real = t.write("real.csv", "old");
  REQUIRE(::symlink("real.csv", t.file("link.csv").c_str()) == 0);
  io::write_file_atomic(t.file("link.csv"), "new");
  CHECK(fs::is_symlink(t.file("link.csv")));
  CHECK(slurp(real) == "new");
  CHECK(t.entries() == std::vector<std::string>{"link.csv", "real.csv"});
}

TEST_CASE("hardening_out_is_input: an output that is an input is refused by device and inode", "[io][output]") {
  TempDir t;
  const std::string data = t.write("in.csv", "a\n1\n");
  const std::string cb = t.write("in.codebook.toml", "x");
  REQUIRE(::link(data.c_str(), t.file("hard.csv").c_str()) == 0);
  REQUIRE(::symlink(cb.c_str(), t.file("soft.toml").c_str()) == 0);
  for (const std::string& out : {data, cb, t.file("hard.csv"), t.file("soft.toml"), (t.dir / "." / "in.csv").string()}) {
    INFO(out);
    io::OutputSet set;
    set.add_input(data);
    set.add_input(cb);
    set.add_input("cao2022"); // a rule-set id, not a file: ignored
    set.declare_file(t.file("fine.txt"), "--out");
    set.declare_file(out, "--rejects");
    const auto p = problem_of([&] { set.check(); });
    CHECK(p.code == ErrorCode::UsageInvalidOption);
    CHECK(p.message.en.find("--rejects names the input file") != std::string::npos);
  }
  CHECK(slurp(data) == "a\n1\n");
  // Two outputs naming one file.
  io::OutputSet two;
  two.declare_file(t.file("o.txt"), "--out");
  two.declare_file((t.dir / "sub" / ".." / "o.txt").string(), "--audit-out");
  CHECK(problem_of([&] { two.check(); }).code == ErrorCode::UsageInvalidOption);
  // Standard input redirected from the file.
  const int fd = ::open(data.c_str(), O_RDONLY);
  REQUIRE(fd >= 0);
  io::OutputSet in_fd;
  in_fd.add_input_fd(fd, "-");
  in_fd.declare_file(t.file("hard.csv"), "--out");
  CHECK(problem_of([&] { in_fd.check(); }).code == ErrorCode::UsageInvalidOption);
  ::close(fd);
}

TEST_CASE("hardening_out_dir_holds_input: a report folder that is or holds an input is refused", "[io][output]") {
  TempDir t;
  fs::create_directories(t.dir / "rep" / "tables");
  const std::string inside = t.write("rep/tables/data.csv", "a\n");
  fs::create_directories(t.dir / "tmpl");
  io::OutputSet set;
  set.add_input(inside);
  set.declare_dir(t.file("rep"), "--out-dir");
  auto p = problem_of([&] { set.check(); });
  CHECK(p.code == ErrorCode::UsageInvalidOption);
  CHECK(p.message.en.find("holds the input") != std::string::npos);

  io::OutputSet tmpl;
  tmpl.add_input(t.file("tmpl"));
  tmpl.declare_dir(t.file("tmpl/"), "--out-dir");
  CHECK(problem_of([&] { tmpl.check(); }).code == ErrorCode::UsageInvalidOption);
  // A new folder is fine.
  io::OutputSet fresh;
  fresh.add_input(inside);
  fresh.declare_dir(t.file("new-report"), "--out-dir");
  CHECK_NOTHROW(fresh.check());
}

TEST_CASE("hardening_publish_all_or_nothing: outputs are published together or not at all", "[io][output]") {
  TempDir t;
  const std::string a = t.write("OUT.csv", "old csv");
  const std::string b = t.write("OUT.codebook.toml", "old codebook");
  io::OutputSet set;
  set.stage_file(a, "new csv", "--out");
  set.stage_file(b, "new codebook", "--out (codebook)");
  set.stage_file(t.file("missing/dir/diag.txt"), "x", "--diagnostics"); // cannot be prepared
  CHECK(problem_of([&] { set.publish(); }).code == ErrorCode::IoCannotWrite);
  CHECK(slurp(a) == "old csv");
  CHECK(slurp(b) == "old codebook");
  CHECK(t.entries() == std::vector<std::string>{"OUT.codebook.toml", "OUT.csv"});

  io::OutputSet ok;
  ok.stage_file(a, "new csv", "--out");
  ok.stage_file(b, "new codebook", "--out (codebook)");
  ok.publish();
  CHECK(slurp(a) == "new csv");
  CHECK(slurp(b) == "new codebook");
  CHECK(t.entries() == std::vector<std::string>{"OUT.codebook.toml", "OUT.csv"});
}

TEST_CASE("hardening_report_concurrent: two runs creating one folder: one wins, the other fails cleanly", "[io][atomic_dir]") {
  TempDir t;
  const std::string dest = t.file("rep2");
  io::AtomicDirectory first(dest, {{"report.md", "A"}});
  io::AtomicDirectory second(dest, {{"report.md", "B"}}); // both prepared before either is published
  first.commit();
  const auto p = problem_of([&] { second.commit(); });
  CHECK(p.code == ErrorCode::IoCannotWrite);
  CHECK(p.message.en == "the destination already exists");
  CHECK(slurp(dest + "/report.md") == "A");
  CHECK(t.entries() == std::vector<std::string>{"rep2"});

  // With replacement allowed (--force) the later one replaces the earlier, whole.
  io::DirectoryWriteOptions force;
  force.replace = true;
  force.replaceable = [](const std::string& n) { return n == "report.md"; };
  io::AtomicDirectory c(dest, {{"report.md", "C"}}, force);
  io::AtomicDirectory d(dest, {{"report.md", "D"}}, force);
  c.commit();
  d.commit();
  CHECK(slurp(dest + "/report.md") == "D");
  CHECK(t.entries() == std::vector<std::string>{"rep2"});
}

TEST_CASE("hardening_report_kill9_leftover: the next run removes an unlocked temp folder of a killed run, never a live one", "[io][atomic_dir]") {
  TempDir t;
  const std::string dest = t.file("k_rep");
  const auto make_old = [&](const std::string& name) {
    fs::create_directories(t.dir / name / "tables");
    std::ofstream(t.dir / name / "report.md") << "partial";
    const timespec times[2] = {{0, UTIME_OMIT}, {std::time(nullptr) - 3600, 0}};
    REQUIRE(::utimensat(AT_FDCWD, t.file(name).c_str(), times, 0) == 0);
  };
  make_old("k_rep.tmp-dead01"); // a killed run's leftover
  make_old("k_rep.tmp-live01"); // a run still writing: it holds the lock
  const int live = ::open(t.file("k_rep.tmp-live01").c_str(), O_RDONLY | O_DIRECTORY);
  REQUIRE(live >= 0);
  REQUIRE(::flock(live, LOCK_EX) == 0);
  make_old("other.tmp-dead02"); // another destination's: not ours to remove
  io::write_directory_atomic(dest, {{"report.md", "whole"}});
  ::close(live);
  CHECK(t.entries() == std::vector<std::string>{"k_rep", "k_rep.tmp-live01", "other.tmp-dead02"});
  CHECK(slurp(dest + "/report.md") == "whole");
}

TEST_CASE("hardening_fsize_limit: with SIGXFSZ ignored a write beyond ulimit -f is E_IO_WRITE and leaves nothing", "[io][atomic][crash]") {
  TempDir t;
  const std::string dest = t.write("est.txt", "OLD\n");
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    std::signal(SIGXFSZ, SIG_IGN); // as hkstat's main() does
    const rlimit lim{1024, 1024};
    if (::setrlimit(RLIMIT_FSIZE, &lim) != 0) ::_exit(10);
    try {
      io::write_file_atomic(dest, std::string(4096, 'x'));
    } catch (const Error& e) {
      ::_exit(e.code() == ErrorCode::IoCannotWrite && e.problem().message.en.find("File too large") != std::string::npos ? 0 : 11);
    }
    ::_exit(12);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(slurp(dest) == "OLD\n");
  CHECK(t.entries() == std::vector<std::string>{"est.txt"});
}

TEST_CASE("hardening_replicate_pair: [data_file] binds a written codebook to its CSV", "[codebook][output]") {
  const std::string base = "[[variable]]\nname = \"id\"\nrole = \"id\"\ntype = \"id\"\n";
  const std::string table = codebook::data_file_table("id\n1\n", 1, "hkstat test");
  const codebook::Codebook cb = codebook::parse_codebook(base + table, "c.toml");
  REQUIRE(cb.data_file);
  CHECK(cb.data_file->sha256 == io::sha256_hex("id\n1\n"));
  CHECK(cb.data_file->rows == 1);
  // A codebook copied from an input loses the input's binding (and only that).
  CHECK(codebook::without_data_file_table(base + table + "\n[replicates]\ntype = \"jk1\"\n") == base + "\n[replicates]\ntype = \"jk1\"\n");
  CHECK(codebook::without_data_file_table(base) == base);
  // A malformed hash or an unknown key is a codebook error.
  CHECK(problem_of([&] { codebook::parse_codebook(base + "[data_file]\nsha256 = \"abc\"\n", "c.toml"); }).code == ErrorCode::CodebookInvalid);
  CHECK(problem_of([&] { codebook::parse_codebook(base + table + "extra = 1\n", "c.toml"); }).code == ErrorCode::CodebookInvalid);
}
