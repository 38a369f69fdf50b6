#include "hkstat/report/png_render.hpp"

#include "hkstat/core/error.hpp"
#include "report/runtime_library.hpp"

// Only the types and prototypes of librsvg and cairo: nothing of them is linked. The library is opened with dlopen
// the first time a chart is drawn as PNG (see Rsvg below), so that a run that writes no PNG — every command but
// `report` — does not load librsvg, cairo, pango, glib, gio, fontconfig, libxml2, ICU and the rest of their ~40
// shared libraries at process start (about 6 ms of CPU time and 570 page faults per run: docs/performance.md).
#include <cairo.h>
#include <librsvg/rsvg.h>
#include <png.h>

#include <bit>
#include <cmath>
#include <csetjmp>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

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
  decltype(&cairo_surface_write_to_png_stream) write_png = nullptr; // cairo's own PNG writer: the tests' reference
  // libpng, which cairo loads (encode_png).
  decltype(&png_create_write_struct) png_create_write = nullptr;
  decltype(&png_create_info_struct) png_create_info = nullptr;
  decltype(&png_destroy_write_struct) png_destroy_write = nullptr;
  decltype(&png_get_error_ptr) png_error_ptr = nullptr;
  decltype(&png_set_write_fn) png_set_write = nullptr;
  decltype(&png_get_io_ptr) png_io_ptr = nullptr;
  decltype(&png_set_IHDR) png_set_ihdr = nullptr;
  decltype(&png_set_filter) png_filter = nullptr;
  decltype(&png_set_compression_level) png_level = nullptr;
  decltype(&png_set_bKGD) png_background = nullptr;
  decltype(&png_write_info) png_write_info_fn = nullptr;
  decltype(&png_write_row) png_write_row_fn = nullptr;
  decltype(&png_write_end) png_write_end_fn = nullptr;
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
  bind(r->png_create_write, "png_create_write_struct");
  bind(r->png_create_info, "png_create_info_struct");
  bind(r->png_destroy_write, "png_destroy_write_struct");
  bind(r->png_error_ptr, "png_get_error_ptr");
  bind(r->png_set_write, "png_set_write_fn");
  bind(r->png_io_ptr, "png_get_io_ptr");
  bind(r->png_set_ihdr, "png_set_IHDR");
  bind(r->png_filter, "png_set_filter");
  bind(r->png_level, "png_set_compression_level");
  bind(r->png_background, "png_set_bKGD");
  bind(r->png_write_info_fn, "png_write_info");
  bind(r->png_write_row_fn, "png_write_row");
  bind(r->png_write_end_fn, "png_write_end");
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

// Where libpng writes (its io pointer) and where an error returns to (its error pointer): write_png_rows' own.
struct PngSink {
  std::jmp_buf jump;
  std::string* out;
};

// libpng's callbacks. An error (libpng's, or no memory for the output) jumps back to write_png_rows, which then
// fails; a warning is dropped (the library never prints).
[[noreturn]] void png_failed(png_structp p, png_const_charp) { std::longjmp(static_cast<PngSink*>(rsvg().png_error_ptr(p))->jump, 1); }
void png_warned(png_structp, png_const_charp) {}
void png_append(png_structp p, png_bytep data, std::size_t n) {
  bool ok = true;
  try {
    static_cast<PngSink*>(rsvg().png_io_ptr(p))->out->append(reinterpret_cast<const char*>(data), n);
  } catch (...) {
    ok = false;
  }
  if (!ok) png_failed(p, nullptr);
}

// The drawn surface: premultiplied ARGB in native-endian 32-bit words, `stride` bytes a row.
struct Pixels {
  const unsigned char* data;
  int width, height, stride;
  bool alpha; // some pixel is not opaque: RGBA, else RGB
};

// Row y of the surface as the PNG's bytes into `to` (width × 3 or 4): RGB when every pixel is opaque, else RGBA with
// the premultiplied colours divided back by alpha, rounded, as cairo's writer does (its unpremultiply).
void png_row(const Pixels& px, int y, unsigned char* to) {
  const unsigned char* from = px.data + static_cast<std::ptrdiff_t>(y) * px.stride;
  if (!px.alpha) { // the usual chart: a loop without a branch a pixel
    for (int x = 0; x < px.width; ++x, from += 4, to += 3) {
      std::uint32_t v;
      std::memcpy(&v, from, 4);
      to[0] = static_cast<unsigned char>(v >> 16);
      to[1] = static_cast<unsigned char>(v >> 8);
      to[2] = static_cast<unsigned char>(v);
    }
    return;
  }
  for (int x = 0; x < px.width; ++x, from += 4) {
    std::uint32_t v;
    std::memcpy(&v, from, 4);
    const unsigned a = v >> 24, red = v >> 16 & 0xFF, green = v >> 8 & 0xFF, blue = v & 0xFF;
    const auto un = [a](unsigned c) { return static_cast<unsigned char>(a == 0 ? 0 : (c * 255 + a / 2) / a); };
    *to++ = un(red);
    *to++ = un(green);
    *to++ = un(blue);
    *to++ = static_cast<unsigned char>(a);
  }
}

// The surface as a PNG of 8-bit RGB or RGBA into `out`, a row at a time through `row` (one row's bytes): filter
// none, zlib level 3. False on an error. Nothing with a destructor lives in this function: libpng leaves it by
// longjmp on an error.
bool write_png_rows(const Rsvg& r, const Pixels& px, unsigned char* row, std::string* out) {
  PngSink sink{{}, out};
  png_structp p = r.png_create_write(PNG_LIBPNG_VER_STRING, &sink, &png_failed, &png_warned);
  if (p == nullptr) return false;
  png_infop info = r.png_create_info(p);
  if (info == nullptr) {
    r.png_destroy_write(&p, nullptr);
    return false;
  }
  if (setjmp(sink.jump) != 0) {
    r.png_destroy_write(&p, &info);
    return false;
  }
  r.png_set_write(p, &sink, &png_append, nullptr);
  r.png_set_ihdr(p, info, static_cast<png_uint_32>(px.width), static_cast<png_uint_32>(px.height), 8,
                 px.alpha ? PNG_COLOR_TYPE_RGB_ALPHA : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
  png_color_16 white{};
  white.red = white.green = white.blue = white.gray = 0xFF; // the background a viewer shows under transparency, as cairo writes it
  r.png_background(p, info, &white);
  r.png_filter(p, PNG_FILTER_TYPE_BASE, PNG_FILTER_NONE);
  r.png_level(p, 3);
  r.png_write_info_fn(p, info);
  for (int y = 0; y < px.height; ++y) {
    png_row(px, y, row);
    r.png_write_row_fn(p, row);
  }
  r.png_write_end_fn(p, info);
  r.png_destroy_write(&p, &info);
  return true;
}

// The drawn surface as PNG. Not cairo's writer (cairo_surface_write_to_png_stream): that one lets libpng try every
// row filter and compress at zlib's default level, and took four fifths of a report's time on the sample (nine
// charts, about 40 ms each); filter none at level 3 gives files of about the same size four times faster
// (docs/performance.md, "Fifteenth session"). RGB when every pixel is opaque (the charts have a white page), as
// cairo writes them.
std::string encode_png(const Rsvg& r, cairo_surface_t* surface) {
  Pixels px{r.get_data(surface), r.get_width(surface), r.get_height(surface), r.get_stride(surface), false};
  if (px.data == nullptr || px.width <= 0 || px.height <= 0) fail("png");
  for (int y = 0; y < px.height && !px.alpha; ++y) {
    const unsigned char* from = px.data + static_cast<std::ptrdiff_t>(y) * px.stride;
    for (int x = 0; x < px.width; ++x)
      if (from[4 * x + (std::endian::native == std::endian::little ? 3 : 0)] != 0xFF) { // the alpha byte of the word
        px.alpha = true;
        break;
      }
  }
  std::vector<unsigned char> row(static_cast<std::size_t>(px.width) * (px.alpha ? 4 : 3));
  std::string png;
  if (!write_png_rows(r, px, row.data(), &png)) fail("png");
  return png;
}

} // namespace

void detail::load_png_library(const std::string& library) { (void)open_rsvg(library); }

std::string detail::svg_to_png_by_cairo(const std::string& svg, double scale) {
  const Rsvg& r = rsvg();
  Surface surface = draw(r, svg, scale);
  std::string png;
  if (r.write_png(surface.get(), append, &png) != CAIRO_STATUS_SUCCESS) fail("png");
  return png;
}

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
  return encode_png(r, surface.get());
}

} // namespace hkstat::report
