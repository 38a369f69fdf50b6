// hkstat — command-line front end. Parses the subcommand, runs it, and is the only place that maps
// errors to messages and exit codes (docs/cli.md).
#include "commands/commands.hpp"
#include "common.hpp"
#include "options.hpp"

#include "hkstat/core/option_text.hpp"

#include <boost/program_options.hpp>
#include <fmt/format.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <csignal>
#include <iostream>
#include <string_view>

#include <unistd.h>

#if defined(__linux__) && defined(__GLIBC__)
#include <malloc.h>
#include <sys/mman.h>
#endif

namespace {

// Writes the staged standard output. Returns 0, or the errno of the failed write (EPIPE included).
int write_stdout(std::string_view data) {
  std::cout.flush();
  while (!data.empty()) {
    const ssize_t n = ::write(STDOUT_FILENO, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return 0;
}

[[noreturn]] void stdout_error(int err) {
  using namespace hkstat;
  const std::string why = std::generic_category().message(err);
  throw Error(Problem{ErrorCode::IoCannotWrite, SourcePos{}, "",
                      Text{err == ENOSPC ? "標準出力に書き込めません: ディスクの空き容量が足りません" : "標準出力に書き込めません: " + why,
                           "cannot write to standard output: " + why},
                      Text{"書き込める標準出力、または --out FILE", "a writable standard output, or --out FILE"}, ""});
}

// The command id of `hkstat NAME [SUB]` for help ("codebook" + "init" → "codebook-init"), or "" if unknown.
std::string command_id(const std::vector<std::string>& words) {
  if (words.empty()) return "";
  if (words[0] == "codebook") {
    if (words.size() > 1 && (words[1] == "init" || words[1] == "check")) return "codebook-" + words[1];
    return "codebook";
  }
  return hkstat::cli::find_command(words[0]) && words[0].find('-') == std::string::npos ? words[0] : "";
}

[[noreturn]] void unknown_command(const std::string& cmd) {
  using namespace hkstat;
  const std::string guess = cli::suggest_command(cmd);
  std::string list;
  for (const auto& c : cli::command_table())
    if (std::string_view(c.id).find('-') == std::string_view::npos) list += (list.empty() ? "" : ", ") + std::string(c.id);
  list += ", codebook";
  if (guess.empty())
    throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{}, cmd,
                        Text{fmt::format("未知のコマンドです: {}（{}）", cmd, list), fmt::format("unknown command: {} ({})", cmd, list)},
                        Text{"hkstat help", "hkstat help"}, ""});
  throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{}, cmd,
                      Text{fmt::format("未知のコマンドです: {}。もしかして {} ですか", cmd, guess),
                           fmt::format("unknown command: {}; did you mean {}?", cmd, guess)},
                      Text{fmt::format("{}（コマンドの一覧: hkstat help）", guess), fmt::format("{} (the commands: hkstat help)", guess)}, ""});
}

// `hkstat help [CMD]` text: the command's, both codebook subcommands' for "codebook", else the global page.
std::string help_text(const std::vector<std::string>& words, hkstat::Lang lang) {
  if (words.empty()) return hkstat::cli::global_help(lang);
  const std::string id = command_id(words);
  if (id.empty()) unknown_command(words[0]);
  if (id == "codebook") return hkstat::cli::command_help("codebook-init", lang) + "\n" + hkstat::cli::command_help("codebook-check", lang);
  return hkstat::cli::command_help(id, lang);
}

// Puts the heap this process will use on transparent huge pages (Linux with glibc; elsewhere nothing). On a
// virtual machine a page fault can cost 10-15 µs, and the first megabytes a run touches (codebook, rule-set,
// the first batch, the estimate) are some 470 faults of 4 KiB: most of a small input's time (issue 16,
// docs/performance.md, eighth session, startup); a streamed 10^6-row estimate touches ~5,000. One fault of a
// 2 MiB page costs about as much as 40 small ones, and a page never touched costs nothing.
//
// How: the mmap and trim thresholds are set to the maxima of glibc's own dynamic thresholds (32 MiB / 64 MiB),
// so blocks below 32 MiB come from the brk heap; a block that is never touched fills the heap up to the next
// 2 MiB boundary, the heap is grown by kHugePages huge pages beyond it (M_TOP_PAD, then back to its default)
// and that range is marked MADV_HUGEPAGE. Later blocks start at the boundary. Whatever the kernel does with the
// advice (THP "never", no free huge page), malloc works as before; only the fault count differs. A touched huge
// page is resident whole: peak memory grows by a few MB (job a: 26 -> 30 MB). HKSTAT_HUGE_HEAP=0: as before.
void heap_on_huge_pages() {
#if defined(__linux__) && defined(__GLIBC__) && defined(MADV_HUGEPAGE) && defined(M_TOP_PAD)
  if (const char* env = std::getenv("HKSTAT_HUGE_HEAP"); env && std::string_view(env) == "0") return;
  constexpr std::uintptr_t kHuge = std::uintptr_t{2} << 20;
  constexpr std::uintptr_t kHugePages = 16; // 32 MiB: a streamed job's whole heap (job a at 10^6 rows: 28 MB peak)
  constexpr std::uintptr_t kPage = 4096;
  if (::mallopt(M_MMAP_THRESHOLD, 32 << 20) != 1 || ::mallopt(M_TRIM_THRESHOLD, 64 << 20) != 1) return;
  // The parse threads (IngestStream::parallel) allocate from this heap too: one arena, not a per-thread arena of
  // fresh small pages (job a at 10^6 rows on two threads: 1,350 faults instead of 300).
  ::mallopt(M_ARENA_MAX, 1);
  // Where the heap's free top starts now: after a block taken from it (two pages: no free block that size is
  // waiting in a bin at start), kept.
  static void* probe = std::malloc(kPage * 2);
  if (probe == nullptr) return;
  const std::uintptr_t top = reinterpret_cast<std::uintptr_t>(probe) + ::malloc_usable_size(probe) - 8;
  const std::uintptr_t boundary = (top + kPage * 4 + kHuge - 1) & ~(kHuge - 1);
  if (::mallopt(M_TOP_PAD, static_cast<int>(kHugePages * kHuge + kPage)) != 1) return;
  // The gap block ends 16 bytes short of the boundary, so the top's header (what malloc writes next) lies in
  // the page below it and no page of the huge range is touched before the advice.
  static void* gap = std::malloc(boundary - top - 32);
  ::mallopt(M_TOP_PAD, 128 << 10);
  if (gap == nullptr) return;
  const std::uintptr_t next = reinterpret_cast<std::uintptr_t>(gap) + ::malloc_usable_size(gap) - 8; // the top's header
  const auto end = reinterpret_cast<std::uintptr_t>(::sbrk(0));
  // Not the layout expected (another allocator, a block from a bin): small pages, as before.
  if (reinterpret_cast<std::uintptr_t>(gap) != top + 16 || next + 16 != boundary || end < boundary + kHuge) return;
  ::madvise(reinterpret_cast<void*>(boundary), (end - boundary) & ~(kHuge - 1), MADV_HUGEPAGE);
#endif
}

} // namespace

int main(int argc, char** argv) {
  using namespace hkstat;
  using namespace hkstat::cli;
  std::signal(SIGPIPE, SIG_IGN);
  // A write beyond the file-size limit (ulimit -f) fails with EFBIG and is reported (exit 5), the temp
  // file removed, instead of the default action killing the process mid-write.
  std::signal(SIGXFSZ, SIG_IGN);
  std::vector<std::string> args(argv + 1, argv + argc);
  Lang lang = Lang::Ja;
  for (std::size_t i = 0; i < args.size(); ++i)
    if ((args[i] == "--lang" && i + 1 < args.size() && args[i + 1] == "en") || args[i] == "--lang=en") lang = Lang::En;
  const bool en = lang == Lang::En;
  try {
    // Options before the command (hkstat --lang en estimate ...) are the command's: moved after it. An option
    // that takes a value (by the option table) takes the next word with it.
    std::vector<std::string> lead;
    std::size_t first = 0;
    while (first < args.size() && args[first].size() > 1 && args[first][0] == '-' && args[first] != "--help" && args[first] != "-h" &&
           args[first] != "--version") {
      const std::string& a = args[first];
      lead.push_back(a);
      const bool long_form = a.rfind("--", 0) == 0;
      const std::string name = long_form ? a.substr(2, a.find('=') == std::string::npos ? std::string::npos : a.find('=') - 2) : a.substr(1);
      const OptionSpec* spec = find_option("", name);
      const bool inline_value = long_form ? a.find('=') != std::string::npos : a.size() > 2;
      if (spec && spec->kind != OptKind::Flag && !inline_value && first + 1 < args.size()) lead.push_back(args[++first]);
      ++first;
    }
    args.erase(args.begin(), args.begin() + static_cast<std::ptrdiff_t>(first));
    if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
      const std::vector<std::string> words = args.empty() ? std::vector<std::string>{} : std::vector<std::string>(args.begin() + 1, args.end());
      std::cout << help_text(words, lang);
      return args.empty() ? kExitUsage : kExitOk;
    }
    if (args[0] == "version" || args[0] == "--version") {
      std::cout << version_string() << "\n";
      return kExitOk;
    }
    const std::string cmd = args[0];
    args.erase(args.begin());
    args.insert(args.end(), lead.begin(), lead.end());
    for (const auto& a : args)
      if (a == "--help" || a == "-h") {
        std::vector<std::string> words{cmd};
        if (cmd == "codebook" && !args.empty()) words.push_back(args[0]);
        std::cout << help_text(words, lang);
        return kExitOk;
      }
    heap_on_huge_pages(); // a command that reads data (not help or version, which touch a few pages)
    int rc;
    if (cmd == "estimate") rc = run_estimate(args);
    else if (cmd == "classify") rc = run_classify(args);
    else if (cmd == "rules") rc = run_rules(args);
    else if (cmd == "tabulate") rc = run_tabulate(args);
    else if (cmd == "compare") rc = run_compare(args);
    else if (cmd == "weight") rc = run_weight(args);
    else if (cmd == "report") rc = run_report(args);
    else if (cmd == "replicate") rc = run_replicate(args);
    else if (cmd == "codebook") rc = run_codebook(args);
    else unknown_command(cmd);
    {
      // The command ran to its end (an Error would have skipped this): publish its output files (all or
      // none), then its standard output. A command may end with a non-zero code that is its result
      // (codebook check: problems found) and still have written its report.
      run_outputs().publish();
      std::cerr << take_deferred_notices() << std::flush; // about files that now exist (e.g. --rejects)
      int err = write_stdout(take_staged_stdout());
      if (io::Spool* spool = take_stdout_spool(); spool != nullptr && err == 0) // a streamed command's rows
        spool->replay([&err](std::string_view piece) {
          if (err == 0) err = write_stdout(piece);
        });
      if (err != 0) {
        if (err == EPIPE) return rc; // reader went away (e.g. | head): not an error
        stdout_error(err);
      }
    }
    if (!std::cout.flush()) {
      if (errno == EPIPE) return kExitOk;
      stdout_error(errno);
    }
    return rc;
  } catch (const Error& e) {
    // Library errors speak library terms; the command line names its flag in the hint.
    Problem p = e.problem();
    if (p.code == ErrorCode::RulesUnknownRole && p.expected.en.ends_with("use a rule-set without this rule")) {
      p.expected.ja += "（判定基準は --rules ID|FILE で指定）";
      p.expected.en += " (the rule-set is chosen with --rules ID|FILE)";
    }
    std::cerr << format_problem(p, lang, OptionStyle::Flag) << "\n";
    return exit_code_for(category_of(e.code()));
  } catch (const boost::program_options::error& e) {
    std::cerr << (en ? "error[E_USAGE]: " : "エラー[E_USAGE]: ") << e.what() << (en ? "\n  see: hkstat help\n" : "\n  参照: hkstat help\n");
    return kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << (en ? "internal error: " : "内部エラー: ") << e.what() << "\n";
    return kExitInternal;
  }
}
