#include "hkstat/classify/ruleset.hpp"

#include "core/toml_util.hpp"
#include "hkstat/core/error.hpp"
#include "hkstat/io/sha256.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

namespace hkstat::classify {

namespace detail {
const std::vector<std::pair<std::string, std::string>>& builtin_ruleset_files(); // generated at build time
const std::vector<std::pair<std::string, std::string>>& builtin_ruleset_files_sha256(); // each text's SHA-256, same build
}

namespace {

using hkstat::detail::TomlReader;

Condition read_condition(const TomlReader& r, const toml::node& node, const std::string& key);

std::vector<Condition> read_children(const TomlReader& r, const toml::node& node, const std::string& key) {
  const auto* arr = node.as_array();
  if (!arr || arr->empty())
    r.fail(node, key, Text{"条件の配列（1つ以上）が必要です", "a non-empty array of conditions is required"}, "",
           Text{"[ { role = \"reasons\", has_any = [\"illness\"] } ]", "[ { role = \"reasons\", has_any = [\"illness\"] } ]"});
  std::vector<Condition> out;
  for (std::size_t i = 0; i < arr->size(); ++i) out.push_back(read_condition(r, (*arr)[i], fmt::format("{}[{}]", key, i + 1)));
  return out;
}

Condition read_condition(const TomlReader& r, const toml::node& node, const std::string& key) {
  const auto* t = node.as_table();
  if (!t)
    r.fail(node, key, Text{"条件は { … } の表です", "a condition is a table { ... }"}, "",
           Text{"{ role = \"occupation\", in = [\"homemaker\"] }", "{ role = \"occupation\", in = [\"homemaker\"] }"});
  Condition c;
  c.line = node.source().begin.line;
  if (t->contains("all") || t->contains("any") || t->contains("not")) {
    r.check_keys(*t, key, {"all", "any", "not"});
    if (t->size() != 1) r.fail(node, key, Text{"all / any / not はどれか一つだけ書きます", "use exactly one of all / any / not"}, "", Text{});
    if (const auto* n = t->get("all")) {
      c.kind = Condition::Kind::All;
      c.children = read_children(r, *n, key + ".all");
    } else if (const auto* n2 = t->get("any")) {
      c.kind = Condition::Kind::Any;
      c.children = read_children(r, *n2, key + ".any");
    } else {
      c.kind = Condition::Kind::Not;
      c.children.push_back(read_condition(r, *t->get("not"), key + ".not"));
    }
    return c;
  }
  r.check_keys(*t, key, {"role", "in", "has_any"});
  c.role_name = r.require_string(*t, "role", key);
  auto role = codebook::parse_role(c.role_name);
  if (!role) {
    Problem p;
    p.code = ErrorCode::RulesUnknownRole;
    p.pos.file = r.source();
    p.pos.line = t->get("role")->source().begin.line;
    p.pos.column = t->get("role")->source().begin.column;
    p.pos.key = key + ".role";
    p.value = c.role_name;
    p.message = Text{"ルールが未知の役割 (role) を参照しています", "the rule refers to an unknown role"};
    std::string roles = fmt::format("{}", fmt::join(codebook::role_names(), ", "));
    p.expected = Text{"役割: " + roles, "roles: " + roles};
    throw Error(std::move(p));
  }
  c.role = *role;
  const bool has_in = t->contains("in");
  const bool has_any = t->contains("has_any");
  if (has_in == has_any)
    r.fail(node, key, Text{"条件には in（単一回答）か has_any（複数回答）のどちらか一方が必要です", "a condition needs exactly one of in (single answer) or has_any (multiple answer)"},
           "", Text{"in = [\"homemaker\"] / has_any = [\"illness\"]", "in = [\"homemaker\"] / has_any = [\"illness\"]"});
  c.kind = has_in ? Condition::Kind::In : Condition::Kind::HasAny;
  c.keys = r.opt_string_array(*t, has_in ? "in" : "has_any", key);
  if (c.keys.empty()) r.fail(node, key, Text{"キーの一覧が空です", "the list of keys is empty"}, "", Text{});
  return c;
}

} // namespace

// A rule file is never labelled as the built-in rule-set it may have been copied from: its path and the first
// 12 hex digits of its SHA-256 follow the id, so an edited copy of cao2022 cannot pass for cao2022.
std::string RuleSet::display_id() const {
  if (origin == "builtin") return fmt::format("{} v{}", id, version);
  return fmt::format("{} v{} [{} sha256:{}]", id, version, origin, content_hash.substr(0, 12));
}

namespace {
RuleSet parse_ruleset_hashed(std::string_view text, const std::string& source_name, std::string content_hash);
}

RuleSet parse_ruleset(std::string_view text, const std::string& source_name) {
  return parse_ruleset_hashed(text, source_name, io::sha256_hex(text));
}

namespace {
// parse_ruleset with the text's SHA-256 already known (a built-in rule-set's, computed at build time).
RuleSet parse_ruleset_hashed(std::string_view text, const std::string& source_name, std::string content_hash) {
  TomlReader r(source_name, ErrorCode::RulesSyntax, ErrorCode::RulesInvalid);
  toml::table root = r.parse(text);
  r.check_keys(root, "", {"ruleset", "core", "exclude"});
  RuleSet rs;
  rs.origin = source_name;
  rs.content_hash = std::move(content_hash);
  const auto* head = root.get("ruleset");
  if (!head || !head->as_table())
    r.fail(root, "ruleset", Text{"[ruleset] 表 (id, version, title_ja …) がありません", "missing the [ruleset] table (id, version, title_ja ...)"}, "", Text{});
  const auto& ht = *head->as_table();
  r.check_keys(ht, "ruleset", {"id", "version", "title_ja", "title_en", "ages", "confidence", "sources"});
  rs.id = r.require_string(ht, "id", "ruleset");
  rs.version = static_cast<int>(r.require_int_in(ht, "version", "ruleset", 1, 1000000));
  rs.title_ja = r.opt_string(ht, "title_ja", "ruleset").value_or(rs.id);
  rs.title_en = r.opt_string(ht, "title_en", "ruleset").value_or(rs.title_ja);
  rs.confidence = r.opt_string(ht, "confidence", "ruleset").value_or("");
  rs.sources = r.opt_string_array(ht, "sources", "ruleset");
  if (const auto* ages = ht.get("ages")) {
    const auto* arr = ages->as_array();
    if (!arr || arr->size() != 2 || !(*arr)[0].as_integer() || !(*arr)[1].as_integer())
      r.fail(*ages, "ruleset.ages", Text{"ages は [最小, 最大] の整数二つです", "ages is [min, max], two integers"}, "", Text{"ages = [15, 39]", "ages = [15, 39]"});
    const std::int64_t lo = (*arr)[0].as_integer()->get(), hi = (*arr)[1].as_integer()->get();
    if (lo < 0 || hi > codebook::kMaxAge || lo > hi)
      r.fail(*ages, "ruleset.ages", Text{fmt::format("ages は 0～{} 歳の [最小, 最大] です", codebook::kMaxAge), fmt::format("ages is [min, max] within 0-{} years", codebook::kMaxAge)},
             fmt::format("[{}, {}]", lo, hi), Text{"ages = [15, 39]", "ages = [15, 39]"});
    rs.age_min = static_cast<int>(lo);
    rs.age_max = static_cast<int>(hi);
  }
  const auto* core = root.get("core");
  if (!core || !core->as_table())
    r.fail(root, "core", Text{"[core] 表 (semi, narrow, duration) がありません", "missing the [core] table (semi, narrow, duration)"}, "", Text{});
  const auto& ct = *core->as_table();
  r.check_keys(ct, "core", {"semi", "narrow", "duration", "duration_missing"});
  rs.semi = r.opt_string_array(ct, "semi", "core");
  rs.narrow = r.opt_string_array(ct, "narrow", "core");
  rs.duration_flag = r.require_string(ct, "duration", "core");
  if (rs.duration_flag != "ge_6_months")
    r.fail(*ct.get("duration"), "core.duration", Text{"未対応の期間条件です", "unsupported duration condition"}, rs.duration_flag,
           Text{"\"ge_6_months\"", "\"ge_6_months\""});
  if (const auto dm = r.opt_string(ct, "duration_missing", "core")) {
    if (*dm != "not_case" && *dm != "case")
      r.fail(*ct.get("duration_missing"), "core.duration_missing", Text{"期間が無回答の人の扱いが不正です", "invalid treatment of a missing duration"}, *dm,
             Text{"\"not_case\"（非該当、既定）または \"case\"（期間の条件を満たすとみなす）", "\"not_case\" (the default) or \"case\" (the duration condition counts as met)"});
    rs.duration_missing_is_case = *dm == "case";
  }
  if (rs.semi.empty() && rs.narrow.empty())
    r.fail(ct, "core", Text{"semi と narrow が両方空です", "both semi and narrow are empty"}, "", Text{});

  if (const auto* ex = root.get("exclude")) {
    const auto* arr = ex->as_array();
    if (!arr) r.fail(*ex, "exclude", Text{"[[exclude]] の配列が必要です", "exclude must be an array of tables [[exclude]]"}, "", Text{});
    std::set<std::string> ids;
    for (std::size_t i = 0; i < arr->size(); ++i) {
      const std::string key = fmt::format("exclude[{}]", i + 1);
      const auto* et = (*arr)[i].as_table();
      if (!et) r.fail((*arr)[i], key, Text{"[[exclude]] は表です", "[[exclude]] must be a table"}, "", Text{});
      r.check_keys(*et, key, {"id", "label_ja", "label_en", "confidence", "all", "any", "source"});
      ExcludeRule rule;
      rule.line = et->source().begin.line;
      rule.id = r.require_string(*et, "id", key);
      if (!ids.insert(rule.id).second) r.fail(*et, key + ".id", Text{"ルール ID が重複しています", "duplicate rule id"}, rule.id, Text{});
      rule.label_ja = r.opt_string(*et, "label_ja", key).value_or(rule.id);
      rule.label_en = r.opt_string(*et, "label_en", key).value_or(rule.label_ja);
      rule.confidence = r.opt_string(*et, "confidence", key).value_or("");
      const bool has_all = et->contains("all");
      const bool has_any = et->contains("any");
      if (has_all == has_any)
        r.fail(*et, key, Text{"除外ルールには all か any のどちらか一方が必要です", "an exclusion rule needs exactly one of all or any"}, rule.id, Text{});
      rule.when.kind = has_all ? Condition::Kind::All : Condition::Kind::Any;
      rule.when.line = rule.line;
      rule.when.children = read_children(r, *et->get(has_all ? "all" : "any"), key + (has_all ? ".all" : ".any"));
      rs.rules.push_back(std::move(rule));
    }
  }
  return rs;
}
} // namespace

RuleSet load_ruleset_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw Error(Problem{ErrorCode::IoCannotOpen, SourcePos{path, 0, 0, "", ""}, path, Text{"ルールファイルを開けません", "cannot open the rule file"},
                        Text{"組み込みの ID (hkstat rules で一覧) または .toml ファイルのパス", "a built-in id (see hkstat rules) or a path to a .toml file"}, ""});
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  if (text.size() >= 3 && text.compare(0, 3, "\xEF\xBB\xBF") == 0) text.erase(0, 3);
  return parse_ruleset(text, path);
}

std::vector<std::string> builtin_ruleset_ids() {
  std::vector<std::string> out;
  for (const auto& [name, text] : detail::builtin_ruleset_files()) out.push_back(name);
  std::sort(out.begin(), out.end());
  return out;
}

std::string builtin_ruleset_text(const std::string& id) {
  for (const auto& [name, text] : detail::builtin_ruleset_files())
    if (name == id) return text;
  std::string ids = fmt::format("{}", fmt::join(builtin_ruleset_ids(), ", "));
  throw Error(Problem{ErrorCode::RulesNotFound, SourcePos{}, id, Text{"組み込みの判定基準にない ID です", "no built-in rule-set has this id"},
                      Text{"組み込み: " + ids + "（または .toml ファイルのパス）", "built-in: " + ids + " (or a path to a .toml file)"}, ""});
}

RuleSet builtin_ruleset(const std::string& id) {
  const std::string text = builtin_ruleset_text(id);
  std::string hash;
  for (const auto& [name, sha] : detail::builtin_ruleset_files_sha256())
    if (name == id) hash = sha;
  RuleSet rs = hash.empty() ? parse_ruleset(text, "builtin:" + id) : parse_ruleset_hashed(text, "builtin:" + id, std::move(hash));
  rs.origin = "builtin";
  return rs;
}

RuleSet resolve_ruleset(const std::string& spec) {
  const bool looks_like_path = spec.find('/') != std::string::npos || (spec.size() > 5 && spec.substr(spec.size() - 5) == ".toml");
  if (looks_like_path) return load_ruleset_file(spec);
  return builtin_ruleset(spec);
}

} // namespace hkstat::classify
