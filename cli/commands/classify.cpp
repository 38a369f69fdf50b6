// hkstat classify FILE — each respondent's class and deciding rule, plus the exclusion audit.
//
// Streamed (issue 12 defect 10, issue 16): the file is read in batches (stream_input), each batch is
// classified and its respondents' lines are written at once — CSV straight to the output, the text and
// Markdown tables (which come after the summary, and whose text columns are padded to the widest cell) to an
// unnamed temporary file (io::Spool) that is copied out at the end. Rejected rows go to --rejects as they
// are read. Memory does not grow with the rows; the output is byte for byte what the in-memory path gave.
#include "commands/commands.hpp"

#include "hkstat/roster/member_source.hpp"
#include "hkstat/roster/persons.hpp"
#include "common.hpp"

#include "hkstat/classify/classify.hpp"
#include "hkstat/io/spool.hpp"
#include "hkstat/report/estimate_report.hpp"
#include "hkstat/table/csv_cells.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <exception>
#include <iostream>
#include <optional>

namespace hkstat::cli {

namespace {

// Where the command's output goes: the staged --out file (written as it goes), or standard output (spooled).
class Sink {
public:
  explicit Sink(const CommonOptions& o) {
    if (!o.out.empty() && o.out != "-") file_ = &run_outputs().stage_stream(o.out, "--out");
  }
  void write(std::string_view s) {
    if (file_ != nullptr) file_->write(s);
    else stdout_spool().write(s);
  }

private:
  io::AtomicFile* file_ = nullptr;
};

} // namespace

int run_classify(const std::vector<std::string>& args) {
  CommonOptions o;
  std::string rules, audit_out;
  bool members = false;
  OptionBinder b("classify");
  add_common_options(b, o);
  b("rules", &rules);
  b("members", &members);
  b("audit-out", &audit_out);
  b.positional("input", &o.input);
  const po::variables_map vm = b.parse(args);
  if (o.input.empty()) usage_error("データファイルを指定してください: hkstat classify survey.csv", "give a data file: hkstat classify survey.csv");
  const Format format = o.output_format();
  const bool en = o.language() == Lang::En;

  run_outputs().declare_file(audit_out, "--audit-out");
  run_outputs().add_input(rules);
  const Sources src = resolve_sources(o, {codebook::Role::Outing, codebook::Role::Duration});
  const std::string rule_spec = !rules.empty() ? rules : src.config.ruleset.value_or(classify::kDefaultRuleSet);

  // The rule-set is read and bound to the codebook at the first batch; an error there is raised after the
  // whole file has been read, so that data problems are reported first (as when the file was read whole).
  std::optional<classify::Classification> totals;
  std::exception_ptr rules_error;
  auto bind = [&](const data::Dataset& ds) -> std::optional<classify::Classification> {
    if (rules_error) return std::nullopt;
    try {
      if (!totals) {
        totals.emplace();
        totals->ruleset = classify::resolve_ruleset(rule_spec);
      }
      return classify::classify(ds, totals->ruleset);
    } catch (const Error&) {
      rules_error = std::current_exception();
      return std::nullopt;
    }
  };

  // The respondent table of the in-memory path, without rows: its columns and title.
  std::optional<roster::MemberSource> member_source; // --members
  std::optional<report::Table> shape;
  std::optional<Sink> out;
  std::size_t members_listed = 0, members_out_of_age = 0;
  io::Spool rows_spool("<classify rows>");
  // CSV: the end of a row (",class,rule\n") for each decision written so far, by class, then reason or rule.
  constexpr std::size_t kReasons = static_cast<std::size_t>(classify::Reason::DurationMissing) + 1;
  std::vector<std::string> csv_tails;
  std::vector<char> decision_seen; // text: the decisions whose class and rule cells are in `width` already
  std::vector<std::size_t> width(4, 0);
  auto add = [&](const data::Dataset& batch) {
    std::optional<classify::Classification> cls = bind(batch);
    if (!cls) return;
    if (!shape) {
      shape = report::respondent_table(data::Dataset{}, classify::Classification{}); // no rows: the columns and title
      for (std::size_t i = 0; i < 4; ++i) width[i] = report::display_width(shape->columns[i].header.in(en));
    }
    if (!out) {
      out.emplace(o);
      if (format == Format::Csv) out->write((o.bom ? "\xEF\xBB\xBF" : "") + report::render_csv(*shape));
    }
    const data::Column* idc = batch.column(codebook::Role::Id);
    std::string text;
    // --members: the batch's members (roster::MemberSource: a wide roster's from the batch, a long roster's from the
    // member file read first), each after its respondent.
    std::optional<roster::PersonsData> persons;
    if (members) {
      const roster::Members mem = member_source->of_batch(batch);
      const classify::Classification mcls = classify::classify(mem.data, cls->ruleset);
      persons = roster::persons_data(batch, &*cls, mem, &mcls);
      members_listed += persons->members;
      members_out_of_age += persons->members_out_of_age;
    }
    const data::Column* pid = persons ? persons->data.column(codebook::Role::Id) : nullptr;
    std::size_t next_member = 0;
    // A row's cells appended to `text` without temporaries where the format allows (CSV: a million respondents
    // are a million rows; docs/performance.md, "Fifteenth session").
    const auto emit_row = [&](std::string_view id, std::string_view line, const classify::Decision& d) {
      const std::string_view rule =
          d.reason == classify::Reason::Excluded ? std::string_view(cls->ruleset.rules[static_cast<std::size_t>(d.rule)].id) : classify::reason_id(d.reason);
      // The decision's number (by class, then reason or rule): what depends on the decision alone is worked out
      // once for each decision met.
      const std::size_t which = static_cast<std::size_t>(d.cls) * (kReasons + cls->ruleset.rules.size()) +
                                (d.reason == classify::Reason::Excluded ? kReasons + static_cast<std::size_t>(d.rule) : static_cast<std::size_t>(d.reason));
      if (which >= decision_seen.size()) {
        decision_seen.resize(which + 1, 0);
        csv_tails.resize(which + 1);
      }
      switch (format) {
      case Format::Csv: {
        // The id as csv_cell writes it; the line number (digits: nothing to quote); then ",class,rule\n".
        table::append_csv_cell(text, id);
        text += ',';
        text.append(line);
        std::string& tail = csv_tails[which];
        if (tail.empty()) {
          tail += ',';
          table::append_csv_cell(tail, classify::class_id(d.cls));
          tail += ',';
          table::append_csv_cell(tail, rule);
          tail += '\n';
        }
        text += tail;
        break;
      }
      case Format::Markdown:
        text += "| " + report::md_text(std::string(id)) + " | " + report::md_text(std::string(line)) + " | " +
                report::md_text(classify::class_label(d.cls, en)) + " | " + report::md_text(std::string(rule)) + " |\n";
        break;
      case Format::Text: {
        const std::string_view label = classify::class_label(d.cls, en);
        width[0] = std::max(width[0], report::display_width(id));
        width[1] = std::max(width[1], line.size());
        if (decision_seen[which] == 0) {
          decision_seen[which] = 1;
          width[2] = std::max(width[2], report::display_width(label));
          width[3] = std::max(width[3], report::display_width(rule));
        }
        // Four cells, each ended by NUL (no cell holds one: the reader refuses NUL bytes).
        for (const std::string_view cell : {id, line, label, rule}) {
          text.append(cell);
          text += '\0';
        }
        break;
      }
      }
    };
    // A line number's digits in a buffer of the row's (no string a row).
    const auto digits = [](std::array<char, 24>& buf, std::size_t n) {
      return std::string_view(buf.data(), static_cast<std::size_t>(std::to_chars(buf.data(), buf.data() + buf.size(), n).ptr - buf.data()));
    };
    std::array<char, 24> lbuf{}, mbuf{};
    for (std::size_t r = 0; r < batch.rows(); ++r) {
      // Respondent r, then (--members) the members it reported.
      const std::string_view line = digits(lbuf, batch.lines[r]);
      emit_row(idc ? std::string_view(idc->ids[r]) : line, line, cls->rows[r]);
      while (persons && next_member < persons->members && persons->member_respondent[next_member] == r) {
        const std::size_t k = persons->respondents + next_member++;
        const std::string_view mline = digits(mbuf, persons->data.lines[k]);
        emit_row(pid ? std::string_view(pid->ids[k]) : mline, mline, persons->cls.rows[k]);
      }
    }
    if (format == Format::Csv) out->write(text);
    else rows_spool.write(text);
    totals->absorb(*cls);
  };

  StreamedMeta meta;
  if (members) { // streamed too: a long roster's member file is read first (MemberSource), bounded by the members
    if (!src.codebook.roster)
      usage_error(fmt::format("--members には家族票（コードブックの [roster]）が必要です。{} にはありません", src.codebook.path),
                  fmt::format("--members needs a household roster (the codebook's [roster]); {} has none", src.codebook.path));
    member_source.emplace(src.codebook);
  }
  meta = stream_input(o, src, 2, std::cerr, {}, add, /*allow_no_rows=*/true);
  if (member_source && !rules_error) member_source->check_found(meta.meta.source);
  const data::Dataset& meta_data = meta.meta;
  if (rules_error) std::rethrow_exception(rules_error);
  if (!totals) { // no valid rows: bind the rule-set to the codebook all the same (its errors are the same)
    std::optional<classify::Classification> cls = bind(meta_data);
    if (rules_error) std::rethrow_exception(rules_error);
    totals->absorb(*cls);
  }
  if (!shape) {
    shape = report::respondent_table(data::Dataset{}, classify::Classification{});
    for (std::size_t i = 0; i < 4; ++i) width[i] = report::display_width(shape->columns[i].header.in(en));
  }
  if (!out) {
    out.emplace(o);
    if (format == Format::Csv) out->write((o.bom ? "\xEF\xBB\xBF" : "") + report::render_csv(*shape));
  }

  if (!audit_out.empty())
    run_outputs().stage_file(audit_out, (o.bom ? "\xEF\xBB\xBF" : "") + report::render_csv(report::audit_table(*totals)), "--audit-out");
  if (format == Format::Csv) return kExitOk;

  report::DisplayOptions dopt;
  dopt.version = version_string();
  report::Document doc = report::classification_document(meta_data, *totals, dopt);
  if (members)
    doc.notes.push_back(Text{fmt::format("--members: 回答者が答えた同居家族 {}人を「回答者ID-m番号」（横持ちの家族票では家族n の n）の行で、その回答者の次に併記しました"
                                         "（調査対象の年齢の外の家族 {}人は除く）。上の集計は回答者のみです。",
                                         members_listed, members_out_of_age),
                             fmt::format("--members: the {} household members the respondents reported are listed as rows \"RESPID-mN\" (N = the "
                                         "column group 家族N of a wide roster) after their respondent ({} members outside the survey's age range "
                                         "left out); the counts above are of respondents only.",
                                         members_listed, members_out_of_age)});
  if (format == Format::Markdown) {
    // The respondent table is the last one and nothing follows it: the head, then the streamed rows.
    doc.tables.push_back(*shape);
    out->write(report::render_markdown(doc, o.language()));
    rows_spool.replay([&](std::string_view piece) { out->write(piece); });
    return kExitOk;
  }
  // Text: render_text's layout for the respondent table, padded to the widest cell of each column.
  out->write(report::render_text(doc, o.language()));
  // A row of four cells: each padded to its column's width, two spaces between, no trailing spaces.
  // The class and rule cells repeat a few texts: each column's last one and its width are kept.
  std::array<std::string, 4> last_cell;
  std::array<std::size_t, 4> last_width{};
  const auto append_line = [&](std::string& to, const std::array<std::string_view, 4>& cells) {
    const std::size_t start = to.size();
    for (std::size_t i = 0; i < 4; ++i) {
      if (i > 0) to += "  ";
      std::size_t w = 0;
      if (i < 2) {
        w = report::display_width(cells[i]);
      } else if (cells[i] == last_cell[i]) {
        w = last_width[i];
      } else {
        w = last_width[i] = report::display_width(cells[i]);
        last_cell[i].assign(cells[i]);
      }
      const std::size_t fill = w >= width[i] ? 0 : width[i] - w;
      if (shape->columns[i].align == report::Align::Left) {
        to.append(cells[i]);
        to.append(fill, ' ');
      } else {
        to.append(fill, ' ');
        to.append(cells[i]);
      }
    }
    while (to.size() > start && to.back() == ' ') to.pop_back();
    to += '\n';
  };
  std::string head = "\n" + shape->title.in(en) + "\n";
  std::array<std::string, 4> headers;
  for (std::size_t i = 0; i < 4; ++i) headers[i] = shape->columns[i].header.in(en);
  append_line(head, {headers[0], headers[1], headers[2], headers[3]});
  std::size_t total = 0;
  for (std::size_t i = 0; i < 4; ++i) total += width[i] + 2;
  head += std::string(total > 2 ? total - 2 : 0, '-') + "\n";
  out->write(head);
  // The spooled rows come back in pieces that may end inside a row: its start is kept (carry) until the piece
  // that ends it.
  std::string carry, text;
  const auto rows_of = [&](std::string_view bytes) { // whole rows of `bytes` to text; how many bytes they took
    std::size_t at = 0;
    for (;;) {
      std::array<std::string_view, 4> cells;
      std::size_t from = at;
      std::size_t k = 0;
      for (; k < 4; ++k) {
        const std::size_t nul = bytes.find('\0', from);
        if (nul == std::string_view::npos) break;
        cells[k] = bytes.substr(from, nul - from);
        from = nul + 1;
      }
      if (k < 4) return at;
      append_line(text, cells);
      at = from;
    }
  };
  rows_spool.replay([&](std::string_view piece) {
    text.clear();
    if (!carry.empty()) { // the row begun in the pieces before: completed from this one (a row holds four NULs)
      std::size_t need = 0, nuls = static_cast<std::size_t>(std::count(carry.begin(), carry.end(), '\0'));
      for (; nuls < 4 && need < piece.size(); ++need) nuls += piece[need] == '\0';
      carry.append(piece.substr(0, need));
      piece.remove_prefix(need);
      if (nuls < 4) return; // still not ended
      rows_of(carry);
      carry.clear();
    }
    const std::size_t used = rows_of(piece);
    carry.assign(piece.substr(used));
    out->write(text);
  });
  return kExitOk;
}

} // namespace hkstat::cli
