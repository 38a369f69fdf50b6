#include "hkstat/estimate/where.hpp"

#include "hkstat/core/error.hpp"

#include <fmt/format.h>

#include <cstdlib>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>

namespace hkstat::estimate {

using codebook::VarType;

namespace {

enum class Tok { Word, Number, String, LParen, RParen, Comma, Op, End };

struct Token {
  Tok kind = Tok::End;
  std::string text;   // the word, the number's spelling, the string's contents, the operator
  std::size_t at = 0; // byte offset in the expression
};

// 1-based character (code point) column of byte offset `at`.
std::size_t char_column(std::string_view s, std::size_t at) {
  std::size_t col = 1;
  for (std::size_t i = 0; i < at && i < s.size(); ++i)
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) ++col;
  return col;
}

// Display columns of the characters before byte offset `at`: East Asian wide characters (CJK, kana, full-width
// forms: code points from U+1100 on, roughly) take two, others one — so that the caret stands under the character.
std::size_t display_width(std::string_view s, std::size_t at) {
  std::size_t width = 0;
  for (std::size_t i = 0; i < at && i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    std::uint32_t cp = len == 1 ? c : len == 2 ? c & 0x1Fu : len == 3 ? c & 0x0Fu : c & 0x07u;
    for (std::size_t k = 1; k < len && i + k < s.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3Fu);
    width += cp >= 0x1100 && !(cp >= 0xFF61 && cp <= 0xFFDC) ? 2 : 1; // half-width katakana are narrow
    i += len;
  }
  return width;
}

[[noreturn]] void fail(std::string_view expr, std::size_t at, const std::string& ja, const std::string& en) {
  const std::size_t col = char_column(expr, at);
  // The expression with a caret under the character.
  const std::string caret = std::string(display_width(expr, at), ' ') + "^";
  throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{}, "",
                      Text{fmt::format("‹where› の式の {} 文字目: {}\n  {}\n  {}", col, ja, expr, caret),
                           fmt::format("‹where›, character {}: {}\n  {}\n  {}", col, en, expr, caret)},
                      Text{"例: 問2 >= 40、問3 in (1, 2)、sex = female and not 問17 is missing（docs/cli.md の ‹where›）",
                           "e.g. Q2 >= 40, Q3 in (1, 2), sex = female and not Q17 is missing (docs/cli.md, ‹where›)"},
                      ""});
}

bool special(char c) {
  return c == '(' || c == ')' || c == ',' || c == '=' || c == '!' || c == '<' || c == '>' || c == '\'' || c == '"' || c == ' ' || c == '\t' ||
         c == '\n' || c == '\r';
}

std::vector<Token> tokenize(std::string_view s) {
  std::vector<Token> out;
  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i;
      continue;
    }
    Token t;
    t.at = i;
    if (c == '(' || c == ')' || c == ',') {
      t.kind = c == '(' ? Tok::LParen : c == ')' ? Tok::RParen : Tok::Comma;
      t.text = std::string(1, c);
      ++i;
    } else if (c == '=' || c == '!' || c == '<' || c == '>') {
      t.kind = Tok::Op;
      std::string op(1, c);
      if (i + 1 < s.size() && (s[i + 1] == '=' || (c == '<' && s[i + 1] == '>'))) op += s[i + 1];
      if (op == "!") fail(s, i, "「!」の後に「=」がありません（等しくない: !=）", "\"!\" without \"=\" (not equal: !=)");
      if (op == "=" && i + 1 < s.size() && (s[i + 1] == '<' || s[i + 1] == '>'))
        fail(s, i, "演算子は <= または >= と書きます", "write <= or >=");
      t.text = op;
      i += op.size();
    } else if (c == '\'' || c == '"') {
      const std::size_t end = s.find(c, i + 1);
      if (end == std::string_view::npos) fail(s, i, "引用符が閉じていません", "unterminated quote");
      t.kind = Tok::String;
      t.text = std::string(s.substr(i + 1, end - i - 1));
      i = end + 1;
    } else {
      std::size_t j = i;
      while (j < s.size() && !special(s[j])) ++j;
      t.text = std::string(s.substr(i, j - i));
      double v = 0;
      const auto [p, ec] = std::from_chars(t.text.data(), t.text.data() + t.text.size(), v);
      t.kind = ec == std::errc{} && p == t.text.data() + t.text.size() && std::isfinite(v) ? Tok::Number : Tok::Word;
      i = j;
    }
    out.push_back(std::move(t));
  }
  Token end;
  end.at = s.size();
  out.push_back(end);
  return out;
}

bool keyword(const Token& t, const char* k) { return t.kind == Tok::Word && t.text == k; }

} // namespace

struct Where::Node {
  enum class Kind { Or, And, Not, Compare, In, Missing } kind = Kind::Compare;
  std::vector<std::shared_ptr<const Node>> kids;
  // Leaves: the variable (codebook name), the operator, the values (numbers: codes or values).
  std::string variable;
  std::string op;
  std::vector<double> values;
  bool negate = false; // "not in", "is not missing"
};

namespace {

using NodeP = std::shared_ptr<const Where::Node>;

struct Parser {
  std::string_view s;
  const codebook::Codebook& cb;
  std::vector<Token> toks;
  std::size_t k = 0;

  const Token& peek() const { return toks[k]; }
  const Token& take() { return toks[k++]; }
  static std::string spelling(const Token& t) { return t.kind == Tok::String ? "'" + t.text + "'" : t.text; }
  static std::string describe_ja(const Token& t) { return t.kind == Tok::End ? std::string("式の終わり") : "「" + spelling(t) + "」"; }
  static std::string describe_en(const Token& t) { return t.kind == Tok::End ? std::string("the end of the expression") : "\"" + spelling(t) + "\""; }
  [[noreturn]] void expected(const Token& t, const char* ja, const char* en) const {
    fail(s, t.at, fmt::format("{}がありません（{}）", ja, describe_ja(t)), fmt::format("expected {} (found {})", en, describe_en(t)));
  }

  NodeP expr() {
    NodeP left = conj();
    while (keyword(peek(), "or")) {
      count_term(peek());
      take();
      auto n = std::make_shared<Where::Node>();
      n->kind = Where::Node::Kind::Or;
      n->kids = {left, conj()};
      left = n;
    }
    return left;
  }
  NodeP conj() {
    NodeP left = unary();
    while (keyword(peek(), "and")) {
      count_term(peek());
      take();
      auto n = std::make_shared<Where::Node>();
      n->kind = Where::Node::Kind::And;
      n->kids = {left, unary()};
      left = n;
    }
    return left;
  }
  // Bounds on what a user can type (a parser that recursed without them overflowed the stack on 4,000 "(":
  // fuzz_where): nesting of ( and not, and the number of and/or, which deepens the tree evaluated recursively.
  static constexpr int kMaxDepth = 64;
  static constexpr int kMaxTerms = 1000;
  int depth = 0;
  int terms = 0;
  void count_term(const Token& t) {
    if (++terms > kMaxTerms)
      fail(s, t.at, fmt::format("and・or が多すぎます（{} 個まで）", kMaxTerms), fmt::format("too many and/or (at most {})", kMaxTerms));
  }
  NodeP unary() {
    const Token& t = peek();
    if ((keyword(t, "not") || t.kind == Tok::LParen) && ++depth > kMaxDepth)
      fail(s, t.at, fmt::format("括弧と not の入れ子が深すぎます（{} 段まで）", kMaxDepth),
           fmt::format("( and not nested too deeply (at most {} levels)", kMaxDepth));
    struct Leave {
      int& d;
      bool on;
      ~Leave() { if (on) --d; }
    } leave{depth, keyword(t, "not") || t.kind == Tok::LParen};
    if (keyword(t, "not")) {
      take();
      auto n = std::make_shared<Where::Node>();
      n->kind = Where::Node::Kind::Not;
      n->kids = {unary()};
      return n;
    }
    if (t.kind == Tok::LParen) {
      take();
      NodeP e = expr();
      if (peek().kind != Tok::RParen) expected(peek(), "閉じ括弧「)」", "\")\"");
      take();
      return e;
    }
    return test();
  }

  const codebook::Variable& variable(const Token& t) const {
    if (t.kind != Tok::Word || t.text == "and" || t.text == "or" || t.text == "in" || t.text == "is" || t.text == "missing")
      expected(t, "変数名", "a variable name");
    const codebook::Variable* v = cb.by_name(t.text);
    if (!v)
      if (const auto role = codebook::parse_role(t.text)) v = cb.by_role(*role);
    if (!v) fail(s, t.at, fmt::format("コードブックにない変数です: {}", t.text), fmt::format("no such variable in the codebook: {}", t.text));
    if (v->type == VarType::Id || v->type == VarType::Text)
      fail(s, t.at, fmt::format("変数「{}」は{}のため条件に使えません", t.text, v->type == VarType::Id ? "回答者ID" : "自由記述"),
           fmt::format("variable \"{}\" is {} and cannot be used in a condition", t.text, v->type == VarType::Id ? "an identifier" : "free text"));
    if (v->type == VarType::Multi)
      fail(s, t.at, fmt::format("複数回答の変数「{}」はまだ条件に使えません", t.text),
           fmt::format("multiple-answer variable \"{}\" cannot be used in a condition yet", t.text));
    return *v;
  }

  double value(const codebook::Variable& v, const Token& t) const {
    if (t.kind == Tok::Number) {
      // strtod, not stod: a number beyond double's range is an error here, not std::out_of_range.
      const double x = std::strtod(t.text.c_str(), nullptr);
      if (!std::isfinite(x) || std::fabs(x) > 1e15)
        fail(s, t.at, fmt::format("数値が大きすぎます: {}", t.text), fmt::format("number too large: {}", t.text));
      // Integral first, then the code (the cast to an integer is defined only for |x| ≤ 1e15 checked above).
      if (v.type == VarType::Code && std::trunc(x) != x)
        fail(s, t.at, fmt::format("コードは整数です: {}", t.text), fmt::format("codes are integers: {}", t.text));
      if (v.type == VarType::Code && !v.find_code(static_cast<std::int64_t>(x)))
        fail(s, t.at, fmt::format("変数「{}」にコード {} はありません", v.name, t.text), fmt::format("variable \"{}\" has no code {}", v.name, t.text));
      return x;
    }
    if (t.kind == Tok::Word || t.kind == Tok::String) {
      if (v.type != VarType::Code)
        fail(s, t.at, fmt::format("変数「{}」は数値の変数です。数値を書いてください", v.name),
             fmt::format("variable \"{}\" is numeric: give a number", v.name));
      for (const auto& c : v.codes)
        if ((!c.key.empty() && c.key == t.text) || (!c.label.empty() && c.label == t.text)) return static_cast<double>(c.code);
      std::string keys;
      for (const auto& c : v.codes) keys += (keys.empty() ? "" : ", ") + (c.key.empty() ? std::to_string(c.code) : c.key);
      fail(s, t.at, fmt::format("変数「{}」に「{}」というコード（key またはラベル）はありません（{}）", v.name, t.text, keys),
           fmt::format("variable \"{}\" has no code with key or label \"{}\" ({})", v.name, t.text, keys));
    }
    expected(t, "値", "a value");
  }

  NodeP test() {
    const Token& name = take();
    const codebook::Variable& v = variable(name);
    auto n = std::make_shared<Where::Node>();
    n->variable = v.name;
    const Token& t = peek();
    if (keyword(t, "is")) {
      take();
      if (keyword(peek(), "not")) {
        take();
        n->negate = true;
      }
      if (!keyword(peek(), "missing")) expected(peek(), "「missing」", "\"missing\"");
      take();
      n->kind = Where::Node::Kind::Missing;
      return n;
    }
    if (keyword(t, "not") || keyword(t, "in")) {
      if (keyword(t, "not")) {
        take();
        n->negate = true;
        if (!keyword(peek(), "in")) expected(peek(), "「in」", "\"in\"");
      }
      take();
      if (peek().kind != Tok::LParen) expected(peek(), "開き括弧「(」", "\"(\"");
      take();
      n->kind = Where::Node::Kind::In;
      for (;;) {
        n->values.push_back(value(v, take()));
        if (peek().kind == Tok::Comma) {
          take();
          continue;
        }
        if (peek().kind != Tok::RParen) expected(peek(), "「,」か「)」", "\",\" or \")\"");
        take();
        break;
      }
      return n;
    }
    if (t.kind != Tok::Op) expected(t, "比較（= != < <= > >=）、in、is missing", "a comparison (= != < <= > >=), in, or is missing");
    take();
    n->kind = Where::Node::Kind::Compare;
    n->op = t.text == "==" ? "=" : t.text == "<>" ? "!=" : t.text;
    n->values.push_back(value(v, take()));
    return n;
  }
};

// Kleene logic: 0 false, 1 true, 2 unknown (a missing value compared).
constexpr char kF = 0, kT = 1, kU = 2;

void eval_node(const Where::Node& n, const data::Dataset& ds, std::vector<char>& out) {
  const std::size_t rows = ds.rows();
  out.assign(rows, kF);
  using K = Where::Node::Kind;
  if (n.kind == K::Or || n.kind == K::And) {
    std::vector<char> b;
    eval_node(*n.kids[0], ds, out);
    eval_node(*n.kids[1], ds, b);
    for (std::size_t r = 0; r < rows; ++r) {
      const char a = out[r], c = b[r];
      if (n.kind == K::Or) out[r] = a == kT || c == kT ? kT : a == kU || c == kU ? kU : kF;
      else out[r] = a == kF || c == kF ? kF : a == kU || c == kU ? kU : kT;
    }
    return;
  }
  if (n.kind == K::Not) {
    eval_node(*n.kids[0], ds, out);
    for (char& x : out) x = x == kU ? kU : x == kT ? kF : kT;
    return;
  }
  const data::Column* c = ds.column(n.variable);
  const bool numbers = c && c->var && c->var->type == VarType::Number;
  for (std::size_t r = 0; r < rows; ++r) {
    std::optional<double> x;
    if (c) {
      if (numbers) {
        if (r < c->numbers.size() && !std::isnan(c->numbers[r])) x = c->numbers[r];
      } else if (r < c->ints.size() && c->ints[r] != data::kMissing) {
        x = static_cast<double>(c->ints[r]);
      }
    }
    if (n.kind == K::Missing) {
      out[r] = (!x.has_value()) != n.negate ? kT : kF;
      continue;
    }
    if (!x) {
      out[r] = kU;
      continue;
    }
    bool v = false;
    if (n.kind == K::In) {
      for (double y : n.values) v = v || *x == y;
      v = v != n.negate;
    } else {
      const double y = n.values[0];
      const std::string& op = n.op;
      v = op == "=" ? *x == y : op == "!=" ? *x != y : op == "<" ? *x < y : op == "<=" ? *x <= y : op == ">" ? *x > y : *x >= y;
    }
    out[r] = v ? kT : kF;
  }
}

void collect(const Where::Node& n, std::vector<std::string>& out) {
  if (!n.variable.empty() && std::find(out.begin(), out.end(), n.variable) == out.end()) out.push_back(n.variable);
  for (const auto& k : n.kids) collect(*k, out);
}

} // namespace

Where::Where(std::string_view text, const codebook::Codebook& cb) : text_(text) {
  Parser p{text_, cb, tokenize(text_)};
  if (p.peek().kind == Tok::End) fail(text_, 0, "式が空です", "empty expression");
  root_ = p.expr();
  if (p.peek().kind != Tok::End)
    fail(text_, p.peek().at, fmt::format("余分な{}があります（and / or でつなぐ）", Parser::describe_ja(p.peek())),
         fmt::format("unexpected {} (join tests with and / or)", Parser::describe_en(p.peek())));
}

Where::~Where() = default;
Where::Where(const Where&) = default;
Where& Where::operator=(const Where&) = default;
Where::Where(Where&&) noexcept = default;
Where& Where::operator=(Where&&) noexcept = default;

const std::string& Where::text() const { return text_; }

std::vector<std::string> Where::variables() const {
  std::vector<std::string> out;
  collect(*root_, out);
  return out;
}

void Where::eval(const data::Dataset& ds, std::vector<char>& out) const {
  eval_node(*root_, ds, out);
  for (char& x : out) x = x == kT ? 1 : 0;
}

} // namespace hkstat::estimate
