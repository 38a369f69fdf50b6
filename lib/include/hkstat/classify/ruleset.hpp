// hkstat/classify/ruleset.hpp — classification rule-sets as data (docs/rules.md).
// The Cabinet Office definitions ship as TOML files compiled into the library; users may load their own.
#pragma once

#include "hkstat/codebook/codebook.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace hkstat::classify {

struct Condition {
  enum class Kind { All, Any, Not, In, HasAny };
  Kind kind = Kind::All;
  codebook::Role role = codebook::Role::None; // leaves
  std::string role_name;                       // as written
  std::vector<std::string> keys;               // leaves
  std::vector<Condition> children;             // All / Any / Not
  std::size_t line = 0;                        // line in the rule file
};

struct ExcludeRule {
  std::string id;
  std::string label_ja;
  std::string label_en;
  std::string confidence; // H / M / L
  Condition when;         // Kind::All or Kind::Any at the top
  std::size_t line = 0;
};

struct RuleSet {
  std::string id;
  int version = 1;
  std::string title_ja;
  std::string title_en;
  std::string confidence;
  std::vector<std::string> sources;
  int age_min = 0;
  int age_max = 0;
  std::vector<std::string> semi;   // outing keys for 準ひきこもり
  std::vector<std::string> narrow; // outing keys for 狭義のひきこもり
  std::string duration_flag;       // "ge_6_months"
  // [core] duration_missing = "case": a core outing answer with the duration not answered meets the duration
  // condition (the 2010 survey counted two such respondents among its 59); default "not_case" (非該当).
  bool duration_missing_is_case = false;
  std::vector<ExcludeRule> rules;
  std::string origin;              // "builtin" or the file path
  std::string content_hash;        // SHA-256 of the rule file text, hex
  // "cao2018 v1" for a built-in; "cao2018 v1 [my.toml sha256:0123456789ab]" for a rule file (never the
  // built-in label, even for an unchanged copy).

  std::string display_id() const;
};

// Parse rule-set TOML. Errors: RulesSyntax (with TOML line/column), RulesInvalid, RulesUnknownRole (a
// role that hkstat does not know, with the line of the condition).
RuleSet parse_ruleset(std::string_view text, const std::string& source_name);
RuleSet load_ruleset_file(const std::string& path);

// Built-in rule-sets (the files in data/rulesets/, compiled in).
std::vector<std::string> builtin_ruleset_ids();
RuleSet builtin_ruleset(const std::string& id);   // throws RulesNotFound listing the ids
std::string builtin_ruleset_text(const std::string& id);
// `spec` is a built-in id or a path to a .toml file.
RuleSet resolve_ruleset(const std::string& spec);

// The default when neither the command line nor the run configuration names one.
inline constexpr const char* kDefaultRuleSet = "cao2022";

} // namespace hkstat::classify
