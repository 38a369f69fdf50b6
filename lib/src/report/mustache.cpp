#include "report/mustache.hpp"

#include "hkstat/core/error.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <stdexcept>
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
                   const std::map<std::string, std::string>& partials, std::vector<PartialRef>* refs) {
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
    // mstch mishandles some tags after a delimiter change (std::length_error), and the checks here could not
    // follow the new delimiters: report templates keep {{ }}.
    if (sigil == '=')
      fail(source, at, tag, Text{"区切り文字を変えるタグ ({{=…=}}) はレポートのテンプレートでは使えません", "set-delimiter tags ({{=...=}}) are not supported in report templates"},
           Text{"{{ }} のままのタグ", "tags with {{ }}"});
    const std::string name = trim(inner);
    if (sigil == '!') {
      // comment
    } else if (sigil == '>') {
      if (partials.count(name) == 0)
        fail(source, at, tag, Text{"部分テンプレートがありません: " + name, "no such partial: " + name},
             Text{"テンプレートのディレクトリに " + name + ".mustache", name + ".mustache in the template directory"});
      if (refs) refs->push_back(PartialRef{name, at.line, at.col, tag});
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
        if (sigil == '#' || sigil == '^') {
          if (stack.size() >= kMaxSectionDepth)
            fail(source, at, tag, Text{fmt::format("セクションの入れ子が深すぎます ({} 段まで)", kMaxSectionDepth), fmt::format("sections are nested too deeply (at most {} levels)", kMaxSectionDepth)},
                 Text{fmt::format("{} 段以下の入れ子", kMaxSectionDepth), fmt::format("at most {} nested sections", kMaxSectionDepth)});
          stack.push_back(Open{name, at});
        }
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

void check_partials(const std::string& text, const std::string& source, const std::set<std::string>& names,
                    const std::map<std::string, std::string>& partials) {
  std::map<std::string, std::vector<PartialRef>> refs; // partial → the partial tags in it
  std::vector<PartialRef> top;
  lint_template(text, source, names, partials, &top);
  // Partials are files beside the text: messages name them by the text's directory.
  const std::string dir = source.substr(0, source.rfind('/') + 1);
  const auto file_of = [&](const std::string& name) { return dir + name + ".mustache"; };
  for (const auto& [name, body] : partials) lint_template(body, file_of(name), names, partials, &refs[name]);
  // Depth-first from the main text: a partial tag that reaches a partial already being expanded is a cycle
  // (mstch would recurse until the stack overflows); a chain deeper than kMaxPartialDepth is refused too.
  std::vector<std::string> chain;
  std::map<std::string, std::size_t> height; // partials whose expansion has been checked → its partial depth
  const auto too_deep = [&](const PartialRef& r, const std::string& file, const std::string& path) {
    fail(file, Pos{r.line, r.column}, r.tag,
         Text{fmt::format("部分テンプレートの入れ子が深すぎます ({} 段まで): {}", kMaxPartialDepth, path),
              fmt::format("partials are nested too deeply (at most {} levels): {}", kMaxPartialDepth, path)},
         Text{fmt::format("{} 段以下の入れ子", kMaxPartialDepth), fmt::format("at most {} nested partials", kMaxPartialDepth)});
  };
  std::function<std::size_t(const std::vector<PartialRef>&, const std::string&)> visit = [&](const std::vector<PartialRef>& tags, const std::string& file) {
    std::size_t deepest = 0;
    for (const auto& r : tags) {
      std::string path;
      for (const auto& c : chain) path += c + " → ";
      path += r.name;
      if (const auto cycle = std::find(chain.begin(), chain.end(), r.name); cycle != chain.end()) {
        path.clear();
        for (auto it = cycle; it != chain.end(); ++it) path += *it + " → ";
        path += r.name;
        fail(file, Pos{r.line, r.column}, r.tag, Text{"部分テンプレートが自分自身を読み込んでいます: " + path, "a partial includes itself: " + path},
             Text{"自分自身を（ほかの部分テンプレートを通しても）読み込まない部分テンプレート", "partials that do not include themselves (directly or through others)"});
      }
      auto known = height.find(r.name);
      if (known == height.end()) {
        if (chain.size() >= kMaxPartialDepth) too_deep(r, file, path);
        chain.push_back(r.name);
        const std::size_t h = visit(refs[r.name], file_of(r.name)) + 1;
        chain.pop_back();
        known = height.emplace(r.name, h).first;
      }
      if (chain.size() + known->second > kMaxPartialDepth) too_deep(r, file, path);
      deepest = std::max(deepest, known->second);
    }
    return deepest;
  };
  visit(top, source);
  // Partials the text does not use are checked too (another language's text may use them).
  for (const auto& [name, body] : partials) {
    if (height.count(name)) continue;
    chain.assign(1, name);
    height[name] = visit(refs[name], file_of(name)) + 1;
  }
}

std::string render_markdown_template(const std::string& text, const std::string& source, const mstch::node& context,
                                     const std::set<std::string>& names, const std::map<std::string, std::string>& partials) {
  check_partials(text, source, names, partials);
  EscapeGuard guard(markdown_escape);
  try {
    return mstch::render(text, context, partials);
  } catch (const std::exception& e) {
    // Not expected after the checks above; a template is user input, so whatever mstch throws is the
    // template's error, not an internal one.
    throw Error(Problem{ErrorCode::ConfigInvalid, SourcePos{source, 0, 0, "", ""}, e.what(),
                        Text{"テンプレートを描画できません (mstch)", "the template cannot be rendered (mstch)"},
                        Text{"docs/reports.md の Mustache", "Mustache as in docs/reports.md"}, ""});
  }
}

} // namespace hkstat::report::detail
