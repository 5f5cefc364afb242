// One drill, run in a job's thread: pick the backup, check the free space, restore it into the
// scratch cluster, start the copy, run pg_amcheck, read and count every table, compare with the
// recorded counts, remove the copy, write the report. Internal to the drill capability.
#pragma once

#include <functional>

#include "supervisor/backrest/runner.h"
#include "supervisor/common/clock.h"
#include "supervisor/config/settings.h"
#include "supervisor/drill/drill_capability.h"
#include "supervisor/drill/drill_report.h"
#include "supervisor/drill/drill_store.h"
#include "supervisor/jobs/job_runner.h"
#include "supervisor/monitor/status_monitor.h"
#include "supervisor/os/children.h"

namespace pgbr {

struct DrillJobParts {
  const Settings& settings;
  const Clock& clock;
  Children& children;
  const BackrestRunner& backrest;
  StatusMonitor& monitor;
  DrillStore& store;
};

// `publish` is called with the report as it grows (for the status while the drill runs).
JobOutcome runDrill(JobContext& ctx, const DrillJobParts& parts, const DrillRequest& request,
                    const std::function<void(const DrillReport&)>& publish);

// The one-line job message of a finished drill.
std::string drillMessage(const DrillReport& report);

}  // namespace pgbr
