#include "supervisor/restore/restore_point_db.h"

#include "supervisor/postgres/status.h"

namespace pgbr {

namespace {

// pg_create_restore_point returns the end of its record; pg_walfile_name names the segment
// holding the byte before an LSN, so it is the record's segment even when the record ends
// exactly at a segment boundary. The FROM item runs before the select list, so the switch
// closes the segment after the point was written.
constexpr const char* kCreate =
    "select p::text, pg_walfile_name(p), extract(epoch from clock_timestamp())::text, "
    "pg_switch_wal()::text from pg_create_restore_point($1) p";

// A segment's .ready file turns into .done when archive_command (pgBackRest's archive-push,
// which succeeds only once the repository holds the file) returned 0. A checkpoint may remove
// the .done file of an old segment: then the archiver's last archived segment tells.
constexpr const char* kArchiveState =
    "select coalesce(last_archived_wal, ''), coalesce(last_failed_wal, ''), "
    "extract(epoch from last_failed_time)::text, "
    "exists(select 1 from pg_ls_archive_statusdir() where name = $1 || '.ready'), "
    "exists(select 1 from pg_ls_archive_statusdir() where name = $1 || '.done') "
    "from pg_stat_archiver";

}  // namespace

Outcome<PGconn*> PgRestorePointDatabase::connection() {
  if (conn_ && PQstatus(conn_.get()) != CONNECTION_OK) conn_.reset();
  if (!conn_) {
    ConnectResult connected = connectPg(params_);
    if (!connected.ok())
      return Error{ErrorCode::kPostgresDown, "postgres does not accept connections (" +
                                                 connected.error +
                                                 "); start it (POST /api/v1/processes/postgres/"
                                                 "start) or wait for it, then try again"};
    conn_ = std::move(connected.conn);
  }
  return conn_.get();
}

Outcome<RestorePointDatabase::Created> PgRestorePointDatabase::create(const std::string& name) {
  std::lock_guard lock(mutex_);
  auto conn = connection();
  if (auto* error = std::get_if<Error>(&conn)) return *error;
  PGconn* pg = std::get<PGconn*>(conn);
  QueryValue recovery = queryValue(pg, "select pg_is_in_recovery()");
  if (!recovery.ok()) {
    // The session may have died with a restart of Postgres: one fresh attempt.
    conn_.reset();
    conn = connection();
    if (auto* error = std::get_if<Error>(&conn)) return *error;
    pg = std::get<PGconn*>(conn);
    recovery = queryValue(pg, "select pg_is_in_recovery()");
    if (!recovery.ok())
      return Error{ErrorCode::kPostgresDown, "cannot ask postgres: " + recovery.error};
  }
  if (recovery.value == std::optional<std::string>("t"))
    return Error{ErrorCode::kConflict,
                 "postgres is in recovery (a restore paused at its target, or a standby): a "
                 "restore point can only be created on a primary; resume or promote it first"};
  QueryRows rows = queryRows(pg, kCreate, {name});
  if (!rows.ok())
    return Error{ErrorCode::kCommandFailed, "postgres refused the restore point: " + rows.error};
  if (rows.rows.size() != 1 || rows.rows[0].size() != 4 || !rows.rows[0][0] || !rows.rows[0][1])
    return Error{ErrorCode::kInternal, "pg_create_restore_point returned no position"};
  Created created;
  created.lsn = *rows.rows[0][0];
  created.wal_file = *rows.rows[0][1];
  created.at = parseEpochSeconds(rows.rows[0][2]).value_or(WallTime{});
  return created;
}

Outcome<RestorePointDatabase::ArchiveState> PgRestorePointDatabase::archiveState(
    const std::string& wal_file) {
  std::lock_guard lock(mutex_);
  auto conn = connection();
  if (auto* error = std::get_if<Error>(&conn)) return *error;
  QueryRows rows = queryRows(std::get<PGconn*>(conn), kArchiveState, {wal_file});
  if (!rows.ok()) {
    conn_.reset();
    return Error{ErrorCode::kPostgresDown, "cannot read pg_stat_archiver: " + rows.error};
  }
  if (rows.rows.size() != 1 || rows.rows[0].size() != 5)
    return Error{ErrorCode::kInternal, "pg_stat_archiver returned no row"};
  const auto& row = rows.rows[0];
  ArchiveState state;
  state.last_archived_wal = row[0].value_or("");
  state.last_failed_wal = row[1].value_or("");
  state.last_failed_at = parseEpochSeconds(row[2]);
  const bool ready = row[3] == std::optional<std::string>("t");
  const bool done = row[4] == std::optional<std::string>("t");
  // Names of one timeline sort like their positions; a later timeline's sort after.
  const bool passed = state.last_archived_wal.size() == 24 && state.last_archived_wal >= wal_file;
  state.archived = !ready && (done || passed);
  return state;
}

}  // namespace pgbr
