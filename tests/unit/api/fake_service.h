// A Service with canned answers the test sets, counting every call and keeping the last request
// of each kind, so a test can check both what the API answered and what reached the service.
// Thread-safe: the server calls it from its worker threads while the test reads it.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "supervisor/service/service.h"

namespace pgbr::testing {

class FakeService final : public Service {
 public:
  FakeService() {
    running_job_.id = "job-1";
    running_job_.kind = JobKind::kBackup;
    running_job_.state = JobState::kQueued;
    running_job_.created_at = WallTime(std::chrono::seconds(1'795'000'000));
  }

  // --- configuration (call before or during a test; guarded by the same mutex) ---
  void setReady(ReadyState state) {
    with([&] { ready_ = std::move(state); });
  }
  void setStatus(nlohmann::json status) {
    with([&] { status_ = std::move(status); });
  }
  void setBackups(nlohmann::json backups) {
    with([&] { backups_ = std::move(backups); });
  }
  void setStartError(std::optional<Error> error) {
    with([&] { start_error_ = std::move(error); });
  }
  // The job every start* returns (its kind follows the call) and job(id) finds.
  void setJob(Job job) {
    with([&] { running_job_ = std::move(job); });
  }
  // What waitJob answers with: the job in this final state (unset: the job as it is).
  void setFinalState(std::optional<JobState> state) {
    with([&] { final_state_ = state; });
  }
  void setJobLog(std::vector<LogLine> lines) {
    with([&] { job_log_ = std::move(lines); });
  }
  void setLiveLog(std::shared_ptr<LogSink> sink) {
    with([&] { live_log_ = std::move(sink); });
  }
  void setCancelError(std::optional<Error> error) {
    with([&] { cancel_error_ = std::move(error); });
  }
  void setProcessError(std::optional<Error> error) {
    with([&] { process_error_ = std::move(error); });
  }
  void addLog(std::shared_ptr<LogSink> sink) {
    with([&] { logs_[sink->name()] = std::move(sink); });
  }
  // Moves the job to `state` and wakes waitJob callers.
  void finishJob(JobState state) {
    {
      std::lock_guard lock(mutex_);
      running_job_.state = state;
    }
    cv_.notify_all();
  }

  // --- observation ---
  int calls(const std::string& method) const {
    std::lock_guard lock(mutex_);
    const auto it = calls_.find(method);
    return it == calls_.end() ? 0 : it->second;
  }
  int jobStarts() const {
    return calls("startBackup") + calls("startRestore") + calls("startStanzaCreate");
  }
  BackupRequest lastBackup() const {
    std::lock_guard lock(mutex_);
    return last_backup_;
  }
  RestoreRequest lastRestore() const {
    std::lock_guard lock(mutex_);
    return last_restore_;
  }
  std::string lastArgument() const {
    std::lock_guard lock(mutex_);
    return last_argument_;
  }
  std::string lastAction() const {
    std::lock_guard lock(mutex_);
    return last_action_;
  }
  size_t lastCount() const {
    std::lock_guard lock(mutex_);
    return last_count_;
  }

  // --- Service ---
  ReadyState ready() override { return record("ready", ready_); }
  nlohmann::json status() override { return record("status", status_); }
  // Moves with every setter: the API may reuse answers only until the test changes something.
  uint64_t revision() const override {
    std::lock_guard lock(mutex_);
    return revision_;
  }
  std::string stanza() const override { return "main"; }

  nlohmann::json backups() override { return record("backups", backups_); }
  Outcome<nlohmann::json> backup(const std::string& label_or_latest) override {
    std::lock_guard lock(mutex_);
    ++calls_["backup"];
    last_argument_ = label_or_latest;
    const nlohmann::json list =
        backups_.contains("backups") ? backups_["backups"] : nlohmann::json::array();
    for (const nlohmann::json& b : list) {
      if (b.contains("label") && b["label"] == label_or_latest) return b;
    }
    if (label_or_latest == "latest" && !list.empty()) return list.back();
    return Error{ErrorCode::kNotFound, "no backup " + label_or_latest, {}};
  }
  Outcome<Job> startBackup(const BackupRequest& request) override {
    std::lock_guard lock(mutex_);
    ++calls_["startBackup"];
    last_backup_ = request;
    return startLocked(JobKind::kBackup);
  }
  Outcome<Job> startStanzaCreate(JobTrigger) override {
    std::lock_guard lock(mutex_);
    ++calls_["startStanzaCreate"];
    return startLocked(JobKind::kStanzaCreate);
  }

  std::vector<Job> jobs(size_t limit) override {
    std::lock_guard lock(mutex_);
    ++calls_["jobs"];
    last_count_ = limit;
    return {running_job_};
  }
  Outcome<Job> job(const std::string& id) override {
    std::lock_guard lock(mutex_);
    ++calls_["job"];
    last_argument_ = id;
    if (id != running_job_.id) return Error{ErrorCode::kNotFound, "no job " + id, {}};
    return running_job_;
  }
  Outcome<Job> cancelJob(const std::string& id) override {
    std::lock_guard lock(mutex_);
    ++calls_["cancelJob"];
    last_argument_ = id;
    if (cancel_error_) return *cancel_error_;
    if (id != running_job_.id) return Error{ErrorCode::kNotFound, "no job " + id, {}};
    return running_job_;
  }
  Outcome<Job> waitJob(const std::string& id, Millis timeout) override {
    std::unique_lock lock(mutex_);
    ++calls_["waitJob"];
    if (id != running_job_.id) return Error{ErrorCode::kNotFound, "no job " + id, {}};
    if (final_state_) {
      running_job_.state = *final_state_;
      running_job_.exit_code = *final_state_ == JobState::kSucceeded ? 0 : 1;
      return running_job_;
    }
    cv_.wait_for(lock, timeout, [&] { return isFinished(running_job_.state); });
    return running_job_;
  }
  Outcome<LogView> jobLog(const std::string& id, size_t tail) override {
    std::lock_guard lock(mutex_);
    ++calls_["jobLog"];
    last_count_ = tail;
    if (id != running_job_.id) return Error{ErrorCode::kNotFound, "no job " + id, {}};
    LogView view;
    // The newest `tail` lines, as the real service answers.
    const size_t skip = job_log_.size() > tail ? job_log_.size() - tail : 0;
    view.lines.assign(job_log_.begin() + static_cast<std::ptrdiff_t>(skip), job_log_.end());
    view.last_seq = job_log_.empty() ? 0 : job_log_.back().seq;
    view.finished = isFinished(running_job_.state);
    return view;
  }
  Outcome<std::shared_ptr<LogSink>> jobLiveLog(const std::string& id) override {
    std::lock_guard lock(mutex_);
    ++calls_["jobLiveLog"];
    if (id != running_job_.id) return Error{ErrorCode::kNotFound, "no job " + id, {}};
    if (isFinished(running_job_.state)) return std::shared_ptr<LogSink>();
    return live_log_;
  }

  Outcome<Job> startRestore(const RestoreRequest& request) override {
    std::lock_guard lock(mutex_);
    ++calls_["startRestore"];
    last_restore_ = request;
    return startLocked(JobKind::kRestore);
  }

  nlohmann::json processes() override {
    return record(
        "processes",
        nlohmann::json{{"processes", {{{"name", "postgres"}, {"state", "RUNNING"}, {"pid", 42}}}}});
  }
  Outcome<nlohmann::json> processAction(const std::string& name,
                                        const std::string& action) override {
    std::lock_guard lock(mutex_);
    ++calls_["processAction"];
    last_argument_ = name;
    last_action_ = action;
    if (process_error_) return *process_error_;
    if (name != "postgres") return Error{ErrorCode::kNotFound, "no process " + name, {}};
    return nlohmann::json{{"name", name}, {"state", action == "stop" ? "STOPPING" : "STARTING"}};
  }

  nlohmann::json logs() override {
    std::lock_guard lock(mutex_);
    ++calls_["logs"];
    nlohmann::json list = nlohmann::json::array();
    for (const auto& [name, sink] : logs_) {
      list.push_back({{"name", name}, {"path", ""}, {"last_seq", sink->lastSeq()}});
    }
    return {{"logs", list}};
  }
  LogSink* log(const std::string& name) override {
    std::lock_guard lock(mutex_);
    ++calls_["log"];
    last_argument_ = name;
    const auto it = logs_.find(name);
    return it == logs_.end() ? nullptr : it->second.get();
  }

  // Bare arrays on purpose: the API wraps them into {"schedule": [...]}.
  nlohmann::json schedule() override {
    return record("schedule", nlohmann::json::array({{{"type", "full"}, {"enabled", true}}}));
  }
  nlohmann::json config() override {
    return record("config", nlohmann::json{{"PGBR_API_TOKEN", "(redacted)"}});
  }
  Metrics metrics() override {
    return record("metrics",
                  Metrics{{"pgbackrest_backup_count", "gauge", "Backups", {{{}, int64_t{3}}}}});
  }
  Capability* capability(std::string_view) override { return nullptr; }

 private:
  template <typename F>
  void with(F&& f) {
    std::lock_guard lock(mutex_);
    f();
    ++revision_;
  }
  template <typename T>
  T record(const std::string& method, const T& value) {
    std::lock_guard lock(mutex_);
    ++calls_[method];
    return value;
  }
  Outcome<Job> startLocked(JobKind kind) {
    if (start_error_) return *start_error_;
    running_job_.kind = kind;
    return running_job_;
  }

  mutable std::mutex mutex_;
  uint64_t revision_ = 0;
  std::condition_variable cv_;
  std::map<std::string, int> calls_;
  ReadyState ready_{true, {}};
  nlohmann::json status_ = {{"postgres", {{"state", "RUNNING"}, {"ready", true}, {"pid", 42}}},
                            {"running_job", nullptr}};
  nlohmann::json backups_ = {{"stanza", "main"},
                             {"status", {{"code", 0}, {"message", "ok"}}},
                             {"backups", nlohmann::json::array()}};
  std::optional<Error> start_error_;
  std::optional<Error> cancel_error_;
  std::optional<Error> process_error_;
  Job running_job_;
  std::optional<JobState> final_state_;
  std::vector<LogLine> job_log_;
  std::shared_ptr<LogSink> live_log_;
  std::map<std::string, std::shared_ptr<LogSink>> logs_;
  BackupRequest last_backup_;
  RestoreRequest last_restore_;
  std::string last_argument_;
  std::string last_action_;
  size_t last_count_ = 0;
};

}  // namespace pgbr::testing
