#include "supervisor/schedule/time_zone.h"

#include <algorithm>
#include <ctime>

namespace pgbr {
namespace {

constexpr int64_t kSecondsPerDay = 86400;

int64_t floorDiv(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

// Howard Hinnant's days_from_civil / civil_from_days: exact for every proleptic Gregorian date.
int64_t daysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = floorDiv(y, 400);
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

int64_t toSeconds(WallTime t) {
  return std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count();
}

WallTime fromSeconds(int64_t s) {
  return WallTime{} + std::chrono::seconds(s);
}

}  // namespace

bool isLeapYear(int year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int daysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && isLeapYear(year) ? 29 : kDays[month - 1];
}

int weekday(int year, int month, int day) {
  // 1970-01-01 was a Thursday (4).
  return static_cast<int>(((daysFromCivil(year, month, day) + 4) % 7 + 7) % 7);
}

int64_t localSeconds(const LocalTime& l) {
  return daysFromCivil(l.year, l.month, l.day) * kSecondsPerDay + l.hour * 3600 + l.minute * 60 +
         l.second;
}

LocalTime localFromSeconds(int64_t seconds) {
  const int64_t days = floorDiv(seconds, kSecondsPerDay);
  const int64_t rest = seconds - days * kSecondsPerDay;
  const int64_t z = days + 719468;
  const int64_t era = floorDiv(z, 146097);
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  LocalTime l;
  l.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  l.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  l.year = static_cast<int>(yoe + era * 400 + (l.month <= 2));
  l.hour = static_cast<int>(rest / 3600);
  l.minute = static_cast<int>(rest % 3600 / 60);
  l.second = static_cast<int>(rest % 60);
  return l;
}

LocalInstants TimeZone::fromLocal(const LocalTime& local) const {
  const int64_t wanted = localSeconds(local);
  auto offsetAt = [this](int64_t t) { return localSeconds(toLocal(fromSeconds(t))) - t; };
  auto readsAsWanted = [&](int64_t t) { return localSeconds(toLocal(fromSeconds(t))) == wanted; };

  const int64_t offsetBefore = offsetAt(wanted - kSecondsPerDay);
  const int64_t offsetAfter = offsetAt(wanted + kSecondsPerDay);
  LocalInstants r;
  if (offsetBefore == offsetAfter) {
    // No offset change nearby, the common case: one instant, no need to check it.
    r.first = r.second = fromSeconds(wanted - offsetBefore);
    return r;
  }
  const int64_t early = std::min(wanted - offsetBefore, wanted - offsetAfter);
  const int64_t late = std::max(wanted - offsetBefore, wanted - offsetAfter);
  const bool earlyOk = readsAsWanted(early);
  const bool lateOk = readsAsWanted(late);

  if (earlyOk && lateOk) {
    r.kind = LocalInstants::Kind::kRepeated;
    r.first = fromSeconds(early);
    r.second = fromSeconds(late);
  } else if (earlyOk || lateOk) {
    // Near an offset change but not inside the gap or the overlap.
    r.first = r.second = fromSeconds(earlyOk ? early : late);
  } else {
    // A gap: `early` still has the old offset, `late` already the new one. Find the jump.
    r.kind = LocalInstants::Kind::kSkipped;
    const int64_t oldOffset = offsetAt(early);
    int64_t lo = early;
    int64_t hi = late;
    while (hi - lo > 1) {
      const int64_t mid = lo + (hi - lo) / 2;
      (offsetAt(mid) == oldOffset ? lo : hi) = mid;
    }
    r.first = r.second = fromSeconds(hi);
  }
  return r;
}

LocalTime UtcTimeZone::toLocal(WallTime t) const {
  return localFromSeconds(toSeconds(t));
}

SystemTimeZone::SystemTimeZone() {
  tzset();
}

LocalTime SystemTimeZone::toLocal(WallTime t) const {
  const std::time_t secs = static_cast<std::time_t>(toSeconds(t));
  std::tm tm{};
  localtime_r(&secs, &tm);
  LocalTime l;
  l.year = tm.tm_year + 1900;
  l.month = tm.tm_mon + 1;
  l.day = tm.tm_mday;
  l.hour = tm.tm_hour;
  l.minute = tm.tm_min;
  l.second = tm.tm_sec;
  return l;
}

}  // namespace pgbr
