// Where the PostgreSQL binaries are when PGBR_PG_BINDIR does not say. Debian installs each major
// in /usr/lib/postgresql/<major>/bin and the images hold one, so the supervisor runs the image's
// PostgreSQL whichever Debian release it was built on; a host with several majors runs the one
// the data directory was made by.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "supervisor/common/pg_major.h"  // dataDirectoryMajor

namespace pgbr {

inline constexpr std::string_view kDebianPgRoot = "/usr/lib/postgresql";

// The majors installed under `root`: its folders holding bin/postgres, in ascending numeric order
// ("9.6" before "15" before "17").
std::vector<std::string> installedPgMajors(const std::filesystem::path& root);

// <root>/<major>/bin of the first of these that is installed: `data_major` (the data directory's
// PG_VERSION: only those binaries can run it), `pg_major` (the images' PG_MAJOR variable), the
// newest installed major; `fallback` when none is installed.
std::string choosePgBindir(std::string_view data_major, std::string_view pg_major,
                           const std::vector<std::string>& installed,
                           const std::filesystem::path& root, const std::string& fallback);

}  // namespace pgbr
