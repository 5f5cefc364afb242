// The connection the supervisor's own sessions use: the local socket, the initial superuser,
// short timeouts so a stuck server never stalls a status poll or a job.
#pragma once

#include "supervisor/config/settings.h"
#include "supervisor/postgres/pg_connection.h"

namespace pgbr {

ConnParams supervisorConnParams(const Settings& settings);

}  // namespace pgbr
