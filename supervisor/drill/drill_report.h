// The drill's report and its verdict: what was restored, how long it took (the RTO), what
// pg_amcheck found, and each table's row count in the copy beside the count recorded when the
// backup was taken. Pure: built from values, so the rules below are unit-tested.
//
// What "equal" means on a busy database. A drill restores the backup to the moment it became
// consistent (its end). The recorded count is taken right after pgBackRest finished, so a table
// written while the backup ran may differ without anything being wrong. For each table:
//   equal                  same count in the copy as recorded;
//   changed_during_backup  counts differ, and the table's inserts, deletes or relfilenode moved
//                          between the start of the backup and the count (or the table appeared
//                          meanwhile): expected, not a failure;
//   written_after_backup   counts differ, the activity did not move during the backup, but the
//                          live table's has moved since (statistics reach pg_stat_user_tables up
//                          to seconds late, so a write at the very end of a backup can show here):
//                          not a failure, reported;
//   unlogged               unlogged tables are empty after every restore, by Postgres' design;
//   not_recorded           in the copy but not in the record (the backup predates recording,
//                          or the table was dropped before the count);
//   created_during_backup  recorded but absent from the copy, and created after the backup began;
//   mismatch               counts differ and nothing wrote to the table: FAILS the drill;
//   missing                recorded, existed before the backup began, absent from the copy: FAILS;
//   unreadable             reading every page of it in the copy raised an error: FAILS.
// A drill fails when the restore fails, when the copy does not reach consistency and accept
// connections, when pg_amcheck reports corruption or cannot check, or when a table fails above.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "supervisor/common/clock.h"
#include "supervisor/postgres/row_counts.h"

namespace pgbr {

enum class TableVerdict {
  kEqual,
  kChangedDuringBackup,
  kWrittenAfterBackup,
  kUnlogged,
  kNotRecorded,
  kCreatedDuringBackup,
  kMismatch,
  kMissing,
  kUnreadable,
};
std::string_view toString(TableVerdict verdict);  // "equal", "changed_during_backup", ...
bool fails(TableVerdict verdict);

struct TableReport {
  std::string schema;
  std::string name;
  std::optional<int64_t> recorded;
  std::optional<int64_t> copy;
  TableVerdict verdict = TableVerdict::kEqual;
  std::string note;  // the error of an unreadable table, ...
};

struct DatabaseReport {
  std::string name;
  std::vector<TableReport> tables;
  std::string problem;  // the database is missing from the copy or could not be read: fails
};

struct CountComparison {
  bool recorded = false;  // the backup job recorded counts for this backup
  std::vector<DatabaseReport> databases;
  std::vector<std::string> failures;  // one line per failing table or database
  int tables = 0;
  int equal = 0;
};

// The live cluster's activity per database when the drill ran; a database absent is unknown.
using LiveMods = std::map<std::string, DatabaseMods>;

CountComparison compareCounts(const std::optional<RowCountRecord>& recorded,
                              const std::vector<DatabaseRows>& copy, const LiveMods& live);

enum class DrillResult { kRunning, kPassed, kFailed, kSkipped, kCancelled };
std::string_view toString(DrillResult result);  // "running", "passed", ...

struct AmcheckResult {
  bool ran = false;
  int exit_code = -1;
  std::vector<std::string> findings;  // what it reported (corruption, errors), at most 50 lines
};

struct DrillReport {
  std::string id;  // the job's
  std::string trigger;
  std::string set;  // the backup restored
  DrillResult result = DrillResult::kRunning;
  std::string reason;  // why it failed or was skipped, one line
  WallTime started_at{};
  std::optional<WallTime> finished_at;
  std::optional<double> restore_s;    // pgbackrest restore
  std::optional<double> ready_s;      // start of the copy until it accepted connections
  std::vector<std::string> copy_log;  // when the copy ended before it was ready: why
  AmcheckResult amcheck;
  CountComparison counts;

  // restore + ready: the time to a usable copy (what users call RTO).
  std::optional<double> rtoSeconds() const;
};

// The verdict from the parts; sets result and reason (a skip or cancel is left as it is).
void decide(DrillReport& report);

// Summary without the per-table report (lists); toJson adds the report.
nlohmann::json summaryJson(const DrillReport& report);
nlohmann::json toJson(const DrillReport& report);
std::optional<DrillReport> drillReportFromJson(const nlohmann::json& j);

}  // namespace pgbr
