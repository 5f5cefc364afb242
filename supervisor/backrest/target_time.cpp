#include "supervisor/backrest/target_time.h"

#include <chrono>
#include <cstdio>

namespace pgbr::backrest {
namespace {

using namespace std::chrono;

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

// `count` digits at `pos` of `s` as a number, or -1.
int digitsAt(std::string_view s, size_t pos, size_t count) {
  if (pos + count > s.size()) return -1;
  int n = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (!isDigit(s[i])) return -1;
    n = n * 10 + (s[i] - '0');
  }
  return n;
}

std::optional<WallTime> refuse(std::string* error, std::string reason) {
  if (error != nullptr) *error = std::move(reason);
  return std::nullopt;
}

std::string notATime(std::string_view text) {
  return "restore target (time) \"" + std::string(text) +
         "\" is not a time with an offset; write " + std::string(kTargetTimeForms);
}

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return text;
}

// "+HH", "+HHMM", "+HH:MM" (or '-'), "Z": minutes east of UTC, nullopt when malformed.
std::optional<int> offsetMinutes(std::string_view zone) {
  if (zone == "Z" || zone == "z") return 0;
  if (zone.size() < 3 || (zone[0] != '+' && zone[0] != '-')) return std::nullopt;
  const int hours = digitsAt(zone, 1, 2);
  int minutes = 0;
  if (zone.size() == 5) {
    minutes = digitsAt(zone, 3, 2);
  } else if (zone.size() == 6 && zone[3] == ':') {
    minutes = digitsAt(zone, 4, 2);
  } else if (zone.size() != 3) {
    return std::nullopt;
  }
  if (hours < 0 || minutes < 0 || minutes > 59) return std::nullopt;
  return (zone[0] == '-' ? -1 : 1) * (hours * 60 + minutes);
}

}  // namespace

std::optional<WallTime> targetTimeInstant(std::string_view text, std::string* error) {
  const std::string_view s = trimmed(text);
  // YYYY-MM-DD(T| )HH:MM:SS
  const int y = digitsAt(s, 0, 4);
  const int mo = digitsAt(s, 5, 2);
  const int d = digitsAt(s, 8, 2);
  const int h = digitsAt(s, 11, 2);
  const int mi = digitsAt(s, 14, 2);
  const int se = digitsAt(s, 17, 2);
  if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || se < 0 || s[4] != '-' || s[7] != '-' ||
      (s[10] != ' ' && s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':') {
    return refuse(error, notATime(text));
  }
  const year_month_day date{year(y), month(static_cast<unsigned>(mo)),
                            day(static_cast<unsigned>(d))};
  if (y < 1 || !date.ok() || h > 23 || mi > 59 || se > 59) {
    return refuse(
        error, "restore target (time) \"" + std::string(text) + "\" is not a real date and time");
  }

  size_t pos = 19;
  int64_t micros = 0;
  if (pos < s.size() && s[pos] == '.') {
    size_t end = pos + 1;
    while (end < s.size() && isDigit(s[end])) ++end;
    const size_t count = end - pos - 1;
    if (count == 0 || count > 6) {
      return refuse(error,
                    "restore target (time) may have 1 to 6 fraction digits (Postgres "
                    "keeps microseconds); write " +
                        std::string(kTargetTimeForms));
    }
    for (size_t i = pos + 1; i < pos + 7; ++i) micros = micros * 10 + (i < end ? s[i] - '0' : 0);
    pos = end;
  }

  if (pos == s.size()) {
    return refuse(error, "restore target (time) \"" + std::string(text) +
                             "\" has no offset from UTC, and pgBackRest would read it in the "
                             "server's time zone; add one, e.g. " +
                             std::string(kTargetTimeForms));
  }
  const std::optional<int> offset = offsetMinutes(s.substr(pos));
  if (!offset) return refuse(error, notATime(text));
  // The zones that exist, as pgBackRest accepts them.
  if (*offset < -12 * 60 || *offset > 14 * 60) {
    return refuse(error, "restore target (time) offset must be between -12:00 and +14:00");
  }

  const auto local = sys_days(date) + hours(h) + minutes(mi) + seconds(se) + microseconds(micros);
  return time_point_cast<WallTime::duration>(local - minutes(*offset));
}

std::string formatTargetTime(WallTime instant) {
  const auto us = floor<microseconds>(instant);
  const auto day_start = floor<days>(us);
  const year_month_day date{day_start};
  const hh_mm_ss<microseconds> clock{us - day_start};
  char text[48];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u %02d:%02d:%02d", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<int>(clock.hours().count()), static_cast<int>(clock.minutes().count()),
                static_cast<int>(clock.seconds().count()));
  std::string out = text;
  if (const auto fraction = clock.subseconds().count(); fraction != 0) {
    char digits[24];  // room for any long long, though a fraction has six digits
    std::snprintf(digits, sizeof digits, "%06lld", static_cast<long long>(fraction));
    std::string trimmed_digits = digits;
    while (trimmed_digits.back() == '0') trimmed_digits.pop_back();
    out += "." + trimmed_digits;
  }
  return out + "+00";
}

std::optional<std::string> normalizeTargetTime(std::string_view text, std::string* error) {
  const std::optional<WallTime> instant = targetTimeInstant(text, error);
  if (!instant) return std::nullopt;
  return formatTargetTime(*instant);
}

}  // namespace pgbr::backrest
