// hkstat codebook init FILE  — a draft codebook from a data file's header and values (docs/cli.md).
// hkstat codebook check FILE — codebook + run configuration + rule-set against the data, every problem at once.
#include "commands/commands.hpp"
#include "common.hpp"
#include "prevalence_options.hpp"
#include "hkstat/io/suggest.hpp"

#include "hkstat/core/option_text.hpp"
#include "hkstat/classify/ruleset.hpp"
#include "hkstat/codebook/codebook.hpp"
#include "hkstat/data/dataset.hpp"
#include "hkstat/io/csv_reader.hpp"
#include "hkstat/io/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <cstdint>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <tuple>

namespace hkstat::cli {

namespace {

using codebook::Role;

// -o naming one of the inputs: refused through the run's output policy (io::OutputSet, cli/common.cpp), as in
// every command; inputs are never modified.
void refuse_output_over_input(const std::string& out, const std::vector<std::string>& inputs) {
  for (const auto& in : inputs)
    if (!in.empty()) run_outputs().add_input(in);
  run_outputs().declare_file(out, "--out");
  check_outputs();
}
// ---------------------------------------------------------------------------------------------------------
// init

// What the data say about one column.
struct ColumnStats {
  std::string name;
  std::size_t filled = 0;           // non-empty cells
  bool all_integer = true;          // every non-empty cell is a whole number (full-width digits allowed)
  bool all_number = true;           // every non-empty cell is a number
  std::map<long long, std::size_t> codes; // integer values and their counts (up to kMaxCodes distinct)
  bool many_values = false;         // more than kMaxCodes distinct integers
  std::optional<long long> min_int, max_int; // smallest and largest integer
  bool all_delimited = true;        // every non-integer cell is codes separated by ';' ("1;4;7": a multiple answer)
  bool any_delimited = false;
  std::map<long long, std::size_t> multi_codes; // the codes of those cells (and of the integer cells)
  std::set<std::string> texts;

  bool zero_one() const {
    return all_integer && !many_values && std::all_of(codes.begin(), codes.end(), [](const auto& c) { return c.first == 0 || c.first == 1; });
  }
};
constexpr std::size_t kMaxCodes = 40;

std::vector<ColumnStats> scan(const std::string& path, const std::string& encoding) {
  io::CsvOptions opt;
  opt.encoding = io::parse_encoding(encoding.empty() ? "auto" : encoding);
  io::CsvReader reader(path, opt);
  std::vector<ColumnStats> cols(reader.header().size());
  for (std::size_t i = 0; i < cols.size(); ++i) cols[i].name = reader.header()[i];
  io::RecordView rec;
  while (reader.next(rec)) {
    for (std::size_t i = 0; i < cols.size() && i < rec.fields.size(); ++i) {
      ColumnStats& c = cols[i];
      const std::string v = io::normalize_numeric(rec.fields[i]);
      if (v.empty()) continue;
      ++c.filled;
      if (auto n = io::parse_integer(v)) {
        c.min_int = c.min_int ? std::min(*c.min_int, *n) : *n;
        c.max_int = c.max_int ? std::max(*c.max_int, *n) : *n;
        if (c.codes.count(*n) || c.codes.size() < kMaxCodes) ++c.codes[*n];
        else c.many_values = true;
        continue;
      }
      c.all_integer = false;
      if (!io::parse_double(v)) c.all_number = false;
      if (c.all_delimited && v.find(';') != std::string::npos) {
        std::size_t start = 0;
        while (c.all_delimited) {
          const std::size_t end = v.find(';', start);
          const auto code = io::parse_integer(io::trim(std::string_view(v).substr(start, end == std::string::npos ? std::string::npos : end - start)));
          if (!code) c.all_delimited = false;
          else if (c.multi_codes.count(*code) || c.multi_codes.size() < kMaxCodes) ++c.multi_codes[*code];
          if (end == std::string::npos) break;
          start = end + 1;
        }
        c.any_delimited = c.any_delimited || c.all_delimited;
      } else {
        c.all_delimited = false;
      }
      if (c.texts.size() < 5) c.texts.insert(std::string(rec.fields[i]));
    }
  }
  return cols;
}

bool contains(std::string_view s, std::string_view part) { return s.find(part) != std::string_view::npos; }

struct KnownCode {
  long long code;
  const char* key;
  const char* label;
  std::optional<bool> ge_6_months = std::nullopt;
};

// The usual numbering of the Cabinet Office questions (docs/codebook.md, "Outing keys").
constexpr KnownCode kOuting[] = {
    {1, "daily", "仕事や学校で平日は毎日外出する"},
    {2, "weekly_3_4", "仕事や学校で週に3～4日外出する"},
    {3, "leisure", "遊び等で頻繁に外出する"},
    {4, "social", "人づきあいのためにときどき外出する"},
    {5, "hobby_only", "ふだんは家にいるが、自分の趣味に関する用事のときだけ外出する"},
    {6, "neighborhood", "ふだんは家にいるが、近所のコンビニなどには出かける"},
    {7, "home_only", "自室からは出るが、家からは出ない"},
    {8, "room_only", "自室からほとんど出ない"},
};
constexpr KnownCode kDuration[] = {
    {1, "lt_6m", "6か月未満", false}, {2, "6m_1y", "6か月～1年未満", true}, {3, "1y_3y", "1年～3年未満", true},
    {4, "3y_5y", "3年～5年未満", true}, {5, "5y_7y", "5年～7年未満", true},  {6, "7y_10y", "7年～10年未満", true},
    {7, "ge_10y", "10年以上", true},
};
constexpr KnownCode kSex[] = {{1, "male", "男性"}, {2, "female", "女性"}, {3, "other", "その他・答えたくない"}};
constexpr KnownCode kTalk[] = {{1, "often", "よく会話した"}, {2, "sometimes", "ときどき会話した"}, {3, "hardly", "ほとんど会話しなかった"}};

// Keys of the options of a multiple answer, from the words of its column names.
struct KeyWord {
  const char* word;
  const char* key;
};
constexpr KeyWord kReasonWords[] = {
    {"病気", "illness"}, {"妊娠", "pregnancy"}, {"出産", "childbirth_childcare"}, {"育児", "childbirth_childcare"},
    {"介護", "caregiving"}, {"看護", "caregiving"}, {"学校", "school_misfit"}, {"受験", "exam_failure"},
    {"就職", "job_hunting"}, {"職場", "workplace_misfit"}, {"人間関係", "relationships"}, {"退職", "retirement"},
    {"コロナ", "covid"}, {"その他", "other"}};
constexpr KeyWord kHomeWords[] = {
    {"家事", "housework_childcare"}, {"育児", "housework_childcare"}, {"介護", "caregiving"}, {"看護", "caregiving"},
    {"テレビ", "tv"}, {"インターネット", "internet"}, {"SNS", "internet"}, {"ゲーム", "games"}, {"読書", "reading"},
    {"本", "reading"}, {"趣味", "hobby"}, {"その他", "other_activity"}};

std::string key_for(std::string_view label, std::span<const KeyWord> words) {
  for (const auto& w : words)
    if (contains(label, w.word)) return w.key;
  return "";
}

std::string toml_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// A code that looks like 無回答: 9, 99 or 999, the largest code, after a gap.
std::vector<long long> guess_missing(const std::map<long long, std::size_t>& codes) {
  if (codes.size() < 2) return {};
  const long long top = codes.rbegin()->first;
  const long long next = std::next(codes.rbegin())->first;
  if ((top == 9 || top == 99 || top == 999) && next < top - 1) return {top};
  return {};
}

std::string counts_comment(std::size_t n) { return fmt::format("  # {}件", n); }

struct Draft {
  std::string text;
  std::set<Role> roles;
};

// One code variable: its codes from the data, labels and keys from `known` where the code matches.
void write_codes(std::string& out, const ColumnStats& c, std::span<const KnownCode> known, const std::vector<long long>& missing) {
  if (!missing.empty()) out += fmt::format("missing = [{}]  # TODO: 無回答・非該当のコードか確認してください\n", fmt::join(missing, ", "));
  out += "codes = [\n";
  for (const auto& [code, n] : c.codes) {
    if (std::find(missing.begin(), missing.end(), code) != missing.end()) continue;
    // (The code by a copy: clang 14 cannot capture a structured binding.)
    const auto k = std::find_if(known.begin(), known.end(), [want = code](const KnownCode& kc) { return kc.code == want; });
    if (k != known.end()) {
      out += fmt::format("  {{ code = {}, key = \"{}\", label = {}{} }},", code, k->key, toml_string(k->label),
                         k->ge_6_months ? fmt::format(", ge_6_months = {}", *k->ge_6_months ? "true" : "false") : "");
    } else {
      out += fmt::format("  {{ code = {}, label = \"\" }},", code);
    }
    out += counts_comment(n) + "\n";
  }
  out += "]\n";
}

Draft draft_codebook(const std::string& input, const std::vector<ColumnStats>& cols) {
  Draft d;
  std::string body;
  std::vector<bool> done(cols.size(), false);
  std::optional<std::pair<long long, long long>> age_range;
  std::vector<std::string> todo_roles;
  auto take = [&](Role r) {
    if (d.roles.count(r)) return false;
    d.roles.insert(r);
    return true;
  };
  const auto prefix_of = [](const std::string& name) -> std::string {
    const auto p = name.rfind('_');
    return p == std::string::npos || p == 0 ? std::string() : name.substr(0, p);
  };

  for (std::size_t i = 0; i < cols.size(); ++i) {
    if (done[i]) continue;
    const ColumnStats& c = cols[i];
    const std::string& h = c.name;
    const std::string folded = io::fold_lookalikes(h);

    // A multiple answer stored as 0/1 columns: the columns PREFIX_xxx with only 0, 1 or empty cells.
    const std::string prefix = prefix_of(h);
    if (!prefix.empty() && c.zero_one()) {
      std::vector<std::size_t> members;
      for (std::size_t j = i; j < cols.size(); ++j)
        if (!done[j] && prefix_of(cols[j].name) == prefix && cols[j].zero_one()) members.push_back(j);
      if (members.size() >= 2) {
        Role role = Role::None;
        std::span<const KeyWord> words; // none: no keys
        if ((contains(prefix, "きっかけ") || contains(prefix, "理由")) && take(Role::Reasons)) role = Role::Reasons, words = kReasonWords;
        else if ((contains(prefix, "自宅") || contains(prefix, "過ごし方") || contains(prefix, "家で")) && take(Role::HomeActivities))
          role = Role::HomeActivities, words = kHomeWords;
        body += "\n[[variable]]\n";
        body += fmt::format("name = {}  # 複数回答（0/1 の列 {}個）の名前。CSV にこの名前の列はありません\n", toml_string(prefix), members.size());
        if (role != Role::None) body += fmt::format("role = \"{}\"\n", codebook::role_name(role));
        else body += "# role = \"…\"  # TODO: 判定に使う設問なら役割を（docs/codebook.md「Roles」）\n";
        body += "type = \"multi\"\n";
        body += fmt::format("label = {}  # TODO: 調査票の設問文に\n", toml_string(prefix));
        body += "columns = [\n";
        int code = 1;
        for (std::size_t j : members) {
          const std::string label = cols[j].name.substr(prefix.size() + 1);
          const std::string key = key_for(label, words);
          body += fmt::format("  {{ name = {}, code = {}{}, label = {} }},", toml_string(cols[j].name), code++,
                              key.empty() ? "" : fmt::format(", key = \"{}\"", key), toml_string(label));
          body += counts_comment(cols[j].codes.count(1) ? cols[j].codes.at(1) : 0) + "\n";
          done[j] = true;
        }
        body += "]\n";
        continue;
      }
    }
    done[i] = true;

    body += "\n[[variable]]\n";
    body += fmt::format("name = {}\n", toml_string(h));
    const bool code_like = c.all_integer && !c.many_values && c.filled > 0;
    // ID, 回答者ID, ＩＤ, respondent_id, 受付番号, 機関番号: the respondent id (the first such column).
    const bool id_header = folded == "id" || folded.ends_with("_id") ||
                           (folded.size() > 2 && folded.ends_with("id") && static_cast<unsigned char>(folded[folded.size() - 3]) >= 0x80) ||
                           h.ends_with("番号");
    // A multiple answer in one column: codes separated by ';'.
    if (!c.all_number && c.all_delimited && c.any_delimited) {
      std::map<long long, std::size_t> all = c.multi_codes;
      for (const auto& [code, n] : c.codes) all[code] += n;
      Role role = Role::None;
      const bool reasons = (contains(h, "きっかけ") || contains(h, "理由")) && !contains(h, "最も") && take(Role::Reasons);
      if (reasons) role = Role::Reasons;
      else if ((contains(h, "自宅") || contains(h, "過ごし方")) && take(Role::HomeActivities)) role = Role::HomeActivities;
      if (role != Role::None) body += fmt::format("role = \"{}\"\n", codebook::role_name(role));
      else body += "# role = \"…\"  # TODO: 判定に使う設問なら役割を（docs/codebook.md「Roles」）\n";
      body += "type = \"multi\"\ndelimiter = \";\"  # 複数回答: 1つの列に ; 区切りのコード\n";
      body += fmt::format("label = {}  # TODO: 調査票の設問文に\n", toml_string(h));
      body += "# TODO: 各コードの label を調査票の選択肢の文言に（判定基準が使うキーは docs/codebook.md）\n";
      body += "codes = [\n";
      for (const auto& [code, n] : all) body += fmt::format("  {{ code = {}, label = \"\" }},{}\n", code, counts_comment(n));
      body += "]\n";
      continue;
    }
    // Free text (自由記述): anything that is not a number.
    if (!c.all_number) {
      if (id_header && take(Role::Id)) {
        body += "role = \"id\"\ntype = \"id\"\n";
        body += fmt::format("label = {}\n", toml_string(h));
        continue;
      }
      body += "type = \"text\"  # 自由記述: 読み込むだけで、集計にも出力にも使われません\n";
      body += fmt::format("label = {}\n", toml_string(h));
      continue;
    }
    if (id_header && take(Role::Id)) {
      body += "role = \"id\"\ntype = \"id\"\n";
      body += fmt::format("label = {}\n", toml_string(h));
      continue;
    }
    if (c.filled == 0) {
      body += "type = \"text\"  # TODO: 値が1つもない列です。型を確認してください\n";
      body += fmt::format("label = {}\n", toml_string(h));
      continue;
    }
    if (contains(h, "年齢") && take(Role::Age)) {
      if (c.all_integer && (c.many_values || c.codes.size() > 15)) {
        body += "role = \"age\"\ntype = \"integer\"\n";
        body += fmt::format("label = {}\n", toml_string(h));
        if (c.min_int) age_range = std::make_pair(*c.min_int, *c.max_int);
      } else {
        body += "role = \"age\"\ntype = \"code\"\n";
        body += fmt::format("label = {}\n", toml_string(h));
        body += "# TODO: 年齢区分のコードです。各コードに min と max（歳）を付けてください: { code = 1, label = \"15～19歳\", min = 15, max = 19 }\n";
        write_codes(body, c, {}, guess_missing(c.codes));
      }
      continue;
    }
    if (!c.all_integer) {
      if (contains(h, "重み") || contains(h, "ウェイト") || contains(folded, "weight")) {
        if (take(Role::Weight)) body += "role = \"weight\"\n";
      }
      body += "type = \"number\"\n";
      body += fmt::format("label = {}\n", toml_string(h));
      continue;
    }
    if (!code_like) {
      body += "type = \"integer\"\n";
      body += fmt::format("label = {}\n", toml_string(h));
      continue;
    }
    // A single answer (code). The role from the words of the header.
    Role role = Role::None;
    std::span<const KnownCode> known; // none: labels to fill in
    std::string note;
    if (contains(h, "性別") && take(Role::Sex)) role = Role::Sex, known = kSex;
    else if (contains(h, "期間") && take(Role::Duration)) {
      role = Role::Duration, known = kDuration;
      note = "# TODO: 内閣府調査の7区分の番号として key・ge_6_months（6か月以上か）を付けました。調査票の選択肢と同じか確認してください\n";
    } else if (contains(h, "外出") && take(Role::Outing)) {
      role = Role::Outing, known = kOuting;
      note = "# TODO: 内閣府調査の8選択肢の番号として key を付けました。調査票の選択肢の順と同じか確認してください\n";
    } else if ((contains(h, "最も") || contains(h, "主な")) && (contains(h, "きっかけ") || contains(h, "理由")) && take(Role::MainReason)) role = Role::MainReason;
    else if (contains(h, "病名") && take(Role::IllnessType)) {
      role = Role::IllnessType;
      note = "# TODO: 分析者が付けた病名の分類です。判定基準が使うキー schizophrenia（統合失調症）, physical（身体的な病気）, other_illness を該当するコードに key = で付けてください\n";
    } else if (contains(h, "その他") && (contains(h, "分類") || contains(h, "コード")) && take(Role::OtherReasonType)) {
      role = Role::OtherReasonType;
      note = "# TODO: 「その他」の記述の分類です。判定基準が使うキー work_at_home（自宅で仕事）, childbirth_childcare（出産・育児）を該当するコードに key = で付けてください\n";
    } else if ((contains(h, "職業") || contains(h, "就労状況") || contains(h, "仕事の状況")) && take(Role::Occupation)) {
      role = Role::Occupation;
      note = "# TODO: 判定基準が使うキー homemaker（専業主婦・主夫）, family_helper（家事手伝い）, work_at_home（自宅で仕事）を該当するコードに key = で付けてください\n";
    } else if (contains(h, "就業経験") && take(Role::WorkExperience)) role = Role::WorkExperience;
    else if (contains(h, "会話") && take(Role::TalkNonfamily)) {
      role = Role::TalkNonfamily, known = kTalk;
      note = "# TODO: 3選択肢（よく／ときどき／ほとんどしない）の番号として key を付けました。調査票と同じか確認してください\n";
    }
    if (role != Role::None) body += fmt::format("role = \"{}\"\n", codebook::role_name(role));
    body += "type = \"code\"\n";
    body += fmt::format("label = {}  # TODO: 調査票の設問文に\n", toml_string(h));
    body += note;
    if (known.empty()) body += "# TODO: 各コードの label を調査票の選択肢の文言に\n";
    std::vector<long long> missing = guess_missing(c.codes);
    if (role == Role::Outing) {
      missing.clear();
      for (const auto& [code, n] : c.codes)
        if (code > 8) missing.push_back(code);
    }
    if (role == Role::Duration) {
      missing.clear();
      for (const auto& [code, n] : c.codes)
        if (code > 7) missing.push_back(code);
    }
    write_codes(body, c, known, missing);
  }

  // The roles hkstat needs to estimate that no header suggested.
  for (Role r : {Role::Outing, Role::Duration, Role::Age, Role::Sex, Role::Id, Role::Reasons, Role::Occupation, Role::HomeActivities,
                 Role::TalkNonfamily, Role::IllnessType, Role::OtherReasonType})
    if (!d.roles.count(r)) todo_roles.push_back(codebook::role_name(r));

  const std::string stem = [&] {
    std::string s = input;
    if (const auto slash = s.find_last_of('/'); slash != std::string::npos) s = s.substr(slash + 1);
    if (const auto dot = s.rfind('.'); dot != std::string::npos && dot > 0) s = s.substr(0, dot);
    return s;
  }();
  std::string head;
  head += fmt::format("# {} のコードブックの下書き（hkstat codebook init が作成）。\n", io::input_display_name(input));
  head += "# 「TODO」の箇所を調査票と照らして直し、hkstat codebook check で確かめてください（docs/codebook.md）。\n";
  head += "# 推測した役割 (role) とキー (key) は見出しの言葉からの推測です。必ず確認してください。\n";
  if (!todo_roles.empty())
    head += fmt::format("# TODO: 見出しから推測できなかった役割: {}（該当する列があれば role = \"…\" を付けてください）\n", fmt::join(todo_roles, ", "));
  head += "\n[codebook]\n";
  head += fmt::format("title = {}  # TODO: 調査の名前\n", toml_string(stem));
  head += fmt::format("questionnaire = {}\n", toml_string(stem));
  if (age_range) {
    head += fmt::format("age_min = {}  # TODO: 調査対象の年齢（データの最小値 {}）\n", age_range->first, age_range->first);
    head += fmt::format("age_max = {}  # TODO: 調査対象の年齢（データの最大値 {}）\n", age_range->second, age_range->second);
  } else {
    head += "# age_min = 15  # TODO: 調査対象の年齢\n# age_max = 64\n";
  }
  d.text = head + body;
  return d;
}

int run_init(const std::vector<std::string>& args) {
  CommonOptions o;
  bool force = false;
  OptionBinder b("codebook-init");
  b("encoding", &o.encoding);
  b("lang", &o.lang);
  b("out", &o.out);
  b("force", &force);
  b.positional("input", &o.input);
  b.parse(args);
  if (o.input.empty()) usage_error("データファイルを指定してください: hkstat codebook init survey.csv", "give a data file: hkstat codebook init survey.csv");
  refuse_output_over_input(o.out, {o.input});
  // A codebook someone has already filled in is never replaced by a draft by accident.
  if (!o.out.empty() && o.out != "-" && !force && config::file_exists(o.out))
    usage_error(fmt::format("{} は既にあります。置き換えるなら --force を付けてください", o.out),
                fmt::format("{} already exists; pass --force to replace it", o.out), o.out);
  require_input_exists(o.input);
  const auto cols = scan(o.input, o.encoding);
  const Draft d = draft_codebook(o.input, cols);
  // The draft must be a codebook hkstat reads (the TODOs are comments or empty labels).
  (void)codebook::parse_codebook(d.text, "<draft>");
  emit(o, d.text, false);
  return kExitOk;
}

// ---------------------------------------------------------------------------------------------------------
// check

struct Finding {
  bool error = true;
  Problem problem;
  std::size_t rows = 0; // rows with this problem (cell problems), 0 = n/a
};

// Roles (and keys of each role) a rule-set refers to, with the line of the first condition naming them.
void needed_keys(const classify::Condition& c, std::map<Role, std::map<std::string, std::size_t>>& out) {
  if (c.role != Role::None) {
    auto& keys = out[c.role];
    for (const auto& k : c.keys) keys.emplace(k, c.line);
    if (c.keys.empty()) keys.emplace("", c.line);
  }
  for (const auto& ch : c.children) needed_keys(ch, out);
}

Problem problem_of(const Error& e) { return e.problem(); }

int run_check(const std::vector<std::string>& args) {
  CommonOptions o;
  DisplayArgs dargs;
  OptionBinder b("codebook-check");
  b("codebook", &o.codebook);
  b("config", &o.config);
  b("no-config", &o.no_config);
  b("rules", &dargs.rules);
  b("encoding", &o.encoding);
  b("lang", &o.lang);
  b("out", &o.out);
  b.positional("input", &o.input);
  b.parse(args);
  if (o.input.empty()) usage_error("データファイルを指定してください: hkstat codebook check survey.csv", "give a data file: hkstat codebook check survey.csv");
  require_file_input(o, "hkstat codebook check");
  require_input_exists(o.input);
  refuse_output_over_input(o.out, {o.input, o.codebook, o.config, config::sibling_path(o.input, "codebook.toml"),
                                   config::sibling_path(o.input, "hkstat.toml")});
  const Lang lang = o.language();
  const bool en = lang == Lang::En;
  std::vector<Finding> found;
  auto add = [&](bool error, Problem p, std::size_t rows = 0) { found.push_back(Finding{error, std::move(p), rows}); };

  // 1. Run configuration.
  config::RunConfig cfg;
  if (!o.no_config) {
    std::string path = o.config;
    if (path.empty()) {
      const std::string guess = config::sibling_path(o.input, "hkstat.toml");
      if (config::file_exists(guess)) path = guess;
    }
    if (!path.empty()) {
      try {
        cfg = config::load_run_config(path);
      } catch (const Error& e) {
        add(true, problem_of(e));
      }
    }
  }
  // 2. Codebook.
  std::string cb_path = !o.codebook.empty() ? o.codebook : cfg.codebook.value_or(config::sibling_path(o.input, "codebook.toml"));
  std::optional<codebook::Codebook> cb;
  if (o.codebook.empty() && !cfg.codebook && !config::file_exists(cb_path)) {
    add(true, Problem{ErrorCode::CodebookInvalid, SourcePos{o.input, 0, 0, "", ""}, cb_path, Text{"コードブックが見つかりません", "no codebook found"},
                      Text{fmt::format("hkstat codebook init {} -o {} で下書きを作るか、--codebook FILE で指定してください", o.input, cb_path),
                           fmt::format("make a draft with hkstat codebook init {} -o {}, or pass --codebook FILE", o.input, cb_path)},
                      ""});
  } else {
    try {
      cb = codebook::load_codebook(cb_path);
    } catch (const Error& e) {
      add(true, problem_of(e));
    }
  }
  // 3. Rule-set.
  std::optional<classify::RuleSet> rs;
  try {
    rs = resolve_rules(dargs, cfg);
  } catch (const Error& e) {
    add(true, problem_of(e));
  }

  // 4. The data's header against the codebook.
  std::vector<std::string> header;
  std::size_t header_line = 1;
  io::CsvOptions copt;
  copt.encoding = io::parse_encoding(!o.encoding.empty() ? o.encoding : cfg.encoding.value_or("auto"));
  try {
    io::CsvReader reader(o.input, copt);
    header = reader.header();
    header_line = reader.header_line();
  } catch (const Error& e) {
    add(true, problem_of(e));
  }
  const std::string input_name = io::input_display_name(o.input);
  std::optional<codebook::Codebook> present; // the codebook without the variables whose columns are missing
  if (cb && !header.empty()) {
    present = *cb;
    present->variables.clear();
    std::set<std::string> named, suggested;
    for (const auto& v : cb->variables) {
      bool all_there = true;
      for (const auto& col : v.csv_columns()) {
        named.insert(col);
        if (std::find(header.begin(), header.end(), col) != header.end()) continue;
        all_there = false;
        const auto near = io::did_you_mean(col, header);
        const bool lookalike = near && io::fold_lookalikes(*near) == io::fold_lookalikes(col);
        if (near) suggested.insert(*near);
        Problem p{ErrorCode::CsvMissingColumn, SourcePos{input_name, header_line, 0, "", v.name}, col,
                  Text{fmt::format("コードブックの列「{}」が見出し行にありません", col), fmt::format("column \"{}\" named in the codebook is not in the header row", col)},
                  Text{}, ""};
        if (near && lookalike)
          p.expected = Text{fmt::format("見出しの「{}」のことですか?（全角・半角の違いや全角スペースだけが異なります。コードブック {} {}行目の name を見出しに合わせてください）", *near,
                                        cb_path, v.line),
                            fmt::format("did you mean \"{}\" in the header? (differs only by full-width/half-width characters or spaces; make name in "
                                        "{} line {} match the header)", *near, cb_path, v.line)};
        else if (near)
          p.expected = Text{fmt::format("見出しの「{}」のことですか?（コードブック {} {}行目）", *near, cb_path, v.line),
                            fmt::format("did you mean \"{}\" in the header? ({} line {})", *near, cb_path, v.line)};
        else
          p.expected = Text{fmt::format("見出し行にある列の名前（コードブック {} {}行目）", cb_path, v.line),
                            fmt::format("the name of a column in the header row ({} line {})", cb_path, v.line)};
        add(true, std::move(p));
      }
      if (all_there) present->variables.push_back(v);
    }
    for (std::size_t i = 0; i < header.size(); ++i) {
      if (named.count(header[i]) || suggested.count(header[i])) continue; // a suggestion above already names it
      add(false, Problem{ErrorCode::CodebookInvalid, SourcePos{input_name, header_line, i + 1, header[i], ""}, header[i],
                         Text{"コードブックにない列です（読み飛ばされ、集計されません）", "a column the codebook does not name (skipped, never tabulated)"},
                         Text{"集計する列なら [[variable]] を追加", "add a [[variable]] if it should be tabulated"}, ""});
    }
  }

  // 5. Roles and keys the rule-set needs.
  if (cb && rs) {
    std::map<Role, std::map<std::string, std::size_t>> need;
    need[Role::Outing];
    for (const auto& k : rs->semi) need[Role::Outing].emplace(k, 0);
    for (const auto& k : rs->narrow) need[Role::Outing].emplace(k, 0);
    need[Role::Duration];
    for (const auto& r : rs->rules) needed_keys(r.when, need);
    const std::string rs_name = rs->display_id();
    for (const auto& [role, keys] : need) {
      const codebook::Variable* v = cb->by_role(role);
      if (!v) {
        add(true, Problem{ErrorCode::CodebookInvalid, SourcePos{cb_path, 0, 0, "", ""}, codebook::role_name(role),
                          Text{fmt::format("判定基準 {} が使う役割 {} の変数がコードブックにありません", rs_name, codebook::role_name(role)),
                               fmt::format("rule-set {} uses role {}, which no variable of the codebook has", rs_name, codebook::role_name(role))},
                          Text{fmt::format("該当する列の [[variable]] に role = \"{}\"（docs/codebook.md）", codebook::role_name(role)),
                               fmt::format("role = \"{}\" on the [[variable]] of that column (docs/codebook.md)", codebook::role_name(role))},
                          ""});
        continue;
      }
      for (const auto& [key, line] : keys) {
        if (key.empty() || v->find_key(key)) continue;
        add(true, Problem{ErrorCode::CodebookInvalid, SourcePos{cb_path, v->line, 0, "", v->name}, key,
                          Text{fmt::format("判定基準 {} が使うキー {} が、役割 {} の変数「{}」のどのコードにもありません", rs_name, key, codebook::role_name(role), v->name),
                               fmt::format("rule-set {} uses key {}, which no code of \"{}\" (role {}) has", rs_name, key, v->name, codebook::role_name(role))},
                          Text{fmt::format("該当するコードに key = \"{}\"（なければこの条件は誰にも当てはまりません）", key),
                               fmt::format("key = \"{}\" on the matching code (otherwise the condition never applies)", key)},
                          ""});
      }
      if (role == Role::Duration)
        for (const auto& c : v->codes)
          if (!c.ge_6_months)
            add(true, Problem{ErrorCode::CodebookInvalid, SourcePos{cb_path, v->line, 0, "", v->name}, std::to_string(c.code),
                              Text{fmt::format("期間のコード {} に ge_6_months がありません", c.code), fmt::format("duration code {} has no ge_6_months", c.code)},
                              Text{"ge_6_months = true（6か月以上）または false", "ge_6_months = true (6 months or more) or false"}, ""});
    }
  }

  // 6. Every cell against the codebook: the checks of hkstat estimate (codes, numbers, ranges, ids), counted
  // per column and value.
  std::size_t rows_read = 0;
  if (present) {
    try {
      data::IngestOptions io;
      io.encoding = !o.encoding.empty() ? o.encoding : cfg.encoding.value_or("auto");
      const data::IngestResult r = data::ingest(o.input, *present, io);
      rows_read = r.rows_read;
      std::map<std::tuple<std::string, std::string, std::string>, std::size_t> index;
      for (const auto& row : r.rejected)
        for (const auto& p : row.problems) {
          const auto key = std::make_tuple(std::string(code_name(p.code)), p.pos.column_name, p.value);
          if (auto it = index.find(key); it != index.end()) {
            ++found[it->second].rows;
            continue;
          }
          index.emplace(key, found.size());
          Problem q = p;
          q.row_text.clear();
          add(true, std::move(q), 1);
        }
    } catch (const Error& e) {
      add(true, problem_of(e));
    }
  }

  std::size_t errors = 0, warnings = 0;
  std::string out;
  for (const auto& f : found) {
    (f.error ? errors : warnings)++;
    if (f.error) {
      out += format_problem(f.problem, lang, OptionStyle::Flag) + "\n";
    } else { // a warning: where, what, the hint (format_problem would call it an error)
      const Problem& p = f.problem;
      out += fmt::format("{}: {}:{}:{} ({} {}): {}\n  {}\n", en ? "warning" : "警告", p.pos.file, p.pos.line, p.pos.column, en ? "column" : "列",
                         p.pos.column_name, render_options(p.message.in(en), OptionStyle::Flag), render_options(p.expected.in(en), OptionStyle::Flag));
    }
    if (f.rows > 1) out += en ? fmt::format("  in {} rows (the first shown)\n", f.rows) : fmt::format("  同じ値の行: {}行（最初の行を表示）\n", f.rows);
  }
  if (errors == 0)
    out += en ? fmt::format("ok: {} data rows, codebook {}, rule-set {}; {} warnings\n", rows_read, cb_path, rs ? rs->display_id() : "-", warnings)
              : fmt::format("問題なし: データ {}行、コードブック {}、判定基準 {}（警告 {}件）\n", rows_read, cb_path, rs ? rs->display_id() : "-", warnings);
  else
    out += en ? fmt::format("{} problems, {} warnings: nothing was estimated\n", errors, warnings)
              : fmt::format("問題 {}件、警告 {}件\n", errors, warnings);
  emit(o, out, false);
  return errors == 0 ? kExitOk : kExitDefinition;
}

} // namespace

int run_codebook(const std::vector<std::string>& args) {
  if (args.empty() || (args[0] != "init" && args[0] != "check")) {
    const auto guess = args.empty() ? std::nullopt : io::did_you_mean(args[0], {"init", "check"});
    if (guess)
      usage_error(fmt::format("hkstat codebook init FILE または hkstat codebook check FILE です（もしかして {} ですか）", *guess),
                  fmt::format("use hkstat codebook init FILE or hkstat codebook check FILE (did you mean {}?)", *guess), args[0]);
    usage_error("hkstat codebook init FILE または hkstat codebook check FILE です", "use hkstat codebook init FILE or hkstat codebook check FILE",
                args.empty() ? "" : args[0]);
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  return args[0] == "init" ? run_init(rest) : run_check(rest);
}

} // namespace hkstat::cli
