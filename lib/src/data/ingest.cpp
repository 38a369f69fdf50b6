#include "hkstat/data/dataset.hpp"
#include "data/derive.hpp"

#include "hkstat/io/csv_reader.hpp"
#include "hkstat/io/suggest.hpp"
#include "hkstat/io/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <string_view>
#include <unordered_map>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

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
std::string_view numeric_text(std::string_view raw, std::string& scratch, bool& changed) {
  if (printable_ascii(raw)) {
    changed = false;
    return raw;
  }
  scratch = io::normalize_numeric(raw, &changed);
  return scratch;
}

// io::trim(raw) as a view of `raw` or of `scratch`: nothing to trim when the first and the last byte are
// printable ASCII.
std::string_view trimmed(std::string_view raw, std::string& scratch) {
  auto printable = [](char ch) { return static_cast<unsigned char>(ch) >= 0x21 && static_cast<unsigned char>(ch) <= 0x7E; };
  if (!raw.empty() && printable(raw.front()) && printable(raw.back())) return raw;
  scratch = io::trim(raw);
  return scratch;
}

// A cell of 1-18 ASCII digits: its value (what normalize_numeric + parse_integer give for it), in one pass.
inline bool plain_digits(std::string_view s, long long& value) {
  if (s.empty() || s.size() > 18) return false;
  long long x = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return false;
    x = x * 10 + (c - '0');
  }
  value = x;
  return true;
}

constexpr double kPow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};

// A cell of the form digits[.digits] with at most 15 digits in all ("56.36", "120"): its value, exactly what
// io::parse_double gives (an integer below 2^53 divided by an exact power of ten is correctly rounded, as
// from_chars is). Anything else (signs, exponents, spaces, full-width digits, long numbers) returns false.
inline bool plain_decimal(std::string_view s, double& value) {
  if (s.empty() || s.size() > 16) return false;
  std::uint64_t m = 0;
  std::size_t digits = 0, point = s.size();
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c >= '0' && c <= '9') {
      m = m * 10 + static_cast<std::uint64_t>(c - '0');
      ++digits;
    } else if (c == '.' && point == s.size()) {
      point = i;
    } else {
      return false;
    }
  }
  if (digits == 0 || digits > 15) return false;
  const std::size_t decimals = point == s.size() ? 0 : s.size() - point - 1;
  value = static_cast<double>(m) / kPow10[decimals];
  return true;
}

// An integer-valued cell: io::normalize_numeric, then io::parse_integer unless the text is empty.
struct IntCell {
  bool empty = false;   // empty after trimming: a missing answer
  bool changed = false; // full-width characters were converted
  std::optional<long long> value;
};

// read_int for a cell that is not plain digits (kept out of line: the plain case is inlined).
[[gnu::noinline]] IntCell read_int_general(std::string_view raw, std::string& scratch) {
  IntCell c;
  const std::string_view t = numeric_text(raw, scratch, c.changed);
  c.empty = t.empty();
  if (!c.empty) c.value = io::parse_integer(t);
  return c;
}

inline IntCell read_int(std::string_view raw, std::string& scratch) {
  long long v = 0;
  if (plain_digits(raw, v)) {
    IntCell c;
    c.value = v;
    return c;
  }
  return read_int_general(raw, scratch);
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
  // Every code and missing code in [0, kMaxTabulated) is in the table, so a number of that range above it is unknown.
  Kind kind(std::int64_t n) const {
    if (static_cast<std::uint64_t>(n) < kind_.size()) return kind_[static_cast<std::size_t>(n)];
    return kind_outside(n);
  }
  bool is_missing_code(std::int64_t n) const { return kind(n) == kMissingCode; }

private:
  static constexpr std::int64_t kMaxTabulated = 4096;
  [[gnu::noinline]] Kind kind_outside(std::int64_t n) const { return n >= 0 && n < kMaxTabulated ? kUnknown : lookup(n); }
  Kind lookup(std::int64_t n) const { return v_->is_missing_code(n) ? kMissingCode : v_->find_code(n) ? kCode : kUnknown; }
  const Variable* v_;
  std::vector<Kind> kind_;
};

constexpr char kDelimiter = io::CsvOptions{}.delimiter; // the stream's (csv_options does not change it)

// n >= 2 answers '0' / '1' separated by kDelimiter in the 2n - 1 bytes at p ("0,1,1"): true and answer k in bit k
// of `mask`, else false. Four answers (eight bytes) at a time on little-endian machines; the last four are read
// from the span's last eight bytes (overlapping the groups before, which gives the same bits). (Given n answer
// bytes at the even places, the n - 1 delimiters of n fields can only be at the odd ones; their check is a guard.)
[[gnu::always_inline]] inline bool answers01(const char* p, std::size_t n, std::uint64_t& mask) {
  std::uint64_t m = 0;
  if constexpr (std::endian::native == std::endian::little) {
    if (n >= 5) {
      constexpr std::uint64_t kEven = 0x00FF00FF00FF00FFULL;               // answer bytes of a group starting on an answer
      constexpr std::uint64_t kZeros = 0x0030003000300030ULL;              // '0' in each of them
      constexpr std::uint64_t kDelims = 0x0101010101010101ULL * static_cast<unsigned char>(kDelimiter) & ~kEven;
      constexpr std::uint64_t kGather = (1ULL << 48) | (1ULL << 33) | (1ULL << 18) | (1ULL << 3); // bits 0, 16, 32, 48 -> 48..51
      // answers, delimiters, answers ... of eight bytes starting on an answer: its four answers' bits, or 16 (not valid)
      const auto group = [&](std::uint64_t w) -> std::uint64_t {
        const std::uint64_t a = (w & kEven) ^ kZeros;
        if ((a & ~0x0001000100010001ULL) != 0 || (w & ~kEven) != kDelims) return 16;
        return (a * kGather) >> 48 & 0xF;
      };
      const std::size_t span = 2 * n - 1;
      std::size_t k = 0;
      for (; 2 * k + 8 <= span; k += 4) {
        std::uint64_t w;
        std::memcpy(&w, p + 2 * k, 8);
        const std::uint64_t g = group(w);
        if (g == 16) return false;
        m |= g << k;
      }
      if (k < n) { // the last four answers: the span's last eight bytes start on a delimiter
        std::uint64_t w;
        std::memcpy(&w, p + span - 8, 8);
        if ((w & 0xFF) != static_cast<unsigned char>(kDelimiter)) return false;
        const std::uint64_t g = group((w >> 8) | (std::uint64_t{static_cast<unsigned char>(kDelimiter)} << 56));
        if (g == 16) return false;
        m |= g << (n - 4);
      }
      mask = m;
      return true;
    }
  }
  for (std::size_t k = 0; k < n; ++k) {
    const auto a = static_cast<unsigned char>(p[2 * k]);
    if ((a | 1u) != '1' || (k + 1 < n && p[2 * k + 1] != kDelimiter)) return false;
    m |= static_cast<std::uint64_t>(a & 1u) << k;
  }
  mask = m;
  return true;
}

// Answer k of a multiple answer in 0/1 columns: "1" chosen, "0" not, empty not answered (mask and answered
// unchanged); false for anything else (the general rules read it).
inline bool answer01(std::string_view f, std::size_t k, std::uint64_t& mask, std::uint8_t& answered) {
  if (f.empty()) return true;
  if (f.size() != 1 || (f[0] != '0' && f[0] != '1')) return false;
  mask |= static_cast<std::uint64_t>(f[0] - '0') << k;
  answered = 1;
  return true;
}

// Four fields of one digit each at p, "d,d,d,d" (the byte after them is not looked at): their values in d, else
// false. One eight-byte word on little-endian machines: the digits in its even bytes, checked per 16-bit lane
// (a lane's sum cannot carry into the next), the delimiters in the odd ones. p[0..8) must be readable.
[[gnu::always_inline]] inline bool digits4(const char* p, std::array<unsigned, 4>& d) {
  if constexpr (std::endian::native == std::endian::little) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    constexpr std::uint64_t kEven = 0x00FF00FF00FF00FFULL, kLaneCarry = 0x0100010001000100ULL;
    constexpr std::uint64_t kDelims = 0x0000FF00FF00FF00ULL & (0x0101010101010101ULL * static_cast<unsigned char>(kDelimiter));
    const std::uint64_t a = w & kEven;
    if (((a + 0x00D000D000D000D0ULL) & kLaneCarry) != kLaneCarry) return false; // a byte below '0'
    if (((a + 0x00C600C600C600C6ULL) & kLaneCarry) != 0) return false;          // a byte above '9'
    if ((w & 0x0000FF00FF00FF00ULL) != kDelims) return false;
    const std::uint64_t v = a - 0x0030003000300030ULL;
    for (std::size_t k = 0; k < 4; ++k) d[k] = static_cast<unsigned>(v >> (16 * k) & 0xFF);
    return true;
  }
  for (std::size_t k = 0; k < 4; ++k) {
    const auto c = static_cast<unsigned>(static_cast<unsigned char>(p[2 * k])) - '0';
    if (c > 9 || (k < 3 && p[2 * k + 1] != kDelimiter)) return false;
    d[k] = c;
  }
  return true;
}

// Respondent ids seen so far (rejected rows included) and the line of their first occurrence. The ids of one
// family — a fixed text followed by a number: 1, 2, 3, ... or NT0001, NT0002, ... (the family: below) — arriving
// in increasing order (the usual case) go into a sorted vector of runs: a new one is only compared with the last,
// and an id one above the last on the line after it extends the last run, so ids 1..N or NT0001..NT9999 on
// consecutive lines take one entry whatever N is. Every other id goes into an open-addressing hash table over one
// character arena (about 40 bytes an id instead of a node per id). Each id is in exactly one of the two.
//
// The family is set by the first id recorded that ends in 1 to 18 ASCII digits after at most 32 other bytes (the
// prefix): with a leading zero ("NT0001", "007"), the prefix and exactly that many digits, leading zeros allowed
// (NT0001 … NT9999); without ("1", "A17"), the prefix and the number written without leading zeros (1, 2, … 10, …).
// Within a family the number gives the id's text back, so runs of numbers stand for runs of ids.
class IdIndex {
public:
  // The line where `id` was first seen, or 0 if it is new (then it is recorded with `line`).
  std::size_t find_or_insert(std::string_view id, std::size_t line) {
    long long v = 0;
    const bool integer = member(id, v);
    return find_or_insert(id, line, integer, v);
  }
  // The usual next id: integer v one above the last one, on the line after it. Then recorded (true); else nothing
  // is done (false), and find_or_insert decides.
  bool extends_last_run(const long long v, const std::size_t line) {
    if (runs_.empty() || !plain_family()) return false;
    Run& r = runs_.back();
    if (v != r.last() + 1 || line != r.line + static_cast<std::size_t>(r.count)) return false;
    ++r.count;
    return true;
  }
  // The same, with whether the id is a plain decimal integer without leading zeros, and its value, already known
  // (the line pass reads them with the id): that is membership of the family ("", plain); for another family, or
  // before the first id, member() decides.
  std::size_t find_or_insert(std::string_view id, std::size_t line, bool integer, long long v) {
    if (!integer || !plain_family()) integer = member(id, v);
    if (integer) {
      // Integer ids in the hash table arrived below the then-last sorted id, so a larger one is new.
      if (runs_.empty() || v > runs_.back().last()) {
        Run* r = runs_.empty() ? nullptr : &runs_.back();
        if (r != nullptr && v == r->last() + 1 && line == r->line + static_cast<std::size_t>(r->count)) ++r->count;
        else runs_.push_back(Run{v, line, 1});
        return 0;
      }
      // The last run starting at or below v.
      const auto it = std::upper_bound(runs_.begin(), runs_.end(), v, [](long long x, const Run& r) { return x < r.first; });
      if (it != runs_.begin()) {
        const Run& r = *(it - 1);
        if (v <= r.last()) return r.line + static_cast<std::size_t>(v - r.first);
      }
    }
    const std::size_t first = hashed(id, line);
    if (first == 0 && integer) max_hashed_integer_ = std::max(max_hashed_integer_, v);
    return first;
  }

  // Adds every id of `later` (the index of a byte range after all ids here, IngestStream::parallel) unless one of
  // them is here already: then false, and nothing is added. Ids 1..N in order — a range's ids then form a few runs
  // above every id here — cost one comparison per run; other ids are looked up and added one by one.
  bool merge(const IdIndex& later) {
    if (!later.runs_.empty() && family_set_ && !runs_compatible(later)) return merge_one_by_one(later);
    if (!family_set_ && later.family_set_) { // every id here is outside every family (none would have set it)
      family_set_ = true;
      prefix_ = later.prefix_;
      width_ = later.width_;
    }
    for (const Run& r : later.runs_)
      if (overlaps(r)) return false;
    for (const Entry& e : later.entries_)
      if (contains(std::string_view(later.arena_).substr(e.offset, e.size))) return false;
    for (const Run& r : later.runs_) {
      if (!runs_.empty() && r.first <= runs_.back().last()) { // below ids here: one by one, as find_or_insert would
        for (long long k = 0; k < r.count; ++k) insert_integer(r.first + k, r.line + static_cast<std::size_t>(k));
        continue;
      }
      if (!runs_.empty()) {
        Run& last = runs_.back();
        if (r.first == last.last() + 1 && r.line == last.line + static_cast<std::size_t>(last.count)) {
          last.count += r.count;
          continue;
        }
      }
      runs_.push_back(r);
    }
    for (const Entry& e : later.entries_) find_or_insert(std::string_view(later.arena_).substr(e.offset, e.size), e.line);
    return true;
  }

  // Empty, keeping the memory (a range's index reused for the next range).
  void clear() {
    runs_.clear();
    entries_.clear();
    arena_.clear();
    std::fill(slots_.begin(), slots_.end(), Slot{});
    max_hashed_integer_ = std::numeric_limits<long long>::min();
    family_set_ = false;
    prefix_.clear();
    width_ = 0;
  }

  // Whether `id` was seen (nothing is recorded).
  bool contains(std::string_view id) const {
    long long v = 0;
    if (in_family(id, v)) {
      if (runs_.empty() || v > runs_.back().last()) return false;
      const auto it = std::upper_bound(runs_.begin(), runs_.end(), v, [](long long x, const Run& r) { return x < r.first; });
      if (it != runs_.begin() && v <= (it - 1)->last()) return true;
    }
    if (slots_.empty()) return false;
    const std::uint64_t h = std::hash<std::string_view>{}(id);
    const auto tag = static_cast<std::uint32_t>(h >> 32);
    for (std::size_t i = h & (slots_.size() - 1);; i = (i + 1) & (slots_.size() - 1)) {
      const Slot& s = slots_[i];
      if (s.entry == 0) return false;
      if (s.tag == tag) {
        const Entry& e = entries_[s.entry - 1];
        if (std::string_view(arena_).substr(e.offset, e.size) == id) return true;
      }
    }
  }

private:
  static constexpr std::size_t kMaxPrefix = 32, kMaxDigits = 18;

  // `id` as a prefix and 1–18 trailing ASCII digits (of value v; `digits` of them), the prefix at most 32 bytes.
  static bool split(std::string_view id, std::string_view& prefix, std::size_t& digits, long long& v) {
    std::size_t k = id.size();
    while (k > 0 && id[k - 1] >= '0' && id[k - 1] <= '9') --k;
    digits = id.size() - k;
    if (digits == 0 || digits > kMaxDigits || k > kMaxPrefix) return false;
    prefix = id.substr(0, k);
    long long x = 0;
    for (std::size_t i = k; i < id.size(); ++i) x = x * 10 + (id[i] - '0');
    v = x;
    return true;
  }
  // Whether `id` is of this index's family (false before the first id of one), and its number.
  bool in_family(std::string_view id, long long& v) const {
    std::string_view prefix;
    std::size_t digits = 0;
    if (!family_set_ || !split(id, prefix, digits, v) || prefix != prefix_) return false;
    if (width_ > 0) return digits == width_;
    return id[prefix.size()] != '0' || digits == 1; // plain: no leading zero ("0" itself excepted)
  }
  // in_family, the family set by this id first if none is yet.
  bool member(std::string_view id, long long& v) {
    if (!family_set_) {
      std::string_view prefix;
      std::size_t digits = 0;
      if (!split(id, prefix, digits, v)) return false;
      family_set_ = true;
      prefix_.assign(prefix);
      width_ = id[prefix.size()] == '0' && digits > 1 ? digits : 0;
      return true;
    }
    return in_family(id, v);
  }
  bool plain_family() const { return family_set_ && width_ == 0 && prefix_.empty(); }
  bool same_family(const IdIndex& o) const { return o.family_set_ && o.prefix_ == prefix_ && o.width_ == width_; }
  // Whether o's runs name, number for number, the same ids in this index's family: the same family, or the same
  // prefix, one family plain and the other of width w, and every number of o's runs written with exactly w digits
  // (no leading zero: the two forms are the same text). A range of NT00001 ... NT99999 that starts at NT10000 takes
  // the plain family, the stream's index the family of width 5 from NT00001.
  bool runs_compatible(const IdIndex& o) const {
    if (same_family(o)) return true;
    if (!o.family_set_ || o.prefix_ != prefix_ || (width_ == 0) == (o.width_ == 0)) return false;
    const std::size_t w = width_ != 0 ? width_ : o.width_; // 2 to 18: a width family's first id had a leading zero
    long long lo = 1;
    for (std::size_t i = 1; i < w; ++i) lo *= 10;
    for (const Run& r : o.runs_)
      if (r.first < lo || r.last() / 10 >= lo) return false;
    return true;
  }
  // The text of number v in this index's family (which is set).
  std::string_view text_of(long long v, char (&buf)[kMaxPrefix + 24]) const {
    prefix_.copy(buf, prefix_.size());
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, v).ptr;
    const auto n = static_cast<std::size_t>(end - digits);
    std::size_t at = prefix_.size();
    for (std::size_t z = n; z < width_; ++z) buf[at++] = '0';
    std::memcpy(buf + at, digits, n);
    return std::string_view(buf, at + n);
  }
  // merge() of an index whose runs are of another family (ranges whose first ids differ in form): its ids are
  // checked, then added, one by one.
  bool merge_one_by_one(const IdIndex& later) {
    char buf[kMaxPrefix + 24];
    for (const Run& r : later.runs_)
      for (long long k = 0; k < r.count; ++k)
        if (contains(later.text_of(r.first + k, buf))) return false;
    for (const Entry& e : later.entries_)
      if (contains(std::string_view(later.arena_).substr(e.offset, e.size))) return false;
    for (const Run& r : later.runs_)
      for (long long k = 0; k < r.count; ++k) find_or_insert(later.text_of(r.first + k, buf), r.line + static_cast<std::size_t>(k));
    for (const Entry& e : later.entries_) find_or_insert(std::string_view(later.arena_).substr(e.offset, e.size), e.line);
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

  // Ids first, first + 1, ..., first + count - 1, first seen on lines line, line + 1, ...
  struct Run {
    long long first;
    std::size_t line;
    long long count;
    long long last() const { return first + count - 1; }
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

  // Whether an id of run r is here (in a run, or as an integer id in the hash table).
  bool overlaps(const Run& r) const {
    if (runs_.empty() && max_hashed_integer_ < r.first) return false;
    if (!runs_.empty() && r.first > runs_.back().last() && r.first > max_hashed_integer_) return false;
    // The runs starting at or below r's last id: the last of them may reach into r.
    const auto it = std::upper_bound(runs_.begin(), runs_.end(), r.last(), [](long long x, const Run& q) { return x < q.first; });
    if (it != runs_.begin() && (it - 1)->last() >= r.first) return true;
    if (slots_.empty() || max_hashed_integer_ < r.first) return false;
    char buf[kMaxPrefix + 24];
    for (long long v = r.first; v <= r.last(); ++v)
      if (contains(text_of(v, buf))) return true;
    return false;
  }
  // Records the id of number v of the family (known to be new) first seen on `line`.
  void insert_integer(long long v, std::size_t line) {
    char buf[kMaxPrefix + 24];
    find_or_insert(text_of(v, buf), line);
  }

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

  std::vector<Run> runs_;
  std::vector<Slot> slots_;
  std::vector<Entry> entries_;
  std::string arena_;
  long long max_hashed_integer_ = std::numeric_limits<long long>::min(); // the largest number of the family in the hash table
  bool family_set_ = false; // the family: prefix_ and the number (width_ digits with leading zeros; 0 = none)
  std::string prefix_;
  std::size_t width_ = 0;
};

struct Binding {
  std::size_t var_index;
  VarType type = VarType::Text; // of the variable
  std::vector<int> csv_index; // one per CSV column the variable reads (-1 = absent)
  bool design = false;        // stratum, PSU, fpc or replicate weight: cannot be left empty
  bool binary_fast = false;   // a multi variable in 0/1 columns where neither 0 nor 1 is a missing code
  bool adjacent = false;      // Fast::Multi01 with two or more columns, consecutive in the CSV (csv_index[k] == col0 + k)
  int col0 = -1;              // csv_index[0], or -1 if the variable reads no column
  // For the fast path (IngestStream::Impl::fast_cell): the range a valid integer or number lies in
  // (integer: with the survey's age range for role age; number: > 0 for weights, >= 0 for replicate
  // weights, > 0 for fpc), and whether a number variable has missing codes.
  double lo = -1e300, hi = 1e300;
  bool lo_open = false; // the range excludes lo itself
  bool absent = false;  // the CSV has none of the variable's columns (an optional variable)
  bool has_missing = false;
  // Which fast path fast_cell takes for this variable, decided once from the facts above (General: none, the
  // cell goes to parse_cell), and for Code the kinds of the cells "0" to "99" (kFastCode: a code, stored;
  // kFastMissing: a missing code of a variable that is not a design column, stored as missing; 0: parse_cell).
  enum class Fast : std::uint8_t { General, Skip, Absent, Id, Code, Integer, Number, Multi01 };
  Fast fast = Fast::General;
  static constexpr std::uint8_t kFastCode = 1, kFastMissing = 2;
  std::array<std::uint8_t, 100> code_kind{};
};

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::size_t kSampleRows = 1000;    // rows whose size estimates the rows of a regular file
constexpr std::size_t kReserveBatch = 1 << 20; // batches up to this many rows reserve them all at once
constexpr std::size_t kGrowRows = 4096;        // the columns of a batch grow by at most this many rows at a time
constexpr std::size_t kFirstRows = 256;        // and by at least this many: from 256 rows, then by an eighth (a small file zeroes little)
constexpr std::size_t kMaxRejectedPerBatch = 4096; // rejected rows' details a streamed batch holds at most

// Calls f on each per-row vector a column of its variable's type uses.
template <class F>
void each_row_vector(Column& c, F&& f) {
  switch (c.var->type) {
  case VarType::Text:
    if (c.labels) f(c.ints); // design labels
    break;
  case VarType::Id: f(c.ids); break;
  case VarType::Integer:
  case VarType::Code:
    f(c.ints);
    f(c.raw_missing);
    break;
  case VarType::Number: f(c.numbers); break;
  case VarType::Multi:
    f(c.multi);
    f(c.multi_answered);
    break;
  }
}

// Reserves the columns for `n` rows, so that they are not copied as they grow and memory holds one copy
// of each. Pages are only touched when rows arrive, so an over-estimate costs address space, not memory.
void reserve_rows(Dataset& ds, std::size_t n) {
  ds.lines.reserve(n);
  for (Column& c : ds.columns) each_row_vector(c, [n](auto& v) { v.reserve(n); });
}

// The rows a regular file probably holds: its size / the mean size of the first rows, plus 5%; 0 if unknown.
std::size_t estimate_rows(const std::string& path, std::size_t sample_bytes, std::size_t sample_rows) {
  struct stat st {};
  if (path == "-" || ::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || sample_bytes == 0) return 0;
  const double rows = static_cast<double>(st.st_size) / (static_cast<double>(sample_bytes) / static_cast<double>(sample_rows)) * 1.05 + 1024;
  return rows < 4e9 ? static_cast<std::size_t>(rows) : 0;
}

// Gives every column exactly `n` rows (new ones value-initialised, to be overwritten).
void resize_rows(Dataset& ds, std::size_t n) {
  for (Column& c : ds.columns) each_row_vector(c, [n](auto& v) { v.resize(n); });
}

} // namespace

struct IngestStream::Impl {
  std::string path;    // as given
  std::string display; // for messages ("<stdin>" for "-")
  // The codebook, one copy shared with the range parsers (IngestStream::parallel), which read it on other threads
  // and never change it: a range then costs no copy of it.
  std::shared_ptr<const codebook::Codebook> cb_shared;
  const codebook::Codebook& cb;
  IngestOptions options;
  io::CsvReader reader;
  std::vector<Binding> bindings;
  std::vector<std::size_t> id_bindings; // indices into bindings of the id variables
  std::vector<CodeTable> tables; // parallel to cb.variables
  std::vector<std::shared_ptr<LabelDict>> label_dicts; // parallel to cb.variables: design labels' dictionaries, else null
  std::vector<Problem> warnings;
  std::vector<std::string> ignored;
  IdIndex ids;
  detail::RowRules rules{cb}; // answer checks and derived variables (data/derive.hpp)
  std::vector<std::pair<std::size_t, Problem>> counted; // the current row's blanked / counted answer checks
  std::size_t counted_details = 0; // of them, kept as warnings
  io::RecordView rec;
  std::string scratch, id_scratch;
  std::vector<Problem> problems; // of the current row
  std::size_t rows_read = 0, rows_rejected = 0, details_kept = 0;
  std::size_t sample_bytes = 0;
  std::size_t last_line = 0; // of the last record read
  std::size_t row = 0;       // the row of the batch being parsed
  std::size_t capacity = 0;  // rows the batch's columns hold (> row while parsing)
  // IngestBatch::owner of the batches this stream sets up: the stream's Impl, also in its range parsers, so that
  // a batch parsed on any thread can be handed back and reused by any of them (IngestStream::parallel).
  const void* token = this;
  bool finished = false;
  // At most this many records remain in a regular file: each takes at least one byte per column (its
  // delimiters and line end). A streamed batch reserves no more rows than that (a small file starts fast).
  std::size_t row_bound = std::numeric_limits<std::size_t>::max();

  // The usual line read in one pass, without splitting it into fields first (line_cells): one step per field
  // or run of adjacent 0/1 answer columns, in the file's order; empty when the columns cannot be planned so
  // (plan_lines; then every line is split). Absent variables are written as the batch's rows are set up or
  // added (absent_cells in setup_batch and read_batch). Declared before `par`: a range parser copies them from
  // its stream on a worker thread, so they must outlive the join.
  struct LineStep {
    enum class Kind : std::uint8_t { Unused, Skip, Id, Code, Integer, Number, Multi01, Capture, End };
    Kind kind = Kind::Unused;
    std::uint32_t binding = 0; // index into bindings (not for Unused, Capture)
    std::uint32_t columns = 1; // CSV columns the step reads (Multi01: the answers)
    std::uint32_t run = 0;     // Code: the steps of one-column code variables from this one on (this one included)
    std::uint32_t field = 0;   // Id, Capture: the CSV column, whose field line_fields holds
    // Where the step's cells go (line_bound only; null in line_steps): its variable's binding, and the row vectors
    // of its column in the batch being read.
    const Binding* b = nullptr;
    std::int64_t* ints = nullptr;
    std::int64_t* raw_missing = nullptr;
    double* numbers = nullptr;
    std::uint64_t* multi = nullptr;
    std::uint8_t* answered = nullptr;
    std::string* ids = nullptr;
  };
  std::vector<LineStep> line_steps; // the plan (plan_lines), not changed while reading
  // The plan with the storage of the batch this Impl is reading (bind_line_steps, whenever a window of lines is
  // entered or the batch's columns grow: they move then), which line_cells reads. Each Impl binds its own: a range
  // parser copies line_steps, never this, so no thread reads what another writes.
  std::vector<LineStep> line_bound;
  // Variables on the general path (parse_cell after the line's pass), and the fields the pass captures by CSV
  // column: theirs and the id's (for make()); the other entries are left as they were.
  std::vector<std::size_t> general_bindings;
  std::vector<std::string_view> line_fields;
  std::vector<std::size_t> absent_bindings; // absent_cells
  // The id line_cells read with the row (check_row's duplicate check): its binding (kNoIdBinding: none, the row was
  // read otherwise) and whether it is a canonical integer, of which value (IdIndex::find_or_insert).
  static constexpr std::size_t kNoIdBinding = std::numeric_limits<std::size_t>::max();
  std::size_t line_id_binding = kNoIdBinding;
  bool line_id_integer = false;
  long long line_id_value = 0;

  // Parsing on several threads (IngestStream::parallel); null while reading in this thread.
  struct Parallel;
  std::unique_ptr<Parallel> par;
  // A range parser (one byte range of the file, on any thread): ids are checked within the range only (its own
  // `ids`, merged into the stream's by IdIndex::merge); the range is given up (abort_range) on a duplicate id in
  // it or once it holds kMaxRejectedPerBatch rejected rows' details, and the stream then reads on from its
  // start in one thread.
  bool range_worker = false;
  bool abort_range = false;

  Impl(const std::string& p, const codebook::Codebook& c, const IngestOptions& o);
  Impl(const Impl& parent, io::CsvReader range, std::size_t range_bytes); // a range parser
  ~Impl();
  // stop_line: stop before a record when the reader has consumed exactly this many physical lines (a parallel
  // repair reaching the start of a range); 0 = never.
  bool read_batch(std::size_t max_rows, IngestBatch& out, std::size_t stop_line = 0);
  bool consume_chunk();                      // parallel: the next byte range's batches into par->ready
  bool repair_batch(std::size_t max_rows, IngestBatch& out); // parallel: a failed range re-read in this thread
  void fall_back(std::uint64_t offset, std::size_t lines_before); // parallel → one thread from `offset`
  void setup_batch(IngestBatch& out);
  void parse_row(Dataset& ds, std::size_t& normalised);
  void check_row(Dataset& ds);
  [[gnu::noinline]] void apply_rules(Dataset& ds);
  [[gnu::noinline]] void check_ids(Dataset& ds, std::size_t read_id);
  bool fast_cell(const Binding& b, Column& c);
  static bool id_cell(std::string* ids, std::size_t r, std::string_view raw);
  void absent_cell(const Binding& b, Column& c);
  void absent_cells(Dataset& ds, std::size_t from, std::size_t to);
  static bool code_cell(const Binding& b, std::int64_t* ints, std::int64_t* raw_missing, std::size_t r, std::string_view raw);
  static bool code_value(const Binding& b, std::int64_t* ints, std::int64_t* raw_missing, std::size_t r, unsigned n);
  bool integer_cell(const Binding& b, std::int64_t* ints, std::int64_t* raw_missing, std::size_t r, std::string_view raw);
  [[gnu::always_inline]] bool integer_value(const Binding& b, std::int64_t* ints, std::int64_t* raw_missing, std::size_t r, long long n);
  static bool number_cell(const Binding& b, double* numbers, std::size_t r, std::string_view raw);
  static bool number_value(const Binding& b, double* numbers, std::size_t r, double x);
  void plan_lines();
  void bind_line_steps(Dataset& ds);
  const char* line_cells(Dataset& ds, std::size_t r, const char* p, const char* end, std::size_t& normalised);
  [[gnu::noinline]] void parse_cell(const Binding& b, Column& c, std::size_t& normalised);
  void parse_code(const Variable& v, const CodeTable& table, std::string_view cell, int col, std::int64_t& value, std::int64_t& raw_missing,
                  std::size_t& normalised);
  void check_row_count() const;
  // A valid row's blanked / counted answer checks: counted in the batch, the first 1,000 kept as warnings.
  void commit_counted(Dataset& ds) {
    for (auto& [check, p] : counted) {
      ++ds.answer_check_counts[check];
      if (counted_details++ < 1000) warnings.push_back(std::move(p));
    }
    counted.clear();
  }

  static io::CsvOptions csv_options(const IngestOptions& o) {
    io::CsvOptions copts;
    copts.encoding = io::parse_encoding(o.encoding);
    if (o.require_final_newline) copts.final_newline = io::FinalNewline::Require;
    return copts;
  }

  Problem make(ErrorCode code, int col, std::string_view value, Text msg, Text expected) const {
    const auto& header = reader.header();
    Problem p;
    p.code = code;
    p.pos.file = display;
    p.pos.line = rec.line;
    p.pos.record = rows_read; // this record's number (counted when it was read)
    if (!id_bindings.empty()) {
      const int id_col = bindings[id_bindings.front()].csv_index[0];
      if (id_col >= 0 && static_cast<std::size_t>(id_col) < rec.fields.size()) p.pos.record_id = std::string(io::trim(rec.fields[static_cast<std::size_t>(id_col)]));
    }
    p.pos.column = col >= 0 ? static_cast<std::size_t>(col) + 1 : 0;
    if (col >= 0 && static_cast<std::size_t>(col) < header.size()) p.pos.column_name = header[static_cast<std::size_t>(col)];
    p.value = std::string(value);
    p.message = std::move(msg);
    p.expected = std::move(expected);
    return p;
  }
};

namespace {
// The whole-file reader's pieces (io::CsvSource::copy: every byte in order) with their offsets, for read_bytes.
std::function<void(std::string_view)> read_in_order(const std::function<void(std::uint64_t, std::string_view)>& read_bytes) {
  if (!read_bytes) return {};
  return [read_bytes, at = std::uint64_t{0}](std::string_view bytes) mutable {
    read_bytes(at, bytes);
    at += bytes.size();
  };
}
} // namespace

IngestStream::Impl::Impl(const std::string& p, const codebook::Codebook& c, const IngestOptions& o)
    : path(p), display(o.display_name.empty() ? io::input_display_name(p) : o.display_name), cb_shared(std::make_shared<const codebook::Codebook>(c)), cb(*cb_shared),
      options(o), reader(p, csv_options(o), io::CsvSource{o.display_name, read_in_order(o.read_bytes)}) {
  const auto& header = reader.header();
  std::unordered_map<std::string, int> col_of;
  for (std::size_t i = 0; i < header.size(); ++i) col_of.emplace(header[i], static_cast<int>(i));

  std::vector<bool> used(header.size(), false);
  for (std::size_t vi = 0; vi < cb.variables.size(); ++vi) {
    const Variable& v = cb.variables[vi];
    Binding b;
    b.var_index = vi;
    for (const auto& name : v.csv_columns()) {
      auto it = col_of.find(name);
      if (it == col_of.end()) {
        const bool required = options.required_roles.count(v.role) > 0 || v.role == Role::Weight || v.role == Role::Id ||
                              v.role == Role::Stratum || v.role == Role::Psu || v.role == Role::Fpc || v.role == Role::Replicate ||
                              v.role == Role::Count;
        Problem pr;
        pr.code = ErrorCode::CsvMissingColumn;
        pr.pos.file = display;
        pr.pos.line = reader.header_line();
        pr.pos.key = v.name;
        pr.value = name;
        pr.message = Text{fmt::format("コードブックの列「{}」が見出し行にありません", name),
                          fmt::format("column \"{}\" named in the codebook is not in the header row", name)};
        if (const auto near = io::did_you_mean(name, header)) {
          const bool lookalike = io::fold_lookalikes(*near) == io::fold_lookalikes(name);
          pr.expected = lookalike
                            ? Text{fmt::format("見出しの「{}」のことですか?（全角・半角の違いや全角スペースだけが異なります。コードブック {} の name を見出しに合わせてください）",
                                               *near, cb.path),
                                   fmt::format("did you mean \"{}\" in the header? (differs only by full-width/half-width characters or spaces; make name in "
                                               "the codebook {} match the header)", *near, cb.path)}
                            : Text{fmt::format("見出しの「{}」のことですか?（コードブック {} の name を確認してください）", *near, cb.path),
                                   fmt::format("did you mean \"{}\" in the header? (check name in the codebook {})", *near, cb.path)};
        } else {
          std::string hdr = fmt::format("{}", fmt::join(header, ", "));
          if (hdr.size() > 300) hdr = io::truncate_utf8(hdr, 300) + " …";
          pr.expected = Text{"見出し行: " + hdr + " (コードブック " + cb.path + " の name を確認してください)",
                             "header: " + hdr + " (check name in the codebook " + cb.path + ")"};
        }
        if (required) throw Error(std::move(pr));
        warnings.push_back(std::move(pr));
        b.csv_index.push_back(-1);
      } else {
        b.csv_index.push_back(it->second);
        used[static_cast<std::size_t>(it->second)] = true;
      }
    }
    b.design = v.role == Role::Stratum || v.role == Role::Psu || v.role == Role::Fpc || v.role == Role::Replicate ||
               v.role == Role::Count;
    bindings.push_back(std::move(b));
  }
  for (std::size_t i = 0; i < header.size(); ++i)
    if (!used[i]) ignored.push_back(header[i]);
  tables.reserve(cb.variables.size());
  for (const auto& v : cb.variables) {
    tables.emplace_back(v);
    label_dicts.push_back(is_design_label(v) ? std::make_shared<LabelDict>() : nullptr);
  }
  for (auto& b : bindings) {
    const CodeTable& t = tables[b.var_index];
    b.binary_fast = cb.variables[b.var_index].multi_as_columns() && !t.is_missing_code(0) && !t.is_missing_code(1);
    b.col0 = b.csv_index.empty() ? -1 : b.csv_index[0];
    const Variable& v = cb.variables[b.var_index];
    b.has_missing = !v.missing.empty();
    b.type = v.type;
    b.absent = std::all_of(b.csv_index.begin(), b.csv_index.end(), [](int ci) { return ci < 0; });
    b.lo = v.min.value_or(-1e300);
    b.hi = v.max.value_or(1e300);
    if (v.type == VarType::Integer && v.role == Role::Age) {
      b.lo = std::max(b.lo, static_cast<double>(cb.age_min));
      b.hi = std::min(b.hi, static_cast<double>(cb.age_max));
    }
    if (v.type == VarType::Number && (v.role == Role::Weight || v.role == Role::Fpc) && b.lo <= 0) {
      b.lo = 0;
      b.lo_open = true;
    }
    if (v.type == VarType::Number && v.role == Role::Replicate) b.lo = std::max(b.lo, 0.0);
    if (v.type == VarType::Number && (v.role == Role::Weight || v.role == Role::Replicate)) b.hi = std::min(b.hi, kMaxWeight);
    if (v.role == Role::Count) {
      b.lo = std::max(b.lo, 0.0);
      b.hi = std::min(b.hi, static_cast<double>(kMaxCount));
    }
    using Fast = Binding::Fast;
    const bool all_columns = !b.csv_index.empty() && std::all_of(b.csv_index.begin(), b.csv_index.end(), [](int ci) { return ci >= 0; });
    if (b.absent && !b.design && b.type != VarType::Id) b.fast = Fast::Absent;
    else if (b.type == VarType::Text) b.fast = b.design ? Fast::General : Fast::Skip;
    else if (b.col0 < 0) b.fast = Fast::General;
    else if (b.type == VarType::Id) b.fast = b.design ? Fast::General : Fast::Id;
    else if (b.type == VarType::Code) b.fast = Fast::Code;
    else if (b.type == VarType::Integer) b.fast = Fast::Integer;
    else if (b.type == VarType::Number) b.fast = b.has_missing ? Fast::General : Fast::Number;
    else if (b.type == VarType::Multi) b.fast = b.binary_fast && !b.design && all_columns ? Fast::Multi01 : Fast::General;
    if (b.fast == Fast::Multi01) {
      b.adjacent = b.csv_index.size() >= 2;
      for (std::size_t k = 1; k < b.csv_index.size(); ++k) b.adjacent = b.adjacent && b.csv_index[k] == b.col0 + static_cast<int>(k);
    }
    if (b.fast == Fast::Code) {
      for (std::int64_t n = 0; n < 100; ++n) {
        const CodeTable::Kind kind = t.kind(n);
        b.code_kind[static_cast<std::size_t>(n)] = kind == CodeTable::kCode                    ? Binding::kFastCode
                                                   : kind == CodeTable::kMissingCode && !b.design ? Binding::kFastMissing
                                                                                                : 0;
      }
    }
  }
  for (std::size_t bi = 0; bi < bindings.size(); ++bi)
    if (cb.variables[bindings[bi].var_index].type == VarType::Id) id_bindings.push_back(bi);
  struct stat st {};
  if (path != "-" && ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= 0)
    row_bound = static_cast<std::size_t>(st.st_size) / std::max<std::size_t>(header.size(), 1) + 1;
  plan_lines();
}

// An empty batch: its own copy of the codebook and one empty column per variable. A batch this stream set
// up before keeps its codebook and its columns' memory.
void IngestStream::Impl::setup_batch(IngestBatch& out) {
  Dataset& ds = out.data;
  if (out.owner != token || ds.columns.size() != cb.variables.size()) {
    ds = Dataset{};
    ds.codebook = cb;
    ds.columns.resize(ds.codebook.variables.size());
    for (std::size_t vi = 0; vi < ds.columns.size(); ++vi) {
      ds.columns[vi].var = &ds.codebook.variables[vi];
      ds.columns[vi].labels = label_dicts[vi];
    }
    ds.source = display;
    ds.encoding = io::encoding_name(reader.encoding());
    ds.had_bom = reader.had_bom();
    ds.ignored_columns = ignored;
    out.owner = token;
  }
  // The rows of the previous batch are kept as room to overwrite (growing a column zeroes the new rows);
  // next() cuts the columns to the batch's rows at the end.
  capacity = ds.lines.size();
  ds.lines.clear();
  resize_rows(ds, capacity);
  // The variables without columns are missing in every row: written for a batch's rows as they are set up or
  // added (read_batch), not by each line's pass (line_cells); parse_row and a derived variable write their own.
  absent_cells(ds, 0, capacity);
  ds.fullwidth_normalised = 0;
  ds.answer_check_counts.assign(cb.checks.size(), 0);
  out.rejected.clear();
  out.rows_read = 0;
  out.rows_rejected = 0;
}

void IngestStream::Impl::check_row_count() const {
  if (!options.expect_rows || *options.expect_rows == rows_read) return;
  const std::size_t want = *options.expect_rows;
  Problem p;
  p.code = ErrorCode::IoRowCount;
  p.pos.file = display;
  p.pos.line = last_line;
  p.value = std::to_string(rows_read);
  if (rows_read < want)
    p.message = Text{fmt::format("データ行が {} 行しかありません ({} 行のはずです)。入力が途中で切れている可能性があります", rows_read, want),
                     fmt::format("the input has only {} data rows ({} were expected); it may have been cut off", rows_read, want)};
  else
    p.message = Text{fmt::format("データ行が {} 行あります ({} 行のはずです)", rows_read, want),
                     fmt::format("the input has {} data rows ({} were expected)", rows_read, want)};
  p.expected = Text{fmt::format("見出し行のほかに {} 行のデータ (‹expect-rows›)", want), fmt::format("{} data rows after the header (‹expect-rows›)", want)};
  throw Error(std::move(p));
}

// A code cell: `value` the code, or `raw_missing` the declared missing code found (both stay kMissing for an
// empty cell or a problem).
void IngestStream::Impl::parse_code(const Variable& v, const CodeTable& table, std::string_view cell, int col, std::int64_t& value,
                                           std::int64_t& raw_missing, std::size_t& normalised) {
  const IntCell ic = read_int(cell, scratch);
  if (ic.empty) return;
  if (ic.changed) ++normalised;
  const auto& n = ic.value;
  if (!n) {
    problems.push_back(make(ErrorCode::DataUnknownCode, col, cell, Text{"コードが整数ではありません", "the code is not an integer"},
                            Text{expected_codes(v), expected_codes(v)}));
    return;
  }
  const CodeTable::Kind kind = table.kind(*n);
  if (kind == CodeTable::kCode) {
    value = *n;
  } else if (kind == CodeTable::kMissingCode) {
    raw_missing = *n;
  } else {
    problems.push_back(make(ErrorCode::DataUnknownCode, col, cell, Text{"コードブックにないコードです", "the code is not in the codebook"},
                            Text{expected_codes(v), expected_codes(v)}));
  }
}

// What parse_cell gives for a variable without columns: missing (the columns are value-initialised).
inline void IngestStream::Impl::absent_cell(const Binding& b, Column& c) {
  switch (b.type) {
  case VarType::Integer:
  case VarType::Code:
    c.ints[row] = kMissing;
    c.raw_missing[row] = kMissing;
    break;
  case VarType::Number: c.numbers[row] = kNaN; break;
  case VarType::Multi:
    c.multi[row] = 0;
    c.multi_answered[row] = 0;
    break;
  default: break;
  }
}

// absent_cell for each variable without columns, in rows [from, to) of the batch.
void IngestStream::Impl::absent_cells(Dataset& ds, std::size_t from, std::size_t to) {
  for (const std::size_t bi : absent_bindings) {
    Column& c = ds.columns[bindings[bi].var_index];
    switch (bindings[bi].type) {
    case VarType::Integer:
    case VarType::Code:
      std::fill(c.ints.begin() + static_cast<std::ptrdiff_t>(from), c.ints.begin() + static_cast<std::ptrdiff_t>(to), kMissing);
      std::fill(c.raw_missing.begin() + static_cast<std::ptrdiff_t>(from), c.raw_missing.begin() + static_cast<std::ptrdiff_t>(to), kMissing);
      break;
    case VarType::Number: std::fill(c.numbers.begin() + static_cast<std::ptrdiff_t>(from), c.numbers.begin() + static_cast<std::ptrdiff_t>(to), kNaN); break;
    case VarType::Multi:
      std::fill(c.multi.begin() + static_cast<std::ptrdiff_t>(from), c.multi.begin() + static_cast<std::ptrdiff_t>(to), 0);
      std::fill(c.multi_answered.begin() + static_cast<std::ptrdiff_t>(from), c.multi_answered.begin() + static_cast<std::ptrdiff_t>(to), 0);
      break;
    default: break;
    }
  }
}

// The cells of the fast paths, each from its field's text, stored in row r of its column's vectors.
inline bool IngestStream::Impl::id_cell(std::string* ids, std::size_t r, std::string_view raw) {
  auto printable = [](char ch) { return static_cast<unsigned char>(ch) >= 0x21 && static_cast<unsigned char>(ch) <= 0x7E; };
  if (raw.empty() || !printable(raw.front()) || !printable(raw.back())) return false;
  // Sized, then copied: a row of a reused batch mostly holds an id of the same length already (no call then),
  // where assign() goes through the general _M_replace.
  std::string& id = ids[r];
  id.resize(raw.size());
  std::memcpy(id.data(), raw.data(), raw.size());
  return true;
}

inline bool IngestStream::Impl::code_cell(const Binding& b, std::int64_t* ints, std::int64_t* raw_missing, std::size_t r, std::string_view raw) {
  unsigned n = 0;
  if (raw.size() == 1) {
    n = static_cast<unsigned>(raw[0] - '0');
    if (n > 9) return false;
  } else if (raw.size() == 2) {
    const unsigned d0 = static_cast<unsigned>(raw[0] - '0'), d1 = static_cast<unsigned>(raw[1] - '0');
    if (d0 - 1 > 8 || d1 > 9) return false; // "00"-"09" are not the plain form of a number
    n = d0 * 10 + d1;
  } else if (raw.empty() && !b.design) { // not answered (a design column cannot be empty: parse_cell says so)
    ints[r] = kMissing;
    raw_missing[r] = kMissing;
    return true;
  } else {
    return false;
  }
  return code_value(b, ints, raw_missing, r, n);
}

// A code cell of the value n < 100 (what code_cell reads), as code_cell stores it.
inline bool IngestStream::Impl::code_value(const Binding& b, std::int64_t* ints, std::int64_t* raw_missing, std::size_t r, unsigned n) {
  const std::uint8_t kind = b.code_kind[n];
  if (kind == 0) return false;
  const bool code = kind == Binding::kFastCode;
  ints[r] = code ? static_cast<std::int64_t>(n) : kMissing;
  raw_missing[r] = code ? kMissing : static_cast<std::int64_t>(n);
  return true;
}

inline bool IngestStream::Impl::integer_cell(const Binding& b, std::int64_t* ints, std::int64_t* raw_missing, std::size_t r, std::string_view raw) {
  long long n = 0;
  if (raw.empty() && !b.design) { // not answered
    ints[r] = kMissing;
    raw_missing[r] = kMissing;
    return true;
  }
  if (!plain_digits(raw, n)) return false;
  return integer_value(b, ints, raw_missing, r, n);
}

// An integer cell of the value n (what plain_digits reads), as integer_cell stores it.
inline bool IngestStream::Impl::integer_value(const Binding& b, std::int64_t* ints, std::int64_t* raw_missing, std::size_t r, long long n) {
  const double x = static_cast<double>(n);
  if (x < b.lo || x > b.hi || (b.has_missing && tables[b.var_index].is_missing_code(n))) return false;
  ints[r] = n;
  raw_missing[r] = kMissing;
  return true;
}

inline bool IngestStream::Impl::number_cell(const Binding& b, double* numbers, std::size_t r, std::string_view raw) {
  double x = 0;
  return plain_decimal(raw, x) && number_value(b, numbers, r, x);
}

// A number cell of the value x (what plain_decimal reads), as number_cell stores it.
inline bool IngestStream::Impl::number_value(const Binding& b, double* numbers, std::size_t r, double x) {
  if (x < b.lo || (b.lo_open && x == b.lo) || x > b.hi) return false;
  numbers[r] = x;
  return true;
}

// The usual cell, handled without the general path: one- and two-digit codes, plain integers and decimals in
// range, 0/1 multiple-answer columns, ids without surrounding space. Stores the value and returns true; false
// (nothing stored) sends the variable to parse_cell, which finds the same value or the problem. The path is the
// binding's (Binding::fast), chosen once, so a cell costs one switch.
inline bool IngestStream::Impl::fast_cell(const Binding& b, Column& c) {
  using Fast = Binding::Fast;
  const std::string_view* const fields = rec.fields.data();
  switch (b.fast) {
  case Fast::General: return false;
  case Fast::Skip: return true; // free text: validated for presence only (the record has every column)
  case Fast::Absent: absent_cell(b, c); return true;
  case Fast::Id: return id_cell(c.ids.data(), row, fields[b.col0]);
  case Fast::Code: return code_cell(b, c.ints.data(), c.raw_missing.data(), row, fields[b.col0]);
  case Fast::Integer: return integer_cell(b, c.ints.data(), c.raw_missing.data(), row, fields[b.col0]);
  case Fast::Number: return number_cell(b, c.numbers.data(), row, fields[b.col0]);
  case Fast::Multi01: {
    const int* const csv = b.csv_index.data();
    std::uint64_t mask = 0;
    const std::size_t n = b.csv_index.size();
    if (b.adjacent) {
      // Consecutive columns of one byte each in a line split in place ("0,1,0"): the last field starts 2(n - 1)
      // bytes after the first, both inside the record's text, and the bytes between are answer, delimiter,
      // answer, ...: then every field is exactly that one byte, read from the text without a view per field.
      const std::string_view first = fields[b.col0], last = fields[b.col0 + static_cast<int>(n) - 1];
      const auto at = [](const char* q) { return reinterpret_cast<std::uintptr_t>(q); };
      const std::uintptr_t text = at(rec.raw.data());
      if (last.size() == 1 && at(last.data()) == at(first.data()) + 2 * (n - 1) && at(first.data()) >= text &&
          at(last.data()) < text + rec.raw.size()) {
        if (!answers01(first.data(), n, mask)) return false;
        c.multi[row] = mask;
        c.multi_answered[row] = 1;
        return true;
      }
    }
    std::uint8_t answered = 0;
    for (std::size_t k = 0; k < n; ++k)
      if (!answer01(fields[csv[k]], k, mask, answered)) return false;
    c.multi[row] = mask;
    c.multi_answered[row] = answered;
    return true;
  }
  }
  return false;
}

// Validates the record `rec` into one more row of `ds`; cell problems go to `problems` (the caller then
// takes the row out again). Every column gets exactly one value per row.
void IngestStream::Impl::parse_row(Dataset& ds, std::size_t& normalised) {
  Column* const columns = ds.columns.data();
  for (const auto& b : bindings) {
    Column& c = columns[b.var_index];
    if (!fast_cell(b, c)) parse_cell(b, c, normalised);
  }
  check_row(ds);
}

// How line_cells reads a line: a step per CSV column (a variable on a fast path of one column, or of adjacent
// 0/1 columns; a column of a variable on the general path, captured for parse_cell; a column no variable
// reads). Without any steps (line_steps empty: a column read by two variables, a variable of several columns
// that are not adjacent 0/1 answers) every line is split.
void IngestStream::Impl::plan_lines() {
  using Fast = Binding::Fast;
  using Kind = LineStep::Kind;
  line_steps.clear();
  general_bindings.clear();
  line_fields.clear();
  absent_bindings.clear();
  const std::size_t ncol = reader.header().size();
  std::vector<LineStep> at(ncol); // by CSV column; Unused unless a variable reads it
  std::vector<char> taken(ncol, 0);
  std::vector<std::size_t> absent, general;
  for (std::size_t bi = 0; bi < bindings.size(); ++bi) {
    const Binding& b = bindings[bi];
    Kind kind = Kind::Unused;
    switch (b.fast) {
    case Fast::General: // each column captured, the cell read by parse_cell after the pass
      for (const int ci : b.csv_index) {
        if (ci < 0) continue; // a column the CSV lacks reads as empty (parse_cell)
        const auto col = static_cast<std::size_t>(ci);
        if (col >= ncol || taken[col]) return;
        taken[col] = 1;
        at[col] = LineStep{.kind = Kind::Capture, .field = static_cast<std::uint32_t>(col)};
      }
      general.push_back(bi);
      continue;
    case Fast::Absent: absent.push_back(bi); continue;
    case Fast::Skip: kind = Kind::Skip; break;
    case Fast::Id: kind = Kind::Id; break;
    case Fast::Code: kind = Kind::Code; break;
    case Fast::Integer: kind = Kind::Integer; break;
    case Fast::Number: kind = Kind::Number; break;
    case Fast::Multi01: kind = Kind::Multi01; break;
    }
    const std::size_t n = b.csv_index.size();
    if (b.col0 < 0 || (kind == Kind::Multi01 ? !b.adjacent : n != 1)) return;
    for (std::size_t k = 0; k < n; ++k) {
      const auto col = static_cast<std::size_t>(b.col0) + k;
      if (col >= ncol || taken[col]) return;
      taken[col] = 1;
    }
    at[static_cast<std::size_t>(b.col0)] =
        LineStep{.kind = kind, .binding = static_cast<std::uint32_t>(bi), .columns = static_cast<std::uint32_t>(n), .field = static_cast<std::uint32_t>(b.col0)};
  }
  for (std::size_t col = 0; col < ncol;) {
    line_steps.push_back(at[col]);
    col += at[col].columns;
  }
  for (std::size_t i = line_steps.size(); i-- > 0;)
    if (line_steps[i].kind == Kind::Code) line_steps[i].run = 1 + (i + 1 < line_steps.size() ? line_steps[i + 1].run : 0);
  line_steps.push_back(LineStep{.kind = Kind::End}); // after the last column: a line with more fields ends there
  general_bindings = std::move(general);
  absent_bindings = std::move(absent);
  line_fields.resize(ncol);
}

// line_bound: the plan's steps with their cells pointing into the batch's columns, bound again whenever these may
// have moved (read_batch: as a window of lines is entered, and after the columns grow), before line_cells writes
// through them. line_steps itself is never written while reading (range parsers copy it on other threads).
void IngestStream::Impl::bind_line_steps(Dataset& ds) {
  using Kind = LineStep::Kind;
  line_bound.assign(line_steps.begin(), line_steps.end());
  for (LineStep& st : line_bound) {
    if (st.kind == Kind::Unused || st.kind == Kind::Skip || st.kind == Kind::Capture || st.kind == Kind::End) continue;
    st.b = &bindings[st.binding];
    Column& c = ds.columns[st.b->var_index];
    st.ints = c.ints.data();
    st.raw_missing = c.raw_missing.data();
    st.numbers = c.numbers.data();
    st.multi = c.multi.data();
    st.answered = c.multi_answered.data();
    st.ids = c.ids.data();
  }
}

// The byte classes of line_cells' scan: what ends a field (the delimiter, a line end) and what takes a line off
// the one-pass read (a quote, a byte >= 0x80).
constexpr std::array<std::uint8_t, 256> kFieldStop = [] {
  std::array<std::uint8_t, 256> t{};
  t[static_cast<unsigned char>(kDelimiter)] = t['\n'] = t['\r'] = 1;
  t['"'] = 2;
  for (std::size_t c = 0x80; c < 256; ++c) t[c] = 2;
  return t;
}();

// The line at p, one of the reader's pending lines (CsvReader::pending_lines, which end at `end`: its last
// byte is '\n'), read field by field in one pass when each cell is on its fast path (a variable on the general
// path: its fields captured, then parse_cell): the row stored as parse_row would store it, rec.raw set to the
// line without its line end, and where the next line starts returned. Null when the line holds a quote or a
// byte >= 0x80, has another number of fields than the header, ends in something else than "\n" or "\r\n", or
// a fast-path variable's cell is off its fast path: then the caller reads the line through next_line() and
// split(), and parse_row reads it (from the start: every column gets its value again). Every scan stops at
// '\n' at the latest, so none passes `end`.
const char* IngestStream::Impl::line_cells(Dataset& ds, const std::size_t r, const char* p, const char* const end, std::size_t& normalised) {
  using Kind = LineStep::Kind;
  const char* const line = p;
  const auto stop = [](const char* q) { return kFieldStop[static_cast<unsigned char>(*q)]; };
  const auto digit = [](char c) { return static_cast<unsigned>(static_cast<unsigned char>(c)) - '0'; }; // <= 9 for a digit
  // The field starting at p: up to the next delimiter or line end (false for a quote or a byte >= 0x80).
  const auto field = [&](const char*& q) {
    q = p;
    while (stop(q) == 0) ++q;
    return stop(q) == 1;
  };
  line_id_binding = kNoIdBinding; // until the line is read
  if (line_bound.empty()) return nullptr;
  std::size_t id_binding = kNoIdBinding;
  bool id_integer = false;
  long long id_value = 0;
  const LineStep* st = line_bound.data();
  const LineStep* const end_step = st + line_bound.size() - 1; // Kind::End, after the last column's step
  const char* q = p; // the end of the field being read
  for (;; ++st) {
    q = p;
    switch (st->kind) {
    case Kind::End: return nullptr; // more fields than the header has
    case Kind::Unused:
    case Kind::Skip:
      if (!field(q)) return nullptr;
      break;
    case Kind::Id: {
      // Digits converted as they are scanned: an id of 1 to 18 digits without a leading zero is the integer that
      // IdIndex reads from it (the family ("", plain): IdIndex), handed to check_row's duplicate check with the row.
      std::uint64_t x = 0;
      while (digit(*q) <= 9) x = x * 10 + digit(*q++);
      const auto digits = q - p;
      id_integer = stop(q) == 1 && digits >= 1 && digits <= 18 && (p[0] != '0' || digits == 1);
      id_value = static_cast<long long>(x);
      id_binding = st->binding;
      if (const auto n = static_cast<std::size_t>(digits); id_integer && n >= 4) {
        // Digits only (printable: what id_cell checks), of 4 to 18: copied in two moves of fixed size that may
        // overlap, without a call.
        std::string& id = st->ids[r];
        id.resize(n);
        char* const to = id.data();
        const auto two = [&](auto size) {
          constexpr std::size_t k = decltype(size)::value;
          char a[k], b[k];
          std::memcpy(a, p, k);
          std::memcpy(b, p + n - k, k);
          std::memcpy(to, a, k);
          std::memcpy(to + n - k, b, k);
        };
        if (n <= 8) two(std::integral_constant<std::size_t, 4>{});
        else if (n <= 16) two(std::integral_constant<std::size_t, 8>{});
        else std::memcpy(to, p, n);
        line_fields[st->field] = std::string_view(p, n); // make() names the respondent from it
        break;
      }
      while (stop(q) == 0) ++q;
      if (stop(q) != 1) return nullptr;
      const std::string_view f(p, static_cast<std::size_t>(q - p));
      if (!id_cell(st->ids, r, f)) return nullptr;
      line_fields[st->field] = f; // make() names the respondent from it
      break;
    }
    case Kind::Code: {
      // Four code variables in a row with one-digit answers ("1,3,3,2" and a field's end) read as one word
      // (digits4), each then as code_value takes it; the step is then the fourth one's.
      if (std::array<unsigned, 4> d; st->run >= 4 && end - p >= 8 && digits4(p, d) && stop(p + 7) == 1) {
        for (std::size_t k = 0; k < 4; ++k)
          if (!code_value(*st[k].b, st[k].ints, st[k].raw_missing, r, d[k])) return nullptr;
        st += 3;
        q = p + 7;
        break;
      }
      // The usual field of one or two digits ("d," / "dd\n") read without a scan (code_cell's forms: no leading
      // zero), then code_value; anything else through code_cell. (A byte after a digit is inside the window:
      // the window ends in '\n'.)
      if (const auto d0 = digit(p[0]); d0 <= 9) {
        if (stop(p + 1) == 1) {
          q = p + 1;
          if (!code_value(*st->b, st->ints, st->raw_missing, r, d0)) return nullptr;
          break;
        }
        if (const auto d1 = digit(p[1]); d0 != 0 && d1 <= 9 && stop(p + 2) == 1) {
          q = p + 2;
          if (!code_value(*st->b, st->ints, st->raw_missing, r, d0 * 10 + d1)) return nullptr;
          break;
        }
      }
      if (!field(q) || !code_cell(*st->b, st->ints, st->raw_missing, r, std::string_view(p, static_cast<std::size_t>(q - p)))) return nullptr;
      break;
    }
    case Kind::Integer: {
      // Digits up to the field's end, converted as they are read (what plain_digits gives), then integer_value's
      // checks; anything else through integer_cell. Unsigned: a run of more than 18 digits wraps (defined) and
      // is then left to integer_cell.
      if (const auto d0 = digit(p[0]); d0 <= 9) { // the usual one or two digits without the loop
        if (stop(p + 1) == 1) {
          q = p + 1;
          if (!integer_value(*st->b, st->ints, st->raw_missing, r, d0)) return nullptr;
          break;
        }
        if (const auto d1 = digit(p[1]); d1 <= 9 && stop(p + 2) == 1) {
          q = p + 2;
          if (!integer_value(*st->b, st->ints, st->raw_missing, r, d0 * 10 + d1)) return nullptr;
          break;
        }
      }
      std::uint64_t x = 0;
      while (digit(*q) <= 9) x = x * 10 + digit(*q++);
      if (q != p && q - p <= 18 && stop(q) == 1) {
        if (!integer_value(*st->b, st->ints, st->raw_missing, r, static_cast<long long>(x))) return nullptr;
      } else if (!field(q) || !integer_cell(*st->b, st->ints, st->raw_missing, r, std::string_view(p, static_cast<std::size_t>(q - p)))) {
        return nullptr;
      }
      break;
    }
    case Kind::Number: {
      // digits[.digits] converted as they are read (plain_decimal's value: the same digits over the same power
      // of ten), then number_value's checks; anything else through number_cell.
      std::uint64_t m = 0;
      while (static_cast<unsigned>(*q - '0') <= 9) m = m * 10 + static_cast<std::uint64_t>(*q++ - '0');
      const char* const point = q;
      const bool decimals = *q == '.';
      if (decimals)
        for (++q; static_cast<unsigned>(*q - '0') <= 9;) m = m * 10 + static_cast<std::uint64_t>(*q++ - '0');
      const auto digits = static_cast<std::size_t>(q - p) - (decimals ? 1 : 0);
      if (digits >= 1 && digits <= 15 && stop(q) == 1) {
        const double x = static_cast<double>(m) / kPow10[decimals ? q - point - 1 : 0];
        if (!number_value(*st->b, st->numbers, r, x)) return nullptr;
      } else if (!field(q) || !number_cell(*st->b, st->numbers, r, std::string_view(p, static_cast<std::size_t>(q - p)))) {
        return nullptr;
      }
      break;
    }
    case Kind::Multi01: {
      // n answers of one byte each, "0,1,...", read in place; else answer by answer as fast_cell reads them
      // (an empty one is not chosen, the variable answered when any answer is there).
      const std::size_t n = st->columns, span = 2 * n - 1;
      std::uint64_t mask = 0;
      if (static_cast<std::size_t>(end - p) > span && answers01(p, n, mask) && stop(p + span) == 1) {
        st->multi[r] = mask;
        st->answered[r] = 1;
        q = p + span;
        break;
      }
      std::uint8_t answered = 0;
      mask = 0;
      for (std::size_t k = 0; k < n; ++k) {
        if (k > 0) {
          if (*q != kDelimiter) return nullptr;
          p = q + 1;
        }
        if (!field(q) || !answer01(std::string_view(p, static_cast<std::size_t>(q - p)), k, mask, answered)) return nullptr;
      }
      st->multi[r] = mask;
      st->answered[r] = answered;
      break;
    }
    case Kind::Capture: // a column of a variable on the general path: its field, read after the line (line_cells)
      if (!field(q)) return nullptr;
      line_fields[st->field] = std::string_view(p, static_cast<std::size_t>(q - p));
      break;
    default: __builtin_unreachable(); // every Kind is a case above (plan_lines makes no other): no range check a step
    }
    // The field ends at a delimiter, the last one at the line's end (with fewer fields, before the last step).
    if (*q != kDelimiter) break;
    p = q + 1;
  }
  if (st + 1 != end_step) return nullptr;
  const char* next = q + 1;
  if (*q == '\r' && *next == '\n') ++next; // (q[1] is there: q is before the '\n' that ends `end`)
  else if (*q != '\n') return nullptr;
  rec.raw = std::string_view(line, static_cast<std::size_t>(q - line));
  line_id_binding = id_binding;
  line_id_integer = id_integer;
  line_id_value = id_value;
  // The captured fields (the id's and the general-path variables') stand for the record's fields, which
  // parse_cell and make() read; the others are not filled in.
  rec.fields = {line_fields.data(), line_fields.size()};
  Column* const columns = ds.columns.data();
  for (const std::size_t bi : general_bindings) parse_cell(bindings[bi], columns[bindings[bi].var_index], normalised);
  return next;
}

// Rules across the row's variables and duplicate ids: what follows the cells of a row on either path. The usual
// row (no rules; its one id the integer after the last row's, read by line_cells) takes no call.
inline void IngestStream::Impl::check_row(Dataset& ds) {
  if (!rules.empty()) apply_rules(ds);
  // Duplicate ids (rejected rows' ids included, so that the first occurrence is always the one named).
  if (!options.check_duplicate_ids) return;
  const std::size_t read_id = std::exchange(line_id_binding, kNoIdBinding); // the id line_cells read, if it did
  if (read_id != kNoIdBinding && line_id_integer && id_bindings.size() == 1 && ids.extends_last_run(line_id_value, rec.line)) return;
  check_ids(ds, read_id);
}

void IngestStream::Impl::apply_rules(Dataset& ds) {
  counted.clear();
  rules.apply(
      ds.columns.data(), row,
      [this](ErrorCode code, std::size_t var, const std::string& value, Text msg, Text expected) {
        // The respondent id is in the location (make), not repeated in the message.
        problems.push_back(make(code, bindings[var].col0, value, std::move(msg), std::move(expected)));
      },
      [this](std::size_t check, std::size_t var, const std::string& value, Text msg) {
        const bool blanked = cb.checks[check].action == codebook::CheckAction::Blank;
        counted.emplace_back(check, make(ErrorCode::DataAnswerCheck, bindings[var].col0, value, std::move(msg),
                                         blanked ? Text{"無回答として集計します", "tabulated as missing"}
                                                 : Text{"回答のまま集計します（数えるだけ）", "tabulated as answered (counted only)"}));
      });
}

// The row's ids looked up and recorded (read_id: the binding whose id line_cells read with the row, if any).
void IngestStream::Impl::check_ids(Dataset& ds, const std::size_t read_id) {
  for (const std::size_t bi : id_bindings) {
    const Binding& b = bindings[bi];
    const std::string& id = ds.columns[b.var_index].ids[row];
    if (id.empty()) continue;
    const std::size_t first = bi == read_id ? ids.find_or_insert(id, rec.line, line_id_integer, line_id_value) : ids.find_or_insert(id, rec.line);
    if (range_worker) {
      if (first != 0) abort_range = true;
      continue;
    }
    if (first != 0)
      problems.push_back(make(ErrorCode::DataDuplicateId, b.csv_index[0], id,
                              Text{fmt::format("回答者IDが重複しています ({}行目と同じ)", first), fmt::format("duplicate respondent id (same as line {})", first)},
                              Text{"一意な ID", "a unique id"}));
  }
}

// One variable of the record, every rule applied (the general path of fast_cell): stores exactly one value
// in `c` and adds any problem to `problems`.
void IngestStream::Impl::parse_cell(const Binding& b, Column& c, std::size_t& normalised) {
  static constexpr std::string_view kAbsent; // the text of a codebook column that the CSV lacks
  const std::string_view* const fields = rec.fields.data();
  const Variable& v = cb.variables[b.var_index];
  const CodeTable& table = tables[b.var_index];
  const int* const csv = b.csv_index.data();
  auto field = [&](std::size_t k) -> std::string_view { return csv[k] < 0 ? kAbsent : fields[csv[k]]; };
  const int col0 = b.col0;
  const std::size_t problems_before = problems.size();
  std::int64_t iv = kMissing, rm = kMissing; // integer and code variables
  double d = kNaN;                           // number variables
  switch (v.type) {
  case VarType::Text:
    if (c.labels) { // a stratum or PSU label: any text, surrounding space trimmed; empty = missing (below)
      const std::string_view label = trimmed(field(0), id_scratch);
      if (!label.empty()) iv = c.labels->intern(label);
      c.ints[row] = iv;
    }
    break;
  case VarType::Id: {
    const std::string_view id = trimmed(field(0), id_scratch);
    c.ids[row].assign(id);
    if (col0 >= 0 && id.empty())
      problems.push_back(make(ErrorCode::DataMissingRequired, col0, "", Text{"回答者IDが空です", "the respondent id is empty"},
                              Text{"一意な ID", "a unique id"}));
    break;
  }
  case VarType::Integer: {
    const std::string_view raw = field(0);
    const IntCell ic = read_int(raw, scratch);
    if (!ic.empty) {
      if (ic.changed) ++normalised;
      const auto& n = ic.value;
      if (!n) {
        problems.push_back(make(ErrorCode::DataNotANumber, col0, raw, Text{"整数ではありません", "not a whole number"},
                                v.role == Role::Age ? Text{fmt::format("{}～{} の整数（歳）", cb.age_min, cb.age_max),
                                                           fmt::format("a whole number of years, {}-{}", cb.age_min, cb.age_max)}
                                                    : Text{"整数", "a whole number"}));
      } else if (table.is_missing_code(*n)) {
        rm = *n;
      } else {
        double lo = v.min.value_or(-1e300), hi = v.max.value_or(1e300);
        if (v.role == Role::Age) {
          lo = std::max(lo, static_cast<double>(cb.age_min));
          hi = std::min(hi, static_cast<double>(cb.age_max));
        }
        if (v.role == Role::Count) { // as Binding::lo / hi (the fast path)
          lo = std::max(lo, 0.0);
          hi = std::min(hi, static_cast<double>(kMaxCount));
        }
        if (static_cast<double>(*n) < lo || static_cast<double>(*n) > hi)
          problems.push_back(make(ErrorCode::DataOutOfRange, col0, raw,
                                  v.role == Role::Age ? Text{"年齢が調査対象の範囲外です", "age outside the survey's age range"}
                                                      : Text{"値が範囲外です", "value out of range"},
                                  Text{fmt::format("{}～{}", lo, hi), fmt::format("{} to {}", lo, hi)}));
        else
          iv = *n;
      }
    }
    c.ints[row] = iv;
    c.raw_missing[row] = rm;
    break;
  }
  case VarType::Number: {
    bool changed = false;
    const std::string_view raw = field(0);
    std::string_view t = raw;
    std::optional<double> x;
    double fast = 0;
    if (plain_decimal(raw, fast)) {
      x = fast;
    } else {
      t = numeric_text(raw, scratch, changed);
      if (changed && !t.empty()) ++normalised;
      if (!t.empty()) x = io::parse_double(t);
    }
    // A missing code is a whole number: only a finite whole number within int64's range is converted and
    // looked up (1e300, -1e300, inf and nan are not missing codes; converting them would be undefined).
    const bool missing_code = x && !v.missing.empty() && *x == std::floor(*x) && std::fabs(*x) < 9.2e18 &&
                              v.is_missing_code(static_cast<std::int64_t>(*x));
    if (t.empty() || missing_code) {
      if (v.role == Role::Weight && col0 >= 0)
        problems.push_back(make(ErrorCode::DataInvalidWeight, col0, raw, Text{"ウェイトが空欄です", "the weight is missing"},
                                Text{"0 より大きい数値", "a number greater than 0"}));
    } else if (!x || !std::isfinite(*x)) {
      problems.push_back(make(v.role == Role::Weight ? ErrorCode::DataInvalidWeight : ErrorCode::DataNotANumber, col0, raw,
                              Text{"数値ではありません", "not a number"},
                              v.role == Role::Weight ? Text{"0 より大きい数値", "a number greater than 0"} : Text{"数値", "a number"}));
    } else if (v.role == Role::Weight && *x <= 0) {
      problems.push_back(make(ErrorCode::DataInvalidWeight, col0, raw, Text{"ウェイトが 0 以下です", "the weight is 0 or negative"},
                              Text{"0 より大きい数値", "a number greater than 0"}));
    } else if ((v.role == Role::Weight || v.role == Role::Replicate) && *x > kMaxWeight) {
      problems.push_back(make(ErrorCode::DataInvalidWeight, col0, raw, Text{"ウェイトが上限 10^12 を超えています", "the weight exceeds the limit of 10^12"},
                              Text{"10^12 以下の数値（1人の回答者が代表する人数）", "a number up to 10^12 (the people one respondent stands for)"}));
    } else if ((v.min && *x < *v.min) || (v.max && *x > *v.max)) {
      problems.push_back(make(ErrorCode::DataOutOfRange, col0, raw, Text{"値が範囲外です", "value out of range"},
                              Text{fmt::format("{}～{}", v.min.value_or(-INFINITY), v.max.value_or(INFINITY)),
                                   fmt::format("{} to {}", v.min.value_or(-INFINITY), v.max.value_or(INFINITY))}));
    } else {
      d = *x;
    }
    c.numbers[row] = d;
    break;
  }
  case VarType::Code: {
    // The usual cell, one digit, answered from the table; everything else (and every problem) the general way.
    const std::string_view raw = field(0);
    const CodeTable::Kind kind = raw.size() == 1 && static_cast<unsigned>(raw[0] - '0') <= 9 ? table.kind(raw[0] - '0') : CodeTable::kUnknown;
    if (kind == CodeTable::kCode) iv = raw[0] - '0';
    else if (kind == CodeTable::kMissingCode) rm = raw[0] - '0';
    else parse_code(v, table, raw, col0, iv, rm, normalised);
    c.ints[row] = iv;
    c.raw_missing[row] = rm;
    break;
  }
  case VarType::Multi: {
    std::uint64_t mask = 0;
    std::uint8_t answered = 0;
    if (v.multi_as_columns()) {
      const std::size_t ncodes = v.codes.size();
      for (std::size_t k = 0; k < ncodes; ++k) {
        const int ci = csv[k];
        if (ci < 0) continue;
        const std::string_view raw = field(k);
        if (b.binary_fast && raw.size() == 1 && (raw[0] == '0' || raw[0] == '1')) {
          answered = 1;
          if (raw[0] == '1') mask |= (std::uint64_t{1} << k);
          continue;
        }
        const IntCell ic = read_int(raw, scratch);
        if (ic.empty) continue;
        if (ic.changed) ++normalised;
        const auto& n = ic.value;
        if (n && table.is_missing_code(*n)) continue;
        if (!n || (*n != 0 && *n != 1)) {
          problems.push_back(make(ErrorCode::DataUnknownCode, ci, raw, Text{"複数回答の列は 0 か 1 です", "a multiple-answer column holds 0 or 1"},
                                  Text{"1 (選択) / 0 または空欄 (非選択)", "1 (chosen) / 0 or empty (not chosen)"}));
          continue;
        }
        answered = 1;
        if (*n == 1) mask |= (std::uint64_t{1} << k);
      }
    } else {
      const std::string_view raw = field(0);
      std::size_t start = 0;
      while (start <= raw.size()) {
        const std::size_t pos = raw.find(v.delimiter, start);
        const std::string_view tok = raw.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start);
        start = pos == std::string_view::npos ? raw.size() + 1 : pos + v.delimiter.size();
        bool changed = false;
        const std::string t = io::normalize_numeric(tok, &changed);
        if (t.empty()) continue;
        if (changed) ++normalised;
        const auto n = io::parse_integer(t);
        if (n && table.is_missing_code(*n)) continue;
        const int idx = n ? v.code_index(*n) : -1;
        if (idx < 0) {
          problems.push_back(make(ErrorCode::DataUnknownCode, col0, tok, Text{"コードブックにないコードです", "the code is not in the codebook"},
                                  Text{fmt::format("「{}」で区切ったコード: {}", v.delimiter, expected_codes(v)),
                                       fmt::format("codes separated by \"{}\": {}", v.delimiter, expected_codes(v))}));
          continue;
        }
        answered = 1;
        mask |= (std::uint64_t{1} << idx);
      }
    }
    c.multi[row] = mask;
    c.multi_answered[row] = answered;
    break;
  }
  }
  // Design columns (stratum, PSU, fpc, replicate weights) cannot be left empty: a row without its
  // stratum or cluster cannot enter a design-based variance.
  if (b.design && col0 >= 0 && problems.size() == problems_before) {
    const bool missing = v.type == VarType::Number ? std::isnan(d) : iv == kMissing;
    if (missing && v.role == Role::Count)
      problems.push_back(make(ErrorCode::DataMissingRequired, col0, field(0),
                              Text{"人数の列（role = \"count\"）が空欄または欠損コードです", "the count column (role = \"count\") is empty or a missing code"},
                              Text{"0 以上の整数（この行が表す人数）", "a whole number >= 0 (the people this row stands for)"}));
    else if (missing)
      problems.push_back(make(ErrorCode::DataMissingRequired, col0, field(0),
                              Text{fmt::format("標本設計の列（{}）が空欄または欠損コードです", codebook::role_name(v.role)),
                                   fmt::format("the design column ({}) is empty or a missing code", codebook::role_name(v.role))},
                              v.type == VarType::Number ? Text{"数値", "a number"}
                              : v.type == VarType::Text ? Text{"層・PSU のラベル（空欄以外の文字列）", "a stratum or PSU label (any non-empty text)"}
                                                        : Text{"整数", "a whole number"}));
    else if (v.role == Role::Replicate && d < 0)
      problems.push_back(make(ErrorCode::DataInvalidWeight, col0, field(0), Text{"レプリケートウェイトが負です", "the replicate weight is negative"},
                              Text{"0 以上の数値", "a number >= 0"}));
    else if (v.role == Role::Fpc && !(d > 0))
      problems.push_back(make(ErrorCode::DataOutOfRange, col0, field(0), Text{"有限母集団修正の値が 0 以下です", "the finite population correction is 0 or negative"},
                              Text{"母集団の PSU 数 (>1) または抽出率 (0～1]", "population PSUs (> 1) or a sampling fraction in (0, 1]"}));
  }
}

// ---- Parsing on several threads (IngestStream::parallel) ------------------------------------------------
//
// The data after the header is cut into byte ranges ("chunks"): chunk k nominally covers the bytes
// [data + k·S, data + (k+1)·S) and really starts after the first '\n' at or after its nominal start − 1 (chunk 0
// at the data's start) and ends where chunk k + 1 starts (the last one at the end of the file). Both
// neighbours find the same boundary from the file's bytes alone, so the ranges do not depend on the thread
// count. Each chunk is read and parsed by whichever thread claims it (worker threads, and the stream's caller
// when the chunk it needs next is unclaimed), into batches of at most batch_rows rows; the caller takes the
// chunks in file order. A chunk's first line number is the header's end plus the '\n's of the chunks before
// it: a chunk counts its own '\n's first (memory speed) and waits for its predecessors' counts before
// parsing, so every line number is the whole file's.
// A boundary can fall inside a quoted field with a line break: the chunk before it then ends inside quotes,
// its parse fails, and so does anything unusual (a ragged row, an encoding error, a duplicate id, a flood of
// rejected rows). When the caller reaches a chunk that failed, or whose ids repeat earlier ones, it re-reads that
// chunk in its own thread (a reader of the file from the chunk's start, with the stream's ids, record numbers and
// caps): the error, the duplicate or the rejected rows then come exactly as a one-thread read gives them. The
// re-read goes on until a record ends exactly where a later chunk starts (the same physical line: chunks start
// after a '\n'); that chunk was parsed from a true record boundary, so its rows are what one thread reads, and
// the caller takes the chunks in order again from there. The chunks the re-read ran across (one whose start fell
// inside a quoted field) are dropped. Chunks before the failed one were parsed from true record boundaries too.
struct IngestStream::Impl::Parallel {
  // A buffer ranges are read into.
  struct Bytes {
    std::unique_ptr<char[]> data;
    std::size_t size = 0, cap = 0;
    void reserve(std::size_t n) { // to hold n bytes, keeping the first `size`, without zeroing the rest
      if (n <= cap) return;
      const std::size_t want = std::max(n, cap + cap / 2);
      std::unique_ptr<char[]> bigger(new char[want]);
      if (size > 0) std::memcpy(bigger.get(), data.get(), size);
      data = std::move(bigger);
      cap = want;
    }
  };
  struct Chunk {
    enum class State { Claimed, Counted, Done, Failed };
    State state = State::Claimed;
    std::uint64_t begin = 0, end = 0; // bytes of the file
    std::size_t newlines = 0;         // '\n' in [begin, end)
    std::size_t line_base = 0;        // '\n' in the chunks before this one
    bool based = false;               // line_base is known
    std::vector<IngestBatch> batches;
    std::vector<Problem> warnings; // counted answer checks (the first 1,000 of the chunk)
    std::size_t counted = 0;
    IdIndex ids; // the range's ids
    std::size_t rows_read = 0, rows_rejected = 0, last_line = 0;
    // With IngestOptions::read_bytes: the buffer the range was read into, [begin, end) of the file from byte
    // `from_buffer`, kept until the caller takes the range (consume_chunk) and hands it on in file order.
    Bytes bytes;
    std::size_t from_buffer = 0;
  };

  Impl& main;
  std::uint64_t data_begin = 0, size = 0, chunk_bytes = 0;
  std::size_t nchunks = 0, batch_rows = 0, window = 0;
  unsigned threads = 2;
  std::mutex m;
  std::condition_variable cv;
  std::map<std::size_t, Chunk> chunks; // claimed, not yet consumed
  std::size_t next_claim = 0, consumed = 0, based_upto = 0, lines_upto = 0;
  bool stop = false;
  // A range could not be read (open or pread failed) before its '\n's were counted: the ranges after it never get
  // their line numbers, so a thread waiting for one (a worker, or the caller helping) gives its range up; the caller
  // reads on in one thread from the failed range (consume_chunk).
  bool broken = false;
  std::vector<std::thread> workers;
  // Repairing: a range failed and is being re-read in the caller's thread (Impl::repair_batch), up to the start of
  // a later range that a record ends exactly at.
  bool repairing = false;
  // The reader range readers are made from (the stream's header, encoding and rules): not the stream's own, which a
  // repair replaces while workers are parsing.
  std::unique_ptr<io::CsvReader> parent;
  // Memory handed back for reuse (under m), so that a range costs no fresh pages (page faults, zeroing): the
  // buffers ranges are read into, and the batches the caller of next() is done with.
  std::vector<Bytes> free_buffers;
  std::vector<IngestBatch> free_batches;
  std::vector<IdIndex> free_ids; // ranges' id indexes
  // The caller's side: batches of consumed chunks, and where the consumed chunks end.
  std::deque<IngestBatch> ready;
  std::uint64_t consumed_end = 0;
  std::size_t consumed_lines = 0;

  // The input, opened once for every range (pread is safe on one descriptor from several threads); -1 when it could
  // not be opened: then every range fails to read, as when its own open failed.
  int fd = -1;

  explicit Parallel(Impl& owner) : main(owner) {}
  ~Parallel() {
    join();
    if (fd >= 0) ::close(fd);
  }
  Parallel(const Parallel&) = delete;
  Parallel& operator=(const Parallel&) = delete;

  void join() {
    {
      std::lock_guard lock(m);
      stop = true;
    }
    cv.notify_all();
    for (auto& t : workers)
      if (t.joinable()) t.join();
    workers.clear();
  }

  // N − 1 workers; a thread the system refuses (a process limit) is simply not there: the caller of next()
  // reads every range that nobody else has taken, so fewer workers only mean less parallel work.
  void start() {
    fd = ::open(main.path.c_str(), O_RDONLY | O_CLOEXEC);
    try {
      for (unsigned i = 1; i < threads; ++i) workers.emplace_back([this] { work(); });
    } catch (const std::system_error&) {
    }
  }

  void work() {
    for (;;) {
      std::size_t k = 0;
      Chunk* c = nullptr;
      {
        std::unique_lock lock(m);
        cv.wait(lock, [&] { return stop || next_claim >= nchunks || next_claim < consumed + window; });
        if (stop || next_claim >= nchunks) return;
        k = next_claim++;
        c = &chunks[k];
      }
      process(k, *c);
    }
  }

  // Appends bytes [from, to) of the file to `out`, or fewer at its end.
  static void read_at(int fd, std::uint64_t from, std::uint64_t to, Bytes& out) {
    const auto want = static_cast<std::size_t>(to - from);
    out.reserve(out.size + want);
    std::size_t got = 0;
    while (got < want) {
      const ssize_t n = ::pread(fd, out.data.get() + out.size + got, want - got, static_cast<off_t>(from + got));
      if (n < 0) throw std::runtime_error("pread");
      if (n == 0) break;
      got += static_cast<std::size_t>(n);
    }
    out.size += got;
  }

  Bytes take_buffer() {
    std::lock_guard lock(m);
    if (free_buffers.empty()) return Bytes{};
    Bytes b = std::move(free_buffers.back());
    free_buffers.pop_back();
    b.size = 0;
    return b;
  }
  IngestBatch take_batch() {
    std::lock_guard lock(m);
    if (free_batches.empty()) return IngestBatch{};
    IngestBatch b = std::move(free_batches.back());
    free_batches.pop_back();
    return b;
  }

  // Reads, counts and parses chunk k (any thread). Never throws: a problem marks the chunk Failed.
  void process(std::size_t k, Chunk& c) {
    Bytes buf = take_buffer();
    try {
      std::size_t begin = 0, end = 0; // the range in buf
      {
        if (fd < 0) throw std::runtime_error("open");
        const std::uint64_t nominal = data_begin + k * chunk_bytes, next_nominal = nominal + chunk_bytes;
        const std::uint64_t from = k == 0 ? nominal : nominal - 1;
        const bool last = k + 1 == nchunks;
        read_at(fd, from, last ? std::max(next_nominal, size) : next_nominal, buf);
        // The end: after the first '\n' at or after byte next_nominal − 1 (the last chunk: the end of the file).
        end = buf.size;
        if (last) {
          while (buf.size == end && end > 0) { // a file that grew: read it to its end, as one thread would
            read_at(fd, from + end, from + end + (1u << 16), buf);
            if (buf.size == end) break;
            end = buf.size;
          }
        } else {
          // Read on by 4 KiB first (a record is usually far shorter), then by 64 KiB: a range reads little past its end.
          auto scan = static_cast<std::size_t>(next_nominal - 1 - from);
          for (std::size_t step = 1u << 12;; step = 1u << 16) {
            const void* nl = scan < buf.size ? std::memchr(buf.data.get() + scan, '\n', buf.size - scan) : nullptr;
            if (nl != nullptr) {
              end = static_cast<std::size_t>(static_cast<const char*>(nl) - buf.data.get()) + 1;
              break;
            }
            scan = buf.size;
            read_at(fd, from + buf.size, from + buf.size + step, buf);
            if (buf.size == scan) {
              end = scan;
              break;
            }
          }
        }
        if (k > 0) {
          const void* nl = end > 0 ? std::memchr(buf.data.get(), '\n', end) : nullptr;
          begin = nl == nullptr ? end : static_cast<std::size_t>(static_cast<const char*>(nl) - buf.data.get()) + 1;
        }
        c.begin = from + begin;
        c.end = from + end;
      }
      const char* const bytes = buf.data.get() + begin;
      const std::size_t nbytes = end - begin;
      c.newlines = io::count_newlines(std::string_view(bytes, nbytes));
      std::size_t line_base = 0;
      {
        std::unique_lock lock(m);
        c.state = Chunk::State::Counted;
        for (auto it = chunks.find(based_upto); it != chunks.end() && it->first == based_upto && it->second.state != Chunk::State::Claimed &&
                                                it->second.state != Chunk::State::Failed;
             it = chunks.find(based_upto)) {
          it->second.line_base = lines_upto;
          it->second.based = true;
          lines_upto += it->second.newlines;
          ++based_upto;
        }
        cv.notify_all();
        cv.wait(lock, [&] { return stop || c.based || broken; });
        if (stop || !c.based) {
          c.state = Chunk::State::Failed;
          free_buffers.push_back(std::move(buf));
          lock.unlock();
          cv.notify_all();
          return;
        }
        line_base = c.line_base;
      }
      {
        // The range is parsed where it lies in buf (UTF-8; CsvReader copies other input); the batches hold copies.
        Impl w(main, io::CsvReader(*parent, bytes, nbytes, parent->header_end_line() + line_base), nbytes);
        {
          std::lock_guard lock(m);
          if (!free_ids.empty()) {
            w.ids = std::move(free_ids.back());
            free_ids.pop_back();
            w.ids.clear();
          }
        }
        while (!w.finished) {
          IngestBatch b = take_batch();
          const bool more = w.read_batch(batch_rows, b);
          if (w.abort_range) throw std::runtime_error("range given up");
          if (!more) {
            std::lock_guard lock(m);
            free_batches.push_back(std::move(b));
            break;
          }
          c.batches.push_back(std::move(b));
        }
        c.warnings = std::move(w.warnings);
        c.counted = w.counted_details;
        c.ids = std::move(w.ids);
        c.rows_read = w.rows_read;
        c.rows_rejected = w.rows_rejected;
        c.last_line = w.last_line;
      }
      std::lock_guard lock(m);
      if (main.options.read_bytes) {
        c.bytes = std::move(buf);
        c.from_buffer = begin;
      } else {
        free_buffers.push_back(std::move(buf));
      }
      c.state = Chunk::State::Done;
    } catch (...) {
      std::lock_guard lock(m);
      if (c.state == Chunk::State::Claimed) broken = true; // not counted: no range after it gets its line numbers
      for (IngestBatch& b : c.batches) free_batches.push_back(std::move(b));
      c.batches.clear();
      free_buffers.push_back(std::move(buf));
      c.state = Chunk::State::Failed;
    }
    cv.notify_all();
  }
};

IngestStream::Impl::Impl(const Impl& parent, io::CsvReader range, std::size_t range_bytes)
    : path(parent.path), display(parent.display), cb_shared(parent.cb_shared), cb(*cb_shared), options(parent.options), reader(std::move(range)), bindings(parent.bindings),
      id_bindings(parent.id_bindings), tables(parent.tables),
      label_dicts(parent.label_dicts), // one dictionary per design column for the whole file (locked; ids sorted by label later)
      ignored(parent.ignored), token(parent.token) {
  options.expect_rows.reset(); // the stream checks the count of the whole file
  range_worker = true;
  row_bound = range_bytes / std::max<std::size_t>(reader.header().size(), 1) + 1;
  line_steps = parent.line_steps;
  general_bindings = parent.general_bindings;
  line_fields.resize(parent.line_fields.size());
  absent_bindings = parent.absent_bindings;
}

IngestStream::Impl::~Impl() = default;

void IngestStream::Impl::fall_back(std::uint64_t offset, std::size_t lines_before) {
  par->join();
  io::CsvReader rest(reader, offset, lines_before);
  reader = std::move(rest);
  par.reset();
}

bool IngestStream::Impl::consume_chunk() {
  Parallel& p = *par;
  if (p.consumed == p.nchunks) return false;
  const std::size_t k = p.consumed;
  Parallel::Chunk* c = nullptr;
  bool mine = false;
  {
    std::unique_lock lock(p.m);
    if (p.next_claim == k) { // nobody has taken it: read it here
      ++p.next_claim;
      mine = true;
    }
    c = &p.chunks[k];
  }
  if (mine) p.process(k, *c);
  {
    // While a worker parses chunk k, this thread parses the next unclaimed chunk of the window rather than wait
    // (else the caller would only wait and accumulate, and the worker's parsing alone would set the pace).
    std::unique_lock lock(p.m);
    while (c->state != Parallel::Chunk::State::Done && c->state != Parallel::Chunk::State::Failed) {
      if (p.next_claim < p.nchunks && p.next_claim < p.consumed + p.window) {
        const std::size_t j = p.next_claim++;
        Parallel::Chunk& cj = p.chunks[j];
        lock.unlock();
        p.process(j, cj);
        lock.lock();
        continue;
      }
      p.cv.wait(lock);
    }
  }
  auto fail = [&] {
    fall_back(p.consumed_end, reader.header_end_line() + p.consumed_lines);
    return false;
  };
  // A failed chunk, or one whose ids repeat earlier ones: re-read it in this thread (repair_batch), from its start
  // (= where the consumed chunks end) if it was counted, else (a read error) read the rest of the file so.
  auto repair = [&] {
    if (!c->based) return fail();
    reader = io::CsvReader(reader, p.consumed_end, reader.header_end_line() + p.consumed_lines);
    {
      std::lock_guard lock(p.m);
      p.chunks.erase(k);
      ++p.consumed;
      p.repairing = true;
    }
    p.cv.notify_all();
    return true;
  };
  if (c->state == Parallel::Chunk::State::Failed) return repair();
  if (options.check_duplicate_ids) {
    if (!ids.merge(c->ids)) return repair();
  }
  const std::size_t base = rows_read;
  for (IngestBatch& b : c->batches) {
    for (RejectedRow& rr : b.rejected)
      for (Problem& pr : rr.problems) pr.pos.record += base;
    const std::size_t room = details_kept < options.max_rejected_details ? options.max_rejected_details - details_kept : 0;
    if (b.rejected.size() > room) b.rejected.resize(room);
    details_kept += b.rejected.size();
    p.ready.push_back(std::move(b));
  }
  for (std::size_t i = 0; i < c->warnings.size() && counted_details + i < 1000; ++i) {
    c->warnings[i].pos.record += base;
    warnings.push_back(std::move(c->warnings[i]));
  }
  counted_details += c->counted;
  {
    std::lock_guard lock(p.m);
    p.free_ids.push_back(std::move(c->ids));
  }
  rows_read += c->rows_read;
  rows_rejected += c->rows_rejected;
  if (c->rows_read > 0) last_line = c->last_line;
  if (options.read_bytes) {
    options.read_bytes(c->begin, std::string_view(c->bytes.data.get() + c->from_buffer, static_cast<std::size_t>(c->end - c->begin)));
    std::lock_guard lock(p.m);
    p.free_buffers.push_back(std::move(c->bytes));
  }
  p.consumed_end = c->end;
  p.consumed_lines += c->newlines;
  {
    std::lock_guard lock(p.m);
    p.chunks.erase(k);
    ++p.consumed;
  }
  p.cv.notify_all();
  return true;
}

// The next batch of a repair (see Parallel): records of this thread's reader up to the start of the next chunk
// that a record ends exactly at. False (and no repair any more) once the reader stands at such a start: the
// caller then takes the chunks from there. Chunks whose start a record runs across are dropped. Past the last
// chunk, or when a chunk could not be counted, the stream reads on in this thread to the end (par is reset).
bool IngestStream::Impl::repair_batch(std::size_t max_rows, IngestBatch& out) {
  Parallel& p = *par;
  const std::size_t header_end = reader.header_end_line();
  for (;;) {
    if (p.consumed == p.nchunks) break; // no chunk left: to the end in this thread
    const std::size_t j = p.consumed;
    Parallel::Chunk* c = nullptr;
    bool mine = false;
    {
      std::unique_lock lock(p.m);
      if (p.next_claim == j) {
        ++p.next_claim;
        mine = true;
      }
      c = &p.chunks[j];
    }
    if (mine) p.process(j, *c);
    {
      std::unique_lock lock(p.m);
      p.cv.wait(lock, [&] { return c->state == Parallel::Chunk::State::Done || c->state == Parallel::Chunk::State::Failed; });
    }
    if (!c->based) break; // not counted (a read error): to the end in this thread
    const std::size_t start = header_end + c->line_base; // the lines before chunk j
    const std::size_t at = reader.lines_read();
    if (at == start) { // a record ended where chunk j starts: take the chunks from here
      p.repairing = false;
      p.consumed_end = c->begin;
      p.consumed_lines = c->line_base;
      return false;
    }
    if (at > start) { // a record ran across chunk j's start: chunk j was parsed from inside it
      {
        std::lock_guard lock(p.m);
        p.chunks.erase(j);
        ++p.consumed;
      }
      p.cv.notify_all();
      continue;
    }
    const bool got = read_batch(max_rows, out, start);
    if (finished) { // the data ended inside the repair (a chunk's start was never reached)
      par->join();
      par.reset();
    }
    if (got) return true;
    if (!par) return false;
  }
  par->join();
  par.reset();
  return read_batch(max_rows, out);
}

bool IngestStream::parallel(unsigned threads, std::size_t batch_rows, std::size_t chunk_bytes) {
#if defined(__EMSCRIPTEN__)
  (void)threads;
  (void)batch_rows;
  (void)chunk_bytes;
  return false;
#else
  Impl& m = *impl_;
  if (threads < 2 || m.par || m.finished || m.rows_read > 0 || chunk_bytes == 0) return false;
  const auto begin = m.reader.data_offset();
  struct stat st {};
  if (!begin || ::stat(m.path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (*begin >= size) return false;
  auto p = std::make_unique<Impl::Parallel>(m);
  p->data_begin = *begin;
  p->size = size;
  p->chunk_bytes = chunk_bytes;
  p->nchunks = static_cast<std::size_t>((size - *begin + chunk_bytes - 1) / chunk_bytes);
  p->batch_rows = std::max<std::size_t>(batch_rows, 1);
  p->threads = threads;
  p->window = 2 * threads + 2; // ranges claimed ahead of the caller: about 1 MB of batches each at the default size
  p->consumed_end = *begin;
  p->parent = std::make_unique<io::CsvReader>(m.reader, std::string(), m.reader.header_end_line());
  m.par = std::move(p);
  m.par->start();
  return true;
#endif
}

IngestStream::IngestStream(const std::string& csv_path, const codebook::Codebook& codebook, const IngestOptions& options)
    : impl_(std::make_unique<Impl>(csv_path, codebook, options)) {}
IngestStream::~IngestStream() = default;
IngestStream::IngestStream(IngestStream&&) noexcept = default;
IngestStream& IngestStream::operator=(IngestStream&&) noexcept = default;

const std::vector<Problem>& IngestStream::warnings() const { return impl_->warnings; }
const std::vector<std::string>& IngestStream::ignored_columns() const { return impl_->ignored; }
std::string IngestStream::encoding() const { return io::encoding_name(impl_->reader.encoding()); }
bool IngestStream::had_bom() const { return impl_->reader.had_bom(); }
std::size_t IngestStream::rows_read() const { return impl_->rows_read; }
std::size_t IngestStream::rows_rejected() const { return impl_->rows_rejected; }
bool IngestStream::finished() const { return impl_->finished; }

bool IngestStream::Impl::read_batch(std::size_t max_rows, IngestBatch& out, std::size_t stop_line) {
  Impl& m = *this;
  m.setup_batch(out);
  Dataset& ds = out.data;
  if (m.finished) {
    resize_rows(ds, 0);
    m.capacity = 0;
    return false;
  }
  if (max_rows == 0) max_rows = 1;
  if (max_rows <= kReserveBatch) reserve_rows(ds, std::min(max_rows, m.row_bound));
  // The usual lines are read where the reader holds them (CsvReader::pending_lines, a window of whole lines),
  // one pass each (line_cells), and counted to the reader when the window is left (settle). Any other line —
  // and the first lines of a whole-file batch, which size it from their length — comes through next_line(),
  // is split and read cell by cell. With a single column a line of blanks would read as a field (next_line
  // skips it): then every line comes through next_line().
  const bool in_place = !m.line_steps.empty() && m.reader.header().size() >= 2;
  const char* cur = nullptr; // the next line of the window
  const char* wbegin = nullptr;
  const char* wend = nullptr;
  std::size_t wlines = 0; // lines read from the window
  std::size_t wline0 = 0; // the reader's lines before it
  const auto settle = [&] {
    if (cur != wbegin) m.reader.skip_lines(static_cast<std::size_t>(cur - wbegin), wlines);
    cur = wbegin = wend = nullptr;
    wlines = 0;
  };
  while (out.rows_read < max_rows) {
    if (stop_line != 0 && (cur != nullptr ? wline0 + wlines : m.reader.lines_read()) >= stop_line) break;
    // The columns grow in steps, and the row is written in place: a rejected row is simply overwritten.
    m.row = ds.lines.size();
    if (m.row >= m.capacity) {
      // By an eighth of the rows so far: the rows grown past the batch's last row are zeroed (and, for the variables
      // without columns, written) for nothing, and a reused batch (a parallel range's, of a few thousand rows)
      // grows just past the rows it held before (issue 16: growing by 4,096 rows zeroed most of a range's batch).
      m.capacity = m.row + std::min<std::size_t>(max_rows - out.rows_read, std::clamp<std::size_t>(m.row / 8, kFirstRows, kGrowRows));
      resize_rows(ds, m.capacity);
      m.absent_cells(ds, m.row, m.capacity);
      m.bind_line_steps(ds); // the columns may have moved
    }
    std::size_t normalised = 0;
    m.problems.clear();
    bool read = false;
    if (in_place && (max_rows <= kReserveBatch || m.rows_read >= kSampleRows)) {
      if (cur == wend) {
        settle();
        const std::string_view w = m.reader.pending_lines();
        cur = wbegin = w.data();
        wend = cur + w.size();
        wline0 = m.reader.lines_read();
        m.bind_line_steps(ds);
      }
      if (cur != wend) {
        m.rec.line = wline0 + wlines + 1;
        ++m.rows_read; // (make() numbers the record)
        if (const char* next = m.line_cells(ds, m.row, cur, wend, normalised)) {
          cur = next;
          ++wlines;
          read = true;
        } else {
          --m.rows_read;
        }
      }
    }
    if (read) {
      ++out.rows_read;
      m.last_line = m.rec.line;
      m.check_row(ds);
    } else {
      settle();
      normalised = 0;
      if (!m.reader.next_line(m.rec)) {
        m.finished = true;
        m.check_row_count();
        break;
      }
      ++m.rows_read;
      ++out.rows_read;
      m.last_line = m.rec.line;
      // A batch of the whole file: size the columns from the file size once the first rows are known.
      if (max_rows > kReserveBatch && m.rows_read <= kSampleRows) {
        m.sample_bytes += m.rec.raw.size() + 1;
        if (m.rows_read == kSampleRows) reserve_rows(ds, std::min(max_rows, estimate_rows(m.path, m.sample_bytes, kSampleRows)));
      }
      m.reader.split(m.rec);
      m.parse_row(ds, normalised);
    }
    if (m.abort_range) break;
    if (!m.problems.empty()) {
      ++m.rows_rejected;
      ++out.rows_rejected;
      if (m.details_kept < m.options.max_rejected_details) {
        ++m.details_kept;
        const std::string raw(m.rec.raw);
        for (auto& p : m.problems) p.row_text = raw.size() > 200 ? raw.substr(0, 200) + "…" : raw;
        out.rejected.push_back(RejectedRow{m.rec.line, raw, std::move(m.problems)});
        m.problems = {};
        // A streamed batch ends early once it holds this many rejected rows' details (about 2 KB each), so
        // that a file of rejected rows costs no more memory than one of valid rows (issue 12 defect 10).
        if (max_rows <= kReserveBatch && out.rejected.size() >= kMaxRejectedPerBatch) {
          if (m.range_worker) m.abort_range = true; // a range holds at most one such batch: read it in one thread
          break;
        }
      }
      continue;
    }
    ds.fullwidth_normalised += normalised;
    ds.lines.push_back(m.rec.line);
    if (!m.counted.empty()) m.commit_counted(ds);
  }
  settle();
  resize_rows(ds, ds.lines.size());
  m.capacity = ds.lines.size();
  return out.rows_read > 0;
}

bool IngestStream::next(std::size_t max_rows, IngestBatch& out) {
  Impl& m = *impl_;
  if (m.par) {
    for (;;) {
      if (!m.par->ready.empty()) {
        if (out.owner == m.token && out.data.columns.size() == m.cb.variables.size()) { // a batch of this stream: reuse it
          std::lock_guard lock(m.par->m);
          m.par->free_batches.push_back(std::move(out));
        }
        out = std::move(m.par->ready.front());
        m.par->ready.pop_front();
        return true;
      }
      if (m.par->repairing) {
        if (m.repair_batch(max_rows, out)) return true;
        if (!m.par) return false; // the repair read to the end of the data
        continue;
      }
      if (!m.consume_chunk()) break;
    }
    if (m.par) { // every range read
      m.par.reset();
      m.finished = true;
      m.check_row_count();
    }
  }
  return m.read_batch(max_rows, out);
}

IngestResult ingest(const std::string& csv_path, const codebook::Codebook& cb, const IngestOptions& options) {
  IngestStream stream(csv_path, cb, options);
  IngestBatch batch;
  // One batch of the whole file: it reads to the end of the data (and checks expect_rows there).
  stream.next(std::numeric_limits<std::size_t>::max(), batch);
  if (!stream.finished()) throw_problem(ErrorCode::Internal, csv_path, Text{"データを最後まで読めませんでした", "ingest stopped before the end of the data"}, Text{});
  IngestResult result;
  result.data = std::move(batch.data);
  result.rejected = std::move(batch.rejected);
  result.warnings = stream.warnings();
  result.rows_read = stream.rows_read();
  result.rows_rejected = stream.rows_rejected();
  return result;
}

} // namespace hkstat::data
