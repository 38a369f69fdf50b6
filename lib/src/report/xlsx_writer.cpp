#include "hkstat/report/xlsx_writer.hpp"

#include <fmt/format.h>
#include <xlsxwriter.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

namespace hkstat::report {

namespace {

namespace fs = std::filesystem;

[[noreturn]] void fail(const std::string& what, const std::string& detail) {
  throw Error(Problem{ErrorCode::IoCannotWrite, SourcePos{}, detail, Text{"Excel ファイルを作成できません: " + what, "cannot build the Excel workbook: " + what},
                      Text{"ブックを組み立てるメモリと、ファイルサイズの上限（ulimit -f）に収まること", "memory to assemble the workbook, within the file-size limit (ulimit -f)"}, ""});
}

bool valid_sheet_name(const std::string& n) {
  if (n.empty() || display_width(n) > 31 || n == "about") return false;
  return n.find_first_of("[]:*?/\\") == std::string::npos && n.front() != '\'' && n.back() != '\'';
}

// A raw machine value that is a finite number in full ("0.4", "810"); "Inf", "" and text are not.
bool as_number(const std::string& s, double& v) {
  if (s.empty()) return false;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size() && std::isfinite(v);
}

bool is_proportion(const std::string& id) {
  return id == "rate" || id == "rate_used" || id == "ci_lower" || id == "ci_upper" || id == "percent" || id == "percent_responses";
}
bool is_count(const std::string& id) {
  return id == "n" || id == "cases" || id == "base" || id == "responses" || id == "population" || id == "persons" || id == "persons_lower" ||
         id == "persons_upper";
}

struct TempFile {
  std::string path;
  int memfd = -1;
  bool named = false;
  ~TempFile() {
    if (memfd >= 0) ::close(memfd);
    if (named) std::remove(path.c_str());
  }
};

// Swaps the C stream `stderr` for an in-memory one for its lifetime (one at a time: a mutex).
struct QuietStderr {
  std::unique_lock<std::mutex> lock;
  FILE* saved = nullptr;
  FILE* sink = nullptr;
  char* buf = nullptr;
  std::size_t len = 0;
  static std::mutex& mutex() {
    static std::mutex m;
    return m;
  }
  QuietStderr() : lock(mutex()) {
    sink = ::open_memstream(&buf, &len);
    if (sink) {
      saved = stderr;
      stderr = sink;
    }
  }
  ~QuietStderr() {
    if (sink) {
      stderr = saved;
      std::fclose(sink);
    }
    std::free(buf);
  }
  QuietStderr(const QuietStderr&) = delete;
  QuietStderr& operator=(const QuietStderr&) = delete;
};

} // namespace

std::string xlsx_workbook(const std::vector<Table>& tables, const XlsxOptions& o) {
  const bool en = o.lang == Lang::En;
  std::set<std::string> names;
  for (const auto& t : tables)
    if (!valid_sheet_name(t.id) || !names.insert(t.id).second)
      throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{}, t.id, Text{"シート名が不正か重複しています", "invalid or duplicate sheet name"},
                          Text{"31文字以内、[]:*?/\\ を含まない、about 以外", "1-31 characters without []:*?/\\, not \"about\""}, ""});
  if (o.created <= 0) fail("created", std::to_string(o.created));

  // The workbook is assembled in memory (a memfd, named to libxlsxwriter as /proc/self/fd/N): nothing is
  // left in a temporary directory if the process dies, and the bytes never touch a disk. libxlsxwriter's
  // own scratch files are unnamed (tmpfile(3)) unless `scratch_dir` is given. Without /proc, a temp file
  // in the scratch directory is used (removed after reading, or on any error).
  TempFile tmp;
  int memfd = ::memfd_create("hkstat-xlsx", MFD_CLOEXEC);
  if (memfd >= 0 && ::access("/proc/self/fd", X_OK) == 0) {
    tmp.memfd = memfd;
    tmp.path = fmt::format("/proc/self/fd/{}", memfd);
  } else {
    if (memfd >= 0) ::close(memfd);
    std::error_code ec;
    const std::string dir = o.scratch_dir.empty() ? fs::temp_directory_path(ec).string() : o.scratch_dir;
    std::string tmpl = dir + "/hkstat-xlsx-XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    const int fd = ::mkstemp(buf.data());
    if (fd < 0) fail(std::strerror(errno), dir);
    ::close(fd);
    tmp.path = buf.data();
    tmp.named = true;
  }
  const std::string shown = tmp.named ? tmp.path : std::string("report.xlsx");

  // libxlsxwriter prints its own "[ERROR]..." lines on stderr when a write fails; hkstat reports the
  // failure as its own error instead, so they are captured (and dropped) while the workbook is built.
  QuietStderr quiet;
  lxw_workbook_options wo{};
  std::string tmpdir = o.scratch_dir;
  wo.tmpdir = tmpdir.empty() ? nullptr : tmpdir.data();
  lxw_workbook* wb = workbook_new_opt(tmp.path.c_str(), &wo);
  if (!wb) fail("workbook_new", shown);

  std::string title = o.title, subject = o.subject, comments = o.comments, author = "hkstat";
  lxw_doc_properties props{};
  props.title = title.data();
  props.subject = subject.data();
  props.author = author.data();
  props.comments = comments.data();
  props.created = static_cast<time_t>(o.created);
  workbook_set_properties(wb, &props);

  lxw_format* bold = workbook_add_format(wb);
  format_set_bold(bold);
  lxw_format* header = workbook_add_format(wb);
  format_set_bold(header);
  format_set_bottom(header, LXW_BORDER_THIN);
  format_set_text_wrap(header);
  lxw_format* idfmt = workbook_add_format(wb);
  format_set_italic(idfmt);
  format_set_font_color(idfmt, 0x666666);
  lxw_format* pct = workbook_add_format(wb);
  const std::string pct_code = o.percent_decimals > 0 ? "0." + std::string(static_cast<std::size_t>(o.percent_decimals), '0') + "%" : "0%";
  format_set_num_format(pct, pct_code.c_str());
  lxw_format* count = workbook_add_format(wb);
  format_set_num_format(count, "#,##0");
  lxw_format* right = workbook_add_format(wb);
  format_set_align(right, LXW_ALIGN_RIGHT);

  for (const auto& t : tables) {
    lxw_worksheet* ws = workbook_add_worksheet(wb, t.id.c_str());
    if (!ws) {
      workbook_close(wb);
      fail("worksheet", t.id);
    }
    worksheet_write_string(ws, 0, 0, t.title.in(en).c_str(), bold);
    std::vector<std::size_t> cols;
    for (std::size_t i = 0; i < t.columns.size(); ++i)
      if (t.columns[i].machine) cols.push_back(i);
    std::vector<std::size_t> width(cols.size(), 8);
    for (std::size_t j = 0; j < cols.size(); ++j) {
      const auto& c = t.columns[cols[j]];
      const std::string h = c.header.in(en).empty() ? c.id : c.header.in(en);
      const auto col = static_cast<lxw_col_t>(j);
      worksheet_write_string(ws, 2, col, h.c_str(), header);
      worksheet_write_string(ws, 3, col, c.id.c_str(), idfmt);
      width[j] = std::max({width[j], std::min<std::size_t>(display_width(h), 24), display_width(c.id)});
    }
    lxw_row_t r = 4;
    for (const auto& row : t.rows) {
      for (std::size_t j = 0; j < cols.size(); ++j) {
        const auto& c = t.columns[cols[j]];
        const Cell& cell = row[cols[j]];
        const auto col = static_cast<lxw_col_t>(j);
        double v = 0;
        if (as_number(cell.raw, v)) {
          worksheet_write_number(ws, r, col, v, is_proportion(c.id) ? pct : is_count(c.id) ? count : nullptr);
          width[j] = std::max(width[j], std::min<std::size_t>(cell.raw.size(), 14));
        } else {
          const std::string s = !cell.raw.empty() ? cell.raw : cell.display.in(en);
          if (s.empty()) continue;
          worksheet_write_string(ws, r, col, s.c_str(), cell.raw.empty() ? right : nullptr);
          width[j] = std::max(width[j], std::min<std::size_t>(display_width(s), 40));
        }
      }
      ++r;
    }
    ++r;
    for (const auto& n : t.notes) worksheet_write_string(ws, r++, 0, n.in(en).c_str(), nullptr);
    for (std::size_t j = 0; j < cols.size(); ++j)
      worksheet_set_column(ws, static_cast<lxw_col_t>(j), static_cast<lxw_col_t>(j), static_cast<double>(width[j]) + 2, nullptr);
    worksheet_freeze_panes(ws, 4, 0);
  }
  if (!o.about.empty()) {
    lxw_worksheet* ws = workbook_add_worksheet(wb, "about");
    lxw_row_t r = 0;
    std::size_t kw = 10, vw = 20;
    for (const auto& [k, v] : o.about) {
      worksheet_write_string(ws, r, 0, k.in(en).c_str(), bold);
      worksheet_write_string(ws, r, 1, v.in(en).c_str(), nullptr);
      kw = std::max(kw, display_width(k.in(en)));
      vw = std::max(vw, std::min<std::size_t>(display_width(v.in(en)), 100));
      ++r;
    }
    worksheet_set_column(ws, 0, 0, static_cast<double>(kw) + 2, nullptr);
    worksheet_set_column(ws, 1, 1, static_cast<double>(vw) + 2, nullptr);
  }
  const lxw_error err = workbook_close(wb);
  if (err != LXW_NO_ERROR) fail(lxw_strerror(err), shown);

  std::string bytes;
  const int rfd = tmp.memfd >= 0 ? tmp.memfd : ::open(tmp.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (rfd < 0) fail("read back", shown);
  char chunk[65536];
  for (off_t off = 0;;) {
    const ssize_t n = ::pread(rfd, chunk, sizeof chunk, off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      if (rfd != tmp.memfd) ::close(rfd);
      fail("read back", shown);
    }
    if (n == 0) break;
    bytes.append(chunk, static_cast<std::size_t>(n));
    off += n;
  }
  if (rfd != tmp.memfd) ::close(rfd);
  return bytes;
}

} // namespace hkstat::report
