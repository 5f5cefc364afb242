// The supervisor's view of the world between requests: the repository (pgbackrest info, read on
// a timer and after every job) and WAL archiving (Postgres' archiver figures and the
// archive_status folder, read every few seconds). A thread of its own refreshes both; readers get
// the cached figures, so no request ever waits for pgBackRest or for a stuck Postgres.
//
// Every refresh moves the shared revision (see Service::revision) under the lock that guards the
// figures, so a reader that sees the new revision also sees the new figures.
#pragma once

#include <atomic>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "supervisor/backrest/info.h"
#include "supervisor/backrest/runner.h"
#include "supervisor/common/clock.h"
#include "supervisor/common/run_state.h"
#include "supervisor/config/settings.h"
#include "supervisor/monitor/archive_health.h"
#include "supervisor/process/supervised_process.h"

namespace pgbr {

// The repository as last read: the model, or why it could not be read.
struct InfoSnapshot {
  std::optional<backrest::InfoModel> model;
  std::string error;
  std::optional<WallTime> refreshed_at;
};

class StatusMonitor {
 public:
  StatusMonitor(const Settings& settings, const Clock& clock, const BackrestRunner& backrest,
                SupervisedProcess& postgres, RunState& run);
  StatusMonitor(const StatusMonitor&) = delete;
  StatusMonitor& operator=(const StatusMonitor&) = delete;
  ~StatusMonitor();

  void start();
  void stop();

  // Runs pgbackrest info now (one at a time, whoever asks); false when it could not be read.
  bool refreshInfo();
  // Asks the monitor thread to refresh the info soon, without waiting for it.
  void requestInfoRefresh() { info_refresh_requested_ = true; }
  void refreshArchiveHealth();
  // Drops the status connection before a planned stop of Postgres.
  void disconnectPostgres() { status_reader_.disconnect(); }

  // Calls `fn(const InfoSnapshot&)` under the lock; keep it short.
  template <typename Fn>
  auto withInfo(Fn&& fn) const {
    std::lock_guard lock(info_mutex_);
    return fn(info_);
  }
  ArchiveHealth archive() const;
  uint64_t infoRuns() const { return info_runs_.load(); }

  // GET /api/v1/backups: the repository in the API's shape, the window's end from the archiver.
  nlohmann::json backupsJson() const;
  // The archive section of GET /api/v1/status.
  nlohmann::json archiveJson() const;
  // The newest archived WAL's time: the later of what Postgres' archiver last reported and when
  // the repository's newest segment arrived (known whether Postgres runs or not).
  std::optional<WallTime> recoverableTo() const;
  // The timeline Postgres writes on when every backup in the repository is of an earlier one (a
  // restore ending in promotion, or a promotion by hand, started it); nullopt otherwise or when
  // either is unknown.
  std::optional<uint32_t> timelineWithoutBackup() const;
  // Why the repository's stanza is not this database's (backrest/stanza_owner.h), from the last
  // reads of both (Postgres' last known identity while it is down); nullopt when it is, or either
  // is unknown. Not to be called inside withInfo.
  std::optional<std::string> stanzaMismatch() const;

 private:
  void loop(std::stop_token stop);
  // When the newest segment of the current archive reached the repository (repo-ls).
  std::optional<WallTime> readArchiveEnd(const backrest::InfoModel& model);

  const Settings& settings_;
  const Clock& clock_;
  const BackrestRunner& backrest_;
  SupervisedProcess& postgres_;
  RunState& run_;
  PostgresStatusReader status_reader_;

  mutable std::mutex info_mutex_;
  std::mutex info_refresh_mutex_;
  InfoSnapshot info_;
  std::atomic<uint64_t> info_runs_{0};
  std::atomic<bool> info_refresh_requested_{false};

  mutable std::mutex archive_mutex_;
  ArchiveHealth archive_;
  std::optional<WallTime> repo_archive_end_;

  std::jthread thread_;
};

}  // namespace pgbr
