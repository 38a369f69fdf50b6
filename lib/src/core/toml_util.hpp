// Private helper: reading TOML files (codebook, rule-sets, run config) with hkstat errors that name
// the file, the line and the key. Not part of the public API.
#pragma once

#include "hkstat/core/error.hpp"

#include <cstddef>
#include <string_view>

// toml++ (Debian libtomlplusplus-dev 3.3.0) is compiled into hkstat header-only, with its internal checks
// (TOML_ASSERT, TOML_ASSERT_ASSUME) turned into a C++ exception, in every build type. Debian's compiled
// libtomlplusplus.so is not linked: in a release build toml++'s checks become __builtin_assume, i.e.
// undefined behaviour when they fail, and in a debug build assert() aborts; a malformed file can make one
// fail (a table header "[" followed by a character that cannot start a key, tests/unit/test_toml_input.cpp).
// Every TOML file hkstat reads goes through TomlReader::parse below, which also refuses, with a located
// error, the bytes toml++ must never see (invalid UTF-8, control characters, non-characters), and turns a
// failed internal check into a located syntax error. This header is the only place that includes toml++.
namespace hkstat::detail {
struct TomlInternalCheck {
  const char* expression;
};
[[noreturn]] inline void toml_internal_check_failed(const char* expression) { throw TomlInternalCheck{expression}; }
} // namespace hkstat::detail

#pragma push_macro("NDEBUG")
#undef NDEBUG
#ifdef TOML_HEADER_ONLY
#undef TOML_HEADER_ONLY
#endif
#define TOML_HEADER_ONLY 1
#define TOML_EXCEPTIONS 1
#define TOML_ASSERT(expr) ((expr) ? static_cast<void>(0) : ::hkstat::detail::toml_internal_check_failed(#expr))
#include <toml++/toml.h>
#pragma pop_macro("NDEBUG")

#include <fmt/format.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

namespace hkstat::detail {

class TomlReader {
public:
  TomlReader(std::string source, ErrorCode syntax_code, ErrorCode invalid_code)
      : source_(std::move(source)), syntax_(syntax_code), invalid_(invalid_code) {}

  // Parses a whole TOML file. Errors: the syntax code, located (line, column): bytes that are not UTF-8, a
  // control character other than tab and line ends, a Unicode non-character, anything toml++ refuses.
  toml::table parse(std::string_view text) {
    check_text(text);
    try {
      return toml::parse(text, source_);
    } catch (const TomlInternalCheck&) {
      internal_check_failed(text);
    } catch (const toml::parse_error& e) {
      Problem p;
      p.code = syntax_;
      p.pos.file = source_;
      p.pos.line = e.source().begin.line;
      p.pos.column = e.source().begin.column;
      p.message = Text{"TOML の構文エラー: " + std::string(e.description()), "TOML syntax error: " + std::string(e.description())};
      p.expected = Text{"TOML 形式 (https://toml.io/ja/)", "valid TOML (https://toml.io/)"};
      throw Error(std::move(p));
    }
  }

  [[noreturn]] void fail(const toml::node& at, const std::string& key, Text message, std::string value, Text expected) const {
    Problem p;
    p.code = invalid_;
    p.pos.file = source_;
    p.pos.line = at.source().begin.line;
    p.pos.column = at.source().begin.column;
    p.pos.key = key;
    p.value = std::move(value);
    p.message = std::move(message);
    p.expected = std::move(expected);
    throw Error(std::move(p));
  }

  void check_keys(const toml::table& t, const std::string& key, std::initializer_list<const char*> allowed) const {
    check_keys(t, key, std::vector<std::string>(allowed.begin(), allowed.end()));
  }
  void check_keys(const toml::table& t, const std::string& key, const std::vector<std::string>& allowed) const {
    for (const auto& [k, v] : t) {
      bool ok = false;
      for (const auto& a : allowed)
        if (k.str() == a) ok = true;
      if (!ok)
        fail(v, key.empty() ? std::string(k.str()) : key + "." + std::string(k.str()),
             Text{"未知のキーです (綴りを確認してください)", "unknown key (check the spelling)"}, std::string(k.str()),
             Text{fmt::format("{}", fmt::join(allowed, ", ")), fmt::format("{}", fmt::join(allowed, ", "))});
    }
  }

  std::string require_string(const toml::table& t, const char* field, const std::string& key) const {
    auto s = opt_string(t, field, key);
    if (!s)
      fail(t, key + "." + field, Text{fmt::format("{} (文字列) が必要です", field), fmt::format("{} (a string) is required", field)}, "",
           Text{fmt::format("{} = \"…\"", field), fmt::format("{} = \"...\"", field)});
    return *s;
  }
  std::optional<std::string> opt_string(const toml::table& t, const char* field, const std::string& key) const {
    const auto* n = t.get(field);
    if (!n) return std::nullopt;
    if (const auto* s = n->as_string()) return s->get();
    fail(*n, key + "." + field, Text{"文字列が必要です", "a string is required"}, "", Text{fmt::format("{} = \"…\"", field), fmt::format("{} = \"...\"", field)});
  }
  std::int64_t require_int(const toml::table& t, const char* field, const std::string& key) const {
    auto v = opt_int(t, field, key);
    if (!v)
      fail(t, key + "." + field, Text{fmt::format("{} (整数) が必要です", field), fmt::format("{} (an integer) is required", field)}, "",
           Text{fmt::format("{} = 1", field), fmt::format("{} = 1", field)});
    return *v;
  }
  std::optional<std::int64_t> opt_int(const toml::table& t, const char* field, const std::string& key) const {
    const auto* n = t.get(field);
    if (!n) return std::nullopt;
    if (const auto* i = n->as_integer()) return i->get();
    fail(*n, key + "." + field, Text{"整数が必要です", "an integer is required"}, "", Text{fmt::format("{} = 1", field), fmt::format("{} = 1", field)});
  }
  std::optional<double> opt_number(const toml::table& t, const char* field, const std::string& key) const {
    const auto* n = t.get(field);
    if (!n) return std::nullopt;
    if (const auto* i = n->as_integer()) return static_cast<double>(i->get());
    if (const auto* f = n->as_floating_point()) return f->get();
    fail(*n, key + "." + field, Text{"数値が必要です", "a number is required"}, "", Text{fmt::format("{} = 1.0", field), fmt::format("{} = 1.0", field)});
  }
  std::optional<bool> opt_bool(const toml::table& t, const char* field, const std::string& key) const {
    const auto* n = t.get(field);
    if (!n) return std::nullopt;
    if (const auto* b = n->as_boolean()) return b->get();
    fail(*n, key + "." + field, Text{"true または false が必要です", "true or false is required"}, "", Text{"true / false", "true / false"});
  }
  std::vector<std::string> opt_string_array(const toml::table& t, const char* field, const std::string& key) const {
    std::vector<std::string> out;
    const auto* n = t.get(field);
    if (!n) return out;
    const auto* arr = n->as_array();
    if (!arr) fail(*n, key + "." + field, Text{"文字列の配列が必要です", "an array of strings is required"}, "", Text{"[\"a\", \"b\"]", "[\"a\", \"b\"]"});
    for (std::size_t i = 0; i < arr->size(); ++i) {
      const auto* s = (*arr)[i].as_string();
      if (!s) fail((*arr)[i], fmt::format("{}.{}[{}]", key, field, i + 1), Text{"文字列が必要です", "a string is required"}, "", Text{});
      out.push_back(s->get());
    }
    return out;
  }
  const std::string& source() const { return source_; }

private:
  // Line and column (in characters) of a byte offset.
  static std::pair<std::size_t, std::size_t> line_col(std::string_view text, std::size_t offset) {
    std::size_t line = 1, col = 1;
    for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        col = 1;
      } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
        ++col;
      }
    }
    return {line, col};
  }

  [[noreturn]] void syntax_error(std::string_view text, std::size_t offset, std::string value, Text message, Text expected) const {
    Problem p;
    p.code = syntax_;
    p.pos.file = source_;
    std::tie(p.pos.line, p.pos.column) = line_col(text, offset);
    p.value = std::move(value);
    p.message = std::move(message);
    p.expected = std::move(expected);
    throw Error(std::move(p));
  }

  // The length of the UTF-8 sequence at `i` and its code point, or 0 when it is not valid UTF-8 (overlong
  // forms, surrogates, beyond U+10FFFF, cut short).
  static std::size_t utf8_at(std::string_view s, std::size_t i, char32_t& cp) {
    const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = b(i);
    std::size_t n = 0;
    if (c < 0x80) {
      cp = c;
      return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
      n = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 4;
      cp = c & 0x07;
    } else {
      return 0;
    }
    if (i + n > s.size()) return 0;
    for (std::size_t k = 1; k < n; ++k) {
      if ((b(i + k) & 0xC0) != 0x80) return 0;
      cp = (cp << 6) | (b(i + k) & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return n;
  }

  static std::string code_point_name(char32_t cp) { return fmt::format("U+{:04X}", static_cast<std::uint32_t>(cp)); }

  // What TOML never allows anywhere in a file (toml.io: control characters other than tab are not permitted
  // in comments, strings or keys; a document is valid UTF-8), refused before toml++ reads the text.
  void check_text(std::string_view text) const {
    for (std::size_t i = 0; i < text.size();) {
      char32_t cp = 0;
      const std::size_t n = utf8_at(text, i, cp);
      if (n == 0) {
        std::string bytes;
        for (std::size_t k = i; k < text.size() && k < i + 4; ++k) bytes += fmt::format("{}\\x{:02X}", k == i ? "" : " ", static_cast<unsigned>(static_cast<unsigned char>(text[k])));
        syntax_error(text, i, bytes, Text{"UTF-8 として正しくないバイト列です", "bytes that are not valid UTF-8"},
                     Text{"UTF-8 で保存した TOML ファイル", "a TOML file saved as UTF-8"});
      }
      const bool crlf = cp == U'\r' && i + 1 < text.size() && text[i + 1] == '\n';
      if ((cp < 0x20 && cp != U'\t' && cp != U'\n' && !crlf) || cp == 0x7F)
        syntax_error(text, i, code_point_name(cp), Text{"制御文字は TOML ファイルに書けません", "a control character is not allowed in a TOML file"},
                     Text{"タブと改行以外の制御文字を含まないテキスト", "text without control characters other than tab and line ends"});
      if ((cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE)
        syntax_error(text, i, code_point_name(cp), Text{"Unicode の非文字は TOML ファイルに書けません", "a Unicode non-character is not allowed in a TOML file"},
                     Text{"文字として割り当て可能なコードポイント", "characters, not non-characters (U+FFFE, U+FFFF, U+FDD0-U+FDEF, ...)"});
      i += n;
    }
  }

  // toml++ stopped on one of its internal checks. It reads forward only, so the shortest prefix of the text
  // (cut at a character boundary) that makes it stop the same way ends with the character it stopped on.
  [[noreturn]] void internal_check_failed(std::string_view text) const {
    std::vector<std::size_t> ends; // byte offset after each character (the text is valid UTF-8 here)
    for (std::size_t i = 0; i < text.size();) {
      char32_t cp = 0;
      i += utf8_at(text, i, cp);
      ends.push_back(i);
    }
    const auto stops = [&](std::size_t len) {
      try {
        (void)toml::parse(text.substr(0, len), source_);
      } catch (const TomlInternalCheck&) {
        return true;
      } catch (const toml::parse_error&) {
      }
      return false;
    };
    std::size_t lo = 0, hi = ends.size(); // stops(ends[hi - 1]) holds (the whole text)
    while (lo + 1 < hi) {
      const std::size_t mid = lo + (hi - lo) / 2;
      if (stops(ends[mid - 1])) hi = mid;
      else lo = mid;
    }
    const std::size_t end = hi == 0 ? 0 : ends[hi - 1];
    const std::size_t begin = hi <= 1 ? 0 : ends[hi - 2];
    char32_t cp = 0;
    const std::string value = begin < text.size() && utf8_at(text, begin, cp) ? code_point_name(cp) + " '" + std::string(text.substr(begin, end - begin)) + "'" : "";
    syntax_error(text, begin, value, Text{"TOML の構文エラー: ここにこの文字は置けません", "TOML syntax error: this character is not allowed here"},
                 Text{"TOML 形式 (https://toml.io/ja/)", "valid TOML (https://toml.io/)"});
  }

  std::string source_;
  ErrorCode syntax_;
  ErrorCode invalid_;
};

} // namespace hkstat::detail
