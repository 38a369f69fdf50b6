#!/usr/bin/env bash
# web/test.sh — opens build-web/hkstat.html from file:// in Debian's headless Chromium and in Debian's headless
# Firefox ESR (web/test.js, driven by puppeteer-core: DevTools protocol / WebDriver BiDi, no browser download) and
# compares it with the command line on the same files: the 西東京市 sample (810, 20, 2.5%, 3,239; estimate and
# distribution CSV bytes, also with --by, --where and --min-cell), the 2015-layout CP932 sample, a broken CSV
# (located error), 10,000 rows (timed: build-web/timing.json); fails on any network request. Writes
# build-web/screenshot.png (Chromium) and build-web/screenshot-firefox.png.
# Usage: bash web/test.sh [BUILD_WEB_DIR] [HKSTAT_CLI]   (defaults build-web, build/cli/hkstat; run web/build.sh first)
# HKSTAT_WEB_BROWSERS=chromium (or firefox) runs one browser only; the default and CI run both.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-build-web}
cli=${2:-build/cli/hkstat}
[ -f "$out/hkstat.html" ] || { echo "no $out/hkstat.html: run bash web/build.sh first" >&2; exit 1; }
[ -x "$cli" ] || { echo "no $cli: build the CLI first (README)" >&2; exit 1; }
node web/test.js "$out/hkstat.html" "$cli" "$out"
