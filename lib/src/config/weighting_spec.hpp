// Private: the [weighting] section of the run configuration (parsed by run_config.cpp).
#pragma once

#include "core/toml_util.hpp"
#include "hkstat/weights/spec.hpp"

#include <string>

namespace hkstat::config {

// `p` relative to the directory of `base_file` (absolute paths unchanged).
std::string resolve_relative(const std::string& base_file, const std::string& p);

// The [weighting] table; population table paths are resolved relative to the configuration file.
weights::WeightingSpec parse_weighting(const toml::table& t, const hkstat::detail::TomlReader& r);

} // namespace hkstat::config
