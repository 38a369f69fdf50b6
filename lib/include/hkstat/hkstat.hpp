// hkstat/hkstat.hpp — the umbrella header: everything a program needs to use hkstat (docs/library.md).
//
//   #include <hkstat/hkstat.hpp>
//   const hkstat::api::Survey s = hkstat::api::load_survey("survey.csv");
//   const hkstat::estimate::PrevalenceResult r = hkstat::api::estimate_prevalence(s);
//
// The public surface (stable within a 0.x minor version, see docs/library.md "Public surface"): the facade
// hkstat/api/survey.hpp, the error type hkstat/core/error.hpp, and the result and option types these
// return or take (estimate::PrevalenceResult, tabulate::Distribution, classify::Classification,
// config::RunConfig, codebook::Codebook, data::Dataset). Every other header under hkstat/ is internal
// and may change in any release.
#pragma once

#include "hkstat/api/survey.hpp"
#include "hkstat/classify/classify.hpp"
#include "hkstat/classify/ruleset.hpp"
#include "hkstat/codebook/codebook.hpp"
#include "hkstat/config/run_config.hpp"
#include "hkstat/core/error.hpp"
#include "hkstat/core/option_text.hpp"
#include "hkstat/data/dataset.hpp"
#include "hkstat/estimate/prevalence.hpp"
#include "hkstat/tabulate/tabulate.hpp"
