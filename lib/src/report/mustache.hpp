// Private: rendering report templates with mstch (Debian libmstch-dev), plus the checks mstch does not
// make. mstch renders an unclosed section as nothing and an unknown name as an empty string; a report
// template with a typo would then silently lose text. lint_template reports both with line and column.
#pragma once

#include <mstch/mstch.hpp>

#include <map>
#include <set>
#include <cstddef>
#include <string>
#include <vector>

namespace hkstat::report::detail {

// Every key of every map in the context tree (for the unknown-name check).
std::set<std::string> context_names(const mstch::node& root);

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
// not supported, mstch mishandles it). The partial tags found are appended to `refs` if given.
void lint_template(const std::string& text, const std::string& source, const std::set<std::string>& names,
                   const std::map<std::string, std::string>& partials, std::vector<PartialRef>* refs = nullptr);

// lint_template on the text and every partial, then the partials' graph from the text: a partial that
// includes itself (directly or through others) or a chain deeper than kMaxPartialDepth is ConfigInvalid at
// the partial tag (mstch would recurse until the stack overflows).
void check_partials(const std::string& text, const std::string& source, const std::set<std::string>& names,
                    const std::map<std::string, std::string>& partials);

// {{name}} is escaped for Markdown text (\ ` * _ [ ] < > | get a backslash); {{{name}}} and {{&name}} are
// inserted as they are (pre-rendered tables, code spans).
std::string markdown_escape(const std::string& s);

// check_partials against `names` (every name the context can have, whether or not this context has it: an
// empty list has no entries to collect names from), then renders with the Markdown escape. Anything mstch
// throws is Error(ConfigInvalid) naming `source`.
std::string render_markdown_template(const std::string& text, const std::string& source, const mstch::node& context,
                                     const std::set<std::string>& names, const std::map<std::string, std::string>& partials);

} // namespace hkstat::report::detail
