// The CSV reader (io::CsvReader) in every encoding and line-end convention. The first byte chooses the
// options: encoding (auto / UTF-8 / CP932), line ends (as given / LF → CRLF / LF → CR), delimiter and the
// final-newline rule; the rest is the file.
#include "fuzz_util.hpp"

#include "hkstat/io/csv_reader.hpp"

using namespace hkstat;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t flags = data[0];
  std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  const int ends = (flags >> 2) & 3;
  if (ends == 1 || ends == 2) {
    std::string t;
    for (const char c : text) {
      if (c == '\n') t += ends == 1 ? "\r\n" : "\r";
      else t += c;
    }
    text = std::move(t);
  }
  io::CsvOptions opts;
  opts.encoding = (flags & 3) == 1 ? io::Encoding::Utf8 : (flags & 3) == 2 ? io::Encoding::Cp932 : io::Encoding::Auto;
  opts.delimiter = "\t,;|"[(flags >> 4) & 3];
  opts.final_newline = (flags >> 6) == 1 ? io::FinalNewline::Require : (flags >> 6) == 2 ? io::FinalNewline::Optional : io::FinalNewline::Auto;
  const std::string path = fuzz::write_file("input.csv", text);
  fuzz::expect_only_hkstat_errors([&] {
    io::CsvReader reader(path, opts);
    const std::size_t columns = reader.header().size();
    io::Record rec;
    io::RecordView view;
    for (bool copy = false;; copy = !copy) {
      if (copy ? !reader.next(rec) : !reader.next(view)) break;
      const std::size_t n = copy ? rec.fields.size() : view.fields.size();
      if (n != columns) std::abort(); // documented: every record has as many fields as the header
    }
  });
  return 0;
}
