// hkstat replicate FILE --type jk1|jkn|bootstrap|subbootstrap|brr|fay --out OUT.csv — replicate weights from
// the design in the codebook (roles weight, stratum, psu, fpc), written as new columns after the input's
// (docs/cli.md "hkstat replicate"; formulas docs/estimation.md "Replicate weights").
//
// Reads the file in two passes, memory flat in the rows (docs/performance.md, "Sixteenth session, repstream"): pass 1
// the first-stage units (estimate::ReplicateWeightsStream), the multipliers drawn once (PSUs × R); pass 2 writes each
// kept record with its replicate weights to the staged OUT.csv as it reads. Writes two files, each atomically and only
// if the run succeeds:
//   OUT.csv                the valid input rows, every input column as read (UTF-8), then PREFIX1..PREFIXR
//   OUT.codebook.toml      the input codebook plus one [[variable]] per replicate column (role replicate) and
//                          the [replicates] table (type, scale, rscales, mse, rho; docs/codebook.md), so that
//                          `hkstat estimate OUT.csv` uses the replicates without --replicates
#include "commands/commands.hpp"
#include "common.hpp"

#include "hkstat/codebook/codebook.hpp"
#include "hkstat/codebook/data_file.hpp"
#include "hkstat/estimate/design.hpp"
#include "hkstat/estimate/replicates.hpp"
#include "hkstat/estimate/replicates_stream.hpp"
#include "hkstat/io/csv_reader.hpp"
#include "hkstat/io/text.hpp"
#include "hkstat/report/table.hpp"
#include "hkstat/table/csv_cells.hpp"
#include "hkstat/table/number_format.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

namespace hkstat::cli {

namespace {

// More columns than this are refused: JK1/JKn make one per PSU, which without a psu variable is one per row.
constexpr std::size_t kMaxReplicates = estimate::kMaxReplicates;

// A TOML float (always with a '.' or an exponent, so that it reads back as a float), shortest round-trip.
std::string toml_float(double v) {
  std::string s = fmt::format("{}", v);
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

std::string toml_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw Error(Problem{ErrorCode::IoCannotOpen, SourcePos{path, 0, 0, "", ""}, path,
                        Text{"コードブックを読めません", "cannot read the codebook"}, Text{}, ""});
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

} // namespace

int run_replicate(const std::vector<std::string>& args) {
  CommonOptions o;
  std::string type, lonely = "fail", prefix = "rep";
  std::size_t replicates = 0;
  std::uint64_t seed = 1;
  double rho = 0.5;
  // --replicates TYPE means the type, as in estimate and tabulate; a whole number there is the old spelling of
  // --replicates-n N (documented alias, kept for scripts).
  std::string replicates_arg;
  OptionBinder b("replicate");
  add_common_options(b, o);
  b("type", &type);
  b("replicates", &replicates_arg);
  b("replicates-n", &replicates);
  b("seed", &seed);
  b("rho", &rho);
  b("lonely-psu", &lonely);
  b("prefix", &prefix);
  b.positional("input", &o.input);
  const po::variables_map vm = b.parse(args);
  bool count_given = vm.count("replicates-n") > 0;
  if (!replicates_arg.empty()) {
    if (replicates_arg.find_first_not_of("0123456789") == std::string::npos) {
      const auto n = io::parse_integer(replicates_arg);
      if (count_given) usage_error("--replicates N（旧い書き方）と --replicates-n は同時に使えません", "--replicates N (the old spelling) and --replicates-n cannot be combined", replicates_arg);
      if (!n || *n < 0) usage_error("--replicates-n は整数です", "--replicates-n must be a whole number", replicates_arg);
      replicates = static_cast<std::size_t>(*n);
      count_given = true;
    } else {
      if (!type.empty() && type != replicates_arg)
        usage_error(fmt::format("--type {} と --replicates {} が違います（--replicates は --type と同じ意味です）", type, replicates_arg),
                    fmt::format("--type {} and --replicates {} differ (--replicates means the same as --type)", type, replicates_arg), replicates_arg);
      type = replicates_arg;
    }
  }
  if (o.input.empty())
    usage_error("データファイルを指定してください: hkstat replicate survey.csv --type jkn --out rep.csv",
                "give a data file: hkstat replicate survey.csv --type jkn --out rep.csv");
  if (type.empty())
    usage_error("--type を指定してください (jk1, jkn, bootstrap, subbootstrap, brr, fay)",
                "give --type (jk1, jkn, bootstrap, subbootstrap, brr, fay)");
  if (o.out.empty() || o.out == "-")
    usage_error("--out で出力ファイル (CSV) を指定してください", "give the output CSV file with --out", o.out);
  const bool random = type == "bootstrap" || type == "subbootstrap";
  if (!random && type != "jk1" && type != "jkn" && type != "brr" && type != "fay")
    usage_error("--type は jk1, jkn, bootstrap, subbootstrap, brr, fay のいずれかです",
                "--type must be jk1, jkn, bootstrap, subbootstrap, brr or fay", type);
  if (!random && (count_given || vm.count("seed")))
    usage_error(
        "--replicates-n と --seed は bootstrap と subbootstrap だけで使えます (ほかの種類では反復の数は設計で決まります)",
        "--replicates-n and --seed apply to bootstrap and subbootstrap only (other types get their count from the "
        "design)");
  if (vm.count("rho") && type != "fay")
    usage_error("--rho は --type fay だけで使えます", "--rho applies to --type fay only");
  if (prefix.empty()) usage_error("--prefix が空です", "--prefix is empty");
  if (random && replicates == 0) replicates = 200;
  const estimate::LonelyPsu policy = estimate::parse_lonely_psu(lonely);
  const bool en = o.language() == Lang::En;

  const std::string codebook_out = config::sibling_path(o.out, "codebook.toml");
  run_outputs().declare_file(o.out, "--out");
  run_outputs().declare_file(codebook_out, "--out (codebook)");
  Sources src = resolve_sources(o, {});
  refuse_count_column(src, Text{"反復重みの列", "replicate-weight columns"}); // its whole path failed on one (E_INTERNAL)
  // Pass 1 (the streamed read every command shares: ingest errors, warnings and rejected rows as load_sources gives
  // them): the first-stage units and which PSUs have weight. Memory: the PSUs, flat in the rows.
  read_more_than_once(o, src); // standard input or a FIFO: copied as pass 1 reads it, pass 2 reads the copy
  estimate::ReplicateWeightsStream stream(io::input_display_name(o.input));
  const StreamedMeta meta = stream_input(o, src, 2, std::cerr, {}, [&](const data::Dataset& ds) { stream.add(ds); }, true);
  const std::size_t rows = stream.rows();
  if (random && (replicates > kMaxReplicates || replicates < 2))
    usage_error(fmt::format("--replicates-n は 2 以上 {} 以下にしてください", kMaxReplicates),
                fmt::format("--replicates-n must be between 2 and {}", kMaxReplicates), std::to_string(replicates));
  (void)stream.layout(); // the first stage in canonical order (no rows, its fpc errors), before the count and the warning below
  if ((type == "jk1" || type == "jkn") && stream.psus() > kMaxReplicates) {
    // Count the replicates before making them (one per PSU for the jackknives).
    const std::size_t psus = stream.psus();
    usage_error(
        fmt::format("PSUが {} あり、{} の反復重みが {}列になります (上限 {})。psu の変数を指定するか --type "
                    "bootstrap を使ってください",
                    psus, type, psus, kMaxReplicates),
        fmt::format(
            "{} PSUs would give {} {} replicate columns (limit {}): declare a psu variable or use --type bootstrap",
            psus, psus, type, kMaxReplicates),
        type);
  }
  if ((type == "brr" || type == "fay") && src.codebook.by_role(codebook::Role::Fpc))
    std::cerr << (en ? "warning: BRR and Fay replicates ignore the fpc (as R's as.svrepdesign)\n"
                     : "警告: BRR と Fay の反復重みは有限母集団修正 (fpc) を使いません (R の as.svrepdesign と同じ)\n");
  // The multipliers, PSUs × R, drawn once (make_multipliers, as make_jk1 ... make_brr draw them).
  estimate::ReplicateRequest request{*estimate::parse_created_replicates(type), replicates, seed};
  request.fay_rho = rho;
  stream.make(policy, request);
  const estimate::ReplicateDesign& rd = stream.design();
  const std::size_t R = rd.replicates();

  // The input rows as read, kept where ingest kept them (rows left out with --rejects are not written).
  io::CsvOptions copt;
  copt.encoding = io::parse_encoding(meta.meta.encoding);
  const RereadInput again = reread_source(o, src);
  io::CsvReader reader(again.path, copt, io::CsvSource{again.display, {}});
  const std::vector<std::string> header = reader.header();
  std::vector<std::string> names;
  const std::set<std::string> taken(header.begin(), header.end());
  for (std::size_t r = 0; r < R; ++r) {
    names.push_back(fmt::format("{}{}", prefix, r + 1));
    if (taken.count(names.back()) || src.codebook.by_name(names.back()))
      usage_error(fmt::format("列名 {} はすでに使われています。--prefix で別の名前を指定してください", names.back()),
                  fmt::format("the column name {} is taken: choose another --prefix", names.back()), names.back());
  }
  // Replicates of replicates: the input's own columns would sit next to the new ones under one [replicates].
  if (src.codebook.replicates || !src.codebook.all_by_role(codebook::Role::Replicate).empty())
    throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{src.codebook_path, 0, 0, "", "role replicate"}, "",
                        Text{"入力のコードブックにはすでに反復重み（role = \"replicate\" の変数または [replicates]）があります",
                             "the input codebook already has replicate weights (role = \"replicate\" variables or [replicates])"},
                        Text{"反復重みのない元のデータとコードブックから作る", "make replicates from the data and codebook without replicate weights"},
                        ""});

  // Pass 2: each kept record (every input column as read, UTF-8) and its R replicate weights, written to the staged
  // file as they are made and hashed for [data_file]; published only if the run succeeds.
  StagedDataFile file(o.out, "--out");
  std::string& csv = file.buffer();
  if (o.bom) csv += "\xEF\xBB\xBF";
  for (std::size_t i = 0; i < header.size(); ++i) csv += (i ? "," : "") + report::csv_escape(header[i]);
  for (const auto& n : names) csv += "," + report::csv_escape(n);
  csv += "\n";
  RecordsAlongside records(reader, true, o.input);
  std::vector<estimate::ReplicateWeightsStream::Row> units;
  std::vector<double> w(R);
  // A row's R weights are its weight times a few multipliers (0 and a stratum's bootstrap counts, or the jackknife's
  // 0, 1 and n/(n − 1), BRR's 0 and 2, Fay's ρ and 2 − ρ): a value's characters (fmt's "{}", table::raw_chars) are
  // kept in a small direct-mapped cache keyed on its bits, so that each distinct value of a row is formatted about
  // once and copied for the others (docs/performance.md, "Seventeenth session"). Equal bits, equal characters: the
  // file is the one formatting every weight writes. The bits of a NaN (no weight is one) mark an empty slot.
  struct Formatted {
    std::uint64_t bits = 0x7ff8000000000000ULL;
    std::size_t len = 0;
    char text[table::kRawChars] = {};
  };
  std::vector<Formatted> formatted(64);
  std::vector<char> line(R * (table::kRawChars + 1) + table::kRawChars); // a row's weights, then appended at once
  reread_input(o, src, 2, [&](const data::Dataset& ds) {
    stream.rows(ds, units);
    for (std::size_t i = 0; i < ds.rows(); ++i) {
      const io::RecordView& rec = records.at(ds.lines[i]);
      for (std::size_t f = 0; f < rec.fields.size(); ++f) {
        if (f > 0) csv += ',';
        table::append_csv_escaped(csv, rec.fields[f]);
      }
      stream.weights(units[i], w.data());
      char* out = line.data();
      for (std::size_t r = 0; r < R; ++r) {
        std::uint64_t bits;
        std::memcpy(&bits, &w[r], sizeof bits);
        Formatted& f = formatted[(bits * 0x9E3779B97F4A7C15ULL) >> 58];
        if (f.bits != bits) {
          f.bits = bits;
          f.len = table::raw_chars(w[r], f.text);
        }
        *out++ = ',';
        std::memcpy(out, f.text, table::kRawChars); // the whole slot (line has room): a fixed-size copy
        out += f.len;
      }
      csv.append(line.data(), static_cast<std::size_t>(out - line.data()));
      csv += "\n";
      file.maybe_flush(); // a row can hold 2,000 replicate weights: about 1 MiB held, not a batch of rows
    }
  });
  stream.check_second_pass();
  const std::string digest = file.finish();

  // The codebook of the output: the input codebook, then the replicate columns and [replicates].
  const char* tname = estimate::replicate_type_name(rd.type);
  std::string cb = codebook::without_data_file_table(read_text(src.codebook_path));
  if (!cb.empty() && cb.back() != '\n') cb += "\n";
  cb += fmt::format("\n# ---- added by {} replicate --type {}: {} replicate weights (weight × multiplier){}{}, design df {}\n",
                    version_string(), type, R, random ? fmt::format(", seed {}", seed) : "",
                    type == "jkn" ? fmt::format(", lonely_psu {}", estimate::lonely_psu_name(policy)) : "", rd.df);
  for (std::size_t r = 0; r < R; ++r)
    cb += fmt::format("\n[[variable]]\nname = {}\nrole = \"replicate\"\ntype = \"number\"\nlabel = {}\n",
                      toml_string(names[r]), toml_string(fmt::format("反復重み {} ({})", r + 1, type)));
  // [replicates] in R svrepdesign()'s terms. BRR and Fay fix scale and rscales; the others get theirs written
  // out (the bootstrap's n̄/((n̄ − 1)(R − 1)) and JK1's fpc are not svrepdesign's defaults).
  std::string lower_type = tname;
  for (char& ch : lower_type) ch = static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
  cb += fmt::format("\n# Variance: scale * sum_r rscales[r] * (theta_r - mean of theta_r)^2 (docs/codebook.md \"Replicate weights\")\n"
                    "[replicates]\ntype = {}\ncombined_weights = true\nmse = false\n",
                    toml_string(lower_type));
  if (rd.type == estimate::ReplicateType::Fay) cb += fmt::format("rho = {}\n", toml_float(rd.fay_rho));
  if (rd.type != estimate::ReplicateType::BRR && rd.type != estimate::ReplicateType::Fay) {
    cb += fmt::format("scale = {}\nrscales = [", toml_float(rd.scale));
    for (std::size_t r = 0; r < R; ++r) cb += (r ? ", " : "") + toml_float(rd.rscales(static_cast<Eigen::Index>(r)));
    cb += "]\n";
  }
  // The codebook records the SHA-256 and row count of the CSV it describes ([data_file]): a pair that was not
  // published together (a crash between the two renames, a failed second write) is refused, never misread.
  cb += codebook::data_file_table_of_digest(digest, static_cast<long long>(rows), version_string() + " replicate");
  codebook::parse_codebook(cb, codebook_out); // the written codebook must read back

  // Published together after the run (the CSV, staged first above, then the codebook that describes it).
  run_outputs().stage_file(codebook_out, cb, "--out (codebook)");
  stage_stdout(en ? fmt::format("{} replicate weights ({}): {} columns, scale {}, df {}, {} rows\n", tname, type, R,
                                 rd.scale, rd.df, rows)
                   : fmt::format("反復重み {} ({}): {}列, scale {}, 自由度 {}, {}行\n", tname, type, R, rd.scale, rd.df,
                                 rows));
  stage_stdout((en ? "written: " : "出力: ") + o.out + ", " + codebook_out + "\n");
  return kExitOk;
}

} // namespace hkstat::cli
