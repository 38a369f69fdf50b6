// hkstat — command-line front end. Parses the subcommand, runs it, and is the only place that maps
// errors to messages and exit codes (docs/cli.md).
#include "commands/commands.hpp"
#include "common.hpp"
#include "options.hpp"

#include "hkstat/core/option_text.hpp"

#include <boost/program_options.hpp>
#include <fmt/format.h>

#include <cerrno>
#include <csignal>
#include <iostream>
#include <string_view>

#include <unistd.h>

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
