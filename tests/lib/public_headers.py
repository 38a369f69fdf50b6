#!/usr/bin/env python3
"""lib.public_headers: the installed API is exactly what the umbrella header includes.

lib/include/hkstat/ holds the public headers (installed, covered by the stability promise in docs/library.md);
lib/internal/hkstat/ the rest. This test fails when
  - a header under lib/include is not reached from hkstat/hkstat.hpp (a stray public header: move it to
    lib/internal, or include it from the API on purpose), or
  - a public header includes an internal one (an installed header would not compile), or
  - a header exists in both trees.
Usage: public_headers.py REPO
"""
import os
import re
import sys

repo = sys.argv[1]
pub_root = os.path.join(repo, "lib", "include")
int_root = os.path.join(repo, "lib", "internal")
include_re = re.compile(r'^\s*#\s*include\s+[<"](hkstat/[^">]+)[">]', re.M)


def headers(root):
    out = set()
    for d, _, files in os.walk(os.path.join(root, "hkstat")):
        for f in files:
            if f.endswith(".hpp"):
                out.add(os.path.relpath(os.path.join(d, f), root))
    return out


public = headers(pub_root)
internal = headers(int_root)
problems = []
for h in sorted(public & internal):
    problems.append(f"{h}: in both lib/include and lib/internal")

reached = set()
pending = ["hkstat/hkstat.hpp"]
while pending:
    h = pending.pop()
    if h in reached:
        continue
    reached.add(h)
    if h not in public:
        where = "lib/internal" if h in internal else "nowhere"
        problems.append(f"{h}: included by the public API but it is in {where}")
        continue
    with open(os.path.join(pub_root, h), encoding="utf-8") as f:
        pending.extend(include_re.findall(f.read()))

for h in sorted(public - reached):
    problems.append(f"{h}: public (lib/include) but not reached from hkstat/hkstat.hpp; move it to lib/internal")

if problems:
    print("\n".join(problems))
    sys.exit(1)
print(f"{len(public)} public headers, all reached from hkstat/hkstat.hpp; {len(internal)} internal")
