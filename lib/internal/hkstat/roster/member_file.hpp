// hkstat/roster/member_file.hpp — a long roster's member file read in batches (docs/codebook.md "Household
// roster"), for the estimates that stream (estimate::LongMemberIndex).
#pragma once

#include "hkstat/core/error.hpp"
#include "hkstat/roster/roster.hpp"

#include <cstddef>
#include <functional>
#include <string>

namespace hkstat::roster {

// The member file (`[roster] file`, relative to the codebook's folder) in batches of up to `batch_rows` member rows
// (memory: one batch), each handed to `add` as Members whose `respondent` is empty (the respondent id is the data's
// first column); a file without member rows gives one empty batch. Errors as read_members (an invalid cell → its
// located error); an unknown respondent id is the caller's to find (unknown_respondent gives its error).
void for_each_member_batch(const codebook::Codebook& respondents, std::size_t batch_rows, const std::function<void(const Members&)>& add);
// The member file's path.
std::string member_file(const codebook::Codebook& respondents);
// The DataRoster error of a member row (its line and respondent id) whose respondent is not among the valid
// respondents of `respondents_source` (the file named in the hint).
Problem unknown_respondent(const codebook::Codebook& respondents, std::size_t line, const std::string& id, const std::string& respondents_source);

} // namespace hkstat::roster
