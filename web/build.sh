#!/usr/bin/env bash
# web/build.sh — builds build-web/hkstat.html: hkstat in one HTML file that runs in the browser from file://
# (docs/web.md). The library is compiled to WebAssembly with Debian's emscripten (web/CMakeLists.txt); the
# JavaScript parts come from npm (web/package-lock.json: acorn for emscripten's optimizer, exceljs for the
# workbook, puppeteer-core for web/test.sh). Needs: bash scripts/install-web-deps.sh (as root).
# Usage: bash web/build.sh [BUILD_DIR]    (default build-web)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-build-web}
mkdir -p "$out"
for tool in emcmake node npm; do
  command -v "$tool" >/dev/null || { echo "web/build.sh: $tool is missing: bash scripts/install-web-deps.sh (as root)" >&2; exit 1; }
done
# npm ci reinstalls from the lock file; skipped when node_modules is already newer than the lock file.
if [ ! -d web/node_modules ] || [ web/package-lock.json -nt web/node_modules ]; then
  (cd web && npm ci --no-audit --no-fund --loglevel=error)
  touch web/node_modules
fi
export NODE_PATH=$PWD/web/node_modules # emscripten's tools/acorn-optimizer.js requires acorn
emcmake cmake -S web -B "$out/wasm" -DCMAKE_BUILD_TYPE=Release >"$out/cmake.log" 2>&1 || { cat "$out/cmake.log" >&2; exit 1; }
cmake --build "$out/wasm" -j2
node web/assemble.js "$out"
