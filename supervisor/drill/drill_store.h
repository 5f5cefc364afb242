// The drill's files in the state folder, <state>/drills/: one report per drill
// (reports/<job id>.json), the row counts the backup job recorded per backup
// (row-counts/<label>.json) and the schedule's state (schedule.json). Reports are kept as long as
// the job history keeps jobs (PGBR_JOB_HISTORY), row counts as long as their backup is in the
// repository. Summaries are cached in memory; a whole report is read from disk when asked for.
#pragma once

#include <filesystem>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "supervisor/drill/drill_report.h"
#include "supervisor/postgres/row_counts.h"

namespace pgbr {

class DrillStore {
 public:
  DrillStore(std::filesystem::path dir, size_t keep_reports);

  // Reads the summaries of the reports on disk; returns warnings for files it could not read.
  std::vector<std::string> load();

  // Returns "" or the error. Drops the oldest reports beyond keep_reports.
  std::string saveReport(const DrillReport& report);
  // Newest first, without the per-table report.
  std::vector<DrillReport> summaries(size_t limit) const;
  std::optional<DrillReport> report(const std::string& id) const;
  // The newest finished drill other than a cancelled one.
  std::optional<DrillReport> lastFinished() const;
  std::optional<WallTime> lastSuccess() const;

  std::string saveCounts(const RowCountRecord& record);
  std::optional<RowCountRecord> counts(const std::string& label) const;
  // Removes the row counts of backups not in `labels` (gone from the repository).
  void keepCountsOf(const std::set<std::string>& labels);

  nlohmann::json loadSchedule() const;
  void saveSchedule(const nlohmann::json& state) const;

 private:
  std::filesystem::path dir_;
  size_t keep_reports_;
  mutable std::mutex mutex_;
  std::vector<DrillReport> summaries_;  // oldest first
};

// Job ids and backup labels become file names: only these characters are accepted.
bool safeFileStem(const std::string& name);

}  // namespace pgbr
