#include "prevalence_options.hpp"

#include "hkstat/api/survey.hpp"
#include "hkstat/estimate/design.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <optional>

namespace hkstat::cli {

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    const auto comma = s.find(',', start);
    out.push_back(s.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    start = comma == std::string::npos ? s.size() + 1 : comma + 1;
  }
  return out;
}

void add_prevalence_options(OptionBinder& b, PrevalenceArgs& a) {
  b("population", &a.population);
  b("population-file", &a.population_file);
  b("age-groups", &a.age_groups);
  b("ci", &a.ci);
  b("lonely-psu", &a.lonely_psu);
  b("level", &a.level);
  b("rate-rounding", &a.rate_rounding);
  b("numerator", &a.numerator);
}

roster::Numerator resolve_numerator(const po::variables_map& vm, const PrevalenceArgs& a, const config::RunConfig& cfg,
                                    const codebook::Codebook& cb, bool& by_default) {
  by_default = false;
  if (vm.count("numerator")) {
    if (auto n = roster::parse_numerator(a.numerator)) return *n;
    usage_error("--numerator は respondents, respondents+members, persons のいずれかです",
                "--numerator must be respondents, respondents+members or persons", a.numerator);
  }
  if (cfg.numerator) return *roster::parse_numerator(*cfg.numerator);
  by_default = true;
  return roster::default_numerator(cb);
}

void check_level_option(double level) {
  if (!config::level_ok(level))
    usage_error("--level は 0.000001～0.999999 です", "--level must be from 0.000001 to 0.999999", fmt::format("{}", level));
}

void check_min_cell_option(int min_cell) {
  if (min_cell < 0 || min_cell > config::kMaxMinCell)
    usage_error(fmt::format("--min-cell は 0～{} です", config::kMaxMinCell), fmt::format("--min-cell must be 0-{}", config::kMaxMinCell), std::to_string(min_cell));
}

api::EstimateOptions estimate_options(const po::variables_map& vm, const PrevalenceArgs& a) {
  // The flags as the facade's options (the values given on the command line only; the library resolves them
  // against the run configuration and the defaults: api::prevalence_options). Flag values are checked here
  // first, so that their messages name the flag.
  api::EstimateOptions o;
  o.ci = a.ci;
  o.lonely_psu = a.lonely_psu;
  if (vm.count("level")) {
    check_level_option(a.level);
    o.level = a.level;
  }
  if (vm.count("rate-rounding")) {
    if (a.rate_rounding < 0 || a.rate_rounding > 6) usage_error("--rate-rounding は 0～6 です", "--rate-rounding must be 0-6", std::to_string(a.rate_rounding));
    o.rate_rounding = a.rate_rounding;
  }
  if (vm.count("age-groups")) o.age_groups = a.age_groups == "none" || a.age_groups.empty() ? std::vector<std::string>{} : split_commas(a.age_groups);
  if (vm.count("population")) {
    if (auto why = config::population_problem(a.population))
      throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{}, fmt::format("{}", a.population), Text{"--population: " + why->ja, "--population: " + why->en},
                          config::population_expected(), ""});
    o.population = a.population;
    o.population_source = "--population";
  }
  o.population_file = a.population_file;
  return o;
}

estimate::PrevalenceOptions resolve_prevalence_options(const po::variables_map& vm, const PrevalenceArgs& a, const config::RunConfig& cfg,
                                                       const codebook::Codebook& cb) {
  return api::prevalence_options(cfg, cb, estimate_options(vm, a));
}

void add_display_options(OptionBinder& b, DisplayArgs& a) {
  b("rules", &a.rules);
  b("rate-decimals", &a.rate_decimals);
  b("persons-unit", &a.persons_unit);
  b("min-cell", &a.min_cell);
}

classify::RuleSet resolve_rules(const DisplayArgs& a, const config::RunConfig& cfg) {
  return classify::resolve_ruleset(!a.rules.empty() ? a.rules : cfg.ruleset.value_or(classify::kDefaultRuleSet));
}

report::DisplayOptions resolve_display_options(const po::variables_map& vm, const DisplayArgs& a, const config::RunConfig& cfg) {
  report::DisplayOptions d;
  if (cfg.fieldwork) d.method_notes.push_back(config::fieldwork_note(*cfg.fieldwork));
  d.rate_decimals = vm.count("rate-decimals") ? a.rate_decimals : cfg.rate_decimals.value_or(1);
  if (d.rate_decimals < 0 || d.rate_decimals > 6) usage_error("--rate-decimals は 0～6 です", "--rate-decimals must be 0-6", std::to_string(d.rate_decimals));
  const std::string unit = !a.persons_unit.empty() ? a.persons_unit : cfg.persons_unit.value_or("person");
  if (unit != "person" && unit != "man") usage_error("--persons-unit は person か man です", "--persons-unit must be person or man", unit);
  d.persons_unit = unit == "man" ? report::PersonsUnit::Man : report::PersonsUnit::Person;
  d.min_cell = vm.count("min-cell") ? a.min_cell : cfg.min_cell.value_or(5);
  check_min_cell_option(d.min_cell);
  return d;
}

} // namespace hkstat::cli
