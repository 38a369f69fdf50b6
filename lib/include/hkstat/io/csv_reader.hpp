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
// Everything it throws is hkstat::Error (E_IO_OPEN, E_CSV_*).
#pragma once

#include "hkstat/io/encoding.hpp"

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace hkstat::io {

struct CsvOptions {
  Encoding encoding = Encoding::Auto;
  char delimiter = ','; // ASCII, not '"', '\r' or '\n'
};

struct Record {
  std::size_t line = 0;            // 1-based physical line where the record starts
  std::vector<std::string> fields; // UTF-8, quotes removed, "" -> "
  std::string raw;                 // the original record text (UTF-8, physical lines joined by "\n"), for error messages
};

class CsvReader {
public:
  // Opens the file, detects the encoding (Encoding::Auto) and reads the header row.
  explicit CsvReader(std::string path, CsvOptions opts = {});
  ~CsvReader();
  CsvReader(CsvReader&&) noexcept;
  CsvReader& operator=(CsvReader&&) noexcept;
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  const std::vector<std::string>& header() const;
  std::size_t header_line() const;
  // Reads the next data record into `out`; false at the end of the file.
  bool next(Record& out);
  Encoding encoding() const; // detected or given (never Auto)
  bool had_bom() const;
  const std::string& path() const;
  std::size_t records_read() const; // data records returned by next() so far

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace hkstat::io
