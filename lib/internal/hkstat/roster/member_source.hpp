// hkstat/roster/member_source.hpp — the household members of each batch of respondents, for the commands that
// stream with a roster and need the members' own rows (tabulate --members, classify --members; issue 16).
#pragma once

#include "hkstat/roster/roster.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace hkstat::roster {

// The members of a batch of respondents as read_members gives them for a data set: Members::respondent is the
// respondent's row in the batch, ascending; a respondent's members in the order of its column groups (wide) or of
// the member file (long). Wide: read_members(batch), flat. Long: the member file is read first, in batches (an
// invalid cell stops there, before any respondent), and its rows are kept, chained by respondent id: memory
// bounded by the members, as estimate's LongMemberIndex. The members of all batches together are read_members of
// the whole file, with a long file's members grouped by respondent (the same rows when the member file is sorted
// by respondent).
class MemberSource {
public:
  explicit MemberSource(const codebook::Codebook& respondents);
  Members of_batch(const data::Dataset& batch);
  // After the last batch (long): a member whose respondent id was in no batch → DataRoster naming the first such
  // member row (unknown_respondent; read_members's error).
  void check_found(const std::string& respondents_source) const;

private:
  struct Chain {
    std::uint32_t head = 0, tail = 0;
    std::size_t line = 0;
    bool found = false;
  };
  codebook::Codebook codebook_;
  bool wide_ = true;
  Members all_; // long: every member row (respondent unused)
  std::unordered_map<std::string, Chain> ids_;
  std::vector<std::uint32_t> next_;
};

} // namespace hkstat::roster
