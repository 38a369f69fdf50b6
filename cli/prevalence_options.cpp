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

estimate::PrevalenceOptions resolve_prevalence_options(const po::variables_map& vm, const PrevalenceArgs& a, const config::RunConfig& cfg,
                                                       const codebook::Codebook& cb) {
  estimate::PrevalenceOptions p;
  if (!a.ci.empty()) p.ci_method = estimate::parse_ci_method(a.ci);
  else if (cfg.ci_method) p.ci_method = estimate::parse_ci_method(*cfg.ci_method);
  p.lonely = estimate::parse_lonely_psu(!a.lonely_psu.empty() ? a.lonely_psu : cfg.lonely_psu.value_or("fail"));
  p.level = vm.count("level") ? a.level : cfg.level.value_or(0.95);
  check_level_option(p.level);
  if (vm.count("rate-rounding")) {
    if (a.rate_rounding < 0 || a.rate_rounding > 6) usage_error("--rate-rounding は 0～6 です", "--rate-rounding must be 0-6", std::to_string(a.rate_rounding));
    p.rate_rounding = a.rate_rounding;
  } else {
    p.rate_rounding = cfg.rate_rounding;
  }
  std::vector<std::string> groups = {"15-39", "40-64"};
  if (vm.count("age-groups")) groups = a.age_groups == "none" || a.age_groups.empty() ? std::vector<std::string>{} : split_commas(a.age_groups);
  else if (cfg.age_groups) groups = *cfg.age_groups;
  for (const auto& g : groups) p.groups.push_back(estimate::parse_age_group(g));
  try {
    estimate::check_age_groups(p.groups, cb.age_min, cb.age_max);
  } catch (const Error& e) {
    if (vm.count("age-groups") || !cfg.age_groups) throw;
    Problem pr = e.problem(); // from the run configuration: its error, naming it
    pr.code = ErrorCode::ConfigInvalid;
    pr.pos.file = cfg.path;
    pr.pos.key = "estimate.age_groups";
    throw Error(std::move(pr));
  }

  auto& pop = p.population;
  const std::string pop_file = !a.population_file.empty() ? a.population_file : (vm.count("population") ? "" : cfg.population_file.value_or(""));
  if (vm.count("population")) {
    if (auto why = config::population_problem(a.population))
      throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{}, fmt::format("{}", a.population), Text{"--population: " + why->ja, "--population: " + why->en},
                          config::population_expected(), ""});
    pop.total = a.population;
    pop.source = "--population";
  } else if (!pop_file.empty()) {
    pop.by_group = api::population_by_group(pop_file, p.groups); // exit 4 naming the line
    pop.source = pop_file;
  } else if (cfg.population) {
    pop.total = cfg.population;
    pop.source = cfg.path;
  }
  if (pop.total || !pop.by_group.empty()) pop.label = cfg.population_label.value_or("");
  return p;
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
