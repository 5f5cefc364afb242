// The API's view of an InfoModel: GET /api/v1/backups and /api/v1/backups/{label} (see info.h).
#include "supervisor/backrest/info.h"

#include <utility>

#include "supervisor/common/time_format.h"

namespace pgbr::backrest {
namespace {

using nlohmann::json;

json optionalJson(const std::optional<std::string>& value) {
  return value ? json(*value) : json(nullptr);
}

std::string apiStatusMessage(const InfoModel& info) {
  if (info.status.code != info_status::kOther) return info.status.message;
  // pgBackRest's stanza status says only "other"; the cause is in each failing repository.
  std::string message;
  for (const RepoStatus& repo : info.repos) {
    if (repo.status.code != info_status::kOther) continue;
    if (!message.empty()) message += "; ";
    message += "repo" + std::to_string(repo.key) + ": " + repo.status.message;
  }
  return message.empty() ? info.status.message : message;
}

}  // namespace

json backupToApiJson(const BackupInfo& backup) {
  json annotation = json::object();
  for (const auto& [key, value] : backup.annotation) annotation[key] = value;
  json reference = json::array();
  for (const std::string& label : backup.reference) reference.push_back(label);
  const auto duration =
      std::chrono::duration_cast<std::chrono::seconds>(backup.finished_at - backup.started_at);
  return json{
      {"label", backup.label},
      {"type", backup.type},
      {"started_at", formatRfc3339(backup.started_at)},
      {"finished_at", formatRfc3339(backup.finished_at)},
      {"size", backup.size},
      {"repo_size", backup.repo_size ? json(*backup.repo_size) : json(nullptr)},
      {"wal_start", optionalJson(backup.wal_start)},
      {"wal_stop", optionalJson(backup.wal_stop)},
      {"prior", optionalJson(backup.prior)},
      {"annotation", std::move(annotation)},
      {"duration_s", duration.count()},
      {"delta", backup.delta},
      {"repo_delta", backup.repo_delta},
      {"lsn_start", optionalJson(backup.lsn_start)},
      {"lsn_stop", optionalJson(backup.lsn_stop)},
      {"reference", std::move(reference)},
      {"error", backup.error},
      {"repo", backup.repo_key},
      {"pgbackrest_version", backup.backrest_version},
  };
}

json toApiJson(const InfoModel& info) {
  json backups = json::array();
  for (const BackupInfo& backup : info.backups) backups.push_back(backupToApiJson(backup));

  json repos = json::array();
  for (const RepoStatus& repo : info.repos) {
    repos.push_back({{"key", repo.key},
                     {"cipher", repo.cipher},
                     {"code", repo.status.code},
                     {"message", repo.status.message}});
  }

  json archive = {{"min", nullptr}, {"max", nullptr}};
  if (const ArchiveRange* current = currentArchive(info)) {
    archive = {{"min", optionalJson(current->min)},
               {"max", optionalJson(current->max)},
               {"id", current->id}};
  }

  json recoverable = {{"from", nullptr}, {"to", nullptr}, {"from_backup", nullptr}};
  if (const BackupInfo* oldest = oldestRecoverableBackup(info)) {
    recoverable["from"] = formatRfc3339(oldest->finished_at);
    recoverable["from_backup"] = oldest->label;
  }

  json result = {
      {"stanza", info.stanza},
      {"status",
       {{"code", info.status.code},
        {"message", apiStatusMessage(info)},
        {"backup_running", info.backup_lock_held}}},
      {"backups", std::move(backups)},
      {"archive", std::move(archive)},
      {"recoverable", std::move(recoverable)},
      {"repos", std::move(repos)},
      {"cipher", info.cipher},
      {"system_id", nullptr},
      {"pg_version", nullptr},
  };
  if (!info.dbs.empty()) {
    // As a string: JavaScript clients would round a 64-bit number.
    result["system_id"] = std::to_string(info.dbs.back().system_id);
    result["pg_version"] = info.dbs.back().version;
  }
  const BackupInfo* newest = latest(info);
  result["latest"] = newest != nullptr ? json(newest->label) : json(nullptr);
  return result;
}

}  // namespace pgbr::backrest
