#pragma once
#include <string>
#include <vector>

namespace hkstat::cli {
// Each returns the process exit code; errors propagate as hkstat::Error to main().
int run_estimate(const std::vector<std::string>& args);
int run_classify(const std::vector<std::string>& args);
int run_tabulate(const std::vector<std::string>& args);
int run_rules(const std::vector<std::string>& args);
int run_compare(const std::vector<std::string>& args);
int run_weight(const std::vector<std::string>& args);
int run_report(const std::vector<std::string>& args);
int run_replicate(const std::vector<std::string>& args);
int run_codebook(const std::vector<std::string>& args); // init | check
} // namespace hkstat::cli
