// RestorePointDatabase on the live Postgres, through the supervisor's own local connection
// (postgres/local_conn.h): the restore point, the WAL switch that closes its segment, and the
// archiver's view of that segment.
#pragma once

#include <mutex>

#include "supervisor/postgres/pg_connection.h"
#include "supervisor/restore/restore_points.h"

namespace pgbr {

class PgRestorePointDatabase final : public RestorePointDatabase {
 public:
  explicit PgRestorePointDatabase(ConnParams params) : params_(std::move(params)) {}

  Outcome<Created> create(const std::string& name) override;
  Outcome<ArchiveState> archiveState(const std::string& wal_file) override;

 private:
  // The connection, opened on first use and again after it broke (a restart of Postgres).
  Outcome<PGconn*> connection();

  ConnParams params_;
  std::mutex mutex_;
  PgConnPtr conn_;
};

}  // namespace pgbr
