// The state folder the supervisor keeps (logs, job history, schedule state, pgBackRest's lock,
// log and spool folders) and the pgbackrest.conf it renders there from the compiled-in template;
// a local repository folder is created too. Runs as the final user, after privileges dropped.
#pragma once

#include <string>

#include "supervisor/config/settings.h"

namespace pgbr {

// Returns an error line naming the setting to fix, or empty.
std::string prepareStateDir(const Settings& settings);

}  // namespace pgbr
