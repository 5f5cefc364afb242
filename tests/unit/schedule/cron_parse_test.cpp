#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "supervisor/schedule/cron.h"

namespace pgbr {
namespace {

enum class Probe { kMinute, kHour, kDay, kMonth, kWeekday };

// Which values of one field an expression accepts, probing with the other fields at '*'.
std::vector<int> accepted(Probe probe, const std::string& field) {
  std::string text;
  switch (probe) {
    case Probe::kMinute:
      text = field + " * * * *";
      break;
    case Probe::kHour:
      text = "* " + field + " * * *";
      break;
    case Probe::kDay:
      text = "* * " + field + " * *";
      break;
    case Probe::kMonth:
      text = "* * * " + field + " *";
      break;
    case Probe::kWeekday:
      text = "* * * * " + field;
      break;
  }
  std::string error;
  std::optional<CronExpr> e = CronExpr::parse(text, &error);
  EXPECT_TRUE(e.has_value()) << text << ": " << error;
  std::vector<int> values;
  if (!e) return values;
  for (int v = 0; v < 60; ++v) {
    LocalTime l{2024, 1, 1, 0, 0, 0};  // January 2024 has 31 days; the 7th is a Sunday
    switch (probe) {
      case Probe::kMinute:
        l.minute = v;
        break;
      case Probe::kHour:
        if (v > 23) continue;
        l.hour = v;
        break;
      case Probe::kDay:
        if (v < 1 || v > 31) continue;
        l.day = v;
        break;
      case Probe::kMonth:
        if (v < 1 || v > 12) continue;
        l.month = v;
        break;
      case Probe::kWeekday:
        if (v > 6) continue;
        l.day = 7 + v;
        break;
    }
    if (e->matches(l)) values.push_back(v);
  }
  return values;
}

std::vector<int> range(int lo, int hi) {
  std::vector<int> v;
  for (int i = lo; i <= hi; ++i) v.push_back(i);
  return v;
}

using V = std::vector<int>;

TEST(CronParse, Minutes) {
  EXPECT_EQ(accepted(Probe::kMinute, "*"), range(0, 59));
  EXPECT_EQ(accepted(Probe::kMinute, "0"), V{0});
  EXPECT_EQ(accepted(Probe::kMinute, "59"), V{59});
  EXPECT_EQ(accepted(Probe::kMinute, "05"), V{5});
  EXPECT_EQ(accepted(Probe::kMinute, "1,2,3"), (V{1, 2, 3}));
  EXPECT_EQ(accepted(Probe::kMinute, "10-15"), range(10, 15));
  EXPECT_EQ(accepted(Probe::kMinute, "7-7"), V{7});
  EXPECT_EQ(accepted(Probe::kMinute, "*/15"), (V{0, 15, 30, 45}));
  EXPECT_EQ(accepted(Probe::kMinute, "*/59"), (V{0, 59}));
  EXPECT_EQ(accepted(Probe::kMinute, "10-30/10"), (V{10, 20, 30}));
  EXPECT_EQ(accepted(Probe::kMinute, "10-35/10"), (V{10, 20, 30}));
  EXPECT_EQ(accepted(Probe::kMinute, "50/3"), (V{50, 53, 56, 59}));
  EXPECT_EQ(accepted(Probe::kMinute, "1-3,7,*/20"), (V{0, 1, 2, 3, 7, 20, 40}));
  EXPECT_EQ(accepted(Probe::kMinute, "5,5,5"), V{5});
}

TEST(CronParse, Hours) {
  EXPECT_EQ(accepted(Probe::kHour, "*/6"), (V{0, 6, 12, 18}));
  EXPECT_EQ(accepted(Probe::kHour, "23"), V{23});
  EXPECT_EQ(accepted(Probe::kHour, "9-17/4"), (V{9, 13, 17}));
  EXPECT_EQ(accepted(Probe::kHour, "0-23"), range(0, 23));
}

TEST(CronParse, DaysOfMonth) {
  EXPECT_EQ(accepted(Probe::kDay, "1,15,31"), (V{1, 15, 31}));
  EXPECT_EQ(accepted(Probe::kDay, "*/10"), (V{1, 11, 21, 31}));
  EXPECT_EQ(accepted(Probe::kDay, "28-31"), range(28, 31));
}

TEST(CronParse, MonthsWithNames) {
  EXPECT_EQ(accepted(Probe::kMonth, "jan"), V{1});
  EXPECT_EQ(accepted(Probe::kMonth, "DEC"), V{12});
  EXPECT_EQ(accepted(Probe::kMonth, "JAN-mar"), (V{1, 2, 3}));
  EXPECT_EQ(accepted(Probe::kMonth, "Jun,dec"), (V{6, 12}));
  EXPECT_EQ(accepted(Probe::kMonth, "*/3"), (V{1, 4, 7, 10}));
  EXPECT_EQ(accepted(Probe::kMonth, "2/5"), (V{2, 7, 12}));
  EXPECT_EQ(accepted(Probe::kMonth, "feb-apr/2"), (V{2, 4}));
  EXPECT_EQ(accepted(Probe::kMonth, "1-2,nov"), (V{1, 2, 11}));
}

TEST(CronParse, WeekdaysWithNamesAndSevenIsSunday) {
  EXPECT_EQ(accepted(Probe::kWeekday, "0"), V{0});
  EXPECT_EQ(accepted(Probe::kWeekday, "7"), V{0});
  EXPECT_EQ(accepted(Probe::kWeekday, "sun"), V{0});
  EXPECT_EQ(accepted(Probe::kWeekday, "Sat"), V{6});
  EXPECT_EQ(accepted(Probe::kWeekday, "MON-FRI"), range(1, 5));
  EXPECT_EQ(accepted(Probe::kWeekday, "5-7"), (V{0, 5, 6}));
  EXPECT_EQ(accepted(Probe::kWeekday, "sat,SUN"), (V{0, 6}));
  EXPECT_EQ(accepted(Probe::kWeekday, "*/2"), (V{0, 2, 4, 6}));
  EXPECT_EQ(accepted(Probe::kWeekday, "1/2"), (V{0, 1, 3, 5}));
  EXPECT_EQ(accepted(Probe::kWeekday, "tue-thu,0"), (V{0, 2, 3, 4}));
}

TEST(CronParse, KeepsOriginalText) {
  std::optional<CronExpr> e = CronExpr::parse("  */5\t1 * * MON ", nullptr);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->text(), "  */5\t1 * * MON ");
  EXPECT_EQ(CronExpr::parse("@Daily", nullptr)->text(), "@Daily");
}

TEST(CronParse, WallClockIsMinuteOrHourStartingWithStar) {
  EXPECT_TRUE(CronExpr::parse("* 2 * * *", nullptr)->followsWallClock());
  EXPECT_TRUE(CronExpr::parse("0 * * * *", nullptr)->followsWallClock());
  EXPECT_TRUE(CronExpr::parse("0 */2 * * *", nullptr)->followsWallClock());
  EXPECT_TRUE(CronExpr::parse("@hourly", nullptr)->followsWallClock());
  EXPECT_FALSE(CronExpr::parse("0 2 * * *", nullptr)->followsWallClock());
  EXPECT_FALSE(CronExpr::parse("0,30 1-3 * * *", nullptr)->followsWallClock());
  EXPECT_FALSE(CronExpr::parse("@daily", nullptr)->followsWallClock());
  EXPECT_FALSE(CronExpr::parse("@weekly", nullptr)->followsWallClock());
}

struct BadCase {
  const char* text;
  const char* error;
};

class CronParseError : public ::testing::TestWithParam<BadCase> {};

TEST_P(CronParseError, RefusedWithOneClearLine) {
  std::string error;
  EXPECT_FALSE(CronExpr::parse(GetParam().text, &error).has_value());
  EXPECT_EQ(error, GetParam().error);
  EXPECT_FALSE(CronExpr::parse(GetParam().text, nullptr).has_value());
}

INSTANTIATE_TEST_SUITE_P(
    Every, CronParseError,
    ::testing::Values(
        BadCase{"", "the expression is empty"}, BadCase{" \t ", "the expression is empty"},
        BadCase{"* * * *",
                "expected 5 fields (minute hour day-of-month month day-of-week), found 4"},
        BadCase{"0 * * * * *",
                "expected 5 fields (minute hour day-of-month month day-of-week), found 6"},
        BadCase{"daily", "expected 5 fields (minute hour day-of-month month day-of-week), found 1"},
        BadCase{"@reboot", "@reboot is not supported: a schedule needs a time"},
        BadCase{"@REBOOT", "@reboot is not supported: a schedule needs a time"},
        BadCase{"@fortnightly",
                "unknown macro '@fortnightly' (known: @yearly @annually @monthly "
                "@weekly @daily @midnight @hourly)"},
        BadCase{"@",
                "unknown macro '@' (known: @yearly @annually @monthly @weekly @daily "
                "@midnight @hourly)"},
        BadCase{"@daily 5", "@daily takes no other fields"},
        BadCase{"60 * * * *", "minute field: 60 is out of range 0-59"},
        BadCase{"* 24 * * *", "hour field: 24 is out of range 0-23"},
        BadCase{"* 25 * * *", "hour field: 25 is out of range 0-23"},
        BadCase{"0 0 0 * *", "day-of-month field: 0 is out of range 1-31"},
        BadCase{"0 0 32 * *", "day-of-month field: 32 is out of range 1-31"},
        BadCase{"0 0 * 0 *", "month field: 0 is out of range 1-12"},
        BadCase{"0 0 * 13 *", "month field: 13 is out of range 1-12"},
        BadCase{"0 0 * * 8", "day-of-week field: 8 is out of range 0-7"},
        BadCase{"99999999999 * * * *", "minute field: 99999999999 is out of range 0-59"},
        BadCase{"1-99 * * * *", "minute field: 99 is out of range 0-59"},
        BadCase{"x * * * *", "minute field: 'x' is not a number"},
        BadCase{"? * * * *", "minute field: '?' is not a number"},
        BadCase{"0 jan * * *", "hour field: 'jan' is not a number"},
        BadCase{"0 0 mon * *", "day-of-month field: 'mon' is not a number"},
        BadCase{"0 0 * foo *", "month field: 'foo' is not a number or a month name"},
        BadCase{"0 0 * mon *", "month field: 'mon' is not a number or a month name"},
        BadCase{"0 0 * january *", "month field: 'january' is not a number or a month name"},
        BadCase{"0 0 * * funday", "day-of-week field: 'funday' is not a number or a day name"},
        BadCase{"0 0 * * jan", "day-of-week field: 'jan' is not a number or a day name"},
        BadCase{"5-2 * * * *", "minute field: range 5-2 is reversed"},
        BadCase{"0 0 * * fri-sun", "day-of-week field: range fri-sun is reversed"},
        BadCase{"0 0 * dec-jan *", "month field: range dec-jan is reversed"},
        BadCase{"*/0 * * * *", "minute field: step 0 is out of range 1-59"},
        BadCase{"*/60 * * * *", "minute field: step 60 is out of range 1-59"},
        BadCase{"0 */24 * * *", "hour field: step 24 is out of range 1-23"},
        BadCase{"*/x * * * *", "minute field: step 'x' is not a number"},
        BadCase{"1/2/3 * * * *", "minute field: step '2/3' is not a number"},
        BadCase{"5/ * * * *", "minute field: '5/' is missing the step after '/'"},
        BadCase{"/5 * * * *", "minute field: '/5' is missing a number"},
        BadCase{"1- * * * *", "minute field: '1-' is missing a number"},
        BadCase{"-5 * * * *", "minute field: '-5' is missing a number"},
        BadCase{"*-5 * * * *", "minute field: '*' is not a number"},
        BadCase{"1,,2 * * * *", "minute field: empty list item"},
        BadCase{"1, * * * *", "minute field: empty list item"},
        BadCase{"0 0 ,1 * *", "day-of-month field: empty list item"}));

}  // namespace
}  // namespace pgbr
