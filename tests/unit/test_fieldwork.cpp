// [fieldwork] in the run configuration: questionnaires sent, returned and valid, and the response-rate note.
#include "hkstat/config/run_config.hpp"
#include "hkstat/core/error.hpp"

#include "test_util.hpp"

#include <catch2/catch.hpp>

using namespace hkstat;
using testutil::problem_of;

TEST_CASE("fieldwork figures give the response rates of the method notes", "[config][fieldwork]") {
  const auto cfg = config::parse_run_config("[fieldwork]\nsent = 2500\nreturned = 850\nvalid = 810\n", "x.hkstat.toml");
  REQUIRE(cfg.fieldwork);
  CHECK(cfg.fieldwork->sent == 2500);
  const Text t = config::fieldwork_note(*cfg.fieldwork);
  CHECK(t.ja == "実査: 調査票の配布 2,500件、回収 850件（回収率 34.0%）、有効回答 810件（有効回答率 32.4%）（実行設定の [fieldwork]）。");
  CHECK(t.en == "Fieldwork: questionnaires sent: 2,500; returned 850 (response rate 34.0%); valid 810 (valid response rate 32.4%) (run configuration [fieldwork]).");
  CHECK(!config::parse_run_config("[estimate]\nmin_cell = 5\n", "x").fieldwork);
}

TEST_CASE("fieldwork figures that cannot be are refused", "[config][fieldwork]") {
  auto key = [](const char* text) {
    const Problem p = problem_of([&] { config::parse_run_config(text, "x.hkstat.toml"); });
    CHECK(p.code == ErrorCode::ConfigInvalid);
    return p.pos.key;
  };
  CHECK(key("[fieldwork]\nvalid = 810\n") == "fieldwork.sent");
  CHECK(key("[fieldwork]\nsent = 2500\nvalid = 2501\n") == "fieldwork.valid");
  CHECK(key("[fieldwork]\nsent = 2500\nreturned = 800\nvalid = 810\n") == "fieldwork.valid");
  CHECK(key("[fieldwork]\nsent = 0\n") == "fieldwork.sent");
  CHECK(key("[fieldwork]\nsent = 10\nrate = 0.3\n") == "fieldwork.rate");
}
