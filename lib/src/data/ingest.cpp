#include "hkstat/data/dataset.hpp"

#include "hkstat/io/csv_reader.hpp"
#include "hkstat/io/text.hpp"

#include <fmt/format.h>

#include <cmath>
#include <map>
#include <unordered_map>

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
  bool parse_code(const Variable& v, const std::string& cell, std::size_t line, int col, std::int64_t& out, std::int64_t& raw_missing,
                  std::vector<Problem>& problems, std::size_t& normalised) {
    bool changed = false;
    std::string t = io::normalize_numeric(cell, &changed);
    raw_missing = kMissing;
    if (t.empty()) {
      out = kMissing;
      return true;
    }
    if (changed) ++normalised;
    auto n = io::parse_integer(t);
    if (!n) {
      problems.push_back(make(ErrorCode::DataUnknownCode, line, col, cell, Text{"コードが整数ではありません", "the code is not an integer"},
                              Text{expected_codes(v), expected_codes(v)}));
      return false;
    }
    if (v.is_missing_code(*n)) {
      out = kMissing;
      raw_missing = *n;
      return true;
    }
    if (!v.find_code(*n)) {
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
  std::unordered_map<std::string, std::size_t> id_lines;
  io::Record rec;
  while (reader.next(rec)) {
    ++result.rows_read;
    std::vector<Problem> problems;
    // Parse into temporaries first; commit only if the row is clean.
    struct Cell {
      std::int64_t i = kMissing;
      std::int64_t raw_missing = kMissing;
      double d = std::nan("");
      std::uint64_t mask = 0;
      std::uint8_t answered = 0;
      std::string id;
    };
    std::vector<Cell> cells(bindings.size());
    std::size_t normalised = 0;
    for (const auto& b : bindings) {
      const Variable& v = ds.codebook.variables[b.var_index];
      Cell& cell = cells[b.var_index];
      auto field = [&](std::size_t k) -> std::string {
        int ci = b.csv_index[k];
        return ci < 0 ? std::string() : rec.fields[static_cast<std::size_t>(ci)];
      };
      const int col0 = b.csv_index.empty() ? -1 : b.csv_index[0];
      const std::size_t problems_before = problems.size();
      switch (v.type) {
      case VarType::Text: break;
      case VarType::Id: {
        cell.id = io::trim(field(0));
        if (col0 >= 0 && cell.id.empty())
          problems.push_back(rp.make(ErrorCode::DataMissingRequired, rec.line, col0, "", Text{"回答者IDが空です", "the respondent id is empty"},
                                     Text{"一意な ID", "a unique id"}));
        break;
      }
      case VarType::Integer: {
        bool changed = false;
        std::string raw = field(0);
        std::string t = io::normalize_numeric(raw, &changed);
        if (t.empty()) break;
        if (changed) ++normalised;
        auto n = io::parse_integer(t);
        if (!n) {
          problems.push_back(rp.make(ErrorCode::DataNotANumber, rec.line, col0, raw, Text{"整数ではありません", "not a whole number"},
                                     v.role == Role::Age ? Text{fmt::format("{}～{} の整数（歳）", ds.codebook.age_min, ds.codebook.age_max),
                                                                fmt::format("a whole number of years, {}-{}", ds.codebook.age_min, ds.codebook.age_max)}
                                                         : Text{"整数", "a whole number"}));
          break;
        }
        if (v.is_missing_code(*n)) {
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
        std::string raw = field(0);
        std::string t = io::normalize_numeric(raw, &changed);
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
        if (rp.parse_code(v, field(0), rec.line, col0, out, rm, problems, normalised)) {
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
            std::string raw = field(k);
            bool changed = false;
            std::string t = io::normalize_numeric(raw, &changed);
            if (t.empty()) continue;
            if (changed) ++normalised;
            auto n = io::parse_integer(t);
            if (n && v.is_missing_code(*n)) continue;
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
          std::string raw = field(0);
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
            if (n && v.is_missing_code(*n)) continue;
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
      auto [it, inserted] = id_lines.emplace(cells[b.var_index].id, rec.line);
      if (!inserted)
        problems.push_back(rp.make(ErrorCode::DataDuplicateId, rec.line, b.csv_index[0], cells[b.var_index].id,
                                   Text{fmt::format("回答者IDが重複しています ({}行目と同じ)", it->second),
                                        fmt::format("duplicate respondent id (same as line {})", it->second)},
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
