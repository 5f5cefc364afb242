// Cron expressions for the backup schedule (PGBR_SCHEDULE_FULL, _DIFF, _INCR).
//
// Syntax is classic 5-field cron, "minute hour day-of-month month day-of-week":
//   *   n   a-b   lists a,b-c   steps */n a-b/n a/n (a/n means a up to the field's maximum)
//   month names JAN-DEC and weekday names SUN-SAT, any case, also inside ranges (MON-FRI);
//   day-of-week 0 and 7 are both Sunday;
//   macros @yearly @annually @monthly @weekly @daily @midnight @hourly, alone on the line.
// @reboot is refused: a schedule needs a time. Anything else is refused with one lowercase line
// naming the field and the fault ("hour field: 25 is out of range 0-23").
//
// Days follow cron's old rule: when both day-of-month and day-of-week are restricted (neither
// field starts with '*'), a day matches if EITHER does ("0 0 1 * MON": the 1st and every
// Monday). Otherwise both must match, so a '*' field simply drops out.
//
// next() answers the first firing strictly after a given instant, in the local time of a
// TimeZone. Clock changes follow cronie:
//   - A job is "wall-clock" when its minute or hour field starts with '*' (this includes
//     @hourly); otherwise it is "fixed-time" (@daily, "30 2 * * *").
//   - Wall-clock jobs follow the local clock as it really reads: readings skipped by a
//     spring-forward never fire, readings repeated by a fall-back fire on each occurrence.
//     @hourly thus fires once every real hour.
//   - Fixed-time jobs fire once per matching day: a reading skipped by a spring-forward fires at
//     the first instant after the jump (02:30 on the New York spring day fires at 03:00 EDT),
//     and a repeated reading fires only on its first occurrence.
// An expression that can never match ("0 0 30 2 *", "0 0 31 4 *") parses, and next() returns
// nullopt for it; the scheduler then shows no next run. Any satisfiable expression matches
// within 8 years (Feb 29 across a century that is not a leap year), which bounds the search.
// Nothing fires after 2261: WallTime (64-bit nanoseconds) ends in April 2262.
//
// next() skips by field (year, month, day, hour, minute), never minute by minute.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "supervisor/common/clock.h"
#include "supervisor/schedule/time_zone.h"

namespace pgbr {

class CronExpr {
 public:
  // The only way to make one. On failure returns nullopt and, when `error` is not null, sets it
  // to the reason (one lowercase line).
  static std::optional<CronExpr> parse(std::string_view text, std::string* error);
  // A schedule setting (PGBR_SCHEDULE_*) as config/ validated it at start-up: empty disables
  // the schedule (nullopt).
  static std::optional<CronExpr> fromSetting(const std::string& text);

  // The text it was parsed from, unchanged.
  const std::string& text() const { return text_; }
  // Whether clock changes are followed as the clock reads (see above).
  bool followsWallClock() const { return wall_clock_; }

  // The first firing strictly after `after`, or nullopt when the expression never matches.
  std::optional<WallTime> next(WallTime after, const TimeZone& tz) const;

  // True when the local reading (seconds ignored) matches every field.
  bool matches(const LocalTime& local) const;

 private:
  CronExpr() = default;

  bool dayMatches(int year, int month, int day) const;
  // First matching local minute at or after `minute` (minutes counted like localSeconds()/60).
  std::optional<int64_t> firstMatchFrom(int64_t minute) const;
  // The instant the local minute fires at under the clock-change policy, if after `after`.
  std::optional<WallTime> fireTime(int64_t minute, WallTime after, const TimeZone& tz) const;

  std::string text_;
  // Bit n set = value n allowed. Days of week 0-6 with Sunday 0; days 1-31; months 1-12.
  uint64_t minutes_ = 0;
  uint64_t hours_ = 0;
  uint64_t days_ = 0;
  uint64_t months_ = 0;
  uint64_t weekdays_ = 0;
  bool day_or_ = false;  // both day fields restricted: either may match
  bool wall_clock_ = false;
};

}  // namespace pgbr
