// The one interface api/ calls: status, backups, jobs, restore, processes, logs, schedule,
// configuration, metrics. Answers are values (JSON in the API contract's shapes, or Job); expected
// failures are Error values carrying the code the API maps to an HTTP status. Nothing here runs
// pgBackRest per call except the commands that are jobs: reads come from caches refreshed by the
// supervisor (info after every job and on a timer, archive status on a timer).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "supervisor/backup/backup_jobs.h"
#include "supervisor/common/errors.h"
#include "supervisor/common/log_sink.h"
#include "supervisor/common/metric_family.h"
#include "supervisor/jobs/job.h"
#include "supervisor/jobs/job_log.h"
#include "supervisor/restore/restore_request.h"

namespace pgbr {

class Capability;

struct ReadyState {
  bool ready = false;
  std::string reason;  // why not, for /readyz
};

class Service {
 public:
  virtual ~Service() = default;

  virtual ReadyState ready() = 0;
  virtual nlohmann::json status() = 0;
  // Moves on whenever an event changes what status(), backups() or backup() answer: a job
  // submitted or finished, a process state change, a repository or archive refresh, a restore
  // beginning or ending, start-up done, shutdown begun. What moves with the clock alone (ages,
  // uptimes, a running job's progress) does not move it: an answer built at the same revision
  // within the same second of the wall clock is still the answer.
  virtual uint64_t revision() const = 0;
  virtual std::string stanza() const = 0;

  virtual nlohmann::json backups() = 0;
  virtual Outcome<nlohmann::json> backup(const std::string& label_or_latest) = 0;
  virtual Outcome<Job> startBackup(const BackupRequest& request) = 0;
  // Seed-compatible routes: stanza-create as a job (GET /pgBackRest/create).
  virtual Outcome<Job> startStanzaCreate(JobTrigger trigger) = 0;

  virtual std::vector<Job> jobs(size_t limit) = 0;
  virtual Outcome<Job> job(const std::string& id) = 0;
  virtual Outcome<Job> cancelJob(const std::string& id) = 0;
  // Blocks until the job finished or the timeout passed; returns its latest state.
  virtual Outcome<Job> waitJob(const std::string& id, Millis timeout) = 0;
  virtual Outcome<LogView> jobLog(const std::string& id, size_t tail) = 0;
  // The live log of a running job, to follow; nullptr when the job has finished.
  virtual Outcome<std::shared_ptr<LogSink>> jobLiveLog(const std::string& id) = 0;

  virtual Outcome<Job> startRestore(const RestoreRequest& request) = 0;

  virtual nlohmann::json processes() = 0;
  // action: "start" | "stop" | "restart"
  virtual Outcome<nlohmann::json> processAction(const std::string& name,
                                                const std::string& action) = 0;

  virtual nlohmann::json logs() = 0;                  // {"logs": [{name, path, last_seq}]}
  virtual LogSink* log(const std::string& name) = 0;  // nullptr when unknown

  virtual nlohmann::json schedule() = 0;
  virtual nlohmann::json config() = 0;  // secrets redacted
  virtual Metrics metrics() = 0;        // rendered by the API (api/metrics.h)

  // A capability registered on top of the core (supervisor/service/capability.h) by its name,
  // or nullptr; its routes file casts it to the capability's own interface.
  virtual Capability* capability(std::string_view name) = 0;
};

}  // namespace pgbr
