// hkstat/io/csv_reader.hpp — streaming CSV reader for survey data files.
//
// Lines come from an in-house splitter with io::LineReader's rules (fast-cpp-csv-parser; it was
// replaced for speed, see csv_reader.cpp and docs/performance.md), fed through a decoding byte source,
// so the file is streamed and never loaded whole; hkstat owns the field layer because the column count
// is only known at run time.
//
//  * Encodings: UTF-8 with or without BOM, CP932/Shift_JIS (converted to UTF-8); see encoding.hpp.
//  * RFC 4180 fields: quoted fields, "" inside quotes, delimiters and line breaks inside quotes.
//    Lenient: a quote inside an unquoted field (ab"c) and text after a closing quote ("ab"c) are kept
//    literally. Whitespace is kept; trimming is the caller's job (header names excepted).
//  * LF or CRLF line ends; trailing '\r's are removed from every physical line.
//  * Blank lines (empty, or only ASCII whitespace / U+3000) before and after the header are skipped.
//  * The header is the first non-blank record; names are trimmed; a duplicate (non-empty) name is an error.
//  * Every record must have as many fields as the header.
//  * The path "-" reads standard input (a pipe or a redirected file); errors name it "<stdin>". Nothing is
//    ever seeked: the encoding is detected from the first 64 KiB as they are read.
//  * A last line without a line end ("\n") is an error (E_IO_TRUNCATED) when the input is not a regular file
//    (pipe, FIFO, stdin from a pipe, socket) or when CsvOptions::final_newline says Require: a stream cut off
//    mid-record looks exactly like that. A regular file may end without one (hand-made files often do).
//  * A read error (EIO, ...) is E_IO_READ naming the file and the line being read.
// Everything it throws is hkstat::Error (E_IO_OPEN, E_IO_READ, E_IO_TRUNCATED, E_CSV_*).
#pragma once

#include "hkstat/io/encoding.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <span>
#include <string_view>
#include <vector>

namespace hkstat::io {

// Whether the last record must end with a line end (see the header comment).
enum class FinalNewline {
  Auto,     // required unless the input is a regular file
  Require,  // always required
  Optional, // never required
};

struct CsvOptions {
  Encoding encoding = Encoding::Auto;
  char delimiter = ','; // ASCII, not '"', '\r' or '\n'
  FinalNewline final_newline = FinalNewline::Auto;
};

// Where the bytes go and what the input is called, for an input read more than once (a command's passes).
struct CsvSource {
  // The name messages give the input (empty: input_display_name(path)): a copy read under the original's name.
  std::string display;
  // Every byte read from the input, in the file's order, as it is read (BOM and CP932 as in the file): an input that
  // cannot be read twice (standard input, a FIFO) copied for the passes after the first. Not for range readers.
  std::function<void(std::string_view)> copy;
};

// '\n' bytes in `s`, sixteen bytes at a time (SSE2) or eight.
std::size_t count_newlines(std::string_view s);

// The first '"' or `delim` in `s` at or after `from`, s.size() if none (the general path's scanner, eight bytes at
// a time or sixteen with SSE2; exposed for its tests).
std::size_t find_delim_or_quote(std::string_view s, std::size_t from, char delim);

// The name errors give to the input: the path, or "<stdin>" for "-".
std::string input_display_name(const std::string& path);

// E_CSV_SPREADSHEET when `head` (the first bytes of a file) is an Excel workbook (.xlsx: a ZIP archive; .xls: an
// OLE2 compound file), else nothing. The reader checks it first; the survey loader checks it before looking for a
// codebook, so an .xlsx given as data is named as such rather than as a missing codebook.
std::optional<Problem> spreadsheet_problem(const std::string& display, std::string_view head);

struct Record {
  std::size_t line = 0;            // 1-based physical line where the record starts
  std::vector<std::string> fields; // UTF-8, quotes removed, "" -> "
  std::string raw;                 // the original record text (UTF-8, physical lines joined by "\n"), for error messages
};

// A record whose fields are views into the reader's buffers: valid until the next call of next().
struct RecordView {
  std::size_t line = 0;                  // 1-based physical line where the record starts
  std::span<const std::string_view> fields; // as Record::fields (in the reader's own array)
  std::string_view raw;                  // as Record::raw
};

class CsvReader {
public:
  // Opens the file, detects the encoding (Encoding::Auto) and reads the header row.
  explicit CsvReader(std::string path, CsvOptions opts = {}, CsvSource source = {});
  // Range readers (parsing on several threads, data::IngestStream::parallel): the data records of a byte range
  // of `parent`'s regular file, read with its header, encoding and rules, as if `parent` had read on to it.
  // The range starts at the start of a physical line (after a '\n' of the file), `lines_before` lines into
  // the file, so that line numbers and errors are the whole file's. `bytes`: the range itself, in memory,
  // its end being the end of the data for this reader; `offset`: the file from that byte to its end.
  CsvReader(const CsvReader& parent, std::string bytes, std::size_t lines_before);
  // The same for `size` bytes at `data` that the caller keeps unchanged while the reader is used: UTF-8 is parsed
  // where it lies (no copy; record views point into it), other input is copied as above.
  CsvReader(const CsvReader& parent, const char* data, std::size_t size, std::size_t lines_before);
  CsvReader(const CsvReader& parent, std::uint64_t offset, std::size_t lines_before);
  ~CsvReader();
  CsvReader(CsvReader&&) noexcept;
  CsvReader& operator=(CsvReader&&) noexcept;
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  const std::vector<std::string>& header() const;
  std::size_t header_line() const;
  // The physical lines up to the end of the header record (blank lines before it included): the first data
  // line is header_end_line() + 1.
  std::size_t header_end_line() const;
  // The byte offset in the file where that line starts (raw bytes: a BOM and CP932 count as in the file);
  // nullopt for standard input, a pipe, or when the file cannot be read again.
  std::optional<std::uint64_t> data_offset() const;
  // Reads the next data record into `out`; false at the end of the file.
  bool next(Record& out);
  // The same without copying: the views in `out` are valid until the next call of either next().
  bool next(RecordView& out);
  // next(RecordView&) in two steps, for a caller with its own reading of the usual line (data::IngestStream):
  // next_line() reads the next record's first physical line into out.raw and out.line (blank lines skipped),
  // `out.fields` empty; split(out) does the rest of next(): the fields, further physical lines of a quoted
  // field, and the record's checks.
  bool next_line(RecordView& out);
  void split(RecordView& out);
  // The usual lines read where they lie (data::IngestStream): pending_lines() views the next physical lines the
  // reader already holds whole, each ending in '\n' (empty when there are none, or when lines must come one by
  // one through next_line(): a decoding error pending); skip_lines(bytes, n) then counts the first `bytes` of
  // them, n whole lines that the caller read itself, each as one record of exactly header().size() fields of
  // ASCII bytes without a quote. The view is valid until the next call of any other member.
  std::string_view pending_lines() const;
  void skip_lines(std::size_t bytes, std::size_t lines);
  Encoding encoding() const; // detected or given (never Auto)
  bool had_bom() const;
  const std::string& path() const;         // as given ("-" for standard input)
  const std::string& display_name() const; // for messages: the path, or "<stdin>"
  bool regular_file() const;               // the input is a regular file (not a pipe, FIFO, terminal...)
  std::size_t records_read() const; // data records returned by next() so far
  // Physical lines consumed so far, counted from the file's first line (a range reader counts its lines_before):
  // after next() returned a record, the line its last physical line is on.
  std::size_t lines_read() const;

  struct Impl;

private:
  std::unique_ptr<Impl> impl_;
};

} // namespace hkstat::io
