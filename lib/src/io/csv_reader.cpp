#include "hkstat/io/csv_reader.hpp"

#include "hkstat/io/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <new>
#include <optional>
#include <system_error>
#include <unordered_map>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace hkstat::io {

namespace {

constexpr std::size_t kSampleSize = 64 * 1024;        // bytes inspected by Encoding::Auto
constexpr std::size_t kChunkSize = 64 * 1024;         // raw bytes read from the file at a time
constexpr std::size_t kMaxLineBytes = 1 << 24;        // a physical line, its '\n' included, is at most 16 MiB
constexpr std::size_t kMaxRecordBytes = 1 << 24;      // and so is a record (physical lines joined)
constexpr std::size_t kLineBufferSize = 1 << 20;      // LineSource's buffer; it grows for longer lines
constexpr std::size_t kRowTextBytes = 200;            // Problem::row_text is cut to this size
constexpr std::string_view kBom = "\xEF\xBB\xBF";

struct FileCloser {
  void operator()(std::FILE* f) const noexcept {
    if (f) std::fclose(f);
  }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

// Japanese wording for the common open(2) failures; anything else falls back to the C library's text.
std::string reason_ja(int err) {
  switch (err) {
  case ENOENT: return "ファイルが見つかりません";
  case EACCES:
  case EPERM: return "読み取りの権限がありません";
  case EISDIR: return "ディレクトリです";
  case ENOTDIR: return "パスの途中がディレクトリではありません";
  case ENAMETOOLONG: return "パスが長すぎます";
  case EMFILE:
  case ENFILE: return "開いているファイルが多すぎます";
  default: return fmt::format("開けません ({})", std::generic_category().message(err));
  }
}

[[noreturn]] void throw_cannot_open(const std::string& path, int err) {
  Problem p;
  p.code = ErrorCode::IoCannotOpen;
  p.pos.file = path;
  p.value = path;
  p.message = Text{fmt::format("ファイルを開けません: {}", reason_ja(err)),
                   fmt::format("cannot open the file: {}", std::generic_category().message(err))};
  p.expected = Text{"読み取り可能な CSV ファイルのパス", "the path of a readable CSV file"};
  throw Error(std::move(p));
}

Problem read_error_problem(const std::string& path, std::size_t line, int err) {
  Problem p;
  p.code = ErrorCode::IoRead;
  p.pos.file = path;
  p.pos.line = line;
  p.value = path;
  p.message = Text{fmt::format("ファイルの読み込み中にエラーが発生しました ({})。データはこの行までしか読めていません", std::generic_category().message(err)),
                   fmt::format("error while reading the file: {}; the data could only be read up to this line", std::generic_category().message(err))};
  p.expected = Text{"最後まで読めるファイル (ディスクやネットワークの状態を確認してください)", "a file that can be read to its end (check the disk or network)"};
  return p;
}

Problem nul_problem(const std::string& path, std::size_t line) {
  Problem p;
  p.code = ErrorCode::CsvInvalidEncoding;
  p.pos.file = path;
  p.pos.line = line;
  p.value = "\\x00";
  p.message = Text{"ファイルに NUL バイトが含まれています (UTF-16 やバイナリのファイルは読めません)",
                   "the file contains a NUL byte (UTF-16 and binary files cannot be read)"};
  p.expected = Text{"UTF-8 または CP932(Shift_JIS) のテキスト (CSV)", "UTF-8 or CP932 (Shift_JIS) text (CSV)"};
  return p;
}

} // namespace

// '\n' bytes in `s`: sixteen bytes at a time with SSE2 (every x86-64), then eight at a time (std::count does
// not vectorise here).
std::size_t count_newlines(std::string_view s) {
  constexpr std::uint64_t k7f = 0x7F7F7F7F7F7F7F7FULL;
  constexpr std::uint64_t kNl = 0x0A0A0A0A0A0A0A0AULL;
  std::size_t n = 0, i = 0;
#if defined(__SSE2__)
  {
    // Each compare gives 0xFF (-1) per '\n' byte; subtracting it counts per byte lane, up to 255 blocks of 64
    // bytes at a time, then the lanes are summed (psadbw) before they could overflow.
    const __m128i nl = _mm_set1_epi8('\n');
    const __m128i zero = _mm_setzero_si128();
    const char* p = s.data();
    while (i + 64 <= s.size()) {
      __m128i a0 = zero, a1 = zero, a2 = zero, a3 = zero;
      const std::size_t stop = std::min(s.size() - 63, i + 255 * 64);
      for (; i < stop; i += 64) {
        a0 = _mm_sub_epi8(a0, _mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i)), nl));
        a1 = _mm_sub_epi8(a1, _mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i + 16)), nl));
        a2 = _mm_sub_epi8(a2, _mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i + 32)), nl));
        a3 = _mm_sub_epi8(a3, _mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i + 48)), nl));
      }
      const __m128i sum = _mm_add_epi64(_mm_add_epi64(_mm_sad_epu8(a0, zero), _mm_sad_epu8(a1, zero)),
                                        _mm_add_epi64(_mm_sad_epu8(a2, zero), _mm_sad_epu8(a3, zero)));
      n += static_cast<std::size_t>(_mm_cvtsi128_si64(sum)) + static_cast<std::size_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(sum, sum)));
    }
  }
#endif
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    w ^= kNl;
    // One bit at 0x80 of each '\n' byte: sum them with a multiply (no popcount instruction is assumed).
    n += static_cast<std::size_t>(((~(((w & k7f) + k7f) | w | k7f) >> 7) * 0x0101010101010101ULL) >> 56);
  }
  for (; i < s.size(); ++i) n += s[i] == '\n';
  return n;
}

namespace {

// Everything the byte source has to tell the reader.
struct SourceState {
  std::string path;
  Encoding encoding = Encoding::Utf8;
  // A decoding problem found while reading ahead. The reader throws it only when it reaches that line,
  // so that problems are reported in file order. The source stops producing bytes at the bad byte.
  std::optional<Problem> error;
  // CsvOptions::copy: each piece of the file as it is read (the reader of the whole file only).
  std::function<void(std::string_view)> copy;
};

// Reads the file in chunks and hands LineSource UTF-8. LineSource takes a short read for the end of the
// file, so read() always fills the buffer unless the data ends (or a decoding error stops it).
class DecodingSource {
public:
  // `prefix`: bytes already read (the sample, or a whole byte range with eof = true and no file); `lines_before`:
  // the physical lines before the first byte (a range that starts mid-file), for the line numbers of errors.
  DecodingSource(FilePtr file, SourceState& state, std::string prefix, bool eof, std::size_t lines_before = 0)
      : file_(std::move(file)), state_(state), raw_(std::move(prefix)), raw_eof_(eof), newlines_(lines_before) {
    if (state_.encoding == Encoding::Cp932) decoder_.emplace();
  }

  std::size_t read(char* buffer, std::size_t want) {
    if (state_.encoding == Encoding::Utf8) return read_utf8(buffer, want);
    std::size_t filled = 0;
    while (filled < want) {
      if (out_pos_ < out_.size()) {
        const std::size_t n = std::min(want - filled, out_.size() - out_pos_);
        std::copy_n(out_.data() + out_pos_, n, buffer + filled);
        out_pos_ += n;
        filled += n;
        continue;
      }
      out_.clear();
      out_pos_ = 0;
      if (!produce()) break;
    }
    return filled;
  }

private:
  // UTF-8 needs no conversion: the sample, then the file, straight into the caller's buffer. Each new piece
  // is checked for NUL and its line ends counted (for the line number of a NUL or a read error).
  std::size_t read_utf8(char* buffer, std::size_t want) {
    std::size_t filled = 0;
    while (filled < want && !done_) {
      std::size_t n = 0;
      int read_error = 0;
      if (out_pos_ < raw_.size()) { // the sample read by open()
        n = std::min(want - filled, raw_.size() - out_pos_);
        std::copy_n(raw_.data() + out_pos_, n, buffer + filled);
        out_pos_ += n;
      } else if (raw_eof_) {
        done_ = true;
        break;
      } else {
        n = std::fread(buffer + filled, 1, want - filled, file_.get());
        if (state_.copy && n > 0) state_.copy(std::string_view(buffer + filled, n));
        if (n < want - filled) {
          raw_eof_ = true;
          if (std::ferror(file_.get())) read_error = errno != 0 ? errno : EIO;
        }
      }
      const std::string_view piece(buffer + filled, n);
      const std::size_t nul = piece.find('\0');
      if (nul != std::string_view::npos) {
        fail(nul_problem(state_.path, newlines_ + count_newlines(piece.substr(0, nul)) + 1));
        return filled + nul;
      }
      newlines_ += count_newlines(piece);
      filled += n;
      if (read_error != 0) fail(read_error_problem(state_.path, newlines_ + 1, read_error));
    }
    return filled;
  }

  void fail(Problem p) {
    state_.error = std::move(p);
    done_ = true;
    raw_.clear();
  }

  // Appends the next piece of UTF-8 to out_; false once there is nothing more.
  bool produce() {
    if (done_) return false;
    if (!raw_eof_) {
      const std::size_t old = raw_.size();
      raw_.resize(old + kChunkSize);
      const std::size_t n = std::fread(raw_.data() + old, 1, kChunkSize, file_.get());
      raw_.resize(old + n);
      if (state_.copy && n > 0) state_.copy(std::string_view(raw_.data() + old, n));
      if (n < kChunkSize) {
        raw_eof_ = true;
        if (std::ferror(file_.get())) {
          const int err = errno;
          fail(read_error_problem(state_.path, newlines_ + 1, err));
          return false;
        }
      }
    }

    std::string piece;
    std::optional<Problem> problem;
    std::size_t problem_offset = 0; // in piece
    if (state_.encoding == Encoding::Cp932) {
      piece.reserve(raw_.size() * 3 / 2 + 16);
      const auto r = decoder_->convert(raw_, piece);
      if (r.status == Cp932Decoder::Status::Ok) {
        raw_.clear();
      } else if (r.status == Cp932Decoder::Status::Incomplete && !raw_eof_) {
        raw_.erase(0, r.consumed); // a character split by the chunk boundary: decode it with the next chunk
      } else {
        problem = encoding_problem(Encoding::Cp932, state_.path, 0, bad_bytes_at(raw_, r.consumed, Encoding::Cp932));
        problem_offset = piece.size();
      }
    } else {
      piece.swap(raw_);
      raw_.clear();
    }

    // NUL is never part of a CSV text; it betrays UTF-16 or a binary file.
    const std::size_t nul = piece.find('\0');
    if (nul != std::string::npos) {
      piece.resize(nul);
      problem = nul_problem(state_.path, 0);
      problem_offset = nul;
    }

    const std::size_t lines_before = newlines_;
    newlines_ += count_newlines(piece);
    out_.append(piece);
    if (problem) {
      problem->pos.line = lines_before + count_newlines(std::string_view(piece).substr(0, problem_offset)) + 1;
      fail(std::move(*problem));
    } else if (raw_eof_ && raw_.empty()) {
      done_ = true;
    }
    return !out_.empty() || !done_;
  }

  FilePtr file_;
  SourceState& state_;
  std::optional<Cp932Decoder> decoder_;
  std::string raw_; // bytes read but not yet decoded
  bool raw_eof_ = false;
  std::string out_; // decoded bytes not yet handed to LineSource
  std::size_t out_pos_ = 0;
  std::size_t newlines_ = 0; // '\n' produced so far
  bool done_ = false;
};

// Physical lines of the decoded text: '\n' ends a line (the last line may lack it), a UTF-8 BOM at the very
// start of the decoded text is skipped (this is the second BOM of a file: open() removes the first), and a
// line of 16 MiB or more, its '\n' included, is an error. These are the rules of fast-cpp-csv-parser's
// io::LineReader, which split the lines before; this splitter needs a buffer of 1 MiB instead of 48.
class LineSource {
public:
  // `lines_before`: physical lines before the source's first byte; a range that starts mid-file (after a line
  // end) neither skips a BOM (it would be a data row's, an error) nor starts its line numbers at 1.
  explicit LineSource(std::unique_ptr<DecodingSource> source, std::size_t lines_before = 0, bool file_start = true,
                      std::size_t buffer = kLineBufferSize)
      : source_(std::move(source)), buf_(buffer), line_(lines_before) {
    fill();
    if (file_start && end_ >= 3 && std::string_view(buf_.data(), 3) == kBom) begin_ = 3;
  }
  // The lines of `size` bytes of UTF-8 at `data` that the caller keeps (a range of the file, parsed where it
  // lies: nothing is copied), `lines_before` physical lines into the file; no source, nothing is ever read.
  LineSource(const char* data, std::size_t size, std::size_t lines_before)
      : buf_(0), base_(data), end_(size), eof_(true), line_(lines_before) {}

  // The next line without its '\n', valid until the next call; false at the end. `too_long` is set (and
  // false returned) for a line of 16 MiB or more; line() is then that line's number.
  bool next(std::string_view& line, bool& too_long) {
    too_long = false;
    std::size_t scanned = begin_; // no '\n' in [begin_, scanned)
    for (;;) {
      const auto* nl = static_cast<const char*>(std::memchr(base_ + scanned, '\n', end_ - scanned));
      if (nl != nullptr || eof_) {
        const std::size_t stop = nl != nullptr ? static_cast<std::size_t>(nl - base_) : end_;
        if (nl == nullptr && begin_ == end_) return false;
        ++line_;
        if (stop - begin_ + 1 > kMaxLineBytes) {
          too_long = true;
          return false;
        }
        line = std::string_view(base_ + begin_, stop - begin_);
        begin_ = nl != nullptr ? stop + 1 : end_;
        terminated_ = nl != nullptr;
        return true;
      }
      if (end_ - begin_ >= kMaxLineBytes) {
        ++line_;
        too_long = true;
        return false;
      }
      scanned = end_ - begin_; // relative to the start of the line, which fill() moves to 0
      fill();
      scanned += begin_;
    }
  }

  std::size_t line() const { return line_; }
  // Whether the line last returned by next() ended with '\n' (false: the data ended first).
  bool terminated() const { return terminated_; }
  std::size_t buffer_size() const { return buf_.size(); }

  // The unread lines that are already in the buffer whole: from the next unread byte up to and including the
  // last '\n' there (empty when none is). Nothing is read or moved; skip() then takes lines of it as next()
  // would have returned them.
  std::string_view complete() const {
    std::size_t stop = end_; // (backwards: the last line is seldom long)
    while (stop > begin_ && base_[stop - 1] != '\n') --stop;
    return std::string_view(base_ + begin_, stop - begin_);
  }
  // `bytes` of complete(), which hold `lines` whole lines (each ending in '\n'), read.
  void skip(std::size_t bytes, std::size_t lines) {
    begin_ += bytes;
    line_ += lines;
    terminated_ = true;
  }

private:
  // Moves the unread bytes to the front, grows the buffer if they fill it, and reads more.
  void fill() {
    if (begin_ > 0) {
      std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    }
    if (end_ == buf_.size()) buf_.grow(buf_.size() * 2, end_);
    const std::size_t want = buf_.size() - end_;
    const std::size_t got = source_->read(buf_.data() + end_, want);
    end_ += got;
    if (got < want) eof_ = true;
    base_ = buf_.data();
  }

  // A buffer of `size()` bytes that are not zeroed: only the bytes read into it are ever touched, so a
  // small file costs a few pages, not 1 MiB of zeroes (issue 16: small inputs start fast).
  class Buffer {
  public:
    explicit Buffer(std::size_t n) : data_(n > 0 ? new char[n] : nullptr), size_(n) {}
    char* data() { return data_.get(); }
    const char* data() const { return data_.get(); }
    std::size_t size() const { return size_; }
    void grow(std::size_t n, std::size_t keep) { // to n bytes, keeping the first `keep`
      std::unique_ptr<char[]> bigger(new char[n]);
      std::memcpy(bigger.get(), data_.get(), keep);
      data_ = std::move(bigger);
      size_ = n;
    }

  private:
    std::unique_ptr<char[]> data_;
    std::size_t size_;
  };

  std::unique_ptr<DecodingSource> source_;
  Buffer buf_;
  const char* base_ = nullptr;      // the bytes lines are read from: buf_, or the caller's memory (no source_)
  std::size_t begin_ = 0, end_ = 0; // unread bytes
  bool eof_ = false;
  bool terminated_ = true;
  std::size_t line_ = 0; // lines returned so far (plus the lines before the source)
};

// Empty, or only ASCII whitespace and U+3000 (the characters trim() removes); no allocation.
bool is_blank(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f') {
      ++i;
    } else if (c == '\xE3' && s.compare(i, 3, "\xE3\x80\x80") == 0) {
      i += 3;
    } else {
      return false;
    }
  }
  return true;
}

// Length of the leading run of ASCII bytes (< 0x80), eight bytes at a time.
std::size_t ascii_prefix(std::string_view s) {
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    if (w & 0x8080808080808080ULL) break;
  }
  while (i < s.size() && static_cast<unsigned char>(s[i]) < 0x80) ++i;
  return i;
}

// find_invalid_utf8(s), skipping the ASCII prefix quickly (an ASCII byte is a whole UTF-8 sequence).
std::size_t find_invalid_utf8_fast(std::string_view s) {
  const std::size_t skip = ascii_prefix(s);
  if (skip == s.size()) return std::string_view::npos;
  const std::size_t bad = find_invalid_utf8(s.substr(skip));
  return bad == std::string_view::npos ? bad : skip + bad;
}

// High bit set in every byte of `x` that is zero, and only there (no false positives from borrows).
inline std::uint64_t zero_bytes(std::uint64_t x) {
  constexpr std::uint64_t k7f = 0x7F7F7F7F7F7F7F7FULL;
  return ~(((x & k7f) + k7f) | x | k7f);
}

// Splits a line without quotes at `delim` into `fields` (views), sixteen bytes at a time with SSE2 (then eight
// at a time, then one), through `slots`
// (scratch, grown to the line's size, so that no field needs a capacity check). False (`fields` untouched) if
// the line holds a quote: then it takes the general path. `high` is set when the line holds a byte >= 0x80
// (then the caller checks that it is UTF-8; the delimiter is ASCII, so it is never part of a multi-byte
// character, and CP932 input was converted to UTF-8 before it gets here).
bool split_plain(std::string_view line, char delim, std::vector<std::string_view>& slots, std::span<const std::string_view>& fields, bool& high) {
  const char* p = line.data();
  const std::size_t n = line.size();
  if (slots.size() < n + 1) slots.resize(n + 1); // a line of n bytes has at most n + 1 fields
  std::string_view* out = slots.data();
  std::size_t k = 0;
  std::size_t start = 0, i = 0;
  std::uint64_t hi = 0;
#if defined(__SSE2__)
  {
    // Sixteen bytes at a time: one bit per byte for quotes, delimiters and high bytes (pmovmskb).
    const __m128i vd = _mm_set1_epi8(delim);
    const __m128i vq = _mm_set1_epi8('"');
    unsigned high16 = 0;
    for (; i + 16 <= n; i += 16) {
      const __m128i w = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
      if (_mm_movemask_epi8(_mm_cmpeq_epi8(w, vq)) != 0) return false;
      high16 |= static_cast<unsigned>(_mm_movemask_epi8(w));
      for (auto d = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(w, vd))); d != 0; d &= d - 1) {
        const std::size_t pos = i + static_cast<std::size_t>(std::countr_zero(d));
        out[k++] = std::string_view(p + start, pos - start);
        start = pos + 1;
      }
    }
    hi = high16;
  }
#endif
  if constexpr (std::endian::native == std::endian::little) {
    constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
    constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
    const std::uint64_t dmask = kOnes * static_cast<unsigned char>(delim);
    const std::uint64_t qmask = kOnes * static_cast<unsigned char>('"');
    for (; i + 8 <= n; i += 8) {
      std::uint64_t w;
      std::memcpy(&w, p + i, 8);
      if (zero_bytes(w ^ qmask)) return false;
      hi |= w & kHigh;
      for (std::uint64_t d = zero_bytes(w ^ dmask); d != 0; d &= d - 1) {
        const std::size_t pos = i + (static_cast<std::size_t>(std::countr_zero(d)) >> 3);
        out[k++] = std::string_view(p + start, pos - start);
        start = pos + 1;
      }
    }
  }
  for (; i < n; ++i) {
    const char c = p[i];
    if (c == '"') return false;
    hi |= static_cast<unsigned char>(c) & 0x80U;
    if (c == delim) {
      out[k++] = std::string_view(p + start, i - start);
      start = i + 1;
    }
  }
  out[k++] = std::string_view(p + start, n - start);
  fields = {out, k};
  high = hi != 0;
  return true;
}

} // namespace

// The first '"' or `delim` in s at or after `from` (s.size() if none), sixteen bytes at a time with SSE2 (every
// x86-64), then eight bytes at a time on little-endian
// machines (x86-64, and WebAssembly, whose 64-bit integers the browser build uses the same way), a byte at a
// time elsewhere; the same answer either way.
std::size_t find_delim_or_quote(std::string_view s, std::size_t from, char delim) {
  const char* p = s.data();
  const std::size_t n = s.size();
  std::size_t i = from;
#if defined(__SSE2__)
  {
    const __m128i vd = _mm_set1_epi8(delim);
    const __m128i vq = _mm_set1_epi8('"');
    for (; i + 16 <= n; i += 16) {
      const __m128i w = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
      const auto hit = static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(w, vd), _mm_cmpeq_epi8(w, vq))));
      if (hit != 0) return i + static_cast<std::size_t>(std::countr_zero(hit));
    }
  }
#endif
  if constexpr (std::endian::native == std::endian::little) {
    constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
    const std::uint64_t dmask = kOnes * static_cast<unsigned char>(delim);
    const std::uint64_t qmask = kOnes * static_cast<unsigned char>('"');
    for (; i + 8 <= n; i += 8) {
      std::uint64_t w;
      std::memcpy(&w, p + i, 8);
      const std::uint64_t hit = zero_bytes(w ^ dmask) | zero_bytes(w ^ qmask);
      if (hit != 0) return i + (static_cast<std::size_t>(std::countr_zero(hit)) >> 3);
    }
  }
  for (; i < n; ++i)
    if (p[i] == delim || p[i] == '"') return i;
  return n;
}

namespace {

// A physical line whose quoted fields each close on it, with no "" inside and nothing but a delimiter or the line
// end after the closing quote (what spreadsheets write for text with a delimiter in it): the fields are views
// into the line, as split_plain gives them, the quoted ones without their quotes. False (`fields` untouched) for
// anything else — a "", a quote left open, a quote inside an unquoted field, text after a closing quote — which
// the general path reads.
bool split_quoted(std::string_view line, char delim, std::vector<std::string_view>& slots, std::span<const std::string_view>& fields) {
  const char* p = line.data();
  const std::size_t n = line.size();
  if (slots.size() < n + 1) slots.resize(n + 1);
  std::string_view* out = slots.data();
  std::size_t k = 0, i = 0;
  for (;;) {
    if (i < n && p[i] == '"') {
      const std::size_t q = find_delim_or_quote(line, i + 1, '"');
      if (q == n) return false;                             // open at the line end
      if (q + 1 < n && p[q + 1] != delim) return false;     // "" or text after the closing quote
      out[k++] = std::string_view(p + i + 1, q - i - 1);
      if (q + 1 == n) break;
      i = q + 2;
    } else {
      const std::size_t j = find_delim_or_quote(line, i, delim);
      if (j < n && p[j] == '"') return false; // a quote inside an unquoted field
      out[k++] = std::string_view(p + i, j - i);
      if (j == n) break;
      i = j + 1;
    }
  }
  fields = {out, k};
  return true;
}

} // namespace

struct CsvReader::Impl {
  std::string path;    // as given
  std::string display; // path, or "<stdin>"
  CsvOptions opts;
  SourceState state;
  bool had_bom = false;
  bool regular = false;
  bool require_final_newline = false;
  std::unique_ptr<LineSource> lines;
  std::vector<std::string> header;
  std::size_t header_line = 0;
  std::size_t header_end_line = 0; // physical lines up to the end of the header record
  std::size_t records = 0;
  // Buffers of the general (quoted or multi-line) record: the joined raw text, the unescaped fields one
  // after another, and where each field ends in `store`.
  std::string raw, store;
  std::vector<std::size_t> ends;
  std::vector<std::string_view> slots; // the fields of the last record (RecordView::fields views them)
  RecordView view;             // for next(Record&)
  bool last_terminated = true; // the last physical line of the last record ended with '\n'

  void open();
  bool fetch(std::string_view& text, std::size_t& lineno); // not validated
  void validate(std::string_view text, std::size_t lineno) const;
  bool read_record(RecordView& out, bool is_header);
  bool read_line(RecordView& out);
  void split_record(RecordView& out, bool is_header);
  [[noreturn]] void throw_truncated(const RecordView& rec) const;
  Problem problem(ErrorCode code, std::size_t line) const {
    Problem p;
    p.code = code;
    p.pos.file = display;
    p.pos.line = line;
    return p;
  }
};

void CsvReader::Impl::open() {
  const char d = opts.delimiter;
  if (d == '"' || d == '\r' || d == '\n' || d == '\0' || static_cast<unsigned char>(d) >= 0x80) {
    Problem p;
    p.code = ErrorCode::UsageInvalidOption;
    p.pos.key = "delimiter";
    p.value = hex_bytes(std::string_view(&d, 1));
    p.message = Text{"区切り文字に使えない文字です", "this character cannot be a field delimiter"};
    p.expected = Text{"ASCII の 1 文字 (例: , または タブ)", "one ASCII character such as , or a tab"};
    throw Error(std::move(p));
  }

  // "-" is standard input, duplicated so that closing the reader leaves descriptor 0 alone.
  const bool is_stdin = path == "-";
  const int fd = is_stdin ? ::fcntl(0, F_DUPFD_CLOEXEC, 0) : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw_cannot_open(display, errno);
  struct stat st {};
  std::size_t line_buffer = kLineBufferSize;
  if (::fstat(fd, &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      ::close(fd);
      throw_cannot_open(display, EISDIR);
    }
    regular = S_ISREG(st.st_mode);
    // A regular file smaller than the buffer is read into a buffer of its size (+1, so that the first read
    // already sees the end): a small input allocates ~100 KB, not 1 MiB. Decoding (CP932) or a file that
    // grows after this only makes the buffer grow, as for a long line.
    if (regular && st.st_size >= 0 && static_cast<std::uint64_t>(st.st_size) < kLineBufferSize)
      line_buffer = std::max<std::size_t>(static_cast<std::size_t>(st.st_size) + 1, 4096);
  }
  require_final_newline = opts.final_newline == FinalNewline::Require || (opts.final_newline == FinalNewline::Auto && !regular);
  FilePtr file(::fdopen(fd, "rb"));
  if (!file) {
    const int err = errno;
    ::close(fd);
    throw_cannot_open(display, err);
  }

  // Sample the start of the file: BOM and (for Auto) the encoding. fread returns short only at the end of
  // the data or on an error, also on a pipe.
  std::string sample(kSampleSize, '\0');
  const std::size_t n = std::fread(sample.data(), 1, kSampleSize, file.get());
  sample.resize(n);
  if (n < kSampleSize && std::ferror(file.get())) {
    const int err = errno != 0 ? errno : EIO;
    throw Error(read_error_problem(display, count_newlines(sample) + 1, err));
  }
  const bool eof = n < kSampleSize;
  if (state.copy && n > 0) state.copy(sample);

  if (sample.size() >= 2 && ((sample[0] == '\xFF' && sample[1] == '\xFE') || (sample[0] == '\xFE' && sample[1] == '\xFF'))) {
    Problem p = nul_problem(display, 1);
    p.value = hex_bytes(sample.substr(0, 2));
    p.message = Text{"UTF-16 のファイルは読めません", "UTF-16 files cannot be read"};
    p.expected = Text{"UTF-8 または CP932(Shift_JIS) で保存した CSV (Excel では「CSV UTF-8」)",
                      "a CSV saved as UTF-8 or CP932 (Shift_JIS) (in Excel: \"CSV UTF-8\")"};
    throw Error(std::move(p));
  }
  if (std::optional<Problem> p = spreadsheet_problem(display, sample)) throw Error(std::move(*p));
  if (sample.compare(0, kBom.size(), kBom) == 0) {
    had_bom = true;
    sample.erase(0, kBom.size());
  }

  Encoding enc = opts.encoding;
  if (had_bom && enc == Encoding::Cp932) {
    Problem p = problem(ErrorCode::CsvInvalidEncoding, 1);
    p.value = hex_bytes(kBom);
    p.message = Text{"CP932 が指定されましたが、ファイルは UTF-8 の BOM で始まっています",
                     "CP932 was requested but the file starts with a UTF-8 byte order mark"};
    p.expected = Text{"‹encoding› auto または utf-8", "‹encoding› auto or utf-8"};
    throw Error(std::move(p));
  }
  if (enc == Encoding::Auto) enc = had_bom ? Encoding::Utf8 : detect_encoding(sample, eof, display);
  state.path = display;
  state.encoding = enc;

  auto source = std::make_unique<DecodingSource>(std::move(file), state, std::move(sample), eof);
  lines = std::make_unique<LineSource>(std::move(source), 0, true, line_buffer);
}

// The next physical line without its line end, validated; false at the end of the file.
// The view is valid until the next call.
bool CsvReader::Impl::fetch(std::string_view& text, std::size_t& lineno) {
  std::string_view t;
  bool too_long = false;
  if (!lines->next(t, too_long)) {
    if (too_long) {
      Problem pr = problem(ErrorCode::CsvLineTooLong, lines->line());
      pr.message = Text{"行が長すぎます (16 MiB を超えています)", "the line is too long (more than 16 MiB)"};
      pr.expected = Text{"1 行 16 MiB 未満の CSV", "lines shorter than 16 MiB"};
      throw Error(std::move(pr));
    }
    if (state.error) throw Error(*state.error);
    return false;
  }
  lineno = lines->line();
  if (state.error && lineno >= state.error->pos.line) throw Error(*state.error);
  last_terminated = lines->terminated();

  // CRLF line ends, and any further '\r' before them ("\r\r\n"): no field ends in '\r'.
  while (!t.empty() && t.back() == '\r') t.remove_suffix(1);
  text = t;
  return true;
}

// Throws for bytes of a UTF-8 input that are not UTF-8 (CP932 input was converted, so it is valid).
void CsvReader::Impl::validate(std::string_view t, std::size_t lineno) const {
  if (state.encoding != Encoding::Utf8) return;
  const std::size_t bad = find_invalid_utf8_fast(t);
  if (bad != std::string_view::npos) throw Error(encoding_problem(Encoding::Utf8, display, lineno, bad_bytes_at(t, bad, Encoding::Utf8)));
}

// RFC 4180 record, possibly spanning several physical lines. Leading blank lines are skipped.
bool CsvReader::Impl::read_record(RecordView& out, bool is_header) {
  if (!read_line(out)) return false;
  split_record(out, is_header);
  return true;
}

// The record's first physical line (blank lines skipped) into out.raw and out.line, not split.
bool CsvReader::Impl::read_line(RecordView& out) {
  std::string_view line;
  std::size_t lineno = 0;
  do {
    if (!fetch(line, lineno)) return false;
  } while (is_blank(line));
  out.line = lineno;
  out.raw = line;
  out.fields = {};
  return true;
}

// The fields of the record whose first line read_line() put in `out`.
void CsvReader::Impl::split_record(RecordView& out, bool is_header) {
  std::string_view line = out.raw;
  std::size_t lineno = out.line;
  const char delim = opts.delimiter;
  // The usual record: one physical line without quotes, split in one pass, its fields viewed in place in the
  // line buffer exactly as the general loop below would split it. All ASCII, it is valid UTF-8 by itself.
  bool high = false;
  if (split_plain(line, delim, slots, out.fields, high)) {
    if (high) validate(line, lineno);
    return;
  }
  out.fields = {};
  validate(line, lineno);
  if (split_quoted(line, delim, slots, out.fields)) return;
  out.fields = {};
  // The general record: the views cannot point into the line buffer (the next line may move it), so the
  // raw text and the unescaped fields are built in this reader's own buffers.
  raw.assign(line);
  store.clear();
  ends.clear();
  bool in_quotes = false;
  bool quoted = false;      // the current field began with a quote
  std::size_t field_start = 0; // in store
  std::size_t quote_line = 0, quote_col = 0;
  for (;;) {
    // The bytes between the quotes and delimiters are copied a run at a time: inside quotes up to the next
    // quote (memchr), outside up to the next quote or delimiter (find_delim_or_quote, sixteen bytes at a time).
    const char* const lp = line.data();
    const std::size_t n = line.size();
    std::size_t i = 0;
    while (i < n) {
      if (in_quotes) {
        const auto* q = static_cast<const char*>(std::memchr(lp + i, '"', n - i));
        const std::size_t j = q != nullptr ? static_cast<std::size_t>(q - lp) : n;
        store.append(lp + i, j - i);
        if (j == n) break;
        if (j + 1 < n && lp[j + 1] == '"') {
          store += '"';
          i = j + 2;
        } else {
          in_quotes = false;
          i = j + 1;
        }
        continue;
      }
      const std::size_t j = find_delim_or_quote(line, i, delim);
      store.append(lp + i, j - i);
      if (j == n) break;
      if (lp[j] == delim) {
        ends.push_back(store.size());
        field_start = store.size();
        quoted = false;
      } else if (store.size() == field_start && !quoted) {
        in_quotes = quoted = true;
        quote_line = lineno;
        quote_col = ends.size() + 1;
      } else {
        // Lenient: a quote inside an unquoted field (ab"c) or text after a closing quote ("ab"c) is kept
        // literally instead of rejecting the row; Excel never writes either, hand-made files sometimes do.
        store += '"';
      }
      i = j + 1;
    }
    if (!in_quotes) break;

    // The line ends inside a quoted field: the field continues on the next physical line.
    const bool more = fetch(line, lineno);
    if (more) validate(line, lineno);
    if (!more) {
      Problem p = problem(ErrorCode::CsvUnterminatedQuote, quote_line);
      p.pos.column = quote_col;
      if (!is_header && quote_col - 1 < header.size()) p.pos.column_name = header[quote_col - 1];
      const std::string cur = store.substr(field_start);
      p.value = "\"" + truncate_utf8(cur.substr(0, cur.find('\n')), 40);
      p.message = Text{"引用符 \" が閉じられていません", "unterminated quoted field"};
      p.expected = Text{"閉じる引用符 \" (フィールド内の \" は \"\" と書きます)", "a closing quote \" (a quote inside a field is written \"\")"};
      if (require_final_newline)
        p.expected = Text{p.expected.ja + "。入力が途中で切れている可能性があります", p.expected.en + "; the input may have been cut off"};
      p.row_text = truncate_utf8(raw, kRowTextBytes);
      throw Error(std::move(p));
    }
    store += '\n';
    raw += '\n';
    raw.append(line);
    if (raw.size() > kMaxRecordBytes) {
      Problem p = problem(ErrorCode::CsvLineTooLong, out.line);
      p.pos.column = quote_col;
      p.message = Text{fmt::format("レコードが長すぎます (16 MiB を超えています。{}行目 {}列目の引用符が閉じられていない可能性があります)", quote_line, quote_col),
                       fmt::format("the record is too long (more than 16 MiB; the quote opened at line {}, field {} may never be closed)",
                                   quote_line, quote_col)};
      p.row_text = truncate_utf8(raw, kRowTextBytes);
      throw Error(std::move(p));
    }
  }
  ends.push_back(store.size());
  if (slots.size() < ends.size()) slots.resize(ends.size());
  std::size_t begin = 0;
  for (std::size_t k = 0; k < ends.size(); ++k) {
    slots[k] = std::string_view(store.data() + begin, ends[k] - begin);
    begin = ends[k];
  }
  out.fields = {slots.data(), ends.size()};
  out.raw = raw;
}

// A record whose last line has no line end, on an input where that means the data stopped mid-record.
void CsvReader::Impl::throw_truncated(const RecordView& rec) const {
  Problem p = problem(ErrorCode::IoTruncated, lines->line());
  const std::size_t m = header.size(), n = rec.fields.size();
  const std::string_view last = rec.fields.empty() ? std::string_view() : rec.fields.back();
  p.pos.column = n;
  if (n >= 1 && n <= m) p.pos.column_name = header[n - 1];
  p.value = truncate_utf8(std::string(last), 40);
  const std::string what_ja = regular ? "ファイル" : "パイプ・標準入力";
  const std::string what_en = regular ? "file" : "pipe / standard input";
  p.message = Text{fmt::format("入力が途中で切れています: 最後の行が改行で終わっていません ({}列目まで、{}からの入力)", n, what_ja),
                   fmt::format("the input was cut off: the last line does not end with a line break (field {} of {}, read from a {})", n, m, what_en)};
  p.expected = Text{fmt::format("改行で終わる {} 列の完全な行 (入力を最後まで送ったか確認してください)", m),
                    fmt::format("a complete line of {} fields ending with a line break (check that the whole input was sent)", m)};
  p.row_text = truncate_utf8(std::string(rec.raw), kRowTextBytes);
  throw Error(std::move(p));
}

std::optional<Problem> spreadsheet_problem(const std::string& display, std::string_view head) {
  // An Excel workbook instead of a CSV: .xlsx (a ZIP archive, "PK\3\4") or .xls (an OLE2 compound file).
  const bool zip = head.substr(0, 4) == std::string_view("PK\x03\x04", 4);
  const bool ole2 = head.substr(0, 8) == std::string_view("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8);
  if (!zip && !ole2) return std::nullopt;
  Problem p;
  p.code = ErrorCode::CsvSpreadsheet;
  p.pos.file = display;
  p.value = hex_bytes(head.substr(0, 4));
  p.message = zip ? Text{"Excel のブック（.xlsx）のようです。CSV ではないので読めません",
                         "this looks like an Excel workbook (.xlsx), not a CSV file"}
                  : Text{"古い形式の Excel のブック（.xls）のようです。CSV ではないので読めません",
                         "this looks like an old-format Excel workbook (.xls), not a CSV file"};
  p.expected = Text{"Excel で開き「名前を付けて保存」→「CSV UTF-8 (コンマ区切り)」または「CSV (コンマ区切り)」で保存したファイル",
                    "the sheet saved from Excel with Save As → \"CSV UTF-8 (Comma delimited)\" or \"CSV (Comma delimited)\""};
  return p;
}

std::string input_display_name(const std::string& path) { return path == "-" ? std::string("<stdin>") : path; }

CsvReader::CsvReader(std::string path, CsvOptions opts, CsvSource source) : impl_(std::make_unique<Impl>()) {
  impl_->path = std::move(path);
  impl_->display = source.display.empty() ? input_display_name(impl_->path) : source.display;
  impl_->opts = opts;
  impl_->state.copy = std::move(source.copy);
  impl_->open();

  RecordView rec;
  if (!impl_->read_record(rec, true)) {
    Problem p = impl_->problem(ErrorCode::CsvEmptyFile, 0);
    p.message = Text{"ファイルが空です (見出し行がありません)", "the file is empty (no header row)"};
    p.expected = Text{"1 行目に列名の見出し行がある CSV", "a CSV whose first row names the columns"};
    throw Error(std::move(p));
  }
  if (!impl_->last_terminated && impl_->require_final_newline) impl_->throw_truncated(rec);
  // Old Mac line ends (CR only): the whole file reads as one header line. Said as such, not as a duplicate
  // header (a CR before the header's own line end is a CRLF and was removed with it).
  {
    std::string_view raw = rec.raw;
    while (!raw.empty() && (raw.back() == '\n' || raw.back() == '\r')) raw.remove_suffix(1);
    if (raw.find('\r') != std::string_view::npos) {
      Problem p = impl_->problem(ErrorCode::CsvInvalidEncoding, rec.line);
      p.message = Text{"行末が CR だけです（古い Mac 形式）。行の区切りを読み取れません", "the line ends are CR only (old Mac format): the rows cannot be told apart"};
      p.expected = Text{"行末が LF または CRLF の CSV（表計算ソフトで「CSV UTF-8」として保存し直す）", "a CSV with LF or CRLF line ends (save it again as CSV UTF-8)"};
      throw Error(std::move(p));
    }
  }
  impl_->header_line = rec.line;
  impl_->header_end_line = impl_->lines->line();
  impl_->header.reserve(rec.fields.size());
  std::unordered_map<std::string, std::size_t> seen; // name → 1-based column
  for (const auto f : rec.fields) {
    std::string name = trim(f);
    const std::size_t col = impl_->header.size() + 1;
    if (!name.empty()) {
      auto [it, inserted] = seen.emplace(name, col);
      if (!inserted) {
        Problem p = impl_->problem(ErrorCode::CsvDuplicateHeader, rec.line);
        p.pos.column = col;
        p.pos.column_name = name;
        p.value = name;
        p.message = Text{fmt::format("見出し「{}」が重複しています ({}列目と{}列目)", name, it->second, col),
                         fmt::format("duplicate header \"{}\" (columns {} and {})", name, it->second, col)};
        p.expected = Text{"列ごとに異なる見出し", "a different name for every column"};
        p.row_text = truncate_utf8(std::string(rec.raw), kRowTextBytes);
        throw Error(std::move(p));
      }
    }
    impl_->header.push_back(std::move(name));
  }
}

namespace {
// The fields of a range reader that it takes from the reader of the whole file.
std::unique_ptr<CsvReader::Impl> range_impl(const CsvReader::Impl& parent) {
  auto m = std::make_unique<CsvReader::Impl>();
  m->path = parent.path;
  m->display = parent.display;
  m->opts = parent.opts;
  m->state.path = parent.state.path;
  m->state.encoding = parent.state.encoding;
  m->had_bom = parent.had_bom;
  m->regular = parent.regular;
  m->require_final_newline = parent.require_final_newline;
  m->header = parent.header;
  m->header_line = parent.header_line;
  m->header_end_line = parent.header_end_line;
  return m;
}
} // namespace

CsvReader::CsvReader(const CsvReader& parent, std::string bytes, std::size_t lines_before) : impl_(range_impl(*parent.impl_)) {
  Impl& m = *impl_;
  // A range of a few MiB: a line buffer of its size (plus one, not zeroed) holds it whole, so nothing is moved.
  const std::size_t buffer = bytes.size() + 1;
  auto source = std::make_unique<DecodingSource>(FilePtr(), m.state, std::move(bytes), true, lines_before);
  m.lines = std::make_unique<LineSource>(std::move(source), lines_before, false, buffer);
}

CsvReader::CsvReader(const CsvReader& parent, const char* data, std::size_t size, std::size_t lines_before) : impl_(range_impl(*parent.impl_)) {
  Impl& m = *impl_;
  // UTF-8 without NUL is read where it lies: what the decoding source would hand on is the bytes themselves.
  // Anything else (CP932 to decode, a NUL to report at its line) goes through a copy and the source.
  if (m.state.encoding == Encoding::Utf8 && (size == 0 || std::memchr(data, '\0', size) == nullptr)) {
    m.lines = std::make_unique<LineSource>(data, size, lines_before);
    return;
  }
  auto source = std::make_unique<DecodingSource>(FilePtr(), m.state, std::string(data, size), true, lines_before);
  m.lines = std::make_unique<LineSource>(std::move(source), lines_before, false, size + 1);
}

CsvReader::CsvReader(const CsvReader& parent, std::uint64_t offset, std::size_t lines_before) : impl_(range_impl(*parent.impl_)) {
  Impl& m = *impl_;
  const int fd = ::open(m.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw_cannot_open(m.display, errno);
  if (::lseek(fd, static_cast<off_t>(offset), SEEK_SET) < 0) {
    const int err = errno;
    ::close(fd);
    throw Error(read_error_problem(m.display, lines_before + 1, err));
  }
  FilePtr file(::fdopen(fd, "rb"));
  if (!file) {
    const int err = errno;
    ::close(fd);
    throw_cannot_open(m.display, err);
  }
  auto source = std::make_unique<DecodingSource>(std::move(file), m.state, std::string(), false, lines_before);
  m.lines = std::make_unique<LineSource>(std::move(source), lines_before, false);
}

std::optional<std::uint64_t> CsvReader::data_offset() const {
  const Impl& m = *impl_;
  if (!m.regular || m.path == "-") return std::nullopt;
  const int fd = ::open(m.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::size_t want = m.header_end_line; // the line end of the header's last line
  std::uint64_t pos = 0;
  std::string buf(64 * 1024, '\0');
  std::optional<std::uint64_t> result;
  for (;;) {
    const ssize_t n = ::pread(fd, buf.data(), buf.size(), static_cast<off_t>(pos));
    if (n < 0) break;
    if (n == 0) {
      result = pos; // the header is the last line (no line end): no data after it
      break;
    }
    const std::string_view piece(buf.data(), static_cast<std::size_t>(n));
    std::size_t i = 0;
    while (want > 0) {
      const std::size_t nl = piece.find('\n', i);
      if (nl == std::string_view::npos) break;
      --want;
      i = nl + 1;
    }
    if (want == 0) {
      result = pos + i;
      break;
    }
    pos += static_cast<std::uint64_t>(n);
  }
  ::close(fd);
  return result;
}

std::size_t CsvReader::header_end_line() const { return impl_->header_end_line; }

CsvReader::~CsvReader() = default;
CsvReader::CsvReader(CsvReader&&) noexcept = default;
CsvReader& CsvReader::operator=(CsvReader&&) noexcept = default;

const std::vector<std::string>& CsvReader::header() const { return impl_->header; }
std::size_t CsvReader::header_line() const { return impl_->header_line; }
Encoding CsvReader::encoding() const { return impl_->state.encoding; }
bool CsvReader::had_bom() const { return impl_->had_bom; }
const std::string& CsvReader::path() const { return impl_->path; }
const std::string& CsvReader::display_name() const { return impl_->display; }
bool CsvReader::regular_file() const { return impl_->regular; }
std::size_t CsvReader::records_read() const { return impl_->records; }
std::size_t CsvReader::lines_read() const { return impl_->lines->line(); }

bool CsvReader::next(RecordView& out) {
  if (!impl_->read_line(out)) return false;
  split(out);
  return true;
}

bool CsvReader::next_line(RecordView& out) { return impl_->read_line(out); }

std::string_view CsvReader::pending_lines() const {
  // A decoding error pending at a line of the buffer (those lines then come one by one, so it is thrown where
  // it lies), or a buffer grown so large that a line of it could be over the limit: one line at a time.
  if (impl_->state.error || kMaxLineBytes <= impl_->lines->buffer_size()) return {};
  return impl_->lines->complete();
}

void CsvReader::skip_lines(std::size_t bytes, std::size_t lines) {
  impl_->lines->skip(bytes, lines);
  impl_->last_terminated = true;
  impl_->records += lines;
}

void CsvReader::split(RecordView& out) {
  impl_->split_record(out, false);
  // A stream that stops without its final line end was cut off: say so before any other problem of the
  // record (a cut record usually also lacks fields).
  if (!impl_->last_terminated && impl_->require_final_newline) impl_->throw_truncated(out);
  // A byte order mark at the start of a data row (files joined with cat, an editor's insert) would become
  // part of the first field — an id that looks the same but is not: an error naming the line, not a silent strip.
  if (!out.raw.empty() && out.raw[0] == kBom[0] && out.raw.substr(0, kBom.size()) == kBom) { // (the first byte alone rules out almost every row)
    Problem p = impl_->problem(ErrorCode::CsvInvalidEncoding, out.line);
    p.pos.column = 1;
    p.message = Text{"行の先頭に BOM (U+FEFF) があります（ファイルを連結しましたか）", "a byte order mark (U+FEFF) starts this row (were files joined?)"};
    p.expected = Text{"BOM はファイルの先頭だけ（2つ目以降のファイルの BOM と見出し行を除いて連結する）",
                      "a BOM only at the start of the file (join files without the second one's BOM and header)"};
    p.row_text = truncate_utf8(std::string(out.raw), kRowTextBytes);
    throw Error(std::move(p));
  }
  const std::size_t m = impl_->header.size();
  const std::size_t n = out.fields.size();
  if (n != m) {
    Problem p = impl_->problem(ErrorCode::CsvRaggedRow, out.line);
    p.value = std::to_string(n);
    p.message = Text{fmt::format("列の数が見出し行と異なります ({}列)", n), fmt::format("row has {} fields but the header has {}", n, m)};
    p.expected = Text{fmt::format("{} 列", m), fmt::format("{} fields", m)};
    p.row_text = truncate_utf8(std::string(out.raw), kRowTextBytes);
    throw Error(std::move(p));
  }
  ++impl_->records;
}

bool CsvReader::next(Record& out) {
  if (!next(impl_->view)) return false;
  const RecordView& v = impl_->view;
  out.line = v.line;
  out.raw.assign(v.raw);
  out.fields.resize(v.fields.size());
  for (std::size_t k = 0; k < v.fields.size(); ++k) out.fields[k].assign(v.fields[k]);
  return true;
}

} // namespace hkstat::io
