// A program outside the hkstat tree that uses an installed hkstat (tests/consumer/run.sh builds it with
// find_package(hkstat) and with pkg-config). The minimal example of docs/library.md: the prevalence of
// 広義のひきこもり群 of a survey file, with the codebook and run configuration next to it.
//   hkstat-consumer survey.csv   →   valid n, cases, estimated persons
#include <hkstat/classify/classify.hpp>
#include <hkstat/classify/ruleset.hpp>
#include <hkstat/codebook/codebook.hpp>
#include <hkstat/config/run_config.hpp>
#include <hkstat/core/error.hpp>
#include <hkstat/data/dataset.hpp>
#include <hkstat/estimate/prevalence.hpp>

#include <cmath>
#include <iostream>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: hkstat-consumer survey.csv\n";
    return 2;
  }
  const std::string csv = argv[1];
  try {
    // <stem>.hkstat.toml (rule-set, population) and <stem>.codebook.toml, as the hkstat CLI finds them.
    const hkstat::config::RunConfig cfg = hkstat::config::load_run_config(hkstat::config::sibling_path(csv, "hkstat.toml"));
    const hkstat::codebook::Codebook cb = hkstat::codebook::load_codebook(cfg.codebook.value_or(hkstat::config::sibling_path(csv, "codebook.toml")));

    hkstat::data::IngestOptions io;
    io.required_roles = {hkstat::codebook::Role::Outing, hkstat::codebook::Role::Duration};
    const hkstat::data::IngestResult in = hkstat::data::ingest(csv, cb, io);
    if (in.rows_rejected > 0) {
      std::cerr << hkstat::format_problem(in.rejected.front().problems.front(), hkstat::Lang::En) << "\n";
      return 3;
    }

    const hkstat::classify::RuleSet rules = hkstat::classify::resolve_ruleset(cfg.ruleset.value_or(hkstat::classify::kDefaultRuleSet));
    const hkstat::classify::Classification cls = hkstat::classify::classify(in.data, rules);

    hkstat::estimate::PrevalenceOptions opt;
    opt.population.total = cfg.population;
    const hkstat::estimate::PrevalenceResult r = hkstat::estimate::estimate_prevalence(in.data, cls, opt);
    for (const auto& cell : r.cells)
      if (cell.measure == hkstat::estimate::Measure::Broad && cell.group == "all" && cell.by_variable.empty()) {
        std::cout << "valid n " << cell.n << "\n"
                  << "cases " << cell.cases << "\n"
                  << "persons " << (cell.persons ? std::to_string(std::llround(*cell.persons)) : "-") << "\n";
        return 0;
      }
    std::cerr << "no broad/all cell\n";
    return 70;
  } catch (const hkstat::Error& e) {
    std::cerr << hkstat::format_problem(e.problem(), hkstat::Lang::En) << "\n";
    return 1;
  }
}
