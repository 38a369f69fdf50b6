#!/usr/bin/env bash
# One command: install what is missing, build, and run the headline job on the sample survey.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
./build/cli/hkstat estimate data/samples/nishitokyo2024.csv
