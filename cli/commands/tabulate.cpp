// hkstat tabulate FILE --var NAME[,NAME...] — distributions of single- and multiple-answer questions,
// overall or within the 広義 / comparison groups, optionally by age band and sex (docs/tabulate.md).
#include "commands/commands.hpp"
#include "commands/statistic.hpp"
#include "common.hpp"
#include "design_options.hpp"
#include "prevalence_options.hpp"

#include "hkstat/estimate/variance_kind.hpp"
#include "hkstat/classify/classify.hpp"
#include "hkstat/roster/persons.hpp"
#include "hkstat/tabulate/accumulator.hpp"
#include "hkstat/tabulate/association_accumulator.hpp"
#include "hkstat/tabulate/cross_table.hpp"
#include "hkstat/tabulate/tabulate.hpp"

#include <fmt/format.h>

#include <exception>
#include <iostream>
#include <optional>

namespace hkstat::cli {

int run_tabulate(const std::vector<std::string>& args) {
  CommonOptions o;
  std::string vars, domain = "all", by = "none", rules, ci, lonely_psu, test, where, layout = "long", stat = "percent", audit_out;
  double level = 0;
  int min_cell = -1, threads = 2;
  bool intervals = false, members = false;
  DesignArgs da;
  OptionBinder b("tabulate");
  add_common_options(b, o);
  b("var", &vars);
  b("domain", &domain);
  b("by", &by);
  b("where", &where);
  b("layout", &layout);
  b("min-cell", &min_cell);
  b("ci", &ci);
  b("test", &test);
  b("lonely-psu", &lonely_psu);
  b("level", &level);
  b("intervals", &intervals);
  b("members", &members);
  b("rules", &rules);
  b("threads", &threads);
  b("stat", &stat);
  b("audit-out", &audit_out);
  add_design_options(b, da);
  b.positional("input", &o.input);
  const po::variables_map vm = b.parse(args);
  if (o.input.empty())
    usage_error("データファイルを指定してください: hkstat tabulate survey.csv --var 問17", "give a data file: hkstat tabulate survey.csv --var Q17");
  if (vars.empty()) usage_error("集計する変数を --var で指定してください（例: --var 問17,問21）", "give the variable(s) to tabulate with --var (e.g. --var Q17,Q21)");
  const Format format = o.output_format();
  if (layout != "long" && layout != "cross") usage_error("--layout は long か cross です", "--layout must be long or cross", layout);
  const bool cross = layout == "cross";

  tabulate::TabulateOptions topt;
  topt.domains = tabulate::parse_domains(domain);
  topt.by = tabulate::parse_by(by);
  std::vector<std::string> names;
  for (std::size_t start = 0; start <= vars.size();) {
    const auto comma = vars.find(',', start);
    const std::string name = vars.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (name.empty()) usage_error("--var に空の変数名があります", "--var has an empty variable name", vars);
    names.push_back(name);
    start = comma == std::string::npos ? vars.size() + 1 : comma + 1;
  }

  if (stat != "percent" && stat != "total")
    usage_error("tabulate の --stat は percent か total です（平均・比は hkstat estimate --stat mean・ratio）",
                "tabulate --stat must be percent or total (means and ratios: hkstat estimate --stat mean or ratio)", stat);
  if (stat == "total") {
    // The estimated number answering each code (R svytotal(~factor(VAR)), svyby for --by): the totals of
    // estimate --stat total --var VAR, whose accumulator and table serve it (docs/tabulate.md "--stat total").
    const auto refuse = [&](const char* opt) {
      usage_error(fmt::format("--stat total では {} を使えません", opt), fmt::format("--stat total does not take {}", opt), opt);
    };
    if (names.size() != 1) usage_error("--stat total の --var は1つです", "--stat total takes one --var", vars);
    if (domain != "all") refuse("--domain");
    if (topt.by.age != tabulate::AgeBands::None) refuse("--by age5|age10|age2");
    if (!test.empty()) refuse("--test");
    if (vm.count("layout")) refuse("--layout");
    if (!ci.empty()) refuse("--ci");
    if (intervals) refuse("--intervals");
    PrevalenceArgs pa;
    pa.lonely_psu = lonely_psu;
    pa.level = level;
    DisplayArgs dargs;
    dargs.rules = rules;
    dargs.min_cell = min_cell;
    if (topt.by.variables.size() > 1)
      usage_error("--stat total の --by は変数1つです（掛け合わせは --stat percent で）", "--stat total takes one --by variable (crossings: --stat percent)", by);
    const std::string by_var = topt.by.levels() ? topt.by.variables.front() : std::string();
    return run_estimate_statistic(StatisticArgs{"total", names[0], "", by_var, where, threads == 1 ? 1 : 2}, o, vm, dargs, pa, da);
  }

  bool groups = false;
  for (auto d : topt.domains) groups = groups || d != tabulate::Domain::All;
  std::optional<tabulate::TestBy> test_by;
  std::optional<tabulate::TestTarget> test_target; // sex, broad or a code variable of the codebook
  if (vm.count("test")) {
    test_target = tabulate::parse_test_target(test);
    test_by = test_target->by;
  }
  if (test_by == tabulate::TestBy::Broad) groups = true;
  std::set<codebook::Role> required;
  if (groups) required = {codebook::Role::Outing, codebook::Role::Duration};
  if (topt.by.age != tabulate::AgeBands::None) required.insert(codebook::Role::Age);
  if (topt.by.sex() || test_by == tabulate::TestBy::Sex) required.insert(codebook::Role::Sex);
  if (threads < 1 || threads > 64) usage_error("--threads は 1～64 です", "--threads must be 1 to 64", std::to_string(threads));
  run_outputs().declare_file(audit_out, "--audit-out");
  run_outputs().add_input(rules);
  Sources src = resolve_sources(o, required);
  const auto& cfg = src.config;
  for (const auto& name : names) tabulate::tabulated_variable(src.codebook, name);
  std::vector<std::string> needed_columns; // --by / --where variables: their CSV columns must be in the data
  for (const std::string& v : topt.by.variables)
    if (v != "sex") needed_columns.push_back(tabulate::by_variable(src.codebook, v).name);
  if (test_by == tabulate::TestBy::Variable) { // a code variable (derived ones included): its CSV column must be in the data
    const codebook::Variable* tv = src.codebook.by_name(test_target->variable);
    if (!tv || tv->type != codebook::VarType::Code)
      usage_error("--test の相手は sex、broad、またはコードブックの単数回答（code）の変数です",
                  "--test takes sex, broad or a single-answer (code) variable of the codebook", test_target->variable);
    needed_columns.push_back(tv->name);
  }
  if (vm.count("where")) {
    if (test_by)
      usage_error("--where と --test は同時に使えません（検定は回答者全体で行います）", "--where and --test cannot be combined (the test is on all respondents)", where);
    topt.where.emplace(where, src.codebook);
    for (const std::string& v : topt.where->variables()) needed_columns.push_back(v);
  }

  if (!ci.empty()) topt.ci_method = estimate::parse_ci_method(ci);
  else if (cfg.ci_method) topt.ci_method = estimate::parse_ci_method(*cfg.ci_method);
  topt.lonely = estimate::parse_lonely_psu(!lonely_psu.empty() ? lonely_psu : cfg.lonely_psu.value_or("fail"));
  topt.level = vm.count("level") ? level : cfg.level.value_or(0.95);
  check_level_option(topt.level);
  topt.min_cell = vm.count("min-cell") ? min_cell : cfg.min_cell.value_or(5);
  check_min_cell_option(topt.min_cell);
  if (intervals) topt.intervals = true; // else by the survey kind: none for full counts (agency, intake)
  std::optional<classify::RuleSet> rs;
  if (groups) rs = classify::resolve_ruleset(!rules.empty() ? rules : cfg.ruleset.value_or(classify::kDefaultRuleSet));

  // A requested variable whose column is not in the CSV would tabulate as all 無回答: stop instead.
  const auto check_columns = [&](const std::vector<Problem>& warnings) {
    for (const auto& w : warnings) {
      for (const auto& name : names)
        if (w.code == ErrorCode::CsvMissingColumn && w.pos.key == name) throw Error(w);
      for (const auto& name : needed_columns)
        if (w.code == ErrorCode::CsvMissingColumn && w.pos.key == name) throw Error(w);
    }
  };

  // Linearised, simple-sample and created-replicate tables without a test need no row twice: the data are
  // streamed in batches through the single-pass accumulator (memory flat in the rows for a clustered
  // design; created replicates are PSU multipliers on its per-PSU sums; the likelihood interval is R's svyglm
  // path from each block's (weight, y) groups; supplied replicate columns are summed per block, cell and
  // replicate). --calibrate (any method, with or without a psu column, a regular file: calibration_streams) reads the
  // file twice (calibrated_passes): the combination table and fit, then the weighted rows into the accumulator with
  // their combinations (the calibration residuals from per-(PSU, combination) sums), and with --test the test
  // accumulators with them (the two-way cells' residuals); other calibrations read the data set whole. The tables are the same either way (tabulate() is the same accumulator; the calibrated ones to
  // rounding, docs/performance.md "Eighth session, calst2").
  // The variance kind: one value, resolved by the library from the codebook and the request.
  const estimate::VarianceKind kind = estimate::resolve_variance_kind(src.codebook, {da.replicates, da.calibrate});
  const bool created = kind == estimate::VarianceKind::CreatedReplicates;
  if (created) apply_created_replicates(da, topt);
  // --members: the respondents and the household members they report, as persons: each batch's respondents as they
  // are read, their members kept (bounded by the members) and tabulated after the last respondent
  // (roster::PersonsStream: the persons of roster::persons_data on the whole file, in its order).
  if (members) {
    if (!src.codebook.roster)
      usage_error(fmt::format("--members には家族票（コードブックの [roster]）が必要です。{} にはありません", src.codebook.path),
                  fmt::format("--members needs a household roster (the codebook's [roster]); {} has none", src.codebook.path));
    if (da.calibrate || (kind != estimate::VarianceKind::Linearised && kind != estimate::VarianceKind::Srs))
      usage_error("--members は --calibrate・反復重みとは一緒に使えません（家族の重みは回答者の重みです）",
                  "--members does not combine with --calibrate or replicate weights (members carry the respondent's weight)");
  }
  // --test streams too (the Rao–Scott two-way sums per PSU, or per stratum without a psu column, and with replicates
  // the replicate cell proportions from the same sums: tabulate/association_accumulator.hpp), by sex, broad or a
  // code variable, with --members too; with --calibrate in the two passes below where the table streams (the cells'
  // calibration residuals from CalibratedSums: association_accumulator.hpp), otherwise the file is read whole.
  const bool stream_test = test_by && kind != estimate::VarianceKind::Calibrated;
  // Supplied replicate columns stream (summed per block, cell and replicate).
  const bool supplied = kind == estimate::VarianceKind::SuppliedReplicates;
  // --calibrate in two passes: the table, and --test's two-way cells.
  const bool cal_stream = da.calibrate && kind == estimate::VarianceKind::Calibrated && !members &&
                          calibration_streams(o, src, true);
  const bool whole = !cal_stream && (estimate::needs_rows(kind) || (test_by && !stream_test));
  // --members: every variable the table reads must be asked about the members too (their own answer, by role).
  const auto check_members_asked = [&](const roster::Members& mem, const codebook::Codebook& cb) {
    std::vector<std::string> asked = names;
    asked.insert(asked.end(), needed_columns.begin(), needed_columns.end());
    if (topt.by.sex() || test_by == tabulate::TestBy::Sex) asked.emplace_back("sex");
    if (topt.by.age != tabulate::AgeBands::None) asked.emplace_back("age");
    const roster::MemberView view = roster::member_view(mem, cb, asked);
    if (!view.lacking.empty())
      usage_error(fmt::format("--members: 変数「{}」は家族には尋ねていません（家族票に同じ役割の設問がありません）。家族票にもある役割の変数（性別・年齢・外出・期間・理由など）を指定するか、--members を外してください",
                              view.lacking.front()),
                  fmt::format("--members: variable \"{}\" is not asked about the household members (the roster has no question with its role); "
                              "give variables whose role the roster asks too (sex, age, outing, duration, reasons, …), or leave out --members",
                              view.lacking.front()),
                  view.lacking.front());
  };
  std::vector<tabulate::Distribution> dists;
  std::optional<Inputs> in;
  std::optional<StreamedMeta> streamed;
  std::optional<Calibrated> cal;
  std::optional<classify::Classification> cls;
  std::vector<tabulate::AssociationTest> tests;
  std::optional<roster::PersonsData> persons;
  if (cal_stream) {
    std::optional<tabulate::TabulateAccumulator> acc;
    // The tests of the single-answer variables, as in the stream below; an error of theirs is thrown after the tables.
    std::vector<tabulate::AssociationAccumulator> assoc;
    std::vector<std::exception_ptr> assoc_error;
    read_more_than_once(o, src);
    CalibratedPasses passes = calibrated_passes(
        o, src, threads, std::cerr, check_columns, [](const data::Dataset&) {}, [] {},
        [&](std::shared_ptr<const estimate::CombinationCalibration> fit, const StreamedMeta&) {
          if (test_by)
            for (const auto& name : names)
              if (const auto* v = src.codebook.by_name(name); v && v->type == codebook::VarType::Code) assoc.emplace_back(name, *test_target, topt, fit);
          assoc_error.resize(assoc.size());
          acc.emplace(names, topt, std::move(fit));
        },
        [&](const data::Dataset& part, const std::vector<std::size_t>& comb, const std::vector<double>& input) {
          std::optional<classify::Classification> bc;
          if (rs) bc = classify::classify(part, *rs);
          acc->add(part, bc ? &*bc : nullptr, comb, input);
          for (std::size_t i = 0; i < assoc.size(); ++i) {
            if (assoc_error[i]) continue;
            try {
              assoc[i].add(part, bc ? &*bc : nullptr, comb, input);
            } catch (...) {
              assoc_error[i] = std::current_exception();
            }
          }
        });
    streamed = std::move(passes.meta);
    if (acc->rows() == 0) acc->add(streamed->meta, nullptr, {}, {}); // no weighted row: the error names the file
    dists = acc->finish();
    for (tabulate::Distribution& d : dists) d.weighting = passes.weighting;
    for (std::size_t i = 0; i < assoc.size(); ++i) {
      if (assoc_error[i]) std::rethrow_exception(assoc_error[i]);
      tests.push_back(assoc[i].finish());
    }
    if (rs) cls = classify::Classification{*rs, {}, {}};
  } else if (!whole) {
    if (supplied) apply_replicate_columns(da, src.codebook, topt);
    tabulate::TabulateAccumulator acc(names, topt);
    // The tests of the single-answer variables, in order; an error of theirs is thrown where association_test
    // would throw it (after the tables).
    std::vector<tabulate::AssociationAccumulator> assoc;
    std::vector<std::exception_ptr> assoc_error;
    if (test_by)
      for (const auto& name : names)
        if (const auto* v = src.codebook.by_name(name); v && v->type == codebook::VarType::Code) assoc.emplace_back(name, *test_target, topt);
    assoc_error.resize(assoc.size());
    const auto feed = [&](const data::Dataset& rows, const classify::Classification* rcls) {
      acc.add(rows, rcls);
      for (std::size_t i = 0; i < assoc.size(); ++i) {
        if (assoc_error[i]) continue;
        try {
          assoc[i].add(rows, rcls);
        } catch (...) {
          assoc_error[i] = std::current_exception();
        }
      }
    };
    std::optional<roster::PersonsStream> ps;
    if (members) ps.emplace(src.codebook); // a long roster's member file is read here, before the respondents
    bool view_checked = false;
    streamed = stream_input(o, src, threads, std::cerr, check_columns, [&](const data::Dataset& batch) {
      std::optional<classify::Classification> bc;
      if (rs) bc = classify::classify(batch, *rs);
      if (!ps) return feed(batch, bc ? &*bc : nullptr);
      const roster::PersonsData part = ps->respondents(batch, bc ? &*bc : nullptr);
      if (!view_checked) {
        view_checked = true;
        check_members_asked(*ps->first_members(), batch.codebook);
      }
      feed(part.data, rs ? &part.cls : nullptr);
    });
    if (ps) {
      persons = ps->members(rs ? &*rs : nullptr, streamed->meta.source,
                            [&](const roster::PersonsData& part) { feed(part.data, rs ? &part.cls : nullptr); });
      roster::PersonsParts shape; // the persons' data set without rows (its codebook names the household psu) for the document
      shape.members = false;
      roster::PersonsData none = roster::persons_data(streamed->meta, nullptr, roster::Members{}, nullptr, shape);
      persons->data = std::move(none.data);
    }
    dists = acc.finish();
    for (std::size_t i = 0; i < assoc.size(); ++i) {
      if (assoc_error[i]) std::rethrow_exception(assoc_error[i]);
      tests.push_back(assoc[i].finish());
    }
    if (rs) cls = classify::Classification{*rs, {}, {}};
  } else {
    in = load_inputs(o, required, std::cerr);
    check_columns(in->ingest.warnings);
    // --replicates: replicate-weight SEs; --calibrate: the weights of `hkstat weight` computed in memory and
    // the table of the rows with a positive weight, with calibration-aware SEs (as hkstat estimate).
    if (!created) topt.replicates = replicates_of(da, in->ingest.data, topt.lonely, topt.replicates_label);
    if (da.calibrate) {
      cal = calibrate_data(in->ingest.data, cfg);
      topt.calibration = cal->calibration;
      topt.weighting = cal->weighting;
    }
    const data::Dataset& data = cal ? cal->data : in->ingest.data;
    if (rs) cls = classify::classify(data, *rs);
    const data::Dataset& tdata = data;
    // One accumulator for every question, as the streamed path above: the questions print the same bases and
    // are suppressed together when one of them hides a base.
    if (tdata.rows() == 0) // the one-question function's error (E_ESTIMATE_NO_DATA, 「有効な回答がありません」): it always throws here
      (void)tabulate::tabulate(tdata, cls ? &*cls : nullptr, names.front(), topt);
    tabulate::TabulateAccumulator acc(names, topt);
    acc.add(tdata, cls ? &*cls : nullptr);
    dists = acc.finish();
  }
  const data::Dataset& ds = persons ? persons->data : cal ? cal->data : in ? in->ingest.data : streamed->meta;

  tabulate::DocumentOptions dopt;
  dopt.table.percent_decimals = cfg.rate_decimals.value_or(1);
  dopt.version = version_string();
  dopt.rejected_rows = in ? in->ingest.rejected.size() : streamed->rows_rejected;
  dopt.rejects_file = o.rejects;
  const classify::Classification* clsp = cls ? &*cls : nullptr;
  if (test_by && in)
    for (const auto& d : dists)
      if (!d.multi) tests.push_back(tabulate::association_test(ds, clsp, d.variable, *test_target, topt));
  if (test_by && tests.empty())
    usage_error("--test は単数回答の変数に使います（複数回答は検定しません）", "--test applies to single-answer variables (multiple answers are not tested)", vars);
  if (!audit_out.empty())
    run_outputs().stage_file(audit_out, (o.bom ? "\xEF\xBB\xBF" : "") + report::render_csv(tabulate::suppression_audit_table(dists)), "--audit-out");
  switch (format) {
  case Format::Csv:
    if (cross && !test_by) {
      std::string out;
      for (const auto& d : dists) {
        const table::Table t = tabulate::cross_table(d, dopt.table);
        out += (out.empty() ? "" : "\n") + table::csv_cell(t.title.in(o.language() == Lang::En)) + "\n" + table::render_csv_labelled(t, o.language());
      }
      emit(o, out, o.bom);
    } else {
      emit(o, report::render_csv(test_by ? tabulate::association_table(tests) : tabulate::combined_table(dists, dopt.table)), o.bom);
    }
    break;
  case Format::Markdown:
  case Format::Text: {
    report::Document doc = tabulate::tabulate_document(dists, ds, clsp, dopt);
    if (persons) {
      const std::string& lb = src.codebook.roster->label;
      doc.facts.insert(doc.facts.begin() + 1,
                       {Text{"数えた人", "persons"},
                        Text{fmt::format("回答者 {}人 ＋ 回答者が答えた同居家族 {}人（--members。調査対象の年齢 {}～{}歳の外の家族 {}人は除く）。家族は本人の回答で集計し、"
                                         "広義のひきこもり群は回答者と{}を合わせた人数",
                                         persons->respondents, persons->members, src.codebook.age_min, src.codebook.age_max,
                                         persons->members_out_of_age, lb),
                             fmt::format("{} respondents + {} household members they reported (--members; {} members outside the survey's age range "
                                         "{}-{} left out); members are tabulated by their own answers, and the broad group is respondents and "
                                         "members ({})",
                                         persons->respondents, persons->members, persons->members_out_of_age, src.codebook.age_min,
                                         src.codebook.age_max, lb)}});
      if (persons->household_psu)
        doc.notes.push_back(Text{"--members: 同じ世帯の人は独立な標本ではないため、世帯（回答者とその家族）を第1次抽出単位（クラスター）として区間を計算しました。家族には回答者の重みを付けています。",
                                 "--members: persons of one household are not independent draws, so the intervals take the household (the "
                                 "respondent and the members) as the primary sampling unit (cluster); members carry the respondent's weight."});
    }
    if (cross)
      for (std::size_t i = 0; i < dists.size(); ++i) doc.tables[i] = tabulate::cross_table(dists[i], dopt.table);
    if (test_by) doc.tables.push_back(tabulate::association_table(tests));
    emit(o, format == Format::Text ? report::render_text(doc, o.language()) : report::render_markdown(doc, o.language()), false);
    break;
  }
  }
  return kExitOk;
}

} // namespace hkstat::cli
