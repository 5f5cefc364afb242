// The conditions alerts are raised for, judged from figures the supervisor already keeps: pure
// functions and one small stateful guard, so every rule is unit-tested with made-up inputs. The
// notify capability (notify_capability.h) feeds them and hands each verdict to the AlertTracker.
//
// Policy:
// - A verdict is firing, resolved, or unknown (the figures needed are missing: Postgres is down,
//   the folder cannot be read); unknown changes nothing, so an alert neither fires nor resolves
//   on missing data.
// - Rules that measure something noisy fire and resolve at different levels (hysteresis), so a
//   value near the threshold does not send an alert and its "resolved" every few seconds.
// - Messages are plain sentences that say what is wrong, what it leads to and what to do.
#pragma once

#include <chrono>
#include <deque>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "supervisor/backrest/info.h"
#include "supervisor/common/clock.h"
#include "supervisor/common/human_units.h"
#include "supervisor/jobs/job.h"
#include "supervisor/monitor/archive_health.h"
#include "supervisor/notify/notification.h"
#include "supervisor/process/supervised_process.h"
#include "supervisor/schedule/cron.h"
#include "supervisor/schedule/time_zone.h"

namespace pgbr {

enum class Verdict { kUnknown, kFiring, kResolved };

struct Finding {
  std::string condition;
  Verdict verdict = Verdict::kUnknown;
  Severity severity = Severity::kWarning;
  std::string message;  // firing: what is wrong; resolved: what is fine again
  nlohmann::json details = nlohmann::json::object();
};

// A job's end as a condition "job-failed:<kind>" ("job-failed:backup-full" for backups, by type):
// firing when it failed, resolved when one of the same kind succeeded; nullopt for a job that was
// cancelled or is not finished.
std::optional<Finding> jobFinding(const Job& job);
// The note sent for a job that succeeded, when successes are asked for (PGBR_NOTIFY_EVENTS).
std::string jobSucceededMessage(const Job& job);

// "archive": WAL archiving fails (the archiver's last attempt failed and a segment has waited
// at least a minute, or `stuck_after` when that is shorter) or is stuck (the oldest segment
// waiting in pg_wal/archive_status is older than `stuck_after`). Resolved when the last attempt
// succeeded and nothing has waited longer than half of `stuck_after`.
Finding archiveFinding(const ArchiveHealth& health, Seconds stuck_after);

// "repository": the stanza's status as pgbackrest info last reported it (not ok, or unreadable),
// or the stanza holding another database's backups (`mismatch`, backrest/stanza_owner.h).
Finding repositoryFinding(const std::optional<backrest::InfoModel>& model, const std::string& error,
                          const std::optional<std::string>& mismatch = std::nullopt);

// "postgres": Postgres gave up (FATAL: too many quick exits); resolved once it runs again.
Finding postgresFinding(const ProcessSnapshot& postgres);

// "schedule-overdue:<name>": no success of the schedule since its run due at next(from), where
// from is the later of its last success and `since` (when the supervisor started: a run missed
// while it was down is caught up at start, and history older than that is not judged), for
// longer than `grace`. Resolved otherwise.
Finding overdueFinding(const std::string& name, const std::string& expression, const CronExpr& cron,
                       std::optional<WallTime> last_success, WallTime since, WallTime now,
                       Seconds grace, const TimeZone& tz);

// The newest successful backup that counts for a schedule of `type`: a full counts for every
// schedule, a diff for diff and incr, an incr for incr only.
std::optional<WallTime> lastBackupFor(const backrest::InfoModel& model, const std::string& type);

// "wal-space", the WAL backlog guard: the file system holding pg_wal, sampled every few seconds.
struct WalSpaceSample {
  WallTime at{};
  uint64_t free_bytes = 0;
  uint64_t total_bytes = 0;
  int64_t waiting = 0;  // segments waiting to be archived (archive_status/*.ready)
};

class WalSpaceGuard {
 public:
  WalSpaceGuard(int min_free_pct, int fill_minutes)
      : min_free_pct_(min_free_pct), fill_minutes_(fill_minutes) {}

  // Firing (critical) when less than min_free_pct is free; firing (warning) when WAL waits to be
  // archived and, at the rate free space shrank over the last few minutes, the file system is
  // full within fill_minutes. Resolved when at least min_free_pct + 2 is free and either nothing
  // waits, free space does not shrink, or it would last more than twice fill_minutes.
  Finding check(const WalSpaceSample& sample);

 private:
  int min_free_pct_;
  int fill_minutes_;
  std::deque<WalSpaceSample> window_;  // the last few minutes, oldest first
};

// "replication", a standby's link to its primary (PGBR_STANDBY_PRIMARY): firing when no WAL
// receiver streams (none runs, or it is not "streaming") for longer than `grace`: the standby
// then replays only what reaches the archive, a segment at a time, and falls behind. Resolved
// once it streams again. Unknown while Postgres is not read or is not in recovery, and within
// the grace (a primary's restart or a reconnect is not an alert).
class StandbyGuard {
 public:
  explicit StandbyGuard(Seconds grace) : grace_(grace) {}
  Finding check(const PostgresStatus& pg, const std::string& primary, WallTime now);

 private:
  Seconds grace_;
  std::optional<WallTime> not_streaming_since_;
};

}  // namespace pgbr
