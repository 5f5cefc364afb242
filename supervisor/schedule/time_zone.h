// Local wall-clock time for schedules. A cron expression speaks local time ("02:00 every day"),
// the rest of the supervisor speaks instants (WallTime); a TimeZone converts between the two.
//
// Going from an instant to a local reading is a function. Going back is not: when clocks spring
// forward a local reading is skipped, and when they fall back it happens twice. fromLocal() says
// which case applies so the caller can choose its policy (cron.h documents the schedule's).
//
// SystemTimeZone follows the process's TZ (the container's `TZ` variable, else /etc/localtime)
// through localtime_r; UtcTimeZone is fixed and needs no OS call. Tests may subclass TimeZone.
#pragma once

#include <cstdint>

#include "supervisor/common/clock.h"

namespace pgbr {

// A local calendar reading, proleptic Gregorian. month 1-12, day 1-31, hour 0-23.
struct LocalTime {
  int year = 1970;
  int month = 1;
  int day = 1;
  int hour = 0;
  int minute = 0;
  int second = 0;
  friend bool operator==(const LocalTime&, const LocalTime&) = default;
};

// Calendar arithmetic shared by the schedule code.
bool isLeapYear(int year);
int daysInMonth(int year, int month);
int weekday(int year, int month, int day);  // 0 = Sunday ... 6 = Saturday
// Seconds from 1970-01-01 00:00:00 to `local` counted as if the zone were UTC, and back. Gives a
// total order on readings and plain arithmetic ("one minute later") without any zone involved.
int64_t localSeconds(const LocalTime& local);
LocalTime localFromSeconds(int64_t seconds);

// Where a local reading falls on the real time line.
struct LocalInstants {
  enum class Kind {
    kUnique,    // happens once: first == second
    kRepeated,  // clocks were set back over it: first and second occurrence
    kSkipped,   // clocks jumped over it: first == second == the first instant after the jump
  };
  Kind kind = Kind::kUnique;
  WallTime first;
  WallTime second;
};

class TimeZone {
 public:
  virtual ~TimeZone() = default;
  // The local reading at `t` (seconds truncated toward the past).
  virtual LocalTime toLocal(WallTime t) const = 0;
  // Built on toLocal() alone: it probes the UTC offsets a day either side of `local` and checks
  // which candidate instants read back as `local`. That assumes at most one offset change within
  // two days, which holds for every zone in the tz database.
  LocalInstants fromLocal(const LocalTime& local) const;
};

class UtcTimeZone final : public TimeZone {
 public:
  LocalTime toLocal(WallTime t) const override;
};

// The process's local zone. The constructor calls tzset() so a TZ set before it is read;
// glibc's localtime_r does not re-read TZ by itself.
class SystemTimeZone final : public TimeZone {
 public:
  SystemTimeZone();
  LocalTime toLocal(WallTime t) const override;
};

}  // namespace pgbr
