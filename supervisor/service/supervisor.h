// The supervisor itself: owns every part (Postgres under supervision, the job runner, the
// scheduler, the caches) and implements Service for the API. run() is the PID 1 loop: wait for a
// signal or a deadline, reap, tick the state machine and the scheduler, until shutdown.
//
// Threads: the loop (main thread) reaps and ticks; an init thread initialises the data directory
// once; a monitor thread refreshes the Postgres/archive status and the pgBackRest info cache; each
// job runs in the job runner's thread; the API has its own. Shared state is behind mutexes.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "supervisor/backrest/command.h"
#include "supervisor/backrest/info.h"
#include "supervisor/common/clock.h"
#include "supervisor/config/settings.h"
#include "supervisor/jobs/job_runner.h"
#include "supervisor/os/children.h"
#include "supervisor/os/process_ops.h"
#include "supervisor/os/signals.h"
#include "supervisor/postgres/status.h"
#include "supervisor/process/supervised_process.h"
#include "supervisor/schedule/scheduler.h"
#include "supervisor/service/service.h"

namespace pgbr {

class Supervisor final : public Service {
 public:
  Supervisor(Settings settings, const Clock& clock, std::shared_ptr<LogSink> supervisor_log);
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;
  ~Supervisor() override;

  // Prepares the state folder (logs, job history, schedule state, the rendered pgbackrest.conf).
  // Returns an error line or empty. Runs as the final user.
  std::string prepare();
  // The loop. Returns the process exit code: Postgres' own, or 128+signal, non-zero on FATAL.
  int run();

  // Service
  ReadyState ready() override;
  nlohmann::json status() override;
  uint64_t revision() const override { return revision_.load(); }
  std::string stanza() const override { return settings_.stanza; }
  nlohmann::json backups() override;
  Outcome<nlohmann::json> backup(const std::string& label_or_latest) override;
  Outcome<Job> startBackup(const BackupRequest& request) override;
  Outcome<Job> startStanzaCreate(JobTrigger trigger) override;
  std::vector<Job> jobs(size_t limit) override;
  Outcome<Job> job(const std::string& id) override;
  Outcome<Job> cancelJob(const std::string& id) override;
  Outcome<Job> waitJob(const std::string& id, Millis timeout) override;
  Outcome<LogView> jobLog(const std::string& id, size_t tail) override;
  Outcome<std::shared_ptr<LogSink>> jobLiveLog(const std::string& id) override;
  Outcome<Job> startRestore(const RestoreRequest& request) override;
  nlohmann::json processes() override;
  Outcome<nlohmann::json> processAction(const std::string& name,
                                        const std::string& action) override;
  nlohmann::json logs() override;
  LogSink* log(const std::string& name) override;
  nlohmann::json schedule() override;
  nlohmann::json config() override;
  std::string metrics() override;

 private:
  struct ArchiveHealth {
    bool known = false;
    PostgresStatus pg;
    ArchiveQueue queue;
    bool healthy = true;
    std::string message;
    std::optional<WallTime> checked_at;
  };

  // Start-up and the loop.
  void initThread();
  void startupSequence();
  void handleSignal(int sig);
  void tickSchedule();
  // The timeline Postgres writes on when every backup in the repository is of an earlier one
  // (a restore ending in promotion, or a promotion by hand, started it); nullopt otherwise or
  // when either is unknown.
  std::optional<uint32_t> timelineWithoutBackup();
  // Before a backup: checkpoints when Postgres writes a timeline pg_control does not name yet.
  void recordTimeline(JobContext& ctx);
  void monitorThread(std::stop_token stop);
  void beginShutdown(StopMode mode, int sig);

  // Jobs.
  Outcome<Job> submit(JobKind kind, JobTrigger trigger, nlohmann::json params, JobExecutor exec);
  JobExecutor commandExecutor(std::vector<std::string> argv, bool track_progress);
  JobExecutor restoreExecutor(std::vector<std::string> argv, RestoreRequest request);
  void onJobFinished(const Job& job);
  bool waitForIdleThenSubmit(JobKind kind, JobTrigger trigger, nlohmann::json params,
                             JobExecutor exec, Job* out);

  // Caches.
  bool refreshInfo();
  void refreshArchiveHealth();
  nlohmann::json archiveJson();
  nlohmann::json postgresJson();
  std::optional<WallTime> recoverableTo();
  void saveScheduleState();

  backrest::CommandContext backrestContext() const;
  SpawnSpec pgbackrestSpec(std::vector<std::string> argv) const;
  SpawnSpec postmasterSpec() const;
  ConnParams connParams() const;
  std::string validateRestore(const RestoreRequest& request, ErrorCode* code);

  Settings settings_;
  const Clock& clock_;
  std::shared_ptr<LogSink> supervisor_log_;
  MonoTime started_mono_;
  SystemTimeZone tz_;
  PosixProcessOps ops_;
  Children children_;
  std::unique_ptr<SignalSource> signals_;
  std::unique_ptr<LogSink> postgres_log_;
  std::unique_ptr<SupervisedProcess> postgres_;
  std::unique_ptr<JobStore> job_store_;
  std::unique_ptr<JobRunner> jobs_;

  mutable std::mutex schedule_mutex_;
  std::unique_ptr<Scheduler> scheduler_;

  mutable std::mutex info_mutex_;
  std::mutex info_refresh_mutex_;
  std::optional<backrest::InfoModel> info_;
  std::string info_error_;
  std::optional<WallTime> info_refreshed_at_;
  std::atomic<uint64_t> info_runs_{0};
  std::atomic<uint64_t> revision_{0};  // see Service::revision; bumped after each change

  mutable std::mutex archive_mutex_;
  ArchiveHealth archive_;
  std::unique_ptr<PostgresStatusReader> status_reader_;

  std::atomic<bool> init_done_{false};
  std::atomic<bool> init_failed_{false};
  std::atomic<bool> startup_done_{false};
  std::atomic<bool> restore_running_{false};
  std::atomic<bool> shutting_down_{false};
  std::atomic<bool> cancel_init_{false};
  std::atomic<bool> info_refresh_requested_{false};
  int exit_signal_ = 0;
  uint32_t timeline_backup_started_ = 0;  // monitor thread only: see tickSchedule
  std::string init_error_;
  std::thread init_thread_;
  std::thread startup_thread_;
  std::jthread monitor_thread_;

  // Metrics counters.
  mutable std::mutex metrics_mutex_;
  std::map<std::pair<std::string, std::string>, uint64_t> jobs_total_;  // (kind, state)
  std::map<std::string, double> job_last_duration_;                     // kind -> seconds
};

}  // namespace pgbr
