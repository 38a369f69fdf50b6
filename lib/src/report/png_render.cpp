#include "hkstat/report/png_render.hpp"

#include "hkstat/core/error.hpp"

#include <cairo.h>
#include <librsvg/rsvg.h>

#include <cmath>
#include <memory>

// Under AddressSanitizer (the CI's sanitizer suite, LeakSanitizer on): fontconfig, which librsvg uses through
// pango to find fonts, keeps its font caches until the process ends and never frees them — reported as leaks
// at exit although nothing is lost per chart. They are suppressed here, for fontconfig only, so that a leak
// of hkstat's own is still reported.
#if defined(__SANITIZE_ADDRESS__)
#define HKSTAT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HKSTAT_ASAN 1
#endif
#endif
#ifdef HKSTAT_ASAN
extern "C" const char* __lsan_default_suppressions() { return "leak:libfontconfig.so\n"; }
// Without this LeakSanitizer lists the suppressions it used on stderr, which the CLI's golden tests compare.
extern "C" const char* __lsan_default_options() { return "print_suppressions=0"; }
#endif

namespace hkstat::report {

namespace {

[[noreturn]] void fail(const std::string& what) {
  throw Error(Problem{ErrorCode::IoCannotWrite, SourcePos{}, what, Text{"グラフの PNG を作成できません", "cannot render the chart as PNG"},
                      Text{"正しい SVG と、描画に足りるメモリ", "a valid SVG and enough memory to draw it"}, ""});
}

cairo_status_t append(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

} // namespace

namespace {
using Surface = std::unique_ptr<cairo_surface_t, void (*)(cairo_surface_t*)>;

Surface draw(const std::string& svg, double scale) {
  if (!(scale > 0 && scale <= 8)) fail("scale");
  GError* err = nullptr;
  std::unique_ptr<RsvgHandle, void (*)(void*)> h(
      rsvg_handle_new_from_data(reinterpret_cast<const guint8*>(svg.data()), static_cast<gsize>(svg.size()), &err), g_object_unref);
  if (!h) {
    const std::string msg = err ? err->message : "parse";
    if (err) g_error_free(err);
    fail(msg);
  }
  gdouble w = 0, hgt = 0;
  if (!rsvg_handle_get_intrinsic_size_in_pixels(h.get(), &w, &hgt) || !(w > 0 && hgt > 0) || w * scale > 20000 || hgt * scale > 20000) fail("size");
  const int pw = static_cast<int>(std::ceil(w * scale)), ph = static_cast<int>(std::ceil(hgt * scale));
  Surface surface(cairo_image_surface_create(CAIRO_FORMAT_ARGB32, pw, ph), cairo_surface_destroy);
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS) fail("surface");
  std::unique_ptr<cairo_t, void (*)(cairo_t*)> cr(cairo_create(surface.get()), cairo_destroy);
  const RsvgRectangle viewport{0, 0, static_cast<double>(pw), static_cast<double>(ph)};
  if (!rsvg_handle_render_document(h.get(), cr.get(), &viewport, &err)) {
    const std::string msg = err ? err->message : "render";
    if (err) g_error_free(err);
    fail(msg);
  }
  cairo_surface_flush(surface.get());
  return surface;
}
} // namespace

Ink svg_ink(const std::string& svg) {
  Surface s = draw(svg, 1.0);
  const int w = cairo_image_surface_get_width(s.get()), h = cairo_image_surface_get_height(s.get());
  const int stride = cairo_image_surface_get_stride(s.get());
  const unsigned char* data = cairo_image_surface_get_data(s.get());
  Ink ink;
  for (int x = 0; x < w; ++x) {
    bool any = false;
    for (int y = 0; y < h; ++y) {
      const unsigned char* px = data + static_cast<std::ptrdiff_t>(y) * stride + x * 4;
      // premultiplied ARGB; transparent counts as white (the page)
      const bool white = px[3] == 0 || (px[0] > 0xF0 && px[1] > 0xF0 && px[2] > 0xF0);
      if (!white) {
        any = true;
        ++ink.pixels;
      }
    }
    ink.columns += any;
  }
  return ink;
}

std::string svg_to_png(const std::string& svg, double scale) {
  Surface surface = draw(svg, scale);
  std::string png;
  if (cairo_surface_write_to_png_stream(surface.get(), append, &png) != CAIRO_STATUS_SUCCESS) fail("png");
  return png;
}

} // namespace hkstat::report
