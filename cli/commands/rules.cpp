// hkstat rules [ID] — list the built-in rule-sets, or print one (to copy and edit).
#include "commands/commands.hpp"
#include "common.hpp"

#include "hkstat/classify/ruleset.hpp"

#include <fmt/format.h>

#include <iostream>

namespace hkstat::cli {

int run_rules(const std::vector<std::string>& args) {
  CommonOptions o;
  std::string id;
  po::options_description desc("hkstat rules options");
  desc.add_options()("lang", po::value(&o.lang), "ja (default) or en")("out,o", po::value(&o.out), "write to FILE")("id", po::value(&id), "rule-set id");
  po::positional_options_description pos;
  pos.add("id", 1);
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(desc).positional(pos).run(), vm);
  po::notify(vm);
  const bool en = o.language() == Lang::En;
  if (!id.empty()) {
    emit(o, classify::builtin_ruleset_text(id), false);
    return kExitOk;
  }
  std::string out;
  for (const auto& rid : classify::builtin_ruleset_ids()) {
    const auto rs = classify::builtin_ruleset(rid);
    out += fmt::format("{:<22} v{}  {}  [{}]{}\n", rs.id, rs.version, en ? rs.title_en : rs.title_ja, rs.confidence,
                       rs.id == classify::kDefaultRuleSet ? (en ? "  (default)" : "  (既定)") : "");
  }
  emit(o, out, false);
  return kExitOk;
}

} // namespace hkstat::cli
