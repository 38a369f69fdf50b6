#!/usr/bin/env bash
# Installs the Debian packages hkstat needs to build and test, if any is missing. Debian 12 (bookworm).
set -euo pipefail
pkgs=(cmake make g++ pkg-config libeigen3-dev libboost-program-options-dev libboost-math-dev libfmt-dev catch2 libtomlplusplus-dev
  libkainjow-mustache-dev libxlsxwriter-dev   # report: Mustache templates (header-only), xlsx workbooks
  librsvg2-dev libpng-dev fonts-noto-cjk      # report: charts as PNG (librsvg + cairo, libpng to encode); a CJK font
  python3-openpyxl cmark-gfm librsvg2-bin     # report tests: open the workbook, render the Markdown, rasterise charts
  pandoc python3-docx                         # report --docx: the Word edition (pandoc), and its test (python-docx)
  pybind11-dev python3-dev python3-pytest python3-pandas # the Python module (python/, -DHKSTAT_BUILD_PYTHON) and its tests; pandas optional
  libfccp-dev time                             # benchmark (-DHKSTAT_BUILD_BENCH=ON, bench/run.sh): CSV baseline, /usr/bin/time -v
  man-db groff-base bsdextrautils             # cli.man_page: man -l renders the generated hkstat.1 (col -b)
  clang-14 libclang-rt-14-dev)                 # fuzz/: libFuzzer targets (.ci/run)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" != 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
