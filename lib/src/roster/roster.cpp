#include "hkstat/roster/roster.hpp"

#include "hkstat/core/error.hpp"

#include <fmt/format.h>

#include <filesystem>
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
  for (std::size_t r = 0; r < rs.rows(); ++r)
    for (std::size_t s = 0; s < slot_cols.size(); ++s) {
      ++m.slots;
      const auto& cols = slot_cols[s];
      bool any = false;
      for (const data::Column* c : cols)
        any = any || (c->var->type == VarType::Multi ? c->multi_answered.size() > r && c->multi_answered[r] != 0 : c->ints[r] != data::kMissing);
      if (!any) continue;
      for (std::size_t k = 0; k < cols.size(); ++k) {
        data::Column& out = m.data.columns[k];
        const data::Column& in = *cols[k];
        // (a multi column has no ints: its answer is the bit set)
        out.ints.push_back(in.ints.size() > r ? in.ints[r] : data::kMissing);
        out.raw_missing.push_back(in.raw_missing.size() > r ? in.raw_missing[r] : data::kMissing);
        if (in.var->type == VarType::Multi) {
          out.multi.push_back(in.multi[r]);
          out.multi_answered.push_back(in.multi_answered[r]);
        }
      }
      m.data.lines.push_back(rs.lines[r]);
      m.respondent.push_back(r);
    }
  return m;
}

Members long_members(const data::Dataset& rs) {
  const codebook::Roster& ro = *rs.codebook.roster;
  const std::filesystem::path cbp(rs.codebook.path);
  const std::string path = (cbp.has_parent_path() ? cbp.parent_path() / ro.file : std::filesystem::path(ro.file)).string();
  codebook::Codebook mc;
  mc.path = rs.codebook.path;
  mc.title = rs.codebook.title;
  mc.age_min = 0;
  mc.age_max = codebook::kMaxAge;
  Variable idv;
  idv.name = ro.id;
  idv.type = VarType::Id;
  idv.label = ro.id;
  idv.line = ro.line;
  mc.variables.push_back(idv);
  for (const Variable& v : ro.variables) mc.variables.push_back(v);
  data::IngestOptions io;
  io.required_roles = {Role::Outing, Role::Duration};
  io.check_duplicate_ids = false;
  data::IngestResult in = data::ingest(path, mc, io);
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
    if (it == row_of.end()) {
      Problem p;
      p.code = ErrorCode::DataRoster;
      p.pos.file = path;
      p.pos.line = m.data.lines[k];
      p.pos.column_name = ro.id;
      p.pos.key = "roster.id";
      p.pos.record_id = mid.ids[k];
      p.value = mid.ids[k];
      p.message = mid.ids[k].empty()
                      ? Text{"家族票の回答者IDが空です", "the member row has no respondent id"}
                      : Text{fmt::format("家族票の回答者ID「{}」が、有効な回答者の中にありません", mid.ids[k]),
                             fmt::format("respondent id \"{}\" of the member row is not among the valid respondents", mid.ids[k])};
      p.expected = Text{fmt::format("{} の回答者ID（除外された行の家族票は削除する）", rs.source),
                        fmt::format("a respondent id of {} (delete the member rows of a rejected respondent)", rs.source)};
      throw Error(std::move(p));
    }
    m.respondent.push_back(it->second);
  }
  return m;
}

} // namespace

Members read_members(const data::Dataset& rs) {
  if (!rs.codebook.roster)
    throw_problem(ErrorCode::Internal, rs.codebook.path, Text{"コードブックに [roster] がありません", "the codebook has no [roster]"}, Text{});
  Members m = rs.codebook.roster->wide() ? wide_members(rs) : long_members(rs);
  add_not_asked(m, rs.codebook);
  return m;
}

} // namespace hkstat::roster
