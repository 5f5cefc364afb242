// Runs jobs one at a time: the repository takes one change at a time (pgBackRest itself would
// refuse a second backup with a lock error, later and less clearly). Policy: a request while a
// job runs is refused at once with the running job (the API answers 409 with its id); nothing is
// queued here. The scheduler keeps its own pending runs (see schedule/scheduler.h).
// Each job gets a worker thread, a log (file + live tail), progress, and can be cancelled.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <variant>

#include "supervisor/common/clock.h"
#include "supervisor/common/log_sink.h"
#include "supervisor/jobs/job.h"
#include "supervisor/jobs/job_store.h"

namespace pgbr {

// What an executor sees while it runs.
class JobContext {
 public:
  virtual ~JobContext() = default;
  virtual const Job& job() const = 0;
  virtual LogSink& log() = 0;
  virtual const std::atomic<bool>& cancelRequested() const = 0;
  virtual void setProgress(double percent) = 0;
  virtual void setMessage(std::string message) = 0;
  virtual void setBackupLabel(std::string label) = 0;
};

struct JobOutcome {
  JobState state = JobState::kFailed;  // succeeded, failed or cancelled
  std::optional<int> exit_code;
  std::string message;
  nlohmann::json result;  // Job::result
};

using JobExecutor = std::function<JobOutcome(JobContext&)>;

struct JobBusy {
  Job running;
};

class JobRunner {
 public:
  JobRunner(JobStore& store, const Clock& clock, LogSinkOptions log_options);
  JobRunner(const JobRunner&) = delete;
  JobRunner& operator=(const JobRunner&) = delete;
  ~JobRunner();

  std::variant<Job, JobBusy> submit(JobKind kind, JobTrigger trigger, nlohmann::json params,
                                    JobExecutor executor);
  std::optional<Job> get(const std::string& id) const;
  std::vector<Job> list(size_t limit) const;
  std::optional<Job> running() const;
  // Asks the running job to stop; false when `id` is not the running job.
  bool cancel(const std::string& id);
  // The live log of the running job (nullptr for others: read their file at logPath).
  std::shared_ptr<LogSink> liveLog(const std::string& id) const;
  std::filesystem::path logPath(const std::string& id) const { return store_.logPath(id); }
  // Runs after a job reached a final state, in the job's thread.
  void setFinishedHook(std::function<void(const Job&)> hook);
  bool waitIdle(Millis timeout) const;
  // Cancels the running job and waits for its thread.
  void shutdown();

 private:
  class Context;
  void run(std::shared_ptr<Context> ctx, JobExecutor executor);
  std::string newId();

  JobStore& store_;
  const Clock& clock_;
  LogSinkOptions log_options_;
  std::function<void(const Job&)> finished_hook_;
  mutable std::mutex mutex_;
  mutable std::condition_variable idle_cv_;
  std::shared_ptr<Context> current_;
  std::thread worker_;
  uint32_t counter_ = 0;
  bool shutting_down_ = false;
};

}  // namespace pgbr
