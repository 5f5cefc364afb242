// What the supervisor reports about replication, read from the local Postgres: on a standby its
// WAL receiver (pg_stat_wal_receiver) and how far replay is behind, on a primary the standbys
// that stream from it (pg_stat_replication).
//
// Lag, as a standby can know it without asking the primary:
// - bytes: from the newest WAL position the primary reported (latest_end_lsn, sent with every
//   message and keepalive, or what was received if that is further) to the replayed one;
// - seconds: 0 when everything received is replayed, else the age of the last replayed
//   transaction (pg_last_xact_replay_timestamp()). With the primary unreachable it grows while
//   the archive is replayed: it is how old the data is, not a distance to a primary it cannot see.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "supervisor/common/clock.h"
#include "supervisor/postgres/pg_connection.h"

namespace pgbr {

// One standby streaming from this server (a row of pg_stat_replication).
struct StandbyPeer {
  std::string name;    // application_name: the standby's host name
  std::string client;  // its address
  std::string state;   // startup, catchup, streaming, backup, stopping
  std::optional<int64_t> lag_bytes;
  std::optional<double> lag_seconds;  // replay_lag: null when idle
};

struct ReplicationStatus {
  bool ok = false;
  std::string error;
  bool in_recovery = false;
  // In recovery: the WAL receiver. receiver is pg_stat_wal_receiver.status ("streaming",
  // "waiting", ...) or "" when no receiver runs (the primary unreachable: the archive is replayed).
  std::string receiver;
  std::string sender;  // host:port the receiver streams from
  std::string receive_lsn;
  std::string replay_lsn;
  std::optional<int64_t> lag_bytes;
  std::optional<double> lag_seconds;
  std::optional<WallTime> last_message;  // last message received from the primary
  // Not in recovery: who streams from here.
  std::vector<StandbyPeer> standbys;
};

// Reads it over `conn` (a superuser's session: pg_stat_wal_receiver is restricted).
ReplicationStatus readReplication(PGconn* conn);

// The row parsers (exposed for tests); columns as in the queries of replication_status.cpp.
ReplicationStatus parseRecoveryRow(const std::vector<std::optional<std::string>>& row);
StandbyPeer parsePeerRow(const std::vector<std::optional<std::string>>& row);

}  // namespace pgbr
