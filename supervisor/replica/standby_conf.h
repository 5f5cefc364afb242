// What makes a restored data directory a streaming standby of PGBR_STANDBY_PRIMARY: the
// primary_conninfo line of the supervisor's Postgres settings file and the password file it names.
//
// Policy: the replication password never appears in a settings file or a process title. It is
// written to <state>/replication.pgpass (mode 0600, rewritten at every start so a changed Secret
// takes effect) and primary_conninfo names that file (passfile=). The application name is the
// host name, so the primary's pg_stat_replication tells its standbys apart. pgBackRest's
// --type=standby restore writes standby.signal and restore_command (the archive as fallback);
// recovery_target_timeline is Postgres' default, latest, so a standby follows its primary's
// promotions that the archive holds.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "supervisor/config/settings.h"

namespace pgbr {

// "host:port", "[v6]:port": the primary as PGBR_STANDBY_PRIMARY names it.
std::string primaryAddress(const Settings& settings);

// A libpq connection-string value: single-quoted, with \ and ' escaped.
std::string conninfoValue(std::string_view value);
// A .pgpass field: ':' and '\' escaped.
std::string pgpassField(std::string_view value);

// The lines for the settings file (exposed for tests): primary_conninfo, and nothing else.
std::string renderStandbyConf(const Settings& settings, const std::filesystem::path& passfile,
                              const std::string& application_name);

// Writes the password file (when there is a password) and returns renderStandbyConf()'s lines;
// "" with *error set when the file cannot be written.
std::string standbyConf(const Settings& settings, std::string* error);

}  // namespace pgbr
