// The folders pgBackRest writes to that a PGBACKREST_* variable moves out of the state
// directory: PGBACKREST_LOCK_PATH (its lock files), PGBACKREST_LOG_PATH (its per-command logs)
// and PGBACKREST_SPOOL_PATH (the queue of asynchronous archiving). Every pgbackrest the
// supervisor runs, and the archive-push Postgres runs, writes there as the postgres user; a
// folder that user cannot create or write makes stanza-create and archiving fail with
// "Permission denied". So they are prepared at start as the data and repository folders are
// (see the os/folders.h functions main() calls), or start-up stops with one line naming the
// variable.
//
// Policy: only the variables are read here. The same options set in a pgbackrest.conf of the
// user's own (PGBACKREST_CONFIG) are not: that file is the user's to keep consistent. The
// defaults in the rendered pgbackrest.conf lie inside the state directory, which is prepared
// anyway.
#pragma once

#include <string>
#include <vector>

#include "supervisor/config/settings.h"

namespace pgbr {

struct NamedFolder {
  std::string setting;  // what a message names: "PGBACKREST_LOCK_PATH"
  std::string path;     // absolute
};

// The folders named by PGBACKREST_LOCK_PATH, _LOG_PATH and _SPOOL_PATH, in that order; an empty
// variable is left out (pgBackRest then uses its configuration). Throws ConfigError for a
// relative path, naming the variable: pgBackRest runs from other directories.
std::vector<NamedFolder> backrestFolders(const Settings& settings);

}  // namespace pgbr
