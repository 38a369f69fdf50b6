// hkstat/io/output.hpp — the output policy of a run, in one place (docs/cli.md "Output policy").
//
// A command declares every file and folder it reads (inputs) and every file and folder it will write
// (outputs). check() refuses, before anything is computed:
//   * an output that is an input: the same file (device + inode, so also through symbolic and hard
//     links), or an output folder that is an input folder or holds an input (it would be replaced);
//   * two outputs that are the same file;
//   * an output that is a directory (for a file), a block device, a socket or a link to nothing.
// Outputs are then staged while the run goes on (content in memory, or, for a streamed file, already in
// its unnamed temporary file in the destination's folder: stage_stream), and publish() writes them all
// only after the run has succeeded: every staged output is first written to its temporary file or
// folder (see AtomicFile, AtomicDirectory), and only when all of them are complete is each moved into
// place, in the order staged. A failure before that point leaves every destination as it was.
#pragma once

#include "hkstat/io/atomic_dir.hpp"
#include "hkstat/io/atomic_file.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace hkstat::io {

class OutputSet {
public:
  // A file or folder the run reads. Paths that do not exist (e.g. a built-in rule-set id) are ignored.
  // `what` names it in messages (e.g. "コードブック / codebook" is not needed: the path is shown).
  void add_input(const std::string& path);
  // An open input (standard input when it is a file).
  void add_input_fd(int fd, const std::string& name);

  // An output the run will write; `option` names it in messages ("--out"). "-" and "" are ignored.
  void declare_file(const std::string& path, const std::string& option);
  void declare_dir(const std::string& path, const std::string& option);

  // Throws Error(UsageInvalidOption) for an output that is an input or another output, Error(IoCannotWrite)
  // for an output that cannot be written as a file (directory, block device, socket, dangling link).
  void check() const;

  // Stage an output (declared implicitly if it was not). Nothing is written yet.
  void stage_file(const std::string& path, std::string content, const std::string& option);
  void stage_dir(const std::string& path, FileList files, DirectoryWriteOptions options, const std::string& option);
  // A file written while the run goes on (e.g. one line per row), so that its size costs no memory: the
  // temporary file (AtomicFile: unnamed, in the destination's folder) is created now, the caller appends
  // to it, and publish() moves it into place with the others, in the order staged. Discarded unpublished
  // if the run fails. The reference stays valid until publish().
  AtomicFile& stage_stream(const std::string& path, const std::string& option);
  bool empty() const { return staged_files_.empty() && staged_dirs_.empty() && streams_.empty(); }

  // check(), then write every staged output to its temporary form, then publish them in order.
  // Throws Error(IoCannotWrite) (every temporary removed) on a failure before the first publication.
  void publish();

private:
  struct Id {
    std::uint64_t dev = 0, ino = 0;
    bool operator==(const Id&) const = default;
  };
  struct Input {
    std::string path;
    Id id;
    std::string real; // canonical path ("" for an fd)
  };
  struct Output {
    std::string path;
    std::string option;
    bool dir = false;
  };
  struct StagedFile {
    std::string path;
    std::string content;
  };
  struct StagedDir {
    std::string path;
    FileList files;
    DirectoryWriteOptions options;
  };
  void declare(const std::string& path, const std::string& option, bool dir);

  std::vector<Input> inputs_;
  std::vector<Output> outputs_;
  std::vector<StagedFile> staged_files_;
  std::vector<StagedDir> staged_dirs_;
  std::vector<std::unique_ptr<AtomicFile>> streams_;
  enum class Kind { File, Dir, Stream };
  std::vector<std::pair<Kind, std::size_t>> order_; // index into staged_files_, staged_dirs_ or streams_
};

} // namespace hkstat::io
