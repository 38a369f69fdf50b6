#include "data/derive.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>

namespace hkstat::data::detail {

using codebook::DeriveMethod;

RowRules::RowRules(const codebook::Codebook& cb) {
  for (std::size_t i = 0; i < cb.variables.size(); ++i) {
    const auto& v = cb.variables[i];
    if (!v.derive) continue;
    Step s;
    s.target = i;
    s.var = &v;
    auto index = [&](const std::string& name) -> long {
      const auto* src = cb.by_name(name);
      return src ? static_cast<long>(cb.index_of(src)) : -1;
    };
    if (v.derive->method == DeriveMethod::YearsMonths) {
      s.a = index(v.derive->years);
      s.b = index(v.derive->months);
    } else {
      s.a = index(v.derive->from);
    }
    if (v.derive->method == DeriveMethod::AnyOf && s.a >= 0)
      for (std::int64_t code : v.derive->options) {
        const int bit = cb.variables[static_cast<std::size_t>(s.a)].code_index(code);
        if (bit >= 0) s.any_mask |= std::uint64_t{1} << bit;
      }
    steps_.push_back(s);
  }
  for (std::size_t i = 0; i < cb.checks.size(); ++i) {
    Check c;
    c.index = i;
    c.check = &cb.checks[i];
    if (const auto* v = cb.by_name(c.check->variable)) c.var = cb.index_of(v);
    if (const auto* f = cb.by_name(c.check->if_variable)) c.if_var = cb.index_of(f);
    if (c.var >= 0)
      for (std::int64_t code : c.check->options) {
        const int bit = cb.variables[static_cast<std::size_t>(c.var)].code_index(code);
        if (bit >= 0) c.options_mask |= std::uint64_t{1} << bit;
      }
    checks_.push_back(c);
  }
}

namespace {
bool answered(const Column& c, std::size_t row) {
  switch (c.var->type) {
  case codebook::VarType::Integer:
  case codebook::VarType::Code: return c.ints[row] != kMissing;
  case codebook::VarType::Number: return !std::isnan(c.numbers[row]);
  case codebook::VarType::Multi: return c.multi_answered[row] != 0;
  default: return false;
  }
}

void blank(Column& c, std::size_t row) {
  switch (c.var->type) {
  case codebook::VarType::Integer:
  case codebook::VarType::Code:
    c.ints[row] = kMissing;
    c.raw_missing[row] = kMissing;
    break;
  case codebook::VarType::Number: c.numbers[row] = std::numeric_limits<double>::quiet_NaN(); break;
  case codebook::VarType::Multi:
    c.multi[row] = 0;
    c.multi_answered[row] = 0;
    break;
  default: break;
  }
}

std::string shown(const Column& c, std::size_t row) {
  switch (c.var->type) {
  case codebook::VarType::Integer:
  case codebook::VarType::Code: return std::to_string(c.ints[row]);
  case codebook::VarType::Number: return fmt::format("{}", c.numbers[row]);
  case codebook::VarType::Multi: {
    std::vector<std::int64_t> chosen;
    for (std::size_t i = 0; i < c.var->codes.size(); ++i)
      if (c.multi[row] >> i & 1U) chosen.push_back(c.var->codes[i].code);
    return fmt::format("{}", fmt::join(chosen, ";"));
  }
  default: return "";
  }
}
} // namespace

void RowRules::apply(Column* columns, std::size_t row, const RowProblem& problem, const RowCounted& counted) const {
  // Every check sees the answers as read; answers are blanked after all checks ran.
  std::vector<std::size_t> to_blank;
  for (const Check& k : checks_) {
    if (k.var < 0) continue;
    Column& c = columns[k.var];
    if (!answered(c, row)) continue;
    const codebook::AnswerCheck& ch = *k.check;
    Text msg;
    switch (ch.kind) {
    case codebook::CheckKind::MaxChoices: {
      const int n = __builtin_popcountll(c.multi[row]);
      if (n <= ch.max) continue;
      msg = Text{fmt::format("「{}」は{}つまでの質問ですが、{}つ選ばれています", ch.variable, ch.max, n),
                 fmt::format("\"{}\" allows at most {} choices; {} were chosen", ch.variable, ch.max, n)};
      break;
    }
    case codebook::CheckKind::Exclusive: {
      const std::uint64_t m = c.multi[row];
      if (!(m & k.options_mask) || !(m & ~k.options_mask)) continue;
      msg = Text{fmt::format("「{}」で、他と一緒に選べない選択肢（{}）が他の選択肢と一緒に選ばれています", ch.variable, fmt::join(ch.options, ", ")),
                 fmt::format("\"{}\": an exclusive option ({}) was chosen together with others", ch.variable, fmt::join(ch.options, ", "))};
      break;
    }
    case codebook::CheckKind::Skip: {
      if (k.if_var < 0) continue;
      const std::int64_t f = columns[k.if_var].ints[row];
      if (f == kMissing) continue; // the filter question unanswered: whether it was asked is unknown
      bool asked = false;
      for (std::int64_t code : ch.if_codes) asked = asked || code == f;
      if (asked) continue;
      msg = Text{fmt::format("「{}」は「{}」が {} の人だけに聞く質問ですが、「{}」が {} の人が答えています", ch.variable, ch.if_variable,
                             fmt::join(ch.if_codes, ", "), ch.if_variable, f),
                 fmt::format("\"{}\" is asked only if \"{}\" is {}, but was answered with \"{}\" = {}", ch.variable, ch.if_variable,
                             fmt::join(ch.if_codes, ", "), ch.if_variable, f)};
      break;
    }
    }
    const std::string value = shown(c, row);
    if (ch.action == codebook::CheckAction::Reject) {
      problem(ErrorCode::DataAnswerCheck, static_cast<std::size_t>(k.var), value, std::move(msg),
              Text{fmt::format("コードブック {}行目の [[check]]", ch.line), fmt::format("the [[check]] at line {} of the codebook", ch.line)});
      continue;
    }
    if (ch.action == codebook::CheckAction::Blank) to_blank.push_back(static_cast<std::size_t>(k.var));
    counted(k.index, static_cast<std::size_t>(k.var), value, std::move(msg));
  }
  for (std::size_t v : to_blank) blank(columns[v], row);
  for (const Step& s : steps_) {
    Column& out = columns[s.target];
    out.ints[row] = kMissing;
    out.raw_missing[row] = kMissing;
    if (s.a < 0 || (s.var->derive->method == DeriveMethod::YearsMonths && s.b < 0)) continue;
    const Column& src = columns[s.a];
    const auto& codes = s.var->codes;
    switch (s.var->derive->method) {
    case DeriveMethod::Merge: {
      const std::int64_t x = src.ints[row];
      if (x == kMissing) break;
      for (const auto& c : codes)
        for (std::int64_t f : c.from)
          if (f == x) out.ints[row] = c.code;
      break;
    }
    case DeriveMethod::Bands: {
      const std::int64_t x = src.ints[row];
      if (x == kMissing) break;
      for (const auto& c : codes)
        if ((!c.band_min || x >= *c.band_min) && (!c.band_max || x <= *c.band_max)) out.ints[row] = c.code;
      if (out.ints[row] == kMissing) {
        std::vector<std::string> bands;
        for (const auto& c : codes)
          bands.push_back(fmt::format("{}{}", c.band_min ? std::to_string(*c.band_min) : "", c.band_max ? "～" + std::to_string(*c.band_max) : "～"));
        problem(ErrorCode::DataOutOfRange, static_cast<std::size_t>(s.a), std::to_string(x),
                Text{fmt::format("派生変数「{}」のどの区分にも入らない値です", s.var->name),
                     fmt::format("the value falls in no band of the derived variable \"{}\"", s.var->name)},
                Text{fmt::format("{}", fmt::join(bands, ", ")), fmt::format("{}", fmt::join(bands, ", "))});
      }
      break;
    }
    case DeriveMethod::YearsMonths: {
      const std::int64_t y = src.ints[row];
      const std::int64_t m = columns[s.b].ints[row];
      if (y == kMissing && m == kMissing) break;
      const std::int64_t yy = y == kMissing ? 0 : y, mm = m == kMissing ? 0 : m;
      // Both are bounded by their codebook ranges or by the 64-bit parse; keep the sum in range.
      if (yy > INT64_MAX / 24 || yy < -(INT64_MAX / 24) || mm > INT64_MAX / 2 || mm < -(INT64_MAX / 2)) {
        problem(ErrorCode::DataOutOfRange, static_cast<std::size_t>(s.a), fmt::format("{} / {}", yy, mm),
                Text{fmt::format("派生変数「{}」を計算できない大きさの値です", s.var->name), fmt::format("too large to compute the derived variable \"{}\"", s.var->name)},
                Text{"年と月の min / max をコードブックに指定する", "give min / max for the years and months in the codebook"});
        break;
      }
      const std::int64_t total = yy * 12 + mm;
      out.ints[row] = total >= 0 ? total / 12 : -((-total + 11) / 12);
      break;
    }
    case DeriveMethod::AnyOf:
      if (!src.multi_answered[row]) break;
      out.ints[row] = (src.multi[row] & s.any_mask) ? codes[0].code : codes[1].code;
      break;
    }
  }
}

} // namespace hkstat::data::detail

namespace hkstat::data {

std::vector<Text> method_notes(const Dataset& ds) {
  std::vector<Text> out = codebook::derived_variable_notes(ds.codebook);
  for (std::size_t i = 0; i < ds.codebook.checks.size(); ++i) {
    const auto& c = ds.codebook.checks[i];
    const Text d = codebook::describe_check(c);
    const std::size_t n = i < ds.answer_check_counts.size() ? ds.answer_check_counts[i] : 0;
    if (c.action == codebook::CheckAction::Reject)
      out.push_back(Text{fmt::format("回答チェック: {}。", d.ja), fmt::format("Answer check: {}.", d.en)});
    else
      out.push_back(Text{fmt::format("回答チェック: {}。違反 {}行{}。", d.ja, n, c.action == codebook::CheckAction::Blank ? "（無回答として集計）" : "（回答のまま集計）"),
                         fmt::format("Answer check: {}. {} rows broke it{}.", d.en, n,
                                     c.action == codebook::CheckAction::Blank ? " (tabulated as missing)" : " (tabulated as answered)")});
  }
  return out;
}

} // namespace hkstat::data
