// hkstat/roster/roster.hpp — household members reported by the respondent (家族内の該当者; docs/codebook.md
// "Household roster"): the members as rows of their own, classified by the same rule-set as the respondents.
#pragma once

#include "hkstat/classify/classify.hpp"
#include "hkstat/data/dataset.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hkstat::roster {

// What the prevalence counts (docs/estimation.md "Household members"):
//   Respondents        — respondents in the numerator and the denominator (the national surveys);
//   RespondentsMembers — respondents + the household members they report in the numerator, respondents in the
//                        denominator (a mean of counts per respondent: 西東京市 20 / 810);
//   Persons            — respondents + members in both (the share of the persons covered).
enum class Numerator { Respondents, RespondentsMembers, Persons };
const char* numerator_id(Numerator n); // "respondents", "respondents+members", "persons"
std::optional<Numerator> parse_numerator(std::string_view text);
// The default: respondents+members for a codebook with a [roster] (municipal practice), else respondents.
Numerator default_numerator(const codebook::Codebook& cb);

// What an estimate counted, for its output (PrevalenceResult::numerator). `mode` empty: a codebook without a
// roster, estimated as ever (respondents only, nothing extra printed).
struct NumeratorSummary {
  std::string mode;                 // "" | numerator_id()
  bool by_default = false;          // the codebook's default (no --numerator, no [estimate] numerator)
  std::string label;                // [roster] label, e.g. 家族内の該当者
  std::size_t members = 0;          // members reported by the valid respondents
  std::size_t members_out_of_age = 0; // of those, with an age outside the survey's age range: never counted
  std::size_t members_age_missing = 0; // counted in 全体 only
  std::size_t respondent_cases = 0; // 広義 respondents (all ages)
  std::size_t member_cases = 0;     // 広義 members in the survey's age range (all ages)
  std::vector<std::string> not_asked; // rule-set roles the members are not asked (read as 無回答)
  // Non-empty: the default respondents+members gave way to respondents because of this option (--by, --where,
  // --calibrate, --replicates, --ci …), which the estimate with members does not support.
  std::string fallback;
  // With fallback: the ‹by› / ‹where› variable the members are not asked (e.g. 問3 婚姻状況 of the respondent).
  std::string fallback_variable;
  // ‹by› / ‹where› variables read, for each member, from the member's own answer (the roster question with the
  // same role: 問1 → the member's 性別), for the output's note.
  std::vector<std::string> own_variables;
};

struct Members {
  // One row per reported member: the roster questions with their roles (age, sex, outing, duration, …), plus a
  // column that is never answered for each rule-set role the respondents have and the members are not asked
  // (a rule on such a role reads the member's answer as 無回答, as for a respondent who left it blank).
  data::Dataset data;
  std::vector<std::size_t> respondent;      // row of the respondents' data of the respondent who reported each member
  std::vector<std::string> not_asked;       // those roles, by name
  std::size_t slots = 0;                    // wide: member slots read (respondents × members); long: member rows read
};

// The members reported by the valid respondents of `respondents` (whose codebook has a [roster]):
//  * wide: a slot is a member when any of its columns is answered (an all-empty group is no member);
//  * long: the member file (`[roster] file`, relative to the codebook's folder) read under the roster questions;
//    an invalid cell stops with its located error (exit 3), a member row whose respondent id is not among the valid
//    respondents (unknown, or a rejected row) → DataRoster naming the file, line, column and id.
Members read_members(const data::Dataset& respondents);

// The members' own answers to respondent variables, for ‹by›, ‹where› and tabulate over respondents and members
// (docs/estimation.md "Household members"): a data set with one row per member whose variables are the
// respondents' (same names, types and codes), each read from the roster question with the same role (問1 性別 →
// the member's 家族n_性別; codes matched by key, else by number; a code of the member's that the respondents'
// variable lacks reads as missing). A variable the members are not asked (no role, a role the roster lacks or
// reads as not asked, or another type, e.g. 問3 婚姻状況) is not in the view: `lacking` lists those names.
struct MemberView {
  data::Dataset data;
  std::vector<std::string> lacking;
};
// `names`: respondent variable names or role names (as ‹by› and ‹where› take them).
MemberView member_view(const Members& members, const codebook::Codebook& respondents, const std::vector<std::string>& names);

} // namespace hkstat::roster
