// The PostgreSQL major version a data directory was made by against the one the binaries run.
// Postgres itself refuses a data directory of another major, but only once it starts, after the
// supervisor has written its settings into the directory; the check before start-up leaves the
// directory as it found it and names the ways forward.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "supervisor/common/pg_major.h"  // dataDirectoryMajor
#include "supervisor/config/settings.h"
#include "supervisor/os/children.h"

namespace pgbr {

// The major version in `postgres --version`'s line ("postgres (PostgreSQL) 17.12 (Debian ...)"
// -> "17", "... 9.6.24" -> "9.6"), "" when the line holds none.
std::string serverMajorFromVersionLine(std::string_view line);

// Runs <bindir>/postgres --version; "" when it cannot run or says no version.
std::string binariesMajor(const Settings& settings, Children& children);

// "" when the two agree or either is unknown (Postgres then speaks for itself), else the one-line
// refusal naming both versions, the binaries' folder and the ways forward.
std::string majorVersionMismatch(const std::filesystem::path& pgdata, const std::string& data_major,
                                 const std::string& server_major, const std::string& bindir);

}  // namespace pgbr
