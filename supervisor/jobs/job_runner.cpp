#include "supervisor/jobs/job_runner.h"

#include <cstdio>
#include <ctime>

#include <spdlog/spdlog.h>

namespace pgbr {

class JobRunner::Context final : public JobContext {
 public:
  Context(Job job, std::shared_ptr<LogSink> sink) : job_(std::move(job)), sink_(std::move(sink)) {}
  const Job& job() const override { return job_; }
  LogSink& log() override { return *sink_; }
  const std::atomic<bool>& cancelRequested() const override { return cancel_; }
  void setProgress(double percent) override {
    std::lock_guard lock(mutex_);
    job_.progress = std::clamp(percent, 0.0, 100.0);
  }
  void setMessage(std::string message) override {
    std::lock_guard lock(mutex_);
    job_.message = std::move(message);
  }
  void setBackupLabel(std::string label) override {
    std::lock_guard lock(mutex_);
    job_.backup_label = std::move(label);
  }
  Job snapshot() const {
    std::lock_guard lock(mutex_);
    return job_;
  }
  template <typename F>
  void update(F&& f) {
    std::lock_guard lock(mutex_);
    f(job_);
  }
  std::shared_ptr<LogSink> sink() const { return sink_; }
  std::atomic<bool> cancel_{false};

 private:
  mutable std::mutex mutex_;
  Job job_;
  std::shared_ptr<LogSink> sink_;
};

JobRunner::JobRunner(JobStore& store, const Clock& clock, LogSinkOptions log_options)
    : store_(store), clock_(clock), log_options_(log_options) {}

JobRunner::~JobRunner() {
  shutdown();
}

void JobRunner::setFinishedHook(std::function<void(const Job&)> hook) {
  std::lock_guard lock(mutex_);
  finished_hook_ = std::move(hook);
}

std::string JobRunner::newId() {
  // Sortable by creation time and unique within a second: 20261122T101500Z-a3f0-0001.
  std::time_t secs = std::chrono::system_clock::to_time_t(clock_.wall());
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d%02d%02dT%02d%02d%02dZ-%04x", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<unsigned>(++counter_ & 0xffff));
  std::string id = buf;
  while (store_.get(id)) id += "x";
  return id;
}

std::variant<Job, JobBusy> JobRunner::submit(JobKind kind, JobTrigger trigger,
                                             nlohmann::json params, JobExecutor executor) {
  Job job;
  {
    std::lock_guard lock(mutex_);
    if (current_) return JobBusy{current_->snapshot()};
    if (shutting_down_) {
      Job refused;
      refused.message = "the supervisor is shutting down";
      return JobBusy{refused};
    }
    if (worker_.joinable()) worker_.join();  // the previous job's thread has finished its work
    job.id = newId();
    job.kind = kind;
    job.trigger = trigger;
    job.state = JobState::kQueued;
    job.created_at = clock_.wall();
    job.params = params.is_object() ? std::move(params) : nlohmann::json::object();
    // In memory before the worker can record it running: the history never goes backwards.
    store_.record(job);
    auto sink = std::make_shared<LogSink>(job.id, store_.logPath(job.id), log_options_);
    auto ctx = std::make_shared<Context>(job, sink);
    current_ = ctx;
    worker_ = std::thread([this, ctx, executor = std::move(executor)] { run(ctx, executor); });
  }
  // On disk outside the runner's lock, which every status request takes.
  store_.save();
  return job;
}

void JobRunner::run(std::shared_ptr<Context> ctx, JobExecutor executor) {
  ctx->update([&](Job& j) {
    j.state = JobState::kRunning;
    j.started_at = clock_.wall();
  });
  store_.put(ctx->snapshot());
  const Job started = ctx->snapshot();
  const std::string type = started.params.value("type", "");
  spdlog::info("job {} ({}{}{}) started by {}", started.id, toString(started.kind),
               type.empty() ? "" : " ", type, toString(started.trigger));
  JobOutcome outcome;
  try {
    outcome = executor(*ctx);
  } catch (const std::exception& e) {
    outcome.state = JobState::kFailed;
    outcome.message = std::string("internal error: ") + e.what();
  }
  if (ctx->cancel_.load() && outcome.state == JobState::kFailed)
    outcome.state = JobState::kCancelled;
  ctx->log().flush();
  Job finished = ctx->snapshot();
  finished.state = outcome.state;
  finished.exit_code = outcome.exit_code;
  finished.finished_at = clock_.wall();
  if (!outcome.message.empty()) finished.message = outcome.message;
  if (!outcome.result.is_null()) finished.result = std::move(outcome.result);
  if (outcome.state == JobState::kSucceeded && finished.progress) finished.progress = 100.0;
  if (finished.state == JobState::kSucceeded)
    spdlog::info("job {} ({}) succeeded{}", finished.id, toString(finished.kind),
                 finished.backup_label.empty() ? "" : ": " + finished.backup_label);
  else
    spdlog::warn("job {} ({}) {}: {}", finished.id, toString(finished.kind),
                 toString(finished.state), finished.message);
  std::function<void(const Job&)> hook;
  {
    std::lock_guard lock(mutex_);
    hook = finished_hook_;
  }
  // The hook (info cache, schedule) runs while the job is still shown running and still holds
  // the runner; only then does the final state become visible, together with the runner being
  // free. A client that sees the job finished can therefore list the backup it made and start
  // the next job at once, without a 409 or a stale listing.
  if (hook) hook(finished);
  store_.put(finished);
  {
    std::lock_guard lock(mutex_);
    ctx->update([&](Job& j) { j = finished; });
    current_.reset();
  }
  // Followers of the log learn of the end now, not at their next poll.
  ctx->log().end();
  idle_cv_.notify_all();
}

std::optional<Job> JobRunner::get(const std::string& id) const {
  {
    std::lock_guard lock(mutex_);
    if (current_ && current_->job().id == id) return current_->snapshot();
  }
  return store_.get(id);
}

std::vector<Job> JobRunner::list(size_t limit) const {
  std::vector<Job> jobs = store_.list(limit);
  std::lock_guard lock(mutex_);
  if (current_) {
    Job live = current_->snapshot();
    for (auto& j : jobs)
      if (j.id == live.id) j = live;
  }
  return jobs;
}

std::optional<Job> JobRunner::running() const {
  std::lock_guard lock(mutex_);
  if (!current_) return std::nullopt;
  return current_->snapshot();
}

bool JobRunner::cancel(const std::string& id) {
  std::lock_guard lock(mutex_);
  if (!current_ || current_->job().id != id) return false;
  current_->cancel_.store(true);
  current_->log().appendLine("cancel requested");
  return true;
}

std::shared_ptr<LogSink> JobRunner::liveLog(const std::string& id) const {
  std::lock_guard lock(mutex_);
  if (current_ && current_->job().id == id) return current_->sink();
  return nullptr;
}

bool JobRunner::waitIdle(Millis timeout) const {
  std::unique_lock lock(mutex_);
  return idle_cv_.wait_for(lock, timeout, [&] { return !current_; });
}

void JobRunner::shutdown() {
  std::thread worker;
  {
    std::lock_guard lock(mutex_);
    shutting_down_ = true;
    if (current_) current_->cancel_.store(true);
    worker = std::move(worker_);
  }
  if (worker.joinable()) worker.join();
}

}  // namespace pgbr
