// Private helper: reading TOML files (codebook, rule-sets, run config) with hkstat errors that name
// the file, the line and the key. Not part of the public API.
#pragma once

#include "hkstat/core/error.hpp"

#include <toml++/toml.h>

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hkstat::detail {

class TomlReader {
public:
  TomlReader(std::string source, ErrorCode syntax_code, ErrorCode invalid_code)
      : source_(std::move(source)), syntax_(syntax_code), invalid_(invalid_code) {}

  toml::table parse(std::string_view text) {
    try {
      return toml::parse(text, source_);
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
  // An integer key used as a count, a bound or a setting: it must lie in [lo, hi] before anything narrows
  // it (min_cell = 4294967296 must not become 0). Out of range → the invalid code, naming the key and value.
  std::optional<std::int64_t> opt_int_in(const toml::table& t, const char* field, const std::string& key, std::int64_t lo,
                                         std::int64_t hi) const {
    auto v = opt_int(t, field, key);
    if (v && (*v < lo || *v > hi))
      fail(*t.get(field), key.empty() ? std::string(field) : key + "." + field,
           Text{fmt::format("{} は {}～{} の整数です", field, lo, hi), fmt::format("{} must be an integer from {} to {}", field, lo, hi)},
           std::to_string(*v), Text{fmt::format("{}～{} の整数", lo, hi), fmt::format("an integer from {} to {}", lo, hi)});
    return v;
  }
  std::int64_t require_int_in(const toml::table& t, const char* field, const std::string& key, std::int64_t lo, std::int64_t hi) const {
    require_int(t, field, key);
    return *opt_int_in(t, field, key, lo, hi);
  }
  // A number key: an integer or a float, finite (TOML's inf and nan are refused here, once for every key).
  std::optional<double> opt_number(const toml::table& t, const char* field, const std::string& key) const {
    const auto* n = t.get(field);
    if (!n) return std::nullopt;
    if (const auto* i = n->as_integer()) return static_cast<double>(i->get());
    if (const auto* f = n->as_floating_point()) {
      if (!std::isfinite(f->get()))
        fail(*n, key + "." + field, Text{"有限の数値が必要です (inf や nan は使えません)", "a finite number is required (not inf or nan)"},
             fmt::format("{}", f->get()), Text{fmt::format("{} = 1.0", field), fmt::format("{} = 1.0", field)});
      return f->get();
    }
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
  std::string source_;
  ErrorCode syntax_;
  ErrorCode invalid_;
};

} // namespace hkstat::detail
