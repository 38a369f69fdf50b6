// hkstat/core/option_text.hpp — library messages name no command-line flag. An option is written ‹name›
// (e.g. ‹by›, ‹where›, ‹ci›) in an error's message and hint, and the front end renders it: the command line
// as its flag --name (OptionStyle::Flag), the library, Error::what() and the Python module as the plain option
// name (OptionStyle::Name, what format_problem(p, lang) does).
#pragma once

#include "hkstat/core/error.hpp"

#include <string>
#include <string_view>

namespace hkstat {

enum class OptionStyle { Name, Flag };

// `text` with every ‹name› rendered in `style`.
std::string render_options(std::string_view text, OptionStyle style);

// format_problem with the options rendered in `style`.
std::string format_problem(const Problem& p, Lang lang, OptionStyle style);

} // namespace hkstat
