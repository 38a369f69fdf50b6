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
    for (std::size_t k = 0; k < rows.size(); ++k) {
      const auto i = static_cast<std::uint32_t>(all_.data.rows() + k);
      next_.push_back(UINT32_MAX);
      const auto [it, fresh] = ids_.try_emplace(id.ids[k]);
      if (fresh) {
        it->second.head = i;
        it->second.line = m.data.lines[k];
      } else {
        next_[it->second.tail] = i;
      }
      it->second.tail = i;
    }
    data::append_rows(all_.data, m.data, rows);
    all_.slots += m.slots;
  });
}

Members MemberSource::of_batch(const data::Dataset& batch) {
  if (wide_) return read_members(batch);
  Members out;
  std::vector<std::size_t> keep;
  const data::Column* id = batch.column(codebook::Role::Id);
  for (std::size_t r = 0; id && r < batch.rows(); ++r)
    if (const auto it = ids_.find(id->ids[r]); it != ids_.end()) {
      it->second.found = true;
      for (std::uint32_t k = it->second.head; k != UINT32_MAX; k = next_[k]) {
        keep.push_back(k);
        out.respondent.push_back(r);
      }
    }
  out.data = data::rows_of(all_.data, keep);
  out.not_asked = all_.not_asked;
  out.slots = keep.size();
  return out;
}

void MemberSource::check_found(const std::string& respondents_source) const {
  const std::pair<const std::string, Chain>* worst = nullptr;
  for (const auto& e : ids_)
    if (!e.second.found && (!worst || e.second.line < worst->second.line)) worst = &e;
  if (worst) throw Error(unknown_respondent(codebook_, worst->second.line, worst->first, respondents_source));
}

} // namespace hkstat::roster
