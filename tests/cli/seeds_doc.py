#!/usr/bin/env python3
"""docs/seeds.md lists each seed figure with its command and the CLI golden case that pins it (issue 14). This test
reads the page's tables (| seed | figure | command | golden |) and fails when
  * a golden named in a row (`NAME`, or a `prefix_*` pattern) has no directory tests/cli/cases/NAME (or no match),
  * a row's command is not an `hkstat` command, or names a subcommand that none of its goldens runs,
  * seeds 000, 002, 003 or 004 have no row, or
  * a case directory seeds_tokyo_*, seeds_toshima_* or seeds_hino_* is not named on the page.
    seeds_doc.py SOURCE_DIR
"""
import fnmatch
import os
import re
import sys

src = sys.argv[1]
cases_dir = os.path.join(src, "tests", "cli", "cases")
cases = set(os.listdir(cases_dir))
with open(os.path.join(src, "docs", "seeds.md"), encoding="utf-8") as f:
    lines = f.read().splitlines()

fail = 0
rows = 0
named = set()
seeds = set()
for no, line in enumerate(lines, 1):
    cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("|") else []
    if len(cells) != 4 or cells[0] in ("seed", "") or set(cells[0]) <= set("-: "):
        continue
    rows += 1
    seed, figure, command, golden = cells
    seeds.add(seed)
    names = re.findall(r"`([^`]+)`", golden)
    if not names:
        print(f"FAIL docs/seeds.md:{no}: no golden case named for {figure[:40]}…")
        fail = 1
    subcommands = set(re.findall(r"`hkstat (\w+)", command))
    if not subcommands:
        print(f"FAIL docs/seeds.md:{no}: the command is not an hkstat command: {command[:60]}")
        fail = 1
    runs = set()
    for name in names:
        found = fnmatch.filter(cases, name) if "*" in name else ([name] if name in cases else [])
        if not found:
            print(f"FAIL docs/seeds.md:{no}: golden case {name} does not exist (tests/cli/cases/{name})")
            fail = 1
        for case in found:
            named.add(case)
            with open(os.path.join(cases_dir, case, "cmd"), encoding="utf-8") as f:
                runs.add(f.read().split()[0])
    if subcommands and runs and not subcommands & runs:
        print(f"FAIL docs/seeds.md:{no}: the command runs {sorted(subcommands)} but its goldens run {sorted(runs)}")
        fail = 1
for seed in ("000", "002", "003", "004"):
    if seed not in seeds:
        print(f"FAIL docs/seeds.md: no row for seed {seed}")
        fail = 1
for case in sorted(cases):
    if re.match(r"seeds_(tokyo|toshima|hino)_", case) and case not in named:
        print(f"FAIL tests/cli/cases/{case} is not named in docs/seeds.md")
        fail = 1
print(f"{rows} rows, {len(named)} golden cases named")
sys.exit(fail)
