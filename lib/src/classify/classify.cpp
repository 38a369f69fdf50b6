#include "hkstat/classify/classify.hpp"

#include "hkstat/core/error.hpp"
#include "hkstat/data/span_table.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace hkstat::classify {

using codebook::Role;
using codebook::Variable;
using codebook::VarType;

const char* class_label(Class c, bool en) {
  switch (c) {
  case Class::Narrow: return en ? "narrow hikikomori" : "狭義のひきこもり";
  case Class::Semi: return en ? "semi-hikikomori" : "準ひきこもり";
  case Class::NotCase: return en ? "not a case" : "非該当";
  case Class::Excluded: return en ? "excluded" : "除外";
  }
  return "";
}

const char* class_id(Class c) {
  switch (c) {
  case Class::Narrow: return "narrow";
  case Class::Semi: return "semi";
  case Class::NotCase: return "not_case";
  case Class::Excluded: return "excluded";
  }
  return "";
}

const char* reason_id(Reason r) {
  switch (r) {
  case Reason::CoreNarrow: return "core:narrow";
  case Reason::CoreSemi: return "core:semi";
  case Reason::Excluded: return "exclude";
  case Reason::OutingMissing: return "outing:missing";
  case Reason::OutingNotCore: return "outing:not_core";
  case Reason::DurationShort: return "duration:lt_6_months";
  case Reason::DurationMissing: return "duration:missing";
  }
  return "";
}

const char* reason_label(Reason r, bool en) {
  switch (r) {
  case Reason::CoreNarrow: return en ? "outing narrow option, 6 months or more, no exclusion" : "外出頻度が狭義の選択肢・6か月以上・除外条件なし";
  case Reason::CoreSemi: return en ? "outing semi option, 6 months or more, no exclusion" : "外出頻度が準の選択肢・6か月以上・除外条件なし";
  case Reason::Excluded: return en ? "excluded by a rule" : "除外条件に該当";
  case Reason::OutingMissing: return en ? "outing frequency not answered" : "外出頻度が無回答";
  case Reason::OutingNotCore: return en ? "goes out (options other than the hikikomori ones)" : "外出頻度がひきこもりの選択肢以外";
  case Reason::DurationShort: return en ? "less than 6 months" : "6か月未満";
  case Reason::DurationMissing: return en ? "duration not answered" : "期間が無回答";
  }
  return "";
}

std::size_t Classification::count(Class c) const {
  std::size_t n = absorbed_class[static_cast<std::size_t>(c)];
  for (const auto& d : rows) n += d.cls == c;
  return n;
}

std::size_t Classification::count(Reason r) const {
  std::size_t n = absorbed_reason[static_cast<std::size_t>(r)];
  for (const auto& d : rows) n += d.reason == r;
  return n;
}

void Classification::absorb(const Classification& batch) {
  if (audit.size() < batch.audit.size()) audit.resize(batch.audit.size());
  for (std::size_t i = 0; i < batch.audit.size(); ++i) {
    audit[i].id = batch.audit[i].id;
    audit[i].decided += batch.audit[i].decided;
    audit[i].fired += batch.audit[i].fired;
    audit[i].skipped_key = batch.audit[i].skipped_key;
    audit[i].skipped_variable = batch.audit[i].skipped_variable;
  }
  for (const auto& d : batch.rows) {
    ++absorbed_class[static_cast<std::size_t>(d.cls)];
    ++absorbed_reason[static_cast<std::size_t>(d.reason)];
  }
  for (std::size_t k = 0; k < absorbed_class.size(); ++k) absorbed_class[k] += batch.absorbed_class[k];
  for (std::size_t k = 0; k < absorbed_reason.size(); ++k) absorbed_reason[k] += batch.absorbed_reason[k];
  absorbed += batch.rows.size() + batch.absorbed;
}

namespace {

// A condition compiled against the codebook: leaves become code sets / bit masks.
struct Compiled {
  Condition::Kind kind;
  const data::Column* column = nullptr;
  std::vector<std::int64_t> codes; // In
  std::uint64_t mask = 0;          // HasAny
  std::vector<Compiled> children;
};

[[noreturn]] void binding_error(ErrorCode code, const RuleSet& rs, const ExcludeRule* rule, const Condition& c, const std::string& value,
                                Text msg, Text expected) {
  Problem p;
  p.code = code;
  p.pos.file = rs.origin == "builtin" ? "builtin:" + rs.id : rs.origin;
  p.pos.line = c.line;
  p.pos.key = rule ? "exclude " + rule->id : "core";
  p.value = value;
  p.message = std::move(msg);
  p.expected = std::move(expected);
  throw Error(std::move(p));
}

std::string keys_of(const Variable& v) {
  std::string out;
  for (const auto& c : v.codes)
    if (!c.key.empty()) out += (out.empty() ? "" : ", ") + c.key;
  return out.empty() ? std::string("(none)") : out;
}

// `skipped`: set to the first key the rule needs that the codebook declares not asked (and its variable); the
// rule is then not applied.
Compiled compile(const Condition& c, const data::Dataset& ds, const RuleSet& rs, const ExcludeRule& rule, RuleAudit& skipped) {
  Compiled out;
  out.kind = c.kind;
  if (c.kind == Condition::Kind::All || c.kind == Condition::Kind::Any || c.kind == Condition::Kind::Not) {
    for (const auto& ch : c.children) out.children.push_back(compile(ch, ds, rs, rule, skipped));
    return out;
  }
  out.column = ds.column(c.role);
  const std::string cb = ds.codebook.path;
  if (!out.column)
    binding_error(ErrorCode::RulesUnknownRole, rs, &rule, c, c.role_name,
                  Text{fmt::format("ルール {} が参照する役割「{}」がコードブックにありません", rule.id, c.role_name),
                       fmt::format("rule {} refers to role \"{}\", which the codebook does not map", rule.id, c.role_name)},
                  Text{fmt::format("コードブック {} に role = \"{}\" の変数を加えるか、この規則を除いた判定基準を使う", cb, c.role_name),
                       fmt::format("add a variable with role = \"{}\" to the codebook {}, or use a rule-set without this rule", c.role_name, cb)});
  const Variable& v = *out.column->var;
  const bool multi = v.type == VarType::Multi;
  if (c.kind == Condition::Kind::HasAny && !multi)
    binding_error(ErrorCode::RulesInvalid, rs, &rule, c, c.role_name,
                  Text{"has_any は複数回答の役割にだけ使えます", "has_any is only for multiple-answer roles"}, Text{"in = [...]", "in = [...]"});
  if (c.kind == Condition::Kind::In && multi)
    binding_error(ErrorCode::RulesInvalid, rs, &rule, c, c.role_name,
                  Text{"複数回答の役割には has_any を使います", "use has_any for a multiple-answer role"}, Text{"has_any = [...]", "has_any = [...]"});
  for (const auto& key : c.keys) {
    const auto* code = v.find_key(key);
    if (!code && std::find(v.not_asked.begin(), v.not_asked.end(), key) != v.not_asked.end()) {
      if (skipped.skipped_key.empty()) {
        skipped.skipped_key = key;
        skipped.skipped_variable = v.name;
      }
      continue;
    }
    if (!code)
      binding_error(ErrorCode::RulesUnknownKey, rs, &rule, c, key,
                    Text{fmt::format("ルール {} のキー「{}」が、コードブックの変数 {} にありません", rule.id, key, v.name),
                         fmt::format("rule {}: key \"{}\" is not defined for variable {} in the codebook", rule.id, key, v.name)},
                    Text{fmt::format("{} のキー: {}（調査票にない選択肢なら、コードブックのその変数に not_asked = [\"{}\"]）", v.name, keys_of(v), key),
                         fmt::format("keys of {}: {} (if the questionnaire lacks that option: not_asked = [\"{}\"] on that variable in the codebook)", v.name, keys_of(v), key)});
    if (multi)
      out.mask |= std::uint64_t{1} << v.code_index(code->code);
    else
      out.codes.push_back(code->code);
  }
  return out;
}

bool eval(const Compiled& c, std::size_t row) {
  switch (c.kind) {
  case Condition::Kind::All:
    for (const auto& ch : c.children)
      if (!eval(ch, row)) return false;
    return true;
  case Condition::Kind::Any:
    for (const auto& ch : c.children)
      if (eval(ch, row)) return true;
    return false;
  case Condition::Kind::Not: return !eval(c.children[0], row);
  case Condition::Kind::In: {
    const std::int64_t v = c.column->ints[row];
    if (v == data::kMissing) return false;
    for (auto code : c.codes)
      if (code == v) return true;
    return false;
  }
  case Condition::Kind::HasAny: return (c.column->multi[row] & c.mask) != 0;
  }
  return false;
}

// What classify_rows needs for a row whose outing answer is a core code, beside the row.
struct CoreStep {
  const std::int64_t* durations;
  const Variable* duration;
  bool duration_missing_is_case;
  const std::vector<Compiled>* rules;
  std::vector<RuleAudit>* audit; // parallel to rules
};

// A row whose outing answer is a core code (bits: 1 a semi code, 2 a narrow code): its duration, then the exclusion
// rules (each counted in the audit when it holds; the first decides). Out of line: about one row in twenty-five of
// the benchmark's gets here, and classify_rows' loop keeps its registers.
[[gnu::noinline]] Decision core_row(const CoreStep& c, std::size_t row, unsigned bits) {
  const std::int64_t du = c.durations[row];
  if (du == data::kMissing) {
    if (!c.duration_missing_is_case) return {Class::NotCase, Reason::DurationMissing, -1};
  } else if (const auto* dc = c.duration->find_code(du); !dc || !dc->ge_6_months.value_or(false)) {
    return {Class::NotCase, Reason::DurationShort, -1};
  }
  std::vector<RuleAudit>& audit = *c.audit;
  int decided = -1;
  for (std::size_t i = 0; i < c.rules->size(); ++i) {
    if (!audit[i].skipped_key.empty()) continue; // needs an option the questionnaire does not have
    if (eval((*c.rules)[i], row)) {
      ++audit[i].fired;
      if (decided < 0) decided = static_cast<int>(i);
    }
  }
  if (decided >= 0) {
    ++audit[static_cast<std::size_t>(decided)].decided;
    return {Class::Excluded, Reason::Excluded, decided};
  }
  return (bits & 2U) != 0 ? Decision{Class::Narrow, Reason::CoreNarrow, -1} : Decision{Class::Semi, Reason::CoreSemi, -1};
}

// Every row's decision into rows[0, n), which hold Decision{} = {NotCase, OutingNotCore} (the usual answer: outing
// options other than the core's): a row whose outing answer is missing, or a core code (core_row), gets its own.
// `core_bits(o)`: bit 0 when o is a semi code, bit 1 a narrow code. A function of its own, the loop's values in
// registers: a Decision's fields are bytes, whose stores may alias anything, and inside classify() the compiler kept
// the row and the columns on the stack (docs/performance.md, "Fifteenth session, accum15").
static_assert(Decision{}.cls == Class::NotCase && Decision{}.reason == Reason::OutingNotCore && Decision{}.rule == -1);
template <class CoreBits>
[[gnu::noinline]] void classify_rows(const std::int64_t* outings, std::size_t n, const CoreBits core_bits, const CoreStep& step, Decision* rows) {
  for (std::size_t row = 0; row < n; ++row) {
    const std::int64_t o = outings[row];
    if (o == data::kMissing) rows[row] = {Class::NotCase, Reason::OutingMissing, -1};
    else if (const unsigned bits = core_bits(o); bits != 0) rows[row] = core_row(step, row, bits);
  }
}

} // namespace

Classification classify(const data::Dataset& ds, const RuleSet& rs) {
  Classification out;
  out.ruleset = rs;
  const data::Column* outing = ds.column(Role::Outing);
  const data::Column* duration = ds.column(Role::Duration);
  Condition core_cond;
  for (auto [role, col] : {std::pair{"outing", outing}, std::pair{"duration", duration}}) {
    if (!col)
      binding_error(ErrorCode::RulesUnknownRole, rs, nullptr, core_cond, role,
                    Text{fmt::format("判定に必要な役割「{}」がコードブックにありません", role),
                         fmt::format("the codebook does not map role \"{}\", which classification needs", role)},
                    Text{fmt::format("コードブック {} に role = \"{}\" の変数を加える", ds.codebook.path, role),
                         fmt::format("add a variable with role = \"{}\" to the codebook {}", role, ds.codebook.path)});
  }
  const Variable& ov = *outing->var;
  std::vector<std::int64_t> semi_codes, narrow_codes;
  for (auto [keys, dest] : {std::pair{&rs.semi, &semi_codes}, std::pair{&rs.narrow, &narrow_codes}}) {
    for (const auto& key : *keys) {
      const auto* code = ov.find_key(key);
      if (!code)
        binding_error(ErrorCode::RulesUnknownKey, rs, nullptr, core_cond, key,
                      Text{fmt::format("外出頻度のキー「{}」がコードブックの変数 {} にありません", key, ov.name),
                           fmt::format("outing key \"{}\" is not defined for variable {} in the codebook", key, ov.name)},
                      Text{fmt::format("{} のキー: {}", ov.name, keys_of(ov)), fmt::format("keys of {}: {}", ov.name, keys_of(ov))});
      dest->push_back(code->code);
    }
  }
  std::vector<Compiled> compiled;
  out.audit.resize(rs.rules.size());
  for (std::size_t i = 0; i < rs.rules.size(); ++i) {
    out.audit[i].id = rs.rules[i].id;
    compiled.push_back(compile(rs.rules[i].when, ds, rs, rs.rules[i], out.audit[i]));
  }

  // The core's outing codes as a table over their span (bit 0: a semi code, bit 1: a narrow code).
  std::vector<std::int64_t> core_codes = semi_codes;
  core_codes.insert(core_codes.end(), narrow_codes.begin(), narrow_codes.end());
  data::SpanTable<std::uint8_t> core_of(core_codes, 0);
  if (!core_of.empty()) {
    for (const std::int64_t c : semi_codes) core_of.at(c) |= 1;
    for (const std::int64_t c : narrow_codes) core_of.at(c) |= 2;
  }
  out.rows.resize(ds.rows()); // Decision{}: {NotCase, OutingNotCore}, what classify_rows leaves
  const CoreStep step{duration->ints.data(), duration->var, rs.duration_missing_is_case, &compiled, &out.audit};
  // The core codes through the table, one look-up, not two scans whose branches a random answer mispredicts; codes
  // spread wider: the scans.
  if (!core_of.empty()) {
    classify_rows(outing->ints.data(), ds.rows(), core_of.view(), step, out.rows.data());
  } else {
    const auto scan = [&](std::int64_t o) {
      unsigned bits = std::find(semi_codes.begin(), semi_codes.end(), o) != semi_codes.end() ? 1U : 0U;
      if (std::find(narrow_codes.begin(), narrow_codes.end(), o) != narrow_codes.end()) bits |= 2U;
      return bits;
    };
    classify_rows(outing->ints.data(), ds.rows(), scan, step, out.rows.data());
  }
  return out;
}

namespace {
// The first key of `c` (depth first) that the codebook declares not asked for the role it refers to.
const std::string* first_not_asked(const Condition& c, const codebook::Codebook& cb, const Variable** var) {
  for (const auto& ch : c.children)
    if (const std::string* k = first_not_asked(ch, cb, var)) return k;
  if (c.kind != Condition::Kind::In && c.kind != Condition::Kind::HasAny) return nullptr;
  const Variable* v = cb.by_role(c.role);
  if (!v) return nullptr;
  for (const auto& key : c.keys)
    if (!v->find_key(key) && std::find(v->not_asked.begin(), v->not_asked.end(), key) != v->not_asked.end()) {
      *var = v;
      return &key;
    }
  return nullptr;
}
} // namespace

std::vector<Text> skipped_rule_notes(const RuleSet& rs, const codebook::Codebook& cb) {
  std::vector<Text> out;
  for (const auto& rule : rs.rules) {
    const Variable* v = nullptr;
    if (const std::string* key = first_not_asked(rule.when, cb, &v))
      out.push_back(Text{fmt::format("除外規則 {}（{}）は適用していません: 必要な選択肢「{}」が調査票にありません（コードブックの {} の not_asked）。",
                                     rule.id, rule.label_ja, *key, v->name),
                         fmt::format("exclusion rule {} ({}) was not applied: the option \"{}\" it needs is not on the questionnaire (not_asked of {} in the codebook).",
                                     rule.id, rule.label_en, *key, v->name)});
  }
  return out;
}

} // namespace hkstat::classify
