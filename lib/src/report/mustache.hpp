// Private: rendering report templates with mstch (Debian libmstch-dev), plus the checks mstch does not
// make. mstch renders an unclosed section as nothing and an unknown name as an empty string; a report
// template with a typo would then silently lose text. lint_template reports both with line and column.
#pragma once

#include <mstch/mstch.hpp>

#include <map>
#include <set>
#include <string>

namespace hkstat::report::detail {

// Every key of every map in the context tree (for the unknown-name check).
std::set<std::string> context_names(const mstch::node& root);

// Throws Error(ConfigInvalid) naming `source`, line and column: an unterminated tag, a section closed
// by the wrong name or never closed, a name (or a dotted name's part) that is not in `names`, a partial
// that does not exist. A set-delimiter tag ({{=<% %>=}}) ends the checks for that text.
void lint_template(const std::string& text, const std::string& source, const std::set<std::string>& names,
                   const std::map<std::string, std::string>& partials);

// {{name}} is escaped for Markdown text (\ ` * _ [ ] < > | get a backslash); {{{name}}} and {{&name}} are
// inserted as they are (pre-rendered tables, code spans).
std::string markdown_escape(const std::string& s);

// Lints `text` and every partial against `names` (every name the context can have, whether or not this
// context has it: an empty list has no entries to collect names from), then renders with the Markdown escape.
std::string render_markdown_template(const std::string& text, const std::string& source, const mstch::node& context,
                                     const std::set<std::string>& names, const std::map<std::string, std::string>& partials);

} // namespace hkstat::report::detail
