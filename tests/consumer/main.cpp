// A program outside the hkstat tree that uses an installed hkstat (tests/consumer/run.sh builds it with
// find_package(hkstat) and with pkg-config; tests/CMakeLists.txt builds it in the tree). The C++ example of
// docs/library.md, which a test keeps identical to this file: the prevalence of 広義のひきこもり群 of a
// survey file, with the codebook and run configuration found next to it as the hkstat command finds them.
//   hkstat-consumer survey.csv   →   valid n, cases, estimated persons
#include <hkstat/hkstat.hpp>

#include <cmath>
#include <iostream>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: hkstat-consumer survey.csv\n";
    return 2;
  }
  try {
    // survey.csv + survey.codebook.toml + survey.hkstat.toml (rule-set, population, age groups).
    const hkstat::api::Survey survey = hkstat::api::load_survey(argv[1]);
    const hkstat::estimate::PrevalenceResult result = hkstat::api::estimate_prevalence(survey);

    const hkstat::estimate::PrevalenceCell& broad = hkstat::api::headline(result); // 広義, all respondents
    std::cout << "valid n " << broad.est.n << "\n"
              << "cases " << broad.cases << "\n"
              << "persons " << (broad.persons ? std::to_string(std::llround(*broad.persons)) : "-") << "\n";
    return 0;
  } catch (const hkstat::Error& e) { // code, file/line/column, value, expected; messages in ja and en
    std::cerr << hkstat::format_problem(e.problem(), hkstat::Lang::En) << "\n";
    return 1;
  }
}
