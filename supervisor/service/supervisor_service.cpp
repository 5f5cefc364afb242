// The Supervisor's side of Service: what the API asks (readiness, status, backups, jobs,
// processes, logs, configuration, metrics) answered from the parts the Supervisor built, and the
// few actions (cancel a job, start/stop/restart Postgres) checked against the run state first.
// Construction, start-up and the PID 1 loop are in supervisor.cpp.
#include <spdlog/spdlog.h>

#include "pgbr_version.h"
#include "supervisor/config/redaction.h"
#include "supervisor/service/core_metrics.h"
#include "supervisor/service/status_json.h"
#include "supervisor/service/supervisor.h"

namespace pgbr {

ReadyState Supervisor::ready() {
  if (run_.restore_running) return {false, "a restore is running"};
  ProcessState state = postgres_->state();
  if (state != ProcessState::kRunning)
    return {false, "postgres is " + std::string(toString(state))};
  return {true, ""};
}

nlohmann::json Supervisor::status() {
  nlohmann::json j;
  j["postgres"] = postgresJson(postgres_->snapshot(), monitor_->archive(), run_.restore_running);
  j["archive"] = monitor_->archiveJson();
  nlohmann::json backups_doc = monitor_->backupsJson();
  nlohmann::json repo;
  repo["stanza"] = settings_.stanza;
  repo["status"] = backups_doc["status"];
  repo["backup_count"] = backups_doc["backups"].size();
  repo["last_backup"] =
      backups_doc["backups"].empty() ? nlohmann::json(nullptr) : backups_doc["backups"].back();
  repo["recoverable"] = backups_doc["recoverable"];
  repo["refreshed_at"] = backups_doc.value("refreshed_at", nlohmann::json(nullptr));
  const std::optional<std::string> mismatch = monitor_->stanzaMismatch();
  repo["stanza_mismatch"] = mismatch ? nlohmann::json(*mismatch) : nlohmann::json(nullptr);
  j["repository"] = repo;
  j["schedule"] = schedule_->status()["schedule"];
  auto running = jobs_->running();
  j["running_job"] = running ? toJson(*running) : nlohmann::json(nullptr);
  j["last_restore"] = restores_->lastJson();
  nlohmann::json sup;
  sup["version"] = PGBR_VERSION;
  sup["uptime_s"] = std::chrono::duration_cast<Seconds>(clock_.monotonic() - started_mono_).count();
  sup["auth"] = settings_.api_auth == AuthMode::kNone ? "none" : "token";
  sup["startup_done"] = run_.startup_done.load();
  sup["shutting_down"] = run_.shutting_down.load();
  j["supervisor"] = sup;
  for (auto& c : capabilities_) c->addStatus(j);
  return j;
}

Outcome<nlohmann::json> Supervisor::backup(const std::string& label_or_latest) {
  return monitor_->withInfo([&](const InfoSnapshot& info) -> Outcome<nlohmann::json> {
    const backrest::BackupInfo* found = nullptr;
    if (info.model)
      found = label_or_latest == "latest" ? backrest::latest(*info.model)
                                          : backrest::findBackup(*info.model, label_or_latest);
    if (!found)
      return Error{ErrorCode::kNotFound,
                   label_or_latest == "latest"
                       ? "the repository holds no backup yet"
                       : "no backup labelled " + label_or_latest +
                             " in the repository; list them with GET /api/v1/backups"};
    return backrest::backupToApiJson(*found);
  });
}

Outcome<Job> Supervisor::job(const std::string& id) {
  auto j = jobs_->get(id);
  if (!j) return Error{ErrorCode::kNotFound, "no job " + id + "; list jobs with GET /api/v1/jobs"};
  return *j;
}

Outcome<Job> Supervisor::cancelJob(const std::string& id) {
  auto j = jobs_->get(id);
  if (!j) return Error{ErrorCode::kNotFound, "no job " + id};
  if (j->kind == JobKind::kRestore)
    return Error{ErrorCode::kConflict,
                 "a restore cannot be cancelled halfway: the data directory would be left "
                 "half-restored; wait for it to finish"};
  if (!jobs_->cancel(id))
    return Error{ErrorCode::kConflict, "job " + id + " is " + std::string(toString(j->state)) +
                                           ", not running; nothing to cancel"};
  return *jobs_->get(id);
}

Outcome<Job> Supervisor::waitJob(const std::string& id, Millis timeout) {
  const MonoTime deadline = clock_.monotonic() + timeout;
  for (;;) {
    auto j = jobs_->get(id);
    if (!j) return Error{ErrorCode::kNotFound, "no job " + id};
    if (isFinished(j->state) && !(jobs_->running() && jobs_->running()->id == id)) return *j;
    if (clock_.monotonic() >= deadline) return *j;
    jobs_->waitIdle(Millis(500));
  }
}

Outcome<std::shared_ptr<LogSink>> Supervisor::jobLiveLog(const std::string& id) {
  if (!jobs_->get(id)) return Error{ErrorCode::kNotFound, "no job " + id};
  return jobs_->liveLog(id);
}

nlohmann::json Supervisor::processes() {
  return {{"processes", nlohmann::json::array({processJson(postgres_->snapshot())})}};
}

Outcome<nlohmann::json> Supervisor::processAction(const std::string& name,
                                                  const std::string& action) {
  if (name != "postgres")
    return Error{ErrorCode::kNotFound, "no process named " + name + "; the only one is postgres"};
  if (run_.restore_running)
    return Error{ErrorCode::kConflict, "a restore is running; wait for it to finish"};
  if (!run_.init_done) return Error{ErrorCode::kConflict, "postgres is still being initialised"};
  if (run_.shutting_down) return Error{ErrorCode::kConflict, "the supervisor is shutting down"};
  std::string err;
  if (action == "start")
    err = postgres_->start();
  else if (action == "stop")
    err = postgres_->stop(StopMode::kFast);
  else if (action == "restart")
    err = postgres_->restart();
  else
    return Error{ErrorCode::kNotFound, "unknown action " + action + "; use start, stop or restart"};
  if (!err.empty()) return Error{ErrorCode::kConflict, err};
  spdlog::info("postgres {} requested through the API", action);
  signals_->wake();
  return processJson(postgres_->snapshot());
}

nlohmann::json Supervisor::logs() {
  nlohmann::json list = nlohmann::json::array();
  list.push_back({{"name", "postgres"},
                  {"path", postgres_log_->path().string()},
                  {"last_seq", postgres_log_->lastSeq()}});
  if (supervisor_log_)
    list.push_back({{"name", "supervisor"},
                    {"path", supervisor_log_->path().string()},
                    {"last_seq", supervisor_log_->lastSeq()}});
  return {{"logs", list}};
}

LogSink* Supervisor::log(const std::string& name) {
  if (name == "postgres") return postgres_log_.get();
  if (name == "supervisor") return supervisor_log_.get();
  return nullptr;
}

nlohmann::json Supervisor::config() {
  return redactedSettingsJson(settings_);
}

Metrics Supervisor::metrics() {
  CoreMetricsInput in;
  in.stanza = settings_.stanza;
  in.now = clock_.wall();
  in.info = monitor_->withInfo([](const InfoSnapshot& info) { return info.model; });
  in.postgres = postgres_->snapshot();
  in.archive = monitor_->archive();
  in.jobs = job_stats_.snapshot();
  in.job_running = jobs_->running().has_value();
  in.info_runs = monitor_->infoRuns();
  in.orphans_reaped = children_.orphansReaped();
  Metrics metrics = collectCoreMetrics(in);
  for (auto& c : capabilities_) c->addMetrics(metrics);
  return metrics;
}

}  // namespace pgbr
