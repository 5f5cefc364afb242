// PostgreSQL major versions as text: of a version string and of a data directory.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace pgbr {

// The major of a version text: "17.12" -> "17", "9.6.24" -> "9.6", "18beta1" -> "18", "x" -> "".
// Never converted to a number, so any number of digits is fine.
std::string pgMajorOf(std::string_view version);

// The major version in <pgdata>/PG_VERSION ("15"; "9.6" for the old two-part numbers), "" when
// the file is missing or holds no version.
std::string dataDirectoryMajor(const std::filesystem::path& pgdata);

}  // namespace pgbr
