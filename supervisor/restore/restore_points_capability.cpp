#include "supervisor/restore/restore_points_capability.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <spdlog/spdlog.h>

#include "supervisor/common/json_time.h"
#include "supervisor/postgres/local_conn.h"

namespace pgbr {

namespace {
constexpr Millis kArchiveCheckEvery{2000};
}  // namespace

RestorePointsCapability::RestorePointsCapability(const CoreParts& parts)
    : parts_(parts),
      db_(supervisorConnParams(parts.settings)),
      points_(RestorePoints::Options{.file = std::filesystem::path(parts.settings.state_dir) /
                                             "restore-points.json",
                                     .archive_timeout = kRestorePointArchiveTimeout,
                                     .poll_interval = Millis(200),
                                     .progress_every = Millis(5000),
                                     .pause = {}},
              parts.clock, db_, [this] { return window(); }) {
  if (auto warning = points_.load(); !warning.empty()) spdlog::warn("{}", warning);
}

RestoreWindow RestorePointsCapability::window() const {
  RestoreWindow window = parts_.monitor.withInfo([](const InfoSnapshot& info) {
    RestoreWindow from_info;
    if (!info.model) return from_info;
    from_info.from = backrest::recoverableFrom(*info.model);
    for (const backrest::BackupInfo& backup : info.model->backups) {
      if (!from_info.oldest_backup_start || backup.started_at < *from_info.oldest_backup_start)
        from_info.oldest_backup_start = backup.started_at;
    }
    return from_info;
  });
  const ArchiveHealth archive = parts_.monitor.archive();
  if (!archive.pg.ok || archive.pg.timeline == 0) return window;
  if (archive.pg.timeline > 1) {
    // The live cluster keeps the history of the timeline it writes on (a small file).
    char name[32];
    std::snprintf(name, sizeof name, "%08X.history", archive.pg.timeline);
    std::ifstream in(std::filesystem::path(parts_.settings.pgdata) / "pg_wal" / name);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in) return window;  // unreadable: judge by time alone
    window.history = parseTimelineHistory(text.str());
  }
  window.timeline = archive.pg.timeline;
  return window;
}

void RestorePointsCapability::tick(bool) {
  const MonoTime now = parts_.clock.monotonic();
  if (now < next_archive_check_) return;
  next_archive_check_ = now + kArchiveCheckEvery;
  const ArchiveHealth archive = parts_.monitor.archive();
  if (archive.pg.ok) points_.noteArchivedUpTo(archive.pg.archiver.last_archived_wal);
}

Outcome<RestorePoint> RestorePointsCapability::create(const std::string& name) {
  if (parts_.run.shutting_down)
    return Error{ErrorCode::kConflict, "the supervisor is shutting down"};
  if (parts_.run.restore_running)
    return Error{ErrorCode::kConflict,
                 "a restore is running; create the restore point once Postgres is back"};
  auto point = points_.create(name);
  parts_.run.changed();
  return point;
}

nlohmann::json RestorePointsCapability::listJson() const {
  nlohmann::json list = nlohmann::json::array();
  for (const RestorePoint& point : points_.list()) list.push_back(toJson(point));
  return {{"restore_points", std::move(list)}, {"recoverable_from", timeOrNull(window().from)}};
}

CapabilityFactory restorePointsCapability() {
  return [](const CoreParts& parts) { return std::make_unique<RestorePointsCapability>(parts); };
}

RestorePointsCapability* asRestorePoints(Capability* capability) {
  return dynamic_cast<RestorePointsCapability*>(capability);
}

std::optional<RestorePoint> findRestorePoint(Capability* capability, const std::string& name) {
  if (auto* points = asRestorePoints(capability)) return points->find(name);
  return std::nullopt;
}

}  // namespace pgbr
