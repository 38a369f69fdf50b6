#include "word.hpp"

#include "hkstat/core/error.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace hkstat::cli {

namespace {

namespace fs = std::filesystem;

[[noreturn]] void cannot_write(const std::string& path, const std::string& value, Text message) {
  throw Error(Problem{ErrorCode::IoCannotWrite, SourcePos{path, 0, 0, "", ""}, value, std::move(message), Text{}, ""});
}

// A temporary directory, removed with everything in it when this goes out of scope.
class ScratchDir {
public:
  ScratchDir() {
    std::error_code ec;
    fs::path base = fs::temp_directory_path(ec);
    if (ec) base = "/tmp";
    std::string tmpl = (base / "hkstat-docx.XXXXXX").string();
    if (!mkdtemp(tmpl.data()))
      cannot_write(tmpl, std::strerror(errno), Text{"Word 出力用の一時ディレクトリを作れません", "cannot create a temporary directory for the Word output"});
    path_ = tmpl;
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const fs::path& path() const { return path_; }

  void write(const std::string& name, const std::string& content) const {
    const fs::path p = path_ / name;
    std::error_code ec;
    fs::create_directories(p.parent_path(), ec);
    std::ofstream out(p, std::ios::binary);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.close();
    if (!out) cannot_write(p.string(), "", Text{"Word 出力用の一時ファイルを書けません", "cannot write a temporary file for the Word output"});
  }
  std::string read(const std::string& name) const {
    std::ifstream in(path_ / name, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

private:
  fs::path path_;
};

// The first line pandoc wrote (its error), cut to 300 bytes on a character boundary.
std::string first_line(const std::string& log) {
  std::string line = log.substr(0, log.find('\n'));
  if (line.size() > 300) {
    std::size_t cut = 300;
    while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
    line = line.substr(0, cut) + "…";
  }
  return line;
}

} // namespace

std::string docx_with_pandoc(const report::WordSource& word, const io::FileList& files) {
  const char* env_pandoc = std::getenv("HKSTAT_PANDOC");
  const std::string program = env_pandoc && *env_pandoc ? env_pandoc : "pandoc";

  ScratchDir dir;
  dir.write("report.md", word.markdown);
  for (const auto& [name, content] : files)
    if (name.size() > 4 && name.compare(name.size() - 4, 4, ".png") == 0) dir.write(name, content);
  if (!word.reference_docx.empty()) dir.write("reference.docx", word.reference_docx);

  const std::string d = dir.path().string();
  // pandoc's Markdown without what could turn a label into something else: no raw HTML/TeX, no TeX math, no YAML
  // block, no citations, no smart punctuation (`--domain` stays two hyphens).
  std::vector<std::string> args{program,
                                "--from=markdown-raw_html-raw_tex-raw_attribute-tex_math_dollars-yaml_metadata_block-citations-smart",
                                "--to=docx",
                                "--resource-path=" + d,
                                "--output=" + d + "/report.docx"};
  if (!word.reference_docx.empty()) args.push_back("--reference-doc=" + d + "/reference.docx");
  args.push_back(d + "/report.md");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  // The environment, with the report's date as SOURCE_DATE_EPOCH (pandoc then writes that date in the document and
  // its zip entries: reruns give the same bytes) and a UTF-8 locale.
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) {
    const std::string kv = *e;
    if (kv.rfind("SOURCE_DATE_EPOCH=", 0) == 0 || kv.rfind("LC_ALL=", 0) == 0) continue;
    env.push_back(kv);
  }
  env.push_back(fmt::format("SOURCE_DATE_EPOCH={}", word.created));
  env.push_back("LC_ALL=C.UTF-8");
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);

  const std::string log = d + "/pandoc.log";
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, program.c_str(), &fa, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0)
    throw Error(Problem{ErrorCode::IoCannotOpen, SourcePos{program, 0, 0, "", ""}, program,
                        Text{fmt::format("Word 出力（--docx）に使う pandoc を実行できません: {}", std::strerror(rc)),
                             fmt::format("cannot run pandoc, which the Word output (--docx) needs: {}", std::strerror(rc))},
                        Text{"pandoc をインストールする（Debian・Ubuntu: apt-get install pandoc）か、環境変数 HKSTAT_PANDOC にその場所を指定する。Word が要らなければ --docx を外す",
                             "install pandoc (Debian, Ubuntu: apt-get install pandoc) or give its location in HKSTAT_PANDOC; without --docx no Word file is made"},
                        ""});
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) cannot_write(program, std::strerror(errno), Text{"pandoc の終了を待てません", "cannot wait for pandoc"});
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    const std::string why = WIFEXITED(status) ? fmt::format("{}", WEXITSTATUS(status)) : fmt::format("signal {}", WTERMSIG(status));
    cannot_write("report.docx", first_line(dir.read("pandoc.log")),
                 Text{fmt::format("pandoc が Word 文書を作れませんでした（終了コード {}）", why), fmt::format("pandoc could not make the Word document (exit {})", why)});
  }
  std::string docx = dir.read("report.docx");
  if (docx.rfind("PK\x03\x04", 0) != 0) cannot_write("report.docx", "", Text{"pandoc が Word 文書を書きませんでした", "pandoc wrote no Word document"});
  return docx;
}

} // namespace hkstat::cli
