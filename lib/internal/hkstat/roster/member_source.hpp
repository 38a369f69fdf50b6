// hkstat/roster/member_source.hpp — the household members of each batch of respondents, for the commands that
// stream with a roster and need the members' own rows (tabulate --members, classify --members; issue 16), and the
// index of a long member file by respondent id that they and estimate's LongMemberIndex share (MembersById).
#pragma once

#include "hkstat/roster/roster.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace hkstat::roster {

// A long member file's members chained by respondent id, in the order added (member k = the k-th add): what
// MemberSource and estimate's LongMemberIndex both look up per batch of respondents. Memory: the ids and one index
// per member.
class MembersById {
public:
  // The next member (index = members added so far): its respondent id and its line in the member file.
  void add(const std::string& respondent_id, std::size_t line);
  // For each row r of `batch` (ascending) whose id (role id) has members: fn(r, k) for its members k in the order
  // added. Marks those ids found.
  template <class Fn> void each_of_batch(const data::Dataset& batch, Fn&& fn) {
    const data::Column* id = batch.column(codebook::Role::Id);
    for (std::size_t r = 0; id && r < batch.rows(); ++r)
      if (const auto it = ids_.find(id->ids[r]); it != ids_.end()) {
        it->second.found = true;
        for (std::uint32_t k = it->second.head; k != UINT32_MAX; k = next_[k]) fn(r, k);
      }
  }
  // After the last respondent: a member whose respondent id was never found → DataRoster naming the first such
  // member row (unknown_respondent, as read_members).
  void check_found(const codebook::Codebook& respondents, const std::string& respondents_source) const;
  std::size_t respondents() const { return ids_.size(); } // respondent ids with members

private:
  struct Chain {
    std::uint32_t head = 0, tail = 0; // the first and last member
    std::size_t line = 0;             // the member file line of its first member
    bool found = false;
  };
  std::unordered_map<std::string, Chain> ids_;
  std::vector<std::uint32_t> next_; // per member: the next member of the same respondent (UINT32_MAX: none)
};

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
  codebook::Codebook codebook_;
  bool wide_ = true;
  Members all_; // long: every member row (respondent unused)
  MembersById index_;
};

} // namespace hkstat::roster
