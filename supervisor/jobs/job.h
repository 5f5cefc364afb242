// A job is one short-lived pgBackRest run the supervisor does for someone (backup, expire, check,
// stanza-create, verify, restore, drill). Its JSON shape is firm: the API and its clients rely on
// it.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "supervisor/common/clock.h"

namespace pgbr {

// kDrill: a restore drill (supervisor/drill/): a backup restored into a scratch copy and checked.
// kDump: a logical dump run (supervisor/dumps/); kDumpRestore: one database restored from one.
// kPromote: a standby promoted to a primary (supervisor/replica/).
enum class JobKind {
  kBackup,
  kExpire,
  kCheck,
  kStanzaCreate,
  kVerify,
  kRestore,
  kDrill,
  kDump,
  kDumpRestore,
  kPromote
};
enum class JobState { kQueued, kRunning, kSucceeded, kFailed, kCancelled };
// kRestore: the backup a successful restore asks for, so later restores have one on the new
// timeline to start from.
enum class JobTrigger { kApi, kSchedule, kStartup, kRestore };

std::string_view toString(JobKind kind);        // "backup", "stanza-create", ...
std::string_view toString(JobState state);      // "queued", "running", ...
std::string_view toString(JobTrigger trigger);  // "api", "schedule", "startup", "restore"
std::optional<JobKind> parseJobKind(std::string_view s);
std::optional<JobState> parseJobState(std::string_view s);
std::optional<JobTrigger> parseJobTrigger(std::string_view s);
bool isFinished(JobState state);

struct Job {
  std::string id;
  JobKind kind = JobKind::kBackup;
  JobState state = JobState::kQueued;
  JobTrigger trigger = JobTrigger::kApi;
  WallTime created_at{};
  std::optional<WallTime> started_at;
  std::optional<WallTime> finished_at;
  std::optional<int> exit_code;
  std::optional<double> progress;  // 0-100 while a backup or restore copies files
  std::string message;             // one line for people: what happened, what to do
  std::string backup_label;        // the backup a backup job made or a restore used
  nlohmann::json params = nlohmann::json::object();  // what was asked (type, target, ...)
  // What came of it beyond the message, for machines (a restore: where Postgres ended up); null
  // for most jobs and then left out of the JSON.
  nlohmann::json result;
};

nlohmann::json toJson(const Job& job);
// Tolerant: a damaged history entry yields nullopt, not an exception.
std::optional<Job> jobFromJson(const nlohmann::json& j);

}  // namespace pgbr
