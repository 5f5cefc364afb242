// How a capability beyond the core (the restore drill, logical dumps, notifications, standbys)
// plugs into the supervisor without the Supervisor growing: it is built from the core's parts,
// registered once before run(), and from then on called at fixed points of the supervisor's life.
// Its API routes live in a routes file of its own under api/, which finds it through
// Service::capability(name) and talks to it through the capability's own interface.
//
// Policy: every hook returns quickly (work that takes time is a job, submitted to the job runner
// so it shows in the jobs list, or runs on the capability's own thread); hooks are called from the
// loop's thread except onJobFinished (the job's thread) and the read hooks (API threads).
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include <nlohmann/json.hpp>

#include "supervisor/backrest/runner.h"
#include "supervisor/backup/backup_jobs.h"
#include "supervisor/common/clock.h"
#include "supervisor/common/log_sink.h"
#include "supervisor/common/metric_family.h"
#include "supervisor/common/run_state.h"
#include "supervisor/config/settings.h"
#include "supervisor/jobs/job_runner.h"
#include "supervisor/monitor/status_monitor.h"
#include "supervisor/os/children.h"
#include "supervisor/process/supervised_process.h"

namespace pgbr {

// What a capability may use of the core. The references outlive every capability.
struct CoreParts {
  const Settings& settings;
  const Clock& clock;
  Children& children;
  SupervisedProcess& postgres;
  LogSink& postgres_log;
  JobRunner& jobs;
  const BackrestRunner& backrest;
  StatusMonitor& monitor;
  RunState& run;
  BackupJobs& backups;  // addObserver() to act around every backup
};

class Capability {
 public:
  virtual ~Capability() = default;
  virtual std::string_view name() const = 0;

  // After the start-up jobs ran (stanza-create, check, a first backup).
  virtual void start() {}
  // Every pass of the loop, once started; `busy` as for the backup schedule.
  virtual void tick(bool busy) { (void)busy; }
  // Every pass of the loop from Postgres' first start until start(): while the start-up jobs run
  // and, on a standby, until it is promoted (which may be never). For what needs no start-up job.
  virtual void tickDuringStartup() {}
  virtual void onJobFinished(const Job& job) { (void)job; }
  // Adds a section to GET /api/v1/status.
  virtual void addStatus(nlohmann::json& status) { (void)status; }
  virtual void addMetrics(Metrics& metrics) { (void)metrics; }
  // At shutdown, before the job runner stops.
  virtual void stop() {}
};

using CapabilityFactory = std::function<std::unique_ptr<Capability>(const CoreParts&)>;

}  // namespace pgbr
