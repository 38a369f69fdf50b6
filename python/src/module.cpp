// hkstat._core — the C++ facade (hkstat/api/survey.hpp) for Python. Results cross as plain dicts and lists;
// python/hkstat/__init__.py turns them into the module's result classes. A hkstat::Error becomes
// _core.CoreError whose single argument is a dict of the problem (both languages); the Python layer raises
// hkstat.Error from it in the language the caller asked for.
#include "hkstat/hkstat.hpp"

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace py = pybind11;
using namespace hkstat;

namespace {

py::object or_none(std::size_t v) { return v == 0 ? py::object(py::none()) : py::object(py::int_(v)); }
py::object or_none(const std::string& v) { return v.empty() ? py::object(py::none()) : py::object(py::str(v)); }
py::object or_none(const std::optional<double>& v) { return v ? py::object(py::float_(*v)) : py::object(py::none()); }
py::object num(double v) { return std::isnan(v) ? py::object(py::none()) : py::object(py::float_(v)); }

py::dict problem_dict(const Problem& p) {
  py::dict d;
  d["code"] = code_name(p.code);
  d["file"] = or_none(p.pos.file);
  d["line"] = or_none(p.pos.line);
  d["column"] = or_none(p.pos.column);
  d["column_name"] = or_none(p.pos.column_name);
  d["key"] = or_none(render_options(p.pos.key, OptionStyle::Name)); // options by name (‹by› → by)
  d["value"] = p.value;
  d["message_ja"] = render_options(p.message.ja, OptionStyle::Name);
  d["message_en"] = render_options(p.message.en, OptionStyle::Name);
  d["expected_ja"] = render_options(p.expected.ja, OptionStyle::Name);
  d["expected_en"] = render_options(p.expected.en, OptionStyle::Name);
  d["text_ja"] = format_problem(p, Lang::Ja);
  d["text_en"] = format_problem(p, Lang::En);
  return d;
}

py::dict text_dict(const Text& t) {
  py::dict d;
  d["ja"] = t.ja;
  d["en"] = t.en;
  return d;
}

api::LoadOptions load_options(const std::string& codebook, const std::string& config, bool no_config, const std::string& encoding,
                              bool drop_invalid_rows, bool require_prevalence_roles) {
  api::LoadOptions o;
  o.codebook = codebook;
  o.config = config;
  o.no_config = no_config;
  o.encoding = encoding;
  o.drop_invalid_rows = drop_invalid_rows;
  if (!require_prevalence_roles) o.required_roles.clear();
  return o;
}

api::EstimateOptions estimate_options(const py::dict& kw) {
  api::EstimateOptions o;
  for (const auto& item : kw) {
    const std::string k = py::cast<std::string>(item.first);
    const py::handle v = item.second;
    if (v.is_none()) continue;
    if (k == "rules") o.rules = py::cast<std::string>(v);
    else if (k == "population") o.population = py::cast<double>(v);
    else if (k == "population_file") o.population_file = py::cast<std::string>(v);
    else if (k == "age_groups") o.age_groups = py::cast<std::vector<std::string>>(v);
    else if (k == "ci") o.ci = py::cast<std::string>(v);
    else if (k == "level") o.level = py::cast<double>(v);
    else if (k == "rate_rounding") o.rate_rounding = py::cast<int>(v);
    else if (k == "lonely_psu") o.lonely_psu = py::cast<std::string>(v);
    else if (k == "by") o.by = py::cast<std::vector<std::string>>(v);
    else if (k == "where") o.where = py::cast<std::string>(v);
    else if (k == "numerator") o.numerator = py::cast<std::string>(v);
    else if (k == "replicates") o.replicates = py::cast<std::string>(v);
    else if (k == "replicates_n") o.replicates_n = py::cast<std::size_t>(v);
    else if (k == "seed") o.seed = py::cast<std::uint64_t>(v);
    else if (k == "calibrate") o.calibrate = py::cast<bool>(v);
    else throw py::type_error("estimate() got an unexpected keyword argument '" + k + "'");
  }
  return o;
}

api::TabulateOptions tabulate_options(const py::dict& kw) {
  api::TabulateOptions o;
  for (const auto& item : kw) {
    const std::string k = py::cast<std::string>(item.first);
    const py::handle v = item.second;
    if (v.is_none()) continue;
    if (k == "domains") o.domains = py::cast<std::string>(v);
    else if (k == "by") o.by = py::cast<std::string>(v);
    else if (k == "where") o.where = py::cast<std::string>(v);
    else if (k == "rules") o.rules = py::cast<std::string>(v);
    else if (k == "ci") o.ci = py::cast<std::string>(v);
    else if (k == "level") o.level = py::cast<double>(v);
    else if (k == "min_cell") o.min_cell = py::cast<int>(v);
    else if (k == "lonely_psu") o.lonely_psu = py::cast<std::string>(v);
    else if (k == "replicates") o.replicates = py::cast<std::string>(v);
    else if (k == "replicates_n") o.replicates_n = py::cast<std::size_t>(v);
    else if (k == "seed") o.seed = py::cast<std::uint64_t>(v);
    else if (k == "calibrate") o.calibrate = py::cast<bool>(v);
    else throw py::type_error("tabulate() got an unexpected keyword argument '" + k + "'");
  }
  return o;
}

api::StatisticOptions statistic_options(const py::dict& kw) {
  api::StatisticOptions o;
  for (const auto& item : kw) {
    const std::string k = py::cast<std::string>(item.first);
    const py::handle v = item.second;
    if (v.is_none()) continue;
    if (k == "stat") o.stat = py::cast<std::string>(v);
    else if (k == "variable") o.variable = py::cast<std::string>(v);
    else if (k == "denominator") o.denominator = py::cast<std::string>(v);
    else if (k == "by") o.by = py::cast<std::vector<std::string>>(v);
    else if (k == "where") o.where = py::cast<std::string>(v);
    else if (k == "rules") o.rules = py::cast<std::string>(v);
    else if (k == "population") o.population = py::cast<double>(v);
    else if (k == "population_file") o.population_file = py::cast<std::string>(v);
    else if (k == "age_groups") o.age_groups = py::cast<std::vector<std::string>>(v);
    else if (k == "level") o.level = py::cast<double>(v);
    else if (k == "lonely_psu") o.lonely_psu = py::cast<std::string>(v);
    else if (k == "replicates") o.replicates = py::cast<std::string>(v);
    else if (k == "replicates_n") o.replicates_n = py::cast<std::size_t>(v);
    else if (k == "seed") o.seed = py::cast<std::uint64_t>(v);
    else throw py::type_error("statistic() got an unexpected keyword argument '" + k + "'");
  }
  return o;
}

py::dict statistic_dict(const estimate::StatisticResult& r) {
  py::dict d;
  d["stat"] = estimate::stat_kind_name(r.kind);
  d["variable"] = or_none(r.variable);
  d["denominator"] = or_none(r.denominator);
  d["variable_label"] = text_dict(r.variable_label);
  d["denominator_label"] = text_dict(r.denominator_label);
  d["design"] = text_dict(r.design);
  d["variance"] = text_dict(r.variance);
  d["level"] = r.level;
  d["where"] = or_none(r.where);
  d["n"] = r.n;
  d["weighted"] = r.weighted;
  d["population"] = or_none(r.population);
  d["population_label"] = or_none(r.population_label);
  py::list rows;
  for (const auto& x : r.rows) {
    py::dict row;
    row["by"] = x.by;
    row["group"] = x.group;
    row["group_label"] = x.group_label;
    row["category"] = x.category;
    row["category_label"] = x.category_label;
    row["meaning"] = x.meaning;
    row["estimate"] = num(x.est.value);
    row["se"] = num(x.est.se);
    row["df"] = num(x.est.df);
    row["ci"] = x.est.interval ? py::object(py::make_tuple(x.est.interval->lower, x.est.interval->upper)) : py::object(py::none());
    row["n"] = x.est.n;
    row["cases"] = x.cases;
    row["sum_weights"] = x.est.sum_weights;
    row["rate"] = num(x.rate);
    row["rate_se"] = num(x.rate_se);
    rows.append(row);
  }
  d["rows"] = rows;
  return d;
}

py::dict cell_dict(const estimate::PrevalenceCell& c) {
  py::dict d;
  d["measure"] = estimate::measure_id(c.measure);
  d["group"] = c.group;
  d["by_variable"] = or_none(c.by_variable);
  d["by_level"] = or_none(c.by_level);
  d["by_label"] = or_none(c.by_label);
  d["n"] = c.est.n;
  d["cases"] = c.cases;
  d["rate"] = c.est.value;
  d["rate_used"] = c.rate_used;
  d["se"] = c.est.se;
  d["df"] = c.est.df;
  d["deff"] = num(c.est.deff);
  d["deff_wor"] = num(c.est.deff_wor);
  d["ci"] = py::make_tuple(c.est.interval->lower, c.est.interval->upper);
  d["ci_note"] = or_none(c.est.interval->note);
  d["population"] = or_none(c.population);
  d["persons"] = or_none(c.persons);
  d["persons_ci"] = c.persons_lower && c.persons_upper ? py::object(py::make_tuple(*c.persons_lower, *c.persons_upper)) : py::object(py::none());
  d["persons_ci_method"] = or_none(c.persons_ci_method);
  return d;
}

py::dict result_dict(const estimate::PrevalenceResult& r, const classify::Classification& cls) {
  py::dict d;
  d["ruleset"] = cls.ruleset.id;
  d["weighted"] = r.weighted;
  d["design_based"] = r.design_based;
  d["design"] = text_dict(r.design);
  d["design_df"] = r.design_df;
  d["ci_method"] = estimate::ci_method_name(r.method);
  d["level"] = r.level;
  d["rate_rounding"] = r.rate_rounding ? py::object(py::int_(*r.rate_rounding)) : py::object(py::none());
  d["n"] = r.n;
  d["outing_missing"] = r.outing_missing;
  d["age_missing"] = r.age_missing;
  d["where"] = or_none(r.where);
  d["numerator"] = or_none(r.numerator.mode); // household members counted (docs/estimation.md); None without a roster
  py::dict pop;
  pop["total"] = or_none(r.population.total);
  py::dict by_group;
  for (const auto& [g, v] : r.population.by_group) by_group[py::str(g.id())] = v;
  pop["by_group"] = by_group;
  pop["label"] = or_none(r.population.label);
  pop["source"] = or_none(r.population.source);
  d["population"] = pop;
  py::list cells;
  for (const auto& c : r.cells) cells.append(cell_dict(c));
  d["cells"] = cells;
  py::list diffs;
  for (const auto& g : r.differences) {
    py::dict x;
    x["measure"] = estimate::measure_id(g.measure);
    x["group"] = g.group;
    x["reference"] = g.reference;
    x["by_variable"] = or_none(g.by_variable);
    x["age_group"] = or_none(g.age_group);
    x["difference"] = g.difference;
    x["se"] = g.se;
    x["df"] = g.df;
    x["ci"] = py::make_tuple(g.ci.lower, g.ci.upper);
    diffs.append(x);
  }
  d["differences"] = diffs;
  return d;
}

py::dict distribution_dict(const tabulate::Distribution& dist) {
  py::dict d;
  d["variable"] = dist.variable;
  d["label"] = dist.label.ja;
  d["multi"] = dist.multi;
  d["rows"] = dist.rows;
  d["weighted"] = dist.weighted;
  d["design_based"] = dist.design_based;
  d["ci_method"] = estimate::ci_method_name(dist.method);
  d["level"] = dist.level;
  d["min_cell"] = dist.min_cell;
  d["where"] = or_none(dist.where);
  py::list cells;
  for (const auto& c : dist.cells) {
    const tabulate::Block& b = dist.blocks.at(c.block);
    py::dict x;
    x["domain"] = tabulate::domain_id(b.domain);
    x["age_band"] = b.age_band;
    x["level"] = b.sex; // the level of sex or of the by-variable ("all" when none)
    x["level_label"] = b.sex_label.ja;
    x["by_variable"] = or_none(b.by_variable);
    x["base"] = b.base;
    x["code"] = c.kind == tabulate::RowKind::Code ? py::object(py::int_(c.code)) : py::object(py::none());
    x["label"] = c.label;
    x["n"] = c.n;
    x["percent"] = c.estimable ? py::object(py::float_(c.est.value)) : py::object(py::none());
    x["se"] = c.estimable ? num(c.est.se) : py::object(py::none());
    x["df"] = c.est.df;
    x["deff"] = num(c.est.deff);
    x["ci"] = c.est.interval ? py::object(py::make_tuple(c.est.interval->lower, c.est.interval->upper)) : py::object(py::none());
    x["ci_method"] = or_none(c.est.interval_method);
    x["suppressed"] = c.hidden;
    x["base_suppressed"] = b.base_hidden; // the published table prints n=* and no percentages for this block
    x["small_base"] = c.small_base;
    x["wide_ci"] = c.wide_ci;
    cells.append(x);
  }
  d["cells"] = cells;
  return d;
}

api::Format parse_format(const std::string& f) {
  if (f == "text") return api::Format::Text;
  if (f == "markdown" || f == "md") return api::Format::Markdown;
  if (f == "csv") return api::Format::Csv;
  throw py::value_error("format must be 'text', 'markdown' or 'csv', not '" + f + "'");
}

Lang parse_lang(const std::string& l) {
  if (l == "ja") return Lang::Ja;
  if (l == "en") return Lang::En;
  throw py::value_error("lang must be 'ja' or 'en', not '" + l + "'");
}

} // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "hkstat C++ facade (use the hkstat package, not this module)";
  m.attr("version") = api::version();

  static py::exception<Error> core_error(m, "CoreError");
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const Error& e) {
      const py::dict d = problem_dict(e.problem());
      PyErr_SetObject(core_error.ptr(), d.ptr());
    }
  });

  py::class_<api::Survey>(m, "Survey")
      .def_readonly("data_path", &api::Survey::data_path)
      .def_readonly("codebook_path", &api::Survey::codebook_path)
      .def_property_readonly("config_path", [](const api::Survey& s) { return or_none(s.config.path); })
      .def_property_readonly("n_rows", [](const api::Survey& s) { return s.data.rows(); })
      .def_property_readonly("encoding", [](const api::Survey& s) { return s.data.encoding; })
      .def_readonly("rows_rejected", &api::Survey::rows_rejected)
      .def_property_readonly("rejected",
                             [](const api::Survey& s) {
                               py::list out;
                               for (const auto& r : s.rejected) {
                                 py::list problems;
                                 for (const auto& p : r.problems) problems.append(problem_dict(p));
                                 out.append(py::make_tuple(r.line, problems));
                               }
                               return out;
                             })
      .def_property_readonly("warnings",
                             [](const api::Survey& s) {
                               py::list out;
                               for (const auto& w : s.warnings) out.append(problem_dict(w));
                               return out;
                             })
      .def_property_readonly("variables", [](const api::Survey& s) {
        py::list out;
        for (const auto& v : s.codebook().variables) out.append(v.name);
        return out;
      });

  m.def(
      "load",
      [](const std::string& path, const std::string& codebook, const std::string& config, bool no_config, const std::string& encoding,
         bool drop_invalid_rows, bool require_prevalence_roles) {
        py::gil_scoped_release release;
        return api::load_survey(path, load_options(codebook, config, no_config, encoding, drop_invalid_rows, require_prevalence_roles));
      },
      py::arg("path"), py::arg("codebook") = "", py::arg("config") = "", py::arg("no_config") = false, py::arg("encoding") = "",
      py::arg("drop_invalid_rows") = false, py::arg("require_prevalence_roles") = true);

  m.def("classify", [](const api::Survey& s, const std::string& rules) {
    const classify::Classification cls = api::classify(s, rules);
    py::dict d;
    d["ruleset"] = cls.ruleset.id;
    py::dict counts;
    for (auto c : {classify::Class::Narrow, classify::Class::Semi, classify::Class::NotCase, classify::Class::Excluded})
      counts[classify::class_id(c)] = cls.count(c);
    d["counts"] = counts;
    py::list rows;
    for (const auto& r : cls.rows) rows.append(classify::class_id(r.cls));
    d["rows"] = rows;
    return d;
  });

  m.def("estimate", [](const api::Survey& s, const py::dict& kw) {
    const api::EstimateOptions o = estimate_options(kw);
    const classify::Classification cls = api::classify(s, o.rules);
    return result_dict(api::estimate_prevalence(s, cls, o), cls);
  });

  m.def("tabulate", [](const api::Survey& s, const std::vector<std::string>& variables, const py::dict& kw) {
    py::list out;
    for (const auto& d : api::tabulate(s, variables, tabulate_options(kw))) out.append(distribution_dict(d));
    return out;
  });

  m.def("render_estimate", [](const api::Survey& s, const py::dict& kw, const std::string& format, const std::string& lang,
                              std::optional<int> rate_decimals, std::optional<int> min_cell, const std::string& persons_unit) {
    return api::render_estimate(s, estimate_options(kw), api::ReportOptions{parse_format(format), parse_lang(lang), rate_decimals, min_cell, persons_unit});
  });

  m.def("render_tabulation", [](const api::Survey& s, const std::vector<std::string>& variables, const py::dict& kw, const std::string& format,
                                const std::string& lang, std::optional<int> rate_decimals) {
    return api::render_tabulate(s, variables, tabulate_options(kw), api::ReportOptions{parse_format(format), parse_lang(lang), rate_decimals, {}, ""});
  });

  // The report folder of `hkstat report`, written by the library in-process (api::report: the command's code).
  m.def(
      "write_report",
      [](const api::Survey& s, const py::dict& kw, const std::string& out_dir, const std::string& lang, std::optional<int> rate_decimals,
         std::optional<int> min_cell, const std::string& persons_unit, const std::string& template_dir, const std::string& timestamp, bool bom,
         bool replace) {
        api::ReportFolderOptions o;
        o.estimate = estimate_options(kw);
        o.out_dir = out_dir;
        o.lang = parse_lang(lang);
        o.rate_decimals = rate_decimals;
        o.min_cell = min_cell;
        o.persons_unit = persons_unit;
        o.template_dir = template_dir;
        o.timestamp = timestamp;
        o.bom = bom;
        o.replace = replace;
        api::ReportFolder folder;
        {
          py::gil_scoped_release release;
          folder = api::report(s, o);
        }
        py::dict d;
        d["dir"] = folder.dir;
        d["files"] = folder.files;
        py::list skipped;
        for (const auto& [id, why] : folder.skipped) skipped.append(py::make_tuple(id, text_dict(why)));
        d["skipped"] = skipped;
        return d;
      },
      py::arg("survey"), py::arg("options"), py::arg("out_dir"), py::arg("lang"), py::arg("rate_decimals"), py::arg("min_cell"),
      py::arg("persons_unit"), py::arg("template_dir"), py::arg("timestamp"), py::arg("bom"), py::arg("replace"));

  m.def("statistic", [](const api::Survey& s, const py::dict& kw) { return statistic_dict(api::statistic(s, statistic_options(kw))); });

  m.def("render_statistic", [](const api::Survey& s, const py::dict& kw, const std::string& format, const std::string& lang, std::optional<int> min_cell) {
    return api::render_statistic(s, api::statistic(s, statistic_options(kw)), api::ReportOptions{parse_format(format), parse_lang(lang), {}, min_cell, ""});
  });
}
