// The JSON of what the supervisor knows about Postgres (GET /api/v1/status's "postgres" section
// and GET /api/v1/processes), from a process snapshot and the monitor's last reading.
#pragma once

#include <nlohmann/json.hpp>

#include "supervisor/monitor/archive_health.h"
#include "supervisor/process/supervised_process.h"

namespace pgbr {

nlohmann::json processJson(const ProcessSnapshot& snap);
nlohmann::json postgresJson(const ProcessSnapshot& snap, const ArchiveHealth& health,
                            bool restore_running);

}  // namespace pgbr
