// hkstat/codebook/data_file.hpp — the [data_file] table (codebook::data_file_table) for a CSV whose digest was
// computed as it was written (io::Sha256Stream), e.g. `hkstat weight` writing its output batch by batch.
#pragma once

#include <string>

namespace hkstat::codebook {

// As data_file_table(bytes, rows, written_by) for bytes whose SHA-256 (lower-case hex) is `sha256`.
std::string data_file_table_of_digest(const std::string& sha256, long long rows, const std::string& written_by);

} // namespace hkstat::codebook
