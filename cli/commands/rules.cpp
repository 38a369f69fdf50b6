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
  OptionBinder b("rules");
  b("lang", &o.lang);
  b("out", &o.out);
  b.positional("id", &id);
  b.parse(args);
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
