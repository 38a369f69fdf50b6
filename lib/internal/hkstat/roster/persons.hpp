// hkstat/roster/persons.hpp — respondents and the household members they report as one data set of persons
// (tabulate --members, classify --members; docs/tabulate.md "Respondents and household members").
#pragma once

#include "hkstat/classify/classify.hpp"
#include "hkstat/data/dataset.hpp"
#include "hkstat/roster/roster.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hkstat::roster {

class MemberSource;

// The id of each member for listings: the respondent's id (else the file line) + "-m" + the member's number —
// the column group for the wide layout (NT0001-m2 = 家族2_…), the order among the respondent's rows of the
// member file for the long layout.
std::vector<std::string> member_ids(const data::Dataset& respondents, const Members& members);

struct PersonsData {
  data::Dataset data;               // the respondents' rows, then the members counted (see persons_data)
  classify::Classification cls;     // the respondents' decisions, then the members' (empty rows without a rule-set)
  std::size_t respondents = 0;      // rows of respondents
  std::size_t members = 0;          // rows of members
  std::size_t members_out_of_age = 0; // members reported but outside the survey's age range: not in `data`
  bool household_psu = false;       // the design had no PSU: the household (the respondent) was made the PSU
  std::vector<std::size_t> member_respondent; // for each member row (data row respondents + j): the respondent's row
};

// The respondents, then each member whose age is within the survey's age range or unknown (the population is the
// survey's, as in the estimate), as rows with the respondents' variables: a variable the members are asked
// (member_view) holds the member's own answer, any other is missing (the caller refuses such variables); the
// id is member_ids'; the design columns (weight, stratum, PSU, fpc) are those of the respondent who reported the
// member (members carry the respondent's weight); without a PSU column the household is made the PSU (a
// variable 世帯（回答者） with role psu), since the members of one household are not independent draws.
// `rcls` / `mcls` may be null (no classification needed).
PersonsData persons_data(const data::Dataset& respondents, const classify::Classification* rcls, const Members& members,
                         const classify::Classification* mcls);

// Part of persons_data, for the streamed tabulate --members: the respondents' rows only or the members' rows only
// (then `data`, `cls` and the counts hold that part; member_respondent is empty for the respondents' part), and the
// household of respondent row r (the psu made without a psu column) households[r] (empty: first_household + r + 1).
struct PersonsParts {
  bool respondents = true;
  bool members = true;
  std::size_t first_household = 0;
  std::vector<std::int64_t> households;
  // The members only: a data set of the respondents' codebook with a row (its columns say which per-row vectors a
  // column has), when `respondents` keeps only some columns (PersonsStream: design, id, member columns).
  const data::Dataset* layout = nullptr;
};
PersonsData persons_data(const data::Dataset& respondents, const classify::Classification* rcls, const Members& members,
                         const classify::Classification* mcls, const PersonsParts& parts);

// tabulate --members in one pass over the respondents (issue 16): each batch's respondents as persons rows now, and
// their members kept (the members' rows and the rows of the respondents who reported them: bounded by the members)
// for members() after the last batch. Fed to one accumulator in that order, the persons are those of persons_data on
// the whole file with the members of read_members (a long member file's grouped by respondent: MemberSource),
// in the same order, so the tables are the same, bit for bit, whatever the batches.
class PersonsStream {
public:
  explicit PersonsStream(const codebook::Codebook& respondents);
  ~PersonsStream();
  PersonsStream(PersonsStream&&) noexcept;
  // The batch's respondents as persons (its classification `cls`, may be null), keeping its members.
  PersonsData respondents(const data::Dataset& batch, const classify::Classification* cls);
  // The members of the first batch (for member_view's check of what the members are asked): valid after the first
  // respondents() call.
  const Members* first_members() const { return first_ ? &*first_ : nullptr; }
  // After the last batch: the members, classified with `rules` (may be null), as persons rows, handed to `add` in
  // parts of about 65,536 members (a respondent's members in one part), in order; the counts are returned (data
  // empty). Long: an unknown respondent id → MemberSource::check_found's error (`respondents_source` names the
  // respondents' file).
  PersonsData members(const classify::RuleSet* rules, const std::string& respondents_source,
                      const std::function<void(const PersonsData&)>& add, std::size_t part_members = std::size_t{1} << 16);
  std::size_t respondent_rows() const { return offset_; }

private:
  std::unique_ptr<MemberSource> source_;
  std::optional<Members> first_;
  std::size_t offset_ = 0;
  bool started_ = false;
  std::vector<char> reporter_columns_;       // the columns kept of them: design, id, a wide roster's member columns
  data::Dataset layout_;                     // a respondent row with every column (PersonsParts::layout)
  data::Dataset reporters_;                  // the rows of the respondents with members
  std::vector<std::int64_t> households_;     // per reporters_ row: its household (global respondent row + 1)
  Members kept_;                             // their members (respondent: the row in reporters_)
};

} // namespace hkstat::roster
