#include "hkstat/report/report_suppression.hpp"

#include "hkstat/core/error.hpp"
#include "hkstat/report/estimate_report.hpp"
#include "hkstat/tabulate/joint_suppression.hpp"
#include "estimate/prevalence_parts.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <set>
#include <tuple>

namespace hkstat::report {

namespace {

using codebook::VarType;
using tabulate::Domain;
using tabulate::Relation;

[[noreturn]] void internal(std::string value, const char* ja, const char* en) {
  throw Error(Problem{ErrorCode::Internal, SourcePos{}, std::move(value), Text{ja, en}, Text{}, ""});
}

constexpr std::size_t kNarrow = 0, kSemi = 1, kOther = 2;
constexpr std::size_t kMembersBound = 1000000000;

// "15-39" → {15, 39}; nullopt for anything else ("all", "unknown").
std::optional<std::pair<int, int>> interval_of(const std::string& id) {
  const auto dash = id.find('-');
  if (dash == std::string::npos || dash == 0 || dash + 1 >= id.size()) return std::nullopt;
  try {
    std::size_t a = 0, b = 0;
    const int lo = std::stoi(id.substr(0, dash), &a);
    const int hi = std::stoi(id.substr(dash + 1), &b);
    if (a != dash || b != id.size() - dash - 1) return std::nullopt;
    return std::make_pair(lo, hi);
  } catch (...) {
    return std::nullopt;
  }
}

// The age atoms: elementary intervals between the cut points of every interval the report uses, merged where
// an age asked in bands (a code with min/max) spans several; then "outside" (an age in no interval) and
// "unknown" (no age).
class AgeAtoms {
public:
  void add_interval(int lo, int hi) {
    if (lo > hi) return;
    cuts_.insert(lo);
    cuts_.insert(hi + 1);
    spans_.emplace_back(lo, hi);
  }
  void add_span(int lo, int hi) { // an interval a row's age may be known only as (age asked in bands)
    if (lo > hi) return;
    merge_.emplace_back(lo, hi);
  }
  void finish() {
    std::vector<int> c(cuts_.begin(), cuts_.end());
    for (std::size_t i = 0; i + 1 < c.size(); ++i) elem_.emplace_back(c[i], c[i + 1] - 1);
    atom_of_elem_.resize(elem_.size());
    std::iota(atom_of_elem_.begin(), atom_of_elem_.end(), std::size_t{0});
    // Merge the elementary intervals a band spans.
    for (const auto& [lo, hi] : merge_) {
      std::optional<std::size_t> first;
      for (std::size_t e = 0; e < elem_.size(); ++e)
        if (elem_[e].second >= lo && elem_[e].first <= hi) {
          if (!first) first = atom_of_elem_[e];
          const std::size_t from = atom_of_elem_[e];
          for (auto& a : atom_of_elem_)
            if (a == from) a = *first;
        }
    }
    // Renumber.
    std::map<std::size_t, std::size_t> id;
    for (auto& a : atom_of_elem_) a = id.emplace(a, id.size()).first->second;
    n_ = id.size();
    outside_ = n_;
    unknown_ = n_ + 1;
  }
  std::size_t size() const { return n_ + 2; }
  std::size_t unknown() const { return unknown_; }
  std::size_t outside() const { return outside_; }
  // The atom of an age known as [lo, hi]; nullopt when it spans atoms (cannot happen after finish()).
  std::size_t atom_of(int lo, int hi) const {
    std::optional<std::size_t> a;
    bool any_outside = false;
    for (std::size_t e = 0; e < elem_.size(); ++e) {
      if (elem_[e].second < lo || elem_[e].first > hi) continue;
      if (a && *a != atom_of_elem_[e]) return outside_; // never after merging
      a = atom_of_elem_[e];
    }
    if (!elem_.empty() && (lo < elem_.front().first || hi > elem_.back().second)) any_outside = true;
    return a && !any_outside ? *a : outside_;
  }
  // The atoms making up [lo, hi]; nullopt when an atom is only partly inside (not representable).
  std::optional<std::vector<bool>> set_of(int lo, int hi) const {
    std::vector<bool> in(size(), false), partial(size(), false);
    for (std::size_t e = 0; e < elem_.size(); ++e) {
      const bool inside = elem_[e].first >= lo && elem_[e].second <= hi;
      const bool overlap = elem_[e].second >= lo && elem_[e].first <= hi;
      if (inside) in[atom_of_elem_[e]] = true;
      else if (overlap) partial[atom_of_elem_[e]] = true;
    }
    for (std::size_t e = 0; e < elem_.size(); ++e)
      if (in[atom_of_elem_[e]] && !(elem_[e].first >= lo && elem_[e].second <= hi)) return std::nullopt;
    for (std::size_t a = 0; a < size(); ++a)
      if (partial[a]) return std::nullopt;
    return in;
  }
  std::vector<bool> all() const { return std::vector<bool>(size(), true); }
  std::vector<bool> only(std::size_t a) const {
    std::vector<bool> v(size(), false);
    v[a] = true;
    return v;
  }

private:
  std::set<int> cuts_;
  std::vector<std::pair<int, int>> spans_, merge_;
  std::vector<std::pair<int, int>> elem_;
  std::vector<std::size_t> atom_of_elem_;
  std::size_t n_ = 0, outside_ = 0, unknown_ = 1;
};

// The ages of a code of an age variable: min/max (ages asked in bands) or band_min/band_max (derived bands).
std::optional<std::pair<int, int>> code_ages(const codebook::CodeDef& c) {
  if (c.min && c.max) return std::make_pair(*c.min, *c.max);
  if (c.band_min && c.band_max && *c.band_min >= -1000000 && *c.band_max <= 1000000)
    return std::make_pair(static_cast<int>(*c.band_min), static_cast<int>(*c.band_max));
  return std::nullopt;
}

// The age of a row as an interval, or nullopt (missing).
std::optional<std::pair<int, int>> row_age(const data::Column* age, std::size_t r) {
  if (!age) return std::nullopt;
  const auto* v = age->var;
  if (v->type == VarType::Number) {
    const double x = age->numbers[r];
    if (std::isnan(x)) return std::nullopt;
    const double c = std::clamp(std::floor(x), -1e9, 1e9);
    return std::make_pair(static_cast<int>(c), static_cast<int>(c));
  }
  const std::int64_t a = age->ints[r];
  if (a == data::kMissing) return std::nullopt;
  if (v->type == VarType::Code) {
    const auto* c = v->find_code(a);
    if (!c || !c->min || !c->max) return std::make_pair(std::numeric_limits<int>::min() / 2, std::numeric_limits<int>::max() / 2);
    return std::make_pair(static_cast<int>(*c->min), static_cast<int>(*c->max));
  }
  const std::int64_t c = std::clamp<std::int64_t>(a, -1000000000, 1000000000);
  return std::make_pair(static_cast<int>(c), static_cast<int>(c));
}

// A set of people of the frame: classes × age atoms × (levels of one level variable, or every level).
struct PeopleSet {
  unsigned classes = 0;        // bit per class
  std::vector<bool> ages;      // per age atom
  int frame = -1;              // -1: no level variable; else index into the level variables
  std::vector<bool> levels;    // per level of that variable (the last: no answer)
};

struct LevelVar {
  std::string name;
  const codebook::Variable* var = nullptr;
  std::vector<std::int64_t> codes; // the levels (codebook order), then "no answer"
  std::size_t size() const { return codes.size() + 1; }
  // The level of a block's or cell's level text: a code key, a code number, "unknown"; nullopt otherwise.
  std::optional<std::size_t> level_of(const std::string& text) const {
    if (text == "unknown") return codes.size();
    for (std::size_t k = 0; k < codes.size(); ++k) {
      const auto* c = var->find_code(codes[k]);
      if ((c && !c->key.empty() && c->key == text) || std::to_string(codes[k]) == text) return k;
    }
    return std::nullopt;
  }
  std::size_t level_of_code(std::int64_t x) const {
    for (std::size_t k = 0; k < codes.size(); ++k)
      if (codes[k] == x) return k;
    return codes.size();
  }
};

class Frame {
public:
  Frame(std::size_t classes, const AgeAtoms& ages, const std::vector<LevelVar>& levels) : classes_(classes), ages_(ages.size()) {
    offset_.push_back(classes_ * ages_); // frame without a level variable first
    std::size_t next = offset_.front();
    for (const auto& lv : levels) {
      offset_.push_back(next);
      level_size_.push_back(lv.size());
      next += classes_ * ages_ * lv.size();
    }
    size_ = next;
  }
  std::size_t size() const { return size_; }
  std::size_t none(std::size_t c, std::size_t a) const { return c * ages_ + a; }
  std::size_t level(std::size_t v, std::size_t c, std::size_t a, std::size_t l) const { return offset_[v + 1] + (c * ages_ + a) * level_size_[v] + l; }
  std::size_t levels_of(std::size_t v) const { return level_size_[v]; }
  std::size_t classes() const { return classes_; }
  std::size_t ages() const { return ages_; }
  std::size_t variables() const { return level_size_.size(); }
  std::vector<std::size_t> atoms(const PeopleSet& s) const {
    std::vector<std::size_t> out;
    for (std::size_t c = 0; c < classes_; ++c) {
      if (!(s.classes >> c & 1U)) continue;
      for (std::size_t a = 0; a < ages_; ++a) {
        if (!s.ages[a]) continue;
        if (s.frame < 0) {
          out.push_back(none(c, a));
          continue;
        }
        const auto v = static_cast<std::size_t>(s.frame);
        for (std::size_t l = 0; l < level_size_[v]; ++l)
          if (s.levels[l]) out.push_back(level(v, c, a, l));
      }
    }
    return out;
  }

private:
  std::size_t classes_, ages_, size_ = 0;
  std::vector<std::size_t> offset_, level_size_;
};

} // namespace

void SuppressionRows::add(const data::Dataset& ds, const classify::Classification* cls, const estimate::Where* where) {
  const std::size_t batch_rows = ds.rows();
  if (batch_rows == 0) return;
  rows += batch_rows;
  std::vector<char> inside(batch_rows, 1);
  if (where) where->eval(ds, inside);
  estimate::detail::keep_form_ranges(ds, inside); // several questionnaires: rows outside every range are in no table
  const data::Column* age_col = ds.column(codebook::Role::Age);
  std::vector<const data::Column*> cols;
  for (const auto& n : level_names) cols.push_back(ds.column(n));
  std::vector<std::int64_t> key(4 + cols.size(), 0);
  for (std::size_t r = 0; r < batch_rows; ++r) {
    if (!inside[r]) continue;
    key[0] = 0;
    if (cls) {
      const auto k = cls->rows[r].cls;
      key[0] = static_cast<std::int64_t>(k == classify::Class::Narrow ? kNarrow : k == classify::Class::Semi ? kSemi : kOther);
    }
    const auto iv = row_age(age_col, r);
    key[1] = iv ? 1 : 0;
    key[2] = iv ? iv->first : 0;
    key[3] = iv ? iv->second : 0;
    for (std::size_t v = 0; v < cols.size(); ++v) key[4 + v] = cols[v] ? cols[v]->ints[r] : data::kMissing;
    ++counts[key];
  }
}

ReportSuppression suppress_report(const ReportSuppressionInput& in) {
  if (!in.data) internal("", "レポートの秘匿処理にデータがありません", "the report's suppression has no data");
  const data::Dataset& ds = *in.data;
  const std::size_t rows = in.counted ? in.counted->rows : ds.rows(); // also the bound of the auxiliary unknowns
  const bool classified = in.counted ? in.cls != nullptr : in.cls && in.cls->rows.size() == rows;
  const std::size_t n_classes = classified ? 3 : 1;
  const unsigned all_classes = classified ? 7U : 1U;
  auto classes_of_domain = [&](Domain d) -> unsigned {
    if (!classified) return 1U;
    switch (d) {
    case Domain::All: return 7U;
    case Domain::Broad: return (1U << kNarrow) | (1U << kSemi);
    case Domain::Comparison: return 1U << kOther;
    }
    return 7U;
  };
  auto classes_of_measure = [&](estimate::Measure m) -> unsigned {
    switch (m) {
    case estimate::Measure::Broad: return (1U << kNarrow) | (1U << kSemi);
    case estimate::Measure::Narrow: return 1U << kNarrow;
    case estimate::Measure::Semi: return 1U << kSemi;
    }
    return 0U;
  };

  // --- the level variables: every --by of the prevalence and every table's level breakdown ---
  std::vector<LevelVar> levels;
  auto level_index = [&](const std::string& name) -> std::optional<std::size_t> {
    for (std::size_t i = 0; i < levels.size(); ++i)
      if (levels[i].name == name) return i;
    return std::nullopt;
  };
  auto add_level = [&](const std::string& name) -> std::optional<std::size_t> {
    if (const auto i = level_index(name)) return i;
    const codebook::Variable* v = ds.codebook.by_name(name);
    if (!v || v->type != VarType::Code || !ds.column(name)) return std::nullopt;
    LevelVar lv;
    lv.name = name;
    lv.var = v;
    for (const auto& c : v->codes) lv.codes.push_back(c.code);
    levels.push_back(std::move(lv));
    return levels.size() - 1;
  };
  const codebook::Variable* sex_var = ds.codebook.by_role(codebook::Role::Sex);
  auto block_level_name = [&](const tabulate::Block& b) -> std::string {
    if (b.sex == "all") return "";
    if (!b.by_variable.empty()) return b.by_variable;
    return sex_var ? sex_var->name : std::string();
  };
  if (in.prevalence)
    for (const auto& c : in.prevalence->cells)
      if (!c.by_variable.empty()) add_level(c.by_variable);
  for (const auto& t : in.tables)
    for (const auto& b : t.dist->blocks)
      if (const std::string n = block_level_name(b); !n.empty()) add_level(n);

  // --- the age atoms ---
  AgeAtoms ages;
  const data::Column* age_col = ds.column(codebook::Role::Age);
  ages.add_interval(ds.codebook.age_min, ds.codebook.age_max);
  if (in.prevalence)
    for (const auto& c : in.prevalence->cells)
      if (const auto iv = interval_of(c.group)) ages.add_interval(iv->first, iv->second);
  for (const auto& t : in.tables) {
    for (const auto& b : t.dist->blocks)
      if (const auto iv = interval_of(b.age_band)) ages.add_interval(iv->first, iv->second);
    if (t.age_question)
      if (const auto* v = t.data->codebook.by_name(t.dist->variable))
        for (const auto& c : v->codes)
          if (const auto iv = code_ages(c)) ages.add_interval(iv->first, iv->second);
  }
  if (age_col && age_col->var->type == VarType::Code)
    for (const auto& c : age_col->var->codes)
      if (c.min && c.max) ages.add_span(static_cast<int>(*c.min), static_cast<int>(*c.max));
  ages.finish();
  auto ages_of = [&](const std::string& id) -> std::optional<std::vector<bool>> {
    if (id == "all") return ages.all();
    if (id == "unknown") return ages.only(ages.unknown());
    if (const auto iv = interval_of(id)) return ages.set_of(iv->first, iv->second);
    return std::nullopt;
  };

  const Frame frame(n_classes, ages, levels);

  // --- the atoms' counts: the rows of every table (--where) ---
  std::vector<std::size_t> atom_count(frame.size(), 0);
  if (in.counted) { // streamed: the rows' counts by class, age and level codes
    std::vector<std::size_t> at;
    for (const auto& lv : levels) {
      const auto it = std::find(in.counted->level_names.begin(), in.counted->level_names.end(), lv.name);
      if (it == in.counted->level_names.end()) internal(lv.name, "レポートの秘匿処理: 数えていない区分の変数です", "the report's suppression: a level variable that was not counted");
      at.push_back(static_cast<std::size_t>(it - in.counted->level_names.begin()));
    }
    for (const auto& [key, count] : in.counted->counts) {
      const auto c = static_cast<std::size_t>(key[0]);
      const std::size_t a = key[1] ? ages.atom_of(static_cast<int>(key[2]), static_cast<int>(key[3])) : ages.unknown();
      atom_count[frame.none(c, a)] += count;
      for (std::size_t v = 0; v < levels.size(); ++v) {
        const std::int64_t x = key[4 + at[v]];
        atom_count[frame.level(v, c, a, x == data::kMissing ? levels[v].codes.size() : levels[v].level_of_code(x))] += count;
      }
    }
  } else {
    std::vector<char> inside(rows, 1);
    if (in.where) in.where->eval(ds, inside);
    estimate::detail::keep_form_ranges(ds, inside); // several questionnaires, as estimate and tabulate
    std::vector<const data::Column*> level_cols;
    for (const auto& lv : levels) level_cols.push_back(ds.column(lv.name));
    for (std::size_t r = 0; r < rows; ++r) {
      if (!inside[r]) continue;
      std::size_t c = 0;
      if (classified) {
        const auto k = in.cls->rows[r].cls;
        c = k == classify::Class::Narrow ? kNarrow : k == classify::Class::Semi ? kSemi : kOther;
      }
      const auto iv = row_age(age_col, r);
      const std::size_t a = iv ? ages.atom_of(iv->first, iv->second) : ages.unknown();
      ++atom_count[frame.none(c, a)];
      for (std::size_t v = 0; v < levels.size(); ++v) {
        const std::int64_t x = level_cols[v]->ints[r];
        ++atom_count[frame.level(v, c, a, x == data::kMissing ? levels[v].codes.size() : levels[v].level_of_code(x))];
      }
    }
  }

  ReportSuppression out;
  tabulate::SuppressionProblem& pb = out.problem;
  std::vector<double> cost;
  std::vector<std::size_t> upper;
  std::vector<bool> unpublished, auxiliary;
  auto append = [&](const std::vector<std::size_t>& counts, const std::vector<Relation>& rels, const tabulate::SuppressOptions& o) {
    const std::size_t base = pb.counts.size();
    const auto fallback = tabulate::suppression_costs(counts, {});
    for (std::size_t i = 0; i < counts.size(); ++i) {
      pb.counts.push_back(counts[i]);
      cost.push_back(o.cost.empty() ? fallback[i] : o.cost[i]);
      upper.push_back(o.upper.empty() ? rows : o.upper[i]);
      unpublished.push_back(!o.unpublished.empty() && o.unpublished[i]);
      auxiliary.push_back(!o.auxiliary.empty() && o.auxiliary[i]);
    }
    for (const auto& r : rels) {
      Relation x;
      for (std::size_t p : r.parts) x.parts.push_back(base + p);
      if (r.total) x.total = base + *r.total;
      pb.relations.push_back(std::move(x));
    }
    return base;
  };
  // An auxiliary unknown's bound: the rows for respondents' atoms; members are bounded only loosely (a looser
  // bound never makes the audit call a determined cell protected).
  auto new_aux = [&](std::size_t count, std::size_t bound) {
    pb.counts.push_back(count);
    cost.push_back(0);
    upper.push_back(std::max(count, bound));
    unpublished.push_back(true);
    auxiliary.push_back(true);
    return pb.counts.size() - 1;
  };

  // The prevalence table first (its cells 0 … cells−1), then each table's problem, then the atoms.
  std::optional<PrevalenceSuppressionProblem> ppb;
  if (in.prevalence) {
    ppb = prevalence_suppression_problem(*in.prevalence);
    tabulate::SuppressOptions o;
    o.upper = ppb->upper;
    o.cost = ppb->cost;
    o.unpublished = ppb->unpublished;
    append(ppb->counts, ppb->relations, o);
    out.prevalence_cells = in.prevalence->cells.size();
  }
  for (const auto& t : in.tables) {
    const auto& p = t.dist->problem;
    if (p.counts.size() < t.dist->cells.size()) internal(t.dist->variable, "表の秘匿処理の問題がありません", "a table has no suppression problem");
    out.table_offset.push_back(append(p.counts, p.relations, p.options));
  }
  const std::size_t atom0 = pb.counts.size();
  for (std::size_t i = 0; i < frame.size(); ++i) new_aux(atom_count[i], rows);
  auto atoms_of = [&](const PeopleSet& s) {
    auto a = frame.atoms(s);
    for (auto& x : a) x += atom0;
    return a;
  };
  auto sum_of = [&](const std::vector<std::size_t>& cells) {
    std::size_t s = 0;
    for (std::size_t c : cells) s += pb.counts[c];
    return s;
  };
  auto mismatch = [&](const std::string& what, std::size_t published, std::size_t atoms) {
    internal(fmt::format("{}: {} != {}", what, published, atoms), "レポートの秘匿処理: 表の数と回答者の数が合いません",
             "report suppression: a table's count differs from its respondents");
  };
  // Frames of the level variables add up to the frame without one.
  for (std::size_t v = 0; v < frame.variables(); ++v)
    for (std::size_t c = 0; c < frame.classes(); ++c)
      for (std::size_t a = 0; a < frame.ages(); ++a) {
        Relation r;
        r.total = atom0 + frame.none(c, a);
        for (std::size_t l = 0; l < frame.levels_of(v); ++l) r.parts.push_back(atom0 + frame.level(v, c, a, l));
        pb.relations.push_back(std::move(r));
      }
  auto people = [&](unsigned classes, std::vector<bool> age_set, std::optional<std::pair<std::size_t, std::size_t>> level) {
    PeopleSet s;
    s.classes = classes & all_classes;
    s.ages = std::move(age_set);
    if (level) {
      s.frame = static_cast<int>(level->first);
      s.levels.assign(levels[level->first].size(), false);
      s.levels[level->second] = true;
    }
    return s;
  };

  // --- the prevalence cells ---
  std::map<std::tuple<std::string, std::string, std::string>, std::size_t> n_cell; // (group, by variable, level) → its n
  std::vector<std::size_t> n_of_cell(in.prevalence ? in.prevalence->cells.size() : 0, 0);
  double top_cost = 0;
  for (double c : cost) top_cost = std::max(top_cost, c);
  if (in.prevalence) {
    const auto& r = *in.prevalence;
    const bool members = !r.numerator.mode.empty() && r.numerator.mode != "respondents" && r.numerator.fallback.empty();
    const bool persons = r.numerator.mode == "persons";
    // Members (respondents + members): cell = Σ respondent atoms + members of the cell (auxiliary).
    std::map<std::pair<int, std::string>, std::size_t> member_cell; // (measure, group) → members cell
    std::map<std::tuple<int, std::string, std::string>, std::vector<std::size_t>> level_members; // (measure, group, --by variable) → its levels' members
    for (std::size_t i = 0; i < r.cells.size(); ++i) {
      const auto& c = r.cells[i];
      const auto age_set = ages_of(c.group);
      std::optional<std::pair<std::size_t, std::size_t>> lv;
      if (!c.by_variable.empty()) {
        const auto v = level_index(c.by_variable);
        const auto l = v ? levels[*v].level_of(c.by_level) : std::nullopt;
        if (!v || !l) continue;
        lv = std::make_pair(*v, *l);
      }
      if (!age_set) continue;
      Relation rel;
      rel.parts = atoms_of(people(classes_of_measure(c.measure), *age_set, lv));
      const std::size_t resp = sum_of(rel.parts);
      if (members) {
        // A --by level's cell counts the members by their own answer (seeds: estimate --by with a roster): its
        // members are an unknown of their own; only the cells without a level enter the members' sums below.
        if (c.cases < resp) mismatch("prevalence " + c.group + " " + c.by_variable + "=" + c.by_level, c.cases, resp);
        const std::size_t m = new_aux(c.cases - resp, kMembersBound);
        if (c.by_variable.empty()) member_cell[{static_cast<int>(c.measure), c.group}] = m;
        else level_members[{static_cast<int>(c.measure), c.group, c.by_variable}].push_back(m);
        rel.parts.push_back(m);
      } else if (c.cases != resp) {
        mismatch("prevalence " + c.group + " " + c.by_variable + "=" + c.by_level, c.cases, resp);
      }
      rel.total = i;
      pb.relations.push_back(std::move(rel));
      ++out.links;
      // The published n: Σ respondent atoms (+ members counted in the denominator).
      Relation n_rel;
      n_rel.parts = atoms_of(people(all_classes, *age_set, lv));
      const std::size_t n_resp = sum_of(n_rel.parts);
      if (persons) {
        if (c.est.n < n_resp) mismatch("prevalence n " + c.group + " " + c.by_variable + "=" + c.by_level, c.est.n, n_resp);
        n_rel.parts.push_back(new_aux(c.est.n - n_resp, kMembersBound));
      } else if (c.est.n != n_resp) {
        mismatch("prevalence n " + c.group + " " + c.by_variable + "=" + c.by_level, c.est.n, n_resp);
      }
      // The n is a cell (one per group and level, shared by the measures), hideable like a table's base n: the
      // respondents of an age group are the age table's row, and all − Σ groups the age table's 無回答.
      const auto key = std::make_tuple(c.group, c.by_variable, c.by_level);
      auto it = n_cell.find(key);
      if (it == n_cell.end()) {
        pb.counts.push_back(c.est.n);
        const int lvl = 2 + (c.group == "all" ? 1 : 0) + (c.by_variable.empty() ? 1 : 0);
        cost.push_back((top_cost + 1.0) * static_cast<double>(lvl) + static_cast<double>(c.est.n));
        upper.push_back(std::max(c.est.n, rows) + (persons ? kMembersBound : 0));
        unpublished.push_back(false);
        auxiliary.push_back(false);
        it = n_cell.emplace(key, pb.counts.size() - 1).first;
      }
      n_of_cell[i] = it->second;
      n_rel.total = it->second;
      pb.relations.push_back(std::move(n_rel));
    }
    if (members) {
      // Members add up: broad = narrow + semi; all = Σ groups + members without a group; the broad total is printed.
      std::vector<std::string> groups;
      for (const auto& c : r.cells)
        if (c.by_variable.empty() && c.group != "all" && std::find(groups.begin(), groups.end(), c.group) == groups.end()) groups.push_back(c.group);
      auto mc = [&](estimate::Measure m, const std::string& g) -> std::optional<std::size_t> {
        const auto it = member_cell.find({static_cast<int>(m), g});
        return it == member_cell.end() ? std::nullopt : std::optional<std::size_t>(it->second);
      };
      std::vector<std::string> all_groups{"all"};
      all_groups.insert(all_groups.end(), groups.begin(), groups.end());
      for (const auto& g : all_groups) {
        const auto b = mc(estimate::Measure::Broad, g), na = mc(estimate::Measure::Narrow, g), se = mc(estimate::Measure::Semi, g);
        if (b && na && se) pb.relations.push_back(Relation{{*na, *se}, *b});
      }
      for (auto m : {estimate::Measure::Broad, estimate::Measure::Narrow, estimate::Measure::Semi}) {
        const auto total = mc(m, "all");
        if (!total || groups.empty()) continue;
        Relation rel;
        rel.total = *total;
        std::size_t s = 0;
        for (const auto& g : groups)
          if (const auto x = mc(m, g)) {
            rel.parts.push_back(*x);
            s += pb.counts[*x];
          }
        rel.parts.push_back(new_aux(pb.counts[*total] - std::min(pb.counts[*total], s), kMembersBound));
        pb.relations.push_back(std::move(rel));
      }
      if (const auto b = mc(estimate::Measure::Broad, "all")) pb.relations.push_back(Relation{{*b}, std::nullopt});
      // The members of the --by levels add up to all members of the cell (plus those whose own answer has no
      // level: a residual unknown).
      for (const auto& [key, parts] : level_members) {
        const auto total = mc(static_cast<estimate::Measure>(std::get<0>(key)), std::get<1>(key));
        if (!total) continue;
        std::size_t s = 0;
        for (std::size_t x : parts) s += pb.counts[x];
        if (s > pb.counts[*total]) mismatch("members by " + std::get<2>(key) + " " + std::get<1>(key), pb.counts[*total], s);
        Relation rel;
        rel.total = *total;
        rel.parts = parts;
        rel.parts.push_back(new_aux(pb.counts[*total] - s, kMembersBound));
        pb.relations.push_back(std::move(rel));
      }
    }
  }

  // --- the tables ---
  std::map<std::vector<std::size_t>, std::vector<std::size_t>> same_base; // atoms → the base cells counting them
  for (std::size_t t = 0; t < in.tables.size(); ++t) {
    const auto& ti = in.tables[t];
    const auto& dist = *ti.dist;
    const std::size_t off = out.table_offset[t];
    const codebook::Variable* qvar = ti.data->codebook.by_name(dist.variable);
    // A table of a level variable (e.g. sex) counts atoms of its frame; -1: not a level variable.
    const std::size_t no_level = static_cast<std::size_t>(-1);
    const std::size_t qlevel = dist.multi ? no_level : level_index(dist.variable).value_or(no_level);
    std::vector<std::optional<std::pair<std::size_t, std::size_t>>> block_level(dist.blocks.size());
    std::vector<std::optional<std::vector<bool>>> block_ages(dist.blocks.size());
    std::vector<bool> block_ok(dist.blocks.size(), true);
    for (std::size_t b = 0; b < dist.blocks.size(); ++b) {
      const auto& blk = dist.blocks[b];
      block_ages[b] = ages_of(blk.age_band);
      if (!block_ages[b]) block_ok[b] = false;
      const std::string ln = block_level_name(blk);
      if (!ln.empty()) {
        const auto v = level_index(ln);
        const auto l = v ? levels[*v].level_of(blk.sex) : std::nullopt;
        if (!v || !l) block_ok[b] = false;
        else block_level[b] = std::make_pair(*v, *l);
      }
      if (!block_ok[b]) continue;
      // The base n (a cell of the table's problem, so the same base in two tables is one unknown).
      Relation base;
      base.parts = atoms_of(people(classes_of_domain(blk.domain), *block_ages[b], block_level[b]));
      if (sum_of(base.parts) != blk.base) mismatch(dist.variable + " base " + tabulate::domain_id(blk.domain) + " " + blk.age_band + " " + blk.sex, blk.base, sum_of(base.parts));
      if (dist.base_cell0) {
        base.total = off + *dist.base_cell0 + b;
        std::vector<std::size_t> key = base.parts;
        std::sort(key.begin(), key.end());
        same_base[key].push_back(*base.total);
      }
      pb.relations.push_back(std::move(base));
    }
    for (std::size_t k = 0; k < dist.cells.size(); ++k) {
      const auto& cell = dist.cells[k];
      const std::size_t b = cell.block;
      if (!block_ok[b]) continue;
      const auto& blk = dist.blocks[b];
      std::optional<PeopleSet> s;
      if (ti.age_question && !dist.multi) {
        std::optional<std::vector<bool>> row_ages;
        if (cell.kind == tabulate::RowKind::NoAnswer) {
          row_ages = ages.only(ages.unknown());
        } else if (const auto* c = qvar ? qvar->find_code(cell.code) : nullptr) {
          if (const auto iv = code_ages(*c)) row_ages = ages.set_of(iv->first, iv->second);
        }
        if (!row_ages) continue;
        std::vector<bool> both(ages.size(), false);
        for (std::size_t a = 0; a < ages.size(); ++a) both[a] = (*row_ages)[a] && (*block_ages[b])[a];
        s = people(classes_of_domain(blk.domain), both, block_level[b]);
      } else if (qlevel != no_level && !block_level[b]) {
        const std::size_t l = cell.kind == tabulate::RowKind::NoAnswer ? levels[qlevel].codes.size() : levels[qlevel].level_of_code(cell.code);
        s = people(classes_of_domain(blk.domain), *block_ages[b], std::make_pair(qlevel, l));
      }
      if (!s) continue;
      Relation rel;
      rel.parts = atoms_of(*s);
      if (sum_of(rel.parts) != cell.n) mismatch(dist.variable + " " + tabulate::domain_id(blk.domain) + " " + blk.age_band + " " + cell.label, cell.n, sum_of(rel.parts));
      rel.total = off + k;
      pb.relations.push_back(std::move(rel));
      ++out.links;
    }
  }

  // A report joins many tables in one problem: the greedy set holds many complements, and dropping the unneeded
  // ones (most costly first, the headline among them) needs more audits than one table's default. The total
  // work stays bounded by the work limit (deterministic).
  pb.options.prune_budget = 100000;
  pb.options.cost = std::move(cost);
  pb.options.upper = std::move(upper);
  pb.options.unpublished = std::move(unpublished);
  pb.options.auxiliary = std::move(auxiliary);
  out.result = tabulate::suppress(pb.counts, pb.relations, in.min_cell, pb.options);
  // The same base n printed in several tables is one number: a copy hidden while another copy is printed
  // hides nothing, so it is printed too (the tables then agree).
  for (const auto& [atoms, cells] : same_base) {
    bool shown = false;
    for (std::size_t c : cells) shown = shown || !out.result.hidden[c];
    if (!shown) continue;
    for (std::size_t c : cells)
      if (out.result.hidden[c] && out.result.reason[c] == tabulate::HideReason::Complement) {
        out.result.hidden[c] = false;
        out.result.reason[c] = tabulate::HideReason::Shown;
      }
  }
  out.prevalence_hidden.assign(out.result.hidden.begin(), out.result.hidden.begin() + static_cast<std::ptrdiff_t>(out.prevalence_cells));
  // A hidden n hides its row (the rate of printed cases would give the n away).
  out.prevalence_n_hidden.assign(out.prevalence_cells, false);
  for (std::size_t i = 0; i < out.prevalence_cells; ++i) {
    if (out.result.reason[i] == tabulate::HideReason::Fallback) out.prevalence_fallback = true;
    if (i < n_of_cell.size() && n_of_cell[i] != 0 && out.result.hidden[n_of_cell[i]]) {
      out.prevalence_n_hidden[i] = true;
      out.prevalence_hidden[i] = true;
      if (out.result.reason[n_of_cell[i]] == tabulate::HideReason::Fallback) out.prevalence_fallback = true;
    }
  }
  return out;
}

void apply_report_suppression(const ReportSuppression& joint, std::size_t t, tabulate::Distribution& dist) {
  tabulate::apply_joint_suppression(joint.result, joint.table_offset.at(t), joint.problem.options.cost, dist);
}

} // namespace hkstat::report
