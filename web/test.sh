#!/usr/bin/env bash
# web/test.sh — opens build-web/hkstat.html from file:// in Debian's headless Chromium (web/test.js, driven by
# playwright-core) and compares it with the command line on the same files: the 西東京市 sample (810, 20,
# 2.5%, 3,239; estimate and distribution CSV bytes), the 2015-layout CP932 sample, a broken CSV (located error),
# 10,000 rows in under a second; fails on any network request. Writes build-web/screenshot.png.
# Usage: bash web/test.sh [BUILD_WEB_DIR] [HKSTAT_CLI]   (defaults build-web, build/cli/hkstat; run web/build.sh first)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-build-web}
cli=${2:-build/cli/hkstat}
[ -f "$out/hkstat.html" ] || { echo "no $out/hkstat.html: run bash web/build.sh first" >&2; exit 1; }
[ -x "$cli" ] || { echo "no $cli: build the CLI first (README)" >&2; exit 1; }
node web/test.js "$out/hkstat.html" "$cli" "$out"
