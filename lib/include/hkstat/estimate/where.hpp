// hkstat/estimate/where.hpp — `--where EXPR`: a subpopulation defined by an expression over the variables of
// the codebook, estimated as R's subset(design, EXPR) (the design is kept: every PSU stays in the variance
// and the strata / PSUs of the subpopulation give its df; docs/cli.md "--where").
//
// Grammar (keywords lower-case; names are codebook variable names or role names, any characters but blanks
// and ( ) , = ! < > ' "):
//   expr    := and ( "or" and )*
//   and     := unary ( "and" unary )*
//   unary   := "not" unary | "(" expr ")" | test
//   test    := NAME op value | NAME ["not"] "in" "(" value ("," value)* ")" | NAME "is" ["not"] "missing"
//   op      := "=" | "==" | "!=" | "<>" | "<" | "<=" | ">" | ">="
//   value   := NUMBER | WORD | 'text' | "text"
// A code variable compares its code number; a word or quoted text names a code by its key or label. Integer
// and number variables take numbers. A missing answer (empty, or a declared missing code) makes a comparison
// unknown, as R's NA: `not` of unknown is unknown, `false and unknown` is false, `true or unknown` is true,
// and a row whose expression is unknown is outside the subpopulation (R subset() drops NA).
// Every error is Error(UsageInvalidOption) naming the character (1-based, in characters) where it is.
#pragma once

#include "hkstat/codebook/codebook.hpp"
#include "hkstat/data/dataset.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace hkstat::estimate {

class Where {
public:
  // Parses and checks `text` against the codebook (names, types, codes). Throws Error(UsageInvalidOption).
  Where(std::string_view text, const codebook::Codebook& codebook);
  ~Where();
  Where(const Where&);
  Where& operator=(const Where&);
  Where(Where&&) noexcept;
  Where& operator=(Where&&) noexcept;

  const std::string& text() const;
  // The codebook variables the expression reads (for the columns a command must require).
  std::vector<std::string> variables() const;
  // 1 for each row of `batch` in the subpopulation, else 0 (out.size() = batch.rows()). The batch must have
  // the codebook's variables (an absent column reads as missing).
  void eval(const data::Dataset& batch, std::vector<char>& out) const;

  struct Node;

private:
  std::string text_;
  std::shared_ptr<const Node> root_;
};

} // namespace hkstat::estimate
