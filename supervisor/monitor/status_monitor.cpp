#include "supervisor/monitor/status_monitor.h"

#include <spdlog/spdlog.h>

#include "supervisor/backrest/repo_ls.h"
#include "supervisor/backrest/stanza_owner.h"
#include "supervisor/common/json_time.h"
#include "supervisor/os/identity.h"
#include "supervisor/postgres/local_conn.h"

namespace pgbr {

namespace {
constexpr Millis kMonitorInterval{5000};
}  // namespace

StatusMonitor::StatusMonitor(const Settings& settings, const Clock& clock,
                             const BackrestRunner& backrest, SupervisedProcess& postgres,
                             RunState& run)
    : settings_(settings),
      clock_(clock),
      backrest_(backrest),
      postgres_(postgres),
      run_(run),
      status_reader_(supervisorConnParams(settings)) {}

StatusMonitor::~StatusMonitor() {
  stop();
}

void StatusMonitor::start() {
  thread_ = std::jthread([this](std::stop_token stop) { loop(stop); });
}

void StatusMonitor::stop() {
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
}

void StatusMonitor::loop(std::stop_token stop) {
  MonoTime next_info{};
  while (!stop.stop_requested()) {
    refreshArchiveHealth();
    const MonoTime now = clock_.monotonic();
    // The repository can be read before Postgres runs: the backup list is there from the start.
    if (now >= next_info || info_refresh_requested_.exchange(false)) {
      refreshInfo();
      next_info = now + std::chrono::duration_cast<Millis>(settings_.info_refresh);
    }
    releaseFreeMemory();
    // Sleep in small steps so a stop request is honoured promptly.
    for (int i = 0; i < kMonitorInterval.count() / 100 && !stop.stop_requested(); ++i) {
      if (info_refresh_requested_) break;
      std::this_thread::sleep_for(Millis(100));
    }
  }
}

bool StatusMonitor::refreshInfo() {
  std::lock_guard refresh(info_refresh_mutex_);  // one pgbackrest info at a time, whoever asks
  std::string error;
  auto argv = backrest::infoCommand(backrest_.context(), &error);
  if (!argv) return false;
  ++info_runs_;
  RunResult result = backrest_.run(*argv, Millis(120000), 100000);
  std::string output;
  for (const auto& line : result.last_lines) output += line + "\n";
  std::optional<backrest::InfoModel> model;
  if (result.success())
    model = backrest::parseInfo(output, settings_.stanza, &error);
  else
    error = result.started ? "pgbackrest info " + result.status.describe() + ": " +
                                 (result.last_lines.empty() ? "" : result.last_lines.back())
                           : result.spawn_error;
  // The window's end as the repository sees it, read outside the info lock (another pgbackrest).
  std::optional<WallTime> archive_end;
  if (model) archive_end = readArchiveEnd(*model);
  if (archive_end) {
    std::lock_guard lock(archive_mutex_);
    repo_archive_end_ = archive_end;
  }
  std::lock_guard lock(info_mutex_);
  info_.refreshed_at = clock_.wall();
  run_.changed();  // under the lock: a reader of the new revision waits for the new figures
  if (model) {
    info_.model = std::move(model);
    info_.error.clear();
    return true;
  }
  info_.error = error;
  spdlog::warn("cannot read the repository's info: {}", error);
  return false;
}

std::optional<WallTime> StatusMonitor::readArchiveEnd(const backrest::InfoModel& model) {
  const backrest::ArchiveRange* archive = backrest::currentArchive(model);
  if (!archive || !archive->max) return std::nullopt;
  auto at = backrest::walLocation(settings_.stanza, archive->id, *archive->max);
  std::string error;
  auto argv = at ? backrest::repoLsCommand(backrest_.context(), archive->repo_key, at->path,
                                           at->filter, &error)
                 : std::nullopt;
  if (!argv) return std::nullopt;
  RunResult result = backrest_.run(*argv, Millis(60000), 1000);
  if (!result.success()) {
    spdlog::debug("cannot list the newest archived WAL: {}", result.status.describe());
    return std::nullopt;
  }
  // The listing is one line of JSON; a warning pgBackRest prints may share the output.
  for (const auto& line : result.last_lines) {
    if (auto time = backrest::newestFileTime(line)) return time;
  }
  return std::nullopt;
}

void StatusMonitor::refreshArchiveHealth() {
  const bool running = postgres_.state() == ProcessState::kRunning && !run_.restore_running;
  PostgresStatus pg;
  if (running)
    pg = status_reader_.read();
  else
    status_reader_.disconnect();
  const WallTime now = clock_.wall();
  ArchiveHealth health =
      evaluateArchiveHealth(std::move(pg), scanArchiveStatus(settings_.pgdata, now), running,
                            settings_.archive_alert_age, now);
  std::lock_guard lock(archive_mutex_);
  if (archive_.healthy && !health.healthy && health.state == "failing")
    spdlog::warn("{}", health.message);
  if (!archive_.healthy && health.healthy && archive_.known) spdlog::info("archiving recovered");
  carryOverLastKnown(archive_, &health);
  archive_ = std::move(health);
  run_.changed();
}

ArchiveHealth StatusMonitor::archive() const {
  std::lock_guard lock(archive_mutex_);
  return archive_;
}

std::optional<WallTime> StatusMonitor::recoverableTo() const {
  std::lock_guard lock(archive_mutex_);
  std::optional<WallTime> to = archive_.pg.archiver.last_archived_time;
  if (repo_archive_end_ && (!to || *repo_archive_end_ > *to)) to = repo_archive_end_;
  return to;
}

std::optional<uint32_t> StatusMonitor::timelineWithoutBackup() const {
  uint32_t current = 0;
  {
    std::lock_guard lock(archive_mutex_);
    if (archive_.pg.ok) current = archive_.pg.timeline;
  }
  if (current == 0) return std::nullopt;  // in recovery, down, or not read yet
  uint32_t newest = 0;
  {
    std::lock_guard lock(info_mutex_);
    if (!info_.model) return std::nullopt;
    for (const auto& backup : info_.model->backups) {
      if (backup.wal_start) newest = std::max(newest, walTimeline(*backup.wal_start));
    }
  }
  // No backup at all is the start-up's business (it takes a first full one).
  if (newest == 0 || newest >= current) return std::nullopt;
  return current;
}

std::optional<std::string> StatusMonitor::stanzaMismatch() const {
  std::string system_id;
  int version_num = 0;
  {
    std::lock_guard lock(archive_mutex_);  // the last known while Postgres is down
    system_id = archive_.pg.system_identifier;
    version_num = archive_.pg.server_version_num;
  }
  std::lock_guard lock(info_mutex_);
  if (!info_.model) return std::nullopt;
  return backrest::stanzaMismatch(*info_.model, system_id, version_num);
}

nlohmann::json StatusMonitor::archiveJson() const {
  std::lock_guard lock(archive_mutex_);
  const auto& a = archive_.pg.archiver;
  const WallTime now = clock_.wall();
  nlohmann::json j;
  j["last_archived_wal"] =
      a.last_archived_wal.empty() ? nlohmann::json(nullptr) : nlohmann::json(a.last_archived_wal);
  j["last_archived_at"] = timeOrNull(a.last_archived_time);
  j["last_archived_age_s"] =
      a.last_archived_time
          ? nlohmann::json(std::chrono::duration_cast<Seconds>(now - *a.last_archived_time).count())
          : nlohmann::json(nullptr);
  j["archived_count"] = a.archived_count;
  j["failed_count"] = a.failed_count;
  j["last_failed_wal"] =
      a.last_failed_wal.empty() ? nlohmann::json(nullptr) : nlohmann::json(a.last_failed_wal);
  j["last_failed_at"] = timeOrNull(a.last_failed_time);
  j["waiting"] = archive_.queue.ready_count;
  j["oldest_waiting_age_s"] = archive_.queue.oldest_age
                                  ? nlohmann::json(archive_.queue.oldest_age->count())
                                  : nlohmann::json(nullptr);
  j["healthy"] = archive_.healthy;
  j["state"] = archive_.state;
  j["message"] = archive_.message;
  j["last_known"] = archive_.last_known_state.empty()
                        ? nlohmann::json(nullptr)
                        : nlohmann::json{{"state", archive_.last_known_state},
                                         {"at", timeOrNull(archive_.last_known_at)}};
  j["checked_at"] = timeOrNull(archive_.checked_at);
  return j;
}

nlohmann::json StatusMonitor::backupsJson() const {
  nlohmann::json doc;
  {
    std::lock_guard lock(info_mutex_);
    if (info_.model) {
      doc = backrest::toApiJson(*info_.model);
    } else {
      doc = {{"stanza", settings_.stanza},
             {"status",
              {{"code", nullptr},
               {"message", info_.error.empty() ? "repository not read yet" : info_.error}}},
             {"backups", nlohmann::json::array()},
             {"archive", {{"min", nullptr}, {"max", nullptr}}},
             {"recoverable", {{"from", nullptr}, {"to", nullptr}}}};
    }
    doc["refreshed_at"] = timeOrNull(info_.refreshed_at);
    if (!info_.error.empty()) doc["error"] = info_.error;
  }
  if (!doc["backups"].empty()) {
    // The archiver's time is read every few seconds; right after a backup it can lag behind the
    // backup's own end, which the backup already made recoverable.
    auto to = recoverableTo();
    auto from = doc["recoverable"].value("from", nlohmann::json(nullptr));
    if (from.is_string()) {
      auto from_time = parseRfc3339(from.get<std::string>());
      if (from_time && (!to || *to < *from_time)) to = from_time;
    }
    doc["recoverable"]["to"] = timeOrNull(to);
  }
  return doc;
}

}  // namespace pgbr
