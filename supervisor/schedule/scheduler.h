// The backup schedule: decides when to queue a full, diff or incr backup. It owns no thread and
// never sleeps: the supervisor's loop calls tick(now, repository_busy) about once a second and
// queues whatever it returns; tests call it with chosen times.
//
// Policy (each rule has a test in tests/unit/schedule/scheduler_test.cpp):
//  1. Each type has its own cron expression (cron.h); none means the type is disabled. A "slot"
//     is an instant the expression fires at.
//  2. Several types due at once: only the largest runs (full > diff > incr). The smaller ones
//     count as satisfied by it and are not run afterwards.
//  3. Due while the repository is busy: the type is kept pending and returned by the first tick
//     that finds the repository free (largest pending type first, as in rule 2). A type is
//     pending at most once however many of its slots pass meanwhile. A pending type is dropped
//     when a backup of the same or a larger type, started by anyone, succeeds after its slot.
//  4. A failed scheduled backup is not retried before its next slot; `overdue` shows it.
//  5. Missed while the supervisor was down: if the saved state shows a slot after the last one
//     handled has already passed, the first tick makes the type pending once, not once per
//     missed slot, unless a backup of that type or larger succeeded after the missed slot.
//     Saved state made with a different expression for the type is not caught up (a changed
//     schedule should not start a backup by itself).
//  6. recordResult() takes the outcome of every backup of a type, whoever started it (api,
//     schedule, startup): it feeds last run, last result, last success and last job id.
//  7. Overdue: at least two slots have passed since the last success of the type or of a larger
//     type (a full does a diff's job), or, if there never was one, since the scheduler first
//     started (kept in the saved state, so restarts do not reset it). One passed slot is normal:
//     its backup may be running. A disabled type is never overdue.
//
// Persistence: saveState() and loadState() exchange a JSON document; the caller reads and writes
// the file. Save after a tick that returns a type and after recordResult(); a save lost in a
// crash only means a catch-up at the next start. loadState() goes before the first tick and
// ignores whatever in the document is missing, malformed or foreign; it never throws.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "supervisor/common/clock.h"
#include "supervisor/schedule/backup_type.h"
#include "supervisor/schedule/cron.h"
#include "supervisor/schedule/time_zone.h"

namespace pgbr {

enum class ScheduleResult { kNone, kSucceeded, kFailed };
std::string_view toString(ScheduleResult result);  // "none", "succeeded", "failed"

struct ScheduleStatus {
  BackupType type = BackupType::kFull;
  std::string expression;  // empty when disabled
  bool enabled = false;
  std::optional<WallTime> next_run;
  std::optional<WallTime> last_run;  // when the last backup of this type finished
  ScheduleResult last_result = ScheduleResult::kNone;
  std::optional<WallTime> last_success;
  std::string last_job_id;  // empty when none
  bool pending = false;     // due, waiting for the repository
  bool overdue = false;
};

// {"type", "expression", "enabled", "next_run", "last_run", "last_result", "last_success",
//  "last_job_id", "pending", "overdue"}; times RFC 3339 UTC, null when unknown.
nlohmann::json toJson(const ScheduleStatus& status);
nlohmann::json toJson(const std::vector<ScheduleStatus>& statuses);

class Scheduler {
 public:
  // `tz` must outlive the scheduler.
  Scheduler(std::optional<CronExpr> full, std::optional<CronExpr> diff,
            std::optional<CronExpr> incr, const TimeZone& tz);

  // The type to queue now, if any. The first call is the scheduler's start (rule 5).
  std::optional<BackupType> tick(WallTime now, bool repository_busy);
  void recordResult(BackupType type, WallTime finished, bool success, std::string job_id);

  ScheduleStatus status(BackupType type, WallTime now) const;
  std::vector<ScheduleStatus> status(WallTime now) const;  // full, diff, incr

  nlohmann::json saveState() const;
  void loadState(const nlohmann::json& state);

 private:
  struct Entry {
    std::optional<CronExpr> expr;
    std::optional<WallTime> next_slot;            // first slot not yet due
    std::optional<WallTime> handled_through;      // every slot at or before this was handled
    std::optional<WallTime> pending_slot;         // latest due slot waiting for the repository
    std::optional<std::string> saved_expression;  // from loadState(), for rule 5
    std::optional<WallTime> last_run;
    ScheduleResult last_result = ScheduleResult::kNone;
    std::optional<WallTime> last_success;
    std::string last_job_id;
  };

  Entry& entry(BackupType type) { return entries_[static_cast<size_t>(type)]; }
  const Entry& entry(BackupType type) const { return entries_[static_cast<size_t>(type)]; }
  void start(WallTime now);
  // Latest success of `type` or of a larger type.
  std::optional<WallTime> coveringSuccess(BackupType type) const;
  bool overdue(BackupType type, WallTime now) const;

  const TimeZone& tz_;
  std::array<Entry, 3> entries_;  // indexed by BackupType
  bool started_ = false;
  std::optional<WallTime> first_started_;
};

}  // namespace pgbr
