#include "supervisor/jobs/job.h"

#include <cmath>

#include "supervisor/common/time_format.h"

namespace pgbr {

std::string_view toString(JobKind kind) {
  switch (kind) {
    case JobKind::kBackup:
      return "backup";
    case JobKind::kExpire:
      return "expire";
    case JobKind::kCheck:
      return "check";
    case JobKind::kStanzaCreate:
      return "stanza-create";
    case JobKind::kVerify:
      return "verify";
    case JobKind::kRestore:
      return "restore";
    case JobKind::kDrill:
      return "drill";
    case JobKind::kDump:
      return "dump";
    case JobKind::kDumpRestore:
      return "dump-restore";
    case JobKind::kPromote:
      return "promote";
  }
  return "backup";
}

std::string_view toString(JobState state) {
  switch (state) {
    case JobState::kQueued:
      return "queued";
    case JobState::kRunning:
      return "running";
    case JobState::kSucceeded:
      return "succeeded";
    case JobState::kFailed:
      return "failed";
    case JobState::kCancelled:
      return "cancelled";
  }
  return "failed";
}

std::string_view toString(JobTrigger trigger) {
  switch (trigger) {
    case JobTrigger::kApi:
      return "api";
    case JobTrigger::kSchedule:
      return "schedule";
    case JobTrigger::kStartup:
      return "startup";
    case JobTrigger::kRestore:
      return "restore";
  }
  return "api";
}

std::optional<JobKind> parseJobKind(std::string_view s) {
  for (auto k : {JobKind::kBackup, JobKind::kExpire, JobKind::kCheck, JobKind::kStanzaCreate,
                 JobKind::kVerify, JobKind::kRestore, JobKind::kDrill, JobKind::kDump,
                 JobKind::kDumpRestore, JobKind::kPromote})
    if (toString(k) == s) return k;
  return std::nullopt;
}

std::optional<JobState> parseJobState(std::string_view s) {
  for (auto k : {JobState::kQueued, JobState::kRunning, JobState::kSucceeded, JobState::kFailed,
                 JobState::kCancelled})
    if (toString(k) == s) return k;
  return std::nullopt;
}

std::optional<JobTrigger> parseJobTrigger(std::string_view s) {
  for (auto k :
       {JobTrigger::kApi, JobTrigger::kSchedule, JobTrigger::kStartup, JobTrigger::kRestore})
    if (toString(k) == s) return k;
  return std::nullopt;
}

bool isFinished(JobState state) {
  return state == JobState::kSucceeded || state == JobState::kFailed ||
         state == JobState::kCancelled;
}

namespace {
nlohmann::json timeOrNull(const std::optional<WallTime>& t) {
  return t ? nlohmann::json(formatRfc3339(*t)) : nlohmann::json(nullptr);
}
std::optional<WallTime> timeFrom(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return std::nullopt;
  return parseRfc3339(it->get<std::string>());
}
}  // namespace

nlohmann::json toJson(const Job& job) {
  nlohmann::json j;
  j["id"] = job.id;
  j["kind"] = toString(job.kind);
  j["state"] = toString(job.state);
  j["trigger"] = toString(job.trigger);
  j["created_at"] = formatRfc3339(job.created_at);
  j["started_at"] = timeOrNull(job.started_at);
  j["finished_at"] = timeOrNull(job.finished_at);
  j["exit_code"] = job.exit_code ? nlohmann::json(*job.exit_code) : nlohmann::json(nullptr);
  j["progress"] = job.progress ? nlohmann::json(std::round(*job.progress * 100) / 100)
                               : nlohmann::json(nullptr);
  j["message"] = job.message;
  j["backup_label"] =
      job.backup_label.empty() ? nlohmann::json(nullptr) : nlohmann::json(job.backup_label);
  j["params"] = job.params;
  if (!job.result.is_null()) j["result"] = job.result;
  if (job.started_at) {
    auto end = job.finished_at ? *job.finished_at : std::chrono::system_clock::now();
    j["duration_s"] = std::chrono::duration_cast<Millis>(end - *job.started_at).count() / 1000.0;
  } else {
    j["duration_s"] = nullptr;
  }
  return j;
}

std::optional<Job> jobFromJson(const nlohmann::json& j) {
  if (!j.is_object()) return std::nullopt;
  auto str = [&](const char* key) -> std::optional<std::string> {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
  };
  auto id = str("id");
  auto kind = str("kind");
  auto state = str("state");
  auto trigger = str("trigger");
  auto created = timeFrom(j, "created_at");
  if (!id || id->empty() || !kind || !state || !trigger || !created) return std::nullopt;
  auto k = parseJobKind(*kind);
  auto s = parseJobState(*state);
  auto t = parseJobTrigger(*trigger);
  if (!k || !s || !t) return std::nullopt;
  Job job;
  job.id = *id;
  job.kind = *k;
  job.state = *s;
  job.trigger = *t;
  job.created_at = *created;
  job.started_at = timeFrom(j, "started_at");
  job.finished_at = timeFrom(j, "finished_at");
  if (auto it = j.find("exit_code"); it != j.end() && it->is_number_integer())
    job.exit_code = it->get<int>();
  if (auto it = j.find("progress"); it != j.end() && it->is_number())
    job.progress = it->get<double>();
  job.message = str("message").value_or("");
  job.backup_label = str("backup_label").value_or("");
  if (auto it = j.find("params"); it != j.end() && it->is_object()) job.params = *it;
  if (auto it = j.find("result"); it != j.end() && it->is_object()) job.result = *it;
  return job;
}

}  // namespace pgbr
