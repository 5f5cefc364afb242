// Questions asked of an InfoModel: a backup by label, the latest, the oldest a point-in-time
// recovery can start from, the current archive (see info.h).
#include "supervisor/backrest/info.h"

namespace pgbr::backrest {
namespace {

bool walInArchive(const BackupInfo& backup, const ArchiveRange& archive) {
  if (!backup.wal_start || !archive.min) return false;
  // WAL segment names are fixed-width hex (timeline, log, segment), so byte order is WAL order;
  // pgBackRest sorts them the same way to find min and max.
  if (*archive.min > *backup.wal_start) return false;
  if (archive.max && backup.wal_stop && *backup.wal_stop > *archive.max) return false;
  return true;
}

const ArchiveRange* archiveFor(const InfoModel& info, const BackupInfo& backup) {
  for (const ArchiveRange& archive : info.archives) {
    if (archive.db_id == backup.db_id && archive.repo_key == backup.repo_key) return &archive;
  }
  return nullptr;
}

}  // namespace

const BackupInfo* findBackup(const InfoModel& info, std::string_view label) {
  for (const BackupInfo& backup : info.backups) {
    if (backup.label == label) return &backup;
  }
  return nullptr;
}

const BackupInfo* latest(const InfoModel& info) {
  const BackupInfo* best = nullptr;
  for (const BackupInfo& backup : info.backups) {
    if (best == nullptr || backup.finished_at >= best->finished_at) best = &backup;
  }
  return best;
}

const BackupInfo* oldestRecoverableBackup(const InfoModel& info) {
  const BackupInfo* oldest = nullptr;
  for (const BackupInfo& backup : info.backups) {
    if (backup.error) continue;
    const ArchiveRange* archive = archiveFor(info, backup);
    if (archive == nullptr || !walInArchive(backup, *archive)) continue;
    if (oldest == nullptr || backup.finished_at < oldest->finished_at) oldest = &backup;
  }
  return oldest;
}

std::optional<WallTime> recoverableFrom(const InfoModel& info) {
  const BackupInfo* backup = oldestRecoverableBackup(info);
  if (backup == nullptr) return std::nullopt;
  return backup->finished_at;
}

const ArchiveRange* currentArchive(const InfoModel& info) {
  if (info.dbs.empty()) return info.archives.empty() ? nullptr : &info.archives.back();
  const DbHistory& current = info.dbs.back();
  for (const ArchiveRange& archive : info.archives) {
    if (archive.db_id == current.id && archive.repo_key == current.repo_key) return &archive;
  }
  return nullptr;
}

}  // namespace pgbr::backrest
