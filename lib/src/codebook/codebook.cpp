#include "hkstat/codebook/codebook.hpp"

#include "hkstat/core/error.hpp"
#include "core/toml_util.hpp"
#include "hkstat/codebook/data_file.hpp"
#include "hkstat/io/sha256.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

namespace hkstat::codebook {

namespace {

struct RoleInfo {
  Role role;
  const char* name;
};

constexpr RoleInfo kRoles[] = {
    {Role::Id, "id"},
    {Role::Age, "age"},
    {Role::Sex, "sex"},
    {Role::Outing, "outing"},
    {Role::Duration, "duration"},
    {Role::Reasons, "reasons"},
    {Role::MainReason, "main_reason"},
    {Role::IllnessType, "illness_type"},
    {Role::OtherReasonType, "other_reason_type"},
    {Role::Occupation, "occupation"},
    {Role::HomeActivities, "home_activities"},
    {Role::TalkNonfamily, "talk_nonfamily"},
    {Role::WorkExperience, "work_experience"},
    {Role::Weight, "weight"},
    {Role::Stratum, "stratum"},
    {Role::Psu, "psu"},
    {Role::Fpc, "fpc"},
    {Role::Replicate, "replicate"},
    {Role::Count, "count"},
    {Role::Form, "form"},
};

bool type_allowed(Role role, VarType type) {
  switch (role) {
  case Role::None: return true;
  case Role::Id: return type == VarType::Id;
  case Role::Age: return type == VarType::Integer || type == VarType::Code;
  case Role::Reasons:
  case Role::HomeActivities: return type == VarType::Multi;
  case Role::Weight:
  case Role::Fpc:
  case Role::Replicate: return type == VarType::Number;
  case Role::Count: return type == VarType::Integer;
  case Role::Stratum:
  case Role::Psu: return type == VarType::Integer || type == VarType::Code || type == VarType::Text;
  default: return type == VarType::Code;
  }
}

const char* allowed_types(Role role) {
  switch (role) {
  case Role::Id: return "id";
  case Role::Age: return "integer, code";
  case Role::Reasons:
  case Role::HomeActivities: return "multi";
  case Role::Weight:
  case Role::Fpc:
  case Role::Replicate: return "number";
  case Role::Count: return "integer";
  case Role::Stratum:
  case Role::Psu: return "integer, code, text";
  default: return "code";
  }
}

using detail::TomlReader;

std::vector<std::int64_t> read_int_array(TomlReader& r, const toml::table& t, const char* field, const std::string& key) {
  std::vector<std::int64_t> out;
  const auto* n = t.get(field);
  if (!n) return out;
  const auto* arr = n->as_array();
  if (!arr) r.fail(*n, key + "." + field, Text{"整数の配列が必要です", "an array of integers is required"}, "", Text{"[1, 2]", "[1, 2]"});
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const auto* iv = (*arr)[i].as_integer();
    if (!iv) r.fail((*arr)[i], fmt::format("{}.{}[{}]", key, field, i + 1), Text{"整数が必要です", "an integer is required"}, "", Text{"[1, 2]", "[1, 2]"});
    out.push_back(iv->get());
  }
  return out;
}

Derivation read_derivation(TomlReader& r, const toml::node& node, const std::string& key) {
  const auto* t = node.as_table();
  if (!t)
    r.fail(node, key, Text{"derive は表です", "derive must be a table"}, "",
           Text{"derive = { method = \"merge\", from = \"問5\" }", "derive = { method = \"merge\", from = \"Q5\" }"});
  Derivation d;
  const std::string method = r.require_string(*t, "method", key);
  if (method == "merge") d.method = DeriveMethod::Merge;
  else if (method == "bands") d.method = DeriveMethod::Bands;
  else if (method == "years_months") d.method = DeriveMethod::YearsMonths;
  else if (method == "any_of") d.method = DeriveMethod::AnyOf;
  else
    r.fail(*t->get("method"), key + ".method", Text{"未知の派生の方法です", "unknown derivation method"}, method,
           Text{"merge（コードの統合）, bands（整数の区分）, years_months（年と月を年に）, any_of（複数回答のいずれか）",
                "merge, bands, years_months, any_of"});
  if (d.method == DeriveMethod::YearsMonths) {
    r.check_keys(*t, key, {"method", "years", "months"});
    d.years = r.require_string(*t, "years", key);
    d.months = r.require_string(*t, "months", key);
  } else {
    if (d.method == DeriveMethod::AnyOf) r.check_keys(*t, key, {"method", "from", "options"});
    else r.check_keys(*t, key, {"method", "from"});
    d.from = r.require_string(*t, "from", key);
    if (d.method == DeriveMethod::AnyOf) {
      d.options = read_int_array(r, *t, "options", key);
      if (d.options.empty())
        r.fail(*t, key + ".options", Text{"any_of には options（元の複数回答の選択肢コードの配列）が必要です", "any_of needs options (an array of the source's option codes)"},
               "", Text{"options = [1, 2, 3]", "options = [1, 2, 3]"});
    }
  }
  return d;
}

CodeDef read_code(TomlReader& r, const toml::table& t, const std::string& key, Role role, bool column_form,
                  const std::optional<Derivation>& derive) {
  CodeDef c;
  const char* allowed[10] = {"code", "label", "key"};
  std::size_t n_allowed = 3;
  if (derive && derive->method == DeriveMethod::Merge) allowed[n_allowed++] = "from";
  if (derive && derive->method == DeriveMethod::Bands) {
    allowed[n_allowed++] = "min";
    allowed[n_allowed++] = "max";
  }
  if (role == Role::Duration) allowed[n_allowed++] = "ge_6_months";
  if (role == Role::Age) {
    allowed[n_allowed++] = "min";
    allowed[n_allowed++] = "max";
  }
  if (column_form) allowed[n_allowed++] = "name";
  r.check_keys(t, key, allowed, allowed + n_allowed);
  c.code = r.require_int(t, "code", key);
  c.label = r.opt_string(t, "label", key).value_or("");
  c.key = r.opt_string(t, "key", key).value_or("");
  if (column_form) c.column = r.require_string(t, "name", key);
  if (derive && derive->method == DeriveMethod::Merge) {
    c.from = read_int_array(r, t, "from", key);
    if (c.from.empty())
      r.fail(t, key + ".from", Text{"統合するコードには from（元の変数のコードの配列）が必要です", "a merged code needs from (an array of the source variable's codes)"}, "",
             Text{"{ code = 1, label = \"把握あり\", from = [1, 2] }", "{ code = 1, label = \"aware\", from = [1, 2] }"});
  }
  if (derive && derive->method == DeriveMethod::Bands) {
    c.band_min = r.opt_int(t, "min", key);
    c.band_max = r.opt_int(t, "max", key);
    if (!c.band_min && !c.band_max)
      r.fail(t, key, Text{"区分のコードには min か max（両端を含む）が必要です", "a band needs min or max (inclusive)"}, "",
             Text{"{ code = 3, label = \"4人以上\", min = 4 }", "{ code = 3, label = \"4 or more\", min = 4 }"});
    if (c.band_min && c.band_max && *c.band_min > *c.band_max)
      r.fail(t, key, Text{"区分の min が max より大きくなっています", "the band's min is greater than its max"},
             fmt::format("{} > {}", *c.band_min, *c.band_max), Text{});
  }
  if (role == Role::Duration) {
    auto flag = r.opt_bool(t, "ge_6_months", key);
    if (!flag)
      r.fail(t, key + ".ge_6_months",
             Text{"期間のコードには ge_6_months (6か月以上なら true) が必要です",
                  "every duration code needs ge_6_months (true if 6 months or longer)"},
             "", Text{"ge_6_months = true または false", "ge_6_months = true or false"});
    c.ge_6_months = flag;
  }
  if (role == Role::Age) {
    auto mn = r.opt_int_in(t, "min", key, 0, kMaxAge);
    auto mx = r.opt_int_in(t, "max", key, 0, kMaxAge);
    if (!mn || !mx)
      r.fail(t, key, Text{"年齢階級のコードには min と max (歳) が必要です", "age-band codes need min and max (years)"}, "",
             Text{"{ code = 1, label = \"15～19歳\", min = 15, max = 19 }", "{ code = 1, label = \"15-19\", min = 15, max = 19 }"});
    c.min = static_cast<int>(*mn);
    c.max = static_cast<int>(*mx);
  }
  return c;
}

Variable read_variable(TomlReader& r, const toml::table& t, std::size_t idx, const char* prefix = "variable") {
  const std::string key = fmt::format("{}[{}]", prefix, idx + 1);
  Variable v;
  v.line = t.source().begin.line;
  r.check_keys(t, key, {"name", "role", "type", "label", "codes", "columns", "missing", "min", "max", "delimiter", "rscale", "derive", "not_asked"});
  v.name = r.require_string(t, "name", key);
  v.not_asked = r.opt_string_array(t, "not_asked", key);
  if (const auto* dn = t.get("derive")) {
    v.derive = read_derivation(r, *dn, key + ".derive");
    for (const char* k : {"role", "columns", "missing", "min", "max", "delimiter", "rscale"})
      if (t.contains(k))
        r.fail(*t.get(k), key + "." + k,
               Text{fmt::format("派生変数には {} を指定できません（値は元の変数から計算します）", k),
                    fmt::format("a derived variable cannot have {} (its values are computed from the source variables)", k)},
               "", Text{"derive, name, type, label, codes", "derive, name, type, label, codes"});
  }
  const std::string tname = r.require_string(t, "type", key);
  static const std::pair<const char*, VarType> kTypes[] = {{"id", VarType::Id},         {"integer", VarType::Integer},
                                                          {"number", VarType::Number}, {"code", VarType::Code},
                                                          {"multi", VarType::Multi},   {"text", VarType::Text}};
  bool found = false;
  for (const auto& [n, ty] : kTypes)
    if (tname == n) {
      v.type = ty;
      found = true;
    }
  if (!found)
    r.fail(*t.get("type"), key + ".type", Text{"未知の型です", "unknown type"}, tname,
           Text{"id, integer, number, code, multi, text のいずれか", "one of id, integer, number, code, multi, text"});
  if (auto role = r.opt_string(t, "role", key)) {
    auto parsed = parse_role(*role);
    if (!parsed)
      r.fail(*t.get("role"), key + ".role", Text{"未知の役割 (role) です", "unknown role"}, *role,
             Text{"役割の一覧は docs/codebook.md を参照: " + fmt::format("{}", fmt::join(role_names(), ", ")),
                  "see docs/codebook.md: " + fmt::format("{}", fmt::join(role_names(), ", "))});
    v.role = *parsed;
    if (!type_allowed(v.role, v.type))
      r.fail(*t.get("type"), key + ".type",
             Text{fmt::format("役割 {} にはこの型は使えません", *role), fmt::format("type not allowed for role {}", *role)}, tname,
             Text{allowed_types(v.role), allowed_types(v.role)});
  }
  v.label = r.opt_string(t, "label", key).value_or("");
  v.delimiter = r.opt_string(t, "delimiter", key).value_or("");
  if (auto mn = r.opt_number(t, "min", key)) v.min = mn;
  if (auto mx = r.opt_number(t, "max", key)) v.max = mx;
  if (auto rs = r.opt_number(t, "rscale", key)) {
    if (v.role != Role::Replicate)
      r.fail(*t.get("rscale"), key + ".rscale", Text{"rscale は role = \"replicate\" の変数専用です", "rscale is only for variables with role = \"replicate\""},
             fmt::format("{}", *rs), Text{"role = \"replicate\"", "role = \"replicate\""});
    if (!std::isfinite(*rs) || *rs < 0)
      r.fail(*t.get("rscale"), key + ".rscale", Text{"rscale は 0 以上の有限の数です", "rscale must be a finite number >= 0"},
             fmt::format("{}", *rs), Text{"例: rscale = 0.75 (JKn: (n_h−1)/n_h)", "e.g. rscale = 0.75 (JKn: (n_h - 1)/n_h)"});
    v.rscale = rs;
  }
  if (const auto* miss = t.get("missing")) {
    const auto* arr = miss->as_array();
    if (!arr) r.fail(*miss, key + ".missing", Text{"missing はコードの配列です", "missing must be an array of codes"}, "", Text{"missing = [9]", "missing = [9]"});
    for (std::size_t i = 0; i < arr->size(); ++i) {
      const auto* iv = (*arr)[i].as_integer();
      if (!iv)
        r.fail((*arr)[i], fmt::format("{}.missing[{}]", key, i + 1), Text{"欠損コードは整数です", "missing codes must be integers"}, "",
               Text{"missing = [9]", "missing = [9]"});
      v.missing.push_back(iv->get());
    }
  }

  const bool has_codes = t.contains("codes");
  const bool has_columns = t.contains("columns");
  if (v.type == VarType::Code || (v.type == VarType::Multi && !has_columns)) {
    if (!has_codes)
      r.fail(t, key + ".codes", Text{"この変数には codes (選択肢の表) が必要です", "this variable needs a codes table"}, v.name,
             Text{"codes = [ { code = 1, label = \"…\" }, … ]", "codes = [ { code = 1, label = \"...\" }, ... ]"});
  }
  if (v.type == VarType::Multi) {
    if (has_columns == !v.delimiter.empty())
      r.fail(t, key, Text{"複数回答は columns (選択肢ごとの0/1列) か delimiter + codes のどちらか一方で定義します",
                          "a multi variable has either columns (one 0/1 column per option) or delimiter + codes"},
             v.name, Text{"columns = [ { name = \"問21_1\", code = 1, … } ] または delimiter = \";\"", "columns = [...] or delimiter = \";\""});
  } else if (has_columns) {
    r.fail(*t.get("columns"), key + ".columns", Text{"columns は複数回答 (type = \"multi\") 専用です", "columns is only for type = \"multi\""}, "", Text{});
  }
  if (has_codes && v.type != VarType::Code && v.type != VarType::Multi)
    r.fail(*t.get("codes"), key + ".codes", Text{"codes は code / multi 型の変数専用です", "codes is only for code and multi variables"}, "", Text{});

  auto read_list = [&](const char* field, bool column_form) {
    const auto* node = t.get(field);
    const auto* arr = node->as_array();
    if (!arr) r.fail(*node, key + "." + field, Text{"配列が必要です", "an array is required"}, "", Text{});
    for (std::size_t i = 0; i < arr->size(); ++i) {
      const std::string ckey = key + '.' + field + '[' + std::to_string(i + 1) + ']';
      const auto* ct = (*arr)[i].as_table();
      if (!ct) r.fail((*arr)[i], ckey, Text{"{ code = …, label = … } の形の表が必要です", "an inline table { code = ..., label = ... } is required"}, "", Text{});
      v.codes.push_back(read_code(r, *ct, ckey, v.role, column_form, v.derive));
    }
  };
  if (has_codes && (v.type == VarType::Code || v.type == VarType::Multi)) read_list("codes", false);
  if (has_columns && v.type == VarType::Multi) read_list("columns", true);

  // Uniqueness of codes, keys and columns; missing codes must not be answer codes.
  std::set<std::int64_t> seen_codes;
  std::set<std::string> seen_keys;
  for (std::size_t i = 0; i < v.codes.size(); ++i) {
    const auto& c = v.codes[i];
    if (!seen_codes.insert(c.code).second)
      r.fail(t, fmt::format("{}.codes[{}]", key, i + 1), Text{"コードが重複しています", "duplicate code"}, std::to_string(c.code), Text{});
    if (!c.key.empty() && !seen_keys.insert(c.key).second)
      r.fail(t, fmt::format("{}.codes[{}]", key, i + 1), Text{"key が重複しています", "duplicate key"}, c.key, Text{});
    if (v.is_missing_code(c.code))
      r.fail(t, fmt::format("{}.codes[{}]", key, i + 1), Text{"回答コードと欠損コードが重複しています", "a code is both an answer and a missing code"},
             std::to_string(c.code), Text{});
  }
  if (v.type == VarType::Multi && v.codes.size() > 63)
    r.fail(t, key, Text{"複数回答の選択肢は63個までです", "a multi variable has at most 63 options"}, std::to_string(v.codes.size()), Text{});
  return v;
}


// A derived variable against the variables before it: its sources exist and have the right types, and its
// codes cover the source (merge: every answer code of the source exactly once; bands: no overlap).
void check_derivation(TomlReader& r, const toml::table& t, const std::string& key, const Variable& v, const Codebook& cb) {
  const Derivation& d = *v.derive;
  const std::string dkey = key + ".derive";
  auto source = [&](const std::string& name, std::initializer_list<VarType> types, const char* field) -> const Variable& {
    const Variable* s = cb.by_name(name);
    if (!s)
      r.fail(t, dkey + "." + field,
             Text{fmt::format("派生の元の変数「{}」がこの変数より前に定義されていません", name),
                  fmt::format("the source variable \"{}\" is not declared before this variable", name)},
             name, Text{"この [[variable]] より前にある変数の name", "the name of a [[variable]] declared before this one"});
    bool ok = false;
    std::string names;
    for (VarType ty : types) {
      ok = ok || s->type == ty;
      names += (names.empty() ? "" : ", ") + std::string(type_name(ty));
    }
    if (!ok)
      r.fail(t, dkey + "." + field,
             Text{fmt::format("{} の元の変数「{}」は {} 型です", derive_method_name(d.method), name, type_name(s->type)),
                  fmt::format("the source \"{}\" of {} is of type {}", name, derive_method_name(d.method), type_name(s->type))},
             name, Text{names, names});
    return *s;
  };
  const VarType want = d.method == DeriveMethod::YearsMonths ? VarType::Integer : VarType::Code;
  if (v.type != want)
    r.fail(t, key + ".type",
           Text{fmt::format("{} で作る派生変数の型は {} です", derive_method_name(d.method), type_name(want)),
                fmt::format("a variable derived by {} has type {}", derive_method_name(d.method), type_name(want))},
           type_name(v.type), Text{type_name(want), type_name(want)});
  switch (d.method) {
  case DeriveMethod::Merge: {
    const Variable& s = source(d.from, {VarType::Code}, "from");
    std::set<std::int64_t> mapped;
    for (std::size_t i = 0; i < v.codes.size(); ++i)
      for (std::int64_t c : v.codes[i].from) {
        const std::string ckey = fmt::format("{}.codes[{}].from", key, i + 1);
        if (!s.find_code(c))
          r.fail(t, ckey, Text{fmt::format("「{}」にないコードです", s.name), fmt::format("not a code of \"{}\"", s.name)}, std::to_string(c), Text{});
        if (!mapped.insert(c).second)
          r.fail(t, ckey, Text{"元のコードが二つの派生コードに割り当てられています", "a source code is merged into two derived codes"}, std::to_string(c), Text{});
      }
    for (const auto& c : s.codes)
      if (!mapped.count(c.code))
        r.fail(t, key + ".codes",
               Text{fmt::format("「{}」のコード {}（{}）がどの派生コードの from にもありません（黙って無回答にはしません）", s.name, c.code, c.label),
                    fmt::format("code {} ({}) of \"{}\" is in no derived code's from (it would silently become missing)", c.code, c.label, s.name)},
               std::to_string(c.code), Text{"すべての回答コードをいずれかの from に入れる", "put every answer code in some from"});
    break;
  }
  case DeriveMethod::Bands: {
    source(d.from, {VarType::Integer}, "from");
    for (std::size_t i = 0; i < v.codes.size(); ++i)
      for (std::size_t j = 0; j < i; ++j) {
        const auto& a = v.codes[i];
        const auto& b = v.codes[j];
        const std::int64_t alo = a.band_min.value_or(INT64_MIN), ahi = a.band_max.value_or(INT64_MAX);
        const std::int64_t blo = b.band_min.value_or(INT64_MIN), bhi = b.band_max.value_or(INT64_MAX);
        if (alo <= bhi && blo <= ahi)
          r.fail(t, fmt::format("{}.codes[{}]", key, i + 1),
                 Text{fmt::format("区分がコード {} の区分と重なっています", b.code), fmt::format("the band overlaps the band of code {}", b.code)},
                 std::to_string(a.code), Text{"重ならない min / max", "bands that do not overlap"});
      }
    break;
  }
  case DeriveMethod::YearsMonths:
    source(d.years, {VarType::Integer}, "years");
    source(d.months, {VarType::Integer}, "months");
    break;
  case DeriveMethod::AnyOf: {
    const Variable& s = source(d.from, {VarType::Multi}, "from");
    for (std::size_t i = 0; i < d.options.size(); ++i)
      if (s.code_index(d.options[i]) < 0)
        r.fail(t, fmt::format("{}.options[{}]", dkey, i + 1), Text{fmt::format("「{}」にない選択肢です", s.name), fmt::format("not an option of \"{}\"", s.name)},
               std::to_string(d.options[i]), Text{});
    if (v.codes.size() != 2)
      r.fail(t, key + ".codes",
             Text{"any_of の派生変数のコードは2つです（1つ目: いずれかを選んだ、2つ目: どれも選ばなかった）",
                  "an any_of variable has two codes (first: any chosen; second: none chosen)"},
             std::to_string(v.codes.size()),
             Text{"codes = [ { code = 1, label = \"いずれかあり\" }, { code = 2, label = \"なし\" } ]",
                  "codes = [ { code = 1, label = \"any\" }, { code = 2, label = \"none\" } ]"});
    break;
  }
  }
}

AnswerCheck read_check(TomlReader& r, const toml::table& t, const std::string& key, const Codebook& cb) {
  AnswerCheck c;
  c.line = t.source().begin.line;
  const std::string kind = r.require_string(t, "kind", key);
  if (kind == "max_choices") c.kind = CheckKind::MaxChoices;
  else if (kind == "exclusive") c.kind = CheckKind::Exclusive;
  else if (kind == "skip") c.kind = CheckKind::Skip;
  else
    r.fail(*t.get("kind"), key + ".kind", Text{"未知の回答チェックです", "unknown answer check"}, kind,
           Text{"max_choices（いくつまで）, exclusive（排他的な選択肢）, skip（非該当の質問）", "max_choices, exclusive, skip"});
  switch (c.kind) {
  case CheckKind::MaxChoices: r.check_keys(t, key, {"kind", "variable", "max", "action"}); break;
  case CheckKind::Exclusive: r.check_keys(t, key, {"kind", "variable", "options", "action"}); break;
  case CheckKind::Skip: r.check_keys(t, key, {"kind", "variable", "asked_if", "action"}); break;
  }
  c.variable = r.require_string(t, "variable", key);
  const Variable* v = cb.by_name(c.variable);
  if (!v)
    r.fail(*t.get("variable"), key + ".variable", Text{"コードブックにない変数です", "no such variable in the codebook"}, c.variable,
           Text{"[[variable]] の name", "the name of a [[variable]]"});
  if (c.kind != CheckKind::Skip && v->type != VarType::Multi)
    r.fail(*t.get("variable"), key + ".variable",
           Text{fmt::format("{} は複数回答（type = \"multi\"）の変数に使います", kind), fmt::format("{} applies to a multiple-answer (multi) variable", kind)},
           c.variable, Text{"type = \"multi\" の変数", "a variable of type \"multi\""});
  if (c.kind == CheckKind::Skip && (v->type == VarType::Id || v->type == VarType::Text || v->derive))
    r.fail(*t.get("variable"), key + ".variable",
           Text{"skip は回答の列（ID・自由記述・派生変数以外）に使います", "skip applies to an answer column (not an id, free text or derived variable)"}, c.variable,
           Text{"code, integer, number, multi の変数", "a code, integer, number or multi variable"});
  if (auto action = r.opt_string(t, "action", key)) {
    if (*action == "reject") c.action = CheckAction::Reject;
    else if (*action == "blank") c.action = CheckAction::Blank;
    else if (*action == "count") c.action = CheckAction::Count;
    else
      r.fail(*t.get("action"), key + ".action", Text{"未知の処理です", "unknown action"}, *action,
             Text{"reject（行を除く）, blank（その回答を無回答にする）, count（数えるだけ）", "reject, blank, count"});
  }
  switch (c.kind) {
  case CheckKind::MaxChoices:
    c.max = static_cast<int>(r.require_int_in(t, "max", key, 1, static_cast<std::int64_t>(v->codes.size()) > 1 ? static_cast<std::int64_t>(v->codes.size()) - 1 : 1));
    break;
  case CheckKind::Exclusive:
    c.options = read_int_array(r, t, "options", key);
    if (c.options.empty())
      r.fail(t, key + ".options", Text{"exclusive には options（排他的な選択肢のコード）が必要です", "exclusive needs options (the exclusive option codes)"}, "",
             Text{"options = [6]", "options = [6]"});
    for (std::size_t i = 0; i < c.options.size(); ++i)
      if (v->code_index(c.options[i]) < 0)
        r.fail(t, fmt::format("{}.options[{}]", key, i + 1), Text{fmt::format("「{}」にない選択肢です", v->name), fmt::format("not an option of \"{}\"", v->name)},
               std::to_string(c.options[i]), Text{});
    break;
  case CheckKind::Skip: {
    const auto* n = t.get("asked_if");
    const auto* at = n ? n->as_table() : nullptr;
    if (!at)
      r.fail(n ? *n : static_cast<const toml::node&>(t), key + ".asked_if",
             Text{"skip には asked_if（この質問に進む条件）が必要です", "skip needs asked_if (who is asked the question)"}, "",
             Text{"asked_if = { variable = \"問3\", codes = [1, 2] }", "asked_if = { variable = \"Q3\", codes = [1, 2] }"});
    r.check_keys(*at, key + ".asked_if", {"variable", "codes"});
    c.if_variable = r.require_string(*at, "variable", key + ".asked_if");
    const Variable* f = cb.by_name(c.if_variable);
    if (!f || f->type != VarType::Code || f->derive)
      r.fail(*at, key + ".asked_if.variable", Text{"条件の変数はコード型（type = \"code\"）の変数です", "the condition variable must be a code variable"},
             c.if_variable, Text{"コードブックの type = \"code\" の変数", "a code variable of the codebook"});
    c.if_codes = read_int_array(r, *at, "codes", key + ".asked_if");
    if (c.if_codes.empty())
      r.fail(*at, key + ".asked_if.codes", Text{"codes（この質問に進む回答のコード）が必要です", "codes (the answers that lead to the question) are required"}, "",
             Text{"codes = [1, 2]", "codes = [1, 2]"});
    for (std::size_t i = 0; i < c.if_codes.size(); ++i)
      if (!f->find_code(c.if_codes[i]))
        r.fail(*at, fmt::format("{}.asked_if.codes[{}]", key, i + 1), Text{fmt::format("「{}」にないコードです", f->name), fmt::format("not a code of \"{}\"", f->name)},
               std::to_string(c.if_codes[i]), Text{});
    break;
  }
  }
  return c;
}

// [replicates] (R svrepdesign() arguments); `reps` are the role-replicate variables in codebook order.
ReplicateSpec read_replicates(TomlReader& r, const toml::node& node, const Codebook& cb, const toml::array& vars) {
  const std::vector<const Variable*> reps = cb.all_by_role(Role::Replicate);
  const std::string key = "replicates";
  const auto* t = node.as_table();
  if (!t) r.fail(node, key, Text{"[replicates] は表です", "[replicates] must be a table"}, "", Text{});
  r.check_keys(*t, key, {"type", "scale", "rscales", "mse", "rho", "combined_weights"});
  ReplicateSpec spec;
  spec.line = t->source().begin.line;
  const std::string type = r.require_string(*t, "type", key);
  std::string lower;
  for (char c : type) lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  static const char* const kTypes[] = {"bootstrap", "jk1", "jkn", "brr", "fay", "other"};
  for (const char* k : kTypes)
    if (lower == k) spec.type = k;
  if (spec.type.empty())
    r.fail(*t->get("type"), key + ".type", Text{"未知の反復重みの型です", "unknown replicate type"}, type,
           Text{"bootstrap, jk1, jkn, brr, fay, other のいずれか（R の svrepdesign(type = )）",
                "one of bootstrap, jk1, jkn, brr, fay, other (R svrepdesign(type = ))"});
  if (reps.size() < 2)
    r.fail(*t, key, Text{"[replicates] には role = \"replicate\" の変数が2つ以上必要です", "[replicates] needs at least two variables with role = \"replicate\""},
           std::to_string(reps.size()), Text{"[[variable]] name = \"rep1\" role = \"replicate\" type = \"number\" …", "[[variable]] name = \"rep1\" role = \"replicate\" type = \"number\" ..."});
  const bool fixed = spec.type == "brr" || spec.type == "fay";
  spec.mse = r.opt_bool(*t, "mse", key).value_or(false);
  spec.combined_weights = r.opt_bool(*t, "combined_weights", key).value_or(true);
  if (const auto* n = t->get("scale")) {
    spec.scale = r.opt_number(*t, "scale", key);
    if (fixed)
      r.fail(*n, key + ".scale", Text{"brr と fay の scale は反復の数から決まります（指定できません）", "brr and fay fix the scale from the number of replicates (it cannot be given)"},
             fmt::format("{}", *spec.scale), Text{"scale を削除する", "remove scale"});
    if (!std::isfinite(*spec.scale) || !(*spec.scale > 0))
      r.fail(*n, key + ".scale", Text{"scale は正の有限の数です", "scale must be a finite number > 0"}, fmt::format("{}", *spec.scale),
             Text{"例: scale = 0.025", "e.g. scale = 0.025"});
  }
  if (const auto* n = t->get("rscales")) {
    const auto* arr = n->as_array();
    if (!arr) r.fail(*n, key + ".rscales", Text{"rscales は数の配列です", "rscales must be an array of numbers"}, "", Text{"rscales = [0.75, 0.75, …]", "rscales = [0.75, 0.75, ...]"});
    if (fixed)
      r.fail(*n, key + ".rscales", Text{"brr と fay の rscales は 1 に決まっています（指定できません）", "brr and fay fix rscales at 1 (they cannot be given)"}, "",
             Text{"rscales を削除する", "remove rscales"});
    for (std::size_t i = 0; i < arr->size(); ++i) {
      const auto& e = (*arr)[i];
      const std::string ekey = fmt::format("{}.rscales[{}]", key, i + 1);
      std::optional<double> v;
      if (const auto* iv = e.as_integer()) v = static_cast<double>(iv->get());
      if (const auto* fv = e.as_floating_point()) v = fv->get();
      if (!v) r.fail(e, ekey, Text{"数値が必要です", "a number is required"}, "", Text{});
      if (!std::isfinite(*v) || *v < 0) r.fail(e, ekey, Text{"rscales は 0 以上の有限の数です", "rscales must be finite numbers >= 0"}, fmt::format("{}", *v), Text{});
      spec.rscales.push_back(*v);
    }
    if (spec.rscales.size() != 1 && spec.rscales.size() != reps.size())
      r.fail(*n, key + ".rscales",
             Text{fmt::format("rscales の数 {} が反復重みの列の数 {} と一致しません", spec.rscales.size(), reps.size()),
                  fmt::format("rscales has {} values for {} replicate columns", spec.rscales.size(), reps.size())},
             std::to_string(spec.rscales.size()),
             Text{fmt::format("{} 個（role = \"replicate\" の変数ごと、コードブックの順）または1個", reps.size()),
                  fmt::format("{} values (one per role-replicate variable, in codebook order) or one", reps.size())});
  }
  std::size_t with_rscale = 0;
  for (const auto* v : reps) with_rscale += v->rscale.has_value();
  if (with_rscale > 0) {
    const Variable* first_missing = nullptr;
    for (const auto* v : reps)
      if (!v->rscale && !first_missing) first_missing = v;
    if (t->contains("rscales"))
      r.fail(*t->get("rscales"), key + ".rscales", Text{"rscales は [replicates] か各変数の rscale のどちらか一方で指定します", "give rscales either in [replicates] or as each variable's rscale, not both"},
             "", Text{});
    if (fixed)
      r.fail(*t, key + ".type", Text{"brr と fay の rscales は 1 に決まっています（変数の rscale は指定できません）", "brr and fay fix rscales at 1 (variables cannot have rscale)"}, spec.type, Text{});
    if (first_missing)
      r.fail(vars[static_cast<std::size_t>(cb.index_of(first_missing))], fmt::format("variable[{}].rscale", cb.index_of(first_missing) + 1),
             Text{fmt::format("変数 {} に rscale がありません（rscale はすべての反復重みの変数に必要です）", first_missing->name),
                  fmt::format("variable {} has no rscale (give rscale on every replicate variable or on none)", first_missing->name)},
             first_missing->name, Text{"rscale = 0.75", "rscale = 0.75"});
    for (const auto* v : reps) spec.rscales.push_back(*v->rscale);
  }
  if (const auto* n = t->get("rho")) {
    spec.rho = r.opt_number(*t, "rho", key);
    if (spec.type != "fay")
      r.fail(*n, key + ".rho", Text{"rho は type = \"fay\" でのみ指定できます", "rho applies to type = \"fay\" only"}, fmt::format("{}", *spec.rho),
             Text{"type = \"fay\"", "type = \"fay\""});
    if (!(*spec.rho > 0 && *spec.rho < 1))
      r.fail(*n, key + ".rho", Text{"rho は 0 < rho < 1 です", "rho must be 0 < rho < 1"}, fmt::format("{}", *spec.rho), Text{"例: rho = 0.5", "e.g. rho = 0.5"});
  } else if (spec.type == "fay") {
    r.fail(*t, key + ".rho", Text{"type = \"fay\" には rho（Fay の係数）が必要です", "type = \"fay\" needs rho (Fay's coefficient)"}, "",
           Text{"例: rho = 0.5", "e.g. rho = 0.5"});
  }
  if (spec.type == "jkn" && spec.combined_weights && spec.rscales.empty())
    r.fail(*t, key + ".rscales",
           Text{"type = \"jkn\" の重み（combined_weights = true）には rscales（削除した PSU の層の (n_h−1)/n_h）が必要です",
                "type = \"jkn\" with combined_weights = true needs rscales ((n_h - 1)/n_h of the stratum each replicate deletes)"},
           "", Text{"rscales = [...] または各変数の rscale", "rscales = [...] or rscale on each replicate variable"});
  return spec;
}

} // namespace

const char* role_name(Role role) {
  for (const auto& ri : kRoles)
    if (ri.role == role) return ri.name;
  return "none";
}

std::optional<Role> parse_role(std::string_view name) {
  for (const auto& ri : kRoles)
    if (name == ri.name) return ri.role;
  return std::nullopt;
}

std::vector<std::string> role_names() {
  std::vector<std::string> out;
  for (const auto& ri : kRoles) out.emplace_back(ri.name);
  return out;
}

const char* type_name(VarType type) {
  switch (type) {
  case VarType::Id: return "id";
  case VarType::Integer: return "integer";
  case VarType::Number: return "number";
  case VarType::Code: return "code";
  case VarType::Multi: return "multi";
  case VarType::Text: return "text";
  }
  return "text";
}

bool Variable::is_missing_code(std::int64_t code) const {
  return std::find(missing.begin(), missing.end(), code) != missing.end();
}

const CodeDef* Variable::find_code(std::int64_t code) const {
  for (const auto& c : codes)
    if (c.code == code) return &c;
  return nullptr;
}

const CodeDef* Variable::find_key(std::string_view key) const {
  for (const auto& c : codes)
    if (c.key == key) return &c;
  return nullptr;
}

int Variable::code_index(std::int64_t code) const {
  for (std::size_t i = 0; i < codes.size(); ++i)
    if (codes[i].code == code) return static_cast<int>(i);
  return -1;
}

std::vector<std::string> Variable::csv_columns() const {
  if (derive) return {};
  if (multi_as_columns()) {
    std::vector<std::string> out;
    for (const auto& c : codes) out.push_back(c.column);
    return out;
  }
  return {name};
}

const char* derive_method_name(DeriveMethod m) {
  switch (m) {
  case DeriveMethod::Merge: return "merge";
  case DeriveMethod::Bands: return "bands";
  case DeriveMethod::YearsMonths: return "years_months";
  case DeriveMethod::AnyOf: return "any_of";
  }
  return "";
}

namespace {
std::string band_text(const CodeDef& c, bool en) {
  if (c.band_min && c.band_max) return *c.band_min == *c.band_max ? std::to_string(*c.band_min) : fmt::format("{}～{}", *c.band_min, *c.band_max);
  if (c.band_min) return en ? fmt::format("{} or more", *c.band_min) : fmt::format("{}以上", *c.band_min);
  return en ? fmt::format("{} or less", *c.band_max) : fmt::format("{}以下", *c.band_max);
}
} // namespace

std::vector<Text> derived_variable_notes(const Codebook& cb) {
  std::vector<Text> out;
  for (const auto& v : cb.variables) {
    if (!v.derive) continue;
    const Derivation& d = *v.derive;
    std::vector<std::string> ja, en;
    switch (d.method) {
    case DeriveMethod::Merge:
      for (const auto& c : v.codes) {
        const std::string from = fmt::format("{}", fmt::join(c.from, ", "));
        ja.push_back(fmt::format("{} {} = {} の {}", c.code, c.label, d.from, from));
        en.push_back(fmt::format("{} {} = {} {}", c.code, c.label, d.from, from));
      }
      break;
    case DeriveMethod::Bands:
      for (const auto& c : v.codes) {
        ja.push_back(fmt::format("{} {} = {} が {}", c.code, c.label, d.from, band_text(c, false)));
        en.push_back(fmt::format("{} {} = {} {}", c.code, c.label, d.from, band_text(c, true)));
      }
      break;
    case DeriveMethod::YearsMonths:
      ja.push_back(fmt::format("{} + {} ÷ 12（年、端数切り捨て。片方だけ無回答なら0とみなし、両方無回答なら無回答）", d.years, d.months));
      en.push_back(fmt::format("{} + {} / 12 (years, rounded down; one of them missing counts as 0, both missing is missing)", d.years, d.months));
      break;
    case DeriveMethod::AnyOf: {
      const std::string opts = fmt::format("{}", fmt::join(d.options, ", "));
      ja.push_back(fmt::format("{} {} = {} で {} のいずれかを選択", v.codes[0].code, v.codes[0].label, d.from, opts));
      ja.push_back(fmt::format("{} {} = どれも選択せず（{} が無回答なら無回答）", v.codes[1].code, v.codes[1].label, d.from));
      en.push_back(fmt::format("{} {} = any of {} chosen in {}", v.codes[0].code, v.codes[0].label, opts, d.from));
      en.push_back(fmt::format("{} {} = none of them ({} missing: missing)", v.codes[1].code, v.codes[1].label, d.from));
      break;
    }
    }
    out.push_back(Text{fmt::format("派生変数「{}」（{}）: {}。", v.name, derive_method_name(d.method), fmt::format("{}", fmt::join(ja, "; "))),
                       fmt::format("Derived variable \"{}\" ({}): {}.", v.name, derive_method_name(d.method), fmt::format("{}", fmt::join(en, "; ")))});
  }
  return out;
}

const char* check_kind_name(CheckKind k) {
  switch (k) {
  case CheckKind::MaxChoices: return "max_choices";
  case CheckKind::Exclusive: return "exclusive";
  case CheckKind::Skip: return "skip";
  }
  return "";
}

const char* check_action_name(CheckAction a) {
  switch (a) {
  case CheckAction::Reject: return "reject";
  case CheckAction::Blank: return "blank";
  case CheckAction::Count: return "count";
  }
  return "";
}

Text describe_check(const AnswerCheck& c) {
  Text what;
  switch (c.kind) {
  case CheckKind::MaxChoices:
    what = Text{fmt::format("{} は{}つまで", c.variable, c.max), fmt::format("{}: at most {} choices", c.variable, c.max)};
    break;
  case CheckKind::Exclusive:
    what = Text{fmt::format("{} の選択肢 {} は他と一緒に選べない", c.variable, fmt::join(c.options, ", ")),
                fmt::format("{}: option {} excludes the others", c.variable, fmt::join(c.options, ", "))};
    break;
  case CheckKind::Skip:
    what = Text{fmt::format("{} は {} が {} の人だけに聞く", c.variable, c.if_variable, fmt::join(c.if_codes, ", ")),
                fmt::format("{} is asked only if {} is {}", c.variable, c.if_variable, fmt::join(c.if_codes, ", "))};
    break;
  }
  switch (c.action) {
  case CheckAction::Reject: return Text{what.ja + "（違反した行は除く）", what.en + " (rows breaking it are rejected)"};
  case CheckAction::Blank: return Text{what.ja + "（違反した回答は無回答にする）", what.en + " (an answer breaking it becomes missing)"};
  case CheckAction::Count: return Text{what.ja + "（違反は数えるだけで、回答はそのまま集計）", what.en + " (breaches are counted; the answer is kept)"};
  }
  return what;
}

const char* survey_kind_name(SurveyKind k) {
  switch (k) {
  case SurveyKind::Population: return "population";
  case SurveyKind::Agency: return "agency";
  case SurveyKind::Intake: return "intake";
  }
  return "";
}

std::vector<const Variable*> Codebook::all_by_role(Role role) const {
  std::vector<const Variable*> out;
  for (const auto& v : variables)
    if (v.role == role) out.push_back(&v);
  return out;
}

const Variable* Codebook::by_role(Role role) const {
  for (const auto& v : variables)
    if (v.role == role) return &v;
  return nullptr;
}

const Variable* Codebook::by_name(std::string_view name) const {
  for (const auto& v : variables)
    if (v.name == name) return &v;
  return nullptr;
}

int Codebook::index_of(const Variable* v) const {
  for (std::size_t i = 0; i < variables.size(); ++i)
    if (&variables[i] == v) return static_cast<int>(i);
  return -1;
}

Text forms_note(const Codebook& cb, std::size_t outside) {
  if (cb.forms.empty()) return Text{};
  std::string ja, en;
  for (const Form& f : cb.forms) {
    std::vector<std::string> r;
    for (const AgeRange& a : f.report) r.push_back(fmt::format("{}～{}歳", a.min, a.max));
    std::vector<std::string> re;
    for (const AgeRange& a : f.report) re.push_back(fmt::format("{}-{}", a.min, a.max));
    ja += fmt::format("{}「{}」（{}～{}歳）は {}", ja.empty() ? "" : "、", f.name, f.age_min, f.age_max, fmt::join(r, "・"));
    en += fmt::format("{}\"{}\" (ages {}-{}) in {}", en.empty() ? "" : "; ", f.name, f.age_min, f.age_max, fmt::join(re, ", "));
  }
  Text note{fmt::format("調査票ごとの集計範囲: {}。回答者は自分の調査票の範囲にだけ数えます。", ja),
            fmt::format("Reporting ranges per questionnaire: {}. A respondent counts only in a range of his or her own questionnaire.", en)};
  if (outside) {
    note.ja += fmt::format("どの範囲にも入らない {}人（年齢・調査票が無回答の人を含む）は「全体」にも含めていません。", outside);
    note.en += fmt::format(" The {} outside every range (or without an age or questionnaire) are not in \"all\" either.", outside);
  }
  return note;
}

const Form* Codebook::form(std::int64_t code) const {
  for (const auto& f : forms)
    if (f.code == code) return &f;
  return nullptr;
}


namespace {

// [roster]: household members (docs/codebook.md "Household roster"). Wide rosters add their columns to
// cb.variables as ordinary variables without a role (名前 = pattern with {n}, {name}).
Roster read_roster(TomlReader& r, const toml::node& node, Codebook& cb, std::set<std::string>& names, std::set<std::string>& columns) {
  const auto* t = node.as_table();
  if (!t) r.fail(node, "roster", Text{"[roster] は表です", "[roster] must be a table"}, "", Text{});
  r.check_keys(*t, "roster", {"label", "members", "pattern", "file", "id", "variable"});
  Roster ro;
  ro.line = node.source().begin.line;
  ro.label = r.opt_string(*t, "label", "roster").value_or("家族内の該当者");
  const bool wide = t->contains("members") || t->contains("pattern");
  const bool longf = t->contains("file") || t->contains("id");
  if (wide == longf)
    r.fail(*t, "roster",
           Text{wide ? "[roster] には members/pattern（横持ち）か file/id（縦持ちの別ファイル）のどちらか一方を書きます"
                     : "[roster] に members と pattern（横持ち）、または file と id（縦持ちの別ファイル）がありません",
                wide ? "[roster] takes either members/pattern (columns in the respondents' file) or file/id (a member file), not both"
                     : "[roster] needs members and pattern (columns in the respondents' file) or file and id (a member file)"},
           "", Text{"members = 4, pattern = \"家族{n}_{name}\"  または  file = \"members.csv\", id = \"回答者ID\"",
                    "members = 4, pattern = \"member{n}_{name}\"  or  file = \"members.csv\", id = \"respondent_id\""});
  if (wide) {
    ro.members = static_cast<int>(r.opt_int_in(*t, "members", "roster", 1, 20).value_or(0));
    ro.pattern = r.require_string(*t, "pattern", "roster");
    if (ro.members == 0)
      r.fail(*t, "roster.members", Text{"members（1人分の列の組の数）がありません", "members (the number of member column groups) is missing"}, "",
             Text{"1～20", "1-20"});
    if (ro.pattern.find("{n}") == std::string::npos || ro.pattern.find("{name}") == std::string::npos)
      r.fail(*t->get("pattern"), "roster.pattern",
             Text{"pattern には {n}（何人目か）と {name}（設問名）の両方が必要です", "pattern needs both {n} (member number) and {name} (question name)"},
             ro.pattern, Text{"\"家族{n}_{name}\"", "\"member{n}_{name}\""});
  } else {
    ro.file = r.require_string(*t, "file", "roster");
    ro.id = r.require_string(*t, "id", "roster");
    if (!cb.by_role(Role::Id))
      r.fail(*t->get("id"), "roster.id",
             Text{"別ファイルの家族票を回答者に結び付けるには、回答者の変数に role = \"id\" が必要です",
                  "a member file is linked to respondents by id: the codebook needs a variable with role = \"id\""},
             ro.id, Text{"[[variable]] role = \"id\" type = \"id\"", "[[variable]] role = \"id\" type = \"id\""});
  }
  const auto* vn = t->get("variable");
  const auto* arr = vn ? vn->as_array() : nullptr;
  if (!arr || arr->empty())
    r.fail(vn ? *vn : static_cast<const toml::node&>(*t), "roster.variable",
           Text{"家族1人分の設問 ([[roster.variable]]) がありません", "[roster] defines no member question ([[roster.variable]])"}, "",
           Text{"[[roster.variable]] name = \"外出\" role = \"outing\" type = \"code\" …", "[[roster.variable]] name = \"outing\" role = \"outing\" type = \"code\" ..."});
  std::set<std::string> qnames;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const auto* vt = (*arr)[i].as_table();
    const std::string key = fmt::format("roster.variable[{}]", i + 1);
    if (!vt) r.fail((*arr)[i], key, Text{"[[roster.variable]] は表です", "[[roster.variable]] must be a table"}, "", Text{});
    for (const char* k : {"derive", "rscale"})
      if (vt->contains(k))
        r.fail(*vt->get(k), key + "." + k, Text{fmt::format("家族の設問には {} を指定できません", k), fmt::format("a member question cannot have {}", k)}, "",
               Text{"name, role, type, label, codes, missing, min, max, delimiter", "name, role, type, label, codes, missing, min, max, delimiter"});
    Variable v = read_variable(r, *vt, i, "roster.variable");
    static const Role kAllowed[] = {Role::None,       Role::Age,        Role::Sex,        Role::Outing,         Role::Duration,
                                    Role::Reasons,    Role::MainReason, Role::IllnessType, Role::OtherReasonType, Role::Occupation,
                                    Role::HomeActivities, Role::TalkNonfamily, Role::WorkExperience};
    if (std::find(std::begin(kAllowed), std::end(kAllowed), v.role) == std::end(kAllowed))
      r.fail(*vt->get("role"), key + ".role", Text{"家族の設問には使えない役割です", "this role is not for a member question"}, role_name(v.role),
             Text{"age, sex, outing, duration, reasons, main_reason, illness_type, other_reason_type, occupation, home_activities, talk_nonfamily, work_experience",
                  "age, sex, outing, duration, reasons, main_reason, illness_type, other_reason_type, occupation, home_activities, talk_nonfamily, work_experience"});
    if (v.type == VarType::Id || v.type == VarType::Number || v.type == VarType::Text || v.multi_as_columns())
      r.fail(*vt->get("type"), key + ".type",
             Text{"家族の設問の型は integer, code、または区切り文字つきの multi です", "a member question is integer, code, or multi with a delimiter"},
             type_name(v.type), Text{"integer | code | multi（delimiter = \";\"）", "integer | code | multi (delimiter = \";\")"});
    if (!qnames.insert(v.name).second)
      r.fail(*vt, key + ".name", Text{"家族の設問名が重複しています", "duplicate member question name"}, v.name, Text{});
    for (const Variable& w : ro.variables)
      if (v.role != Role::None && w.role == v.role)
        r.fail(*vt, key + ".role", Text{"同じ役割 (role) の家族の設問が二つあります", "two member questions have the same role"}, role_name(v.role), Text{});
    if (v.role == Role::Age && v.type == VarType::Integer && !v.min && !v.max) { // members may be of any age: 0-150
      v.min = 0;
      v.max = kMaxAge;
    }
    ro.variables.push_back(std::move(v));
  }
  for (Role need : {Role::Outing, Role::Duration}) {
    bool found = false;
    for (const Variable& v : ro.variables) found = found || v.role == need;
    if (!found)
      r.fail(*vn, "roster.variable",
             Text{fmt::format("家族の設問に role = \"{}\" がありません（家族の判定に必要です）", role_name(need)),
                  fmt::format("no member question has role = \"{}\" (needed to classify members)", role_name(need))},
             "", Text{"外出状況（outing）と期間（duration）の設問", "the going-out (outing) and duration questions"});
  }
  if (ro.wide()) {
    for (int n = 1; n <= ro.members; ++n)
      for (std::size_t i = 0; i < ro.variables.size(); ++i) {
        Variable v = ro.variables[i];
        v.name = ro.column(n, ro.variables[i].name);
        v.role = Role::None;
        const auto& vt = *(*arr)[i].as_table();
        if (!names.insert(v.name).second)
          r.fail(vt, fmt::format("roster.variable[{}].name", i + 1),
                 Text{"家族の列名が既存の変数名と重複しています", "a member column has the name of another variable"}, v.name, Text{});
        for (const auto& col : v.csv_columns())
          if (!columns.insert(col).second)
            r.fail(vt, fmt::format("roster.variable[{}]", i + 1),
                   Text{"同じ CSV 列が二つの変数に使われています", "the same CSV column is used by two variables"}, col, Text{});
        cb.variables.push_back(std::move(v));
      }
  }
  return ro;
}

} // namespace

std::string Roster::column(int n, const std::string& question) const {
  std::string out = pattern;
  for (std::size_t p; (p = out.find("{n}")) != std::string::npos;) out.replace(p, 3, std::to_string(n));
  for (std::size_t p; (p = out.find("{name}")) != std::string::npos;) out.replace(p, 6, question);
  return out;
}

namespace {

// "15-39" → {15, 39}; nullopt when malformed or out of 0..kMaxAge or min > max.
std::optional<AgeRange> parse_range(const std::string& text) {
  const auto dash = text.find('-');
  if (dash == std::string::npos || dash == 0 || dash + 1 >= text.size()) return std::nullopt;
  int lo = 0, hi = 0;
  const auto digits = [](const std::string& t, int& out) {
    if (t.empty() || t.size() > 3 || t.find_first_not_of("0123456789") != std::string::npos) return false;
    out = std::stoi(t);
    return true;
  };
  if (!digits(text.substr(0, dash), lo) || !digits(text.substr(dash + 1), hi) || lo > hi || hi > kMaxAge) return std::nullopt;
  return AgeRange{lo, hi};
}

// [[form]] (docs/codebook.md "Several questionnaires"): read after the variables (the role = "form" variable).
std::vector<Form> read_forms(TomlReader& r, const toml::node& node, const Codebook& cb) {
  const auto* arr = node.as_array();
  if (!arr || arr->empty())
    r.fail(node, "form", Text{"[[form]] は表の配列です", "[[form]] must be an array of tables"}, "", Text{});
  const Variable* fv = cb.by_role(Role::Form);
  if (!fv)
    r.fail(node, "form",
           Text{"[[form]]（調査票ごとの年齢）には、どの調査票の回答かを示す変数（role = \"form\"）が必要です",
                "[[form]] (ages per questionnaire) needs the variable telling which questionnaire a row answered (role = \"form\")"},
           "", Text{"[[variable]] name = \"調査票\" role = \"form\" type = \"code\" …", "[[variable]] name = \"form\" role = \"form\" type = \"code\" ..."});
  std::vector<Form> forms;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const std::string key = fmt::format("form[{}]", i + 1);
    const auto* t = (*arr)[i].as_table();
    if (!t) r.fail((*arr)[i], key, Text{"[[form]] は表です", "[[form]] must be a table"}, "", Text{});
    r.check_keys(*t, key, {"code", "name", "age_min", "age_max", "report"});
    Form f;
    f.line = t->source().begin.line;
    f.code = r.require_int(*t, "code", key);
    if (!fv->find_code(f.code))
      r.fail(*t->get("code"), key + ".code",
             Text{fmt::format("調査票の変数「{}」にこのコードがありません", fv->name), fmt::format("the form variable \"{}\" has no such code", fv->name)},
             std::to_string(f.code), Text{fmt::format("「{}」のコード", fv->name), fmt::format("a code of \"{}\"", fv->name)});
    for (const Form& g : forms)
      if (g.code == f.code)
        r.fail(*t->get("code"), key + ".code", Text{"同じ調査票のコードの [[form]] が二つあります", "two [[form]] tables have the same code"},
               std::to_string(f.code), Text{});
    f.name = r.opt_string(*t, "name", key).value_or(fv->find_code(f.code)->label);
    f.age_min = static_cast<int>(r.require_int_in(*t, "age_min", key, cb.age_min, cb.age_max));
    f.age_max = static_cast<int>(r.require_int_in(*t, "age_max", key, cb.age_min, cb.age_max));
    if (f.age_min > f.age_max)
      r.fail(*t, key + ".age_min", Text{"age_min が age_max より大きくなっています", "age_min is greater than age_max"},
             fmt::format("{} > {}", f.age_min, f.age_max), Text{});
    const std::vector<std::string> report = r.opt_string_array(*t, "report", key);
    const auto* rnode = t->get("report");
    if (report.empty())
      r.fail(rnode ? *rnode : *t, key + ".report",
             Text{"集計する年齢の範囲（report）が必要です（例: report = [\"40-64\"]）", "the reporting age ranges (report) are required (e.g. report = [\"40-64\"])"},
             "", Text{"report = [\"15-39\"]", "report = [\"15-39\"]"});
    for (std::size_t k = 0; k < report.size(); ++k) {
      const toml::node& at = *rnode->as_array()->get(k);
      const std::string rkey = fmt::format("{}.report[{}]", key, k + 1);
      const auto range = parse_range(report[k]);
      if (!range)
        r.fail(at, rkey, Text{"年齢の範囲の形式が不正です", "invalid age range"}, report[k],
               Text{"「40-64」のように 最小-最大 (歳)", "min-max in years, e.g. 40-64"});
      if (range->min < f.age_min || range->max > f.age_max)
        r.fail(at, rkey,
               Text{fmt::format("集計する年齢の範囲がこの調査票の年齢 {}～{}歳の外にはみ出しています", f.age_min, f.age_max),
                    fmt::format("the reporting range reaches outside this questionnaire's ages {}-{}", f.age_min, f.age_max)},
               report[k], Text{fmt::format("{}～{}歳の中の範囲", f.age_min, f.age_max), fmt::format("a range within {}-{}", f.age_min, f.age_max)});
      const auto overlaps = [&](const AgeRange& o) { return range->min <= o.max && o.min <= range->max; };
      for (const Form& g : forms)
        for (const AgeRange& o : g.report)
          if (overlaps(o))
            r.fail(at, rkey,
                   Text{fmt::format("集計する年齢の範囲が調査票「{}」の {}-{} と重なっています", g.name, o.min, o.max),
                        fmt::format("the reporting range overlaps {}-{} of the questionnaire \"{}\"", o.min, o.max, g.name)},
                   report[k], Text{"重ならない範囲（一人の回答者は一つの範囲にだけ数えます）", "ranges that do not overlap (a respondent counts in one range only)"});
      for (const AgeRange& o : f.report)
        if (overlaps(o))
          r.fail(at, rkey, Text{fmt::format("集計する年齢の範囲が {}-{} と重なっています", o.min, o.max), fmt::format("the reporting range overlaps {}-{}", o.min, o.max)},
                 report[k], Text{"重ならない範囲", "ranges that do not overlap"});
      f.report.push_back(*range);
    }
    forms.push_back(std::move(f));
  }
  for (const CodeDef& c : fv->codes) {
    bool found = false;
    for (const Form& f : forms) found = found || f.code == c.code;
    if (!found)
      r.fail(node, "form",
             Text{fmt::format("調査票の変数「{}」のコード {}（{}）に [[form]] がありません", fv->name, c.code, c.label),
                  fmt::format("the form variable \"{}\" has code {} ({}) without a [[form]]", fv->name, c.code, c.label)},
             std::to_string(c.code), Text{"コードごとに一つの [[form]]（欠測のコードは missing に）", "one [[form]] per code (missing codes in missing)"});
  }
  return forms;
}

} // namespace

Codebook parse_codebook(std::string_view text, const std::string& source_name) {
  TomlReader r(source_name, ErrorCode::CodebookSyntax, ErrorCode::CodebookInvalid);
  toml::table root = r.parse(text);
  r.check_keys(root, "", {"codebook", "variable", "check", "replicates", "data_file", "roster", "form"});
  Codebook cb;
  cb.path = source_name;
  if (const auto* head = root.get("codebook")) {
    const auto* ht = head->as_table();
    if (!ht) r.fail(*head, "codebook", Text{"[codebook] は表です", "[codebook] must be a table"}, "", Text{});
    r.check_keys(*ht, "codebook", {"title", "questionnaire", "kind", "age_min", "age_max"});
    cb.title = r.opt_string(*ht, "title", "codebook").value_or("");
    cb.questionnaire = r.opt_string(*ht, "questionnaire", "codebook").value_or("");
    if (auto kind = r.opt_string(*ht, "kind", "codebook")) {
      if (*kind == "population") cb.kind = SurveyKind::Population;
      else if (*kind == "agency") cb.kind = SurveyKind::Agency;
      else if (*kind == "intake") cb.kind = SurveyKind::Intake;
      else
        r.fail(*ht->get("kind"), "codebook.kind", Text{"未知の調査の種類です", "unknown survey kind"}, *kind,
               Text{"population（住民調査）| agency（関係機関調査）| intake（相談受付票）", "population | agency | intake"});
    }
    cb.age_min = static_cast<int>(r.opt_int_in(*ht, "age_min", "codebook", 0, kMaxAge).value_or(0));
    cb.age_max = static_cast<int>(r.opt_int_in(*ht, "age_max", "codebook", 0, kMaxAge).value_or(kMaxAge));
    if (cb.age_min > cb.age_max)
      r.fail(*ht, "codebook.age_min", Text{"age_min が age_max より大きくなっています", "age_min is greater than age_max"},
             fmt::format("{} > {}", cb.age_min, cb.age_max), Text{});
  }
  const auto* vars_node = root.get("variable");
  if (!vars_node || !vars_node->as_array() || vars_node->as_array()->empty())
    r.fail(root, "variable", Text{"変数の定義 ([[variable]]) がありません", "the codebook defines no [[variable]]"}, "",
           Text{"[[variable]] name = \"問17\" role = \"outing\" type = \"code\" …", "[[variable]] name = \"Q17\" role = \"outing\" type = \"code\" ..."});
  const auto& arr = *vars_node->as_array();
  std::set<std::string> names;
  std::set<std::string> columns;
  for (std::size_t i = 0; i < arr.size(); ++i) {
    const auto* vt = arr[i].as_table();
    if (!vt) r.fail(arr[i], fmt::format("variable[{}]", i + 1), Text{"[[variable]] は表です", "[[variable]] must be a table"}, "", Text{});
    Variable v = read_variable(r, *vt, i);
    const std::string key = fmt::format("variable[{}]", i + 1);
    if (!names.insert(v.name).second)
      r.fail(*vt, key + ".name", Text{"変数名が重複しています", "duplicate variable name"}, v.name, Text{});
    for (const auto& col : v.csv_columns())
      if (!columns.insert(col).second)
        r.fail(*vt, key, Text{"同じ CSV 列が二つの変数に使われています", "the same CSV column is used by two variables"}, col, Text{});
    if (v.role != Role::None && v.role != Role::Replicate && cb.by_role(v.role))
      r.fail(*vt, key + ".role", Text{"同じ役割 (role) の変数が二つあります", "two variables have the same role"}, role_name(v.role), Text{});
    if (v.derive) check_derivation(r, *vt, key, v, cb);
    for (const auto& k : v.not_asked)
      if (v.find_key(k) || (v.type != VarType::Code && v.type != VarType::Multi))
        r.fail(*vt, key + ".not_asked",
               Text{v.find_key(k) ? "not_asked のキーがこの変数の選択肢にあります（設問にある選択肢は not_asked にしません）"
                                  : "not_asked は単数回答（code）・複数回答（multi）の変数に使います",
                    v.find_key(k) ? "a not_asked key is an option of this variable (an option on the form is not 'not asked')"
                                  : "not_asked is for code and multi variables"},
               k, Text{"調査票にない選択肢のキー（例: pregnancy）", "keys of options the questionnaire lacks (e.g. pregnancy)"});
    cb.variables.push_back(std::move(v));
  }
  if (const auto* node = root.get("roster")) cb.roster = read_roster(r, *node, cb, names, columns);
  if (const auto* node = root.get("form")) cb.forms = read_forms(r, *node, cb);
  else if (const Variable* fv = cb.by_role(Role::Form))
    r.fail(arr[static_cast<std::size_t>(cb.index_of(fv))], fmt::format("variable[{}].role", cb.index_of(fv) + 1),
           Text{"調査票の変数（role = \"form\"）には、調査票ごとの年齢を書いた [[form]] が必要です",
                "a form variable (role = \"form\") needs [[form]] tables giving each questionnaire's ages"},
           "form", Text{"[[form]] code = 1 age_min = 15 age_max = 39 report = [\"15-39\"]", "[[form]] code = 1 age_min = 15 age_max = 39 report = [\"15-39\"]"});
  // role count: each row stands for that many people (full counts as numbers per category); not with a
  // sampling design (a count is not a sampling weight).
  if (const Variable* count = cb.by_role(Role::Count)) {
    for (Role design : {Role::Weight, Role::Stratum, Role::Psu, Role::Fpc, Role::Replicate})
      if (const Variable* d = cb.by_role(design))
        r.fail(arr[static_cast<std::size_t>(cb.index_of(count))], fmt::format("variable[{}].role", cb.index_of(count) + 1),
               Text{fmt::format("人数の列（role = \"count\"）は標本設計の列（{} の「{}」）と同時に使えません", role_name(design), d->name),
                    fmt::format("a count column (role = \"count\") cannot be combined with a design column ({} \"{}\")", role_name(design), d->name)},
               "count", Text{"全数の集計（関係機関・相談受付票）では role = \"count\" のみ", "role = \"count\" alone, for full counts (agencies, intake records)"});
  }
  if (const auto* node = root.get("check")) {
    const auto* checks = node->as_array();
    if (!checks) r.fail(*node, "check", Text{"[[check]] は表の配列です", "[[check]] must be an array of tables"}, "", Text{});
    for (std::size_t i = 0; i < checks->size(); ++i) {
      const auto* ct = (*checks)[i].as_table();
      if (!ct) r.fail((*checks)[i], fmt::format("check[{}]", i + 1), Text{"[[check]] は表です", "[[check]] must be a table"}, "", Text{});
      cb.checks.push_back(read_check(r, *ct, fmt::format("check[{}]", i + 1), cb));
    }
  }
  if (const auto* node = root.get("replicates")) {
    cb.replicates = read_replicates(r, *node, cb, arr);
  }
  if (const auto* node = root.get("data_file")) {
    const auto* t = node->as_table();
    if (!t) r.fail(*node, "data_file", Text{"[data_file] は表です", "[data_file] must be a table"}, "", Text{});
    r.check_keys(*t, "data_file", {"sha256", "rows", "written_by"});
    DataFileBinding b;
    b.line = node->source().begin.line;
    b.sha256 = r.opt_string(*t, "sha256", "data_file").value_or("");
    const bool hex = b.sha256.size() == 64 && b.sha256.find_first_not_of("0123456789abcdef") == std::string::npos;
    if (!hex)
      r.fail(*t, "data_file.sha256", Text{"sha256 は16進数64桁（小文字）です", "sha256 must be 64 lowercase hex digits"}, b.sha256,
             Text{"hkstat weight / replicate が書いた値、または [data_file] を削除", "the value hkstat weight / replicate wrote, or delete [data_file]"});
    if (auto rows = r.opt_int(*t, "rows", "data_file")) {
      if (*rows < 0) r.fail(*t, "data_file.rows", Text{"rows は 0 以上です", "rows must be 0 or more"}, std::to_string(*rows), Text{});
      b.rows = static_cast<long long>(*rows);
    }
    (void)r.opt_string(*t, "written_by", "data_file");
    cb.data_file = std::move(b);
  }
  if (!root.get("replicates")) {
    for (std::size_t i = 0; i < cb.variables.size(); ++i)
      if (cb.variables[i].rscale)
        r.fail(*arr[i].as_table()->get("rscale"), fmt::format("variable[{}].rscale", i + 1),
               Text{"rscale には [replicates]（反復重みの型）が必要です", "rscale needs a [replicates] table (the replicate type)"},
               cb.variables[i].name, Text{"[replicates] type = \"jkn\"", "[replicates] type = \"jkn\""});
  }
  return cb;
}

std::string data_file_table(std::string_view csv_bytes, long long rows, const std::string& written_by) {
  return data_file_table_of_digest(io::sha256_hex(csv_bytes), rows, written_by);
}

std::string data_file_table_of_digest(const std::string& sha256, long long rows, const std::string& written_by) {
  std::string w;
  for (char c : written_by) {
    if (c == '"' || c == '\\') w += '\\';
    w += c;
  }
  return fmt::format("\n# ---- the data file this codebook was written with (hkstat refuses another file; delete this table after editing the data)\n"
                     "[data_file]\nsha256 = \"{}\"\nrows = {}\nwritten_by = \"{}\"\n",
                     sha256, rows, w);
}

std::string without_data_file_table(const std::string& text) {
  std::string out;
  bool skipping = false;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t nl = text.find('\n', start);
    const std::size_t end = nl == std::string::npos ? text.size() : nl + 1;
    const std::string line = text.substr(start, end - start);
    std::size_t a = line.find_first_not_of(" \t");
    const std::string t = a == std::string::npos ? "" : line.substr(a);
    if (t.rfind("# ---- the data file this codebook was written with", 0) == 0) {
      start = end;
      continue;
    }
    if (!t.empty() && t[0] == '[') skipping = t.rfind("[data_file]", 0) == 0;
    if (!skipping) out += line;
    start = end;
  }
  return out;
}

Codebook load_codebook(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw Error(Problem{ErrorCode::IoCannotOpen, SourcePos{path, 0, 0, "", ""}, path,
                        Text{"コードブックを開けません", "cannot open the codebook"}, Text{}, ""});
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  if (text.size() >= 3 && text.compare(0, 3, "\xEF\xBB\xBF") == 0) text.erase(0, 3);
  return parse_codebook(text, path);
}

} // namespace hkstat::codebook
