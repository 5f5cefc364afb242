// The restore job: validates the request (validation.h) while Postgres still runs, then stops
// Postgres, runs pgbackrest restore, starts Postgres and waits until recovery ends (or pauses at
// the target), checking it answers a query. Owns Postgres for the duration: RunState's
// restore_running keeps the schedule, the API's process actions and the monitor away, and a
// restore cannot be cancelled halfway.
#pragma once

#include <functional>
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
  explicit RestoreJobs(Parts parts) : p_(std::move(parts)) {}

  Outcome<Job> start(const RestoreRequest& request);

 private:
  JobExecutor executor(std::vector<std::string> argv, RestoreRequest request);
  enum class Recovery { kFinished, kExited, kTimedOut };
  // Waits until recovery ended (or paused at the target with `pause`), Postgres exited
  // (`still_running` turned false) or the start timeout passed (*error says what was last seen).
  Recovery waitForRecovery(bool pause, const std::function<bool()>& still_running,
                           std::string* error);
  // The last FATAL line Postgres logged, without the "is starting up" noise.
  std::string lastFatal() const;

  Parts p_;
};

}  // namespace pgbr
