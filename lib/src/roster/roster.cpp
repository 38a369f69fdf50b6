#include "hkstat/roster/roster.hpp"
#include "hkstat/roster/member_file.hpp"

#include "hkstat/core/error.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <unordered_map>

namespace hkstat::roster {

using codebook::Role;
using codebook::Variable;
using codebook::VarType;

const char* numerator_id(Numerator n) {
  switch (n) {
  case Numerator::Respondents: return "respondents";
  case Numerator::RespondentsMembers: return "respondents+members";
  case Numerator::Persons: return "persons";
  }
  return "";
}

std::optional<Numerator> parse_numerator(std::string_view t) {
  if (t == "respondents") return Numerator::Respondents;
  if (t == "respondents+members") return Numerator::RespondentsMembers;
  if (t == "persons") return Numerator::Persons;
  return std::nullopt;
}

Numerator default_numerator(const codebook::Codebook& cb) { return cb.roster ? Numerator::RespondentsMembers : Numerator::Respondents; }

namespace {

// Roles a rule-set may refer to besides outing and duration.
constexpr Role kRuleRoles[] = {Role::Reasons,    Role::MainReason,     Role::IllnessType,   Role::OtherReasonType,
                               Role::Occupation, Role::HomeActivities, Role::TalkNonfamily, Role::WorkExperience};

void empty_column(data::Column& c, const Variable& v, std::size_t rows) {
  c.ints.assign(rows, data::kMissing);
  c.raw_missing.assign(rows, data::kMissing);
  if (v.type == VarType::Multi) {
    c.multi.assign(rows, 0);
    c.multi_answered.assign(rows, 0);
  }
}

// Adds, for each rule role the respondents have and the members lack, a never-answered column (same codes and
// keys as the respondents' variable, so that a rule binds), and re-points every column at its variable.
void add_not_asked(Members& m, const codebook::Codebook& rcb) {
  data::Dataset& d = m.data;
  for (Role role : kRuleRoles) {
    const Variable* rv = rcb.by_role(role);
    if (!rv || d.codebook.by_role(role)) continue;
    Variable v = *rv;
    v.name = fmt::format("（家族には尋ねていない）{}", rv->name);
    v.derive.reset();
    d.codebook.variables.push_back(std::move(v));
    d.columns.emplace_back();
    empty_column(d.columns.back(), d.codebook.variables.back(), d.rows());
    m.not_asked.push_back(codebook::role_name(role));
  }
  for (std::size_t i = 0; i < d.columns.size(); ++i) d.columns[i].var = &d.codebook.variables[i];
}

Members wide_members(const data::Dataset& rs) {
  const codebook::Roster& ro = *rs.codebook.roster;
  Members m;
  m.data.codebook.path = rs.codebook.path;
  m.data.codebook.title = rs.codebook.title;
  m.data.codebook.questionnaire = rs.codebook.questionnaire;
  m.data.codebook.age_min = 0;
  m.data.codebook.age_max = codebook::kMaxAge;
  m.data.codebook.variables = ro.variables;
  m.data.source = rs.source;
  m.data.encoding = rs.encoding;
  m.data.had_bom = rs.had_bom;
  m.data.columns.resize(ro.variables.size());
  // The respondents' columns of each slot (all present: the codebook declared them as variables).
  std::vector<std::vector<const data::Column*>> slot_cols(static_cast<std::size_t>(ro.members));
  for (int n = 1; n <= ro.members; ++n)
    for (const Variable& v : ro.variables) {
      const data::Column* c = rs.column(ro.column(n, v.name));
      if (!c)
        throw_problem(ErrorCode::Internal, ro.column(n, v.name), Text{"家族の列がデータにありません", "a member column is not in the data"}, Text{});
      slot_cols[static_cast<std::size_t>(n - 1)].push_back(c);
    }
  // The members (row, slot) in reading order, then each column filled in one loop (issue 16: a push_back per
  // cell was 0.6 M instructions of the 810-row sample's 2,430 slots).
  const auto answered = [](const data::Column* c, std::size_t r) {
    return c->var->type == VarType::Multi ? c->multi_answered.size() > r && c->multi_answered[r] != 0 : c->ints[r] != data::kMissing;
  };
  std::vector<std::pair<std::size_t, std::size_t>> members;
  for (std::size_t r = 0; r < rs.rows(); ++r)
    for (std::size_t s = 0; s < slot_cols.size(); ++s)
      if (std::any_of(slot_cols[s].begin(), slot_cols[s].end(), [&](const data::Column* c) { return answered(c, r); })) members.emplace_back(r, s);
  m.slots += rs.rows() * slot_cols.size();
  const std::size_t K = members.size();
  for (std::size_t k = 0; k < ro.variables.size(); ++k) {
    data::Column& out = m.data.columns[k];
    const bool multi = slot_cols[0][k]->var->type == VarType::Multi; // the same variable in every slot
    out.ints.resize(K);
    out.raw_missing.resize(K);
    if (multi) {
      out.multi.resize(K);
      out.multi_answered.resize(K);
    }
    for (std::size_t j = 0; j < K; ++j) {
      const auto [r, s] = members[j];
      const data::Column& in = *slot_cols[s][k];
      // (a multi column has no ints: its answer is the bit set)
      out.ints[j] = in.ints.size() > r ? in.ints[r] : data::kMissing;
      out.raw_missing[j] = in.raw_missing.size() > r ? in.raw_missing[r] : data::kMissing;
      if (multi) {
        out.multi[j] = in.multi[r];
        out.multi_answered[j] = in.multi_answered[r];
      }
    }
  }
  m.data.lines.resize(K);
  m.respondent.resize(K);
  for (std::size_t j = 0; j < K; ++j) {
    m.data.lines[j] = rs.lines[members[j].first];
    m.respondent[j] = members[j].first;
  }
  return m;
}

// The member file's codebook: the respondent id, then the roster questions.
codebook::Codebook member_codebook(const codebook::Codebook& rcb) {
  const codebook::Roster& ro = *rcb.roster;
  codebook::Codebook mc;
  mc.path = rcb.path;
  mc.title = rcb.title;
  mc.age_min = 0;
  mc.age_max = codebook::kMaxAge;
  Variable idv;
  idv.name = ro.id;
  idv.type = VarType::Id;
  idv.label = ro.id;
  idv.line = ro.line;
  mc.variables.push_back(idv);
  for (const Variable& v : ro.variables) mc.variables.push_back(v);
  return mc;
}

data::IngestOptions member_ingest_options() {
  data::IngestOptions io;
  io.required_roles = {Role::Outing, Role::Duration};
  io.check_duplicate_ids = false;
  return io;
}

Members long_members(const data::Dataset& rs) {
  const std::string path = member_file(rs.codebook);
  data::IngestResult in = data::ingest(path, member_codebook(rs.codebook), member_ingest_options());
  if (!in.rejected.empty()) throw Error(in.rejected.front().problems.front());
  Members m;
  m.data = std::move(in.data);
  m.slots = in.rows_read;
  const data::Column* rid = rs.column(Role::Id);
  std::unordered_map<std::string, std::size_t> row_of;
  if (rid)
    for (std::size_t r = 0; r < rs.rows(); ++r) row_of.emplace(rid->ids[r], r);
  const data::Column& mid = m.data.columns.front();
  for (std::size_t k = 0; k < m.data.rows(); ++k) {
    const auto it = row_of.find(mid.ids[k]);
    if (it == row_of.end()) throw Error(unknown_respondent(rs.codebook, m.data.lines[k], mid.ids[k], rs.source));
    m.respondent.push_back(it->second);
  }
  return m;
}

} // namespace

std::string member_file(const codebook::Codebook& rcb) {
  const std::filesystem::path cbp(rcb.path);
  const std::string& file = rcb.roster->file;
  return (cbp.has_parent_path() ? cbp.parent_path() / file : std::filesystem::path(file)).string();
}

Problem unknown_respondent(const codebook::Codebook& rcb, std::size_t line, const std::string& id, const std::string& respondents_source) {
  Problem p;
  p.code = ErrorCode::DataRoster;
  p.pos.file = member_file(rcb);
  p.pos.line = line;
  p.pos.column_name = rcb.roster->id;
  p.pos.key = "roster.id";
  p.pos.record_id = id;
  p.value = id;
  p.message = id.empty() ? Text{"家族票の回答者IDが空です", "the member row has no respondent id"}
                         : Text{fmt::format("家族票の回答者ID「{}」が、有効な回答者の中にありません", id),
                                fmt::format("respondent id \"{}\" of the member row is not among the valid respondents", id)};
  p.expected = Text{fmt::format("{} の回答者ID（除外された行の家族票は削除する）", respondents_source),
                    fmt::format("a respondent id of {} (delete the member rows of a rejected respondent)", respondents_source)};
  return p;
}

void for_each_member_batch(const codebook::Codebook& rcb, std::size_t batch_rows, const std::function<void(const Members&)>& add) {
  if (!rcb.roster || rcb.roster->wide())
    throw_problem(ErrorCode::Internal, rcb.path, Text{"コードブックに家族票ファイルがありません", "the codebook has no member file"}, Text{});
  data::IngestStream stream(member_file(rcb), member_codebook(rcb), member_ingest_options());
  bool any = false;
  for (;;) {
    data::IngestBatch batch; // a fresh one each time: its data are moved into the members
    if (!stream.next(batch_rows, batch)) break;
    if (!batch.rejected.empty()) throw Error(batch.rejected.front().problems.front());
    Members m;
    m.data = std::move(batch.data);
    m.slots = batch.rows_read;
    add_not_asked(m, rcb);
    add(m);
    any = true;
  }
  if (!any) { // no member rows: the members' questions still decide what a ‹by› / ‹where› can read of them
    Members m;
    m.data.codebook = member_codebook(rcb);
    m.data.columns.resize(m.data.codebook.variables.size());
    add_not_asked(m, rcb);
    add(m);
  }
}

Members read_members(const data::Dataset& rs) {
  if (!rs.codebook.roster)
    throw_problem(ErrorCode::Internal, rs.codebook.path, Text{"コードブックに [roster] がありません", "the codebook has no [roster]"}, Text{});
  Members m = rs.codebook.roster->wide() ? wide_members(rs) : long_members(rs);
  add_not_asked(m, rs.codebook);
  return m;
}

MemberView member_view(const Members& m, const codebook::Codebook& rcb, const std::vector<std::string>& names) {
  MemberView out;
  data::Dataset& d = out.data;
  d.codebook.path = m.data.codebook.path;
  d.codebook.title = m.data.codebook.title;
  d.codebook.age_min = 0;
  d.codebook.age_max = codebook::kMaxAge;
  d.source = m.data.source;
  d.lines = m.data.lines;
  std::vector<const data::Column*> from;
  for (const std::string& name : names) {
    const Variable* rv = rcb.by_name(name);
    if (!rv)
      if (const auto role = codebook::parse_role(name)) rv = rcb.by_role(*role);
    if (!rv) continue; // not a variable: the caller's own check names it
    if (std::any_of(d.codebook.variables.begin(), d.codebook.variables.end(), [&](const Variable& v) { return v.name == rv->name; })) continue;
    const data::Column* mc = nullptr;
    if (rv->role != Role::None && rv->role != Role::Id &&
        std::find(m.not_asked.begin(), m.not_asked.end(), codebook::role_name(rv->role)) == m.not_asked.end())
      mc = m.data.column(rv->role);
    const bool same_kind = mc && mc->var->type == rv->type &&
                           (rv->type == VarType::Integer || rv->type == VarType::Code || rv->type == VarType::Number ||
                            rv->type == VarType::Multi);
    if (!same_kind) {
      out.lacking.push_back(name);
      continue;
    }
    Variable v = *rv;
    v.derive.reset();
    d.codebook.variables.push_back(std::move(v));
    from.push_back(mc);
  }
  d.columns.resize(from.size());
  for (std::size_t i = 0; i < from.size(); ++i) {
    data::Column& c = d.columns[i];
    const data::Column& in = *from[i];
    const Variable& rv = d.codebook.variables[i];
    c.var = &rv;
    if (rv.type == VarType::Number) {
      c.numbers = in.numbers;
      continue;
    }
    if (rv.type == VarType::Multi) { // each option chosen, as the respondents' option with its key (else number)
      c.multi.assign(m.data.rows(), 0);
      c.multi_answered.assign(m.data.rows(), 0);
      c.ints.assign(m.data.rows(), data::kMissing);
      c.raw_missing.assign(m.data.rows(), data::kMissing);
      for (std::size_t k = 0; k < m.data.rows() && k < in.multi.size(); ++k) {
        c.multi_answered[k] = in.multi_answered[k];
        for (std::size_t b = 0; b < in.var->codes.size() && b < 64; ++b) {
          if (!((in.multi[k] >> b) & 1U)) continue;
          const codebook::CodeDef& mcode = in.var->codes[b];
          const codebook::CodeDef* rcode = !mcode.key.empty() ? rv.find_key(mcode.key) : rv.find_code(mcode.code);
          if (!rcode) continue;
          const auto j = static_cast<std::size_t>(rcode - rv.codes.data());
          if (j < 64) c.multi[k] |= std::uint64_t{1} << j;
        }
      }
      continue;
    }
    c.ints.assign(m.data.rows(), data::kMissing);
    c.raw_missing.assign(m.data.rows(), data::kMissing);
    for (std::size_t k = 0; k < m.data.rows() && k < in.ints.size(); ++k) {
      const std::int64_t x = in.ints[k];
      if (x == data::kMissing) continue;
      if (rv.type != VarType::Code) {
        c.ints[k] = x;
        continue;
      }
      // The respondents' code with the member code's key, else the same number if the respondents have it.
      const codebook::CodeDef* mcode = in.var->find_code(x);
      const codebook::CodeDef* rcode = mcode && !mcode->key.empty() ? rv.find_key(mcode->key) : rv.find_code(x);
      if (rcode && !rv.is_missing_code(rcode->code)) c.ints[k] = rcode->code;
    }
  }
  return out;
}

} // namespace hkstat::roster
