#include "hkstat/io/encoding.hpp"

#include "hkstat/io/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
// HKSTAT_WITH_ICONV=0 (CMake -DHKSTAT_WITH_ICONV=OFF; the WebAssembly build, web/): no iconv, so no CP932
// decoding in the library; the caller decodes CP932 itself (the browser's TextDecoder) and hands UTF-8 over.
#ifndef HKSTAT_WITH_ICONV
#define HKSTAT_WITH_ICONV 1
#endif
#if HKSTAT_WITH_ICONV
#include <iconv.h>
#endif

namespace hkstat::io {

namespace {

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

std::size_t line_at(std::string_view s, std::size_t offset) {
  return 1 + static_cast<std::size_t>(std::count(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(std::min(offset, s.size())), '\n'));
}

} // namespace

const char* encoding_name(Encoding e) {
  switch (e) {
  case Encoding::Auto: return "auto";
  case Encoding::Utf8: return "UTF-8";
  case Encoding::Cp932: return "CP932";
  }
  return "auto";
}

Encoding parse_encoding(std::string_view s) {
  if (iequals(s, "auto")) return Encoding::Auto;
  for (std::string_view n : {"utf-8", "utf8"})
    if (iequals(s, n)) return Encoding::Utf8;
  for (std::string_view n : {"cp932", "shift_jis", "sjis", "shift-jis", "ms932", "windows-31j"})
    if (iequals(s, n)) return Encoding::Cp932;
  Problem p;
  p.code = ErrorCode::UsageInvalidOption;
  p.pos.key = "encoding";
  p.value = std::string(s);
  p.message = Text{"文字コードの指定が不正です", "unknown encoding"};
  p.expected = Text{"auto, utf-8, cp932 (shift_jis) のいずれか", "one of auto, utf-8, cp932 (shift_jis)"};
  throw Error(std::move(p));
}

// ---- CP932 decoder ---------------------------------------------------------------------------------

#if HKSTAT_WITH_ICONV
struct Cp932Decoder::Impl {
  iconv_t cd = reinterpret_cast<iconv_t>(-1);
};

Cp932Decoder::Cp932Decoder() : impl_(std::make_unique<Impl>()) {
  impl_->cd = iconv_open("UTF-8", "CP932");
  if (impl_->cd == reinterpret_cast<iconv_t>(-1)) {
    Problem p;
    p.code = ErrorCode::Internal;
    p.value = "CP932";
    p.message = Text{"この環境の iconv は CP932 を変換できません", "iconv on this system cannot convert CP932"};
    p.expected = Text{"glibc の gconv モジュール (CP932) をインストールしてください", "install glibc's gconv modules (CP932)"};
    throw Error(std::move(p));
  }
}

Cp932Decoder::~Cp932Decoder() {
  if (impl_ && impl_->cd != reinterpret_cast<iconv_t>(-1)) iconv_close(impl_->cd);
}

Cp932Decoder::Result Cp932Decoder::convert(std::string_view in, std::string& out) {
  Result r;
  // iconv takes char** although it never writes through the input pointer.
  char* inp = const_cast<char*>(in.data());
  std::size_t inleft = in.size();
  while (inleft > 0) {
    // A CP932 character (1 or 2 bytes) never needs more than 3 UTF-8 bytes.
    const std::size_t old = out.size();
    out.resize(old + 3 * inleft + 16);
    char* outp = out.data() + old;
    std::size_t outleft = out.size() - old;
    const std::size_t rc = iconv(impl_->cd, &inp, &inleft, &outp, &outleft);
    const int err = errno;
    out.resize(static_cast<std::size_t>(outp - out.data()));
    r.consumed = in.size() - inleft;
    if (rc != static_cast<std::size_t>(-1)) continue;
    if (err == E2BIG) continue;
    iconv(impl_->cd, nullptr, nullptr, nullptr, nullptr); // back to the initial state
    r.status = err == EINVAL ? Status::Incomplete : Status::Invalid;
    return r;
  }
  r.consumed = in.size();
  return r;
}
#else
struct Cp932Decoder::Impl {};

// Without iconv a CP932 file cannot be read: an encoding error the user can act on (save it as UTF-8),
// not an internal one. The web page never gets here: it decodes CP932 before the library sees the bytes.
Cp932Decoder::Cp932Decoder() {
  Problem p;
  p.code = ErrorCode::CsvInvalidEncoding;
  p.value = "CP932";
  p.message = Text{"この版の hkstat は CP932 (Shift_JIS) のファイルを読めません", "this build of hkstat cannot read CP932 (Shift_JIS) files"};
  p.expected = Text{"UTF-8 で保存したファイル", "a file saved as UTF-8"};
  throw Error(std::move(p));
}

Cp932Decoder::~Cp932Decoder() = default;

Cp932Decoder::Result Cp932Decoder::convert(std::string_view, std::string&) { return Result{Status::Invalid, 0}; }
#endif

std::size_t find_invalid_cp932(std::string_view s, bool allow_truncated_tail) {
  Cp932Decoder dec;
  std::string scratch;
  scratch.reserve(s.size() * 3 / 2 + 16);
  const auto r = dec.convert(s, scratch);
  if (r.status == Cp932Decoder::Status::Ok) return std::string_view::npos;
  if (r.status == Cp932Decoder::Status::Incomplete && allow_truncated_tail) return std::string_view::npos;
  return r.consumed;
}

// ---- detection and messages ------------------------------------------------------------------------

std::string_view bad_bytes_at(std::string_view s, std::size_t offset, Encoding enc) {
  if (offset >= s.size()) return {};
  const std::size_t max_len = enc == Encoding::Cp932 ? 2 : 4;
  // A UTF-8 error never involves an ASCII byte; a CP932 trail byte is 0x40 or above.
  const unsigned char floor = enc == Encoding::Cp932 ? 0x40 : 0x80;
  std::size_t n = 1;
  while (n < max_len && offset + n < s.size() && static_cast<unsigned char>(s[offset + n]) >= floor) ++n;
  return s.substr(offset, n);
}

Problem encoding_problem(Encoding enc, const std::string& path, std::size_t line, std::string_view bad) {
  Problem p;
  p.code = ErrorCode::CsvInvalidEncoding;
  p.pos.file = path;
  p.pos.line = line;
  p.value = hex_bytes(bad);
  if (enc == Encoding::Cp932) {
    p.message = Text{"文字コードが不正です (CP932 として読めないバイト列)", "invalid byte sequence for CP932 (Shift_JIS)"};
    p.expected = Text{"UTF-8 または CP932(Shift_JIS)。ファイルの文字コードを確認してください (‹encoding› utf-8 も試してください)",
                      "UTF-8 or CP932 (Shift_JIS); check the file's encoding (try ‹encoding› utf-8)"};
  } else {
    p.message = Text{"文字コードが不正です (UTF-8 として読めないバイト列)", "invalid byte sequence for UTF-8"};
    p.expected = Text{"UTF-8 または CP932(Shift_JIS)。‹encoding› cp932 を指定してください", "UTF-8 or CP932 (Shift_JIS); try ‹encoding› cp932"};
  }
  return p;
}

Encoding detect_encoding(std::string_view sample, bool complete, const std::string& path) {
  const std::size_t bad_utf8 = find_invalid_utf8(sample, !complete);
  if (bad_utf8 == std::string_view::npos) return Encoding::Utf8;
  const std::size_t bad_cp932 = find_invalid_cp932(sample, !complete);
  if (bad_cp932 == std::string_view::npos) return Encoding::Cp932;

  // Neither decodes: report the first bad line of the encoding that gets further.
  const bool cp932_further = bad_cp932 > bad_utf8;
  const std::size_t off = cp932_further ? bad_cp932 : bad_utf8;
  const Encoding enc = cp932_further ? Encoding::Cp932 : Encoding::Utf8;
  Problem p = encoding_problem(enc, path, line_at(sample, off), bad_bytes_at(sample, off, enc));
  p.message = Text{fmt::format("文字コードを判定できません (UTF-8 としても CP932 としても読めないバイト列、{} として最初に読めない箇所)", encoding_name(enc)),
                   fmt::format("cannot detect the encoding: the file is neither valid UTF-8 nor valid CP932 (first bad bytes as {})",
                               encoding_name(enc))};
  p.expected = Text{"UTF-8 または CP932(Shift_JIS) で保存したファイル", "a file saved as UTF-8 or CP932 (Shift_JIS)"};
  throw Error(std::move(p));
}

} // namespace hkstat::io
