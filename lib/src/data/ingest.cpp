#include "hkstat/data/dataset.hpp"

#include "hkstat/io/csv_reader.hpp"
#include "hkstat/io/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <string_view>
#include <unordered_map>

#include <sys/stat.h>

namespace hkstat::data {

using codebook::Role;
using codebook::Variable;
using codebook::VarType;

const Column* Dataset::column(Role role) const {
  for (const auto& c : columns)
    if (c.var && c.var->role == role) return &c;
  return nullptr;
}

const Column* Dataset::column(const std::string& name) const {
  for (const auto& c : columns)
    if (c.var && c.var->name == name) return &c;
  return nullptr;
}

namespace {

std::string expected_codes(const Variable& v) {
  std::string ja;
  std::string list;
  std::size_t shown = 0;
  for (const auto& c : v.codes) {
    if (shown == 12) {
      list += ", …";
      break;
    }
    if (!list.empty()) list += ", ";
    list += c.label.empty() ? std::to_string(c.code) : fmt::format("{}={}", c.code, c.label);
    ++shown;
  }
  for (auto m : v.missing) list += fmt::format(", {}(missing)", m);
  return list;
}

// The bytes that io::trim and io::normalize_numeric can change are ASCII whitespace (0x09-0x0D, 0x20) and
// bytes >= 0x80 (U+3000, full-width digits, U+2212). A cell of printable ASCII only (0x21-0x7E) therefore
// comes back unchanged: return it as it is, without allocating. Everything else takes the general path.
bool printable_ascii(std::string_view s) {
  for (const char ch : s) {
    const auto b = static_cast<unsigned char>(ch);
    if (b < 0x21 || b > 0x7E) return false;
  }
  return true;
}

// io::normalize_numeric(raw, &changed), as a view of `raw` or of `scratch`.
std::string_view numeric_text(const std::string& raw, std::string& scratch, bool& changed) {
  if (printable_ascii(raw)) {
    changed = false;
    return raw;
  }
  scratch = io::normalize_numeric(raw, &changed);
  return scratch;
}

// io::trim(raw) into `out`: nothing to trim when the first and the last byte are printable ASCII.
void trim_into(const std::string& raw, std::string& out) {
  auto printable = [](char ch) { return static_cast<unsigned char>(ch) >= 0x21 && static_cast<unsigned char>(ch) <= 0x7E; };
  if (!raw.empty() && printable(raw.front()) && printable(raw.back())) out.assign(raw);
  else out = io::trim(raw);
}

// A cell of 1-18 ASCII digits: its value (what normalize_numeric + parse_integer give for it), in one pass.
inline bool plain_digits(const std::string& s, long long& value) {
  if (s.empty() || s.size() > 18) return false;
  long long x = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return false;
    x = x * 10 + (c - '0');
  }
  value = x;
  return true;
}

// An integer-valued cell: io::normalize_numeric, then io::parse_integer unless the text is empty.
struct IntCell {
  bool empty = false;   // empty after trimming: a missing answer
  bool changed = false; // full-width characters were converted
  std::optional<long long> value;
};

IntCell read_int(const std::string& raw, std::string& scratch) {
  IntCell c;
  long long v = 0;
  if (plain_digits(raw, v)) {
    c.value = v;
    return c;
  }
  const std::string_view t = numeric_text(raw, scratch, c.changed);
  c.empty = t.empty();
  if (!c.empty) c.value = io::parse_integer(t);
  return c;
}

// Variable::is_missing_code and Variable::find_code answered from a table for the small non-negative codes
// that questionnaires use (the codebook's own functions search lists).
class CodeTable {
public:
  enum Kind : std::uint8_t { kUnknown = 0, kCode = 1, kMissingCode = 2 }; // a missing code takes precedence

  explicit CodeTable(const Variable& v) : v_(&v) {
    std::int64_t top = -1;
    for (const auto& c : v.codes)
      if (c.code >= 0 && c.code < kMaxTabulated) top = std::max(top, c.code);
    for (const auto m : v.missing)
      if (m >= 0 && m < kMaxTabulated) top = std::max(top, m);
    kind_.resize(static_cast<std::size_t>(top + 1));
    for (std::int64_t n = 0; n <= top; ++n) kind_[static_cast<std::size_t>(n)] = lookup(n);
  }
  Kind kind(std::int64_t n) const { return n >= 0 && n < static_cast<std::int64_t>(kind_.size()) ? kind_[static_cast<std::size_t>(n)] : lookup(n); }
  bool is_missing_code(std::int64_t n) const { return kind(n) == kMissingCode; }

private:
  static constexpr std::int64_t kMaxTabulated = 4096;
  Kind lookup(std::int64_t n) const { return v_->is_missing_code(n) ? kMissingCode : v_->find_code(n) ? kCode : kUnknown; }
  const Variable* v_;
  std::vector<Kind> kind_;
};

// Respondent ids seen so far (rejected rows included) and the line of their first occurrence. Ids that are
// plain decimal integers arriving in increasing order (1, 2, 3, ... — the usual case) go into a sorted vector:
// a new one is only compared with the last. Every other id goes into an open-addressing hash table over one
// character arena (about 40 bytes an id instead of a node per id). Each id is in exactly one of the two.
class IdIndex {
public:
  // The line where `id` was first seen, or 0 if it is new (then it is recorded with `line`).
  std::size_t find_or_insert(std::string_view id, std::size_t line) {
    long long v = 0;
    if (canonical_integer(id, v)) {
      // Integer ids in the hash table arrived below the then-last sorted id, so a larger one is new.
      if (sorted_.empty() || v > sorted_.back().value) {
        sorted_.push_back(Sorted{v, line});
        return 0;
      }
      const auto it = std::lower_bound(sorted_.begin(), sorted_.end(), v, [](const Sorted& s, long long x) { return s.value < x; });
      if (it != sorted_.end() && it->value == v) return it->line;
    }
    return hashed(id, line);
  }

private:
  // Digits without a leading zero ("0" itself excepted), at most 18: the id is the decimal form of `value`.
  static bool canonical_integer(std::string_view s, long long& value) {
    if (s.empty() || s.size() > 18 || (s[0] == '0' && s.size() > 1)) return false;
    long long x = 0;
    for (const char c : s) {
      if (c < '0' || c > '9') return false;
      x = x * 10 + (c - '0');
    }
    value = x;
    return true;
  }

  // The hash table: the line where `id` was first seen, or 0 after inserting it.
  std::size_t hashed(std::string_view id, std::size_t line) {
    if ((entries_.size() + 1) * 2 > slots_.size()) grow();
    const std::uint64_t h = std::hash<std::string_view>{}(id);
    const auto tag = static_cast<std::uint32_t>(h >> 32);
    for (std::size_t i = h & (slots_.size() - 1);; i = (i + 1) & (slots_.size() - 1)) {
      Slot& s = slots_[i];
      if (s.entry == 0) {
        if (entries_.size() >= std::numeric_limits<std::uint32_t>::max())
          throw Error(Problem{ErrorCode::Internal, SourcePos{}, "", Text{"回答者IDが多すぎます", "too many respondent ids"}, Text{}, ""});
        entries_.push_back(Entry{arena_.size(), line, static_cast<std::uint32_t>(id.size())});
        arena_.append(id);
        s = Slot{tag, static_cast<std::uint32_t>(entries_.size())};
        return 0;
      }
      if (s.tag == tag) {
        const Entry& e = entries_[s.entry - 1];
        if (std::string_view(arena_).substr(e.offset, e.size) == id) return e.line;
      }
    }
  }

  struct Sorted {
    long long value;
    std::size_t line;
  };
  struct Slot {
    std::uint32_t tag = 0;   // high half of the hash
    std::uint32_t entry = 0; // index + 1 into entries_; 0 = empty
  };
  struct Entry {
    std::size_t offset; // into arena_
    std::size_t line;
    std::uint32_t size;
  };

  void grow() {
    std::vector<Slot> old(slots_.empty() ? 1024 : slots_.size() * 2);
    old.swap(slots_);
    for (const Slot& s : old) {
      if (s.entry == 0) continue;
      const Entry& e = entries_[s.entry - 1];
      std::size_t i = std::hash<std::string_view>{}(std::string_view(arena_).substr(e.offset, e.size)) & (slots_.size() - 1);
      while (slots_[i].entry != 0) i = (i + 1) & (slots_.size() - 1);
      slots_[i] = s;
    }
  }

  std::vector<Sorted> sorted_;
  std::vector<Slot> slots_;
  std::vector<Entry> entries_;
  std::string arena_;
};

struct Binding {
  std::size_t var_index;
  std::vector<int> csv_index; // one per CSV column the variable reads (-1 = absent)
};

class RowParser {
public:
  RowParser(const codebook::Codebook& cb, const std::string& path, const std::vector<std::string>& header)
      : cb_(cb), path_(path), header_(header) {}

  Problem make(ErrorCode code, std::size_t line, int col, const std::string& value, Text msg, Text expected) const {
    Problem p;
    p.code = code;
    p.pos.file = path_;
    p.pos.line = line;
    p.pos.column = col >= 0 ? static_cast<std::size_t>(col) + 1 : 0;
    if (col >= 0 && static_cast<std::size_t>(col) < header_.size()) p.pos.column_name = header_[static_cast<std::size_t>(col)];
    p.value = value;
    p.message = std::move(msg);
    p.expected = std::move(expected);
    return p;
  }

  // Parse a single code cell. Returns kMissing for missing; sets *raw_missing to the missing code (or kMissing for empty).
  bool parse_code(const Variable& v, const CodeTable& table, const std::string& cell, std::size_t line, int col, std::int64_t& out,
                  std::int64_t& raw_missing, std::vector<Problem>& problems, std::size_t& normalised, std::string& scratch) {
    const IntCell c = read_int(cell, scratch);
    raw_missing = kMissing;
    if (c.empty) {
      out = kMissing;
      return true;
    }
    if (c.changed) ++normalised;
    const auto& n = c.value;
    if (!n) {
      problems.push_back(make(ErrorCode::DataUnknownCode, line, col, cell, Text{"コードが整数ではありません", "the code is not an integer"},
                              Text{expected_codes(v), expected_codes(v)}));
      return false;
    }
    const CodeTable::Kind kind = table.kind(*n);
    if (kind == CodeTable::kMissingCode) {
      out = kMissing;
      raw_missing = *n;
      return true;
    }
    if (kind == CodeTable::kUnknown) {
      problems.push_back(make(ErrorCode::DataUnknownCode, line, col, cell,
                              Text{"コードブックにないコードです", "the code is not in the codebook"}, Text{expected_codes(v), expected_codes(v)}));
      return false;
    }
    out = *n;
    return true;
  }

private:
  const codebook::Codebook& cb_;
  const std::string& path_;
  const std::vector<std::string>& header_;
};

// Reserves the columns for the rows a regular file probably holds (its size / the mean size of the first rows,
// plus 5%), so that they are not copied as they grow and memory holds one copy of each. Pages are only
// touched when rows arrive, so an over-estimate costs address space, not memory.
void reserve_columns(Dataset& ds, const std::string& path, std::size_t sample_bytes, std::size_t sample_rows) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || sample_bytes == 0) return;
  const double rows = static_cast<double>(st.st_size) / (static_cast<double>(sample_bytes) / static_cast<double>(sample_rows)) * 1.05 + 1024;
  if (!(rows < 4e9)) return;
  const auto n = static_cast<std::size_t>(rows);
  ds.lines.reserve(n);
  for (Column& c : ds.columns) {
    switch (c.var->type) {
    case VarType::Text: break;
    case VarType::Id: c.ids.reserve(n); break;
    case VarType::Integer:
    case VarType::Code:
      c.ints.reserve(n);
      c.raw_missing.reserve(n);
      break;
    case VarType::Number: c.numbers.reserve(n); break;
    case VarType::Multi:
      c.multi.reserve(n);
      c.multi_answered.reserve(n);
      break;
    }
  }
}

} // namespace

IngestResult ingest(const std::string& csv_path, const codebook::Codebook& cb, const IngestOptions& options) {
  io::CsvOptions copts;
  copts.encoding = io::parse_encoding(options.encoding);
  io::CsvReader reader(csv_path, copts);
  const auto& header = reader.header();

  IngestResult result;
  Dataset& ds = result.data;
  ds.codebook = cb;
  ds.source = csv_path;
  ds.encoding = io::encoding_name(reader.encoding());
  ds.had_bom = reader.had_bom();

  std::unordered_map<std::string, int> col_of;
  for (std::size_t i = 0; i < header.size(); ++i) col_of.emplace(header[i], static_cast<int>(i));

  std::vector<Binding> bindings;
  std::vector<bool> used(header.size(), false);
  ds.columns.resize(ds.codebook.variables.size());
  for (std::size_t vi = 0; vi < ds.codebook.variables.size(); ++vi) {
    const Variable& v = ds.codebook.variables[vi];
    ds.columns[vi].var = &v;
    Binding b{vi, {}};
    for (const auto& name : v.csv_columns()) {
      auto it = col_of.find(name);
      if (it == col_of.end()) {
        const bool required = options.required_roles.count(v.role) > 0 || v.role == Role::Weight || v.role == Role::Id ||
                              v.role == Role::Stratum || v.role == Role::Psu || v.role == Role::Fpc || v.role == Role::Replicate;
        Problem p;
        p.code = ErrorCode::CsvMissingColumn;
        p.pos.file = csv_path;
        p.pos.line = reader.header_line();
        p.pos.key = v.name;
        p.value = name;
        p.message = Text{fmt::format("コードブックの列「{}」が見出し行にありません", name),
                         fmt::format("column \"{}\" named in the codebook is not in the header row", name)};
        std::string hdr = fmt::format("{}", fmt::join(header, ", "));
        if (hdr.size() > 300) hdr = hdr.substr(0, 300) + " …";
        p.expected = Text{"見出し行: " + hdr + " (コードブック " + cb.path + " の name を確認してください)",
                          "header: " + hdr + " (check name in the codebook " + cb.path + ")"};
        if (required) throw Error(std::move(p));
        result.warnings.push_back(std::move(p));
        b.csv_index.push_back(-1);
      } else {
        b.csv_index.push_back(it->second);
        used[static_cast<std::size_t>(it->second)] = true;
      }
    }
    bindings.push_back(std::move(b));
  }
  for (std::size_t i = 0; i < header.size(); ++i)
    if (!used[i]) ds.ignored_columns.push_back(header[i]);

  RowParser rp(ds.codebook, csv_path, header);
  IdIndex id_lines;
  io::Record rec;
  // Parse each row into these temporaries first; commit only if the row is clean. They are reused from row
  // to row so that a clean row of short cells allocates nothing.
  struct Cell {
    std::int64_t i = kMissing;
    std::int64_t raw_missing = kMissing;
    double d = std::nan("");
    std::uint64_t mask = 0;
    std::uint8_t answered = 0;
    std::string id;
  };
  std::vector<Cell> cells(bindings.size());
  std::vector<CodeTable> tables;
  tables.reserve(bindings.size());
  for (const auto& b : bindings) tables.emplace_back(ds.codebook.variables[b.var_index]);
  std::string scratch;
  constexpr std::size_t kSampleRows = 1000;
  std::size_t sample_bytes = 0;
  static const std::string kAbsent; // the text of a codebook column that the CSV lacks
  while (reader.next(rec)) {
    ++result.rows_read;
    if (result.rows_read <= kSampleRows) {
      sample_bytes += rec.raw.size() + 1;
      if (result.rows_read == kSampleRows) reserve_columns(ds, csv_path, sample_bytes, kSampleRows);
    }
    std::vector<Problem> problems;
    for (Cell& cell : cells) {
      cell.i = kMissing;
      cell.raw_missing = kMissing;
      cell.d = std::nan("");
      cell.mask = 0;
      cell.answered = 0;
      cell.id.clear();
    }
    std::size_t normalised = 0;
    for (const auto& b : bindings) {
      const Variable& v = ds.codebook.variables[b.var_index];
      const CodeTable& table = tables[b.var_index];
      Cell& cell = cells[b.var_index];
      auto field = [&](std::size_t k) -> const std::string& {
        int ci = b.csv_index[k];
        return ci < 0 ? kAbsent : rec.fields[static_cast<std::size_t>(ci)];
      };
      const int col0 = b.csv_index.empty() ? -1 : b.csv_index[0];
      const std::size_t problems_before = problems.size();
      switch (v.type) {
      case VarType::Text: break;
      case VarType::Id: {
        trim_into(field(0), cell.id);
        if (col0 >= 0 && cell.id.empty())
          problems.push_back(rp.make(ErrorCode::DataMissingRequired, rec.line, col0, "", Text{"回答者IDが空です", "the respondent id is empty"},
                                     Text{"一意な ID", "a unique id"}));
        break;
      }
      case VarType::Integer: {
        const std::string& raw = field(0);
        const IntCell c = read_int(raw, scratch);
        if (c.empty) break;
        if (c.changed) ++normalised;
        const auto& n = c.value;
        if (!n) {
          problems.push_back(rp.make(ErrorCode::DataNotANumber, rec.line, col0, raw, Text{"整数ではありません", "not a whole number"},
                                     v.role == Role::Age ? Text{fmt::format("{}～{} の整数（歳）", ds.codebook.age_min, ds.codebook.age_max),
                                                                fmt::format("a whole number of years, {}-{}", ds.codebook.age_min, ds.codebook.age_max)}
                                                         : Text{"整数", "a whole number"}));
          break;
        }
        if (table.is_missing_code(*n)) {
          cell.raw_missing = *n;
          break;
        }
        double lo = v.min.value_or(-1e300), hi = v.max.value_or(1e300);
        if (v.role == Role::Age) {
          lo = std::max(lo, static_cast<double>(ds.codebook.age_min));
          hi = std::min(hi, static_cast<double>(ds.codebook.age_max));
        }
        if (static_cast<double>(*n) < lo || static_cast<double>(*n) > hi) {
          problems.push_back(rp.make(ErrorCode::DataOutOfRange, rec.line, col0, raw,
                                     v.role == Role::Age ? Text{"年齢が調査対象の範囲外です", "age outside the survey's age range"}
                                                         : Text{"値が範囲外です", "value out of range"},
                                     Text{fmt::format("{}～{}", lo, hi), fmt::format("{} to {}", lo, hi)}));
          break;
        }
        cell.i = *n;
        break;
      }
      case VarType::Number: {
        bool changed = false;
        const std::string& raw = field(0);
        const std::string_view t = numeric_text(raw, scratch, changed);
        if (changed && !t.empty()) ++normalised;
        std::optional<double> x;
        if (!t.empty()) x = io::parse_double(t);
        if (t.empty() || (x && v.is_missing_code(static_cast<std::int64_t>(*x)) && *x == std::floor(*x))) {
          if (v.role == Role::Weight && col0 >= 0)
            problems.push_back(rp.make(ErrorCode::DataInvalidWeight, rec.line, col0, raw, Text{"ウェイトが空欄です", "the weight is missing"},
                                       Text{"0 より大きい数値", "a number greater than 0"}));
          break;
        }
        if (!x || !std::isfinite(*x)) {
          problems.push_back(rp.make(v.role == Role::Weight ? ErrorCode::DataInvalidWeight : ErrorCode::DataNotANumber, rec.line, col0, raw,
                                     Text{"数値ではありません", "not a number"},
                                     v.role == Role::Weight ? Text{"0 より大きい数値", "a number greater than 0"} : Text{"数値", "a number"}));
          break;
        }
        if (v.role == Role::Weight && *x <= 0) {
          problems.push_back(rp.make(ErrorCode::DataInvalidWeight, rec.line, col0, raw, Text{"ウェイトが 0 以下です", "the weight is 0 or negative"},
                                     Text{"0 より大きい数値", "a number greater than 0"}));
          break;
        }
        if ((v.min && *x < *v.min) || (v.max && *x > *v.max)) {
          problems.push_back(rp.make(ErrorCode::DataOutOfRange, rec.line, col0, raw, Text{"値が範囲外です", "value out of range"},
                                     Text{fmt::format("{}～{}", v.min.value_or(-INFINITY), v.max.value_or(INFINITY)),
                                          fmt::format("{} to {}", v.min.value_or(-INFINITY), v.max.value_or(INFINITY))}));
          break;
        }
        cell.d = *x;
        break;
      }
      case VarType::Code: {
        std::int64_t out = kMissing, rm = kMissing;
        if (rp.parse_code(v, table, field(0), rec.line, col0, out, rm, problems, normalised, scratch)) {
          cell.i = out;
          cell.raw_missing = rm;
        }
        break;
      }
      case VarType::Multi: {
        if (v.multi_as_columns()) {
          for (std::size_t k = 0; k < v.codes.size(); ++k) {
            const int ci = b.csv_index[k];
            if (ci < 0) continue;
            const std::string& raw = field(k);
            const IntCell c = read_int(raw, scratch);
            if (c.empty) continue;
            if (c.changed) ++normalised;
            const auto& n = c.value;
            if (n && table.is_missing_code(*n)) continue;
            if (!n || (*n != 0 && *n != 1)) {
              problems.push_back(rp.make(ErrorCode::DataUnknownCode, rec.line, ci, raw,
                                         Text{"複数回答の列は 0 か 1 です", "a multiple-answer column holds 0 or 1"},
                                         Text{"1 (選択) / 0 または空欄 (非選択)", "1 (chosen) / 0 or empty (not chosen)"}));
              continue;
            }
            cell.answered = 1;
            if (*n == 1) cell.mask |= (std::uint64_t{1} << k);
          }
        } else {
          const std::string& raw = field(0);
          std::size_t start = 0;
          while (start <= raw.size()) {
            std::size_t pos = raw.find(v.delimiter, start);
            std::string tok = raw.substr(start, pos == std::string::npos ? std::string::npos : pos - start);
            start = pos == std::string::npos ? raw.size() + 1 : pos + v.delimiter.size();
            bool changed = false;
            std::string t = io::normalize_numeric(tok, &changed);
            if (t.empty()) continue;
            if (changed) ++normalised;
            auto n = io::parse_integer(t);
            if (n && table.is_missing_code(*n)) continue;
            int idx = n ? v.code_index(*n) : -1;
            if (idx < 0) {
              problems.push_back(rp.make(ErrorCode::DataUnknownCode, rec.line, col0, tok,
                                         Text{"コードブックにないコードです", "the code is not in the codebook"},
                                         Text{fmt::format("「{}」で区切ったコード: {}", v.delimiter, expected_codes(v)),
                                              fmt::format("codes separated by \"{}\": {}", v.delimiter, expected_codes(v))}));
              continue;
            }
            cell.answered = 1;
            cell.mask |= (std::uint64_t{1} << idx);
          }
        }
        break;
      }
      }
      // Design columns (stratum, PSU, fpc, replicate weights) cannot be left empty: a row without its
      // stratum or cluster cannot enter a design-based variance.
      const bool design_role = v.role == Role::Stratum || v.role == Role::Psu || v.role == Role::Fpc || v.role == Role::Replicate;
      if (design_role && col0 >= 0 && problems.size() == problems_before) {
        const bool missing = v.type == VarType::Number ? std::isnan(cell.d) : cell.i == kMissing;
        if (missing)
          problems.push_back(rp.make(ErrorCode::DataMissingRequired, rec.line, col0, field(0),
                                     Text{fmt::format("標本設計の列（{}）が空欄または欠損コードです", codebook::role_name(v.role)),
                                          fmt::format("the design column ({}) is empty or a missing code", codebook::role_name(v.role))},
                                     v.type == VarType::Number ? Text{"数値", "a number"} : Text{"整数", "a whole number"}));
        else if (v.role == Role::Replicate && cell.d < 0)
          problems.push_back(rp.make(ErrorCode::DataInvalidWeight, rec.line, col0, field(0),
                                     Text{"レプリケートウェイトが負です", "the replicate weight is negative"}, Text{"0 以上の数値", "a number >= 0"}));
        else if (v.role == Role::Fpc && !(cell.d > 0))
          problems.push_back(rp.make(ErrorCode::DataOutOfRange, rec.line, col0, field(0),
                                     Text{"有限母集団修正の値が 0 以下です", "the finite population correction is 0 or negative"},
                                     Text{"母集団の PSU 数 (>1) または抽出率 (0～1]", "population PSUs (> 1) or a sampling fraction in (0, 1]"}));
      }
    }
    // Duplicate ids.
    for (const auto& b : bindings) {
      const Variable& v = ds.codebook.variables[b.var_index];
      if (v.type != VarType::Id || cells[b.var_index].id.empty()) continue;
      const std::size_t first = id_lines.find_or_insert(cells[b.var_index].id, rec.line);
      if (first != 0)
        problems.push_back(rp.make(ErrorCode::DataDuplicateId, rec.line, b.csv_index[0], cells[b.var_index].id,
                                   Text{fmt::format("回答者IDが重複しています ({}行目と同じ)", first),
                                        fmt::format("duplicate respondent id (same as line {})", first)},
                                   Text{"一意な ID", "a unique id"}));
    }
    if (!problems.empty()) {
      for (auto& p : problems) {
        p.row_text = rec.raw.size() > 200 ? rec.raw.substr(0, 200) + "…" : rec.raw;
      }
      result.rejected.push_back(RejectedRow{rec.line, rec.raw, std::move(problems)});
      continue;
    }
    ds.fullwidth_normalised += normalised;
    ds.lines.push_back(rec.line);
    for (std::size_t vi = 0; vi < cells.size(); ++vi) {
      Column& c = ds.columns[vi];
      const Variable& v = *c.var;
      Cell& cell = cells[vi];
      switch (v.type) {
      case VarType::Text: break;
      case VarType::Id: c.ids.push_back(std::move(cell.id)); break;
      case VarType::Integer:
      case VarType::Code:
        c.ints.push_back(cell.i);
        c.raw_missing.push_back(cell.raw_missing);
        break;
      case VarType::Number: c.numbers.push_back(cell.d); break;
      case VarType::Multi:
        c.multi.push_back(cell.mask);
        c.multi_answered.push_back(cell.answered);
        break;
      }
    }
  }
  return result;
}

} // namespace hkstat::data
