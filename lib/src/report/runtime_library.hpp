// report/runtime_library.hpp — a shared library opened with dlopen the first time it is needed, not linked.
// The one mechanism of librsvg (report/png_render.cpp: charts as PNG) and libxlsxwriter (report/xlsx_writer.cpp:
// the Excel workbook): a run that writes neither — `estimate`, `tabulate` and the rest without xlsx or PNG — does
// not load them and what they pull in (libxlsxwriter: libcrypto, libminizip, zlib; librsvg: ~40 libraries), which
// was most of hkstat's process start (docs/performance.md). Private to those two files (not in the web build).
#pragma once

#include "hkstat/core/error.hpp"

#include <dlfcn.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>

namespace hkstat::report::detail {

// Which library, where (its soname, or the file named by the environment variable `env_var`), and the error a
// user sees when it cannot be opened (E_IO_OPEN, exit 5): what it is for and how to install it, each {Japanese,
// English}. Literals only, so that a `constexpr RuntimeLibrary` has no initialiser to run at process start.
struct RuntimeLibrary {
  const char* soname;
  const char* env_var;
  const char* what[2];
  const char* expected[2];
};

// The file to open: `env_var` if set and not empty (a path or a soname), else the soname.
inline std::string runtime_library_file(const RuntimeLibrary& spec) {
  const char* env = std::getenv(spec.env_var);
  return env && *env ? std::string(env) : std::string(spec.soname);
}

[[noreturn]] inline void cannot_load(const RuntimeLibrary& spec, const std::string& file, const std::string& why) {
  throw Error(Problem{ErrorCode::IoCannotOpen, SourcePos{file, 0, 0, "", ""}, why, Text{spec.what[0], spec.what[1]},
                      Text{spec.expected[0], spec.expected[1]}, ""});
}

// dlopen(file), every symbol resolved now and kept local; throws E_IO_OPEN naming the file when it cannot be
// opened. The handle is never closed (the functions bound from it stay valid for the process).
inline void* open_runtime_library(const RuntimeLibrary& spec, const std::string& file) {
  dlerror();
  void* lib = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    const char* e = dlerror();
    cannot_load(spec, file, e ? e : "dlopen");
  }
  return lib;
}

// Looks up `name` in the opened library (dlsym on its handle also finds the symbols of the libraries it depends
// on) into `fn`, a pointer of the prototype's type (decltype(&name), so a mismatch is a compile error); a library
// that lacks it is not the one asked for: E_IO_OPEN, "no symbol NAME".
template <class F>
void bind_symbol(const RuntimeLibrary& spec, void* lib, const std::string& file, F& fn, const char* name) {
  void* p = dlsym(lib, name);
  if (!p) cannot_load(spec, file, std::string("no symbol ") + name);
  fn = reinterpret_cast<F>(p);
}

// The functions T of this process's copy of the library: opened once, on first use, by open(runtime_library_file());
// later calls are one atomic load. A failure is not remembered: the next call tries again and throws the same error.
template <class T>
const T& runtime_library(const RuntimeLibrary& spec, std::shared_ptr<const T> (*open)(const std::string& file)) {
  static std::atomic<const T*> ready{nullptr};
  if (const T* t = ready.load(std::memory_order_acquire)) return *t;
  static std::mutex mu;
  static std::shared_ptr<const T> loaded;
  std::lock_guard<std::mutex> lock(mu);
  if (!loaded) {
    loaded = open(runtime_library_file(spec));
    ready.store(loaded.get(), std::memory_order_release);
  }
  return *loaded;
}

} // namespace hkstat::report::detail
