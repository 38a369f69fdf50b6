#include "hkstat/table/table.hpp"
#include "hkstat/table/csv_cells.hpp"

#include <fmt/format.h>

#include <array>
#include <cctype>
#include <string_view>

namespace hkstat::table {

namespace {

// Decode one UTF-8 code point starting at s[i]; advances i. Invalid bytes count as one narrow char.
char32_t next_cp(std::string_view s, std::size_t& i) {
  const auto c = static_cast<unsigned char>(s[i]);
  int len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 1;
  if (i + static_cast<std::size_t>(len) > s.size()) len = 1;
  char32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
  for (int k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]) & 0x3F);
  i += static_cast<std::size_t>(len);
  return cp;
}

bool is_wide(char32_t cp) {
  return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0x303E) || (cp >= 0x3041 && cp <= 0x33FF) ||
         (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xA000 && cp <= 0xA4CF) ||
         (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE4F) ||
         (cp >= 0xFF00 && cp <= 0xFF60) || (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD);
}

std::string pad(const std::string& s, std::size_t width, Align align) {
  const std::size_t w = display_width(s);
  if (w >= width) return s;
  const std::string fill(width - w, ' ');
  return align == Align::Left ? s + fill : fill + s;
}

std::string md_escape(const std::string& s) { return md_text(s); }

} // namespace

std::string md_note(const std::string& s) {
  const std::string e = md_escape(s);
  return !e.empty() && (e[0] == '*' || e[0] == '+' || e[0] == '-' || e[0] == '#') ? "\\" + e : e;
}

std::string md_text(const std::string& s) {
  auto space = [&](std::size_t i) { return i >= s.size() || s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'; };
  auto alnum = [&](std::size_t i) {
    if (i >= s.size()) return false;
    const auto c = static_cast<unsigned char>(s[i]);
    return std::isalnum(c) != 0 || c >= 0x80;
  };
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool before_space = i == 0 || space(i - 1), after_space = space(i + 1);
    switch (c) {
    case '\n':
    case '\r': out += ' '; continue;
    case '\\':
    case '`':
    case '[':
    case ']':
    case '<':
    case '>':
    case '&':
    case '~':
    case '|': out += '\\'; break;
    case '*':
      if (!(before_space && after_space)) out += '\\';
      break;
    case '_':
      if (!(before_space && after_space) && !(i > 0 && alnum(i - 1) && alnum(i + 1))) out += '\\';
      break;
    default: break;
    }
    out += c;
  }
  return out;
}

std::size_t display_width(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && static_cast<unsigned char>(s[i]) < 0x80) ++i; // ASCII: a column a byte
  std::size_t w = i;
  while (i < s.size()) w += is_wide(next_cp(s, i)) ? 2 : 1;
  return w;
}

namespace {

// The bytes that make RFC 4180 quote a field.
constexpr std::array<bool, 256> kQuotedByte = [] {
  std::array<bool, 256> t{};
  t[static_cast<unsigned char>(',')] = t[static_cast<unsigned char>('"')] = t['\r'] = t['\n'] = true;
  return t;
}();

bool needs_quotes(std::string_view field) {
  for (const char c : field)
    if (kQuotedByte[static_cast<unsigned char>(c)]) return true;
  return false;
}

// A text a spreadsheet would read as a formula: it begins with =, +, -, @, TAB or CR and is not a number
// (optional sign, digits with at most one '.', optional exponent: e.g. -0.25, 1e-3 stay numbers).
bool formula_like(std::string_view field) {
  if (field.empty() || (field[0] != '=' && field[0] != '+' && field[0] != '-' && field[0] != '@' && field[0] != '\t' && field[0] != '\r'))
    return false;
  std::size_t i = (field[0] == '+' || field[0] == '-') ? 1 : 0, digits = 0;
  bool dot = false;
  for (; i < field.size(); ++i) {
    if (std::isdigit(static_cast<unsigned char>(field[i])) != 0) ++digits;
    else if (field[i] == '.' && !dot) dot = true;
    else break;
  }
  if (digits > 0 && i < field.size() && (field[i] == 'e' || field[i] == 'E')) {
    std::size_t j = i + 1;
    if (j < field.size() && (field[j] == '+' || field[j] == '-')) ++j;
    const std::size_t start = j;
    while (j < field.size() && std::isdigit(static_cast<unsigned char>(field[j])) != 0) ++j;
    if (j > start) i = j;
  }
  return !(digits > 0 && i == field.size());
}

// `field` (after `prefix`, "" or "'") as csv_escape writes it.
void append_quoted(std::string& out, std::string_view prefix, std::string_view field) {
  if (!needs_quotes(field)) {
    out.append(prefix);
    out.append(field);
    return;
  }
  out += '"';
  out.append(prefix);
  for (const char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

} // namespace

void append_csv_escaped(std::string& out, std::string_view field) { append_quoted(out, "", field); }

void append_csv_cell(std::string& out, std::string_view field) { append_quoted(out, formula_like(field) ? "'" : "", field); }

std::string csv_escape(const std::string& field) {
  std::string out;
  append_csv_escaped(out, field);
  return out;
}

std::string csv_cell(const std::string& field) {
  std::string out;
  append_csv_cell(out, field);
  return out;
}

namespace {

// The machine columns of `t` as CSV: a header line from `header(column)`, then the raw values.
template <class Header>
std::string csv_of(const Table& t, Header header) {
  std::string out;
  bool first = true;
  for (const auto& c : t.columns) {
    if (!c.machine) continue;
    out += (first ? "" : ",") + csv_cell(header(c));
    first = false;
  }
  out += '\n';
  for (const auto& row : t.rows) {
    first = true;
    for (std::size_t i = 0; i < t.columns.size(); ++i) {
      if (!t.columns[i].machine) continue;
      out += (first ? "" : ",") + csv_cell(row[i].raw);
      first = false;
    }
    out += '\n';
  }
  return out;
}

} // namespace

std::string render_csv(const Table& t) {
  return csv_of(t, [](const Column& c) { return c.id; });
}

std::string render_csv_labelled(const Table& t, Lang lang) {
  const bool en = lang == Lang::En;
  return csv_of(t, [en](const Column& c) {
    const std::string g = c.group.in(en), h = c.header.in(en);
    return g.empty() ? h : h.empty() ? g : g + " " + h;
  });
}

NumberKind number_kind(const Column& c) {
  if (c.kind != NumberKind::Auto) return c.kind;
  const std::string& id = c.id;
  if (id == "rate" || id == "rate_used" || id == "ci_lower" || id == "ci_upper" || id == "percent" || id == "percent_responses")
    return NumberKind::Proportion;
  if (id == "n" || id == "cases" || id == "base" || id == "responses" || id == "population" || id == "persons" || id == "persons_lower" ||
      id == "persons_upper")
    return NumberKind::Count;
  if (id == "se" || id == "rate_se") return NumberKind::Se;
  if (id == "df") return NumberKind::Df;
  if (id == "deff" || id == "deff_wor") return NumberKind::Ratio;
  return NumberKind::Text;
}

std::string render_text(const Document& doc, Lang lang) {
  const bool en = lang == Lang::En;
  std::string out = doc.title.in(en) + "\n\n";
  std::size_t kw = 0;
  for (const auto& [k, v] : doc.facts) kw = std::max(kw, display_width(k.in(en)));
  for (const auto& [k, v] : doc.facts) out += pad(k.in(en), kw, Align::Left) + "  " + v.in(en) + "\n";
  for (const auto& t : doc.tables) {
    out += "\n" + t.title.in(en) + "\n";
    std::vector<std::size_t> width(t.columns.size(), 0);
    for (std::size_t i = 0; i < t.columns.size(); ++i) {
      if (!t.columns[i].human) continue;
      width[i] = display_width(t.columns[i].header.in(en));
      for (const auto& row : t.rows) width[i] = std::max(width[i], display_width(row[i].display.in(en)));
    }
    auto line = [&](auto get) {
      std::string l;
      bool first = true;
      for (std::size_t i = 0; i < t.columns.size(); ++i) {
        if (!t.columns[i].human) continue;
        if (!first) l += "  ";
        l += pad(get(i), width[i], t.columns[i].align);
        first = false;
      }
      while (!l.empty() && l.back() == ' ') l.pop_back();
      return l + "\n";
    };
    out += line([&](std::size_t i) { return t.columns[i].header.in(en); });
    std::size_t total = 0;
    for (std::size_t i = 0; i < t.columns.size(); ++i)
      if (t.columns[i].human) total += width[i] + 2;
    out += std::string(total > 2 ? total - 2 : 0, '-') + "\n";
    for (const auto& row : t.rows) out += line([&](std::size_t i) { return row[i].display.in(en); });
    for (const auto& n : t.notes) out += (en ? "Note: " : "注: ") + n.in(en) + "\n";
  }
  if (!doc.notes.empty()) out += "\n";
  for (const auto& n : doc.notes) out += (en ? "Note: " : "注: ") + n.in(en) + "\n";
  return out;
}

std::string render_markdown_table(const Table& t, Lang lang) {
  const bool en = lang == Lang::En;
  std::string out = "|";
  for (const auto& c : t.columns)
    if (c.human) out += " " + md_escape(c.header.in(en)) + " |";
  out += "\n|";
  for (const auto& c : t.columns)
    if (c.human) out += c.align == Align::Left ? ":---|" : "---:|";
  out += "\n";
  for (const auto& row : t.rows) {
    out += "|";
    for (std::size_t i = 0; i < t.columns.size(); ++i)
      if (t.columns[i].human) out += " " + md_escape(row[i].display.in(en)) + " |";
    out += "\n";
  }
  if (!t.notes.empty()) out += "\n";
  for (const auto& n : t.notes) out += "- " + md_note(n.in(en)) + "\n";
  return out;
}

std::string render_markdown(const Document& doc, Lang lang) {
  const bool en = lang == Lang::En;
  std::string out = "# " + md_text(doc.title.in(en)) + "\n\n";
  for (const auto& [k, v] : doc.facts) out += "- **" + md_escape(k.in(en)) + "**: " + md_escape(v.in(en)) + "\n";
  for (const auto& t : doc.tables) out += "\n## " + md_text(t.title.in(en)) + "\n\n" + render_markdown_table(t, lang);
  if (!doc.notes.empty()) out += "\n";
  for (const auto& n : doc.notes) out += "- " + md_note(n.in(en)) + "\n";
  return out;
}

} // namespace hkstat::table
