// The second C++ example of docs/library.md (a test keeps the two identical and runs it: tests/python/test_docs.py):
// the estimate with calibrated weights and with bootstrap replicates, the estimated number of 広義 persons with its
// SE, and the report folder of `hkstat report` — each the command's numbers and bytes for the same options.
//   hkstat-jobs survey.csv OUT_DIR
#include <hkstat/hkstat.hpp>

#include <cstdio>
#include <iostream>

namespace api = hkstat::api;

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: hkstat-jobs survey.csv OUT_DIR\n";
    return 2;
  }
  try {
    const api::Survey survey = api::load_survey(argv[1]);

    api::EstimateOptions calibrated; // hkstat estimate --calibrate: the run configuration's [weighting]
    calibrated.calibrate = true;
    const auto& c = api::headline(api::estimate_prevalence(survey, calibrated));
    std::printf("calibrated rate %.4f se %.4f\n", c.est.value, c.est.se);

    api::EstimateOptions boot; // hkstat estimate --replicates bootstrap --replicates-n 200 --seed 7
    boot.replicates = "bootstrap";
    boot.replicates_n = 200;
    boot.seed = 7;
    const auto& b = api::headline(api::estimate_prevalence(survey, boot));
    std::printf("bootstrap rate %.4f se %.4f\n", b.est.value, b.est.se);

    // hkstat estimate --stat total (no variable: the persons of 広義 = rate × population, with the SE).
    // Two rows: the weighted total and, with a population, rate × population.
    for (const hkstat::estimate::StatisticRow& row : api::statistic(survey, api::StatisticOptions{}).rows)
      if (row.meaning == "rate_x_population") std::printf("persons %.0f se %.0f (%s)\n", row.est.value, row.est.se, row.meaning.c_str());

    api::ReportFolderOptions folder; // hkstat report survey.csv --out-dir OUT_DIR --timestamp 2025-03-01
    folder.out_dir = argv[2];
    folder.timestamp = "2025-03-01";
    const api::ReportFolder written = api::report(survey, folder);
    std::printf("report %s: %zu files\n", written.dir.c_str(), written.files.size());
    return 0;
  } catch (const hkstat::Error& e) { // code, file/line/column, value, expected; messages in ja and en
    std::cerr << hkstat::format_problem(e.problem(), hkstat::Lang::En) << "\n";
    return 1;
  }
}
