// Private: rendering report templates (Debian libkainjow-mustache-dev, header-only, included only by
// mustache.cpp), plus the checks a Mustache renderer does not make. A renderer renders an unclosed section
// as nothing and an unknown name as an empty string; a report template with a typo would then silently lose
// text. lint_template reports both with line and column.
//
// The context is hkstat's own value tree (Node): nothing outside mustache.cpp sees the Mustache library.
// Rendering keeps the rules hkstat's templates were written for (those of mstch 1.0, the renderer used
// before): standalone tag lines and their whitespace removed when the template is read, a standalone
// partial indented by its line's indentation, {{x}} of a yes/no value "true"/"false", an empty text or 0
// false in a section.
#pragma once

#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

namespace hkstat::report::detail {

// A value of the template context: nothing, yes/no, a whole number, text, a list or a map of names.
struct Node {
  using Array = std::vector<Node>;
  using Map = std::map<std::string, Node>;
  std::variant<std::monostate, bool, long long, std::string, Array, Map> value;

  Node() = default;
  Node(bool b) : value(b) {}
  template <class I, std::enable_if_t<std::is_integral_v<I> && !std::is_same_v<I, bool>, int> = 0>
  Node(I i) : value(static_cast<long long>(i)) {}
  Node(std::string s) : value(std::move(s)) {}
  Node(const char* s) : value(std::string(s)) {}
  Node(Array a) : value(std::move(a)) {}
  Node(Map m) : value(std::move(m)) {}
};
using Map = Node::Map;
using Array = Node::Array;


// Every key of every map in the context tree (for the unknown-name check).
std::set<std::string> context_names(const Node& root);

// A partial tag ({{> name}}) and where it is.
struct PartialRef {
  std::string name;
  std::size_t line = 0, column = 0;
  std::string tag;
};
inline constexpr std::size_t kMaxSectionDepth = 64; // nested {{#…}} / {{^…}} in one text
inline constexpr std::size_t kMaxPartialDepth = 16; // partials including partials

// Throws Error(ConfigInvalid) naming `source`, line and column: an unterminated tag, a section closed
// by the wrong name or never closed, sections nested deeper than kMaxSectionDepth, a name (or a dotted
// name's part) that is not in `names`, a partial that does not exist, a set-delimiter tag ({{=<% %>=}}:
// not supported; the checks could not follow the new delimiters). The partial tags found are appended to `refs` if given.
void lint_template(const std::string& text, const std::string& source, const std::set<std::string>& names,
                   const std::map<std::string, std::string>& partials, std::vector<PartialRef>* refs = nullptr);

// lint_template on the text and every partial, then the partials' graph from the text: a partial that
// includes itself (directly or through others) or a chain deeper than kMaxPartialDepth is ConfigInvalid at
// the partial tag (a renderer would recurse until the stack overflows).
void check_partials(const std::string& text, const std::string& source, const std::set<std::string>& names,
                    const std::map<std::string, std::string>& partials);

// {{name}} is escaped for Markdown text (\ ` * _ [ ] < > | get a backslash); {{{name}}} and {{&name}} are
// inserted as they are (pre-rendered tables, code spans).
std::string markdown_escape(const std::string& s);

// check_partials against `names` (every name the context can have, whether or not this context has it: an
// empty list has no entries to collect names from), then renders with the Markdown escape. A template whose
// partials expand to more than kMaxExpandedTags tags, or anything the renderer still reports, is
// Error(ConfigInvalid) naming `source`.
inline constexpr std::size_t kMaxExpandedTags = 1'000'000;
std::string render_markdown_template(const std::string& text, const std::string& source, const Node& context,
                                     const std::set<std::string>& names, const std::map<std::string, std::string>& partials);

} // namespace hkstat::report::detail
