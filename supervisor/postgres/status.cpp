#include "supervisor/postgres/status.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <system_error>

namespace pgbr {

namespace {

// One round trip for everything. Times come back as epoch seconds, which need no time zone or
// DateStyle handling on this side.
constexpr const char* kStatusQuery = R"sql(
SELECT pg_is_in_recovery(),
       (SELECT count(*) FROM pg_stat_activity
         WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()),
       current_setting('server_version'),
       current_setting('server_version_num'),
       (SELECT system_identifier FROM pg_control_system())::text,
       a.archived_count, a.last_archived_wal, extract(epoch FROM a.last_archived_time),
       a.failed_count, a.last_failed_wal, extract(epoch FROM a.last_failed_time),
       extract(epoch FROM a.stats_reset),
       CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_walfile_name(pg_current_wal_lsn()) END,
       (SELECT status FROM pg_stat_wal_receiver)
  FROM pg_stat_archiver a)sql";

constexpr size_t kStatusColumns = 14;

template <typename Int>
std::optional<Int> parseInt(const std::optional<std::string>& text) {
  if (!text || text->empty()) return std::nullopt;
  Int value{};
  const char* end = text->data() + text->size();
  auto [ptr, ec] = std::from_chars(text->data(), end, value);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

}  // namespace

std::optional<WallTime> parseEpochSeconds(const std::optional<std::string>& text) {
  if (!text || text->empty()) return std::nullopt;
  double seconds = 0;
  const char* end = text->data() + text->size();
  auto [ptr, ec] = std::from_chars(text->data(), end, seconds);
  if (ec != std::errc() || ptr != end || !std::isfinite(seconds)) return std::nullopt;
  const auto micros = std::chrono::microseconds(std::llround(seconds * 1e6));
  return WallTime(std::chrono::duration_cast<WallTime::duration>(micros));
}

uint32_t walTimeline(std::string_view wal_file) {
  // 000000020000000A000000FE: the timeline is the first eight hex digits.
  if (wal_file.size() < 24) return 0;
  uint32_t timeline = 0;
  const char* end = wal_file.data() + 8;
  auto [ptr, ec] = std::from_chars(wal_file.data(), end, timeline, 16);
  return ec == std::errc() && ptr == end ? timeline : 0;
}

PostgresStatus parseStatusRow(const std::vector<std::optional<std::string>>& row) {
  PostgresStatus status;
  if (row.size() != kStatusColumns) {
    status.error = "unexpected status row with " + std::to_string(row.size()) + " columns";
    return status;
  }
  status.in_recovery = row[0].value_or("") == "t";
  status.connections = parseInt<int64_t>(row[1]).value_or(0);
  status.server_version = row[2].value_or("");
  status.server_version_num = parseInt<int>(row[3]).value_or(0);
  // Checked as a uint64 so a malformed value never reaches the API as if it were an identifier.
  if (auto id = parseInt<uint64_t>(row[4])) status.system_identifier = std::to_string(*id);
  ArchiverStats& a = status.archiver;
  a.archived_count = parseInt<int64_t>(row[5]).value_or(0);
  a.last_archived_wal = row[6].value_or("");
  a.last_archived_time = parseEpochSeconds(row[7]);
  a.failed_count = parseInt<int64_t>(row[8]).value_or(0);
  a.last_failed_wal = row[9].value_or("");
  a.last_failed_time = parseEpochSeconds(row[10]);
  a.stats_reset = parseEpochSeconds(row[11]);
  status.timeline = walTimeline(row[12].value_or(""));
  status.wal_receiver = row[13].value_or("");
  status.ok = true;
  return status;
}

PostgresStatus PostgresStatusReader::read() {
  std::lock_guard lock(mutex_);
  const bool had_connection = conn_ != nullptr;
  PostgresStatus status = readOnce();
  // A connection opened before a restart of Postgres fails on its first use afterwards; one
  // fresh attempt tells "Postgres is down" apart from "the old session is gone".
  if (!status.ok && had_connection && conn_ == nullptr) status = readOnce();
  return status;
}

void PostgresStatusReader::disconnect() {
  std::lock_guard lock(mutex_);
  conn_.reset();
}

PostgresStatus PostgresStatusReader::readOnce() {
  if (conn_ && PQstatus(conn_.get()) != CONNECTION_OK) conn_.reset();
  if (!conn_) {
    ConnectResult connected = connectPg(params_);
    if (!connected.ok()) {
      PostgresStatus status;
      status.error = connected.error;
      return status;
    }
    conn_ = std::move(connected.conn);
  }
  QueryRows rows = queryRows(conn_.get(), kStatusQuery);
  if (!rows.ok()) {
    if (PQstatus(conn_.get()) != CONNECTION_OK) conn_.reset();
    PostgresStatus status;
    status.error = "status query failed: " + rows.error;
    return status;
  }
  if (rows.rows.size() != 1) {
    PostgresStatus status;
    status.error = "status query returned " + std::to_string(rows.rows.size()) + " rows";
    return status;
  }
  return parseStatusRow(rows.rows.front());
}

std::optional<std::vector<DirEntryInfo>> RealDirLister::list(const std::filesystem::path& dir,
                                                             std::string* error) const {
  std::error_code ec;
  std::vector<DirEntryInfo> entries;
  std::filesystem::directory_iterator it(dir, ec);
  if (ec) {
    if (error) *error = "cannot list " + dir.string() + ": " + ec.message();
    return std::nullopt;
  }
  for (const auto& entry : it) {
    std::error_code entry_ec;
    if (!entry.is_regular_file(entry_ec)) continue;
    // A file archived (and removed) between the listing and this call is simply not waiting
    // any more.
    const auto mtime = entry.last_write_time(entry_ec);
    if (entry_ec) continue;
    entries.push_back(DirEntryInfo{
        entry.path().filename().string(),
        std::chrono::time_point_cast<WallTime::duration>(std::chrono::file_clock::to_sys(mtime))});
  }
  return entries;
}

ArchiveQueue scanArchiveStatus(const DirLister& lister, const std::filesystem::path& pgdata,
                               WallTime now) {
  ArchiveQueue queue;
  std::string error;
  auto entries = lister.list(pgdata / "pg_wal" / "archive_status", &error);
  if (!entries) {
    queue.error = error.empty() ? "cannot list pg_wal/archive_status" : error;
    return queue;
  }
  constexpr std::string_view kReady = ".ready";
  const DirEntryInfo* oldest = nullptr;
  for (const auto& entry : *entries) {
    if (entry.name.size() <= kReady.size() || !entry.name.ends_with(kReady)) continue;
    ++queue.ready_count;
    // Equal mtimes (a burst within one clock tick): the lower name is the earlier segment.
    if (!oldest || entry.mtime < oldest->mtime ||
        (entry.mtime == oldest->mtime && entry.name < oldest->name)) {
      oldest = &entry;
    }
  }
  if (oldest) {
    queue.oldest_ready = oldest->name.substr(0, oldest->name.size() - kReady.size());
    const auto age = std::chrono::duration_cast<Seconds>(now - oldest->mtime);
    queue.oldest_age = std::max(age, Seconds(0));
  }
  queue.ok = true;
  return queue;
}

ArchiveQueue scanArchiveStatus(const std::filesystem::path& pgdata, WallTime now) {
  return scanArchiveStatus(RealDirLister(), pgdata, now);
}

}  // namespace pgbr
