// The core's metrics (repository, backups, Postgres, archiving, jobs) as families, from values
// the supervisor copies out of its parts; a pure function, unit-tested with a made-up model.
// Names follow pgbackrest_exporter where they overlap (pgbackrest_*), so existing dashboards
// keep working; the supervisor's own are pgbr_*.
#pragma once

#include <optional>
#include <string>

#include "supervisor/backrest/info.h"
#include "supervisor/common/clock.h"
#include "supervisor/common/metric_family.h"
#include "supervisor/jobs/job_stats.h"
#include "supervisor/monitor/archive_health.h"
#include "supervisor/process/supervised_process.h"

namespace pgbr {

struct CoreMetricsInput {
  std::string stanza;
  WallTime now{};
  std::optional<backrest::InfoModel> info;
  ProcessSnapshot postgres;
  ArchiveHealth archive;
  JobStats::Snapshot jobs;
  bool job_running = false;
  uint64_t info_runs = 0;
  uint64_t orphans_reaped = 0;
};

Metrics collectCoreMetrics(const CoreMetricsInput& in);

}  // namespace pgbr
