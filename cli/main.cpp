// hkstat — command-line front end. Parses the subcommand, runs it, and is the only place that maps
// errors to messages and exit codes (docs/cli.md).
#include "commands/commands.hpp"
#include "common.hpp"

#include <boost/program_options.hpp>
#include <fmt/format.h>

#include <cerrno>
#include <csignal>
#include <iostream>
#include <string_view>

#include <unistd.h>

namespace {

// Writes the staged standard output. Returns 0, or the errno of the failed write (EPIPE included).
int write_stdout(std::string_view data) {
  std::cout.flush();
  while (!data.empty()) {
    const ssize_t n = ::write(STDOUT_FILENO, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return 0;
}

[[noreturn]] void stdout_error(int err) {
  using namespace hkstat;
  const std::string why = std::generic_category().message(err);
  throw Error(Problem{ErrorCode::IoCannotWrite, SourcePos{}, "",
                      Text{err == ENOSPC ? "標準出力に書き込めません: ディスクの空き容量が足りません" : "標準出力に書き込めません: " + why,
                           "cannot write to standard output: " + why},
                      Text{"書き込める標準出力、または --out FILE", "a writable standard output, or --out FILE"}, ""});
}

const char* kHelpJa = R"(hkstat — ひきこもり実態調査の集計ツール

使い方:
  hkstat estimate FILE [オプション]   広義のひきこもり群の出現率・信頼区間・推計人数
  hkstat classify FILE [オプション]   回答者ごとの判定（狭義／準／除外／非該当）と除外条件の監査表
  hkstat tabulate FILE --var 問21     設問の分布（単一・複数回答、領域・年齢・性別、秘匿つき。docs/tabulate.md）
  hkstat report FILE [オプション]     レポート一式（report.md、表ごとの CSV、xlsx、SVG グラフ。docs/reports.md）
  hkstat compare A.csv B.csv          2つの調査（例: 2019年と2024年）の出現率と集計表の変化、差の標準誤差と信頼区間
  hkstat weight FILE --out OUT.csv    母集団の表への重み付け（事後層化・レーキング・線形較正）と診断表
  hkstat rules [ID]                   組み込みの判定基準の一覧、または ID の定義（TOML）を表示
  hkstat replicate FILE --type jkn --out OUT.csv   標本設計から反復重み（jk1, jkn, bootstrap, subbootstrap, brr, fay）の列を作る
  hkstat codebook init FILE [-o F]    見出しと値からコードブックの下書きを作る（役割の推測、TODO つき）
  hkstat codebook check FILE          コードブック・実行設定・判定基準をデータと照合し、問題をすべて表示（推定はしない）
  hkstat help | --help                この説明
  hkstat version | --version          バージョン

共通オプション:
  --codebook FILE   コードブック（既定: データと同じ場所の <名前>.codebook.toml）
  --config FILE     実行設定（既定: <名前>.hkstat.toml があれば使う）。--no-config で無視
  --encoding E      auto（既定）| utf-8 | cp932
  --format F        text（既定）| csv | markdown
  --lang L          ja（既定）| en
  --out FILE        標準出力ではなく FILE に書く（一時ファイル経由で原子的に置き換え）
  --bom             CSV の先頭に BOM を付ける（Excel 用）
  --rejects FILE    不正な値のある行を FILE に書き出して集計から除く（指定しなければ停止）

estimate のオプション:
  --rules ID|FILE   判定基準（既定: 実行設定、なければ cao2022）
  --population N    調査対象年齢の人口   --population-file FILE  年齢区分ごとの人口（age_group,population）
  --age-groups 15-39,40-64   年齢区分（none で無し）
  --by sex[,district]  性別・地区などコード変数の水準ごと（年齢区分との組合せと水準間の差つき）
  --ci M            wilson（単純無作為標本の既定）| clopper-pearson | logit（重み・層・クラスターがあるときの既定）
                    | wald | beta | asin | kg-nchs | likelihood（docs/estimation.md）
  --lonely-psu P    PSU が1つの層: fail（既定）| remove | certainty | adjust | average
  --level L         信頼係数（既定 0.95）
  --rate-rounding D 率(%)を小数第D位に四捨五入してから人口に掛ける（平成27年度方式は 2）
  --rate-decimals D 率の表示桁（既定 1）   --persons-unit person|man（万人）
  --min-cell N      該当数 1～N-1 のセルを秘匿（既定 5、0 で無効）
  --table T         CSV の表: prevalence（既定）| differences（年齢区分間の差と標準誤差）| weighting（重み付けの前後）
  --replicates T    反復重みで標準誤差: jk1 | jkn | bootstrap | subbootstrap | brr | fay（設計から作成。
                    コードブックに role = "replicate" の列があればその型）  --replicates-n R（既定 100） --seed S
  --calibrate       実行設定の [weighting] で母集団の表に重み付けし、較正を考慮した標準誤差で推定（前後の比較表つき）

tabulate のオプション（docs/tabulate.md）:
  --var 問21,問22  --domain all,broad,comparison  --by age2,sex  --test sex|broad  --ci M  --level L  --min-cell N
  --replicates T [--replicates-n R --seed S] / --calibrate   estimate と同じ（各セルと検定の標準誤差に使う）

compare のオプション（docs/cli.md）:
  --codebook-a F / --codebook-b F   各調査のコードブック   --config-a F / --config-b F  各調査の実行設定
  --label-a 2019 --label-b 2024     出力での調査の名前（既定: ファイル名）
  --var 問37,Q23=問21               比較する設問（両方で同じ名前、または A名=B名）
  --domain D --by B                 tabulate と同じ   --age-groups G  出現率の年齢区分   --no-prevalence  設問だけ比較
  --rules ID|FILE   両方の調査の判定基準   --level L  差の信頼係数   --min-cell N   --rejects-a F / --rejects-b F

weight のオプション（実行設定の [weighting] より優先。docs/cli.md）:
  --out FILE        重みの列を加えたデータ（必須。UTF-8 BOM 付き、入力の改行のまま）と <名前>.codebook.toml
  --method M        poststratify（既定）| rake | linear | none
  --population-table FILE[:変数,変数]   母集団の表（見出し = 変数名と count）。rake・linear は周辺分布ごとに繰り返す
  --band 名前=変数:15-19,20-29,…      区分変数（変数を省くと年齢）   --count-column 名前（既定 count）
  --base-weight 変数|none   --weight-name 名前（既定 calibrated_weight）
  --response 変数[=1,2]  --nonresponse-cells 変数,変数   回答の有無と無回答調整の区分
  --unmatched error|drop    表にない区分・無回答の行: 停止（既定）か重み 0
  --epsilon E  --max-iter N  収束条件（既定 1e-10、rake 100巡・linear 50回）
  --bounds 0.5,2    linear の g の範囲   --trim 下限,上限 [--trim-strict]   トリミング（再配分つき）
  --diagnostics FILE 診断表を標準出力ではなく FILE に書く

report のオプション（estimate のオプションも使えます）:
  --out-dir DIR     出力先のディレクトリ（既定: ./<名前>-report）。既にあれば --force で置き換え
  --template DIR    テンプレート（既定: 組み込みの reports/templates/default）
  --lang en         英語のレポート   --no-bom  BOM なしの CSV   --timestamp 2025-01-31  レポートの日付

codebook のオプション（docs/cli.md）:
  init:  -o FILE [--force]（既存のファイルは --force のときだけ置き換え）  --encoding E
  check: --codebook F  --config F | --no-config  --rules ID|FILE  --encoding E   問題があれば終了コード 4

replicate のオプション（docs/cli.md）:
  --type T          jk1 | jkn | bootstrap | subbootstrap | brr | fay
  --replicates R    bootstrap の反復数（既定 200）   --seed S  乱数の種（既定 1）   --rho P  Fay の ρ（既定 0.5）
  --lonely-psu P    PSUが1つの層: fail（既定）| remove | certainty | adjust | average
  --prefix NAME     新しい列の名前 NAME1, NAME2, …（既定 rep）

終了コード: 0 成功, 2 使い方の誤り, 3 データの誤り, 4 コードブック・判定基準・設定の誤り,
            5 入出力の誤り, 6 推定できない, 70 内部エラー（docs/cli.md）
)";

const char* kHelpEn = R"(hkstat — tabulation toolkit for hikikomori fact-finding surveys

Usage:
  hkstat estimate FILE [options]   prevalence of broad hikikomori, interval, estimated persons
  hkstat classify FILE [options]   per-respondent class (narrow/semi/excluded/not a case) and exclusion audit
  hkstat tabulate FILE --var Q21   distribution of a question (single/multiple answer, domains, age, sex, suppression; docs/tabulate.md)
  hkstat report FILE [options]     a report folder: report.md, one CSV per table, xlsx, SVG charts (docs/reports.md)
  hkstat compare A.csv B.csv       change between two surveys (e.g. 2019 and 2024): prevalence and tables, SE and CI of the change
  hkstat weight FILE --out OUT.csv weights calibrated to population tables (post-stratification, raking, GREG) and diagnostics
  hkstat rules [ID]                list built-in rule-sets, or print one (TOML)
  hkstat replicate FILE --type jkn --out OUT.csv   replicate-weight columns from the design (jk1, jkn, bootstrap, subbootstrap, brr, fay)
  hkstat codebook init FILE [-o F] a draft codebook from the header and values (guessed roles, TODO notes)
  hkstat codebook check FILE       codebook, run configuration and rule-set against the data: every problem, no estimate
  hkstat help | --help             this text
  hkstat version | --version       version

Common options:
  --codebook FILE   codebook (default: <stem>.codebook.toml next to the data)
  --config FILE     run configuration (default: <stem>.hkstat.toml if present); --no-config ignores it
  --encoding E      auto (default) | utf-8 | cp932
  --format F        text (default) | csv | markdown
  --lang L          ja (default) | en
  --out FILE        write FILE atomically instead of standard output
  --bom             start CSV output with a UTF-8 BOM (for Excel)
  --rejects FILE    write rows with invalid values to FILE and leave them out (otherwise stop)

estimate options:
  --rules ID|FILE   rule-set (default: run configuration, else cao2022)
  --population N    population of the survey age range   --population-file FILE  per age group (age_group,population)
  --age-groups 15-39,40-64   age groups ("none" for none)
  --by sex[,district]  also by the levels of code variables (with age groups and differences between levels)
  --ci M            wilson (simple-sample default) | clopper-pearson | logit (default with weights, strata or clusters)
                    | wald | beta | asin | kg-nchs | likelihood (docs/estimation.md)
  --lonely-psu P    strata with one PSU: fail (default) | remove | certainty | adjust | average
  --level L         confidence level (default 0.95)
  --rate-rounding D round the rate (%) half-up to D decimals before × population (FY2015 method: 2)
  --rate-decimals D decimals of displayed rates (default 1)   --persons-unit person|man (10,000 people)
  --min-cell N      suppress cells with 1..N-1 cases (default 5; 0 = off)
  --table T         CSV table: prevalence (default) | differences (between age groups, with SE) | weighting (before/after)
  --replicates T    replicate-weight SEs: jk1 | jkn | bootstrap | subbootstrap | brr | fay (created from the design;
                    with role-replicate columns in the codebook, their type)  --replicates-n R (default 100)  --seed S
  --calibrate       weight to the population tables of [weighting] in the run configuration; calibration-aware SEs

tabulate options (docs/tabulate.md):
  --var Q21,Q22  --domain all,broad,comparison  --by age2,sex  --test sex|broad  --ci M  --level L  --min-cell N
  --replicates T [--replicates-n R --seed S] / --calibrate   as in estimate (SEs of every cell and of the test)

compare options (docs/cli.md):
  --codebook-a F / --codebook-b F   codebook of each survey   --config-a F / --config-b F  run configuration of each
  --label-a 2019 --label-b 2024     names of the surveys in the output (default: file stems)
  --var Q37,Q23=Q21                 questions to compare (same name in both, or NAME_A=NAME_B)
  --domain D --by B                 as in tabulate   --age-groups G  prevalence age groups   --no-prevalence  tables only
  --rules ID|FILE   rule-set of both surveys   --level L  confidence level of the change   --min-cell N   --rejects-a F / --rejects-b F

weight options (override [weighting] of the run configuration; docs/cli.md):
  --out FILE        the data with the weight column (required; UTF-8 with BOM, the input's line ends) and <stem>.codebook.toml
  --method M        poststratify (default) | rake | linear | none
  --population-table FILE[:VAR,VAR]   population table (header: variable names and count); repeat per margin for rake/linear
  --band NAME=VAR:15-19,20-29,...     derived bands (VAR omitted = age)   --count-column NAME (default count)
  --base-weight VAR|none   --weight-name NAME (default calibrated_weight)
  --response VAR[=1,2]  --nonresponse-cells VAR,VAR   response indicator and nonresponse adjustment cells
  --unmatched error|drop   rows whose category is missing from a table: stop (default) or weight 0
  --epsilon E  --max-iter N  convergence (default 1e-10; 100 raking sweeps, 50 GREG steps)
  --bounds 0.5,2    bounds on g (linear)   --trim LOWER,UPPER [--trim-strict]   trimming with redistribution
  --diagnostics FILE write the diagnostics to FILE instead of standard output

report options (the estimate options apply too):
  --out-dir DIR     folder to create (default: ./<stem>-report); an existing one is replaced only with --force
  --template DIR    template (default: the built-in reports/templates/default)
  --lang en         English report   --no-bom  CSV without BOM   --timestamp 2025-01-31  date of the report

codebook options (docs/cli.md):
  init:  -o FILE [--force] (an existing file is replaced only with --force)  --encoding E
  check: --codebook F  --config F | --no-config  --rules ID|FILE  --encoding E   exit code 4 when it finds problems

replicate options (docs/cli.md):
  --type T          jk1 | jkn | bootstrap | subbootstrap | brr | fay
  --replicates R    bootstrap replicates (default 200)   --seed S  random seed (default 1)   --rho P  Fay's rho (default 0.5)
  --lonely-psu P    strata with one PSU: fail (default) | remove | certainty | adjust | average
  --prefix NAME     names of the new columns NAME1, NAME2, ... (default rep)

Exit codes: 0 ok, 2 usage, 3 data, 4 codebook/rule-set/config, 5 I/O, 6 cannot estimate, 70 internal (docs/cli.md)
)";

} // namespace

int main(int argc, char** argv) {
  using namespace hkstat;
  using namespace hkstat::cli;
  std::signal(SIGPIPE, SIG_IGN);
  // A write beyond the file-size limit (ulimit -f) fails with EFBIG and is reported (exit 5), the temp
  // file removed, instead of the default action killing the process mid-write.
  std::signal(SIGXFSZ, SIG_IGN);
  std::vector<std::string> args(argv + 1, argv + argc);
  Lang lang = Lang::Ja;
  for (std::size_t i = 0; i < args.size(); ++i)
    if ((args[i] == "--lang" && i + 1 < args.size() && args[i + 1] == "en") || args[i] == "--lang=en") lang = Lang::En;
  const bool en = lang == Lang::En;
  try {
    if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
      std::cout << (en ? kHelpEn : kHelpJa);
      return args.empty() ? kExitUsage : kExitOk;
    }
    if (args[0] == "version" || args[0] == "--version") {
      std::cout << version_string() << "\n";
      return kExitOk;
    }
    const std::string cmd = args[0];
    args.erase(args.begin());
    for (const auto& a : args)
      if (a == "--help" || a == "-h") {
        std::cout << (en ? kHelpEn : kHelpJa);
        return kExitOk;
      }
    int rc;
    if (cmd == "estimate") rc = run_estimate(args);
    else if (cmd == "classify") rc = run_classify(args);
    else if (cmd == "rules") rc = run_rules(args);
    else if (cmd == "tabulate") rc = run_tabulate(args);
    else if (cmd == "compare") rc = run_compare(args);
    else if (cmd == "weight") rc = run_weight(args);
    else if (cmd == "report") rc = run_report(args);
    else if (cmd == "replicate") rc = run_replicate(args);
    else if (cmd == "codebook") rc = run_codebook(args);
    else usage_error(fmt::format("未知のコマンドです: {}（estimate, classify, tabulate, report, compare, weight, replicate, rules, codebook）", cmd), fmt::format("unknown command: {} (estimate, classify, tabulate, report, compare, weight, replicate, rules, codebook)", cmd), cmd);
    {
      // The command ran to its end (an Error would have skipped this): publish its output files (all or
      // none), then its standard output. A command may end with a non-zero code that is its result
      // (codebook check: problems found) and still have written its report.
      run_outputs().publish();
      std::cerr << take_deferred_notices() << std::flush; // about files that now exist (e.g. --rejects)
      int err = write_stdout(take_staged_stdout());
      if (io::Spool* spool = take_stdout_spool(); spool != nullptr && err == 0) // a streamed command's rows
        spool->replay([&err](std::string_view piece) {
          if (err == 0) err = write_stdout(piece);
        });
      if (err != 0) {
        if (err == EPIPE) return rc; // reader went away (e.g. | head): not an error
        stdout_error(err);
      }
    }
    if (!std::cout.flush()) {
      if (errno == EPIPE) return kExitOk;
      stdout_error(errno);
    }
    return rc;
  } catch (const Error& e) {
    std::cerr << format_problem(e.problem(), lang) << "\n";
    return exit_code_for(category_of(e.code()));
  } catch (const boost::program_options::error& e) {
    std::cerr << (en ? "error[E_USAGE]: " : "エラー[E_USAGE]: ") << e.what() << (en ? "\n  see: hkstat help\n" : "\n  参照: hkstat help\n");
    return kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << (en ? "internal error: " : "内部エラー: ") << e.what() << "\n";
    return kExitInternal;
  }
}
