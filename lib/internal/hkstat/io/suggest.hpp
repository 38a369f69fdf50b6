// hkstat/io/suggest.hpp — "did you mean": the nearest of a list of names (columns, files) to a mistyped one,
// including names that differ only by full-width / half-width look-alikes (U+3000 for a space, ＩＤ for ID).
// Used for options and commands (cli/), and for codebook column names (the reader's missing-column error).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hkstat::io {

// `s` with full-width ASCII (U+FF01–U+FF5E) as ASCII, U+3000 and ASCII whitespace removed, U+2212 as '-',
// ASCII letters in lower case: two names with the same folding look alike on a printed questionnaire.
std::string fold_lookalikes(std::string_view s);

// Levenshtein distance between two UTF-8 strings, in code points.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate that looks like `name`: first one with the same fold_lookalikes(); else the nearest by
// edit distance of the folded names, if that distance is at most max(1, length/4) and unique.
std::optional<std::string> did_you_mean(std::string_view name, const std::vector<std::string>& candidates);

} // namespace hkstat::io
