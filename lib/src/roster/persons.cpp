#include "hkstat/roster/persons.hpp"

#include "hkstat/core/error.hpp"
#include "hkstat/data/copy.hpp"
#include "hkstat/roster/member_source.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace hkstat::roster {

using codebook::Role;
using codebook::Variable;
using codebook::VarType;

std::vector<std::string> member_ids(const data::Dataset& rs, const Members& m) {
  std::vector<std::string> out;
  out.reserve(m.data.rows());
  const data::Column* idc = rs.column(Role::Id);
  const auto rid = [&](std::size_t r) { return idc ? idc->ids[r] : std::to_string(rs.lines[r]); };
  const codebook::Roster& ro = *rs.codebook.roster;
  if (ro.wide()) {
    // The members were read slot by slot in row order (wide_members): the same scan gives each its slot.
    std::size_t k = 0;
    for (std::size_t r = 0; r < rs.rows() && k < m.data.rows(); ++r)
      for (int n = 1; n <= ro.members && k < m.data.rows(); ++n) {
        if (m.respondent[k] != r) break;
        bool any = false;
        for (const Variable& v : ro.variables) {
          const data::Column* c = rs.column(ro.column(n, v.name));
          if (!c) continue;
          any = any || (c->var->type == VarType::Multi ? c->multi_answered.size() > r && c->multi_answered[r] != 0
                                                       : c->ints.size() > r && c->ints[r] != data::kMissing);
        }
        if (!any) continue;
        out.push_back(fmt::format("{}-m{}", rid(r), n));
        ++k;
      }
    return out;
  }
  std::vector<int> seen(rs.rows(), 0);
  for (std::size_t k = 0; k < m.data.rows(); ++k) out.push_back(fmt::format("{}-m{}", rid(m.respondent[k]), ++seen[m.respondent[k]]));
  return out;
}

PersonsData persons_data(const data::Dataset& rs, const classify::Classification* rcls, const Members& m, const classify::Classification* mcls) {
  return persons_data(rs, rcls, m, mcls, PersonsParts{});
}

PersonsData persons_data(const data::Dataset& rs, const classify::Classification* rcls, const Members& m, const classify::Classification* mcls,
                         const PersonsParts& parts) {
  PersonsData out;
  data::Dataset& d = out.data;
  d.codebook = rs.codebook;
  d.source = rs.source;
  d.encoding = rs.encoding;
  d.had_bom = rs.had_bom;
  d.fullwidth_normalised = rs.fullwidth_normalised;
  d.ignored_columns = rs.ignored_columns;
  d.answer_check_counts = rs.answer_check_counts;
  // The members counted: within the survey's age range, or without an age.
  const data::Column* mage = m.data.column(Role::Age);
  std::vector<std::size_t> keep;
  for (std::size_t k = 0; k < m.data.rows(); ++k) {
    bool in = true;
    if (mage && mage->ints[k] != data::kMissing) {
      std::int64_t lo = mage->ints[k], hi = lo;
      if (mage->var->type == VarType::Code) {
        const auto* c = mage->var->find_code(lo);
        lo = c && c->min ? *c->min : -1;
        hi = c && c->max ? *c->max : -1;
      }
      in = lo >= rs.codebook.age_min && hi <= rs.codebook.age_max;
    }
    if (in) keep.push_back(k);
    else ++out.members_out_of_age;
  }
  if (!parts.members) {
    keep.clear();
    out.members_out_of_age = 0;
  }
  std::vector<std::string> names;
  for (const Variable& v : rs.codebook.variables) names.push_back(v.name);
  const MemberView view = parts.members ? member_view(m, rs.codebook, names) : MemberView{};
  const std::vector<std::string> ids = parts.members ? member_ids(rs, m) : std::vector<std::string>{};
  out.household_psu = rs.column(Role::Psu) == nullptr;
  if (out.household_psu) {
    Variable hh;
    hh.name = "世帯（回答者）";
    hh.label = "世帯（回答者とその家族）";
    hh.role = Role::Psu;
    hh.type = VarType::Integer;
    d.codebook.variables.push_back(hh);
  }
  d.columns.resize(d.codebook.variables.size());
  const std::size_t R = parts.respondents ? rs.rows() : 0, K = keep.size();
  out.respondents = R;
  out.members = K;
  const auto household = [&](std::size_t r) {
    return parts.households.empty() ? static_cast<std::int64_t>(parts.first_household + r) + 1 : parts.households[r];
  };
  if (parts.respondents) d.lines = rs.lines;
  for (std::size_t j = 0; j < K; ++j) {
    d.lines.push_back(m.data.lines[keep[j]]);
    out.member_respondent.push_back(m.respondent[keep[j]]);
  }
  for (std::size_t i = 0; i < d.columns.size(); ++i) {
    data::Column& c = d.columns[i];
    const Variable& v = d.codebook.variables[i];
    c.var = &v;
    if (out.household_psu && i + 1 == d.columns.size()) { // the household: respondent row + 1
      for (std::size_t r = 0; r < R; ++r) c.ints.push_back(household(r));
      for (std::size_t j = 0; j < K; ++j) c.ints.push_back(household(m.respondent[keep[j]]));
      c.raw_missing.assign(R + K, data::kMissing);
      continue;
    }
    const data::Column& rc = rs.columns[i];
    const data::Column& shape = parts.layout && i < parts.layout->columns.size() ? parts.layout->columns[i] : rc; // which vectors
    if (parts.respondents) {
      c = rc;
    } else { // the members only: the respondents' column without its rows
      c = data::Column{};
      c.labels = rc.labels;
    }
    c.var = &v;
    const data::Column* own = view.data.column(v.name);
    const bool design = v.role == Role::Weight || v.role == Role::Stratum || v.role == Role::Psu || v.role == Role::Fpc;
    for (std::size_t j = 0; j < K; ++j) {
      const std::size_t k = keep[j], r = m.respondent[k];
      const auto from = [&](const data::Column& src, std::size_t row) {
        if (!src.ints.empty()) c.ints.push_back(src.ints[row]);
        if (!src.raw_missing.empty()) c.raw_missing.push_back(src.raw_missing[row]);
        if (!src.numbers.empty()) c.numbers.push_back(src.numbers[row]);
        if (!src.multi.empty()) c.multi.push_back(src.multi[row]);
        if (!src.multi_answered.empty()) c.multi_answered.push_back(src.multi_answered[row]);
        if (!src.ids.empty()) c.ids.push_back(src.ids[row]);
      };
      if (design) {
        from(rc, r);
      } else if (v.type == VarType::Id) {
        c.ids.push_back(ids[k]);
      } else if (own) {
        if (!shape.ints.empty()) c.ints.push_back(own->ints.empty() ? data::kMissing : own->ints[k]);
        if (!shape.raw_missing.empty()) c.raw_missing.push_back(own->raw_missing.empty() ? data::kMissing : own->raw_missing[k]);
        if (!shape.numbers.empty()) c.numbers.push_back(own->numbers.empty() ? std::nan("") : own->numbers[k]);
        if (!shape.multi.empty()) c.multi.push_back(own->multi.empty() ? 0 : own->multi[k]);
        if (!shape.multi_answered.empty()) c.multi_answered.push_back(own->multi_answered.empty() ? 0 : own->multi_answered[k]);
      } else { // not asked about the members: missing
        if (!shape.ints.empty()) c.ints.push_back(data::kMissing);
        if (!shape.raw_missing.empty()) c.raw_missing.push_back(data::kMissing);
        if (!shape.numbers.empty()) c.numbers.push_back(std::nan(""));
        if (!shape.multi.empty()) c.multi.push_back(0);
        if (!shape.multi_answered.empty()) c.multi_answered.push_back(0);
        if (!shape.ids.empty()) c.ids.emplace_back();
      }
    }
  }
  if (parts.respondents && parts.members) {
    if (rcls && mcls) {
      out.cls.ruleset = rcls->ruleset;
      out.cls.audit = rcls->audit;
      out.cls.rows = rcls->rows;
      for (std::size_t j = 0; j < K; ++j) out.cls.rows.push_back(mcls->rows[keep[j]]);
    }
  } else if (parts.respondents && rcls) {
    out.cls.ruleset = rcls->ruleset;
    out.cls.audit = rcls->audit;
    out.cls.rows = rcls->rows;
  } else if (parts.members && mcls) {
    out.cls.ruleset = mcls->ruleset;
    out.cls.audit = mcls->audit;
    for (std::size_t j = 0; j < K; ++j) out.cls.rows.push_back(mcls->rows[keep[j]]);
  }
  return out;
}

PersonsStream::PersonsStream(const codebook::Codebook& respondents) : source_(std::make_unique<MemberSource>(respondents)) {}
PersonsStream::~PersonsStream() = default;
PersonsStream::PersonsStream(PersonsStream&&) noexcept = default;

PersonsData PersonsStream::respondents(const data::Dataset& batch, const classify::Classification* cls) {
  Members mem = source_->of_batch(batch);
  if (!started_) {
    started_ = true;
    reporters_ = data::rows_of(batch, {});
    // What persons_data reads of a member's respondent: the design columns, the id, a wide roster's member columns.
    const codebook::Codebook& cb = batch.codebook;
    reporter_columns_.assign(cb.variables.size(), 0);
    for (std::size_t i = 0; i < cb.variables.size(); ++i) {
      const Variable& v = cb.variables[i];
      reporter_columns_[i] = v.role == Role::Weight || v.role == Role::Stratum || v.role == Role::Psu || v.role == Role::Fpc ||
                             v.role == Role::Id || v.type == VarType::Id;
    }
    if (cb.roster && cb.roster->wide())
      for (int n = 1; n <= cb.roster->members; ++n)
        for (const Variable& v : cb.roster->variables)
          for (std::size_t i = 0; i < cb.variables.size(); ++i)
            if (cb.variables[i].name == cb.roster->column(n, v.name)) reporter_columns_[i] = 1;
    kept_.data = data::rows_of(mem.data, {});
    kept_.not_asked = mem.not_asked;
    first_.emplace();
    first_->data = data::rows_of(mem.data, {});
    first_->not_asked = mem.not_asked;
  }
  // The respondents with members (mem.respondent ascending) join the reporters; their members the kept ones.
  std::vector<std::size_t> who, all(mem.data.rows());
  for (std::size_t k = 0; k < all.size(); ++k) {
    all[k] = k;
    const std::size_t r = mem.respondent[k];
    if (who.empty() || who.back() != r) {
      who.push_back(r);
      households_.push_back(static_cast<std::int64_t>(offset_ + r) + 1);
    }
    kept_.respondent.push_back(reporters_.rows() + who.size() - 1);
  }
  if (layout_.rows() == 0 && batch.rows() > 0) layout_ = data::rows_of(batch, {0});
  data::append_rows(reporters_, batch, who, reporter_columns_);
  data::append_rows(kept_.data, mem.data, all);
  kept_.slots += mem.slots;
  PersonsParts parts;
  parts.members = false;
  parts.first_household = offset_;
  PersonsData out = persons_data(batch, cls, mem, nullptr, parts);
  offset_ += batch.rows();
  return out;
}

PersonsData PersonsStream::members(const classify::RuleSet* rules, const std::string& respondents_source,
                                   const std::function<void(const PersonsData&)>& add, std::size_t part_members) {
  source_->check_found(respondents_source);
  PersonsData total;
  total.respondents = offset_;
  total.household_psu = !reporters_.column(Role::Psu);
  PersonsParts parts;
  parts.respondents = false;
  parts.households = households_;
  parts.layout = &layout_;
  const std::size_t K = kept_.data.rows();
  for (std::size_t a = 0; a < K || (a == 0 && K == 0);) {
    std::size_t b = std::min(K, a + std::max<std::size_t>(part_members, 1));
    while (b < K && kept_.respondent[b] == kept_.respondent[b - 1]) ++b; // a respondent's members in one part
    Members part;
    std::vector<std::size_t> rows;
    for (std::size_t k = a; k < b; ++k) rows.push_back(k);
    part.data = data::rows_of(kept_.data, rows);
    part.respondent.assign(kept_.respondent.begin() + static_cast<std::ptrdiff_t>(a), kept_.respondent.begin() + static_cast<std::ptrdiff_t>(b));
    part.not_asked = kept_.not_asked;
    std::optional<classify::Classification> mcls;
    if (rules) mcls = classify::classify(part.data, *rules);
    PersonsData out = persons_data(reporters_, nullptr, part, mcls ? &*mcls : nullptr, parts);
    total.members += out.members;
    total.members_out_of_age += out.members_out_of_age;
    if (out.data.rows() > 0) add(out);
    if (K == 0) break;
    a = b;
  }
  return total;
}

} // namespace hkstat::roster
