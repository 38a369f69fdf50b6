#include "hkstat/io/output.hpp"

#include "hkstat/core/error.hpp"
#include "hkstat/io/atomic_file.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <memory>
#include <system_error>

#include <sys/stat.h>

namespace hkstat::io {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void conflict(const std::string& path, Text message) {
  throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{path, 0, 0, "", ""}, "", std::move(message),
                      Text{"入力とも他の出力とも別のパス（hkstat は入力を変更しません）", "a path that is neither an input nor another output (hkstat never modifies an input)"},
                      ""});
}

// The lexical absolute form, symbolic links resolved where the path exists.
std::string normal(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::weakly_canonical(fs::absolute(path, ec), ec);
  if (ec) return fs::absolute(path).lexically_normal().string();
  return p.string();
}

bool inside(const std::string& child, const std::string& dir) {
  return child.size() > dir.size() && child.compare(0, dir.size(), dir) == 0 && (dir.back() == '/' || child[dir.size()] == '/');
}

} // namespace

void OutputSet::add_input(const std::string& path) {
  if (path.empty() || path == "-") return;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return;
  Input in;
  in.path = path;
  in.id = Id{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)};
  std::error_code ec;
  in.real = fs::canonical(path, ec).string();
  if (ec) in.real.clear();
  for (const auto& x : inputs_)
    if (x.id == in.id) return;
  inputs_.push_back(std::move(in));
}

void OutputSet::add_input_fd(int fd, const std::string& name) {
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return; // only a file can be overwritten
  inputs_.push_back(Input{name, Id{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)}, ""});
}

void OutputSet::declare(const std::string& path, const std::string& option, bool dir) {
  if (path.empty() || (!dir && path == "-")) return;
  for (const auto& o : outputs_)
    if (o.path == path && o.option == option && o.dir == dir) return;
  outputs_.push_back(Output{path, option, dir});
}

void OutputSet::declare_file(const std::string& path, const std::string& option) { declare(path, option, false); }
void OutputSet::declare_dir(const std::string& path, const std::string& option) { declare(path, option, true); }

void OutputSet::check() const {
  for (std::size_t i = 0; i < outputs_.size(); ++i) {
    const Output& o = outputs_[i];
    struct stat st {};
    const bool exists = ::stat(o.path.c_str(), &st) == 0;
    const Id id{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)};
    if (exists)
      for (const auto& in : inputs_)
        if (in.id == id)
          conflict(o.path, o.dir ? Text{fmt::format("{} の出力先は入力 {} です（入力は変更しません）", o.option, in.path),
                                        fmt::format("{} names the input {} (hkstat never modifies an input)", o.option, in.path)}
                                 : Text{fmt::format("{} の出力先は入力ファイル {} と同じファイルです（入力は変更しません）", o.option, in.path),
                                        fmt::format("{} names the input file {} (hkstat never modifies an input)", o.option, in.path)});
    if (o.dir && exists && S_ISDIR(st.st_mode)) {
      // The folder would be replaced as a whole: it must not hold an input, at any depth.
      for (const auto& in : inputs_) {
        if (in.real.empty()) continue;
        for (fs::path p = fs::path(in.real).parent_path(); !p.empty(); p = p.parent_path()) {
          struct stat ps {};
          if (::stat(p.c_str(), &ps) == 0 && Id{static_cast<std::uint64_t>(ps.st_dev), static_cast<std::uint64_t>(ps.st_ino)} == id)
            conflict(o.path, Text{fmt::format("{} の出力先のフォルダには入力 {} があります。置き換えると入力が消えます", o.option, in.path),
                                  fmt::format("{}: the folder holds the input {}; replacing it would delete the input", o.option, in.path)});
          if (p == p.root_path()) break;
        }
      }
    }
    if (!o.dir) check_output_target(o.path);
    const std::string ni = normal(o.path);
    for (std::size_t j = 0; j < i; ++j) {
      const Output& q = outputs_[j];
      const std::string nj = normal(q.path);
      struct stat qs {};
      const bool same = ni == nj || (exists && ::stat(q.path.c_str(), &qs) == 0 &&
                                     Id{static_cast<std::uint64_t>(qs.st_dev), static_cast<std::uint64_t>(qs.st_ino)} == id);
      const bool nested = (q.dir && inside(ni, nj)) || (o.dir && inside(nj, ni));
      if (same || nested)
        conflict(o.path, Text{fmt::format("{} と {} の出力先が同じか重なっています: {}, {}", q.option, o.option, q.path, o.path),
                              fmt::format("{} and {} name the same or overlapping outputs: {}, {}", q.option, o.option, q.path, o.path)});
    }
  }
}

void OutputSet::stage_file(const std::string& path, std::string content, const std::string& option) {
  declare_file(path, option);
  order_.emplace_back(Kind::File, staged_files_.size());
  staged_files_.push_back(StagedFile{path, std::move(content)});
}

void OutputSet::stage_dir(const std::string& path, FileList files, DirectoryWriteOptions options, const std::string& option) {
  declare_dir(path, option);
  order_.emplace_back(Kind::Dir, staged_dirs_.size());
  staged_dirs_.push_back(StagedDir{path, std::move(files), std::move(options)});
}

AtomicFile& OutputSet::stage_stream(const std::string& path, const std::string& option) {
  declare_file(path, option);
  check();
  order_.emplace_back(Kind::Stream, streams_.size());
  streams_.push_back(std::make_unique<AtomicFile>(path));
  return *streams_.back();
}

void OutputSet::publish() {
  check();
  // Everything to its temporary form first; any failure here destroys the prepared ones (nothing published).
  std::vector<std::unique_ptr<AtomicFile>> files(staged_files_.size());
  std::vector<std::unique_ptr<AtomicDirectory>> dirs(staged_dirs_.size());
  for (const auto& [kind, i] : order_) {
    if (kind == Kind::File) {
      auto& s = staged_files_[i];
      files[i] = std::make_unique<AtomicFile>(s.path);
      files[i]->write(s.content);
    } else if (kind == Kind::Dir) {
      auto& s = staged_dirs_[i];
      dirs[i] = std::make_unique<AtomicDirectory>(s.path, s.files, s.options);
    }
  }
  for (const auto& [kind, i] : order_) {
    if (kind == Kind::File) files[i]->commit();
    else if (kind == Kind::Dir) dirs[i]->commit();
    else streams_[i]->commit();
  }
  staged_files_.clear();
  staged_dirs_.clear();
  streams_.clear();
  order_.clear();
}

} // namespace hkstat::io
