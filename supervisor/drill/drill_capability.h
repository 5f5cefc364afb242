// The restore drill as a capability (supervisor/service/capability.h): proves that a backup
// restores by restoring it into a scratch cluster (scratch_cluster.h), checking the copy
// (pg_amcheck, every table read and counted against the counts the backup job recorded) and
// measuring how long it took to get a usable copy. A drill is a JOB of kind "drill": one job at a
// time, like every job, so a drill never runs beside a backup, an expire or a restore.
//
// When: PGBR_SCHEDULE_DRILL (cron, drill_schedule.h), after each successful full backup when
// PGBR_DRILL_AFTER_FULL is on, and on request (POST /api/v1/drills). Results: GET /api/v1/drills,
// the status' "drill" section (the overview's line), and the pgbr_drill_* metrics.
//
// Row counts are recorded by the backup job (a BackupObserver: before pgBackRest runs and after
// it succeeded) while drills are enabled (a schedule or PGBR_DRILL_AFTER_FULL); a drill of a
// backup without them reports the copy's counts alone.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "supervisor/common/errors.h"
#include "supervisor/jobs/job.h"
#include "supervisor/service/capability.h"

namespace pgbr {

struct DrillRequest {
  std::string set;  // a backup label; empty: the latest backup
  JobTrigger trigger = JobTrigger::kApi;
};

// What the API asks of the drill (api/routes_drills.cpp).
class DrillService {
 public:
  virtual ~DrillService() = default;
  // 202 with the job; repository_busy while another job runs; bad_request for a bad label.
  virtual Outcome<Job> startDrill(const DrillRequest& request) = 0;
  // {"drills": [summary, ...] newest first (a running drill first), "schedule": {...},
  //  "after_full": bool}
  virtual nlohmann::json drills(size_t limit) = 0;
  // One drill with its whole report; not_found when unknown.
  virtual Outcome<nlohmann::json> drill(const std::string& id) = 0;
};

inline constexpr std::string_view kDrillCapability = "drill";

// The factory handed to Supervisor::add().
std::unique_ptr<Capability> makeDrillCapability(const CoreParts& parts);

// <state>/drill unless PGBR_DRILL_DIR says otherwise.
std::string drillDir(const Settings& settings);

}  // namespace pgbr
