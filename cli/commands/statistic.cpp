#include "commands/statistic.hpp"

#include "hkstat/classify/classify.hpp"
#include "hkstat/estimate/statistics.hpp"
#include "hkstat/report/statistic_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <numeric>

namespace hkstat::cli {

int run_estimate_statistic(const StatisticArgs& s, const CommonOptions& o, const po::variables_map& vm, const DisplayArgs& dargs,
                           const PrevalenceArgs& pa, const DesignArgs& da) {
  estimate::StatKind kind;
  if (s.stat == "total") kind = estimate::StatKind::Total;
  else if (s.stat == "mean") kind = estimate::StatKind::Mean;
  else if (s.stat == "ratio") kind = estimate::StatKind::Ratio;
  else usage_error("--stat は prevalence, total, mean, ratio のいずれかです", "--stat must be prevalence, total, mean or ratio", s.stat);
  if (kind != estimate::StatKind::Total && s.var.empty())
    usage_error(fmt::format("--stat {} には --var で変数を指定してください（例: --var 問2）", s.stat),
                fmt::format("--stat {} needs a variable: --var (e.g. --var Q2)", s.stat));
  if (kind == estimate::StatKind::Ratio && s.denominator.empty())
    usage_error("--stat ratio には --denominator で分母の変数を指定してください", "--stat ratio needs the denominator variable: --denominator");
  if (kind != estimate::StatKind::Ratio && !s.denominator.empty())
    usage_error("--denominator は --stat ratio だけで使えます", "--denominator is for --stat ratio only", s.denominator);
  if (da.calibrate)
    usage_error("--stat total・mean・ratio は --calibrate にまだ対応していません（出現率だけ）",
                "--stat total, mean and ratio do not take --calibrate yet (the prevalence does)");
  if (s.threads != 1 && s.threads != 2) usage_error("--threads は 1 か 2 です", "--threads must be 1 or 2", std::to_string(s.threads));
  const bool indicator = kind == estimate::StatKind::Total && s.var.empty();

  run_outputs().add_input(dargs.rules);
  run_outputs().add_input(pa.population_file);
  std::set<codebook::Role> required;
  if (indicator) required = {codebook::Role::Outing, codebook::Role::Duration};
  Sources src = resolve_sources(o, required);
  const auto& cfg = src.config;
  if (std::any_of(src.codebook.variables.begin(), src.codebook.variables.end(),
                  [](const codebook::Variable& v) { return v.role == codebook::Role::Replicate; }))
    usage_error("--stat total・mean・ratio はコードブックの反復重みの列にまだ対応していません（--replicates で設計から作る反復は使えます）",
                "--stat total, mean and ratio do not take supplied replicate-weight columns yet (replicates created with --replicates do)");

  estimate::PrevalenceOptions po_ = resolve_prevalence_options(vm, pa, cfg, src.codebook);
  apply_created_replicates(da, po_);
  estimate::StatisticOptions so;
  so.kind = kind;
  so.variable = s.var;
  so.denominator = s.denominator;
  if (!s.by.empty()) so.by = split_commas(s.by);
  if (vm.count("where")) so.where.emplace(s.where, src.codebook);
  so.lonely = po_.lonely;
  so.replicate_request = po_.replicate_request;
  so.replicates_label = po_.replicates_label;
  so.level = po_.level;
  if (indicator) {
    const auto& pop = po_.population;
    if (pop.total) so.population = *pop.total;
    else if (!pop.by_group.empty())
      so.population = std::accumulate(pop.by_group.begin(), pop.by_group.end(), 0.0, [](double a, const auto& g) { return a + g.second; });
    so.population_label = pop.label.empty() ? pop.source : pop.label;
  }
  std::optional<classify::RuleSet> rs;
  if (indicator) rs = resolve_rules(dargs, cfg);

  estimate::StatisticAccumulator acc(so);
  std::vector<char> ind;
  const StreamedMeta meta = stream_input(o, src, s.threads, std::cerr, {}, [&](const data::Dataset& batch) {
    if (indicator) {
      const classify::Classification cls = classify::classify(batch, *rs);
      ind.assign(batch.rows(), 0);
      for (std::size_t r = 0; r < batch.rows(); ++r)
        ind[r] = cls.rows[r].cls == classify::Class::Narrow || cls.rows[r].cls == classify::Class::Semi;
    }
    acc.add(batch, indicator ? &ind : nullptr);
  });
  const estimate::StatisticResult result = acc.finish();
  const report::DisplayOptions dopt = resolve_display_options(vm, dargs, cfg);
  switch (o.output_format()) {
  case Format::Csv: emit(o, report::render_csv(report::statistic_table(result, dopt.min_cell)), o.bom); break;
  case Format::Markdown:
  case Format::Text: {
    const table::Document doc = report::statistic_document(result, dopt.min_cell, meta.rows_rejected);
    emit(o, o.output_format() == Format::Text ? report::render_text(doc, o.language()) : report::render_markdown(doc, o.language()), false);
    break;
  }
  }
  return kExitOk;
}

} // namespace hkstat::cli
