#include "hkstat/report/png_render.hpp"

#include "hkstat/core/error.hpp"
#include "report/runtime_library.hpp"

// Only the types and prototypes of librsvg and cairo: nothing of them is linked. The library is opened with dlopen
// the first time a chart is drawn as PNG (see Rsvg below), so that a run that writes no PNG — every command but
// `report` — does not load librsvg, cairo, pango, glib, gio, fontconfig, libxml2, ICU and the rest of their ~40
// shared libraries at process start (about 6 ms of CPU time and 570 page faults per run: docs/performance.md).
#include <cairo.h>
#include <librsvg/rsvg.h>

#include <cmath>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>

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

// The functions of librsvg, cairo and GLib hkstat calls, looked up in the opened librsvg (dlsym on its handle also
// finds the symbols of the libraries it depends on: cairo, gobject, glib). Each pointer has the type of the
// prototype in the header, so a mismatch is a compile error.
struct Rsvg {
  decltype(&rsvg_handle_new_from_data) new_from_data = nullptr;
  decltype(&rsvg_handle_get_intrinsic_size_in_pixels) intrinsic_size = nullptr;
  decltype(&rsvg_handle_render_document) render_document = nullptr;
  decltype(&g_object_unref) object_unref = nullptr;
  decltype(&g_error_free) error_free = nullptr;
  decltype(&cairo_image_surface_create) surface_create = nullptr;
  decltype(&cairo_surface_status) surface_status = nullptr;
  decltype(&cairo_surface_destroy) surface_destroy = nullptr;
  decltype(&cairo_surface_flush) surface_flush = nullptr;
  decltype(&cairo_create) create = nullptr;
  decltype(&cairo_destroy) destroy = nullptr;
  decltype(&cairo_image_surface_get_width) get_width = nullptr;
  decltype(&cairo_image_surface_get_height) get_height = nullptr;
  decltype(&cairo_image_surface_get_stride) get_stride = nullptr;
  decltype(&cairo_image_surface_get_data) get_data = nullptr;
  decltype(&cairo_surface_write_to_png_stream) write_png = nullptr;
};

// The soname of librsvg 2 (its ABI since 2.0; the functions above exist since 2.52, Debian 12 has 2.54).
constexpr detail::RuntimeLibrary kRsvg{"librsvg-2.so.2", "HKSTAT_LIBRSVG",
                                       {"グラフの PNG を描く librsvg を読み込めません", "cannot load librsvg, which draws the charts as PNG"},
                                       {"librsvg をインストールする（Debian・Ubuntu: apt-get install librsvg2-2）。環境変数 HKSTAT_LIBRSVG で別の場所を指定することもできる",
                                        "install librsvg (Debian, Ubuntu: apt-get install librsvg2-2), or give another location in HKSTAT_LIBRSVG"}};

// Opens `library` (a soname or a path) and binds the functions above; throws Error(IoCannotOpen) when it cannot be
// opened or lacks one of them (report/runtime_library.hpp).
std::shared_ptr<const Rsvg> open_rsvg(const std::string& library) {
  void* lib = detail::open_runtime_library(kRsvg, library);
  auto r = std::make_shared<Rsvg>();
  auto bind = [&](auto& fn, const char* name) { detail::bind_symbol(kRsvg, lib, library, fn, name); };
  bind(r->new_from_data, "rsvg_handle_new_from_data");
  bind(r->intrinsic_size, "rsvg_handle_get_intrinsic_size_in_pixels");
  bind(r->render_document, "rsvg_handle_render_document");
  bind(r->object_unref, "g_object_unref");
  bind(r->error_free, "g_error_free");
  bind(r->surface_create, "cairo_image_surface_create");
  bind(r->surface_status, "cairo_surface_status");
  bind(r->surface_destroy, "cairo_surface_destroy");
  bind(r->surface_flush, "cairo_surface_flush");
  bind(r->create, "cairo_create");
  bind(r->destroy, "cairo_destroy");
  bind(r->get_width, "cairo_image_surface_get_width");
  bind(r->get_height, "cairo_image_surface_get_height");
  bind(r->get_stride, "cairo_image_surface_get_stride");
  bind(r->get_data, "cairo_image_surface_get_data");
  bind(r->write_png, "cairo_surface_write_to_png_stream");
  return r;
}

// librsvg of this process: opened once, on first use, from HKSTAT_LIBRSVG if set (a path or a soname) or else
// the soname. A failure is not remembered: the next call tries again and throws the same error.
const Rsvg& rsvg() { return detail::runtime_library<Rsvg>(kRsvg, &open_rsvg); }

cairo_status_t append(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

struct SurfaceDeleter {
  const Rsvg* r;
  void operator()(cairo_surface_t* s) const { r->surface_destroy(s); }
};
using Surface = std::unique_ptr<cairo_surface_t, SurfaceDeleter>;

Surface draw(const Rsvg& r, const std::string& svg, double scale) {
  if (!(scale > 0 && scale <= 8)) fail("scale");
  GError* err = nullptr;
  auto unref = [&r](RsvgHandle* p) { r.object_unref(p); };
  std::unique_ptr<RsvgHandle, decltype(unref)> h(r.new_from_data(reinterpret_cast<const guint8*>(svg.data()), static_cast<gsize>(svg.size()), &err),
                                                 unref);
  if (!h) {
    const std::string msg = err ? err->message : "parse";
    if (err) r.error_free(err);
    fail(msg);
  }
  gdouble w = 0, hgt = 0;
  if (!r.intrinsic_size(h.get(), &w, &hgt) || !(w > 0 && hgt > 0) || w * scale > 20000 || hgt * scale > 20000) fail("size");
  const int pw = static_cast<int>(std::ceil(w * scale)), ph = static_cast<int>(std::ceil(hgt * scale));
  Surface surface(r.surface_create(CAIRO_FORMAT_ARGB32, pw, ph), SurfaceDeleter{&r});
  if (r.surface_status(surface.get()) != CAIRO_STATUS_SUCCESS) fail("surface");
  auto destroy = [&r](cairo_t* c) { r.destroy(c); };
  std::unique_ptr<cairo_t, decltype(destroy)> cr(r.create(surface.get()), destroy);
  const RsvgRectangle viewport{0, 0, static_cast<double>(pw), static_cast<double>(ph)};
  if (!r.render_document(h.get(), cr.get(), &viewport, &err)) {
    const std::string msg = err ? err->message : "render";
    if (err) r.error_free(err);
    fail(msg);
  }
  r.surface_flush(surface.get());
  return surface;
}
} // namespace

void detail::load_png_library(const std::string& library) { (void)open_rsvg(library); }

Ink svg_ink(const std::string& svg) {
  const Rsvg& r = rsvg();
  Surface s = draw(r, svg, 1.0);
  const int w = r.get_width(s.get()), h = r.get_height(s.get());
  const int stride = r.get_stride(s.get());
  const unsigned char* data = r.get_data(s.get());
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
  const Rsvg& r = rsvg();
  Surface surface = draw(r, svg, scale);
  std::string png;
  if (r.write_png(surface.get(), append, &png) != CAIRO_STATUS_SUCCESS) fail("png");
  return png;
}

} // namespace hkstat::report
