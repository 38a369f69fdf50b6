// hkstat/classify/classify.hpp — apply a rule-set to every respondent.
#pragma once

#include "hkstat/classify/ruleset.hpp"
#include "hkstat/data/dataset.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace hkstat::classify {

enum class Class : std::uint8_t { Narrow, Semi, NotCase, Excluded };

// Why a respondent got the class. For Excluded, `rule` is the index of the deciding exclusion rule.
enum class Reason : std::uint8_t {
  CoreNarrow,      // 狭義: outing in core.narrow, duration >= 6 months, no exclusion
  CoreSemi,        // 準
  Excluded,        // meets the core condition, removed by rule `rule`
  OutingMissing,   // 外出頻度が無回答 (stays in the denominator)
  OutingNotCore,   // outing option 1-4
  DurationShort,   // duration < 6 months
  DurationMissing, // duration 無回答
};

const char* class_label(Class c, bool english);
const char* class_id(Class c);       // "narrow", "semi", "not_case", "excluded"
const char* reason_id(Reason r);      // "core:narrow", "core:semi", "exclude", "outing:missing", ...
const char* reason_label(Reason r, bool english);

struct Decision {
  Class cls = Class::NotCase;
  Reason reason = Reason::OutingNotCore;
  int rule = -1; // index into RuleSet::rules when reason == Excluded
};

struct RuleAudit {
  std::string id;
  std::size_t decided = 0; // respondents excluded by this rule (first rule that fired)
  std::size_t fired = 0;   // respondents meeting the core condition for whom this rule holds
  // Not applied: the rule needs an option the questionnaire does not have (codebook not_asked): that key and
  // the variable; empty = applied.
  std::string skipped_key;
  std::string skipped_variable;
};

struct Classification {
  RuleSet ruleset;
  std::vector<Decision> rows;     // parallel to the dataset's rows
  std::vector<RuleAudit> audit;   // parallel to ruleset.rules
  // Respondents classified and counted by absorb() whose decisions are not kept (a streamed classify).
  std::size_t absorbed = 0;
  std::array<std::size_t, 4> absorbed_class{};  // by Class
  std::array<std::size_t, 7> absorbed_reason{}; // by Reason
  // Counts include the absorbed respondents.
  std::size_t count(Class c) const;
  std::size_t count(Reason r) const;
  std::size_t classified() const { return rows.size() + absorbed; }
  // Adds `batch` (the classification of the next rows, same rule-set) to the counts and the audit; its
  // decisions are not kept.
  void absorb(const Classification& batch);
  bool is_broad(std::size_t row) const { return rows[row].cls == Class::Narrow || rows[row].cls == Class::Semi; }
};

// Bind the rule-set to the dataset's codebook (every role and key a rule names must exist; otherwise
// RulesUnknownRole / RulesUnknownKey naming the rule, its line and the codebook) and classify each row.
Classification classify(const data::Dataset& data, const RuleSet& ruleset);

// One note per exclusion rule that classify() skips because it needs an option the questionnaire does not
// have (codebook not_asked), naming the rule, the option and the variable; empty when every rule applies.
std::vector<Text> skipped_rule_notes(const RuleSet& ruleset, const codebook::Codebook& codebook);

} // namespace hkstat::classify
