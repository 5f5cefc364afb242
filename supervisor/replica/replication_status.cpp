// Replication as the local Postgres sees it (replication_status.h).
#include "supervisor/replica/replication_status.h"

#include <charconv>
#include <cmath>

#include "supervisor/postgres/status.h"

namespace pgbr {

namespace {

constexpr const char* kRecoveryQuery = R"sql(
SELECT pg_is_in_recovery(), r.status, r.sender_host, r.sender_port::text,
       pg_last_wal_receive_lsn()::text, pg_last_wal_replay_lsn()::text,
       pg_wal_lsn_diff(greatest(r.latest_end_lsn, r.flushed_lsn, pg_last_wal_receive_lsn()),
                       pg_last_wal_replay_lsn())::bigint,
       CASE WHEN pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn() THEN 0
            ELSE greatest(0, extract(epoch FROM now() - pg_last_xact_replay_timestamp())) END,
       extract(epoch FROM r.last_msg_receipt_time)
  FROM (SELECT 1) AS one LEFT JOIN pg_stat_wal_receiver r ON true)sql";
constexpr size_t kRecoveryColumns = 9;

constexpr const char* kPeersQuery = R"sql(
SELECT application_name, coalesce(host(client_addr), 'local'), state,
       pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint,
       extract(epoch FROM replay_lag)
  FROM pg_stat_replication ORDER BY application_name, pid)sql";
constexpr size_t kPeerColumns = 5;

std::optional<int64_t> parseInt64(const std::optional<std::string>& text) {
  if (!text || text->empty()) return std::nullopt;
  int64_t value = 0;
  const char* end = text->data() + text->size();
  auto [ptr, ec] = std::from_chars(text->data(), end, value);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

std::optional<double> parseSeconds(const std::optional<std::string>& text) {
  if (!text || text->empty()) return std::nullopt;
  double value = 0;
  const char* end = text->data() + text->size();
  auto [ptr, ec] = std::from_chars(text->data(), end, value);
  if (ec != std::errc() || ptr != end || !std::isfinite(value)) return std::nullopt;
  return value;
}

}  // namespace

ReplicationStatus parseRecoveryRow(const std::vector<std::optional<std::string>>& row) {
  ReplicationStatus status;
  if (row.size() != kRecoveryColumns) {
    status.error = "unexpected replication row with " + std::to_string(row.size()) + " columns";
    return status;
  }
  status.in_recovery = row[0].value_or("") == "t";
  status.receiver = row[1].value_or("");
  if (row[2] && !row[2]->empty()) {
    const bool v6 = row[2]->find(':') != std::string::npos;
    status.sender = (v6 ? "[" + *row[2] + "]" : *row[2]) + ":" + row[3].value_or("?");
  }
  status.receive_lsn = row[4].value_or("");
  status.replay_lsn = row[5].value_or("");
  status.lag_bytes = parseInt64(row[6]);
  if (status.lag_bytes && *status.lag_bytes < 0) status.lag_bytes = 0;
  status.lag_seconds = parseSeconds(row[7]);
  status.last_message = parseEpochSeconds(row[8]);
  status.ok = true;
  return status;
}

StandbyPeer parsePeerRow(const std::vector<std::optional<std::string>>& row) {
  StandbyPeer peer;
  if (row.size() != kPeerColumns) return peer;
  peer.name = row[0].value_or("");
  peer.client = row[1].value_or("");
  peer.state = row[2].value_or("");
  peer.lag_bytes = parseInt64(row[3]);
  peer.lag_seconds = parseSeconds(row[4]);
  return peer;
}

ReplicationStatus readReplication(PGconn* conn) {
  QueryRows recovery = queryRows(conn, kRecoveryQuery);
  if (!recovery.ok() || recovery.rows.size() != 1) {
    ReplicationStatus status;
    status.error = recovery.ok() ? "no replication row" : recovery.error;
    return status;
  }
  ReplicationStatus status = parseRecoveryRow(recovery.rows[0]);
  if (!status.ok || status.in_recovery) return status;
  QueryRows peers = queryRows(conn, kPeersQuery);
  if (!peers.ok()) {
    status.ok = false;
    status.error = peers.error;
    return status;
  }
  for (const auto& row : peers.rows) status.standbys.push_back(parsePeerRow(row));
  return status;
}

}  // namespace pgbr
