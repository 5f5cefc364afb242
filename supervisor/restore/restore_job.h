// The restore job: validates the request (validation.h) while Postgres still runs, then stops
// Postgres, runs pgbackrest restore, starts Postgres and waits until recovery ends (or pauses at
// the target), checking it answers a query. Owns Postgres for the duration: RunState's
// restore_running keeps the schedule, the API's process actions and the monitor away, and a
// restore cannot be cancelled halfway.
//
// Policy: a request never leaves Postgres down because of its target. The restore keeps pg_wal,
// so the WAL of the database as it was is all there (archive, then pg_wal). When recovery ends
// before the target (an xid or restore point that is not in the WAL, a target before the backup
// is consistent), the target is switched off (recovery_conf.h) and Postgres recovers to the end
// of the WAL: it runs with its data as it was before, on a new timeline, and the job fails saying
// so. When pgBackRest itself fails with a target or a set, the latest backup is restored to the
// end of the WAL the same way. Only when that fails too (the repository cannot give a backup) is
// Postgres left stopped: a half-restored data directory must not be started. Job::result says
// where Postgres ended: {"postgres": "restored" | "paused_at_target" | "as_before" | "recovering"
// | "stopped"}.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "supervisor/backrest/runner.h"
#include "supervisor/common/clock.h"
#include "supervisor/common/errors.h"
#include "supervisor/common/log_sink.h"
#include "supervisor/common/run_state.h"
#include "supervisor/config/settings.h"
#include "supervisor/jobs/job_runner.h"
#include "supervisor/monitor/status_monitor.h"
#include "supervisor/process/supervised_process.h"
#include "supervisor/restore/restore_request.h"

namespace pgbr {

class RestoreJobs {
 public:
  struct Parts {
    const Settings& settings;
    const Clock& clock;
    SupervisedProcess& postgres;
    LogSink& postgres_log;
    JobRunner& jobs;
    const BackrestRunner& backrest;
    StatusMonitor& monitor;
    RunState& run;
    std::function<void()> wake_loop;  // after Postgres was started again
  };
  // The LSN of a restore point the supervisor recorded, by name; unset: none are recorded.
  using PointLookup = std::function<std::optional<uint64_t>(const std::string&)>;
  explicit RestoreJobs(Parts parts) : p_(std::move(parts)) {}
  // Before run(): restore points become bounded targets (validation.h).
  void setRestorePointLookup(PointLookup lookup) { restore_point_lsn_ = std::move(lookup); }

  Outcome<Job> start(const RestoreRequest& request);
  // The newest restore job among the recent ones (GET /api/v1/status "last_restore"), or null.
  nlohmann::json lastJson() const;

 private:
  // What the running server says, for validation: all nullopt when it does not answer.
  struct LiveFacts {
    std::optional<uint64_t> next_xid;
    std::optional<uint64_t> current_lsn;
    std::optional<uint64_t> wal_segment_size;
  };
  LiveFacts readLive() const;

  JobExecutor executor(std::vector<std::string> argv, std::vector<std::string> fallback_argv,
                       RestoreRequest request);
  enum class Recovery { kFinished, kExited, kTimedOut };
  // Starts Postgres on the restored data directory and waits for recovery to end (or to pause at
  // the target with `pause`). kExited covers "did not start"; *error says why.
  Recovery startAndRecover(bool pause, std::string* error);
  // Stops Postgres (fast) and waits; false when it would not stop.
  bool stopPostgres();
  // Waits until recovery ended (or paused at the target with `pause`), Postgres exited
  // (`still_running` turned false) or the start timeout passed (*error says what was last seen).
  Recovery waitForRecovery(bool pause, const std::function<bool()>& still_running,
                           std::string* error);
  // The last FATAL line Postgres logged, without the "is starting up" noise.
  std::string lastFatal() const;

  Parts p_;
  PointLookup restore_point_lsn_;
};

}  // namespace pgbr
