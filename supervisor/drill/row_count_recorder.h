// The backup job's part of the drill: before pgBackRest runs, note every table's activity; after
// it made a backup, count every table in one snapshot (carrying over the counts of tables not
// written since the previous backup) and note the activity again, and store that as the backup's
// row counts (row_counts.h). Failures are logged in the backup's job log and
// never fail the backup.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "supervisor/backup/backup_jobs.h"
#include "supervisor/config/settings.h"
#include "supervisor/drill/drill_store.h"
#include "supervisor/monitor/status_monitor.h"

namespace pgbr {

class RowCountRecorder final : public BackupObserver {
 public:
  RowCountRecorder(const Settings& settings, const Clock& clock, StatusMonitor& monitor,
                   DrillStore& store)
      : settings_(settings), clock_(clock), monitor_(monitor), store_(store) {}

  void beforeBackup(JobContext& job) override;
  void afterBackup(JobContext& job, const std::string& label) override;

 private:
  bool enabled() const;

  const Settings& settings_;
  const Clock& clock_;
  StatusMonitor& monitor_;
  DrillStore& store_;
  std::mutex mutex_;
  std::map<std::string, DatabaseMods> before_;  // of the backup running now
  // The last record this process made: its counts are carried over where they still hold.
  std::optional<RowCountRecord> last_;
  std::string last_started_;  // the postmaster's start time when last_ was counted
};

}  // namespace pgbr
