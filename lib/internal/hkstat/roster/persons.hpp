// hkstat/roster/persons.hpp — respondents and the household members they report as one data set of persons
// (tabulate --members, classify --members; docs/tabulate.md "Respondents and household members").
#pragma once

#include "hkstat/classify/classify.hpp"
#include "hkstat/data/dataset.hpp"
#include "hkstat/roster/roster.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace hkstat::roster {

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

} // namespace hkstat::roster
