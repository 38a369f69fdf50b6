// core/fmt_runtime.cpp — fmt's out-of-line functions (vformat, throw_format_error, the locale helpers), compiled
// into the library from Debian's own fmt headers (libfmt-dev's fmt/format-inl.h, the code libfmt.so is built
// from), so that no hkstat binary loads libfmt.so. Nothing of fmt is copied here: this file only asks the
// compiler for the definitions the headers declare out of line.
//
// Why (issue 16, the 810-row sample ≤ 10 ms; docs/performance.md, fourteenth session): libfmt.so needs the shared
// libstdc++, and mapping and relocating libstdc++.so is most of a process start here (a C++ "hello world" starts
// in 6.1 ms with it, 4.5 ms with libstdc++ linked statically). With fmt inside the library, the hkstat executable
// links libstdc++ and libgcc statically (cli/CMakeLists.txt); the test cli.static_runtime checks that it needs
// neither libstdc++.so nor libfmt.so.
//
// The WebAssembly build compiles fmt header-only (FMT_HEADER_ONLY=1): there every function is inline already.
#ifndef FMT_HEADER_ONLY
#include <fmt/format-inl.h>

FMT_BEGIN_NAMESPACE
namespace detail {
// The explicit instantiations fmt/format.h declares `extern template` when fmt is not header-only.
template FMT_API auto thousands_sep_impl<char>(locale_ref) -> thousands_sep_result<char>;
template FMT_API auto thousands_sep_impl<wchar_t>(locale_ref) -> thousands_sep_result<wchar_t>;
template FMT_API auto decimal_point_impl(locale_ref) -> char;
template FMT_API auto decimal_point_impl(locale_ref) -> wchar_t;
} // namespace detail
FMT_END_NAMESPACE
#endif
