// Row counts of every table, as the backup job records them and as the drill finds them in the
// copy, and the reading of them over libpq.
//
// What is recorded per table (key: the table's oid, which a physical restore keeps):
// - `rows`: an exact count(*), every table of a database counted in one REPEATABLE READ snapshot
//   taken right after pgBackRest finished the backup;
// - `before` / `after`: the table's count-changing activity (pg_stat_user_tables' inserted and
//   deleted rows, and its relfilenode, which TRUNCATE, VACUUM FULL and CLUSTER change) read
//   before pgBackRest started and after the count. Equal before and after means no row was
//   inserted, deleted or truncated away while the backup ran, so the count at the backup's end
//   is the recorded count.
// Tables are the user's ordinary tables and populated materialized views, logged and unlogged
// (an unlogged table is always empty after a restore), not temporary ones.
//
// A count is carried over from the previous record instead of counting again when the table's
// activity, read in the counting transaction, equals the activity read after that earlier count:
// no row was inserted or deleted and no TRUNCATE happened since, so the count still holds. The
// carried entry keeps the `before` of the backup that counted it, so the drill judges it over the
// whole time since (a change whose statistics arrived late shows in the live activity by the
// time a drill runs, and is judged "written after the backup", never "mismatch"). A backup then
// pays for counting only the tables written since the last one; the first backup after the
// supervisor starts counts every table.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "supervisor/common/clock.h"
#include "supervisor/postgres/pg_connection.h"

namespace pgbr {

// What changes a table's row count, as Postgres' statistics tell.
struct TableMods {
  int64_t inserted = 0;
  int64_t deleted = 0;
  std::string filenode;
  friend bool operator==(const TableMods&, const TableMods&) = default;
};

struct TableRows {
  uint32_t oid = 0;
  std::string schema;
  std::string name;
  bool unlogged = false;
  bool unpopulated = false;     // a materialized view never refreshed: nothing to count
  std::optional<int64_t> rows;  // counted; nullopt with `error` when reading failed
  std::string error;
  std::optional<TableMods> before;  // recorded only
  std::optional<TableMods> after;
  bool carried = false;  // recorded only: the count of the previous record, still valid
};

// The previous record's count of a table, when it still holds (see above): `previous` has a count
// and an `after` equal to `now`.
std::optional<int64_t> carriedCount(const TableRows& previous, const TableMods& now);

struct DatabaseRows {
  std::string name;
  std::vector<TableRows> tables;  // by schema, then name
  std::string error;              // the database could not be read at all
};

// What the backup job recorded for one backup.
struct RowCountRecord {
  std::string label;
  WallTime counted_at{};
  std::vector<DatabaseRows> databases;
};

nlohmann::json toJson(const RowCountRecord& record);
std::optional<RowCountRecord> rowCountRecordFromJson(const nlohmann::json& j);

// Activity per table of one database, by oid.
using DatabaseMods = std::map<uint32_t, TableMods>;

// When the running postmaster started (pg_postmaster_start_time() as text): a restart may have
// reset the statistics the carrying over of counts relies on (a restore, a crash), so counts are
// carried only within one postmaster's life. "" when it cannot be read.
std::string postmasterStart(const ConnParams& params);
// The databases that accept connections (not templates), by name.
std::vector<std::string> listDatabases(const ConnParams& params, std::string* error);
// The activity of every table of database `params.dbname`.
std::optional<DatabaseMods> readMods(const ConnParams& params, std::string* error);
// Counts every table of `params.dbname` in one snapshot. `read_every_page` forbids index scans so
// each heap page is read (the drill's "every table is readable"); the live side lets the planner
// count cheaply. A table that cannot be read gets its error; the others are still counted. With
// `previous` (the same database in the last record), counts that still hold are carried over.
DatabaseRows countDatabase(const ConnParams& params, bool read_every_page,
                           const std::atomic<bool>* cancel, const DatabaseRows* previous = nullptr);
// For a session that counts: a count(*) is a loop over the rows that JIT compilation cannot make
// faster, and the first compilation in a session loads LLVM (measured: 0.5 s of CPU before a
// 0.3 s count of 5 million rows, which a dump running beside it pays for on a 2-CPU machine).
inline constexpr const char* kNoJit = "SET jit = off";
// The counting part of countDatabase on a connection whose REPEATABLE READ transaction the caller
// opened (the dumps count in the snapshot pg_dump then reads) and closes.
DatabaseRows countInTransaction(PGconn* conn, const std::string& dbname,
                                const std::atomic<bool>* cancel,
                                const DatabaseRows* previous = nullptr);

}  // namespace pgbr
