#include "supervisor/schedule/time_zone.h"

#include <gtest/gtest.h>

#include "tests/unit/schedule/tz_env.h"

namespace pgbr {
namespace {

using testing::at;
using testing::haveZone;
using testing::ScopedTz;
using testing::show;

TEST(Calendar, LeapYears) {
  EXPECT_TRUE(isLeapYear(2024));
  EXPECT_FALSE(isLeapYear(2023));
  EXPECT_FALSE(isLeapYear(2100));
  EXPECT_TRUE(isLeapYear(2000));
  EXPECT_EQ(daysInMonth(2024, 2), 29);
  EXPECT_EQ(daysInMonth(2100, 2), 28);
  EXPECT_EQ(daysInMonth(2023, 4), 30);
  EXPECT_EQ(daysInMonth(2023, 12), 31);
}

TEST(Calendar, Weekdays) {
  EXPECT_EQ(weekday(1970, 1, 1), 4);  // Thursday
  EXPECT_EQ(weekday(2024, 1, 1), 1);  // Monday
  EXPECT_EQ(weekday(2024, 1, 7), 0);  // Sunday
  EXPECT_EQ(weekday(2000, 2, 29), 2);
  EXPECT_EQ(weekday(1969, 12, 31), 3);
}

TEST(Calendar, LocalSecondsRoundTrip) {
  for (LocalTime l : {LocalTime{1970, 1, 1, 0, 0, 0}, LocalTime{1969, 12, 31, 23, 59, 59},
                      LocalTime{2024, 2, 29, 12, 34, 56}, LocalTime{2100, 3, 1, 0, 0, 0},
                      LocalTime{1900, 1, 1, 0, 0, 1}, LocalTime{2399, 12, 31, 23, 59, 0}}) {
    EXPECT_EQ(localFromSeconds(localSeconds(l)), l) << l.year << "-" << l.month << "-" << l.day;
  }
  EXPECT_EQ(localSeconds({1970, 1, 2, 0, 0, 0}), 86400);
  EXPECT_EQ(localSeconds({1969, 12, 31, 23, 59, 59}), -1);
}

TEST(UtcTimeZone, ReadsUtc) {
  UtcTimeZone utc;
  EXPECT_EQ(utc.toLocal(at("2024-05-06T07:08:09.900Z")), (LocalTime{2024, 5, 6, 7, 8, 9}));
  LocalInstants r = utc.fromLocal({2024, 5, 6, 7, 8, 0});
  EXPECT_EQ(r.kind, LocalInstants::Kind::kUnique);
  EXPECT_EQ(show(r.first), "2024-05-06T07:08:00Z");
}

TEST(SystemTimeZone, FollowsTzVariable) {
  if (!haveZone("Asia/Tokyo")) GTEST_SKIP() << "no tzdata in /usr/share/zoneinfo";
  {
    ScopedTz tz("UTC");
    SystemTimeZone zone;
    EXPECT_EQ(zone.toLocal(at("2024-05-06T07:00:00Z")).hour, 7);
  }
  ScopedTz tz("Asia/Tokyo");
  SystemTimeZone zone;
  EXPECT_EQ(zone.toLocal(at("2024-05-06T07:00:00Z")), (LocalTime{2024, 5, 6, 16, 0, 0}));
  EXPECT_EQ(show(zone.fromLocal({2024, 5, 6, 16, 0, 0}).first), "2024-05-06T07:00:00Z");
}

TEST(SystemTimeZone, NewYorkGapAndRepeat) {
  if (!haveZone("America/New_York")) GTEST_SKIP() << "no tzdata in /usr/share/zoneinfo";
  ScopedTz tz("America/New_York");
  SystemTimeZone zone;

  LocalInstants noon = zone.fromLocal({2024, 3, 10, 12, 0, 0});
  EXPECT_EQ(noon.kind, LocalInstants::Kind::kUnique);
  EXPECT_EQ(show(noon.first), "2024-03-10T16:00:00Z");

  // 2024-03-10 02:00 EST became 03:00 EDT at 07:00Z.
  LocalInstants gap = zone.fromLocal({2024, 3, 10, 2, 30, 0});
  EXPECT_EQ(gap.kind, LocalInstants::Kind::kSkipped);
  EXPECT_EQ(show(gap.first), "2024-03-10T07:00:00Z");

  // 2024-11-03 02:00 EDT became 01:00 EST at 06:00Z: 01:30 happened at 05:30Z and 06:30Z.
  LocalInstants repeat = zone.fromLocal({2024, 11, 3, 1, 30, 0});
  EXPECT_EQ(repeat.kind, LocalInstants::Kind::kRepeated);
  EXPECT_EQ(show(repeat.first), "2024-11-03T05:30:00Z");
  EXPECT_EQ(show(repeat.second), "2024-11-03T06:30:00Z");
}

TEST(SystemTimeZone, BerlinGapAndRepeat) {
  if (!haveZone("Europe/Berlin")) GTEST_SKIP() << "no tzdata in /usr/share/zoneinfo";
  ScopedTz tz("Europe/Berlin");
  SystemTimeZone zone;
  // 2024-03-31 02:00 CET became 03:00 CEST at 01:00Z.
  LocalInstants gap = zone.fromLocal({2024, 3, 31, 2, 0, 0});
  EXPECT_EQ(gap.kind, LocalInstants::Kind::kSkipped);
  EXPECT_EQ(show(gap.first), "2024-03-31T01:00:00Z");
  // 2024-10-27 03:00 CEST became 02:00 CET at 01:00Z.
  LocalInstants repeat = zone.fromLocal({2024, 10, 27, 2, 0, 0});
  EXPECT_EQ(repeat.kind, LocalInstants::Kind::kRepeated);
  EXPECT_EQ(show(repeat.first), "2024-10-27T00:00:00Z");
  EXPECT_EQ(show(repeat.second), "2024-10-27T01:00:00Z");
}

}  // namespace
}  // namespace pgbr
