#include "hkstat/config/run_config.hpp"

#include "config/weighting_spec.hpp"
#include "core/toml_util.hpp"
#include "hkstat/core/error.hpp"
#include "hkstat/io/csv_reader.hpp"
#include "hkstat/io/text.hpp"

#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

namespace hkstat::config {

namespace {

std::string dir_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash + 1);
}

} // namespace

std::string resolve_relative(const std::string& base_file, const std::string& p) {
  if (p.empty() || p[0] == '/') return p;
  return dir_of(base_file) + p;
}

bool file_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string sibling_path(const std::string& data_path, const std::string& suffix) {
  const std::string dir = dir_of(data_path);
  std::string name = data_path.substr(dir.size());
  auto dot = name.rfind('.');
  if (dot != std::string::npos && dot > 0) name = name.substr(0, dot);
  return dir + name + "." + suffix;
}

std::optional<Text> population_problem(double v) {
  if (!std::isfinite(v)) return Text{"人口が有限の数ではありません", "the population is not a finite number"};
  if (v < 1) return Text{"人口は 1 以上です", "the population must be 1 or more"};
  if (v != std::floor(v)) return Text{"人口は整数（人）です", "the population must be a whole number of people"};
  if (v > kMaxPopulation)
    return Text{fmt::format("人口が上限 {:.0f} を超えています", kMaxPopulation), fmt::format("the population exceeds the limit of {:.0f}", kMaxPopulation)};
  return std::nullopt;
}

Text population_expected() {
  return Text{fmt::format("1～{:.0f} の整数（人）", kMaxPopulation), fmt::format("a whole number of people, 1 to {:.0f}", kMaxPopulation)};
}

RunConfig parse_run_config(std::string_view text, const std::string& source_name) {
  detail::TomlReader r(source_name, ErrorCode::ConfigSyntax, ErrorCode::ConfigInvalid);
  toml::table root = r.parse(text);
  r.check_keys(root, "", {"input", "estimate", "privacy", "weighting", "fieldwork"});
  RunConfig c;
  c.path = source_name;
  if (const auto* in = root.get("input")) {
    const auto* t = in->as_table();
    if (!t) r.fail(*in, "input", Text{"[input] は表です", "[input] must be a table"}, "", Text{});
    r.check_keys(*t, "input", {"codebook", "encoding"});
    if (auto s = r.opt_string(*t, "codebook", "input")) c.codebook = resolve_relative(source_name, *s);
    c.encoding = r.opt_string(*t, "encoding", "input");
  }
  if (const auto* es = root.get("estimate")) {
    const auto* t = es->as_table();
    if (!t) r.fail(*es, "estimate", Text{"[estimate] は表です", "[estimate] must be a table"}, "", Text{});
    r.check_keys(*t, "estimate", {"ruleset", "population", "population_label", "population_file", "age_groups", "rate_rounding",
                                  "numerator", "rate_decimals", "persons_unit", "ci_method", "level", "min_cell", "lonely_psu"});
    if (auto s = r.opt_string(*t, "ruleset", "estimate")) c.ruleset = s->find('/') != std::string::npos ? resolve_relative(source_name, *s) : *s;
    if (auto p = r.opt_number(*t, "population", "estimate")) {
      if (auto why = population_problem(*p)) r.fail(*t->get("population"), "estimate.population", *why, fmt::format("{}", *p), population_expected());
      c.population = p;
    }
    c.population_label = r.opt_string(*t, "population_label", "estimate");
    if (auto s = r.opt_string(*t, "population_file", "estimate")) c.population_file = resolve_relative(source_name, *s);
    if (t->contains("age_groups")) c.age_groups = r.opt_string_array(*t, "age_groups", "estimate");
    if (auto v = r.opt_int_in(*t, "rate_rounding", "estimate", 0, 6)) c.rate_rounding = static_cast<int>(*v);
    if (auto s = r.opt_string(*t, "numerator", "estimate")) {
      if (*s != "respondents" && *s != "respondents+members" && *s != "persons")
        r.fail(*t->get("numerator"), "estimate.numerator", Text{"未知の分子の数え方です", "unknown numerator"}, *s,
               Text{"\"respondents\"（回答者のみ）、\"respondents+members\"（回答者＋家族内の該当者、分母は回答者）、\"persons\"（分子・分母とも回答者＋家族）",
                    "\"respondents\", \"respondents+members\" (members in the numerator only) or \"persons\" (members in both)"});
      c.numerator = s;
    }
    if (auto v = r.opt_int_in(*t, "rate_decimals", "estimate", 0, 6)) c.rate_decimals = static_cast<int>(*v);
    if (auto s = r.opt_string(*t, "persons_unit", "estimate")) {
      if (*s != "person" && *s != "man")
        r.fail(*t->get("persons_unit"), "estimate.persons_unit", Text{"未知の単位です", "unknown unit"}, *s, Text{"\"person\" (人) または \"man\" (万人)", "\"person\" or \"man\" (10,000 people)"});
      c.persons_unit = s;
    }
    c.ci_method = r.opt_string(*t, "ci_method", "estimate");
    c.lonely_psu = r.opt_string(*t, "lonely_psu", "estimate");
    if (auto v = r.opt_number(*t, "level", "estimate")) {
      if (!(*v > 0 && *v < 1)) r.fail(*t->get("level"), "estimate.level", Text{"信頼係数は 0 と 1 の間です", "the level is between 0 and 1"}, fmt::format("{}", *v), Text{"0.95", "0.95"});
      // Inside (0, 1) but so close to 0 or 1 that the interval's quantile is 0 or not a finite number.
      if (!level_ok(*v))
        r.fail(*t->get("level"), "estimate.level", Text{"信頼係数は 0.000001～0.999999 です", "the level must be from 0.000001 to 0.999999"}, fmt::format("{}", *v),
               Text{"0.95", "0.95"});
      c.level = v;
    }
    if (auto v = r.opt_int_in(*t, "min_cell", "estimate", 0, kMaxMinCell)) c.min_cell = static_cast<int>(*v);
  }
  // [privacy]: the small-cell suppression of every table of this survey (docs/tabulate.md). min_cell here and
  // in [estimate] (the older place, still read) must agree.
  if (const auto* pv = root.get("privacy")) {
    const auto* t = pv->as_table();
    if (!t) r.fail(*pv, "privacy", Text{"[privacy] は表です", "[privacy] must be a table"}, "", Text{});
    r.check_keys(*t, "privacy", {"min_cell", "method"});
    if (auto v = r.opt_int_in(*t, "min_cell", "privacy", 0, kMaxMinCell)) {
      if (c.min_cell && *c.min_cell != *v)
        r.fail(*t->get("min_cell"), "privacy.min_cell",
               Text{fmt::format("[privacy] min_cell と [estimate] min_cell（{}）が違います", *c.min_cell),
                    fmt::format("[privacy] min_cell differs from [estimate] min_cell ({})", *c.min_cell)},
               std::to_string(*v), Text{"min_cell は [privacy] にだけ書く", "min_cell in [privacy] only"});
      c.min_cell = static_cast<int>(*v);
    }
    if (auto s = r.opt_string(*t, "method", "privacy")) {
      if (*s != "least-cost")
        r.fail(*t->get("method"), "privacy.method", Text{"秘匿の方法が不明です", "unknown suppression method"}, *s,
               Text{"\"least-cost\"（情報損失最小の補完秘匿）", "\"least-cost\" (complements of least information loss)"});
      c.suppression_method = *s;
    }
  }
  if (const auto* fw = root.get("fieldwork")) {
    const auto* t = fw->as_table();
    if (!t) r.fail(*fw, "fieldwork", Text{"[fieldwork] は表です", "[fieldwork] must be a table"}, "", Text{});
    r.check_keys(*t, "fieldwork", {"sent", "returned", "valid"});
    Fieldwork f;
    f.sent = r.require_int_in(*t, "sent", "fieldwork", 1, static_cast<std::int64_t>(kMaxPopulation));
    if (auto v = r.opt_int_in(*t, "returned", "fieldwork", 0, f.sent)) f.returned = *v;
    if (auto v = r.opt_int_in(*t, "valid", "fieldwork", 0, f.returned.value_or(f.sent))) f.valid = *v;
    c.fieldwork = f;
  }
  if (const auto* wt = root.get("weighting")) {
    const auto* t = wt->as_table();
    if (!t) r.fail(*wt, "weighting", Text{"[weighting] は表です", "[weighting] must be a table"}, "", Text{});
    c.weighting = parse_weighting(*t, r);
  }
  return c;
}

Text fieldwork_note(const Fieldwork& f) {
  auto n = [](long long v) {
    std::string s = std::to_string(v), out;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (i > 0 && (s.size() - i) % 3 == 0) out += ',';
      out += s[i];
    }
    return out;
  };
  auto pct = [&](long long k) { return fmt::format("{:.1f}%", 100.0 * static_cast<double>(k) / static_cast<double>(f.sent)); };
  std::string ja = fmt::format("調査票の配布 {}件", n(f.sent)), en = fmt::format("questionnaires sent: {}", n(f.sent));
  if (f.returned) {
    ja += fmt::format("、回収 {}件（回収率 {}）", n(*f.returned), pct(*f.returned));
    en += fmt::format("; returned {} (response rate {})", n(*f.returned), pct(*f.returned));
  }
  if (f.valid) {
    ja += fmt::format("、有効回答 {}件（有効回答率 {}）", n(*f.valid), pct(*f.valid));
    en += fmt::format("; valid {} (valid response rate {})", n(*f.valid), pct(*f.valid));
  }
  return Text{"実査: " + ja + "（実行設定の [fieldwork]）。", "Fieldwork: " + en + " (run configuration [fieldwork])."};
}

RunConfig load_run_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw Error(Problem{ErrorCode::IoCannotOpen, SourcePos{path, 0, 0, "", ""}, path, Text{"設定ファイルを開けません", "cannot open the run configuration"}, Text{}, ""});
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  if (text.size() >= 3 && text.compare(0, 3, "\xEF\xBB\xBF") == 0) text.erase(0, 3);
  return parse_run_config(text, path);
}

std::vector<GroupPopulation> load_population_file(const std::string& path) {
  io::CsvReader reader(path);
  const auto& h = reader.header();
  int gi = -1, pi = -1;
  for (std::size_t i = 0; i < h.size(); ++i) {
    if (h[i] == "age_group") gi = static_cast<int>(i);
    if (h[i] == "population") pi = static_cast<int>(i);
  }
  if (gi < 0 || pi < 0)
    throw Error(Problem{ErrorCode::ConfigInvalid, SourcePos{path, reader.header_line(), 0, "", ""}, fmt::format("{}", fmt::join(h, ",")),
                        Text{"人口ファイルに age_group と population の列が必要です", "the population file needs columns age_group and population"},
                        Text{"age_group,population\n15-39,60123", "age_group,population\n15-39,60123"}, ""});
  std::vector<GroupPopulation> out;
  io::Record rec;
  while (reader.next(rec)) {
    const std::string g = io::trim(rec.fields[static_cast<std::size_t>(gi)]);
    const std::string raw = rec.fields[static_cast<std::size_t>(pi)];
    auto v = io::parse_double(io::normalize_numeric(raw));
    std::optional<Text> why = v ? population_problem(*v) : Text{"人口が数値ではありません", "the population is not a number"};
    if (why) throw Error(Problem{ErrorCode::ConfigInvalid, SourcePos{path, rec.line, static_cast<std::size_t>(pi) + 1, "population", ""}, raw, *why, population_expected(), ""});
    out.push_back({g, *v, rec.line, static_cast<std::size_t>(gi) + 1});
  }
  return out;
}

} // namespace hkstat::config
