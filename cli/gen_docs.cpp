// hkstat-gen-docs — writes what is generated from the option table (cli/options.cpp) at build time:
//   hkstat-gen-docs man en|ja VERSION   the man page (hkstat.1, hkstat.ja.1)
//   hkstat-gen-docs bash                 the bash completion script
//   hkstat-gen-docs markdown             the option reference block of docs/cli.md
//   hkstat-gen-docs options CMD          the long options of a command (estimate, codebook-init, ...), one a line
//   hkstat-gen-docs check-docs FILE      exit 1 (with a diff hint) when FILE's block differs from the table
#include "options.hpp"

#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

int main(int argc, char** argv) {
  using namespace hkstat::cli;
  const std::string what = argc > 1 ? argv[1] : "";
  if (what == "man" && argc > 3) {
    std::cout << man_page(std::string(argv[2]) == "ja" ? hkstat::Lang::Ja : hkstat::Lang::En, argv[3]);
    return 0;
  }
  if (what == "bash") {
    std::cout << bash_completion();
    return 0;
  }
  if (what == "options" && argc > 2) { // the long names of a command's options, one a line
    for (const OptionSpec* s : options_of(argv[2])) std::cout << "--" << s->name << "\n";
    return 0;
  }
  if (what == "markdown") {
    std::cout << markdown_reference();
    return 0;
  }
  if (what == "check-docs" && argc > 2) {
    std::ifstream in(argv[2], std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string doc = ss.str();
    const auto begin = doc.find(kDocsBegin);
    const auto end = doc.find(kDocsEnd);
    if (!in || begin == std::string::npos || end == std::string::npos || end < begin) {
      std::cerr << argv[2] << ": no generated option reference (markers " << kDocsBegin << " ... " << kDocsEnd << ")\n";
      return 1;
    }
    const std::string block = doc.substr(begin, end - begin + std::string(kDocsEnd).size()) + "\n";
    if (block != markdown_reference()) {
      std::cerr << argv[2] << ": the option reference differs from the option table (cli/options.cpp).\n"
                << "Regenerate it: build/cli/hkstat-gen-docs markdown, and paste it between the markers.\n";
      return 1;
    }
    std::cout << "docs option reference matches the option table\n";
    return 0;
  }
  std::cerr << "usage: hkstat-gen-docs man en|ja VERSION | bash | markdown | options CMD | check-docs FILE\n";
  return 2;
}
