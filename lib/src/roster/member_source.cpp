#include "hkstat/roster/member_source.hpp"

#include "hkstat/core/error.hpp"
#include "hkstat/data/copy.hpp"
#include "hkstat/roster/member_file.hpp"

namespace hkstat::roster {

MemberSource::MemberSource(const codebook::Codebook& respondents) : codebook_(respondents) {
  if (!codebook_.roster)
    throw_problem(ErrorCode::Internal, codebook_.path, Text{"コードブックに [roster] がありません", "the codebook has no [roster]"}, Text{});
  wide_ = codebook_.roster->wide();
  if (wide_) return;
  bool first = true;
  for_each_member_batch(codebook_, std::size_t{1} << 16, [&](const Members& m) {
    std::vector<std::size_t> rows(m.data.rows());
    for (std::size_t k = 0; k < rows.size(); ++k) rows[k] = k;
    if (first) {
      all_.data = data::rows_of(m.data, {});
      all_.not_asked = m.not_asked;
      first = false;
    }
    const data::Column& id = m.data.columns.front();
    for (std::size_t k = 0; k < rows.size(); ++k) index_.add(id.ids[k], m.data.lines[k]);
    data::append_rows(all_.data, m.data, rows);
    all_.slots += m.slots;
  });
}

Members MemberSource::of_batch(const data::Dataset& batch) {
  if (wide_) return read_members(batch);
  Members out;
  std::vector<std::size_t> keep;
  index_.each_of_batch(batch, [&](std::size_t r, std::uint32_t k) {
    keep.push_back(k);
    out.respondent.push_back(r);
  });
  out.data = data::rows_of(all_.data, keep);
  out.not_asked = all_.not_asked;
  out.slots = keep.size();
  return out;
}

void MemberSource::check_found(const std::string& respondents_source) const { index_.check_found(codebook_, respondents_source); }

void MembersById::add(const std::string& respondent_id, std::size_t line) {
  const auto i = static_cast<std::uint32_t>(next_.size());
  next_.push_back(UINT32_MAX);
  const auto [it, fresh] = ids_.try_emplace(respondent_id);
  if (fresh) {
    it->second.head = i;
    it->second.line = line;
  } else {
    next_[it->second.tail] = i;
  }
  it->second.tail = i;
}

void MembersById::check_found(const codebook::Codebook& respondents, const std::string& respondents_source) const {
  const std::pair<const std::string, Chain>* worst = nullptr;
  for (const auto& e : ids_)
    if (!e.second.found && (!worst || e.second.line < worst->second.line)) worst = &e;
  if (worst) throw Error(unknown_respondent(respondents, worst->second.line, worst->first, respondents_source));
}

} // namespace hkstat::roster
