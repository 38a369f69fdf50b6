#!/usr/bin/env python3
"""Regression test for hardening issue 12, defect 7: no suppressed cell is recovered by differencing.

Each scenario runs hkstat on the 西東京市 sample (or a copy with a few answers blanked, written to a temporary
folder) and recomputes, from the published CSV cells only, the differences a reader would take. A difference
of 1..min_cell-1 respondents between published cells is a disclosure and fails the test.
Usage: privacy_differencing.py HKSTAT REPO SCENARIO
SCENARIO (after /work/shared/hardening/privacy_*): age_groups_residual, by_sex_missing, domain_all_broad,
missing_age_prevalence (the prevalence table of the report alone), missing_age_report (the report's age table
against its prevalence table's n: /work/shared/hardening/privacy_missing_age_differencing.py).
"""
import csv, io, os, shutil, subprocess, sys, tempfile

HK, REPO, SCENARIO = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]), sys.argv[3]
S = REPO + '/data/samples'
MIN_CELL = 5
failures = []


def run(*args):
    return subprocess.run([HK, *args], capture_output=True, check=True).stdout.decode('utf-8-sig')


def small(d):
    return 1 <= d < MIN_CELL


def broad_ids():
    cls = run('classify', f'{S}/nishitokyo2024.csv', '--format', 'csv')
    return {r['id'] for r in csv.DictReader(io.StringIO(cls)) if r['class'] in ('narrow', 'semi')}


def rewrite(name, column, change):
    """A copy of the sample (codebook and config too) with `change(fields, column index)` applied to each row."""
    for ext in ('codebook.toml', 'hkstat.toml'):
        shutil.copy(f'{S}/nishitokyo2024.{ext}', f'{name}.{ext}')
    cfg = open(f'{name}.hkstat.toml', encoding='utf-8').read()
    cfg = cfg.replace('"nishitokyo2024.population_age_sex.csv"', f'"{S}/nishitokyo2024.population_age_sex.csv"')
    open(f'{name}.hkstat.toml', 'w', encoding='utf-8').write(cfg)
    raw = open(f'{S}/nishitokyo2024.csv', 'rb').read().decode('utf-8-sig').split('\r\n')
    col = raw[0].split(',').index(column)
    out = [raw[0]]
    for line in raw[1:]:
        if not line:
            continue
        c = line.split(',')
        change(c, col)
        out.append(','.join(c))
    open(f'{name}.csv', 'w', encoding='utf-8-sig', newline='').write('\r\n'.join(out) + '\r\n')


def prevalence_residuals(rows, label):
    """estimate CSV: all - Σ age groups (whole sample and each --by level), total - Σ levels (each group)."""
    cell = {(r['measure'], r['age_group'], r.get('by_variable', ''), r.get('by_level', '')): r for r in rows}
    groups = sorted({r['age_group'] for r in rows if r['age_group'] != 'all'})
    levels = sorted({(r['by_variable'], r['by_level']) for r in rows if r.get('by_variable')})
    def diff(total, parts, what):
        if total is None or any(p is None for p in parts):
            return
        if total['cases'] == '' or any(p['cases'] == '' for p in parts):
            return
        d = int(total['cases']) - sum(int(p['cases']) for p in parts)
        if small(d):
            failures.append(f'{label}: {what} = {d} by subtraction')
    for m in ('broad', 'narrow', 'semi'):
        for var, lvl in [('', '')] + levels:
            if groups:
                diff(cell.get((m, 'all', var, lvl)), [cell.get((m, g, var, lvl)) for g in groups], f'{m} {lvl or "total"} age residual')
        for g in ['all'] + groups:
            lv = [cell.get((m, g, v, l)) for v, l in levels]
            if lv:
                diff(cell.get((m, g, '', '')), lv, f'{m} {g} by-level residual')


w = tempfile.mkdtemp()
os.chdir(w)
try:
    # 1. --age-groups that do not cover the sample: all - Σ groups is the cases outside the groups.
    for g in ([] if SCENARIO != 'age_groups_residual' else ('20-64', '15-19', '15-39,40-64')):
        rows = list(csv.DictReader(io.StringIO(run('estimate', f'{S}/nishitokyo2024.csv', '--age-groups', g, '--format', 'csv'))))
        prevalence_residuals(rows, f'--age-groups {g}')
        head = next(r for r in rows if r['measure'] == 'broad' and r['age_group'] == 'all' and not r.get('by_variable'))
        if g == '15-19' and head['suppressed'] != '0':
            failures.append('--age-groups 15-19 hides the headline (broad, all)')

    broad = broad_ids()
    # 2. --by sex with two broad cases' sex set to 無回答 (9): total - Σ sex levels.
    k = [0]
    def blank_sex(c, col):
        if c[0] in broad and k[0] < 2 and c[col] in ('1', '2'):
            c[col] = '9'
            k[0] += 1
    if SCENARIO == 'by_sex_missing':
      rewrite('sex_blank', '問1', blank_sex)
      rows = list(csv.DictReader(io.StringIO(run('estimate', 'sex_blank.csv', '--by', 'sex', '--format', 'csv'))))
      if not any(r['suppressed'] == '1' for r in rows):
        failures.append('--by sex: nothing suppressed (the scenario lost its small cells)')
      prevalence_residuals(list(csv.DictReader(io.StringIO(run('estimate', 'sex_blank.csv', '--by', 'sex', '--format', 'csv')))), '--by sex')

    # 3. tabulate --domain all,broad: 全体 - 広義 is the comparison group.
    out = '' if SCENARIO != 'domain_all_broad' else run('tabulate', f'{S}/nishitokyo2024.csv', '--var', '問21,問22,問20', '--domain', 'all,broad', '--by', 'age2,sex', '--format', 'csv')
    m = {(r['variable'], r['domain'], r['age_band'], r['sex'], r['code']): r for r in csv.DictReader(io.StringIO(out))}
    for (v, d, a, s, c), r in m.items():
        b = m.get((v, 'broad', a, s, c))
        if d == 'all' and b and r['suppressed'] == b['suppressed'] == '0' and r['n'] and b['n'] and small(int(r['n']) - int(b['n'])):
            failures.append(f'tabulate all,broad: {v} {c} (age {a}, sex {s}) comparison = {int(r["n"]) - int(b["n"])}')

    # 4. report with two broad cases' age blanked: the prevalence table's all - Σ age groups.
    young = [0, 0]
    def blank_age(c, col):
        if c[0] in broad:
            a = int(c[col].translate(str.maketrans('０１２３４５６７８９', '0123456789')))
            if a <= 39 and not young[0]:
                c[col] = ''
                young[0] = 1
            elif a >= 40 and not young[1]:
                c[col] = ''
                young[1] = 1
    if SCENARIO == 'missing_age_prevalence':
        rewrite('age_blank', '問2', blank_age)
        subprocess.run([HK, 'report', 'age_blank.csv', '--timestamp', '2025-01-31'], check=True, capture_output=True)
        prev = list(csv.DictReader(open('age_blank-report/tables/prevalence.csv', encoding='utf-8-sig')))
        if not any(r['suppressed'] == '1' for r in prev):
            failures.append('report: nothing suppressed (the scenario lost its small cells)')
        prevalence_residuals(prev, 'report prevalence')
    if SCENARIO == 'missing_age_report':
        # The age table hides its 無回答 rows (2 respondents without an age); the prevalence table's n of the
        # whole sample and of each age group must not give them back (810 − n(15-39) − n(40-64)), nor the age
        # table's own base and rows.
        rewrite('age_blank', '問2', blank_age)
        subprocess.run([HK, 'report', 'age_blank.csv', '--timestamp', '2025-01-31'], check=True, capture_output=True)
        prev = {(r['measure'], r['age_group']): r for r in csv.DictReader(open('age_blank-report/tables/prevalence.csv', encoding='utf-8-sig'))}
        age = [r for r in csv.DictReader(open('age_blank-report/tables/age.csv', encoding='utf-8-sig'))]
        hidden_unknown = [r for r in age if r['code'] == 'no_answer' and r['n'] == '']
        if not hidden_unknown:
            failures.append('report: the age table hides no 無回答 row (the scenario lost its small cells)')
        ns = [prev.get(('broad', g), {}).get('n', '') for g in ('all', '15-39', '40-64')]
        if all(ns) and small(int(ns[0]) - int(ns[1]) - int(ns[2])):
            failures.append(f'report: n(all) - n(15-39) - n(40-64) = {int(ns[0]) - int(ns[1]) - int(ns[2])} respondents without an age')
        for r in hidden_unknown:
            rows = [x for x in age if (x['domain'], x['age_band'], x['sex']) == (r['domain'], r['age_band'], r['sex']) and x['code'] != 'no_answer']
            if r['base'] and all(x['n'] for x in rows):
                d = int(r['base']) - sum(int(x['n']) for x in rows)
                if small(d):
                    failures.append(f'report: age table {r["domain"]} base - rows = {d}')
            # a hidden row of 15-39 / 40-64 printed as the prevalence n
            for x in rows:
                g = {'1': '15-39', '2': '40-64'}.get(x['code'])
                if r['domain'] == 'all' and r['base'] and x['n'] == '' and g and prev.get(('broad', g), {}).get('n'):
                    others = [y for y in rows if y is not x]
                    if all(y['n'] or prev.get(('broad', {'1': '15-39', '2': '40-64'}.get(y['code'])), {}).get('n') for y in others):
                        known = sum(int(y['n'] or prev[('broad', {'1': '15-39', '2': '40-64'}[y['code']])]['n']) for y in others)
                        d = int(r['base']) - int(prev[('broad', g)]['n']) - known
                        if small(d):
                            failures.append(f'report: age table 無回答 = base - prevalence n({g}) - others = {d}')
finally:
    os.chdir('/')
    shutil.rmtree(w)

for f in failures:
    print('DISCLOSED:', f)
print('ok' if not failures else f'{len(failures)} disclosures')
sys.exit(1 if failures else 0)
