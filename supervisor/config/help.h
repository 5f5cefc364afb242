// What `pgbr-supervisor --help` and `--version` print. The flags and variables are listed from
// the setting table, with their defaults, so the help cannot miss a setting or show a stale
// default.
#pragma once

#include <string>

namespace pgbr {

// --help: every flag with its variable, default and meaning, the commands and the POSTGRES_* and
// PGBACKREST_* families, generated from the setting table.
std::string helpText();
// --version: "pgbr-supervisor 0.1.0".
std::string versionText();

}  // namespace pgbr
