// Charts as PNG (report/png_render.hpp, librsvg + cairo): a real PNG, deterministic, and Japanese text drawn
// with glyphs — not blank, not "tofu" boxes. Needs a CJK font (Debian fonts-noto-cjk, scripts/install-deps.sh).
#include "hkstat/report/png_render.hpp"

#include "hkstat/core/error.hpp"
#include "hkstat/report/svg_chart.hpp"
#include "test_util.hpp"

#include <catch2/catch.hpp>
#include <png.h>

#include <string>
#include <tuple>
#include <vector>

using namespace hkstat;
using namespace hkstat::report;

namespace {

// The chart's own font list, one line of text.
std::string text_svg(const std::string& text) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"240\" height=\"40\" "
         "font-family=\"'Noto Sans CJK JP', 'Hiragino Sans', 'Yu Gothic', Meiryo, sans-serif\" font-size=\"20\">"
         "<rect width=\"240\" height=\"40\" fill=\"#ffffff\"/><text x=\"10\" y=\"28\">" +
         text + "</text></svg>\n";
}

} // namespace

TEST_CASE("PNG of an SVG: a PNG, deterministic, scaled", "[report][png]") {
  const std::string a = svg_to_png(text_svg("A"), 1.0);
  REQUIRE(a.size() > 33);
  CHECK(a.substr(0, 8) == std::string("\x89PNG\r\n\x1a\n", 8));
  // IHDR: width and height (big-endian) at bytes 16..23.
  auto be32 = [&](const std::string& p, std::size_t at) {
    return (static_cast<unsigned>(static_cast<unsigned char>(p[at])) << 24) | (static_cast<unsigned>(static_cast<unsigned char>(p[at + 1])) << 16) |
           (static_cast<unsigned>(static_cast<unsigned char>(p[at + 2])) << 8) | static_cast<unsigned>(static_cast<unsigned char>(p[at + 3]));
  };
  CHECK(be32(a, 16) == 240);
  CHECK(be32(a, 20) == 40);
  const std::string b = svg_to_png(text_svg("A"), 2.0);
  CHECK(be32(b, 16) == 480);
  CHECK(a == svg_to_png(text_svg("A"), 1.0));
  CHECK_THROWS_AS(svg_to_png("<svg", 1.0), Error);
  CHECK_THROWS_AS(svg_to_png(text_svg("A"), 0.0), Error);
}

TEST_CASE("PNG: Japanese text is drawn with glyphs, not blank and not tofu boxes", "[report][png][fonts]") {
  // Without a CJK font every character is the same .notdef box, so two different strings of the same
  // length give the same image; with one, they differ. And text differs from no text (not blank).
  const std::string blank = svg_to_png(text_svg(""), 1.0);
  const std::string a = svg_to_png(text_svg("出現率"), 1.0);
  const std::string b = svg_to_png(text_svg("推計人数"), 1.0);
  const std::string c = svg_to_png(text_svg("推計人口"), 1.0);
  // U+0378, U+0379, U+0380, U+0381: unassigned code points, so no font has a glyph for them (a private-use code
  // point such as U+E000 is not safe: the MathJax fonts that come with R's packages draw one).
  const std::string tofu = svg_to_png(text_svg("\xCD\xB8\xCD\xB9\xCE\x80\xCE\x81"), 1.0);
  CHECK(a != blank);
  CHECK(b != c);
  CHECK(b != tofu);
  CHECK(c != tofu);
  // The decisive check: a missing glyph is drawn as a box (with the code point in it), about as much ink
  // as any other box; with the font, 一 (one stroke) has a fraction of the ink of a box and of 出.
  // Measured: with Noto Sans CJK JP 一×10 = 400 px, 出×10 = 1,520, boxes ×10 = 1,860; with no CJK font
  // (fontconfig limited to DejaVu) 1,920, 1,794 and 1,903 — the test then fails.
  const std::string ten_one = "一一一一一一一一一一", ten_out = "出出出出出出出出出出";
  std::string ten_boxes;
  for (int i = 0; i < 10; ++i) ten_boxes += "\xCD\xB8"; // U+0378 (unassigned)
  const Ink one = svg_ink(text_svg(ten_one)), out = svg_ink(text_svg(ten_out)), boxes = svg_ink(text_svg(ten_boxes));
  INFO("ink: 一 " << one.pixels << ", 出 " << out.pixels << ", boxes " << boxes.pixels << " (install fonts-noto-cjk)");
  CHECK(one.pixels > 0);
  CHECK(one.pixels * 2 < boxes.pixels);
  CHECK(one.pixels * 2 < out.pixels);
  // A whole chart renders too.
  ChartData chart;
  chart.title = Text{"広義のひきこもり群", "broad"};
  chart.categories = {Text{"病気", "illness"}};
  ChartSeries s;
  s.name = Text{"全体", "all"};
  ChartBar bar;
  bar.value = 0.4;
  bar.label = "40.0%";
  s.bars = {bar};
  chart.series = {s};
  const std::string png = svg_to_png(bar_chart_svg(chart, Lang::Ja));
  CHECK(png.substr(1, 3) == "PNG");
}


namespace {

// The pixels of a PNG as 8-bit RGBA (libpng's simplified reader, linked into this test only), with its colour type.
struct Decoded {
  std::vector<unsigned char> rgba;
  unsigned width = 0, height = 0;
  int color_type = -1;
};
Decoded decode(const std::string& png) {
  Decoded d;
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  REQUIRE(png_image_begin_read_from_memory(&image, png.data(), png.size()) != 0);
  image.format = PNG_FORMAT_RGBA;
  d.rgba.resize(PNG_IMAGE_SIZE(image));
  REQUIRE(png_image_finish_read(&image, nullptr, d.rgba.data(), 0, nullptr) != 0);
  d.width = image.width;
  d.height = image.height;
  d.color_type = static_cast<unsigned char>(png[25]); // IHDR: width, height, bit depth, then the colour type
  return d;
}

} // namespace

TEST_CASE("PNG: hkstat's encoder gives cairo's pixels, RGB when opaque and RGBA with transparency", "[report][png]") {
  // svg_to_png encodes the drawn surface itself (filter none, zlib level 3); cairo's own writer is the reference.
  ChartData chart;
  chart.title = Text{"広義のひきこもり群", "broad"};
  chart.categories = {Text{"病気", "illness"}, Text{"人間関係", "relationships"}};
  ChartSeries s;
  s.name = Text{"全体", "all"};
  for (const double v : {0.4, 0.15}) {
    ChartBar bar;
    bar.value = v;
    bar.label = "x";
    s.bars.push_back(bar);
  }
  chart.series = {s};
  const std::string opaque_svg = bar_chart_svg(chart, Lang::Ja);
  // No page: the glyphs' edges half transparent, the rest fully (premultiplied colours divided back by alpha).
  const std::string clear_svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"60\" height=\"30\"><circle cx=\"15\" cy=\"15\" r=\"11\" "
                                "fill=\"#3366cc\" fill-opacity=\"0.6\"/><text x=\"30\" y=\"22\" font-size=\"18\">字</text></svg>";
  for (const auto& [svg, scale, type] : {std::tuple{opaque_svg, 2.0, 2}, std::tuple{clear_svg, 1.0, 6}, std::tuple{clear_svg, 3.0, 6}}) {
    const std::string ours = svg_to_png(svg, scale), theirs = detail::svg_to_png_by_cairo(svg, scale);
    const Decoded a = decode(ours), b = decode(theirs);
    CHECK(a.color_type == type); // 2 = RGB, 6 = RGBA
    CHECK(a.color_type == b.color_type);
    CHECK(a.width == b.width);
    CHECK(a.height == b.height);
    CHECK(a.rgba == b.rgba);
    CHECK(ours == svg_to_png(svg, scale)); // deterministic
  }
}

TEST_CASE("librsvg is opened at run time, a missing or wrong one is E_IO_OPEN naming it", "[report][png]") {
  // Not linked (lib/CMakeLists.txt): found by its soname when a PNG is drawn.
  CHECK_NOTHROW(detail::load_png_library("librsvg-2.so.2"));
  const Problem missing = testutil::problem_of([] { detail::load_png_library("/nonexistent/librsvg-2.so.2"); });
  CHECK(missing.code == ErrorCode::IoCannotOpen);
  CHECK(missing.pos.file == "/nonexistent/librsvg-2.so.2");
  CHECK(missing.message.en.find("librsvg") != std::string::npos);
  // A library that opens but is not librsvg: its first missing function is named.
  const Problem wrong = testutil::problem_of([] { detail::load_png_library("libm.so.6"); });
  CHECK(wrong.code == ErrorCode::IoCannotOpen);
  CHECK(wrong.value == "no symbol rsvg_handle_new_from_data");
}
