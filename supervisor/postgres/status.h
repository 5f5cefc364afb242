// What the supervisor reports about the running Postgres: recovery state, client connections,
// version, system identifier and WAL archiving (pg_stat_archiver), read over one long-lived
// connection; plus the archive queue read straight from pg_wal/archive_status without any
// connection at all.
//
// Why both: pg_stat_archiver only learns of a failure when archive_command returns, and with S3
// unreachable one pgBackRest archive-push can hang for minutes before it does (failed_count stays
// 0 meanwhile). The `.ready` files waiting in archive_status, and the age of the oldest, show the
// stall as it happens, and still do when Postgres refuses connections.
#pragma once

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "supervisor/common/clock.h"
#include "supervisor/postgres/pg_connection.h"

namespace pgbr {

struct ArchiverStats {
  int64_t archived_count = 0;
  std::string last_archived_wal;  // "" when none yet
  std::optional<WallTime> last_archived_time;
  int64_t failed_count = 0;
  std::string last_failed_wal;
  std::optional<WallTime> last_failed_time;
  std::optional<WallTime> stats_reset;
};

struct PostgresStatus {
  bool ok = false;    // false: the connection or the query failed; see error
  std::string error;  // lowercase, one line
  bool in_recovery = false;
  int64_t connections = 0;        // client backends, not counting the reader's own session
  std::string server_version;     // "15.4 (Debian 15.4-1.pgdg120+1)"
  int server_version_num = 0;     // 150004
  std::string system_identifier;  // uint64 as decimal text: it exceeds 2^53, so never a double
  uint32_t timeline = 0;          // the timeline WAL is written on; 0 in recovery or unknown
  // pg_stat_wal_receiver.status ("streaming", "waiting", ...); "" when no WAL receiver runs (a
  // primary, archive recovery, or a standby that cannot reach its primary).
  std::string wal_receiver;
  ArchiverStats archiver;
};

// Reads PostgresStatus over one connection that it opens on first use and opens again when it
// breaks (a restart of Postgres). Thread-safe: calls are serialised.
class PostgresStatusReader {
 public:
  explicit PostgresStatusReader(ConnParams params) : params_(std::move(params)) {}
  PostgresStatusReader(const PostgresStatusReader&) = delete;
  PostgresStatusReader& operator=(const PostgresStatusReader&) = delete;

  PostgresStatus read();
  // Drops the connection (before a planned stop of Postgres, so it does not hold a backend).
  void disconnect();

 private:
  PostgresStatus readOnce();

  ConnParams params_;
  std::mutex mutex_;
  PgConnPtr conn_;
};

// Turns one row of the status query into PostgresStatus (exposed for tests). Columns in order:
// in_recovery, connections, server_version, server_version_num, system_identifier,
// archived_count, last_archived_wal, last_archived_epoch, failed_count, last_failed_wal,
// last_failed_epoch, stats_reset_epoch, current_wal_file, wal_receiver_status.
// The timeline of a WAL segment file name ("000000020000000A000000FE" -> 2), or 0 when the name
// is not one.
uint32_t walTimeline(std::string_view wal_file);

PostgresStatus parseStatusRow(const std::vector<std::optional<std::string>>& row);

// "1700000000.123456" (extract(epoch from ...)) -> a wall time; nullopt for NULL or garbage.
std::optional<WallTime> parseEpochSeconds(const std::optional<std::string>& text);

// The filesystem listing scanArchiveStatus needs, behind an interface so tests can fake it.
struct DirEntryInfo {
  std::string name;
  WallTime mtime;
};
class DirLister {
 public:
  virtual ~DirLister() = default;
  // Regular files in `dir` (not recursive). nullopt with *error set when the folder cannot be
  // read.
  virtual std::optional<std::vector<DirEntryInfo>> list(const std::filesystem::path& dir,
                                                        std::string* error) const = 0;
};
class RealDirLister final : public DirLister {
 public:
  std::optional<std::vector<DirEntryInfo>> list(const std::filesystem::path& dir,
                                                std::string* error) const override;
};

struct ArchiveQueue {
  bool ok = false;
  std::string error;                  // why archive_status could not be read
  int64_t ready_count = 0;            // WAL files (and history/backup files) waiting to archive
  std::string oldest_ready;           // file name of the oldest, without ".ready"
  std::optional<Seconds> oldest_age;  // now - its mtime (0 when in the future); nullopt if none
};

ArchiveQueue scanArchiveStatus(const DirLister& lister, const std::filesystem::path& pgdata,
                               WallTime now);
ArchiveQueue scanArchiveStatus(const std::filesystem::path& pgdata, WallTime now);

}  // namespace pgbr
