// hkstat/report/png_render.hpp — an SVG chart rasterised to PNG in-process (librsvg + cairo, Debian
// librsvg2-dev), so that charts paste into Word and older Excel. librsvg is not linked: it is opened with dlopen
// (soname librsvg-2.so.2, or the path or name in the environment variable HKSTAT_LIBRSVG) the first time a PNG is
// drawn, so that the commands that draw none start without its ~40 shared libraries; when it cannot be opened the
// call throws Error(IoCannotOpen) naming it. Text is drawn with the fonts fontconfig
// finds for the SVG's font-family list: install a CJK font (Debian fonts-noto-cjk: Noto Sans CJK JP), or
// Japanese text comes out as empty boxes.
#pragma once

#include <cstddef>
#include <string>

namespace hkstat::report {

// PNG bytes of `svg` at `scale` × its size (2 = 192 dpi for a 96-dpi SVG). Deterministic for the same
// SVG, fonts and library versions. Throws Error(IoCannotWrite) when the SVG cannot be parsed or drawn, and
// Error(IoCannotOpen) when librsvg cannot be loaded.
std::string svg_to_png(const std::string& svg, double scale = 2.0);

// How `svg` comes out on a white page at scale 1: the pixel columns and the pixels that are not white.
// For tests of font rendering (a missing font draws code-point boxes of another shape and width).
struct Ink {
  std::size_t columns = 0;
  std::size_t pixels = 0;
};
Ink svg_ink(const std::string& svg);

namespace detail {
// Opens `library` as librsvg and looks up the functions the renderer uses; throws Error(IoCannotOpen) when it
// cannot be opened or lacks one of them. For tests (svg_to_png opens librsvg itself).
void load_png_library(const std::string& library);
// The same drawing encoded by cairo's own PNG writer (cairo_surface_write_to_png_stream), which svg_to_png no
// longer uses (it is slower): the tests' reference for svg_to_png's pixels.
std::string svg_to_png_by_cairo(const std::string& svg, double scale = 2.0);
} // namespace detail

} // namespace hkstat::report
