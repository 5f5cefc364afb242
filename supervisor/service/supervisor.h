// The supervisor: builds every part (Postgres under supervision, the job runner, the status
// monitor, backups and their schedule, restores, the capabilities registered on top), answers the
// API through Service by asking those parts, and runs the PID 1 loop: wait for a signal or a
// deadline, reap, tick the state machine and the schedule, until shutdown.
//
// Threads: the loop (main thread) reaps and ticks; an init thread initialises the data directory
// once; a start-up thread runs the first jobs; the monitor has its own (monitor/); each job runs
// in the job runner's thread; the API has its own. Shared state lives in the parts, behind their
// own locks; RunState holds the flags everyone reads.
#pragma once

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "supervisor/backrest/runner.h"
#include "supervisor/backup/backup_jobs.h"
#include "supervisor/backup/backup_schedule.h"
#include "supervisor/common/clock.h"
#include "supervisor/common/run_state.h"
#include "supervisor/config/settings.h"
#include "supervisor/jobs/job_runner.h"
#include "supervisor/jobs/job_stats.h"
#include "supervisor/monitor/status_monitor.h"
#include "supervisor/os/children.h"
#include "supervisor/os/process_ops.h"
#include "supervisor/os/signals.h"
#include "supervisor/process/supervised_process.h"
#include "supervisor/restore/restore_job.h"
#include "supervisor/schedule/time_zone.h"
#include "supervisor/service/capability.h"
#include "supervisor/service/data_bootstrap.h"
#include "supervisor/service/service.h"

namespace pgbr {

class Supervisor final : public Service {
 public:
  Supervisor(Settings settings, const Clock& clock, std::shared_ptr<LogSink> supervisor_log);
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;
  ~Supervisor() override;

  // Registers a capability built from the core's parts; before run().
  void add(const CapabilityFactory& factory);
  // What fills an empty data directory instead of initdb, built from the core's parts (nullptr:
  // initdb); before begin().
  using BootstrapFactory = std::function<std::unique_ptr<DataBootstrap>(CoreParts)>;
  void setBootstrap(const BootstrapFactory& factory);
  // Prepares the state folder (logs, job history, schedule state, the rendered pgbackrest.conf).
  // Returns an error line or empty. Runs as the final user.
  std::string prepare();
  // Starts what leads to Postgres (initdb or the checks of an existing data directory, then the
  // postmaster) on a thread of its own, so the caller can start the API meanwhile: every
  // millisecond before the postmaster is forked is added to every start. run() calls it when the
  // caller did not.
  void begin();
  // The loop. Returns the process exit code: Postgres' own, or 128+signal, non-zero on FATAL.
  int run();

  // Service
  ReadyState ready() override;
  nlohmann::json status() override;
  uint64_t revision() const override { return run_.revision.load(); }
  std::string stanza() const override { return settings_.stanza; }
  nlohmann::json backups() override { return monitor_->backupsJson(); }
  Outcome<nlohmann::json> backup(const std::string& label_or_latest) override;
  Outcome<Job> startBackup(const BackupRequest& request) override {
    return backups_->startBackup(request);
  }
  Outcome<Job> startStanzaCreate(JobTrigger trigger) override {
    return backups_->startStanzaCreate(trigger);
  }
  std::vector<Job> jobs(size_t limit) override { return jobs_->list(limit); }
  Outcome<Job> job(const std::string& id) override;
  Outcome<Job> cancelJob(const std::string& id) override;
  Outcome<Job> waitJob(const std::string& id, Millis timeout) override;
  Outcome<LogView> jobLog(const std::string& id, size_t tail) override {
    return readJobLog(*jobs_, id, tail);
  }
  Outcome<std::shared_ptr<LogSink>> jobLiveLog(const std::string& id) override;
  Outcome<Job> startRestore(const RestoreRequest& request) override {
    return restores_->start(request);
  }
  nlohmann::json processes() override;
  Outcome<nlohmann::json> processAction(const std::string& name,
                                        const std::string& action) override;
  nlohmann::json logs() override;
  LogSink* log(const std::string& name) override;
  nlohmann::json schedule() override { return schedule_->status(); }
  nlohmann::json config() override;
  Metrics metrics() override;
  Capability* capability(std::string_view name) override;

 private:
  void initThread();
  void startupThread();
  void handleSignal(int sig);
  void beginShutdown(StopMode mode, int sig);
  void onJobFinished(const Job& job);
  CoreParts parts();

  Settings settings_;
  const Clock& clock_;
  std::shared_ptr<LogSink> supervisor_log_;
  MonoTime started_mono_;
  SystemTimeZone tz_;
  PosixProcessOps ops_;
  Children children_;
  RunState run_;
  BackrestRunner backrest_;
  std::unique_ptr<SignalSource> signals_;
  std::unique_ptr<LogSink> postgres_log_;
  std::unique_ptr<SupervisedProcess> postgres_;
  std::unique_ptr<JobStore> job_store_;
  std::unique_ptr<JobRunner> jobs_;
  JobStats job_stats_;
  std::unique_ptr<StatusMonitor> monitor_;
  std::unique_ptr<BackupJobs> backups_;
  std::unique_ptr<BackupSchedule> schedule_;
  std::unique_ptr<RestoreJobs> restores_;
  std::vector<std::unique_ptr<Capability>> capabilities_;
  std::unique_ptr<DataBootstrap> bootstrap_;
  std::atomic<bool> bootstrapped_{false};  // set by the init thread before Postgres starts

  std::atomic<bool> init_failed_{false};
  std::atomic<bool> cancel_init_{false};
  int exit_signal_ = 0;
  std::string init_error_;
  std::thread init_thread_;
  std::thread startup_thread_;
};

}  // namespace pgbr
