#include "supervisor/drill/row_count_recorder.h"

#include <set>

#include "supervisor/postgres/local_conn.h"

namespace pgbr {

bool RowCountRecorder::enabled() const {
  return !settings_.schedule_drill.empty() || settings_.drill_after_full;
}

void RowCountRecorder::beforeBackup(JobContext& job) {
  std::lock_guard lock(mutex_);
  before_.clear();
  if (!enabled()) return;
  ConnParams params = supervisorConnParams(settings_);
  std::string error;
  for (const std::string& db : listDatabases(params, &error)) {
    params.dbname = db;
    if (auto mods = readMods(params, &error)) before_[db] = std::move(*mods);
  }
  if (!error.empty())
    job.log().appendLine("row counts: cannot read the tables' activity before the backup: " +
                         error);
}

void RowCountRecorder::afterBackup(JobContext& job, const std::string& label) {
  std::lock_guard lock(mutex_);
  if (!enabled()) return;
  const MonoTime began = clock_.monotonic();
  RowCountRecord record;
  record.label = label;
  record.counted_at = clock_.wall();
  ConnParams params = supervisorConnParams(settings_);
  params.statement_timeout_ms = 0;
  std::string error;
  size_t tables = 0, carried = 0;
  const std::string started = postmasterStart(params);
  if (started.empty() || started != last_started_) last_.reset();
  for (const std::string& db : listDatabases(params, &error)) {
    params.dbname = db;
    const DatabaseRows* previous = nullptr;
    if (last_)
      for (const DatabaseRows& d : last_->databases)
        if (d.name == db && d.error.empty()) previous = &d;
    DatabaseRows rows = countDatabase(params, false, &job.cancelRequested(), previous);
    std::string mods_error;
    const std::optional<DatabaseMods> after = readMods(params, &mods_error);
    const auto before = before_.find(db);
    for (TableRows& t : rows.tables) {
      if (t.carried) ++carried;
      // A carried count keeps the `before` of the backup that counted it.
      if (before != before_.end() && !t.carried)
        if (auto it = before->second.find(t.oid); it != before->second.end()) t.before = it->second;
      if (after)
        if (auto it = after->find(t.oid); it != after->end()) t.after = it->second;
    }
    tables += rows.tables.size();
    record.databases.push_back(std::move(rows));
  }
  before_.clear();
  if (!error.empty()) {
    job.log().appendLine("row counts: not recorded for backup " + label + ": " + error);
    return;
  }
  if (std::string err = store_.saveCounts(record); !err.empty()) {
    job.log().appendLine("row counts: cannot be saved: " + err);
    return;
  }
  const auto ms = std::chrono::duration_cast<Millis>(clock_.monotonic() - began).count();
  job.log().appendLine("row counts: " + std::to_string(tables) + " tables in " +
                       std::to_string(record.databases.size()) +
                       " databases recorded for the restore drill (" + std::to_string(ms) +
                       " ms; " + std::to_string(carried) +
                       " unchanged since the previous backup's count, not counted again)");
  last_ = record;
  last_started_ = started;
  // Counts of backups expired from the repository are of no use any more.
  std::set<std::string> labels{label};
  const bool known = monitor_.withInfo([&labels](const InfoSnapshot& info) {
    if (!info.model) return false;
    for (const auto& b : info.model->backups) labels.insert(b.label);
    return true;
  });
  if (known) store_.keepCountsOf(labels);
}

}  // namespace pgbr
