// cli/options.cpp — the option table (data) and everything generated from it (cli/options.hpp).
#include "options.hpp"

#include "hkstat/io/suggest.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <sstream>

namespace hkstat::cli {

namespace po = boost::program_options;

namespace {

// Commands that read one data file with the common input options.
#define HK_DATA "estimate classify tabulate report weight replicate"

// clang-format off
constexpr CommandSpec kCommands[] = {
    {"estimate", "estimate", "FILE [オプション]", "FILE [options]",
     "広義のひきこもり群の出現率・信頼区間・推計人数", "prevalence of broad hikikomori, interval, estimated persons"},
    {"classify", "classify", "FILE [オプション]", "FILE [options]",
     "回答者ごとの判定（狭義／準／除外／非該当）と除外条件の監査表", "per-respondent class (narrow/semi/excluded/not a case) and exclusion audit"},
    {"tabulate", "tabulate", "FILE --var 問21[,問22…] [オプション]", "FILE --var Q21[,Q22...] [options]",
     "設問の分布（単一・複数回答、領域・年齢・性別、秘匿つき。docs/tabulate.md）",
     "distribution of questions (single/multiple answer, domains, age, sex, suppression; docs/tabulate.md)"},
    {"report", "report", "FILE [オプション]", "FILE [options]",
     "レポート一式（report.md、表ごとの CSV、xlsx、SVG グラフ。docs/reports.md）",
     "a report folder: report.md, one CSV per table, xlsx, SVG charts (docs/reports.md)"},
    {"compare", "compare", "A.csv B.csv [C.csv …] [オプション]", "A.csv B.csv [C.csv ...] [options]",
     "2つ以上の調査（例: 2014年・2019年・2024年）の出現率と集計表の変化・推移、差の標準誤差と信頼区間",
     "change between two surveys, or the trend over more (e.g. 2014, 2019, 2024): prevalence and tables, SE and CI of the change"},
    {"weight", "weight", "FILE --out OUT.csv [オプション]", "FILE --out OUT.csv [options]",
     "母集団の表への重み付け（事後層化・レーキング・線形較正）と診断表",
     "weights calibrated to population tables (post-stratification, raking, GREG) and diagnostics"},
    {"replicate", "replicate", "FILE --type jkn --out OUT.csv [オプション]", "FILE --type jkn --out OUT.csv [options]",
     "標本設計から反復重み（jk1, jkn, bootstrap, subbootstrap, brr, fay）の列を作る",
     "replicate-weight columns from the design (jk1, jkn, bootstrap, subbootstrap, brr, fay)"},
    {"rules", "rules", "[ID] [オプション]", "[ID] [options]",
     "組み込みの判定基準の一覧、または ID の定義（TOML）を表示", "list built-in rule-sets, or print one (TOML)"},
    {"codebook-init", "codebook init", "FILE [-o FILE] [オプション]", "FILE [-o FILE] [options]",
     "見出しと値からコードブックの下書きを作る（役割の推測、TODO つき）", "a draft codebook from the header and values (guessed roles, TODO notes)"},
    {"codebook-check", "codebook check", "FILE [オプション]", "FILE [options]",
     "コードブック・実行設定・判定基準をデータと照合し、問題をすべて表示（推定はしない）",
     "codebook, run configuration and rule-set against the data: every problem, no estimate"},
};

struct Group {
  const char* id;
  const char* ja;
  const char* en;
};
constexpr Group kGroups[] = {
    {"input", "入力", "Input"},
    {"output", "出力", "Output"},
    {"estimate", "判定と推定", "Classification and estimation"},
    {"variance", "分散（反復重み・較正）", "Variance (replicate weights, calibration)"},
    {"tabulate", "集計", "Tables"},
    {"compare", "2つ以上の調査", "Two or more surveys"},
    {"weight", "重み付け", "Weighting"},
    {"replicate", "反復重み", "Replicate weights"},
    {"report", "レポート", "Report"},
};

// The option table. One entry per option and meaning; an option whose meaning differs between commands (the
// output of weight and replicate is the data, not a listing) has one entry per meaning with disjoint commands.
constexpr OptionSpec kOptions[] = {
    // input
    {"codebook", 0, "FILE", OptKind::Value, "",
     "コードブック（既定: 実行設定の codebook、なければデータと同じ場所の <名前>.codebook.toml）",
     "codebook (default: the run configuration's, else <stem>.codebook.toml next to the data)",
     HK_DATA " codebook-check", "input", "file"},
    {"config", 0, "FILE", OptKind::Value, "",
     "実行設定（既定: データと同じ場所の <名前>.hkstat.toml があれば使う）",
     "run configuration (default: <stem>.hkstat.toml next to the data, if present)",
     HK_DATA " codebook-check", "input", "file"},
    {"no-config", 0, "", OptKind::Flag, "",
     "実行設定を使わない（<名前>.hkstat.toml があっても読まない）", "use no run configuration (ignore <stem>.hkstat.toml)",
     HK_DATA " codebook-check compare", "input", ""},
    {"codebook", 0, "FILE", OptKind::Repeat, "",
     "各調査のコードブック: ファイルの順に1回ずつ、または1回（すべてに同じもの）（既定: 実行設定の codebook、なければ <名前>.codebook.toml）",
     "codebook of each survey: once per file in their order, or once for all (default: the run configuration's, else <stem>.codebook.toml)",
     "compare", "input", "file"},
    {"codebook-a", 0, "FILE", OptKind::Value, "", "調査 A のコードブック", "codebook of survey A", "compare", "input", "file"},
    {"codebook-b", 0, "FILE", OptKind::Value, "", "調査 B のコードブック", "codebook of survey B", "compare", "input", "file"},
    {"config", 0, "FILE", OptKind::Repeat, "",
     "各調査の実行設定: ファイルの順に1回ずつ、または1回（すべてに同じもの）（既定: <名前>.hkstat.toml があれば使う）",
     "run configuration of each survey: once per file in their order, or once for all (default: <stem>.hkstat.toml, if present)",
     "compare", "input", "file"},
    {"config-a", 0, "FILE", OptKind::Value, "", "調査 A の実行設定", "run configuration of survey A", "compare", "input", "file"},
    {"config-b", 0, "FILE", OptKind::Value, "", "調査 B の実行設定", "run configuration of survey B", "compare", "input", "file"},
    {"encoding", 0, "E", OptKind::Value, "auto", "入力の文字コード（compare ではすべてのファイル）",
     "input encoding (compare: of every file)", HK_DATA " compare codebook-init codebook-check", "input", "auto utf-8 cp932"},
    {"rejects", 0, "FILE", OptKind::Value, "",
     "不正な値のある行を FILE に書き出して集計から除く（指定しなければ停止）",
     "write rows with invalid values to FILE and leave them out (otherwise stop)", HK_DATA, "input", "file"},
    {"rejects", 0, "FILE", OptKind::Repeat, "",
     "各調査の不正な値のある行を書き出して除く（ファイルの順に1回ずつ）",
     "write each survey's rows with invalid values to FILE and leave them out (once per file, in their order)", "compare", "input", "file"},
    {"rejects-a", 0, "FILE", OptKind::Value, "", "調査 A の不正な値のある行を FILE に書き出して除く",
     "write survey A's rows with invalid values to FILE and leave them out", "compare", "input", "file"},
    {"rejects-b", 0, "FILE", OptKind::Value, "", "調査 B について同じ", "the same for survey B", "compare", "input", "file"},
    {"expect-rows", 0, "N", OptKind::Value, "",
     "データ行がちょうど N 行でなければ停止（行末で切れた入力の検出）",
     "the data must hold exactly N data rows (detects input cut off at a line end)", HK_DATA, "input", ""},
    // output
    {"lang", 0, "L", OptKind::Value, "ja", "出力とメッセージの言語（コマンドの前にも書けます）",
     "language of output and messages (may also come before the command)",
     HK_DATA " compare rules codebook-init codebook-check", "output", "ja en"},
    {"format", 0, "F", OptKind::Value, "text", "出力の形式", "output format",
     "estimate classify tabulate compare weight replicate", "output", "text csv markdown"},
    {"out", 'o', "FILE", OptKind::Value, "",
     "標準出力ではなく FILE に書く（一時ファイル経由で原子的に置き換え）",
     "write FILE atomically instead of standard output",
     "estimate classify tabulate compare rules codebook-init codebook-check", "output", "file"},
    {"out", 'o', "FILE", OptKind::Value, "",
     "書き出すデータ（必須）。そのコードブックは隣の <名前>.codebook.toml",
     "the data to write (required); its codebook goes to <stem>.codebook.toml next to it", "weight replicate", "output", "file"},
    {"bom", 0, "", OptKind::Flag, "", "CSV の先頭に BOM を付ける（Excel 用。--rejects のファイルにも）",
     "start CSV output with a UTF-8 BOM, for Excel (the --rejects file too)", HK_DATA " compare", "output", ""},
    {"audit-out", 0, "FILE", OptKind::Value, "", "除外条件の監査表を CSV で FILE にも書く",
     "also write the exclusion audit table as CSV to FILE", "classify", "output", "file"},
    {"audit-out", 0, "FILE", OptKind::Value, "", "秘匿の監査表（隠したセルごとの理由: 1～4人、どのセルを守る補完か、残差）を CSV で FILE にも書く",
     "also write the suppression audit (why each cell is hidden: small, the cell a complement protects, a residual) as CSV to FILE",
     "tabulate", "output", "file"},
    {"force", 0, "", OptKind::Flag, "", "-o のファイルが既にあれば置き換える", "replace the file of -o if it exists",
     "codebook-init", "output", ""},
    // classification and estimation
    {"rules", 0, "ID|FILE", OptKind::Value, "",
     "判定基準: 組み込みの ID（hkstat rules）か TOML ファイル（既定: 実行設定、なければ cao2022）",
     "rule-set: a built-in id (hkstat rules) or a TOML file (default: the run configuration's, else cao2022)",
     "estimate classify tabulate report compare codebook-check", "estimate", "file"},
    {"population", 0, "N", OptKind::Value, "", "調査対象年齢の人口（推計人数 = 率 × N）",
     "population of the survey's age range (persons = rate × N)", "estimate report", "estimate", ""},
    {"population-file", 0, "FILE", OptKind::Value, "", "年齢区分ごとの人口の CSV（age_group,population）",
     "CSV of the population per age group (age_group,population)", "estimate report", "estimate", "file"},
    {"age-groups", 0, "A-B,C-D", OptKind::Value, "15-39,40-64", "年齢区分（none で無し）", "age groups (none for none)",
     "estimate report compare", "estimate", "none"},
    {"by", 0, "VAR[,VAR]", OptKind::Value, "",
     "表を区分する変数: コードブックの変数名か役割名（sex、問3）。estimate・tabulate は各変数のほか2〜3個の組合せも（最大3個。--stat は各変数のみ）。"
     "tabulate・compare は年齢帯 age5|age10|age2 も1個と数え（age2,sex,問3）、compare も tabulate と同じく掛け合わせる（compare の出現率の表は estimate と同じく変数で区分）",
     "break the table down by variables: codebook names or role names (sex, Q3); estimate and tabulate by each variable alone and, with two or three, "
     "every pair and the triple crossed (at most three; --stat: each alone); tabulate and compare also by an age banding age5|age10|age2, counted as "
     "one (age2,sex,Q3), compare crossing as tabulate does (and breaking its prevalence table down by the variables as estimate does)",
     "estimate tabulate compare report", "estimate", ""},
    {"where", 0, "EXPR", OptKind::Value, "", "式が真の回答者に限る（標本設計はそのまま。例: '問2 >= 40'）",
     "only the respondents for whom EXPR is true, the design kept (e.g. 'Q2 >= 40')", "estimate tabulate report compare", "estimate", ""},
    {"ci", 0, "M", OptKind::Value, "",
     "信頼区間の方法（既定: 単純無作為標本は wilson、重み・層・クラスターがあれば logit）",
     "interval method (default: wilson for a simple sample, logit with weights, strata or clusters)",
     "estimate report tabulate", "estimate", "wilson clopper-pearson logit wald beta asin kg-nchs likelihood"},
    {"level", 0, "L", OptKind::Value, "0.95", "信頼係数（compare では差の区間）", "confidence level (compare: of the change)",
     "estimate report tabulate compare", "estimate", ""},
    {"intervals", 0, "", OptKind::Flag, "",
     "全数の集計（関係機関調査・相談受付票、kind = agency | intake）にも信頼区間と ※ を付ける（既定: 付けない）",
     "show intervals and the ※ flag for full counts too (agency surveys, intake records: kind = agency | intake; default: none)",
     "tabulate", "estimate", ""},
    {"lonely-psu", 0, "P", OptKind::Value, "fail", "PSU が1つの層の扱い", "strata with one PSU",
     "estimate report tabulate replicate", "estimate", "fail remove certainty adjust average"},
    {"rate-rounding", 0, "D", OptKind::Value, "", "率(%)を小数第 D 位に四捨五入してから人口に掛ける（平成27年度方式は 2）",
     "round the rate (%) half-up to D decimals before × population (FY2015 method: 2)", "estimate report", "estimate", ""},
    {"numerator", 0, "N", OptKind::Value, "",
     "分子と分母: respondents（回答者のみ）、respondents+members（分子に家族内の該当者を加え、分母は回答者）、persons（分子・分母とも家族を含む）。"
     "既定は家族票（[roster]）のあるコードブックでは respondents+members、ないものは respondents",
     "numerator and denominator: respondents (respondents only), respondents+members (household members in the numerator, "
     "respondents as denominator), persons (members in both); default respondents+members for a codebook with a household roster "
     "([roster]), else respondents",
     "estimate report", "estimate", "respondents respondents+members persons"},
    {"members", 0, "", OptKind::Flag, "",
     "家族票（[roster]）の家族も1人ずつ数える: tabulate は回答者＋家族（調査の年齢範囲内）の集計、classify は家族を「回答者ID-m番号」の行で併記",
     "count the household members of the roster ([roster]) as persons too: tabulate over respondents + members (within the survey's "
     "age range); classify lists each member as a row \"RESPID-mN\"",
     "tabulate classify", "tabulate", ""},
    {"rate-decimals", 0, "D", OptKind::Value, "1", "率(%)の表示桁数", "decimals of displayed percentages",
     "estimate report compare", "estimate", ""},
    {"persons-unit", 0, "U", OptKind::Value, "person", "推計人数の単位（man = 万人）", "unit of persons (man = 10,000 people)",
     "estimate report", "estimate", "person man"},
    {"min-cell", 0, "N", OptKind::Value, "5", "人数が 1～N-1 のセルを秘匿（0 で無効）", "suppress cells with 1..N-1 people (0 = off)",
     "estimate report tabulate compare", "estimate", ""},
    {"table", 0, "T", OptKind::Value, "prevalence",
     "--format csv の表: 出現率、年齢区分間の差（標準誤差つき）、重み付けの前後（--calibrate）",
     "the table of --format csv: prevalence, differences between age groups (with SE), before/after weighting (--calibrate)",
     "estimate", "estimate", "prevalence differences weighting"},
    {"stat", 0, "S", OptKind::Value, "prevalence",
     "推定する統計量: prevalence（出現率）、total（合計と推計人数、R の svytotal）、mean（平均、svymean）、ratio（比、svyratio）",
     "the statistic: prevalence, total (totals and estimated persons, R svytotal), mean (svymean), ratio (svyratio)", "estimate", "estimate",
     "prevalence total mean ratio"},
    {"var", 0, "VAR", OptKind::Value, "",
     "--stat の変数: total はコード型なら回答ごとの推計数、整数・数値型なら値の合計（省略で広義の推計人数）。mean・ratio（分子）は整数・数値型",
     "the --stat variable: total of a code variable gives the estimated number per answer, of an integer or number its sum (none: persons "
     "in broad hikikomori); mean and ratio (numerator): integer or number",
     "estimate", "estimate", ""},
    {"denominator", 0, "VAR", OptKind::Value, "", "--stat ratio の分母の変数（整数・数値型）", "the denominator of --stat ratio (integer or number)",
     "estimate", "estimate", ""},
    {"threads", 0, "N", OptKind::Value, "2", "1: 1スレッド、2～64: ファイルを区間に分けて N スレッドで読む（出力は同じ）",
     "1: one thread; 2-64: parse the file in byte ranges on N threads (same output)", "estimate tabulate report", "estimate", ""},
    // variance
    {"replicates", 0, "TYPE", OptKind::Value, "",
     "反復重みで標準誤差（設計から作成。コードブックに反復重みの列があればその型）",
     "replicate-weight SEs (created from the design; with replicate columns in the codebook, their type)",
     "estimate tabulate report", "variance", "jk1 jkn bootstrap subbootstrap brr fay"},
    {"replicates-n", 0, "N", OptKind::Value, "100", "作る bootstrap・subbootstrap の反復数", "bootstrap / subbootstrap replicates to create",
     "estimate tabulate report", "variance", ""},
    {"seed", 0, "S", OptKind::Value, "1", "bootstrap・subbootstrap の乱数の種", "random seed of the bootstrap / subbootstrap",
     "estimate tabulate replicate report", "variance", ""},
    {"calibrate", 0, "", OptKind::Flag, "",
     "実行設定の [weighting] の母集団の表に重み付けし（hkstat weight と同じ）、較正を考慮した標準誤差で計算",
     "weight to the population tables of the run configuration's [weighting] (as hkstat weight) and use calibration-aware SEs",
     "estimate tabulate report", "variance", ""},
    // tables
    {"var", 0, "VAR[,VAR]", OptKind::Value, "", "集計する変数（コードブックの変数名）", "variables to tabulate (codebook names)",
     "tabulate", "tabulate", ""},
    {"stat", 0, "S", OptKind::Value, "percent",
     "表の統計量: percent（回答の割合）、total（回答ごとの推計数と標準誤差、R の svytotal。1つのコード型 --var、--by はコード型の変数）",
     "the statistic of the table: percent (share of each answer), total (estimated number per answer with its SE, R svytotal; one "
     "single-answer --var, --by a code variable)",
     "tabulate", "tabulate", "percent total"},
    {"var", 0, "V[,A=B]", OptKind::Value, "", "比較する設問（両方で同じ名前、または A名=B名）",
     "questions to compare (the same name in both, or NAME_A=NAME_B)", "compare", "tabulate", ""},
    {"domain", 0, "D[,D]", OptKind::Value, "all", "集計する範囲（all: 全体、broad: 広義、comparison: 比較群）",
     "who is tabulated (all, broad, comparison)", "tabulate compare", "tabulate", "all broad comparison"},
    {"test", 0, "BY", OptKind::Value, "",
     "単数回答の --var と性別（sex）・広義（broad）・単数回答の変数（名前、派生変数も可）の関連の Rao-Scott 検定",
     "Rao-Scott test of each single-answer --var against sex, broad, or a single-answer variable (by name; derived ones too)", "tabulate",
     "tabulate", ""},
    {"layout", 0, "L", OptKind::Value, "long", "表の形: long（グループ×回答の行、機械用 CSV）か cross（グループを列に、n つき）",
     "table layout: long (one row per group and answer; the machine CSV) or cross (groups as columns with their n)", "tabulate", "tabulate",
     "long cross"},
    // two surveys
    {"label", 0, "L", OptKind::Repeat, "", "出力での各調査の名前（ファイルの順に1回ずつ。既定: ファイル名）",
     "name of each survey in the output (once per file, in their order; default: file stem)", "compare", "compare", ""},
    {"label-a", 0, "L", OptKind::Value, "", "出力での調査 A の名前（既定: ファイル名）", "name of survey A in the output (default: file stem)",
     "compare", "compare", ""},
    {"label-b", 0, "L", OptKind::Value, "", "出力での調査 B の名前", "name of survey B in the output", "compare", "compare", ""},
    {"no-prevalence", 0, "", OptKind::Flag, "", "出現率は比べず、--var の設問だけ比較", "compare the --var tables only", "compare",
     "compare", ""},
    {"change-from", 0, "B", OptKind::Value, "first", "3つ以上の調査で、差の基準: 最初の調査（first）か前回（previous）",
     "with more than two surveys, the change of each from the first survey or from the previous one", "compare", "compare", "first previous"},
    {"chart", 0, "FILE.svg", OptKind::Value, "",
     "出現率の推移の折れ線グラフ（信頼区間つき）を FILE.svg に、--var の k 番目の設問のグラフ（単数回答は帯グラフ、複数回答は横棒）を FILE-k.svg に書く（それぞれ同名の .png も）",
     "write a line chart of the prevalence with intervals to FILE.svg and the chart of the k-th --var question (100% stacked bars for a "
     "single answer, bars for a multiple answer) to FILE-k.svg, each with the .png of the same name",
     "compare", "compare", "file"},
    {"xlsx", 0, "FILE.xlsx", OptKind::Value, "",
     "Excel ブックも書く: 設問ごとに調査を列にした表とそのグラフ（Excel のグラフ）、データシート、方法と出典",
     "also write an Excel workbook: for each question the table with the surveys as columns and its native chart, a data sheet, "
     "method and provenance",
     "compare", "compare", "file"},
    {"docx", 0, "FILE.docx", OptKind::Value, "",
     "Word 文書も書く（pandoc で作成）: 方法、番号つきの表（表N）とグラフ（図N）、注",
     "also write a Word document (made by pandoc): the method, numbered tables (表N) and charts (図N), the notes",
     "compare", "compare", "file"},
    // weighting
    {"method", 0, "M", OptKind::Value, "poststratify", "重み付けの方法", "weighting method", "weight", "weight",
     "poststratify rake linear none"},
    {"population-table", 0, "FILE[:V,V]", OptKind::Repeat, "",
     "母集団の表（見出し = 変数名と count）。rake・linear は周辺分布ごとに繰り返す",
     "population table (header: variable names and count); repeat per margin for rake / linear", "weight", "weight", "file"},
    {"count-column", 0, "NAME", OptKind::Value, "count", "母集団の表の人数の列", "the count column of the population tables",
     "weight", "weight", ""},
    {"band", 0, "NAME=VAR:15-19,…", OptKind::Repeat, "", "区分変数（VAR を省くと年齢）。繰り返し可",
     "a derived band variable (VAR omitted = age); may be repeated", "weight", "weight", ""},
    {"base-weight", 0, "VAR|none", OptKind::Value, "", "基本の重み（既定: role = \"weight\" の変数、なければ 1）",
     "base weight (default: the role-weight variable, else 1)", "weight", "weight", ""},
    {"weight-name", 0, "NAME", OptKind::Value, "calibrated_weight", "新しい重みの列の名前", "name of the new weight column", "weight",
     "weight", ""},
    {"response", 0, "VAR[=1,2]", OptKind::Value, "", "回答の有無の変数と回答を表すコード（既定 1）",
     "response indicator and the codes that mean responded (default 1)", "weight", "weight", ""},
    {"nonresponse-cells", 0, "VAR,VAR", OptKind::Value, "", "無回答調整の区分", "nonresponse adjustment cells", "weight", "weight", ""},
    {"unmatched", 0, "U", OptKind::Value, "error", "表にない区分・欠けた値の行: 停止（error）か重み 0（drop）",
     "rows whose category is missing from a table: stop (error) or weight 0 (drop)", "weight", "weight", "error drop"},
    {"epsilon", 0, "E", OptKind::Value, "1e-10", "収束の判定", "convergence tolerance", "weight", "weight", ""},
    {"max-iter", 0, "N", OptKind::Value, "", "反復の上限（既定: rake 100巡、linear 50回）",
     "iteration cap (default: 100 raking sweeps, 50 GREG steps)", "weight", "weight", ""},
    {"bounds", 0, "L,U", OptKind::Value, "", "linear の g（最終 / 入力の重み）の範囲（L < 1 < U）",
     "linear: bounds on g = final / input weight (L < 1 < U)", "weight", "weight", ""},
    {"trim", 0, "L,U", OptKind::Value, "", "重みを L～U に切り詰めて再配分", "trim weights to L..U and redistribute", "weight",
     "weight", ""},
    {"trim-strict", 0, "", OptKind::Flag, "", "すべての重みが範囲に入るまで切り詰めを繰り返す",
     "repeat trimming until every weight is within the bounds", "weight", "weight", ""},
    {"diagnostics", 0, "FILE", OptKind::Value, "", "診断表を標準出力ではなく FILE に書く",
     "write the diagnostics to FILE instead of standard output", "weight", "weight", "file"},
    // replicate weights
    {"type", 0, "TYPE", OptKind::Value, "", "反復重みの型（必須）", "replicate type (required)", "replicate", "replicate",
     "jk1 jkn bootstrap subbootstrap brr fay"},
    {"replicates", 0, "TYPE", OptKind::Value, "",
     "--type と同じ（estimate の --replicates と同じ意味）。旧い書き方の数値は --replicates-n",
     "the same as --type (as --replicates of estimate); a number, the old spelling, means --replicates-n", "replicate",
     "replicate", "jk1 jkn bootstrap subbootstrap brr fay"},
    {"replicates-n", 0, "N", OptKind::Value, "200", "bootstrap・subbootstrap の反復数", "bootstrap / subbootstrap replicates",
     "replicate", "replicate", ""},
    {"rho", 0, "P", OptKind::Value, "0.5", "Fay の ρ（0 < ρ < 1、--type fay）", "Fay's rho (0 < rho < 1, --type fay)", "replicate",
     "replicate", ""},
    {"prefix", 0, "NAME", OptKind::Value, "rep", "新しい列の名前 NAME1, NAME2, …", "names of the new columns NAME1, NAME2, ...",
     "replicate", "replicate", ""},
    // report
    {"out-dir", 0, "DIR", OptKind::Value, "./<名前>-report", "出力先のディレクトリ", "folder to create (default: ./<stem>-report)",
     "report", "report", "dir"},
    {"force", 0, "", OptKind::Flag, "", "既にある出力先のディレクトリを置き換える", "replace an existing report folder", "report",
     "report", ""},
    {"template", 0, "DIR", OptKind::Value, "", "テンプレート（既定: 組み込みの reports/templates/default）",
     "template (default: the built-in reports/templates/default)", "report", "report", "dir"},
    {"no-bom", 0, "", OptKind::Flag, "", "BOM なしの CSV（既定は BOM つき）", "CSV files without the UTF-8 BOM (default: with)",
     "report", "report", ""},
    {"timestamp", 0, "DATE", OptKind::Value, "", "レポートの日付、ISO 8601（既定: SOURCE_DATE_EPOCH、なければ日付なし）",
     "date of the report, ISO 8601 (default: SOURCE_DATE_EPOCH, else none)", "report", "report", ""},
    {"docx", 0, "", OptKind::Flag, "", "Word 版 report.docx も書く（pandoc が必要）", "also write a Word edition, report.docx (needs pandoc)",
     "report", "report", ""},
};
// clang-format on
#undef HK_DATA

bool has_command(const OptionSpec& s, std::string_view cmd) {
  std::string_view list = s.commands;
  while (!list.empty()) {
    const auto sp = list.find(' ');
    if (list.substr(0, sp) == cmd) return true;
    if (sp == std::string_view::npos) break;
    list.remove_prefix(sp + 1);
  }
  return false;
}

// Columns a string takes in a terminal: East Asian wide characters (kana, kanji, full-width forms) take two.
std::size_t display_width(std::string_view s) {
  std::size_t w = 0;
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    const std::size_t len = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : 4;
    std::uint32_t cp = len == 1 ? b : len == 2 ? (b & 0x1Fu) : len == 3 ? (b & 0x0Fu) : (b & 0x07u);
    for (std::size_t k = 1; k < len && i + k < s.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3Fu);
    w += (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) || (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                 (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) || (cp >= 0xFFE0 && cp <= 0xFFE6)
             ? 2
             : 1;
    i += len;
  }
  return w;
}

// `s` padded with spaces to `width` columns.
std::string pad(std::string_view s, std::size_t width) {
  const std::size_t w = display_width(s);
  return std::string(s) + std::string(w < width ? width - w : 0, ' ');
}

const char* tr(Lang lang, const char* ja, const char* en) { return lang == Lang::En ? en : ja; }

std::string option_label(const OptionSpec& s) {
  std::string out = fmt::format("--{}", s.name);
  if (s.short_name) out += fmt::format(", -{}", s.short_name);
  if (s.value_name[0]) out += fmt::format(" {}", s.value_name);
  return out;
}

bool is_choice_list(const OptionSpec& s) {
  const std::string_view c = s.complete;
  return !c.empty() && c != "file" && c != "dir" && c != "none";
}

std::string choices_text(const OptionSpec& s, const char* sep) {
  std::string out, c = s.complete;
  std::istringstream in(c);
  for (std::string w; in >> w;) out += (out.empty() ? "" : sep) + w;
  return out;
}

// The help of one option: text, choices, default.
std::string option_help(const OptionSpec& s, Lang lang) {
  std::string out = tr(lang, s.ja, s.en);
  if (is_choice_list(s) && s.kind != OptKind::Flag) out += (lang == Lang::En ? ": " : "：") + choices_text(s, " | ");
  if (s.def[0]) out += lang == Lang::En ? fmt::format(" (default {})", s.def) : fmt::format("（既定 {}）", s.def);
  return out;
}

std::string exit_codes(Lang lang) {
  return lang == Lang::En ? "Exit codes: 0 ok, 2 usage, 3 data, 4 codebook/rule-set/config, 5 I/O, 6 cannot estimate, 70 internal (docs/cli.md)\n"
                          : "終了コード: 0 成功, 2 使い方の誤り, 3 データの誤り, 4 コードブック・判定基準・設定の誤り,\n"
                            "            5 入出力の誤り, 6 推定できない, 70 内部エラー（docs/cli.md）\n";
}

// Text for roff. Japanese has no spaces to break lines at: `cjk_breaks` lets a line break after every wide
// character (\:, a zero-width break point), as Japanese text is set.
std::string roff_escape(std::string_view s, bool cjk_breaks = false) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '\\') out += "\\e";
    else if (c == '-') out += "\\-";
    else out += c;
    const auto b = static_cast<unsigned char>(c);
    // The last byte of a 3-byte UTF-8 sequence (CJK, kana, full-width forms are 3 bytes): a break point after it.
    if (cjk_breaks && b >= 0x80 && b < 0xC0 && i >= 2 && (static_cast<unsigned char>(s[i - 2]) >> 4) == 0xE) out += "\\:";
  }
  if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out.insert(0, "\\&");
  return out;
}

std::string md_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\|";
    else out += c;
  }
  return out;
}

} // namespace

std::span<const OptionSpec> option_table() { return kOptions; }
std::span<const CommandSpec> command_table() { return kCommands; }

const CommandSpec* find_command(std::string_view id) {
  for (const auto& c : kCommands)
    if (c.id == id) return &c;
  return nullptr;
}

std::vector<const OptionSpec*> options_of(std::string_view command_id) {
  std::vector<const OptionSpec*> out;
  for (const auto& s : kOptions)
    if (has_command(s, command_id)) out.push_back(&s);
  return out;
}

const OptionSpec* find_option(std::string_view command_id, std::string_view name) {
  for (const auto& s : kOptions) {
    const bool match = name == s.name || (name.size() == 1 && s.short_name == name[0]);
    if (match && (command_id.empty() || has_command(s, command_id))) return &s;
  }
  return nullptr;
}

std::string suggest_command(std::string_view typed) {
  std::vector<std::string> names = {"help", "version"};
  for (const auto& c : kCommands)
    if (std::string_view(c.id).find('-') == std::string_view::npos) names.emplace_back(c.id);
  names.emplace_back("codebook");
  return io::did_you_mean(typed, names).value_or("");
}

std::string global_help(Lang lang) {
  const bool en = lang == Lang::En;
  std::string out = en ? "hkstat — tabulation toolkit for hikikomori fact-finding surveys\n\nUsage:\n"
                       : "hkstat — ひきこもり実態調査の集計ツール\n\n使い方:\n";
  std::vector<std::pair<std::string, std::string>> rows;
  for (const auto& c : kCommands) rows.emplace_back(fmt::format("hkstat {} {}", c.name, en ? c.args_en : c.args_ja), tr(lang, c.ja, c.en));
  rows.emplace_back(en ? "hkstat help [COMMAND] | --help" : "hkstat help [コマンド] | --help", en ? "this text, or the options of a command" : "この説明、またはコマンドのオプション");
  rows.emplace_back("hkstat version | --version", en ? "version" : "バージョン");
  for (const auto& [usage, what] : rows) {
    if (display_width(usage) <= 44) out += fmt::format("  {} {}\n", pad(usage, 44), what);
    else out += fmt::format("  {}\n  {} {}\n", usage, pad("", 44), what);
  }
  out += en ? "\nEach command's options: hkstat help COMMAND (or hkstat COMMAND --help); all of them: man hkstat, docs/cli.md.\n"
              "--lang en (English output and messages) may come before or after the command.\n\n"
            : "\n各コマンドのオプション: hkstat help コマンド（または hkstat コマンド --help）。すべて: man hkstat、docs/cli.md。\n"
              "--lang en（英語の出力とメッセージ）はコマンドの前にも後にも書けます。\n\n";
  out += exit_codes(lang);
  return out;
}

std::string command_help(std::string_view command_id, Lang lang) {
  const CommandSpec* c = find_command(command_id);
  if (!c) return global_help(lang);
  const bool en = lang == Lang::En;
  std::string out = fmt::format("{}: hkstat {} {}\n{}\n", en ? "Usage" : "使い方", c->name, en ? c->args_en : c->args_ja, tr(lang, c->ja, c->en));
  const auto opts = options_of(command_id);
  for (const auto& g : kGroups) {
    std::string block;
    for (const OptionSpec* s : opts) {
      if (std::string_view(s->group) != g.id) continue;
      const std::string label = option_label(*s);
      const std::string help = option_help(*s, lang);
      if (label.size() <= 26) block += fmt::format("  {:<26} {}\n", label, help);
      else block += fmt::format("  {}\n  {:<26} {}\n", label, "", help);
    }
    if (!block.empty()) out += fmt::format("\n{}:\n{}", tr(lang, g.ja, g.en), block);
  }
  out += fmt::format("\n  {:<26} {}\n", "--help, -h", en ? "this text" : "この説明");
  out += en ? "\nDetails: docs/cli.md, man hkstat.\n" : "\n詳しくは docs/cli.md、man hkstat。\n";
  out += exit_codes(lang);
  return out;
}

std::string man_page(Lang lang, std::string_view version) {
  const bool en = lang == Lang::En;
  const auto esc = [&](std::string_view t) { return roff_escape(t, !en); };
  std::string out = "'\\\" t\n.\\\" hkstat.1 — generated from cli/options.cpp by hkstat-gen-docs; do not edit.\n";
  out += fmt::format(".TH HKSTAT 1 \"\" \"hkstat {}\" \"{}\"\n", roff_escape(version), en ? "User Commands" : "ユーザーコマンド");
  out += en ? ".SH NAME\nhkstat \\- tabulation toolkit for hikikomori fact\\-finding surveys\n"
            : ".SH 名前\nhkstat \\- ひきこもり実態調査の集計ツール\n";
  if (!en) out += ".ad l\n"; // Japanese lines are not justified
  out += en ? ".SH SYNOPSIS\n" : ".SH 書式\n";
  for (const auto& c : kCommands) out += fmt::format(".B hkstat {}\n{}\n.br\n", roff_escape(c.name), esc(en ? c.args_en : c.args_ja));
  out += ".B hkstat help\n[COMMAND]\n.br\n.B hkstat version\n";
  out += en ? ".SH DESCRIPTION\nhkstat estimates the prevalence of social withdrawal (hikikomori) from municipal survey data "
              "described by a codebook, and tabulates, compares, weights and reports it. Messages are in Japanese; "
              "\\fB\\-\\-lang en\\fR switches output and messages to English and may come before the command.\n"
            : ".SH 説明\n" + esc("hkstat はコードブックで記述した自治体の実態調査のデータから、ひきこもりの出現率を推計し、"
                                 "集計・比較・重み付け・レポートを作ります。") +
                  "\n\\fB\\-\\-lang en\\fR\n" + esc("で出力とメッセージが英語になります（コマンドの前にも書けます）。") + "\n";
  out += en ? ".SH COMMANDS\n" : ".SH コマンド\n";
  for (const auto& c : kCommands) {
    out += fmt::format(".SS hkstat {}\n{}\n", roff_escape(c.name), esc(tr(lang, c.ja, c.en)));
    for (const OptionSpec* s : options_of(c.id)) {
      std::string label = "\\-\\-" + roff_escape(s->name);
      if (s->short_name) label += fmt::format(", \\-{}", s->short_name);
      if (s->value_name[0]) out += fmt::format(".TP\n.BI \"{} \" \"{}\"\n", label, roff_escape(s->value_name));
      else out += fmt::format(".TP\n.B {}\n", label);
      out += esc(option_help(*s, lang)) + "\n";
    }
  }
  out += en ? ".SH EXIT STATUS\n" : ".SH 終了ステータス\n";
  const std::vector<std::pair<const char*, std::pair<const char*, const char*>>> codes = {
      {"0", {"成功", "success"}},
      {"2", {"使い方の誤り（未知のコマンド・オプション、不正な値）", "usage: unknown command or option, invalid option value"}},
      {"3", {"データの誤り", "data file: structural problem, or rows with invalid values"}},
      {"4", {"コードブック・判定基準・実行設定の誤り", "codebook, rule-set or run configuration invalid"}},
      {"5", {"入出力の誤り", "I/O: an input cannot be read or the output cannot be written"}},
      {"6", {"推定できない", "cannot estimate"}},
      {"70", {"内部エラー（不具合）", "internal error (a bug)"}}};
  for (const auto& [code, text] : codes) out += fmt::format(".TP\n.B {}\n{}\n", code, esc(en ? text.second : text.first));
  out += en ? ".SH SEE ALSO\ndocs/cli.md, docs/codebook.md, docs/estimation.md in the hkstat sources; \\fBhkstat help\\fR \\fICOMMAND\\fR.\n"
            : ".SH 関連項目\nhkstat のソースの docs/cli.md、docs/codebook.md、docs/estimation.md、docs/ja/guide.md。"
              "\\fBhkstat help\\fR \\fIコマンド\\fR。\n";
  return out;
}

std::string bash_completion() {
  std::string out = "# bash completion for hkstat — generated from cli/options.cpp by hkstat-gen-docs; do not edit.\n";
  out += "_hkstat() {\n"
         "  local cur prev cmd w i\n"
         "  cur=${COMP_WORDS[COMP_CWORD]}\n"
         "  prev=\n"
         "  (( COMP_CWORD > 0 )) && prev=${COMP_WORDS[COMP_CWORD-1]}\n"
         "  cmd=\n"
         "  for (( i = 1; i < COMP_CWORD; i++ )); do\n"
         "    w=${COMP_WORDS[i]}\n"
         "    case $w in\n"
         "      --lang) (( i++ )) ;;\n"
         "      -*) ;;\n"
         "      *) if [[ -z $cmd ]]; then cmd=$w; elif [[ $cmd == codebook && ( $w == init || $w == check ) ]]; then cmd=codebook-$w; fi ;;\n"
         "    esac\n"
         "  done\n"
         "  case $prev in\n"
         "    --lang) COMPREPLY=($(compgen -W 'ja en' -- \"$cur\")); return ;;\n"
         "  esac\n";
  std::string commands = "help version";
  for (const auto& c : kCommands)
    if (std::string_view(c.id).find('-') == std::string_view::npos) commands += std::string(" ") + c.id;
  commands += " codebook";
  out += "  if [[ -z $cmd ]]; then\n"
         "    if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W '--lang --help --version' -- \"$cur\"))\n"
         "    else COMPREPLY=($(compgen -W '" + commands + "' -- \"$cur\")); fi\n"
         "    return\n"
         "  fi\n";
  // Values: one case per (command, option) with choices, files or directories.
  out += "  case \"$cmd:$prev\" in\n";
  for (const auto& s : kOptions) {
    if (s.kind == OptKind::Flag || !s.complete[0]) continue;
    std::string pattern;
    std::string list = s.commands;
    std::istringstream in(list);
    for (std::string c; in >> c;) {
      pattern += (pattern.empty() ? "" : "|") + fmt::format("{}:--{}", c, s.name);
      if (s.short_name) pattern += fmt::format("|{}:-{}", c, s.short_name);
    }
    const std::string_view how = s.complete;
    std::string action = how == "file" ? "compgen -f -- \"$cur\"" : how == "dir" ? "compgen -d -- \"$cur\"" : fmt::format("compgen -W '{}' -- \"$cur\"", s.complete);
    out += fmt::format("    {}) COMPREPLY=($({})); return ;;\n", pattern, action);
  }
  // Any other option that takes a value: no completion of its value.
  std::string value_pattern;
  for (const auto& c : kCommands)
    for (const OptionSpec* s : options_of(c.id))
      if (s->kind != OptKind::Flag && !s->complete[0]) value_pattern += (value_pattern.empty() ? "" : "|") + fmt::format("{}:--{}", c.id, s->name);
  out += fmt::format("    {}) COMPREPLY=(); return ;;\n", value_pattern);
  out += "  esac\n";
  out += "  if [[ $cur == -* ]]; then\n    case $cmd in\n";
  for (const auto& c : kCommands) {
    std::string words;
    for (const OptionSpec* s : options_of(c.id)) words += fmt::format("--{} ", s->name);
    out += fmt::format("      {}) COMPREPLY=($(compgen -W '{}--help' -- \"$cur\")) ;;\n", c.id, words);
  }
  out += "    esac\n    return\n  fi\n";
  out += "  case $cmd in\n"
         "    codebook) COMPREPLY=($(compgen -W 'init check' -- \"$cur\")) ;;\n"
         "    help) COMPREPLY=($(compgen -W '" + commands + "' -- \"$cur\")) ;;\n"
         "    version) COMPREPLY=() ;;\n"
         "    *) COMPREPLY=($(compgen -f -- \"$cur\")) ;;\n"
         "  esac\n"
         "}\n"
         "complete -o filenames -o bashdefault -F _hkstat hkstat\n";
  return out;
}

std::string markdown_reference() {
  std::string out = std::string(kDocsBegin) + "\n\n";
  for (const auto& c : kCommands) {
    out += fmt::format("### Options of `hkstat {}`\n\n`hkstat {} {}` — {}\n\n| option | meaning |\n|---|---|\n", c.name, c.name, c.args_en, c.en);
    for (const OptionSpec* s : options_of(c.id)) out += fmt::format("| `{}` | {} |\n", md_escape(option_label(*s)), md_escape(option_help(*s, Lang::En)));
    out += "\n";
  }
  out += std::string(kDocsEnd) + "\n";
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// OptionBinder

OptionBinder::OptionBinder(std::string command_id) : command_(std::move(command_id)), desc_(""), hidden_("") {}

const OptionSpec& OptionBinder::spec(const char* name) {
  const OptionSpec* s = find_option(command_, name);
  if (!s || !bound_.insert(name).second)
    throw Error(Problem{ErrorCode::Internal, SourcePos{}, name,
                        Text{fmt::format("オプション表（cli/options.cpp）に {} の --{} がないか、2回登録されています", command_, name),
                             fmt::format("the option table (cli/options.cpp) has no --{} for {}, or it is bound twice", name, command_)},
                        Text{}, ""});
  return *s;
}

void OptionBinder::add(const OptionSpec& s, const po::value_semantic* v) {
  const std::string names = s.short_name ? fmt::format("{},{}", s.name, s.short_name) : std::string(s.name);
  desc_.add_options()(names.c_str(), v, s.en);
}

void OptionBinder::operator()(const char* name, bool* target) {
  const OptionSpec& s = spec(name);
  add(s, po::bool_switch(target));
}

void OptionBinder::positional(const char* name, std::string* target) {
  hidden_.add_options()(name, po::value(target), "");
  positional_.add(name, 1);
}

void OptionBinder::positional_rest(const char* name, std::vector<std::string>* target) {
  hidden_.add_options()(name, po::value(target), "");
  positional_.add(name, -1);
}

po::variables_map OptionBinder::parse(const std::vector<std::string>& args) {
  for (const OptionSpec* s : options_of(command_))
    if (!bound_.count(s->name))
      throw Error(Problem{ErrorCode::Internal, SourcePos{}, s->name,
                          Text{fmt::format("オプション表の --{} を {} が受け付けていません", s->name, command_),
                               fmt::format("{} does not bind --{} of the option table", command_, s->name)},
                          Text{}, ""});
  po::options_description all;
  all.add(desc_).add(hidden_);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(all).positional(positional_).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    rethrow(e);
  }
  return vm;
}

void OptionBinder::rethrow(const po::error& e) const {
  const CommandSpec* c = find_command(command_);
  const std::string cmd = c ? c->name : command_;
  const std::string see = fmt::format("hkstat help {}", cmd);
  if (const auto* u = dynamic_cast<const po::unknown_option*>(&e)) {
    const std::string typed = u->get_option_name();
    std::vector<std::string> names;
    for (const OptionSpec* s : options_of(command_)) names.push_back(fmt::format("--{}", s->name));
    names.emplace_back("--help");
    const auto guess = io::did_you_mean(typed, names);
    Text msg = guess ? Text{fmt::format("{} にこのオプションはありません。もしかして {} ですか", cmd, *guess),
                            fmt::format("{} has no such option; did you mean {}?", cmd, *guess)}
                     : Text{fmt::format("{} にこのオプションはありません", cmd), fmt::format("{} has no such option", cmd)};
    Text hint = guess ? Text{fmt::format("{}（オプションの一覧: {}）", *guess, see), fmt::format("{} (the options: {})", *guess, see)}
                      : Text{fmt::format("オプションの一覧: {}", see), fmt::format("the options: {}", see)};
    throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{}, typed, msg, hint, ""});
  }
  if (const auto* v = dynamic_cast<const po::validation_error*>(&e)) {
    const std::string opt = v->get_option_name();
    const OptionSpec* s = find_option(command_, opt.size() > 2 ? std::string_view(opt).substr(2) : std::string_view(opt));
    const std::string what = s && s->value_name[0] ? fmt::format(" {}", s->value_name) : "";
    switch (v->kind()) {
    case po::validation_error::invalid_option_value:
      throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{}, "",
                          Text{fmt::format("{} の値が不正です", opt), fmt::format("invalid value of {}", opt)},
                          Text{fmt::format("{}{}（{}）", opt, what, see), fmt::format("{}{} ({})", opt, what, see)}, ""});
    default: break;
    }
  }
  if (const auto* m = dynamic_cast<const po::multiple_occurrences*>(&e))
    throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{}, m->get_option_name(),
                        Text{"同じオプションが2回指定されています", "the option is given twice"}, Text{"1回だけ指定", "give it once"}, ""});
  if (dynamic_cast<const po::too_many_positional_options_error*>(&e))
    throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{}, "",
                        Text{fmt::format("{} に渡すファイルが多すぎます", cmd), fmt::format("too many file arguments for {}", cmd)},
                        Text{fmt::format("hkstat {} {}", cmd, find_command(command_) ? find_command(command_)->args_ja : ""),
                             fmt::format("hkstat {} {}", cmd, find_command(command_) ? find_command(command_)->args_en : "")},
                        ""});
  if (const auto* a = dynamic_cast<const po::ambiguous_option*>(&e)) {
    std::string alts;
    for (const auto& x : a->alternatives()) alts += (alts.empty() ? "" : ", ") + ("--" + x);
    throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{}, a->get_option_name(),
                        Text{"省略したオプション名が複数に当てはまります", "the abbreviated option matches several options"}, Text{alts, alts}, ""});
  }
  if (const auto* s = dynamic_cast<const po::invalid_command_line_syntax*>(&e)) {
    if (s->kind() == po::invalid_syntax::missing_parameter) {
      const OptionSpec* spec_ = find_option(command_, std::string_view(s->get_option_name()).substr(std::min<std::size_t>(2, s->get_option_name().size())));
      const std::string value = spec_ && spec_->value_name[0] ? spec_->value_name : "…";
      throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{}, s->get_option_name(),
                          Text{"オプションに値がありません", "the option needs a value"},
                          Text{fmt::format("{} {}", s->get_option_name(), value), fmt::format("{} {}", s->get_option_name(), value)}, ""});
    }
  }
  throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{}, "", Text{e.what(), e.what()}, Text{see, see}, ""});
}

} // namespace hkstat::cli
