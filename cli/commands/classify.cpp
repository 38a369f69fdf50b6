// hkstat classify FILE — each respondent's class and deciding rule, plus the exclusion audit.
#include "commands/commands.hpp"
#include "common.hpp"

#include "hkstat/classify/classify.hpp"
#include "hkstat/report/estimate_report.hpp"

#include <iostream>

namespace hkstat::cli {

int run_classify(const std::vector<std::string>& args) {
  CommonOptions o;
  std::string rules, audit_out;
  OptionBinder b("classify");
  add_common_options(b, o);
  b("rules", &rules);
  b("audit-out", &audit_out);
  b.positional("input", &o.input);
  const po::variables_map vm = b.parse(args);
  if (o.input.empty()) usage_error("データファイルを指定してください: hkstat classify survey.csv", "give a data file: hkstat classify survey.csv");
  const Format format = o.output_format();

  run_outputs().declare_file(audit_out, "--audit-out");
  run_outputs().add_input(rules);
  Inputs in = load_inputs(o, {codebook::Role::Outing, codebook::Role::Duration}, std::cerr);
  const std::string rule_spec = !rules.empty() ? rules : in.config.ruleset.value_or(classify::kDefaultRuleSet);
  const classify::RuleSet rs = classify::resolve_ruleset(rule_spec);
  const classify::Classification cls = classify::classify(in.ingest.data, rs);

  report::DisplayOptions dopt;
  dopt.version = version_string();
  report::Document doc = report::classification_document(in.ingest.data, cls, dopt);
  doc.tables.push_back(report::respondent_table(in.ingest.data, cls));
  if (!audit_out.empty()) run_outputs().stage_file(audit_out, (o.bom ? "\xEF\xBB\xBF" : "") + report::render_csv(report::audit_table(cls)), "--audit-out");
  switch (format) {
  case Format::Csv: emit(o, report::render_csv(report::respondent_table(in.ingest.data, cls)), o.bom); break;
  case Format::Markdown: emit(o, report::render_markdown(doc, o.language()), false); break;
  case Format::Text: emit(o, report::render_text(doc, o.language()), false); break;
  }
  return kExitOk;
}

} // namespace hkstat::cli
