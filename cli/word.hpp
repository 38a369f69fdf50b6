// The Word edition of a report (hkstat report --docx): the library prepares its Markdown (report::WordSource),
// the CLI converts it with pandoc, run as a program (the library never runs programs). docs/reports.md, "Word".
#pragma once

#include "hkstat/io/atomic_dir.hpp"
#include "hkstat/report/report_builder.hpp"

#include <string>

namespace hkstat::cli {

// report.docx's bytes. `files` are the report's files (the charts' PNGs are taken from them). pandoc is
// $HKSTAT_PANDOC if set, else `pandoc` on PATH. Works in a temporary directory that is always removed.
// Errors: IoCannotOpen (exit 5) when pandoc cannot be run (not installed); IoCannotWrite (exit 5) when it fails
// or the temporary files cannot be written.
std::string docx_with_pandoc(const report::WordSource& word, const io::FileList& files);

} // namespace hkstat::cli
