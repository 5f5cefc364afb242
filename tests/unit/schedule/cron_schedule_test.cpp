// The drill's schedule (supervisor/schedule/cron_schedule.h), one rule per test, with chosen times.
#include "supervisor/schedule/cron_schedule.h"

#include <gtest/gtest.h>

#include "tests/unit/schedule/tz_env.h"

namespace pgbr {
namespace {

using testing::at;

std::optional<CronExpr> cron(const char* text) {
  std::string error;
  return CronExpr::parse(text, &error);
}

class CronScheduleTest : public ::testing::Test {
 protected:
  UtcTimeZone utc_;
};

// 2024-05-05 is a Sunday; the default "30 4 * * 0" fires at 04:30 on Sundays.
TEST_F(CronScheduleTest, DueAtTheSlotNotBefore) {
  CronSchedule s(cron("30 4 * * 0"), utc_);
  EXPECT_FALSE(s.tick(at("2024-05-05T04:00:00Z"), false));
  EXPECT_FALSE(s.tick(at("2024-05-05T04:29:59Z"), false));
  EXPECT_TRUE(s.tick(at("2024-05-05T04:30:00Z"), false));
  EXPECT_FALSE(s.tick(at("2024-05-05T04:30:01Z"), false));
  EXPECT_EQ(s.nextRun(), at("2024-05-12T04:30:00Z"));
}

TEST_F(CronScheduleTest, BusyKeepsItPendingOnceUntilFree) {
  CronSchedule s(cron("30 4 * * *"), utc_);
  EXPECT_FALSE(s.tick(at("2024-05-05T04:00:00Z"), false));
  EXPECT_FALSE(s.tick(at("2024-05-05T04:30:00Z"), true));
  EXPECT_TRUE(s.pending());
  EXPECT_FALSE(s.tick(at("2024-05-06T04:30:00Z"), true));  // another slot: still one pending
  EXPECT_TRUE(s.tick(at("2024-05-06T05:00:00Z"), false));
  EXPECT_FALSE(s.tick(at("2024-05-06T05:00:01Z"), false));
}

TEST_F(CronScheduleTest, AnyDrillAfterThePendingSlotSatisfiesIt) {
  CronSchedule s(cron("30 4 * * *"), utc_);
  s.tick(at("2024-05-05T04:00:00Z"), false);
  EXPECT_FALSE(s.tick(at("2024-05-05T04:30:00Z"), true));
  s.recordRun(at("2024-05-05T04:40:00Z"));  // a drill through the API finished
  EXPECT_FALSE(s.pending());
  EXPECT_FALSE(s.tick(at("2024-05-05T05:00:00Z"), false));
}

TEST_F(CronScheduleTest, MissedWhileDownRunsOnceAtStart) {
  CronSchedule first(cron("30 4 * * *"), utc_);
  first.tick(at("2024-05-05T04:00:00Z"), false);
  const nlohmann::json saved = first.saveState();
  CronSchedule later(cron("30 4 * * *"), utc_);
  later.loadState(saved);
  EXPECT_TRUE(later.tick(at("2024-05-08T09:00:00Z"), false));  // three slots missed: one drill
  EXPECT_FALSE(later.tick(at("2024-05-08T09:00:01Z"), false));
}

TEST_F(CronScheduleTest, NoCatchUpAfterADrillOrForAnotherExpression) {
  CronSchedule first(cron("30 4 * * *"), utc_);
  first.tick(at("2024-05-05T04:00:00Z"), false);
  first.recordRun(at("2024-05-05T06:00:00Z"));
  CronSchedule ran(cron("30 4 * * *"), utc_);
  ran.loadState(first.saveState());
  EXPECT_FALSE(ran.tick(at("2024-05-05T07:00:00Z"), false));  // the slot after 04:00 ran

  CronSchedule changed(cron("0 3 * * *"), utc_);
  changed.loadState(first.saveState());
  EXPECT_FALSE(changed.tick(at("2024-05-09T07:00:00Z"), false));
}

TEST_F(CronScheduleTest, WithoutExpressionNeverDue) {
  CronSchedule s(std::nullopt, utc_);
  EXPECT_FALSE(s.tick(at("2024-05-05T04:30:00Z"), false));
  EXPECT_FALSE(s.status()["enabled"].get<bool>());
  EXPECT_TRUE(s.status()["next_run"].is_null());
}

TEST_F(CronScheduleTest, StatusShowsNextRunAndPending) {
  CronSchedule s(cron("30 4 * * 0"), utc_);
  s.tick(at("2024-05-05T04:00:00Z"), false);
  s.tick(at("2024-05-05T04:30:00Z"), true);
  const nlohmann::json st = s.status();
  EXPECT_EQ(st["expression"], "30 4 * * 0");
  EXPECT_EQ(st["next_run"], "2024-05-12T04:30:00Z");
  EXPECT_TRUE(st["pending"].get<bool>());
}

}  // namespace
}  // namespace pgbr
