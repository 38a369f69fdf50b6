// hkstat/codebook/codebook.hpp — what each column of a questionnaire means (docs/codebook.md).
#pragma once

#include "hkstat/core/error.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hkstat::codebook {

enum class VarType { Id, Integer, Number, Code, Multi, Text };

// Roles connect columns to what hkstat computes. Rule-sets refer to roles by name.
enum class Role {
  None,
  Id,
  Age,
  Sex,
  Outing,
  Duration,
  Reasons,
  MainReason,
  IllnessType,
  OtherReasonType,
  Occupation,
  HomeActivities,
  TalkNonfamily,
  WorkExperience,
  Weight,
  Stratum,   // sampling stratum (design); integer or code
  Psu,       // primary sampling unit (cluster), nested in its stratum; integer or code
  Fpc,       // first-stage finite population correction: population PSUs N_h or a sampling fraction; number
  Replicate, // one replicate-weight column; several variables may have this role; number
  Count,     // full counts given as numbers per category: the people this row stands for (integer >= 0)
  Form,      // which questionnaire ([[form]]) the row answered; code
};

const char* role_name(Role role);
std::optional<Role> parse_role(std::string_view name);
const char* type_name(VarType type);
std::vector<std::string> role_names(); // every role except None, in declaration order

struct CodeDef {
  std::int64_t code = 0;
  std::string label;
  std::string key;                // stable name rule-sets refer to; may be empty
  std::optional<bool> ge_6_months; // role = duration
  std::optional<int> min;          // role = age with type = code (age bands)
  std::optional<int> max;
  std::string column;              // multi with one 0/1 column per option: that column's CSV name
  std::vector<std::int64_t> from;  // derived by merge: the source codes this code stands for
  std::optional<std::int64_t> band_min; // derived by bands: the band's bounds (inclusive; absent = open)
  std::optional<std::int64_t> band_max;
};

// A derived variable (docs/codebook.md "Derived variables"): computed for every row from variables declared
// before it, right after the row is read; otherwise an ordinary variable (tabulate --var, --by, --where).
enum class DeriveMethod {
  Merge,       // code from code: each derived code lists the source codes it merges (from = [1, 2])
  Bands,       // code from integer: each derived code is a band (min / max, inclusive)
  YearsMonths, // integer from two integers: years + months, in whole years (months / 12 rounded down)
  AnyOf,       // code from multi: the first code if any of `options` was chosen, else the second
};
const char* derive_method_name(DeriveMethod m); // "merge", "bands", "years_months", "any_of"

struct Derivation {
  DeriveMethod method = DeriveMethod::Merge;
  std::string from;                    // merge, bands, any_of: the source variable's name
  std::string years, months;           // years_months: the two source variables
  std::vector<std::int64_t> options;   // any_of: option codes of the source multi
};

struct Variable {
  std::string name;
  Role role = Role::None;
  VarType type = VarType::Text;
  std::string label;
  std::vector<CodeDef> codes;
  std::vector<std::int64_t> missing; // codes meaning 無回答 / 非該当
  std::optional<double> min;
  std::optional<double> max;
  std::string delimiter;   // multi stored as one column of delimited codes
  std::optional<double> rscale; // role replicate: this column's rscale (or [replicates] rscales; not both)
  std::optional<Derivation> derive; // derived variable: no CSV column, computed from earlier variables
  std::vector<std::string> not_asked; // keys of options this questionnaire does not have (e.g. pregnancy): a rule
                                      // that needs one is skipped, and outputs say so (docs/codebook.md)
  std::size_t line = 0;    // line of the [[variable]] table in the codebook

  bool is_missing_code(std::int64_t code) const;
  const CodeDef* find_code(std::int64_t code) const;
  const CodeDef* find_key(std::string_view key) const;
  // Index of a code in `codes` (bit position for multi answers), or -1.
  int code_index(std::int64_t code) const;
  bool multi_as_columns() const { return type == VarType::Multi && delimiter.empty(); }
  // The CSV column names this variable reads (none for a derived variable).
  std::vector<std::string> csv_columns() const;
};

// What kind of data the codebook describes. Only population samples get a prevalence estimate;
// agency surveys (関係機関調査) and intake records (相談受付票) are tabulated only.
enum class SurveyKind { Population, Agency, Intake };
const char* survey_kind_name(SurveyKind k); // "population", "agency", "intake"

// [replicates]: how the role-replicate columns were made, R svrepdesign()'s arguments with its names and
// defaults (docs/codebook.md "Replicate weights"). The columns are the role-replicate variables in
// codebook order. Validated when parsed (estimate::replicate_design_from_columns checks it again).
struct ReplicateSpec {
  std::string type;              // "bootstrap" | "jk1" | "jkn" | "brr" | "fay" | "other" (lower-case)
  std::optional<double> scale;   // > 0; default by type; not allowed for brr and fay (fixed there)
  std::vector<double> rscales;   // empty: default by type; else one per replicate column, or one for all
  bool mse = false;              // R mse (survey.replicates.mse, default FALSE)
  std::optional<double> rho;     // Fay's ρ, 0 < ρ < 1: required for fay, not allowed otherwise
  bool combined_weights = true;  // R combined.weights: the columns are full weights (false: multipliers of the weight)
  std::size_t line = 0;          // line of the [replicates] table
};

// [data_file] — written by hkstat weight and hkstat replicate into the codebook of the CSV they write:
// the SHA-256 and row count of that CSV, so that a codebook and a data file that were not written
// together (a run killed between the two renames, a file replaced by hand) are refused instead of
// silently misdescribing the columns (docs/cli.md "Output policy").
struct DataFileBinding {
  std::string sha256; // 64 lowercase hex digits
  long long rows = -1; // data rows, -1 if not given
  std::size_t line = 0;
};

// [[check]] (docs/codebook.md "Answer checks"): a rule an answer must follow, and what to do when it does not.
enum class CheckKind {
  MaxChoices, // a multiple answer with at most `max` choices (「3つまで」)
  Exclusive,  // an option that excludes every other (わからない / 特にない): chosen together with another
  Skip,       // asked only of those whose answer to `if_variable` is one of `if_codes`: answered by someone else
};
enum class CheckAction {
  Reject, // the row is rejected (E_DATA_ANSWER_CHECK, like an invalid cell)
  Blank,  // the answer becomes missing (無回答); counted and listed
  Count,  // the answer is kept; counted and listed
};
const char* check_kind_name(CheckKind k);     // "max_choices", "exclusive", "skip"
const char* check_action_name(CheckAction a); // "reject", "blank", "count"

struct AnswerCheck {
  CheckKind kind = CheckKind::MaxChoices;
  std::string variable;                 // the checked variable (multi for max_choices and exclusive)
  int max = 0;                          // max_choices
  std::vector<std::int64_t> options;    // exclusive: the exclusive option codes
  std::string if_variable;              // skip: the filter question (code)
  std::vector<std::int64_t> if_codes;   // skip: the filter answers that lead to the question
  CheckAction action = CheckAction::Reject;
  std::size_t line = 0;                 // line of the [[check]] table
};

// One sentence describing a check («問6 は3つまで（超えた回答は無回答にする）»).
Text describe_check(const AnswerCheck& c);

// [roster] (docs/codebook.md "Household roster"): the other members of the respondent's household that the
// questionnaire asks the respondent about (家族内の該当者): who they are, age, sex, going-out state, duration.
// Either repeated column groups in the respondents' file (wide: `members` slots, the columns named by `pattern`
// with {n} = 1..members and {name} = the member question's name, e.g. 家族{n}_{name} → 家族1_外出), or a long
// file with one row per member linked by the respondent id (`file`, `id`). The wide columns are also ordinary
// variables of the codebook (named 家族1_外出 …, without a role), so they are validated like any column.
struct Roster {
  std::string label;               // shown in outputs, e.g. 家族内の該当者
  int members = 0;                 // wide: member slots per respondent (1-20); 0 for a long file
  std::string pattern;             // wide: column-name pattern with {n} and {name}
  std::string file;                // long: the member file, relative to the codebook's folder
  std::string id;                  // long: the member file's column holding the respondent id
  std::vector<Variable> variables; // one member's questions; roles: age, sex, outing, duration and rule-set roles
  std::size_t line = 0;            // line of the [roster] table

  bool wide() const { return members > 0; }
  // Wide: the CSV column of question `question` for member slot n (1-based).
  std::string column(int n, const std::string& question) const;
};

// [[form]] (docs/codebook.md "Several questionnaires"): one questionnaire of a survey that sent different forms
// to different ages (内閣府 2022: 15～39歳票 and 40～69歳票), the rows telling which by the role = "form"
// variable. Estimates are per reporting range (15-39, 40-64); a row counts only in a reporting range of its own
// form, and rows outside every one (65～69) are kept out of 全体 too, with a note.
struct AgeRange {
  int min = 0;
  int max = 0;
};
struct Form {
  std::int64_t code = 0;           // the form variable's code for this questionnaire
  std::string name;                // shown in notes, e.g. 40～69歳票
  int age_min = 0;                 // the ages the questionnaire was sent to (inclusive)
  int age_max = 0;
  std::vector<AgeRange> report;    // reporting ranges within [age_min, age_max]; disjoint over all forms
  std::size_t line = 0;            // line of the [[form]] table
};

// The largest age (years) a codebook, an age band or a rule-set may name; [codebook] age_max defaults to it.
// Integer keys are range-checked before they are narrowed (an age_min of 4294967296 is an error, not 0).
inline constexpr int kMaxAge = 150;

struct Codebook {
  std::string path;          // file it was read from ("" when parsed from memory)
  std::string title;
  SurveyKind kind = SurveyKind::Population; // [codebook] kind = "population" | "agency" | "intake"
  std::string questionnaire;
  int age_min = 0;
  int age_max = kMaxAge;
  std::vector<Variable> variables;
  std::vector<AnswerCheck> checks;         // [[check]]
  std::optional<ReplicateSpec> replicates; // [replicates]
  std::optional<DataFileBinding> data_file; // [data_file]
  std::optional<Roster> roster;            // [roster]: household members reported by the respondent
  std::vector<Form> forms;                 // [[form]]: several questionnaires by age (empty: one questionnaire)

  const Variable* by_role(Role role) const; // the first variable with the role
  std::vector<const Variable*> all_by_role(Role role) const; // every one (role replicate)
  const Variable* by_name(std::string_view name) const;
  int index_of(const Variable* v) const;
  const Form* form(std::int64_t code) const; // the [[form]] with this code, or nullptr
};

// Parse a codebook (TOML). Throws hkstat::Error: CodebookSyntax with the TOML line and column,
// or CodebookInvalid naming the key (e.g. variable[3].codes[2].code) and its line.
Codebook parse_codebook(std::string_view text, const std::string& source_name);
Codebook load_codebook(const std::string& path);

// One note per derived variable with its definition (「派生変数「把握」: 問5 の 1, 2 → 1 把握あり; …」), for the
// method notes of every output; empty when the codebook has none.
std::vector<Text> derived_variable_notes(const Codebook& cb);
// Several questionnaires ([[form]]): the note every estimate and table carries — each questionnaire's
// reporting ranges, and how many rows (`outside`) were kept out of every range, 全体 included (no such sentence for
// none). Empty without forms.
Text forms_note(const Codebook& cb, std::size_t outside);

// The [data_file] table for a CSV with these bytes and rows (TOML text with a leading comment), and
// codebook text with any [data_file] table (and that comment) removed, for a codebook copied from an input.
std::string data_file_table(std::string_view csv_bytes, long long rows, const std::string& written_by);
std::string without_data_file_table(const std::string& text);

} // namespace hkstat::codebook
