// cli/options.hpp — the one option table of the command line (cli/options.cpp) and what is made from it:
// the Boost.Program_options description of each command (OptionBinder), per-command help in Japanese and
// English (`hkstat help CMD`, `hkstat CMD --help`), the man page hkstat.1, the bash completion script and
// the generated option reference of docs/cli.md (cli/gen_docs.cpp writes the last three at build time).
//
// Adding an option is one entry in kOptions (cli/options.cpp) plus the line of the command that binds it to
// its variable (`b("name", &var)`); a command that binds an option the table does not give it, or leaves
// one of its table options unbound, stops with E_INTERNAL on every run (the golden tests run every command).
#pragma once

#include "hkstat/core/error.hpp"

#include <boost/program_options.hpp>

#include <map>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hkstat::cli {

enum class OptKind {
  Flag,   // --bom (no value)
  Value,  // --ci wilson (once)
  Repeat, // --band A --band B (may be given several times)
};

struct OptionSpec {
  const char* name;       // long name without "--"
  char short_name;        // 'o' for -o, 0 for none
  const char* value_name; // FILE, N, ... ("" for a flag)
  OptKind kind;
  const char* def;        // default shown in help ("" = none shown)
  const char* ja;         // help
  const char* en;
  const char* commands;   // command ids, space-separated (codebook-init, codebook-check for the subcommands)
  const char* group;      // group id (kGroups in options.cpp)
  const char* complete;   // bash completion of the value: "file", "dir", "" or the choices, space-separated
};

struct CommandSpec {
  const char* id;       // estimate, codebook-init, ...
  const char* name;     // as typed: "codebook init"
  const char* args_ja;  // what follows the name in the usage line
  const char* args_en;
  const char* ja;       // one-line summary
  const char* en;
};

std::span<const OptionSpec> option_table();
std::span<const CommandSpec> command_table();
const CommandSpec* find_command(std::string_view id);
// The options of a command, in table order.
std::vector<const OptionSpec*> options_of(std::string_view command_id);
// The entry of option `name` (long name, or one letter for a short name) for `command_id`; any command when empty.
const OptionSpec* find_option(std::string_view command_id, std::string_view name);

// `hkstat help` / `hkstat --help`: the commands and where their options are.
std::string global_help(Lang lang);
// `hkstat help CMD`, `hkstat CMD --help`: the usage line and exactly that command's options.
std::string command_help(std::string_view command_id, Lang lang);
// hkstat.1 (roff), in English or Japanese.
std::string man_page(Lang lang, std::string_view version);
// bash completion script (complete -F _hkstat hkstat).
std::string bash_completion();
// The option reference section of docs/cli.md (Markdown, English), between its markers.
std::string markdown_reference();
inline constexpr const char* kDocsBegin = "<!-- BEGIN GENERATED OPTION REFERENCE (hkstat-gen-docs markdown; do not edit) -->";
inline constexpr const char* kDocsEnd = "<!-- END GENERATED OPTION REFERENCE -->";

// The "did you mean" command for a mistyped one ("estimat" → "estimate"), or "".
std::string suggest_command(std::string_view typed);

// Builds one command's Boost description from the table: each `b("name", &var)` adds the table's entry for this
// command bound to `var` (bool → switch; std::vector → repeatable). parse() checks that the command bound exactly
// its table options, parses, and turns Boost's errors into E_USAGE with Japanese / English messages and a "did you
// mean" for an unknown option.
class OptionBinder {
public:
  explicit OptionBinder(std::string command_id);

  void operator()(const char* name, bool* target);
  template <class T> void operator()(const char* name, T* target) {
    const OptionSpec& s = spec(name);
    auto* v = boost::program_options::value(target);
    if (s.value_name[0]) v->value_name(s.value_name);
    add(s, v);
  }
  // Accepted but not shown in help nor in the table (report's --format / --out, refused with their own message).
  template <class T> void hidden(const char* name, T* target) {
    hidden_.add_options()(name, boost::program_options::value(target), "");
    hidden_names_.insert(name);
  }
  // Whether the table gives this command the option.
  bool has(const char* name) const { return find_option(command_, name) != nullptr; }
  // The positional arguments, in order (input, input-a, ...).
  void positional(const char* name, std::string* target);
  // Every further positional argument (compare's third and later files), after the named ones.
  void positional_rest(const char* name, std::vector<std::string>* target);

  boost::program_options::variables_map parse(const std::vector<std::string>& args);

private:
  const OptionSpec& spec(const char* name);
  void add(const OptionSpec& s, const boost::program_options::value_semantic* v);
  [[noreturn]] void rethrow(const boost::program_options::error& e) const;

  std::string command_;
  boost::program_options::options_description desc_;
  boost::program_options::options_description hidden_;
  boost::program_options::positional_options_description positional_;
  std::set<std::string> bound_, hidden_names_;
};

} // namespace hkstat::cli
