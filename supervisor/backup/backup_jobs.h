// Backups as jobs: the backup a request or the schedule asks for, stanza-create, the start-up
// jobs (stanza-create, check, a first full backup into an empty repository) and the backup a new
// timeline needs. Each is a pgBackRest command run by the job runner (backrest/runner.h), one at
// a time; a backup first makes sure pg_control names the timeline Postgres writes on.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "supervisor/backrest/runner.h"
#include "supervisor/common/errors.h"
#include "supervisor/common/run_state.h"
#include "supervisor/config/settings.h"
#include "supervisor/jobs/job_runner.h"
#include "supervisor/monitor/status_monitor.h"
#include "supervisor/process/supervised_process.h"

namespace pgbr {

struct BackupRequest {
  std::string type;  // "full" | "diff" | "incr"
  std::map<std::string, std::string> annotation;
  JobTrigger trigger = JobTrigger::kApi;
};

// Acts around every backup, in the backup job's thread: the drill records row counts this way
// (supervisor/drill/). Registered before the supervisor runs; never removed.
class BackupObserver {
 public:
  virtual ~BackupObserver() = default;
  // Before pgBackRest runs.
  virtual void beforeBackup(JobContext& job) = 0;
  // After pgBackRest made backup `label`; the job still runs (and is still reported succeeded).
  virtual void afterBackup(JobContext& job, const std::string& label) = 0;
};

class BackupJobs {
 public:
  struct Parts {
    const Settings& settings;
    SupervisedProcess& postgres;
    JobRunner& jobs;
    const BackrestRunner& backrest;
    StatusMonitor& monitor;
    RunState& run;
  };
  explicit BackupJobs(Parts parts) : p_(parts) {}

  Outcome<Job> startBackup(const BackupRequest& request);
  void addObserver(BackupObserver& observer) { observers_.push_back(&observer); }
  Outcome<Job> startStanzaCreate(JobTrigger trigger);
  // stanza-create, check, then a first full backup when the repository holds none. Blocks until
  // they ran (waiting for any job that holds the repository); runs on a thread of its own.
  void runStartupJobs();
  // When Postgres writes a timeline no backup is on yet, starts one incremental backup on it
  // (once per timeline). Returns true when it tried (the schedule waits for the next tick).
  bool backupNewTimeline();

 private:
  // Before a backup: checkpoints when Postgres writes a timeline pg_control does not name yet.
  void recordTimeline(JobContext& ctx);
  // The backup `argv` as a job: the timeline checked, the observers told before and after.
  JobExecutor backupExecutor(std::vector<std::string> argv);
  bool waitForIdleThenSubmit(JobKind kind, JobTrigger trigger, nlohmann::json params,
                             JobExecutor exec, Job* out);

  Parts p_;
  std::vector<BackupObserver*> observers_;
  uint32_t timeline_backup_started_ = 0;  // the loop's thread only
};

}  // namespace pgbr
