// hkstat::io suggest — "did you mean" for options, commands and codebook column names.
#include "hkstat/io/suggest.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using hkstat::io::did_you_mean;
using hkstat::io::edit_distance;
using hkstat::io::fold_lookalikes;

TEST_CASE("fold_lookalikes: full-width ASCII, U+3000, U+2212 and case fold to one spelling", "[suggest]") {
  CHECK(fold_lookalikes("問３７") == "問37");
  CHECK(fold_lookalikes("問37\u3000") == "問37");
  CHECK(fold_lookalikes("ＩＤ") == "id");
  CHECK(fold_lookalikes("年齢\u2212区分") == "年齢-区分");
  CHECK(fold_lookalikes(" a b\t") == "ab");
  CHECK(fold_lookalikes("問37") != fold_lookalikes("問38"));
}

TEST_CASE("edit_distance counts code points, not bytes", "[suggest]") {
  CHECK(edit_distance("問37", "問38") == 1);
  CHECK(edit_distance("外出", "外出状況") == 2);
  CHECK(edit_distance("", "abc") == 3);
  CHECK(edit_distance("kitten", "sitting") == 3);
  // An invalid byte is one code point of its own, never a crash.
  CHECK(edit_distance(std::string("\xff\xfe"), "ab") == 2);
}

TEST_CASE("did_you_mean: a look-alike first, else the unique nearest within a quarter of the length", "[suggest]") {
  const std::vector<std::string> header{"回答者ID", "問2", "問３７", "問38", "--population"};
  CHECK(did_you_mean("問37", header) == std::optional<std::string>("問３７")); // look-alike beats the nearer 問38 by spelling
  CHECK(did_you_mean("--populaton", header) == std::optional<std::string>("--population"));
  CHECK(did_you_mean("回答者Id", header) == std::optional<std::string>("回答者ID"));
  CHECK_FALSE(did_you_mean("性別", header).has_value());       // nothing near
  CHECK_FALSE(did_you_mean("問3", {"問2", "問4"}).has_value()); // two equally near: no guess
  CHECK_FALSE(did_you_mean("問2", {"問2"}).has_value());        // the name itself is never suggested
}
