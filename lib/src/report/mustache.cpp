#include "report/mustache.hpp"

#include "hkstat/core/error.hpp"

#include <fmt/format.h>

#include <cctype>
#include <string_view>
#include <vector>

namespace hkstat::report::detail {

namespace {

void collect(const mstch::node& n, std::set<std::string>& out) {
  if (const auto* m = boost::get<mstch::map>(&n)) {
    for (const auto& [k, v] : *m) {
      out.insert(k);
      collect(v, out);
    }
  } else if (const auto* a = boost::get<mstch::array>(&n)) {
    for (const auto& v : *a) collect(v, out);
  }
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

struct Pos {
  std::size_t line = 1, col = 1;
};

[[noreturn]] void fail(const std::string& source, Pos p, const std::string& tag, Text message, Text expected) {
  throw Error(Problem{ErrorCode::ConfigInvalid, SourcePos{source, p.line, p.col, "", ""}, tag, std::move(message), std::move(expected), ""});
}

// An RAII swap of mstch's global escape function (mstch has no per-render option).
class EscapeGuard {
public:
  explicit EscapeGuard(std::function<std::string(const std::string&)> f) : saved_(mstch::config::escape) { mstch::config::escape = std::move(f); }
  ~EscapeGuard() { mstch::config::escape = saved_; }
  EscapeGuard(const EscapeGuard&) = delete;
  EscapeGuard& operator=(const EscapeGuard&) = delete;

private:
  std::function<std::string(const std::string&)> saved_;
};

} // namespace

std::set<std::string> context_names(const mstch::node& root) {
  std::set<std::string> out;
  collect(root, out);
  return out;
}

void lint_template(const std::string& text, const std::string& source, const std::set<std::string>& names,
                   const std::map<std::string, std::string>& partials) {
  struct Open {
    std::string name;
    Pos pos;
  };
  std::vector<Open> stack;
  Pos pos;
  std::size_t i = 0;
  auto advance_to = [&](std::size_t to) {
    for (; i < to; ++i) {
      if (text[i] == '\n') {
        ++pos.line;
        pos.col = 1;
      } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
        ++pos.col; // columns count characters, not bytes
      }
    }
  };
  const Text known{"テンプレートで使える名前（docs/reports.md）", "a name the template context provides (docs/reports.md)"};
  while (true) {
    const std::size_t open = text.find("{{", i);
    if (open == std::string::npos) break;
    advance_to(open);
    const Pos at = pos;
    const bool triple = text.compare(open, 3, "{{{") == 0;
    const std::size_t close = text.find(triple ? "}}}" : "}}", open + (triple ? 3 : 2));
    if (close == std::string::npos)
      fail(source, at, text.substr(open, 20), Text{"タグが閉じていません", "unterminated tag"}, Text{triple ? "}}}" : "}}", triple ? "}}}" : "}}"});
    std::string inner = text.substr(open + (triple ? 3 : 2), close - open - (triple ? 3 : 2));
    const std::string tag = text.substr(open, close - open + (triple ? 3 : 2));
    char sigil = 0;
    if (!triple && !inner.empty() && std::string("#^/!>&=").find(inner[0]) != std::string::npos) {
      sigil = inner[0];
      inner = inner.substr(1);
    }
    if (sigil == '=') return; // delimiters change: the rest is not checked
    const std::string name = trim(inner);
    if (sigil == '!') {
      // comment
    } else if (sigil == '>') {
      if (partials.count(name) == 0)
        fail(source, at, tag, Text{"部分テンプレートがありません: " + name, "no such partial: " + name},
             Text{"テンプレートのディレクトリに " + name + ".mustache", name + ".mustache in the template directory"});
    } else {
      if (name.empty()) fail(source, at, tag, Text{"タグに名前がありません", "a tag without a name"}, known);
      if (sigil == '/') {
        if (stack.empty()) fail(source, at, tag, Text{"開いていないセクションを閉じています", "closes a section that is not open"}, Text{"{{#" + name + "}}", "{{#" + name + "}}"});
        if (stack.back().name != name)
          fail(source, at, tag,
               Text{fmt::format("セクション {} ({}行{}列) を閉じる前に {} を閉じています", stack.back().name, stack.back().pos.line, stack.back().pos.col, name),
                    fmt::format("closes {} while {} (line {}, column {}) is open", name, stack.back().name, stack.back().pos.line, stack.back().pos.col)},
               Text{"{{/" + stack.back().name + "}}", "{{/" + stack.back().name + "}}"});
        stack.pop_back();
      } else {
        if (name != ".") {
          std::size_t start = 0;
          while (start <= name.size()) {
            const std::size_t dot = name.find('.', start);
            const std::string part = name.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
            if (names.count(part) == 0) fail(source, at, tag, Text{"未知の名前です: " + name, "unknown name: " + name}, known);
            if (dot == std::string::npos) break;
            start = dot + 1;
          }
        }
        if (sigil == '#' || sigil == '^') stack.push_back(Open{name, at});
      }
    }
    advance_to(close + (triple ? 3 : 2));
  }
  if (!stack.empty())
    fail(source, stack.back().pos, "{{#" + stack.back().name + "}}", Text{"セクションが閉じていません", "the section is never closed"},
         Text{"{{/" + stack.back().name + "}}", "{{/" + stack.back().name + "}}"});
}

std::string markdown_escape(const std::string& s) {
  auto word = [&](std::size_t i) { return i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || static_cast<unsigned char>(s[i]) >= 0x80); };
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    // An underscore inside a word (main_reason) is not emphasis in CommonMark: left as it is.
    const bool intraword_underscore = c == '_' && i > 0 && word(i - 1) && word(i + 1);
    if (std::string_view("\\`*_[]<>|").find(c) != std::string_view::npos && !intraword_underscore) out += '\\';
    out += c;
  }
  return out;
}

std::string render_markdown_template(const std::string& text, const std::string& source, const mstch::node& context,
                                     const std::set<std::string>& names, const std::map<std::string, std::string>& partials) {
  lint_template(text, source, names, partials);
  for (const auto& [name, body] : partials) lint_template(body, name + ".mustache", names, partials);
  EscapeGuard guard(markdown_escape);
  return mstch::render(text, context, partials);
}

} // namespace hkstat::report::detail
