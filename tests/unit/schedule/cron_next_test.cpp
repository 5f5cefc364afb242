#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "supervisor/schedule/cron.h"
#include "tests/unit/schedule/tz_env.h"

namespace pgbr {
namespace {

using testing::at;
using testing::haveZone;
using testing::ScopedTz;
using testing::show;

CronExpr cron(const char* text) {
  std::string error;
  std::optional<CronExpr> e = CronExpr::parse(text, &error);
  EXPECT_TRUE(e.has_value()) << text << ": " << error;
  return e.value_or(*CronExpr::parse("* * * * *", nullptr));
}

// The next `count` firings after `after`, as RFC 3339 UTC.
std::vector<std::string> firings(const char* text, const char* after, int count,
                                 const TimeZone& tz) {
  const CronExpr e = cron(text);
  std::vector<std::string> out;
  std::optional<WallTime> t = at(after);
  for (int i = 0; i < count && t; ++i) {
    t = e.next(*t, tz);
    out.push_back(show(t));
  }
  return out;
}

using S = std::vector<std::string>;

class CronNextUtc : public ::testing::Test {
 protected:
  UtcTimeZone utc_;
};

TEST_F(CronNextUtc, StrictlyAfter) {
  EXPECT_EQ(firings("0 0 * * *", "2024-05-06T00:00:00Z", 1, utc_), S{"2024-05-07T00:00:00Z"});
  EXPECT_EQ(firings("0 0 * * *", "2024-05-05T23:59:59.999Z", 1, utc_), S{"2024-05-06T00:00:00Z"});
  EXPECT_EQ(firings("* * * * *", "2024-05-06T10:00:30Z", 2, utc_),
            (S{"2024-05-06T10:01:00Z", "2024-05-06T10:02:00Z"}));
}

TEST_F(CronNextUtc, Macros) {
  const char* after = "2024-05-05T10:00:00Z";  // a Sunday
  EXPECT_EQ(firings("@yearly", after, 1, utc_), S{"2025-01-01T00:00:00Z"});
  EXPECT_EQ(firings("@annually", after, 1, utc_), S{"2025-01-01T00:00:00Z"});
  EXPECT_EQ(firings("@monthly", after, 1, utc_), S{"2024-06-01T00:00:00Z"});
  EXPECT_EQ(firings("@weekly", after, 2, utc_),
            (S{"2024-05-12T00:00:00Z", "2024-05-19T00:00:00Z"}));
  EXPECT_EQ(firings("@daily", after, 1, utc_), S{"2024-05-06T00:00:00Z"});
  EXPECT_EQ(firings("@midnight", after, 1, utc_), S{"2024-05-06T00:00:00Z"});
  EXPECT_EQ(firings("@DAILY", after, 1, utc_), S{"2024-05-06T00:00:00Z"});
  EXPECT_EQ(firings("@hourly", after, 2, utc_),
            (S{"2024-05-05T11:00:00Z", "2024-05-05T12:00:00Z"}));
}

TEST_F(CronNextUtc, StepsRangesAndNames) {
  EXPECT_EQ(firings("*/20 9-10 * * MON-FRI", "2024-05-03T10:30:00Z", 4, utc_),
            (S{"2024-05-03T10:40:00Z", "2024-05-06T09:00:00Z", "2024-05-06T09:20:00Z",
               "2024-05-06T09:40:00Z"}));
  EXPECT_EQ(firings("30 4 1 jan,jul *", "2024-05-03T10:30:00Z", 2, utc_),
            (S{"2024-07-01T04:30:00Z", "2025-01-01T04:30:00Z"}));
}

TEST_F(CronNextUtc, EitherDayFieldWhenBothRestricted) {
  // The 13th or any Friday; September 2024 starts on a Sunday.
  EXPECT_EQ(firings("0 0 13 * 5", "2024-09-01T00:00:00Z", 9, utc_),
            (S{"2024-09-06T00:00:00Z", "2024-09-13T00:00:00Z", "2024-09-20T00:00:00Z",
               "2024-09-27T00:00:00Z", "2024-10-04T00:00:00Z", "2024-10-11T00:00:00Z",
               "2024-10-13T00:00:00Z", "2024-10-18T00:00:00Z", "2024-10-25T00:00:00Z"}));
  EXPECT_EQ(firings("0 0 1 * MON", "2024-09-01T00:00:00Z", 3, utc_),
            (S{"2024-09-02T00:00:00Z", "2024-09-09T00:00:00Z", "2024-09-16T00:00:00Z"}));
}

TEST_F(CronNextUtc, BothDayFieldsWhenOneStartsWithStar) {
  EXPECT_EQ(firings("0 0 * * 5", "2024-09-01T00:00:00Z", 2, utc_),
            (S{"2024-09-06T00:00:00Z", "2024-09-13T00:00:00Z"}));
  EXPECT_EQ(firings("0 0 13 * *", "2024-09-01T00:00:00Z", 2, utc_),
            (S{"2024-09-13T00:00:00Z", "2024-10-13T00:00:00Z"}));
  // "*/2" starts with '*': odd days that are also Fridays.
  EXPECT_EQ(firings("0 0 */2 * 5", "2024-09-01T00:00:00Z", 3, utc_),
            (S{"2024-09-13T00:00:00Z", "2024-09-27T00:00:00Z", "2024-10-11T00:00:00Z"}));
  EXPECT_EQ(firings("0 0 13 * *", "2024-09-01T00:00:00Z", 1, utc_),
            firings("0 0 13 * */1", "2024-09-01T00:00:00Z", 1, utc_));
}

TEST_F(CronNextUtc, ThirtyFirstOnlyInLongMonths) {
  EXPECT_EQ(firings("0 0 31 * *", "2024-01-01T00:00:00Z", 8, utc_),
            (S{"2024-01-31T00:00:00Z", "2024-03-31T00:00:00Z", "2024-05-31T00:00:00Z",
               "2024-07-31T00:00:00Z", "2024-08-31T00:00:00Z", "2024-10-31T00:00:00Z",
               "2024-12-31T00:00:00Z", "2025-01-31T00:00:00Z"}));
  EXPECT_EQ(firings("0 0 30 * *", "2024-01-31T00:00:00Z", 2, utc_),
            (S{"2024-03-30T00:00:00Z", "2024-04-30T00:00:00Z"}));
}

TEST_F(CronNextUtc, FebruaryTwentyNinthJumpsYears) {
  EXPECT_EQ(firings("0 0 29 2 *", "2024-03-01T00:00:00Z", 2, utc_),
            (S{"2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"}));
  // 2100 is not a leap year: eight years to wait.
  EXPECT_EQ(firings("0 0 29 2 *", "2096-02-29T00:00:00Z", 1, utc_), S{"2104-02-29T00:00:00Z"});
  EXPECT_EQ(firings("0 12 29 feb *", "2024-02-28T23:00:00Z", 1, utc_), S{"2024-02-29T12:00:00Z"});
}

TEST_F(CronNextUtc, ImpossibleDatesNeverMatch) {
  EXPECT_EQ(cron("0 0 30 2 *").next(at("2024-01-01T00:00:00Z"), utc_), std::nullopt);
  EXPECT_EQ(cron("0 0 31 2 *").next(at("2024-01-01T00:00:00Z"), utc_), std::nullopt);
  EXPECT_EQ(cron("0 0 31 4,6,9,11 *").next(at("2024-01-01T00:00:00Z"), utc_), std::nullopt);
  // With a weekday too, either field may match, so a Monday in February does.
  EXPECT_EQ(firings("0 0 30 2 1", "2024-01-01T00:00:00Z", 1, utc_), S{"2024-02-05T00:00:00Z"});
}

TEST_F(CronNextUtc, NothingPastTheEndOfWallTime) {
  EXPECT_EQ(firings("0 0 29 2 *", "2256-01-01T00:00:00Z", 2, utc_),
            (S{"2256-02-29T00:00:00Z", "2260-02-29T00:00:00Z"}));
  EXPECT_EQ(cron("0 0 29 2 *").next(at("2260-03-01T00:00:00Z"), utc_), std::nullopt);
  EXPECT_EQ(cron("* * * * *").next(at("2261-12-31T23:59:00Z"), utc_), std::nullopt);
}

TEST_F(CronNextUtc, EndOfYearRollsOver) {
  EXPECT_EQ(firings("59 23 31 12 *", "2024-12-31T23:59:00Z", 1, utc_), S{"2025-12-31T23:59:00Z"});
  EXPECT_EQ(firings("* * * * *", "2024-12-31T23:59:00Z", 1, utc_), S{"2025-01-01T00:00:00Z"});
}

TEST_F(CronNextUtc, AgreesWithMinuteByMinuteMatching) {
  // The field-skipping search must find exactly the minutes a plain scan finds.
  for (const char* text : {"*/7 */5 * * *", "0 0 13 * 5", "15 3 */3 jan,jun sun", "0 0 31 * *"}) {
    const CronExpr e = cron(text);
    WallTime t = at("2024-01-01T00:00:00Z");
    const WallTime end = at("2024-07-01T00:00:00Z");
    std::optional<WallTime> expected;
    for (WallTime probe = t + std::chrono::minutes(1); probe < end && !expected;
         probe += std::chrono::minutes(1)) {
      if (e.matches(utc_.toLocal(probe))) expected = probe;
    }
    EXPECT_EQ(show(e.next(t, utc_)), show(expected)) << text;
  }
}

// DST: fixed-time jobs fire once a day; wall-clock jobs follow the clock as it reads.
class CronNextNewYork : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!haveZone("America/New_York")) GTEST_SKIP() << "no tzdata in /usr/share/zoneinfo";
    tz_.emplace("America/New_York");
    zone_.emplace();
    ASSERT_EQ(zone_->toLocal(at("2024-01-15T12:00:00Z")).hour, 7) << "TZ not in effect";
  }
  std::optional<ScopedTz> tz_;
  std::optional<SystemTimeZone> zone_;
};

TEST_F(CronNextNewYork, SkippedFixedTimeFiresRightAfterTheGap) {
  // 2024-03-10: 02:00 EST jumped to 03:00 EDT at 07:00Z.
  EXPECT_EQ(firings("30 2 * * *", "2024-03-09T12:00:00Z", 2, *zone_),
            (S{"2024-03-10T07:00:00Z", "2024-03-11T06:30:00Z"}));
  EXPECT_EQ(firings("0 2 * * *", "2024-03-09T12:00:00Z", 2, *zone_),
            (S{"2024-03-10T07:00:00Z", "2024-03-11T06:00:00Z"}));
  // Two skipped readings still give one firing.
  EXPECT_EQ(firings("0,30 2 * * *", "2024-03-09T12:00:00Z", 3, *zone_),
            (S{"2024-03-10T07:00:00Z", "2024-03-11T06:00:00Z", "2024-03-11T06:30:00Z"}));
}

TEST_F(CronNextNewYork, RepeatedFixedTimeFiresOnce) {
  // 2024-11-03: 02:00 EDT fell back to 01:00 EST at 06:00Z; 01:30 reads twice.
  EXPECT_EQ(firings("30 1 * * *", "2024-11-02T12:00:00Z", 2, *zone_),
            (S{"2024-11-03T05:30:00Z", "2024-11-04T06:30:00Z"}));
  // Asked during the second 01:00 hour, the 01:30 of that day has already been.
  EXPECT_EQ(firings("30 1 * * *", "2024-11-03T06:10:00Z", 1, *zone_), S{"2024-11-04T06:30:00Z"});
}

TEST_F(CronNextNewYork, WallClockJobsSkipTheGap) {
  EXPECT_EQ(firings("30 * * * *", "2024-03-10T06:00:00Z", 2, *zone_),
            (S{"2024-03-10T06:30:00Z", "2024-03-10T07:30:00Z"}));
  EXPECT_EQ(firings("* 2 * * *", "2024-03-10T06:59:00Z", 1, *zone_), S{"2024-03-11T06:00:00Z"});
}

TEST_F(CronNextNewYork, WallClockJobsRepeatInTheFallBack) {
  EXPECT_EQ(firings("30 * * * *", "2024-11-03T05:00:00Z", 3, *zone_),
            (S{"2024-11-03T05:30:00Z", "2024-11-03T06:30:00Z", "2024-11-03T07:30:00Z"}));
  // At 01:50 EDT the next firing reads 01:00 again (EST), earlier on the clock than now.
  EXPECT_EQ(firings("*/15 * * * *", "2024-11-03T05:50:00Z", 2, *zone_),
            (S{"2024-11-03T06:00:00Z", "2024-11-03T06:15:00Z"}));
  EXPECT_EQ(firings("*/15 * * * *", "2024-11-03T05:20:00Z", 1, *zone_), S{"2024-11-03T05:30:00Z"});
}

TEST_F(CronNextNewYork, HourlyFiresEveryRealHourThroughBothChanges) {
  for (const char* start : {"2024-03-10T05:00:00Z", "2024-11-03T04:00:00Z"}) {
    const CronExpr hourly = cron("@hourly");
    WallTime t = at(start);
    for (int i = 0; i < 30; ++i) {
      std::optional<WallTime> n = hourly.next(t, *zone_);
      ASSERT_TRUE(n);
      EXPECT_EQ(*n - t, std::chrono::hours(1)) << show(t);
      t = *n;
    }
  }
}

TEST_F(CronNextNewYork, DailyFiresOncePerDayForAYear) {
  for (const char* text : {"0 2 * * *", "30 1 * * *", "0 0 * * *"}) {
    const CronExpr e = cron(text);
    std::set<int64_t> days;
    int count = 0;
    WallTime t = at("2024-01-01T04:59:00Z");  // 2023-12-31 23:59 EST
    while (true) {
      std::optional<WallTime> n = e.next(t, *zone_);
      ASSERT_TRUE(n);
      const LocalTime l = zone_->toLocal(*n);
      if (l.year != 2024) break;
      days.insert(localSeconds({l.year, l.month, l.day, 0, 0, 0}));
      ++count;
      t = *n;
    }
    EXPECT_EQ(count, 366) << text;
    EXPECT_EQ(days.size(), 366U) << text;
  }
}

class CronNextBerlin : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!haveZone("Europe/Berlin")) GTEST_SKIP() << "no tzdata in /usr/share/zoneinfo";
    tz_.emplace("Europe/Berlin");
    zone_.emplace();
    ASSERT_EQ(zone_->toLocal(at("2024-01-15T12:00:00Z")).hour, 13) << "TZ not in effect";
  }
  std::optional<ScopedTz> tz_;
  std::optional<SystemTimeZone> zone_;
};

TEST_F(CronNextBerlin, GapAndRepeat) {
  // 2024-03-31: 02:00 CET jumped to 03:00 CEST at 01:00Z.
  EXPECT_EQ(firings("30 2 * * *", "2024-03-30T12:00:00Z", 2, *zone_),
            (S{"2024-03-31T01:00:00Z", "2024-04-01T00:30:00Z"}));
  EXPECT_EQ(firings("30 * * * *", "2024-03-31T00:00:00Z", 2, *zone_),
            (S{"2024-03-31T00:30:00Z", "2024-03-31T01:30:00Z"}));
  // 2024-10-27: 03:00 CEST fell back to 02:00 CET at 01:00Z; 02:30 reads twice.
  EXPECT_EQ(firings("30 2 * * *", "2024-10-26T12:00:00Z", 2, *zone_),
            (S{"2024-10-27T00:30:00Z", "2024-10-28T01:30:00Z"}));
  EXPECT_EQ(firings("*/30 * * * *", "2024-10-27T00:45:00Z", 3, *zone_),
            (S{"2024-10-27T01:00:00Z", "2024-10-27T01:30:00Z", "2024-10-27T02:00:00Z"}));
}

TEST(CronNextTz, ScopedTzRestores) {
  if (!haveZone("Europe/Berlin")) GTEST_SKIP() << "no tzdata in /usr/share/zoneinfo";
  const char* before = std::getenv("TZ");
  const std::string saved = before ? before : "<unset>";
  { ScopedTz tz("Europe/Berlin"); }
  const char* after = std::getenv("TZ");
  EXPECT_EQ(after ? after : "<unset>", saved);
}

}  // namespace
}  // namespace pgbr
