// The replication role on a data directory that already existed (POSTGRES_REPLICATION_USER set
// after initdb, or a restored primary): what initdb does for a new one, done once the primary
// runs. "When asked": only with POSTGRES_REPLICATION_USER set.
//
// Policy:
// - A missing role is created (LOGIN REPLICATION, with POSTGRES_REPLICATION_PASSWORD). An
//   existing role keeps its password (changing a password is the owner's decision, and a
//   restored primary's role is the source's); one without LOGIN or REPLICATION gets them, said
//   in the log.
// - When no pg_hba.conf rule admits replication connections of that user from other hosts
//   (initdb's own rules only cover loopback), replicationHbaEntry() is appended to the file
//   Postgres reads (hba_file) and the configuration is reloaded.
// - Never on a standby (read-only) and never fatal: a failure is one warning naming what to do.
#pragma once

#include <string>
#include <vector>

#include "supervisor/config/settings.h"

namespace pgbr {

// What was done, a line each (empty when nothing was needed); a failure is returned in *error.
std::vector<std::string> ensureReplicationAccess(const Settings& settings, std::string* error);

}  // namespace pgbr
