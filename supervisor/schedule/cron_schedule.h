// When a scheduled task of a capability runs (the drill's PGBR_SCHEDULE_DRILL, the dumps'
// PGBR_SCHEDULE_DUMP): the backup schedule's rules for one cron expression. It owns no thread and
// never sleeps: the capability calls tick(now, busy) from the supervisor's loop; tests call it
// with chosen times. "The drill" below stands for whatever task the schedule starts.
//
// Rules (tests/unit/schedule/cron_schedule_test.cpp):
//  1. A slot is an instant the expression fires at; at a slot the drill is due.
//  2. Due while the supervisor is busy (a job runs, a restore, Postgres down): pending, and
//     started by the first tick that finds it free; pending at most once however many slots pass.
//  3. Any drill that finishes after a pending slot (started by anyone) satisfies it.
//  4. Missed while the supervisor was down: when the saved state shows a slot passed after the
//     last one handled, the first tick makes the drill pending once. Saved state of another
//     expression is not caught up (a changed schedule starts nothing by itself).
//  5. No expression: never due.
#pragma once

#include <optional>

#include <nlohmann/json.hpp>

#include "supervisor/common/clock.h"
#include "supervisor/schedule/cron.h"
#include "supervisor/schedule/time_zone.h"

namespace pgbr {

class CronSchedule {
 public:
  // `tz` must outlive the schedule.
  CronSchedule(std::optional<CronExpr> expr, const TimeZone& tz);

  // True when a drill should be started now. The first call is the schedule's start (rule 4).
  bool tick(WallTime now, bool busy);
  // A drill finished at `finished` (rule 3).
  void recordRun(WallTime finished);

  // {"expression", "enabled", "next_run", "last_run", "pending"}.
  nlohmann::json status() const;
  std::optional<WallTime> nextRun() const { return next_slot_; }
  bool pending() const { return pending_slot_.has_value(); }

  nlohmann::json saveState() const;
  void loadState(const nlohmann::json& state);

 private:
  std::optional<CronExpr> expr_;
  const TimeZone& tz_;
  bool started_ = false;
  std::optional<WallTime> next_slot_;
  std::optional<WallTime> handled_through_;
  std::optional<WallTime> pending_slot_;
  std::optional<WallTime> last_run_;
  std::optional<std::string> saved_expression_;
};

}  // namespace pgbr
