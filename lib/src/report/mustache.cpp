#include "report/mustache.hpp"

#include "hkstat/core/error.hpp"

#include <fmt/format.h>
#include <kainjow/mustache.hpp>

#include <algorithm>
#include <cctype>
#include <deque>
#include <functional>
#include <stdexcept>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <variant>
#include <vector>

namespace hkstat::report::detail {

namespace {

void collect(const Node& n, std::set<std::string>& out) {
  if (const auto* m = std::get_if<Map>(&n.value)) {
    for (const auto& [k, v] : *m) {
      out.insert(k);
      collect(v, out);
    }
  } else if (const auto* a = std::get_if<Array>(&n.value)) {
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

} // namespace

std::set<std::string> context_names(const Node& root) {
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
    // The checks here could not follow new delimiters (and mstch, the renderer before, mishandled some tags
    // after a delimiter change): report templates keep {{ }}.
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
  // (a renderer would recurse until the stack overflows); a chain deeper than kMaxPartialDepth is refused too.
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

// --- rendering -------------------------------------------------------------------------------------------
//
// kainjow/mustache 4.1 decides at render time which lines to drop (a line with a section tag that renders as
// whitespace), leaves a blank line for a standalone comment or a false section, and does not indent partials.
// hkstat's templates were written for the rules of mstch (the renderer before it), which decide once, when a
// template is read. So the text is read here into tokens, standalone lines are removed as mstch did, partials
// are expanded in place with their indentation, and kainjow is given a template of tags only: every piece of
// text is an unescaped variable ({{&\x01t<n>}}), so it never sees a line to drop; values are looked up by
// HkContext below with mstch's rules (which frames answer a name, what is false, how a value prints).

namespace {

struct Token {
  enum class Kind { Text, Var, Raw, Open, Inverted, Close, Comment, Partial, Delimiter };
  Kind kind = Kind::Text;
  std::string raw;  // Text: the text
  std::string name; // tags
  bool eol = false, ws_only = false;
  std::string prefix; // Partial: the indentation of a standalone partial tag
};

// The text between two tags as mstch splits it: one token per line, each keeping its '\n'.
void push_text(std::vector<Token>& out, const std::string& s, std::size_t b, std::size_t e) {
  std::size_t start = b;
  for (std::size_t i = b; i < e; ++i)
    if (s[i] == '\n' || i == e - 1) {
      Token t;
      t.raw = s.substr(start, i + 1 - start);
      t.eol = t.raw.back() == '\n';
      t.ws_only = t.raw.find_first_not_of(" \r\n\t") == std::string::npos;
      out.push_back(std::move(t));
      start = i + 1;
    }
}

// A tag's name without the spaces around it (spaces only, as mstch).
std::string tag_name(const std::string& s, std::size_t b, std::size_t e) {
  while (b < e && s[b] == ' ') ++b;
  while (e > b && s[e - 1] == ' ') --e;
  return s.substr(b, e - b);
}

Token tag_token(const std::string& tag) {
  Token t;
  const std::size_t n = tag.size();
  if (tag[2] == '{' && tag[n - 3] == '}') {
    t.kind = Token::Kind::Raw;
    t.name = tag_name(tag, 3, n - 3);
    return t;
  }
  std::size_t first = 2;
  while (first < n - 2 && tag[first] == ' ') ++first;
  switch (first < n - 2 ? tag[first] : '\0') {
  case '>': t.kind = Token::Kind::Partial; break;
  case '^': t.kind = Token::Kind::Inverted; break;
  case '/': t.kind = Token::Kind::Close; break;
  case '&': t.kind = Token::Kind::Raw; break;
  case '#': t.kind = Token::Kind::Open; break;
  case '!': t.kind = Token::Kind::Comment; break;
  case '=': t.kind = Token::Kind::Delimiter; break;
  default: t.kind = Token::Kind::Var; break;
  }
  t.name = tag_name(tag, t.kind == Token::Kind::Var ? first : first + 1, n - 2);
  return t;
}

// mstch's tokenizer (for a text lint_template accepted: no delimiter change, every tag closed).
std::vector<Token> tokenize(const std::string& s) {
  std::vector<Token> out;
  std::size_t cur = 0;
  while (cur < s.size()) {
    const std::size_t open = s.find("{{", cur);
    std::size_t close = open == std::string::npos ? std::string::npos : s.find("}}", open + 1);
    if (open == std::string::npos || close == std::string::npos) {
      push_text(out, s, cur, s.size());
      break;
    }
    if (open + 2 < s.size() && s[open + 2] == '{' && close + 2 < s.size() && s[close + 2] == '}') ++close;
    push_text(out, s, cur, open);
    cur = close + 2;
    out.push_back(tag_token(s.substr(open, close + 2 - open)));
    if (cur == s.size()) {
      Token end; // a tag at the very end closes a line of its own
      end.eol = end.ws_only = true;
      out.push_back(std::move(end));
    }
  }
  // Standalone lines: a line with a section, comment or partial tag and otherwise only spaces loses its spaces
  // and its end of line; a standalone partial keeps the spaces before it as its indentation.
  std::size_t line_begin = 0;
  bool has_tag = false, non_space = false;
  for (std::size_t i = 0; i < out.size(); ++i) {
    const auto k = out[i].kind;
    if (k != Token::Kind::Text && k != Token::Kind::Var && k != Token::Kind::Raw)
      has_tag = true;
    else if (!out[i].ws_only)
      non_space = true;
    if (!out[i].eol) continue;
    if (has_tag && !non_space) {
      for (std::size_t c = line_begin; c < i; ++c)
        if (out[c].kind == Token::Kind::Partial && c != line_begin && out[c - 1].ws_only) out[c].prefix = out[c - 1].raw;
      std::size_t w = line_begin;
      for (std::size_t c = line_begin; c <= i; ++c)
        if (!out[c].ws_only || out[c].kind != Token::Kind::Text) {
          if (w != c) out[w] = std::move(out[c]);
          ++w;
        }
      out.erase(out.begin() + static_cast<std::ptrdiff_t>(w), out.begin() + static_cast<std::ptrdiff_t>(i + 1));
      i = w - 1;
    }
    non_space = has_tag = false;
    line_begin = i + 1;
  }
  return out;
}

// The template with its partials expanded: a partial's lines get the partial tag's indentation (as mstch:
// before every token that follows an end of line, also inside sections).
void expand(const std::vector<Token>& tokens, const std::string& prefix, const std::map<std::string, std::vector<Token>>& partials,
            std::vector<const Token*>& out, std::deque<Token>& prefixes, const std::string& source) {
  bool prev_eol = true;
  for (const auto& t : tokens) {
    if (prev_eol && !prefix.empty()) {
      if (prefixes.empty() || prefixes.back().raw != prefix) {
        Token p;
        p.raw = prefix;
        prefixes.push_back(std::move(p));
      }
      out.push_back(&prefixes.back());
    }
    if (t.kind == Token::Kind::Partial) {
      if (const auto it = partials.find(t.name); it != partials.end()) expand(it->second, t.prefix, partials, out, prefixes, source);
    } else if (t.kind != Token::Kind::Comment) {
      out.push_back(&t);
    }
    if (out.size() > kMaxExpandedTags)
      fail(source, Pos{0, 0}, "", Text{fmt::format("部分テンプレートを展開すると大きすぎます（{} 個を超えるタグと文）", kMaxExpandedTags),
                                       fmt::format("the template is too large once its partials are expanded (more than {} tags and texts)", kMaxExpandedTags)},
           Text{"部分テンプレートを何度も重ねて読み込まないテンプレート", "partials that are not included over and over"});
    prev_eol = t.eol;
  }
}

using KData = kainjow::mustache::data;

const Node& null_node() {
  static const Node n;
  return n;
}

bool empty_node(const Node& n) {
  return std::visit(
      [](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) return true;
        else if constexpr (std::is_same_v<T, bool>) return !v;
        else if constexpr (std::is_same_v<T, long long>) return v == 0;
        else if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, Array>) return v.empty();
        else return false;
      },
      n.value);
}

std::string node_text(const Node& n) {
  if (const auto* b = std::get_if<bool>(&n.value)) return *b ? "true" : "false";
  if (const auto* i = std::get_if<long long>(&n.value)) return std::to_string(*i);
  if (const auto* s = std::get_if<std::string>(&n.value)) return *s;
  return "";
}

// The context stack as mstch kept it: a name is answered by the innermost map that has it; a dotted name's
// first part is found so, the rest inside it; "." is the innermost value that is not a map; an inverted
// section pushes nothing (a null frame).
class HkContext final : public kainjow::mustache::basic_context<std::string> {
public:
  HkContext(const Node& root, const std::vector<std::string>& texts, const std::vector<std::string>& names) : names_(names) {
    frames_.push_back(&root);
    for (const auto& t : texts) texts_.emplace_back(t);
  }
  void push(const KData* d) override {
    const auto it = origin_.find(d);
    frames_.push_back(it == origin_.end() ? &null_node() : it->second);
  }
  void pop() override { frames_.pop_back(); }
  // "\x01" kind number: a text (t), a variable (v), a section (s) or an inverted section (i).
  const KData* get(const std::string& tag) const override {
    if (tag.size() < 3 || tag[0] != '\x01') return nullptr;
    const std::size_t number = std::stoul(tag.substr(2));
    if (tag[1] == 't') return &texts_.at(number);
    const Node& n = find(names_.at(number));
    if (tag[1] == 'v') return own(KData(node_text(n)), nullptr);
    if (tag[1] == 'i') // shown (with a null frame) when the value is empty
      return empty_node(n) ? own(KData(false), &null_node()) : own(KData(true), nullptr);
    if (empty_node(n)) return nullptr;
    if (const auto* a = std::get_if<Array>(&n.value)) {
      KData list(KData::type::list);
      for (std::size_t i = 0; i < a->size(); ++i) list.push_back(KData(true));
      const KData* d = own(std::move(list), &n);
      for (std::size_t i = 0; i < a->size(); ++i) origin_[&d->list_value()[i]] = &(*a)[i];
      return d;
    }
    return own(KData(true), &n);
  }
  const KData* get_partial(const std::string&) const override { return nullptr; } // expanded before

private:
  static bool has(const Node& n, const std::string& name) {
    if (const auto* m = std::get_if<Map>(&n.value)) return m->count(name) == 1;
    return name == ".";
  }
  static const Node& at(const Node& n, const std::string& name) {
    if (const auto* m = std::get_if<Map>(&n.value)) return m->at(name);
    return n;
  }
  const Node& find(const std::string& name) const {
    if (name != ".")
      if (const auto dot = name.rfind('.'); dot != std::string::npos) {
        const Node& outer = find(name.substr(0, dot));
        const std::string last = name.substr(dot + 1);
        return has(outer, last) ? at(outer, last) : null_node();
      }
    for (auto it = frames_.rbegin(); it != frames_.rend(); ++it)
      if (has(**it, name)) return at(**it, name);
    return null_node();
  }
  const KData* own(KData d, const Node* from) const {
    owned_.push_back(std::move(d));
    if (from) origin_[&owned_.back()] = from;
    return &owned_.back();
  }

  const std::vector<std::string>& names_;
  std::vector<const Node*> frames_;
  std::deque<KData> texts_;
  mutable std::deque<KData> owned_;
  mutable std::unordered_map<const KData*, const Node*> origin_;
};

} // namespace

std::string render_markdown_template(const std::string& text, const std::string& source, const Node& context,
                                     const std::set<std::string>& names, const std::map<std::string, std::string>& partials) {
  check_partials(text, source, names, partials);
  std::map<std::string, std::vector<Token>> partial_tokens;
  for (const auto& [name, body] : partials) partial_tokens.emplace(name, tokenize(body));
  const std::vector<Token> tokens = tokenize(text);
  std::vector<const Token*> flat;
  std::deque<Token> prefixes;
  expand(tokens, "", partial_tokens, flat, prefixes, source);

  // kainjow's template: tags only, each naming an entry of `texts` or `names` by its number (kainjow would trim
  // a name's tabs, mstch did not). The text at the end keeps the last line from being dropped when it has only
  // spaces and a section tag.
  std::vector<std::string> texts, tag_names;
  std::string tags;
  std::vector<std::string> open; // the open sections' tag names
  const auto ref = [](char kind, std::vector<std::string>& list, const std::string& s) {
    list.push_back(s);
    return std::string("\x01") + kind + std::to_string(list.size() - 1);
  };
  for (const Token* t : flat) {
    switch (t->kind) {
    case Token::Kind::Text:
      if (!t->raw.empty()) tags += "{{&" + ref('t', texts, t->raw) + "}}";
      break;
    case Token::Kind::Var: tags += "{{" + ref('v', tag_names, t->name) + "}}"; break;
    case Token::Kind::Raw: tags += "{{&" + ref('v', tag_names, t->name) + "}}"; break;
    case Token::Kind::Open:
      open.push_back(ref('s', tag_names, t->name));
      tags += "{{#" + open.back() + "}}";
      break;
    case Token::Kind::Inverted:
      open.push_back(ref('i', tag_names, t->name));
      tags += "{{^" + open.back() + "}}";
      break;
    case Token::Kind::Close:
      if (!open.empty()) {
        tags += "{{/" + open.back() + "}}";
        open.pop_back();
      }
      break;
    default: break; // comments and partials are gone; delimiter tags were refused
    }
  }
  tags += "{{&" + ref('t', texts, "x") + "}}";

  kainjow::mustache::mustache tmpl(tags);
  tmpl.set_custom_escape(markdown_escape);
  std::string out;
  if (tmpl.is_valid()) {
    HkContext ctx(context, texts, tag_names);
    out = tmpl.render(ctx);
  }
  if (!tmpl.is_valid() || out.empty() || out.back() != 'x')
    // Not expected after the checks above; a template is user input, so what the renderer reports is the
    // template's error, not an internal one.
    throw Error(Problem{ErrorCode::ConfigInvalid, SourcePos{source, 0, 0, "", ""}, tmpl.error_message(),
                        Text{"テンプレートを描画できません", "the template cannot be rendered"},
                        Text{"docs/reports.md の Mustache", "Mustache as in docs/reports.md"}, ""});
  out.pop_back();
  return out;
}

} // namespace hkstat::report::detail
