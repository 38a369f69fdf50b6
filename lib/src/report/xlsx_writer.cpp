#include "hkstat/report/xlsx_writer.hpp"

#include <fmt/format.h>
#include <xlsxwriter.h>

#include "report/runtime_library.hpp"

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
using table::display_width;

// The functions of libxlsxwriter hkstat calls. Only its header is used at build time: the library is opened with
// dlopen the first time a workbook is built (report/runtime_library.hpp), so that a run that writes no xlsx does
// not load it and libcrypto, libminizip and zlib, which it pulls in (about 1.9 ms of every process start before:
// docs/performance.md). Each pointer has the type of the prototype in the header, so a mismatch is a compile error.
#define HKSTAT_XLSX_FUNCTIONS(F) \
  F(chart_add_series) \
  F(chart_axis_set_min) \
  F(chart_axis_set_num_format) \
  F(chart_axis_set_reverse) \
  F(chart_legend_set_position) \
  F(chart_series_set_categories) \
  F(chart_series_set_fill) \
  F(chart_series_set_name_range) \
  F(chart_series_set_values) \
  F(chart_title_set_name) \
  F(format_set_align) \
  F(format_set_bold) \
  F(format_set_bottom) \
  F(format_set_font_size) \
  F(format_set_num_format) \
  F(format_set_text_wrap) \
  F(lxw_strerror) \
  F(workbook_add_chart) \
  F(workbook_add_format) \
  F(workbook_add_worksheet) \
  F(workbook_close) \
  F(workbook_new_opt) \
  F(workbook_set_properties) \
  F(worksheet_autofilter) \
  F(worksheet_fit_to_pages) \
  F(worksheet_freeze_panes) \
  F(worksheet_insert_chart_opt) \
  F(worksheet_merge_range) \
  F(worksheet_repeat_rows) \
  F(worksheet_set_column) \
  F(worksheet_set_landscape) \
  F(worksheet_set_paper) \
  F(worksheet_write_blank) \
  F(worksheet_write_number) \
  F(worksheet_write_string)

struct Xlsx {
#define HKSTAT_XLSX_POINTER(name) decltype(&::name) name = nullptr;
  HKSTAT_XLSX_FUNCTIONS(HKSTAT_XLSX_POINTER)
#undef HKSTAT_XLSX_POINTER
};

// The soname of libxlsxwriter 1.x (Debian 12: libxlsxwriter4, 1.1.5).
constexpr detail::RuntimeLibrary kXlsxWriter{
    "libxlsxwriter.so.4", "HKSTAT_LIBXLSXWRITER",
    {"Excel ファイルを書く libxlsxwriter を読み込めません", "cannot load libxlsxwriter, which writes the Excel workbook"},
    {"libxlsxwriter をインストールする（Debian・Ubuntu: apt-get install libxlsxwriter4）。環境変数 HKSTAT_LIBXLSXWRITER で別の場所を指定することもできる",
     "install libxlsxwriter (Debian, Ubuntu: apt-get install libxlsxwriter4), or give another location in HKSTAT_LIBXLSXWRITER"}};

std::shared_ptr<const Xlsx> open_xlsx(const std::string& library) {
  void* lib = detail::open_runtime_library(kXlsxWriter, library);
  auto x = std::make_shared<Xlsx>();
#define HKSTAT_XLSX_BIND(name) detail::bind_symbol(kXlsxWriter, lib, library, x->name, #name);
  HKSTAT_XLSX_FUNCTIONS(HKSTAT_XLSX_BIND)
#undef HKSTAT_XLSX_BIND
  return x;
}

// libxlsxwriter of this process: opened once, on first use, from HKSTAT_LIBXLSXWRITER if set, else the soname.
const Xlsx& lx() { return detail::runtime_library<Xlsx>(kXlsxWriter, &open_xlsx); }

[[noreturn]] void fail(const std::string& what, const std::string& detail) {
  throw Error(Problem{ErrorCode::IoCannotWrite, SourcePos{}, detail, Text{"Excel ファイルを作成できません: " + what, "cannot build the Excel workbook: " + what},
                      Text{"ブックを組み立てるメモリと、ファイルサイズの上限（ulimit -f）に収まること", "memory to assemble the workbook, within the file-size limit (ulimit -f)"}, ""});
}

std::size_t code_points(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

bool valid_sheet_name(const std::string& n) {
  if (n.empty() || code_points(n) > 31) return false;
  return n.find_first_of("[]:*?/\\") == std::string::npos && n.front() != '\'' && n.back() != '\'';
}

// A raw machine value that is a finite number in full ("0.4", "810"); "Inf", "" and text are not.
bool as_number(const std::string& s, double& v) {
  if (s.empty()) return false;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size() && std::isfinite(v);
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

namespace {

struct Formats {
  lxw_format* title = nullptr;
  lxw_format* bold = nullptr;
  lxw_format* header = nullptr;
  lxw_format* group = nullptr;
  lxw_format* note = nullptr;
  lxw_format* text = nullptr;
  lxw_format* count = nullptr;
  lxw_format* pct = nullptr;
  lxw_format* se = nullptr;
  lxw_format* df = nullptr;
  lxw_format* ratio = nullptr;
  lxw_format* number = nullptr;
  lxw_format* of(table::NumberKind k) const {
    switch (k) {
    case table::NumberKind::Count: return count;
    case table::NumberKind::Proportion: return pct;
    case table::NumberKind::Se: return se;
    case table::NumberKind::Df: return df;
    case table::NumberKind::Ratio: return ratio;
    default: return number;
    }
  }
};

void set_widths(lxw_worksheet* ws, const std::vector<std::size_t>& width) {
  for (std::size_t j = 0; j < width.size(); ++j)
    lx().worksheet_set_column(ws, static_cast<lxw_col_t>(j), static_cast<lxw_col_t>(j), static_cast<double>(width[j]) + 2, nullptr);
}

// A sheet for people: title, (group row), headers, values, notes; print setup; a chart.
void write_report_sheet(lxw_workbook* wb, lxw_worksheet* ws, const XlsxSheet& sheet, const Formats& f, bool en) {
  const table::Table& t = sheet.table;
  std::vector<std::size_t> cols;
  for (std::size_t i = 0; i < t.columns.size(); ++i)
    if (t.columns[i].machine) cols.push_back(i);
  bool groups = false;
  for (auto i : cols) groups = groups || !t.columns[i].group.in(en).empty();
  const std::string title = t.number > 0 ? fmt::format("{}{}{}", en ? "Table " : "表", t.number, en ? ". " : "　") + t.title.in(en) : t.title.in(en);
  lx().worksheet_write_string(ws, 0, 0, title.c_str(), f.title);
  const lxw_row_t header_row = groups ? 3 : 2;
  std::vector<std::size_t> width(cols.size(), 6);
  for (std::size_t j = 0; j < cols.size(); ++j) {
    const auto& c = t.columns[cols[j]];
    const auto col = static_cast<lxw_col_t>(j);
    const std::string h = c.header.in(en).empty() ? c.id : c.header.in(en);
    const std::string g = c.group.in(en);
    if (groups && g.empty()) {
      lx().worksheet_merge_range(ws, 2, col, 3, col, h.c_str(), f.header);
    } else {
      lx().worksheet_write_string(ws, header_row, col, h.c_str(), f.header);
      if (groups && (j == 0 || t.columns[cols[j - 1]].group.in(en) != g)) {
        std::size_t last = j;
        while (last + 1 < cols.size() && t.columns[cols[last + 1]].group.in(en) == g) ++last;
        if (last > j)
          lx().worksheet_merge_range(ws, 2, col, 2, static_cast<lxw_col_t>(last), g.c_str(), f.group);
        else
          lx().worksheet_write_string(ws, 2, col, g.c_str(), f.group);
      }
    }
    width[j] = std::max(width[j], std::min<std::size_t>(display_width(h), 16));
  }
  lxw_row_t r = header_row + 1;
  const lxw_row_t first_data = r;
  bool missing = false;
  for (const auto& row : t.rows) {
    for (std::size_t j = 0; j < cols.size(); ++j) {
      const auto& c = t.columns[cols[j]];
      const table::Cell& cell = row[cols[j]];
      const auto col = static_cast<lxw_col_t>(j);
      const table::NumberKind kind = table::number_kind(c);
      double v = 0;
      if (kind != table::NumberKind::Text) {
        if (as_number(cell.raw, v)) {
          lx().worksheet_write_number(ws, r, col, v, f.of(kind));
          width[j] = std::max<std::size_t>(width[j], 9);
        } else {
          lx().worksheet_write_blank(ws, r, col, f.of(kind));
          missing = true;
        }
      } else if (!c.human && as_number(cell.raw, v)) {
        lx().worksheet_write_number(ws, r, col, v, f.number); // a machine code or flag: a number, as it is
      } else {
        // People's columns show what the report shows (a group's label on its first row only); machine
        // columns their value.
        const std::string s = c.human ? cell.display.in(en) : cell.raw;
        if (s.empty()) continue;
        lx().worksheet_write_string(ws, r, col, s.c_str(), f.text);
        width[j] = std::max(width[j], std::min<std::size_t>(display_width(s), 40));
      }
    }
    ++r;
  }
  const lxw_row_t last_data = r - 1;
  ++r;
  if (missing)
    lx().worksheet_write_string(ws, r++, 0,
                           en ? "Empty cells: suppressed (\"*\" in the report) or not defined (e.g. infinite df of a simple random sample)."
                              : "空欄は秘匿したセル（レポートの「*」）、または値が定まらないセル（単純無作為抽出の自由度など）です。",
                           f.note);
  for (const auto& n : t.notes) lx().worksheet_write_string(ws, r++, 0, n.in(en).c_str(), f.note);
  set_widths(ws, width);
  lx().worksheet_freeze_panes(ws, header_row + 1, 1);
  // Print: A4, one page wide, the title and header rows on every page.
  lx().worksheet_set_paper(ws, 9);
  if (cols.size() > 8) lx().worksheet_set_landscape(ws);
  lx().worksheet_fit_to_pages(ws, 1, 0);
  lx().worksheet_repeat_rows(ws, 0, header_row);
  if (!sheet.chart || t.rows.empty() || cols.empty()) return;
  // Categories: the answer labels (column "label", else the first); one series per percentage column
  // ("percent", or a cross-table group's "<gid>.percent"), named by its group (else its header).
  std::size_t cat = 0;
  for (std::size_t j = 0; j < cols.size(); ++j)
    if (t.columns[cols[j]].id == "label") cat = j;
  auto is_series = [&](const table::Column& c) {
    const std::string suffix = ".percent";
    return table::number_kind(c) == table::NumberKind::Proportion &&
           (c.id == "percent" || (c.id.size() > suffix.size() && c.id.compare(c.id.size() - suffix.size(), suffix.size(), suffix) == 0));
  };
  std::vector<std::size_t> series_cols;
  for (std::size_t j = 0; j < cols.size(); ++j)
    if (is_series(t.columns[cols[j]])) series_cols.push_back(j);
  if (series_cols.empty()) return;
  if (sheet.stacked) {
    // 帯グラフ: Excel draws a series per answer, so the chart reads a block of groups (rows) × answers (columns)
    // under the notes (the table's group percentages are not contiguous: 人数 and 割合 alternate).
    const std::size_t answers = t.rows.size();
    r += 1;
    lx().worksheet_write_string(ws, r++, 0, en ? "Chart data (100% stacked bars): proportion of each answer by group" : "図のデータ（帯グラフ）: 区分ごとの回答の割合", f.note);
    const lxw_row_t head = r++;
    std::vector<double> rest(series_cols.size(), 1.0);
    std::vector<bool> has_rest(series_cols.size(), false);
    bool any_rest = false;
    for (std::size_t a = 0; a < answers; ++a) {
      const auto col = static_cast<lxw_col_t>(a + 1);
      const table::Cell& label = t.rows[a][cols[cat]];
      const std::string s = label.display.in(en).empty() ? label.raw : label.display.in(en);
      lx().worksheet_write_string(ws, head, col, s.c_str(), f.header);
    }
    for (std::size_t g = 0; g < series_cols.size(); ++g) {
      const auto& c = t.columns[cols[series_cols[g]]];
      const std::string name = c.group.in(en).empty() ? c.header.in(en) : c.group.in(en);
      lx().worksheet_write_string(ws, head + 1 + static_cast<lxw_row_t>(g), 0, name.c_str(), f.text);
      for (std::size_t a = 0; a < answers; ++a) {
        double v = 0;
        const auto rr = head + 1 + static_cast<lxw_row_t>(g);
        if (as_number(t.rows[a][cols[series_cols[g]]].raw, v)) {
          lx().worksheet_write_number(ws, rr, static_cast<lxw_col_t>(a + 1), v, f.of(table::NumberKind::Proportion));
          rest[g] -= v;
        } else {
          lx().worksheet_write_blank(ws, rr, static_cast<lxw_col_t>(a + 1), f.of(table::NumberKind::Proportion));
          any_rest = true;
          has_rest[g] = true;
        }
      }
    }
    if (any_rest) {
      const auto col = static_cast<lxw_col_t>(answers + 1);
      lx().worksheet_write_string(ws, head, col, en ? "* suppressed" : "* 秘匿", f.header);
      for (std::size_t g = 0; g < series_cols.size(); ++g)
        if (has_rest[g]) lx().worksheet_write_number(ws, head + 1 + static_cast<lxw_row_t>(g), col, std::max(0.0, rest[g]), f.of(table::NumberKind::Proportion));
        else lx().worksheet_write_blank(ws, head + 1 + static_cast<lxw_row_t>(g), col, f.of(table::NumberKind::Proportion));
    }
    const lxw_row_t first_group = head + 1, last_group = head + static_cast<lxw_row_t>(series_cols.size());
    lxw_chart* chart = lx().workbook_add_chart(wb, LXW_CHART_BAR_STACKED_PERCENT);
    for (std::size_t a = 0; a < answers + (any_rest ? 1 : 0); ++a) {
      const auto col = static_cast<lxw_col_t>(a + 1);
      lxw_chart_series* s = lx().chart_add_series(chart, nullptr, nullptr);
      lx().chart_series_set_categories(s, sheet.name.c_str(), first_group, 0, last_group, 0);
      lx().chart_series_set_values(s, sheet.name.c_str(), first_group, col, last_group, col);
      lx().chart_series_set_name_range(s, sheet.name.c_str(), head, col);
      if (a == answers) {
        lxw_chart_fill grey{};
        grey.color = 0xDDDDDD;
        lx().chart_series_set_fill(s, &grey);
      }
    }
    lx().chart_title_set_name(chart, t.title.in(en).c_str());
    lx().chart_axis_set_num_format(chart->y_axis, "0%");
    lx().chart_axis_set_reverse(chart->x_axis); // groups top to bottom in the table's order
    lx().chart_legend_set_position(chart, LXW_CHART_LEGEND_BOTTOM);
    lxw_chart_options co{};
    co.x_offset = 10;
    co.y_scale = std::max(1.0, 0.4 + 0.15 * static_cast<double>(series_cols.size()));
    co.x_scale = 1.3;
    lx().worksheet_insert_chart_opt(ws, 2, static_cast<lxw_col_t>(cols.size() + 1), chart, &co);
    return;
  }
  lxw_chart* chart = lx().workbook_add_chart(wb, LXW_CHART_BAR);
  const std::size_t series = series_cols.size();
  for (const std::size_t j : series_cols) {
    lxw_chart_series* s = lx().chart_add_series(chart, nullptr, nullptr);
    lx().chart_series_set_categories(s, sheet.name.c_str(), first_data, static_cast<lxw_col_t>(cat), last_data, static_cast<lxw_col_t>(cat));
    lx().chart_series_set_values(s, sheet.name.c_str(), first_data, static_cast<lxw_col_t>(j), last_data, static_cast<lxw_col_t>(j));
    lx().chart_series_set_name_range(s, sheet.name.c_str(), groups ? 2 : header_row, static_cast<lxw_col_t>(j));
  }
  lx().chart_title_set_name(chart, t.title.in(en).c_str());
  lx().chart_axis_set_num_format(chart->y_axis, "0%");
  lx().chart_axis_set_min(chart->y_axis, 0);
  lx().chart_axis_set_reverse(chart->x_axis); // answers top to bottom in the table's order
  lx().chart_legend_set_position(chart, LXW_CHART_LEGEND_BOTTOM);
  lxw_chart_options co{};
  co.x_offset = 10;
  co.y_scale = std::max(1.0, 0.25 + 0.06 * static_cast<double>(t.rows.size() * std::max<std::size_t>(series, 1)));
  co.x_scale = 1.3;
  lx().worksheet_insert_chart_opt(ws, 2, static_cast<lxw_col_t>(cols.size() + 1), chart, &co);
}

// A sheet for machines: one row of column ids, then raw values (numbers as numbers).
void write_data_sheet(lxw_worksheet* ws, const table::Table& t, const Formats& f) {
  std::vector<std::size_t> cols;
  for (std::size_t i = 0; i < t.columns.size(); ++i)
    if (t.columns[i].machine) cols.push_back(i);
  std::vector<std::size_t> width(cols.size(), 6);
  for (std::size_t j = 0; j < cols.size(); ++j) {
    lx().worksheet_write_string(ws, 0, static_cast<lxw_col_t>(j), t.columns[cols[j]].id.c_str(), f.bold);
    width[j] = std::max(width[j], display_width(t.columns[cols[j]].id));
  }
  lxw_row_t r = 1;
  for (const auto& row : t.rows) {
    for (std::size_t j = 0; j < cols.size(); ++j) {
      const auto& c = t.columns[cols[j]];
      const std::string& raw = row[cols[j]].raw;
      const auto col = static_cast<lxw_col_t>(j);
      const table::NumberKind kind = table::number_kind(c);
      double v = 0;
      if (as_number(raw, v)) {
        lx().worksheet_write_number(ws, r, col, v, kind == table::NumberKind::Text ? nullptr : f.of(kind));
      } else if (!raw.empty() && kind == table::NumberKind::Text) {
        lx().worksheet_write_string(ws, r, col, raw.c_str(), nullptr);
        width[j] = std::max(width[j], std::min<std::size_t>(display_width(raw), 30));
      }
    }
    ++r;
  }
  set_widths(ws, width);
  lx().worksheet_freeze_panes(ws, 1, 0);
  lx().worksheet_autofilter(ws, 0, 0, r > 1 ? r - 1 : 0, static_cast<lxw_col_t>(cols.empty() ? 0 : cols.size() - 1));
}

} // namespace

namespace {
std::string xlsx_build(const std::vector<XlsxSheet>& sheets, const std::optional<XlsxSheet>& data, const XlsxOptions& o, bool all_data);
} // namespace

std::string xlsx_workbook(const std::vector<table::Table>& tables, const XlsxOptions& o) {
  std::vector<XlsxSheet> sheets;
  for (const auto& t : tables) sheets.push_back(XlsxSheet{t, t.id, false});
  XlsxOptions oo = o;
  // Legacy layout: every sheet a data sheet (ids as names); see xlsx_report.
  std::optional<XlsxSheet> none;
  std::set<std::string> names;
  for (const auto& s : sheets)
    if (!valid_sheet_name(s.name) || s.name == "about" || !names.insert(s.name).second)
      throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{}, s.name, Text{"シート名が不正か重複しています", "invalid or duplicate sheet name"},
                          Text{"31文字以内、[]:*?/\\ を含まない、about 以外", "1-31 characters without []:*?/\\, not \"about\""}, ""});
  return xlsx_build(sheets, none, oo, true);
}

std::string xlsx_report(const std::vector<XlsxSheet>& sheets, const std::optional<XlsxSheet>& data, const XlsxOptions& o) {
  return xlsx_build(sheets, data, o, false);
}

namespace {
std::string xlsx_build(const std::vector<XlsxSheet>& sheets, const std::optional<XlsxSheet>& data, const XlsxOptions& o, bool all_data) {
  const bool en = o.lang == Lang::En;
  const std::string about_name = o.about_name.empty() ? "about" : o.about_name;
  std::set<std::string> names;
  auto check_name = [&](const std::string& n) {
    if (!valid_sheet_name(n) || !names.insert(n).second)
      throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{}, n, Text{"シート名が不正か重複しています", "invalid or duplicate sheet name"},
                          Text{"31文字以内、[]:*?/\\ を含まない、ほかのシートと異なる名前", "1-31 characters without []:*?/\\, unlike the other sheets"}, ""});
  };
  for (const auto& s : sheets) check_name(s.name);
  if (data) check_name(data->name);
  if (!o.about.empty()) check_name(about_name);
  if (o.created <= 0) fail("created", std::to_string(o.created));
  (void)lx(); // E_IO_OPEN before anything is made when libxlsxwriter cannot be loaded
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
  lxw_workbook* wb = lx().workbook_new_opt(tmp.path.c_str(), &wo);
  if (!wb) fail("workbook_new", shown);

  std::string title = o.title, subject = o.subject, comments = o.comments, author = "hkstat";
  lxw_doc_properties props{};
  props.title = title.data();
  props.subject = subject.data();
  props.author = author.data();
  props.comments = comments.data();
  props.created = static_cast<time_t>(o.created);
  lx().workbook_set_properties(wb, &props);

  Formats f;
  f.title = lx().workbook_add_format(wb);
  lx().format_set_bold(f.title);
  lx().format_set_font_size(f.title, 12);
  f.bold = lx().workbook_add_format(wb);
  lx().format_set_bold(f.bold);
  f.header = lx().workbook_add_format(wb);
  lx().format_set_bold(f.header);
  lx().format_set_bottom(f.header, LXW_BORDER_THIN);
  lx().format_set_text_wrap(f.header);
  lx().format_set_align(f.header, LXW_ALIGN_CENTER);
  lx().format_set_align(f.header, LXW_ALIGN_VERTICAL_CENTER);
  f.group = lx().workbook_add_format(wb);
  lx().format_set_bold(f.group);
  lx().format_set_align(f.group, LXW_ALIGN_CENTER);
  lx().format_set_bottom(f.group, LXW_BORDER_HAIR);
  f.note = lx().workbook_add_format(wb);
  lx().format_set_font_size(f.note, 9);
  f.text = lx().workbook_add_format(wb);
  const std::string pct_code = o.percent_decimals > 0 ? "0." + std::string(static_cast<std::size_t>(o.percent_decimals), '0') + "%" : "0%";
  f.pct = lx().workbook_add_format(wb);
  lx().format_set_num_format(f.pct, pct_code.c_str());
  f.count = lx().workbook_add_format(wb);
  lx().format_set_num_format(f.count, "#,##0");
  f.se = lx().workbook_add_format(wb);
  lx().format_set_num_format(f.se, "0.0000");
  f.df = lx().workbook_add_format(wb);
  lx().format_set_num_format(f.df, "0.0");
  f.ratio = lx().workbook_add_format(wb);
  lx().format_set_num_format(f.ratio, "0.00");
  f.number = lx().workbook_add_format(wb);
  lx().format_set_num_format(f.number, "General");

  for (const auto& s : sheets) {
    lxw_worksheet* ws = lx().workbook_add_worksheet(wb, s.name.c_str());
    if (!ws) {
      lx().workbook_close(wb);
      fail("worksheet", s.name);
    }
    if (all_data)
      write_data_sheet(ws, s.table, f);
    else
      write_report_sheet(wb, ws, s, f, en);
  }
  if (data) {
    lxw_worksheet* ws = lx().workbook_add_worksheet(wb, data->name.c_str());
    if (!ws) {
      lx().workbook_close(wb);
      fail("worksheet", data->name);
    }
    write_data_sheet(ws, data->table, f);
  }
  if (!o.about.empty()) {
    lxw_worksheet* ws = lx().workbook_add_worksheet(wb, about_name.c_str());
    lxw_row_t r = 0;
    std::size_t kw = 10, vw = 20;
    for (const auto& [k, v] : o.about) {
      lx().worksheet_write_string(ws, r, 0, k.in(en).c_str(), f.bold);
      lx().worksheet_write_string(ws, r, 1, v.in(en).c_str(), nullptr);
      kw = std::max(kw, display_width(k.in(en)));
      vw = std::max(vw, std::min<std::size_t>(display_width(v.in(en)), 100));
      ++r;
    }
    lx().worksheet_set_column(ws, 0, 0, static_cast<double>(kw) + 2, nullptr);
    lx().worksheet_set_column(ws, 1, 1, static_cast<double>(vw) + 2, nullptr);
    lx().worksheet_set_paper(ws, 9);
  }
  const lxw_error err = lx().workbook_close(wb);
  if (err != LXW_NO_ERROR) fail(lx().lxw_strerror(err), shown);

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

} // namespace

void detail::load_xlsx_library(const std::string& library) { (void)open_xlsx(library); }

// "表3 年齢" (ja) / "Table 3 Age" (en): a valid sheet name (no []:*?/\\, at most 31 characters).
std::string xlsx_sheet_name(int number, const Text& title, bool en) {
  std::string name = fmt::format("{}{}", en ? "Table " : "表", number);
  std::string rest;
  for (char c : title.in(en)) rest += std::string("[]:*?/\\'").find(c) == std::string::npos ? c : ' ';
  std::size_t cps = 0;
  for (unsigned char c : name) cps += (c & 0xC0) != 0x80;
  std::string cut;
  std::size_t i = 0;
  for (; i < rest.size() && cps + 1 < 31;) { // one code point at a time
    std::size_t len = 1;
    while (i + len < rest.size() && (static_cast<unsigned char>(rest[i + len]) & 0xC0) == 0x80) ++len;
    cut += rest.substr(i, len);
    i += len;
    ++cps;
  }
  while (!cut.empty() && cut.back() == ' ') cut.pop_back();
  return cut.empty() ? name : name + " " + cut;
}

} // namespace hkstat::report
