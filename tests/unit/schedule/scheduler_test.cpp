#include "supervisor/schedule/scheduler.h"

#include <string>

#include <gtest/gtest.h>

#include "tests/unit/schedule/tz_env.h"

namespace pgbr {
namespace {

using testing::at;
using testing::show;

constexpr BackupType kFull = BackupType::kFull;
constexpr BackupType kDiff = BackupType::kDiff;
constexpr BackupType kIncr = BackupType::kIncr;
using Due = std::optional<BackupType>;

std::optional<CronExpr> cron(const char* text) {
  if (std::string(text).empty()) return std::nullopt;
  std::string error;
  std::optional<CronExpr> e = CronExpr::parse(text, &error);
  EXPECT_TRUE(e.has_value()) << text << ": " << error;
  return e;
}

// Full on Sunday 02:00, diff every day at 02:00, incr every hour. 2024-05-05 is a Sunday.
class SchedulerTest : public ::testing::Test {
 protected:
  Scheduler make(const char* full = "0 2 * * 0", const char* diff = "0 2 * * *",
                 const char* incr = "0 * * * *") {
    return Scheduler(cron(full), cron(diff), cron(incr), utc_);
  }
  UtcTimeZone utc_;
};

TEST_F(SchedulerTest, NothingBeforeTheFirstSlot) {
  Scheduler s = make();
  EXPECT_EQ(s.tick(at("2024-05-06T00:30:00Z"), false), Due{});
  EXPECT_EQ(s.tick(at("2024-05-06T00:59:59Z"), false), Due{});
  EXPECT_EQ(s.tick(at("2024-05-06T01:00:00Z"), false), kIncr);
  EXPECT_EQ(s.tick(at("2024-05-06T01:00:01Z"), false), Due{});
}

TEST_F(SchedulerTest, StartingExactlyOnASlotDoesNotFireIt) {
  // Slots are strictly after the start: a restart at 03:00:00 is no reason for a backup.
  Scheduler s = make();
  EXPECT_EQ(s.tick(at("2024-05-06T03:00:00Z"), false), Due{});
  EXPECT_EQ(s.tick(at("2024-05-06T04:00:00Z"), false), kIncr);
}

TEST_F(SchedulerTest, OnlyTheLargestOfSeveralDueRuns) {
  Scheduler s = make();
  EXPECT_EQ(s.tick(at("2024-05-05T01:30:00Z"), false), Due{});
  EXPECT_EQ(s.tick(at("2024-05-05T02:00:00Z"), false), kFull);
  EXPECT_EQ(s.tick(at("2024-05-05T02:00:01Z"), false), Due{});
  EXPECT_EQ(s.tick(at("2024-05-05T02:30:00Z"), false), Due{});
  EXPECT_EQ(s.tick(at("2024-05-05T03:00:00Z"), false), kIncr);
  // Monday: diff and incr due, diff runs.
  EXPECT_EQ(s.tick(at("2024-05-06T02:00:00Z"), false), kDiff);
  EXPECT_EQ(s.tick(at("2024-05-06T02:00:01Z"), false), Due{});
  for (BackupType t : kBackupTypes) EXPECT_FALSE(s.status(t, at("2024-05-06T02:00:01Z")).pending);
}

TEST_F(SchedulerTest, BusyKeepsItPendingUntilFree) {
  Scheduler s = make();
  s.tick(at("2024-05-06T02:30:00Z"), false);
  EXPECT_EQ(s.tick(at("2024-05-06T03:00:00Z"), true), Due{});
  EXPECT_TRUE(s.status(kIncr, at("2024-05-06T03:00:00Z")).pending);
  EXPECT_EQ(s.tick(at("2024-05-06T03:05:00Z"), true), Due{});
  EXPECT_EQ(s.tick(at("2024-05-06T03:10:00Z"), false), kIncr);
  EXPECT_FALSE(s.status(kIncr, at("2024-05-06T03:10:00Z")).pending);
  EXPECT_EQ(s.tick(at("2024-05-06T03:10:01Z"), false), Due{});
}

TEST_F(SchedulerTest, PendingSlotsCoalesce) {
  Scheduler s = make();
  s.tick(at("2024-05-06T02:30:00Z"), false);
  for (const char* t : {"2024-05-06T03:00:00Z", "2024-05-06T04:00:00Z", "2024-05-06T05:00:00Z"})
    EXPECT_EQ(s.tick(at(t), true), Due{});
  EXPECT_EQ(s.tick(at("2024-05-06T05:30:00Z"), false), kIncr);
  EXPECT_EQ(s.tick(at("2024-05-06T05:30:01Z"), false), Due{});
  EXPECT_EQ(s.tick(at("2024-05-06T05:59:59Z"), false), Due{});
  EXPECT_EQ(s.tick(at("2024-05-06T06:00:00Z"), false), kIncr);
}

TEST_F(SchedulerTest, LargestPendingRunsFirstWhenFree) {
  Scheduler s = make();
  s.tick(at("2024-05-05T01:30:00Z"), false);
  EXPECT_EQ(s.tick(at("2024-05-05T02:00:00Z"), true), Due{});
  EXPECT_EQ(s.tick(at("2024-05-05T02:20:00Z"), false), kFull);
  EXPECT_EQ(s.tick(at("2024-05-05T02:20:01Z"), false), Due{});
}

TEST_F(SchedulerTest, PendingSmallerThenLargerDue) {
  Scheduler s = make();
  s.tick(at("2024-05-06T01:30:00Z"), false);
  EXPECT_EQ(s.tick(at("2024-05-06T01:40:00Z"), true), Due{});
  EXPECT_EQ(s.tick(at("2024-05-06T02:00:00Z"), true), Due{});  // incr and diff pending
  EXPECT_EQ(s.tick(at("2024-05-06T02:10:00Z"), false), kDiff);
  EXPECT_EQ(s.tick(at("2024-05-06T02:10:01Z"), false), Due{});
}

TEST_F(SchedulerTest, PendingDroppedWhenSameTypeSucceeds) {
  Scheduler s = make();
  s.tick(at("2024-05-06T02:30:00Z"), false);
  EXPECT_EQ(s.tick(at("2024-05-06T03:00:00Z"), true), Due{});
  s.recordResult(kIncr, at("2024-05-06T03:20:00Z"), true, "job-api-1");
  EXPECT_EQ(s.tick(at("2024-05-06T03:20:01Z"), false), Due{});
}

TEST_F(SchedulerTest, PendingDroppedWhenLargerTypeSucceeds) {
  Scheduler s = make();
  s.tick(at("2024-05-06T02:30:00Z"), false);
  EXPECT_EQ(s.tick(at("2024-05-06T03:00:00Z"), true), Due{});
  s.recordResult(kFull, at("2024-05-06T03:20:00Z"), true, "job-1");
  EXPECT_EQ(s.tick(at("2024-05-06T03:20:01Z"), false), Due{});
}

TEST_F(SchedulerTest, PendingKeptWhenSmallerTypeSucceeds) {
  Scheduler s = make();
  s.tick(at("2024-05-06T01:30:00Z"), false);
  EXPECT_EQ(s.tick(at("2024-05-06T02:00:00Z"), true), Due{});
  s.recordResult(kIncr, at("2024-05-06T02:20:00Z"), true, "job-1");
  EXPECT_EQ(s.tick(at("2024-05-06T02:20:01Z"), false), kDiff);
}

TEST_F(SchedulerTest, PendingKeptWhenTheBackupFails) {
  Scheduler s = make();
  s.tick(at("2024-05-06T02:30:00Z"), false);
  EXPECT_EQ(s.tick(at("2024-05-06T03:00:00Z"), true), Due{});
  s.recordResult(kFull, at("2024-05-06T03:20:00Z"), false, "job-1");
  EXPECT_EQ(s.tick(at("2024-05-06T03:20:01Z"), false), kIncr);
}

TEST_F(SchedulerTest, PendingKeptWhenTheSuccessFinishedBeforeItsSlot) {
  Scheduler s = make();
  s.tick(at("2024-05-06T02:30:00Z"), false);
  EXPECT_EQ(s.tick(at("2024-05-06T03:00:00Z"), true), Due{});
  EXPECT_EQ(s.tick(at("2024-05-06T04:00:00Z"), true), Due{});
  // Reported late: this backup ended before the 04:00 slot, which still needs one.
  s.recordResult(kIncr, at("2024-05-06T03:30:00Z"), true, "job-1");
  EXPECT_EQ(s.tick(at("2024-05-06T04:05:00Z"), false), kIncr);
}

TEST_F(SchedulerTest, FailedRunIsNotRetriedBeforeItsNextSlot) {
  Scheduler s = make();
  s.tick(at("2024-05-06T02:30:00Z"), false);
  EXPECT_EQ(s.tick(at("2024-05-06T03:00:00Z"), false), kIncr);
  s.recordResult(kIncr, at("2024-05-06T03:01:00Z"), false, "job-1");
  EXPECT_EQ(s.tick(at("2024-05-06T03:30:00Z"), false), Due{});
  EXPECT_EQ(s.tick(at("2024-05-06T04:00:00Z"), false), kIncr);
}

TEST_F(SchedulerTest, DisabledTypeNeverRuns) {
  Scheduler s = make("", "0 2 * * *", "");
  s.tick(at("2024-05-05T00:00:00Z"), false);
  EXPECT_EQ(s.tick(at("2024-05-05T01:00:00Z"), false), Due{});
  EXPECT_EQ(s.tick(at("2024-05-05T02:00:00Z"), false), kDiff);
  const ScheduleStatus full = s.status(kFull, at("2024-05-20T00:00:00Z"));
  EXPECT_FALSE(full.enabled);
  EXPECT_EQ(full.expression, "");
  EXPECT_EQ(full.next_run, std::nullopt);
  EXPECT_FALSE(full.overdue);
}

TEST_F(SchedulerTest, ImpossibleExpressionNeverRunsNorIsOverdue) {
  Scheduler s = make("0 0 30 2 *", "", "");
  s.tick(at("2024-01-01T00:00:00Z"), false);
  EXPECT_EQ(s.tick(at("2024-03-01T00:00:00Z"), false), Due{});
  const ScheduleStatus full = s.status(kFull, at("2030-01-01T00:00:00Z"));
  EXPECT_TRUE(full.enabled);
  EXPECT_EQ(full.next_run, std::nullopt);
  EXPECT_FALSE(full.overdue);
}

TEST_F(SchedulerTest, ResultsOfEveryTriggerFeedTheStatus) {
  Scheduler s = make();
  s.tick(at("2024-05-06T02:30:00Z"), false);
  ScheduleStatus full = s.status(kFull, at("2024-05-06T02:30:00Z"));
  EXPECT_EQ(full.last_result, ScheduleResult::kNone);
  EXPECT_EQ(full.last_run, std::nullopt);
  EXPECT_EQ(full.last_job_id, "");

  s.recordResult(kFull, at("2024-05-06T02:40:00Z"), true, "job-startup");
  full = s.status(kFull, at("2024-05-06T02:45:00Z"));
  EXPECT_EQ(show(full.last_run), "2024-05-06T02:40:00Z");
  EXPECT_EQ(full.last_result, ScheduleResult::kSucceeded);
  EXPECT_EQ(show(full.last_success), "2024-05-06T02:40:00Z");
  EXPECT_EQ(full.last_job_id, "job-startup");

  s.recordResult(kFull, at("2024-05-06T05:00:00Z"), false, "job-api");
  full = s.status(kFull, at("2024-05-06T05:00:00Z"));
  EXPECT_EQ(show(full.last_run), "2024-05-06T05:00:00Z");
  EXPECT_EQ(full.last_result, ScheduleResult::kFailed);
  EXPECT_EQ(show(full.last_success), "2024-05-06T02:40:00Z");
  EXPECT_EQ(full.last_job_id, "job-api");
  // Other types' own records are untouched.
  EXPECT_EQ(s.status(kIncr, at("2024-05-06T05:00:00Z")).last_result, ScheduleResult::kNone);
}

TEST_F(SchedulerTest, NextRunInStatus) {
  Scheduler s = make();
  // Before the first tick it is computed from the time asked.
  EXPECT_EQ(show(s.status(kIncr, at("2024-05-06T02:30:00Z")).next_run), "2024-05-06T03:00:00Z");
  s.tick(at("2024-05-06T03:00:00Z"), false);
  EXPECT_EQ(s.tick(at("2024-05-06T04:00:00Z"), false), kIncr);
  const std::vector<ScheduleStatus> all = s.status(at("2024-05-06T04:00:00Z"));
  ASSERT_EQ(all.size(), 3U);
  EXPECT_EQ(all[0].type, kFull);
  EXPECT_EQ(show(all[0].next_run), "2024-05-12T02:00:00Z");
  EXPECT_EQ(all[1].type, kDiff);
  EXPECT_EQ(show(all[1].next_run), "2024-05-07T02:00:00Z");
  EXPECT_EQ(all[2].type, kIncr);
  EXPECT_EQ(show(all[2].next_run), "2024-05-06T05:00:00Z");
}

TEST_F(SchedulerTest, OverdueAfterTwoSlotsWithoutSuccess) {
  Scheduler s = make("", "", "0 * * * *");
  s.tick(at("2024-05-06T09:30:00Z"), false);  // first start, never a success
  EXPECT_FALSE(s.status(kIncr, at("2024-05-06T10:59:59Z")).overdue);  // one slot: may be running
  EXPECT_TRUE(s.status(kIncr, at("2024-05-06T11:00:00Z")).overdue);
  s.recordResult(kIncr, at("2024-05-06T11:05:00Z"), true, "job-1");
  EXPECT_FALSE(s.status(kIncr, at("2024-05-06T12:30:00Z")).overdue);
  EXPECT_TRUE(s.status(kIncr, at("2024-05-06T13:00:00Z")).overdue);
  s.recordResult(kIncr, at("2024-05-06T13:10:00Z"), false, "job-2");
  EXPECT_TRUE(s.status(kIncr, at("2024-05-06T13:20:00Z")).overdue);
}

TEST_F(SchedulerTest, LargerSuccessCountsAgainstOverdue) {
  Scheduler s = make();
  s.tick(at("2024-05-06T09:30:00Z"), false);
  s.recordResult(kFull, at("2024-05-06T12:30:00Z"), true, "job-1");
  EXPECT_FALSE(s.status(kIncr, at("2024-05-06T13:30:00Z")).overdue);
  EXPECT_FALSE(s.status(kDiff, at("2024-05-07T03:00:00Z")).overdue);
  // A smaller success does not keep a larger type from being overdue.
  s.recordResult(kIncr, at("2024-05-20T00:00:00Z"), true, "job-2");
  EXPECT_TRUE(s.status(kFull, at("2024-05-20T00:00:00Z")).overdue);
  EXPECT_TRUE(s.status(kDiff, at("2024-05-20T00:00:00Z")).overdue);
  EXPECT_FALSE(s.status(kIncr, at("2024-05-20T00:30:00Z")).overdue);
}

TEST_F(SchedulerTest, StatusJson) {
  Scheduler s = make();
  s.tick(at("2024-05-06T03:30:00Z"), false);
  s.recordResult(kIncr, at("2024-05-06T03:40:00Z"), true, "job-7");
  const nlohmann::json all = toJson(s.status(at("2024-05-06T03:45:00Z")));
  ASSERT_TRUE(all.is_array());
  ASSERT_EQ(all.size(), 3U);
  EXPECT_EQ(all[2], nlohmann::json::parse(R"({
    "type": "incr", "expression": "0 * * * *", "enabled": true,
    "next_run": "2024-05-06T04:00:00Z", "last_run": "2024-05-06T03:40:00Z",
    "last_result": "succeeded", "last_success": "2024-05-06T03:40:00Z",
    "last_job_id": "job-7", "pending": false, "overdue": false})"));
  EXPECT_EQ(all[0]["type"], "full");
  EXPECT_EQ(all[0]["last_run"], nullptr);
  EXPECT_TRUE(all[0]["last_result"].is_null());
  EXPECT_EQ(all[0]["last_job_id"], nullptr);
  EXPECT_EQ(all[0]["next_run"], "2024-05-12T02:00:00Z");
}

// Restarts: state saved by one scheduler, loaded by the next.
TEST_F(SchedulerTest, MissedRunsCaughtUpOnceAtStart) {
  nlohmann::json saved;
  {
    Scheduler before = make();
    before.tick(at("2024-05-06T02:30:00Z"), false);
    EXPECT_EQ(before.tick(at("2024-05-06T03:00:00Z"), false), kIncr);
    before.recordResult(kIncr, at("2024-05-06T03:05:00Z"), true, "job-1");
    saved = before.saveState();
  }
  Scheduler after = make();
  after.loadState(saved);
  // Down from 03:05 to 07:30: four incr slots missed, one run.
  EXPECT_EQ(after.tick(at("2024-05-06T07:30:00Z"), false), kIncr);
  EXPECT_EQ(after.tick(at("2024-05-06T07:30:01Z"), false), Due{});
  EXPECT_EQ(after.tick(at("2024-05-06T07:59:59Z"), false), Due{});
  EXPECT_EQ(after.tick(at("2024-05-06T08:00:00Z"), false), kIncr);
}

TEST_F(SchedulerTest, CatchUpRunsOnlyTheLargest) {
  Scheduler before = make();
  before.tick(at("2024-05-04T23:00:00Z"), false);
  const nlohmann::json saved = before.saveState();
  Scheduler after = make();
  after.loadState(saved);
  EXPECT_EQ(after.tick(at("2024-05-05T05:00:00Z"), false), kFull);  // full, diff, incr missed
  EXPECT_EQ(after.tick(at("2024-05-05T05:00:01Z"), false), Due{});
  EXPECT_EQ(after.tick(at("2024-05-05T06:00:00Z"), false), kIncr);
}

TEST_F(SchedulerTest, CatchUpWaitsForAFreeRepository) {
  Scheduler before = make();
  before.tick(at("2024-05-06T03:30:00Z"), false);
  const nlohmann::json saved = before.saveState();
  Scheduler after = make();
  after.loadState(saved);
  EXPECT_EQ(after.tick(at("2024-05-06T05:30:00Z"), true), Due{});
  EXPECT_EQ(after.tick(at("2024-05-06T05:40:00Z"), false), kIncr);
}

TEST_F(SchedulerTest, NoCatchUpWithoutSavedState) {
  Scheduler s = make();
  EXPECT_EQ(s.tick(at("2024-05-06T07:30:00Z"), false), Due{});
}

TEST_F(SchedulerTest, NoCatchUpWhenNothingWasMissed) {
  Scheduler before = make();
  before.tick(at("2024-05-06T02:30:00Z"), false);
  EXPECT_EQ(before.tick(at("2024-05-06T03:00:00Z"), false), kIncr);
  const nlohmann::json saved = before.saveState();
  Scheduler after = make();
  after.loadState(saved);
  EXPECT_EQ(after.tick(at("2024-05-06T03:59:59Z"), false), Due{});
  EXPECT_EQ(after.tick(at("2024-05-06T04:00:00Z"), false), kIncr);
}

TEST_F(SchedulerTest, NoCatchUpWhenTheExpressionChanged) {
  Scheduler before = make();
  before.tick(at("2024-05-06T03:30:00Z"), false);
  const nlohmann::json saved = before.saveState();
  Scheduler after = make("0 2 * * 0", "0 2 * * *", "30 * * * *");
  after.loadState(saved);
  EXPECT_EQ(after.tick(at("2024-05-06T07:45:00Z"), false), Due{});
  EXPECT_EQ(after.tick(at("2024-05-06T08:30:00Z"), false), kIncr);
}

TEST_F(SchedulerTest, NoCatchUpWhenALargerBackupSucceededSince) {
  Scheduler before = make();
  before.tick(at("2024-05-06T03:30:00Z"), false);
  const nlohmann::json saved = before.saveState();
  Scheduler after = make();
  after.loadState(saved);
  // A start-up full backup finished before the scheduler's first tick.
  after.recordResult(kFull, at("2024-05-06T07:20:00Z"), true, "job-startup");
  EXPECT_EQ(after.tick(at("2024-05-06T07:30:00Z"), false), Due{});
}

TEST_F(SchedulerTest, PendingSurvivesARestart) {
  Scheduler before = make();
  before.tick(at("2024-05-06T02:30:00Z"), false);
  EXPECT_EQ(before.tick(at("2024-05-06T03:00:00Z"), true), Due{});
  const nlohmann::json saved = before.saveState();
  Scheduler after = make();
  after.loadState(saved);
  EXPECT_EQ(after.tick(at("2024-05-06T03:10:00Z"), false), kIncr);
}

TEST_F(SchedulerTest, OverdueCountsFromTheFirstStartEver) {
  Scheduler before = make("", "", "0 * * * *");
  before.tick(at("2024-05-06T09:30:00Z"), false);
  const nlohmann::json saved = before.saveState();
  Scheduler after = make("", "", "0 * * * *");
  after.loadState(saved);
  after.tick(at("2024-05-06T10:30:00Z"), false);
  // Only one slot since this start, but two since the first.
  EXPECT_TRUE(after.status(kIncr, at("2024-05-06T11:00:00Z")).overdue);
}

TEST_F(SchedulerTest, StateRoundTrip) {
  Scheduler before = make();
  before.tick(at("2024-05-06T02:30:00Z"), false);
  before.recordResult(kFull, at("2024-05-05T02:40:00Z"), true, "job-1");
  before.recordResult(kDiff, at("2024-05-06T02:20:00Z"), false, "job-2");
  before.recordResult(kIncr, at("2024-05-06T02:25:00.250Z"), true, "job-3");
  Scheduler after = make();
  after.loadState(nlohmann::json::parse(before.saveState().dump()));
  const WallTime now = at("2024-05-06T02:50:00Z");
  for (BackupType t : kBackupTypes) {
    EXPECT_EQ(toJson(after.status(t, now)), toJson(before.status(t, now))) << toString(t);
  }
  EXPECT_EQ(after.status(kIncr, now).last_success, at("2024-05-06T02:25:00.250Z"));
  EXPECT_EQ(after.saveState(), before.saveState());
}

TEST_F(SchedulerTest, CorruptOrForeignStateIsIgnored) {
  const WallTime now = at("2024-05-06T02:50:00Z");
  const Scheduler pristine = make();
  for (const char* text :
       {"null", "[]", "\"state\"", "42", "{}", R"({"version": 2, "full": {"last_job_id": "x"}})",
        R"({"version": "1", "full": {"last_job_id": "x"}})",
        R"({"version": 1, "first_started": 5, "full": 5, "diff": [], "incr": "x"})",
        R"({"version": 1, "full": {"last_run": 7, "last_success": "yesterday",
               "last_result": "maybe", "handled_through": [], "pending_slot": {},
               "expression": 3, "last_job_id": false}})",
        R"({"jobs": [{"id": "1", "state": "running"}]})"}) {
    Scheduler s = make();
    EXPECT_NO_THROW(s.loadState(nlohmann::json::parse(text))) << text;
    EXPECT_EQ(s.tick(at("2024-05-06T02:30:00Z"), false), Due{}) << text;
    for (BackupType t : kBackupTypes)
      EXPECT_EQ(toJson(s.status(t, now)), toJson(pristine.status(t, now))) << text;
  }
}

TEST_F(SchedulerTest, GoodPartsOfAPartlyBadStateAreKept) {
  Scheduler s = make();
  s.loadState(nlohmann::json::parse(R"({"version": 1,
      "full": {"last_run": "2024-05-05T02:40:00Z", "last_result": 3, "last_job_id": "job-9"},
      "diff": "garbage"})"));
  const ScheduleStatus full = s.status(kFull, at("2024-05-06T00:00:00Z"));
  EXPECT_EQ(show(full.last_run), "2024-05-05T02:40:00Z");
  EXPECT_EQ(full.last_result, ScheduleResult::kNone);
  EXPECT_EQ(full.last_job_id, "job-9");
}

}  // namespace
}  // namespace pgbr
