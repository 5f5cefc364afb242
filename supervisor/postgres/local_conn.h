// The connection the supervisor's own sessions use: the local socket, the initial superuser,
// short timeouts so a stuck server never stalls a status poll or a job.
#pragma once

#include "supervisor/config/settings.h"
#include "supervisor/postgres/pg_connection.h"

namespace pgbr {

ConnParams supervisorConnParams(const Settings& settings);

// Puts the server process behind `c` at the lowest CPU priority (nice 19), for a background read
// that must take only the CPU nothing else wants (the row counts beside a dump). Only for the
// supervisor's own server, which runs on this machine; returns the reason when it could not.
std::string lowerBackendPriority(PGconn* c);

}  // namespace pgbr
