// The backup schedule at work: the cron schedules of full, diff and incr backups (the pure
// Scheduler in schedule/), persisted in the state folder so a restart neither loses a missed run
// nor repeats one, ticked by the supervisor's loop, told of every backup's result.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>

#include <nlohmann/json.hpp>

#include "supervisor/backup/backup_jobs.h"
#include "supervisor/common/clock.h"
#include "supervisor/config/settings.h"
#include "supervisor/schedule/scheduler.h"
#include "supervisor/schedule/time_zone.h"

namespace pgbr {

class BackupSchedule {
 public:
  BackupSchedule(const Settings& settings, const Clock& clock, const TimeZone& tz,
                 BackupJobs& backups);

  // Reads the saved state (last runs, pending catch-ups); before the first tick.
  void load();
  // One pass of the loop: a backup the new timeline needs first, else the schedule's due one.
  // `busy`: a job, a restore or a stopped Postgres keeps due backups pending.
  void tick(bool busy);
  // Every finished job; backups count for their type's schedule whoever started them.
  void onJobFinished(const Job& job);
  nlohmann::json status() const;  // {"schedule": [...]}

 private:
  void save();

  const Clock& clock_;
  BackupJobs& backups_;
  std::filesystem::path state_file_;
  mutable std::mutex mutex_;
  std::unique_ptr<Scheduler> scheduler_;
};

}  // namespace pgbr
