// hkstat weight FILE --out OUT.csv — calibrate the weights of a survey to population tables and write
// the data with the new weight column, its codebook, and a diagnostics report (docs/cli.md "weight").
#include "commands/commands.hpp"
#include "common.hpp"
#include "design_options.hpp"

#include "hkstat/codebook/codebook.hpp"
#include "hkstat/codebook/data_file.hpp"
#include "hkstat/io/csv_reader.hpp"
#include "hkstat/io/text.hpp"
#include "hkstat/report/number_format.hpp"
#include "hkstat/report/weight_report.hpp"
#include "hkstat/table/number_format.hpp"
#include "hkstat/weights/apply.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <exception>
#include <fstream>
#include <memory>
#include <optional>
#include <iostream>
#include <sstream>
#include <sys/stat.h>
#include <unordered_map>

namespace hkstat::cli {

namespace {

// Split "a,b,c" (items trimmed; empty items are a usage error).
std::vector<std::string> split_list(const std::string& s, const char* option) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    const auto comma = s.find(',', start);
    const std::string item = io::trim(s.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (item.empty()) usage_error(fmt::format("{} に空の項目があります", option), fmt::format("{} has an empty item", option), s);
    out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::pair<double, double> parse_range(const std::string& s, const char* option) {
  const auto parts = split_list(s, option);
  std::optional<double> lo, hi;
  if (parts.size() == 2) {
    lo = io::parse_double(io::normalize_numeric(parts[0]));
    hi = io::parse_double(io::normalize_numeric(parts[1]));
  }
  if (!lo || !hi || !(*lo < *hi))
    usage_error(fmt::format("{} は 下限,上限 です（例: 0.5,2）", option), fmt::format("{} takes LOWER,UPPER (e.g. 0.5,2)", option), s);
  return {*lo, *hi};
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw Error(Problem{ErrorCode::IoCannotOpen, SourcePos{path, 0, 0, "", ""}, path, Text{"ファイルを開けません", "cannot open the file"}, Text{}, ""});
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// "\r\n" if the first line of the file ends with CR LF, else "\n".
std::string line_ending_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string buf(65536, '\0');
  in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
  buf.resize(static_cast<std::size_t>(in.gcount()));
  const auto nl = buf.find('\n');
  return nl != std::string::npos && nl > 0 && buf[nl - 1] == '\r' ? "\r\n" : "\n";
}

std::string toml_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04X}", static_cast<unsigned>(static_cast<unsigned char>(c)));
      continue;
    }
    out += c;
  }
  return out + "\"";
}

// The output codebook: the input codebook, the old weight variable's role line commented out (it keeps
// its column and type), and the new weight variable appended. Checked by parsing it back.
std::string output_codebook(const codebook::Codebook& cb, const std::string& cb_path, const std::string& weight_name, const Text& label) {
  std::string text = read_file(cb_path);
  if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) text.erase(0, 3);
  const codebook::Variable* old = cb.by_role(codebook::Role::Weight);
  const auto fail = [&](std::size_t line) {
    throw Error(Problem{ErrorCode::CodebookInvalid, SourcePos{cb_path, line, 0, "", old ? old->name : ""}, old ? old->name : "",
                        Text{"出力用のコードブックを作れません（元の重みの変数から role = \"weight\" を外せません）",
                             "cannot write the output codebook (cannot remove role = \"weight\" from the old weight variable)"},
                        Text{"元の重みの変数の role = \"weight\" を1行で書いてください", "write role = \"weight\" of the old weight variable on a line of its own"}, ""});
  };
  if (old) {
    // Lines of the old variable's table: from its [[variable]] line to the next table header.
    std::vector<std::string> lines;
    for (std::size_t start = 0; start <= text.size();) {
      const auto nl = text.find('\n', start);
      lines.push_back(text.substr(start, nl == std::string::npos ? std::string::npos : nl - start + 1));
      if (nl == std::string::npos) break;
      start = nl + 1;
    }
    std::size_t found = 0, at = 0;
    for (std::size_t i = old->line; i < lines.size(); ++i) { // lines[old->line] is the line after [[variable]]
      const std::string t = io::trim(lines[i]);
      if (!t.empty() && t[0] == '[') break;
      const auto eq = t.find('=');
      if (eq == std::string::npos || io::trim(t.substr(0, eq)) != "role") continue;
      std::string v = io::trim(t.substr(eq + 1));
      if (const auto hash = v.find('#'); hash != std::string::npos) v = io::trim(v.substr(0, hash));
      if (v == "\"weight\"" || v == "'weight'") {
        ++found;
        at = i;
      }
    }
    if (found != 1) fail(old->line);
    const std::string eol = lines[at].size() >= 2 && lines[at].compare(lines[at].size() - 2, 2, "\r\n") == 0 ? "\r\n" : "\n";
    lines[at] = fmt::format("# role = \"weight\"  # hkstat weight: 重みの役割は {} へ移した / the weight role moved to {}{}", weight_name, weight_name, eol);
    text.clear();
    for (const auto& l : lines) text += l;
  }
  text = codebook::without_data_file_table(text); // the input's own binding describes the input, not the output
  const std::string eol = text.find("\r\n") != std::string::npos ? "\r\n" : "\n";
  std::string out = fmt::format("# hkstat weight が書き出したコードブック: {} に重みの変数 {} を加えたもの{}", cb_path, weight_name, eol);
  out += fmt::format("# Written by hkstat weight: {} plus the weight variable {}{}", cb_path, weight_name, eol);
  out += text;
  if (!text.empty() && text.back() != '\n') out += eol;
  out += eol + "[[variable]]" + eol;
  out += "name = " + toml_string(weight_name) + eol;
  out += "role = \"weight\"" + eol;
  out += "type = \"number\"" + eol;
  out += "label = " + toml_string(label.ja) + eol;
  // Parse it back: the new variable must be the weight and every other variable unchanged.
  const codebook::Codebook check = codebook::parse_codebook(out, cb_path + " (hkstat weight)");
  const codebook::Variable* w = check.by_role(codebook::Role::Weight);
  if (!w || w->name != weight_name || check.variables.size() != cb.variables.size() + 1 || check.all_by_role(codebook::Role::Weight).size() != 1)
    fail(old ? old->line : 0);
  return out;
}

} // namespace

int run_weight(const std::vector<std::string>& args) {
  CommonOptions o;
  std::string method, count_column, base_weight, weight_name, unmatched, response, nonresponse_cells, trim, bounds, diagnostics;
  std::vector<std::string> tables, bands;
  double epsilon = 0;
  int max_iter = 0;
  bool trim_strict = false;
  OptionBinder b("weight");
  add_common_options(b, o);
  b("method", &method);
  b("population-table", &tables);
  b("count-column", &count_column);
  b("base-weight", &base_weight);
  b("weight-name", &weight_name);
  b("band", &bands);
  b("response", &response);
  b("nonresponse-cells", &nonresponse_cells);
  b("unmatched", &unmatched);
  b("epsilon", &epsilon);
  b("max-iter", &max_iter);
  b("bounds", &bounds);
  b("trim", &trim);
  b("trim-strict", &trim_strict);
  b("diagnostics", &diagnostics);
  b.positional("input", &o.input);
  const po::variables_map vm = b.parse(args);
  if (o.input.empty())
    usage_error("データファイルを指定してください: hkstat weight survey.csv --out weighted.csv", "give a data file: hkstat weight survey.csv --out weighted.csv");
  if (o.out.empty() || o.out == "-")
    usage_error("出力ファイルを --out で指定してください（重みの列を加えたデータ）", "give the output file with --out (the data with the weight column)", o.out);
  const Format format = o.output_format();

  const std::string codebook_out = config::sibling_path(o.out, "codebook.toml");
  run_outputs().declare_file(o.out, "--out");
  run_outputs().declare_file(codebook_out, "--out (codebook)");
  run_outputs().declare_file(diagnostics, "--diagnostics");
  for (const auto& t : tables) run_outputs().add_input(weights::parse_table_arg(t).path);
  Sources src = resolve_sources(o, {});

  // The specification: [weighting] of the run configuration, then the command line.
  weights::WeightingSpec spec = src.config.weighting.value_or(weights::WeightingSpec{});
  if (!method.empty()) spec.method = weights::parse_method(method);
  if (!tables.empty()) {
    spec.tables.clear();
    for (const auto& t : tables) spec.tables.push_back(weights::parse_table_arg(t));
  }
  if (!count_column.empty()) spec.count_column = count_column;
  if (!base_weight.empty()) spec.base_weight = base_weight;
  if (!weight_name.empty()) spec.weight_name = weight_name;
  for (const auto& band : bands) {
    weights::BandVariable bv = weights::parse_band_variable(band, "--band");
    std::erase_if(spec.bands, [&](const weights::BandVariable& x) { return x.name == bv.name; });
    spec.bands.push_back(std::move(bv));
  }
  if (!response.empty()) {
    weights::ResponseSpec rs;
    const auto eq = response.find('=');
    rs.variable = io::trim(response.substr(0, eq));
    if (eq != std::string::npos) {
      rs.codes.clear();
      for (const auto& c : split_list(response.substr(eq + 1), "--response")) {
        const auto v = io::parse_integer(io::normalize_numeric(c));
        if (!v) usage_error("--response の値は整数です（例: 回答状況=1,2）", "--response values are integers (e.g. responded=1,2)", c);
        rs.codes.push_back(*v);
      }
    }
    if (spec.response) rs.cells = spec.response->cells;
    spec.response = std::move(rs);
  }
  if (!nonresponse_cells.empty()) {
    if (!spec.response)
      usage_error("--nonresponse-cells には回答の有無の変数（--response または [weighting.response]）が必要です",
                  "--nonresponse-cells needs a response variable (--response or [weighting.response])", nonresponse_cells);
    spec.response->cells = split_list(nonresponse_cells, "--nonresponse-cells");
  }
  if (!unmatched.empty()) {
    if (unmatched == "error") spec.unmatched = weights::Unmatched::Error;
    else if (unmatched == "drop") spec.unmatched = weights::Unmatched::Drop;
    else usage_error("--unmatched は error か drop です", "--unmatched must be error or drop", unmatched);
  }
  if (vm.count("epsilon")) {
    if (!(epsilon > 0 && epsilon < 1)) usage_error("--epsilon は 0 と 1 の間です", "--epsilon must be between 0 and 1", fmt::format("{}", epsilon));
    spec.epsilon = epsilon;
  }
  if (vm.count("max-iter")) {
    if (max_iter < 1 || max_iter > 100000) usage_error("--max-iter は 1～100000 です", "--max-iter must be 1-100000", std::to_string(max_iter));
    spec.max_iter = max_iter;
  }
  if (!bounds.empty()) {
    spec.bounds = parse_range(bounds, "--bounds");
    if (!(spec.bounds->first < 1 && 1 < spec.bounds->second))
      usage_error("--bounds は 下限 < 1 < 上限 です", "--bounds needs lower < 1 < upper", bounds);
  }
  if (!trim.empty()) {
    spec.trim = parse_range(trim, "--trim");
    if (spec.trim->first < 0) usage_error("--trim の下限は 0 以上です", "--trim: the lower bound must be >= 0", trim);
  }
  if (trim_strict) spec.trim_strict = true;
  if (spec.method != weights::WeightingMethod::Linear && spec.bounds)
    usage_error("bounds（--bounds）は linear のときだけ使えます", "bounds (--bounds) apply to method linear only", weights::method_name(spec.method));
  if (spec.method != weights::WeightingMethod::None && spec.tables.empty())
    usage_error("母集団の表を --population-table FILE または [weighting] population_tables で指定してください",
                "give population tables with --population-table FILE or population_tables in [weighting]", weights::method_name(spec.method));

  // Supplied replicate weights were made for the old weights: the output codebook would carry them under the new
  // weight, and estimate would use them as they are. Re-weighting replicates is not built (docs/cli.md).
  if (src.codebook.replicates)
    throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{src.codebook_path, src.codebook.replicates->line, 0, "", "replicates"}, "",
                        Text{"コードブックに [replicates]（反復重み）があります。反復重みの再重み付けは未実装です",
                             "the codebook has [replicates] (replicate weights); re-weighting replicate weights is not built"},
                        Text{"[replicates] と role = \"replicate\" の変数を除いたコードブックで重み付けする",
                             "weight with a codebook without [replicates] and the role-replicate variables"},
                        ""});
  // A count column (role count: one row stands for that many people) cannot be weighted row by row: the people of a
  // row share it, and the output codebook would pair the count with a weight, which every command refuses (a count
  // is not a sampling weight). `estimate`, `tabulate` and `report --calibrate` weight the people themselves.
  refuse_count_column(src, Text{"重みの列", "a weight column"});
  // Never overwrite an input (the output policy, checked again with the tables of the configuration);
  // the new column must not clash with a column of the data or codebook.
  for (const auto& t : spec.tables) run_outputs().add_input(t.path);
  check_outputs();
  // The new column must not clash with a column of the data (its header, read in the data's encoding).
  const auto check_weight_name = [&](io::CsvReader& reader) {
    for (const auto& h : reader.header())
      if (h == spec.weight_name)
        usage_error(fmt::format("重みの列名 {} はデータにすでにあります。--weight-name で別の名前を指定してください", spec.weight_name),
                    fmt::format("the data already has a column {}; choose another name with --weight-name", spec.weight_name), spec.weight_name);
  };
  for (const auto& v : src.codebook.variables)
    for (const auto& c : v.csv_columns())
      if (v.name == spec.weight_name || c == spec.weight_name)
        usage_error(fmt::format("重みの列名 {} はコードブックですでに使われています。--weight-name で別の名前を指定してください", spec.weight_name),
                    fmt::format("the codebook already uses the name {}; choose another name with --weight-name", spec.weight_name), spec.weight_name);

  // The data: the input's records (UTF-8, the input's line ending) with the weight appended; rows of
  // weight 0 (nonrespondents, unmatched) and rows left out by --rejects are not written.
  std::string eol; // the input's, read once pass 1 has read it (standard input: from its copy)
  const auto header_line = [&](const io::CsvReader& reader) {
    std::vector<std::string> head;
    for (const auto& h : reader.header()) head.push_back(report::csv_escape(h));
    head.push_back(report::csv_escape(spec.weight_name));
    return "\xEF\xBB\xBF" + fmt::format("{}", fmt::join(head, ",")) + eol;
  };
  // A record's text (its physical lines joined by the input's line ending), then the weight (nothing made a row).
  const auto append_row = [&](std::string& out, const io::RecordView& rec, double w) {
    if (eol == "\n" || rec.raw.find('\n') == std::string_view::npos) {
      out.append(rec.raw);
    } else {
      std::string raw(rec.raw);
      for (auto p = raw.find('\n'); p != std::string::npos; p = raw.find('\n', p + eol.size())) raw.replace(p, 1, eol);
      out += raw;
    }
    out += ',';
    table::append_raw(out, w);
    out += eol;
  };

  const codebook::Codebook& cb = src.codebook;
  const std::string cb_path = src.codebook_path;
  weights::WeightingResult res;
  std::size_t written = 0, rows_read = 0, rows_rejected = 0;
  std::string digest;
  // Every method in passes over the file, memory in the combinations of cells (weights::WeightingStream): with
  // nonresponse cells one more pass first, with trimming a pass per trimming pass after the fit.
  {
    // Standard input or a FIFO: copied as pass 1 reads it, the later passes and the records from the copy.
    read_more_than_once(o, src);
    // The passes up to the fitted weights, as the --calibrate commands run them (weighting_passes: pass 1, with
    // nonresponse cells a second reading, the fit, a pass per trimming pass). The output's column name is checked once
    // pass 1 has read the data (its rows with invalid values are reported first).
    std::optional<io::CsvReader> reader_slot;
    WeightingPasses passes = weighting_passes(o, src, spec, 2, std::cerr, {}, [](const data::Dataset&) {}, [&](const StreamedMeta& m) {
      const RereadInput in = reread_source(o, src);
      io::CsvOptions copts;
      copts.encoding = io::parse_encoding(m.meta.encoding);
      reader_slot.emplace(in.path, copts, io::CsvSource{in.display, {}});
      check_weight_name(*reader_slot);
      eol = line_ending_of(in.path);
    });
    const StreamedMeta& meta = passes.meta;
    io::CsvReader& reader = *reader_slot;
    weights::WeightingStream* ws = passes.stream.get();
    rows_read = meta.rows + meta.rows_rejected;
    rows_rejected = meta.rows_rejected;

    // Pass 2: each row's weight, written with its record (read alongside by line) to the staged file. Only the
    // record's text is written, so a line without a quote is not split into fields (RecordsAlongside).
    StagedDataFile file(o.out, "--out");
    file.buffer() = header_line(reader);
    RecordsAlongside records(reader, false, o.input);
    std::vector<double> w;
    std::vector<weights::RowStatus> status;
    // The output pass reads the batches again without reporting rejected rows (the first pass did).
    reread_input(o, src, 2, [&](const data::Dataset& ds) {
      ws->weigh(ds, w, status);
      for (std::size_t i = 0; i < ds.rows(); ++i) {
        const io::RecordView& rec = records.at(ds.lines[i]);
        if (status[i] != weights::RowStatus::Weighted) continue;
        append_row(file.buffer(), rec, w[i]);
        ++written;
      }
      file.maybe_flush();
    });
    digest = file.finish();
    res = ws->finish();
    // (finish() checks that pass 2 saw as many rows as pass 1; each row's record was matched by its line above.)
  }

  const Text label{fmt::format("較正ウェイト（hkstat weight: {}）", weights::method_name(spec.method)),
                   fmt::format("calibrated weight (hkstat weight: {})", weights::method_name(spec.method))};
  // The codebook records the SHA-256 and row count of the CSV it describes ([data_file]): a pair that was not
  // published together (a crash between the two renames) is refused by every command instead of being misread.
  const std::string cb_text = output_codebook(cb, cb_path, spec.weight_name, label) +
                              codebook::data_file_table_of_digest(digest, static_cast<long long>(written), version_string() + " weight");

  report::WeightReportOptions ropt;
  ropt.input = io::input_display_name(o.input); // "<stdin>" for -
  ropt.rows_read = rows_read;
  ropt.rejected_rows = rows_rejected;
  ropt.rejects_file = o.rejects;
  ropt.output = o.out;
  ropt.codebook_out = codebook_out;
  ropt.weight_name = spec.weight_name;
  ropt.version = version_string();
  std::string report_text;
  switch (format) {
  case Format::Csv: report_text = (o.bom ? "\xEF\xBB\xBF" : "") + report::render_csv(report::weight_table(res)); break;
  case Format::Markdown: report_text = report::render_markdown(report::weight_document(res, spec, ropt), o.language()); break;
  case Format::Text: report_text = report::render_text(report::weight_document(res, spec, ropt), o.language()); break;
  }

  // Staged: published together after the run (each to its temporary file first; the data were staged above).
  run_outputs().stage_file(codebook_out, cb_text, "--out (codebook)");
  if (!diagnostics.empty()) run_outputs().stage_file(diagnostics, report_text, "--diagnostics");
  else stage_stdout(report_text);
  return kExitOk;
}

} // namespace hkstat::cli
